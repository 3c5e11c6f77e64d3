"""The status table printed by ``okr-portal status``."""

from __future__ import annotations

from site_builder.compute.rules import KeyResultStatus, ObjectiveStatus, Report
from site_builder.render.formats import format_percent as _percent, format_value
from site_builder.compute.status import Status
from site_builder.model import Portal
from site_builder.render.messages import messages

# The English catalog's words, as a table in a terminal writes them: "on track".
STATUS_LABELS = {status.value: messages("en")[f"status.{status.value}"].lower() for status in Status}


def _latest(result: KeyResultStatus, portal: Portal) -> str:
    kr = result.key_result
    if kr.type == "milestone":
        return f"done {kr.done}" if result.status.value == "achieved" else f"due {kr.due}"
    if result.current is None:
        return "—"
    metric = portal.metrics[kr.metric]
    return f"{format_value(result.current.value, metric.decimals, metric.unit)} ({result.current.date})"


def status_table(report: Report, portal: Portal) -> str:
    """Objectives by period; with units (okrs/units.yml), by unit within each period too."""
    lang = report.settings.default_language
    rows: list[tuple[str, ...]] = []
    headings: dict[int, list[str]] = {}  # row index -> the headings printed before it
    current_period = None
    for objective in _in_order(report):
        if objective.period is not current_period:
            current_period, current_unit = objective.period, None
            title = current_period.title.get(lang, lang)
            headings.setdefault(len(rows), []).append(
                f"{title} ({current_period.id}, {current_period.start} to {current_period.end})")
        unit = report.units.unit_of(objective.objective)
        if report.units.root is not None and unit != current_unit:
            current_unit = unit
            headings.setdefault(len(rows), []).append(f"  {_unit_title(report, unit, lang)} ({unit})")
        rows.append((objective.objective.id, "", STATUS_LABELS[objective.status], _percent(objective.progress), ""))
        for kr in objective.key_results:
            rows.append(("", kr.key_result.id, STATUS_LABELS[kr.status], _percent(kr.progress), _latest(kr, portal)))
    header = ("OBJECTIVE", "KEY RESULT", "STATUS", "PROGRESS", "LATEST VALUE")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]

    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    out = [f"Status as of {report.as_of}", ""]
    out.append(line(header))
    for i, row in enumerate(rows):
        for n, heading in enumerate(headings.get(i, ())):
            out += [heading] if n else ["", heading]  # a unit's heading right under its period's
        out.append(line(row))
    if not rows:
        out.append("(no public objectives)")
    return "\n".join(out) + "\n"


def _in_order(report: Report) -> list[ObjectiveStatus]:
    """The report's objectives (by period, then file); with units, each period's grouped
    by unit in tree order (the root first, then each unit's sub-units, depth first)."""
    tree = report.units
    if tree.root is None:
        return list(report.objectives)
    rank = {unit_id: n for n, unit_id in enumerate(tree.subtree(tree.root))}
    periods = {p.id: n for n, p in enumerate(report.settings.periods)}
    return sorted(report.objectives, key=lambda o: (periods.get(o.period.id, 0),
                                                    rank.get(tree.unit_of(o.objective), len(rank))))


def _unit_title(report: Report, unit_id: str, lang: str) -> str:
    unit = report.units.by_id.get(unit_id)
    return unit.title.get(lang, lang) if unit is not None and unit.title is not None else unit_id

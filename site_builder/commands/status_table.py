"""The status table printed by ``okr-portal status``."""

from __future__ import annotations

from site_builder.compute.rules import KeyResultStatus, Report
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
    lang = report.settings.default_language
    rows: list[tuple[str, ...]] = []
    period_rows: dict[int, str] = {}
    current_period = None
    for objective in report.objectives:
        if objective.period is not current_period:
            current_period = objective.period
            title = current_period.title.get(lang, lang)
            period_rows[len(rows)] = (f"{title} ({current_period.id}, {current_period.start} to "
                                      f"{current_period.end})")
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
        if i in period_rows:
            out += ["", period_rows[i]]
        out.append(line(row))
    if not rows:
        out.append("(no public objectives)")
    return "\n".join(out) + "\n"

"""The diff as Markdown, for a pull-request comment (GitHub-flavoured).

Everything a user wrote is escaped by ``md``: the report shows text, never markup,
HTML or @mentions of people.
"""

from __future__ import annotations

import re
from collections import Counter

from site_builder.commands.diff.compare import Diff
from site_builder.commands.status_table import STATUS_LABELS
from site_builder.commands.wording import count

MAX_ROWS = 20  # observation changes listed per metric; the rest are counted
MAX_TEXT = 200  # characters of a long text shown in a table cell

# A field as the report names it, when that differs from the history's name for it.
FIELD_LABELS = {"alignment": "aligns to"}

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#!])")


def md(text: str, limit: int = MAX_TEXT) -> str:
    """User text as literal Markdown for one line or table cell: no markup, HTML or @mentions."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    return _SPECIAL.sub(r"\\\1", text).replace("@", "@&#8203;")


def _cell(text: str) -> str:
    return md(text) if text else "—"


def _code_block(lines: list[str]) -> list[str]:
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + "text", *lines, fence]


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *("| " + " | ".join(row) + " |" for row in rows), ""]


def _label(field: str) -> str:
    return FIELD_LABELS.get(field, field)


def _where(first_id: str, second_id: str | None, title: str) -> str:
    ids = f"`{first_id}`" + (f" › `{second_id}`" if second_id else "")
    return f"{ids} {md(title)}".rstrip()


def _summary(diff: Diff) -> str:
    parts = []
    for noun, ids in (("objective", [i for i in diff.items if not i.key_result_id]),
                      ("key result", [i for i in diff.items if i.key_result_id])):
        kinds = Counter(i.kind for i in ids)
        parts += [count(kinds[k], noun) + f" {k}" for k in ("added", "removed", "changed") if kinds[k]]
    if diff.statuses:
        parts.append(count(len(diff.statuses), "status change"))
    rows = [r for m in diff.metrics for r in m.observations]
    kinds = Counter("new" if not r.old else "removed" if not r.new else "revised" for r in rows)
    parts += [count(kinds[k], f"{k} observation") for k in ("new", "revised", "removed") if kinds[k]]
    kinds = Counter(m.kind for m in diff.metrics if m.kind != "changed" or m.fields)
    parts += [count(kinds[k], "metric") + f" {k}" for k in ("added", "removed", "changed") if kinds[k]]
    if diff.settings:
        parts.append(count(len(diff.settings), "portal setting") + " changed")
    problems = len(diff.problems) + diff.hidden_problems
    if problems:
        parts.append(count(problems, "new validation problem"))
    return (", ".join(parts) + ".") if parts else ""


def render_markdown(diff: Diff) -> str:
    """The report, for a pull-request comment (GitHub-flavoured Markdown)."""
    summary = _summary(diff)
    if not diff.changes_site:
        summary = f"No changes to the public site. {summary}".rstrip()
    out = ["## What this change does to the public site", "", summary, "",
           f"Compared {md(diff.a_name)} with {md(diff.b_name)}, statuses as of {diff.as_of}.", ""]
    for section in (_problems_section, _items_section, _statuses_section, _metrics_section, _observations_section,
                    _settings_section):
        out += section(diff)
    return "\n".join(out).rstrip() + "\n"


def _problems_section(diff: Diff) -> list[str]:
    if not diff.problems and not diff.hidden_problems:
        return []
    out = ["### New validation problems", "",
           "The site cannot be built until these are fixed (`okr-portal validate` lists them all). "
           "Statuses are not compared for objectives whose files have problems.", ""]
    if diff.problems:
        out += [*_code_block([str(p) for p in diff.problems]), ""]
    if diff.hidden_problems:
        out += [f"{count(diff.hidden_problems, 'problem')} in unpublished files "
                "(drafts and the metrics only they use) not shown here.", ""]
    return out


def _items_section(diff: Diff) -> list[str]:
    rows = []
    for item in diff.items:
        where = _where(item.objective_id, item.key_result_id, item.title)
        if item.kind == "removed":
            rows.append((where, "**removed**", "—", "—"))
        elif item.kind == "added":
            facts = [f"{_label(f.field)}: {md(f.new)}" for f in item.fields]
            facts += [f"status: {item.status}"] if item.status else []
            rows.append((where, "**added**", "—", "; ".join(facts) or "—"))
        else:
            rows += [(where if i == 0 else "", md(_label(f.field)), _cell(f.old), _cell(f.new))
                     for i, f in enumerate(item.fields)]
    head = ("Objective › key result", "Change", "Before", "After")
    return ["### Objectives and key results", "", *_table(head, rows)] if rows else []


def _statuses_section(diff: Diff) -> list[str]:
    rows = [(_where(s.objective_id, s.key_result_id, s.title), STATUS_LABELS[s.old], STATUS_LABELS[s.new])
            for s in diff.statuses]
    head = ("Objective › key result", "Before", "After")
    return [f"### Status changes (as of {diff.as_of})", "", *_table(head, rows)] if rows else []


def _metrics_section(diff: Diff) -> list[str]:
    rows = [(_where(m.metric_id, None, m.title), f"**{m.kind}**", "—", md(m.summary) or "—")
            for m in diff.metrics if m.kind != "changed"]
    rows += [(f"`{m.metric_id}`", md(f.field), _cell(f.old), _cell(f.new)) for m in diff.metrics for f in m.fields]
    return ["### Metrics", "", *_table(("Metric", "Change", "Before", "After"), rows)] if rows else []


def _observations_section(diff: Diff) -> list[str]:
    rows, more = [], []
    for m in diff.metrics:
        rows += [(f"`{m.metric_id}`", str(r.date), _cell(r.old), _cell(r.new) if r.new else "removed")
                 for r in m.observations[:MAX_ROWS]]
        if len(m.observations) > MAX_ROWS:
            more.append(f"… and {len(m.observations) - MAX_ROWS} more for `{m.metric_id}`.")
    if not rows:
        return []
    return ["### Metric observations", "", *_table(("Metric", "Date", "Before", "After"), rows),
            *([*more, ""] if more else [])]


def _settings_section(diff: Diff) -> list[str]:
    rows = [(md(f.field), _cell(f.old), _cell(f.new)) for f in diff.settings]
    return ["### Portal settings", "", *_table(("Setting", "Before", "After"), rows)] if rows else []

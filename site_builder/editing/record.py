"""`okr-portal record`: one observation added to, or corrected in, a metric's CSV (DESIGN.md §3, §6).

Through fetch's upsert (feeds/merge), so a recorded value lands where a fetched one
would, in the file's own order, newline and BOM; under fetch's lock too, so a
fetch and a record never both rewrite one file. The portal is validated with
the change before anything is written.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Callable

from site_builder.commands.diff.report import md
from site_builder.editing import staged
from site_builder.editing.outcome import Outcome, refused
from site_builder.feeds.errors import FeedError
from site_builder.feeds.merge import canonical, merge
from site_builder.model import FLAGS, Metric, Portal
from site_builder.problems import did_you_mean, excerpt
from site_builder.source.check import check
from site_builder.source.load import METRICS_DIR
from site_builder.source.values import finite_in_range, is_number_text

MAX_NOTE_CHARS = 500
_WITH_UNIT = re.compile(r"([-+]?[\d.,]*\d)\s*(\S.*)")  # "45%", "12 days": a number, then its unit


def record(root: Path, metric: str, when: date, value: str, note: str | None = None,
           flag: str | None = None, groups: dict[str, str] | None = None, *,
           waiting: Callable[[str], None] | None = None) -> Outcome:
    """Add or correct ``metric``'s observation on ``when`` (of the group ``groups`` names; the headline
    series without). ``note`` and ``flag`` replace the row's when given ("" clears one) and are kept
    when not. ``waiting(message)`` is told once when another run holds the portal."""
    root = Path(root)
    try:
        with staged.locked(root, (staged.EDIT_LOCK, "fetch"), waiting):
            return _record(root, metric, when, value, note, flag, dict(groups or {}))
    except staged.LockFailed as exc:
        return refused("", str(exc))


def _record(root: Path, metric_id: str, when: date, value: str, note: str | None, flag: str | None,
            groups: dict[str, str]) -> Outcome:
    before = check(root)
    portal = before.portal
    if portal.settings is None:
        return refused("", *staged.problem_lines(before))
    metric = portal.metrics.get(metric_id)
    if metric is None:
        return refused("", f"unknown metric '{excerpt(metric_id)}': there is no okrs/metrics/{excerpt(metric_id)}.yml "
                           f"or .csv{did_you_mean(metric_id, portal.metrics)}", *staged.problem_lines(before))
    rel = metric.csv_path or f"{METRICS_DIR}/{metric.id}.csv"
    if staged.link_problem(root, rel):
        return refused(rel, staged.link_problem(root, rel))
    if metric.derived:
        return refused(rel, f"{metric.meta_path}: metric '{metric.id}' is derived (it has a formula): its values "
                            "are computed from the metrics it names; record those instead")
    number, wrong = _number(value)
    wrong += _wrong_arguments(portal, metric, when, note, flag, groups)
    if wrong:
        return refused(rel, *wrong)
    if flag is not None and not flag.strip() and (portal.settings.schema or 1) < 2:
        flag = None  # nothing to clear: a schema 1 file has no flag column
    cells = {name: text.strip() for name, text in (("note", note), ("flag", flag)) if text is not None}
    group = metric.group_key(groups)
    path = root / rel
    try:
        existing = path.read_bytes() if path.exists() else None
        merged = merge(existing, rel, {group: {when: number}}, portal.settings.schema, metric.dimensions,
                       metric.meta_path, cells, keep_order=True)  # one row changes: the others stay put
    except FeedError as exc:
        return refused(rel, str(exc) if str(exc).startswith(rel) else f"{rel}: {exc}")
    except OSError as exc:
        return refused(rel, f"{rel}: cannot be read: {exc.strerror or exc}")
    what = f"`{metric.id}`" + (" (" + ", ".join(f"{d}={c}" for d, c in group) + ")" if group else "")
    old = _old(metric, group, when)
    if merged.data is None:
        return Outcome(False, [], f"No change: {what} already holds {md(canonical(number))} on {when}.\n", rel)
    after, problems = staged.apply(root, rel, merged.data)
    if problems:
        return refused(rel, *problems)
    new = md(canonical(number))
    change = (f"recorded: {new}" if old is None else f"corrected from {md(old)} to {new}"
              if old != canonical(number) else f"still {new}")
    extras = "".join(f"; {name} " + (f"set to '{md(text)}'" if text else "cleared") for name, text in cells.items())
    lead = f"{what} on {when} {change}{extras}, in {md(rel)}."
    return Outcome(True, [], staged.change_report(before, after, lead, "the new value"), rel)


def _old(metric: Metric, group, when: date):
    row = next((o for o in metric.series(group) if o.date == when), None)
    return None if row is None or row.value is None else canonical(row.value)


# One comma, not followed by a group of three digits: 91,5 is 91.5 written the European way.
_DECIMAL_COMMA = re.compile(r"-?\d+,(\d{1,2}|\d{4,})")


def _plain(number: str) -> str:
    """The number as a CSV holds it: a decimal comma as a point, thousands separators left out."""
    return number.replace(",", ".") if _DECIMAL_COMMA.fullmatch(number) else number.replace(",", "")


def _number(raw: str) -> tuple[float, list[str]]:
    """The value, or why it is not one, in words that say what to write instead."""
    text = raw.strip()
    if is_number_text(text):
        number = float(text)
        why = finite_in_range(number)
        return number, [] if why is None else [f"value '{excerpt(text)}' {why}"]
    if not text:
        return 0.0, ["the value is empty: give a number, as in 42 or 3.5"]
    if "," in text and is_number_text(_plain(text)):
        if _DECIMAL_COMMA.fullmatch(text):
            return 0.0, [f"value '{excerpt(text)}' has a decimal comma: write it with a point, as {_plain(text)}"]
        return 0.0, [f"value '{excerpt(text)}' has a thousands separator: write it without one, as {_plain(text)} "
                     "(a decimal comma is written with a point: 3.5)"]
    unit = _WITH_UNIT.fullmatch(text)
    if unit and is_number_text(_plain(unit.group(1))):
        return 0.0, [f"value '{excerpt(text)}' has a unit or other text after the number: write the number only, "
                     f"as {_plain(unit.group(1))} (the unit is the metric's, in its .yml)"]
    return 0.0, [f"value '{excerpt(text)}' is not a number: write plain digits, as in 42 or 3.5"]


def _wrong_arguments(portal: Portal, metric: Metric, when: date, note: str | None, flag: str | None,
                     groups: dict[str, str]) -> list[str]:
    wrong = []
    schema = portal.settings.schema or 1
    if when > date.today():
        wrong.append(f"the date {when} is after today: record an observation once it has been made")
    if note is not None and ("\n" in note or "\r" in note or len(note) > MAX_NOTE_CHARS):
        wrong.append(f"the note must be one line of at most {MAX_NOTE_CHARS} characters")
    if flag is not None and flag.strip():
        if schema < 2:
            wrong.append("flags need a portal of schema: 2 (okrs/portal.yml); this one is schema 1")
        elif flag.strip() not in FLAGS:
            wrong.append(f"flag '{excerpt(flag)}' is not one of {', '.join(FLAGS)}{did_you_mean(flag, FLAGS)}")
    declared = {d.id: d for d in metric.dimensions}
    for name, code in groups.items():
        dimension = declared.get(name)
        if dimension is None:
            known = f"its dimensions: {', '.join(declared)}" if declared else "it declares no dimensions"
            wrong.append(f"metric '{metric.id}' has no dimension '{excerpt(name)}'{did_you_mean(name, declared)} "
                         f"({known})")
        elif code not in dimension.codes:
            wrong.append(f"'{excerpt(code)}' is not a code of dimension '{name}' of metric '{metric.id}'"
                         f"{did_you_mean(code, dimension.codes)} (its codes: {', '.join(dimension.codes)})")
    return wrong

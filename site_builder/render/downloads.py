"""The open-data CSV of a metric: its observations up to the as-of date, with notes
that a spreadsheet never reads as formulas.

Columns ``date,value,note``, as a schema 1 portal has always published them; a schema 2
metric adds a column per declared dimension and, when any row has one, ``flag``. Its
headline rows come first (their dimension cells empty), then each group's rows, the
groups in the order the metric declares its dimensions and codes.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import repeat

from site_builder.model import GroupKey, Metric, Observation
from site_builder.render.context import Context
from site_builder.speed import CSVS


def metric_csv(metric: Metric, ctx: Context) -> str:
    """The metric's observations up to the as-of date, as the open-data CSV: the same file in
    every language, made once (found by the identity of the metric, which holds the
    headline rows and the groups alike)."""
    return CSVS.get(metric, ctx.report.as_of, lambda: _make_csv(metric, ctx))


def columns(metric: Metric, as_of: date) -> list[str]:
    """The CSV's header (datapackage.json describes the same columns)."""
    names = ["date", "value", "note", *(d.id for d in metric.dimensions)]
    return names + ["flag"] if flags_in(metric, as_of) else names


def group_order(metric: Metric) -> list[GroupKey]:
    """The groups with rows, in the metric's order of dimensions and codes."""
    position = {d.id: (i, {code: n for n, code in enumerate(d.codes)}) for i, d in enumerate(metric.dimensions)}

    def key(group: GroupKey):
        places = [0] * len(position)
        for dimension, code in group:
            i, codes = position.get(dimension, (None, {}))
            if i is not None:
                places[i] = codes.get(code, len(codes)) + 1  # a dimension left empty sorts first
        return places, group
    return sorted(metric.groups, key=key)


def flags_in(metric: Metric, as_of: date) -> dict[str, int]:
    """How many rows up to the as-of date carry each flag, headline and groups alike."""
    counts: dict[str, int] = {}
    for group in [(), *metric.groups]:
        for row in metric.until(as_of, group):
            if row.flag:
                counts[row.flag] = counts.get(row.flag, 0) + 1
    return counts


def _make_csv(metric: Metric, ctx: Context) -> str:
    as_of = ctx.report.as_of
    if not metric.dimensions and not metric.groups and "flag" not in columns(metric, as_of):
        return _plain_csv(metric.until(as_of))  # as a schema 1 portal has always published it
    header = columns(metric, as_of)
    dimensions = [d.id for d in metric.dimensions]
    with_flag = header[-1] == "flag"
    parts = [",".join(header) + "\n"]
    for group in [(), *group_order(metric)]:
        rows = metric.until(as_of, group)
        if rows:
            cells = dict(group)
            parts.append(_rows(rows, [cells.get(d, "") for d in dimensions], with_flag))
    return "".join(parts)


def _plain_csv(shown: tuple[Observation, ...]) -> str:
    # Column by column, with C-level passes: a large portal has hundreds of thousands of rows.
    if not shown:
        return "date,value,note\n"
    days, values, notes = list(zip(*shown))[:3]
    numbers = _numbers(values)
    notes = [csv_field(note) if note else "" for note in notes] if any(notes) else repeat("")
    return "date,value,note\n" + "\n".join(map(",".join, zip(map(date.isoformat, days), numbers, notes))) + "\n"


def _rows(shown: tuple[Observation, ...], codes: list[str], with_flag: bool) -> str:
    """One series' rows, its dimension codes (and flags) after date, value and note."""
    days, values, notes, _, flags = zip(*shown)
    numbers = _numbers(values)
    tail = "".join("," + code for code in codes)
    notes = [csv_field(note) if note else "" for note in notes]
    if with_flag:
        return "".join(f"{d.isoformat()},{v},{n}{tail},{f or ''}\n" for d, v, n, f in zip(days, numbers, notes, flags))
    return "".join(f"{d.isoformat()},{v},{n}{tail}\n" for d, v, n in zip(days, numbers, notes))


def _numbers(values) -> list[str]:
    # repr(value) without a trailing ".0", and None as an empty field (no repr has "\n" or "None").
    return ("\n".join(map(repr, values)) + "\n").replace(".0\n", "\n").replace("None\n", "\n").split("\n")


# A spreadsheet reads a cell that starts with one of these as a formula (or, tab and CR,
# drops them and reads what follows): OWASP's CSV-injection rule is a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def csv_field(text: str) -> str:
    """A note as one CSV field: never a formula, and quoted only when it holds a comma,
    quote or line break.

    Checked as written out, after any stripping. A cell that is purely a number
    (-3.5) is a number, not a formula, and stays as it is.
    """
    if text.startswith(_FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        text = "'" + text
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text

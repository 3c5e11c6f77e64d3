"""The open-data CSV of a metric: its observations up to the as-of date, with notes
that a spreadsheet never reads as formulas."""

from __future__ import annotations

import re
from datetime import date
from itertools import repeat

from site_builder.render.context import Context
from site_builder.speed import CSVS


def metric_csv(metric, ctx: Context) -> str:
    """The metric's observations up to the as-of date, as the open-data CSV: the same file in
    every language, made once."""
    return CSVS.get(metric.observations, ctx.report.as_of, lambda: _make_csv(metric, ctx))


def _make_csv(metric, ctx: Context) -> str:
    # Column by column, with C-level passes: a large portal has hundreds of thousands of rows.
    shown = metric.until(ctx.report.as_of)
    if not shown:
        return "date,value,note\n"
    days, values, notes = list(zip(*shown))[:3]
    # repr(value) without a trailing ".0", and None as an empty field (no repr has "\n" or "None").
    numbers = ("\n".join(map(repr, values)) + "\n").replace(".0\n", "\n").replace("None\n", "\n").split("\n")
    notes = [csv_field(note) if note else "" for note in notes] if any(notes) else repeat("")
    return "date,value,note\n" + "\n".join(map(",".join, zip(map(date.isoformat, days), numbers, notes))) + "\n"


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

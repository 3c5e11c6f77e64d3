"""Dates and numbers as users and feeds write them: the one parser (DESIGN.md §3).

YAML files, metric CSVs and feed answers all go through these, so "a date" and
"a number" mean the same everywhere: a date is exactly YYYY-MM-DD and a real
day; a number is plain ASCII digits (no units, no thousands separators), finite,
and within LARGEST_NUMBER either way. Each reader words its own message around
the reason these return, naming its file and line.
"""

from __future__ import annotations

import math
import re
from datetime import date

# The largest magnitude a value may have, in YAML, in CSVs and in feed answers: a
# chart must be able to subtract and scale any two values, and float keeps every
# whole number up to here.
LARGEST_NUMBER = 1e15
OUT_OF_RANGE = f"is out of range: values must be between -{LARGEST_NUMBER:,.0f} and {LARGEST_NUMBER:,.0f}"

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"  # also the JSON Schemas' pattern
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# A number in a CSV cell or a feed answer.
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", re.ASCII)
# A number YAML 1.1 reads as text (1e3, 1_000) though people mean a number.
YAML_NUMBER = re.compile(r"^[-+]?(\d[\d_]*)?\.?\d+([eE][-+]?\d+)?$", re.ASCII)

NOT_A_DATE = "is not a date in the form YYYY-MM-DD"
NOT_A_REAL_DATE = "is not a real date"


def read_date(raw: str) -> tuple[date | None, str | None]:
    """(the date, None), or (None, why not). ``raw`` is taken as written: callers strip.

    date.fromisoformat alone would also take 20260101 and 2026-W01-1.
    """
    if len(raw) != 10 or not _DATE.fullmatch(raw):
        return None, NOT_A_DATE
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        return None, NOT_A_REAL_DATE


def is_number_text(raw: str) -> bool:
    """Whether a CSV cell or feed field is written as a plain number."""
    return _NUMBER.fullmatch(raw) is not None


def in_range(value: float) -> bool:
    return -LARGEST_NUMBER <= value <= LARGEST_NUMBER


def finite_in_range(value: float) -> str | None:
    """None for a value a chart can use, else why not (after "value 'x' ")."""
    if not math.isfinite(value):
        return "is not a finite number"
    if not in_range(value):
        return OUT_OF_RANGE
    return None

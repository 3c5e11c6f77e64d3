"""Reading a metric's observations from okrs/metrics/<id>.csv (DESIGN.md §3)."""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import date

from site_builder.model import Observation
from site_builder.problems import Loc, Problem

REQUIRED_COLUMNS = ("date", "value")
ALLOWED_COLUMNS = ("date", "value", "note")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_observations(text: str, rel: str, problems: list[Problem]) -> tuple[Observation, ...]:
    """The observations of one CSV file, sorted by date; rows with problems are left out."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        problems.append(Problem(Loc(rel), "file is empty; it needs a header line 'date,value'"))
        return ()
    columns = [name.strip() for name in header]
    if not _check_header(columns, rel, problems):
        return ()
    i_date, i_value = columns.index("date"), columns.index("value")
    i_note = columns.index("note") if "note" in columns else None
    width = len(columns)

    rows: list[Observation] = []
    first_line: dict[date, int] = {}
    line = reader.line_num
    try:
        for row in reader:
            line, start = reader.line_num, line + 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # a blank line
            if len(row) < width and i_note is not None and len(row) > max(i_date, i_value):
                row = row + [""] * (width - len(row))  # a row may leave out a trailing note
            if len(row) != width:
                problems.append(Problem(Loc(rel, start), f"row has {len(row)} values but the header has {width} columns"))
                continue
            when = _date(row[i_date].strip(), rel, start, problems)
            raw = row[i_value].strip()
            value = _value(raw, rel, start, problems) if raw else None
            if when is None or value is _BAD:
                continue
            if when in first_line:
                problems.append(Problem(Loc(rel, start), f"date {when} appears twice (first at line {first_line[when]})"))
                continue
            first_line[when] = start
            note = row[i_note].strip() or None if i_note is not None else None
            rows.append(Observation(when, value, note, start))
    except csv.Error as exc:
        problems.append(Problem(Loc(rel, reader.line_num), f"CSV syntax error: {exc}"))
    rows.sort()
    return tuple(rows)


_BAD = object()


def _check_header(columns: list[str], rel: str, problems: list[Problem]) -> bool:
    ok = True
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.append(Problem(Loc(rel), f"missing column '{name}': the header must name the columns date,value (and optionally note)"))
            ok = False
    for name in columns:
        if name not in ALLOWED_COLUMNS:
            problems.append(Problem(Loc(rel), f"unexpected column '{name}': schema 1 allows only date, value and note"))
            ok = False
    for name in set(columns):
        if columns.count(name) > 1 and name in ALLOWED_COLUMNS:
            problems.append(Problem(Loc(rel), f"column '{name}' appears twice in the header"))
            ok = False
    return ok


def _date(raw: str, rel: str, line: int, problems: list[Problem]) -> date | None:
    if _DATE.fullmatch(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            problems.append(Problem(Loc(rel, line), f"date '{raw}' is not a real date"))
            return None
    problems.append(Problem(Loc(rel, line), f"date '{raw}' is not a date in the form YYYY-MM-DD"))
    return None


def _value(raw: str, rel: str, line: int, problems: list[Problem]):
    if _NUMBER.fullmatch(raw):
        value = float(raw)
        if math.isfinite(value):
            return value
        problems.append(Problem(Loc(rel, line), f"value '{raw}' is too large to be a number"))
        return _BAD
    if raw.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        problems.append(Problem(Loc(rel, line), f"value '{raw}' is not a finite number; leave the value empty when there is no observation"))
    else:
        problems.append(Problem(Loc(rel, line), f"value '{raw}' is not a number (write plain digits such as 1234.5, without units or thousands separators)"))
    return _BAD

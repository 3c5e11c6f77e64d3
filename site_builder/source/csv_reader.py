"""Reading a metric's observations from okrs/metrics/<id>.csv (DESIGN.md §3)."""

from __future__ import annotations

import csv
import io
import math
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from itertools import compress, repeat
from operator import lt, ne
from typing import Mapping

from site_builder.model import FLAGS, GroupKey, Observation
from site_builder.problems import Loc, Problem, did_you_mean, excerpt
from site_builder.source.values import LARGEST_NUMBER, OUT_OF_RANGE, in_range, is_number_text, read_date

REQUIRED_COLUMNS = ("date", "value")
ALLOWED_COLUMNS = ("date", "value", "note")
FLAG_COLUMN = "flag"  # [2]
_FLAG_CHOICES = ", ".join(sorted(FLAGS))


@dataclass(frozen=True)
class Layout:
    """What a metric's CSV may hold beyond date, value and note: in schema 2 a flag column and
    a column per declared dimension (DESIGN.md §3)."""

    schema: int | None = 1  # None: not known (reported elsewhere); read as the newest
    dimensions: Mapping[str, frozenset[str]] = field(default_factory=dict)  # dimension -> its codes, in order
    meta_rel: str | None = None  # the metric's yml, named in messages about dimensions

    @property
    def flags(self) -> bool:
        return self.schema is None or self.schema >= 2


class _AnyCode(frozenset):
    def __contains__(self, code) -> bool:
        return True


def lenient_layout(text: str) -> Layout:
    """A layout that takes every column beyond date, value, note and flag as a dimension with any
    codes: for reading the files of past commits (history), whose declarations are not at hand."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    extra = [name.strip() for name in header.split(",")
             if name.strip() and name.strip() not in ALLOWED_COLUMNS + (FLAG_COLUMN,) + REQUIRED_COLUMNS]
    return Layout(None, {name: _AnyCode() for name in dict.fromkeys(extra)})


@dataclass(frozen=True)
class Series:
    """A CSV's observations: the headline series and each group's, every one sorted by date."""

    headline: tuple[Observation, ...] = ()
    groups: Mapping[GroupKey, tuple[Observation, ...]] = field(default_factory=dict)


def _rows(text: str):
    """(line, fields) for every line; a plain split when nothing is quoted, as it is
    in nearly every metric file (several times faster than the csv module)."""
    if '"' not in text:
        for number, line in enumerate(text.split("\n"), 1):
            yield number, line.split(",")
        return
    # strict: a quote that is never closed is an error, not a note that swallows
    # the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 0
    try:
        for row in reader:
            # A quoted field may span lines: a row starts after the previous one ended.
            yield line + 1, row
            line = reader.line_num
    except csv.Error as exc:
        raise _SyntaxError(line + 1, str(exc)) from None


class _SyntaxError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def parse_observations(text: str, rel: str, problems: list[Problem]) -> tuple[Observation, ...]:
    """The observations of a schema 1 CSV file (date, value, note), sorted by date; rows with
    problems are left out."""
    return parse_series(text, rel, problems).headline


def parse_series(text: str, rel: str, problems: list[Problem], layout: Layout = Layout()) -> Series:
    """The headline series and the groups of one CSV file; rows with problems are left out and
    every rule holds series by series (a date appears once in each)."""
    if not text.strip():
        problems.append(Problem(Loc(rel), "file is empty; it needs a header line date,value"))
        return Series()
    if "\r" in text:
        # Windows (CRLF) and old Mac (CR only) line endings, as spreadsheet programs save them:
        # a line ends at each, as it does for them (and for the csv module).
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    rows_in = _rows(text)
    try:
        _, header = next(rows_in)
        columns = [name.strip() for name in header]
    except _SyntaxError as exc:
        problems.append(Problem(Loc(rel, exc.line), _syntax_message(exc)))
        return Series()
    if not _check_header(columns, rel, problems, layout):
        return Series()
    i_date, i_value = columns.index("date"), columns.index("value")
    i_note = columns.index("note") if "note" in columns else None
    width = len(columns)
    if '"' not in text and FLAG_COLUMN not in columns and not layout.dimensions:
        plain = _plain_observations(text, width, i_date, i_value, i_note)
        if plain is not None:
            return Series(plain)
    i_flag = columns.index(FLAG_COLUMN) if FLAG_COLUMN in columns else None
    dims = [(name, columns.index(name), codes) for name, codes in layout.dimensions.items()]
    optional = {i for i in (i_note, i_flag) if i is not None}  # cells a row may leave out at its end
    series: dict[GroupKey, list[Observation]] = {}
    first_line: dict[tuple[GroupKey, date], int] = {}
    try:
        for start, row in rows_in:
            if len(row) != width:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # a blank line
                if len(row) < width and all(i in optional for i in range(len(row), width)):
                    row = row + [""] * (width - len(row))  # a row may leave out a trailing note and flag
                else:
                    count = f"{len(row)} value" + "s" * (len(row) != 1)
                    problems.append(Problem(Loc(rel, start), f"row has {count} but the header has {width} columns"))
                    continue
            # Fast paths inline (this loop runs for every row of every metric);
            # anything unusual goes to the checks that explain what is wrong.
            raw = row[i_date].strip()
            try:
                when = _fromiso(raw) if len(raw) == 10 and raw[4] == "-" and raw[7] == "-" else None
            except ValueError:
                when = None
            if when is None:
                when = _date(raw, rel, start, problems)
            raw = row[i_value].strip()
            value = None
            if raw:
                try:
                    value = float(raw)
                    # NaN, inf, 1_000, １２, and numbers too large to chart
                    if (value - value != 0 or "_" in raw or not raw.isascii()
                            or not -LARGEST_NUMBER <= value <= LARGEST_NUMBER):
                        value = _value(raw, rel, start, problems)
                except ValueError:
                    value = _value(raw, rel, start, problems)
            # [2] the row's group (its dimension codes) and its flag, each checked
            key, ok = [], True
            for name, i, codes in dims:
                code = row[i].strip()
                if not code:
                    continue
                if code not in codes:
                    problems.append(Problem(Loc(rel, start), _unknown_code(name, code, codes, layout.meta_rel)))
                    ok = False
                key.append((name, code))
            flag = (row[i_flag].strip() or None) if i_flag is not None else None
            if flag is not None and flag not in FLAGS:
                problems.append(Problem(Loc(rel, start), f"flag '{excerpt(flag)}' must be empty or one of "
                                                         f"{_FLAG_CHOICES}{did_you_mean(flag, FLAGS)}"))
                ok = False
            group = tuple(key)
            if when is not None:
                if (group, when) in first_line:
                    where = f" in the group {_group_words(group)}" if group else ""
                    problems.append(Problem(Loc(rel, start), f"date {when} appears twice{where} "
                                                             f"(first at line {first_line[(group, when)]})"))
                    continue
                first_line[(group, when)] = start
            if when is None or value is _BAD or not ok:
                continue
            note = (row[i_note].strip() or None) if i_note is not None else None
            series.setdefault(group, []).append(Observation(when, value, note, start, flag))
    except _SyntaxError as exc:
        problems.append(Problem(Loc(rel, exc.line), _syntax_message(exc)))
    headline = tuple(sorted(series.pop((), ())))
    return Series(headline, {group: tuple(sorted(rows)) for group, rows in series.items()})


def _group_words(group: GroupKey) -> str:
    return ", ".join(f"{name} {code}" for name, code in group)


def _unknown_code(name: str, code: str, codes: frozenset[str], meta_rel: str | None) -> str:
    where = meta_rel or "the metric's yml file"
    return (f"{name} '{excerpt(code)}' is not one of the codes declared for {name}{did_you_mean(code, codes)}: "
            f"declare it under dimensions: {name}: values: in {where}, or correct the row")


def _plain_observations(text: str, width: int, i_date: int, i_value: int,
                        i_note: int | None) -> tuple[Observation, ...] | None:
    """What the row-by-row loop below returns for a file that gives it nothing to report
    (the usual case), worked out column by column with C-level passes; None as soon as
    anything is unusual (a blank or short row, a date or value to check, a date twice),
    and the loop then reads the file and explains what is wrong."""
    lines = text.split("\n")[1:]
    if lines and not lines[-1]:
        lines.pop()  # the file's last line break
    if not lines:
        return ()
    if any(map(ne, map(str.count, lines, repeat(",")), repeat(width - 1))):
        return None
    cells = ",".join(lines).split(",")
    n = len(lines)
    columns = [cells[i::width] for i in range(width)]
    # Dates: exactly the loop's fast path (YYYY-MM-DD read by fromisoformat), each date once.
    raw_dates = columns[i_date]
    joined = "".join(raw_dates)
    if set(map(len, raw_dates)) != {10} or joined[4::10] != joined[7::10] or joined[4::10] != "-" * n:
        return None
    try:
        dates = list(map(_fromiso, raw_dates))
    except ValueError:
        return None
    in_order = all(map(lt, dates, dates[1:]))  # as nearly every file is: no date twice, nothing to sort
    if not in_order and len(set(dates)) != n:
        return None
    # Values: float() of plain ASCII numbers, an empty field for no observation.
    raw_values = columns[i_value]
    joined = "".join(raw_values)
    if not joined.isascii() or "_" in joined:
        return None
    empty = []
    with suppress(ValueError):
        while True:
            empty.append(raw_values.index("", empty[-1] + 1 if empty else 0))
            raw_values[empty[-1]] = "0"
    try:
        values: list = list(map(float, raw_values))
    except ValueError:
        return None
    if not all(map(math.isfinite, values)):
        return None
    if values and (max(values) > LARGEST_NUMBER or min(values) < -LARGEST_NUMBER):  # the loop explains
        return None
    for i in empty:
        values[i] = None
    notes: list | repeat = repeat(None)
    if i_note is not None and any(columns[i_note]):
        raw_notes = columns[i_note]
        notes = [None] * len(raw_notes)
        for i in compress(range(len(raw_notes)), raw_notes):  # the few rows with a note
            notes[i] = raw_notes[i].strip() or None
    observations = tuple(map(tuple.__new__, repeat(Observation), zip(dates, values, notes, range(2, n + 2), repeat(None))))
    return observations if in_order else tuple(sorted(observations))


def _syntax_message(exc: _SyntaxError) -> str:
    what = str(exc)
    if "unexpected end of data" in what:
        return "a quote (\") opened on this line is never closed; the rest of the file would become one value"
    if "expected after" in what:
        return ("a quoted value must end at its closing quote (\"): after it comes a comma or the end of the line; "
                "to write a quote inside a quoted value, type it twice (\"\")")
    if "field limit" in what:
        return ("a value on this line is longer than 131,072 characters; check that every quote (\") opened on this "
                "line is closed")
    return "this line cannot be read as CSV; check its commas and quotes"  # pragma: no cover - csv's other errors


_BAD = object()
_fromiso = date.fromisoformat


def _check_header(columns: list[str], rel: str, problems: list[Problem], layout: Layout) -> bool:
    ok = True
    allowed = ALLOWED_COLUMNS + ((FLAG_COLUMN,) if layout.flags else ()) + tuple(layout.dimensions)
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.append(Problem(Loc(rel), f"missing column '{name}': the header must name the columns date,value (and optionally note)"))
            ok = False
    for name in layout.dimensions:
        if name not in columns:
            problems.append(Problem(Loc(rel), f"missing column '{name}': {layout.meta_rel or 'the metric'} declares "
                                              f"the dimension {name}, so the header must name it (leave its cells "
                                              "empty in the rows of the headline figure)"))
            ok = False
    for name in columns:
        if name in allowed:
            continue
        if name == FLAG_COLUMN:
            problems.append(Problem(Loc(rel), f"column 'flag' needs schema: 2 in okrs/portal.yml (this portal says "
                                              f"schema: {layout.schema})"))
        elif not layout.flags:
            problems.append(Problem(Loc(rel), f"unexpected column '{excerpt(name)}': schema 1 allows only date, value and note"))
        else:
            problems.append(Problem(Loc(rel), f"unexpected column '{excerpt(name)}': a metric's file has the columns "
                                              "date, value, note, flag and one for each dimension declared in "
                                              f"{layout.meta_rel or 'its yml file'}{did_you_mean(name, allowed)}"))
        ok = False
    for name in set(columns):
        if columns.count(name) > 1 and name in allowed:
            problems.append(Problem(Loc(rel), f"column '{name}' appears twice in the header"))
            ok = False
    return ok


def _date(raw: str, rel: str, line: int, problems: list[Problem]) -> date | None:
    when, why = read_date(raw)
    if why is not None:
        problems.append(Problem(Loc(rel, line), f"date '{excerpt(raw)}' {why}"))
    return when


def _value(raw: str, rel: str, line: int, problems: list[Problem]):
    shown = excerpt(raw)
    if is_number_text(raw):
        value = float(raw)
        if not math.isfinite(value):
            problems.append(Problem(Loc(rel, line), f"value '{shown}' is too large to be a number"))
        elif not in_range(value):  # a chart could not scale it (nor subtract two of them)
            problems.append(Problem(Loc(rel, line), f"value '{shown}' {OUT_OF_RANGE}"))
        else:
            return value
        return _BAD
    if raw.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        problems.append(Problem(Loc(rel, line), f"value '{shown}' is not a finite number; leave the value empty when there is no observation"))
    else:
        problems.append(Problem(Loc(rel, line), f"value '{shown}' is not a number (write plain digits such as 1234.5, without units or thousands separators)"))
    return _BAD

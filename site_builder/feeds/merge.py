"""Observations into a metric's CSV (DESIGN.md §3 "Feeds"): the upsert, the way
a value is written, and the replacing of the file.

Observations are upserted by (date, dimension codes) and never dropped; the
CSV's other columns (note, flag), its row order, its newline and its BOM are
kept, so a fetch that brings nothing new changes no byte. A new row goes where
the file's order puts it: among the rows of its date in a file ordered by date,
at the end of its group in a file that lists each group's rows together (a file
in no order is put in date order), with its dimension cells filled. A CSV
validate would refuse is never merged into.
A file is only ever replaced whole (a temporary file in the same folder, then a
rename), and remove_stale_temporaries clears what a killed run left of that.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Mapping

from site_builder.feeds.errors import FeedError
from site_builder.model import Dimension, GroupKey
from site_builder.source.csv_reader import Layout, parse_series

STALE_TEMP_SECONDS = 60.0  # a temporary file this old is no live write's (see remove_stale_temporaries)


def canonical(value: float) -> str:
    """A value as written to a CSV: the shortest repr, without a trailing '.0'."""
    text = repr(float(value) + 0.0)
    return text[:-2] if text.endswith(".0") else text


@dataclass
class Merged:
    data: bytes | None  # None: nothing changed; the file stays as it is
    added: int
    revised: list[tuple[date, float, float, GroupKey]]  # (date, old, new, group)


def merge(existing: bytes | None, rel: str, values: Mapping[GroupKey, Mapping[date, float]],
          schema: int | None = 1, dimensions: tuple[Dimension, ...] = (), meta_rel: str | None = None,
          cells: Mapping[str, str] | None = None, keep_order: bool = False) -> Merged:
    """Upsert ``values`` (by group, then date) into a metric CSV's bytes (None: no file yet).

    ``cells`` (note, flag: `okr-portal record`) are set on every row upserted, their column
    added to the header when the file has none; a row whose only change is one of them is
    written too. ``keep_order`` leaves a file in no order as it is, each new row after the last
    of its group dated before it, rather than putting the file in date order, and every row that
    does not change as it was written, byte for byte.

    ``schema`` is the portal's and ``dimensions`` the metric's: the file is read as
    validate reads it, and refused (FeedError) when validate would refuse it, but
    for one thing fetch mends: a declared dimension's column missing from the
    header is added (at its end, empty in the rows already there) when the file is
    written."""
    ranks = _ranks(dimensions)
    cells = dict(cells or {})
    fresh = sorted(((when, ranks(group), group, value) for group, series in values.items()
                    for when, value in series.items()), key=lambda item: item[:2])
    if existing is None:
        columns = ["date", "value", *(d.id for d in dimensions), *cells]
        rows = [_new_row(columns, when, group, value, cells) for when, _, group, value in fresh]
        return Merged(_csv_bytes(columns, rows, "\n", ""), len(rows), [])
    try:
        text = existing.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FeedError(f"{rel} is not UTF-8 text; fix it first (okr-portal validate)") from None
    in_header = _header(text)
    layout = Layout(schema, {d.id: frozenset(d.codes) for d in dimensions if in_header is None or d.id in in_header},
                    meta_rel)
    problems: list = []
    parse_series(text, rel, problems, layout)
    if problems:
        first = problems[0]
        where = f"{rel}:{first.loc.line}" if first.loc.line else rel
        raise FeedError(f"{where}: {first.message}; fix it first (okr-portal validate)")
    bom = "\ufeff" if existing.startswith(b"\xef\xbb\xbf") else ""
    newline = "\r\n" if "\r\n" in text else "\n"
    table, raws = _table(text)
    header = table[0]
    rows, raw_of = [], {}  # each row's text as written, and the row as read: written back when unchanged
    for row, raw in zip(table[1:], raws[1:]):
        if row and not (len(row) == 1 and not row[0].strip()):
            rows.append(row)
            raw_of[id(row)] = raw
    columns = [h.strip() for h in header]
    i_date, i_value = columns.index("date"), columns.index("value")
    i_dims = [(d.id, columns.index(d.id)) for d in dimensions if d.id in columns]
    width = len(columns)
    kept: list[tuple[list[str], GroupKey, date]] = []  # each row, its group, its date
    by_key: dict[tuple[GroupKey, date], list[str]] = {}
    for row in rows:
        row += [""] * (width - len(row))
        raw_of[id(row)] = (raw_of[id(row)], list(row))
        group = tuple((name, row[i].strip()) for name, i in i_dims if row[i].strip())
        when = date.fromisoformat(row[i_date].strip())
        kept.append((row, group, when))
        by_key[(group, when)] = row
    missing = [d.id for d in dimensions if d.id not in columns] + [name for name in cells if name not in columns]
    out_columns = columns + missing
    for row, _, _ in kept:
        row += [""] * len(missing)
    added, revised, new_rows, touched = 0, [], [], 0
    for when, _, group, value in fresh:
        row = by_key.get((group, when))
        if row is not None:
            for name, cell in cells.items():
                touched += row[out_columns.index(name)] != cell
                row[out_columns.index(name)] = cell
        if row is None:
            new_rows.append((_new_row(out_columns, when, group, value, cells), group, when))
            added += 1
        elif not row[i_value].strip():
            row[i_value] = canonical(value)  # a date that held no observation now has one
            added += 1
        elif float(row[i_value]) != value:
            revised.append((when, float(row[i_value]), value, group))
            row[i_value] = canonical(value)
    if not added and not revised and not touched:
        return Merged(None, 0, [])
    blocks = _blocks(kept)
    if blocks is not None:  # the file lists each group's rows together: a new row joins its own group
        for _, group, _ in new_rows:
            blocks.setdefault(group, len(blocks))  # a new group after the others (new_rows are in the metric's order)
        merged = sorted(kept + new_rows, key=lambda item: (blocks[item[1]], item[2]))
    elif keep_order and any(a[2] > b[2] for a, b in zip(kept, kept[1:])):
        merged = _in_place(kept, new_rows)
    else:  # by date: among the rows of its date (and a file in no order is put in date order, as fetch always has)
        merged = sorted(kept + new_rows, key=lambda item: item[2])
    if keep_order and not missing:
        return Merged(_text_keeping(raws[0], [row for row, _, _ in merged], raw_of, newline, bom), added, revised)
    return Merged(_csv_bytes(header + missing, [row for row, _, _ in merged], newline, bom), added, revised)


def _in_place(kept: list, new_rows: list) -> list:
    """``kept`` in its own order, each new row after the last row of its group dated on or before
    it and the other groups' rows of that date (else before its group's first row; a new group's
    after the last row dated before it)."""
    out = list(kept)
    for new in new_rows:
        _, group, when = new
        same = [i for i, (_, g, d) in enumerate(out) if g == group]
        before = [i for i in same if out[i][2] <= when] or [i for i, item in enumerate(out) if item[2] <= when]
        at = before[-1] + 1 if before else (same[0] if same else 0)
        while before and at < len(out) and out[at][2] == out[at - 1][2] and out[at][1] != group:
            at += 1  # past the other groups' rows of that date: a file listing each date's groups together
        out.insert(at, new)
    return out


def _blocks(kept: list[tuple[list[str], GroupKey, date]]) -> dict[GroupKey, int] | None:
    """Each group's place when a file of several groups lists each group's rows
    together, in date order, and is not in date order as a whole; else None."""
    if all(a[2] <= b[2] for a, b in zip(kept, kept[1:])):
        return None  # in date order: kept so
    blocks: dict[GroupKey, int] = {}
    previous = None
    for _, group, when in kept:
        if previous is not None and group == previous[0]:
            if when < previous[1]:
                return None
        elif group in blocks:
            return None  # the group came before, then another
        else:
            blocks[group] = len(blocks)
        previous = (group, when)
    return blocks if len(blocks) > 1 else None


def _ranks(dimensions: tuple[Dimension, ...]):
    """A group's place in the metric's order: the headline first, then by each
    dimension's declared code order (a group naming no code of a dimension first)."""
    order = [(d.id, {code: i for i, code in enumerate(d.codes, 1)}) for d in dimensions]

    def rank(group: GroupKey) -> tuple[int, ...]:
        codes = dict(group)
        return tuple(places.get(codes[name], len(places) + 1) if name in codes else 0 for name, places in order)

    return rank


def _header(text: str) -> list[str] | None:
    """The column names of a CSV's header, or None when it cannot be read (parse_series says why)."""
    try:
        first = next(csv.reader(io.StringIO(text, newline=""), strict=True), None)
    except csv.Error:
        return None
    return None if first is None else [name.strip() for name in first]


def _new_row(columns: list[str], when: date, group: GroupKey, value: float,
             extra: Mapping[str, str] | None = None) -> list[str]:
    cells = dict(group, **(extra or {}), date=when.isoformat(), value=canonical(value))
    return [cells.get(name, "") for name in columns]


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # as csv.reader counts lines (newline="")


def _table(text: str) -> tuple[list[list[str]], list[str]]:
    """The CSV's rows, and the text each was read from (a quoted cell may span lines)."""
    lines = _LINE.findall(text)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    table, raws, start = [], [], 0
    for row in reader:
        table.append(row)
        raws.append("".join(lines[start:reader.line_num]))
        start = reader.line_num
    return table, raws


def _text_keeping(header: str, rows: list[list[str]], raw_of: dict, newline: str, bom: str) -> bytes:
    """The file with every row that did not change as it was written, byte for byte."""
    parts = [header]
    for row in rows:
        raw, as_read = raw_of.get(id(row), (None, None))
        if raw is None or row != as_read:
            out = io.StringIO()
            csv.writer(out, lineterminator=newline).writerow(row)
            raw = out.getvalue()
        if not parts[-1].endswith(("\n", "\r")):
            parts[-1] += newline  # the last line had none: rows follow it now
        parts.append(raw)
    return (bom + "".join(parts)).encode("utf-8")


def _csv_bytes(header: list[str], rows: list[list[str]], newline: str, bom: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return (bom + out.getvalue()).encode("utf-8")


def _read_umask() -> int:
    # os.umask can only be read by setting it: done once, at import, before any
    # feed thread runs (a file created by another thread in between would get 0o666).
    umask = os.umask(0)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` whole: a temporary file in its folder, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_UMASK
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise



# --- what a killed run leaves ----------------------------------------------------

# write_atomically's temporary files: mkstemp(prefix=".<name>.", suffix=".tmp")
# puts 8 characters of its own alphabet between them; fetch writes only CSVs.
_TEMPORARY = re.compile(r"\.[^/]+\.csv\.[a-z0-9_]{8}\.tmp", re.ASCII)


def remove_stale_temporaries(folders) -> list[Path]:
    """Remove the temporary files a killed write_atomically left in ``folders``;
    the paths removed.

    Only under the fetch lock: then no other fetch is writing one. Only regular
    files of write_atomically's exact naming, and only when older than
    STALE_TEMP_SECONDS: a command that writes a metric CSV without the fetch lock
    is never mid-write that long, so its temporary file is never taken from it.
    Whatever cannot be removed is left for a later run: it is litter, not data."""
    removed = []
    now = time.time()
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if not _TEMPORARY.fullmatch(entry.name):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_TEMP_SECONDS:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except OSError:
                pass
    return removed

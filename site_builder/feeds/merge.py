"""Observations into a metric's CSV (DESIGN.md §3 "Feeds"): the upsert, the way
a value is written, and the replacing of the file.

Observations are upserted by date and never dropped; the CSV's other columns,
its row order by date, its newline and its BOM are kept, so a fetch that brings
nothing new changes no byte. A CSV validate would refuse is never merged into.
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

from site_builder.feeds.errors import FeedError
from site_builder.source.csv_reader import parse_observations

STALE_TEMP_SECONDS = 60.0  # a temporary file this old is no live write's (see remove_stale_temporaries)


def canonical(value: float) -> str:
    """A value as written to a CSV: the shortest repr, without a trailing '.0'."""
    text = repr(float(value) + 0.0)
    return text[:-2] if text.endswith(".0") else text


@dataclass
class Merged:
    data: bytes | None  # None: nothing changed; the file stays as it is
    added: int
    revised: list[tuple[date, float, float]]


def merge(existing: bytes | None, rel: str, values: dict[date, float]) -> Merged:
    """Upsert ``values`` into a metric CSV's bytes (None: no file yet)."""
    if existing is None:
        rows = [[d.isoformat(), canonical(v)] for d, v in sorted(values.items())]
        return Merged(_csv_bytes(["date", "value"], rows, "\n", ""), len(rows), [])
    try:
        text = existing.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FeedError(f"{rel} is not UTF-8 text; fix it first (okr-portal validate)") from None
    problems = []
    parse_observations(text, rel, problems)
    if problems:
        first = problems[0]
        where = f"{rel}:{first.loc.line}" if first.loc.line else rel
        raise FeedError(f"{where}: {first.message}; fix it first (okr-portal validate)")
    bom = "\ufeff" if existing.startswith(b"\xef\xbb\xbf") else ""
    newline = "\r\n" if "\r\n" in text else "\n"
    table = [row for row in csv.reader(io.StringIO(text, newline=""), strict=True)]
    header, rows = table[0], [r for r in table[1:] if r and not (len(r) == 1 and not r[0].strip())]
    columns = [h.strip() for h in header]
    i_date, i_value = columns.index("date"), columns.index("value")
    width = len(columns)
    by_date: dict[date, list[str]] = {}
    for row in rows:
        row += [""] * (width - len(row))
        by_date[date.fromisoformat(row[i_date].strip())] = row
    added, revised = 0, []
    for when, value in sorted(values.items()):
        row = by_date.get(when)
        if row is None:
            new = [""] * width
            new[i_date], new[i_value] = when.isoformat(), canonical(value)
            rows.append(new)
            by_date[when] = new
            added += 1
        elif not row[i_value].strip():
            row[i_value] = canonical(value)  # a date that held no observation now has one
            added += 1
        elif float(row[i_value]) != value:
            revised.append((when, float(row[i_value]), value))
            row[i_value] = canonical(value)
    if not added and not revised:
        return Merged(None, 0, [])
    rows.sort(key=lambda r: r[i_date].strip())
    return Merged(_csv_bytes(header, rows, newline, bom), added, revised)


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

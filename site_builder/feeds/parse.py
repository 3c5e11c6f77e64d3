"""A feed's answer into rows (DESIGN.md §3 "Feeds"): CSV and JSON bodies parsed,
and every row's date, value and dimension codes checked.

A row is ``(date, value or None, where, codes)``: ``codes`` holds the row's code
for each of the feed's ``dimensions`` in their order there ('' where the cell is
empty or missing: the headline series for that dimension), () without them.
feeds/groups.py turns rows into observations by group (or rolls them up).

A date and a number mean here what they mean in the portal's own files: both
are read by site_builder.source.values, the one parser, so that whatever a feed
writes into a CSV, validate takes. obs_date and obs_value are also what sql
feeds (feeds/sql.py) check their rows with. Every failure is a FeedError whose
message quotes the answer only through site_builder.redaction.quoted.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date

from site_builder.feeds.errors import FeedError
from site_builder.model import FeedSettings
from site_builder.redaction import quoted
from site_builder.source.values import LARGEST_NUMBER, NOT_A_DATE, in_range, is_number_text, read_date

Row = tuple[date, "float | None", str, tuple[str, ...]]  # (date, value, where, codes): see above


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FeedError("the answer is not UTF-8 text") from None


def obs_date(raw, where: str, secrets: tuple[str, ...] = ()) -> date:
    """The date a row's field holds, or FeedError naming ``where``."""
    if not isinstance(raw, str):
        raise FeedError(f"{where}: date {quoted(json.dumps(raw), secrets)} {NOT_A_DATE}")
    raw = raw.strip()
    when, why = read_date(raw)
    if when is None:
        # Text in the date's form (a day that does not exist) has nothing to cut or escape.
        shown = quoted(raw, secrets) if why == NOT_A_DATE else raw
        raise FeedError(f"{where}: date '{shown}' {why}")
    return when


def obs_value(raw, where: str, secrets: tuple[str, ...] = ()) -> float | None:
    """The number a row's field holds, None for no observation (null or empty), or FeedError naming ``where``."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise FeedError(f"{where}: value {json.dumps(raw)} is not a number")
    if isinstance(raw, (int, float)):
        try:
            value = float(raw)
        except OverflowError:
            raise FeedError(f"{where}: value is too large to be a number") from None
    elif isinstance(raw, str):
        raw = raw.strip()
        if not raw:
            return None
        if not is_number_text(raw):
            raise FeedError(f"{where}: value '{quoted(raw, secrets)}' is not a number")
        value = float(raw)
    else:
        raise FeedError(f"{where}: value {quoted(json.dumps(raw), secrets)} is not a number")
    if not math.isfinite(value):
        raise FeedError(f"{where}: value {raw!r:.40} is not a finite number")
    if not in_range(value):  # validate would refuse the CSV it made: the next build would fail
        raise FeedError(f"{where}: value {quoted(raw, secrets)} is too large to be a number a chart can show "
                        f"(at most {LARGEST_NUMBER:,.0f} either way)")
    return value + 0.0  # no -0.0


def obs_code(raw, dimension: str, where: str, secrets: tuple[str, ...] = ()) -> str:
    """The code a row's field holds for ``dimension``: text, stripped ('' when empty,
    null or missing: the headline series); a whole number is taken as its digits."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    raise FeedError(f"{where}: {dimension} {quoted(json.dumps(raw, default=str), secrets)} is not a code "
                    "(codes are text, as declared in the metric's yml)")


def shown_columns(columns: list[str], secrets: tuple[str, ...] = ()) -> str:
    """An answer's column names for a message: the first few, each an excerpt."""
    shown = ", ".join(quoted(c, secrets) for c in columns[:10])
    return shown + (", …" if len(columns) > 10 else "")


def _parse_csv(text: str, feed: FeedSettings, secrets: tuple[str, ...] = ()) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise FeedError("the answer is empty")
        columns = [h.strip() for h in header]
        for name in (feed.date, feed.value, *feed.dimensions.values()):
            if name not in columns:
                raise FeedError(f"the answer has no column '{name}' (its columns: {shown_columns(columns, secrets)})")
        i_date, i_value = columns.index(feed.date), columns.index(feed.value)
        dims = [(dimension, columns.index(name)) for dimension, name in feed.dimensions.items()]
        rows = []
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) <= max(i_date, i_value):
                raise FeedError(f"line {line} of the answer has {len(row)} fields, too few for "
                                f"'{feed.date}' and '{feed.value}'")
            where = f"line {line} of the answer"
            # a row that ends before a dimension's cell leaves it empty: the headline for that dimension
            codes = tuple(row[i].strip() if i < len(row) else "" for _, i in dims)
            rows.append((obs_date(row[i_date], where, secrets), obs_value(row[i_value], where, secrets), where,
                         codes))
        return rows
    except csv.Error as exc:
        raise FeedError(f"the answer is not valid CSV: {quoted(exc, secrets, 200)}") from None


def _parse_json(text: str, feed: FeedSettings, secrets: tuple[str, ...] = ()) -> list[Row]:
    if not text.strip():
        raise FeedError("the answer is empty")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise FeedError(f"the answer is not valid JSON: {quoted(exc, secrets, 200)}") from None
    records = data
    if feed.records:
        walked = []
        for key in feed.records.split("."):
            walked.append(key)
            if not isinstance(records, dict) or key not in records:
                raise FeedError(f"the answer has no '{'.'.join(walked)}' (records path '{feed.records}')")
            records = records[key]
    where_list = f"'{feed.records}'" if feed.records else "the answer"
    if not isinstance(records, list):
        raise FeedError(f"{where_list} is not a list of records")
    dims = list(feed.dimensions.items())
    rows = []
    for index, record in enumerate(records, 1):
        where = f"record {index}"
        if not isinstance(record, dict):
            raise FeedError(f"{where} of {where_list} is not an object")
        for name in (feed.date, feed.value):
            if name not in record:
                raise FeedError(f"{where} of {where_list} has no field '{name}'")
        codes = tuple(obs_code(record.get(name), dimension, where, secrets) for dimension, name in dims)
        rows.append((obs_date(record[feed.date], where, secrets), obs_value(record[feed.value], where, secrets),
                     where, codes))
    for dimension, name in dims:  # a field no record has is a misspelt name, not a headline-only answer
        if records and not any(name in record for record in records):
            raise FeedError(f"no record of {where_list} has the field '{name}' (the feed's dimension {dimension})")
    return rows


def parse_answer(body: bytes, feed: FeedSettings, secrets: tuple[str, ...] = ()) -> list[Row]:
    """The rows of a feed's answer; raises FeedError."""
    text = _text(body)
    return _parse_csv(text, feed, secrets) if feed.type == "csv" else _parse_json(text, feed, secrets)

"""okr-portal fetch: refresh metrics' CSV files from their feeds (DESIGN.md §3 "Feeds").

Each feed is fetched, parsed and merged on its own: observations are upserted by
date and never dropped, a feed that fails in any way leaves its metric's CSV
byte-for-byte as it was, and a file is only ever replaced whole (a temporary file
in the same folder, then a rename). Secrets (header values, passwords in URLs)
never appear in what is printed.
"""

from __future__ import annotations

import base64
import csv
import http.client
import io
import json
import math
import os
import re
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from site_builder.csvsource import parse_observations
from site_builder.load import METRICS_DIR, load_portal
from site_builder.progress import Progress
from site_builder.model import Feed, Metric

TIMEOUT_SECONDS = 30.0  # per network operation; tests lower it
MAX_ANSWER_BYTES = 20 * 1024 * 1024
MAX_REVISIONS_SHOWN = 10
RETRIES = 2  # more tries after the first, on connection errors and HTTP 5xx
BACKOFF_SECONDS = 1.0  # before the first retry; doubled before each next one
CONCURRENCY = 8  # feeds fetched at once
USER_AGENT = "okr-portal-fetch"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", re.ASCII)
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]*@")


class FeedError(Exception):
    """Why one feed failed; the message is printed after 'metric <id>: '."""

    def __init__(self, message: str, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable  # a dropped connection or a 5xx may work a moment later


@dataclass
class Result:
    metric: str
    added: int = 0
    revised: list[tuple[date, float, float]] = field(default_factory=list)
    error: str | None = None
    written: bool = False


# --- secrets -------------------------------------------------------------------


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` without passwords in URLs (user:password@) or any of ``secrets``."""
    text = _USERINFO.sub(r"\1***@", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


# --- getting the answer ----------------------------------------------------------


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) only, and drops the feed's secret headers when
    the redirect leaves the host they were meant for."""

    def __init__(self, secret_headers: set[str]):
        self.secret_headers = {h.lower() for h in secret_headers} | {"authorization"}

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = urllib.parse.urlsplit(newurl)
        if new.scheme not in ("http", "https"):
            raise FeedError(f"the server redirected to a {new.scheme or 'relative'} URL; only http(s) is followed")
        request = super().redirect_request(req, fp, code, msg, headers, newurl)
        if request is not None and new.netloc.lower() != urllib.parse.urlsplit(req.full_url).netloc.lower():
            for name in list(request.headers):
                if name.lower() in self.secret_headers:
                    del request.headers[name]
        return request


def _headers(feed: Feed) -> tuple[dict[str, str], tuple[str, ...]]:
    headers, secrets = {}, []
    for name, variable in (feed.headers_env or {}).items():
        value = os.environ.get(variable)
        if not value:
            raise FeedError(f"environment variable {variable} (for the {name} header) is not set")
        headers[name] = value
        secrets.append(value)
    return headers, tuple(secrets)


def _read_url(url: str, headers: dict[str, str]) -> bytes:
    parts = urllib.parse.urlsplit(url)
    shown = redact(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedError(f"feed url '{shown}' must be an http(s) URL or a path inside the portal")
    headers = dict(headers)
    if parts.username is not None or parts.password is not None:
        user = urllib.parse.unquote(parts.username or "")
        password = urllib.parse.unquote(parts.password or "")
        if not any(h.lower() == "authorization" for h in headers):
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        netloc = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        if ":" in parts.hostname:
            netloc = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port is not None else "")
        url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    headers.setdefault("User-Agent", USER_AGENT)
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(_RedirectHandler(set(headers)))
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as answer:
            length = answer.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > MAX_ANSWER_BYTES:
                raise FeedError(f"the answer from {shown} is too large ({int(length):,} bytes; "
                                f"the limit is {MAX_ANSWER_BYTES:,})")
            body = answer.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:  # a redirect urllib refused (to file:, ftp:, or a loop)
            raise FeedError(f"HTTP {exc.code} from {shown}: a redirect that is not followed "
                            "(only http(s), at most 10)") from None
        raise FeedError(f"HTTP {exc.code} {exc.reason} from {shown}", retryable=exc.code >= 500) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise FeedError(f"no answer from {shown} within {TIMEOUT_SECONDS:g} s") from None
        raise FeedError(f"cannot reach {shown}: {getattr(reason, 'strerror', None) or reason}",
                        retryable=True) from None
    except (socket.timeout, TimeoutError):
        raise FeedError(f"no answer from {shown} within {TIMEOUT_SECONDS:g} s") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:  # reset, cut short, bad status line…
        raise FeedError(f"cannot fetch {shown}: {type(exc).__name__}: {exc}", retryable=True) from None
    if len(body) > MAX_ANSWER_BYTES:
        raise FeedError(f"the answer from {shown} is larger than the limit of {MAX_ANSWER_BYTES:,} bytes")
    return body


def _read_url_with_retries(url: str, headers: dict[str, str]) -> bytes:
    """_read_url, tried again after a pause on connection errors and 5xx (not on
    timeouts: a slow source would only be slow again, and a run must end)."""
    for attempt in range(RETRIES + 1):
        try:
            return _read_url(url, headers)
        except FeedError as exc:
            if not exc.retryable or attempt == RETRIES:
                if attempt:
                    raise FeedError(f"{exc} (tried {attempt + 1} times)") from None
                raise
            time.sleep(BACKOFF_SECONDS * 2 ** attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _read_local(root: Path, rel: str) -> bytes:
    if rel.startswith("/") or "\\" in rel or ".." in rel.split("/") or not rel.strip():
        raise FeedError(f"feed url '{rel}' must be a path relative to the portal root, inside it")
    base = root.resolve()
    path = (base / rel).resolve()
    if not path.is_relative_to(base):
        raise FeedError(f"feed url '{rel}' leads outside the portal")
    try:
        if path.stat().st_size > MAX_ANSWER_BYTES:
            raise FeedError(f"{rel} is larger than the limit of {MAX_ANSWER_BYTES:,} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise FeedError(f"cannot read {rel}: {exc.strerror or exc}") from None


def _answer(root: Path, feed: Feed) -> tuple[bytes, tuple[str, ...]]:
    headers, secrets = _headers(feed)
    url = feed.url or ""
    if not url:
        raise FeedError("the feed has no url")
    if "://" in url:
        return _read_url_with_retries(url, headers), secrets
    return _read_local(root, url), secrets


# --- parsing the answer ----------------------------------------------------------


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FeedError("the answer is not UTF-8 text") from None


def _obs_date(raw, where: str) -> date:
    if not isinstance(raw, str):
        raise FeedError(f"{where}: date {json.dumps(raw)[:40]} is not a date in the form YYYY-MM-DD")
    raw = raw.strip()
    if not _DATE.fullmatch(raw):
        raise FeedError(f"{where}: date '{raw[:40]}' is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FeedError(f"{where}: date '{raw}' is not a real date") from None


def _obs_value(raw, where: str) -> float | None:
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
        if not _NUMBER.fullmatch(raw):
            raise FeedError(f"{where}: value '{raw[:40]}' is not a number")
        value = float(raw)
    else:
        raise FeedError(f"{where}: value {json.dumps(raw)[:40]} is not a number")
    if not math.isfinite(value):
        raise FeedError(f"{where}: value {raw!r:.40} is not a finite number")
    return value + 0.0  # no -0.0


def _parse_csv(text: str, feed: Feed) -> list[tuple[date, float | None, str]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise FeedError("the answer is empty")
        columns = [h.strip() for h in header]
        for name in (feed.date, feed.value):
            if name not in columns:
                shown = ", ".join(c[:40] for c in columns[:20])
                raise FeedError(f"the answer has no column '{name}' (its columns: {shown})")
        i_date, i_value = columns.index(feed.date), columns.index(feed.value)
        rows = []
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) <= max(i_date, i_value):
                raise FeedError(f"line {line} of the answer has {len(row)} fields, too few for "
                                f"'{feed.date}' and '{feed.value}'")
            where = f"line {line} of the answer"
            rows.append((_obs_date(row[i_date], where), _obs_value(row[i_value], where), where))
        return rows
    except csv.Error as exc:
        raise FeedError(f"the answer is not valid CSV: {exc}") from None


def _parse_json(text: str, feed: Feed) -> list[tuple[date, float | None, str]]:
    if not text.strip():
        raise FeedError("the answer is empty")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise FeedError(f"the answer is not valid JSON: {str(exc)[:200]}") from None
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
    rows = []
    for index, record in enumerate(records, 1):
        where = f"record {index}"
        if not isinstance(record, dict):
            raise FeedError(f"{where} of {where_list} is not an object")
        for name in (feed.date, feed.value):
            if name not in record:
                raise FeedError(f"{where} of {where_list} has no field '{name}'")
        rows.append((_obs_date(record[feed.date], where), _obs_value(record[feed.value], where), where))
    return rows


def parse_answer(body: bytes, feed: Feed) -> dict[date, float]:
    """The observations in a feed's answer, by date; raises FeedError."""
    text = _text(body)
    rows = _parse_csv(text, feed) if feed.type == "csv" else _parse_json(text, feed)
    return observations(rows)


def observations(rows: list[tuple[date, float | None, str]]) -> dict[date, float]:
    """Parsed (date, value or None, where) rows by date; raises FeedError on a
    date seen twice, or when no row holds a value."""
    seen: dict[date, str] = {}
    values: dict[date, float] = {}
    for when, value, where in rows:
        if when in seen:
            raise FeedError(f"date {when} appears twice in the answer ({seen[when]} and {where})")
        seen[when] = where
        if value is not None:
            values[when] = value
    if not values:
        raise FeedError("the answer holds no observations")
    return values


# --- merging into the CSV ------------------------------------------------------


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
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# --- one metric, and the command -----------------------------------------------------


def fetch_metric(root: Path, metric: Metric, dry_run: bool = False) -> Result:
    result = Result(metric.id)
    feed = metric.feed
    secrets: tuple[str, ...] = ()
    try:
        if feed is None:
            raise FeedError("has no feed")
        if feed.type not in ("csv", "json", "sql"):
            raise FeedError("the feed has no valid type; run okr-portal validate")
        rel = metric.csv_path or f"{METRICS_DIR}/{metric.id}.csv"
        path = Path(root) / rel
        try:
            existing = path.read_bytes() if path.exists() else None
        except OSError as exc:
            raise FeedError(f"cannot read {rel}: {exc.strerror or exc}") from None
        if existing is not None:  # a broken file fails before any network traffic
            merge(existing, rel, {})
        if feed.type == "sql":
            from site_builder import fetch_sql  # SQLAlchemy is imported only when needed
            values = observations(fetch_sql.read_rows(feed))
        else:
            body, secrets = _answer(Path(root), feed)
            values = parse_answer(body, feed)
        merged = merge(existing, rel, values)
        result.added, result.revised = merged.added, merged.revised
        if merged.data is not None and not dry_run:
            try:
                write_atomically(path, merged.data)
            except OSError as exc:
                raise FeedError(f"cannot write {rel}: {exc.strerror or exc}") from None
            result.written = True
    except FeedError as exc:
        result.error = redact(str(exc), secrets)
    return result


def describe(result: Result, dry_run: bool = False) -> str:
    if result.error is not None:
        if result.error == "has no feed":
            return f"metric {result.metric} has no feed"
        return f"metric {result.metric}: {result.error}"
    parts = []
    if result.added:
        parts.append(f"{result.added} added")
    if result.revised:
        shown = ", ".join(f"{d}: {canonical(old)} → {canonical(new)}"
                          for d, old, new in result.revised[:MAX_REVISIONS_SHOWN])
        if len(result.revised) > MAX_REVISIONS_SHOWN:
            shown += ", …"
        parts.append(f"{len(result.revised)} revised ({shown})")
    text = ", ".join(parts) or "unchanged"
    if dry_run and parts:
        text += " (dry run: not written)"
    return f"metric {result.metric}: {text}"


def run_fetch(root: Path, names: list[str], dry_run: bool, out, err) -> int:
    """okr-portal fetch; returns the exit status (1 if anything failed)."""
    loaded = load_portal(Path(root))
    if not (Path(root) / "okrs").is_dir():
        for problem in loaded.problems:
            print(f"okr-portal fetch: {problem.message}", file=err)
        return 1
    metrics = loaded.portal.metrics
    failed = unknown = 0
    if names:
        chosen = []
        for name in dict.fromkeys(names):
            if name not in metrics:
                print(f"metric {name}: no such metric in {METRICS_DIR}/", file=out)
                failed += 1
                unknown += 1
            else:
                chosen.append(metrics[name])
    else:
        chosen = [m for m in metrics.values() if m.feed is not None]
        if not chosen:
            print("no metric has a feed", file=out)
    meta_problems: dict[str, list] = {}
    for problem in loaded.problems:
        meta_problems.setdefault(problem.loc.path, []).append(problem)
    def one(metric: Metric) -> Result:
        blocking = [p for p in meta_problems.get(metric.meta_path, ())
                    if metric.feed is not None and "has no data file" not in p.message]
        if blocking:
            first = blocking[0]
            where = f"{first.loc.path}:{first.loc.line}" if first.loc.line else first.loc.path
            return Result(metric.id, error=redact(f"{where}: {first.message}; fix it first (okr-portal validate)"))
        return fetch_metric(Path(root), metric, dry_run)

    # Feeds are independent (each writes only its own file): fetch several at
    # once, and report in the order of the metrics, whatever finishes first.
    finished = []

    def counted(metric: Metric) -> Result:
        result = one(metric)
        finished.append(metric.id)  # list.append is atomic: a counter without a lock
        progress.show("okr-portal fetch:", len(finished), len(chosen))
        return result

    with Progress(err) as progress, ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        for result in pool.map(counted, chosen):
            progress.print(describe(result, dry_run), out)
            failed += result.error is not None
    if failed:
        print(f"okr-portal fetch: {failed} of {len(chosen) + unknown} failed", file=err)
    return 1 if failed else 0

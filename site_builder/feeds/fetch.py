"""okr-portal fetch: refresh metrics' CSV files from their feeds (DESIGN.md §3 "Feeds").

Each feed is fetched, parsed and merged on its own: observations are upserted by
date and never dropped, a feed that fails in any way leaves its metric's CSV
byte-for-byte as it was, and a file is only ever replaced whole (a temporary file
in the same folder, then a rename). Secrets (header values, passwords in URLs, a
sql feed's database URL) never appear in what is printed, in any spelling a
server could send them back in.

A run holds the portal's fetch lock (site_builder.lock) from before it reads any
CSV until it has written the last one: two fetches in one portal would otherwise
both read a CSV, merge, and the later write would lose the earlier one's rows.
"""

from __future__ import annotations

import base64
import csv
import functools
import http.client
import io
import json
import math
import os
import re
import socket
import stat
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from site_builder.source.csv_reader import parse_observations
from site_builder.source.load import METRICS_DIR, load_portal
from site_builder.lock import lock_path, portal_lock
from site_builder.problems import EXCERPT_CHARS, excerpt
from site_builder.commands.progress import Progress
from site_builder.source.values import LARGEST_NUMBER
from site_builder.model import Feed, Metric

TIMEOUT_SECONDS = 30.0  # per network operation; tests lower it
MAX_ANSWER_BYTES = 20 * 1024 * 1024
MAX_REVISIONS_SHOWN = 10
# More tries after the first, on connection errors, answers cut short and HTTP 5xx:
# a connection dropped mid-answer (a proxy or server restarting) is as passing as
# one refused, and a cut answer is never written, so another try costs only time.
RETRIES = 2
BACKOFF_SECONDS = 1.0  # before the first retry; doubled before each next one
CONCURRENCY = 8  # feeds fetched at once
USER_AGENT = "okr-portal-fetch"
REASON_CHARS = 80  # of an HTTP reason phrase quoted in a message: a server's words, not ours
MIN_SECRET_CHARS = 4  # a part of a secret shorter than this is not redacted on its own (see feed_secrets)
STALE_TEMP_SECONDS = 60.0  # a temporary file this old is no live write's (see remove_stale_temporaries)
_READ_BYTES = 64 * 1024

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
    warnings: list[str] = field(default_factory=list)  # the database library's, one line each
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)


# --- secrets -------------------------------------------------------------------


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` without any of ``secrets`` (as written, %-encoded in part or whole
    and in either case, or base64-encoded), then without passwords in URLs
    (user:password@). Secrets go first: a password may hold an '@'."""
    pattern = _secrets_pattern(tuple(secrets))
    if pattern is not None:
        text = pattern.sub("***", text)
    return _USERINFO.sub(r"\1***@", text)


@functools.lru_cache(maxsize=64)
def _secrets_pattern(secrets: tuple[str, ...]) -> re.Pattern | None:
    forms: dict[str, int] = {}
    for secret in secrets:
        if not secret:
            continue
        forms[_any_encoding(secret)] = len(secret)
        raw = secret.encode("utf-8")
        for coded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            for form in {coded.decode("ascii"), coded.decode("ascii").rstrip("=")}:
                if len(form) >= MIN_SECRET_CHARS:
                    forms[re.escape(form)] = len(form)
    if not forms:
        return None
    # Longest first: a secret holding a shorter one is taken out whole.
    return re.compile("|".join(sorted(forms, key=lambda f: -forms[f])))


def _any_encoding(secret: str) -> str:
    """A pattern for ``secret`` with any of its characters %-encoded (hex digits in
    either case), and a space also as '+': servers quote back what they were sent
    in whatever spelling their framework uses."""
    parts = []
    for ch in secret:
        hexes = "".join("%" + "".join(f"[{d}{d.lower()}]" if d.isalpha() else d for d in f"{b:02X}")
                        for b in ch.encode("utf-8"))
        parts.append("(?:" + "|".join([re.escape(ch), hexes] + (["\\+"] if ch == " " else [])) + ")")
    return "".join(parts)


def feed_secrets(feed: Feed | None, environ=None) -> tuple[str, ...]:
    """Everything secret a message about ``feed`` could hold, found before anything
    is fetched so that a message from any step is redacted with all of it: header
    values read from headers_env (and the credentials after an auth scheme, and a
    Basic token decoded), the password in the url (and the user:password a Basic
    token encodes), a sql feed's database URL and its passwords.

    A part found inside a header value (the credentials after "Bearer ", a Basic
    token's user:password) shorter than MIN_SECRET_CHARS is left out: redacting
    two letters everywhere would garble every message and hide nothing worth
    hiding. What is configured as a secret (a header value, a password) is always in."""
    if feed is None:
        return ()
    environ = os.environ if environ is None else environ
    found: set[str] = set()
    headers_env = feed.headers_env if isinstance(feed.headers_env, Mapping) else {}
    for variable in headers_env.values():
        if isinstance(variable, str):
            found |= _credential_forms(environ.get(variable, ""))
    if isinstance(feed.url, str):
        found |= _url_secrets(feed.url)
    if feed.type == "sql" and isinstance(feed.connection_env, str):
        raw = environ.get(feed.connection_env, "")
        if raw.strip():
            from site_builder.feeds import sql as fetch_sql
            found |= set(fetch_sql.url_secrets(raw))
    return tuple(sorted((s for s in found if s), key=len, reverse=True))


def _credential_forms(value: str) -> set[str]:
    found = {value, value.strip()}
    scheme, _, credentials = value.strip().partition(" ")
    parts = {credentials.strip()}
    if scheme.lower() == "basic":
        try:
            user_password = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
            user_password = ""
        parts |= {user_password, user_password.partition(":")[2]}
    return found | {p for p in parts if len(p) >= MIN_SECRET_CHARS}


def _url_secrets(url: str) -> set[str]:
    """The password of a URL as written and decoded, and user:password decoded (what
    a Basic token encodes): urlsplit's reading, which is what _read_url sends, and
    the reading up to the last '@' for a password holding an unencoded '/'."""
    found: set[str] = set()
    try:
        parts = urllib.parse.urlsplit(url)
        readings = [(parts.username or "", parts.password)]
    except ValueError:
        readings = []
    match = re.match(r"(?s)^[A-Za-z][A-Za-z0-9+.-]*://(.*)@", url)
    if match and ":" in match.group(1):
        user, _, password = match.group(1).partition(":")
        readings.append((user, password))
    for user, password in readings:
        if not password:
            continue
        plain = urllib.parse.unquote(password)
        found |= {password, plain, f"{urllib.parse.unquote(user)}:{plain}"}
    return found


def quoted(value, secrets: tuple[str, ...] = (), limit: int = EXCERPT_CHARS) -> str:
    """A server's (or a file's) words as a message may quote them: secrets taken out
    before the cut (half a secret no longer matches it), then cut to ``limit`` and
    control characters escaped, so a hostile answer can neither fill the terminal
    nor paint it."""
    text = str(value)
    # What is redacted of a longer text cannot reach the excerpt: a secret starting
    # before ``limit`` ends before this, even %-encoded (at most 12 characters each).
    keep = limit + 12 * max((len(s) for s in secrets), default=0) + 1
    cut = len(text) > keep
    shown = excerpt(redact(text[:keep] if cut else text, secrets), limit)
    return shown if not cut or shown.endswith("…") else shown + "…"


# --- getting the answer ----------------------------------------------------------


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) only, and drops the feed's secret headers when
    the redirect leaves the host they were meant for."""

    def __init__(self, secret_headers: set[str]):
        self.secret_headers = {h.lower() for h in secret_headers} | {"authorization"}

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = urllib.parse.urlsplit(newurl)
        if new.scheme not in ("http", "https"):
            raise FeedError(f"the server redirected to a {quoted(new.scheme) or 'relative'} URL; "
                            "only http(s) is followed")
        request = super().redirect_request(req, fp, code, msg, headers, newurl)
        if request is not None and new.netloc.lower() != urllib.parse.urlsplit(req.full_url).netloc.lower():
            for name in list(request.headers):
                if name.lower() in self.secret_headers:
                    del request.headers[name]
        return request


def _headers(feed: Feed) -> dict[str, str]:
    headers = {}
    for name, variable in (feed.headers_env or {}).items():
        value = os.environ.get(variable)
        if not value:
            raise FeedError(f"environment variable {variable} (for the {name} header) is not set")
        headers[name] = value
    return headers


def _read_url(url: str, headers: dict[str, str], secrets: tuple[str, ...] = ()) -> bytes:
    parts = urllib.parse.urlsplit(url)
    shown = redact(url, secrets)
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
            return _read_body(answer, shown)
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:  # a redirect urllib refused (to file:, ftp:, or a loop)
            raise FeedError(f"HTTP {exc.code} from {shown}: a redirect that is not followed "
                            "(only http(s), at most 10)") from None
        raise FeedError(f"HTTP {exc.code} {quoted(exc.reason, secrets, REASON_CHARS)} from {shown}",
                        retryable=exc.code >= 500) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise FeedError(f"no answer from {shown} within {TIMEOUT_SECONDS:g} s") from None
        said = quoted(getattr(reason, "strerror", None) or reason, secrets, 120)
        raise FeedError(f"cannot reach {shown}: {said}", retryable=True) from None
    except (socket.timeout, TimeoutError):
        raise FeedError(f"no answer from {shown} within {TIMEOUT_SECONDS:g} s") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:  # reset, bad status line…
        said = quoted(f"{type(exc).__name__}: {exc}", secrets, 120)
        raise FeedError(f"cannot fetch {shown}: {said}", retryable=True) from None


def _read_body(answer, shown: str) -> bytes:
    """The whole body of ``answer``, or FeedError. http.client's read(n) returns a
    body shorter than its Content-Length without a word when the connection closes
    early, so the count is checked here; a chunked body that ends before its last
    chunk raises IncompleteRead. A cut answer parses as good data, only less of it
    (…,12345 cut to …,123), so it is never used."""
    expected = None
    if not getattr(answer, "chunked", False):  # with chunks, any Content-Length is ignored
        length = (answer.headers.get("Content-Length") or "").strip()
        expected = int(length) if length.isdigit() else None  # as http.client reads it
    if expected is not None and expected > MAX_ANSWER_BYTES:
        raise FeedError(f"the answer from {shown} is too large ({expected:,} bytes; "
                        f"the limit is {MAX_ANSWER_BYTES:,})")
    # read1: what has come so far, so that a stall is reported with what came.
    read = getattr(answer, "read1", answer.read)
    chunks, size = [], 0
    try:
        while size <= MAX_ANSWER_BYTES:
            chunk = read(min(_READ_BYTES, MAX_ANSWER_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except http.client.IncompleteRead as exc:
        raise _cut_short(shown, size + len(exc.partial or b""), expected, answer) from None
    except (socket.timeout, TimeoutError):
        of = f"{size:,} of {expected:,}" if expected is not None else f"{size:,}"
        raise FeedError(f"the answer from {shown} stopped after {of} bytes: nothing more came within "
                        f"{TIMEOUT_SECONDS:g} s; nothing was written") from None
    except (OSError, ValueError, http.client.HTTPException):  # reset mid-answer
        raise _cut_short(shown, size, expected, answer) from None
    if size > MAX_ANSWER_BYTES:
        raise FeedError(f"the answer from {shown} is larger than the limit of {MAX_ANSWER_BYTES:,} bytes")
    if expected is not None and size < expected:
        raise _cut_short(shown, size, expected, answer)
    return b"".join(chunks)


def _cut_short(shown: str, size: int, expected: int | None, answer) -> FeedError:
    if expected is not None:
        ended = f"ended after {size:,} of {expected:,} bytes"
    elif getattr(answer, "chunked", False):
        ended = f"ended after {size:,} bytes, before its last chunk"
    else:
        ended = f"ended after {size:,} bytes"
    return FeedError(f"the answer from {shown} {ended}: the connection was cut; nothing was written",
                     retryable=True)


def _read_url_with_retries(url: str, headers: dict[str, str], secrets: tuple[str, ...] = ()) -> bytes:
    """_read_url, tried again after a pause on connection errors, cut answers and
    5xx (not on timeouts: a slow source would only be slow again, and a run must end)."""
    for attempt in range(RETRIES + 1):
        try:
            return _read_url(url, headers, secrets)
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


def _answer(root: Path, feed: Feed, secrets: tuple[str, ...] = ()) -> bytes:
    headers = _headers(feed)
    url = feed.url or ""
    if not url:
        raise FeedError("the feed has no url")
    if "://" in url:
        return _read_url_with_retries(url, headers, secrets)
    return _read_local(root, url)


# --- parsing the answer ----------------------------------------------------------


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FeedError("the answer is not UTF-8 text") from None


def _obs_date(raw, where: str, secrets: tuple[str, ...] = ()) -> date:
    if not isinstance(raw, str):
        raise FeedError(f"{where}: date {quoted(json.dumps(raw), secrets)} is not a date in the form YYYY-MM-DD")
    raw = raw.strip()
    if not _DATE.fullmatch(raw):
        raise FeedError(f"{where}: date '{quoted(raw, secrets)}' is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FeedError(f"{where}: date '{raw}' is not a real date") from None


def _obs_value(raw, where: str, secrets: tuple[str, ...] = ()) -> float | None:
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
            raise FeedError(f"{where}: value '{quoted(raw, secrets)}' is not a number")
        value = float(raw)
    else:
        raise FeedError(f"{where}: value {quoted(json.dumps(raw), secrets)} is not a number")
    if not math.isfinite(value):
        raise FeedError(f"{where}: value {raw!r:.40} is not a finite number")
    if abs(value) > LARGEST_NUMBER:  # validate would refuse the CSV it made: the next build would fail
        raise FeedError(f"{where}: value {quoted(raw, secrets)} is too large to be a number a chart can show "
                        f"(at most {LARGEST_NUMBER:,.0f} either way)")
    return value + 0.0  # no -0.0


def shown_columns(columns: list[str], secrets: tuple[str, ...] = ()) -> str:
    """An answer's column names for a message: the first few, each an excerpt."""
    shown = ", ".join(quoted(c, secrets) for c in columns[:10])
    return shown + (", …" if len(columns) > 10 else "")


def _parse_csv(text: str, feed: Feed, secrets: tuple[str, ...] = ()) -> list[tuple[date, float | None, str]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise FeedError("the answer is empty")
        columns = [h.strip() for h in header]
        for name in (feed.date, feed.value):
            if name not in columns:
                raise FeedError(f"the answer has no column '{name}' (its columns: {shown_columns(columns, secrets)})")
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
            rows.append((_obs_date(row[i_date], where, secrets), _obs_value(row[i_value], where, secrets), where))
        return rows
    except csv.Error as exc:
        raise FeedError(f"the answer is not valid CSV: {quoted(exc, secrets, 200)}") from None


def _parse_json(text: str, feed: Feed, secrets: tuple[str, ...] = ()) -> list[tuple[date, float | None, str]]:
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
    rows = []
    for index, record in enumerate(records, 1):
        where = f"record {index}"
        if not isinstance(record, dict):
            raise FeedError(f"{where} of {where_list} is not an object")
        for name in (feed.date, feed.value):
            if name not in record:
                raise FeedError(f"{where} of {where_list} has no field '{name}'")
        rows.append((_obs_date(record[feed.date], where, secrets), _obs_value(record[feed.value], where, secrets),
                     where))
    return rows


def parse_answer(body: bytes, feed: Feed, secrets: tuple[str, ...] = ()) -> dict[date, float]:
    """The observations in a feed's answer, by date; raises FeedError."""
    text = _text(body)
    rows = _parse_csv(text, feed, secrets) if feed.type == "csv" else _parse_json(text, feed, secrets)
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


# --- the database library's warnings ------------------------------------------------

# Where a warning raised in this thread goes while it runs a sql feed: that feed's
# list, so the warning is printed as a line naming the metric.
_this_thread = threading.local()


@contextmanager
def _route_warnings(categories: tuple[type[Warning], ...] = ()):
    """For a whole run, in the thread that starts it: catch_warnings changes the
    warnings module for every thread, so it is entered once, not once per feed
    (feeds run in several threads at once, and nested blocks restored out of
    order would leave warnings captured or printed raw for the rest of the run).
    A warning from a thread running a sql feed goes to that feed's list; any other
    is shown as it would have been. ``categories`` are shown every time (not once
    per place in the code), so each feed hears of its own."""
    with warnings.catch_warnings():
        for category in categories:
            warnings.simplefilter("always", category)
        shown_before = warnings.showwarning

        def route(message, category, filename, lineno, file=None, line=None):
            into = getattr(_this_thread, "warnings", None)
            if into is None:
                shown_before(message, category, filename, lineno, file, line)
            else:
                into.append(str(message))

        warnings.showwarning = route
        yield


@contextmanager
def _warnings_into(into: list[str]):
    _this_thread.warnings = into
    try:
        yield
    finally:
        _this_thread.warnings = None


# --- one metric, and the command -----------------------------------------------------


def fetch_metric(root: Path, metric: Metric, dry_run: bool = False) -> Result:
    feed = metric.feed
    # Known before any step can fail, so that whichever raises, its message is
    # redacted with every secret of the feed.
    secrets = feed_secrets(feed)
    result = Result(metric.id, secrets=secrets)
    try:
        if feed is None:
            raise FeedError("has no feed")
        if feed.type not in ("csv", "json", "sql"):
            raise FeedError("the feed has no valid type; run okr-portal validate")
        rel = metric.csv_path or f"{METRICS_DIR}/{metric.id}.csv"
        path = Path(root) / rel
        if os.path.lexists(path) and not path.resolve().is_relative_to(Path(root).resolve()):
            # load refuses it too; reading it would copy a file of this machine into the portal
            raise FeedError(f"{rel} is a link to a file outside the portal; it is not read or written")
        try:
            existing = path.read_bytes() if path.exists() else None
        except OSError as exc:
            raise FeedError(f"cannot read {rel}: {exc.strerror or exc}") from None
        if existing is not None:  # a broken file fails before any network traffic
            merge(existing, rel, {})
        if feed.type == "sql":
            from site_builder.feeds import sql as fetch_sql
            caught: list[str] = []
            try:
                with _warnings_into(caught):
                    rows = fetch_sql.read_rows(feed)
            finally:
                lines = (quoted(fetch_sql.plain_warning(text), secrets, 300) for text in caught)
                result.warnings = list(dict.fromkeys(lines))
            values = observations(rows)
        else:
            body = _answer(Path(root), feed, secrets)
            values = parse_answer(body, feed, secrets)
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
    return redact(_describe(result, dry_run), result.secrets)


def _describe(result: Result, dry_run: bool) -> str:
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


def describe_warnings(result: Result) -> list[str]:
    """One line for each warning the database library gave while the feed ran."""
    return [redact(f"okr-portal fetch: metric {result.metric}: warning from the database library: {text}",
                   result.secrets) for text in result.warnings]


def run_fetch(root: Path, names: list[str], dry_run: bool, out, err) -> int:
    """okr-portal fetch; returns the exit status (1 if anything failed)."""
    root = Path(root)
    if not (root / "okrs").is_dir():  # no portal: nothing to lock either
        for problem in load_portal(root).problems:
            print(f"okr-portal fetch: {problem.message}", file=err)
        return 1
    with ExitStack() as held:
        try:
            held.enter_context(portal_lock(
                root, "fetch", waiting=lambda m: print(f"okr-portal fetch: {m}", file=err, flush=True)))
        except OSError as exc:
            where = lock_path(root, "fetch").relative_to(root)
            print(f"okr-portal fetch: cannot take the portal's fetch lock ({where}): {exc.strerror or exc}",
                  file=err)
            return 1
        return _run_fetch(root, names, dry_run, out, err)


def _run_fetch(root: Path, names: list[str], dry_run: bool, out, err) -> int:
    loaded = load_portal(root)
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
    if not dry_run:  # a dry run writes nothing, and removes nothing either
        folders = {root / METRICS_DIR} | {(root / m.csv_path).parent for m in metrics.values() if m.csv_path}
        remove_stale_temporaries(sorted(folders))
    meta_problems: dict[str, list] = {}
    for problem in loaded.problems:
        meta_problems.setdefault(problem.loc.path, []).append(problem)

    def one(metric: Metric) -> Result:
        blocking = [p for p in meta_problems.get(metric.meta_path, ())
                    if metric.feed is not None and "has no data file" not in p.message]
        if blocking:
            first = blocking[0]
            where = f"{first.loc.path}:{first.loc.line}" if first.loc.line else first.loc.path
            secrets = feed_secrets(metric.feed)
            return Result(metric.id, error=redact(f"{where}: {first.message}; fix it first (okr-portal validate)",
                                                  secrets), secrets=secrets)
        return fetch_metric(root, metric, dry_run)

    # Feeds are independent (each writes only its own file): fetch several at
    # once, and report in the order of the metrics, whatever finishes first.
    finished = []

    def counted(metric: Metric) -> Result:
        result = one(metric)
        finished.append(metric.id)  # list.append is atomic: a counter without a lock
        progress.show("okr-portal fetch:", len(finished), len(chosen))
        return result

    categories: tuple = ()
    if any(m.feed is not None and m.feed.type == "sql" for m in chosen):
        from site_builder.feeds import sql as fetch_sql
        categories = fetch_sql.warning_categories()
    with _route_warnings(categories), Progress(err) as progress, \
            ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        for result in pool.map(counted, chosen):
            progress.print(describe(result, dry_run), out)
            for line in describe_warnings(result):
                progress.print(line, err)
            failed += result.error is not None
    if failed:
        print(f"okr-portal fetch: {failed} of {len(chosen) + unknown} failed", file=err)
    return 1 if failed else 0

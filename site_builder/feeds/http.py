"""Reading a feed's answer from an http(s) URL (DESIGN.md §3 "Feeds").

The answer is used only whole: a body cut short parses as good data, only less
of it, so every way a body can end early is caught here and said so. Redirects
are followed to http(s) only, and the feed's secret headers never follow one to
another host. Connection errors, cut answers and 5xx are tried again under the
retry policy (feeds/retry.py); messages never hold a secret (site_builder.redaction).
"""

from __future__ import annotations

import base64
import http.client
import os
import socket
import urllib.error
import urllib.parse
import urllib.request

from site_builder.feeds import retry
from site_builder.feeds.errors import FeedError
from site_builder.model import FeedSettings
from site_builder.redaction import quoted, redact

MAX_ANSWER_BYTES = 20 * 1024 * 1024  # of an answer however it comes: feeds/local.py reads it too
USER_AGENT = "okr-portal-fetch"
REASON_CHARS = 80  # of an HTTP reason phrase quoted in a message: a server's words, not ours
_READ_BYTES = 64 * 1024


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


def request_headers(feed: FeedSettings) -> dict[str, str]:
    """The feed's headers_env with each value read from the environment; FeedError if one is unset."""
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
        with opener.open(request, timeout=retry.TIMEOUT_SECONDS) as answer:
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
            raise FeedError(f"no answer from {shown} within {retry.TIMEOUT_SECONDS:g} s") from None
        said = quoted(getattr(reason, "strerror", None) or reason, secrets, 120)
        raise FeedError(f"cannot reach {shown}: {said}", retryable=True) from None
    except (socket.timeout, TimeoutError):
        raise FeedError(f"no answer from {shown} within {retry.TIMEOUT_SECONDS:g} s") from None
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
                        f"{retry.TIMEOUT_SECONDS:g} s; nothing was written") from None
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


def read_url(url: str, headers: dict[str, str], secrets: tuple[str, ...] = ()) -> bytes:
    """The whole answer from ``url``, tried again on connection errors, cut answers
    and 5xx (not on timeouts: a slow source would only be slow again, and a run must end)."""
    return retry.retried(lambda: _read_url(url, headers, secrets), _tries_said)


def _tries_said(error: FeedError, tries: int) -> FeedError:
    if tries > 1:
        return FeedError(f"{error} (tried {tries} times)")
    return error

"""Hiding secrets in messages: the one home of it (DESIGN.md §3 "Feeds": secrets
never appear in output, logs or the site).

A feed's secrets (header values read from the environment, a password in its
url, a sql feed's database URL) are known before anything is fetched
(feed_secrets, database_url_secrets); every message that could hold one goes
through redact, and every server's or file's words a message quotes go through
quoted, in any spelling a server could send them back in. Feeds use it, and so
does validate, which quotes feed urls.
"""

from __future__ import annotations

import base64
import functools
import os
import re
import urllib.parse
from collections.abc import Mapping
from typing import TYPE_CHECKING

from site_builder.problems import EXCERPT_CHARS, excerpt

if TYPE_CHECKING:
    from site_builder.model import FeedSettings

MIN_SECRET_CHARS = 4  # a part of a secret shorter than this is not redacted on its own (see feed_secrets)
# Keys of a database URL's query that hold a password (libpq's and the drivers' spellings).
_PASSWORD_PARAMS = ("password", "passwd", "pass", "pwd", "sslpassword")

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]*@")


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


def feed_secrets(feed: FeedSettings | None, environ=None) -> tuple[str, ...]:
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
        found |= _feed_url_secrets(feed.url)
    if feed.type == "sql" and isinstance(feed.connection_env, str):
        raw = environ.get(feed.connection_env, "")
        if raw.strip():
            found |= set(database_url_secrets(raw))
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


def _feed_url_secrets(url: str) -> set[str]:
    """The password of a URL as written and decoded, and user:password decoded (what
    a Basic token encodes): urlsplit's reading, which is what feeds.http sends, and
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


def database_url_secrets(raw: str) -> tuple[str, ...]:
    """What must never be shown of a database URL: itself, and any password in it,
    as written and decoded (longest first, so no part of one is left over)."""
    found = {raw, raw.strip()}
    match = re.match(r"(?s)^[^:/]*://([^?]*)@", raw.strip())  # up to the last '@' before the query
    if match and ":" in match.group(1):
        password = match.group(1).split(":", 1)[1]
        found |= {password, urllib.parse.unquote(password)}
    try:
        # SQLAlchemy's own reading too: it is what connects. Imported here, as only sql feeds need it.
        from sqlalchemy.engine import make_url
        parsed = make_url(raw.strip()).password
        if parsed:
            found |= {str(parsed), urllib.parse.quote(str(parsed), safe="")}
    except Exception:
        pass
    query = raw.partition("?")[2]
    for key, value in urllib.parse.parse_qsl(query):
        if key.lower() in _PASSWORD_PARAMS:
            found |= {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}
    return tuple(sorted((s for s in found if s), key=len, reverse=True))


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

"""`sql` feeds for okr-portal fetch (DESIGN.md §3 "Feeds").

A sql feed names an environment variable holding a SQLAlchemy URL
(``connection_env``) and a ``query``. The query runs in a transaction that is
always rolled back (read only where the database can enforce it: PostgreSQL's
``SET TRANSACTION READ ONLY``, SQLite's ``PRAGMA query_only``), with a connect
timeout and, on PostgreSQL, a statement timeout of ``retry.TIMEOUT_SECONDS``;
a connection refused while the server is not (yet) there is tried again under
the same retry policy as an http feed (feeds/retry.py).

Dates may be date or timestamp values (their date part counts, in the
session's time zone) or YYYY-MM-DD text; values numbers of any kind, numeric
text, or NULL (no observation).

``read_rows`` returns the answer as the ``(date, value, where, codes)`` rows that
the CSV and JSON parsers (feeds/parse.py) produce, each field read by the same
obs_date, obs_value and obs_code, so the same checks follow (feeds/groups.py:
duplicate dates, undeclared codes, no observations). A dimension's column may
hold text, whole numbers or NULL (the headline series for that dimension). Every
error is a ``FeedError`` whose message has the URL, its password and any password
given as a URL parameter (site_builder.redaction.database_url_secrets) taken out,
before any of it is cut short (half a password no longer matches it).

SQLAlchemy's warnings are Python warnings, printed raw with a source path;
feeds/run.py routes those raised while a feed runs to that feed
(``warning_categories``, ``plain_warning``), and prints each as one line naming
the metric.

``postgresql://`` and ``postgres://`` URLs use psycopg (3) unless psycopg2 is
installed; name a driver explicitly (``postgresql+psycopg://``) to choose.
"""

from __future__ import annotations

import math
import os
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Mapping

from site_builder.feeds import retry
from site_builder.feeds.errors import FeedError
from site_builder.feeds.parse import Row, obs_code, obs_date, obs_value, shown_columns
from site_builder.model import FeedSettings
from site_builder.redaction import database_url_secrets, quoted, redact

MAX_ROWS = 1_000_000  # rows read from one answer; a feed is one metric's series
_BATCH = 1000


def read_rows(feed: FeedSettings, environ: Mapping[str, str] | None = None) -> list[Row]:
    """Run the feed's query; its rows as (date, value or None, where). Raises FeedError."""
    environ = os.environ if environ is None else environ
    variable = feed.connection_env
    if not variable:
        raise FeedError("the feed has no connection_env; run okr-portal validate")
    if not (feed.query or "").strip():
        raise FeedError("the feed has no query; run okr-portal validate")
    raw = environ.get(variable, "")
    if not raw.strip():
        raise FeedError(f"environment variable {variable} (the database URL) is not set")
    secrets = database_url_secrets(raw)
    try:
        return _read(feed, raw.strip(), variable, secrets)
    except FeedError as exc:
        raise FeedError(redact(str(exc), secrets)) from None


# --- a driver's words, and warnings -------------------------------------------------


def _reason(exc: BaseException, secrets: tuple[str, ...] = ()) -> str:
    """A driver's message on one line, without SQLAlchemy's [SQL: ...] and links,
    secrets hidden before it is cut."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc)
    text = text.split("\n[SQL:", 1)[0].split("\n(Background on this error", 1)[0]
    lines = [" ".join(line.split()) for line in text.splitlines()]
    text = "; ".join(line for line in lines if line and not line.startswith(("LINE ", "^")))
    return quoted(text or type(exc).__name__, secrets, 300)


def warning_categories() -> tuple[type[Warning], ...]:
    """The warnings fetch shows for every feed that raises them, not once per place
    in SQLAlchemy's code."""
    try:
        from sqlalchemy.exc import SAWarning
    except ImportError:  # pragma: no cover - a dependency of the package
        return ()
    return (SAWarning,)


def plain_warning(text: str) -> str:
    """A warning's words on one line, without SQLAlchemy's link to its docs."""
    text = re.split(r"\s*\(Background on this warning at:", text, maxsplit=1)[0]
    return " ".join(text.split()) or "a warning without words"


# --- connecting --------------------------------------------------------------------


def _engine(raw: str, variable: str, secrets: tuple[str, ...]):
    try:
        import sqlalchemy
        from sqlalchemy.engine import make_url
        from sqlalchemy.pool import NullPool
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise FeedError(f"sql feeds need SQLAlchemy, which is not installed ({exc})") from None
    if not raw.startswith("sqlite") and raw.split("?", 1)[0].count("@") > 1:
        # Where the password ends is a guess, and a wrong guess would show part of it.
        raise FeedError(f"the URL in environment variable {variable} has more than one '@': "
                        "write special characters in the password %-encoded ('@' as %40)")
    try:
        url = make_url(raw)
    except Exception:  # the message quotes the whole URL: say nothing of it
        raise FeedError(f"environment variable {variable} does not hold a valid SQLAlchemy URL") from None
    backend, _, driver = url.drivername.partition("+")
    if backend == "postgres":  # the old spelling many services hand out
        backend = "postgresql"
        url = url.set(drivername=f"postgresql+{driver}" if driver else "postgresql")
    if url.drivername == "postgresql" and not _has_module("psycopg2") and _has_module("psycopg"):
        url = url.set(drivername="postgresql+psycopg")
    driver = url.drivername.partition("+")[2]
    connect_args: dict = {}
    timeout = retry.TIMEOUT_SECONDS
    if backend == "postgresql" and driver in ("", "psycopg", "psycopg2") and "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = max(2, math.ceil(timeout))  # libpq counts whole seconds, at least 2
    elif backend in ("mysql", "mariadb") and "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = max(1, math.ceil(timeout))
    elif backend == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:") \
                and not os.path.isfile(database):
            raise FeedError(f"the SQLite database file {database} does not exist")  # sqlite would create it
        connect_args["timeout"] = timeout  # waiting for a writer's lock
    shown = url.render_as_string(hide_password=True)
    try:
        engine = sqlalchemy.create_engine(url, poolclass=NullPool, connect_args=connect_args)
    except ImportError as exc:
        raise FeedError(f"the database driver for {url.drivername} is not installed ({exc})") from None
    except Exception as exc:
        if type(exc).__name__ == "NoSuchModuleError":
            raise FeedError(f"environment variable {variable} names an unknown kind of database "
                            f"'{url.drivername}'") from None
        raise FeedError(f"cannot use the database {shown}: {_reason(exc, secrets)}") from None
    return engine, backend, shown


def _has_module(name: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(name) is not None


# --- reading -------------------------------------------------------------------------


def _read(feed: FeedSettings, raw: str, variable: str, secrets: tuple[str, ...]) -> list[Row]:
    engine, backend, shown = _engine(raw, variable, secrets)
    try:
        connection = _connect(engine, shown, secrets)
        with connection:
            transaction = connection.begin()
            try:
                return _query(connection, backend, feed, secrets)
            except FeedError:
                raise
            except Exception as exc:
                raise FeedError(f"the query failed: {_reason(exc, secrets)}") from None
            finally:
                try:
                    transaction.rollback()  # whatever the query did is undone
                except Exception:
                    pass
    finally:
        engine.dispose()


# What a database server says when it is not there (yet): worth another try, like
# an HTTP connection error. A wrong password or database is not retried, and
# neither is a timeout (as for HTTP): a run must end in bounded time.
_TRANSIENT = re.compile(r"(?i)connection refused|server closed the connection|"
                        r"connection reset|the database system is starting up|too many connections")


def _connect(engine, shown: str, secrets: tuple[str, ...]):
    """A connection, tried again under the retry policy while the server is not reachable."""

    def connect_once():
        try:
            return engine.connect()
        except Exception as exc:
            reason = _reason(exc, secrets)
            raise FeedError(reason, retryable=_TRANSIENT.search(reason) is not None) from None

    def give_up(error: FeedError, tries: int) -> FeedError:
        after = f" (after {tries} tries)" if tries > 1 else ""
        return FeedError(f"cannot connect to the database {shown}{after}: {error}")

    return retry.retried(connect_once, give_up)


def _query(connection, backend: str, feed: FeedSettings, secrets: tuple[str, ...]) -> list[Row]:
    if backend == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        millis = max(1, int(retry.TIMEOUT_SECONDS * 1000))
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {millis}")
    elif backend == "sqlite":
        connection.exec_driver_sql("PRAGMA query_only = ON")
    # As written, with no bound parameters: ':' and '%' in the query mean nothing special.
    result = connection.execution_options(stream_results=True).exec_driver_sql(feed.query.strip())
    if not result.returns_rows:
        raise FeedError("the query returns no rows (it must be a SELECT)")
    columns = [str(c) for c in result.keys()]
    indexes = []
    for name in (feed.date, feed.value, *feed.dimensions.values()):
        found = [i for i, c in enumerate(columns) if c == name]
        if not found:
            raise FeedError(f"the answer has no column '{name}' (its columns: {shown_columns(columns, secrets)})")
        if len(found) > 1:
            raise FeedError(f"the answer has {len(found)} columns named '{name}'")
        indexes.append(found[0])
    i_date, i_value, *i_codes = indexes
    dims = list(zip(feed.dimensions, i_codes))
    rows = []
    while True:
        batch = result.fetchmany(_BATCH)
        if not batch:
            break
        for row in batch:
            where = f"row {len(rows) + 1} of the answer"
            codes = tuple(obs_code(row[i], dimension, where, secrets) for dimension, i in dims)
            rows.append((_date(row[i_date], where, secrets), _value(row[i_value], where, secrets), where, codes))
            if len(rows) > MAX_ROWS:
                raise FeedError(f"the answer has more than {MAX_ROWS:,} rows")
    result.close()
    if not rows:
        raise FeedError("the answer holds no observations")
    return rows


def _date(raw, where: str, secrets: tuple[str, ...] = ()) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if raw is None or isinstance(raw, (str, int, float)):
        return obs_date(raw, where, secrets)
    raise FeedError(f"{where}: date '{quoted(raw, secrets)}' ({type(raw).__name__}) is not a date")


def _value(raw, where: str, secrets: tuple[str, ...] = ()) -> float | None:
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise FeedError(f"{where}: value {quoted(raw, secrets)} is not a finite number")
        raw = float(raw)  # may overflow to inf: refused below
    if raw is None or isinstance(raw, (str, int, float)):  # bool too: refused by obs_value
        return obs_value(raw, where, secrets)
    raise FeedError(f"{where}: value '{quoted(raw, secrets)}' ({type(raw).__name__}) is not a number")

"""okr-portal fetch, sql feeds (DESIGN.md §3 "Feeds"): against a real PostgreSQL
server started for the session (tests/pgserver.py) and SQLite files.

Tests that need PostgreSQL skip when it cannot be started, except under CI=true,
where they fail: .ci/run installs it.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import threading
import urllib.parse
from pathlib import Path

import pytest

from pgserver import PgServer, Unavailable
from site_builder.feeds import retry
from site_builder.feeds import sql as fetch_sql
from site_builder.feeds.errors import FeedError

PASSWORD = "Pl4nted:s3cret@pw/9"  # needs quoting in a URL: both spellings must stay hidden
WRONG_PASSWORD = "Wr0ng-pa55w0rd-zq7"
SPELLINGS = (PASSWORD, urllib.parse.quote(PASSWORD, safe=""), "s3cret", WRONG_PASSWORD, "pa55w0rd")
ENV = "METRICS_DB_URL"
BEFORE = b"date,value,note\n2026-01-05,3,kept\n"


@pytest.fixture(scope="session")
def pg():
    """One PostgreSQL server for the whole session, with a 'metrics' database that
    the role 'reader' (password PASSWORD) may read, and a 'waits' table."""
    try:
        server = PgServer().start()
    except (Unavailable, OSError, subprocess.SubprocessError) as exc:
        reason = f"cannot start a PostgreSQL server for the sql feed tests: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        server.execute(f"CREATE ROLE reader LOGIN PASSWORD '{PASSWORD}'")
        server.execute("CREATE DATABASE metrics")
        server.execute("""
            ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO reader;
            CREATE TABLE waits (week_ending date PRIMARY KEY, avg_wait numeric(6, 2));
            INSERT INTO waits VALUES ('2026-01-05', 30.00), ('2026-01-12', 31.00), ('2026-01-26', 27.00),
                                     ('2026-02-02', NULL);
        """, "metrics")
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _quick(monkeypatch):
    monkeypatch.setattr(retry, "TIMEOUT_SECONDS", 5.0)
    monkeypatch.setattr(retry, "BACKOFF_SECONDS", 0.01)
    monkeypatch.delenv(ENV, raising=False)


def reader_url(pg, **kw) -> str:
    return pg.url("reader", PASSWORD, "metrics", **kw)


def sql_metric(metric_id: str, query: str, csv: bytes | None = b"date,value\n", **feed) -> dict:
    files = {f"okrs/metrics/{metric_id}.yml":
             f"title: {metric_id}\nfeed: {json.dumps({'type': 'sql', 'connection_env': ENV, 'query': query} | feed)}\n"}
    if csv is not None:
        files[f"okrs/metrics/{metric_id}.csv"] = csv
    return files


def good_metric() -> dict:
    """A feed that works in the same run: a file inside the portal."""
    return {"okrs/metrics/good.yml": "title: good\nfeed: {type: csv, url: data/good.csv}\n",
            "okrs/metrics/good.csv": b"date,value\n",
            "data/good.csv": "date,value\n2026-01-05,10\n"}


def sqlite_db(path: Path, rows=(("2026-01-05", 30), ("2026-01-12", 31.5), ("2026-01-19", None))) -> str:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE waits (day TEXT PRIMARY KEY, n)")
        db.executemany("INSERT INTO waits VALUES (?, ?)", rows)
    db.close()
    return f"sqlite:///{path}"


def assert_no_secret(run) -> None:
    for secret in SPELLINGS:
        assert secret not in run.out + run.err, secret
    assert "Traceback" not in run.out + run.err


# --- fetching --------------------------------------------------------------------


def test_postgresql_feed_upserts_never_drops_and_reports_revisions(pg, portal, cli, monkeypatch):
    pg.execute("CREATE TABLE upsert (week_ending date, avg_wait numeric(6, 2));"
               "INSERT INTO upsert VALUES ('2026-01-05', 30.00), ('2026-01-12', 31), ('2026-01-26', 27.5),"
               "                          ('2026-02-02', NULL)", "metrics")
    existing = (b'date,value,note\n'
                b'2026-01-05,30,"first week, after the change"\n'
                b'2026-01-12,29.5,\n'
                b'2026-01-19,28,not returned by the source any more\n')
    root = portal(sql_metric("waits", "SELECT week_ending, avg_wait FROM upsert ORDER BY 1", existing,
                             date="week_ending", value="avg_wait"))
    monkeypatch.setenv(ENV, reader_url(pg))
    assert cli(root, "validate").code == 0
    run = cli(root, "fetch")
    assert run.code == 0, run
    assert run.out == "metric waits: 1 added, 1 revised (2026-01-12: 29.5 → 31)\n"
    data = (root / "okrs/metrics/waits.csv").read_bytes()
    assert data == (b'date,value,note\n'
                    b'2026-01-05,30,"first week, after the change"\n'
                    b'2026-01-12,31,\n'
                    b'2026-01-19,28,not returned by the source any more\n'
                    b'2026-01-26,27.5,\n')
    assert cli(root, "validate").code == 0

    again = cli(root, "fetch")
    assert (again.code, again.out) == (0, "metric waits: unchanged\n")
    assert (root / "okrs/metrics/waits.csv").read_bytes() == data
    assert [p.name for p in (root / "okrs/metrics").iterdir() if p.name.startswith(".")] == []

    pg.execute("UPDATE upsert SET avg_wait = 26 WHERE week_ending = '2026-01-26';"
               "UPDATE upsert SET avg_wait = 25.25 WHERE week_ending = '2026-02-02'", "metrics")
    run = cli(root, "fetch", "waits")
    assert run.out == "metric waits: 1 added, 1 revised (2026-01-26: 27.5 → 26)\n"
    assert (root / "okrs/metrics/waits.csv").read_bytes() == data.replace(b"27.5", b"26") + b"2026-02-02,25.25,\n"
    assert_no_secret(run)


def test_sqlite_feed_writes_a_new_csv_then_changes_no_byte(portal, cli, monkeypatch, tmp_path):
    monkeypatch.setenv(ENV, sqlite_db(tmp_path / "m.db"))
    root = portal(sql_metric("beds", "SELECT day AS date, n AS value FROM waits", None))
    run = cli(root, "fetch")
    assert (run.code, run.out) == (0, "metric beds: 2 added\n")
    data = (root / "okrs/metrics/beds.csv").read_bytes()
    assert data == b"date,value\n2026-01-05,30\n2026-01-12,31.5\n"
    assert cli(root, "validate").code == 0
    for _ in range(2):
        assert cli(root, "fetch").out == "metric beds: unchanged\n"
        assert (root / "okrs/metrics/beds.csv").read_bytes() == data


def test_sqlite_custom_columns_and_revisions(portal, cli, monkeypatch, tmp_path):
    monkeypatch.setenv(ENV, sqlite_db(tmp_path / "m.db"))
    existing = b"\xef\xbb\xbfdate,value\r\n2026-01-12,31\r\n2026-01-05,30\r\n"  # BOM, CRLF, unsorted: kept
    root = portal(sql_metric("w", "SELECT n, day FROM waits", existing, date="day", value="n"))
    run = cli(root, "fetch")
    assert (run.code, run.out) == (0, "metric w: 1 revised (2026-01-12: 31 → 31.5)\n")
    assert (root / "okrs/metrics/w.csv").read_bytes() == b"\xef\xbb\xbfdate,value\r\n2026-01-05,30\r\n2026-01-12,31.5\r\n"


def test_dry_run_writes_nothing(pg, portal, cli, monkeypatch):
    monkeypatch.setenv(ENV, reader_url(pg))
    root = portal(sql_metric("w", "SELECT week_ending AS date, avg_wait AS value FROM waits", BEFORE))
    run = cli(root, "fetch", "--dry-run")
    assert run.code == 0, run
    assert run.out == "metric w: 2 added, 1 revised (2026-01-05: 3 → 30) (dry run: not written)\n"
    assert (root / "okrs/metrics/w.csv").read_bytes() == BEFORE
    assert sorted(p.name for p in (root / "okrs/metrics").iterdir()) == ["w.csv", "w.yml"]


def test_postgresql_column_types(pg, portal, cli, monkeypatch):
    """Dates as date, timestamp, timestamptz or ISO text; values as integer,
    bigint, real, double precision, numeric or numeric text."""
    queries = {
        "a-date-int": "SELECT DATE '2026-01-05' AS date, 7::int AS value",
        "b-ts-bigint": "SELECT TIMESTAMP '2026-01-05 00:00' AS date, 999999999999999::bigint AS value",
        "c-tstz-real": "SELECT TIMESTAMPTZ '2026-01-05 12:00+00' AS date, 0.5::real AS value",
        "d-text-double": "SELECT ' 2026-01-05 ' AS date, 1e-7::float8 AS value",
        "e-numeric": "SELECT '2026-01-05'::text AS date, 123456789.125::numeric AS value",
        "f-text-number": "SELECT '2026-01-05' AS date, ' -4.50 ' AS value",
    }
    files = {}
    for name, query in queries.items():
        files |= sql_metric(name, query, None)
    root = portal(files)
    monkeypatch.setenv(ENV, reader_url(pg))
    run = cli(root, "fetch")
    assert run.code == 0, run
    got = {name: (root / f"okrs/metrics/{name}.csv").read_text().splitlines()[1] for name in queries}
    # A bigint beyond values.LARGEST_NUMBER (1e15) is refused: test_a_value_too_large_for_a_chart_is_a_failed_feed
    assert got == {"a-date-int": "2026-01-05,7", "b-ts-bigint": "2026-01-05,999999999999999",
                   "c-tstz-real": "2026-01-05,0.5", "d-text-double": "2026-01-05,1e-07",
                   "e-numeric": "2026-01-05,123456789.125", "f-text-number": "2026-01-05,-4.5"}


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_plain_postgresql_urls_use_psycopg(pg, portal, cli, monkeypatch, scheme):
    monkeypatch.setenv(ENV, reader_url(pg, driver=scheme))
    root = portal(sql_metric("w", "SELECT week_ending AS date, avg_wait AS value FROM waits", None))
    run = cli(root, "fetch")
    assert (run.code, run.out) == (0, "metric w: 3 added\n")


def test_queries_run_as_written(portal, cli, monkeypatch, tmp_path):
    """No bound parameters: ':name' and '%' in the query are plain text, and a
    trailing semicolon is fine."""
    monkeypatch.setenv(ENV, sqlite_db(tmp_path / "m.db"))
    root = portal(sql_metric("w", "SELECT day AS date, n AS value FROM waits WHERE day LIKE '2026-01-0%' "
                                  "AND ':note' = ':note';", None))
    assert cli(root, "fetch").out == "metric w: 1 added\n"


# --- failures ----------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once closed


# name, backend ("pg": the server's 'metrics' database as reader, "sqlite": a
# file with table waits(day, n)), query, the URL (a callable of the good one;
# None: the variable is not set), feed fields, what the one line must say
SQ = "SELECT DATE '2026-01-05' AS date"
FAULTS = [
    ("no-env", "pg", "SELECT 1", None, {}, f"environment variable {ENV} (the database URL) is not set"),
    ("not-a-url", "pg", "SELECT 1", lambda u: f"not a url {PASSWORD}", {},
     f"environment variable {ENV} does not hold a valid SQLAlchemy URL"),
    ("bad-port", "pg", "SELECT 1", lambda u: u.replace("@127.0.0.1:", "@127.0.0.1:port"), {},
     f"environment variable {ENV} does not hold a valid SQLAlchemy URL"),
    ("unknown-db", "pg", "SELECT 1", lambda u: u.replace("postgresql+psycopg", "nosuchdb"), {},
     f"environment variable {ENV} names an unknown kind of database 'nosuchdb'"),
    ("no-driver", "pg", "SELECT 1", lambda u: u.replace("postgresql+psycopg", "postgresql+nosuchdriver"), {},
     f"environment variable {ENV} names an unknown kind of database 'postgresql+nosuchdriver'"),
    ("wrong-password", "pg", "SELECT 1", lambda u: u.replace(urllib.parse.quote(PASSWORD, safe=""), WRONG_PASSWORD),
     {}, '/metrics: connection'),  # a wrong password is not retried: no "(after N tries)"
    ("unencoded-password", "pg", "SELECT 1",
     lambda u: f"postgresql+psycopg://reader:{PASSWORD}@127.0.0.1:{_closed_port()}/metrics", {},
     f"the URL in environment variable {ENV} has more than one '@': write special characters in the password "
     "%-encoded ('@' as %40)"),
    ("unencoded-slash", "pg", "SELECT 1", lambda u: u.replace(urllib.parse.quote(PASSWORD, safe=""),
                                                              "Wr0ng-pa55w0rd/zq7"), {},
     'password authentication failed for user "reader"'),
    ("unreachable", "pg", "SELECT 1", lambda u: u.rsplit(":", 1)[0] + f":{_closed_port()}/metrics", {},
     "(after 3 tries): connection"),  # refused: retried like an HTTP connection error
    ("no-database", "pg", "SELECT 1", lambda u: u.replace("/metrics", "/nope"), {}, 'database "nope" does not exist'),
    ("syntax", "pg", "SELEC 1", str, {}, 'the query failed: syntax error at or near "SELEC"'),
    ("no-table", "pg", "SELECT * FROM nowhere", str, {}, 'the query failed: relation "nowhere" does not exist'),
    ("not-allowed", "pg", "SELECT * FROM pg_authid", str, {}, "the query failed: permission denied"),
    ("no-date", "pg", "SELECT DATE '2026-01-05' AS day, 1 AS value", str, {},
     "the answer has no column 'date' (its columns: day, value)"),
    ("no-value", "pg", f"{SQ}, 1 AS n", str, {}, "the answer has no column 'value' (its columns: date, n)"),
    ("custom-missing", "pg", f"{SQ}, 1 AS value", str, {"date": "week_ending"},
     "the answer has no column 'week_ending' (its columns: date, value)"),
    ("same-name-twice", "pg", f"{SQ}, 1 AS value, 2 AS value", str, {}, "the answer has 2 columns named 'value'"),
    ("text", "pg", f"{SQ}, '12 days' AS value", str, {}, "row 1 of the answer: value '12 days' is not a number"),
    ("nan-float", "pg", f"{SQ}, 'NaN'::float8 AS value", str, {}, "row 1 of the answer: value nan is not a finite number"),
    ("nan-numeric", "pg", f"{SQ}, 'NaN'::numeric AS value", str, {},
     "row 1 of the answer: value NaN is not a finite number"),
    ("infinity", "pg", f"{SQ}, 'Infinity'::float8 AS value", str, {}, "value inf is not a finite number"),
    ("bool", "pg", f"{SQ}, true AS value", str, {}, "row 1 of the answer: value true is not a number"),
    ("interval", "pg", f"{SQ}, INTERVAL '1 day' AS value", str, {}, "(timedelta) is not a number"),
    ("all-null", "pg", f"{SQ}, NULL::numeric AS value", str, {}, "the answer holds no observations"),
    ("null-date", "pg", "SELECT NULL::date AS date, 1 AS value", str, {},
     "row 1 of the answer: date null is not a date in the form YYYY-MM-DD"),
    ("number-date", "pg", "SELECT 20260105 AS date, 1 AS value", str, {},
     "row 1 of the answer: date 20260105 is not a date in the form YYYY-MM-DD"),
    ("us-date", "pg", "SELECT '01/05/2026' AS date, 1 AS value", str, {},
     "date '01/05/2026' is not a date in the form YYYY-MM-DD"),
    ("feb-30", "pg", "SELECT '2026-02-30' AS date, 1 AS value", str, {}, "date '2026-02-30' is not a real date"),
    ("twice", "pg", f"{SQ}, 1 AS value UNION ALL {SQ}, 2", str, {},
     "date 2026-01-05 appears twice in the answer (row 1 of the answer and row 2 of the answer)"),
    ("twice-timestamps", "pg", "SELECT TIMESTAMP '2026-01-05 08:00' AS date, 1 AS value "
                               "UNION ALL SELECT TIMESTAMP '2026-01-05 09:00', 2", str, {},
     "date 2026-01-05 appears twice in the answer"),
    ("empty", "pg", f"{SQ}, 1 AS value WHERE false", str, {}, "the answer holds no observations"),
    ("delete", "pg", "DELETE FROM waits RETURNING week_ending AS date, avg_wait AS value", str, {},
     "the query failed: "),
    ("delete-in-with", "pg", "WITH gone AS (DELETE FROM waits RETURNING *) "
                             "SELECT week_ending AS date, avg_wait AS value FROM gone", str, {}, "the query failed: "),
    ("two-statements", "pg", "SELECT week_ending AS date, avg_wait AS value FROM waits; DELETE FROM waits", str, {},
     "the query failed: "),
    ("slow", "pg", f"SELECT pg_sleep(5), {SQ[7:]}, 1 AS value", str, {},
     "the query failed: canceling statement due to statement timeout"),
    ("sqlite-no-file", "sqlite", "SELECT 1", lambda u: u + ".missing", {}, "the SQLite database file "),
    ("sqlite-syntax", "sqlite", "SELEC 1", str, {}, 'the query failed: near "SELEC": syntax error'),
    ("sqlite-text", "sqlite", "SELECT '2026-01-05' AS date, 'abc' AS value", str, {},
     "row 1 of the answer: value 'abc' is not a number"),
    ("sqlite-blob", "sqlite", "SELECT '2026-01-05' AS date, x'00' AS value", str, {}, "(bytes) is not a number"),
    ("sqlite-datetime-text", "sqlite", "SELECT '2026-01-05 00:00:00' AS date, 1 AS value", str, {},
     "date '2026-01-05 00:00:00' is not a date in the form YYYY-MM-DD"),
    ("sqlite-twice", "sqlite", "SELECT day AS date, n AS value FROM waits UNION ALL SELECT '2026-01-05', 1", str, {},
     "date 2026-01-05 appears twice in the answer (row 1 of the answer and row 4 of the answer)"),
    ("sqlite-empty", "sqlite", "SELECT day AS date, n AS value FROM waits WHERE 0", str, {},
     "the answer holds no observations"),
    ("sqlite-no-rows", "sqlite", "PRAGMA foreign_keys = ON", str, {}, "the query returns no rows"),
    ("sqlite-pragma-write", "sqlite", "PRAGMA user_version = 3", str, {},
     "the query failed: attempt to write a readonly database"),
    ("sqlite-delete", "sqlite", "DELETE FROM waits RETURNING day AS date, n AS value", str, {},
     "the query failed: attempt to write a readonly database"),
]


@pytest.mark.parametrize("name,backend,query,url,fields,reason", FAULTS, ids=[f[0] for f in FAULTS])
def test_a_failing_sql_feed_leaves_its_csv_alone_and_the_others_run(request, portal, cli, monkeypatch, tmp_path,
                                                                    name, backend, query, url, fields, reason):
    monkeypatch.setattr(retry, "TIMEOUT_SECONDS", 0.5)
    if backend == "pg":
        pg = request.getfixturevalue("pg")
        good_url = reader_url(pg)
    else:
        good_url = sqlite_db(tmp_path / "m.db")
    if url is not None:
        monkeypatch.setenv(ENV, url(good_url))
    root = portal(sql_metric("bad", query, BEFORE, **fields) | good_metric())
    run = cli(root, "fetch")
    assert run.code == 1, run
    lines = run.out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("metric bad: ") and reason in lines[0], lines
    assert lines[1] == "metric good: 1 added"
    assert run.err == "okr-portal fetch: 1 of 2 failed\n"
    assert (root / "okrs/metrics/bad.csv").read_bytes() == BEFORE
    assert (root / "okrs/metrics/good.csv").read_bytes() == b"date,value\n2026-01-05,10\n"
    assert sorted(p.name for p in (root / "okrs/metrics").iterdir()) == ["bad.csv", "bad.yml", "good.csv", "good.yml"]
    assert_no_secret(run)
    if backend == "pg":  # nothing a query did is kept
        assert _count(request.getfixturevalue("pg"), "waits") == 4
    elif url is not None and url(good_url) == good_url:
        with sqlite3.connect(tmp_path / "m.db") as db:
            assert db.execute("SELECT count(*) FROM waits").fetchone() == (3,)
            assert db.execute("PRAGMA user_version").fetchone() == (0,)
        db.close()
    else:
        assert not (tmp_path / "m.db.missing").exists()  # SQLite would have created it


def _count(pg, table: str) -> int:
    import psycopg
    with psycopg.connect(host=str(pg.base), port=pg.port, user="postgres", dbname="metrics") as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_server_that_never_answers_times_out(portal, cli, monkeypatch):
    """The connect timeout: a port that accepts connections and says nothing."""
    monkeypatch.setattr(retry, "TIMEOUT_SECONDS", 1.0)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        port = listener.getsockname()[1]
        monkeypatch.setenv(ENV, f"postgresql+psycopg://reader:{urllib.parse.quote(PASSWORD, safe='')}"
                                f"@127.0.0.1:{port}/metrics")
        root = portal(sql_metric("mute", "SELECT 1", BEFORE))
        run = cli(root, "fetch")
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()
    assert run.code == 1
    assert run.out.startswith(f"metric mute: cannot connect to the database postgresql+psycopg://***@127.0.0.1:{port}"
                              "/metrics: ") and "timeout" in run.out, run.out
    assert (root / "okrs/metrics/mute.csv").read_bytes() == BEFORE
    assert_no_secret(run)


def test_errors_never_hold_the_url_or_its_password():
    """read_rows on its own, with passwords in every place a URL can hold one."""
    feed = type("F", (), {"connection_env": "U", "query": "SELECT 1", "date": "date", "value": "value"})
    urls = [
        f"postgresql+psycopg://reader:{PASSWORD}@127.0.0.1:{_closed_port()}/x",
        f"postgresql+psycopg://reader:{urllib.parse.quote(PASSWORD, safe='')}@127.0.0.1:{_closed_port()}/x",
        f"postgresql+psycopg://reader@127.0.0.1:{_closed_port()}/x?password={urllib.parse.quote(PASSWORD)}",
        f"nosuch://reader:{PASSWORD}@h/x",
        f"{PASSWORD}",
    ]
    for url in urls:
        with pytest.raises(FeedError) as caught:
            fetch_sql.read_rows(feed, {"U": url})
        message = str(caught.value)
        assert all(s not in message for s in SPELLINGS), message


def test_a_broken_metric_csv_fails_before_any_query(portal, cli, monkeypatch, tmp_path):
    monkeypatch.setenv(ENV, sqlite_db(tmp_path / "m.db"))
    broken = b"date,value\n2026-01-05,abc\n"
    root = portal(sql_metric("b", "SELECT day AS date, n AS value FROM waits", broken) | good_metric())
    run = cli(root, "fetch")
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0].startswith("metric b: okrs/metrics/b.csv:2: value 'abc' is not a number") and \
        lines[0].endswith("fix it first (okr-portal validate)")
    assert lines[1:] == ["metric good: 1 added"]
    assert (root / "okrs/metrics/b.csv").read_bytes() == broken

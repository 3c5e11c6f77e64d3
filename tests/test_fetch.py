"""okr-portal fetch (DESIGN.md §3 "Feeds"), against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from site_builder import redaction
from site_builder.feeds import http as feed_http
from site_builder.feeds import merge, retry
from site_builder.feeds import run as feed_run

TOKEN = "tok-9f8e7d6c5b4a-secret"

# path -> (status, body, content type); a callable body gets the handler and returns one.
ROUTES: dict[str, tuple] = {}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass

    def do_GET(self):
        route = ROUTES.get(self.path.split("?")[0])
        if route is None:
            status, body, kind, headers = 404, b"not here", "text/plain", {}
        else:
            status, body, kind = route
            if callable(body):
                status, body, *extra = body(self)
                headers = extra[0] if extra else {}
            else:
                headers = {}
        if isinstance(body, str):
            body = body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            for name, value in headers.items():
                self.send_header(name, value)
            if kind != "no-length":  # HTTP/1.0: the answer ends when the connection closes
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _routes(monkeypatch):
    ROUTES.clear()
    monkeypatch.setattr(retry, "TIMEOUT_SECONDS", 5.0)
    monkeypatch.setattr(retry, "BACKOFF_SECONDS", 0.01)
    yield
    ROUTES.clear()


def route(path, body, status=200, kind="text/plain"):
    ROUTES[path] = (status, body, kind)


def metric_files(metric_id: str, feed: dict | None, csv_text: str | None = "date,value\n") -> dict:
    files = {}
    if feed is not None:
        files[f"okrs/metrics/{metric_id}.yml"] = f"title: {metric_id}\nfeed: {json.dumps(feed)}\n"
    if csv_text is not None:
        files[f"okrs/metrics/{metric_id}.csv"] = csv_text.encode("utf-8")
    return files


GOOD_CSV = "date,value\n2026-01-05,10\n2026-01-12,11.5\n"


def good_feed(server):
    route("/good.csv", GOOD_CSV)
    return metric_files("good", {"type": "csv", "url": f"{server}/good.csv"})


# --- merging ---------------------------------------------------------------------


def test_csv_feed_upserts_by_date_and_keeps_everything_else(portal, cli, server):
    route("/waits.csv", "region,week_ending,avg_wait_days\n"
                        "north,2026-01-26,27\n"      # new
                        "north,2026-01-12,31\n"      # revised from 29.5
                        "north,2026-01-05,30.0\n"    # same value as "30"
                        "north,2026-02-02,\n")       # empty: no observation
    existing = ('date,value,note\n'
                '2026-01-05,30,"first week, after the change"\n'
                '2026-01-12,29.5,\n'
                '2026-01-19,28,not returned by the source any more\n')
    root = portal(metric_files("waits", {"type": "csv", "url": f"{server}/waits.csv",
                                         "date": "week_ending", "value": "avg_wait_days"}, existing))
    run = cli(root, "fetch")
    assert run.code == 0, run
    assert run.out == "metric waits: 1 added, 1 revised (2026-01-12: 29.5 → 31)\n"
    data = (root / "okrs/metrics/waits.csv").read_bytes()
    assert data == (b'date,value,note\n'
                    b'2026-01-05,30,"first week, after the change"\n'
                    b'2026-01-12,31,\n'
                    b'2026-01-19,28,not returned by the source any more\n'
                    b'2026-01-26,27,\n')
    assert cli(root, "validate").code == 0
    again = cli(root, "fetch")
    assert again.code == 0 and again.out == "metric waits: unchanged\n"
    assert (root / "okrs/metrics/waits.csv").read_bytes() == data
    assert [p.name for p in (root / "okrs/metrics").iterdir() if p.name.startswith(".")] == []


def test_a_fetch_that_brings_nothing_new_changes_no_byte(portal, cli, server):
    route("/same.json", json.dumps([{"date": "2026-01-05", "value": 30.0}, {"date": "2026-01-12", "value": "29.50"}]))
    hand_written = b"\xef\xbb\xbfdate , value\r\n2026-01-12,29.5\r\n2026-01-05,30\r\n\r\n"  # BOM, CRLF, unsorted
    root = portal(metric_files("same", {"type": "json", "url": f"{server}/same.json"}, None)
                  | {"okrs/metrics/same.csv": hand_written})
    for _ in range(2):
        run = cli(root, "fetch")
        assert (run.code, run.out) == (0, "metric same: unchanged\n")
        assert (root / "okrs/metrics/same.csv").read_bytes() == hand_written


def test_json_feed_with_nested_records_and_a_new_csv(portal, cli, server):
    route("/api/waits", json.dumps({"meta": {"n": 4}, "data": {"items": [
        {"day": "2026-02-01", "n": 12},
        {"day": "2026-01-01", "n": "9.25"},
        {"day": "2026-03-01", "n": None},
        {"day": "2026-04-01", "n": 1e-7},
    ]}}), kind="application/json")
    files = metric_files("beds", {"type": "json", "url": f"{server}/api/waits", "records": "data.items",
                                  "date": "day", "value": "n"}, csv_text=None)
    root = portal(files)
    run = cli(root, "fetch", "beds")
    assert run.code == 0, run
    assert run.out == "metric beds: 3 added\n"
    assert (root / "okrs/metrics/beds.csv").read_text() == "date,value\n2026-01-01,9.25\n2026-02-01,12\n2026-04-01,1e-07\n"
    assert cli(root, "validate").code == 0


def test_an_empty_row_in_the_csv_gets_its_value(portal, cli, server):
    route("/v.csv", "date,value\n2026-01-05,7\n")
    root = portal(metric_files("v", {"type": "csv", "url": f"{server}/v.csv"}, "date,value,note\n2026-01-05,,closed\n"))
    run = cli(root, "fetch")
    assert run.out == "metric v: 1 added\n"
    assert (root / "okrs/metrics/v.csv").read_text() == "date,value,note\n2026-01-05,7,closed\n"


def test_dry_run_reports_without_writing(portal, cli, server):
    route("/d.csv", "date,value\n2026-01-05,1\n2026-01-12,2\n")
    root = portal(metric_files("d", {"type": "csv", "url": f"{server}/d.csv"}, "date,value\n2026-01-05,3\n"))
    run = cli(root, "fetch", "--dry-run")
    assert run.code == 0
    assert run.out == "metric d: 1 added, 1 revised (2026-01-05: 3 → 1) (dry run: not written)\n"
    assert (root / "okrs/metrics/d.csv").read_text() == "date,value\n2026-01-05,3\n"


def test_local_file_feed_inside_the_portal(portal, cli):
    files = metric_files("local", {"type": "csv", "url": "data/export.csv"})
    files["data/export.csv"] = "date,value\n2026-01-05,4\n"
    files |= metric_files("escape", {"type": "csv", "url": "data/../../outside.csv"})
    root = portal(files)
    (root.parent / "outside.csv").write_text("date,value\n2026-01-05,4\n")
    run = cli(root, "fetch")
    assert run.code == 1
    assert "metric local: 1 added\n" in run.out
    assert "metric escape: feed url 'data/../../outside.csv' must be a path relative to the portal root" in run.out
    assert (root / "okrs/metrics/local.csv").read_text() == "date,value\n2026-01-05,4\n"
    assert (root / "okrs/metrics/escape.csv").read_text() == "date,value\n"


def test_a_symlink_out_of_the_portal_is_refused(portal, cli, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "x.csv"
    outside.write_text("date,value\n2026-01-05,4\n")
    root = portal(metric_files("link", {"type": "csv", "url": "data/x.csv"}))
    (root / "data").mkdir()
    (root / "data/x.csv").symlink_to(outside)
    run = cli(root, "fetch")
    assert run.code == 1 and run.out == "metric link: feed url 'data/x.csv' leads outside the portal\n"


# --- failures --------------------------------------------------------------------


def _slow(handler):
    time.sleep(1.5)
    return 200, GOOD_CSV


FAILURES = [
    # id, feed type, route (status, body), expected reason
    ("404", "csv", (404, "gone"), "HTTP 404 Not Found from http://127.0.0.1:"),
    ("500", "json", (500, "oops"), "HTTP 500 Internal Server Error from"),
    ("slow", "csv", (200, _slow), "no answer from http://127.0.0.1:"),
    ("bad-quote", "csv", (200, 'date,value\n2026-01-05,"1\n'), "the answer is not valid CSV"),
    ("bad-json", "json", (200, '{"date": "2026-01-05", '), "the answer is not valid JSON"),
    ("not-list", "json", (200, '{"date": "2026-01-05"}'), "the answer is not a list of records"),
    ("no-column", "csv", (200, "day,value\n2026-01-05,1\n"), "the answer has no column 'date' (its columns: day, value)"),
    ("no-field", "json", (200, '[{"date": "2026-01-05", "val": 1}]'), "record 1 of the answer has no field 'value'"),
    ("nan-csv", "csv", (200, "date,value\n2026-01-05,NaN\n"), "line 2 of the answer: value 'NaN' is not a number"),
    ("nan-json", "json", (200, '[{"date": "2026-01-05", "value": NaN}]'), "record 1: value nan is not a finite number"),
    ("text", "csv", (200, "date,value\n2026-01-05,12 days\n"), "value '12 days' is not a number"),
    ("bool", "json", (200, '[{"date": "2026-01-05", "value": true}]'), "record 1: value true is not a number"),
    ("us-date", "csv", (200, "date,value\n01/05/2026,1\n"), "date '01/05/2026' is not a date in the form YYYY-MM-DD"),
    ("feb-30", "json", (200, '[{"date": "2026-02-30", "value": 1}]'), "date '2026-02-30' is not a real date"),
    ("twice", "csv", (200, "date,value\n2026-01-05,1\n2026-01-05,2\n"),
     "date 2026-01-05 appears twice in the answer (line 2 of the answer and line 3 of the answer)"),
    ("empty", "csv", (200, ""), "the answer is empty"),
    ("empty-json", "json", (200, "[]"), "the answer holds no observations"),
    ("only-header", "csv", (200, "date,value\n"), "the answer holds no observations"),
    ("latin1", "csv", (200, "date,value\n2026-01-05,1\n".encode() + b"\xe9\n"), "the answer is not UTF-8 text"),
    ("huge", "csv", (200, "date,value\n" + "2026-01-05,1\n" * 500), "is too large (6,511 bytes; the limit is 1,000)"),
]


@pytest.mark.parametrize("name,kind,answer,reason", FAILURES, ids=[f[0] for f in FAILURES])
def test_a_failing_feed_leaves_its_csv_alone_and_the_others_run(portal, cli, server, monkeypatch,
                                                                name, kind, answer, reason):
    monkeypatch.setattr(retry, "TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr(feed_http, "MAX_ANSWER_BYTES", 1000)
    status, body = answer
    route(f"/{name}", body, status=status)
    before = b"date,value,note\n2026-01-05,3,kept\n"
    files = metric_files("bad", {"type": kind, "url": f"{server}/{name}"}, before.decode())
    root = portal(files | good_feed(server))
    run = cli(root, "fetch")
    assert run.code == 1
    assert "Traceback" not in run.out + run.err
    lines = run.out.splitlines()
    assert lines[0].startswith("metric bad: ") and reason in lines[0], lines
    assert lines[1:] == ["metric good: 2 added"]
    assert (root / "okrs/metrics/bad.csv").read_bytes() == before
    assert (root / "okrs/metrics/good.csv").read_text() == "date,value\n2026-01-05,10\n2026-01-12,11.5\n"
    assert "1 of 2 failed" in run.err


def test_an_oversized_answer_without_content_length(portal, cli, server, monkeypatch):
    monkeypatch.setattr(feed_http, "MAX_ANSWER_BYTES", 100)
    route("/stream.csv", "date,value\n" + "2026-01-05,1\n" * 50, kind="no-length")
    files = metric_files("big", {"type": "csv", "url": "big.csv"})  # a local file: the same limit
    files["big.csv"] = "date,value\n" + "2026-01-05,1\n" * 50
    root = portal(files | metric_files("stream", {"type": "csv", "url": f"{server}/stream.csv"}))
    run = cli(root, "fetch")
    assert run.code == 1
    assert run.out.splitlines() == [
        "metric big: big.csv is larger than the limit of 100 bytes",
        f"metric stream: the answer from {server}/stream.csv is larger than the limit of 100 bytes"]
    assert (root / "okrs/metrics/stream.csv").read_text() == "date,value\n"


def test_an_unreachable_server(portal, cli, server):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    root = portal(metric_files("down", {"type": "csv", "url": f"http://127.0.0.1:{port}/x.csv"}) | good_feed(server))
    run = cli(root, "fetch")
    assert run.code == 1
    assert run.out.startswith(f"metric down: cannot reach http://127.0.0.1:{port}/x.csv: ")
    assert "metric good: 2 added" in run.out


def test_a_broken_metric_csv_is_not_touched(portal, cli, server):
    route("/b.csv", "date,value\n2026-01-05,1\n")
    before = b"date,value\n2026-01-05,abc\n"
    root = portal(metric_files("b", {"type": "csv", "url": f"{server}/b.csv"}, before.decode()))
    run = cli(root, "fetch")
    assert run.code == 1
    assert run.out.startswith("metric b: okrs/metrics/b.csv:2: value 'abc' is not a number")
    assert (root / "okrs/metrics/b.csv").read_bytes() == before


# --- secrets ------------------------------------------------------------------------


def _needs_token(handler):
    if handler.headers.get("Authorization") != f"Bearer {TOKEN}":
        return 401, "no"
    return 200, json.dumps({"rows": [{"date": "2026-01-05", "value": 5}]})


def test_headers_come_from_the_environment_and_never_show(portal, cli, server, monkeypatch):
    route("/private", _needs_token, kind="application/json")
    feed = {"type": "json", "url": f"{server}/private", "records": "rows",
            "headers_env": {"Authorization": "DATA_API_TOKEN"}}
    root = portal(metric_files("private", feed) | metric_files("private-2", feed | {"url": f"{server}/nothing"}))
    monkeypatch.setenv("DATA_API_TOKEN", f"Bearer {TOKEN}")
    run = cli(root, "fetch")
    assert run.out.splitlines() == ["metric private: 1 added",
                                    f"metric private-2: HTTP 404 Not Found from {server}/nothing"]
    assert TOKEN not in run.out + run.err

    monkeypatch.setenv("DATA_API_TOKEN", "Bearer wrong-token-value")
    run = cli(root, "fetch", "private")
    assert run.code == 1 and run.out == f"metric private: HTTP 401 Unauthorized from {server}/private\n"
    assert "wrong-token-value" not in run.out + run.err

    monkeypatch.delenv("DATA_API_TOKEN")
    run = cli(root, "fetch", "private")
    assert run.code == 1
    assert run.out == "metric private: environment variable DATA_API_TOKEN (for the Authorization header) is not set\n"


def test_secret_headers_do_not_follow_a_redirect_to_another_host(portal, cli, server, monkeypatch):
    route("/private", _needs_token, kind="application/json")
    port = server.rsplit(":", 1)[1]
    route("/same-host", lambda h: (302, "", {"Location": "/private"}))
    route("/other-host", lambda h: (302, "", {"Location": f"http://localhost:{port}/private"}))
    route("/to-file", lambda h: (302, "", {"Location": "file:///etc/passwd"}))
    feed = {"type": "json", "records": "rows", "headers_env": {"Authorization": "DATA_API_TOKEN"}}
    root = portal(metric_files("same", feed | {"url": f"{server}/same-host"})
                  | metric_files("other", feed | {"url": f"{server}/other-host"})
                  | metric_files("file", feed | {"url": f"{server}/to-file"}))
    monkeypatch.setenv("DATA_API_TOKEN", f"Bearer {TOKEN}")
    run = cli(root, "fetch")
    assert run.out.splitlines() == [
        f"metric file: HTTP 302 from {server}/to-file: a redirect that is not followed (only http(s), at most 10)",
        f"metric other: HTTP 401 Unauthorized from {server}/other-host",
        "metric same: 1 added"]
    assert TOKEN not in run.out + run.err


def test_passwords_in_urls_are_redacted(portal, cli, server):
    def basic(handler):
        import base64
        ok = handler.headers.get("Authorization") == "Basic " + base64.b64encode(b"reader:pa55word").decode()
        return (200, "date,value\n2026-01-05,1\n") if ok else (401, "no")

    route("/basic.csv", basic)
    url = server.replace("http://", "http://reader:pa55word@")
    root = portal(metric_files("ok", {"type": "csv", "url": f"{url}/basic.csv"})
                  | metric_files("missing", {"type": "csv", "url": f"{url}/missing.csv"}))
    run = cli(root, "fetch")
    assert "pa55word" not in run.out + run.err
    assert "metric ok: 1 added" in run.out
    assert f"metric missing: HTTP 404 Not Found from {server.replace('http://', 'http://***@')}/missing.csv" in run.out


def test_redact():
    assert redaction.redact("see https://u:p%40ss@host/x and ftp://a@b") == "see https://***@host/x and ftp://***@b"
    assert redaction.redact("token abc in text", ("abc",)) == "token *** in text"


# --- choosing metrics -----------------------------------------------------------------


def test_which_metrics_are_fetched(portal, cli, server, monkeypatch):
    files = good_feed(server) | metric_files("plain", None, "date,value\n2026-01-05,1\n")
    files |= metric_files("db", {"type": "sql", "connection_env": "DB_URL", "query": "SELECT 1"})
    root = portal(files)
    monkeypatch.delenv("DB_URL", raising=False)  # sql feeds: tests/test_fetch_sql.py
    run = cli(root, "fetch")
    assert run.code == 1
    assert run.out == ("metric db: environment variable DB_URL (the database URL) is not set\n"
                       "metric good: 2 added\n")

    run = cli(root, "fetch", "good", "plain", "nope")
    assert run.code == 1
    assert run.out.splitlines() == ["metric nope: no such metric in okrs/metrics/",
                                    "metric good: unchanged", "metric plain has no feed"]

    run = cli(root, "fetch", "good")
    assert (run.code, run.out) == (0, "metric good: unchanged\n")


def test_no_portal(cli, tmp_path):
    run = cli(tmp_path, "fetch")
    assert run.code == 1 and "no okrs/ folder" in run.err


def test_canonical_values():
    assert [merge.canonical(v) for v in (30.0, 29.5, -0.0, 1e16, 0.1 + 0.2, 1234567.0)] == \
        ["30", "29.5", "0", "1e+16", "0.30000000000000004", "1234567"]


# --- retries and concurrency ---------------------------------------------------------


def test_5xx_is_retried_with_backoff_and_then_succeeds(portal, cli, server):
    calls = []

    def flaky(handler):
        calls.append(1)
        return (503, "busy") if len(calls) < 3 else (200, GOOD_CSV)

    route("/flaky.csv", flaky)
    root = portal(metric_files("flaky", {"type": "csv", "url": f"{server}/flaky.csv"}))
    run = cli(root, "fetch")
    assert run.code == 0, run
    assert len(calls) == 3  # two retries after the first try
    assert run.out == "metric flaky: 2 added\n"


def test_a_failing_source_is_tried_a_bounded_number_of_times(portal, cli, server):
    calls = []

    def down(handler):
        calls.append(1)
        return 500, "down"

    route("/down.csv", down)
    root = portal(metric_files("down", {"type": "csv", "url": f"{server}/down.csv"}, "date,value\n2026-01-01,1\n"))
    run = cli(root, "fetch")
    assert run.code == 1
    assert len(calls) == 1 + retry.RETRIES
    assert run.out.startswith("metric down: HTTP 500") and f"(tried {1 + retry.RETRIES} times)" in run.out
    assert (root / "okrs/metrics/down.csv").read_bytes() == b"date,value\n2026-01-01,1\n"


def test_4xx_is_not_retried(portal, cli, server):
    calls = []

    def gone(handler):
        calls.append(1)
        return 410, "gone"

    route("/gone.csv", gone)
    root = portal(metric_files("gone", {"type": "csv", "url": f"{server}/gone.csv"}))
    assert cli(root, "fetch").code == 1
    assert len(calls) == 1


def test_feeds_are_fetched_concurrently_and_reported_in_metric_order(portal, cli, server):
    import time as clock

    state = {"now": 0, "most": 0}
    lock = threading.Lock()

    def slow(handler):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        clock.sleep(0.2)
        with lock:
            state["now"] -= 1
        return 200, GOOD_CSV

    route("/slow.csv", slow)
    files = {}
    for n in range(12):
        files.update(metric_files(f"m{n:02d}", {"type": "csv", "url": f"{server}/slow.csv?{n}"}))
    root = portal(files)
    run = cli(root, "fetch")
    assert run.code == 0, run
    assert 1 < state["most"] <= feed_run.CONCURRENCY  # several at once, never more than the limit
    assert run.out.splitlines() == [f"metric m{n:02d}: 2 added" for n in range(12)]

"""okr-portal fetch against servers that misbehave, secrets that come back, runs
that are killed or overlap, and a database library that warns (DESIGN.md §3
"Feeds", §6). Real servers on 127.0.0.1 (raw sockets where HTTP is broken on
purpose), real `okr-portal fetch` processes where processes matter."""

from __future__ import annotations

import base64
import json
import os
import queue
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from site_builder import redaction
from site_builder.feeds import merge, retry
from test_fetch import TOKEN, _routes, metric_files, route, server  # noqa: F401 (_routes, server: fixtures)

BEFORE = b"date,value,note\n2026-01-05,3,kept\n"
WHOLE_CSV = b"date,value\n2026-01-05,7\n2026-02-01,12345\n"
WHOLE_JSON = json.dumps([{"date": "2026-01-05", "value": 7}, {"date": "2026-02-01", "value": 12345}]).encode()


# --- a raw server: answers each connection with bytes chosen by the test ----------


class RawServer:
    """Accepts connections on 127.0.0.1; for each, reads the request head and sends
    ``answer(path, headers)``: bytes (then closes), or (bytes, hold) to keep the
    connection open until ``hold`` (an Event) is set."""

    def __init__(self, answer):
        self.answer = answer
        self.requests: list[tuple[str, dict]] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self):
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        with conn:
            conn.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                head += chunk
            lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            self.requests.append((path, headers))
            answer = self.answer(path, headers)
            hold = None
            if isinstance(answer, tuple):
                answer, hold = answer
            try:
                conn.sendall(answer)
                if hold is not None:
                    hold.wait(10)
            except OSError:
                pass

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture
def raw():
    made = []

    def make(answer) -> RawServer:
        made.append(RawServer(answer))
        return made[-1]

    yield make
    for one in made:
        one.close()


def http_answer(body: bytes, status: str = "200 OK", headers: dict | None = None, length: int | None = None) -> bytes:
    head = [f"HTTP/1.1 {status}", "Connection: close"]
    if length is not None:
        head.append(f"Content-Length: {length}")
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def chunked(body: bytes, size: int = 16) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size]) for i in range(0, len(body), size))


def good_local() -> dict:
    return {"okrs/metrics/good.yml": "title: good\nfeed: {type: csv, url: data/good.csv}\n",
            "okrs/metrics/good.csv": b"date,value\n", "data/good.csv": "date,value\n2026-01-05,10\n"}


def assert_one_clean_line(run, metric: str) -> str:
    assert "Traceback" not in run.out + run.err
    lines = [line for line in run.out.splitlines() if line.startswith(f"metric {metric}")]
    assert len(lines) == 1, run.out
    return lines[0]


# --- 1. an answer cut short is a failed feed -------------------------------------------


def _cut_after(body: bytes, marker: bytes) -> bytes:
    return body[:body.index(marker) + len(marker)]


@pytest.mark.parametrize("kind,body", [("csv", WHOLE_CSV), ("json", WHOLE_JSON)])
def test_a_body_shorter_than_its_content_length_is_a_failed_feed(portal, cli, raw, kind, body):
    sent = _cut_after(body, b"123")  # ...2026-02-01,123 of ...2026-02-01,12345
    srv = raw(lambda path, headers: http_answer(sent, length=len(body)))
    root = portal(metric_files("cut", {"type": kind, "url": srv.url("/cut")}, BEFORE.decode()) | good_local())
    run = cli(root, "fetch")
    assert run.code == 1, run
    line = assert_one_clean_line(run, "cut")
    assert line == (f"metric cut: the answer from {srv.url('/cut')} ended after {len(sent)} of {len(body)} bytes: "
                    f"the connection was cut; nothing was written (tried {1 + retry.RETRIES} times)")
    assert "metric good: 1 added" in run.out
    assert (root / "okrs/metrics/cut.csv").read_bytes() == BEFORE
    assert len(srv.requests) == 1 + retry.RETRIES  # cut like a dropped connection: tried again


@pytest.mark.parametrize("kind,body", [("csv", WHOLE_CSV), ("json", WHOLE_JSON)])
def test_a_chunked_body_without_its_last_chunk_is_a_failed_feed(portal, cli, raw, kind, body):
    sent = chunked(body[:32])  # whole chunks, and no terminating 0-chunk
    srv = raw(lambda path, headers: http_answer(sent, headers={"Transfer-Encoding": "chunked"}))
    root = portal(metric_files("cut", {"type": kind, "url": srv.url("/c")}, BEFORE.decode()))
    run = cli(root, "fetch")
    assert run.code == 1, run
    line = assert_one_clean_line(run, "cut")
    assert line.startswith(f"metric cut: the answer from {srv.url('/c')} ended after 32 bytes, before its last chunk: "
                           "the connection was cut; nothing was written"), line
    assert (root / "okrs/metrics/cut.csv").read_bytes() == BEFORE


def test_a_whole_chunked_answer_is_used(portal, cli, raw):
    srv = raw(lambda path, headers: http_answer(chunked(WHOLE_CSV) + b"0\r\n\r\n",
                                                headers={"Transfer-Encoding": "chunked"}))
    root = portal(metric_files("whole", {"type": "csv", "url": srv.url("/w")}, BEFORE.decode()))
    run = cli(root, "fetch")
    assert (run.code, run.out) == (0, "metric whole: 1 added, 1 revised (2026-01-05: 3 → 7)\n")


def test_a_cut_answer_is_tried_again_and_a_whole_one_is_used(portal, cli, raw):
    def answer(path, headers):
        if len(srv.requests) == 1:
            return http_answer(_cut_after(WHOLE_CSV, b"123"), length=len(WHOLE_CSV))
        return http_answer(WHOLE_CSV, length=len(WHOLE_CSV))

    srv = raw(answer)
    root = portal(metric_files("m", {"type": "csv", "url": srv.url("/m")}))
    run = cli(root, "fetch")
    assert (run.code, run.out) == (0, "metric m: 2 added\n"), run
    assert (root / "okrs/metrics/m.csv").read_bytes() == b"date,value\n2026-01-05,7\n2026-02-01,12345\n"


def test_an_answer_that_stops_midway_times_out_without_retrying(portal, cli, raw, monkeypatch):
    monkeypatch.setattr(retry, "TIMEOUT_SECONDS", 0.3)
    hold = threading.Event()
    srv = raw(lambda path, headers: (http_answer(WHOLE_CSV[:20], length=len(WHOLE_CSV)), hold))
    root = portal(metric_files("stuck", {"type": "csv", "url": srv.url("/s")}, BEFORE.decode()))
    try:
        run = cli(root, "fetch")
    finally:
        hold.set()
    assert run.code == 1
    line = assert_one_clean_line(run, "stuck")
    assert line == (f"metric stuck: the answer from {srv.url('/s')} stopped after 20 of {len(WHOLE_CSV)} bytes: "
                    "nothing more came within 0.3 s; nothing was written")
    assert len(srv.requests) == 1
    assert (root / "okrs/metrics/stuck.csv").read_bytes() == BEFORE


# --- 2. secrets never shown, whatever a server sends back ----------------------------------

API_KEY = "k3y/with+special=chars&more"  # changes when %-encoded
PASSWORD = "pa55w0rd-Xy7"


def _spellings(*secrets: str) -> list[str]:
    out = []
    for secret in secrets:
        raw = secret.encode()
        out += [secret, secret[:8], urllib.parse.quote(secret, safe=""), urllib.parse.quote(secret, safe="").lower(),
                urllib.parse.quote_plus(secret), base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()]
    return out


SECRET_SPELLINGS = _spellings(f"Bearer {TOKEN}", TOKEN, API_KEY, PASSWORD, f"reader:{PASSWORD}")


def assert_nothing_secret(run) -> None:
    shown = run.out + run.err
    for spelling in SECRET_SPELLINGS:
        assert spelling not in shown, spelling
    assert "Traceback" not in shown
    assert "\x1b" not in shown


def _echo(path, headers):
    """A server that says back what it was sent, in every way it could."""
    auth, key = headers.get("authorization", ""), headers.get("x-api-key", "")
    basic = base64.b64decode(auth.split(" ", 1)[1]).decode() if auth.startswith("Basic ") else ""
    said = {
        "/reason": f"Forbidden for {auth}",
        "/token-only": f"Forbidden: token {auth.split(' ', 1)[-1]} expired",
        "/percent": f"Forbidden key={urllib.parse.quote(key, safe='').lower()}",
        "/percent-plus": f"Forbidden key={urllib.parse.quote_plus(key)}",
        "/base64": f"Forbidden {base64.b64encode(auth.encode()).decode()}",
        "/basic": f"Forbidden {auth} means {basic}",
        "/hostile": "\x1b[31m" + "A" * 5000 + f" {auth} " + "\x1b[2J" * 1000,
        "/cut-secret": "x" * 60 + auth,  # the secret straddles where a message is cut
    }
    if path == "/bad-status-line":
        return f"HTTX/1.1 403 {auth}\r\n\r\n".encode("latin-1")
    if path == "/json-error":
        body = json.dumps({"error": f"bad credentials {auth} {key}"}).encode()
        return http_answer(body, "401 Unauthorized", {"Content-Type": "application/json"}, len(body))
    if path == "/json-200":
        body = json.dumps([{"date": "2026-01-05", "value": "x" * 30 + " " + auth.split(" ", 1)[-1]}]).encode()
        return http_answer(body, length=len(body))
    if path == "/csv-200":
        body = ("date," + "y" * 30 + key + ",\x1b[2Jwipe\n2026-01-05,1,2\n").encode()
        return http_answer(body, length=len(body))
    return http_answer(b"no", f"403 {said[path]}", length=2)


@pytest.mark.parametrize("path", ["/reason", "/token-only", "/percent", "/percent-plus", "/base64", "/hostile",
                                  "/cut-secret", "/bad-status-line", "/json-error", "/json-200", "/csv-200"])
def test_a_server_that_echoes_the_secret_headers_never_gets_them_printed(portal, cli, raw, monkeypatch, path):
    srv = raw(_echo)
    feed = {"type": "json" if path.startswith("/json") else "csv", "url": srv.url(path),
            "headers_env": {"Authorization": "DATA_API_TOKEN", "X-Api-Key": "DATA_API_KEY"}}
    monkeypatch.setenv("DATA_API_TOKEN", f"Bearer {TOKEN}")
    monkeypatch.setenv("DATA_API_KEY", API_KEY)
    root = portal(metric_files("echo", feed, BEFORE.decode()))
    run = cli(root, "fetch")
    assert run.code == 1
    line = assert_one_clean_line(run, "echo")
    assert srv.requests[0][1]["authorization"] == f"Bearer {TOKEN}"  # it was sent, and came back
    assert_nothing_secret(run)
    assert len(line) < 400, line
    assert (root / "okrs/metrics/echo.csv").read_bytes() == BEFORE
    if path in ("/reason", "/base64"):
        assert line == f"metric echo: HTTP 403 Forbidden{' for' if path == '/reason' else ''} *** from {srv.url(path)}"


def test_a_server_that_echoes_the_password_of_its_url(portal, cli, raw):
    srv = raw(_echo)
    url = srv.url("/basic").replace("http://", f"http://reader:{urllib.parse.quote(PASSWORD)}@")
    root = portal(metric_files("basic", {"type": "csv", "url": url}, BEFORE.decode()))
    run = cli(root, "fetch")
    assert run.code == 1
    line = assert_one_clean_line(run, "basic")
    assert srv.requests[0][1]["authorization"].startswith("Basic ")
    assert_nothing_secret(run)
    assert line == f"metric basic: HTTP 403 Forbidden Basic *** means *** from http://***@127.0.0.1:{srv.port}/basic"


def test_a_message_from_before_any_request_never_shows_the_password(portal, cli):
    url = f"ftp://reader:{PASSWORD}@data.example.org/waits.csv"
    root = portal(metric_files("ftp", {"type": "csv", "url": url}, BEFORE.decode()))
    run = cli(root, "fetch")
    assert run.code == 1
    assert assert_one_clean_line(run, "ftp") == ("metric ftp: feed url 'ftp://***@data.example.org/waits.csv' must be "
                                                 "an http(s) URL or a path inside the portal")
    assert_nothing_secret(run)


def test_the_database_url_is_hidden_before_a_message_is_cut(portal, cli, monkeypatch, tmp_path):
    secret = "S3cr3t-dbpass-x9"
    with sqlite3.connect(tmp_path / "m.db") as db:
        db.execute("CREATE TABLE t (x)")
    db.close()
    monkeypatch.setenv("DB_URL", f"sqlite:///{tmp_path / 'm.db'}?password={secret}")
    query = f"SELECT '{'x' * 30} {secret}' AS date, 1 AS value"  # the answer says the password back
    feed = {"type": "sql", "connection_env": "DB_URL", "query": query}
    root = portal({"okrs/metrics/s.yml": f"title: s\nfeed: {json.dumps(feed)}\n", "okrs/metrics/s.csv": BEFORE})
    run = cli(root, "fetch")
    assert run.code == 1
    line = assert_one_clean_line(run, "s")
    assert line.startswith("metric s: row 1 of the answer: date '"), line
    for spelling in (secret, secret[:6]):
        assert spelling not in run.out + run.err, spelling


def test_redact_knows_the_spellings_a_server_sends_back():
    secret = "k3y/with space+é"
    said = [secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote(secret, safe="").lower(),
            urllib.parse.quote_plus(secret), urllib.parse.quote(secret),  # '/' left as it is
            "k3y%2fwith space%2Bé",  # in part
            base64.b64encode(secret.encode()).decode(), base64.urlsafe_b64encode(secret.encode()).decode().rstrip("=")]
    for text in said:
        assert redaction.redact(f"<{text}>", (secret,)) == "<***>", text
    assert redaction.redact("see https://u:p%40ss@host/x", ("p@ss",)) == "see https://***@host/x"


def test_the_secrets_of_a_feed_are_known_before_anything_is_fetched():
    from site_builder.model import FeedSettings
    from site_builder.problems import Loc

    def feed(**kw):
        return FeedSettings(**({"type": "csv", "url": None, "date": "date", "value": "value", "records": None,
                        "connection_env": None, "query": None, "headers_env": {}, "loc": Loc("x.yml")} | kw))

    env = {"TOKEN": "Bearer tok-123456", "SHORT": "Bearer ab",
           "BASIC": "Basic " + base64.b64encode(b"reader:pa55w0rd").decode()}
    found = redaction.feed_secrets(feed(headers_env={"A": "TOKEN", "B": "SHORT", "C": "BASIC", "D": "UNSET"}), env)
    assert set(found) == {"Bearer tok-123456", "tok-123456", "Bearer ab", env["BASIC"], env["BASIC"][6:],
                          "reader:pa55w0rd", "pa55w0rd"}  # "ab" alone would garble every message
    found = redaction.feed_secrets(feed(url="https://reader:p%40ss@host/x.csv"), env)
    assert set(found) == {"p%40ss", "p@ss", "reader:p@ss"}
    assert redaction.feed_secrets(None) == () and redaction.feed_secrets(feed(url="data/x.csv")) == ()


def test_quoted_cuts_after_redacting_and_escapes():
    secret = "tok-123456789"
    assert redaction.quoted("x" * 35 + secret, (secret,)) == "x" * 35 + "***"
    assert redaction.quoted("\x1b[2J" + "y" * 100, ()) == "\\x1b[2J" + "y" * 36 + "…"  # 40 characters, then escaped
    assert redaction.quoted("z" * 10_000 + secret * 3, (secret,), 10) == "z" * 10 + "…"


# --- 3. what a killed fetch leaves is removed by the next one ----------------------------

KILLED_BEFORE_THE_RENAME = """
import os, signal, sys
def killed(src, dst):  # the temporary file is whole on disk; the rename never happens
    os.kill(os.getpid(), signal.SIGKILL)
os.replace = killed
from site_builder.commands.cli import main
main(["-C", sys.argv[1], "fetch"])
"""


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def test_a_killed_fetch_leaves_a_temporary_file_that_the_next_fetch_removes(portal, cli, server):
    route("/k.csv", "date,value\n2026-01-05,9\n")
    root = portal(metric_files("k", {"type": "csv", "url": f"{server}/k.csv"}, BEFORE.decode()))
    metrics = root / "okrs/metrics"
    child = subprocess.run([sys.executable, "-c", KILLED_BEFORE_THE_RENAME, str(root)], capture_output=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child
    left = [p for p in metrics.iterdir() if p.name.startswith(".k.csv.") and p.name.endswith(".tmp")]
    assert len(left) == 1 and left[0].read_bytes() == b"date,value,note\n2026-01-05,9,kept\n"
    assert (metrics / "k.csv").read_bytes() == BEFORE
    _age(left[0], 2 * merge.STALE_TEMP_SECONDS)

    # What is not a stale temporary of fetch's own is kept.
    keep = {metrics / ".k.csv.tmp": "old", metrics / "k.csv.abcd1234.tmp": "old",
            metrics / ".k.csv.abcd1234.tmp.bak": "old", metrics / ".k.yml.abcd1234.tmp": "old",
            metrics / ".k.csv.abc.tmp": "old", metrics / ".other.csv.abcd_234.tmp": "new",
            root / "data/.k.csv.abcd1234.tmp": "old"}
    for path, age in keep.items():
        path.parent.mkdir(exist_ok=True)
        path.write_text("someone else's")
        if age == "old":
            _age(path, 2 * merge.STALE_TEMP_SECONDS)
    folder = metrics / ".dir.csv.abcd1234.tmp"
    folder.mkdir()
    _age(folder, 2 * merge.STALE_TEMP_SECONDS)
    (metrics / ".link.csv.abcd1234.tmp").symlink_to(metrics / "k.csv")
    _age(metrics / ".link.csv.abcd1234.tmp", 2 * merge.STALE_TEMP_SECONDS)

    dry = cli(root, "fetch", "--dry-run")
    assert dry.code == 0 and left[0].exists()  # a dry run writes (and removes) nothing

    run = cli(root, "fetch")
    assert (run.code, run.out) == (0, "metric k: 1 revised (2026-01-05: 3 → 9)\n"), run
    assert not left[0].exists()
    assert all(path.exists() for path in keep) and folder.is_dir()
    assert (metrics / ".link.csv.abcd1234.tmp").is_symlink()
    assert (metrics / "k.csv").read_bytes() == b"date,value,note\n2026-01-05,9,kept\n"


HOLD_FETCH_LOCK = """
import sys
from site_builder.lock import portal_lock
with portal_lock(sys.argv[1], "fetch"):
    print("held", flush=True)
    sys.stdin.readline()
"""


def _lines(stream) -> queue.Queue:
    got: queue.Queue = queue.Queue()

    def pump():
        for line in stream:
            got.put(line)
        got.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return got


def _drain(lines: queue.Queue, seconds: float = 30) -> list[str]:
    """The rest of what a finished process said."""
    seen = []
    while (line := lines.get(timeout=seconds)) is not None:
        seen.append(line)
    return seen


def _wait_for(lines: queue.Queue, text: str, seconds: float = 30) -> list[str]:
    seen, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"never said {text!r}; said {seen}")


def _fetch_process(root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "site_builder", "-C", str(root), "fetch"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_stale_temporaries_are_removed_only_under_the_fetch_lock(portal, server):
    route("/k.csv", "date,value\n2026-01-05,9\n")
    root = portal(metric_files("k", {"type": "csv", "url": f"{server}/k.csv"}, BEFORE.decode()))
    stale = root / "okrs/metrics/.k.csv.abcd1234.tmp"
    stale.write_bytes(b"date,value\n")
    _age(stale, 2 * merge.STALE_TEMP_SECONDS)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_FETCH_LOCK, str(root)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        run = _fetch_process(root)
        _wait_for(_lines(run.stderr), "waiting for it to finish")
        time.sleep(0.3)
        assert stale.exists()  # the holder's run may still be writing it
        holder.stdin.write("\n")
        holder.stdin.flush()
        out = run.stdout.read()
        run.wait(timeout=60)
    finally:
        holder.kill()
        holder.wait()
    assert run.returncode == 0 and out == "metric k: 1 revised (2026-01-05: 3 → 9)\n"
    assert not stale.exists()


# --- 4. two fetches in one portal: the second waits --------------------------------------


def test_a_second_fetch_waits_for_the_first_and_no_observation_is_lost(portal, server):
    lock = threading.Lock()
    state = {"calls": 0, "now": 0, "most": 0}
    first_arrived, release = threading.Event(), threading.Event()

    def answer(handler):
        with lock:
            state["calls"] += 1
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
            call = state["calls"]
        if call == 1:
            first_arrived.set()
            release.wait(30)  # the first run holds on here until the second has said it waits
        with lock:
            state["now"] -= 1
        return 200, f"date,value\n2026-01-{5 + 7 * (call - 1):02d},{call}\n"

    route("/both.csv", answer)
    root = portal(metric_files("both", {"type": "csv", "url": f"{server}/both.csv"}))
    first = _fetch_process(root)
    second = None
    try:
        assert first_arrived.wait(30), first.communicate(timeout=5)
        second = _fetch_process(root)
        said_by_second = _lines(second.stderr)
        said = _wait_for(said_by_second, "waiting for it to finish")
        assert state["calls"] == 1  # the second has not read the CSV, nor asked the server
    finally:
        release.set()
    out1, err1 = first.communicate(timeout=60)
    out2 = second.stdout.read()
    second.wait(timeout=60)
    rest = "".join(_drain(said_by_second))
    assert (first.returncode, out1, err1) == (0, "metric both: 1 added\n", "")
    assert (second.returncode, out2) == (0, "metric both: 1 added\n")
    assert said[-1] == (f"okr-portal fetch: another okr-portal fetch is running in this portal "
                        f"(process {first.pid}); waiting for it to finish\n")
    assert "waiting" not in "".join(said[:-1]) + rest  # said once
    assert state["most"] == 1
    assert (root / "okrs/metrics/both.csv").read_text() == "date,value\n2026-01-05,1\n2026-01-12,2\n"


# --- 5. the database library's warnings ----------------------------------------------------


def test_sqlalchemy_warnings_are_one_plain_line_naming_the_metric(portal, cli, monkeypatch, tmp_path):
    with sqlite3.connect(tmp_path / "m.db") as db:
        db.execute("CREATE TABLE waits (day TEXT, n)")
        db.execute("INSERT INTO waits VALUES ('2026-01-05', 4)")
    db.close()
    secret = "S3cr3t-dbpass-x9"
    # mode=ro looks like it makes the file read only; without uri=true SQLAlchemy ignores it, and warns.
    monkeypatch.setenv("DB_URL", f"sqlite:///{tmp_path / 'm.db'}?mode=ro&password={secret}")
    feed = {"type": "sql", "connection_env": "DB_URL", "query": "SELECT day AS date, n AS value FROM waits"}
    files = {}
    for name in ("a", "b"):
        files[f"okrs/metrics/{name}.yml"] = f"title: {name}\nfeed: {json.dumps(feed)}\n"
    root = portal(files)
    for attempt in range(2):  # a warning seen before in the process is still said
        run = cli(root, "fetch")
        assert run.code == 0, run
        assert run.out == ("metric a: 1 added\nmetric b: 1 added\n" if attempt == 0 else
                           "metric a: unchanged\nmetric b: unchanged\n")
        warning = ("warning from the database library: Query string argument(s) 'mode', 'password' are not "
                   "accepted by the pysqlite driver and are being ignored; SQLite URI arguments require that "
                   "'uri=true' also be present in the URL.")
        assert run.err.splitlines() == [f"okr-portal fetch: metric a: {warning}",
                                        f"okr-portal fetch: metric b: {warning}"], run.err
        assert secret not in run.out + run.err and ".py:" not in run.err and "SAWarning" not in run.err


# --- values no chart can show ------------------------------------------------------


@pytest.mark.parametrize("value", ["1e308", "-1e308", "1e16"])
def test_a_value_too_large_for_a_chart_is_a_failed_feed(portal, cli, value):
    files = metric_files("huge", {"type": "csv", "url": "data/huge.csv"}, "date,value\n2026-01-05,3\n")
    files["data/huge.csv"] = f"date,value\n2026-02-02,{value}\n"
    root = portal(files)
    run = cli(root, "fetch")
    assert run.code == 1
    line = assert_one_clean_line(run, "huge")
    assert f"line 2 of the answer: value {value} is too large" in line
    assert (root / "okrs/metrics/huge.csv").read_text() == "date,value\n2026-01-05,3\n"
    assert cli(root, "validate").code == 0  # what fetch left is still a portal that builds


def test_a_metric_csv_linked_from_outside_the_portal_is_neither_read_nor_written(portal, cli, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.csv"
    outside.write_text("date,value\n2026-01-05,3\n")
    files = metric_files("linked", {"type": "csv", "url": "data/new.csv"})
    del files["okrs/metrics/linked.csv"]
    files["data/new.csv"] = "date,value\n2026-02-02,4\n"
    root = portal(files)
    (root / "okrs/metrics/linked.csv").symlink_to(outside)
    run = cli(root, "fetch")
    assert run.code == 1
    line = assert_one_clean_line(run, "linked")
    assert line == ("metric linked: okrs/metrics/linked.csv is a link to a file outside the portal; "
                    "it is not read or written")
    assert outside.read_text() == "date,value\n2026-01-05,3\n"
    assert (root / "okrs/metrics/linked.csv").is_symlink()

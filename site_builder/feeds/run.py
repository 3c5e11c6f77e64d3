"""okr-portal fetch: refresh metrics' CSV files from their feeds (DESIGN.md §3 "Feeds").

The pipeline of one feed, and the command around it: the answer is read
(feeds/http.py, feeds/local.py, feeds/sql.py), parsed into rows
(feeds/parse.py), made observations by group, rolled up when the feed says
`aggregate` (feeds/groups.py, feeds/aggregate.py), and merged into the metric's
CSV (feeds/merge.py). Each feed runs on its own: a feed that fails in any way
leaves its metric's CSV byte-for-byte as it was and prints one line naming the
metric, and the others still run. Every message is redacted with all of the feed's secrets
(site_builder.redaction), whichever step raised it.

A run holds the portal's fetch lock (site_builder.lock) from before it reads any
CSV until it has written the last one: two fetches in one portal would otherwise
both read a CSV, merge, and the later write would lose the earlier one's rows.
The database library's warnings are routed here too, to the feed that raised them.
"""

from __future__ import annotations

import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from site_builder.commands.progress import Progress
from site_builder.feeds import sql
from site_builder.feeds.errors import FeedError
from site_builder.feeds.http import read_url, request_headers
from site_builder.feeds.local import read_local
from site_builder.feeds.merge import canonical, merge, remove_stale_temporaries, write_atomically
from site_builder.feeds.groups import group_words, observations
from site_builder.feeds.parse import parse_answer
from site_builder.lock import lock_path, portal_lock
from site_builder.model import FeedSettings, Metric
from site_builder.redaction import feed_secrets, quoted, redact
from site_builder.source.load import METRICS_DIR, load_portal

MAX_REVISIONS_SHOWN = 10
CONCURRENCY = 8  # feeds fetched at once


@dataclass
class Result:
    """What fetching one metric's feed came to; describe and describe_warnings word it."""

    metric: str
    added: int = 0
    revised: list[tuple[date, float, float, tuple]] = field(default_factory=list)  # (date, old, new, group)
    error: str | None = None
    written: bool = False
    warnings: list[str] = field(default_factory=list)  # the database library's, one line each
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)


def _answer(root: Path, feed: FeedSettings, secrets: tuple[str, ...] = ()) -> bytes:
    headers = request_headers(feed)  # before the url: an unset variable is reported for a local file too
    url = feed.url or ""
    if not url:
        raise FeedError("the feed has no url")
    if "://" in url:
        return read_url(url, headers, secrets)
    return read_local(root, url)


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


def fetch_metric(root: Path, metric: Metric, dry_run: bool = False, schema: int | None = 1) -> Result:
    """Fetch one metric's feed into its CSV; ``schema``: the portal's (how its CSV is read)."""
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
        layout = (schema, metric.dimensions, metric.meta_path)  # how merge reads the CSV, as validate does
        if existing is not None:  # a broken file fails before any network traffic
            merge(existing, rel, {}, *layout)
        if feed.type == "sql":
            caught: list[str] = []
            try:
                with _warnings_into(caught):
                    rows = sql.read_rows(feed)
            finally:
                lines = (quoted(sql.plain_warning(text), secrets, 300) for text in caught)
                result.warnings = list(dict.fromkeys(lines))
        else:
            body = _answer(Path(root), feed, secrets)
            rows = parse_answer(body, feed, secrets)
        values = observations(rows, metric, secrets)
        merged = merge(existing, rel, values, *layout)
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
        shown = ", ".join(f"{d}{' ' + group_words(group) if group else ''}: {canonical(old)} → {canonical(new)}"
                          for d, old, new, group in result.revised[:MAX_REVISIONS_SHOWN])
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
    settings = loaded.portal.settings
    schema = settings.schema if settings is not None else None
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
        return fetch_metric(root, metric, dry_run, schema)

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
        categories = sql.warning_categories()
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

"""The performance devices, in one place (DESIGN.md §7): what makes a large portal fast
without making the stage code harder to read.

- Memos that find an earlier result by the *identity* of what it was made from
  (``Recent``): a page is rendered in every language in turn, and the languages
  draw the same lines from the same observations. Comparing a few hundred
  observations to find an earlier result would cost nearly what it saves; the memo
  keeps the object alive with its result, so its id cannot pass to another object
  while the entry lasts. And one per-report memo (``report_memo``).
- Forked worker processes for rendering (``forked``) and for loading (``elsewhere``).
- Pauses of the cyclic garbage collector while pages render and while files load.
- At the end, a list of the caches kept on their own functions elsewhere.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Callable, Hashable, Iterator, TypeVar

T = TypeVar("T")


class Recent:
    """The ``size`` most recent results, by (identity of an object, a hashable detail)."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[tuple[int, Hashable], tuple[object, object]] = OrderedDict()

    def get(self, source: object, detail: Hashable, make: Callable[[], T]) -> T:
        """``make()``, or what it returned before for the same ``source`` object and ``detail``."""
        key = (id(source), detail)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is source:
            return entry[1]  # type: ignore[return-value]
        value = make()
        self._entries[key] = (source, value)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return value


# --- the memos of render --------------------------------------------------------------
# A page is drawn in each language in turn (see render.pages), from the same tuples of
# observations: the languages share their series, lines, windows and CSV files.

SERIES = Recent(16)  # render.charts.kinds: a chart's series of observations
LINES = Recent(16)  # render.charts.kinds: a series drawn in a frame
WINDOWS = Recent(16)  # render.views: a metric's observations in a period's window
CSVS = Recent(4)  # render.downloads: a metric's open-data CSV


def report_memo(report: object) -> dict:
    """A cache for what every language's pages derive alike from ``report`` (the feed's
    status transitions, the API document): emptied when another report comes along,
    so a long-running preview never serves results of an earlier build."""
    if _memo[0] is not report:
        _memo[:] = [report, {}]
    return _memo[1]


_memo: list = [None, {}]


# --- the collector and worker processes of render -------------------------------------


@contextmanager
def collector_off() -> Iterator[None]:
    """No automatic cyclic garbage collection while the pages are rendered, here and in
    the forked workers (which inherit the setting): rendering allocates enough to run
    the collector thousands of times, each run walking what the memos keep. Reference
    counting frees nearly all it drops; the few cycles a page leaves are young, and
    young_collections() collects the youngest generation every few pages (a test checks
    that nothing else is left). The objects that exist now (the portal, its report) are
    also set aside ("frozen"), so that no collection walks them, and forked workers do
    not touch (and copy) their memory for it."""
    enabled = gc.isenabled()
    frozen = not gc.get_freeze_count()  # else someone else froze objects: leave their arrangement alone
    gc.disable()
    if frozen:
        gc.freeze()
    try:
        yield
    finally:
        if frozen:
            gc.unfreeze()
        if enabled:
            gc.enable()


COLLECT_EVERY = 256  # pages: a collection walks what the memos keep, so not after every one


def young_collections(total: int) -> Callable[[int], None]:
    """What to call after step n (from 1) of ``total``: while the automatic collector is off
    (see collector_off), it collects the youngest generation every COLLECT_EVERY steps and
    after the last, where the few cycles pages leave (Markdown makes one per text) are."""
    if gc.isenabled():
        return lambda n: None

    def done(n: int) -> None:
        if n % COLLECT_EVERY == 0 or n == total:
            gc.collect(0)
    return done


def worker_count(workers: int | None, jobs: int, parallel_from: int) -> int:
    """How many forked workers to start for ``jobs`` (``workers`` asked for, else one a
    core): 1 (none) below ``parallel_from`` jobs, where starting workers costs more than
    it saves, or where processes cannot be forked."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers < 2 or jobs < parallel_from or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return workers


_shared: Callable | None = None  # the work of forked workers, inherited rather than pickled


def forked(work: Callable[[list], T], chunks: list[list], workers: int,
           meanwhile: Callable[[], object]) -> tuple[list[T], object]:
    """[work(chunk) for chunk in chunks] in ``workers`` forked processes, and what
    ``meanwhile()`` returns: called in this process while the workers work, so what it
    does costs no time of its own. ``work`` and what it refers to reach the workers by
    the fork, not pickled; only the chunks and the results travel."""
    global _shared
    _shared = work
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            results = pool.map(_work_shared, chunks)  # submitted now, collected below
            rest = meanwhile()
            return list(results), rest
    finally:
        _shared = None


def _work_shared(chunk: list):
    assert _shared is not None
    return _shared(chunk)


# --- loading ------------------------------------------------------------------------
# source.load reads a large portal's objective files in two processes, with the
# collector paused.

PARALLEL_FROM = 300  # objective files; below this, starting a process costs more than it saves


@contextmanager
def elsewhere(function, *args):
    """Start ``function(*args)`` in a forked process; yields a callable that returns its result
    once the block is done. Where there is no fork, or nothing to do, or the process fails,
    the function runs here instead (called when the result is asked for): never a lost result."""
    if not args[-1] or "fork" not in multiprocessing.get_all_start_methods():
        yield lambda: function(*args)
        return
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        future = pool.submit(function, *args)

        def result():
            try:
                return future.result()
            except (BrokenProcessPool, OSError):  # killed, or out of memory: read them here
                return function(*args)

        yield result


@contextmanager
def collector_paused():
    """No cyclic garbage collection while the files are read: a large portal is a million
    new objects that stay (observations, mostly), and the collector would scan them over
    and over as the heap grows (a third of the loading time). Reference counting still
    frees what is dropped; the few cycles (parsers) wait for the next collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not gc.get_freeze_count():
            # Straight to the oldest generation (freeze, then unfreeze, moves them there without
            # a scan): otherwise the first collection after this walks every object just read.
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


# --- caches elsewhere ------------------------------------------------------------------
# lru_caches kept on their functions (pure functions of hashable arguments):
#   render/formats.py        locale_for, format_date, format_month, language_name
#   render/markup.py         to_html, to_inline_html, to_plain
#   render/views.py          _badge_html, _bar
#   render/charts/canvas.py  text_width, y_ticks, _straight_cells, _legend
#   render/charts/kinds.py   _scales, _axis_titles, _y_tick_label, _tick_label
# other caches:
#   render/charts/canvas.py  _ATTRS, the escaped attribute values charts repeat
#   render/templating.py     the Jinja environment, with its compiled templates
#   model.py                 History._by_objective, _by_key_result, _by_metric (cached_property)
#   render/context.py        Context.chart_labels (cached_property)

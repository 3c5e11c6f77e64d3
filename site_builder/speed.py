"""The performance devices, in one place (DESIGN.md §7): what makes a large portal fast
without making the stage code harder to read.

- Memos that find an earlier result by the *identity* of what it was made from
  (``Recent``): a page is rendered in every language in turn, and the languages
  draw the same lines from the same observations. Comparing a few hundred
  observations to find an earlier result would cost nearly what it saves; the memo
  keeps the object alive with its result, so its id cannot pass to another object
  while the entry lasts. And one per-report memo (``report_memo``).
- Forked worker processes (``forked``), for rendering and for loading.
- A pause of the cyclic garbage collector (``collector_off``) while files load and pages render.
- Charts and data tables kept out of what the site engine parses (render.deferred): a
  build's pages carry a placeholder for each, and engine.fill puts it back into the built pages.
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


# The docs folder of each language (set by render.pages before its workers start): a card
# image (render.cards) whose content is unchanged is read back from there, not drawn again.
EARLIER: dict[str, str] = {}


def earlier_file(lang: str, rel: str) -> bytes | None:
    """The bytes of ``rel`` in the previous build of ``lang``'s docs tree, or None."""
    folder = EARLIER.get(lang)
    if folder is None:
        return None
    try:
        with open(os.path.join(folder, rel), "rb") as file:
            return file.read()
    except OSError:
        return None


def report_memo(report: object) -> dict:
    """A cache for what every language's pages derive alike from ``report`` (the feed's
    status transitions, the API document): emptied when another report comes along,
    so a long-running preview never serves results of an earlier build."""
    if _memo[0] is not report:
        _memo[:] = [report, {}]
    return _memo[1]


_memo: list = [None, {}]


# --- the collector and worker processes ------------------------------------------------
# Used by render.pages (pages in forked workers) and source.load (a large portal's
# objective files read in a second process).


@contextmanager
def collector_off() -> Iterator[None]:
    """No automatic cyclic garbage collection inside the block, here and in the forked
    workers (which inherit the setting). Loading makes a million objects that stay
    (observations, mostly) and rendering allocates enough to run the collector thousands
    of times: each run would walk the growing heap (a third of the loading time). Reference
    counting frees nearly all that is dropped; the few cycles a page leaves are young, and
    young_collections() collects the youngest generation every few pages (a test checks
    that nothing else is left).

    The objects that exist at the start (the portal, its report) are set aside ("frozen"),
    so that no collection walks them and forked workers do not touch (and copy) their
    memory for it. At the end, what was set aside and what the block made go straight to
    the oldest generation (freeze, then unfreeze, moves them there without a scan):
    otherwise the first collection afterwards would walk every object just read."""
    enabled = gc.isenabled()
    ours = not gc.get_freeze_count()  # else someone else froze objects: leave their arrangement alone
    gc.disable()
    if ours:
        gc.freeze()
    try:
        yield
    finally:
        if ours:
            gc.freeze()
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
    if workers < 2 or jobs < parallel_from or not can_fork():
        return 1
    return workers


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


_shared: Callable | None = None  # the work of forked workers, inherited rather than pickled


def forked(work: Callable[[list], T], chunks: list[list], processes: int,
           meanwhile: Callable[[], object]) -> tuple[list[T], object]:
    """[work(chunk) for chunk in chunks] in ``processes`` forked processes, and what
    ``meanwhile()`` returns: called in this process while the workers work, so what it
    does costs no time of its own. ``work`` and what it refers to reach the workers by
    the fork, not pickled; only the chunks and the results travel.

    With no chunks, no processes asked for, or no fork on this system, everything runs
    here in turn. A worker killed (out of memory, say) loses nothing: its work is done
    here instead, so a result is never missing."""
    if not chunks or processes < 1 or not can_fork():
        rest = meanwhile()
        return [work(chunk) for chunk in chunks], rest
    global _shared
    _shared = work
    try:
        with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(_work_shared, chunk) for chunk in chunks]  # submitted now, collected below
            rest = meanwhile()
            return [_result(future, work, chunk) for future, chunk in zip(futures, chunks)], rest
    finally:
        _shared = None


def _result(future, work: Callable[[list], T], chunk: list) -> T:
    try:
        return future.result()
    except (BrokenProcessPool, OSError):
        return work(chunk)


def _work_shared(chunk: list):
    assert _shared is not None
    return _shared(chunk)


PARALLEL_FROM = 300  # objective files that source.load reads in a second process; below this,
# starting a process costs more than it saves


# --- caches elsewhere ------------------------------------------------------------------
# lru_caches kept on their functions (pure functions of hashable arguments):
#   render/formats.py        locale_for, format_date, format_month, language_name
#   render/markup.py         to_html, to_inline_html, to_plain
#   render/views.py          _badge_html, _bar
#   render/charts/canvas.py  text_width, y_ticks, _straight_cells, _legend, html_legend
#   render/charts/kinds.py   _scales, _axis_titles, _x_tick_labels, _narrow_y_boxes
#   render/cards.py          font_files, _font; card images read back through earlier_file
# other caches:
#   render/charts/canvas.py  _ATTRS, the escaped attribute values charts repeat
#   render/templating.py     the Jinja environment, with its compiled templates
#   model.py                 History._by_objective, _by_key_result, _by_metric (cached_property)
#   render/context.py        Context.chart_labels (cached_property)
# the live preview's (okr-portal serve):
#   commands/preview.py         the portal, report and docs files it showed last: an edit of objective
#                               files regenerates only the pages it can change
#   engine/search_preview.py    each page's search entries, by its file's mtime and size, while the
#                               engine's server runs; commands/preview_engine.py runs it --dirty
#   commands/preview_templates.py  the theme's compiled templates, for the engine's server's life

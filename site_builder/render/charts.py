"""Charts drawn at build time as inline SVG: readable with no JavaScript.

Four pure functions (same input, byte-identical output) return ``Markup``:
the progress chart of a metric key result, the band chart of a maintain key
result, the timeline of a milestone, and the full series of a metric.

The SVG holds no colour: lines use ``stroke="currentColor"``, shapes and text
``fill="currentColor"``, and every part carries an ``okr-chart__*`` class so the
theme CSS (light and dark palettes) decides the colours. Meaning never rests on
colour alone: markers differ in shape, lines in dash pattern, every marker is
labelled in words, and a small legend names the lines.

Every visible word comes from ``labels`` (the message catalog of the page
language) or from the caller's formatters; every text is escaped. Tick labels
are language-neutral: plain compact numbers (``12.5k``) and ``YYYY-MM`` dates.
The output holds no blank lines and no indentation, so it can sit inside a
Markdown page (in a block-level HTML element such as ``<figure>``).
"""

from __future__ import annotations

import math
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import product, repeat
from operator import add, eq, floordiv, le, mul, sub
from typing import Callable, Iterator, Mapping, Sequence

from markupsafe import Markup, escape

from site_builder.speed import Recent

Point = tuple[date, float]

__all__ = ["Point", "metric_kr_chart", "maintain_chart", "milestone_chart", "series_chart"]

CELL = 5  # px: the grid in which labels look for lines to avoid
WIDTH = 640
HEIGHT = 300
MILESTONE_HEIGHT = 120
FONT = 11
MAX_DOTS = 60          # above this many observations the line is drawn without dots
MAX_X_TICKS = 8
_SI = {3: "k", 6: "M", 9: "G", 12: "T"}
_DASH = {"expected": "7 4", "original": "2 3", "threshold": "9 3 2 3", "today": "3 3"}
_MINUS = "\u2212"

_Box = tuple[float, float, float, float]          # x0, y0, x1, y1
_Candidate = tuple[float, float, str]              # x, y (text baseline), text-anchor


# --- numbers and text ---------------------------------------------------------


def _n(value: float) -> str:
    """A coordinate, rounded to one decimal and written compactly."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _points(xy: Sequence[tuple[float, float]]) -> str:
    """A polyline's points; format 'g' of a one-decimal number writes it as compactly as _n."""
    return " ".join(f"{x:g},{y:g}" for x, y in xy).replace("-0,", "0,")


# _n(i / 10) for every coordinate a chart can hold, in tenths of a pixel: a long
# series is most of a site's charts, and a lookup costs a fraction of a format.
_TENTHS = tuple(_n(i / 10) for i in range(10 * (WIDTH + HEIGHT)))


def _points_tenths(xs: Sequence[int], ys: Sequence[int]) -> str:
    """_points() of coordinates given in tenths of a pixel (x = xs[i] / 10), xs in order."""
    if xs and xs[0] >= 0 and xs[-1] < len(_TENTHS) and min(ys) >= 0 and max(ys) < len(_TENTHS):  # xs in order
        text = _TENTHS.__getitem__
        return " ".join(map(",".join, zip(map(text, xs), map(text, ys))))
    return _points([(x / 10, y / 10) for x, y in zip(xs, ys)])


@lru_cache(maxsize=4096)
def _text_width(text: str) -> float:
    """An estimate of the width of a text at FONT size (wide CJK characters count double)."""
    return sum(FONT * (1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6) for c in text)


def _el(tag: str, attrs: Mapping[str, object], body: str = "") -> str:
    """One element; numbers are rounded, strings escaped, None leaves the attribute out."""
    parts = [tag]
    for name, value in attrs.items():
        if value is None:
            continue
        text = _n(value) if isinstance(value, (int, float)) else _attr(value)
        parts.append(f'{name}="{text}"')
    head = " ".join(parts)
    return f"<{head}>{body}</{tag}>" if body else f"<{head}/>"


def _attr(value: str) -> str:
    """An attribute value escaped; the few short ones every chart repeats (classes, anchors,
    dash patterns) are escaped once."""
    text = _ATTRS.get(value)
    if text is None:
        text = str(escape(value))
        if type(value) is str and len(value) <= 40 and len(_ATTRS) < 2048:  # not Markup: equal, not alike
            _ATTRS[value] = text
    return text


_ATTRS: dict[str, str] = {}


def _stroke(tag: str, cls: str, dash: str | None = None, **attrs: object) -> str:
    """A stroked shape with no fill: a line, polyline or path."""
    base = {"class": cls, **attrs}
    if tag != "line":
        base["fill"] = "none"
    return _el(tag, {**base, "stroke": "currentColor", "stroke-dasharray": dash})


def _nice_ticks(lo: float, hi: float, m: int, k: int) -> tuple[int, int]:
    """The first and last multiple of the step m·10^k to show: those in [lo, hi], or, when
    fewer than four fit, the range widened to the multiples just outside it."""
    step = m * 10.0 ** k
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    if last - first + 1 < 4:
        first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return first, last


def _tick_value(i: int, m: int, k: int) -> float:
    return i * m * 10 ** k if k >= 0 else i * m / 10 ** -k


@lru_cache(maxsize=256)  # a page's charts in each language ask for the same
def _y_ticks(lo: float, hi: float) -> tuple[float, float, tuple[tuple[float, str], ...]]:
    """Nice ticks (value, text) for [lo, hi]: a step of 1, 2 or 5 × 10^k giving four to six
    ticks (closest to five), and the range, widened when the ticks need it."""
    base = math.floor(math.log10((hi - lo) / 5))
    steps = [(m, k) for k in (base - 1, base, base + 1) for m in (1, 2, 5)]

    def badness(step: tuple[int, int]) -> tuple[bool, int, float]:
        first, last = _nice_ticks(lo, hi, *step)
        count = last - first + 1
        return (not 4 <= count <= 6, abs(count - 5), -step[0] * 10.0 ** step[1])

    m, k = min(steps, key=badness)
    first, last = _nice_ticks(lo, hi, m, k)
    values = [_tick_value(i, m, k) for i in range(first, last + 1)]
    return min(lo, values[0]), max(hi, values[-1]), tuple((v, _tick_text(v, values, k)) for v in values)


def _tick_text(value: float, values: Sequence[float], k: int) -> str:
    """A compact, language-neutral number: 12.5k, 3M, 0.25, 1.2e-7."""
    if value == 0:
        return "0"
    big = max(abs(v) for v in values)
    exp, suffix = 0, ""
    if big >= 1e15 or big < 1e-3:
        exp = math.floor(math.log10(big))
        suffix = f"e{exp}"
    elif big >= 1e3:
        exp = 3 * math.floor(math.log10(big) / 3)
        suffix = _SI[exp]
    decimals = max(0, exp - k)
    text = f"{value / 10.0 ** exp:.{decimals}f}"
    return text.replace("-", _MINUS) + suffix


def _value_range(values: Sequence[float]) -> tuple[float, float]:
    """The y range: the values with 8 % padding (a flat range is opened around its value)."""
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 if hi > lo else (abs(hi) * 0.1 or 1.0)
    return lo - pad, hi + pad


def _date_range(dates: Sequence[date]) -> tuple[date, date]:
    lo, hi = min(dates), max(dates)
    if lo == hi:
        return lo - timedelta(days=3), hi + timedelta(days=3)
    return lo, hi


def _month_steps() -> Iterator[int]:
    yield from (1, 2, 3, 6)
    years = 1
    while True:                          # 1, 2, 5, 10, 20, 50… years
        for m in (1, 2, 5):
            yield 12 * m * years
        years *= 10


def _month_text(labels, day: date) -> str:
    """A month as the page's language writes it (ChartLabels.month), else YYYY-MM."""
    month = getattr(labels, "month", None)
    return month(day) if month else f"{day.year:04d}-{day.month:02d}"


def _day_text(labels, day: date) -> str:
    """A day as the page's language writes it (ChartLabels.day), else YYYY-MM-DD."""
    day_text = getattr(labels, "day", None)
    return day_text(day) if day_text else day.isoformat()


class ChartLabels(dict):
    """The message catalog, with the language's way of writing days and months."""

    def __init__(self, messages: Mapping[str, str], day: Callable[[date], str], month: Callable[[date], str]):
        super().__init__(messages)
        self.day, self.month = day, month


def _x_ticks(lo: date, hi: date, labels=None) -> list[tuple[date, str]]:
    """Month starts in [lo, hi], thinned to at most MAX_X_TICKS (every 1, 2, 3 or 6 months,
    or every 1, 2, 5… years), labelled as the language writes a month; the two ends when
    no two month starts fit."""
    first = lo.year * 12 + lo.month - 1 + (lo.day > 1)       # months since year 0
    last = hi.year * 12 + hi.month - 1
    for step in _month_steps():
        start = -(-first // step) * step
        if (last - start) // step + 1 <= MAX_X_TICKS:
            break
    months = range(start, last + 1, step)
    if len(months) >= 2:
        return [(d, _month_text(labels, d)) for d in (date(i // 12, i % 12 + 1, 1) for i in months)]
    if (hi - lo).days < 20:
        middle = lo + (hi - lo) / 2
        return [(middle, _day_text(labels, middle))]
    return [(lo, _day_text(labels, lo)), (hi, _day_text(labels, hi))]


# --- the drawing surface --------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """The plot area in pixels and the data range it shows."""

    left: float
    top: float
    right: float
    bottom: float
    x0: int          # first day shown (ordinal)
    x1: int          # last day shown (ordinal)
    y0: float
    y1: float

    def x(self, day: date) -> float:
        return round(self.left + (day.toordinal() - self.x0) / (self.x1 - self.x0) * (self.right - self.left), 1)

    def y(self, value: float) -> float:
        return round(self.bottom - (value - self.y0) / (self.y1 - self.y0) * (self.bottom - self.top), 1)

    def tenths(self, obs: Sequence[Point]) -> tuple[list[int], list[int]]:
        """x() and y() of a whole series as whole tenths of a pixel (x = xs[i] / 10), which
        are cheaper to draw with.

        round(v * 10) rather than round(v, 1): the two differ only for a value within
        a rounding error of a half-tenth of a pixel, and then by a tenth of a pixel."""
        if not obs:
            return [], []
        sx = 10 * (self.right - self.left) / (self.x1 - self.x0)  # tenths of a pixel a day
        sy = 10 * (self.bottom - self.top) / (self.y1 - self.y0)  # tenths of a pixel a unit
        dates, values = zip(*obs)
        # round(10 * left + (day - x0) * sx) and round(10 * bottom - (v - y0) * sy) as chains
        # of map(): x() and y() for a whole series, without a Python loop over the points.
        xs = map(add, repeat(10 * self.left), map(mul, map(sub, map(date.toordinal, dates), repeat(self.x0)),
                                                  repeat(sx)))
        ys = map(sub, repeat(10 * self.bottom), map(mul, map(sub, values, repeat(self.y0)), repeat(sy)))
        return list(map(round, xs)), list(map(round, ys))

    def contains(self, day: date) -> bool:
        return self.x0 <= day.toordinal() <= self.x1

    @property
    def bounds(self) -> _Box:
        """Where labels may go: the plot's height (give or take a few pixels), the chart's width."""
        return (0.0, self.top - 4, float(WIDTH), self.bottom + 4)


class _Track:
    """A drawn line as labels see it: the cells of a CELL-pixel grid it passes through.

    A label checks the few cells under it instead of every point of a long series,
    and the cells are found only where labels look: a block of _BLOCK points at a
    time, each block once."""

    __slots__ = ("xs", "ys", "cells", "_done")

    def __init__(self, xs: Sequence[int], ys: Sequence[int]):
        self.xs, self.ys = xs, ys  # tenths of a pixel, xs in order
        self.cells: set[tuple[int, int]] = set()
        self._done: bytearray | None = bytearray(-(-len(xs) // _BLOCK))
        if len(xs) <= _BLOCK + 1:  # a straight line, or a short series: at once
            self._mark(0, len(xs))
            self._done = None

    def crossed(self, columns: range, cells: list[tuple[int, int]]) -> int:
        """How many of ``cells`` (in ``columns``) the line passes through."""
        if self._done is not None:
            self._look(columns)
        return len(self.cells.intersection(cells))

    def _look(self, columns: range) -> None:
        xs, done = self.xs, self._done
        first = max(0, bisect_left(xs, columns[0] * _TENTHS_A_CELL) - 1)  # the segment entering the first column
        last = min(len(xs) - 1, bisect_left(xs, (columns[-1] + 1) * _TENTHS_A_CELL))  # the end of the one leaving
        for b in range(first // _BLOCK, last // _BLOCK + 1):
            if not done[b]:
                done[b] = 1
                self._mark(b * _BLOCK, b * _BLOCK + _BLOCK + 1)

    def _mark(self, start: int, end: int) -> None:
        xs, ys = self.xs[start:end], self.ys[start:end]
        cells = self.cells
        cells.update(zip(map(floordiv, xs, repeat(_TENTHS_A_CELL)), map(floordiv, ys, repeat(_TENTHS_A_CELL))))
        # A short segment's ends cover it (the common case in a long series); a long one is
        # followed a point every CELL pixels.
        near = 2 * _TENTHS_A_CELL - 1
        for i in [i for i in range(len(xs) - 1) if abs(xs[i + 1] - xs[i]) + abs(ys[i + 1] - ys[i]) >= near]:
            x0, y0, x1, y1 = xs[i] / 10, ys[i] / 10, xs[i + 1] / 10, ys[i + 1] / 10
            if abs(x1 - x0) + abs(y1 - y0) < 2 * CELL:
                continue  # decided on the pixels, as the ends' cells are
            steps = int(math.hypot(x1 - x0, y1 - y0) // 5)
            for k in range(1, steps):
                cells.add((int((x0 + (x1 - x0) * k / steps) // CELL), int((y0 + (y1 - y0) * k / steps) // CELL)))


_BLOCK = 32
_TENTHS_A_CELL = 10 * CELL


@lru_cache(maxsize=256)  # a page's charts in each language draw the same expected paths
def _straight_cells(points: tuple[tuple[int, int], ...]) -> frozenset[tuple[int, int]]:
    return frozenset(_Track([x for x, _ in points], [y for _, y in points]).cells)


class _Canvas:
    """Collects the elements of one chart and keeps its text labels from overlapping."""

    def __init__(self, kind: str, chart_id: str, title: str, description: str, height: int):
        self.kind, self.chart_id, self.height = kind, chart_id, height
        self.title, self.description = title, description
        self.parts: list[str] = []
        self.requests: list[tuple[int, int, str, tuple[_Candidate, ...], _Box]] = []
        self.taken: list[_Box] = []
        # Where drawn lines pass, which labels should rather not cross: the cells of the
        # straight lines, and the long lines (shared by the languages, see _line).
        self.line_cells: set[tuple[int, int]] = set()
        self.tracks: list[_Track] = []

    def add(self, *parts: str) -> None:
        self.parts.extend(parts)

    def reserve(self, x: float, y: float, radius: float) -> None:
        self.taken.append((x - radius, y - radius, x + radius, y + radius))

    def avoid(self, xy: Sequence[tuple[float, float]]) -> None:
        """A straight line (its points in pixels), which labels should rather not cross."""
        self.line_cells |= _straight_cells(tuple(sorted((round(x * 10), round(y * 10)) for x, y in xy)))

    def avoid_track(self, track: _Track) -> None:
        """avoid() for a long line (see _line)."""
        self.tracks.append(track)

    def label(self, text: str, candidates: Sequence[_Candidate], bounds: _Box, priority: int = 1) -> None:
        """Ask for a text label; labels are placed when the chart is rendered, once every marker
        has reserved its place, in order of priority (lowest first)."""
        self.requests.append((priority, len(self.requests), text, tuple(candidates), bounds))

    def _place(self, text: str, candidates: Sequence[_Candidate], bounds: _Box) -> str:
        """The text at the first candidate place that overlaps nothing (else the least bad one)."""
        width = _text_width(text)
        best: tuple[float, float, float, str, _Box] | None = None
        # The cost of a place: its area overlapping taken boxes, 10x its area outside the
        # bounds, 20 for each line cell it covers. Written out, with no call for each pair
        # of boxes: a chart has a few labels, but each tries several places against every box.
        u0, v0, u1, v1 = bounds
        right = WIDTH - 2.0 - width
        for x, y, anchor in candidates:
            start = x - (0.0 if anchor == "start" else width / 2 if anchor == "middle" else width)
            shift = (start if start > 2.0 else 2.0)
            shift = (shift if shift < right else right) - start     # stay inside the viewBox
            box = x0, y0, x1, y1 = (start + shift - 2, y - FONT * 0.85, start + shift + width + 2, y + FONT * 0.3)
            cost = 0.0
            for a0, b0, a1, b1 in self.taken:
                w = (x1 if x1 < a1 else a1) - (x0 if x0 > a0 else a0)
                if w > 0:
                    h = (y1 if y1 < b1 else b1) - (y0 if y0 > b0 else b0)
                    if h > 0:
                        cost += w * h
            w = (x1 if x1 < u1 else u1) - (x0 if x0 > u0 else u0)
            h = (y1 if y1 < v1 else v1) - (y0 if y0 > v0 else v0)
            cost += 10 * ((x1 - x0) * (y1 - y0) - (w * h if w > 0 and h > 0 else 0.0))
            if best is not None and cost >= best[0]:
                continue  # crossing lines can only add to the cost
            columns, rows = range(int(x0 // CELL), int(x1 // CELL) + 1), range(int(y0 // CELL), int(y1 // CELL) + 1)
            cells = [*product(columns, rows)]
            crossed = len(self.line_cells.intersection(cells))
            for track in self.tracks:
                crossed += track.crossed(columns, cells)
            cost += 20 * crossed
            if best is None or cost < best[0]:
                best = (cost, x + shift, y, anchor, box)
            if cost == 0:
                break
        assert best is not None
        _, x, y, anchor, box = best
        self.taken.append(box)
        return f'<text class="okr-chart__label" x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}">{escape(text)}</text>'

    def legend(self, items: Sequence[tuple[str, str | None, str]], left: float) -> float:
        """A row (or rows) of line samples with their names; returns the y below the legend."""
        if not items:
            return 12.0
        rows, y = _legend(tuple(items), left)
        self.add(*rows, "</g>")
        return y + 14

    def render(self) -> Markup:
        cid = self.chart_id
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="okr-chart okr-chart--{escape(self.kind)}" '
            f'viewBox="0 0 {WIDTH} {self.height}" role="img" '
            f'aria-labelledby="{escape(cid)}-title {escape(cid)}-desc" focusable="false">'
        )
        body = [
            head,
            f'<title id="{escape(cid)}-title">{escape(self.title)}</title>',
            f'<desc id="{escape(cid)}-desc">{escape(self.description)}</desc>',
            f'<g font-size="{FONT}" fill="currentColor">',
            *self.parts,
            *(self._place(text, places, bounds) for _, _, text, places, bounds in sorted(self.requests)),
            "</g></svg>",
        ]
        return Markup("\n".join(body))


# --- shared pieces -------------------------------------------------------------------


@lru_cache(maxsize=256)  # every chart of a kind has the same legend
def _legend(items: tuple[tuple[str, str | None, str], ...], left: float) -> tuple[tuple[str, ...], float]:
    x, y, rows = left, 14.0, ['<g class="okr-chart__legend">']
    for cls, dash, text in items:
        width = 26 + _text_width(text)
        if x + width > WIDTH - 8 and x > left:
            x, y = left, y + 15
        rows.append(_stroke("line", cls, dash, x1=x, y1=y - 4, x2=x + 20, y2=y - 4, **{"stroke-width": 2}))
        rows.append(_el("text", {"x": x + 25, "y": y}, escape(text)))
        x += width + 16
    return tuple(rows), y


@dataclass(frozen=True)
class _Series:
    """Observations ready to draw: finite values in date order, and the points that
    bound them (the first date with the lowest value, the last with the highest)."""

    points: tuple[Point, ...]
    ends: tuple[Point, ...]


def _series(observations: Sequence[Point]) -> _Series:
    """The series of ``observations``; the same one for the same tuple (see _SERIES)."""
    if type(observations) is tuple:  # cannot change: what was made from it still holds
        return _SERIES.get(observations, None, lambda: _make_series(observations))
    return _make_series(observations)


def _make_series(observations: Sequence[Point]) -> _Series:
    points, values = _clean(observations)
    if not points:
        return _Series((), ())
    return _Series(points, ((points[0][0], min(values)), (points[-1][0], max(values))))


# A page is drawn in each language in turn (see render), from the same tuples of
# observations: the languages share their series and lines.
_SERIES = Recent(16)
_LINES = Recent(16)


def _clean(observations: Sequence[Point]) -> tuple[tuple[Point, ...], Sequence[float]]:
    """Finite values only, in date order (the sort is stable: ties keep their order); and
    the values."""
    if not isinstance(observations, (list, tuple)):
        observations = list(observations)  # read twice below
    dates, values = _columns(observations)
    if all(map(math.isfinite, values)) and all(map(le, dates, dates[1:])):
        return tuple(zip(dates, map(float, values))), values  # the usual case, checked at C speed
    points = tuple(sorted(((d, float(v)) for d, v in observations if math.isfinite(v)), key=lambda p: p[0]))
    return points, _columns(points)[1]


def _columns(points: Sequence[Point]) -> tuple[Sequence[date], Sequence[float]]:
    """The dates and the values of a series."""
    return tuple(zip(*points)) if points else ((), ())  # type: ignore[return-value]


def _decimate(xs: list[int], ys: list[int]) -> tuple[list[int], list[int]]:
    """The vertices worth drawing of a line in tenths of a pixel, xs in order: where more than
    four points share a pixel column, its first, lowest, highest and last (min/max decimation).
    The line looks the same at the chart's resolution and keeps every extreme; a series of a
    few hundred points has at most one point a column and is drawn whole."""
    columns = list(map(floordiv, xs, repeat(10)))
    if not any(map(eq, columns, columns[4:])):
        return xs, ys
    keep: list[int] = []
    start, n = 0, len(xs)
    while start < n:
        end = bisect_right(columns, columns[start], start)
        if end - start <= 4:
            keep.extend(range(start, end))
        else:
            run = ys[start:end]
            keep.extend(sorted({start, start + run.index(min(run)), start + run.index(max(run)), end - 1}))
        start = end
    return [xs[i] for i in keep], [ys[i] for i in keep]


def _plot(canvas: _Canvas, dates: Sequence[date], values: Sequence[float],
          legend: Sequence[tuple[str, str | None, str]], labels: Mapping[str, str]) -> _Frame:
    """Lay out the legend, scales and axes for the dates and values that must be in view."""
    top = canvas.legend(legend, 12.0)
    bottom = canvas.height - 42
    if dates:
        lo, hi = _date_range(dates)
        y0, y1, yticks = _y_ticks(*_value_range(values or [0.0]))
        xticks = _x_ticks(lo, hi, labels)
    else:
        lo, hi, y0, y1, yticks, xticks = date(2000, 1, 1), date(2000, 1, 2), 0.0, 1.0, [], []
    widest = max((_text_width(text) for _, text in yticks), default=0.0)
    frame = _Frame(max(48.0, 33 + widest), top + 4, WIDTH - 30.0, bottom, lo.toordinal(), hi.toordinal(), y0, y1)
    _axes(canvas, frame, yticks, xticks, labels)
    return frame


def _axes(canvas: _Canvas, f: _Frame, yticks: Sequence[tuple[float, str]], xticks: Sequence[tuple[date, str]],
          labels: Mapping[str, str]) -> None:
    canvas.taken.append((0.0, 0.0, f.left - 8, float(canvas.height)))    # tick labels and axis title
    canvas.add(
        *_scales(f, tuple(yticks), tuple(d for d, _ in xticks)),
        *(_tick_label(f.x(d), f.bottom + 18, t) for d, t in xticks),
        *_axis_titles(f.left, f.right, f.top, f.bottom, canvas.height, labels["date"], labels["value"]),
    )


@lru_cache(maxsize=256)  # the same in every language: y ticks are numbers, x ticks only placed here
def _scales(f: _Frame, yticks: tuple[tuple[float, str], ...], xdays: tuple[date, ...]) -> tuple[str, ...]:
    """The grid, the axes with their tick marks, and the y tick labels."""
    grid = "".join(f"M{_n(f.left)} {_n(f.y(v))}H{_n(f.right)}" for v, _ in yticks)
    marks = "".join(f"M{_n(f.x(d))} {_n(f.bottom)}v5" for d in xdays)
    return (
        _stroke("path", "okr-chart__grid", None, d=grid or None, **{"stroke-opacity": 0.2}),
        _stroke("path", "okr-chart__axis", None, d=f"M{_n(f.left)} {_n(f.top)}V{_n(f.bottom)}H{_n(f.right)}{marks}"),
        *(_y_tick_label(f.left - 9, f.y(v) + 4, t) for v, t in yticks),
    )


@lru_cache(maxsize=256)  # charts of one size share them
def _axis_titles(left: float, right: float, top: float, bottom: float, height: int, x_title: str,
                 y_title: str) -> tuple[str, str]:
    return (_el("text", {"class": "okr-chart__label", "x": (left + right) / 2, "y": height - 6,
                         "text-anchor": "middle"}, escape(x_title)),
            _el("text", {"class": "okr-chart__label", "transform": "rotate(-90)", "x": -(top + bottom) / 2, "y": 14,
                         "text-anchor": "middle"}, escape(y_title)))


@lru_cache(maxsize=1024)
def _y_tick_label(x: float, y: float, text: str) -> str:
    return _el("text", {"class": "okr-chart__tick", "x": x, "y": y, "text-anchor": "end"}, escape(text))


@lru_cache(maxsize=1024)  # charts of one period share their x ticks
def _tick_label(x: float, y: float, text: str) -> str:
    """An x tick label centred under its tick, kept inside the viewBox."""
    half = _text_width(text) / 2
    x = min(max(x, half + 2), WIDTH - half - 2)
    return _el("text", {"class": "okr-chart__tick", "x": x, "y": y, "text-anchor": "middle"}, escape(text))


def _around(x: float, y: float, prefer_above: bool = True) -> list[_Candidate]:
    """Places for the label of a marker at (x, y): above or below first (centred, then to
    either side, for markers at the edges of the plot), then right and left of it."""
    rows = [y - 12, y + 20] if prefer_above else [y + 20, y - 12]
    places = [(x + dx, row, anchor) for row in rows for dx, anchor in ((0, "middle"), (-2, "start"), (2, "end"))]
    return places + [(x + 10, y + 4, "start"), (x - 10, y + 4, "end")]


@dataclass(frozen=True)
class _Line:
    """A series drawn in a frame: what is the same in every language."""

    xs: list[int]  # every point, in tenths of a pixel
    ys: list[int]
    polyline: str  # the vertices worth drawing (see _decimate)
    track: _Track  # the same vertices, as labels avoid them


def _line(f: _Frame, series: _Series) -> _Line:
    return _LINES.get(series, f, lambda: _draw_line(f, series.points))


def _draw_line(f: _Frame, obs: Sequence[Point]) -> _Line:
    xs, ys = f.tenths(obs)
    line_xs, line_ys = _decimate(xs, ys)
    polyline = _stroke("polyline", "okr-chart__observed", None, points=_points_tenths(line_xs, line_ys),
                       **{"stroke-width": 2, "stroke-linejoin": "round"})
    return _Line(xs, ys, polyline, _Track(line_xs, line_ys))


def _observed(canvas: _Canvas, f: _Frame, series: _Series, fmt: Callable[[float], str],
              labels: Mapping[str, str]) -> None:
    """The observations as a solid line, dots when few, and the latest value larger and written."""
    obs = series.points
    if not obs:
        if "no_observations" in labels:
            middle = {"x": (f.left + f.right) / 2, "y": (f.top + f.bottom) / 2, "text-anchor": "middle"}
            canvas.add(_el("text", {"class": "okr-chart__label", **middle}, escape(labels["no_observations"])))
        return
    line = _line(f, series)
    xs, ys = line.xs, line.ys
    canvas.avoid_track(line.track)
    canvas.add(line.polyline)
    if len(obs) <= MAX_DOTS:
        canvas.add(*(_dot("okr-chart__point", x / 10, y / 10, 2.5, _day_text(labels, d), fmt(v))
                     for x, y, (d, v) in zip(xs, ys, obs)))
    (x, y), (day, value) = (xs[-1] / 10, ys[-1] / 10), obs[-1]
    canvas.add(_dot("okr-chart__latest", x, y, 5, _day_text(labels, day), fmt(value)))
    canvas.reserve(x, y, 6)
    # The line arrives from the left: right of the latest point is free, when there is room.
    canvas.label(fmt(value), [(x + 10, y + 4, "start"), *_around(x, y)], f.bounds, priority=0)


def _dot(cls: str, x: float, y: float, r: float, day: str, text: str) -> str:
    return _el("circle", {"class": cls, "cx": x, "cy": y, "r": r}, f"<title>{escape(day)}: {escape(text)}</title>")


def _diamond(cls: str, x: float, y: float, hollow: bool = False) -> str:
    r = 7
    points = f"{_n(x)},{_n(y - r)} {_n(x + r)},{_n(y)} {_n(x)},{_n(y + r)} {_n(x - r)},{_n(y)}"
    if hollow:
        return _stroke("polygon", cls, None, points=points, **{"stroke-width": 2})
    return _el("polygon", {"class": cls, "points": points})


def _today(canvas: _Canvas, f: _Frame, as_of: date, labels: Mapping[str, str], top: float, bottom: float) -> None:
    """The vertical as-of line, labelled, when the as-of date is in view."""
    if not f.contains(as_of):
        return
    x = f.x(as_of)
    canvas.add(_stroke("line", "okr-chart__today", _DASH["today"], x1=x, y1=top, x2=x, y2=bottom))
    canvas.label(labels["chart_today"], [(x + 4, top + 10, "start"), (x - 4, top + 10, "end"),
                                         (x + 4, bottom - 5, "start"), (x - 4, bottom - 5, "end")],
                 (f.left, top, WIDTH, bottom), priority=3)


def _legend_observed(labels: Mapping[str, str]) -> tuple[str, None, str]:
    return ("okr-chart__observed", None, labels["chart_observed"])


# --- the four charts ---------------------------------------------------------------


def metric_kr_chart(*, chart_id: str, observations: Sequence[Point], baseline: Point, target: Point,
                    original_target: Point | None = None, as_of: date,
                    fmt: Callable[[float], str], labels: Mapping[str, str],
                    title: str, description: str) -> Markup:
    """Progress of a metric key result: observations, expected path, baseline and target."""
    series = _series(observations)
    original = original_target if original_target is not None and original_target != target else None
    original_name = labels.get("original_target", "Original target")
    legend = [_legend_observed(labels), ("okr-chart__expected", _DASH["expected"], labels["chart_expected"])]
    if original is not None:
        legend.append(("okr-chart__original-target", _DASH["original"], original_name))
    canvas = _Canvas("metric", chart_id, title, description, HEIGHT)
    shown = [baseline, target, *([original] if original else []), *series.ends]
    f = _plot(canvas, *_columns(shown), legend, labels)
    bx, by, tx, ty = f.x(baseline[0]), f.y(baseline[1]), f.x(target[0]), f.y(target[1])
    rising = target[1] > baseline[1]
    canvas.add(_stroke("line", "okr-chart__expected", _DASH["expected"], x1=bx, y1=by, x2=tx, y2=ty,
                       **{"stroke-width": 1.5}))
    canvas.avoid([(bx, by), (tx, ty)])
    for x, y in ((bx, by), (tx, ty)):
        canvas.reserve(x, y, 8)
    if original is not None:
        ox, oy = f.x(original[0]), f.y(original[1])
        canvas.add(_stroke("line", "okr-chart__original-target", _DASH["original"], x1=bx, y1=by, x2=ox, y2=oy),
                   _diamond("okr-chart__original-target", ox, oy, hollow=True))
        canvas.reserve(ox, oy, 8)
        canvas.avoid([(bx, by), (ox, oy)])
    _today(canvas, f, as_of, labels, f.top, f.bottom)
    _observed(canvas, f, series, fmt, labels)
    canvas.add(_el("circle", {"class": "okr-chart__baseline", "cx": bx, "cy": by, "r": 5.5}),
               _diamond("okr-chart__target", tx, ty))
    canvas.label(f"{labels['baseline']} {fmt(baseline[1])}", _around(bx, by, prefer_above=not rising), f.bounds)
    canvas.label(f"{labels['target']} {fmt(target[1])}", _around(tx, ty, prefer_above=rising), f.bounds)
    if original is not None:
        canvas.label(f"{original_name} {fmt(original[1])}", _around(ox, oy, prefer_above=rising), f.bounds, 2)
    return canvas.render()


def maintain_chart(*, chart_id: str, observations: Sequence[Point], start: date, end: date,
                   minimum: float | None, maximum: float | None, as_of: date,
                   fmt: Callable[[float], str], labels: Mapping[str, str], title: str, description: str) -> Markup:
    """A level to hold: observations against the threshold line(s) and the acceptable band."""
    series = _series(observations)
    limits = [(v, key) for v, key in ((minimum, "threshold_min"), (maximum, "threshold_max")) if v is not None]
    legend = [_legend_observed(labels)]
    if limits:
        legend.append(("okr-chart__threshold", _DASH["threshold"], labels.get("threshold") or labels[limits[0][1]]))
    canvas = _Canvas("maintain", chart_id, title, description, HEIGHT)
    dates, values = _columns(series.ends)
    f = _plot(canvas, [start, end, *dates], [*(v for v, _ in limits), *values], legend, labels)
    if limits:
        band_top = f.top if maximum is None else f.y(maximum)
        band_bottom = f.bottom if minimum is None else f.y(minimum)
        band_top, band_bottom = sorted((band_top, band_bottom))
        canvas.add(_el("rect", {"class": "okr-chart__band", "x": f.left, "y": band_top, "width": f.right - f.left,
                                "height": band_bottom - band_top, "fill-opacity": 0.1}))
    for value, _ in limits:
        y = f.y(value)
        canvas.add(_stroke("line", "okr-chart__threshold", _DASH["threshold"], x1=f.left, y1=y, x2=f.right, y2=y,
                           **{"stroke-width": 1.5}))
    _today(canvas, f, as_of, labels, f.top, f.bottom)
    _observed(canvas, f, series, fmt, labels)
    for value, key in limits:
        y = f.y(value)
        canvas.label(f"{labels[key]} {fmt(value)}", [(f.right - 4, y - 5, "end"), (f.right - 4, y + 14, "end"),
                                                     (f.left + 6, y - 5, "start"), (f.left + 6, y + 14, "start")],
                     f.bounds)
    return canvas.render()


def milestone_chart(*, chart_id: str, start: date, end: date, due: date, done: date | None, as_of: date,
                    fmt_date: Callable[[date], str], labels: Mapping[str, str], title: str, description: str) -> Markup:
    """A timeline of the period with the due date, the done date when done, and the as-of line."""
    lo, hi = _date_range([start, end, due, *([done] if done else [])])
    canvas = _Canvas("milestone", chart_id, title, description, MILESTONE_HEIGHT)
    line_y = 70.0
    f = _Frame(34.0, 8.0, WIDTH - 34.0, line_y, lo.toordinal(), hi.toordinal(), 0.0, 1.0)
    ticks = _x_ticks(lo, hi, labels)
    caps = "".join(f"M{_n(f.x(d))} {_n(line_y - 7)}v14" for d in (start, end))
    marks = "".join(f"M{_n(f.x(d))} {_n(line_y)}v5" for d, _ in ticks)
    canvas.add(_stroke("path", "okr-chart__axis", None, d=f"M{_n(f.left)} {_n(line_y)}H{_n(f.right)}{caps}{marks}",
                       **{"stroke-width": 1.5}),
               *(_tick_label(f.x(d), line_y + 19, t) for d, t in ticks))
    bottom_row = (0.0, line_y + 24, WIDTH, MILESTONE_HEIGHT)
    canvas.label(labels["chart_start"], [(f.x(start), MILESTONE_HEIGHT - 6, "start")], bottom_row)
    canvas.label(labels["chart_end"], [(f.x(end), MILESTONE_HEIGHT - 6, "end")], bottom_row)
    top_area = (0.0, 0.0, WIDTH, line_y - 8)
    rows = (line_y - 18, line_y - 34, line_y - 50)
    dx = f.x(due)
    canvas.add(_stroke("polygon", "okr-chart__target okr-chart__due", None,
                       points=f"{_n(dx - 7)},{_n(line_y - 13)} {_n(dx + 7)},{_n(line_y - 13)} {_n(dx)},{_n(line_y)}",
                       **{"stroke-width": 2}))
    canvas.reserve(dx, line_y - 7, 8)
    if done is not None:
        cx = f.x(done)
        canvas.add(_el("circle", {"class": "okr-chart__latest okr-chart__done", "cx": cx, "cy": line_y, "r": 6.5}))
        canvas.reserve(cx, line_y, 8)
    if f.contains(as_of):
        canvas.taken.append((f.x(as_of) - 1, 4.0, f.x(as_of) + 1, line_y + 8))
    canvas.label(f"{labels['due']} {fmt_date(due)}", _row_places(dx, rows), top_area)
    if done is not None:
        canvas.label(f"{labels['done']} {fmt_date(done)}", _row_places(f.x(done), rows), top_area)
    _today(canvas, f, as_of, labels, 4.0, line_y + 8)
    return canvas.render()


def _row_places(x: float, rows: Sequence[float]) -> list[_Candidate]:
    return [place for y in rows for place in ((x, y, "middle"), (x + 6, y, "start"), (x - 6, y, "end"))]


def series_chart(*, chart_id: str, observations: Sequence[Point], fmt: Callable[[float], str],
                 labels: Mapping[str, str], title: str, description: str) -> Markup:
    """The full series of a metric, with its latest value written."""
    series = _series(observations)
    canvas = _Canvas("series", chart_id, title, description, HEIGHT)
    f = _plot(canvas, *_columns(series.ends), [], labels)
    _observed(canvas, f, series, fmt, labels)
    return canvas.render()

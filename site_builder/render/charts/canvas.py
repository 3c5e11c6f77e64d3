"""The canvas of the charts: SVG primitives, scales and ticks, the plot frame, and the
placement of text labels that keeps them off each other and off the lines drawn.

What is drawn on it (the chart kinds) is in kinds. The SVG holds no colour: lines use
``stroke="currentColor"``, shapes and text ``fill="currentColor"``, and every part
carries an ``okr-chart__*`` class so the theme CSS decides the colours. Every text is
escaped. Tick labels are language-neutral: plain compact numbers (``12.5k``) and
``YYYY-MM`` dates. The output holds no blank lines and no indentation, so it can sit
inside a Markdown page.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import product, repeat
from operator import add, mul, sub
from typing import Callable, Iterator, Mapping, Sequence

from markupsafe import Markup, escape

from site_builder.render.charts.tracks import CELL, Track

Point = tuple[date, float]

WIDTH = 640
HEIGHT = 300
MILESTONE_HEIGHT = 120
FONT = 11
# A chart shown narrower than 700 px (a phone, a narrow column) would show FONT at under 12 px:
# there the theme hides the labels and most ticks, writes the rest at NARROW_FONT (12 px from
# 256 px wide) and shows the HTML legend (see okr-portal.css, "Narrow charts").
NARROW_FONT = 30
NARROW_SCALE = NARROW_FONT / FONT
NARROW_WIDTH = NARROW_SCALE * 1.1  # a narrow label's width over text_width(): it is bold, and wider
MAX_DOTS = 60          # above this many observations the line is drawn without dots
MAX_X_TICKS = 8
_SI = {3: "k", 6: "M", 9: "G", 12: "T"}
DASH = {"expected": "7 4", "original": "2 3", "threshold": "9 3 2 3", "today": "3 3"}
_MINUS = "\u2212"

_Box = tuple[float, float, float, float]          # x0, y0, x1, y1
Candidate = tuple[float, float, str]              # x, y (text baseline), text-anchor


# --- numbers and text ---------------------------------------------------------


def num(value: float) -> str:
    """A coordinate, rounded to one decimal and written compactly."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _points(xy: Sequence[tuple[float, float]]) -> str:
    """A polyline's points; format 'g' of a one-decimal number writes it as compactly as num."""
    return " ".join(f"{x:g},{y:g}" for x, y in xy).replace("-0,", "0,")


# num(i / 10) for every coordinate a chart can hold, in tenths of a pixel: a long
# series is most of a site's charts, and a lookup costs a fraction of a format.
_TENTHS = tuple(num(i / 10) for i in range(10 * (WIDTH + HEIGHT)))


def points_tenths(xs: Sequence[int], ys: Sequence[int]) -> str:
    """_points() of coordinates given in tenths of a pixel (x = xs[i] / 10), xs in order."""
    if xs and xs[0] >= 0 and xs[-1] < len(_TENTHS) and min(ys) >= 0 and max(ys) < len(_TENTHS):  # xs in order
        text = _TENTHS.__getitem__
        return " ".join(map(",".join, zip(map(text, xs), map(text, ys))))
    return _points([(x / 10, y / 10) for x, y in zip(xs, ys)])


@lru_cache(maxsize=4096)
def text_width(text: str) -> float:
    """An estimate of the width of a text at FONT size (wide CJK characters count double)."""
    return sum(FONT * (1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6) for c in text)


def element(tag: str, attrs: Mapping[str, object], body: str = "") -> str:
    """One element; numbers are rounded, strings escaped, None leaves the attribute out."""
    parts = [tag]
    for name, value in attrs.items():
        if value is None:
            continue
        text = num(value) if isinstance(value, (int, float)) else _attr(value)
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


def stroke(tag: str, cls: str, dash: str | None = None, **attrs: object) -> str:
    """A stroked shape with no fill: a line, polyline or path."""
    base = {"class": cls, **attrs}
    if tag != "line":
        base["fill"] = "none"
    return element(tag, {**base, "stroke": "currentColor", "stroke-dasharray": dash})


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
def y_ticks(lo: float, hi: float) -> tuple[float, float, tuple[tuple[float, str], ...]]:
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


def value_range(values: Sequence[float]) -> tuple[float, float]:
    """The y range: the values with 8 % padding (a flat range is opened around its value)."""
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 if hi > lo else (abs(hi) * 0.1 or 1.0)
    return lo - pad, hi + pad


def date_range(dates: Sequence[date]) -> tuple[date, date]:
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


def day_text(labels, day: date) -> str:
    """A day as the page's language writes it (ChartLabels.day), else YYYY-MM-DD."""
    write = getattr(labels, "day", None)
    return write(day) if write else day.isoformat()


class ChartLabels(dict):
    """The message catalog, with the language's way of writing days and months."""

    def __init__(self, messages: Mapping[str, str], day: Callable[[date], str], month: Callable[[date], str]):
        super().__init__(messages)
        self.day, self.month = day, month


def x_ticks(lo: date, hi: date, labels=None) -> list[tuple[date, str]]:
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
        return [(middle, day_text(labels, middle))]
    return [(lo, day_text(labels, lo)), (hi, day_text(labels, hi))]


# --- the drawing surface --------------------------------------------------------


@dataclass(frozen=True)
class Frame:
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


@lru_cache(maxsize=256)  # a page's charts in each language draw the same expected paths
def _straight_cells(points: tuple[tuple[int, int], ...]) -> frozenset[tuple[int, int]]:
    return frozenset(Track([x for x, _ in points], [y for _, y in points]).cells)


class Canvas:
    """Collects the elements of one chart and keeps its text labels from overlapping."""

    def __init__(self, kind: str, chart_id: str, title: str, description: str, height: int):
        self.kind, self.chart_id, self.height = kind, chart_id, height
        self.title, self.description = title, description
        self.parts: list[str] = []
        self.requests: list[tuple[int, int, str, tuple[Candidate, ...], _Box]] = []
        self.taken: list[_Box] = []
        # Where drawn lines pass, which labels should rather not cross: the cells of the
        # straight lines, and the long lines (shared by the languages, see _line).
        self.line_cells: set[tuple[int, int]] = set()
        self.tracks: list[Track] = []
        self.legend_items: tuple[tuple[str, str | None, str], ...] = ()
        # What a narrow chart writes instead of the labels above (see NARROW_FONT), and where
        # its ticks already are.
        self.narrow_requests: list[tuple[str, tuple[Candidate, ...], _Box]] = []
        self.narrow_taken: list[_Box] = []

    def add(self, *parts: str) -> None:
        self.parts.extend(parts)

    def reserve(self, x: float, y: float, radius: float) -> None:
        self.taken.append((x - radius, y - radius, x + radius, y + radius))

    def avoid(self, xy: Sequence[tuple[float, float]]) -> None:
        """A straight line (its points in pixels), which labels should rather not cross."""
        self.line_cells |= _straight_cells(tuple(sorted((round(x * 10), round(y * 10)) for x, y in xy)))

    def avoid_track(self, track: Track) -> None:
        """avoid() for a long line (see _line)."""
        self.tracks.append(track)

    def label(self, text: str, candidates: Sequence[Candidate], bounds: _Box, priority: int = 1) -> None:
        """Ask for a text label; labels are placed when the chart is rendered, once every marker
        has reserved its place, in order of priority (lowest first)."""
        self.requests.append((priority, len(self.requests), text, tuple(candidates), bounds))

    def narrow_label(self, text: str, candidates: Sequence[Candidate], bounds: _Box) -> None:
        """A label only a narrow chart shows (at NARROW_FONT), placed against the narrow ticks
        and the lines but not against the labels it replaces."""
        if text_width(text) * NARROW_WIDTH <= WIDTH - 8:  # else the figure beside the chart says it
            self.narrow_requests.append((text, tuple(candidates), bounds))

    def _place(self, text: str, candidates: Sequence[Candidate], bounds: _Box, taken: list[_Box] | None = None,
               scale: float = 1.0, cls: str = "okr-chart__label") -> str:
        """The text at the first candidate place that overlaps nothing (else the least bad one);
        ``scale``: its size against FONT, ``taken``: the boxes it must keep off (else the wide labels')."""
        if taken is None:
            taken = self.taken
        width = text_width(text) * scale
        font = FONT * min(scale, NARROW_SCALE)
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
            box = x0, y0, x1, y1 = (start + shift - 2, y - font * 0.85, start + shift + width + 2, y + font * 0.3)
            cost = 0.0
            for a0, b0, a1, b1 in taken:
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
        taken.append(box)
        return f'<text class="{cls}" x="{num(x)}" y="{num(y)}" text-anchor="{anchor}">{escape(text)}</text>'

    def legend(self, items: Sequence[tuple[str, str | None, str]], left: float) -> float:
        """A row (or rows) of line samples with their names; returns the y below the legend."""
        self.legend_items = tuple(items)
        if not items:
            return 12.0
        rows, y = _legend(tuple(items), left)
        self.add(*rows, "</g>")
        return y + 14

    def render(self) -> Chart:
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
            *(self._place(text, places, bounds, self.narrow_taken, NARROW_WIDTH, "okr-chart__narrow")
              for text, places, bounds in self.narrow_requests),
            "</g></svg>",
        ]
        chart = Chart("\n".join(body))
        chart.legend = html_legend(self.legend_items)
        return chart


class Chart(Markup):
    """A chart's SVG, and its legend again as HTML (``legend``): a narrow chart shows that one
    instead of its own, which would be too small to read there and cannot wrap."""

    legend: Markup = Markup("")


@lru_cache(maxsize=256)  # every chart of a kind has the same legend
def html_legend(items: tuple[tuple[str, str | None, str], ...]) -> Markup:
    """The legend as a list; the theme draws each line sample from its class (okr-legend__observed…)."""
    if not items:
        return Markup("")
    rows = "".join(f'<li class="okr-legend__{cls.removeprefix("okr-chart__")}">{escape(text)}</li>'
                   for cls, _, text in items)
    return Markup(f'<ul class="okr-legend">{rows}</ul>')


# --- shared pieces -------------------------------------------------------------------


@lru_cache(maxsize=256)  # every chart of a kind has the same legend
def _legend(items: tuple[tuple[str, str | None, str], ...], left: float) -> tuple[tuple[str, ...], float]:
    x, y, rows = left, 14.0, ['<g class="okr-chart__legend">']
    for cls, dash, text in items:
        width = 26 + text_width(text)
        if x + width > WIDTH - 8 and x > left:
            x, y = left, y + 15
        rows.append(stroke("line", cls, dash, x1=x, y1=y - 4, x2=x + 20, y2=y - 4, **{"stroke-width": 2}))
        rows.append(element("text", {"x": x + 25, "y": y}, escape(text)))
        x += width + 16
    return tuple(rows), y

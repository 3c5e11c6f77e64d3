"""The observed line of a chart and its marks: the line in one piece for each method (a
``break`` flag starts a new piece), min/max decimation of long series, the points with their
date, value and flag in words (a flagged point hollow), and the marker of a method change.
Shared by the chart kinds (see kinds)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from operator import eq, floordiv
from typing import Mapping, Sequence

from markupsafe import escape

from site_builder.render.charts.canvas import WIDTH, Canvas, Frame, Point, day_text, element, points_tenths, stroke
from site_builder.render.charts.tracks import Track
from site_builder.speed import LINES

DASH_BREAK = "1 3"  # the marker of a method change


def decimate(xs: list[int], ys: list[int], column: int = 10) -> tuple[list[int], list[int]]:
    """The vertices worth drawing of a line in tenths of a pixel, xs in order: where more than
    four points share a pixel column, its first, lowest, highest and last (min/max decimation).
    The line looks the same at the chart's resolution and keeps every extreme; a series of a
    few hundred points has at most one point a column and is drawn whole. (``column``: the
    width of a column in tenths of a pixel; small charts take wider ones.)"""
    columns = list(map(floordiv, xs, repeat(column)))
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


@dataclass(frozen=True)
class Line:
    """A series drawn in a frame: what is the same in every language."""

    xs: list[int]  # every point, in tenths of a pixel
    ys: list[int]
    polyline: str  # the vertices worth drawing (see decimate)
    track: Track  # the same vertices, as labels avoid them


def line(f: Frame, series, breaks: tuple[date, ...] = (), column: int = 10) -> Line:
    return LINES.get(series, (f, breaks, column), lambda: draw_line(f, series.points, breaks, column))


def draw_line(f: Frame, obs: Sequence[Point], breaks: tuple[date, ...] = (), column: int = 10) -> Line:
    """The line, in one piece for each method: a polyline from each break on, none joining
    the observation before a break to the break (DESIGN.md §3, the flag column)."""
    xs, ys = f.tenths(obs)
    days = [d for d, _ in obs] if breaks else []
    cuts = sorted({i for i in (bisect_left(days, b) for b in breaks) if 0 < i < len(obs)})
    pieces, line_xs, line_ys = [], [], []
    for a, b in zip([0, *cuts], [*cuts, len(obs)]):
        piece_xs, piece_ys = decimate(xs[a:b], ys[a:b], column)
        pieces.append(stroke("polyline", "okr-chart__observed", None, points=points_tenths(piece_xs, piece_ys),
                             **{"stroke-width": 2, "stroke-linejoin": "round"}))
        line_xs += piece_xs
        line_ys += piece_ys
    return Line(xs, ys, "\n".join(pieces), Track(line_xs, line_ys))


def dot(cls: str, x: float, y: float, r: float, day: str, text: str, flag: str | None = None) -> str:
    """A point with its date and value (and flag) in words; a flagged one is hollow."""
    if flag is None:
        return element("circle", {"class": cls, "cx": x, "cy": y, "r": r},
                       f"<title>{escape(day)}: {escape(text)}</title>")
    return element("circle", {"class": f"{cls} okr-chart__flagged", "cx": x, "cy": y, "r": r + 1, "fill": "none",
                              "stroke": "currentColor", "stroke-width": 1.5},
                   f"<title>{escape(day)}: {escape(text)} — {escape(flag)}</title>")


def flag_word(labels: Mapping[str, str], flagged: Mapping[date, str], day: date) -> str | None:
    flag = flagged.get(day)
    return None if flag is None else labels.get(f"flag.{flag}", flag)


def breaks_marked(canvas: Canvas, f: Frame, breaks: Sequence[date], labels: Mapping[str, str]) -> None:
    """A vertical marker, labelled, at each date from which the method changed."""
    name = labels.get("chart_break", "Method changed")
    for day in breaks:
        if not f.contains(day):
            continue
        x = f.x(day)
        canvas.add(element("line", {"class": "okr-chart__break", "x1": x, "y1": f.top, "x2": x, "y2": f.bottom,
                                    "stroke": "currentColor", "stroke-width": 1.5, "stroke-dasharray": DASH_BREAK},
                           f"<title>{escape(day_text(labels, day))}: {escape(name)}</title>"))
        canvas.taken.append((x - 1, f.top, x + 1, f.bottom))
        canvas.label(name, [(x + 4, f.top + 10, "start"), (x - 4, f.top + 10, "end"), (x + 4, f.bottom - 5, "start"),
                            (x - 4, f.bottom - 5, "end")], (f.left, f.top - 4, float(WIDTH), f.bottom), priority=2)

"""The chart kinds, drawn at build time on the canvas (see canvas) as inline SVG: readable with no JavaScript.

Five pure functions (same input, byte-identical output) return ``Markup``:
the progress chart of a metric key result, the band chart of a maintain key
result, the timeline of a milestone, the full series of a metric, and the small
chart of one group of a breakdown (small multiples). A ``break`` flag splits the
line where the method changed, and flagged points are hollow (see lines).

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
from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from operator import le
from typing import Callable, Mapping, Sequence

from markupsafe import Markup, escape

from site_builder.render.charts.canvas import (
    DASH, FONT, HEIGHT, MAX_DOTS, MILESTONE_HEIGHT, NARROW_SCALE, WIDTH, Candidate, Canvas, Chart, ChartLabels,
    Frame, Point,
    date_range, day_text, element, num, stroke, text_width, value_range, x_ticks, y_ticks,
)
from site_builder.render.charts.lines import breaks_marked, decimate, dot, flag_word, line as drawn_line
from site_builder.speed import SERIES

_decimate = decimate  # its old name, which tests still use

__all__ = ["ChartLabels", "Point", "metric_kr_chart", "maintain_chart", "milestone_chart", "series_chart", "small_chart"]


@dataclass(frozen=True)
class _Series:
    """Observations ready to draw: finite values in date order, and the points that
    bound them (the first date with the lowest value, the last with the highest)."""

    points: tuple[Point, ...]
    ends: tuple[Point, ...]


def _series(observations: Sequence[Point]) -> _Series:
    """The series of ``observations``; the same one for the same tuple (see speed.SERIES)."""
    if type(observations) is tuple:  # cannot change: what was made from it still holds
        return SERIES.get(observations, None, lambda: _make_series(observations))
    return _make_series(observations)


def _make_series(observations: Sequence[Point]) -> _Series:
    points, values = _clean(observations)
    if not points:
        return _Series((), ())
    return _Series(points, ((points[0][0], min(values)), (points[-1][0], max(values))))


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


def _plot(canvas: Canvas, dates: Sequence[date], values: Sequence[float],
          legend: Sequence[tuple[str, str | None, str]], labels: Mapping[str, str]) -> Frame:
    """Lay out the legend, scales and axes for the dates and values that must be in view."""
    top = canvas.legend(legend, 12.0)
    bottom = canvas.height - 42
    if dates:
        lo, hi = date_range(dates)
        y0, y1, yticks = y_ticks(*value_range(values or [0.0]))
        xticks = x_ticks(lo, hi, labels)
    else:
        lo, hi, y0, y1, yticks, xticks = date(2000, 1, 1), date(2000, 1, 2), 0.0, 1.0, [], []
    widest = max((text_width(text) for _, text in yticks), default=0.0)
    frame = Frame(max(48.0, 33 + widest), top + 4, WIDTH - 30.0, bottom, lo.toordinal(), hi.toordinal(), y0, y1)
    _axes(canvas, frame, yticks, xticks, labels)
    return frame


def _axes(canvas: Canvas, f: Frame, yticks: Sequence[tuple[float, str]], xticks: Sequence[tuple[date, str]],
          labels: Mapping[str, str]) -> None:
    canvas.taken.append((0.0, 0.0, f.left - 8, float(canvas.height)))    # tick labels and axis title
    canvas.add(
        *_scales(f, tuple(yticks), tuple(d for d, _ in xticks)),
        _x_tick_labels(tuple((f.x(d), t) for d, t in xticks), f.bottom + 18),
        *_axis_titles(f.left, f.right, f.top, f.bottom, canvas.height, labels["date"], labels["value"]),
    )
    canvas.narrow_taken.extend(_narrow_y_boxes(f, tuple(yticks)))


@lru_cache(maxsize=256)  # the same in every language: y ticks are numbers, x ticks only placed here
def _scales(f: Frame, yticks: tuple[tuple[float, str], ...], xdays: tuple[date, ...]) -> tuple[str, ...]:
    """The grid, the axes with their tick marks, and the y tick labels."""
    grid = "".join(f"M{num(f.left)} {num(f.y(v))}H{num(f.right)}" for v, _ in yticks)
    marks = "".join(f"M{num(f.x(d))} {num(f.bottom)}v5" for d in xdays)
    return (
        stroke("path", "okr-chart__grid", None, d=grid or None, **{"stroke-opacity": 0.2}),
        stroke("path", "okr-chart__axis", None, d=f"M{num(f.left)} {num(f.top)}V{num(f.bottom)}H{num(f.right)}{marks}"),
        _y_tick_labels(f.left - 9, tuple((f.y(v) + 4, t) for v, t in yticks)),
    )


@lru_cache(maxsize=256)  # charts of one size share them
def _axis_titles(left: float, right: float, top: float, bottom: float, height: int, x_title: str,
                 y_title: str) -> tuple[str, str]:
    return (element("text", {"class": "okr-chart__label", "x": (left + right) / 2, "y": height - 6,
                         "text-anchor": "middle"}, escape(x_title)),
            element("text", {"class": "okr-chart__label", "transform": "rotate(-90)", "x": -(top + bottom) / 2, "y": 14,
                         "text-anchor": "middle"}, escape(y_title)))


# A narrow chart (see canvas.NARROW_FONT) writes its y ticks inside the plot, left-aligned 13
# units right of where the wide ones end and 13 above their grid line (the top one 22 below
# it, inside the plot): the theme moves them so, and labels placed for it keep off them.
_NARROW_Y_SHIFT, _NARROW_Y_RISE, _NARROW_TOP_DROP = 13, 13, 22


def _y_tick_labels(x: float, ticks: tuple[tuple[float, str], ...]) -> str:
    """The y tick labels (baselines ``y``), lowest first, right-aligned at ``x``; those a narrow
    chart leaves out marked okr-chart__minor."""
    keep = _narrow_rows(len(ticks))
    texts = "".join(element("text", {"class": None if i in keep else "okr-chart__minor", "x": x, "y": y}, escape(text))
                    for i, (y, text) in enumerate(ticks))
    return f'<g class="okr-chart__tick okr-chart__yticks" text-anchor="end">{texts}</g>'


def _narrow_rows(count: int) -> frozenset[int]:
    """The y ticks a narrow chart keeps: the lowest and the highest, and the middle one when
    it is two steps or more from both."""
    return frozenset({0, count - 1} | ({count // 2} if count == 3 or count >= 5 else set()))


@lru_cache(maxsize=256)
def _narrow_y_boxes(f: Frame, yticks: tuple[tuple[float, str], ...]) -> tuple[tuple[float, float, float, float], ...]:
    """Where a narrow chart's y tick labels are, for its narrow labels to keep off."""
    keep, x, font = _narrow_rows(len(yticks)), f.left - 9 + _NARROW_Y_SHIFT, FONT * NARROW_SCALE
    boxes = []
    for i, (value, text) in enumerate(yticks):
        if i in keep:
            y = f.y(value) + 4 + (_NARROW_TOP_DROP if i == len(yticks) - 1 else -_NARROW_Y_RISE)
            boxes.append((x - 2, y - font * 0.85, x + text_width(text) * NARROW_SCALE + 2, y + font * 0.3))
    return tuple(boxes)


@lru_cache(maxsize=1024)  # charts of one period share their x ticks
def _x_tick_labels(places: tuple[tuple[float, str], ...], y: float) -> str:
    """The x tick labels centred under their ticks, kept inside the viewBox; those a narrow
    chart leaves out marked okr-chart__minor (it writes the first from its tick on and the
    last up to its tick, the theme says)."""
    places = tuple((min(max(x, text_width(t) / 2 + 2), WIDTH - text_width(t) / 2 - 2), t) for x, t in places)
    keep = _narrow_columns(places)
    texts = "".join(element("text", {"class": None if i in keep else "okr-chart__minor", "x": x, "y": y}, escape(t))
                    for i, (x, t) in enumerate(places))
    return f'<g class="okr-chart__tick okr-chart__xticks" text-anchor="middle">{texts}</g>'


def _narrow_columns(places: Sequence[tuple[float, str]]) -> frozenset[int]:
    """The x ticks a narrow chart keeps: the first, the last when the two do not meet, and the
    one nearest the middle when it fits between them."""
    if len(places) <= 1:
        return frozenset(range(len(places)))
    widths = [text_width(t) * NARROW_SCALE for _, t in places]
    first_end, last_start = places[0][0] + widths[0] + 12, places[-1][0] - widths[-1] - 12
    if first_end > last_start:
        return frozenset({0})
    keep = {0, len(places) - 1}
    middle = (places[0][0] + places[-1][0]) / 2
    inner = sorted(range(1, len(places) - 1), key=lambda i: abs(places[i][0] - middle))[:1]
    for i in inner:
        if places[i][0] - widths[i] / 2 >= first_end and places[i][0] + widths[i] / 2 <= last_start:
            keep.add(i)
    return frozenset(keep)


def _around(x: float, y: float, prefer_above: bool = True) -> list[Candidate]:
    """Places for the label of a marker at (x, y): above or below first (centred, then to
    either side, for markers at the edges of the plot), then right and left of it."""
    rows = [y - 12, y + 20] if prefer_above else [y + 20, y - 12]
    places = [(x + dx, row, anchor) for row in rows for dx, anchor in ((0, "middle"), (-2, "start"), (2, "end"))]
    return places + [(x + 10, y + 4, "start"), (x - 10, y + 4, "end")]


def _observed(canvas: Canvas, f: Frame, series: _Series, fmt: Callable[[float], str],
              labels: Mapping[str, str], flags: Sequence[tuple[date, str]] = ()) -> None:
    """The observations as a solid line (in pieces where the method changed), dots when few,
    flagged values hollow, and the latest value larger and written."""
    obs = series.points
    if not obs:
        if "no_observations" in labels:
            middle = {"x": (f.left + f.right) / 2, "y": (f.top + f.bottom) / 2, "text-anchor": "middle"}
            canvas.add(element("text", {"class": "okr-chart__label", **middle}, escape(labels["no_observations"])))
        return
    flagged = dict(flags)
    breaks = tuple(d for d, flag in flags if flag == "break")
    breaks_marked(canvas, f, breaks, labels)
    line = drawn_line(f, series, breaks)
    xs, ys = line.xs, line.ys
    canvas.avoid_track(line.track)
    canvas.add(line.polyline)
    if len(obs) <= MAX_DOTS:
        canvas.add(*(dot("okr-chart__point", x / 10, y / 10, 2.5, day_text(labels, d), fmt(v), flag_word(labels, flagged, d))
                     for x, y, (d, v) in zip(xs, ys, obs)))
    elif flagged:  # too many for dots: the flagged ones still (the newest, when there are many)
        marks = [(x, y, d, v) for x, y, (d, v) in zip(xs, ys, obs[:-1]) if d in flagged][-MAX_DOTS:]
        canvas.add(*(dot("okr-chart__point", x / 10, y / 10, 2.5, day_text(labels, d), fmt(v),
                          flag_word(labels, flagged, d)) for x, y, d, v in marks))
    (x, y), (day, value) = (xs[-1] / 10, ys[-1] / 10), obs[-1]
    canvas.add(dot("okr-chart__latest", x, y, 5, day_text(labels, day), fmt(value), flag_word(labels, flagged, day)))
    canvas.reserve(x, y, 6)
    # The line arrives from the left: right of the latest point is free, when there is room.
    canvas.label(fmt(value), [(x + 10, y + 4, "start"), *_around(x, y)], f.bounds, priority=0)
    canvas.narrow_taken.append((x - 8, y - 8, x + 8, y + 8))
    above_axis = (0.0, f.top - 4, float(WIDTH), f.bottom - 2)  # the narrow x ticks are below it
    canvas.narrow_label(fmt(value), [(x - 12, y - 14, "end"), (x + 12, y + 10, "start"), (x - 12, y + 34, "end"),
                                     (x, y - 16, "middle"), (x, y + 36, "middle")], above_axis)


def _diamond(cls: str, x: float, y: float, hollow: bool = False) -> str:
    r = 7
    points = f"{num(x)},{num(y - r)} {num(x + r)},{num(y)} {num(x)},{num(y + r)} {num(x - r)},{num(y)}"
    if hollow:
        return stroke("polygon", cls, None, points=points, **{"stroke-width": 2})
    return element("polygon", {"class": cls, "points": points})


def _today(canvas: Canvas, f: Frame, as_of: date, labels: Mapping[str, str], top: float, bottom: float) -> None:
    """The vertical as-of line, labelled, when the as-of date is in view."""
    if not f.contains(as_of):
        return
    x = f.x(as_of)
    canvas.add(stroke("line", "okr-chart__today", DASH["today"], x1=x, y1=top, x2=x, y2=bottom))
    canvas.label(labels["chart_today"], [(x + 4, top + 10, "start"), (x - 4, top + 10, "end"),
                                         (x + 4, bottom - 5, "start"), (x - 4, bottom - 5, "end")],
                 (f.left, top, WIDTH, bottom), priority=3)


def _legend_observed(labels: Mapping[str, str]) -> tuple[str, None, str]:
    return ("okr-chart__observed", None, labels["chart_observed"])


# --- the four charts ---------------------------------------------------------------


def metric_kr_chart(*, chart_id: str, observations: Sequence[Point], baseline: Point, target: Point,
                    original_target: Point | None = None, as_of: date,
                    fmt: Callable[[float], str], labels: Mapping[str, str],
                    title: str, description: str, flags: Sequence[tuple[date, str]] = ()) -> Chart:
    """Progress of a metric key result: observations, expected path, baseline and target."""
    series = _series(observations)
    original = original_target if original_target is not None and original_target != target else None
    original_name = labels.get("original_target", "Original target")
    legend = [_legend_observed(labels), ("okr-chart__expected", DASH["expected"], labels["chart_expected"])]
    if original is not None:
        legend.append(("okr-chart__original-target", DASH["original"], original_name))
    canvas = Canvas("metric", chart_id, title, description, HEIGHT)
    shown = [baseline, target, *([original] if original else []), *series.ends]
    f = _plot(canvas, *_columns(shown), legend, labels)
    bx, by, tx, ty = f.x(baseline[0]), f.y(baseline[1]), f.x(target[0]), f.y(target[1])
    rising = target[1] > baseline[1]
    canvas.add(stroke("line", "okr-chart__expected", DASH["expected"], x1=bx, y1=by, x2=tx, y2=ty,
                       **{"stroke-width": 1.5}))
    canvas.avoid([(bx, by), (tx, ty)])
    for x, y in ((bx, by), (tx, ty)):
        canvas.reserve(x, y, 8)
    if original is not None:
        ox, oy = f.x(original[0]), f.y(original[1])
        canvas.add(stroke("line", "okr-chart__original-target", DASH["original"], x1=bx, y1=by, x2=ox, y2=oy),
                   _diamond("okr-chart__original-target", ox, oy, hollow=True))
        canvas.reserve(ox, oy, 8)
        canvas.avoid([(bx, by), (ox, oy)])
    _today(canvas, f, as_of, labels, f.top, f.bottom)
    _observed(canvas, f, series, fmt, labels, flags)
    canvas.add(element("circle", {"class": "okr-chart__baseline", "cx": bx, "cy": by, "r": 5.5}),
               _diamond("okr-chart__target", tx, ty))
    canvas.label(f"{labels['baseline']} {fmt(baseline[1])}", _around(bx, by, prefer_above=not rising), f.bounds)
    canvas.label(f"{labels['target']} {fmt(target[1])}", _around(tx, ty, prefer_above=rising), f.bounds)
    if original is not None:
        canvas.label(f"{original_name} {fmt(original[1])}", _around(ox, oy, prefer_above=rising), f.bounds, 2)
    return canvas.render()


def maintain_chart(*, chart_id: str, observations: Sequence[Point], start: date, end: date,
                   minimum: float | None, maximum: float | None, as_of: date,
                   fmt: Callable[[float], str], labels: Mapping[str, str], title: str, description: str,
                   flags: Sequence[tuple[date, str]] = ()) -> Chart:
    """A level to hold: observations against the threshold line(s) and the acceptable band."""
    series = _series(observations)
    limits = [(v, key) for v, key in ((minimum, "threshold_min"), (maximum, "threshold_max")) if v is not None]
    legend = [_legend_observed(labels)]
    if limits:
        legend.append(("okr-chart__threshold", DASH["threshold"], labels.get("threshold") or labels[limits[0][1]]))
    canvas = Canvas("maintain", chart_id, title, description, HEIGHT)
    dates, values = _columns(series.ends)
    f = _plot(canvas, [start, end, *dates], [*(v for v, _ in limits), *values], legend, labels)
    if limits:
        band_top = f.top if maximum is None else f.y(maximum)
        band_bottom = f.bottom if minimum is None else f.y(minimum)
        band_top, band_bottom = sorted((band_top, band_bottom))
        canvas.add(element("rect", {"class": "okr-chart__band", "x": f.left, "y": band_top, "width": f.right - f.left,
                                "height": band_bottom - band_top, "fill-opacity": 0.1}))
    for value, _ in limits:
        y = f.y(value)
        canvas.add(stroke("line", "okr-chart__threshold", DASH["threshold"], x1=f.left, y1=y, x2=f.right, y2=y,
                           **{"stroke-width": 1.5}))
    _today(canvas, f, as_of, labels, f.top, f.bottom)
    _observed(canvas, f, series, fmt, labels, flags)
    for value, key in limits:
        y = f.y(value)
        canvas.label(f"{labels[key]} {fmt(value)}", [(f.right - 4, y - 5, "end"), (f.right - 4, y + 14, "end"),
                                                     (f.left + 6, y - 5, "start"), (f.left + 6, y + 14, "start")],
                     f.bounds)
    return canvas.render()


def milestone_chart(*, chart_id: str, start: date, end: date, due: date, done: date | None, as_of: date,
                    fmt_date: Callable[[date], str], labels: Mapping[str, str], title: str, description: str) -> Chart:
    """A timeline of the period with the due date, the done date when done, and the as-of line."""
    lo, hi = date_range([start, end, due, *([done] if done else [])])
    canvas = Canvas("milestone", chart_id, title, description, MILESTONE_HEIGHT)
    line_y = 70.0
    f = Frame(34.0, 8.0, WIDTH - 34.0, line_y, lo.toordinal(), hi.toordinal(), 0.0, 1.0)
    ticks = x_ticks(lo, hi, labels)
    caps = "".join(f"M{num(f.x(d))} {num(line_y - 7)}v14" for d in (start, end))
    marks = "".join(f"M{num(f.x(d))} {num(line_y)}v5" for d, _ in ticks)
    canvas.add(stroke("path", "okr-chart__axis", None, d=f"M{num(f.left)} {num(line_y)}H{num(f.right)}{caps}{marks}",
                       **{"stroke-width": 1.5}),
               _x_tick_labels(tuple((f.x(d), t) for d, t in ticks), line_y + 19))
    bottom_row = (0.0, line_y + 24, WIDTH, MILESTONE_HEIGHT)
    canvas.label(labels["chart_start"], [(f.x(start), MILESTONE_HEIGHT - 6, "start")], bottom_row)
    canvas.label(labels["chart_end"], [(f.x(end), MILESTONE_HEIGHT - 6, "end")], bottom_row)
    top_area = (0.0, 0.0, WIDTH, line_y - 8)
    rows = (line_y - 18, line_y - 34, line_y - 50)
    dx = f.x(due)
    canvas.add(stroke("polygon", "okr-chart__target okr-chart__due", None,
                       points=f"{num(dx - 7)},{num(line_y - 13)} {num(dx + 7)},{num(line_y - 13)} {num(dx)},{num(line_y)}",
                       **{"stroke-width": 2}))
    canvas.reserve(dx, line_y - 7, 8)
    if done is not None:
        cx = f.x(done)
        canvas.add(element("circle", {"class": "okr-chart__latest okr-chart__done", "cx": cx, "cy": line_y, "r": 6.5}))
        canvas.reserve(cx, line_y, 8)
    if f.contains(as_of):
        canvas.taken.append((f.x(as_of) - 1, 4.0, f.x(as_of) + 1, line_y + 8))
    canvas.label(f"{labels['due']} {fmt_date(due)}", _row_places(dx, rows), top_area)
    if done is not None:
        canvas.label(f"{labels['done']} {fmt_date(done)}", _row_places(f.x(done), rows), top_area)
    # A narrow timeline says the one date that matters now: when it was done, else when it is due.
    said, at = (f"{labels['done']} {fmt_date(done)}", f.x(done)) if done is not None else (
        f"{labels['due']} {fmt_date(due)}", dx)
    canvas.narrow_label(said, _row_places(at, rows[:1]), top_area)
    _today(canvas, f, as_of, labels, 4.0, line_y + 8)
    return canvas.render()


def _row_places(x: float, rows: Sequence[float]) -> list[Candidate]:
    return [place for y in rows for place in ((x, y, "middle"), (x + 6, y, "start"), (x - 6, y, "end"))]


def series_chart(*, chart_id: str, observations: Sequence[Point], fmt: Callable[[float], str],
                 labels: Mapping[str, str], title: str, description: str,
                 flags: Sequence[tuple[date, str]] = ()) -> Chart:
    """The full series of a metric, with its latest value written."""
    series = _series(observations)
    canvas = Canvas("series", chart_id, title, description, HEIGHT)
    f = _plot(canvas, *_columns(series.ends), [], labels)
    _observed(canvas, f, series, fmt, labels, flags)
    return canvas.render()


SMALL_WIDTH, SMALL_HEIGHT = 320, 150
MAX_FLAG_MARKS = 24  # flagged points marked on a small chart (the newest)


def small_chart(*, chart_id: str, observations: Sequence[Point], fmt: Callable[[float], str],
                labels: Mapping[str, str], title: str, description: str, flags: Sequence[tuple[date, str]] = (),
                dates: Sequence[date] = (), values: Sequence[float] = ()) -> Markup:
    """One group of a breakdown among its small multiples: the line (in pieces where the method
    changed), flagged points hollow, the latest value written, and the ends of both scales.
    ``dates`` and ``values`` (those of all the breakdown's groups) give the charts one scale."""
    series = _series(observations)
    cid = escape(chart_id)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="okr-chart okr-chart--small" '
             f'viewBox="0 0 {SMALL_WIDTH} {SMALL_HEIGHT}" role="img" aria-labelledby="{cid}-title {cid}-desc" '
             f'focusable="false">', f'<title id="{cid}-title">{escape(title)}</title>',
             f'<desc id="{cid}-desc">{escape(description)}</desc>', f'<g font-size="{FONT}" fill="currentColor">']
    obs = series.points
    if not obs:
        parts.append(element("text", {"class": "okr-chart__label", "x": SMALL_WIDTH / 2, "y": SMALL_HEIGHT / 2,
                                      "text-anchor": "middle"}, escape(labels.get("no_observations", ""))))
        return Markup("\n".join([*parts, "</g></svg>"]))
    lo, hi = date_range(list(dates) or [d for d, _ in series.ends])
    y0, y1, ticks = y_ticks(*value_range(list(values) or [v for _, v in series.ends]))
    # (the latest value is written above the plot, at 15 units on a narrow screen: 34 is clear of it)
    f = Frame(42.0, 34.0, SMALL_WIDTH - 14.0, SMALL_HEIGHT - 22.0, lo.toordinal(), hi.toordinal(), y0, y1)
    grid = "".join(f"M{num(f.left)} {num(f.y(v))}H{num(f.right)}" for v, _ in ticks)
    parts += [stroke("path", "okr-chart__grid", None, d=grid, **{"stroke-opacity": 0.2}),
              stroke("path", "okr-chart__axis", None, d=f"M{num(f.left)} {num(f.top)}V{num(f.bottom)}H{num(f.right)}"),
              *(element("text", {"class": "okr-chart__tick", "x": f.left - 5, "y": f.y(v) + 4, "text-anchor": "end"},
                        escape(t)) for v, t in (ticks[0], ticks[-1])),
              *(element("text", {"class": "okr-chart__tick", "x": x, "y": SMALL_HEIGHT - 6, "text-anchor": anchor},
                        escape(day_text(labels, d))) for d, x, anchor in ((lo, f.left, "start"), (hi, f.right, "end")))]
    flagged = dict(flags)
    breaks = tuple(d for d, flag in flags if flag == "break")
    name = labels.get("chart_break", "Method changed")
    for day in breaks:
        if f.contains(day):
            x = f.x(day)
            parts.append(element("line", {"class": "okr-chart__break", "x1": x, "y1": f.top - 10, "x2": x, "y2": f.bottom,
                                          "stroke": "currentColor", "stroke-width": 1.5, "stroke-dasharray": "1 3"},
                                 f"<title>{escape(day_text(labels, day))}: {escape(name)}</title>"))
            left = x > SMALL_WIDTH / 2
            parts.append(element("text", {"class": "okr-chart__label okr-chart__break-label", "x": x + (-3 if left else 3),
                                          "y": f.top - 2, "text-anchor": "end" if left else "start"}, escape(name)))
    line = drawn_line(f, series, breaks, 100)  # a vertex a few pixels: a small chart stays small
    parts.append(line.polyline)
    marks = [(x, y, d, v) for x, y, (d, v) in zip(line.xs, line.ys, obs[:-1]) if d in flagged][-MAX_FLAG_MARKS:]
    parts += [dot("okr-chart__point", x / 10, y / 10, 2.5, day_text(labels, d), fmt(v), flag_word(labels, flagged, d))
              for x, y, d, v in marks]
    (day, value), x, y = obs[-1], line.xs[-1] / 10, line.ys[-1] / 10
    parts.append(dot("okr-chart__latest", x, y, 4, day_text(labels, day), fmt(value), flag_word(labels, flagged, day)))
    parts.append(element("text", {"class": "okr-chart__label", "x": 4, "y": 14},
                         escape(f"{labels.get('latest', '')}: {fmt(value)} ({day_text(labels, day)})")))
    return Markup("\n".join([*parts, "</g></svg>"]))

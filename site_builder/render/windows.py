"""The observations a chart and a table show: a metric's headline series, or one group's,
from a start to the as-of date (with their points and flags, made once for every language),
and a group of a metric in words."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from site_builder.model import GroupKey, Metric, Observation
from site_builder.render.charts.canvas import Point
from site_builder.render.context import Context
from site_builder.speed import WINDOWS


def visible(metric: Metric | None, start: date, end: date, as_of: date, group: GroupKey = ()) -> Window:
    """The window of the headline series of ``metric``, or of one group's."""
    if metric is None:
        return _NOTHING
    # Every language's page asks for the same window: one tuple of points for all, which
    # the charts know again (see charts.kinds._series).
    return WINDOWS.get(metric.series(group), (start, end, as_of),
                       lambda: _window(metric, start, end, as_of, group))


class Window(NamedTuple):
    """The observations with a value from start to the as-of date (or end), their points,
    and the flags of the flagged ones ((date, flag), for the charts)."""

    shown: tuple[Observation, ...]
    points: tuple[Point, ...]
    flags: tuple[tuple[date, str], ...] = ()


_NOTHING = Window((), ())


def _window(metric: Metric, start: date, end: date, as_of: date, group: GroupKey = ()) -> Window:
    shown = tuple([o for o in metric.between(start, min(end, as_of), group) if o.value is not None])
    return Window(shown, tuple([(o.date, o.value) for o in shown]), tuple([(o.date, o.flag) for o in shown if o.flag]))


def group_label(ctx: Context, metric: Metric, group: GroupKey) -> str:
    """A group in words: the label of each of its codes ("Northshore clinic · Adults")."""
    labels = []
    for dimension_id, code in group:
        dimension = metric.dimension(dimension_id)
        label = dimension.label(code) if dimension else None
        labels.append(ctx.plain(label) if label is not None else code)
    return " · ".join(labels)

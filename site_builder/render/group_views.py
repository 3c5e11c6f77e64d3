"""[2] What a metric page shows of its groups (DESIGN.md §3, §5): small multiples, a chart for
each group of each breakdown (at most MAX_SMALL_CHARTS a page), and the groups table (each
group's latest value, its change, and whether the key results measuring it meet their
target, in words); and a derived metric's formula, each metric it names linked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from site_builder.compute.rules import KeyResultStatus, ObjectiveStatus
from site_builder.model import GroupKey, Metric, Observation
from site_builder.render import urls
from site_builder.render.charts import kinds as charts
from site_builder.render.context import Context
from site_builder.render.flag_notes import FlagNotes, flag_words
from site_builder.render.views import table_html
from site_builder.render.windows import group_label, visible
from site_builder.source.formula import parts as formula_parts

MAX_SMALL_CHARTS = 24  # on a page; the other groups are in the table only (pages stay under 100 KB)
SMALL_CHARTS_BYTES = 36_000  # and no more than this much of them (long series make larger charts)
GROUP_TABLE_ROWS = 150  # the CSV download holds every group


@dataclass(frozen=True)
class SmallChart:
    title: str  # the group's label, plain (the template escapes it)
    chart: Markup


@dataclass(frozen=True)
class Breakdown:
    """The small multiples of one dimension."""

    id: str
    title: str
    charts: list[SmallChart]
    note: str = ""  # when some of its groups have no chart


@dataclass(frozen=True)
class GroupsView:
    breakdowns: list[Breakdown]
    table: Markup
    table_note: str = ""
    combined_note: str = ""  # groups of several dimensions are in the table only


def groups_view(ctx: Context, metric: Metric, used_by: list[tuple[ObjectiveStatus, KeyResultStatus]]) -> GroupsView | None:
    """The groups of ``metric`` on its page; None when it has no breakdown."""
    if not metric.dimensions:
        return None
    as_of, msg = ctx.report.as_of, ctx.msg
    keys = _keys(metric)
    shown = {key: visible(metric, date.min, as_of, as_of, key) for key in keys}
    count, size = MAX_SMALL_CHARTS, SMALL_CHARTS_BYTES  # what is left of the page's allowance
    breakdowns = []
    for dimension in metric.dimensions:
        with_data = [((dimension.id, code),) for code in dimension.codes if shown[((dimension.id, code),)].shown]
        if not with_data:
            continue
        windows = [shown[key] for key in with_data]
        dates = [d for w in windows for d in (w.points[0][0], w.points[-1][0])]
        values = [min(v for _, v in w.points) for w in windows] + [max(v for _, v in w.points) for w in windows]
        drawn: list[SmallChart] = []
        for key in with_data[:count]:
            chart = _small_chart(ctx, metric, key, shown[key], dates, values)
            if len(chart.chart) > size:
                count = len(drawn)  # the allowance is spent: no more charts on this page
                break
            size -= len(chart.chart)
            drawn.append(chart)
        count -= len(drawn)
        breakdowns.append(Breakdown(
            id=dimension.id, title=ctx.plain(dimension.title) or dimension.id, charts=drawn,
            note=msg["groups_charts_more"].format(shown=len(drawn), total=len(with_data))
            if len(drawn) < len(with_data) else ""))
    table, note = _table(ctx, metric, keys, shown, used_by)
    combined = any(len(key) > 1 for key in keys)
    return GroupsView(breakdowns, table, note, msg["groups_combined"] if combined else "")


def _keys(metric: Metric) -> list[GroupKey]:
    """Every group: each declared code of each dimension, in display order, then the groups
    of several dimensions the data hold, in the same order."""
    singles = [((d.id, code),) for d in metric.dimensions for code in d.codes]
    place = {(d.id, code): (i, j) for i, d in enumerate(metric.dimensions) for j, code in enumerate(d.codes)}
    several = sorted((key for key in metric.groups if len(key) > 1),
                     key=lambda key: [place.get(pair, (len(place), 0)) for pair in key])
    return singles + several


def _small_chart(ctx: Context, metric: Metric, key: GroupKey, window, dates, values) -> SmallChart:
    fmt, label = ctx.fmt(metric), group_label(ctx, metric, key)
    latest = window.shown[-1]
    description = ctx.msg["small_chart_desc"].format(group=label, value=fmt(latest.value), date=ctx.date(latest.date),
                                                     count=len(window.shown))
    if window.flags:
        description += " " + flag_words(ctx.msg, window.shown, ctx.date)
    chart_id = "chart-" + "-".join([metric.id, *(f"{d}-{c}" for d, c in key)])
    return SmallChart(label, charts.small_chart(chart_id=chart_id, observations=window.points, flags=window.flags,
                                                fmt=fmt, labels=ctx.chart_labels, title=f"{ctx.msg['chart']}: {label}",
                                                description=description, dates=dates, values=values))


def _table(ctx: Context, metric: Metric, keys: list[GroupKey], shown: dict, used_by) -> tuple[Markup, str]:
    msg, fmt = ctx.msg, ctx.fmt(metric)
    rows_of = [((), msg["headline_group"], visible(metric, date.min, ctx.report.as_of, ctx.report.as_of).shown)]
    rows_of += [(key, group_label(ctx, metric, key), shown[key].shown) for key in keys]
    cut = rows_of[:GROUP_TABLE_ROWS + 1]  # the headline and GROUP_TABLE_ROWS groups
    flags = FlagNotes(msg, (obs[-1].flag for _, _, obs in cut if obs), "groups")
    targets: dict[GroupKey, list[str]] = {}
    for _, status in used_by:
        targets.setdefault(metric.group_key(status.key_result.breakdown), []).append(_meets(ctx, status))
    rows = []
    for key, label, obs in cut:
        latest = obs[-1] if obs else None
        rows.append((label, flags.value(fmt(latest.value), latest.flag) if latest else msg["no_observations"],
                     ctx.date(latest.date) if latest else "—", _change(ctx, fmt, obs) if obs else "—",
                     "; ".join(targets.get(key, ())) or "—"))
    table = table_html(msg["groups_table"], (msg["group"], msg["latest"], msg["date"], msg["change"],
                                             msg["key_results"]), rows, bool(flags)) + flags.notes
    note = msg["groups_table_more"].format(shown=len(cut) - 1, total=len(rows_of) - 1) if len(cut) < len(rows_of) else ""
    return table, note


def _change(ctx: Context, fmt, obs: tuple[Observation, ...]) -> str:
    """The change from the first observation shown to the latest, with its direction in words."""
    if len(obs) < 2:
        return ctx.msg["change_single"]
    first, latest = obs[0], obs[-1]
    delta, since = latest.value - first.value, ctx.date(first.date)
    if abs(delta) < 1e-9:
        text = ctx.msg["change_none"].format(date=since)
    else:
        text = ctx.msg["change_up" if delta > 0 else "change_down"].format(amount=fmt(abs(delta)), date=since)
    breaks = [o.date for o in obs[1:] if o.flag == "break"]
    if breaks:  # not one method from end to end: say so beside the figure
        text += "; " + ctx.msg["change_across_break"].format(date=ctx.date(breaks[-1]))
    return text


def _meets(ctx: Context, status: KeyResultStatus) -> str:
    """Whether a key result's figure meets its target (or threshold), in words."""
    kr, title = status.key_result, ctx.plain(status.key_result.title)
    if status.current is None:
        return ctx.msg["kr_no_data"].format(kr=title)
    if kr.type == "maintain":
        held = kr.threshold is not None and kr.threshold.holds(status.current.value)
        return ctx.msg["meets_threshold" if held else "outside_threshold"].format(kr=title)
    met = status.progress is not None and status.progress >= 1 - 1e-9
    return ctx.msg["meets_target" if met else "below_target"].format(kr=title)


def formula_view(ctx: Context, metric: Metric, from_doc: str, published) -> Markup | None:
    """A derived metric's formula as written, each metric it names linked to its page (those
    ``published`` have one)."""
    if not metric.derived:
        return None
    pieces = []
    for text, metric_id in formula_parts(metric.formula):
        if metric_id is not None and metric_id in published:
            pieces.append(Markup('<a href="{0}">{1}</a>').format(urls.relative(from_doc, urls.metric_doc(metric_id)), text))
        else:
            pieces.append(Markup.escape(text))
    return Markup('<code class="okr-formula">{0}</code>').format(Markup("").join(pieces))

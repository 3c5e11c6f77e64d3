"""What each page shows, as plain data the templates lay out.

Everything a template prints is prepared here: texts rendered and sanitized
(``markup``), numbers and dates formatted, links made relative. Templates get
no Python to call, so a theme author can change them without reading this.
"""

from __future__ import annotations

import html
from functools import lru_cache
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from site_builder.render.charts import kinds as charts
from site_builder.render import urls
from site_builder.compute.organization import status_counts as tally_statuses
from site_builder.compute.rules import KeyResultStatus, ObjectiveStatus
from site_builder.compute.status import Status
from site_builder.render.formats import format_percent
from site_builder.model import Metric, Period, target_date
from site_builder.render.context import Context
from site_builder.render import explanation_marks, history_views, overdue_marks
from site_builder.render.flag_notes import FlagNotes, flag_words
from site_builder.render.windows import group_label, visible

# A key result's table shows its latest rows; a metric page shows more, and the
# CSV download has every observation. Tables are most of a page's markup, and
# the engine parses every tag twice (Markdown, then the search indexer).
KR_TABLE_ROWS = 24
METRIC_TABLE_ROWS = 120



@dataclass(frozen=True)
class Badge:
    status: str  # machine name, for CSS classes and icons
    label: str  # the words: status is never shown by colour alone

    @property
    def html(self) -> Markup:
        """The words with an icon whose shape differs by status."""
        return _badge_html(self.status, self.label)


def badge(ctx: Context, status: Status | str) -> Badge:
    name = status.value if isinstance(status, Status) else status
    return Badge(name, ctx.msg[f"status.{name}"])


# Made in Python rather than by template macros: a large portal shows tens of thousands
# of badges and bars, of a few dozen kinds, and a macro call costs far more than a lookup.
_ICON = ('<svg class="okr-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" '
         'focusable="false">{}</svg>')
_ICON_SHAPES = {
    Status.ACHIEVED.value: '<path d="M2.5 8.5l3.5 3.5 7.5-8" fill="none" stroke="currentColor" stroke-width="2.4"/>',
    Status.ON_TRACK.value: '<circle cx="8" cy="8" r="5.5" fill="currentColor"/>',
    Status.AT_RISK.value: '<path d="M8 1.5l7 13H1z" fill="currentColor"/>',
    Status.OFF_TRACK.value: '<path d="M3 3l10 10M13 3L3 13" stroke="currentColor" stroke-width="2.6"/>',
    Status.MISSED.value: '<rect x="1.5" y="1.5" width="13" height="13" rx="2" fill="none" stroke="currentColor" '
              'stroke-width="2"/><path d="M4.5 4.5l7 7M11.5 4.5l-7 7" stroke="currentColor" stroke-width="2"/>',
}
_NO_DATA_SHAPE = ('<circle cx="8" cy="8" r="5.5" fill="none" stroke="currentColor" stroke-width="2" '
                  'stroke-dasharray="3 2"/>')


def icon_shape(status: str) -> str:
    """The inner SVG of a status's icon (16 by 16, drawn in currentColor), for standalone badges."""
    return _ICON_SHAPES.get(status, _NO_DATA_SHAPE)


@lru_cache(maxsize=256)
def _badge_html(status: str, label: str) -> Markup:
    icon = Markup(_ICON.format(_ICON_SHAPES.get(status, _NO_DATA_SHAPE)))
    return Markup('<span class="okr-badge okr-badge--{0}">{1}<span class="okr-badge__label">{2}</span></span>').format(
        status, icon, label)


def progress_bar(ctx: Context, ratio: float | None, filled: float | None) -> Markup:
    """Progress in words (``ratio`` as a percentage) beside a bar filled to ``filled``,
    which assistive technology skips: the words say it all."""
    return _bar(round(max(0.0, min(1.0, filled or 0.0)) * 100, 1), format_percent(ratio), ctx.msg["progress"])


@lru_cache(maxsize=4096)
def _bar(value: float, text: str, label: str) -> Markup:
    return Markup(
        '<span class="okr-progress"><span class="okr-visually-hidden">{0}: </span><svg class="okr-progress__bar" '
        'viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true" focusable="false"><rect '
        'class="okr-progress__track" width="100" height="8" rx="4"/><rect class="okr-progress__fill" width="{1}" '
        'height="8" rx="4"/></svg><span class="okr-progress__text">{2}</span></span>').format(label, value, text)


@dataclass(frozen=True)
class Link:
    href: str
    text: Markup | str


@dataclass(frozen=True)
class Card:
    """An objective in a list: dashboard, period, owner and tag pages."""

    link: Link
    badge: Badge
    bar: Markup  # progress in words and as a bar
    owner: Markup
    period: str
    key_results: str
    overdue: Markup | str = ""  # [2] "Data overdue" when any of its key results' figures are
    explanation: Markup | str = ""  # [2] "Explanation overdue" when any of its key results needs one
    retrospective: dict | None = None  # [2] an ended period's page: its retrospective (explanation_marks)


def current_period(ctx: Context) -> Period:
    """The period the dashboard shows: the first running one, else the latest started, else the first."""
    periods = ctx.report.settings.periods
    as_of = ctx.report.as_of
    running = [p for p in periods if p.start <= as_of <= p.end]
    if running:
        return running[0]
    started = [p for p in periods if p.start <= as_of]
    return max(started, key=lambda p: p.start) if started else min(periods, key=lambda p: p.start)


def period_state(ctx: Context, period: Period) -> str:
    if ctx.report.as_of > period.end:
        return "ended"
    return "running" if ctx.report.as_of >= period.start else "upcoming"


def card(ctx: Context, status: ObjectiveStatus, from_doc: str, retrospective: bool = False) -> Card:
    objective = status.objective
    progress = status.progress
    return Card(
        link=Link(urls.relative(from_doc, urls.objective_doc(objective.id)), ctx.inline(objective.title)),
        badge=badge(ctx, status.status),
        bar=progress_bar(ctx, progress, progress),
        owner=ctx.inline(objective.owner),
        period=ctx.text(status.period.title),
        key_results=f"{len(status.key_results)} {ctx.msg['key_results'].lower()}",
        overdue=overdue_marks.card_mark(ctx, status),
        explanation=explanation_marks.card_mark(ctx, status),
        retrospective=explanation_marks.retrospective(ctx, status) if retrospective else None,
    )


@dataclass(frozen=True)
class Count:
    badge: Badge
    count: int


def status_counts(ctx: Context, objectives: list[ObjectiveStatus]) -> list[Count]:
    tally = tally_statuses(kr.status for objective in objectives for kr in objective.key_results)
    return [Count(badge(ctx, s), n) for s, n in tally.items()]


# --- key results --------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    label: str
    value: Markup | str


@dataclass(frozen=True)
class CheckIn:
    date: str
    confidence: Badge
    text: Markup
    next_steps: Markup | str = ""  # [2] "What happens next"


def table_html(caption: str, head: tuple[str, ...], rows: list[tuple[str, ...]], marked: bool = False) -> Markup:
    """An accessible data table. Built here rather than in a template: a portal has
    hundreds of thousands of cells, and each needs only one escape. ``marked``: some cells
    are Markup already (a value with its flag's footnote marker), kept as they are."""
    esc = html.escape
    # Numbers belong in the CSV, not in search results: the indexer skips the table.
    # A named region that takes focus: a table wider than a phone scrolls sideways by keyboard.
    parts = [f'<div class="okr-table-wrap" role="region" aria-label="{esc(caption)}" tabindex="0" data-search-exclude>'
             f'<table class="okr-table">'
             f'<caption>{esc(caption)}</caption>\n<thead><tr>']
    parts += [f'<th scope="col">{esc(h)}</th>' for h in head]
    parts.append("</tr></thead>\n<tbody>\n")
    width = len(head)
    # The usual case in one pass: every cell escaped at once, split apart, and laid
    # out by one row template (a cell holding the separator takes the slow path).
    cells = esc("\0".join([c for row in rows for c in row])).split("\0") if rows else []
    if not marked and width and all(len(row) == width for row in rows) and len(cells) == width * len(rows):
        row = '<tr><th scope="row">{}</th>' + "<td>{}</td>" * (width - 1) + "</tr>\n"
        parts.extend(map(row.format, *(cells[i::width] for i in range(width))))
    else:
        def cell(c: str) -> str:
            return c if isinstance(c, Markup) else esc(c)

        for first, *rest in rows:
            parts.append(f'<tr><th scope="row">{cell(first)}</th>{"".join(f"<td>{cell(c)}</td>" for c in rest)}</tr>\n')
    parts.append("</tbody></table></div>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class KeyResultView:
    anchor: str
    title: Markup
    heading: str  # plain text, for the Markdown heading (and so the table of contents)
    badge: Badge
    confidence: CheckIn | None
    type_label: str
    commitment: str
    facts: list[Fact]
    bar: Markup  # progress in words, and the score as a bar
    chart: Markup
    table: Markup | None
    table_note: str
    check_ins: list[CheckIn]
    metric_link: Link | None
    csv_link: str | None
    target_change: "history_views.TargetChange | None" = None
    rollup: Link | None = None  # [2] a rollup key result: a link to the objectives aligned to it


def key_result_view(ctx: Context, status: KeyResultStatus, objective: ObjectiveStatus, from_doc: str) -> KeyResultView:
    kr = status.key_result
    metric = ctx.metric(kr.metric)
    fmt = ctx.fmt(metric)
    check_ins = [CheckIn(ctx.date(u.date), badge(ctx, u.confidence), ctx.html(u.text),
                         explanation_marks.next_steps(ctx, u)) for u in kr.updates if u.date <= ctx.report.as_of]
    facts = _facts(ctx, status, objective.period, fmt)
    original = history_views.original_target(ctx.history, objective.objective.id, status, objective.period)
    chart, shown = _chart_and_observations(ctx, status, objective, fmt, metric, original)
    heading = ctx.plain(kr.title)
    group = group_label(ctx, metric, metric.group_key(kr.breakdown)) if metric and kr.breakdown else ""
    if group:  # [2] it measures one group of its metric: which one, beside its figures
        facts.insert(0, Fact(ctx.msg["group"], group))
    note = ""
    if len(shown) > KR_TABLE_ROWS:
        note = ctx.msg["table_latest"].format(shown=KR_TABLE_ROWS, total=len(shown))
    # Newest first, and only the rows the table shows are formatted.
    latest = shown[:-KR_TABLE_ROWS - 1:-1]
    flags = FlagNotes(ctx.msg, (o.flag for o in latest), f"kr-{kr.id}")
    rows = [(ctx.date(o.date), flags.value(fmt(o.value), o.flag)) for o in latest]
    caption = f"{heading} ({group})" if group else heading
    table = table_html(f"{caption} — {ctx.msg['observations']}", (ctx.msg["date"], ctx.msg["value"]),
                       rows, bool(flags)) + flags.notes if rows else None
    return KeyResultView(
        anchor=f"kr-{kr.id}",
        title=ctx.inline(kr.title),
        heading=heading,
        badge=badge(ctx, status.status),
        confidence=check_ins[-1] if check_ins else None,
        type_label=ctx.msg[f"type.{kr.type}"],
        commitment=ctx.msg[f"commitment.{kr.commitment}"],
        facts=facts,
        bar=progress_bar(ctx, status.progress, status.score),  # the bar shows the score
        chart=chart,
        table=table,
        table_note=note,
        check_ins=list(reversed(check_ins)),
        metric_link=Link(urls.relative(from_doc, urls.metric_doc(metric.id)), ctx.inline(metric.title) or metric.id)
        if metric else None,
        csv_link=urls.relative(from_doc, urls.metric_csv(metric.id)) if metric else None,
        target_change=history_views.target_change(ctx, ctx.history, objective, status),
    )


def _facts(ctx: Context, status: KeyResultStatus, period: Period, fmt) -> list[Fact]:
    kr, msg = status.key_result, ctx.msg
    facts = []
    if kr.type == "metric":
        end = target_date(kr, period)
        facts += [
            Fact(msg["baseline"], f"{fmt(kr.baseline.value)} ({ctx.date(kr.baseline.date)})"),
            Fact(msg["target"], f"{fmt(kr.target.value)} ({ctx.date(end)})"),
        ]
    elif kr.type == "maintain":
        facts.append(Fact(msg["threshold"], _threshold_text(ctx, kr.threshold, fmt)))
    else:
        facts.append(Fact(msg["due"], ctx.date(kr.due)))
        done = kr.done if kr.done and kr.done <= ctx.report.as_of else None
        facts.append(Fact(msg["done"], ctx.date(done) if done else msg["not_done"]))
    if status.current is not None:
        facts.append(Fact(msg["latest"], f"{fmt(status.current.value)} ({ctx.date(status.current.date)})"))
    elif kr.type != "milestone":
        facts.append(Fact(msg["latest"], msg["no_observations"]))
    if status.expected is not None:
        facts.append(Fact(msg["expected"], format_percent(status.expected)))
    if kr.weight != 1:
        facts.append(Fact(msg["weight"], ctx.number(kr.weight)))
    return facts


def _threshold_text(ctx: Context, threshold, fmt) -> str:
    parts = []
    if threshold.min is not None:
        parts.append(f"{ctx.msg['threshold_min']} {fmt(threshold.min)}")
    if threshold.max is not None:
        parts.append(f"{ctx.msg['threshold_max']} {fmt(threshold.max)}")
    return ", ".join(parts)


def _chart_and_observations(ctx: Context, status: KeyResultStatus, objective: ObjectiveStatus, fmt, metric, original=None):
    kr, period, as_of = status.key_result, objective.period, ctx.report.as_of
    chart_id = f"chart-{kr.id}"
    group = metric.group_key(kr.breakdown) if metric is not None and kr.breakdown else ()
    title = f"{ctx.msg['chart']}: {ctx.plain(kr.title)}"
    if group:  # [2] the chart of the group the key result measures, and says which
        title += f" ({group_label(ctx, metric, group)})"
    description = describe(ctx, status, period, fmt)
    labels = ctx.chart_labels
    if kr.type == "milestone":
        chart = charts.milestone_chart(chart_id=chart_id, start=period.start, end=period.end, due=kr.due,
                                       done=kr.done if kr.done and kr.done <= as_of else None, as_of=as_of,
                                       fmt_date=ctx.date, labels=labels, title=title, description=description)
        return chart, []
    if kr.type == "maintain":
        shown, points, flags = visible(metric, period.start, period.end, as_of, group)
        chart = charts.maintain_chart(chart_id=chart_id, observations=points, flags=flags,
                                      start=period.start, end=period.end, minimum=kr.threshold.min,
                                      maximum=kr.threshold.max, as_of=as_of, fmt=fmt, labels=labels,
                                      title=title, description=description)
    else:
        end = target_date(kr, period)
        shown, points, flags = visible(metric, kr.baseline.date, end, as_of, group)
        chart = charts.metric_kr_chart(chart_id=chart_id, observations=points, flags=flags,
                                       baseline=(kr.baseline.date, kr.baseline.value),
                                       target=(end, kr.target.value), original_target=original,
                                       as_of=as_of, fmt=fmt, labels=labels,
                                       title=title, description=description)
    return chart, shown


def describe(ctx: Context, status: KeyResultStatus, period: Period, fmt) -> str:
    """The text alternative of a chart: where the key result stands, in words."""
    kr, msg = status.key_result, ctx.msg
    state = f"{msg['status']}: {msg['status.' + status.status.value]}."
    if kr.type == "milestone":
        done = kr.done if kr.done and kr.done <= ctx.report.as_of else None
        when = f"{msg['done']} {ctx.date(done)}" if done else msg["not_done"]
        return f"{msg['due']} {ctx.date(kr.due)}. {when}. {state}"
    parts = []
    if status.current is not None:
        parts.append(f"{msg['latest']} {fmt(status.current.value)} ({ctx.date(status.current.date)}).")
    else:
        parts.append(f"{msg['no_observations']}")
    if kr.type == "metric":
        end = target_date(kr, period)
        parts.append(f"{msg['baseline']} {fmt(kr.baseline.value)} ({ctx.date(kr.baseline.date)}); "
                     f"{msg['target']} {fmt(kr.target.value)} ({ctx.date(end)}).")
        if status.progress is not None:
            parts.append(f"{msg['progress']} {format_percent(status.progress)}; "
                         f"{msg['expected'].lower()} {format_percent(status.expected)}.")
    else:
        parts.append(f"{msg['threshold']}: {_threshold_text(ctx, kr.threshold, fmt)}.")
    parts.append(state)
    return " ".join(parts)


# --- metric pages ---------------------------------------------------------------


def _revisions(ctx: Context, metric: Metric, fmt) -> dict[date, str]:
    """A note for each observation whose value changed after it was published,
    naming the value first published (a later revision keeps the first value)."""
    notes: dict[date, str] = {}
    first: dict[date, float] = {}
    for r in ctx.history.for_metric(metric.id):
        first.setdefault(r.date, r.old)
        notes[r.date] = ctx.msg["revised_note"].format(date=ctx.date(r.revision.date), commit=r.revision.short,
                                                       old=fmt(first[r.date]))
    return notes


@dataclass(frozen=True)
class MetricView:
    id: str
    title: Markup
    plain_title: str
    unit: str
    frequency: str
    source: Markup
    methodology: Markup
    last_updated: str
    chart: Markup
    table: Markup | None
    csv_link: str
    table_note: str = ""
    used_by: list[Link] = field(default_factory=list)


def metric_view(ctx: Context, metric: Metric, used_by: list[tuple[ObjectiveStatus, KeyResultStatus]],
                from_doc: str) -> MetricView:
    fmt = ctx.fmt(metric)
    shown = metric.until(ctx.report.as_of)
    revised = _revisions(ctx, metric, fmt)
    with_values, points, flagged = visible(metric, date.min, ctx.report.as_of, ctx.report.as_of)
    title = ctx.plain(metric.title) or metric.id
    latest = with_values[-1] if with_values else None
    description = (f"{ctx.msg['latest']} {fmt(latest.value)} ({ctx.date(latest.date)}); "
                   f"{len(with_values)} {ctx.msg['observations'].lower()}." if latest else ctx.msg["no_observations"])
    if flagged:
        description += " " + flag_words(ctx.msg, with_values, ctx.date)
    rows = shown[:-METRIC_TABLE_ROWS - 1:-1]
    flags = FlagNotes(ctx.msg, (o.flag for o in rows), "observations")
    chart = charts.series_chart(chart_id=f"chart-{metric.id}", observations=points, flags=flagged,
                                fmt=fmt, labels=ctx.chart_labels, title=f"{ctx.msg['chart']}: {title}", description=description)
    return MetricView(
        id=metric.id,
        title=ctx.inline(metric.title) or Markup.escape(metric.id),
        plain_title=title,
        unit=metric.unit or "",
        frequency=ctx.msg.get(f"frequency.{metric.frequency}", "") if metric.frequency else "",
        source=ctx.html(metric.source),
        methodology=ctx.html(metric.methodology),
        last_updated=ctx.date(latest.date) if latest else "",
        chart=chart,
        table=table_html(f"{title} — {ctx.msg['observations']}",
                         (ctx.msg["date"], ctx.msg["value"], ctx.msg["note"]),
                         [(ctx.date(o.date), flags.value(fmt(o.value), o.flag) if o.value is not None else "—",
                           " ".join(filter(None, (o.note, revised.get(o.date)))) if revised else o.note or "")
                          for o in rows], bool(flags)) + flags.notes if shown else None,
        table_note=ctx.msg["table_csv"].format(shown=METRIC_TABLE_ROWS, total=len(shown))
        if len(shown) > METRIC_TABLE_ROWS else "",
        csv_link=urls.relative(from_doc, urls.metric_csv(metric.id)),
        used_by=[Link(urls.relative(from_doc, urls.objective_doc(o.objective.id), f"kr-{k.key_result.id}"),
                      ctx.inline(k.key_result.title)) for o, k in used_by],
    )

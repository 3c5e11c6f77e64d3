"""What the data-quality parts of a page show (schema 2, DESIGN.md §5), as data for the
templates: a metric page's timeliness, direction, key-indicator band, verification and
limitations; the rows of the data status and key indicators pages; and their tables.

Status is never shown by colour alone: a band's "inside" or "outside" is words and a shape,
as data overdue is (see overdue_marks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from site_builder.compute.overdue import is_overdue, newest_observation
from site_builder.model import FLAGS, Metric, Threshold
from site_builder.render import overdue_marks, urls
from site_builder.render.context import Context
from site_builder.render.downloads import flags_in
from site_builder.render.formats import format_number

_SHAPES = {  # a tick inside the band, a cross outside it
    "inside": '<path d="M2.5 8.5l3.5 3.5 7.5-8" fill="none" stroke="currentColor" stroke-width="2.4"/>',
    "outside": '<path d="M3.5 3.5l9 9M12.5 3.5l-9 9" stroke="currentColor" stroke-width="2.4"/>',
}
_ICON = ('<svg class="okr-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" '
         'focusable="false">{}</svg>')


def band_text(ctx: Context, metric: Metric, band: Threshold) -> str:
    """"at least 85.0%", "at most 5 days", "between 2.0 and 5.0 days": with the metric's
    decimals and unit, as its other values are written (the unit once, after the last)."""
    fmt = ctx.fmt(metric)
    if band.min is not None and band.max is not None:
        return ctx.msg["band_between"].format(min=format_number(band.min, metric.decimals, ctx.lang),
                                              max=fmt(band.max))
    if band.min is not None:
        return ctx.msg["band_at_least"].format(min=fmt(band.min))
    return ctx.msg["band_at_most"].format(max=fmt(band.max))


def where_it_stands(ctx: Context, band: Threshold, value: float | None) -> Markup | str:
    """Inside or outside the band, in words and a shape; "" without a value."""
    if value is None:
        return ""
    state = "inside" if band.holds(value) else "outside"
    return Markup('<span class="okr-band okr-band--{0}">{1}<span class="okr-band__label">{2}</span></span>').format(
        state, Markup(_ICON.format(_SHAPES[state])), ctx.msg["in_band" if state == "inside" else "out_of_band"])


def direction_text(ctx: Context, metric: Metric) -> str:
    return ctx.msg[f"direction.{metric.direction}"] if metric.direction in ("increase", "decrease") else ""


def frequency_text(ctx: Context, metric: Metric) -> str:
    return ctx.msg.get(f"frequency.{metric.frequency}", "") if metric.frequency else ""


def metric_quality(ctx: Context, metric: Metric, from_doc: str) -> dict | None:
    """A metric page's data quality: None in a schema 1 portal (its page is as it was)."""
    if not overdue_marks.applies(ctx.report):
        return None
    as_of = ctx.report.as_of
    t = overdue_marks.timeliness(metric, as_of)
    if t.overdue:
        timely: Markup | str = overdue_marks.mark(ctx, t)
    elif t.due is not None:
        timely = ctx.msg["next_expected_by"].format(due=ctx.date(t.due))
    else:
        timely = ctx.msg["no_frequency"] if t.newest is not None and not metric.frequency else ""
    band = ""
    if metric.kpi is not None:
        newest = newest_observation(metric, as_of)
        stands = where_it_stands(ctx, metric.kpi, newest.value if newest else None)
        band = Markup('{0}{1} · <a href="{2}">{3}</a>').format(
            band_text(ctx, metric, metric.kpi), Markup(" · ") + stands if stands else "",
            urls.relative(from_doc, urls.INDICATORS_DOC), ctx.msg["key_indicators"])
    return {"timeliness": timely, "direction": direction_text(ctx, metric), "band": band,
            "verification": ctx.html(metric.verification), "limitations": ctx.html(metric.limitations)}


# --- the rows of the data status and key indicators pages --------------------------------


@dataclass(frozen=True)
class StatusRow:
    metric: Metric
    timeliness: overdue_marks.Timeliness
    flags: dict[str, int]  # how many observations up to the as-of date carry each flag


def status_rows(ctx: Context, metric_ids) -> list[StatusRow]:
    """Every metric on the as-of date: the overdue ones first, the latest first, then the
    rest in the metrics index's order (by id)."""
    as_of = ctx.report.as_of
    rows = [StatusRow(metric, overdue_marks.timeliness(metric, as_of), flags_in(metric, as_of))
            for metric in (ctx.portal.metrics[m] for m in sorted(metric_ids))]
    return sorted(rows, key=lambda r: (not r.timeliness.overdue, -r.timeliness.late_days))


def flags_text(ctx: Context, flags: dict[str, int]) -> str:
    """"Estimate (3), Proxy (1)": the most frequent first (then the most severe), or "—"."""
    order = sorted(flags, key=lambda f: (-flags[f], FLAGS.index(f) if f in FLAGS else len(FLAGS), f))
    return ", ".join(ctx.msg["flag_count"].format(flag=ctx.msg.get(f"flag.{f}", f), count=flags[f])
                     for f in order) or "—"


def _title_link(ctx: Context, metric: Metric, doc: str) -> Markup:
    return Markup('<a href="{0}">{1}</a>').format(urls.relative(doc, urls.metric_doc(metric.id)),
                                                  ctx.inline(metric.title) or metric.id)


def _day(ctx: Context, day: date | None) -> Markup | str:
    if day is None:
        return ctx.msg["no_observations"]
    shown = ctx.date(day)
    return Markup('<time datetime="{0}">{1}</time>').format(shown.iso, shown)


def status_cells(ctx: Context, row: StatusRow, doc: str, with_flags: bool = False) -> list:
    """The row's cells: metric (and whether it is derived), frequency, newest observation,
    timeliness, and its flags when the table has that column."""
    t, metric = row.timeliness, row.metric
    if t.overdue:
        timely: Markup | str = Markup("{0} {1}").format(overdue_marks.label(ctx), ctx.msg["expected_by_late"].format(
            due=ctx.date(t.due), late=overdue_marks.late_text(ctx, t.late_days)))
    elif t.due is not None:
        timely = ctx.msg["next_expected_by"].format(due=ctx.date(t.due))
    elif t.newest is None:
        timely = "—"
    else:
        timely = ctx.msg["no_frequency"]
    title = _title_link(ctx, metric, doc)
    if metric.derived:
        title += Markup(' <span class="okr-derived">{0}</span>').format(ctx.msg["derived_metric"])
    cells = [title, frequency_text(ctx, metric) or "—", _day(ctx, t.newest), timely]
    return cells + [flags_text(ctx, row.flags)] if with_flags else cells


def indicator_cells(ctx: Context, metric: Metric, doc: str, with_direction: bool) -> list:
    newest = newest_observation(metric, ctx.report.as_of)
    if newest is None:
        latest: Markup | str = ctx.msg["no_observations"]
    else:
        latest = Markup("{0} ({1})").format(ctx.fmt(metric)(newest.value), _day(ctx, newest.date))
        if is_overdue(metric, ctx.report.as_of):
            latest += Markup(" ") + overdue_marks.label(ctx)
    cells = [_title_link(ctx, metric, doc), band_text(ctx, metric, metric.kpi), latest,
             where_it_stands(ctx, metric.kpi, newest.value if newest else None) or "—"]
    if with_direction:
        cells.append(direction_text(ctx, metric) or "—")
    return cells


def table(caption: str, kind: str, head: list[str], rows: list[list]) -> Markup:
    """An accessible table whose cells may hold markup (links, marks): each cell is escaped
    unless it is Markup already. Numbers and dates stay out of the search index."""
    parts = [Markup('<div class="okr-table-wrap" role="region" aria-label="{0}" tabindex="0" data-search-exclude>'
                    '<table class="okr-table okr-table--{1}"><caption>{0}</caption>\n<thead><tr>').format(caption, kind)]
    parts += [Markup('<th scope="col">{0}</th>').format(h) for h in head]
    parts.append(Markup("</tr></thead>\n<tbody>\n"))
    for first, *rest in rows:
        parts.append(Markup('<tr><th scope="row">{0}</th>').format(first))
        parts += [Markup("<td>{0}</td>").format(c) for c in rest]
        parts.append(Markup("</tr>\n"))
    parts.append(Markup("</tbody></table></div>"))
    return Markup("").join(parts)

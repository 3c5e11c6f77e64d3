"""The list of every key result whose explanation is overdue (schema 2, DESIGN.md §4, §5):

    accountability/explanations.md             the first page, in the navigation
    accountability/explanations/page/2.md…     the rest

Made only when any key result needs an explanation; linked from the home and unit pages'
counts (explanation_marks.count_link).
"""

from __future__ import annotations

from markupsafe import Markup

from site_builder.compute import accountability
from site_builder.compute.rules import KeyResultStatus, ObjectiveStatus, status_day
from site_builder.render import data_quality_views, explanation_marks, urls
from site_builder.render.context import Context
from site_builder.render.templating import page, paginate
from site_builder.render.views import Link, badge

ROWS_PER_PAGE = 50  # a row is under 1 KB (two links, a badge, a date): a page stays well under 100 KB


def pages(ctx: Context) -> dict[str, str]:
    """accountability/explanations.md and its further pages: made only when any key result
    needs an explanation."""
    rows = explanation_marks.overdue(ctx.report)
    if not rows:
        return {}
    msg = ctx.msg
    with_units = bool(ctx.report.units.units)
    head = [msg["key_result"], msg["status"], msg["owner"]] + ([msg["org_unit"]] if with_units else [])
    head.append(msg["explanation_latest"])
    title = msg["explanations"]
    intro = msg["explanations_intro"].format(statuses=explanation_marks.statuses_text(ctx),
                                             days=ctx.report.settings.explain.within_days)
    summary = (msg["explanations_count_one"] if len(rows) == 1 else msg["explanations_count"].format(count=len(rows)))
    summary += f" · {msg['as_of']} {ctx.date(ctx.report.as_of)}"
    files = {}
    for n, (doc, chunk, pagination) in enumerate(paginate(rows, urls.explanations_doc, msg["page_n"], ROWS_PER_PAGE), 1):
        page_title = title if n == 1 else f"{title} ({msg['page_n'].format(n=n)})"
        table = data_quality_views.table(title, "explanations", head,
                                         [_cells(ctx, o, kr, doc, with_units) for o, kr in chunk])
        files[doc] = page("data_table.md.j2", page_title, intro, hide=("toc",), msg=msg, intro=intro,
                          summary=summary, table=table, pagination=pagination,
                          back=Link(urls.relative(doc, "index.md"), msg["nav.home"]))
    return files


def _cells(ctx: Context, status: ObjectiveStatus, kr: KeyResultStatus, doc: str, with_units: bool) -> list:
    objective = status.objective
    link = Markup('<a href="{0}">{1}</a> › <a href="{2}">{3}</a>').format(
        urls.relative(doc, urls.objective_doc(objective.id)), ctx.inline(objective.title),
        urls.relative(doc, urls.objective_doc(objective.id), f"kr-{kr.key_result.id}"), ctx.inline(kr.key_result.title))
    cells = [link, badge(ctx, kr.status).html, ctx.inline(objective.owner)]
    if with_units:
        unit_id = ctx.report.units.unit_of(objective)
        unit = ctx.report.units.by_id.get(unit_id) if unit_id else None
        cells.append(Markup('<a href="{0}">{1}</a>').format(urls.relative(doc, urls.unit_doc(unit.id)),
                                                            ctx.inline(unit.title)) if unit else "—")
    latest = accountability.latest_explanation(kr, status_day(ctx.report.as_of, status.period))
    if latest is None:
        cells.append(ctx.msg["explanation_never"])
    else:
        day = ctx.date(latest.date)
        cells.append(Markup('<time datetime="{0}">{1}</time>').format(day.iso, day))
    return cells

"""The data-quality pages (schema 2, DESIGN.md §5): made only for a schema 2 portal, so a
schema 1 portal's site is as it was.

    data/status.md            every published metric: frequency, newest observation, whether
                              it is overdue, the overdue ones first (data/status/page/2.md…),
                              which are derived, and the flags of its observations (a column
                              made when any has one); made when any metric is published
    indicators/index.md       the key indicators (metrics with a `kpi` band) and where each
                              stands; made only when there are any (indicators/page_2.md…)

Both are in the navigation when they exist (urls.data_quality_docs), and linked from the
home page, the metrics index and the open-data page (``links``).
"""

from __future__ import annotations

from site_builder.render import data_quality_views as dq
from site_builder.render import overdue_marks, urls
from site_builder.render.context import Context
from site_builder.render.templating import page, paginate
from site_builder.render.views import Link

ROWS_PER_PAGE = 50  # a row is up to ~0.8 KB (a link, a mark, dates): with the theme, a page stays well under 100 KB


def indicators(ctx: Context, used) -> list[str]:
    """The published metrics with a key-indicator band, by id."""
    return sorted(m for m in used if ctx.portal.metrics[m].kpi is not None)


def links(ctx: Context, used) -> list[dict]:
    """The two pages as items of a link list (by docs path), for the indexes that lead to
    them: [] in a schema 1 portal, and in one that publishes no metric."""
    if not overdue_marks.applies(ctx.report) or not used:
        return []
    items = [{"doc": urls.DATA_STATUS_DOC, "text": ctx.msg["data_status"], "note": ctx.msg["data_status_note"]}]
    if indicators(ctx, used):
        items.insert(0, {"doc": urls.INDICATORS_DOC, "text": ctx.msg["key_indicators"],
                         "note": ctx.msg["indicators_note"]})
    return items


def home_links(ctx: Context, used, doc: str) -> list[Link]:
    return [Link(urls.relative(doc, item["doc"]), item["text"]) for item in links(ctx, used)]


def pages(ctx: Context, used) -> dict[str, str]:
    if not overdue_marks.applies(ctx.report) or not used:
        return {}
    files = _data_status(ctx, used)
    if indicators(ctx, used):
        files.update(_indicators(ctx, used))
    return files


def _table_pages(ctx: Context, title: str, intro: str, summary: str, rows: list, doc_for_page, cells, caption: str,
                 kind: str, head: list[str], back: tuple[str, str]) -> dict[str, str]:
    msg, files = ctx.msg, {}
    for n, (doc, chunk, pagination) in enumerate(paginate(rows, doc_for_page, msg["page_n"], ROWS_PER_PAGE), 1):
        page_title = title if n == 1 else f"{title} ({msg['page_n'].format(n=n)})"
        body = dq.table(caption, kind, head, [cells(row, doc) for row in chunk])
        files[doc] = page("data_table.md.j2", page_title, intro, hide=("toc",), msg=msg, intro=intro,
                          summary=summary, table=body, pagination=pagination,
                          back=Link(urls.relative(doc, back[0]), back[1]))
    return files


def _data_status(ctx: Context, used) -> dict[str, str]:
    msg = ctx.msg
    rows = dq.status_rows(ctx, used)
    overdue = sum(1 for r in rows if r.timeliness.overdue)
    summary = msg["data_status_summary"].format(overdue=overdue, total=len(rows), date=ctx.date(ctx.report.as_of))
    head = [msg["metric"], msg["frequency"], msg["newest_observation"], msg["timeliness"]]
    with_flags = any(r.flags for r in rows)  # a column of flags on every page, when any metric has one
    if with_flags:
        head.append(msg["flags"])
    return _table_pages(ctx, msg["data_status"], msg["data_status_intro"], summary, rows, urls.data_status_doc,
                        lambda row, doc: dq.status_cells(ctx, row, doc, with_flags), msg["data_status"],
                        "status", head, ("data/index.md", msg["open_data"]))


def _indicators(ctx: Context, used) -> dict[str, str]:
    msg = ctx.msg
    metrics = [ctx.portal.metrics[m] for m in indicators(ctx, used)]
    with_direction = any(dq.direction_text(ctx, m) for m in metrics)
    head = [msg["key_indicator"], msg["band"], msg["latest"], msg["where_it_stands"]]
    if with_direction:
        head.append(msg["direction"])
    summary = f"{msg['as_of']} {ctx.date(ctx.report.as_of)}"
    return _table_pages(ctx, msg["key_indicators"], msg["indicators_intro"], summary, metrics, urls.indicators_doc,
                        lambda metric, doc: dq.indicator_cells(ctx, metric, doc, with_direction),
                        msg["key_indicators"], "indicators", head, ("metrics/index.md", msg["metrics"]))

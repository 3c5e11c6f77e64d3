"""The organization's pages (schema 2, DESIGN.md §5): the unit tree, a page per unit, and
each period's alignment tree, cut into pages (see trees). Made only for a portal with
units or aligned objectives; a schema 1 portal's site is as it was.

    units/index.md                 the unit tree (units/page_2.md… when it is cut)
    units/<unit>/index.md          a unit (units/<unit>/page/2.md… for more objectives)
    alignment/index.md             the alignment tree of each period
    alignment/<period>/index.md    a period's alignment tree (…/page/2.md…)
"""

from __future__ import annotations

from site_builder.compute.rules import ObjectiveStatus, Report
from site_builder.model import Period
from site_builder.render import organization_index as index
from site_builder.render import organization_views as org_views
from site_builder.render import explanation_marks, urls, views
from site_builder.render.context import Context
from site_builder.render.templating import md_escape, page, paginate
from site_builder.render.trees import nested_list, new_on_page
from site_builder.render.views import Link

SUB_UNITS_SHOWN = 100  # sub-units listed on a unit's page; the unit tree has them all


def prepare(report: Report) -> None:
    """Work out what every language's pages share (before worker processes start)."""
    if not index.has_organization(report):
        return
    org = index.of(report)
    _ = org.unit_tree
    for period in report.settings.periods:
        org.alignment_tree(period.id)


def home(ctx: Context, period: Period, objectives: list[ObjectiveStatus], doc: str) -> dict | None:
    """The dashboard's part: top-level objectives first, and links to the trees."""
    if not index.has_organization(ctx.report):
        return None
    msg = ctx.msg
    links = [Link(urls.relative(doc, urls.UNITS_DOC), msg["unit_tree"])] if index.has_units(ctx.report) else []
    links.append(Link(urls.relative(doc, urls.alignment_doc(period.id)),
                      msg["alignment_tree_of"].format(period=ctx.plain(period.title))))
    links.append(Link(urls.relative(doc, urls.ALIGNMENT_DOC), msg["alignment_trees"]))
    return {"objectives": index.of(ctx.report).top_first(objectives), "links": links,
            "all": msg["all_objectives_n"].format(count=len(objectives))}


def pages(ctx: Context) -> dict[str, str]:
    if not index.has_organization(ctx.report):
        return {}
    files = _alignment(ctx)
    if index.has_units(ctx.report):
        files.update(_unit_tree(ctx))
        for unit in ctx.report.units.units:
            files.update(_unit(ctx, unit.id))
    return files


def _tree_page(ctx: Context, doc: str, title: str, intro: str, tree, back: Link | None, contents, pagination) -> str:
    return page("tree.md.j2", title, intro, hide=("toc",), msg=ctx.msg, intro=intro, back=back, tree=tree,
                contents=contents, pagination=pagination)


def _contents(ctx: Context, tree: index.TreePages, docs: list[str], doc: str, label) -> list[dict]:
    """Where each page of a cut tree begins and ends: the first and last subtree it holds."""
    if len(tree.pages) < 2:
        return []
    out = []
    for number, (forest, target) in enumerate(zip(tree.pages, docs), 1):
        held = new_on_page(forest, tree.first_page, number)
        first, last = label(held[0]), label(held[-1])
        out.append({"href": urls.relative(doc, target), "text": ctx.msg["page_n"].format(n=number),
                    "current": target == doc, "note": first if first == last else f"{first} – {last}"})
    return out


def _title(ctx: Context, org: index.Organization, key: str) -> str:
    """The plain title of an alignment tree's node: an objective, or a key result."""
    objective_id, _, kr_id = key[2:].partition("/")
    status = org.by_id[objective_id]
    if key.startswith("k:"):
        return next(ctx.plain(k.key_result.title) for k in status.key_results if k.key_result.id == kr_id)
    return ctx.plain(status.objective.title)


def _alignment(ctx: Context) -> dict[str, str]:
    msg, org = ctx.msg, index.of(ctx.report)
    files, items = {}, []
    for period in ctx.report.settings.periods:
        tree = org.alignment_tree(period.id)
        docs = [urls.alignment_doc(period.id, n) for n in range(1, len(tree.pages) + 1)]
        title = msg["alignment_tree_of"].format(period=ctx.plain(period.title))
        intro = (f"{msg['alignment_intro']} {ctx.date(period.start)} – {ctx.date(period.end)} · "
                 f"{msg['as_of']} {ctx.date(ctx.report.as_of)}")
        for n, (doc, _, pagination) in enumerate(paginate(docs, lambda k, d=docs: d[k - 1], msg["page_n"], 1), 1):
            page_title = title if n == 1 else f"{title} ({msg['page_n'].format(n=n)})"
            forest = tree.pages[n - 1]

            def line(placed, n=n, doc=doc, period_id=period.id):
                return org_views.alignment_line(ctx, placed, n, tree, doc, period_id)

            html = nested_list(forest, line, "okr-tree okr-tree--alignment", title) if forest else ""
            contents = _contents(ctx, tree, docs, doc, lambda placed: _title(ctx, org, placed.node.key))
            files[doc] = _tree_page(ctx, doc, page_title, intro if n == 1 else "",
                                    html, Link(urls.relative(doc, urls.ALIGNMENT_DOC),
                                                                       msg["alignment_trees"]),
                                    contents, pagination)
        count = sum(1 for o in ctx.report.objectives if o.period.id == period.id)
        items.append({"doc": docs[0], "text": ctx.inline(period.title),
                      "note": f"{msg[views.period_state(ctx, period)]} · {msg['objectives_n'].format(count=count)}"})
    doc = urls.ALIGNMENT_DOC
    files[doc] = page("link_list.md.j2", msg["alignment_trees"], msg["alignment_trees_intro"], hide=("toc",),
                      msg=msg, title=msg["alignment_trees"], intro=msg["alignment_trees_intro"],
                      items=[{"download": False, **item, "href": urls.relative(doc, item["doc"])} for item in items],
                      pagination=None)
    return files


def _unit_tree(ctx: Context) -> dict[str, str]:
    msg, org, report = ctx.msg, index.of(ctx.report), ctx.report
    period = views.current_period(ctx)
    counts = org.unit_counts(period.id)
    tree = org.unit_tree
    docs = [urls.UNITS_DOC if n == 1 else f"units/page_{n}.md" for n in range(1, len(tree.pages) + 1)]
    intro = (f"{msg['units_intro'].format(period=ctx.plain(period.title))} "
             f"{msg['as_of']} {ctx.date(report.as_of)}.")
    files = {}
    for n, (doc, _, pagination) in enumerate(paginate(docs, lambda k: docs[k - 1], msg["page_n"], 1), 1):
        title = msg["units"] if n == 1 else f"{msg['units']} ({msg['page_n'].format(n=n)})"

        def line(placed, n=n, doc=doc):
            return org_views.unit_line(ctx, placed, n, tree, doc, counts)

        contents = _contents(ctx, tree, docs, doc, lambda placed: ctx.plain(
            report.units.by_id[placed.node.key[2:]].title))
        files[doc] = _tree_page(ctx, doc, title, intro if n == 1 else "",
                                nested_list(tree.pages[n - 1], line, "okr-tree okr-tree--units", msg["units"]),
                                None, contents, pagination)
    return files


def _unit(ctx: Context, unit_id: str) -> dict[str, str]:
    """A unit's page: lead, description, parent, sub-units, the roll-up of the current
    period, then its own objectives, the current period's first, as cards."""
    msg, org, report = ctx.msg, index.of(ctx.report), ctx.report
    tree = report.units
    unit = tree.by_id[unit_id]
    period = views.current_period(ctx)
    order = [period] + [p for p in report.settings.periods if p.id != period.id]
    rank = {p.id: i for i, p in enumerate(order)}
    objectives = sorted(org.own_objectives(unit_id), key=lambda o: rank[o.period.id])
    title = ctx.plain(unit.title)
    files = {}
    counts = org.unit_counts(period.id)
    for n, (doc, chunk, pagination) in enumerate(paginate(objectives, lambda k: urls.unit_doc(unit_id, k),
                                                          msg["page_n"]), 1):
        parent = unit.parent if unit.parent in tree.by_id else None
        back = (org_views.unit_link(ctx, parent, doc) if parent else None) or Link(
            urls.relative(doc, urls.UNITS_DOC), msg["units"])
        groups: list[dict] = []
        for status in chunk:
            if not groups or groups[-1]["period"] != status.period.id:
                groups.append({"period": status.period.id, "anchor": f"objectives-{status.period.id}",
                               "heading_md": md_escape(f"{msg['objectives']}: {ctx.plain(status.period.title)}"),
                               "cards": []})
            groups[-1]["cards"].append(views.card(ctx, status, doc))
        children = list(tree.children.get(unit_id, ()))
        values = {}
        if n == 1:
            values = {
                "lead": ctx.inline(unit.lead), "description": ctx.html(unit.description),
                "ancestors": [org_views.unit_link(ctx, a, doc) for a in reversed(tree.ancestors(unit_id))],
                "period_md": md_escape(ctx.plain(period.title)),
                "rollup_intro": msg["unit_rollup_intro"].format(count=len(tree.subtree(unit_id)) - 1)
                if children else msg["unit_rollup_intro_leaf"],
                "counts": [views.Count(views.badge(ctx, s), c) for s, c in counts[unit_id].items()],
                "explanations": explanation_marks.count_link(  # [2] the unit's and its descendants'
                    ctx, [o for u in tree.subtree(unit_id) for o in org.own_objectives(u)], doc),
                "sub_units": [{"link": org_views.unit_link(ctx, c, doc), "tally": org_views.tally(ctx, counts[c])}
                              for c in children[:SUB_UNITS_SHOWN]],
                "sub_units_more": Link(urls.relative(doc, urls.UNITS_DOC),
                                       msg["sub_units_more"].format(count=len(children) - SUB_UNITS_SHOWN))
                if len(children) > SUB_UNITS_SHOWN else None,
            }
        page_title = title if n == 1 else f"{title} ({msg['page_n'].format(n=n)})"
        files[doc] = page("unit.md.j2", page_title, ctx.plain(unit.description), title_lang=ctx.lang_of(unit.title),
                          msg=msg, first=n == 1, back=back, groups=groups, pagination=pagination,
                          as_of=ctx.date(report.as_of), as_of_iso=report.as_of.isoformat(), **values)
    return files

"""Stage 4: the docs tree of the public site (DESIGN.md §5, §7).

``render_trees`` turns a computed report into the files of an ordinary MkDocs docs
tree for each language: Markdown pages (mostly sanitized HTML), and the open-data
files. Only the files whose content changed are written (see write), each worker
writing the pages it renders, so a preview server rebuilds only when something did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from site_builder import speed
from site_builder.render import urls
from site_builder.render import views
from site_builder.render import group_views
from site_builder.render.maps import map_section
from markupsafe import Markup
from site_builder.render import organization_pages, organization_views
from site_builder.render import data_quality_pages, data_quality_views, overdue_marks
from site_builder.render import explanation_marks, explanation_pages
from site_builder.render import cards
from site_builder.render import embeds, share_views
from site_builder.render import propose_links
from site_builder.render.api import okrs_json, published_metrics
from site_builder.render.datapackage import DATAPACKAGE_DOC, datapackage_json
from site_builder.compute.overdue import is_overdue
from site_builder.compute.rules import ObjectiveStatus, Report, latest_observation
from site_builder.render.messages import messages
from site_builder.model import Portal
from site_builder.render import history_views
from site_builder.render.context import Context
from site_builder.render.atom import atom_feed
from site_builder.model import UNAVAILABLE, History
from site_builder.render.markup import to_plain
from site_builder.render.downloads import metric_csv
from site_builder.render.templating import PAGE_SIZE, lang_attr, md_escape, page, paginate
from site_builder.render.views import Link
from site_builder.render.write import static_of, sweep, write_files

FEED_DOC = "feed.xml"
LINKS_PER_PAGE = 100  # entries per index page (metrics, owners, tags, downloads)
PARALLEL_FROM = 200  # pages; below this, starting workers costs more than it saves


@dataclass(frozen=True)
class Tree:
    files: list[str]  # every file of the docs tree, relative to it, sorted
    changed: list[str]  # the files written because their content changed, then those removed


def render_trees(report: Report, portal: Portal, docs_dirs: dict[str, Path], workers: int | None = None,
                 history: History = UNAVAILABLE, reports: dict | None = None, only=None) -> dict[str, Tree]:
    """The docs tree of each language (language -> its docs folder), written.

    One set of workers renders each page in every language in turn: what the
    languages share (a chart's line, mostly) is worked out once, and no worker
    waits for the last page of one language before starting on the next.
    ``reports``: language -> {period id: the PDF of its report}, published and linked.
    ``only(kind, id)``: render only the pages it says yes to ("objective" or "metric" and its id;
    "rest" for every other file) and remove nothing (the live preview, commands/preview.py).
    """
    docs_dirs = {lang: Path(folder) for lang, folder in docs_dirs.items()}
    speed.EARLIER.update({lang: str(static_of(folder)) for lang, folder in docs_dirs.items()})  # the cards read back
    for folder in docs_dirs.values():
        folder.mkdir(parents=True, exist_ok=True)
    trees = {}
    for lang, (files, changed) in _render(report, portal, docs_dirs, workers, history, reports or {}, only).items():
        docs_dir = docs_dirs[lang]
        changed = sorted(changed + write_files({rel: c for rel, c in files.items() if c is not None}, docs_dir))
        trees[lang] = Tree(list(files), changed + (sweep(docs_dir, files) if only is None else []))
    return trees


def _render(report: Report, portal: Portal, docs_dirs: dict[str, Path | None], workers: int | None,
            history: History, reports: dict | None = None, only=None) -> dict[str, tuple[dict[str, str | bytes | None], list[str]]]:
    """The files of each language, and what workers wrote to its docs folder (where it has
    one): the content of each file they wrote is None, and the paths whose content changed
    are listed."""
    contexts = [Context(report, portal, lang, messages(lang), history) for lang in docs_dirs]
    folders = list(docs_dirs.values())
    used = _metrics_used(contexts[0])
    jobs = [("objective", i) for i in range(len(report.objectives))] + [("metric", m) for m in sorted(used)]
    if only is not None:
        jobs = [(k, key) for k, key in jobs if only(k, report.objectives[key].objective.id if k == "objective" else key)]
    organization_pages.prepare(report)  # before the workers start, so that they share it

    def the_rest() -> list[tuple[dict, list[str]]]:  # run (and written) while the workers render the jobs
        done = []
        for ctx, docs_dir in zip(contexts, folders):
            rest: dict[str, str | bytes] = {}
            rest.update(_home(ctx, used))
            pdfs = (reports or {}).get(ctx.lang, {})
            rest.update({urls.period_report_pdf(p, ctx.lang): pdf for p, pdf in pdfs.items()})
            rest.update(_periods(ctx, pdfs))
            rest.update(_owners(ctx))
            rest.update(_tags(ctx))
            rest.update(_metric_indexes(ctx, used))
            rest.update(_changes(ctx))
            rest.update(organization_pages.pages(ctx))
            rest.update(data_quality_pages.pages(ctx, used))
            rest.update(explanation_pages.pages(ctx))  # [2] every key result whose explanation is overdue
            rest[urls.API_DOC] = _api(report, portal)
            rest.update(_open_data(ctx, used))
            rest[FEED_DOC] = atom_feed(ctx)
            rest.update(cards.logo_files(ctx.report.settings))  # the site's logo and favicon
            done.append((rest, []) if docs_dir is None else (dict.fromkeys(rest), write_files(rest, docs_dir)))
        return done

    with speed.collector_off():
        parts, rest = _run_jobs(contexts, used, jobs, workers, the_rest if only is None or only("rest", "") else
                                lambda: [({}, []) for _ in contexts], folders)
    out = {}
    for n, ctx in enumerate(contexts):
        files: dict[str, str | bytes | None] = {}
        changed: list[str] = []
        for part in parts:
            part_files, part_changed = part[n]
            files.update(part_files)
            changed += part_changed
        files.update(rest[n][0])
        out[ctx.lang] = (dict(sorted(files.items())), changed + rest[n][1])
    return out


def _open_data(ctx: Context, used: dict) -> dict[str, str]:
    """[2] data/datapackage.json, made once per report. ``used`` holds every published metric
    (a derived metric's inputs too), and each one's CSV comes with its page."""
    if ctx.report.settings.schema != 2 or not used:
        return {}
    memo = speed.report_memo(ctx.report)
    if "datapackage" not in memo:
        memo["datapackage"] = datapackage_json(ctx.portal, sorted(used), ctx.report.as_of)
    return {DATAPACKAGE_DOC: memo["datapackage"]}


def _api(report: Report, portal: Portal) -> str:
    """api/okrs.json, the same in every language's site: made once per report."""
    memo = speed.report_memo(report)
    if "api" not in memo:
        memo["api"] = okrs_json(report, portal)
    return memo["api"]


def _run_jobs(contexts: list[Context], used: dict, jobs: list, workers: int | None, meanwhile,
              folders: list[Path | None]) -> tuple[list[list[tuple[dict, list[str]]]], object]:
    """The jobs' [(files, changed) by language] by worker, and what ``meanwhile()`` returns:
    called in this process while the workers render, so the pages it makes cost no time
    of their own. Workers write their files to the languages' folders (see _render)."""
    workers = speed.worker_count(workers, len(jobs), PARALLEL_FROM)
    if workers == 1:
        return [[(files, []) for files in _render_jobs(jobs, contexts, used)]], meanwhile()
    chunks = [jobs[i::workers * 8] for i in range(workers * 8)]  # small: whoever is free takes the next

    def work(chunk: list) -> list[tuple[dict, list[str]]]:
        return [(files, []) if docs_dir is None else (dict.fromkeys(files), write_files(files, docs_dir))
                for files, docs_dir in zip(_render_jobs(chunk, contexts, used), folders)]

    return speed.forked(work, chunks, workers, meanwhile)


def _render_jobs(jobs: list, contexts: list[Context], used: dict) -> list[dict]:
    """The files of the jobs in each language: each page in every language before the next,
    so the charts' memo (see charts) finds what another language just drew."""
    files: list[dict[str, str | bytes]] = [{} for _ in contexts]
    collected = speed.young_collections(len(jobs))
    for n, (kind, key) in enumerate(jobs, 1):
        for ctx, out in zip(contexts, files):
            if kind == "objective":
                status = ctx.report.objectives[key]
                out[urls.objective_doc(status.objective.id)] = _objective(ctx, status, out)  # and its embeds
                out.update(cards.objective_cards(ctx, status))  # its link previews
            else:
                out.update(_metric_page(ctx, key, used))
        collected(n)
    return files


# --- pages ------------------------------------------------------------------------


def _dates(ctx: Context, period) -> str:
    return f"{ctx.date(period.start)} – {ctx.date(period.end)}"


def _home(ctx: Context, used: dict) -> dict[str, str]:
    settings, msg = ctx.report.settings, ctx.msg
    period = views.current_period(ctx)
    objectives = [o for o in ctx.report.objectives if o.period.id == period.id]
    doc = "index.md"
    more = None
    organization = organization_pages.home(ctx, period, objectives, doc)
    if organization:  # the top-level objectives first: the list of the period has them all
        objectives = organization["objectives"]
        if len(objectives) > PAGE_SIZE:
            more = Link(urls.relative(doc, urls.period_doc(period.id)), organization["all"])
    elif len(objectives) > PAGE_SIZE:
        more = Link(urls.relative(doc, urls.period_doc(period.id, 2)),
                    f"{msg['next']}: {msg['page_n'].format(n=2)} ({msg['more_objectives'].format(count=len(objectives))})")
    periods = [Link(urls.relative(doc, urls.period_doc(p.id)), ctx.inline(p.title)) for p in settings.periods]
    body = page(
        "home.md.j2", ctx.plain(settings.title), ctx.plain(settings.description), hide=("navigation", "toc"),
        title_lang=ctx.lang_of(settings.title),
        # No title of its own in the head: Material then titles the home page with the
        # site name alone, not "title - site name" (which are the same), in any theme.
        head_title=False,
        msg=msg, title=ctx.inline(settings.title), organization=ctx.inline(settings.organization),
        description=ctx.html(settings.description), contact=ctx.html(settings.contact),
        period={"title_md": md_escape(ctx.plain(period.title)), "dates": _dates(ctx, period)},
        as_of=ctx.date(ctx.report.as_of), as_of_iso=ctx.report.as_of.isoformat(),
        counts=views.status_counts(ctx, objectives),
        cards=[views.card(ctx, o, doc) for o in objectives[:PAGE_SIZE]], more=more,
        periods=[{"href": link.href, "title": link.text, "state": msg[views.period_state(ctx, p)],
                  "dates": _dates(ctx, p)} for link, p in zip(periods, settings.periods)],
        links={"metrics": urls.relative(doc, "metrics/index.md"), "owners": urls.relative(doc, "owners/index.md"),
               "tags": urls.relative(doc, "tags/index.md"), "data": urls.relative(doc, "data/index.md")},
        organization_links=organization["links"] if organization else [],
        data_links=data_quality_pages.home_links(ctx, used, doc),
        explanations=explanation_marks.count_link(ctx, ctx.report.objectives, doc),
    )
    return {doc: body}


def _objective(ctx: Context, status: ObjectiveStatus, embed_files: dict | None = None) -> str:
    """The objective's page; its key results' embed pages and chart SVGs, and its badge, go to
    ``embed_files`` (see embeds)."""
    objective, msg = status.objective, ctx.msg
    doc = urls.objective_doc(objective.id)
    krs = []
    for kr in status.key_results:
        if kr.key_result.type == "rollup":
            view = organization_views.rollup_view(ctx, kr, status)
        else:
            view = views.key_result_view(ctx, kr, status, doc)
        krs.append({**view.__dict__, "heading_md": md_escape(view.heading),
                    "overdue": overdue_marks.key_result_mark(ctx, kr, status.period),
                    "explanation": explanation_marks.key_result_mark(ctx, status, kr),
                    "explanation_detail": explanation_marks.key_result_detail(ctx, status, kr),
                    "heading_attrs": lang_attr(ctx.lang_of(kr.key_result.title)),
                    "share": share_views.share(ctx, kr, status, doc, bool(view.chart)),
                    "check_in_link": propose_links.check_in_link(ctx, status, kr)})
        if embed_files is not None:
            embed_files.update(embeds.key_result_files(ctx, kr, status, view))
    if embed_files is not None:
        embed_files.update(embeds.badge_files(ctx, status))
    metric_ids = sorted({kr.key_result.metric for kr in status.key_results if kr.key_result.metric})
    downloads = [Link(urls.relative(doc, urls.metric_csv(m)), ctx.plain(ctx.portal.metrics[m].title) or m)
                 for m in metric_ids]
    return page(
        "objective.md.j2", ctx.plain(objective.title),
        f"{cards.status_sentence(ctx, status.status, status.progress)} {ctx.plain(objective.description)}".strip(),
        meta={"card": cards.card_doc(objective.id)},
        title_lang=ctx.lang_of(objective.title),
        msg=msg, title=ctx.inline(objective.title), badge=views.badge(ctx, status.status),
        bar=views.progress_bar(ctx, status.progress, status.progress),
        owner_link=Link(urls.relative(doc, urls.owner_doc(_owner_slug(ctx, objective))), ctx.inline(objective.owner)),
        period_link=Link(urls.relative(doc, urls.period_doc(status.period.id)), ctx.inline(status.period.title)),
        period_dates=_dates(ctx, status.period),
        tags=[Link(urls.relative(doc, urls.tag_doc(t)), t) for t in objective.tags],
        as_of=ctx.date(ctx.report.as_of), as_of_iso=ctx.report.as_of.isoformat(),
        description=ctx.html(objective.description), key_results=krs, downloads=downloads,
        history=history_views.history_entries(ctx, ctx.history, status),
        history_unavailable=ctx.msg["history_unavailable"].format(reason=ctx.history.reason)
        if not ctx.history.available else "",
        api_link=urls.relative(doc, urls.API_DOC),
        org=organization_views.alignment_view(ctx, status, doc),
        retrospective=explanation_marks.retrospective(ctx, status),
        propose=propose_links.objective_links(ctx, status),
    )


def _objective_lists(ctx: Context, title: str, objectives: list[ObjectiveStatus], doc_for_page,
                     intro: str = "", counts: bool = False, retrospectives: bool = False,
                     download: str | None = None) -> dict[str, str]:
    files = {}
    for n, (doc, chunk, pagination) in enumerate(paginate(objectives, doc_for_page, ctx.msg['page_n']), 1):
        page_title = title if n == 1 else f"{title} ({ctx.msg['page_n'].format(n=n)})"
        files[doc] = page(
            "objective_list.md.j2", page_title, intro, hide=("toc",), msg=ctx.msg, title=page_title, intro=intro,
            counts=views.status_counts(ctx, objectives) if counts else None,
            cards=[views.card(ctx, o, doc, retrospectives) for o in chunk], pagination=pagination,
            download={"href": urls.relative(doc, download), "text": ctx.msg["report.download"]} if download else None,
        )
    return files


def _index_doc(folder: str):
    """Pages of an index: folder/index.md, then folder/page_2.md (ids have no '_', so no clash)."""
    return lambda n: f"{folder}/index.md" if n == 1 else f"{folder}/page_{n}.md"


def _link_list(ctx: Context, folder: str, title: str, items: list[dict], intro: str = "",
               first: list[dict] = ()) -> dict[str, str]:
    """An index of links, LINKS_PER_PAGE a page; ``items`` name their target by docs path,
    and the ``first`` come before them on the first page."""
    files = {}
    for n, (doc, chunk, pagination) in enumerate(paginate(items, _index_doc(folder), ctx.msg['page_n'], LINKS_PER_PAGE), 1):
        page_title = title if n == 1 else f"{title} ({ctx.msg['page_n'].format(n=n)})"
        links = (list(first) if n == 1 else []) + chunk
        files[doc] = page(
            "link_list.md.j2", page_title, intro, hide=("toc",), msg=ctx.msg, title=page_title, intro=intro,
            items=[{"download": False, **item, "href": urls.relative(doc, item["doc"], item.get("anchor", ""))}
                   for item in links],
            pagination=pagination,
        )
    return files


def _periods(ctx: Context, reports: dict | None = None) -> dict[str, str]:
    msg = ctx.msg
    files = {}
    items = []
    for period in ctx.report.settings.periods:
        objectives = [o for o in ctx.report.objectives if o.period.id == period.id]
        state = views.period_state(ctx, period)
        intro = f"{_dates(ctx, period)} · {msg[state]} · {msg['as_of']} {ctx.date(ctx.report.as_of)}"
        if state == "ended":
            intro += f" · {msg['final_scores']}"
        files.update(_objective_lists(ctx, ctx.plain(period.title), objectives,
                                      lambda n, p=period.id: urls.period_doc(p, n), intro, counts=True,
                                      retrospectives=state == "ended",
                                      download=urls.period_report_pdf(period.id, ctx.lang)
                                      if period.id in (reports or {}) else None))
        items.append({"doc": urls.period_doc(period.id), "text": ctx.inline(period.title),
                      "note": f"{msg[state]}, {_dates(ctx, period)}"})
    files.update(_link_list(ctx, "periods", msg["archive"], items, msg["archive_intro"]))
    return files


def _group(ctx: Context, key) -> dict[str, tuple[str, list[ObjectiveStatus]]]:
    groups: dict[str, tuple[str, list[ObjectiveStatus]]] = {}
    for status in ctx.report.objectives:
        for slug, label in key(status):
            groups.setdefault(slug, (label, []))[1].append(status)
    return dict(sorted(groups.items(), key=lambda item: item[1][0].lower()))


def _owner_slug(ctx: Context, objective) -> str:
    """From the owner in the default language: an owner's page has the same path in every language."""
    return urls.slug(to_plain(objective.owner.get(ctx.default_lang, ctx.default_lang)))


def _owners(ctx: Context) -> dict[str, str]:
    def owner(status):
        return [(_owner_slug(ctx, status.objective), ctx.plain(status.objective.owner))]

    return _index(ctx, "owners", ctx.msg["owners"], _group(ctx, owner), urls.owner_doc)


def _tags(ctx: Context) -> dict[str, str]:
    return _index(ctx, "tags", ctx.msg["tags"], _group(ctx, lambda s: [(t, t) for t in s.objective.tags]),
                  urls.tag_doc)


def _index(ctx: Context, folder: str, title: str, groups, doc_for) -> dict[str, str]:
    files = {}
    items = []
    for slug, (label, objectives) in groups.items():
        files.update(_objective_lists(ctx, f"{title}: {label}", objectives, lambda n, s=slug: doc_for(s, n)))
        items.append({"doc": doc_for(slug), "text": label, "note": f"({len(objectives)})"})
    files.update(_link_list(ctx, folder, title, items))
    return files


def _changes(ctx: Context) -> dict[str, str]:
    """Every target moved after its period started, across the portal, newest first."""
    items = []
    for status in ctx.report.objectives:
        for kr in status.key_results:
            change = history_views.target_change(ctx, ctx.history, status, kr)
            if change is None:
                continue
            text = f"{ctx.plain(status.objective.title)} › {ctx.plain(kr.key_result.title)}"
            items.append((change.date, {"doc": urls.objective_doc(status.objective.id), "anchor": change.anchor,
                                        "text": text, "note": change.text}))
    items.sort(key=lambda item: item[0], reverse=True)
    if not ctx.history.available:
        intro = ctx.msg["history_unavailable"].format(reason=ctx.history.reason)
    else:
        intro = ctx.msg["changes_intro"] if items else ctx.msg["changes_none"]
    return _link_list(ctx, "changes", ctx.msg["changes"], [item for _, item in items], intro)


def _metrics_used(ctx: Context) -> dict[str, list]:
    """The metrics the site publishes, each with the key results using it: those public objectives
    use (not drafts'), and in schema 2 the metrics a published derived metric is computed from
    (with no key result of their own, but a page the formula links to)."""
    used: dict[str, list] = {}
    for status in ctx.report.objectives:
        for kr in status.key_results:
            if kr.key_result.metric:
                used.setdefault(kr.key_result.metric, []).append((status, kr))
    if any(ctx.portal.metrics[m].derived for m in used if m in ctx.portal.metrics):
        for metric_id in published_metrics(ctx.report, ctx.portal):
            used.setdefault(metric_id, [])
    return used


def _metric_page(ctx: Context, metric_id: str, used: dict) -> dict[str, str]:
    """A published metric's page and CSV; ``used``: every published metric (see _metrics_used)."""
    metric, used_by = ctx.portal.metrics[metric_id], used[metric_id]
    doc = urls.metric_doc(metric_id)
    view = views.metric_view(ctx, metric, used_by, doc)
    geo = ctx.portal.geo.get(metric.map.geojson) if metric.map else None
    return {
        doc: page("metric.md.j2", view.plain_title, ctx.plain(metric.methodology), msg=ctx.msg,
                   title_lang=ctx.lang_of(metric.title),
                   metric=view, metrics_link=urls.relative(doc, "metrics/index.md"),
                   quality=data_quality_views.metric_quality(ctx, metric, doc),
                   # [2] groups (small multiples and their table), the map, a derived metric's formula
                   groups=group_views.groups_view(ctx, metric, used_by),
                   map_html=Markup(map_section(metric, geo, ctx)),
                   formula=group_views.formula_view(ctx, metric, doc, used) if metric.derived else None,
                   propose=propose_links.metric_links(ctx, metric)),
        urls.metric_csv(metric_id): metric_csv(metric, ctx),
    }


def _metric_indexes(ctx: Context, used: dict) -> dict[str, str]:
    """The metrics index and the open-data downloads."""
    items = []
    for metric_id in sorted(used):
        metric = ctx.portal.metrics[metric_id]
        latest = latest_observation(metric, date.min, ctx.report.as_of, ctx.report.as_of)
        updated = f"{ctx.msg['last_updated']} {ctx.date(latest.date)}" if latest else ctx.msg["no_observations"]
        if overdue_marks.applies(ctx.report) and is_overdue(metric, ctx.report.as_of):
            updated += f" · {ctx.msg['data_overdue']}"
        items.append({"doc": urls.metric_doc(metric_id), "text": ctx.inline(metric.title) or metric_id,
                      "note": updated})
    schema_2 = ctx.report.settings.schema == 2  # [2] the datapackage.json beside the CSVs
    downloads = [{"doc": urls.metric_csv(m), "text": ctx.plain(ctx.portal.metrics[m].title) or m,
                  "note": urls.metric_csv(m), "download": True} for m in sorted(used)]
    quality = data_quality_pages.links(ctx, used)  # [2] the data status and key indicators pages
    files = _link_list(ctx, "metrics", ctx.msg["metrics"], items, first=quality)
    api = [{"doc": urls.API_DOC, "text": ctx.msg["download_api"], "note": urls.API_DOC}]
    if schema_2 and used:
        api.append({"doc": DATAPACKAGE_DOC, "text": ctx.msg["download_datapackage"], "note": DATAPACKAGE_DOC})
    files.update(_link_list(ctx, "data", ctx.msg["open_data"], downloads, ctx.msg["open_data_intro"],
                            first=api + [q for q in quality if q["doc"] == urls.DATA_STATUS_DOC]))
    return files

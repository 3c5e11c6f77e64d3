"""Stage 4: the docs tree of the public site (DESIGN.md §5, §7).

``render_site`` is a pure function from a computed report to the files of an
ordinary MkDocs docs tree: Markdown pages (mostly sanitized HTML), and the
open-data files. ``write_tree`` then writes only the files whose content
changed, so a preview server rebuilds only when something did; ``render_tree``
does both, each worker writing the pages it renders.
"""

from __future__ import annotations

import gc
import html
import json
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from site_builder.render import urls
from site_builder.render import views
from site_builder.render.api import okrs_json
from site_builder.compute.rules import ObjectiveStatus, Report, latest_observation, report_memo
from site_builder.render.messages import messages
from site_builder.model import Portal
from site_builder.render import history_views
from site_builder.render.context import Context
from site_builder.render.atom import atom_feed
from site_builder.model import UNAVAILABLE, History
from site_builder.render.markup import to_plain
from site_builder.speed import Recent
from site_builder.render.views import Link

PAGE_SIZE = 24  # objectives per list page: no page grows with the portal
FEED_DOC = "feed.xml"
LINKS_PER_PAGE = 100  # entries per index page (metrics, owners, tags, downloads)

_env = Environment(
    loader=PackageLoader("site_builder", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    # Markdown headings carry {#anchor} attributes: keep {# for them.
    comment_start_string="{%#",
    comment_end_string="#%}",
)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def md_escape(text: str) -> Markup:
    """Plain text made safe inside a Markdown heading: no markup, no HTML, no {: attributes}."""
    return Markup(_MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False)))


def _front_matter(title: str | None, description: str = "", hide: tuple[str, ...] = ()) -> str:
    # MkDocs themes print page.title without escaping it, so it is escaped here.
    lines = ["---"]
    if title is not None:
        lines.append(f"title: {json.dumps(html.escape(title), ensure_ascii=False)}")
    if description:
        lines.append(f"description: {json.dumps(html.escape(description[:300]), ensure_ascii=False)}")
    if hide:
        lines.append(f"hide: [{', '.join(hide)}]")
    return "\n".join(lines + ["---", "", ""])


def _page(template: str, page_title: str, page_description: str = "", hide: tuple[str, ...] = (),
          title_lang: str | None = None, head_title: bool = True, **values) -> str:
    # The title is a Markdown heading, so it opens the table of contents and
    # Material's skip link lands on it; escaped for Markdown and HTML alike.
    # A title shown in the default language for want of a translation says so.
    body = _env.get_template(template).render(title_md=md_escape(page_title), title_attrs=_lang_attr(title_lang), **values)
    return _front_matter(page_title if head_title else None, page_description, hide) + body


def _lang_attr(lang: str | None) -> Markup | str:
    """The attributes of a Markdown heading ({#anchor lang="en"}) shown in another language."""
    return Markup(f' lang="{lang}"') if lang else ""


@dataclass(frozen=True)
class Pagination:
    pages: list
    previous: str | None
    next: str | None


@dataclass(frozen=True)
class PageLink:
    number: int
    href: str
    current: bool


def _paginate(items: list, doc_for_page, size: int = PAGE_SIZE) -> list[tuple[str, list, Pagination]]:
    """Split a list over pages of ``size``: [(doc path, items, pagination)]."""
    chunks = [items[i:i + size] for i in range(0, len(items), size)] or [[]]
    docs = [doc_for_page(n + 1) for n in range(len(chunks))]
    out = []
    for n, (doc, chunk) in enumerate(zip(docs, chunks)):
        links = [PageLink(i + 1, urls.relative(doc, d), i == n) for i, d in enumerate(docs)]
        out.append((doc, chunk, Pagination(
            links,
            urls.relative(doc, docs[n - 1]) if n > 0 else None,
            urls.relative(doc, docs[n + 1]) if n + 1 < len(docs) else None,
        )))
    return out


def render_site(report: Report, portal: Portal, lang: str | None = None,
                workers: int | None = None, history: History = UNAVAILABLE) -> dict[str, str | bytes]:
    """Every file of the docs tree, by path relative to the docs folder.

    Objective and metric pages are most of the work and independent of each
    other: on a large portal they are rendered in forked worker processes.
    """
    lang = lang or report.settings.default_language
    return _render(report, portal, {lang: None}, workers, history)[lang][0]


@dataclass(frozen=True)
class Tree:
    files: list[str]  # every file of the docs tree, relative to it, sorted
    changed: list[str]  # the files written because their content changed, then those removed


def render_tree(report: Report, portal: Portal, docs_dir: Path, lang: str | None = None,
                workers: int | None = None, history: History = UNAVAILABLE) -> Tree:
    """``write_tree(render_site(...), docs_dir)``, with each worker writing the pages it
    renders: the pages do not travel back between processes, and the writing is
    shared out too."""
    lang = lang or report.settings.default_language
    return render_trees(report, portal, {lang: docs_dir}, workers, history)[lang]


def render_trees(report: Report, portal: Portal, docs_dirs: dict[str, Path], workers: int | None = None,
                 history: History = UNAVAILABLE) -> dict[str, Tree]:
    """render_tree() for each language (language -> its docs folder) at once.

    One set of workers renders each page in every language in turn: what the
    languages share (a chart's line, mostly) is worked out once, and no worker
    waits for the last page of one language before starting on the next.
    """
    docs_dirs = {lang: Path(folder) for lang, folder in docs_dirs.items()}
    for folder in docs_dirs.values():
        folder.mkdir(parents=True, exist_ok=True)
    trees = {}
    for lang, (files, changed) in _render(report, portal, docs_dirs, workers, history).items():
        docs_dir = docs_dirs[lang]
        changed = sorted(changed + _write_files({rel: c for rel, c in files.items() if c is not None}, docs_dir))
        trees[lang] = Tree(list(files), changed + _sweep(docs_dir, files))
    return trees


def _render(report: Report, portal: Portal, docs_dirs: dict[str, Path | None], workers: int | None,
            history: History) -> dict[str, tuple[dict[str, str | bytes | None], list[str]]]:
    """render_site() of each language, and what workers wrote to its docs folder (where it has
    one): the content of each file they wrote is None, and the paths whose content changed
    are listed."""
    contexts = [Context(report, portal, lang, messages(lang), history) for lang in docs_dirs]
    folders = list(docs_dirs.values())
    used = _metrics_used(contexts[0])
    jobs = [("objective", i) for i in range(len(report.objectives))] + [("metric", m) for m in sorted(used)]

    def the_rest() -> list[tuple[dict, list[str]]]:  # run (and written) while the workers render the jobs
        done = []
        for ctx, docs_dir in zip(contexts, folders):
            rest: dict[str, str | bytes] = {}
            rest.update(_home(ctx))
            rest.update(_periods(ctx))
            rest.update(_owners(ctx))
            rest.update(_tags(ctx))
            rest.update(_metric_indexes(ctx, used))
            rest.update(_changes(ctx))
            rest[urls.API_DOC] = _api(report)
            rest[FEED_DOC] = atom_feed(ctx)
            done.append((rest, []) if docs_dir is None else (dict.fromkeys(rest), _write_files(rest, docs_dir)))
        return done

    with _collector_off():
        parts, rest = _run_jobs(contexts, used, jobs, workers, the_rest, folders)
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


def _api(report: Report) -> str:
    """api/okrs.json, the same in every language's site: made once per report."""
    memo = report_memo(report)
    if "api" not in memo:
        memo["api"] = okrs_json(report)
    return memo["api"]


@contextmanager
def _collector_off():
    """No automatic cyclic garbage collection while the pages are rendered, here and in
    the forked workers (which inherit the setting): rendering allocates enough to run
    the collector thousands of times, each run walking what the memos keep. Reference
    counting frees nearly all it drops; the few cycles a page leaves are young, and
    _render_jobs collects the youngest generation every few pages (a test checks that
    nothing else is left). The objects that exist now (the portal, its report) are also
    set aside ("frozen"), so that no collection walks them, and forked workers do not
    touch (and copy) their memory for it."""
    enabled = gc.isenabled()
    frozen = not gc.get_freeze_count()  # else someone else froze objects: leave their arrangement alone
    gc.disable()
    if frozen:
        gc.freeze()
    try:
        yield
    finally:
        if frozen:
            gc.unfreeze()
        if enabled:
            gc.enable()


PARALLEL_FROM = 200  # pages; below this, starting workers costs more than it saves
_shared: tuple | None = None  # (contexts, used, docs folders) for forked workers, inherited rather than pickled


def _run_jobs(contexts: list[Context], used: dict, jobs: list, workers: int | None, meanwhile,
              folders: list[Path | None]) -> tuple[list[list[tuple[dict, list[str]]]], object]:
    """The jobs' [(files, changed) by language] by worker, and what ``meanwhile()`` returns:
    called in this process while the workers render, so the pages it makes cost no time
    of their own. Workers write their files to the languages' folders (see _render)."""
    global _shared
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers < 2 or len(jobs) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return [[(files, []) for files in _render_jobs(jobs, contexts, used)]], meanwhile()
    chunks = [jobs[i::workers * 8] for i in range(workers * 8)]  # small: whoever is free takes the next
    _shared = (contexts, used, folders)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            results = pool.map(_render_jobs_shared, chunks)  # submitted now, collected below
            rest = meanwhile()
            return list(results), rest
    finally:
        _shared = None


def _render_jobs_shared(jobs: list) -> list[tuple[dict, list[str]]]:
    contexts, used, folders = _shared
    return [(files, []) if docs_dir is None else (dict.fromkeys(files), _write_files(files, docs_dir))
            for files, docs_dir in zip(_render_jobs(jobs, contexts, used), folders)]


def _render_jobs(jobs: list, contexts: list[Context], used: dict) -> list[dict]:
    """The files of the jobs in each language: each page in every language before the next,
    so the charts' memo (see charts) finds what another language just drew."""
    files: list[dict[str, str | bytes]] = [{} for _ in contexts]
    collect = not gc.isenabled()
    for n, (kind, key) in enumerate(jobs, 1):
        for ctx, out in zip(contexts, files):
            if kind == "objective":
                status = ctx.report.objectives[key]
                out[urls.objective_doc(status.objective.id)] = _objective(ctx, status)
            else:
                out.update(_metric_page(ctx, key, used[key]))
        if collect and (n % _COLLECT_EVERY == 0 or n == len(jobs)):
            gc.collect(0)  # the few cycles pages leave (Markdown makes one per text) are young
    return files


_COLLECT_EVERY = 256  # pages: a collection walks what the memos keep, so not after every one


# --- pages ------------------------------------------------------------------------


def _current_period(ctx: Context):
    periods = ctx.report.settings.periods
    as_of = ctx.report.as_of
    running = [p for p in periods if p.start <= as_of <= p.end]
    if running:
        return running[0]
    started = [p for p in periods if p.start <= as_of]
    return max(started, key=lambda p: p.start) if started else min(periods, key=lambda p: p.start)


def _dates(ctx: Context, period) -> str:
    return f"{ctx.date(period.start)} – {ctx.date(period.end)}"


def _home(ctx: Context) -> dict[str, str]:
    settings, msg = ctx.report.settings, ctx.msg
    period = _current_period(ctx)
    objectives = [o for o in ctx.report.objectives if o.period.id == period.id]
    doc = "index.md"
    more = None
    if len(objectives) > PAGE_SIZE:
        more = Link(urls.relative(doc, urls.period_doc(period.id, 2)),
                    f"{msg['next']}: {msg['page_n'].format(n=2)} ({msg['more_objectives'].format(count=len(objectives))})")
    periods = [Link(urls.relative(doc, urls.period_doc(p.id)), ctx.inline(p.title)) for p in settings.periods]
    body = _page(
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
    )
    return {doc: body}


def _objective(ctx: Context, status: ObjectiveStatus) -> str:
    objective, msg = status.objective, ctx.msg
    doc = urls.objective_doc(objective.id)
    krs = []
    for kr in status.key_results:
        view = views.key_result_view(ctx, kr, status, doc)
        krs.append({**view.__dict__, "heading_md": md_escape(view.heading),
                    "heading_attrs": _lang_attr(ctx.lang_of(kr.key_result.title))})
    metric_ids = sorted({kr.key_result.metric for kr in status.key_results if kr.key_result.metric})
    downloads = [Link(urls.relative(doc, urls.metric_csv(m)), ctx.plain(ctx.portal.metrics[m].title) or m)
                 for m in metric_ids]
    return _page(
        "objective.md.j2", ctx.plain(objective.title), ctx.plain(objective.description),
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
    )


def _objective_lists(ctx: Context, title: str, objectives: list[ObjectiveStatus], doc_for_page,
                     intro: str = "", counts: bool = False) -> dict[str, str]:
    files = {}
    for n, (doc, chunk, pagination) in enumerate(_paginate(objectives, doc_for_page), 1):
        page_title = title if n == 1 else f"{title} ({ctx.msg['page_n'].format(n=n)})"
        files[doc] = _page(
            "objective_list.md.j2", page_title, intro, hide=("toc",), msg=ctx.msg, title=page_title, intro=intro,
            counts=views.status_counts(ctx, objectives) if counts else None,
            cards=[views.card(ctx, o, doc) for o in chunk], pagination=pagination,
        )
    return files


def _index_doc(folder: str):
    """Pages of an index: folder/index.md, then folder/page_2.md (ids have no '_', so no clash)."""
    return lambda n: f"{folder}/index.md" if n == 1 else f"{folder}/page_{n}.md"


def _link_list(ctx: Context, folder: str, title: str, items: list[dict], intro: str = "",
               first: dict | None = None) -> dict[str, str]:
    """An index of links, LINKS_PER_PAGE a page; ``items`` name their target by docs path."""
    files = {}
    for n, (doc, chunk, pagination) in enumerate(_paginate(items, _index_doc(folder), LINKS_PER_PAGE), 1):
        page_title = title if n == 1 else f"{title} ({ctx.msg['page_n'].format(n=n)})"
        links = ([first] if first and n == 1 else []) + chunk
        files[doc] = _page(
            "link_list.md.j2", page_title, intro, hide=("toc",), msg=ctx.msg, title=page_title, intro=intro,
            items=[{"download": False, **item, "href": urls.relative(doc, item["doc"], item.get("anchor", ""))}
                   for item in links],
            pagination=pagination,
        )
    return files


def _periods(ctx: Context) -> dict[str, str]:
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
                                      lambda n, p=period.id: urls.period_doc(p, n), intro, counts=True))
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
    """The metrics public objectives use (not drafts'), with the key results using them."""
    used: dict[str, list] = {}
    for status in ctx.report.objectives:
        for kr in status.key_results:
            if kr.key_result.metric:
                used.setdefault(kr.key_result.metric, []).append((status, kr))
    return used


def _metric_page(ctx: Context, metric_id: str, used_by: list) -> dict[str, str]:
    metric = ctx.portal.metrics[metric_id]
    doc = urls.metric_doc(metric_id)
    view = views.metric_view(ctx, metric, used_by, doc)
    return {
        doc: _page("metric.md.j2", view.plain_title, ctx.plain(metric.methodology), msg=ctx.msg,
                   title_lang=ctx.lang_of(metric.title),
                   metric=view, metrics_link=urls.relative(doc, "metrics/index.md")),
        urls.metric_csv(metric_id): _metric_csv(metric, ctx),
    }


def _metric_indexes(ctx: Context, used: dict) -> dict[str, str]:
    """The metrics index and the open-data downloads."""
    items, downloads = [], []
    for metric_id in sorted(used):
        metric = ctx.portal.metrics[metric_id]
        title = ctx.plain(metric.title) or metric_id
        latest = latest_observation(metric, date.min, ctx.report.as_of, ctx.report.as_of)
        updated = f"{ctx.msg['last_updated']} {ctx.date(latest.date)}" if latest else ctx.msg["no_observations"]
        items.append({"doc": urls.metric_doc(metric_id), "text": ctx.inline(metric.title) or metric_id,
                      "note": updated})
        downloads.append({"doc": urls.metric_csv(metric_id), "text": title,
                          "note": urls.metric_csv(metric_id), "download": True})
    files = _link_list(ctx, "metrics", ctx.msg["metrics"], items)
    api = {"doc": urls.API_DOC, "text": ctx.msg["download_api"], "note": urls.API_DOC}
    files.update(_link_list(ctx, "data", ctx.msg["open_data"], downloads, ctx.msg["open_data_intro"], first=api))
    return files


def _metric_csv(metric, ctx: Context) -> str:
    """The metric's observations up to the as-of date, as the open-data CSV: the same file in
    every language, made once."""
    return _CSVS.get(metric.observations, ctx.report.as_of, lambda: _make_csv(metric, ctx))


_CSVS = Recent(4)


def _make_csv(metric, ctx: Context) -> str:
    # Column by column, with C-level passes: a large portal has hundreds of thousands of rows.
    shown = metric.until(ctx.report.as_of)
    if not shown:
        return "date,value,note\n"
    days, values, notes, _ = zip(*shown)
    # repr(value) without a trailing ".0", and None as an empty field (no repr has "\n" or "None").
    numbers = ("\n".join(map(repr, values)) + "\n").replace(".0\n", "\n").replace("None\n", "\n").split("\n")
    notes = [_csv_field(note) if note else "" for note in notes] if any(notes) else repeat("")
    return "date,value,note\n" + "\n".join(map(",".join, zip(map(date.isoformat, days), numbers, notes))) + "\n"


# A spreadsheet reads a cell that starts with one of these as a formula (or, tab and CR,
# drops them and reads what follows): OWASP's CSV-injection rule is a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _csv_field(text: str) -> str:
    """A note as one CSV field: never a formula, and quoted only when it holds a comma,
    quote or line break.

    Checked as written out, after any stripping. A cell that is purely a number
    (-3.5) is a number, not a formula, and stays as it is.
    """
    if text.startswith(_FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        text = "'" + text
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


# --- writing ------------------------------------------------------------------------


def write_tree(files: dict[str, str | bytes], docs_dir: Path) -> list[str]:
    """Make docs_dir hold exactly ``files``, writing only what changed. Returns the changed paths."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    return _write_files(files, docs_dir) + _sweep(docs_dir, files)


def _write_files(files: dict[str, str | bytes], docs_dir: Path) -> list[str]:
    """Write the files whose content changed (or that are new). A changed file is replaced
    through a temporary file, so a preview server never reads half of it; a new one is
    written in place (a build stopped half-way leaves it different, so the next writes it)."""
    base = os.fspath(docs_dir)
    folders: set[str] = set()  # made or found: a new tree needs each made once, not tried per file
    changed = []
    for rel, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        path = os.path.join(base, rel)
        folder = os.path.dirname(path)
        new = True
        if folder in folders or os.path.isdir(folder):
            try:
                with open(path, "rb") as old:
                    new = False
                    if old.read() == data:
                        folders.add(folder)
                        continue
            except OSError:
                pass
        else:
            os.makedirs(folder, exist_ok=True)
        folders.add(folder)
        if new:
            with open(path, "wb") as out:
                out.write(data)
        else:
            with open(path + ".tmp", "wb") as tmp:
                tmp.write(data)
            os.replace(path + ".tmp", path)
        changed.append(rel)
    return changed


def _sweep(docs_dir: Path, wanted) -> list[str]:
    """Remove the files not ``wanted`` (paths relative to docs_dir), then the folders left empty."""
    base = os.fspath(docs_dir)
    wanted = set(wanted)
    removed = []
    for folder, _, names in os.walk(base, topdown=False):
        prefix = os.path.relpath(folder, base).replace(os.sep, "/") + "/"
        prefix = "" if prefix == "./" else prefix
        for name in names:
            if prefix + name not in wanted:
                os.unlink(os.path.join(folder, name))
                removed.append(prefix + name)
        if folder != base and not os.listdir(folder):
            os.rmdir(folder)
    return sorted(removed, reverse=True)

"""The stages of DESIGN.md §7, strung together for the commands."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

from site_builder.engine.chinese_search import (
    ENV as JIEBA_DICT_ENV, cache_folders, needs_traditional_words, traditional_dictionary,
)
from site_builder.compute.derived import with_derived
from site_builder.compute.rules import compute
from site_builder.engine.runner import EngineError, engine_config, replace_site, run_engines, write_config
from site_builder.history.revisions import read_history
from site_builder.lock import portal_lock
from site_builder.render.messages import has_catalog
from site_builder.model import Portal
from site_builder.problems import Problem
from site_builder.commands.progress import Progress
from site_builder.render.cards import font_notices
from site_builder.render import deferred
from site_builder.render.pages import render_trees
from site_builder.report.publish import publish_reports
from site_builder.render.urls import accountability_docs, data_quality_docs, organization_docs
from site_builder.source.check import Checked, check


@dataclass(frozen=True)
class Built:
    site_dir: Path
    pages: int
    changed: int  # docs files written because their content changed
    generate_seconds: float
    engine_seconds: float
    warnings: str
    notices: tuple[str, ...] = ()  # what the generator could do only in part (see Generated.warnings)
    generate_parts: dict = None  # seconds by stage: load, history, compute, render, write, search
    advice: tuple[Problem, ...] = ()  # warnings about the portal's own files, each at its file and line


class BuildFailed(Exception):
    """A build that stopped: ``problems`` are the portal's, ``errors`` the engine's ERROR
    lines, and the message one line on what happened."""

    def __init__(self, message: str, problems: list[Problem] | None = None, errors: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []
        self.errors = errors or []


QUIET = Progress(enabled=False)
WORK_DIR = ".okr-portal"  # the generated docs tree and engine config; never committed


@dataclass(frozen=True)
class Generated:
    checked: Checked
    pages: int
    changed: list[str]
    warnings: tuple[str, ...] = ()  # history revisions that could not be read, languages without a catalog
    seconds: dict = None  # where the time went: load, history, compute, render, write, search
    configs: dict = None  # the engine config of each language, the default language's first
    engine_envs: dict = None  # what each language's engine process needs in its environment
    trees: dict = None  # each language's docs tree (render.pages.Tree): its files, those written


def generate(root: Path, as_of, site_dir: Path, progress: Progress = QUIET, work: Path | None = None,
             reports: bool | None = False, defer_blocks: bool = False, checked: Checked | None = None,
             languages=None, only=None) -> Generated:
    """load -> validate -> compute -> render: the docs tree and the engine's config,
    in ``work`` (the portal's WORK_DIR unless told: the preview has a folder of its own).
    ``reports``: the PDF reports of the ended periods, and True: of the current one too;
    None: none (the preview). ``defer_blocks``: the charts and data tables kept out of
    the pages the engine reads, for engine.fill to put back (render.deferred); the preview
    serves the engine's output as it is, so its pages keep them. The preview also passes the portal it
    ``checked`` itself, the ``languages`` it shows and ``only`` the pages an edit changed (render_trees).

    Raises BuildFailed with the portal's problems; writes only docs files whose
    content changed.
    """
    clock = [time.perf_counter()]

    def lap() -> float:
        clock.append(time.perf_counter())
        return clock[-1] - clock[-2]

    progress.show("okr-portal build: reading and checking the portal")
    checked = check(root) if checked is None else checked
    if checked.problems:
        raise BuildFailed("the portal has problems; nothing was built", checked.problems)
    checked = replace(checked, portal=with_derived(checked.portal))  # [2] derived metrics computed
    seconds = {"load": lap()}
    progress.show("okr-portal build: reading the history", force=True)
    history = read_history(Path(root))
    seconds["history"] = lap()
    report = compute(checked.portal, as_of)
    seconds["compute"] = lap()
    settings = checked.portal.settings
    work = Path(work) if work is not None else Path(root) / WORK_DIR
    published = None
    if reports is not None:
        progress.show("okr-portal build: making the period reports", force=True)
        published = publish_reports(checked.portal, as_of, Path(root) / WORK_DIR, history, current=reports)
    seconds["reports"] = lap()
    lang_work = {lang: work if lang == settings.default_language else work / f"lang-{lang}"
                 for lang in settings.languages if languages is None or lang in languages}
    progress.show("okr-portal build: writing the pages"
                  + (f" in {len(settings.languages)} languages" if len(settings.languages) > 1 else ""), force=True)
    deferred.configure([folder / "docs" for folder in lang_work.values()] if defer_blocks else ())
    # Written as rendered (by the workers that render them), so "render" includes most writing.
    # (no language asked for is the portal's: nothing to render; the preview says which there are)
    trees = render_trees(report, checked.portal, {lang: folder / "docs" for lang, folder in lang_work.items()},
                         history=history, reports=published.pdfs if published else None, only=only) if lang_work else {}
    seconds["render"] = lap()
    pages, changed, configs = 0, [], {}
    for lang, tree in trees.items():
        lang_site = site_dir if lang == settings.default_language else language_staging(site_dir, lang)
        prefix = "" if lang == settings.default_language else f"{lang}/"
        changed += [prefix + rel for rel in tree.changed]
        if only is not None and not only("rest", ""):  # the preview's first pass: no index page, config kept
            configs[lang] = lang_work[lang] / "mkdocs.yml"
            continue
        configs[lang] = write_config(engine_config(Path(root), settings, lang_work[lang] / "docs", lang_site, lang,
                                                   organization=organization_docs(tree.files),
                                                   data_quality=data_quality_docs(tree.files),
                                                   accountability=accountability_docs(tree.files)),
                                     lang_work[lang] / "mkdocs.yml")
        pages += sum(1 for rel in tree.files if rel.endswith(".md"))
    seconds["write"] = lap()
    envs = {lang: _engine_env(root, lang) for lang in lang_work}
    seconds["search"] = lap()  # the Chinese search dictionary, when there is none yet on this machine
    notices = (published.notice,) if published and published.notice else ()
    notices = font_notices(settings.languages) + notices  # the card images' fonts
    return Generated(checked, pages, changed, history.warnings + _catalog_warnings(settings) + notices,
                     seconds, configs, envs, trees)


def _catalog_warnings(settings) -> tuple[str, ...]:
    translated = [code for code, words in settings.locale.items() if words]  # okrs/locale/<lang>.po
    return tuple(f"okr-portal has no message catalog for {lang!r}: the words it writes itself "
                 f"(statuses, labels, headings) are in English on that language's pages "
                 f"(okrs/locale/{lang}.po can translate them)"
                 for lang in settings.languages if not has_catalog(lang, translated))


def _engine_env(root: Path, lang: str) -> dict:
    """What a language's engine process needs beside its config: Chinese word splitting."""
    if not needs_traditional_words(lang):
        return {}
    dictionary = traditional_dictionary(*cache_folders(Path(root) / WORK_DIR))
    return {JIEBA_DICT_ENV: str(dictionary.resolve())} if dictionary else {}


def language_staging(site_dir: Path, lang: str) -> Path:
    """Where a language other than the default is built, before it moves under site/<lang>/.

    Beside the default language's folder, not in it: each engine run empties its
    own output folder first, and the runs go at the same time.
    """
    return site_dir.with_name(f"{site_dir.name}.{lang}")


def build(root: Path, as_of, site_dir: Path | None = None, engine: str = "mkdocs",
          progress: Progress = QUIET, waiting=None, current_report: bool = False) -> Built:
    """The whole pipeline; the new site replaces site/ only when it is complete.

    One build at a time per portal: builds share the generated docs tree and the
    staging folders, so a second one waits for the first (``waiting(message)`` is
    called once when it has to), wherever their sites go.
    """
    with portal_lock(root, "build", waiting=waiting):
        return _build(Path(root), as_of, site_dir, engine, progress, current_report)


def _build(root: Path, as_of, site_dir: Path | None, engine: str, progress: Progress,
           current_report: bool = False) -> Built:
    started = time.perf_counter()
    site_dir = Path(site_dir) if site_dir is not None else root / "site"
    staging = site_dir.with_name(f".{site_dir.name}.new")
    # A build that was killed leaves its staging folders behind: start afresh.
    for folder in [staging, *staging.parent.glob(f"{staging.name}.*")]:
        if folder.exists():
            shutil.rmtree(folder)
    generated = generate(root, as_of, staging, progress, reports=current_report, defer_blocks=deferred.in_builds())
    engine_started = time.perf_counter()
    try:
        languages = len(generated.configs)
        progress.tick(f"okr-portal build: {engine} is building the site"
                      + (f" in {languages} languages at once" if languages > 1 else ""))
        try:
            warnings = run_engines(list(generated.configs.values()), engine, list(generated.engine_envs.values()),
                                   root=root)
        finally:
            progress.stop_ticking()
            progress.clear()
        settings = generated.checked.portal.settings
        for lang in settings.languages[1:]:
            language_staging(staging, lang).rename(staging / lang)
        replace_site(staging, site_dir)
    except EngineError as exc:
        reason = "" if exc.errors else f": {exc.reason}"
        raise BuildFailed(f"{engine} build failed{reason}; {site_dir} is unchanged", errors=exc.errors) from None
    finally:
        for folder in [staging, *(language_staging(staging, lang) for lang in generated.configs)]:
            shutil.rmtree(folder, ignore_errors=True)
    done = time.perf_counter()
    return Built(site_dir, generated.pages, len(generated.changed), engine_started - started,
                 done - engine_started, warnings, generated.warnings, generated.seconds,
                 tuple(generated.checked.warnings) + _advice(generated.checked.portal.settings))


def _advice(settings) -> tuple[Problem, ...]:
    """What a valid portal had better add: a base_url, without which the site has no public address."""
    if settings.base_url:
        return ()
    return (Problem(settings.loc, "no base_url: search engines get no sitemap, pages no canonical address, "
                                  "and the Atom feed's links and ids are not unique to this portal; "
                                  "add base_url: https://… (the site's public address)"),)

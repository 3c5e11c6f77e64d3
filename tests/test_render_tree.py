"""render_trees: the docs tree written as rendered (by the workers that render it)."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import REPO

AS_OF = "2026-11-24"


@pytest.fixture(scope="module")
def demo():
    from site_builder.compute.rules import compute
    from site_builder.source.check import check

    checked = check(REPO)
    return compute(checked.portal, date.fromisoformat(AS_OF)), checked.portal


def read_tree(folder):
    """A docs folder's generated files: its pages, and the other files from its static tree (render.write)."""
    from site_builder.render.write import static_of

    pages = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    assert all(rel.endswith(".md") for rel in pages), "the engine's docs folder holds only pages"
    static = static_of(folder)
    others = {p.relative_to(static).as_posix(): p.read_bytes() for p in sorted(static.rglob("*")) if p.is_file()}
    return {**pages, **others}


def as_bytes(files):
    return {rel: c.encode("utf-8") if isinstance(c, str) else c for rel, c in files.items()}


def rendered(report, portal, folder, lang=None):
    """The files of one language's docs tree, rendered on their own in this process, by path."""
    from site_builder.render import pages as render

    lang = lang or report.settings.default_language
    render.render_trees(report, portal, {lang: folder}, workers=1)
    return dict(sorted(read_tree(folder).items()))


@pytest.mark.parametrize("workers", [1, 2])
def test_render_trees_writes_what_it_renders_alone(demo, tmp_path, monkeypatch, workers):
    from site_builder.render import pages as render

    report, portal = demo
    files = rendered(report, portal, tmp_path / "alone" / "docs")
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)  # the demo is small: force the workers
    docs = tmp_path / "docs"
    lang = report.settings.default_language
    tree = render.render_trees(report, portal, {lang: docs}, workers=workers)[lang]
    assert tree.files == list(files)
    assert tree.changed == sorted(files)
    assert read_tree(docs) == as_bytes(files)

    # A second run changes nothing; stale files and empty folders go.
    assert render.render_trees(report, portal, {lang: docs}, workers=workers)[lang].changed == []
    (docs / "stale.md").write_text("old page")
    (docs / "gone" / "deeper").mkdir(parents=True)
    first = next(rel for rel in files if rel.endswith(".md"))
    (docs / first).write_text("edited by hand")
    assert render.render_trees(report, portal, {lang: docs}, workers=workers)[lang].changed == [first, "stale.md"]
    assert read_tree(docs) == as_bytes(files) and not (docs / "gone").exists()


def test_writing_a_tree_keeps_its_behaviour(demo, tmp_path):
    from site_builder.render import write

    report, portal = demo
    files = rendered(report, portal, tmp_path / "alone" / "docs")
    docs = tmp_path / "docs"
    docs.mkdir()
    assert write.write_files(files, docs) + write.sweep(docs, files) == list(files)
    (docs / "a" / "b").mkdir(parents=True)
    (docs / "a" / "old.md").write_text("x")
    assert write.write_files(files, docs) + write.sweep(docs, files) == ["a/old.md"]
    assert read_tree(docs) == as_bytes(files) and not (docs / "a").exists()


def test_what_languages_share_is_never_taken_from_an_earlier_report(tmp_path):
    """The API and the feed's transitions are made once per report for all languages;
    a preview server renders report after report in one process."""
    from datetime import date

    from conftest import REPO
    from site_builder.render.api import okrs_json
    from site_builder.compute.rules import compute
    from site_builder.source.check import check

    portal = check(REPO).portal
    earlier, later = compute(portal, date(2026, 3, 31)), compute(portal, date(2026, 11, 24))
    first = rendered(earlier, portal, tmp_path / "first" / "docs")
    second = rendered(later, portal, tmp_path / "second" / "docs")
    assert first["api/okrs.json"] == okrs_json(earlier, portal).encode() != second["api/okrs.json"] == okrs_json(later, portal).encode()
    assert first["feed.xml"] != second["feed.xml"]
    assert rendered(earlier, portal, tmp_path / "zh", "zh-TW")["api/okrs.json"] == first["api/okrs.json"]


@pytest.mark.parametrize("workers", [1, 2])
def test_render_trees_gives_each_language_what_it_renders_alone(demo, tmp_path, monkeypatch, workers):
    """Rendered together, each page in every language in turn, sharing chart lines and
    CSVs: each language's tree is the one it gets when rendered on its own."""
    from site_builder.render import pages as render

    report, portal = demo
    alone = {lang: rendered(report, portal, tmp_path / "alone" / lang / "docs", lang) for lang in ("en", "zh-TW")}
    assert alone["en"]["index.md"] != alone["zh-TW"]["index.md"]
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)
    folders = {"en": tmp_path / "en" / "docs", "zh-TW": tmp_path / "zh" / "docs"}
    trees = render.render_trees(report, portal, folders, workers=workers)
    for lang, files in alone.items():
        assert trees[lang].files == list(files)
        assert read_tree(folders[lang]) == as_bytes(files)


def test_rendering_pages_leaves_no_garbage_cycles(demo):
    """Pages are rendered with the automatic garbage collector off (speed.collector_off):
    what rendering drops must be freed by reference counting, or by the collection of the
    youngest generation after each page. Every objective and metric page of the demo, in
    both languages, with its git history so that the history views are rendered too."""
    import gc

    from site_builder.render import pages as render
    from site_builder.render.context import Context
    from site_builder.history.revisions import read_history
    from site_builder.render.messages import messages

    report, portal = demo
    history = read_history(REPO)
    assert history.available
    contexts = [Context(report, portal, lang, messages(lang), history) for lang in ("en", "zh-TW")]
    used = render._metrics_used(contexts[0])
    jobs = [("objective", i) for i in range(len(report.objectives))] + [("metric", m) for m in sorted(used)]
    render._render_jobs(jobs[:2], contexts, used)  # templates compiled, caches filled
    gc.collect()
    gc.disable()
    try:
        files = render._render_jobs(jobs, contexts, used)
        assert gc.collect() == 0
    finally:
        gc.enable()
    assert len(files[1]) == len(files[0]) > 20

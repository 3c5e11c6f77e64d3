"""The generator's files other than pages are kept out of the docs tree the engine reads
(render.write) and put into the site after it (engine.static_files): the site has them all,
at the same paths, and a later build never changes a site already published."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from site_builder.commands.build import WORK_DIR
from site_builder.engine import static_files
from site_builder.render.write import static_of
from test_build_safety import _contents, _copy_demo

AS_OF = "2026-11-24"


def _build(root: Path) -> subprocess.CompletedProcess:
    run = subprocess.run([sys.executable, "-m", "site_builder", "-C", str(root), "build", "--as-of", AS_OF],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    return run


def test_the_engine_reads_only_pages_and_the_site_has_every_other_file(tmp_path):
    root = _copy_demo(tmp_path / "portal")
    _build(root)
    for docs, site in ((root / WORK_DIR / "docs", root / "site"),
                       (root / WORK_DIR / "lang-zh-TW" / "docs", root / "site" / "zh-TW")):
        pages = _contents(docs)
        assert pages and all(rel.endswith(".md") for rel in pages), [r for r in pages if not r.endswith(".md")][:5]
        static = _contents(static_of(docs))
        kinds = {rel.split("/")[0] for rel in static}
        assert {"embed", "charts", "data", "api", "cards", "badges", "feed.xml"} <= kinds, kinds
        built = {rel: (site / rel) for rel in static}
        missing = [rel for rel, path in built.items() if not path.is_file()]
        assert not missing, missing[:5]
        assert [rel for rel, path in built.items() if path.read_bytes() != static[rel]] == []
        assert not list(site.rglob("*.tmp"))
    # what readers fetch: the metric's CSV download is its data
    assert (root / "site/data/call-answer-weekly.csv").read_text("utf-8").startswith("date,")


def test_a_later_build_never_changes_the_published_site(tmp_path):
    """The site's files are links to the static tree's where they can be: a build that
    changes one must make a new file, never write into the one the old site shows."""
    root = _copy_demo(tmp_path / "portal")
    _build(root)
    published = root / "site/embed/appointment-line-q4/call-back/index.html"
    kept = tmp_path / "kept.html"
    os.link(published, kept)  # the old site's file itself, whatever becomes of site/
    before = kept.read_bytes()
    objective = root / "okrs/objectives/q4-2026/appointment-line.yml"
    objective.write_text(objective.read_text("utf-8").replace(
        "Get the appointment line answering again", "Answer the appointment line again", 1), "utf-8")
    _build(root)
    assert "Answer the appointment line again" in published.read_text("utf-8")
    assert kept.read_bytes() == before and b"Get the appointment line answering again" in before


def test_files_are_copied_onto_another_file_system(tmp_path):
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second file system here")
    static = tmp_path / "static-files"
    (static / "data").mkdir(parents=True)
    (static / "data/a.csv").write_bytes(b"date,value\n2026-01-01,1\n")
    (static / "feed.xml").write_bytes(b"<feed/>")
    site = shm / f"okr-site-{os.getpid()}-{tmp_path.name}"
    try:
        assert static_files.place_all(static, site) == 2
        assert (site / "data/a.csv").read_bytes() == b"date,value\n2026-01-01,1\n"
        assert os.stat(site / "feed.xml").st_ino != os.stat(static / "feed.xml").st_ino
    finally:
        import shutil
        shutil.rmtree(site, ignore_errors=True)


def test_placing_again_leaves_the_site_as_it_was(tmp_path):
    """A file linked already is left (a rename onto its own link would leave the new link
    beside it), a changed one replaced, a removed one skipped."""
    static, site = tmp_path / "static-files", tmp_path / "site"
    (static / "embed/o/kr").mkdir(parents=True)
    (static / "embed/o/kr/index.html").write_text("one")
    (static / "feed.xml").write_text("feed")
    assert static_files.place_all(static, site) == 2
    assert static_files.place_all(static, site) == 2
    (static / "feed.xml").unlink()
    (static / "feed.xml").write_text("new feed")  # as render.write does: a new file
    assert static_files.place(static, site, ["feed.xml", "gone.csv"]) == 1
    assert (site / "feed.xml").read_text() == "new feed" and (site / "embed/o/kr/index.html").read_text() == "one"
    assert sorted(p.name for p in site.rglob("*") if p.is_file()) == ["feed.xml", "index.html"]

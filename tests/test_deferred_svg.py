"""Charts and data tables kept out of what the engine parses (render.deferred) and put
back after it (engine.fill), issue 17: the site a reader gets is the same, byte for byte.

Real builds (the real `mkdocs build`), with them deferred and with them inline
(OKR_PORTAL_KEEP_INLINE=1), compared file by file: on the demo, and on a small
synthetic portal in two languages, before and after one objective changes. A build
killed (SIGKILL, a real process) while it puts them back leaves the old site, and
the next one succeeds; the store beside the docs tree follows a partial rebuild; a
placeholder whose block is gone stops the engine step with one line.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from conftest import REPO
from site_builder.commands.build import WORK_DIR, build, generate
from site_builder.engine.fill import PAUSE_ENV
from site_builder.engine.runner import EngineError, run_engines
from site_builder.render import deferred
from site_builder.render.urls import objective_doc, page_url

sys.path.insert(0, str(REPO / "benchmarks"))
import synth  # noqa: E402

DEMO_AS_OF = date(2026, 11, 24)
SYNTH_AS_OF = date(2025, 6, 1)  # no period has ended: no PDF report to make, the builds stay quick
CHANGED = "o-0001"  # the synthetic portal's objective whose target moves (its period in progress)
_PLACEHOLDER = re.compile(re.escape(deferred.MARK) + r"([0-9a-f]+)-->")


@contextmanager
def _inline(on: bool):
    """Builds in the block keep their charts and tables in the pages (the site as it was made before)."""
    before = os.environ.get(deferred.INLINE_ENV)
    os.environ[deferred.INLINE_ENV] = "1" if on else "0"
    try:
        yield
    finally:
        if before is None:
            del os.environ[deferred.INLINE_ENV]
        else:
            os.environ[deferred.INLINE_ENV] = before


def _build(root: Path, as_of: date, site: Path, inline: bool = False):
    with _inline(inline):
        return build(root, as_of, site)


def _contents(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _differences(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return sorted(rel for rel in a.keys() | b.keys() if a.get(rel) != b.get(rel))


def _docs_dirs(root: Path) -> list[Path]:
    work = root / WORK_DIR
    return [work / "docs", *sorted(work.glob("lang-*/docs"))]


def _store_files(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every store file of every language: (its bytes, when it was written)."""
    out = {}
    for docs in _docs_dirs(root):
        store = deferred.store_of(docs)
        for path in sorted(store.rglob("*.json")):
            out[path.relative_to(root).as_posix()] = (path.read_bytes(), path.stat().st_mtime_ns)
    return out


def _docs_of(site_rel: str) -> list[str]:
    """The docs pages a built page can come from (page.md or page/index.md)."""
    if not site_rel.endswith("index.html"):
        return []
    folder = site_rel[: -len("index.html")].rstrip("/")
    return ["index.md"] if not folder else [f"{folder}.md", f"{folder}/index.md"]


def _assert_store_matches_docs(root: Path) -> int:
    """Each page's placeholders are exactly the blocks its store file holds (no block
    missing, none left over from an earlier version); returns how many there are."""
    total = 0
    for docs in _docs_dirs(root):
        store = deferred.store_of(docs)
        assert not store.is_relative_to(docs), "the engine would copy the store into the site"
        for page in sorted(docs.rglob("*.md")):
            rel = page.relative_to(docs).as_posix()
            named = _PLACEHOLDER.findall(page.read_text("utf-8"))
            kept = store / f"{rel}.json"
            held = json.loads(kept.read_text("utf-8")) if kept.exists() else {}
            assert sorted(set(named)) == sorted(held), rel
            total += len(named)
        for kept in store.rglob("*.json"):  # none for a page no longer made
            assert (docs / kept.relative_to(store).as_posix()[: -len(".json")]).is_file(), kept
    return total


def _assert_deferred_and_filled(root: Path, site: dict[str, bytes]) -> None:
    """The engine read pages without their charts and tables, and the published site has them all."""
    placeholders = _assert_store_matches_docs(root)
    assert placeholders > 0
    for docs in _docs_dirs(root):
        for page in docs.rglob("*.md"):
            assert deferred.split(page.read_text("utf-8"))[1] == {}, "a block the engine had to parse"
    html = b"".join(content for rel, content in site.items() if rel.endswith(".html"))
    assert html.count(b'class="okr-chart ') + html.count(b'<div class="okr-table-wrap" ') > 0
    for n, docs in enumerate(_docs_dirs(root)):  # each block is back in its own page, whole
        prefix = "" if n == 0 else docs.parent.name[len("lang-"):] + "/"
        store = deferred.store_of(docs)
        for kept in store.rglob("*.json"):
            built = site[prefix + page_url(kept.relative_to(store).as_posix()[: -len(".json")]) + "index.html"]
            for block in json.loads(kept.read_text("utf-8")).values():
                assert block.encode("utf-8") in built, kept
    assert not any(deferred.MARK.encode() in content for content in site.values())
    assert not any(deferred.STORE in rel for rel in site)


def _copy_demo(dest: Path) -> Path:
    shutil.copytree(REPO / "okrs", dest / "okrs")
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "theme", dest / "theme")
    return dest


# --- the demo ---------------------------------------------------------------------------


def test_the_demo_is_byte_for_byte_the_same_with_its_charts_and_tables_kept_out_of_the_engine(tmp_path):
    root = _copy_demo(tmp_path / "demo")
    built_inline = _build(root, DEMO_AS_OF, tmp_path / "inline", inline=True)
    built = _build(root, DEMO_AS_OF, root / "site")
    assert built.warnings == built_inline.warnings  # e.g. no anchor the engine now misses
    inline, deferred_site = _contents(tmp_path / "inline"), _contents(root / "site")
    assert _differences(inline, deferred_site) == []
    assert any(rel.startswith("zh-TW/") for rel in deferred_site)  # both languages compared
    assert "search/search_index.json" in deferred_site and "zh-TW/search/search_index.json" in deferred_site
    _assert_deferred_and_filled(root, deferred_site)
    assert built.pages > 50


# --- a synthetic portal, two languages ----------------------------------------------------


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A small synthetic portal built with its charts and tables inline and deferred: (root, inline, deferred)."""
    base = tmp_path_factory.mktemp("synthetic")
    root = base / "portal"
    synth.generate(root, objectives=4, key_results=10, metrics=6, rows=40, languages=("en", "zh-TW"), seed=5)
    _build(root, SYNTH_AS_OF, base / "inline", inline=True)
    _build(root, SYNTH_AS_OF, root / "site")
    return root, _contents(base / "inline"), _contents(root / "site")


def test_a_synthetic_portal_is_the_same_in_both_languages(synthetic):
    root, inline, deferred_site = synthetic
    assert _differences(inline, deferred_site) == []
    assert any(rel.startswith("zh-TW/objectives/") for rel in deferred_site)
    _assert_deferred_and_filled(root, deferred_site)


def test_the_preview_keeps_its_charts_and_tables_inline(synthetic, tmp_path):
    """`okr-portal serve` shows the engine's output as it is: nothing would put them back."""
    root = synthetic[0]
    work = tmp_path / "serve"
    generate(root, SYNTH_AS_OF, work / "preview", work=work, reports=None)  # as the preview does: no defer_blocks
    pages = [page.read_text("utf-8") for page in work.rglob("*.md")]
    assert pages and not any(deferred.MARK in page for page in pages)
    assert sum(len(deferred.split(page)[1]) for page in pages) > 0  # what a build takes out is there
    assert not (work / deferred.STORE).exists()


def test_a_placeholder_without_its_block_stops_the_engine_step_in_one_line(synthetic):
    root = synthetic[0]
    docs = _docs_dirs(root)[0]
    kept = deferred.store_of(docs) / f"{objective_doc(CHANGED)}.json"
    before, stat = kept.read_bytes(), kept.stat()
    blocks = json.loads(before)
    blocks.pop(sorted(blocks)[0])  # as if someone had deleted a chart from the store
    kept.write_text(json.dumps(blocks), encoding="utf-8")
    try:
        with pytest.raises(EngineError) as failed:
            run_engines([root / WORK_DIR / "mkdocs.yml"], root=root)  # the real engine, on the real tree
    finally:
        kept.write_bytes(before)
        os.utime(kept, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    message = str(failed.value)
    assert "\n" not in message and "Traceback" not in message
    assert f"objectives/{CHANGED}/index.html" in message and "missing" in message
    assert _contents(root / "site") == synthetic[2]  # the published site untouched


def test_a_build_killed_while_it_puts_the_blocks_back_leaves_the_old_site_and_the_store_follows_edits(
        synthetic, tmp_path):
    root, _, published = synthetic
    stored = _store_files(root)
    objective = next((root / "okrs" / "objectives").rglob(f"{CHANGED}.yml"))
    text = objective.read_text("utf-8")
    target = re.search(r"target: \{date: ([0-9-]+), value: ([0-9.]+)\}", text)
    moved = text.replace(target.group(0), f"target: {{date: {target.group(1)}, value: {float(target.group(2)) * 1.5}}}", 1)
    objective.write_text(moved, encoding="utf-8")

    marker = tmp_path / "filling"
    log = tmp_path / "build.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "site_builder", "-C", str(root), "build", "--as-of",
                                    SYNTH_AS_OF.isoformat()], stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, PAUSE_ENV: str(marker)})
    try:
        deadline = time.monotonic() + 240
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists(), log.read_text("utf-8", "replace") or "no fill step"
        process.send_signal(signal.SIGKILL)  # in the middle of putting the blocks back
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert _contents(root / "site") == published  # the old site, whole

    _build(root, SYNTH_AS_OF, root / "site")  # the next build succeeds
    rebuilt = _contents(root / "site")
    changed = {rel for rel in stored.keys() | _store_files(root).keys()
               if stored.get(rel) != _store_files(root).get(rel)}
    ours = {f"{WORK_DIR}/{deferred.STORE}/{objective_doc(CHANGED)}.json",
            f"{WORK_DIR}/lang-zh-TW/{deferred.STORE}/{objective_doc(CHANGED)}.json"}
    assert ours <= changed  # the edited objective's blocks, in each language
    differing = _differences(published, rebuilt)
    pages_changed = {f"{WORK_DIR}/{'lang-zh-TW/' if rel.startswith('zh-TW/') else ''}{deferred.STORE}/"
                     f"{doc}.json" for rel in differing for doc in _docs_of(rel.removeprefix('zh-TW/'))}
    assert changed <= pages_changed, changed - pages_changed  # a page that did not change: not even rewritten
    _assert_deferred_and_filled(root, rebuilt)
    assert f"objectives/{CHANGED}/index.html" in differing

    _build(root, SYNTH_AS_OF, tmp_path / "inline", inline=True)  # the site is what it would be with all inline
    assert _differences(_contents(tmp_path / "inline"), rebuilt) == []


# --- which raw HTML blocks leave the engine's pages ---------------------------------------


def _page(*blocks: str) -> str:
    return "---\ntitle: T\n---\n# T {#top}\n\n" + "\n\n".join(blocks) + "\n"


LONG = "<span>" + "words " * 120 + "</span>"


def test_a_raw_html_block_leaves_whole_and_comes_back_byte_for_byte():
    nested = f'<div class="a"><p>{LONG}</p><pre>x</pre><svg><path d="M0"/></svg>\n\n<div>{LONG}</div></div>'
    page = _page(nested, "## Next {#next}", f"<p>{LONG}</p>")
    out, blocks = deferred.split(page)
    assert len(blocks) == 2 and "## Next {#next}" in out and "<span>" not in out
    assert _PLACEHOLDER.sub(lambda m: blocks[m.group(1)], out) == page


@pytest.mark.parametrize("block", [
    f"<div>{LONG}</div> and Markdown after it on its line",  # Markdown would read the rest of the line
    f"<div>{LONG}",  # never closed
    f"<span>{LONG}</span>",  # inline HTML: Markdown makes a paragraph of it
    f"<div>{LONG}<div></div>",  # closes the inner one only
])
def test_a_block_markdown_would_not_pass_through_as_it_is_stays(block):
    page = _page(block)
    assert deferred.split(page) == (page, {})


def test_a_block_that_does_not_open_after_a_blank_line_stays():
    page = "---\ntitle: T\n---\n# T {#top}\n" + f"- item\n<div>{LONG}</div>\n"
    assert deferred.split(page) == (page, {})

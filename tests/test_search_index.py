"""okr-portal's own search index finds what Material's search plugin's index found.

Every generated page is marked ``search: {exclude: true}``, so the plugin indexes
none of them, and okr-portal adds their entries to the plugin's index itself
(engine/search_index.py). Here the portal is built as usual, and the same docs
tree, without the marks, is built again by the engine, whose plugin then parses
every page as it did before: both indexes must find the same pages.

``found`` is a small Python equivalent of how the theme's search (lunr, in
Material's search worker) matches a one-word query: the index's own separator
splits each field into words, HTML tags separate words too, case is ignored, and
a word matches when it starts with the query (Material searches as you type).
Only one-word queries are asked, none of them a stop word, so lunr's rules for
combining words and its stop-word list do not come in.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from markdown import Markdown
from material.plugins.search.plugin import SearchIndex

from conftest import REPO
from site_builder.engine import search_index, search_sections
from site_builder.engine.chinese_search import ENV, cache_folders, segmenter, traditional_dictionary
from site_builder.engine.runner import ENGINE_ENV
from site_builder.render import deferred
from site_builder.render.templating import SEARCH_MARK, page
from test_site import AS_OF, copy_demo

sys.path.insert(0, str(REPO / "benchmarks"))
import synth  # noqa: E402

WORK = ".okr-portal"


def build(root: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "site_builder", "-C", str(root), "build", "--as-of", AS_OF],
                         capture_output=True, text=True, env={**os.environ, **ENGINE_ENV})
    assert run.returncode == 0, run.stderr


def materials_indexes(root: Path, out: Path) -> dict[str, dict]:
    """The index Material's plugin makes of each language's docs tree when it parses every
    page: the tree with its marks taken out, built again by the engine with the same config
    (the languages at once, as a build runs them)."""
    running = {}
    for lang in ("en", "zh-TW"):
        work = root / WORK if lang == "en" else root / WORK / f"lang-{lang}"
        docs, site = out / f"docs-{lang}", out / f"site-{lang}"
        for path in (work / "docs").rglob("*"):
            if path.is_file():
                copy = docs / path.relative_to(work / "docs")
                copy.parent.mkdir(parents=True, exist_ok=True)
                data = path.read_bytes()
                if path.suffix == ".md":  # as readers get it: the blocks kept out of the engine back in
                    rel = path.relative_to(work / "docs").as_posix()
                    data = deferred.restored(data.decode("utf-8"), work / "docs", rel).encode("utf-8")
                    data = data.replace(f"---\n{SEARCH_MARK}\n".encode(), b"---\n", 1)
                copy.write_bytes(data)
        config = json.loads((work / "mkdocs.yml").read_text("utf-8"))
        config.update(docs_dir=str(docs), site_dir=str(site))
        config_file = out / f"mkdocs-{lang}.yml"
        config_file.write_text(json.dumps(config), encoding="utf-8")
        env = {**os.environ, **ENGINE_ENV}
        if lang == "zh-TW":  # the words the build gives the engine for Traditional Chinese
            env[ENV] = str(traditional_dictionary(*cache_folders(root / WORK)))
        running[lang] = (site, subprocess.Popen(
            [sys.executable, "-m", "site_builder.engine.run_engine", "mkdocs", "build", "--config-file",
             str(config_file)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env))
    indexes = {}
    for lang, (site, process) in running.items():
        output = process.communicate()[0]
        assert process.returncode == 0, output
        indexes[lang] = json.loads((site / "search/search_index.json").read_text("utf-8"))
    return indexes


def ours(root: Path, lang: str) -> dict:
    site = root / "site" if lang == "en" else root / "site" / lang
    return json.loads((site / "search/search_index.json").read_text("utf-8"))


def found(index: dict, query: str) -> set[str]:
    """The pages (addresses without #anchor) the theme's search finds for a one-word query."""
    separator = re.compile(index["config"]["separator"])
    term = query.lower()
    pages = set()
    for doc in index["docs"]:
        fields = [doc.get("title", ""), doc.get("text", ""), *doc.get("tags", [])]
        words = separator.split(re.sub(r"<[^>]*>", " ", " ".join(fields)).lower())
        if any(word.startswith(term) for word in words):
            pages.add(doc["location"].partition("#")[0])
    return pages


def same_pages(built: tuple[Path, dict], lang: str, queries: list[str], nothing: tuple[str, ...] = ()) -> None:
    root, materials = built
    theirs, mine = materials[lang], ours(root, lang)
    assert mine["config"] == theirs["config"]
    assert not any(SEARCH_MARK.split(":")[0] in doc for doc in mine["docs"])
    for query in queries:
        expected = found(theirs, query)
        assert expected, f"{query!r} finds nothing: not a query that can tell the indexes apart"
        assert found(mine, query) == expected, query
    for query in nothing:  # in a chart or a data table: neither index has it
        assert found(theirs, query) == found(mine, query) == set(), query
    # Not only the same pages: the same entries (address, title, text), in any order.
    key = lambda doc: json.dumps(doc, sort_keys=True, ensure_ascii=False)  # noqa: E731
    assert sorted(map(key, mine["docs"])) == sorted(map(key, theirs["docs"]))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = copy_demo(tmp_path_factory.mktemp("demo"))
    build(root)
    return root, materials_indexes(root, tmp_path_factory.mktemp("material"))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    synth.generate(root, objectives=12, key_results=36, metrics=10, rows=30, languages=("en", "zh-TW"),
                   units=6, levels=3)
    build(root)
    return root, materials_indexes(root, tmp_path_factory.mktemp("material"))


def test_the_demo_finds_the_same_pages_in_english(demo):
    same_pages(demo, "en", ["wait", "veterans", "Northshore", "60", "Eastfield", "Nursing", "retrospective",
                            "telehealth"], nothing=("76.4%",))


def test_the_demo_finds_the_same_pages_in_chinese(demo):
    # 等候 ("waiting") and 候診 ("waiting to be seen") are words only with the Traditional
    # dictionary; 退伍軍人 ("veterans") is one word jieba keeps whole.
    same_pages(demo, "zh-TW", ["等候", "候診", "退伍軍人", "港谷", "醫院", "2026", "Eastfield"])


def test_a_synthetic_organization_finds_the_same_pages(synthetic):
    same_pages(synthetic, "en", ["exampleton", "manager", "water", "compliance", "2026"])
    same_pages(synthetic, "zh-TW", ["範例", "市政", "等候", "水質", "合格率", "基層", "2026"])


# --- one page, against the plugin itself ----------------------------------------------

TRICKY = """\
<p class="okr-breadcrumb"><a href="../">Metrics</a></p>

# {title} {{#top lang="en"}}

<dl><div><dt>Unit</dt><dd>%</dd></div><div><dt>Owner</dt><dd>Chief &amp; Nurse</dd></div></dl>
<figure class="okr-figure" data-search-exclude><svg viewBox="0 0 10 10"><title>Chart: hidden</title>
<text>76.4%</text><g><path d="M0 0"/></g></svg><div><div>nested</div></div></figure>
<div data-search-exclude><h2 id="inside">Held inside</h2><p>excluded words</p></div>
<h2 id="source">Source</h2><div class="okr-prose"><p>候診時間 from the
clinic's <em>own</em> system.</p><p></p><ul><li>one</li><li> </li></ul></div>
<script>var hidden = 1;</script>
<div class="okr-prose"><p>Words about data-search-exclude stay, <em>with</em> these.</p></div>

### A key result \\(2\\) {{#kr-a lang="en"}}

<pre><code>  kept   as is</code></pre>
"""


def materials_entries(text: str, location: str) -> list[dict]:
    """What the plugin itself indexes of a page: Python-Markdown's HTML, as the engine makes it."""
    meta, _, body = text[4:].partition("\n---\n")
    content = Markdown(extensions=["attr_list", "tables", "toc"]).convert(body)

    class Page:  # what the plugin reads of a page
        pass

    the_page = Page()
    the_page.meta, the_page.content, the_page.toc, the_page.url = {"title": json.loads(
        meta.split("title: ", 1)[1].splitlines()[0])}, content, [], location
    the_page.title = the_page.meta["title"]
    index = SearchIndex(lang=["en"], separator=r"[\s\-]+", pipeline=[], fields={})
    index.add_entry_from_context(the_page)
    return index.entries


def test_a_page_gives_the_entries_the_plugin_gives(tmp_path):
    text = page("link_list.md.j2", "A & B (x) #1 | y ~ z", items=[], intro="", pagination=None)
    assert text.startswith(f"---\n{SEARCH_MARK}\n")
    text = text.split("\n---\n", 1)[0] + "\n---\n\n" + TRICKY.format(title=text.split("# ", 1)[1].split(" {#")[0])
    mine = search_index.page_entries("metrics/wait.md", text, segmenter())
    theirs = materials_entries(text, "metrics/wait/")
    import material.plugins.search.plugin as plugin
    if plugin.jieba is not None:  # the plugin splits Chinese when jieba is there, as we do
        assert "\u200b" in json.dumps(theirs, ensure_ascii=False)
    assert mine == theirs
    assert [e["location"] for e in mine] == ["metrics/wait/", "metrics/wait/#top", "metrics/wait/#inside",
                                            "metrics/wait/#source", "metrics/wait/#kr-a"]
    assert "hidden" not in json.dumps(mine) and "76.4" not in json.dumps(mine)
    assert "Words about data-search-exclude stay" in json.dumps(mine)


def test_pages_not_generated_are_left_to_the_engine(tmp_path):
    docs = tmp_path / "docs"
    (docs / "about").mkdir(parents=True)
    (docs / "about" / "index.md").write_text("# About\n\nThe portal's own page.\n", encoding="utf-8")
    (docs / "index.md").write_text(page("link_list.md.j2", "Home", items=[], intro="Hello", pagination=None),
                                   encoding="utf-8")
    entries, locations = search_index.tree_entries(docs)
    assert locations == {""}
    assert [e["location"] for e in entries] == [""]  # the page opens with its title


# --- the engine's index, kept safe ----------------------------------------------------


def test_without_the_engines_index_nothing_is_written(tmp_path):
    """A portal whose mkdocs.yml has no search plugin has no search: none is made up."""
    assert not search_index.merge(tmp_path, [{"location": "", "title": "x", "text": ""}], {""})
    assert not (tmp_path / "search").exists()


def test_an_unreadable_index_is_left_as_it_is(tmp_path):
    path = tmp_path / "search" / "search_index.json"
    path.parent.mkdir()
    for broken in (b'{"config": {}, "docs": [', b'["a list"]', b'{"docs": 3}', b"\xff\xfe"):
        path.write_bytes(broken)
        assert not search_index.merge(tmp_path, [{"location": "", "title": "x", "text": ""}], {""})
        assert path.read_bytes() == broken


def test_the_engines_entries_of_generated_pages_are_replaced_and_its_others_kept(tmp_path):
    path = tmp_path / "search" / "search_index.json"
    path.parent.mkdir()
    config = {"lang": ["en"], "separator": "[\\s\\-]+", "pipeline": ["stopWordFilter"], "fields": {}}
    path.write_text(json.dumps({"config": config, "docs": [
        {"location": "metrics/wait/#source", "title": "stale", "text": ""},
        {"location": "about/", "title": "About", "text": "<p>kept</p>"}]}), encoding="utf-8")
    new = [{"location": "metrics/wait/", "title": "Wait", "text": ""}]
    assert search_index.merge(tmp_path, new, {"metrics/wait/"})
    index = json.loads(path.read_text("utf-8"))
    assert index["config"] == config
    assert index["docs"] == new + [{"location": "about/", "title": "About", "text": "<p>kept</p>"}]
    assert [p.name for p in path.parent.iterdir()] == ["search_index.json"]  # no temporary file left


# --- the live preview -----------------------------------------------------------------


def test_the_preview_finds_the_generated_pages(tmp_path):
    """``okr-portal serve`` builds with the engine's own server, with no step of okr-portal's
    after it: its hook adds the entries there, and again after a change."""
    from fixtures import ONE_LANGUAGE_PORTAL_YML, SHORTER_WAITS, WAIT_CSV
    from test_site import _free_port, _get, _wait_for

    root = tmp_path / "portal"
    for rel, text in {"okrs/portal.yml": ONE_LANGUAGE_PORTAL_YML, "okrs/objectives/a.yml": SHORTER_WAITS,
                      "okrs/metrics/wait.csv": WAIT_CSV}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/search/search_index.json"
    with open(tmp_path / "serve.log", "w") as err:
        server = subprocess.Popen([sys.executable, "-m", "site_builder", "-C", str(root), "serve", "--as-of", AS_OF,
                                   "--dev-addr", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=err)
    try:
        index = _wait_for(lambda: _get(url), 60)
        assert index, (tmp_path / "serve.log").read_text()
        assert found(json.loads(index), "shorter") >= {"", "objectives/a/"}
        objective = root / "okrs/objectives/a.yml"
        objective.write_text(objective.read_text("utf-8").replace("Shorter waits", "Quicker appointments"), "utf-8")
        assert _wait_for(lambda: "objectives/a/" in found(json.loads(_get(url) or '{"docs": []}'), "quicker"), 60)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


def test_an_index_that_cannot_be_written_stops_the_build_in_one_line(tmp_path):
    docs, site = tmp_path / "docs", tmp_path / "site"
    docs.mkdir()
    (docs / "index.md").write_text(page("link_list.md.j2", "Home", items=[], intro="", pagination=None), "utf-8")
    index = site / "search" / "search_index.json"
    index.parent.mkdir(parents=True)
    index.write_text('{"config": {}, "docs": []}', encoding="utf-8")
    (index.parent / f".search_index.json.{os.getpid()}.tmp").mkdir()  # where the new index would be written
    config = tmp_path / "mkdocs.yml"
    config.write_text(json.dumps({"docs_dir": str(docs), "site_dir": str(site)}), encoding="utf-8")

    class Stopped(Exception):
        pass

    with pytest.raises(Stopped) as stopped:
        search_index.start([config], [{}]).merge(Stopped)
    assert str(stopped.value) == f"could not write the search index in {site}: Is a directory"
    assert index.read_text("utf-8") == '{"config": {}, "docs": []}'


def _sections_key(found):
    return [(s.id, s.title, s.text, s.el.tag, s.el.attrs) for s in found]


READER_CASES = [
    '<h2 id="a">A &amp; B &lt;c&gt; &#233;</h2><p>x < y and 3<4, &nbsp;&copy;</p>',
    '<DIV CLASS="x" data-search-exclude><P>hidden</P></DIV><p>shown <br/> <br> after</p>',
    '<script type="a">if (a<b) { "</p>" }</script><style>p>a{}</style><p>kept</p>',
    "<!-- a <p>comment</p> --><!doctype html><p title='q\"uote' hidden>bare</p>",
    '<svg><path d="M0 0"/><text>map words</text></svg><h3 id="b">B<a class="headerlink" href="#b">¶</a></h3>',
    '<pre>  two\n  lines </pre><ul><li>one</li><li> </li></ul><code>c</code>',
]


@pytest.mark.parametrize("html", READER_CASES)
def test_the_fast_reader_cuts_sections_as_pythons_html_parser_does(html):
    assert _sections_key(search_sections.sections(html)) == _sections_key(search_sections.sections_by_html_parser(html))


def test_every_generated_page_is_read_as_pythons_html_parser_reads_it(demo, synthetic):
    """search_sections reads pages with one regular expression: on every page of the demo and a
    synthetic organization, both languages, whole and with the excluded blocks cut, it finds
    the sections Python's HTML parser finds through the same rules."""
    read = 0
    for root, _ in (demo, synthetic):
        for docs in (root / WORK / "docs", root / WORK / "lang-zh-TW" / "docs"):
            for path in sorted(docs.rglob("*.md")):
                rel = path.relative_to(docs).as_posix()
                _, body = search_index._front_matter(deferred.restored(path.read_text("utf-8"), docs, rel))
                for html in (search_index._headings(body), search_index._headings(search_index._without_excluded(body))):
                    assert _sections_key(search_sections.sections(html)) == \
                        _sections_key(search_sections.sections_by_html_parser(html)), rel
                    read += 1
    assert read > 200

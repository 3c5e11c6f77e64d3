"""The site's search index, written by okr-portal rather than by the engine's search plugin.

Material's search plugin parses every page's HTML to index it: on a portal, whose
pages are mostly raw HTML and SVG charts the index leaves out anyway, that was about
40% of the engine's time. The render stage marks every page it writes
``search: {exclude: true}`` (templating), so the plugin indexes none of them but
still writes search/search_index.json with the settings the theme's search reads
(language, word separator, pipeline, fields) and the entries of any page the portal
did not generate. Here, while the engines run, the entries of the generated pages
are made from the docs tree (``tree_entries``), in the format the plugin writes them,
and then added to each language's index (``merge``), before the new site replaces
the old one. No engine plugin is involved: the same tree builds with any engine that
reads mkdocs.yml.

What makes it fast: the blocks marked ``data-search-exclude`` (charts, tables: most
of a page's bytes) are cut out as text, before anything is parsed; headings are
read from the Markdown lines that make them. The rest follows Material's own rules
(search_sections), and Chinese is split into words as the plugin splits it
(chinese_search), so the index finds what the plugin's found.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

from site_builder.engine.chinese_search import ENV as JIEBA_DICT_ENV, segmenter
from site_builder.engine.search_sections import sections
from site_builder.render import deferred
from site_builder.render.templating import SEARCH_MARK as MARK
from site_builder.render.urls import page_url  # a docs file's address, as the engine makes it

INDEX = Path("search") / "search_index.json"  # in the site, where Material's plugin writes it
MARKED = f"---\n{MARK}\n"  # how a generated page starts (render.templating)

# Python-Markdown's backslash escapes (its own, and the tables extension's |).
_MD_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()>#+\-.!|])")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*\{:?[ \t]*#([^\s}]+)[^}]*\}[ \t]*$", re.M)
_EXCLUDED = "data-search-exclude"
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*?(/?)>")
_HEADING_TAG = re.compile(r"<h[1-6][\s>]", re.I)


def _front_matter(text: str) -> tuple[dict, str]:
    """(its title, the body) of a generated page. okr-portal writes its
    front matter one key a line, each value JSON (render.templating), so no YAML is read."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 3)
    if end < 0:
        return {}, text
    meta = {}
    for line in text[4:end].splitlines():
        key, sep, value = line.partition(": ")
        if key == "title" and sep:
            try:
                meta["title"] = json.loads(value)
            except ValueError:
                pass
    return meta, text[end + 5:]


def _without_excluded(body: str) -> str:
    """The body without the elements marked data-search-exclude (and what they hold),
    found by counting their tag's openings and closings. One that holds a heading stays
    for the parser: Material starts a section there even so."""
    out, start = [], 0
    while True:
        at = body.find(_EXCLUDED, start)
        if at < 0:
            break
        opening = body.rfind("<", start, at)
        tag = _TAG.match(body, opening) if opening >= 0 else None
        inside = tag is not None and not tag.group(1) and tag.end() > at  # an attribute, not words
        end = _closing(body, opening, tag.group(2).lower()) if inside else None
        if end is None or _HEADING_TAG.search(body, opening, end):
            out.append(body[start:at + len(_EXCLUDED)])
            start = at + len(_EXCLUDED)
            continue
        out.append(body[start:opening])
        start = end
    out.append(body[start:])
    return "".join(out)


def _closing(body: str, opening: int, name: str) -> int | None:
    """Where the element opened at ``opening`` ends (after its closing tag), or None."""
    depth = 0
    for tag in _TAG.finditer(body, opening):
        if tag.group(2).lower() != name:
            continue
        if tag.group(1):
            depth -= 1
        elif not tag.group(3):
            depth += 1
        if depth == 0:
            return tag.end()
    return None


def _headings(body: str) -> str:
    """Markdown headings as the HTML the engine makes of them (their {#anchor} as id)."""
    def html(match: re.Match) -> str:
        level, text, anchor = len(match.group(1)), _MD_ESCAPED.sub(r"\1", match.group(2)), match.group(3)
        return f'<h{level} id="{anchor}">{text}</h{level}>'
    return _HEADING.sub(html, body)


def page_entries(rel: str, text: str, segment=None) -> list[dict]:
    """The search entries of one generated page, as Material's plugin makes them:
    one per section, with its address (the page's, and #anchor after the first), its
    title and its text; ``segment`` splits Chinese into words (chinese_search.segmenter)."""
    meta, body = _front_matter(text)
    location = page_url(rel)
    entries = []
    # The engine's HTML starts at the first block: a page that opens with its title has no
    # section before it.
    for section in sections(_headings(_without_excluded(body)).lstrip()):
        title = "".join(section.title).strip() if section.title else str(meta.get("title", "")).strip()
        body_text = "".join(section.text).strip()
        if segment is not None:
            title, body_text = segment(title), segment(body_text)
        entries.append({"location": location + (f"#{section.id}" if section.id else ""),
                        "title": title, "text": body_text})
    return entries


def tree_entries(docs_dir: Path, segment=None) -> tuple[list[dict], set[str]]:
    """The entries of every page okr-portal generated (marked) in a docs tree, in the
    engine's order of pages, and the addresses of those pages."""
    entries, locations = [], set()
    docs_dir = Path(docs_dir)
    pages = sorted((p for p in docs_dir.rglob("*.md")), key=lambda p: page_order(p.relative_to(docs_dir).as_posix()))
    for path in pages:
        rel = path.relative_to(docs_dir).as_posix()
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if not text.startswith(MARKED):
            continue  # not marked: the engine's plugin indexes it itself
        locations.add(page_url(rel))
        entries += page_entries(rel, deferred.restored(text, docs_dir, rel), segment)
    return entries, locations


def page_order(rel: str) -> tuple:
    """MkDocs's order of files (a docs path): by folder, a folder's index first."""
    *folders, name = rel.split("/")
    return (*[(1, part) for part in folders], (0, name != "index.md", name))


def language_entries(config_file: Path, jieba_dictionary: str | None) -> tuple[Path, list[dict], set[str]]:
    """For one language's engine config (runner.engine_config): where its site is built,
    the entries of its generated pages and their addresses."""
    config = json.loads(Path(config_file).read_text("utf-8"))
    entries, locations = tree_entries(Path(config["docs_dir"]), segmenter(jieba_dictionary))
    return Path(config["site_dir"]), entries, locations


def merge(site_dir: Path, entries: list[dict], locations: set[str]) -> bool:
    """Add the generated pages' entries to the index the engine wrote in ``site_dir``,
    in place of any the engine made of those pages itself. No index there (the portal's
    mkdocs.yml has no search plugin): nothing is written, the site has no search.
    Returns whether an index was written."""
    path = Path(site_dir) / INDEX
    try:
        index = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(index, dict) or not isinstance(index.get("docs"), list):
        return False
    kept = [doc for doc in index["docs"]
            if not (isinstance(doc, dict) and str(doc.get("location", "")).partition("#")[0] in locations)]
    index["docs"] = entries + kept
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(index, separators=(",", ":"), default=str), encoding="utf-8")
    tmp.replace(path)
    return True


class Indexing:
    """The generated pages' entries of each language, made in a thread while the engines
    run (``start``); ``merge()`` waits for them and adds them to each language's index."""

    def __init__(self, config_files: list[Path], dictionaries: list[str | None]):
        self._made: list[tuple[Path, list[dict], set[str]]] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._make, args=(config_files, dictionaries), daemon=True)

    def _make(self, config_files, dictionaries) -> None:
        try:
            self._made = [language_entries(c, d) for c, d in zip(config_files, dictionaries)]
        except BaseException as exc:  # raised again in merge(), in the build's own thread
            self._error = exc

    def merge(self, failure=RuntimeError) -> None:
        """``failure``: the exception raised, with one line, when an index cannot be written."""
        self._thread.join()
        if isinstance(self._error, OSError):
            raise failure(f"could not read the generated pages for the search index: {self._error.strerror}")
        if self._error is not None:
            raise self._error
        for site_dir, entries, locations in self._made:
            try:
                merge(site_dir, entries, locations)
            except OSError as exc:  # a full disk: the old site stays as it was
                raise failure(f"could not write the search index in {site_dir}: {exc.strerror}") from None


def start(config_files: list[Path], envs: list[dict]) -> Indexing:
    """Begin indexing the generated pages of each language's config (runner.run_engines),
    each with the Chinese dictionary its engine process was given (``envs``)."""
    indexing = Indexing(list(config_files), [env.get(JIEBA_DICT_ENV) for env in envs])
    indexing._thread.start()
    return indexing

"""The live preview's search index, as a MkDocs hook: engine/search_preview's, with a memory.

search_preview indexes every generated page after every rebuild of ``mkdocs serve``: on a
1,000-objective portal that is about 8 s of CPU after each save, for one changed page.
Here the entries of each page are kept with its file's (mtime, size) for as long as the
engine's process lives (MkDocs loads a hook module once), so a rebuild reads again only
the pages the generator rewrote; the index written is the one search_preview writes (the
same entries, in the same order: a test compares them). serve (commands/serve.py) names
this hook in the preview's config in place of search_preview's. Listed in speed.py.
"""

from __future__ import annotations

import os
from pathlib import Path

from site_builder.engine.chinese_search import ENV, segmenter
from site_builder.engine.search_index import merge, page_entries
from site_builder.render.templating import SEARCH_MARK
from site_builder.render.urls import page_url

_MARKED = f"---\n{SEARCH_MARK}\n"  # how a generated page starts; the plugin indexes the others
_serving = False
# docs path -> ((mtime_ns, size), its entries, or None for a page the plugin indexes itself)
_pages: dict[str, tuple[tuple[int, int], list[dict] | None]] = {}
_segment: list = []  # the Chinese word splitter, made once


def on_startup(command: str, dirty: bool) -> None:
    global _serving
    _serving = command == "serve"


def on_post_build(config) -> None:
    if _serving:
        entries, locations = entries_of(Path(config["docs_dir"]))
        merge(Path(config["site_dir"]), entries, locations)


def entries_of(docs_dir: Path) -> tuple[list[dict], set[str]]:
    """search_index.tree_entries, reading only the pages that changed since the last call."""
    if not _segment:
        _segment.append(segmenter(os.environ.get(ENV)))
    base = os.fspath(docs_dir)
    seen = {}
    for folder, _, names in os.walk(base):
        for name in names:
            if not name.endswith(".md"):
                continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, base).replace(os.sep, "/")
            try:
                stat = os.stat(path)
            except OSError:
                continue
            key = (stat.st_mtime_ns, stat.st_size)
            known = _pages.get(rel)
            seen[rel] = known if known is not None and known[0] == key else (key, _read(rel, path))
    _pages.clear()
    _pages.update(seen)
    entries, locations = [], set()
    for rel in sorted(seen, key=engine_order):
        if seen[rel][1] is not None:
            locations.add(page_url(rel))
            entries += seen[rel][1]
    return entries, locations


def _read(rel: str, path: str) -> list[dict] | None:
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError):
        return None
    return page_entries(rel, text, _segment[0]) if text.startswith(_MARKED) else None


def engine_order(rel: str) -> tuple:
    """MkDocs's order of files (search_index's): by folder, a folder's index first."""
    parts = rel.split("/")
    return (*[(1, part) for part in parts[:-1]], (0, parts[-1] != "index.md", parts[-1]))

"""The search index of the live preview (``okr-portal serve``), as a MkDocs hook.

A build adds the generated pages' search entries to the engine's index itself, after
the engine ran (runner.run_engines, search_index). The preview's engine builds again
on every change, into a folder of its own, with no step of okr-portal's after it: this
hook does the same there, after the search plugin wrote its index. MkDocs and
ProperDocs run it (mkdocs.yml ``hooks``, runner.engine_config); it does nothing in a
build, where the runner does it without holding the engine up.

It remembers each page's entries with its file's (mtime, size) for as long as the
engine's process lives (MkDocs loads a hook module once): a rebuild reads again only
the pages the generator rewrote (at 1,000 objectives, reading every page again cost
about 8 s of CPU after each save), and the index is the one search_index.tree_entries
gives (a test compares them). Listed in speed.py.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from site_builder.engine.chinese_search import ENV, segmenter
from site_builder.engine.search_index import MARKED, merge, page_entries, page_order
from site_builder.render.urls import page_url

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
    for rel in sorted(seen, key=page_order):
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
    return page_entries(rel, text, _segment[0]) if text.startswith(MARKED) else None


def hook_config(base_config: Path) -> dict:
    """What the engine's config adds for this hook: ``hooks``, unless the portal's own
    mkdocs.yml has hooks of its own, which a list of ours would replace (MkDocs does not
    merge lists across INHERIT); the preview's search then finds only the portal's own pages."""
    try:
        text = Path(base_config).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    if re.search(r"^hooks\s*:", text, re.M):
        return {}
    return {"hooks": [str(Path(__file__).resolve())]}

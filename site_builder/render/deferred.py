"""Charts and data tables kept out of what the site engine parses: a performance device
(DESIGN.md §7).

Python-Markdown reads every raw HTML block of a page tag by tag (and MkDocs reads it
again for its anchors), and most of a generated page's tags are in its charts' SVG
and its data tables. So, when a build asks for it (``configure``), each of those
blocks of a Markdown page is written to a store beside the docs tree, not in it (the
engine must not copy it into the site), and the page gets a placeholder in its place:
an HTML comment, which the engine passes through as it is, inside the raw HTML block
it was in. After the engine, and before the new site replaces the old one,
engine.fill puts each block back, byte for byte.

What is taken out: the SVG elements of class ``okr-chart`` (key-result and metric
charts, small multiples) and the data tables (``okr-table-wrap``), each inside or
itself a block marked data-search-exclude, so the search index (read from the docs
tree, see engine.search_index) is the same with placeholders. Maps stay inline: their
figure is not excluded from search, and their regions' names and values are words a
reader searches. Icons and progress bars stay too: a placeholder would save little.

The store has one file per page (``<store>/<page>.json``: placeholder key -> block),
written, as the pages are, only when its content changed, and before its page, so a
page never names a block its store lacks; a key is the block's own hash, so a page
can never be given another version of it. The preview serves the engine's output as
it is, so it does not ask for this (its pages keep everything inline).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Iterable

STORE = "deferred-html"  # beside each language's docs folder
MARK = "<!--okr-deferred:"  # a placeholder is MARK + key + "-->"
KEY_LENGTH = 20  # hex digits of the block's hash
# What is deferred: how each kind of block opens -> (its tag, what its opening tag holds).
_KINDS = {
    '<svg xmlns="http://www.w3.org/2000/svg" ': ("svg", 'class="okr-chart '),  # render.charts
    '<div class="okr-table-wrap" ': ("div", "data-search-exclude"),  # render.views: a data table
}
_MIN_CHARS = 512  # below this, a block stays in its page: the placeholder would save little

_stores: dict[str, str] = {}  # docs folder -> its store, for the trees this build defers


def store_of(docs_dir: Path | str) -> Path:
    """Where the deferred blocks of a docs tree are kept: beside it, never inside it."""
    return Path(docs_dir).resolve().parent / STORE


def placeholder(key: str) -> str:
    return f"{MARK}{key}-->"


def configure(docs_dirs: Iterable[Path | str]) -> None:
    """The docs folders whose pages are written with their charts and tables taken out from
    now on (none: every page keeps them). Set before the workers that write pages fork."""
    _stores.clear()
    _stores.update({os.path.abspath(folder): os.fspath(store_of(folder)) for folder in docs_dirs})


def take_out(files: dict[str, str | bytes], docs_dir: Path | str) -> dict[str, str | bytes]:
    """``files`` as they are to be written into ``docs_dir``: its Markdown pages with their
    charts and tables replaced by placeholders when that folder defers them, each page's
    blocks written to its store file (only when they changed; a page without any has none)."""
    store = _stores.get(os.path.abspath(docs_dir))
    if store is None:
        return files
    out = {}
    for rel, content in files.items():
        if isinstance(content, str) and rel.endswith(".md"):
            content, blocks = split(content)
            _keep(store, rel, blocks)
        out[rel] = content
    return out


def split(page: str) -> tuple[str, dict[str, str]]:
    """The page with each block it defers replaced by its placeholder, and the blocks by key."""
    blocks: dict[str, str] = {}
    parts, start = [], 0
    found = {opener: page.find(opener) for opener in _KINDS}
    while True:
        opener = min((o for o, at in found.items() if at >= 0), key=found.get, default=None)
        if opener is None:
            break
        at = found[opener]
        found[opener] = page.find(opener, at + 1)
        tag, mark = _KINDS[opener]
        end = _end_of(page, at, tag)
        if at < start or end is None:  # inside a block already taken out (it went with it), or unclosed
            continue
        block = page[at:end]
        if mark in page[at:page.find(">", at)] and len(block) >= _MIN_CHARS:
            key = hashlib.blake2b(block.encode("utf-8"), digest_size=KEY_LENGTH // 2).hexdigest()
            blocks[key] = block
            parts += [page[start:at], placeholder(key)]
            start = end
    if not blocks:
        return page, {}
    parts.append(page[start:])
    return "".join(parts), blocks


def _end_of(page: str, at: int, tag: str) -> int | None:
    """Where the element opened at ``at`` ends (after its closing tag), counting the
    elements of the same name inside it; None when it does not end."""
    opening, closing = f"<{tag}", f"</{tag}>"
    depth, position = 1, at + len(opening)
    while depth:
        close = page.find(closing, position)
        if close < 0:
            return None
        depth += page.count(opening, position, close) - 1
        position = close + len(closing)
    return position


def _keep(store: str, rel: str, blocks: dict[str, str]) -> None:
    path = os.path.join(store, rel + ".json")
    if not blocks:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        return
    data = json.dumps(blocks, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    try:
        with open(path, "rb") as old:
            if old.read() == data:
                return
    except OSError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "wb") as tmp:  # replaced whole: a build stopped here leaves the old one
        tmp.write(data)
    os.replace(path + ".tmp", path)


def active_store(docs_dir: Path | str) -> str | None:
    """The store of a docs tree this build defers, where it exists (write.sweep tidies it)."""
    store = _stores.get(os.path.abspath(docs_dir))
    return store if store is not None and os.path.isdir(store) else None


def store_files(wanted) -> set[str]:
    """The store files of the docs tree's paths ``wanted``."""
    return {rel + ".json" for rel in wanted}


def blocks_in(store: Path | str) -> dict[str, bytes]:
    """Every block of a store, by key, as the bytes to put in the built pages."""
    out: dict[str, bytes] = {}
    for folder, _, names in os.walk(store):
        for name in names:
            if name.endswith(".json"):
                with open(os.path.join(folder, name), encoding="utf-8") as file:
                    out.update({key: svg.encode("utf-8") for key, svg in json.load(file).items()})
    return out


INLINE_ENV = "OKR_PORTAL_KEEP_INLINE"  # "1": builds keep charts and tables in the pages (to compare, to measure)


def in_builds() -> bool:
    """Whether a build defers its charts and tables: yes, unless INLINE_ENV says otherwise."""
    return os.environ.get(INLINE_ENV) != "1"

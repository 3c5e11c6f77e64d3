"""Raw HTML kept out of what the site engine parses: a performance device (DESIGN.md §7).

Python-Markdown reads every raw HTML block of a page tag by tag (and MkDocs reads it
again for its anchors), and nearly all of a generated page is raw HTML between its
Markdown headings, most of its tags in charts' SVG and data tables. So, when a build asks
for it (``configure``), those blocks of a Markdown page are written to a store beside the
docs tree, not in it (the engine must not copy it into the site), and the page gets a
placeholder in their place: an HTML comment, which the engine passes through as it is.
After the engine, and before the new site replaces the old one, engine.fill puts each
block back, byte for byte. The engine still reads the page's front matter and its
Markdown headings (its title, table of contents and anchors).

What is taken out (``split``): the SVG elements of class ``okr-chart`` and the data
tables (``okr-table-wrap``), wherever they are; then every raw HTML block of the page's
own (a block-level element opening a line after a blank line and closing at a line's
end: what Python-Markdown passes through untouched), with the charts and tables it held.
A block shorter than 512 characters stays: its placeholder would save little. The search
index (engine.search_index) reads each page with its blocks back in (``restored``).

The store has one file per page (``<store>/<page>.json``: placeholder key -> block),
written, as the pages are, only when its content changed, and before its page, so a
page never names a block its store lacks; a key is the block's own hash, so a page
can never be given another version of it. The preview serves the engine's output as
it is, so it does not ask for this (its pages keep everything inline).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
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
    """The page with each block it defers replaced by its placeholder, and the blocks by key:
    first every raw HTML block of its own (a block-level element that opens a line after
    a blank one and closes at a line's end, which Python-Markdown passes through as it
    is), each stored whole with the charts and tables it holds, then the charts and
    tables left in the rest of the page (wherever they are)."""
    page, blocks = _split_top(page)
    page, inner = _split_kinds(page)
    return page, {**blocks, **inner}


# Block-level elements Python-Markdown keeps as raw HTML when one opens a line after a blank line.
_TOP = re.compile(r"(?<=\n\n)<(div|p|dl|ul|ol|figure|details|h[1-6]|table|section|nav|aside|blockquote)(?=[\s>])")
_PLACEHOLDER = re.compile(re.escape(MARK) + r"([0-9a-f]{%d})-->" % KEY_LENGTH)


def _split_top(page: str) -> tuple[str, dict[str, str]]:
    def spans():
        for match in _TOP.finditer(page):
            end = _end_of(page, match.start(), match.group(1))
            if end is not None and page[end:end + 1] in ("\n", ""):  # else text after it: Markdown reads that
                yield match.start(), end
    return _cut(page, spans())


def _split_kinds(page: str) -> tuple[str, dict[str, str]]:
    def spans():
        found = {opener: page.find(opener) for opener in _KINDS}
        while True:
            opener = min((o for o, at in found.items() if at >= 0), key=found.get, default=None)
            if opener is None:
                return
            at = found[opener]
            found[opener] = page.find(opener, at + 1)
            tag, mark = _KINDS[opener]
            end = _end_of(page, at, tag)
            if end is not None and mark in page[at:page.find(">", at)]:
                yield at, end
    return _cut(page, spans())


def _cut(page: str, spans) -> tuple[str, dict[str, str]]:
    """The page with each span (start, end; in order) long enough replaced by a placeholder,
    but those inside a span already cut (they went with it); the blocks by key."""
    blocks: dict[str, str] = {}
    parts, start = [], 0
    for at, end in spans:
        if at < start or end - at < _MIN_CHARS:
            continue
        block = page[at:end]
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
    opening, closing = _opening(tag), f"</{tag}>"
    depth, position = 1, at + len(tag) + 1
    while depth:
        close = page.find(closing, position)
        if close < 0:
            return None
        depth += len(opening.findall(page, position, close)) - 1
        position = close + len(closing)
    return position


@functools.lru_cache(maxsize=None)
def _opening(tag: str) -> re.Pattern:
    return re.compile(rf"<{tag}(?=[\s>/])")  # <p, not <path or <pre


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


def restored(page: str, docs_dir: Path | str, rel: str) -> str:
    """A docs page with its blocks back in (the search index reads the page as readers get it);
    a block missing from its store stays a placeholder (engine.fill stops that build)."""
    if MARK not in page:
        return page
    try:
        with open(os.path.join(store_of(docs_dir), rel + ".json"), encoding="utf-8") as file:
            blocks = json.load(file)
    except (OSError, ValueError):
        return page
    return _PLACEHOLDER.sub(lambda match: blocks.get(match.group(1), match.group(0)), page)


INLINE_ENV = "OKR_PORTAL_KEEP_INLINE"  # "1": builds keep charts and tables in the pages (to compare, to measure)


def in_builds() -> bool:
    """Whether a build defers its charts and tables: yes, unless INLINE_ENV says otherwise."""
    return os.environ.get(INLINE_ENV) != "1"

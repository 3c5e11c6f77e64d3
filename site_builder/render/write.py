"""Writing the docs tree: only the files whose content changed (DESIGN.md §7), so a
preview server rebuilds only when something did, and removing what is no longer made.

Only the Markdown pages go into the docs folder the engine reads; every other file the
generator makes (embed pages, chart images, cards, badges, CSV and JSON downloads, the
feed, the PDF reports: about fourteen of every fifteen files of a large portal) goes to
its static tree beside it (``static_of``), which the engine never walks: it would only
copy them, and a preview's engine walks and stats its whole docs tree on every rebuild.
engine.static_files puts them into the built site (a build) or the served one (serve).
A performance device: the files and their paths in the site are the same.
"""

from __future__ import annotations

import os
from pathlib import Path

from site_builder.render import deferred

STATIC = "static-files"  # beside each language's docs folder


def static_of(docs_dir: Path | str) -> Path:
    """Where a docs tree's other files than pages are kept: beside it, never inside it."""
    return Path(os.path.abspath(docs_dir)).parent / STATIC


def is_page(rel: str) -> bool:
    return rel.endswith(".md")


def location(docs_dir: Path | str, rel: str) -> str:
    """Where the generated file ``rel`` is written: the docs folder for a page, else its static tree."""
    return os.path.join(os.fspath(docs_dir) if is_page(rel) else os.fspath(static_of(docs_dir)), rel)


def files_in(top: Path | str) -> list[str]:
    """The paths (relative, with /) of the files under ``top``, but a write's temporary ones."""
    base = os.fspath(top)
    out = []
    for folder, _, names in os.walk(base):
        prefix = os.path.relpath(folder, base).replace(os.sep, "/")
        out += [name if prefix == "." else f"{prefix}/{name}" for name in names if not name.endswith(".tmp")]
    return out


def write_files(files: dict[str, str | bytes], docs_dir: Path) -> list[str]:
    """Write the files whose content changed (or that are new). A changed file is replaced
    through a temporary file, so a preview server never reads half of it; a new one is
    written in place (a build stopped half-way leaves it different, so the next writes it).
    Returns the paths written."""
    files = deferred.take_out(files, docs_dir)  # a build's charts and tables, out of the engine's way
    folders: set[str] = set()  # made or found: a new tree needs each made once, not tried per file
    changed = []
    for rel, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        path = location(docs_dir, rel)
        folder = os.path.dirname(path)
        new = True
        if folder in folders or os.path.isdir(folder):
            try:
                with open(path, "rb") as old:
                    new = False
                    if old.read() == data:
                        folders.add(folder)
                        continue
            except OSError:
                pass
        else:
            os.makedirs(folder, exist_ok=True)
        folders.add(folder)
        if new:
            with open(path, "wb") as out:
                out.write(data)
        else:
            with open(path + ".tmp", "wb") as tmp:
                tmp.write(data)
            os.replace(path + ".tmp", path)
        changed.append(rel)
    return changed


def sweep(docs_dir: Path, wanted) -> list[str]:
    """Remove the files not ``wanted`` (paths relative to docs_dir), then the folders left
    empty, in the docs folder and the static tree, and the same in the tree's store of
    deferred blocks. Returns the paths removed, last first (a file of the static tree as
    any other: its path in the site)."""
    wanted = set(wanted)
    store = deferred.active_store(docs_dir)
    if store is not None:
        _remove_unwanted(store, deferred.store_files(wanted))
    removed = _remove_unwanted(docs_dir, {rel for rel in wanted if is_page(rel)})  # an older tree's files too
    static = static_of(docs_dir)
    if static.is_dir():
        removed += _remove_unwanted(static, {rel for rel in wanted if not is_page(rel)})
    return sorted(set(removed), reverse=True)


def _remove_unwanted(top: Path | str, wanted) -> list[str]:
    base = os.fspath(top)
    wanted = set(wanted)
    removed = []
    for folder, _, names in os.walk(base, topdown=False):
        prefix = os.path.relpath(folder, base).replace(os.sep, "/") + "/"
        prefix = "" if prefix == "./" else prefix
        for name in names:
            if prefix + name not in wanted:
                os.unlink(os.path.join(folder, name))
                removed.append(prefix + name)
        if folder != base and not os.listdir(folder):
            os.rmdir(folder)
    return sorted(removed, reverse=True)

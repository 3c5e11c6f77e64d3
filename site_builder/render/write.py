"""Writing the docs tree: only the files whose content changed (DESIGN.md §7), so a
preview server rebuilds only when something did, and removing what is no longer made."""

from __future__ import annotations

import os
from pathlib import Path

from site_builder.render import deferred


def write_files(files: dict[str, str | bytes], docs_dir: Path) -> list[str]:
    """Write the files whose content changed (or that are new). A changed file is replaced
    through a temporary file, so a preview server never reads half of it; a new one is
    written in place (a build stopped half-way leaves it different, so the next writes it).
    Returns the paths written."""
    files = deferred.take_out(files, docs_dir)  # a build's charts and tables, out of the engine's way
    base = os.fspath(docs_dir)
    folders: set[str] = set()  # made or found: a new tree needs each made once, not tried per file
    changed = []
    for rel, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        path = os.path.join(base, rel)
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
    empty, and the same in the tree's store of deferred blocks. Returns the paths removed
    from the docs tree, last first."""
    store = deferred.active_store(docs_dir)
    if store is not None:
        _remove_unwanted(store, deferred.store_files(wanted))
    return _remove_unwanted(docs_dir, wanted)


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

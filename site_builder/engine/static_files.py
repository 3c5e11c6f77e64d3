"""The generator's files other than pages, put into the site the engine built or serves
(render.write keeps them out of the docs tree the engine reads).

Each file is hard-linked when the site is on the same file system as the static tree
(fifteen thousand links take a fraction of a second; copies of 80 MB would not), else
copied. A link is safe because nothing writes a generated file in place: render.write
replaces a changed file by a new one (its site keeps the old), and engine.fill, which
does rewrite built pages in place, runs before this step, on the engine's pages only.
In a build this runs in each language's staging folder, before the new site replaces
the old one (runner.replace_site), so a build stopped here leaves the old site as it was.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Iterable

from site_builder.render.write import files_in


def place_all(static: Path | str, site_dir: Path | str) -> int:
    """Every file of the static tree into the site, at the same path. Returns how many."""
    return place(static, site_dir, files_in(static))


def place(static: Path | str, site_dir: Path | str, rels: Iterable[str]) -> int:
    """The files ``rels`` of the static tree into the site, each replacing what was there
    (a preview's site is served meanwhile: a reader gets the old file or the new one)."""
    static, site = os.fspath(static), os.fspath(site_dir)
    link = True
    placed = 0
    folders: set[str] = set()
    for rel in rels:
        source, target = os.path.join(static, rel), os.path.join(site, rel)
        folder = os.path.dirname(target)
        if folder not in folders:
            os.makedirs(folder, exist_ok=True)
            folders.add(folder)
        if link and _same(source, target):  # linked already (rename would leave the new link beside it)
            placed += 1
            continue
        fresh = target + ".tmp"
        try:
            os.unlink(fresh)
        except FileNotFoundError:
            pass
        try:
            if link:
                try:
                    os.link(source, fresh)
                except OSError as exc:
                    if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                        raise
                    link = False  # another file system, or one without links: copies from now on
            if not link:
                shutil.copyfile(source, fresh)
        except FileNotFoundError:  # removed since it was listed (a preview's next regeneration)
            continue
        os.replace(fresh, target)
        placed += 1
    return placed


def _same(source: str, target: str) -> bool:
    try:
        return os.path.samefile(source, target)
    except OSError:
        return False

"""One file's change, tried on a copy of the portal before it is written (DESIGN.md §6).

The copy is okrs/ in a temporary folder (hard links where the file system allows
them: nothing is copied byte by byte, and nothing in it is ever written but the
one changed file), read and validated exactly as `okr-portal validate` would read
the portal once the change is made. Only when that finds no problem is the real
file replaced, whole and atomically; the report compares the portal before and
after as `okr-portal diff` does.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Callable

from site_builder.commands.diff.compare import compare
from site_builder.commands.diff.report import render_markdown
from site_builder.feeds.merge import write_atomically
from site_builder.lock import lock_path, portal_lock
from site_builder.problems import format_problem
from site_builder.source.check import Checked, check
from site_builder.source.load import OKRS

# The editing commands' own lock: two check-ins in one file must not both read it before
# either writes. `record` also takes fetch's, as fetch rewrites the same CSVs.
EDIT_LOCK = "edit"


class LockFailed(Exception):
    """The lock could not be taken at all (a read-only portal, say): one line for the user."""


@contextmanager
def locked(root: Path, names: tuple[str, ...], waiting: Callable[[str], None] | None = None):
    """Hold the portal's ``names`` locks, in the order given (always edit, then fetch: no deadlock)."""
    if not (Path(root) / OKRS).is_dir():  # not a portal: no lock folder left in it either
        raise LockFailed(check(root).problems[0].message)
    with ExitStack() as held:
        for name in names:
            try:
                held.enter_context(portal_lock(root, name, waiting=waiting))
            except OSError as exc:
                where = lock_path(root, name).relative_to(root)
                raise LockFailed(f"cannot take the portal's {name} lock ({where}): {exc.strerror or exc}") from None
        yield


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def checked_with(root: Path, rel: str, data: bytes) -> Checked:
    """The portal at ``root`` read and validated as if ``rel`` held ``data``."""
    with tempfile.TemporaryDirectory(prefix="okr-portal-edit-") as tmp:
        copy = Path(tmp)
        shutil.copytree(Path(root) / OKRS, copy / OKRS, symlinks=True, copy_function=_link_or_copy)
        target = copy / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if os.path.lexists(target):
            target.unlink()  # a hard link: writing through it would change the real file
        target.write_bytes(data)
        return check(copy)


def problem_lines(checked: Checked) -> list[str]:
    """The errors as validate prints them, in file order (as check gives them)."""
    return [format_problem(p) for p in checked.problems]


def change_report(before: Checked, after: Checked, lead: str, change: str) -> str:
    """``lead`` (one Markdown line saying what was done), then the diff report of before → after."""
    diff = compare(before, after, date.today(), "okrs/ before", f"okrs/ with {change}")
    return f"{lead}\n\n{render_markdown(diff)}"


def link_problem(root: Path, rel: str) -> str | None:
    """Why ``rel`` is not rewritten: replacing a link by a file would part it from what it links to."""
    if (Path(root) / rel).is_symlink():
        return f"{rel}: is a link to another file; edit that file, or replace the link by the file itself"
    return None


def apply(root: Path, rel: str, data: bytes) -> tuple[Checked | None, list[str]]:
    """Validate the portal with ``rel`` holding ``data``, and write it when that finds no problem:
    (the portal with the change, the problems as validate prints them; none when written)."""
    try:
        after = checked_with(root, rel, data)
    except OSError as exc:
        return None, [f"cannot try the change on a copy of the portal: {exc.strerror or exc}"]
    if after.problems:
        return after, problem_lines(after)
    try:
        write_atomically(Path(root) / rel, data)
    except OSError as exc:
        return after, [f"{rel}: cannot be written: {exc.strerror or exc}"]
    return after, []

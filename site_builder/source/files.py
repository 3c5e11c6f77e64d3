"""Which of a portal's files are read, and reading one: links that lead out of the portal are not.

A portal's files come from pull requests. A symbolic link committed as
okrs/objectives/x.yml -> /etc/passwd (or a folder linked to /etc) would have
validate quote, and the site publish, a file from the machine that builds it.
Whatever leads out of the portal folder is refused, unread; links that stay
inside it work as the files they point to.
"""

from __future__ import annotations

import os
from pathlib import Path

from site_builder.problems import Loc, Problem
from site_builder.source.kinds import Obj, Val
from site_builder.source.reader import Reader
from site_builder.source.yaml_reader import read_yaml


def inside(root: Path, real: str) -> bool:
    """Whether the real path ``real`` is the folder ``root`` or in it."""
    top = os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def refused(root: Path, rel: str, problems: list[Problem], is_link: bool | None = None) -> bool:
    """True, with a problem, when ``rel`` is a link (or is reached through one) that leads out of
    the portal, or to nothing. ``is_link``: whether it is known to be a link (None: find out)."""
    path = root / rel
    if is_link is None:
        is_link = path.is_symlink()
    real = os.path.realpath(path)
    if inside(root, real) and not (is_link and not os.path.exists(real)):
        return False
    what = "folder" if os.path.isdir(real) else "file"
    if not inside(root, real):
        problems.append(Problem(Loc(rel), f"this {what} is a link to a {what} outside the portal; it is not read"))
    else:
        problems.append(Problem(Loc(rel), "this file is a link to a file that does not exist; it is not read"))
    return True


def read_record(root: Path, rel: str, kind: Obj, reader: Reader) -> Val | None:
    """The YAML file ``rel`` read as a ``kind``; None when it could not be (reported)."""
    node = read_yaml(root / rel, rel, reader.problems)
    if node is None:
        return None
    return reader.read(kind, node, f"{kind.name} file")

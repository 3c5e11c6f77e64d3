"""Where a portal's files live on its repository host, from portal.yml's ``repo_url``: the
addresses of "propose a change" links (editing a file there) and of the issue forms.

``repo_url`` is the repository's address, or the address of the portal's folder in it as the
host shows it, which also names the branch:

    https://github.com/org/okrs                          the portal at the root, branch main
    https://github.com/org/okrs/tree/live                branch live
    https://github.com/org/site/tree/main/portals/okrs   the portal in portals/okrs
    https://gitlab.com/group/okrs/-/tree/main/okrs-site  the same on GitLab

A branch name with a slash in it cannot be told from a folder: the first segment after
``tree/`` is the branch. A host with "gitlab" in its name, or an address with ``/-/``, is
GitLab; any other is taken for GitHub (GitHub Enterprise runs on an organization's own host).
The issue forms (okr-portal forms) exist on GitHub only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

FORMS_FOLDER = ".github/ISSUE_TEMPLATE"
CHECK_IN_FORM, NEW_VALUE_FORM = "check-in.yml", "new-value.yml"
# The dropdown options of the forms, as site_builder/editing/issue_forms.py writes them
# (tests/test_propose_links.py keeps the two the same): a prefilled answer must be one.
OPTION_SEPARATOR, MAX_OPTION_CHARS = " — ", 100
DEFAULT_BRANCH = "main"


@dataclass(frozen=True)
class Repo:
    base: str  # https://github.com/org/okrs, no slash at the end
    gitlab: bool
    branch: str
    folder: str  # where the portal is in the repository: "" (its root) or "portals/okrs"


def parse_repo_url(url: str | None) -> Repo | None:
    """The repository ``url`` names; None when it names none (no owner and name, or a path after
    them that is not tree/BRANCH/...)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return None
    path = parts.path.strip("/")
    gitlab = "/-/" in f"/{path}/" or "gitlab" in parts.netloc.lower()
    if "/-/" in f"/{path}/":
        repo_path, _, rest = f"/{path}/".partition("/-/")
        repo_segments, rest_segments = repo_path.strip("/").split("/"), rest.strip("/").split("/")
    else:  # GitLab's groups nest: its whole path is the repository's
        segments = path.split("/")
        repo_segments, rest_segments = (segments, []) if gitlab else (segments[:2], segments[2:])
    repo_segments = [s for s in repo_segments if s]
    rest_segments = [s for s in rest_segments if s]
    if len(repo_segments) < 2:
        return None
    if repo_segments[-1].endswith(".git"):
        repo_segments[-1] = repo_segments[-1][:-4]
    branch, folder = DEFAULT_BRANCH, ""
    if rest_segments:
        if rest_segments[0] != "tree" or len(rest_segments) < 2 or any(s in (".", "..") for s in rest_segments):
            return None
        branch, folder = rest_segments[1], "/".join(rest_segments[2:])
    base = f"{parts.scheme}://{parts.netloc}/{'/'.join(repo_segments)}"
    return Repo(base, gitlab, branch, folder)


def edit_url(repo: Repo, path: str) -> str:
    """The host's page that edits the portal's file ``path`` (okrs/objectives/x.yml)."""
    where = quote("/".join(filter(None, (repo.folder, path))), safe="/")
    return f"{repo.base}/{'-/' if repo.gitlab else ''}edit/{quote(repo.branch, safe='')}/{where}"


def form_url(repo: Repo, form: str, field_id: str, answer: str) -> str:
    """A new issue from the GitHub issue form ``form``, its field ``field_id`` filled in."""
    return f"{repo.base}/issues/new?" + urlencode({"template": form, field_id: answer}, quote_via=quote)


def option(item_id: str, title: str) -> str:
    """A form's dropdown option: the id, then the title, cut to fit (as the forms have it)."""
    room = MAX_OPTION_CHARS - len(item_id) - len(OPTION_SEPARATOR)
    if not title or room < 2:
        return item_id
    return item_id + OPTION_SEPARATOR + (title if len(title) <= room else title[:room - 1].rstrip() + "…")


def issue_forms(root: Path, repo: Repo | None) -> frozenset[str]:
    """Which of the check-in and new-value forms the repository has (GitHub reads them at its
    root: the portal's folder, or the folder ``repo.folder`` levels up when the portal is in
    one and the folders match). Only whether the files exist is looked at."""
    if repo is None or repo.gitlab:
        return frozenset()
    top = Path(os.path.realpath(root))
    depth = len(repo.folder.split("/")) if repo.folder else 0
    if depth and (depth >= len(top.parts) or top.parts[-depth:] != tuple(repo.folder.split("/"))):
        return frozenset()
    folder = (top.parents[depth - 1] if depth else top) / FORMS_FOLDER
    return frozenset(name for name in (CHECK_IN_FORM, NEW_VALUE_FORM) if (folder / name).is_file())

"""Reading the portal at a git revision for ``okr-portal diff``.

``load_revision`` reads a revision's okrs/ into the model (one ``git archive`` per
revision) and validates it exactly like the working tree; git runs through
``site_builder.history.git``, and every failure becomes one ``DiffError`` line.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
from pathlib import Path

from site_builder.history.git import GitError, run_git
from site_builder.model import Portal
from site_builder.source.check import Checked, check
from site_builder.source.load import OKRS

# No absolute paths or links out of the folder (Python 3.11.4+; git writes neither anyway).
_SAFE = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


class DiffError(Exception):
    """Why the report could not be made: one line for the user."""



def _git(cwd: Path, *args: str) -> str:
    """git's output as text, or GitError; DiffError when git could not run at all."""
    try:
        return run_git(cwd, *args).decode()
    except GitError as exc:
        if exc.returncode is None:  # not installed, or not a directory: nothing more to say
            raise DiffError(str(exc)) from None
        raise


def git_location(root: Path) -> tuple[Path, str]:
    """The repository holding the portal at ``root``, and the portal's folder in it ('' or 'sub/')."""
    if not Path(root).is_dir():
        raise DiffError(f"{root} is not a directory")
    try:
        out = _git(Path(root), "rev-parse", "--show-toplevel", "--show-prefix")
    except GitError:
        raise DiffError(f"{Path(root).resolve()} is not in a git repository") from None
    top, prefix = (out.splitlines() + ["", ""])[:2]
    return Path(top), prefix


def resolve(repo: Path, rev: str) -> str:
    """The commit a revision names (full id), or DiffError."""
    try:
        # A leading "-" would be read as an option, not a revision.
        commit = None if rev.startswith("-") else _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except GitError:
        commit = None
    if commit is None:
        raise DiffError(f"unknown revision '{rev}': not a commit, branch or tag of {repo}")
    return commit.strip()


def _empty(root: str) -> Checked:
    """A revision without okrs/: everything in the other one was added or removed."""
    return Checked(Portal(root, None, (), {}), [])


def _is_tree(repo: Path, spec: str) -> bool:
    try:
        return _git(repo, "cat-file", "-t", spec).strip() == "tree"
    except GitError:
        return False


def load_revision(repo: Path, rev: str, prefix: str = "") -> Checked:
    """The portal's okrs/ at a git revision, loaded and validated like the working tree."""
    commit = resolve(repo, rev)
    tree = f"{commit}:{prefix}"
    if not _is_tree(repo, f"{tree}{OKRS}"):
        return _empty(f"{rev}:{prefix}")
    failed = False
    try:
        archive = run_git(repo, "archive", "--format=tar", tree, "--", OKRS)
    except GitError as exc:
        # Read what git did write first: a broken archive is reported as such, as before.
        archive, failed = exc.output, exc.returncode is not None
        if not failed:
            raise DiffError(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="okr-portal-diff-") as tmp:
        try:
            with tarfile.open(fileobj=io.BytesIO(archive), mode="r|") as tar:
                tar.extractall(tmp, **_SAFE)
        except (tarfile.TarError, OSError) as exc:
            raise DiffError(f"could not read {prefix}{OKRS}/ at {rev}: {exc}") from None
        if failed:
            raise DiffError(f"git archive could not read {prefix}{OKRS}/ at {rev}")
        return check(Path(tmp))


def load_working_tree(root: Path) -> Checked:
    """The portal as it is on disk, uncommitted changes included."""
    return check(Path(root)) if (Path(root) / OKRS).is_dir() else _empty(str(root))


def revision_name(repo: Path, rev: str) -> str:
    """How the report names a revision: as given, with its short commit id unless that is what was given."""
    commit = resolve(repo, rev)
    return rev if commit.startswith(rev) else f"{rev} ({commit[:7]})"

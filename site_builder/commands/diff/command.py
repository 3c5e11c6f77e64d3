"""The ``okr-portal diff`` command: read both revisions, compare them, write the report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from site_builder.commands.diff.compare import compare
from site_builder.commands.diff.read import DiffError, git_location, load_revision, load_working_tree, revision_name
from site_builder.commands.diff.report import render_markdown

__all__ = ["DiffError", "diff_report"]  # DiffError: what the CLI catches


def diff_report(root: Path, a: str, b: str | None, as_of: date) -> str:
    """The whole command: the Markdown report, or DiffError."""
    repo, prefix = git_location(root)
    a_name = revision_name(repo, a)
    b_name = "the working tree" if b is None else revision_name(repo, b)
    before = load_revision(repo, a, prefix)
    after = load_working_tree(root) if b is None else load_revision(repo, b, prefix)
    return render_markdown(compare(before, after, as_of, a_name, b_name))

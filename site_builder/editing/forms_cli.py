"""The `forms` and `from-issue` subcommands' arguments."""

from __future__ import annotations


def add_parsers(commands) -> None:
    """Add `forms` and `from-issue` to the okr-portal command's subparsers."""

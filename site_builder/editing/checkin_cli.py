"""The `checkin` and `record` subcommands' arguments."""

from __future__ import annotations


def add_parsers(commands) -> None:
    """Add `checkin` and `record` to the okr-portal command's subparsers."""

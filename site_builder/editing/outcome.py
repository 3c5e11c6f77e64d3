"""What an editing command did: the contract the command line and the issue-form workflow share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    written: bool  # the file was changed
    problems: list[str]  # lines as validate prints them (empty when written)
    report: str  # the change as Markdown, as the diff report describes it ("" when refused)
    path: str  # the file changed or that would have been, relative to the portal root


def refused(path: str, *problems: str) -> Outcome:
    return Outcome(False, list(problems), "", path)

"""Problems found in a portal's files, and the two ways we print them.

Every stage that reads users' files reports problems instead of raising, so a
single run can list all of them, each as ``path:line: message``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True, order=True)
class Loc:
    """Where a value came from: a path relative to the portal root, and a 1-based line."""

    path: str
    line: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, order=True)
class Problem:
    loc: Loc
    message: str
    # A warning is worth fixing but stops nothing: validate prints it and still exits 0,
    # and build, status and diff go on (``check`` keeps warnings apart from errors).
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.loc}: warning: {self.message}" if self.warning else f"{self.loc}: {self.message}"


EXCERPT_CHARS = 40  # of a user's value quoted in a message: enough to find it, never a whole file


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A user's value as it may appear in a message: cut to ``limit`` characters
    (with "…"), control characters and line breaks escaped, so a message is always
    one short line whatever the file held."""
    text = str(value)
    cut = len(text) > limit
    text = text[:limit]
    out = []
    for ch in text:
        code = ord(ch)
        if code < 0x20 or 0x7F <= code < 0xA0 or code in (0x2028, 0x2029):
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"))
        else:
            out.append(ch)
    return "".join(out) + ("…" if cut else "")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean 'x'?)' suffix, or '' when nothing is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_problem(problem: Problem, style: str = "text") -> str:
    """One line for a problem: ``text`` for people, ``github`` for Actions annotations."""
    if style == "github":
        return (
            f"::{'warning' if problem.warning else 'error'} file={_escape_property(problem.loc.path)},"
            f"line={problem.loc.line}::{_escape_data(problem.message)}"
        )
    return str(problem)


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file order, without repeats (two rules may find the same thing)."""
    return sorted(set(problems), key=lambda p: (p.loc.path, p.loc.line, p.message))

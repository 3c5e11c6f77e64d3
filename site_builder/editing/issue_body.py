"""The answers of a GitHub issue form, read back from the issue's body.

GitHub writes a submitted form as Markdown: one ``### Label`` heading per field,
in the form's order, then the answer, or ``_No response_`` for a field left
empty. The body is the issue author's text, and anyone may edit it afterwards:
a heading may be missing, repeated or typed inside an answer, and the body may
be of any size. Only headings that are the form's own labels start a section,
so an answer may hold Markdown headings of its own; a label that appears twice
makes the body ambiguous and is refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Iterable

NO_RESPONSE = "_No response_"
# GitHub refuses longer issue bodies; anything longer did not come from a form.
MAX_BODY_CHARS = 65_536


class BodyError(Exception):
    """Why the body cannot be read as the form's answers: one line for the issue's author."""


def parse_body(body: object, labels: Iterable[str]) -> dict[str, str | None]:
    """The answer to each of ``labels`` found in ``body``: its text (Markdown, as
    written, blank lines around it removed), or None when it was left empty.
    Labels with no section in the body are absent from the result."""
    if body is None:
        raise BodyError("the issue has no text: open it from one of the repository's issue forms")
    if not isinstance(body, str):
        raise BodyError("the issue's text cannot be read")
    if len(body) > MAX_BODY_CHARS:
        raise BodyError(f"the issue's text is longer than {MAX_BODY_CHARS:,} characters: "
                        "it cannot have come from the form")
    wanted = {label.strip(): label for label in labels}
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        heading = line[4:].strip() if line.startswith("### ") else None
        if heading in wanted:
            label = wanted[heading]
            if label in sections:
                raise BodyError(f"the question \"{label}\" is answered twice in the issue: "
                                "edit the issue so that each question has one answer")
            current = sections[label] = []
        elif current is not None:
            current.append(line)
    return {label: _answer(lines) for label, lines in sections.items()}


def _answer(lines: list[str]) -> str | None:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    text = "\n".join(lines[start:end])
    return None if not text or text.strip() == NO_RESPONSE else text

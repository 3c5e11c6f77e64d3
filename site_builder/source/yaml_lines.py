"""Where a line of a YAML file is, as people count lines.

Both the reader (``yaml_reader``) and the plain-words explanation of syntax
errors (``yaml_messages``) report lines through these.
"""

from __future__ import annotations

import re

# --- where a line is -----------------------------------------------------------------------
#
# PyYAML counts NEL, LS and PS (U+0085, U+2028, U+2029) as line breaks; editors, git and GitHub
# count only LF, CRLF and CR. Lines are reported as people see them.

YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_ODD_BREAK = re.compile("[\x85\u2028\u2029]")


def editor_lines(text: str) -> list[int] | None:
    """The editor's line (1-based) of each of YAML's lines (0-based), or None when they are the same."""
    if not _ODD_BREAK.search(text):
        return None
    lines, line = [1], 1
    for found in YAML_BREAK.finditer(text):
        if found.group() not in ("\x85", "\u2028", "\u2029"):  # LF, CRLF or CR: a line for people too
            line += 1
        lines.append(line)
    return lines


def editor_line(lines: list[int] | None, yaml_line: int) -> int:
    if lines is None:
        return yaml_line + 1
    return lines[min(yaml_line, len(lines) - 1)]

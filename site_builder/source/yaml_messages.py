"""A file that is not YAML at all: one problem, at the line where the mistake is, in plain words.

PyYAML's messages speak its grammar ("while parsing a block collection, did not find
expected '-' indicator") and often point lines after the mistake (an unclosed quote
is noticed at the end of the file); ``syntax_problem`` says what a staff member can
act on instead.
"""

from __future__ import annotations

import re

import yaml

from site_builder.problems import EXCERPT_CHARS, Loc, Problem, excerpt
from site_builder.source.yaml_lines import YAML_BREAK, editor_line

# --- files that are not YAML ---------------------------------------------------------------

TOO_DEEP = "lists or mappings are nested too deeply here; write the values out more plainly"
_QUOTE_IT = "put the whole value in quotes"
# Characters YAML does not allow anywhere in a file (YAML 1.1, 5.1; libyaml's reader).
_NOT_ALLOWED = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BLANK = " \t"
_FLOW_START = {"[": ("]", "list"), "{": ("}", "mapping")}


def deep_line(text: str, deep: int = 200) -> int:
    """The line where brackets first nest ``deep`` levels (quotes aside: a good guess is enough)."""
    depth = 0
    for found in re.finditer(r"[\[{\]}]", text):
        depth += 1 if found.group() in "[{" else -1
        if depth >= deep:
            head = text[:found.start()]
            return head.count("\n") + head.count("\r") - head.count("\r\n") + 1
    return 1


def syntax_problem(exc: yaml.YAMLError, text: str, rel: str, lines: list[int] | None, loader: type) -> Problem:
    """The one problem for a text PyYAML refused; ``loader`` is the one that refused it (to scan its tokens)."""
    if isinstance(exc, yaml.reader.ReaderError):
        return _not_allowed(text, rel)
    if not isinstance(exc, yaml.MarkedYAMLError) or not (exc.problem_mark or exc.context_mark):
        return Problem(Loc(rel), _GENERIC)
    try:
        line, message = _Explainer(exc, text, lines, loader).explain()
    except (IndexError, KeyError, TypeError, ValueError, AttributeError):  # pragma: no cover - a rule's blind spot
        mark = exc.problem_mark or exc.context_mark
        line, message = mark.line, _GENERIC  # still one plain line, never a traceback
    return Problem(Loc(rel, editor_line(lines, line)), message)


def _not_allowed(text: str, rel: str) -> Problem:
    """A character YAML refuses (a control character, mostly): at its own line, saying which."""
    found = _NOT_ALLOWED.search(text)
    if found is None:  # pragma: no cover - the reader refuses only what _NOT_ALLOWED finds
        return Problem(Loc(rel), "file contains a character that YAML does not allow; delete it")
    at = found.start()
    head = text[:at]
    line = head.count("\n") + head.count("\r") - head.count("\r\n") + 1
    before = head[max(head.rfind("\n"), head.rfind("\r")) + 1:].lstrip()
    code = ord(found.group())
    kind = "a control character" if code < 0x20 or 0x7F <= code < 0xA0 else "a character"
    if before:
        shown = ("…" + before[-EXCERPT_CHARS:]) if len(before) > EXCERPT_CHARS else before
        where = f"it comes after '{excerpt(shown, EXCERPT_CHARS + 1)}'"
    else:
        where = "it is at the start of the line"
    return Problem(Loc(rel, line), f"this line contains {kind} (U+{code:04X}) that YAML does not allow; delete it "
                                   f"(it is invisible in most editors; {where})")


_GENERIC = ("this line cannot be read as YAML (the format of the file): check its indentation, its "
            "'key: value' form and its quotes against the lines around it")


class _Explainer:
    """One sentence for a syntax error, at the line where the mistake is.

    PyYAML says where it noticed the mistake; that is often not where it was made. Each
    rule below knows one common mistake: what PyYAML says for it (libyaml's words and the
    pure-Python parser's), and where the mistake really is."""

    def __init__(self, exc: yaml.MarkedYAMLError, text: str, lines: list[int] | None, loader: type):
        self.text = text
        self.loader = loader
        self.editor = lines
        self.lines = YAML_BREAK.split(text)
        self.problem = exc.problem or ""
        self.context = exc.context or ""
        self.mark = exc.problem_mark or exc.context_mark
        self.start = exc.context_mark  # where what PyYAML was reading began
        self._tokens: list | None = None

    # what is where

    def char(self, mark, offset: int = 0) -> str:
        index = mark.index + offset if mark is not None else -1
        return self.text[index] if 0 <= index < len(self.text) else ""

    def line_text(self, line: int) -> str:
        return self.lines[line] if 0 <= line < len(self.lines) else ""

    def content(self, line: int) -> bool:
        stripped = self.line_text(line).strip()
        return bool(stripped) and not stripped.startswith("#")

    def previous_content(self, line: int) -> int | None:
        line -= 1
        while line >= 0 and not self.content(line):
            line -= 1
        return line if line >= 0 else None

    def next_content(self, line: int) -> int | None:
        line += 1
        while line < len(self.lines) and not self.content(line):
            line += 1
        return line if line < len(self.lines) else None

    def last_content(self, line: int) -> int:
        """``line``, or the last line with something on it when ``line`` is past them (the end of the file)."""
        if self.content(line):
            return line
        if self.next_content(line) is None:
            before = self.previous_content(line)
            return line if before is None else before
        return line

    def tokens(self) -> list:
        """The tokens before the problem (the scanner's reading of the file up to there)."""
        if self._tokens is None:
            self._tokens = []
            try:
                for token in yaml.scan(self.text, Loader=self.loader):
                    if token.start_mark.index >= self.mark.index:
                        break
                    self._tokens.append(token)
            except yaml.YAMLError:
                pass
        return self._tokens

    def token_just_before(self):
        """The last token before the problem, when only blanks come between them."""
        tokens = [t for t in self.tokens() if not isinstance(t, (yaml.BlockEndToken, yaml.KeyToken))]
        if not tokens:
            return None
        token = tokens[-1]
        if self.text[token.end_mark.index:self.mark.index].strip(_BLANK):
            return None
        return token

    def open_bracket(self):
        """The innermost '[' or '{' still open at the problem."""
        stack = []
        for token in self.tokens():
            if isinstance(token, (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken)):
                stack.append(token)
            elif isinstance(token, (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)) and stack:
                stack.pop()
        return stack[-1] if stack else None

    def at_end(self) -> bool:
        return not self.text[self.mark.index:].strip()

    # the rules

    def explain(self) -> tuple[int, str]:
        problem, context, mark, start = self.problem, self.context, self.mark, self.start
        at = self.char(mark)
        line = mark.line
        if "nesting depth" in problem:
            return line, TOO_DEEP
        if "quoted scalar" in context and "end of stream" in problem and start is not None:
            quote = self.char(start)
            return start.line, (f"a quote ({quote}) opened on this line is never closed; add the closing {quote} "
                                "where the value ends")
        if "simple key" in context and "expected ':'" in problem and start is not None:
            return start.line, _missing_colon(self.line_text(start.line))
        if at == "\t" or "tab character" in problem:
            return line, ("this line is indented with a tab; YAML allows only spaces for indentation: replace the tab "
                          "with spaces")
        if "\ufeff" in self.line_text(line):
            return line, ("this line contains an invisible byte-order mark (U+FEFF), as when two files are pasted "
                          "together; delete it")
        if "undefined alias" in problem:
            name = re.match(r"\*[^\s,\[\]{}]*", self.text[mark.index:])
            word = excerpt(name.group() if name else "*")
            return line, (f"a value that starts with '*' refers to a YAML anchor, and '{word}' is not defined in this "
                          f"file; if the '*' is part of the text, {_QUOTE_IT}")
        if "escape" in problem:
            return line, ('a backslash (\\) inside "double quotes" starts a code such as \\n; write \\\\ for a '
                          "backslash, or put the value in 'single quotes' instead")
        if "cannot start any token" in problem and at.strip():
            return line, f"a value cannot start with '{excerpt(at)}'; {_QUOTE_IT}"
        if ("an alias" in context or "an anchor" in context) and start is not None:
            return start.line, f"a value cannot start with '{self.char(start)}'; {_QUOTE_IT}"
        if "a tag" in context and start is not None:
            return start.line, f"a value cannot start with '!' (YAML reads it as a tag); {_QUOTE_IT}"
        if "a directive" in context and start is not None:
            return start.line, ("a line cannot start with '%' (YAML reads it as a directive); remove it, or put the "
                                "text in quotes")
        if "mapping keys are not allowed" in problem:
            return line, f"a value cannot start with '?'; {_QUOTE_IT}"
        if "sequence entries are not allowed" in problem:
            return line, ("a value cannot start with '-' and a space on the line of its key: for a list, put each item "
                          f"on the next lines, indented ('- item'); for text, {_QUOTE_IT}")
        if "block scalar" in context and start is not None:
            sign = self.char(start)
            return start.line, (f"nothing may follow '{sign}' on its line (the text goes on the next lines, indented); "
                                f"to write text that starts with '{sign}', {_QUOTE_IT}")
        if "another document" in problem or ("document start" in problem and self.line_text(line).startswith("---")):
            return line, ("a second document starts here ('---'), and a file holds only one: remove this line, or move "
                          "what follows into a file of its own")
        if "document start" in problem:
            first = self.next_content(-1)
            if first is not None and first < line and _indent(self.line_text(first)) > _indent(self.line_text(line)):
                return first, ("wrong indentation: this line is indented more than the lines below it; the keys of a "
                               "file start at the beginning of the line")
        if "node content" in problem:
            opened = self.open_bracket()
            if self.at_end() and opened is not None:
                return self.unclosed(opened.start_mark)
            return self.last_content(line), ("an item is missing here (two commas in a row, or a comma just after the "
                                             "opening bracket); remove the extra comma")
        if ("flow sequence" in context or "flow mapping" in context) and start is not None:
            if start.line != mark.line:
                return self.unclosed(start)
            closer, _ = _FLOW_START.get(self.char(start), ("]", "list"))
            return line, f"a comma (,) is missing between two values here, or the closing '{closer}'"
        if "expected key" in problem or "'-' indicator" in problem or "<block end>" in problem:
            return self.block_structure()
        if "mapping values are not allowed" in problem:
            before = self.line_text(line)[:mark.column].strip()
            if re.search(r"\S: ", before.lstrip("- ")) or before.endswith(":"):
                return line, ("this value contains a colon and a space (': '), which YAML reads as a new key; "
                              f"{_QUOTE_IT}")
            return self.indentation(line, deeper=True)
        return self.last_content(line), _GENERIC

    def unclosed(self, opened) -> tuple[int, str]:
        bracket = self.char(opened)
        closer, kind = _FLOW_START.get(bracket, ("]", "list"))
        return opened.line, (f"the '{bracket}' on this line is never closed; add the closing '{closer}' where the "
                             f"{kind} ends")

    def block_structure(self) -> tuple[int, str]:
        """PyYAML expected another key, or another '-' item, and found something else."""
        mark, line, at = self.mark, self.mark.line, self.char(self.mark)
        if at in ("]", "}"):
            return line, f"the '{at}' here closes nothing; remove it, or {_QUOTE_IT}"
        if at == "-":
            if self.char(mark, 1) not in ("", " ", "\t", "\r", "\n", "\x85", "\u2028", "\u2029"):
                return line, "put a space after the '-' that starts this list item ('- key: value')"
            return line, ("this list item's '-' does not line up with the '-' of the other items in its list; indent "
                          "it exactly like them")
        token = self.token_just_before()
        if isinstance(token, yaml.ScalarToken) and token.style in ("'", '"'):
            quote = token.style
            if token.start_mark.line != line:
                return token.start_mark.line, (
                    f"a quote ({quote}) opened on this line is only closed on line {editor_line(self.editor, line)}; "
                    f"add the closing {quote} where the value ends")
            if quote == "'":
                return line, ("the value's closing quote (') is followed by more text: to write ' inside a value in "
                              "'single quotes', type it twice (''), or put the value in \"double quotes\" instead")
            return line, ('the value\'s closing quote (") is followed by more text: to write " inside a value in '
                          '"double quotes", type \\" instead, or put the value in \'single quotes\' instead')
        if isinstance(token, (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)) and token.end_mark.line == line:
            bracket = "[" if isinstance(token, yaml.FlowSequenceEndToken) else "{"
            closer, kind = _FLOW_START[bracket]
            return line, (f"a value that starts with '{bracket}' is read as a {kind}, up to its '{closer}'; to write "
                          f"text that starts with '{bracket}', {_QUOTE_IT}")
        return self.indentation(line)

    def indentation(self, line: int, deeper: bool = False) -> tuple[int, str]:
        """A line that does not line up: the one PyYAML stopped at, or the line above it when that
        one is the odd one out (the lines after the stop line up with the stop line, not with it)."""
        line = self.last_content(line)
        above, below = self.previous_content(line), self.next_content(line)
        indent = _indent(self.line_text(line))
        if (above is not None and below is not None and _indent(self.line_text(below)) == indent
                and not _opens_block(self.line_text(above)) and _key_column(self.line_text(above)) != indent):
            return above, ("wrong indentation: this line does not line up with the lines below it; indent it with the "
                           "same number of spaces as the other keys at its level")
        if deeper:
            return line, ("wrong indentation: this line is indented more than the line above it; line it up with the "
                          "keys above it (or, if it continues the text above, put that whole text in quotes)")
        return line, ("wrong indentation: this line does not line up with the lines above it; indent it with the same "
                      "number of spaces as the other keys at its level")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_column(line: str) -> int:
    """Where the key of a line starts: after its indentation and any list dashes."""
    column = _indent(line)
    while line[column:column + 2] == "- " or line[column:].rstrip() == "-":
        column += 1
        while line[column:column + 1] == " ":
            column += 1
    return column


def _opens_block(line: str) -> bool:
    """Whether the line's value is on the lines below it (``key:``, ``key: |``, a lone ``-``)."""
    code = re.sub(r"\s#.*$", "", line).rstrip()
    return code.endswith(":") or code.endswith("-") or bool(re.search(r":\s+[|>][-+0-9]*$", code))


def _missing_colon(line: str) -> str:
    text = line.strip()
    dash = re.match(r"(-\s+)*", text).group()
    text = text[len(dash):]
    glued = re.match(r"([^\s:#'\"][^\s:]*):([^\s:].*)$", text)
    if glued:
        return f"put a space after the colon: write '{dash}{excerpt(glued.group(1))}: {excerpt(glued.group(2))}'"
    word = excerpt(text.split()[0] if text.split() else text)
    return (f"this line has no colon after '{word}': write it as {word}: value (or, if it continues the text on the "
            "line above, indent it further)")

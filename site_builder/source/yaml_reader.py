"""Safe YAML reading that keeps the line of every key and value.

PyYAML's composer gives us the node graph with marks; we walk it ourselves
instead of constructing Python objects so that we can (1) report repeated keys,
which PyYAML silently merges, (2) keep a line number for every value, and
(3) refuse alias bombs: an alias is a reference to a node, so a tiny file can
describe billions of values. We count every value we expand and stop early.

A file that is not YAML at all gets one problem, at the line where the mistake
is, in words a staff member can act on (``yaml_messages``): PyYAML's messages speak
its grammar ("while parsing a block collection, did not find expected '-'
indicator") and often point lines after the mistake (an unclosed quote is
noticed at the end of the file).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Union

import yaml

from site_builder.problems import Loc, Problem, excerpt
from site_builder.source.yaml_messages import TOO_DEEP, deep_line, syntax_problem
from site_builder.source.yaml_lines import editor_line, editor_lines

try:  # libyaml is several times faster; both give the same nodes and marks.
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_VALUES = 200_000  # far above any real OKR file, far below a billion laughs
MAX_DEPTH = 64

_TAG = "tag:yaml.org,2002:"
_constructor = yaml.constructor.SafeConstructor()
_CONSTRUCT = {
    "bool": _constructor.construct_yaml_bool,
    "int": _constructor.construct_yaml_int,
    "float": _constructor.construct_yaml_float,
}
_TAGGED_AS = {"int": "a whole number", "float": "a number", "bool": "true or false"}


@dataclass(frozen=True)
class YScalar:
    value: object  # str, int, float, bool or None as YAML typed it
    raw: str  # the text as written, for fields that are text whatever it looks like
    quoted: bool
    loc: Loc


@dataclass(frozen=True)
class YSeq:
    items: tuple["YNode", ...]
    loc: Loc


@dataclass(frozen=True)
class YMap:
    items: tuple[tuple[str, Loc, "YNode"], ...]  # key, where the key is, value
    loc: Loc
    keys: frozenset[str] = frozenset()  # every key written, even one whose value was refused


YNode = Union[YScalar, YSeq, YMap]


class _TooBig(Exception):
    pass


def read_text(path: Path, rel: str, problems: list[Problem], max_bytes: int = MAX_FILE_BYTES,
              allow_empty: bool = False) -> str | None:
    """A file's text, or None with a problem when it is unreadable, not UTF-8 or empty."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            problems.append(Problem(Loc(rel), f"file is too large ({size:,} bytes; the limit is {max_bytes:,})"))
            return None
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(Loc(rel), f"cannot read file: {exc.strerror or exc}"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        head = data[:exc.start]
        line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1  # LF, CRLF or CR
        problems.append(
            Problem(Loc(rel, line), f"file is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded); save it as UTF-8")
        )
        return None
    if not text.strip() and not allow_empty:
        problems.append(Problem(Loc(rel), "file is empty"))
        return None
    return text


def parse_yaml(text: str, rel: str, problems: list[Problem]) -> YNode | None:
    """The located node tree of one YAML document, or None with problems."""
    lines = editor_lines(text)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        problems.append(syntax_problem(exc, text, rel, lines, _Loader))
        return None
    except RecursionError:  # the pure-Python parser, on deeply nested brackets
        problems.append(Problem(Loc(rel, deep_line(text)), TOO_DEEP))
        return None
    if node is None:
        problems.append(Problem(Loc(rel), "file is empty"))
        return None
    walker = _Walker(rel, problems, lines)
    try:
        return walker.walk(node, depth=0)
    except _TooBig:
        problems.append(
            Problem(Loc(rel), f"file expands to more than {MAX_VALUES:,} values through YAML aliases; write it out plainly")
        )
        return None


def read_yaml(path: Path, rel: str, problems: list[Problem]) -> YNode | None:
    text = read_text(path, rel, problems)
    return None if text is None else parse_yaml(text, rel, problems)


class _Walker:
    def __init__(self, rel: str, problems: list[Problem], lines: list[int] | None = None):
        self.rel = rel
        self.problems = problems
        self.lines = lines
        self.count = 0
        self.active: set[int] = set()  # nodes on the current path, to catch recursive aliases

    def loc(self, node: yaml.Node) -> Loc:
        if self.lines is None:
            return Loc(self.rel, node.start_mark.line + 1)
        return Loc(self.rel, editor_line(self.lines, node.start_mark.line))

    def walk(self, node: yaml.Node, depth: int) -> YNode | None:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _TooBig
        if depth > MAX_DEPTH:
            self.problems.append(Problem(self.loc(node), f"values are nested more than {MAX_DEPTH} levels deep"))
            return None
        if id(node) in self.active:
            self.problems.append(Problem(self.loc(node), "a YAML alias refers to a value that contains it"))
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                items = (self.walk(item, depth + 1) for item in node.value)
                return YSeq(tuple(i for i in items if i is not None), self.loc(node))
            return self.mapping(node, depth)
        finally:
            self.active.discard(id(node))

    def mapping(self, node: yaml.MappingNode, depth: int) -> YMap:
        items: list[tuple[str, Loc, YNode]] = []
        seen: dict[str, int] = {}
        keys: set[str] = set()
        for key_node, value_node in node.value:
            key_loc = self.loc(key_node)
            if key_node.tag == _TAG + "merge":
                self.problems.append(Problem(key_loc, "YAML merge keys ('<<') are not supported; write the keys out"))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(Problem(key_loc, "a key must be a plain name, not a list or mapping"))
                continue
            key = key_node.value
            if key in seen:
                self.problems.append(Problem(key_loc, f"repeated key '{excerpt(key)}' (first at line {seen[key]})"))
                continue
            seen[key] = key_loc.line
            keys.add(key)
            value = self.walk(value_node, depth + 1)
            if value is not None:
                items.append((key, key_loc, value))
        return YMap(tuple(items), self.loc(node), frozenset(keys))

    def scalar(self, node: yaml.ScalarNode) -> YScalar | None:
        loc = self.loc(node)
        quoted = node.style in ("'", '"', "|", ">")
        tag = node.tag[len(_TAG):] if node.tag.startswith(_TAG) else node.tag
        value: object
        if tag in ("str", "timestamp") or (tag in ("merge", "value") and not node.style):
            value = node.value  # dates are checked by the schema, strictly; a plain '=' or '<<' is text
        elif tag == "null":
            value = None
        elif tag in _CONSTRUCT:
            try:
                value = _CONSTRUCT[tag](node)
            except (ValueError, KeyError, IndexError, TypeError, OverflowError) as exc:
                # !!int abc, !!bool maybe, !!int with nothing after it, a number too long to read
                self.problems.append(Problem(loc, _not_as_tagged(tag, node.value, exc)))
                return None
        else:
            shown = _TAG + excerpt(tag) if node.tag.startswith(_TAG) else excerpt(node.tag)
            self.problems.append(Problem(loc, f"unsupported YAML tag '{shown}'"))
            return None
        return YScalar(value, node.value, quoted, loc)


def _not_as_tagged(tag: str, raw: str, exc: Exception) -> str:
    if "digits" in str(exc):
        return f"the number '{excerpt(raw)}' has too many digits to be read"
    value = f"'{excerpt(raw)}'" if raw else "an empty value"
    return (f"{value} is marked !!{tag}, so it must be {_TAGGED_AS[tag]}, and it is not: fix the value, or remove "
            f"'!!{tag}'")

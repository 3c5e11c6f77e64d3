"""One check-in added to an objective file's text, every other byte kept.

A round-trip YAML library re-writes what it reads (spacing inside flow mappings,
quoting, comments at the edges of lists), so a pull request for one check-in
would show changed lines nobody touched. Instead the new check-in is inserted at
a place found from the parser's marks, in the style of its neighbours (block or
flow, the file's indentation and newlines), and the result is parsed again: it
must mean exactly the old document plus the one check-in, or nothing is written.
"""

from __future__ import annotations

import json
import re
from datetime import date

import yaml

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

Entry = dict  # key -> str, or language -> str: the check-in's fields, in the order written

_HAND = "add this check-in by hand"
_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")


class InsertError(Exception):
    """Why the check-in cannot be inserted safely: the rest of a sentence after the file's name."""


def add_update(text: str, kr_id: str, when: date, entry: Entry) -> str:
    """``text`` (no BOM) with ``entry`` added to key result ``kr_id``'s updates, after the last
    check-in dated on or before ``when`` (before the first when none is)."""
    new, index = _insert(text, kr_id, when, entry)
    try:
        _verify(text, new, kr_id, index, when, entry)
    except InsertError:  # a text YAML reads otherwise as a literal block: in quotes then
        entry = {k: ({lang: _Quoted(w) for lang, w in v.items()} if isinstance(v, dict)
                     else _Quoted(v) if isinstance(v, str) else v) for k, v in entry.items()}
        new, index = _insert(text, kr_id, when, entry)
        _verify(text, new, kr_id, index, when, entry)
    return new


def _insert(text: str, kr_id: str, when: date, entry: Entry) -> tuple[str, int]:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        raise InsertError("is not valid YAML; fix it first (okr-portal validate)") from None
    kr = _key_result(root, kr_id)
    _refuse_aliases(text, kr)
    newline = "\r\n" if "\r\n" in text else "\r" if "\r" in text and "\n" not in text else "\n"
    updates = _value(kr, "updates")
    if updates is None:
        return _without_updates(text, root, kr, entry, newline), 0
    if isinstance(updates, yaml.ScalarNode) and updates.tag.endswith(":null"):
        return _into_null(text, root, kr, updates, entry, newline), 0
    if isinstance(updates, yaml.SequenceNode):
        index = _after_last(updates, when)
        return (_into_flow(text, updates, index, entry, newline) if updates.flow_style
                else _into_block(text, updates, index, entry, newline)), index
    raise InsertError(f"has 'updates:' under key result '{kr_id}' that is not a list; fix it first "
                      "(okr-portal validate)")


# --- finding the place ------------------------------------------------------------------------


def _value(mapping: yaml.MappingNode, key: str):
    return next((v for k, v in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _key_result(root, kr_id: str) -> yaml.MappingNode:
    krs = _value(root, "key_results") if isinstance(root, yaml.MappingNode) else None
    for item in krs.value if isinstance(krs, yaml.SequenceNode) else ():
        id_node = _value(item, "id") if isinstance(item, yaml.MappingNode) else None
        if isinstance(id_node, yaml.ScalarNode) and id_node.value == kr_id:
            return item
    raise InsertError(f"has no key result '{kr_id}' that can be read; fix it first (okr-portal validate)")


def _refuse_aliases(text: str, kr: yaml.MappingNode) -> None:
    """An anchor or alias in the key result: a check-in written there could change another
    value too (or land where the alias was defined)."""
    start, end = kr.start_mark.index, _end(kr)
    for token in yaml.scan(text, Loader=_Loader):
        if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
            if start <= token.start_mark.index < end:
                raise InsertError(f"uses a YAML anchor or alias (& or *) at line {token.start_mark.line + 1}, in or "
                                  f"near the key result; write those values out plainly, or {_HAND}")


def _after_last(updates: yaml.SequenceNode, when: date) -> int:
    """The place after the last check-in dated on or before ``when`` (ISO dates compare as text)."""
    index = 0
    for i, item in enumerate(updates.value):
        day = _value(item, "date") if isinstance(item, yaml.MappingNode) else None
        if isinstance(day, yaml.ScalarNode) and day.value.strip() <= when.isoformat():
            index = i + 1
    return index


def _end(node) -> int:
    """Just after the node's last character of content (a block collection's marks reach into
    what follows it: the next key's indentation, comments, blank lines)."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _end(node.value[-1])
    return node.end_mark.index


def _line_after(text: str, index: int) -> int:
    """The start of the line after the one holding the content that ends at ``index`` (its
    end-of-line comment stays with it)."""
    i = index
    while i > 0 and text[i - 1] in " \t\r\n":
        i -= 1
    found = [p for p in (text.find("\n", i), text.find("\r", i)) if p >= 0]
    if not found:
        return len(text)
    p = min(found)
    return p + 2 if text.startswith("\r\n", p) else p + 1


def _line_start(text: str, index: int) -> int:
    return max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1


def _above_comments(text: str, start: int) -> int:
    """The start of the comment lines right above the line at ``start``: they speak of what follows."""
    while start > 0:
        above = _line_start(text, start - 1 if text[start - 1] != "\n" or text[start - 2:start] != "\r\n"
                            else start - 2)
        if not text[above:start].strip().startswith("#"):
            break
        start = above
    return start


def _dash(text: str, item) -> tuple[int, int, int]:
    """(where the line of a block list item's '-' starts, the dash's column, the item's key column)."""
    i = item.start_mark.index - 1
    while i >= 0 and text[i] in " \t\r\n":
        i -= 1
    if i < 0 or text[i] != "-":
        raise InsertError(f"lays out its check-ins in a way this command does not know; {_HAND}")
    start = _line_start(text, i)
    same_line = _line_start(text, item.start_mark.index) == start
    return start, i - start, item.start_mark.column if same_line else i - start + 2


# --- writing it -------------------------------------------------------------------------------


def _scalar(value: str) -> str:
    """Plain when YAML reads it back as the same text in block and flow places, else double-quoted."""
    if value and value == value.strip() and "#" not in value and not _ODD_BREAKS.search(value) \
            and "\n" not in value and "\r" not in value:
        try:
            if (yaml.safe_load(f"k: {value}") == {"k": value}
                    and yaml.safe_load(f"{{k: {value}}}") == {"k": value}):
                return value
        except yaml.YAMLError:
            pass
    quoted = json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
    return _ODD_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _field(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    return value.isoformat() if isinstance(value, date) else _scalar(value)


def _flow(entry: Entry) -> str:
    return "{" + ", ".join(f"{k}: {_field(v)}" for k, v in entry.items()) + "}"


class _Quoted(str):
    """A text of several lines to be written in double quotes, not as a literal block."""


def _literal(value, indent: int, newline: str) -> str | None:
    """A text of several lines as a literal block (``|-``), as people write them, when it can be one."""
    if not isinstance(value, str) or isinstance(value, _Quoted) or "\n" not in value or "\r" in value:
        return None
    lines = value.split("\n")
    if _ODD_BREAKS.search(value) or not all(ch.isprintable() or ch == "\t" for line in lines for ch in line):
        return None
    if any(line != line.rstrip() for line in lines):
        return None  # editors strip spaces at the ends of lines: the text would change
    return "|-" + "".join(newline + (" " * indent + line if line else "") for line in lines)


def _block(entry: Entry, dash_col: int, key_col: int, newline: str, nested_col: int | None = None) -> str:
    """The check-in as a block mapping; translations as a block mapping too at ``nested_col``
    (as the neighbour writes them), else as a flow mapping on the key's line."""
    first = " " * dash_col + "-" + " " * max(1, key_col - dash_col - 1)
    lines = []
    for k, v in entry.items():
        head = first if not lines else " " * key_col
        if isinstance(v, dict) and nested_col is not None:
            lines.append(f"{head}{k}:")
            lines += [" " * nested_col + f"{_scalar(lang)}: " + (_literal(words, nested_col + 2, newline)
                                                              or _scalar(words)) for lang, words in v.items()]
        else:
            lines.append(f"{head}{k}: " + (_literal(v, key_col + 2, newline) or _field(v)))
    return newline.join(lines) + newline


def _nested_col(item) -> int | None:
    """The column of the keys of a translated text written as a block mapping in ``item``, if any."""
    for _, value in item.value if isinstance(item, yaml.MappingNode) and not item.flow_style else ():
        if isinstance(value, yaml.MappingNode) and not value.flow_style and value.value:
            return value.value[0][0].start_mark.column
    return None


def _item_text(text: str, neighbour, entry: Entry, newline: str) -> str:
    _, dash_col, key_col = _dash(text, neighbour)
    if isinstance(neighbour, yaml.MappingNode) and neighbour.flow_style:
        return " " * dash_col + "- " + _flow(entry) + newline
    return _block(entry, dash_col, key_col, newline, _nested_col(neighbour))


def _at(text: str, index: int, snippet: str, newline: str) -> str:
    if index == len(text) and text and not text.endswith(("\n", "\r")):
        snippet = newline + snippet
    return text[:index] + snippet + text[index:]


def _into_block(text: str, updates: yaml.SequenceNode, index: int, entry: Entry, newline: str) -> str:
    if index == 0:
        start, _, _ = _dash(text, updates.value[0])
        start = _above_comments(text, start)
        return text[:start] + _item_text(text, updates.value[0], entry, newline) + text[start:]
    neighbour = updates.value[index - 1]
    return _at(text, _line_after(text, _end(neighbour)), _item_text(text, neighbour, entry, newline), newline)


def _into_flow(text: str, updates: yaml.SequenceNode, index: int, entry: Entry, newline: str) -> str:
    items, new = updates.value, _flow(entry)
    if not items:
        close = updates.end_mark.index - 1
        if text[close] != "]":
            raise InsertError(f"lays out its check-ins in a way this command does not know; {_HAND}")
        return text[:close] + new + text[close:]
    # Items on lines of their own: the new one on its own line too.
    own_lines = items[0].start_mark.line != updates.start_mark.line or (
        len(items) > 1 and items[0].start_mark.line != items[1].start_mark.line)
    if index == 0:
        gap = ("," + newline + " " * items[0].start_mark.column) if own_lines else ", "
        return text[:items[0].start_mark.index] + new + gap + text[items[0].start_mark.index:]
    neighbour = items[index - 1]
    gap = ("," + newline + " " * neighbour.start_mark.column) if own_lines else ", "
    return text[:neighbour.end_mark.index] + gap + new + text[neighbour.end_mark.index:]


def _list_indent(text: str, root: yaml.MappingNode) -> int:
    """How far this file indents a list's '-' beyond its key (0 or 2, as key_results shows)."""
    key = next(k for k, _ in root.value if isinstance(k, yaml.ScalarNode) and k.value == "key_results")
    first = _value(root, "key_results").value[0]
    if _value(root, "key_results").flow_style:
        return 2
    return max(0, _dash(text, first)[1] - key.start_mark.column)


def _flow_elsewhere(root: yaml.MappingNode) -> bool:
    """Whether the file's other check-ins are written one per line as flow mappings."""
    for kr in _value(root, "key_results").value:
        updates = _value(kr, "updates") if isinstance(kr, yaml.MappingNode) else None
        if isinstance(updates, yaml.SequenceNode) and updates.value:
            return updates.flow_style or bool(getattr(updates.value[0], "flow_style", False))
    return False


def _block_list(text: str, root, kr, entry: Entry, newline: str) -> str:
    """The lines of a new block list of one check-in under the key result's keys."""
    key_col = kr.value[0][0].start_mark.column
    dash_col = key_col + _list_indent(text, root)
    if _flow_elsewhere(root):
        return " " * dash_col + "- " + _flow(entry) + newline
    return _block(entry, dash_col, dash_col + 2, newline)


def _without_updates(text: str, root, kr: yaml.MappingNode, entry: Entry, newline: str) -> str:
    if kr.flow_style:  # right after its last value: before a trailing comma, a comment, the '}'
        at = _end(kr.value[-1][1])
        return text[:at] + f", updates: [{_flow(entry)}]" + text[at:]
    at = _line_after(text, _end(kr))
    key_col = kr.value[0][0].start_mark.column
    return _at(text, at, " " * key_col + "updates:" + newline + _block_list(text, root, kr, entry, newline), newline)


def _into_null(text: str, root, kr, updates: yaml.ScalarNode, entry: Entry, newline: str) -> str:
    start, end = updates.start_mark.index, updates.end_mark.index
    if kr.flow_style:
        return text[:start] + f"[{_flow(entry)}]" + text[end:]
    if not text[end:].lstrip(" \t").startswith(("#", "\n", "\r")) and end < len(text):
        raise InsertError(f"lays out its check-ins in a way this command does not know; {_HAND}")
    while start > 0 and text[start - 1] in " \t" and text[end:end + 1] in ("\n", "\r", ""):
        start -= 1  # no trailing space left where the value was
    text = text[:start] + text[end:]  # `updates: ~` or `updates: null`: the list takes its place
    return _at(text, _line_after(text, start), _block_list(text, root, kr, entry, newline), newline)


# --- checking it ------------------------------------------------------------------------------


def _verify(old: str, new: str, kr_id: str, index: int, when: date, entry: Entry) -> None:
    """The new text means the old document plus the one check-in, nothing else."""
    try:
        before, after = yaml.load(old, Loader=_Loader), yaml.load(new, Loader=_Loader)
    except yaml.YAMLError:
        raise InsertError(f"could not take the check-in without changing its layout; {_HAND}") from None
    krs = before.get("key_results") if isinstance(before, dict) else None
    kr = next((k for k in krs or () if isinstance(k, dict) and k.get("id") == kr_id), None)
    if kr is None:
        raise InsertError(f"could not take the check-in without changing its layout; {_HAND}")
    expected = {key: (dict(value) if isinstance(value, dict) else value) for key, value in entry.items()}
    expected["date"] = when
    updates = list(kr.get("updates") or [])
    updates.insert(index, expected)
    kr["updates"] = updates
    if before != after:
        raise InsertError(f"could not take the check-in without changing its layout; {_HAND}")

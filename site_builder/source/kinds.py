"""The building blocks of the file formats (DESIGN.md §3): kinds of value, fields, records.

``formats`` declares the files with these; ``reader`` reads YAML nodes by them and
``json_schema`` turns them into the schemas shipped for editors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from site_builder.problems import Loc

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
DIMENSION_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"  # a dimension's name may also use '_' (DESIGN.md §3)
LANG_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
ID_RE = re.compile(ID_PATTERN)
DIMENSION_RE = re.compile(DIMENSION_PATTERN)
LANG_RE = re.compile(LANG_PATTERN)


class Record(dict):
    """The valid fields of a mapping (name -> Val), and which keys the file wrote.

    ``empty`` is where each key written with nothing after it was (``description:``):
    such a field has no value, as if it were absent, but ``locs()`` still knows its
    line, so a rule that needs it can say where it is empty.
    """

    def __init__(self, values: dict, present: frozenset[str], empty: dict[str, Loc] | None = None):
        super().__init__(values)
        self.present = present
        self.empty = empty or {}

    def get_value(self, name: str, default: object = None) -> object:
        val = self.get(name)
        return default if val is None else val.value

    def locs(self) -> dict[str, Loc]:
        """Where each field was: those with a value, and those written empty (see ``empty``)."""
        return {**self.empty, **{name: val.loc for name, val in self.items()}}


@dataclass(frozen=True)
class Val:
    """A value read from a file, with where it was."""

    value: object
    loc: Loc


# --- kinds of value -------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Kind:
    doc: str = ""


@dataclass(frozen=True, kw_only=True)
class Str(Kind):
    pattern: str | None = None
    what: str = "text"  # how to name a wrong value in a message


@dataclass(frozen=True, kw_only=True)
class Id(Kind):
    pass


@dataclass(frozen=True, kw_only=True)
class Lang(Kind):
    pass


@dataclass(frozen=True, kw_only=True)
class TextKind(Kind):
    """Markdown, either a string or a mapping of language code to string."""


@dataclass(frozen=True, kw_only=True)
class DateKind(Kind):
    pass


@dataclass(frozen=True, kw_only=True)
class Number(Kind):
    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None


@dataclass(frozen=True, kw_only=True)
class Enum(Kind):
    values: tuple[str, ...] = ()
    # Values that a later schema version added (DESIGN.md §3: marked [2]), with that version:
    # (("rollup", 2),). In a portal of an earlier schema, writing one is an error saying so.
    since: tuple[tuple[str, int], ...] = ()

    def values_in(self, schema: int | None) -> tuple[str, ...]:
        """The values a portal of ``schema`` may write (None: not known, every value)."""
        newer = dict(self.since)
        return tuple(v for v in self.values if schema is None or newer.get(v, 1) <= schema)


@dataclass(frozen=True, kw_only=True)
class ListOf(Kind):
    item: Kind = field(default_factory=Kind)
    min_items: int = 0
    unique: bool = False


@dataclass(frozen=True, kw_only=True)
class StrMap(Kind):
    """A mapping of free names to strings (HTTP header -> environment variable)."""


@dataclass(frozen=True, kw_only=True)
class MapOf(Kind):
    """A mapping of names the user chooses (dimensions, codes) to values of one kind, in file order."""

    item: Kind = field(default_factory=Kind)
    key_pattern: str = ID_PATTERN
    key_what: str = "id"  # how to name a wrong key in a message
    min_items: int = 0


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    required: bool = False
    default: object = None
    # Whether ``name:`` with nothing after it means the field is absent (a description
    # left blank). Not for a value someone evidently meant to write and whose absence
    # would change what the file means (a threshold's bound, a target's date).
    empty_is_absent: bool = True
    # The first schema version that has the field (DESIGN.md §3: the keys marked [2]);
    # in a portal of an earlier schema, writing it is an error saying so.
    since: int = 1


@dataclass(frozen=True, kw_only=True)
class Obj(Kind):
    name: str = ""
    fields: tuple[Field, ...] = ()
    # Fields of which a mapping writes at least one (a band's min and/or max); the reader says
    # so when it has none of them. Empty: no such rule.
    at_least_one: tuple[str, ...] = ()

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

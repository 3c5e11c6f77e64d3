"""Reading located YAML nodes into values, by the declarations of ``formats``.

It reports what stops a value from being read at all (types, unknown or missing
keys); the rules between values are the validate stage's.
"""

from __future__ import annotations

import math
import re

from site_builder.problems import Loc, Problem, did_you_mean, excerpt
from site_builder.source.formats import KEY_RESULT, THRESHOLD
from site_builder.source.kinds import (
    LANG_RE, ID_RE, DateKind, Enum, Id, Kind, Lang, ListOf, MapOf, Number, Obj, Record, Str, StrMap, TextKind, Val,
)
from site_builder.source.values import NOT_A_REAL_DATE, OUT_OF_RANGE, YAML_NUMBER, in_range, read_date
from site_builder.source.yaml_reader import YMap, YNode, YScalar, YSeq
from site_builder.text import Text

def misspelled(name: str, present, known) -> bool:
    """Whether a written key that is not a known one looks like ``name``.

    Then the did-you-mean problem already says what is wrong; "missing key"
    on top of it would only repeat it.
    """
    unknown = [key for key in present if key not in known]
    return any(did_you_mean(key, known) == f" (did you mean '{name}'?)" for key in unknown)


def needs_schema(what: str, since: int, schema: int) -> str:
    """The message for a key, value or file of a later schema version than the portal's."""
    return f"{what} needs schema: {since} in okrs/portal.yml (this portal says schema: {schema})"


def _one_or_more(names: tuple[str, ...]) -> str:
    """min, max or both; a, b or c (at least one of them)."""
    if len(names) == 2:
        return f"{names[0]}, {names[1]} or both"
    return f"{', '.join(names[:-1])} or {names[-1]}"


def _type_name(node: YNode) -> str:
    if isinstance(node, YMap):
        return "a mapping"
    if isinstance(node, YSeq):
        return "a list"
    value = node.value
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"'{excerpt(node.raw)}' (true/false)"
    return f"'{excerpt(node.raw)}'"


class Reader:
    """Turns located YAML nodes into Val trees, collecting problems as it goes.

    Returns None for a value it had to reject, so one bad field costs only that
    field and the rest of the file is still checked. Every message quotes a
    user's value through ``excerpt``: a short, one-line part of it.
    """

    def __init__(self, problems: list[Problem], schema: int | None = None):
        self.problems = problems
        # The portal's schema version (okrs/portal.yml), when it is one this okr-portal reads:
        # a key or value of a later version (``since``) is then one error saying so, and unread.
        # None (not known, or already reported): every key and value is read.
        self.schema = schema

    def _too_new(self, since: int) -> bool:
        return self.schema is not None and since > self.schema

    def error(self, loc: Loc, message: str) -> None:
        self.problems.append(Problem(loc, message))

    def read(self, kind: Kind, node: YNode, label: str) -> Val | None:
        return _HANDLERS[type(kind)](self, kind, node, label)

    def _scalar(self, node: YNode, label: str, expected: str) -> YScalar | None:
        if isinstance(node, YScalar) and node.value is not None:
            return node
        self.error(node.loc, f"{label} must be {expected}, not {_type_name(node)}")
        return None

    def _str(self, kind: Str, node: YNode, label: str) -> Val | None:
        scalar = self._scalar(node, label, "text" if kind.what == "text" else f"a {kind.what}")
        if scalar is None:
            return None
        if kind.pattern and not re.match(kind.pattern, scalar.raw):
            self.error(node.loc, f"{label} '{excerpt(scalar.raw)}' is not a valid {kind.what}")
            return None
        return Val(scalar.raw, node.loc)

    def _id(self, kind: Id, node: YNode, label: str) -> Val | None:
        scalar = self._scalar(node, label, "an id")
        if scalar is None:
            return None
        if not ID_RE.match(scalar.raw):
            self.error(node.loc, f"{label} '{excerpt(scalar.raw)}' is not a valid id: use lowercase letters, "
                                 "digits and '-', starting with a letter or digit, at most 64 characters")
            return None
        return Val(scalar.raw, node.loc)

    def _lang(self, kind: Lang, node: YNode, label: str) -> Val | None:
        scalar = self._scalar(node, label, "a language code")
        if scalar is None:
            return None
        if not LANG_RE.match(scalar.raw):
            self.error(node.loc, f"{label} '{excerpt(scalar.raw)}' is not a language code such as en or zh-TW")
            return None
        return Val(scalar.raw, node.loc)

    def _text(self, kind: TextKind, node: YNode, label: str) -> Val | None:
        if isinstance(node, YScalar) and node.value is not None:
            return Val(Text.plain(node.raw, node.loc), node.loc)
        if not isinstance(node, YMap):
            self.error(node.loc, f"{label} must be text, or a mapping of language to text, not {_type_name(node)}")
            return None
        translations = []
        for lang, key_loc, value in node.items:
            if not LANG_RE.match(lang):
                self.error(key_loc, f"{label}: '{excerpt(lang)}' is not a language code such as en or zh-TW")
                continue
            if not (isinstance(value, YScalar) and value.value is not None):
                self.error(value.loc, f"{label} in '{lang}' must be text, not {_type_name(value)}")
                continue
            translations.append((lang, value.raw, key_loc))
        if not translations:
            if not node.keys:
                self.error(node.loc, f"{label} must not be empty")
            return None
        return Val(Text.translated(translations, node.loc), node.loc)

    def _date(self, kind: DateKind, node: YNode, label: str) -> Val | None:
        scalar = self._scalar(node, label, "a date (YYYY-MM-DD)")
        if scalar is None:
            return None
        raw = scalar.raw.strip()
        when, why = read_date(raw)
        if when is None:
            # the date as written when it is not one; a real-date problem names the stripped text
            shown = raw if why == NOT_A_REAL_DATE else excerpt(scalar.raw)
            self.error(node.loc, f"{label} '{shown}' {why}")
            return None
        return Val(when, node.loc)

    def _number(self, kind: Number, node: YNode, label: str) -> Val | None:
        expected = "a whole number" if kind.integer else "a number"
        scalar = self._scalar(node, label, expected)
        if scalar is None:
            return None
        value, shown = scalar.value, excerpt(scalar.raw)
        if isinstance(value, str) and not scalar.quoted and YAML_NUMBER.match(value):
            value = float(value)  # YAML 1.1 reads 1e3 as text; people mean a number (inf beyond a float)
        if isinstance(value, str) and scalar.quoted and YAML_NUMBER.match(value.strip()):
            self.error(node.loc, f"{label} must be {expected}, not the quoted text \"{shown}\": remove the quotes")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(node.loc, f"{label} must be {expected}, not {_type_name(node)}")
            return None
        # A YAML integer can have any number of digits: it is compared (exactly) with the
        # limits below, and never turned into a float before it passed them.
        if isinstance(value, float) and not math.isfinite(value):
            if math.isinf(value) and any(ch.isdigit() for ch in scalar.raw):  # 1e999: digits beyond a float
                self.error(node.loc, f"{label} '{shown}' {OUT_OF_RANGE}")
            else:  # .inf, .nan
                self.error(node.loc, f"{label} must be a finite number, not {shown}")
            return None
        if kind.integer and isinstance(value, float):
            if not value.is_integer():
                self.error(node.loc, f"{label} must be a whole number, not {shown}")
                return None
            value = int(value)
        if kind.minimum is not None and value < kind.minimum:
            self.error(node.loc, f"{label} must be at least {kind.minimum:g}, not {shown}")
            return None
        if kind.maximum is not None and value > kind.maximum:
            self.error(node.loc, f"{label} must be at most {kind.maximum:g}, not {shown}")
            return None
        if kind.exclusive_minimum is not None and value <= kind.exclusive_minimum:
            self.error(node.loc, f"{label} must be greater than {kind.exclusive_minimum:g}, not {shown}")
            return None
        if not in_range(value):
            self.error(node.loc, f"{label} '{shown}' {OUT_OF_RANGE}")
            return None
        return Val(value, node.loc)

    def _enum(self, kind: Enum, node: YNode, label: str) -> Val | None:
        values = kind.values_in(self.schema)
        choices = ", ".join(values)
        scalar = self._scalar(node, label, f"one of {choices}")
        if scalar is None:
            return None
        if scalar.raw in kind.values and scalar.raw not in values:
            self.error(node.loc, needs_schema(f"{label} '{scalar.raw}'", dict(kind.since)[scalar.raw], self.schema))
            return None
        if scalar.raw not in values:
            self.error(node.loc, f"{label} '{excerpt(scalar.raw)}' must be one of {choices}"
                                 f"{did_you_mean(scalar.raw, values)}")
            return None
        return Val(scalar.raw, node.loc)

    def _list(self, kind: ListOf, node: YNode, label: str) -> Val | None:
        if not isinstance(node, YSeq):
            self.error(node.loc, f"{label} must be a list, not {_type_name(node)}")
            return None
        if len(node.items) < kind.min_items:
            self.error(node.loc, f"{label} must have at least {kind.min_items} item{'s' * (kind.min_items > 1)}")
        items = []
        seen: dict[object, int] = {}
        for item in node.items:
            val = self.read(kind.item, item, f"{label} item")
            if val is None:
                continue
            if kind.unique:
                if val.value in seen:
                    self.error(val.loc, f"{label} lists '{excerpt(val.value)}' twice (first at line {seen[val.value]})")
                    continue
                seen[val.value] = val.loc.line
            items.append(val)
        return Val(tuple(items), node.loc)

    def _str_map(self, kind: StrMap, node: YNode, label: str) -> Val | None:
        if not isinstance(node, YMap):
            self.error(node.loc, f"{label} must be a mapping, not {_type_name(node)}")
            return None
        out = {}
        for key, _key_loc, value in node.items:
            val = self._str(Str(), value, f"{label} '{excerpt(key)}'")
            if val is not None:
                out[key] = val
        return Val(out, node.loc)

    def _map_of(self, kind: MapOf, node: YNode, label: str) -> Val | None:
        """A mapping of chosen names to values: {name: Val}, in file order (the order the site shows)."""
        if not isinstance(node, YMap):
            self.error(node.loc, f"{label} must be a mapping, not {_type_name(node)}")
            return None
        if len(node.items) < kind.min_items:
            self.error(node.loc, f"{label} must name at least {kind.min_items} "
                                 f"{kind.key_what}{'s' * (kind.min_items > 1)}")
        out: dict[str, Val] = {}
        for key, key_loc, value in node.items:
            if not re.match(kind.key_pattern, key):
                self.error(key_loc, f"{label}: '{excerpt(key)}' is not a valid {kind.key_what}: use lowercase "
                                    "letters, digits and '-', starting with a letter or digit, at most 64 characters")
                continue
            val = self.read(kind.item, value, f"{label} '{key}'")
            if val is not None:
                out[key] = Val(val.value, val.loc)
        return Val(out, node.loc)

    def _mapping(self, kind: Obj, node: YNode, label: str) -> Val | None:
        if not isinstance(node, YMap):
            self.error(node.loc, f"{label} must be a mapping of keys to values, not {_type_name(node)}")
            return None
        fields = {f.name: f for f in kind.fields}
        values: dict[str, Val] = {}
        empty: dict[str, Loc] = {}
        for key, key_loc, value in node.items:
            spec = fields.get(key)
            if spec is None:
                known = [name for name, f in fields.items() if not self._too_new(f.since)]
                self.error(key_loc, f"unknown key '{excerpt(key)}' in {kind.name}{did_you_mean(key, known)}")
                continue
            if self._too_new(spec.since):
                self.error(key_loc, needs_schema(f"'{key}'", spec.since, self.schema))
                continue
            if isinstance(value, YScalar) and value.value is None and not spec.required and spec.empty_is_absent:
                empty[key] = key_loc  # `description:` with nothing after it means no description
                continue
            val = self.read(spec.kind, value, spec.name)
            if val is not None:
                values[key] = val
        present = node.keys
        for spec in kind.fields:
            if spec.required and spec.name not in present and not misspelled(spec.name, present, fields):
                self.error(node.loc, f"{kind.name} is missing required key '{spec.name}'")
        wanted = kind.at_least_one
        if wanted and not present & set(wanted) and not any(misspelled(name, present, fields) for name in wanted):
            # Any of them written (also empty, or refused: reported as such) is enough here.
            self.error(node.loc, f"{kind.name} needs {_one_or_more(wanted)}")
        if kind is KEY_RESULT:
            self._threshold_bounds(values, present)
        return Val(Record(values, present, empty), node.loc)

    def _threshold_bounds(self, values: dict[str, Val], present: frozenset[str]) -> None:
        """A maintain key result's threshold names min, max or both.

        Checked here, where it is known which bounds were written (an empty or invalid
        one has already been reported as such), rather than in validate, where a
        threshold without a bound looks the same as one whose bounds were refused.
        """
        kr_type = values["type"].value if "type" in values else (None if "type" in present else "metric")
        threshold = values.get("threshold")
        if kr_type != "maintain" or threshold is None:
            return  # another type's threshold is validate's to refuse
        written = threshold.value.present
        bounds = THRESHOLD.field_names()
        if written & set(bounds) or any(misspelled(bound, written, bounds) for bound in bounds):
            return
        name = f"key result '{values['id'].value}'" if "id" in values else "key result"
        self.error(threshold.loc, f"{name}: threshold needs min, max or both")


# Which Reader method reads each kind of value.
_HANDLERS = {
    Str: Reader._str,
    Id: Reader._id,
    Lang: Reader._lang,
    TextKind: Reader._text,
    DateKind: Reader._date,
    Number: Reader._number,
    Enum: Reader._enum,
    ListOf: Reader._list,
    StrMap: Reader._str_map,
    MapOf: Reader._map_of,
    Obj: Reader._mapping,
}

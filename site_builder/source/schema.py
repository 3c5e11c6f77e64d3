"""The file formats of DESIGN.md §3, declared once.

The same declarations drive the loader (types, required fields, unknown keys)
and the JSON Schema shipped for editors (``okr-portal schema``), so the two
cannot drift apart (``python -m site_builder.source.schema`` rewrites the shipped
site_builder/schemas/*.json from them). Rules that need more than one value at a
time (dates in order, references between files) live in ``validate``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from site_builder.compute.status import CONFIDENCES as CONFIDENCE_STATUSES
from site_builder.source.values import LARGEST_NUMBER
from site_builder.problems import Loc, Problem, did_you_mean, excerpt
from site_builder.text import Text
from site_builder.source.yaml_reader import YMap, YNode, YScalar, YSeq

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
LANG_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_ID = re.compile(ID_PATTERN)
_LANG = re.compile(LANG_PATTERN)
_DATE = re.compile(DATE_PATTERN, re.ASCII)
_NUMBER = re.compile(r"^[-+]?(\d[\d_]*)?\.?\d+([eE][-+]?\d+)?$", re.ASCII)


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


@dataclass(frozen=True, kw_only=True)
class ListOf(Kind):
    item: Kind = field(default_factory=Kind)
    min_items: int = 0
    unique: bool = False


@dataclass(frozen=True, kw_only=True)
class StrMap(Kind):
    """A mapping of free names to strings (HTTP header -> environment variable)."""


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


@dataclass(frozen=True, kw_only=True)
class Obj(Kind):
    name: str = ""
    fields: tuple[Field, ...] = ()

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


# --- the formats ----------------------------------------------------------
# Every field has a doc: it is the description editors show on hover (okr-portal schema),
# so it is written for the staff who edit these files, not for programmers.

CONFIDENCES = tuple(s.value for s in CONFIDENCE_STATUSES)
KR_TYPES = ("metric", "milestone", "maintain")
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "annual")

_TEXT = " (Markdown; or one text per language, e.g. {en: ..., zh-TW: ...})"

PERIOD = Obj(name="period", doc="A reporting period, such as a fiscal year or a quarter", fields=(
    Field("id", Id(doc="Short name of the period, e.g. fy2026; objectives name their period with it"), required=True),
    Field("title", TextKind(doc="Name shown on the site, e.g. 'Fiscal year 2026'" + _TEXT), required=True),
    Field("start", DateKind(doc="First day of the period (YYYY-MM-DD)"), required=True),
    Field("end", DateKind(doc="Last day of the period (YYYY-MM-DD)"), required=True),
))

THRESHOLDS = Obj(name="thresholds", doc="How far behind the expected trajectory a key result may fall", fields=(
    Field("at_risk", Number(minimum=0, maximum=1, doc="Behind the expected progress by more than this share "
                            "(0.10 = 10 percentage points): at risk"), default=0.10),
    Field("off_track", Number(minimum=0, maximum=1, doc="Behind the expected progress by more than this share "
                              "(0.25 = 25 percentage points): off track"), default=0.25),
))

PORTAL = Obj(name="portal", doc="okrs/portal.yml: the portal's settings", fields=(
    Field("schema", Number(integer=True, doc="Version of the file format; this okr-portal reads 1"), required=True),
    Field("title", TextKind(doc="Title of the site" + _TEXT), required=True),
    Field("organization", TextKind(doc="The organization that publishes these OKRs" + _TEXT), required=True),
    Field("description", TextKind(doc="Introduction shown on the home page" + _TEXT)),
    Field("languages", ListOf(item=Lang(doc="Language code such as en or zh-TW"), min_items=1, unique=True,
                              doc="Languages of the site, such as [en, zh-TW]; the first is the default"),
          default=("en",)),
    Field("base_url", Str(pattern=r"^https?://", what="URL", doc="Public address of the site, "
                          "e.g. https://okrs.example.org/")),
    Field("contact", TextKind(doc="How readers reach the organization" + _TEXT)),
    Field("periods", ListOf(item=PERIOD, min_items=1, doc="The reporting periods; at least one"), required=True),
    Field("thresholds", THRESHOLDS),
))

POINT = Obj(name="baseline", doc="Where the metric started: its value on a date", fields=(
    Field("date", DateKind(doc="Date of the baseline value (YYYY-MM-DD)"), required=True),
    Field("value", Number(doc="The metric's value on that date, a plain number such as 31 or 87.5"), required=True),
))

TARGET = Obj(name="target", doc="The value to reach, by a date (default: the period end)", fields=(
    Field("date", DateKind(doc="Date by which to reach the target (YYYY-MM-DD); leave the key out "
                           "to use the end of the objective's period"), empty_is_absent=False),
    Field("value", Number(doc="The value to reach, a plain number such as 20 or 95"), required=True),
))

THRESHOLD = Obj(name="threshold", doc="The level to hold: min and/or max", fields=(
    Field("min", Number(doc="Lowest acceptable value"), empty_is_absent=False),
    Field("max", Number(doc="Highest acceptable value"), empty_is_absent=False),
))

UPDATE = Obj(name="update", doc="A check-in by the owner", fields=(
    Field("date", DateKind(doc="Date of the check-in (YYYY-MM-DD)"), required=True),
    Field("confidence", Enum(values=CONFIDENCES, doc="The owner's own assessment: on_track, at_risk or off_track; "
                             "shown beside the computed status, never instead of it"), required=True),
    Field("text", TextKind(doc="What happened and what is next" + _TEXT), required=True),
))

KEY_RESULT = Obj(name="key result", doc="A measurable result that shows progress on the objective", fields=(
    Field("id", Id(doc="Short name of the key result, unique within the objective"), required=True),
    Field("title", TextKind(doc="What the key result is, as shown on the site" + _TEXT), required=True),
    Field("type", Enum(values=KR_TYPES, doc="metric: move a metric from baseline to target; "
                       "maintain: hold a metric within a threshold; milestone: get something done by a date"),
          default="metric", empty_is_absent=False),
    Field("commitment", Enum(values=("committed", "aspirational"),
                             doc="committed: expected to be fully achieved; aspirational: a stretch goal"),
          default="committed"),
    Field("weight", Number(exclusive_minimum=0, doc="How much this key result counts in the objective's progress, "
                           "compared with the others (default 1)"), default=1),
    Field("metric", Id(doc="Id of the metric it measures: the name of a file in okrs/metrics/ without .csv "
                       "(metric and maintain key results)")),
    Field("baseline", POINT),
    Field("target", TARGET),
    Field("threshold", THRESHOLD),
    Field("due", DateKind(doc="Date the milestone is due (YYYY-MM-DD)")),
    Field("done", DateKind(doc="Date the milestone was done (YYYY-MM-DD); leave it out while it is not done")),
    Field("updates", ListOf(item=UPDATE, doc="Check-ins by the owner, in date order, newest last"), default=()),
))

# Which optional fields each key-result type needs and allows (DESIGN.md §3).
KR_TYPE_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "metric": {"required": ("metric", "baseline", "target"), "allowed": ("metric", "baseline", "target")},
    "maintain": {"required": ("metric", "threshold"), "allowed": ("metric", "threshold")},
    "milestone": {"required": ("due",), "allowed": ("due", "done")},
}

OBJECTIVE = Obj(name="objective", doc="okrs/objectives/**/*.yml: one objective", fields=(
    Field("id", Id(doc="Short name of the objective, unique in the portal; it makes the page's address"),
          required=True),
    Field("period", Id(doc="Id of the period it belongs to, one of the periods in okrs/portal.yml"), required=True),
    Field("title", TextKind(doc="What the objective is, as shown on the site" + _TEXT), required=True),
    Field("owner", TextKind(doc="The accountable official or team" + _TEXT), required=True),
    Field("description", TextKind(doc="Why the objective matters and how it will be reached" + _TEXT)),
    Field("tags", ListOf(item=Id(doc="A tag: lowercase letters, digits and '-'"), unique=True,
                         doc="Topics to list the objective under, such as [access, safety]"), default=()),
    Field("visibility", Enum(values=("public", "draft"), doc="public (the default) or draft; drafts are never "
                             "published"), default="public",
          # Left empty, it would publish a file someone began to mark as a draft.
          empty_is_absent=False),
    Field("internal_notes", Str(doc="Notes for staff; never published, anywhere")),
    Field("key_results", ListOf(item=KEY_RESULT, min_items=1, doc="The key results that measure the objective; "
                                "at least one"), required=True),
))

FEED = Obj(name="feed", doc="Where scheduled refreshes pull this metric from", fields=(
    Field("type", Enum(values=("csv", "json", "sql"), doc="Kind of source: csv, json or sql"), required=True),
    Field("url", Str(doc="csv/json: http(s) URL or a path relative to the portal root")),
    Field("date", Str(doc="Source column or field holding the date"), default="date"),
    Field("value", Str(doc="Source column or field holding the value"), default="value"),
    Field("records", Str(doc="json: dotted path to the list of records")),
    Field("connection_env", Str(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", what="environment variable name",
                                doc="sql: environment variable holding the SQLAlchemy URL")),
    Field("query", Str(doc="sql: the query; it returns the date and value columns")),
    Field("headers_env", StrMap(doc="HTTP headers; each value names the environment variable holding it")),
))

METRIC = Obj(name="metric", doc="okrs/metrics/<id>.yml: what a metric is and where its data comes from", fields=(
    Field("title", TextKind(doc="Name of the metric, as shown on the site" + _TEXT)),
    Field("unit", Str(doc="Shown after values: %, days, per 1,000 patient days")),
    Field("decimals", Number(integer=True, minimum=0, maximum=10, doc="How many digits to show after the decimal "
                             "point, from 0 to 10")),
    Field("frequency", Enum(values=FREQUENCIES, doc="How often a new value comes: daily, weekly, monthly, "
                            "quarterly or annual")),
    Field("source", TextKind(doc="Who produces the data" + _TEXT)),
    Field("methodology", TextKind(doc="How it is measured" + _TEXT)),
    Field("feed", FEED),
))


# --- reading located nodes into values --------------------------------------


def misspelled(name: str, present, known) -> bool:
    """Whether a written key that is not a known one looks like ``name``.

    Then the did-you-mean problem already says what is wrong; "missing key"
    on top of it would only repeat it.
    """
    unknown = [key for key in present if key not in known]
    return any(did_you_mean(key, known) == f" (did you mean '{name}'?)" for key in unknown)


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


# What a number beyond LARGEST_NUMBER is told: the same words as for a CSV value (csvsource).
_OUT_OF_RANGE = f"is out of range: values must be between -{LARGEST_NUMBER:,.0f} and {LARGEST_NUMBER:,.0f}"


class Reader:
    """Turns located YAML nodes into Val trees, collecting problems as it goes.

    Returns None for a value it had to reject, so one bad field costs only that
    field and the rest of the file is still checked. Every message quotes a
    user's value through ``excerpt``: a short, one-line part of it.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = problems

    def error(self, loc: Loc, message: str) -> None:
        self.problems.append(Problem(loc, message))

    def read(self, kind: Kind, node: YNode, label: str) -> Val | None:
        method = getattr(self, "_" + type(kind).__name__.lower())
        return method(kind, node, label)

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
        if not _ID.match(scalar.raw):
            self.error(node.loc, f"{label} '{excerpt(scalar.raw)}' is not a valid id: use lowercase letters, "
                                 "digits and '-', starting with a letter or digit, at most 64 characters")
            return None
        return Val(scalar.raw, node.loc)

    def _lang(self, kind: Lang, node: YNode, label: str) -> Val | None:
        scalar = self._scalar(node, label, "a language code")
        if scalar is None:
            return None
        if not _LANG.match(scalar.raw):
            self.error(node.loc, f"{label} '{excerpt(scalar.raw)}' is not a language code such as en or zh-TW")
            return None
        return Val(scalar.raw, node.loc)

    def _textkind(self, kind: TextKind, node: YNode, label: str) -> Val | None:
        if isinstance(node, YScalar) and node.value is not None:
            return Val(Text.plain(node.raw, node.loc), node.loc)
        if not isinstance(node, YMap):
            self.error(node.loc, f"{label} must be text, or a mapping of language to text, not {_type_name(node)}")
            return None
        translations = []
        for lang, key_loc, value in node.items:
            if not _LANG.match(lang):
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

    def _datekind(self, kind: DateKind, node: YNode, label: str) -> Val | None:
        scalar = self._scalar(node, label, "a date (YYYY-MM-DD)")
        if scalar is None:
            return None
        raw = scalar.raw.strip()
        if not _DATE.match(raw):
            self.error(node.loc, f"{label} '{excerpt(scalar.raw)}' is not a date in the form YYYY-MM-DD")
            return None
        try:
            return Val(date.fromisoformat(raw), node.loc)
        except ValueError:
            self.error(node.loc, f"{label} '{raw}' is not a real date")
            return None

    def _number(self, kind: Number, node: YNode, label: str) -> Val | None:
        expected = "a whole number" if kind.integer else "a number"
        scalar = self._scalar(node, label, expected)
        if scalar is None:
            return None
        value, shown = scalar.value, excerpt(scalar.raw)
        if isinstance(value, str) and not scalar.quoted and _NUMBER.match(value):
            value = float(value)  # YAML 1.1 reads 1e3 as text; people mean a number (inf beyond a float)
        if isinstance(value, str) and scalar.quoted and _NUMBER.match(value.strip()):
            self.error(node.loc, f"{label} must be {expected}, not the quoted text \"{shown}\": remove the quotes")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(node.loc, f"{label} must be {expected}, not {_type_name(node)}")
            return None
        # A YAML integer can have any number of digits: it is compared (exactly) with the
        # limits below, and never turned into a float before it passed them.
        if isinstance(value, float) and not math.isfinite(value):
            if math.isinf(value) and any(ch.isdigit() for ch in scalar.raw):  # 1e999: digits beyond a float
                self.error(node.loc, f"{label} '{shown}' {_OUT_OF_RANGE}")
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
        if abs(value) > LARGEST_NUMBER:
            self.error(node.loc, f"{label} '{shown}' {_OUT_OF_RANGE}")
            return None
        return Val(value, node.loc)

    def _enum(self, kind: Enum, node: YNode, label: str) -> Val | None:
        choices = ", ".join(kind.values)
        scalar = self._scalar(node, label, f"one of {choices}")
        if scalar is None:
            return None
        if scalar.raw not in kind.values:
            self.error(node.loc, f"{label} '{excerpt(scalar.raw)}' must be one of {choices}"
                                 f"{did_you_mean(scalar.raw, kind.values)}")
            return None
        return Val(scalar.raw, node.loc)

    def _listof(self, kind: ListOf, node: YNode, label: str) -> Val | None:
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

    def _strmap(self, kind: StrMap, node: YNode, label: str) -> Val | None:
        if not isinstance(node, YMap):
            self.error(node.loc, f"{label} must be a mapping, not {_type_name(node)}")
            return None
        out = {}
        for key, _key_loc, value in node.items:
            val = self._str(Str(), value, f"{label} '{excerpt(key)}'")
            if val is not None:
                out[key] = val
        return Val(out, node.loc)

    def _obj(self, kind: Obj, node: YNode, label: str) -> Val | None:
        if not isinstance(node, YMap):
            self.error(node.loc, f"{label} must be a mapping of keys to values, not {_type_name(node)}")
            return None
        fields = {f.name: f for f in kind.fields}
        values: dict[str, Val] = {}
        empty: dict[str, Loc] = {}
        for key, key_loc, value in node.items:
            spec = fields.get(key)
            if spec is None:
                self.error(key_loc, f"unknown key '{excerpt(key)}' in {kind.name}{did_you_mean(key, fields)}")
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


# --- JSON Schema for editors -------------------------------------------------


def _json_schema(kind: Kind) -> dict:
    out: dict
    if isinstance(kind, Obj):
        out = {
            "type": "object",
            "properties": {f.name: _field_schema(f) for f in kind.fields},
            "additionalProperties": False,
        }
        required = [f.name for f in kind.fields if f.required]
        if required:
            out["required"] = required
        if kind is KEY_RESULT:
            out["allOf"] = _key_result_conditions()
    elif isinstance(kind, ListOf):
        out = {"type": "array", "items": _json_schema(kind.item)}
        if kind.min_items:
            out["minItems"] = kind.min_items
        if kind.unique:
            out["uniqueItems"] = True
    elif isinstance(kind, TextKind):
        out = {"anyOf": [
            {"type": "string"},
            {"type": "object", "minProperties": 1, "propertyNames": {"pattern": LANG_PATTERN},
             "additionalProperties": {"type": "string"}},
        ]}
    elif isinstance(kind, Id):
        out = {"type": "string", "pattern": ID_PATTERN}
    elif isinstance(kind, Lang):
        out = {"type": "string", "pattern": LANG_PATTERN}
    elif isinstance(kind, DateKind):
        out = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    elif isinstance(kind, Number):
        out = {"type": "integer" if kind.integer else "number"}
        if kind.exclusive_minimum is not None:
            out["exclusiveMinimum"] = kind.exclusive_minimum
        else:  # the Reader refuses any number beyond LARGEST_NUMBER either way
            out["minimum"] = kind.minimum if kind.minimum is not None else -LARGEST_NUMBER
        out["maximum"] = kind.maximum if kind.maximum is not None else LARGEST_NUMBER
    elif isinstance(kind, Enum):
        out = {"type": "string", "enum": list(kind.values)}
    elif isinstance(kind, StrMap):
        out = {"type": "object", "additionalProperties": {"type": "string"}}
    elif isinstance(kind, Str):
        out = {"type": "string"}
        if kind.pattern:
            out["pattern"] = kind.pattern
    else:  # pragma: no cover - every kind above is handled
        raise TypeError(kind)
    if kind.doc:
        out["description"] = kind.doc
    return out


def _field_schema(spec: Field) -> dict:
    out = _json_schema(spec.kind)
    if spec.default not in (None, ()):
        out["default"] = list(spec.default) if isinstance(spec.default, tuple) else spec.default
    return out


def _key_result_conditions() -> list[dict]:
    all_optional = {name for rule in KR_TYPE_FIELDS.values() for name in rule["allowed"]}
    conditions = []
    for kr_type, rule in KR_TYPE_FIELDS.items():
        condition = {"properties": {"type": {"const": kr_type}}}
        if kr_type == "metric":  # the default type: also when `type` is absent
            condition = {"anyOf": [{"not": {"required": ["type"]}}, condition]}
        else:
            condition["required"] = ["type"]
        then = {"required": list(rule["required"])}
        forbidden = sorted(all_optional - set(rule["allowed"]))
        if forbidden:
            then["not"] = {"anyOf": [{"required": [name]} for name in forbidden]}
        conditions.append({"if": condition, "then": then})
    return conditions


SCHEMAS = {"portal": PORTAL, "objective": OBJECTIVE, "metric": METRIC}


def json_schema(name: str) -> dict:
    """The JSON Schema (draft-07, as the YAML language server reads it) of one file kind."""
    root = SCHEMAS[name]
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"okr-portal {name} file (schema 1)",
        **_json_schema(root),
    }


def schema_text(name: str) -> str:
    """The shipped file site_builder/schemas/<name>.schema.json, as it must read."""
    return json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path | None = None) -> list[Path]:
    """(Re)write the shipped JSON Schemas from the declarations above:
    ``python -m site_builder.source.schema`` after changing a format."""
    folder = folder or Path(__file__).parent.parent / "schemas"  # site_builder/schemas/
    written = []
    for name in SCHEMAS:
        path = folder / f"{name}.schema.json"
        path.write_text(schema_text(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_schemas():
        print(f"wrote {path}")

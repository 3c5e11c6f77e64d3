"""The JSON Schemas shipped for editors (``okr-portal schema``), made from ``formats``.

``python -m site_builder.source.json_schema`` rewrites the shipped
site_builder/schemas/*.json from the declarations, after changing a format.
"""

from __future__ import annotations

import json
from pathlib import Path

from site_builder.source.formats import KEY_RESULT, KR_TYPE_FIELDS, METRIC, OBJECTIVE, PORTAL, UNITS, UNITS_SINCE
from site_builder.source.kinds import (
    ID_PATTERN, LANG_PATTERN, DateKind, Enum, Field, Id, Kind, Lang, ListOf, MapOf, Number, Obj, Str, StrMap,
    TextKind,
)
from site_builder.source.values import DATE_PATTERN, LARGEST_NUMBER

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
        if kind.at_least_one:
            out["anyOf"] = [{"required": [name]} for name in kind.at_least_one]
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
    elif isinstance(kind, MapOf):
        out = {"type": "object", "propertyNames": {"pattern": kind.key_pattern},
               "additionalProperties": _json_schema(kind.item)}
        if kind.min_items:
            out["minProperties"] = kind.min_items
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
    if spec.since > 1:  # the keys marked [2] in DESIGN.md: refused in a portal of an earlier schema
        out["description"] = f"{out.get('description', spec.name)} (needs schema: {spec.since} in okrs/portal.yml)"
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
        then = {"required": list(rule["required"])} if rule["required"] else {}
        forbidden = sorted(all_optional - set(rule["allowed"]))
        if forbidden:
            then["not"] = {"anyOf": [{"required": [name]} for name in forbidden]}
        conditions.append({"if": condition, "then": then})
    return conditions


SCHEMAS = {"portal": PORTAL, "objective": OBJECTIVE, "metric": METRIC, "units": UNITS}
_SINCE = {"units": UNITS_SINCE}  # the file kinds a later schema added


def json_schema(name: str) -> dict:
    """The JSON Schema (draft-07, as the YAML language server reads it) of one file kind."""
    root = SCHEMAS[name]
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"okr-portal {name} file (schema {_SINCE[name] if name in _SINCE else '1 and 2'})",
        **_json_schema(root),
    }


def schema_text(name: str) -> str:
    """The shipped file site_builder/schemas/<name>.schema.json, as it must read."""
    return json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path | None = None) -> list[Path]:
    """(Re)write the shipped JSON Schemas from the declarations above:
    ``python -m site_builder.source.json_schema`` after changing a format."""
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

"""Schema 2's organization keys through the real CLI: units.yml, `unit`, `aligns_to`, rollup
key results (DESIGN.md §3), the errors and the warning `okr-portal validate` prints for them
with their exact ``path:line: message``, and a schema 1 portal that writes them.

The base portal is numbered by line in the comments below: every case edits one of its
files and names the lines it expects.
"""

from __future__ import annotations

import json
import re

import pytest

from fixtures import PORTAL_PATH, PORTAL_YML
from site_builder.source.check import check
from site_builder.source.formats import FEED, KEY_RESULT, METRIC, OBJECTIVE, PERIOD, PORTAL, UPDATE
from site_builder.source.kinds import ListOf, Obj
from site_builder.source.json_schema import json_schema

UNITS = "okrs/units.yml"
TOP = "okrs/objectives/top.yml"
CHILD = "okrs/objectives/child.yml"
NEEDS_2 = "needs schema: 2 in okrs/portal.yml (this portal says schema: 1)"

# okrs/portal.yml: PORTAL_YML with schema: 2 (periods cy2025 and cy2026, at lines 6 and 7).
PORTAL_2 = PORTAL_YML.replace("schema: 1\n", "schema: 2\n", 1)

# okrs/units.yml, by line:
UNITS_YML = """\
- id: system
  title: Harbor Valley Health
  lead: Chief executive
- id: clinics
  parent: system
  title: Community clinics
- id: access-office
  parent: clinics
  title: Office of Access
"""
#  1 - id: system            4 - id: clinics        7 - id: access-office
#  2   title: ...            5   parent: system     8   parent: clinics
#  3   lead: ...             6   title: ...         9   title: ...

TOP_YML = """\
id: top
period: cy2026
title: Timely care
owner: Chief executive
unit: system
key_results:
  - id: access
    title: Patients seen within a week
    type: rollup
  - id: launch
    title: Launch the booking line
    type: milestone
    due: 2026-06-30
"""
#  1 id  2 period  3 title  4 owner  5 unit  6 key_results  7 - id: access  8 title  9 type: rollup
# 10 - id: launch  11 title  12 type: milestone  13 due

CHILD_YML = """\
id: child
period: cy2026
title: Faster clinic bookings
owner: Clinics lead
unit: clinics
aligns_to: top/access
key_results:
  - id: book
    title: Booking system live
    type: milestone
    due: 2026-05-31
"""
#  1 id  2 period  3 title  4 owner  5 unit  6 aligns_to  7 key_results  8 - id: book  9 title  10 type  11 due


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def files(**changed: str | None) -> dict:
    """The valid schema 2 portal, with files changed by name (portal, units, top, child; None: left out)
    or added by path (as keyword `extra`, a dict)."""
    extra = changed.pop("extra", {})
    base = {"portal": (PORTAL_PATH, PORTAL_2), "units": (UNITS, UNITS_YML), "top": (TOP, TOP_YML),
            "child": (CHILD, CHILD_YML)}
    out = {}
    for name, (path, text) in base.items():
        text = changed.get(name, text)
        if text is not None:
            out[path] = text
    return {**out, **extra}


def validate(make, cli, *args: str, **changed):
    root = make(files(**changed), portal_yml=None)
    run = cli(root, "validate", *args)
    assert "Traceback" not in run.out + run.err
    return run


def assert_errors(run, expected: list[str]) -> None:
    assert run.out.splitlines() == expected, "\n" + run.out
    assert run.code == 1


# --- the valid portal -------------------------------------------------------------------


def test_a_valid_schema_2_portal_has_no_problems(portal, cli):
    run = validate(portal, cli)
    assert run.out == "okrs/ is valid: 2 objectives (0 draft), 3 key results, 0 metrics with 0 observations\n"
    assert run.err == ""
    assert run.code == 0


def test_check_reads_units_and_alignment(portal):
    checked = check(portal(files(), portal_yml=None))
    assert checked.problems == [] and checked.warnings == []
    assert [(u.id, u.parent) for u in checked.portal.units] == [
        ("system", None), ("clinics", "system"), ("access-office", "clinics")]
    child = next(o for o in checked.portal.objectives if o.id == "child")
    assert (child.unit, child.aligns_to, child.parent_ref) == ("clinics", "top/access", ("top", "access"))


def test_a_portal_without_units_yml_is_valid(portal, cli):
    run = validate(portal, cli, units=None, top=edit(TOP_YML, "unit: system\n", ""),
                   child=edit(CHILD_YML, "unit: clinics\n", ""))
    assert run.code == 0, run.out


# --- schema 1: each key of schema 2 is one error ------------------------------------------


def test_a_schema_1_portal_writing_schema_2_keys(portal, cli):
    run = validate(portal, cli, portal=PORTAL_YML)
    assert_errors(run, [
        f"{CHILD}:5: 'unit' {NEEDS_2}",
        f"{CHILD}:6: 'aligns_to' {NEEDS_2}",
        f"{TOP}:5: 'unit' {NEEDS_2}",
        f"{TOP}:9: type 'rollup' {NEEDS_2}",
        f"{UNITS}:1: units.yml {NEEDS_2}",
    ])
    assert run.err == "5 problems in 3 files\n"


def test_a_schema_1_portal_without_them_is_unchanged(portal, cli):
    top = edit(edit(TOP_YML, "unit: system\n", ""), "    type: rollup\n", "    type: milestone\n    due: 2026-03-31\n")
    run = validate(portal, cli, portal=PORTAL_YML, units=None, top=top,
                   child=edit(edit(CHILD_YML, "unit: clinics\n", ""), "aligns_to: top/access\n", ""))
    assert run.out == "okrs/ is valid: 2 objectives (0 draft), 3 key results, 0 metrics with 0 observations\n"
    assert run.code == 0


def test_schema_1_lists_only_its_own_types_and_keys(portal, cli):
    run = validate(portal, cli, portal=PORTAL_YML, units=None, top=None,
                   child=edit(edit(edit(CHILD_YML, "unit: clinics\n", "unti: clinics\n"), "aligns_to: top/access\n",
                                   ""), "type: milestone", "type: rolup"))
    assert_errors(run, [
        f"{CHILD}:5: unknown key 'unti' in objective",
        f"{CHILD}:9: type 'rolup' must be one of metric, milestone, maintain",
    ])


def _since_2(kind) -> list[str]:
    return [f.name for f in kind.fields if f.since >= 2]


# Where a key of each file kind goes in a schema 1 portal: (its kind, the file, the file's text
# with the key written after a given line).
SCHEMA_1_CHILD = edit(edit(CHILD_YML, "unit: clinics\n", ""), "aligns_to: top/access\n", "")
CHECKED_IN = SCHEMA_1_CHILD + "    updates:\n      - date: 2026-02-01\n        confidence: on_track\n        text: Fine\n"
WITH_A_FEED = "title: M\nfeed:\n  type: csv\n  url: data/m.csv\n"
BLOCK_PERIOD = edit(PORTAL_YML, "  - {id: cy2026, title: Calendar year 2026, start: 2026-01-01, end: 2026-12-31}\n",
                    "  - id: cy2026\n    title: Calendar year 2026\n    start: 2026-01-01\n    end: 2026-12-31\n")
_PLACES = {
    "objective": (OBJECTIVE, CHILD, SCHEMA_1_CHILD, "owner: Clinics lead\n", ""),
    "key result": (KEY_RESULT, CHILD, SCHEMA_1_CHILD, "    type: milestone\n", "    "),
    "check-in": (UPDATE, CHILD, CHECKED_IN, "        text: Fine\n", "        "),
    "portal": (PORTAL, PORTAL_PATH, PORTAL_YML, "title: Test portal\n", ""),
    "period": (PERIOD, PORTAL_PATH, BLOCK_PERIOD, "    end: 2026-12-31\n", "    "),
    "metric": (METRIC, "okrs/metrics/m.yml", "title: M\n", "title: M\n", ""),
    "feed": (FEED, "okrs/metrics/m.yml", WITH_A_FEED, "  url: data/m.csv\n", "  "),
}


def _kinds(kind, seen: list) -> list:
    """Every Obj declared under ``kind`` (its fields' kinds, list items), once."""
    if isinstance(kind, ListOf):
        return _kinds(kind.item, seen)
    if isinstance(kind, Obj) and all(kind is not k for k in seen):
        seen.append(kind)
        for f in kind.fields:
            _kinds(f.kind, seen)
    return seen


def test_every_kind_with_a_schema_2_key_has_a_place_in_the_test_below():
    """When a key of schema 2 is declared in a kind not in _PLACES, add its place there."""
    placed = [kind for kind, *_rest in _PLACES.values()]
    kinds = _kinds(PORTAL, []) + _kinds(OBJECTIVE, []) + _kinds(METRIC, [])
    assert [k.name for k in kinds if _since_2(k) and all(k is not p for p in placed)] == []
_CASES = [pytest.param(place, key, id=f"{place}-{key}") for place, (kind, *_rest) in _PLACES.items()
          for key in _since_2(kind)]


@pytest.mark.parametrize("place, key", _CASES)
def test_every_schema_2_key_is_one_error_in_a_schema_1_portal(portal, cli, place, key):
    """Whatever its value: it is not read (the issues to come only declare their keys with since=2)."""
    _kind, path, text, after, indent = _PLACES[place]
    written = {PORTAL_PATH: PORTAL_YML, CHILD: SCHEMA_1_CHILD, "okrs/metrics/m.csv": "date,value\n"}
    written[path] = edit(text, after, f"{after}{indent}{key}: x\n")
    line = written[path].splitlines().index(f"{indent}{key}: x") + 1
    run = cli(portal(written, portal_yml=None), "validate")
    assert run.out.splitlines() == [f"{path}:{line}: '{key}' {NEEDS_2}"], run.out
    assert run.code == 1


def test_the_objective_keys_of_schema_2_are_declared_so():
    assert {"unit", "aligns_to"} <= set(_since_2(OBJECTIVE))


def test_an_unsupported_schema_version(portal, cli):
    run = validate(portal, cli, portal=PORTAL_YML.replace("schema: 1", "schema: 3"))
    assert_errors(run, [f"{PORTAL_PATH}:1: unsupported schema version 3: this okr-portal reads schema 1 or 2"])


# --- units.yml --------------------------------------------------------------------------

UNIT_CASES = [
    ("two-roots", edit(UNITS_YML, "  parent: clinics\n", ""), [
        f"{UNITS}:7: unit 'access-office' has no parent, and neither has 'system' (line 1): only the organization "
        "itself has no parent; give the other units a 'parent'",
    ]),
    ("three-roots", edit(edit(UNITS_YML, "  parent: clinics\n", ""), "  parent: system\n", ""), [
        f"{UNITS}:4: unit 'clinics' has no parent, and neither has 'system' (line 1): only the organization "
        "itself has no parent; give the other units a 'parent'",
        f"{UNITS}:6: unit 'access-office' has no parent, and neither has 'system' (line 1): only the organization "
        "itself has no parent; give the other units a 'parent'",
    ]),
    ("no-root", edit(UNITS_YML, "- id: system\n", "- id: system\n  parent: access-office\n"), [
        f"{UNITS}:1: no unit is the organization itself: exactly one unit has no 'parent' (the organization); "
        "every other unit names the unit it belongs to",
        f"{UNITS}:2: parent makes a circle: 'system' → 'access-office' → 'clinics' → back to 'system'; following "
        "'parent' from any unit must lead up to the organization, the unit without a parent",
    ]),
    ("circle-below-the-root", UNITS_YML + "- id: a\n  parent: b\n  title: A\n- id: b\n  parent: a\n  title: B\n", [
        f"{UNITS}:11: parent makes a circle: 'a' → 'b' → back to 'a'; following 'parent' from any unit must lead up "
        "to the organization, the unit without a parent",
    ]),
    ("own-parent", edit(UNITS_YML, "  parent: clinics\n", "  parent: access-office\n"), [
        f"{UNITS}:8: unit 'access-office' names itself as its parent; its parent is the unit it belongs to",
    ]),
    ("unknown-parent", edit(UNITS_YML, "  parent: clinics\n", "  parent: clinic\n"), [
        f"{UNITS}:8: unit 'access-office': unknown parent 'clinic' (did you mean 'clinics'?); a parent is the id of "
        "another unit in okrs/units.yml",
    ]),
    ("duplicate-id", UNITS_YML + "- id: clinics\n  parent: system\n  title: Clinics again\n", [
        f"{UNITS}:10: unit id 'clinics' is used twice (first at line 4)",
    ]),
    ("empty-parent", edit(UNITS_YML, "  parent: clinics\n", "  parent:\n"), [
        f"{UNITS}:8: parent must be an id, not an empty value",
    ]),
    ("invalid-parent-is-no-second-root", edit(UNITS_YML, "  parent: clinics\n", "  parent: Clinics\n"), [
        f"{UNITS}:8: parent 'Clinics' is not a valid id: use lowercase letters, digits and '-', starting with a "
        "letter or digit, at most 64 characters",
    ]),
    ("not-a-list", "system:\n  title: Harbor Valley Health\n", [
        f"{UNITS}:1: units.yml must be a list of units, each beginning with '- id:'; this file is not a list",
    ]),
    ("unknown-key", edit(UNITS_YML, "  lead: Chief executive\n", "  leader: Chief executive\n"), [
        f"{UNITS}:3: unknown key 'leader' in unit (did you mean 'lead'?)",
    ]),
    ("missing-title", edit(UNITS_YML, "  title: Community clinics\n", ""), [
        f"{UNITS}:4: unit is missing required key 'title'",
    ]),
    ("title-in-undeclared-language", edit(UNITS_YML, "  title: Community clinics\n",
                                          "  title: {en: Community clinics, fr: Cliniques}\n"), [
        f"{UNITS}:6: title is translated into 'fr', which okrs/portal.yml does not declare (languages: en, zh-TW)",
    ]),
    ("lead-without-default-language", edit(UNITS_YML, "  lead: Chief executive\n",
                                           "  lead: {zh-TW: 執行長}\n"), [
        f"{UNITS}:3: lead has no text in the default language 'en'",
    ]),
]


@pytest.mark.parametrize("units, expected", [pytest.param(u, e, id=i) for i, u, e in UNIT_CASES])
def test_units_problems(portal, cli, units, expected):
    # access-office has no objective: whatever happens to it, only units.yml has problems
    assert_errors(validate(portal, cli, units=units), expected)


def test_units_that_could_not_be_read_make_no_more_problems(portal, cli):
    run = validate(portal, cli, units="- id: system\n  title: [unclosed\n")
    assert len(run.out.splitlines()) == 1 and run.out.startswith(f"{UNITS}:"), run.out
    assert run.code == 1


def test_units_yml_linked_out_of_the_portal_is_not_read_and_no_unit_looks_unknown(portal, cli, tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yml"
    outside.write_text(UNITS_YML, encoding="utf-8")
    root = portal(files(units=None), portal_yml=None)
    (root / UNITS).symlink_to(outside)
    run = cli(root, "validate")
    assert_errors(run, [f"{UNITS}:1: this file is a link to a file outside the portal; it is not read"])


# --- an objective's unit and alignment -----------------------------------------------------

OBJECTIVE_CASES = [
    ("unknown-unit", dict(child=edit(CHILD_YML, "unit: clinics", "unit: clinic")), [
        f"{CHILD}:5: unknown unit 'clinic' (did you mean 'clinics'?); okrs/units.yml has no unit with this id",
    ]),
    ("unit-without-units-yml", dict(units=None, top=edit(TOP_YML, "unit: system\n", "")), [
        f"{CHILD}:5: unit 'clinics': there is no okrs/units.yml; create it to list the organization's units, or "
        "remove 'unit' (the objective then belongs to the organization)",
    ]),
    ("unknown-objective", dict(child=edit(CHILD_YML, "aligns_to: top/access", "aligns_to: tops/access")), [
        f"{CHILD}:6: aligns_to: unknown objective 'tops' (did you mean 'top'?)",
        f"{TOP}:9: warning: key result 'access' is a rollup, but no objective aligns to it (aligns_to: top/access): "
        "it shows no data until one does",
    ]),
    ("unknown-key-result", dict(child=edit(CHILD_YML, "aligns_to: top/access", "aligns_to: top/acess")), [
        f"{CHILD}:6: aligns_to: objective 'top' ({TOP}) has no key result 'acess' (did you mean 'access'?); its key "
        "results: access, launch",
        f"{TOP}:9: warning: key result 'access' is a rollup, but no objective aligns to it (aligns_to: top/access): "
        "it shows no data until one does",
    ]),
    ("aligned-to-itself", dict(child=edit(CHILD_YML, "aligns_to: top/access", "aligns_to: child/book")), [
        f"{CHILD}:6: objective 'child' aligns to itself; aligns_to names another objective, the one this objective "
        "contributes to",
        f"{TOP}:9: warning: key result 'access' is a rollup, but no objective aligns to it (aligns_to: top/access): "
        "it shows no data until one does",
    ]),
    ("public-to-draft", dict(top=edit(TOP_YML, "unit: system\n", "unit: system\nvisibility: draft\n")), [
        f"{CHILD}:6: this objective is public but aligns to 'top' ({TOP}), a draft: a published objective cannot "
        "contribute to an unpublished one; publish 'top' or make this objective a draft too",
    ]),
    ("period-not-inside", dict(child=edit(edit(CHILD_YML, "period: cy2026", "period: cy2025"), "2026-05-31",
                                          "2025-05-31")), [
        f"{CHILD}:6: period 'cy2025' (2025-01-01 to 2025-12-31) is not inside the period of 'top', 'cy2026' "
        "(2026-01-01 to 2026-12-31): an objective can contribute only to one whose period contains its own",
    ]),
    ("alignment-circle", dict(top=edit(TOP_YML, "unit: system\n", "unit: system\naligns_to: child\n")), [
        f"{CHILD}:6: aligns_to makes a circle: {CHILD} → {TOP} → back to child.yml",
    ]),
    ("alignment-circle-of-three", dict(
        top=edit(TOP_YML, "unit: system\n", "unit: system\naligns_to: mid\n"),
        extra={"okrs/objectives/mid.yml": edit(edit(CHILD_YML, "id: child", "id: mid"), "aligns_to: top/access",
                                               "aligns_to: child")}), [
        f"{CHILD}:6: aligns_to makes a circle: {CHILD} → {TOP} → okrs/objectives/mid.yml → back to child.yml",
    ]),
    ("rollup-with-metric-fields", dict(top=edit(TOP_YML, "    type: rollup\n",
                                                "    type: rollup\n    metric: wait\n    due: 2026-06-30\n"),
                                       extra={"okrs/metrics/wait.csv": "date,value\n"}), [
        f"{TOP}:10: 'metric' is not used by rollup key results: their progress comes from the objectives aligned to "
        "them; remove it or change the type",
        f"{TOP}:11: 'due' is not used by rollup key results: their progress comes from the objectives aligned to "
        "them; remove it or change the type",
    ]),
    ("rollup-with-baseline-target-threshold-done", dict(top=edit(
        TOP_YML, "    type: rollup\n", "    type: rollup\n    baseline: {date: 2026-01-01, value: 1}\n"
        "    target: {value: 2}\n    threshold: {min: 1}\n    done: 2026-02-01\n")), [
        f"{TOP}:10: 'baseline' is not used by rollup key results: their progress comes from the objectives aligned "
        "to them; remove it or change the type",
        f"{TOP}:11: 'target' is not used by rollup key results: their progress comes from the objectives aligned to "
        "them; remove it or change the type",
        f"{TOP}:12: 'threshold' is not used by rollup key results: their progress comes from the objectives aligned "
        "to them; remove it or change the type",
        f"{TOP}:13: 'done' is not used by rollup key results: their progress comes from the objectives aligned to "
        "them; remove it or change the type",
    ]),
]


@pytest.mark.parametrize("changed, expected", [pytest.param(c, e, id=i) for i, c, e in OBJECTIVE_CASES])
def test_objective_problems(portal, cli, changed, expected):
    assert_errors(validate(portal, cli, **changed), expected)


def test_every_problem_in_one_run(portal, cli):
    run = validate(portal, cli, units=edit(UNITS_YML, "  parent: clinics\n", "  parent: clinic\n"),
                   child=edit(edit(CHILD_YML, "unit: clinics", "unit: clinic"), "aligns_to: top/access",
                              "aligns_to: top/acess"))
    assert [line.split(": ", 1)[0] for line in run.out.splitlines()] == [
        f"{CHILD}:5", f"{CHILD}:6", f"{TOP}:9", f"{UNITS}:8"]
    assert run.err == "3 problems in 2 files (1 warning)\n"
    assert run.code == 1


def test_a_long_aligns_to_is_quoted_whole_and_safely(portal, cli):
    long = "a" * 64 + "/" + "b" * 64
    run = validate(portal, cli, child=edit(CHILD_YML, "aligns_to: top/access", f"aligns_to: {long}"))
    assert f"{CHILD}:6: aligns_to: unknown objective '{'a' * 64}'" in run.out.splitlines()


# --- the warning -----------------------------------------------------------------------------

NOBODY_ALIGNS = (f"{TOP}:9: warning: key result 'access' is a rollup, but no objective aligns to it "
                 "(aligns_to: top/access): it shows no data until one does")


def test_a_rollup_nothing_aligns_to_is_a_warning(portal, cli):
    run = validate(portal, cli, child=edit(CHILD_YML, "aligns_to: top/access", "aligns_to: top"))
    assert run.out.splitlines() == [
        NOBODY_ALIGNS,
        "okrs/ is valid: 2 objectives (0 draft), 3 key results, 0 metrics with 0 observations (1 warning)",
    ]
    assert run.code == 0


def test_a_rollup_only_drafts_align_to_is_a_warning(portal, cli):
    run = validate(portal, cli, child=edit(CHILD_YML, "unit: clinics\n", "unit: clinics\nvisibility: draft\n"))
    assert run.out.splitlines() == [
        f"{TOP}:9: warning: key result 'access' is a rollup, but only drafts align to it (aligns_to: top/access): "
        "it shows no data until one of them is published",
        "okrs/ is valid: 2 objectives (1 draft), 3 key results, 0 metrics with 0 observations (1 warning)",
    ]
    assert run.code == 0


def test_a_warning_as_a_github_annotation(portal, cli):
    run = validate(portal, cli, "--format", "github", child=edit(CHILD_YML, "aligns_to: top/access", "aligns_to: top"))
    message = NOBODY_ALIGNS.split(": warning: ", 1)[1]
    assert run.out.splitlines()[0] == f"::warning file={TOP},line=9::{message}"
    assert run.code == 0


def test_errors_and_warnings_as_github_annotations(portal, cli):
    run = validate(portal, cli, "--format", "github", child=edit(CHILD_YML, "aligns_to: top/access",
                                                                 "aligns_to: tops"))
    assert run.out.splitlines() == [
        f"::error file={CHILD},line=6::aligns_to: unknown objective 'tops' (did you mean 'top'?)",
        f"::warning file={TOP},line=9::{NOBODY_ALIGNS.split(': warning: ', 1)[1]}",
    ]
    assert run.err == "1 problem in 1 file (1 warning)\n"
    assert run.code == 1


def test_check_keeps_warnings_apart(portal):
    checked = check(portal(files(child=edit(CHILD_YML, "aligns_to: top/access", "aligns_to: top")),
                           portal_yml=None))
    assert checked.problems == []
    assert [str(w) for w in checked.warnings] == [NOBODY_ALIGNS]


def test_status_goes_on_with_a_warning(portal, cli):
    root = portal(files(child=edit(CHILD_YML, "aligns_to: top/access", "aligns_to: top")), portal_yml=None)
    run = cli(root, "status", "--json", "--as-of", "2026-03-01")
    assert run.code == 0, run.err
    assert {o["id"] for o in json.loads(run.out)["objectives"]} == {"top", "child"}


# --- JSON Schemas ------------------------------------------------------------------------------


def test_the_units_schema():
    schema = json_schema("units")
    assert schema["type"] == "array" and schema["minItems"] == 1
    item = schema["items"]
    assert item["required"] == ["id", "title"] and item["additionalProperties"] is False
    assert set(item["properties"]) == {"id", "parent", "title", "lead", "description"}


def test_the_objective_schema_has_the_schema_2_keys():
    schema = json_schema("objective")
    assert {"unit", "aligns_to"} <= set(schema["properties"])
    assert "schema: 2" in schema["properties"]["unit"]["description"]
    assert re.fullmatch(schema["properties"]["aligns_to"]["pattern"], "top/access")
    kr = schema["properties"]["key_results"]["items"]
    assert "rollup" in kr["properties"]["type"]["enum"]


def _schema_errors(name: str, text: str) -> list[str]:
    import yaml
    from jsonschema import Draft7Validator

    class Loader(yaml.SafeLoader):  # dates stay strings, as an editor's YAML language server has them
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    validator = Draft7Validator(json_schema(name), format_checker=Draft7Validator.FORMAT_CHECKER)
    return [e.message for e in validator.iter_errors(yaml.load(text, Loader=Loader))]


def test_the_schemas_accept_the_valid_schema_2_files():
    assert _schema_errors("units", UNITS_YML) == []
    assert _schema_errors("objective", TOP_YML) == []
    assert _schema_errors("objective", CHILD_YML) == []
    assert _schema_errors("portal", PORTAL_2) == []


def test_the_objective_schema_refuses_a_rollup_with_metric_fields():
    assert _schema_errors("objective", edit(TOP_YML, "    type: rollup\n", "    type: rollup\n    metric: wait\n"))
    assert _schema_errors("objective", edit(TOP_YML, "    type: rollup\n", "    type: rollup\n    due: 2026-06-30\n"))


def test_the_units_schema_refuses_what_validate_refuses():
    assert _schema_errors("units", "system:\n  title: X\n")
    assert _schema_errors("units", edit(UNITS_YML, "  lead:", "  leader:"))
    assert _schema_errors("units", edit(UNITS_YML, "  title: Community clinics\n", ""))
    assert _schema_errors("units", "[]\n")


def test_the_schema_command_prints_the_units_schema(cli, tmp_path):
    run = cli(tmp_path, "schema", "units")
    assert run.code == 0 and json.loads(run.out) == json_schema("units")


# --- warnings stop nothing -----------------------------------------------------------------


def test_build_goes_on_with_a_warning_and_prints_it(portal, cli, tmp_path):
    root = portal(files(child=edit(CHILD_YML, "aligns_to: top/access", "aligns_to: top")), portal_yml=None)
    run = cli(root, "build", "--as-of", "2026-03-01", "--site-dir", str(tmp_path / "out"))
    assert run.code == 0, run.out + run.err
    assert NOBODY_ALIGNS in run.err.splitlines()
    assert (tmp_path / "out" / "index.html").is_file()


def test_diff_reports_no_warning_as_a_problem(tmp_path, cli):
    from gitrepo import Repo

    repo = Repo(tmp_path / "repo")
    repo.commit("Start", "2026-01-05T12:00:00+00:00", files())
    repo.write({CHILD: edit(CHILD_YML, "aligns_to: top/access", "aligns_to: top")})  # a new warning, no error
    run = cli(repo.root, "diff", "HEAD", "--as-of", "2026-03-01")
    assert run.code == 0, run.err
    assert "validation problem" not in run.out


def test_a_large_schema_1_portal_refuses_schema_2_keys_in_every_file(portal, cli):
    """Past PARALLEL_FROM files, a second process reads most of them: it knows the schema too."""
    from site_builder.speed import PARALLEL_FROM

    many = {f"okrs/objectives/o{i:04d}.yml": edit(SCHEMA_1_CHILD, "id: child", f"id: o{i}").replace(
        "owner: Clinics lead\n", "owner: Clinics lead\nunit: clinics\n") for i in range(PARALLEL_FROM)}
    run = cli(portal({PORTAL_PATH: PORTAL_YML, **many}, portal_yml=None), "validate")
    assert run.out.splitlines() == [f"{path}:5: 'unit' {NEEDS_2}" for path in sorted(many)]
    assert run.code == 1


def test_schema_1_written_as_a_decimal_still_refuses_schema_2_keys(portal, cli):
    run = validate(portal, cli, portal=PORTAL_YML.replace("schema: 1\n", "schema: 1.0\n"), units=None, top=None,
                   child=edit(CHILD_YML, "aligns_to: top/access\n", ""))
    assert_errors(run, [f"{CHILD}:5: 'unit' {NEEDS_2}"])


def test_a_long_circle_is_shown_by_its_first_files(portal, cli):
    ring = {f"okrs/objectives/r{i:02d}.yml": edit(edit(SCHEMA_1_CHILD, "id: child", f"id: r{i:02d}"),
                                                  "owner: Clinics lead\n",
                                                  f"owner: Clinics lead\naligns_to: r{(i + 1) % 10:02d}\n")
            for i in range(10)}
    run = validate(portal, cli, child=None, extra=ring)
    shown = " → ".join(f"okrs/objectives/r{i:02d}.yml" for i in range(8))
    assert_errors(run, [f"okrs/objectives/r00.yml:5: aligns_to makes a circle: {shown} → … (2 more) → back to "
                        "r00.yml",
                        f"{TOP}:9: warning: key result 'access' is a rollup, but no objective aligns to it "
                        "(aligns_to: top/access): it shows no data until one does"])

"""A corpus of broken portals and the exact lines `okr-portal validate` prints for them.

Each case is a small portal written to a temporary folder. Every expected line is
the full ``path:line: message``; the line numbers can be checked by counting lines
in the texts below (the base files are numbered in their comments).

Cases marked xfail(strict=True) show output we think is wrong: the expected lines
are what validate should print, the reason says what it prints today.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator

from site_builder.source.json_schema import SCHEMAS, json_schema, schema_text
from fixtures import (
    OBJECTIVE_HEAD as HEAD, OBJECTIVE_PATH as A, WAIT_CSV_PATH as CSV, PORTAL_PATH as PORTAL, PORTAL_YML,
    SHORTER_WAITS as OBJ, WAIT_CSV,
)

REPO = Path(__file__).resolve().parent.parent


def edit(text: str, old: str, new: str) -> str:
    """``text`` with the one occurrence of ``old`` replaced (a typo in a test must not pass silently)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def obj(text: str | bytes = OBJ, **more: str | bytes) -> dict:
    """A portal whose objective a.yml is ``text``, with the metric it uses."""
    return {PORTAL: PORTAL_YML, A: text, CSV: WAIT_CSV, **more}


def obj_edit(old: str, new: str) -> dict:
    return obj(edit(OBJ, old, new))


def portal_edit(old: str, new: str, **more: str) -> dict:
    return {PORTAL: edit(PORTAL_YML, old, new), A: OBJ, CSV: WAIT_CSV, **more}


def csv(text: str) -> dict:
    return {PORTAL: PORTAL_YML, A: OBJ, CSV: text}


def xfail(reason: str):
    return pytest.mark.xfail(strict=True, reason=reason)


def case(name: str, files: dict, expected: list, *marks) -> object:
    return pytest.param(files, expected, id=name, marks=marks)


def billion_laughs() -> str:
    """Nine levels of nine aliases each: 9**9 (387 million) strings from a 600-byte file."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


ID_RULE = "is not a valid id: use lowercase letters, digits and '-', starting with a letter or digit, at most 64 characters"
NOT_A_NUMBER = "is not a number (write plain digits such as 1234.5, without units or thousands separators)"
NOT_FINITE = "is not a finite number; leave the value empty when there is no observation"

CASES = [
    # --- YAML syntax ---------------------------------------------------------------
    case("yaml-bad-indent", obj(OBJ + "  - id: x\n   title: indented one space too far\n"), [
        f"{A}:12: wrong indentation: this line does not line up with the lines above it; indent it with the same "
        "number of spaces as the other keys at its level",
    ]),
    case("yaml-tab-indent", obj_edit("    title: New-patient wait", "\ttitle: New-patient wait"), [
        f"{A}:7: this line is indented with a tab; YAML allows only spaces for indentation: replace the tab with spaces",
    ]),
    case("yaml-two-documents", obj(OBJ + "---\nid: b\n"), [
        f"{A}:11: a second document starts here ('---'), and a file holds only one: remove this line, or move what "
        "follows into a file of its own",
    ]),
    case("yaml-unclosed-bracket", obj_edit("title: Shorter waits", "title: [Shorter waits"), [
        # The '[' that is never closed is on line 3, where PyYAML says the sequence started.
        f"{A}:3: the '[' on this line is never closed; add the closing ']' where the list ends",
    ]),
    # --- unknown and repeated keys ---------------------------------------------------
    case("unknown-key-did-you-mean", obj_edit("target:", "taget:"), [
        f"{A}:10: unknown key 'taget' in key result (did you mean 'target'?)",
    ]),
    case("unknown-key-no-close-match", obj(OBJ + "colour: blue\n"), [
        f"{A}:11: unknown key 'colour' in objective",
    ]),
    case("unknown-key-in-portal", portal_edit("organization:", "organisation:"), [
        f"{PORTAL}:3: unknown key 'organisation' in portal (did you mean 'organization'?)",
    ]),
    case("repeated-key", obj_edit("owner: Access team\n", "owner: Access team\ntitle: Shorter waits again\n"), [
        f"{A}:5: repeated key 'title' (first at line 3)",
    ]),
    case("repeated-key-in-flow-mapping", obj_edit("{date: 2026-01-01, value: 30}", "{date: 2026-01-01, value: 30, value: 31}"), [
        f"{A}:9: repeated key 'value' (first at line 9)",
    ]),
    case("key-is-a-list", obj(OBJ + "[a, b]: 1\n"), [
        f"{A}:11: a key must be a plain name, not a list or mapping",
    ]),
    # --- missing required fields -----------------------------------------------------
    case("objective-without-title", obj(edit(OBJ, "title: Shorter waits\n", "")), [
        f"{A}:1: objective is missing required key 'title'",
    ]),
    case("objective-without-key-results", obj(HEAD.replace("key_results:\n", "")), [
        f"{A}:1: objective is missing required key 'key_results'",
    ]),
    case("objective-with-empty-key-results", obj(HEAD.replace("key_results:\n", "key_results: []\n")), [
        f"{A}:5: key_results must have at least 1 item",
    ]),
    case("key-result-without-title", obj(edit(OBJ, "    title: New-patient wait\n", "")), [
        f"{A}:6: key result is missing required key 'title'",
    ]),
    case("baseline-without-value", obj_edit("{date: 2026-01-01, value: 30}", "{date: 2026-01-01}"), [
        f"{A}:9: baseline is missing required key 'value'",
    ]),
    case("portal-without-title", portal_edit("title: Test portal\n", ""), [
        f"{PORTAL}:1: portal is missing required key 'title'",
    ]),
    case("portal-without-periods", {PORTAL: PORTAL_YML.split("periods:")[0]}, [
        f"{PORTAL}:1: portal is missing required key 'periods'",
    ]),
    case("portal-without-periods-and-an-objective", {PORTAL: PORTAL_YML.split("periods:")[0], A: OBJ, CSV: WAIT_CSV}, [
        f"{PORTAL}:1: portal is missing required key 'periods'",
    ]),
    case("portal-without-schema", portal_edit("schema: 1\n", ""), [
        f"{PORTAL}:1: portal is missing required key 'schema'",
    ]),
    # --- wrong types -----------------------------------------------------------------
    case("title-is-a-list", obj_edit("title: Shorter waits", "title: [Shorter, waits]"), [
        f"{A}:3: title must be text, or a mapping of language to text, not a list",
    ]),
    case("title-is-empty", obj_edit("title: Shorter waits", "title:"), [
        f"{A}:3: title must be text, or a mapping of language to text, not an empty value",
    ]),
    case("weight-is-text", obj_edit("    metric: wait", "    weight: heavy\n    metric: wait"), [
        f"{A}:8: weight must be a number, not 'heavy'",
    ]),
    case("weight-is-boolean", obj_edit("    metric: wait", "    weight: true\n    metric: wait"), [
        f"{A}:8: weight must be a number, not 'true' (true/false)",
    ]),
    case("baseline-is-a-scalar", obj_edit("{date: 2026-01-01, value: 30}", "30"), [
        f"{A}:9: baseline must be a mapping of keys to values, not '30'",
    ]),
    case("target-value-is-text", obj_edit("{value: 20}", "{value: twenty}"), [
        f"{A}:10: value must be a number, not 'twenty'",
    ]),
    case("target-value-is-quoted", obj_edit("{value: 20}", '{value: "20"}'), [
        f"{A}:10: value must be a number, not the quoted text \"20\": remove the quotes",
    ]),
    case("key-results-is-a-mapping", obj(HEAD + "  wait: {title: New-patient wait}\n"), [
        f"{A}:6: key_results must be a list, not a mapping",
    ]),
    case("key-result-is-a-scalar", obj(HEAD + "  - wait\n"), [
        f"{A}:6: key_results item must be a mapping of keys to values, not 'wait'",
    ]),
    case("objective-file-is-a-list", obj("- a\n- b\n"), [
        f"{A}:1: objective file must be a mapping of keys to values, not a list",
    ]),
    case("schema-is-text", portal_edit("schema: 1", "schema: one"), [
        f"{PORTAL}:1: schema must be a whole number, not 'one'",
    ]),
    case("visibility-not-allowed", obj_edit("owner: Access team\n", "owner: Access team\nvisibility: private\n"), [
        f"{A}:5: visibility 'private' must be one of public, draft",
    ]),
    case("key-result-type-typo", obj(HEAD + "  - id: ship\n    title: Ship it\n    type: milstone\n    due: 2026-06-30\n"), [
        f"{A}:8: type 'milstone' must be one of metric, milestone, maintain (did you mean 'milestone'?)",
    ]),
    case("unsupported-yaml-tag", obj_edit("owner: Access team", "owner: !!python/object:os.system x"), [
        f"{A}:4: unsupported YAML tag 'tag:yaml.org,2002:python/object:os.system'",
    ]),
    # --- ids -------------------------------------------------------------------------
    case("objective-id-uppercase", obj_edit("id: a\n", "id: Access\n"), [
        f"{A}:1: id 'Access' {ID_RULE}",
    ]),
    case("key-result-id-with-spaces", obj_edit("  - id: wait", "  - id: new patient wait"), [
        f"{A}:6: id 'new patient wait' {ID_RULE}",
    ]),
    case("objective-id-too-long", obj_edit("id: a\n", "id: " + "a" * 65 + "\n"), [
        f"{A}:1: id '{'a' * 40}…' {ID_RULE}",  # a message quotes 40 characters of a value at most
    ]),
    case("metric-file-name-not-an-id", obj(**{"okrs/metrics/Wait_Times.csv": WAIT_CSV}), [
        "okrs/metrics/Wait_Times.csv:1: file name 'Wait_Times.csv' does not make a valid metric id: "
        "use lowercase letters, digits and '-'",
    ]),
    case("duplicate-objective-ids", obj(**{"okrs/objectives/sub/b.yml": OBJ}), [
        "okrs/objectives/sub/b.yml:1: objective id 'a' is already used by okrs/objectives/a.yml:1",
    ]),
    case("duplicate-key-result-ids", obj(OBJ + OBJ.split("key_results:\n")[1]), [
        f"{A}:11: key result id 'wait' is used twice in this objective",
    ]),
    case("duplicate-period-ids", portal_edit(
        "  - {id: cy2026, title: Calendar year 2026, start: 2026-01-01, end: 2026-12-31}\n",
        "  - {id: cy2026, title: Calendar year 2026, start: 2026-01-01, end: 2026-12-31}\n"
        "  - {id: cy2026, title: Calendar year 2026 again, start: 2026-01-01, end: 2026-12-31}\n"), [
        f"{PORTAL}:8: period id 'cy2026' is used twice (first at line 7)",
    ]),
    # --- references ------------------------------------------------------------------
    case("unknown-period-did-you-mean", obj_edit("period: cy2026", "period: cy2062"), [
        f"{A}:2: unknown period 'cy2062' (did you mean 'cy2026'?); okrs/portal.yml declares: cy2025, cy2026",
    ]),
    case("unknown-period-no-close-match", obj_edit("period: cy2026", "period: q1"), [
        f"{A}:2: unknown period 'q1'; okrs/portal.yml declares: cy2025, cy2026",
    ]),
    case("unknown-metric", obj_edit("metric: wait", "metric: waits"), [
        f"{A}:8: unknown metric 'waits': there is no okrs/metrics/waits.csv (did you mean 'wait'?)",
    ]),
    # --- dates -----------------------------------------------------------------------
    case("date-not-a-date", obj_edit("date: 2026-01-01", "date: January 1"), [
        f"{A}:9: date 'January 1' is not a date in the form YYYY-MM-DD",
    ]),
    case("date-february-30", obj_edit("date: 2026-01-01", "date: 2026-02-30"), [
        f"{A}:9: date '2026-02-30' is not a real date",
    ]),
    case("date-is-a-date-time", obj_edit("date: 2026-01-01", "date: 2026-01-01T10:00:00"), [
        f"{A}:9: date '2026-01-01T10:00:00' is not a date in the form YYYY-MM-DD",
    ]),
    case("period-ends-before-it-starts", portal_edit("start: 2025-01-01, end: 2025-12-31", "start: 2025-01-01, end: 2024-12-31"), [
        f"{PORTAL}:6: period 'cy2025' ends on 2024-12-31, before it starts on 2025-01-01",
    ]),
    case("target-date-before-baseline", obj_edit("{value: 20}", "{date: 2025-12-01, value: 20}"), [
        f"{A}:10: key result 'wait': target date 2025-12-01 is not after the baseline date 2026-01-01",
    ]),
    case("target-date-equals-baseline-date", obj_edit("{value: 20}", "{date: 2026-01-01, value: 20}"), [
        f"{A}:10: key result 'wait': target date 2026-01-01 is not after the baseline date 2026-01-01",
    ]),
    case("default-target-date-before-baseline", obj_edit("date: 2026-01-01", "date: 2027-01-01"), [
        f"{A}:10: key result 'wait': target date (the period's end) 2026-12-31 is not after the baseline date 2027-01-01",
    ]),
    case("target-equals-baseline", obj_edit("{value: 20}", "{value: 30}"), [
        f"{A}:10: key result 'wait': target equals baseline (30); to hold a level, use type: maintain with a threshold",
    ]),
    case("check-ins-out-of-order", obj(OBJ + "    updates:\n"
                                             "      - {date: 2026-03-01, confidence: on_track, text: Fine}\n"
                                             "      - {date: 2026-02-01, confidence: on_track, text: Fine}\n"), [
        f"{A}:13: check-ins must be in date order, newest last: 2026-02-01 comes after 2026-03-01",
    ]),
    # --- weights and key-result types ------------------------------------------------
    case("weight-zero", obj_edit("    metric: wait", "    weight: 0\n    metric: wait"), [
        f"{A}:8: weight must be greater than 0, not 0",
    ]),
    case("weight-negative", obj_edit("    metric: wait", "    weight: -1\n    metric: wait"), [
        f"{A}:8: weight must be greater than 0, not -1",
    ]),
    case("maintain-without-threshold", obj(HEAD + "  - id: keep\n    title: Keep\n    type: maintain\n    metric: wait\n"), [
        f"{A}:6: key result 'keep' of type maintain needs 'threshold'",
    ]),
    case("threshold-without-min-or-max", obj(HEAD + "  - id: keep\n    title: Keep\n    type: maintain\n"
                                                     "    metric: wait\n    threshold: {}\n"), [
        f"{A}:10: key result 'keep': threshold needs min, max or both",
    ]),
    case("threshold-min-above-max", obj(HEAD + "  - id: keep\n    title: Keep\n    type: maintain\n"
                                                "    metric: wait\n    threshold: {min: 9, max: 3}\n"), [
        f"{A}:10: key result 'keep': threshold min (9) is greater than max (3)",
    ]),
    case("milestone-without-due", obj(HEAD + "  - id: ship\n    title: Ship it\n    type: milestone\n"), [
        f"{A}:6: key result 'ship' of type milestone needs 'due'",
    ]),
    case("milestone-with-metric", obj(HEAD + "  - id: ship\n    title: Ship it\n    type: milestone\n"
                                             "    due: 2026-06-30\n    metric: wait\n"), [
        f"{A}:10: 'metric' is not used by milestone key results (only by metric and maintain); "
        "remove it or change the type",
    ]),
    case("metric-key-result-with-threshold", obj_edit("    metric: wait", "    metric: wait\n    threshold: {min: 3}"), [
        f"{A}:9: 'threshold' is not used by metric key results (only by maintain); remove it or change the type",
    ]),
    case("confidence-did-you-mean", obj(OBJ + "    updates:\n      - {date: 2026-02-01, confidence: on-track, text: Fine}\n"), [
        f"{A}:12: confidence 'on-track' must be one of on_track, at_risk, off_track (did you mean 'on_track'?)",
    ]),
    case("confidence-no-close-match", obj(OBJ + "    updates:\n      - {date: 2026-02-01, confidence: green, text: Fine}\n"), [
        f"{A}:12: confidence 'green' must be one of on_track, at_risk, off_track",
    ]),
    # --- languages -------------------------------------------------------------------
    case("translation-into-undeclared-language", obj_edit("title: Shorter waits", "title:\n  en: Shorter waits\n  fr: Attente plus courte"), [
        f"{A}:5: title is translated into 'fr', which okrs/portal.yml does not declare (languages: en, zh-TW)",
    ]),
    case("translation-language-wrong-case", obj_edit("title: Shorter waits", "title: {en: Shorter waits, zh-tw: 縮短等候}"), [
        f"{A}:3: title is translated into 'zh-tw', which okrs/portal.yml does not declare (languages: en, zh-TW) "
        "(did you mean 'zh-TW'?)",
    ]),
    case("translation-without-default-language", obj_edit("title: Shorter waits", "title:\n  zh-TW: 縮短等候"), [
        f"{A}:4: title has no text in the default language 'en'",
    ]),
    case("translation-key-not-a-language", obj_edit("title: Shorter waits", "title: {english: Shorter waits}"), [
        f"{A}:3: title: 'english' is not a language code such as en or zh-TW",
    ]),
    case("period-title-in-undeclared-language", portal_edit("title: Calendar year 2025", "title: {en: Calendar year 2025, fr: Année 2025}"), [
        f"{PORTAL}:6: title is translated into 'fr', which okrs/portal.yml does not declare (languages: en, zh-TW)",
    ]),
    # --- CSV -------------------------------------------------------------------------
    case("csv-missing-value-column", csv("date,note\n2026-01-01,first\n"), [
        f"{CSV}:1: missing column 'value': the header must name the columns date,value (and optionally note)",
    ]),
    case("csv-value-column-misnamed", csv("date,amount\n2026-01-01,30\n"), [
        f"{CSV}:1: missing column 'value': the header must name the columns date,value (and optionally note)",
        f"{CSV}:1: unexpected column 'amount': schema 1 allows only date, value and note",
    ]),
    case("csv-extra-column", csv("date,value,source\n2026-01-01,30,survey\n"), [
        f"{CSV}:1: unexpected column 'source': schema 1 allows only date, value and note",
    ]),
    case("csv-column-twice", csv("date,value,value\n2026-01-01,30,31\n"), [
        f"{CSV}:1: column 'value' appears twice in the header",
    ]),
    case("csv-non-numeric-value", csv("date,value\n2026-01-01,30\n2026-02-01,12 days\n"), [
        f"{CSV}:3: value '12 days' {NOT_A_NUMBER}",
    ]),
    case("csv-nan", csv("date,value\n2026-01-01,30\n2026-02-01,NaN\n"), [
        f"{CSV}:3: value 'NaN' {NOT_FINITE}",
    ]),
    case("csv-inf", csv("date,value\n2026-01-01,30\n2026-02-01,inf\n2026-03-01,-Infinity\n"), [
        f"{CSV}:3: value 'inf' {NOT_FINITE}",
        f"{CSV}:4: value '-Infinity' {NOT_FINITE}",
    ]),
    case("csv-too-large", csv("date,value\n2026-01-01,30\n2026-02-01,1e999\n"), [
        f"{CSV}:3: value '1e999' is too large to be a number",
    ]),
    case("csv-bad-dates", csv("date,value\n2026-01-01,30\n01/02/2026,25\n2026-02-30,25\n2026-03-01T00:00,24\n"), [
        f"{CSV}:3: date '01/02/2026' is not a date in the form YYYY-MM-DD",
        f"{CSV}:4: date '2026-02-30' is not a real date",
        f"{CSV}:5: date '2026-03-01T00:00' is not a date in the form YYYY-MM-DD",
    ]),
    case("csv-duplicate-date", csv("date,value\n2026-01-01,30\n2026-02-01,25\n2026-02-01,24\n"), [
        f"{CSV}:4: date 2026-02-01 appears twice (first at line 3)",
    ]),
    case("csv-duplicate-date-after-a-bad-value", csv("date,value\n2026-01-01,30\n2026-02-01,NaN\n2026-02-01,24\n"), [
        f"{CSV}:3: value 'NaN' {NOT_FINITE}",
        f"{CSV}:4: date 2026-02-01 appears twice (first at line 3)",
    ]),
    case("csv-too-many-fields", csv("date,value\n2026-01-01,30\n2026-02-01,1,234\n"), [
        f"{CSV}:3: row has 3 values but the header has 2 columns",
    ]),
    case("csv-too-many-fields-with-note", csv("date,value,note\n2026-01-01,30\n2026-02-01,25,a,b\n"), [
        f"{CSV}:3: row has 4 values but the header has 3 columns",
    ]),
    case("csv-too-few-fields", csv("date,value\n2026-01-01,30\n2026-02-01\n"), [
        f"{CSV}:3: row has 1 value but the header has 2 columns",
    ]),
    case("csv-line-numbers-after-multi-line-note", csv('date,value,note\n2026-01-01,30,"two\nlines"\n2026-02-01,abc,\n'), [
        f"{CSV}:4: value 'abc' {NOT_A_NUMBER}",
    ]),
    case("csv-unterminated-quote", csv('date,value,note\n2026-01-01,30,"started\n2026-02-01,25,\n2026-03-01,20,\n'), [
        f"{CSV}:2: a quote (\") opened on this line is never closed; the rest of the file would become one value",
    ]),
    case("csv-empty", csv(""), [
        f"{CSV}:1: file is empty; it needs a header line date,value",
    ]),
    # --- files -----------------------------------------------------------------------
    case("unsupported-schema-version", portal_edit("schema: 1", "schema: 3"), [
        f"{PORTAL}:1: unsupported schema version 3: this okr-portal reads schema 1 or 2",
    ]),
    case("not-utf8", obj(edit(OBJ, "title: Shorter waits", "title: café").encode("latin-1")), [
        f"{A}:3: file is not UTF-8 text (byte 0xe9 cannot be decoded); save it as UTF-8",
    ]),
    case("not-utf8-csv", csv(b"date,value,note\n2026-01-01,30,caf\xe9\n"), [
        f"{CSV}:2: file is not UTF-8 text (byte 0xe9 cannot be decoded); save it as UTF-8",
    ]),
    case("empty-objective-file", obj(""), [
        f"{A}:1: file is empty",
    ]),
    case("objective-file-with-only-a-comment", obj("# to do\n"), [
        f"{A}:1: file is empty",
    ]),
    case("objective-file-named-yaml", {PORTAL: PORTAL_YML, "okrs/objectives/a.yaml": OBJ, CSV: WAIT_CSV}, [
        "okrs/objectives/a.yaml:1: objective files must end in .yml; rename it to a.yml",
    ]),
    case("metric-yml-without-csv", obj(**{"okrs/metrics/other.yml": "title: Other\nunit: days\n"}), [
        "okrs/metrics/other.yml:1: metric 'other' has no data file: create okrs/metrics/other.csv with the header date,value",
    ]),
    case("portal-yml-missing", {A: OBJ, CSV: WAIT_CSV}, [
        f"{PORTAL}:1: portal settings file is missing: create okrs/portal.yml with schema, title, organization and periods",
    ]),
    # --- aliases and merge keys -------------------------------------------------------
    case("billion-laughs", obj(billion_laughs()), [
        f"{A}:1: file expands to more than 200,000 values through YAML aliases; write it out plainly",
    ]),
    case("recursive-alias", obj_edit("owner: Access team\n", "owner: Access team\ntags: &t [access, *t]\n"), [
        f"{A}:5: a YAML alias refers to a value that contains it",
    ]),
    case("recursive-alias-in-a-text", obj_edit("owner: Access team", "owner: &o {en: *o}"), [
        f"{A}:4: a YAML alias refers to a value that contains it",
    ]),
    case("undefined-alias", obj_edit("owner: Access team", "owner: *team"), [
        f"{A}:4: a value that starts with '*' refers to a YAML anchor, and '*team' is not defined in this file; "
        "if the '*' is part of the text, put the whole value in quotes",
    ]),
    case("merge-key", obj_edit("    baseline: {date: 2026-01-01, value: 30}\n    target: {value: 20}\n",
                               "    baseline: &b {date: 2026-01-01, value: 30}\n    target:\n      <<: *b\n      value: 20\n"), [
        f"{A}:11: YAML merge keys ('<<') are not supported; write the keys out",
    ]),
]

# The portal with problems in six files at once, by line:
MANY = {
    PORTAL: edit(PORTAL_YML, "organization:", "organisation:"),                  # 3: typo
    A: edit(edit(OBJ, "target:", "taget:"), "    metric: wait", "    weight: 0\n    metric: wait"),  # 8, 11
    "okrs/objectives/b.yml": edit(edit(OBJ, "metric: wait", "metric: waits"), "cy2026", "cy2062"),  # 1, 2, 8
    CSV: "date,value\n2026-01-01,30\n2026-02-01,NaN\n",                          # 3
    "okrs/metrics/speed.yml": "title: Speed\nunits: km\n",                      # 2
    "okrs/metrics/speed.csv": "date,value,source\n",                            # 1
}
MANY_LINES = [
    "okrs/metrics/speed.csv:1: unexpected column 'source': schema 1 allows only date, value and note",
    "okrs/metrics/speed.yml:2: unknown key 'units' in metric (did you mean 'unit'?)",
    f"{CSV}:3: value 'NaN' {NOT_FINITE}",
    f"{A}:8: weight must be greater than 0, not 0",
    f"{A}:11: unknown key 'taget' in key result (did you mean 'target'?)",
    "okrs/objectives/b.yml:1: objective id 'a' is already used by okrs/objectives/a.yml:1",
    "okrs/objectives/b.yml:2: unknown period 'cy2062' (did you mean 'cy2026'?); okrs/portal.yml declares: cy2025, cy2026",
    "okrs/objectives/b.yml:8: unknown metric 'waits': there is no okrs/metrics/waits.csv (did you mean 'wait'?)",
    f"{PORTAL}:3: unknown key 'organisation' in portal (did you mean 'organization'?)",
]


def assert_lines(out: str, expected: list) -> None:
    """Every printed line, in order: a str must be equal, a regex must match in full."""
    lines = out.splitlines()
    assert len(lines) == len(expected), "\n" + out
    for line, want in zip(lines, expected):
        if isinstance(want, re.Pattern):
            assert want.fullmatch(line), f"{line!r} does not match {want.pattern!r}\n{out}"
        else:
            assert line == want, "\n" + out


def _github(line: str) -> str:
    path, lineno, message = re.fullmatch(r"(.*?):(\d+): (.*)", line).groups()
    return f"::error file={path},line={lineno}::{message}"


def _is_xfail(param) -> bool:
    return any(m.name == "xfail" for m in param.marks)


@pytest.mark.parametrize("files, expected", CASES)
def test_broken_portal(portal, cli, files, expected):
    root = portal(files, portal_yml=None)
    run = cli(root, "validate")
    assert "Traceback" not in run.err
    assert_lines(run.out, expected)
    assert run.code == 1


@pytest.mark.parametrize("files, expected", [p for p in CASES if not _is_xfail(p)] +
                         [pytest.param(MANY, MANY_LINES, id="many-problems")])
def test_broken_portal_github_format(portal, cli, files, expected):
    root = portal(files, portal_yml=None)
    run = cli(root, "validate", "--format", "github")
    assert_lines(run.out, [_github(line) for line in expected])
    assert run.code == 1


def test_github_format_escapes_percent(portal, cli):
    root = portal(csv("date,value\n2026-01-01,30\n2026-02-01,85%\n"), portal_yml=None)
    run = cli(root, "validate", "--format", "github")
    assert run.out == f"::error file={CSV},line=3::value '85%25' {NOT_A_NUMBER}\n"
    assert run.code == 1


def test_all_problems_in_several_files_in_one_run_sorted(portal, cli):
    root = portal(MANY, portal_yml=None)
    run = cli(root, "validate")
    assert_lines(run.out, MANY_LINES)
    assert run.code == 1
    keys = [(line.split(":")[0], int(line.split(":")[1])) for line in run.out.splitlines()]
    assert keys == sorted(keys)
    assert len({path for path, _ in keys}) == 6


def test_billion_laughs_finishes_quickly(portal, cli):
    root = portal(obj(billion_laughs()), portal_yml=None)
    start = time.monotonic()
    run = cli(root, "validate")
    assert time.monotonic() - start < 10
    assert run.code == 1
    assert "through YAML aliases" in run.out


def test_valid_portal_exits_0_with_one_line_summary(portal, cli):
    root = portal(obj(), portal_yml=None)
    run = cli(root, "validate")
    assert run.code == 0, run.out
    assert len(run.out.splitlines()) == 1
    assert run.out.startswith("okrs/ is valid: ")


def test_valid_portal_summary_counts(portal, cli):
    root = portal(obj(OBJ + "visibility: draft\n"), portal_yml=None)
    run = cli(root, "validate")
    assert run.out == "okrs/ is valid: 1 objective (1 draft), 1 key result, 1 metric with 2 observations\n"


def test_valid_portal_summary_singular(portal, cli):
    root = portal(csv("date,value\n2026-01-01,30\n"), portal_yml=None)
    run = cli(root, "validate")
    assert run.out == "okrs/ is valid: 1 objective (0 draft), 1 key result, 1 metric with 1 observation\n"


# --- JSON Schemas -------------------------------------------------------------------


class StringDateLoader(yaml.SafeLoader):
    """Safe YAML that keeps dates as strings, as an editor's YAML language server sees them."""


StringDateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str):
    return yaml.load(text, Loader=StringDateLoader)


def validator(name: str) -> Draft7Validator:
    return Draft7Validator(json_schema(name), format_checker=Draft7Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_command_prints_a_draft7_schema(name, cli, tmp_path):
    run = cli(tmp_path, "schema", name)
    assert run.code == 0
    printed = json.loads(run.out)
    Draft7Validator.check_schema(printed)
    assert printed["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert printed == json_schema(name)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_shipped_schema_files_are_up_to_date(name):
    shipped = (REPO / "site_builder" / "schemas" / f"{name}.schema.json").read_text("utf-8")
    assert json.loads(shipped) == json_schema(name), "regenerate them: python -m site_builder.source.json_schema"
    assert shipped == schema_text(name), "regenerate them: python -m site_builder.source.json_schema"


def test_loader_keeps_dates_as_strings():
    assert load_yaml("d: 2026-01-01")["d"] == "2026-01-01"


def test_valid_files_pass_their_schemas():
    assert not list(validator("objective").iter_errors(load_yaml(OBJ)))
    assert not list(validator("portal").iter_errors(load_yaml(PORTAL_YML)))
    assert not list(validator("metric").iter_errors(load_yaml("title: Wait\nunit: days\nfrequency: monthly\n")))


def test_schema_rejects_unknown_key():
    errors = list(validator("objective").iter_errors(load_yaml(edit(OBJ, "target:", "taget:"))))
    assert any("taget" in e.message for e in errors), [e.message for e in errors]


def test_schema_rejects_milestone_without_due():
    doc = load_yaml(HEAD + "  - id: ship\n    title: Ship it\n    type: milestone\n")
    assert list(validator("objective").iter_errors(doc))
    doc = load_yaml(HEAD + "  - id: ship\n    title: Ship it\n    type: milestone\n    due: 2026-06-30\n")
    assert not list(validator("objective").iter_errors(doc))


def test_schema_rejects_milestone_with_metric():
    doc = load_yaml(HEAD + "  - id: ship\n    title: Ship it\n    type: milestone\n    due: 2026-06-30\n    metric: wait\n")
    assert list(validator("objective").iter_errors(doc))


def test_schema_rejects_bad_id_and_bad_date():
    assert list(validator("objective").iter_errors(load_yaml(edit(OBJ, "id: a\n", "id: Access\n"))))
    assert list(validator("objective").iter_errors(load_yaml(edit(OBJ, "date: 2026-01-01", "date: 2026-01-01T10:00:00"))))


def _demo_files() -> list:
    okrs = REPO / "okrs"
    files = []
    if (okrs / "portal.yml").is_file():
        files.append(("portal", okrs / "portal.yml"))
    files += [("objective", p) for p in sorted((okrs / "objectives").rglob("*.yml"))]
    files += [("metric", p) for p in sorted((okrs / "metrics").glob("*.yml"))]
    if (okrs / "units.yml").is_file():
        files.append(("units", okrs / "units.yml"))
    return [pytest.param(kind, path, id=path.relative_to(REPO).as_posix()) for kind, path in files]


@pytest.mark.skipif(not _demo_files(), reason="no demo portal in okrs/ yet")
@pytest.mark.parametrize("kind, path", _demo_files())
def test_demo_files_pass_their_schemas(kind, path):
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator(kind).iter_errors(load_yaml(path.read_text("utf-8")))]
    assert not errors

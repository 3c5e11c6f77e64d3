"""Schema 2's data-quality and key-indicator keys of a metric (DESIGN.md §3, okrs/metrics/<id>.yml):
`verification`, `limitations`, `lag_days`, `direction` and `kpi`, through the real CLI: each one read
into the model in a schema 2 portal, each one error in a schema 1 portal, and the exact
``path:line: message`` lines `okr-portal validate` prints for what is wrong with them.

The metric file below is numbered by line: every case edits one of its lines.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from fixtures import OBJECTIVE_PATH, PORTAL_PATH, PORTAL_YML, SHORTER_WAITS, WAIT_CSV, WAIT_CSV_PATH
from site_builder.model import Threshold
from site_builder.problems import Loc
from site_builder.source.check import check
from site_builder.source.json_schema import json_schema, schema_text
from site_builder.text import Text

META = "okrs/metrics/wait.yml"
NEEDS_2 = "needs schema: 2 in okrs/portal.yml (this portal says schema: 1)"
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "site_builder" / "schemas"

# okrs/portal.yml: PORTAL_YML with schema: 2 (languages en and zh-TW).
PORTAL_2 = PORTAL_YML.replace("schema: 1\n", "schema: 2\n", 1)

# okrs/metrics/wait.yml, by line:
WAIT_YML = """\
title: New-patient wait
unit: days
frequency: monthly
source: Scheduling system
methodology: Median days from request to first appointment
verification: {en: Checked against the booking ledger each month, zh-TW: 每月與預約紀錄核對}
limitations: Excludes urgent same-day visits
lag_days: 45
direction: decrease
kpi: {max: 14}
"""
#  1 title  2 unit  3 frequency  4 source  5 methodology  6 verification  7 limitations  8 lag_days
#  9 direction  10 kpi
LINES = {"verification": 6, "limitations": 7, "lag_days": 8, "direction": 9, "kpi": 10}
NEW_KEYS = tuple(LINES)


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line(key: str, new: str) -> str:
    """WAIT_YML with the line of ``key`` replaced by ``new`` (without its newline)."""
    old = WAIT_YML.splitlines()[LINES[key] - 1]
    return edit(WAIT_YML, old + "\n", new + "\n")


def files(wait_yml: str = WAIT_YML, portal_yml: str = PORTAL_2) -> dict:
    return {PORTAL_PATH: portal_yml, OBJECTIVE_PATH: SHORTER_WAITS, WAIT_CSV_PATH: WAIT_CSV, META: wait_yml}


def validate(make, cli, wait_yml: str = WAIT_YML, portal_yml: str = PORTAL_2):
    root = make(files(wait_yml, portal_yml), portal_yml=None)
    # On a day its monthly figures are on time: plain validate warns of data overdue (DESIGN.md §6).
    run = cli(root, "validate", "--as-of", "2026-03-01")
    assert "Traceback" not in run.out + run.err
    return run


def assert_errors(run, expected: list[str]) -> None:
    assert run.out.splitlines() == expected, "\n" + run.out
    assert run.code == 1


VALID = "okrs/ is valid: 1 objective (0 draft), 1 key result, 1 metric with 2 observations\n"


# --- accepted in schema 2, and read ---------------------------------------------------------


def test_a_schema_2_metric_with_every_key_is_valid(portal, cli):
    run = validate(portal, cli)
    assert (run.out, run.err, run.code) == (VALID, "", 0)


def test_the_keys_are_read_into_the_model(portal):
    checked = check(portal(files(), portal_yml=None))
    assert checked.problems == []
    metric = checked.portal.metrics["wait"]
    assert metric.verification == Text.translated(
        [("en", "Checked against the booking ledger each month", Loc(META, 6)),
         ("zh-TW", "每月與預約紀錄核對", Loc(META, 6))], Loc(META, 6))
    assert metric.limitations == Text.plain("Excludes urgent same-day visits", Loc(META, 7))
    assert metric.lag_days == 45 and type(metric.lag_days) is int
    assert metric.direction == "decrease"
    assert metric.kpi == Threshold(None, 14, Loc(META, 10))
    assert metric.locs["kpi"] == Loc(META, 10) and metric.locs["lag_days"] == Loc(META, 8)


def test_without_them_a_metric_has_none(portal):
    bare = "".join(text for text in WAIT_YML.splitlines(keepends=True) if text.split(":")[0] not in NEW_KEYS)
    checked = check(portal(files(bare), portal_yml=None))
    assert checked.problems == []
    metric = checked.portal.metrics["wait"]
    assert (metric.verification, metric.limitations, metric.lag_days, metric.direction, metric.kpi) == (
        None, None, None, None, None)


@pytest.mark.parametrize("written, expected", [
    ("kpi: {min: 85}", Threshold(85, None, Loc(META, 10))),
    ("kpi: {min: 10, max: 14.5}", Threshold(10, 14.5, Loc(META, 10))),
    ("kpi: {min: 14, max: 14}", Threshold(14, 14, Loc(META, 10))),  # a band of one value
    ("kpi:\n  min: -2\n  max: 0", Threshold(-2, 0, Loc(META, 11))),  # a block mapping starts at its first key
])
def test_a_kpi_band(portal, written, expected):
    checked = check(portal(files(line("kpi", written)), portal_yml=None))
    assert checked.problems == []
    assert checked.portal.metrics["wait"].kpi == expected


@pytest.mark.parametrize("written, expected", [
    ("lag_days: 0", 0), ("lag_days: 45.0", 45), ("lag_days: 3660", 3660),  # at most ten years
    ("lag_days:", None),  # left blank: the default (one interval of the frequency)
    ("direction: increase", "increase"),
    ("direction:", None),  # left blank: not said
])
def test_lag_days_and_direction_values(portal, written, expected):
    key = written.split(":")[0]
    checked = check(portal(files(line(key, written)), portal_yml=None))
    assert checked.problems == []
    assert getattr(checked.portal.metrics["wait"], key) == expected


def test_texts_in_the_declared_languages_are_valid(portal, cli):
    wait = line("limitations", "limitations: {en: Excludes urgent visits, zh-TW: 不含急診}")
    run = validate(portal, cli, wait)
    assert (run.out, run.code) == (VALID, 0)


# --- refused in schema 1 ----------------------------------------------------------------------


@pytest.mark.parametrize("key", NEW_KEYS)
def test_each_key_is_one_error_in_a_schema_1_portal(portal, cli, key):
    """With the value it has in a schema 2 portal: the key is refused, unread, and nothing else."""
    only = "".join(text for text in WAIT_YML.splitlines(keepends=True)
                   if text.split(":")[0] not in NEW_KEYS or text.startswith(key + ":"))
    where = only.splitlines().index(WAIT_YML.splitlines()[LINES[key] - 1]) + 1
    run = validate(portal, cli, only, PORTAL_YML)
    assert_errors(run, [f"{META}:{where}: '{key}' {NEEDS_2}"])


def test_all_of_them_in_a_schema_1_portal(portal, cli):
    run = validate(portal, cli, WAIT_YML, PORTAL_YML)
    assert_errors(run, [f"{META}:{n}: '{key}' {NEEDS_2}" for key, n in LINES.items()])


def test_a_schema_1_portal_reads_none_of_them(portal):
    checked = check(portal(files(WAIT_YML, PORTAL_YML), portal_yml=None))
    metric = checked.portal.metrics["wait"]
    assert (metric.verification, metric.limitations, metric.lag_days, metric.direction, metric.kpi) == (
        None, None, None, None, None)
    assert metric.title.plain_text == "New-patient wait"  # the rest of the file is read


def test_a_misspelled_key_is_suggested_only_where_it_is_allowed(portal, cli):
    wait = line("lag_days", "lag_day: 45")
    wait_1 = "".join(t for t in wait.splitlines(keepends=True) if t.split(":")[0] not in NEW_KEYS)
    assert_errors(validate(portal, cli, wait), [f"{META}:8: unknown key 'lag_day' in metric (did you mean 'lag_days'?)"])
    assert_errors(validate(portal, cli, wait_1, PORTAL_YML), [f"{META}:6: unknown key 'lag_day' in metric"])


# --- what is wrong with them ------------------------------------------------------------------


@pytest.mark.parametrize("written, expected", [
    pytest.param("kpi: {}", ["10: kpi needs min, max or both"], id="no-bound"),
    pytest.param("kpi: {min: 90, max: 80}", ["10: kpi: min (90) is greater than max (80)"], id="min-above-max"),
    pytest.param("kpi: {min: 0.5, max: 0.25}", ["10: kpi: min (0.5) is greater than max (0.25)"], id="decimals"),
    pytest.param("kpi:\n  min: 90\n  max: 80", ["11: kpi: min (90) is greater than max (80)"], id="block"),
    pytest.param("kpi:", ["10: kpi must be a mapping of keys to values, not an empty value"], id="empty"),
    pytest.param("kpi: 85", ["10: kpi must be a mapping of keys to values, not '85'"], id="a-number"),
    pytest.param("kpi: [85]", ["10: kpi must be a mapping of keys to values, not a list"], id="a-list"),
    # One problem each: the bound written is reported, not a kpi without bounds on top of it.
    pytest.param("kpi: {mn: 85}", ["10: unknown key 'mn' in kpi (did you mean 'min'?)"], id="misspelled-bound"),
    pytest.param("kpi: {min: high}", ["10: min must be a number, not 'high'"], id="bad-bound"),
    pytest.param("kpi: {min: }", ["10: min must be a number, not an empty value"], id="empty-bound"),
    pytest.param("kpi: {target: 85}", ["10: kpi needs min, max or both", "10: unknown key 'target' in kpi"],
                 id="no-bound-but-another-key"),
    pytest.param("lag_days: -1", ["8: lag_days must be at least 0, not -1"], id="lag-negative"),
    pytest.param("lag_days: 3661", ["8: lag_days must be at most 3660, not 3661"], id="lag-over-ten-years"),
    pytest.param("lag_days: 4.5", ["8: lag_days must be a whole number, not 4.5"], id="lag-fraction"),
    pytest.param("lag_days: soon", ["8: lag_days must be a whole number, not 'soon'"], id="lag-text"),
    pytest.param('lag_days: "45"', ['8: lag_days must be a whole number, not the quoted text "45": remove the '
                                    'quotes'], id="lag-quoted"),
    pytest.param("lag_days: true", ["8: lag_days must be a whole number, not 'true' (true/false)"], id="lag-bool"),
    pytest.param("direction: decrese", ["9: direction 'decrese' must be one of increase, decrease "
                                        "(did you mean 'decrease'?)"], id="direction-misspelled"),
    pytest.param("direction: up", ["9: direction 'up' must be one of increase, decrease"], id="direction-unknown"),
    pytest.param("verification: {en: Checked, fr: Vérifié}",
                 ["6: verification is translated into 'fr', which okrs/portal.yml does not declare "
                  "(languages: en, zh-TW)"], id="verification-language"),
    pytest.param("limitations: {zh-TW: 不含急診}", ["7: limitations has no text in the default language 'en'"],
                 id="limitations-default-language"),
    pytest.param("limitations: {}", ["7: limitations must not be empty"], id="limitations-empty-mapping"),
])
def test_problems(portal, cli, written, expected):
    run = validate(portal, cli, line(written.split(":")[0], written))
    assert_errors(run, [f"{META}:{e}" for e in expected])


def test_every_problem_in_one_run(portal, cli):
    wait = line("kpi", "kpi: {min: 9, max: 3}")
    wait = edit(wait, "direction: decrease", "direction: higher")
    wait = edit(wait, "lag_days: 45", "lag_days: -7")
    wait = edit(wait, "zh-TW: 每月與預約紀錄核對", "de: Geprüft")
    run = validate(portal, cli, wait)
    assert_errors(run, [
        f"{META}:6: verification is translated into 'de', which okrs/portal.yml does not declare "
        "(languages: en, zh-TW)",
        f"{META}:8: lag_days must be at least 0, not -7",
        f"{META}:9: direction 'higher' must be one of increase, decrease",
        f"{META}:10: kpi: min (9) is greater than max (3)",
    ])


# --- the metric schema for editors -------------------------------------------------------------


def test_the_metric_schema_has_the_keys_marked_schema_2():
    properties = json_schema("metric")["properties"]
    for key in NEW_KEYS:
        assert properties[key]["description"].endswith(" (needs schema: 2 in okrs/portal.yml)"), key
    assert (properties["lag_days"]["type"], properties["lag_days"]["minimum"], properties["lag_days"]["maximum"]) == (
        "integer", 0, 3660)
    assert properties["direction"]["enum"] == ["increase", "decrease"]
    assert set(properties["kpi"]["properties"]) == {"min", "max"}
    assert properties["kpi"]["additionalProperties"] is False


@pytest.mark.parametrize("document, valid", [
    ({"kpi": {"min": 85}}, True),
    ({"kpi": {"max": 14}}, True),
    ({"kpi": {"min": 1, "max": 2}}, True),
    ({"kpi": {}}, False),
    ({"kpi": {"target": 85}}, False),
    ({"lag_days": 0}, True),
    ({"lag_days": -1}, False),
    ({"lag_days": 4.5}, False),
    ({"direction": "decrease"}, True),
    ({"direction": "up"}, False),
    ({"verification": {"en": "Checked", "zh-TW": "核對"}, "limitations": "Excludes urgent visits"}, True),
])
def test_the_metric_schema_accepts_what_validate_accepts(document, valid):
    assert Draft7Validator(json_schema("metric")).is_valid(document) is valid


def test_the_shipped_metric_schema_is_up_to_date():
    shipped = (SCHEMA_DIR / "metric.schema.json").read_text("utf-8")
    assert shipped == schema_text("metric")
    assert "lag_days" in json.loads(shipped)["properties"]

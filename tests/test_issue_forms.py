"""The GitHub issue forms (okr-portal forms, init) and the reading of the issues they make.

The forms are checked against GitHub's issue-form schema with check-jsonschema's
copy of it (offline), read back as GitHub reads YAML (1.1), and their answers
parsed from bodies in the shape GitHub writes them.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from fixtures import PORTAL_YML, SHORTER_WAITS, WAIT_CSV, shorter_waits
from site_builder.commands.init import init
from site_builder.editing.issue_body import MAX_BODY_CHARS, BodyError, parse_body
from site_builder.editing.issue_forms import MAX_OPTIONS, check_in_form, chosen_id, forms, new_value_form
from site_builder.source.check import check

REPO = Path(__file__).resolve().parent.parent
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
TEMPLATES = ".github/ISSUE_TEMPLATE"

# A schema 2 portal in two languages: a metric with a dimension, a derived one, a draft.
SCHEMA2 = {
    "okrs/portal.yml": PORTAL_YML.replace("schema: 1", "schema: 2"),
    "okrs/objectives/a.yml": shorter_waits(more_key_results=(
        "  - id: share\n    title: Telehealth share\n    metric: share\n"
        "    baseline: {date: 2026-01-01, value: 10}\n    target: {value: 20}\n")),
    "okrs/objectives/secret.yml": SHORTER_WAITS.replace("id: a\n", "id: secret-plan\n", 1)
                                  .replace("title: Shorter waits", "title: Secret plan")
                                  .replace("key_results:", "visibility: draft\nkey_results:")
                                  .replace("id: wait\n", "id: hidden-kr\n").replace("metric: wait", "metric: hidden"),
    "okrs/metrics/wait.yml": "title: Wait\ndimensions:\n  clinic:\n    title: Clinic\n"
                             "    values: {north: North, south: South}\n",
    "okrs/metrics/wait.csv": "date,value,clinic\n2026-01-01,30,\n2026-01-01,31,north\n",
    "okrs/metrics/visits.csv": "date,value\n2026-01-01,5\n",
    "okrs/metrics/tele.csv": "date,value\n2026-01-01,1\n",
    "okrs/metrics/share.yml": "title: Telehealth share\nformula: 100 * tele / visits\n",
    "okrs/metrics/hidden.csv": "date,value\n2026-01-01,1\n",
}


def schema_problems(path: Path) -> str:
    result = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-issue-forms", str(path)],
                            capture_output=True, text=True, timeout=120)
    return "" if result.returncode == 0 else result.stdout + result.stderr


def read_as_github(text: str) -> dict:
    """GitHub reads forms as YAML 1.1 (PyYAML does too): `on` or `yes` unquoted would be booleans."""
    return yaml.safe_load(text)


def fields(form_data: dict) -> dict[str, dict]:
    return {item["id"]: item for item in form_data["body"] if "id" in item}


# --- the forms ---------------------------------------------------------------------


def test_the_demo_forms_pass_githubs_schema_and_keep_the_field_ids(tmp_path):
    portal = check(REPO).portal
    assert portal.settings.schema == 2 and portal.settings.languages == ("en", "zh-TW")
    for form in forms(portal):
        path = tmp_path / form.file
        path.write_text(form.yaml(), encoding="utf-8")
        assert schema_problems(path) == "", form.file
        data = read_as_github(form.yaml())
        # GitHub drops a form whose description is over 200 characters (undocumented), and
        # the answers are found again by their labels.
        assert len(data["description"]) <= 200
        labels = [item["attributes"]["label"] for item in data["body"] if "id" in item]
        assert len(labels) == len(set(labels))
    check_in = read_as_github(check_in_form(portal).yaml())
    assert check_in["name"] == "Check-in" and check_in["labels"] == ["okr-check-in"]
    assert list(fields(check_in)) == ["key_result", "confidence", "text-en", "text-zh-TW", "next_steps-en",
                                      "next_steps-zh-TW", "date"]
    by_id = fields(check_in)
    assert by_id["key_result"]["type"] == "dropdown"
    assert by_id["confidence"]["attributes"]["options"] == ["On track", "At risk", "Off track"]
    assert by_id["text-en"]["validations"]["required"] is True
    assert by_id["text-zh-TW"]["validations"]["required"] is False
    assert by_id["date"]["type"] == "input" and by_id["date"]["validations"]["required"] is False
    # Every public key result, and only those, recoverable from its option.
    options = by_id["key_result"]["attributes"]["options"]
    public = {f"{o.id}/{kr.id}" for o in portal.public_objectives for kr in o.key_results}
    assert len(options) == len(set(options)) == len(public)
    assert {chosen_id(option) for option in options} == public
    assert "veteran-access/primary-care-wait — Cut the new-patient wait for primary care from 21 to 14 days" \
        in options
    assert all(len(option) <= 100 for option in options)

    new_value = read_as_github(new_value_form(portal).yaml())
    assert new_value["name"] == "New value" and new_value["labels"] == ["okr-new-value"]
    assert list(fields(new_value)) == ["metric", "date", "value", "note", "flag", "groups"]
    metrics = {chosen_id(o) for o in fields(new_value)["metric"]["attributes"]["options"]}
    derived = {m for m, metric in portal.metrics.items() if metric.derived}
    assert derived and not metrics & derived
    assert fields(new_value)["flag"]["attributes"]["options"][0] == "none"
    assert set(fields(new_value)["flag"]["attributes"]["options"][1:]) == {"estimate", "provisional", "proxy",
                                                                           "break"}


def test_a_schema_2_portal_offers_public_things_only(portal):
    root = portal(SCHEMA2)
    checked = check(root)
    assert checked.problems == []
    check_in = fields(read_as_github(check_in_form(checked.portal).yaml()))
    assert check_in["key_result"]["attributes"]["options"] == ["a/wait — New-patient wait",
                                                               "a/share — Telehealth share"]
    assert check_in["text-zh-TW"]["attributes"]["label"].startswith("Check-in — ")
    new_value = fields(read_as_github(new_value_form(checked.portal).yaml()))
    # The derived share is computed; tele and visits take values; hidden is a draft's only.
    assert new_value["metric"]["attributes"]["options"] == ["tele", "visits", "wait — Wait"]
    assert "clinic" in new_value["groups"]["attributes"]["description"]


def test_a_schema_1_portal_has_no_schema_2_fields(portal):
    root = portal({"okrs/objectives/a.yml": SHORTER_WAITS, "okrs/metrics/wait.csv": WAIT_CSV})
    check_in = fields(read_as_github(check_in_form(check(root).portal).yaml()))
    new_value = fields(read_as_github(new_value_form(check(root).portal).yaml()))
    assert not any(i.startswith("next_steps-") for i in check_in)
    assert list(new_value) == ["metric", "date", "value", "note"]


def test_ids_that_yaml_1_1_would_take_for_booleans_stay_text(portal):
    objective = shorter_waits().replace("metric: wait", "metric: on")
    root = portal({"okrs/objectives/a.yml": objective, "okrs/metrics/on.csv": WAIT_CSV})
    assert check(root).problems == []
    new_value = read_as_github(new_value_form(check(root).portal).yaml())
    assert fields(new_value)["metric"]["attributes"]["options"] == ["on"]
    assert read_as_github(check_in_form(check(root).portal).yaml())["title"] == "Check-in: "


def test_more_key_results_than_a_dropdown_holds_become_an_input_with_the_same_id(portal, tmp_path):
    more = "".join(f"  - id: kr-{i}\n    title: Milestone {i}\n    type: milestone\n    due: 2026-06-30\n"
                   for i in range(MAX_OPTIONS))
    root = portal({"okrs/objectives/a.yml": shorter_waits(more_key_results=more), "okrs/metrics/wait.csv": WAIT_CSV})
    form = check_in_form(check(root).portal)
    path = tmp_path / "check-in.yml"
    path.write_text(form.yaml(), encoding="utf-8")
    assert schema_problems(path) == ""
    field = fields(read_as_github(form.yaml()))["key_result"]
    assert field["type"] == "input" and field["validations"]["required"] is True
    assert "options" not in field["attributes"]


def test_forms_command_writes_both_forms_and_rewrites_stale_ones(portal, cli):
    root = portal(SCHEMA2)
    stale = root / TEMPLATES / "check-in.yml"
    stale.parent.mkdir(parents=True)
    stale.write_text("name: old\n")
    run = cli(root, "forms")
    assert run.code == 0, run.out + run.err
    assert run.out.splitlines() == [f"wrote {root / TEMPLATES / 'check-in.yml'}",
                                    f"wrote {root / TEMPLATES / 'new-value.yml'}"]
    assert "a/share — Telehealth share" in stale.read_text(encoding="utf-8")
    assert sorted(p.name for p in stale.parent.iterdir()) == ["check-in.yml", "new-value.yml"]  # no temporary left
    for path in stale.parent.iterdir():
        assert schema_problems(path) == ""


def test_forms_command_writes_nothing_for_a_portal_with_problems(portal, cli):
    root = portal({"okrs/objectives/a.yml": SHORTER_WAITS.replace("metric: wait", "metric: nowhere")})
    run = cli(root, "forms")
    assert run.code == 1
    assert "okrs/objectives/a.yml:8:" in run.out
    assert run.err == "okr-portal forms: the portal has problems (above); no form was written\n"
    assert not (root / ".github").exists()


def test_init_writes_the_forms_of_its_example(tmp_path, cli):
    init(tmp_path, today=date(2026, 6, 15), tell=lambda note: None)
    written = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / TEMPLATES).iterdir()}
    assert sorted(written) == ["check-in.yml", "new-value.yml"]
    for name in written:
        assert schema_problems(tmp_path / TEMPLATES / name) == ""
    check_in = fields(read_as_github(written["check-in.yml"]))
    assert check_in["key_result"]["attributes"]["options"] == [
        "answer-calls-faster/calls-answered-in-60s — Answer 80 % of calls within 60 seconds"]
    # What `okr-portal forms` makes of the same portal.
    assert cli(tmp_path, "forms").code == 0
    assert {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / TEMPLATES).iterdir()} == written


# --- reading the answers -----------------------------------------------------------

LABELS = ["Key result", "Confidence", "Check-in — English", "Date"]
BODY = ("### Key result\n\na/wait — New-patient wait\n\n### Confidence\n\nAt risk\n\n"
        "### Check-in — English\n\nWaits are **down**.\n\n### What we learned\n\n- more\n\n"
        "### Date\n\n_No response_")


def test_answers_are_read_as_github_writes_them():
    assert parse_body(BODY, LABELS) == {
        "Key result": "a/wait — New-patient wait", "Confidence": "At risk",
        # A heading that is not one of the form's labels belongs to the answer.
        "Check-in — English": "Waits are **down**.\n\n### What we learned\n\n- more",
        "Date": None}
    assert parse_body(BODY.replace("\n", "\r\n"), LABELS) == parse_body(BODY, LABELS)
    assert parse_body("### Date\n\n   \n", LABELS) == {"Date": None}
    assert parse_body("Typed by hand, no form", LABELS) == {}


def test_an_answer_keeps_its_markdown_and_only_loses_surrounding_blank_lines():
    body = "### Check-in — English\n\n\n  indented code?  \nline two  \n\n\n### Date\n\n2026-01-02\n"
    assert parse_body(body, LABELS)["Check-in — English"] == "  indented code?  \nline two  "


@pytest.mark.parametrize("body, message", [
    (None, "the issue has no text: open it from one of the repository's issue forms"),
    (42, "the issue's text cannot be read"),
    ("x" * (MAX_BODY_CHARS + 1), "the issue's text is longer than 65,536 characters: it cannot have come from the form"),
    (BODY + "\n\n### Confidence\n\nOn track\n",
     'the question "Confidence" is answered twice in the issue: edit the issue so that each question has one answer'),
])
def test_bodies_that_cannot_be_read_say_why_in_one_line(body, message):
    with pytest.raises(BodyError) as refused:
        parse_body(body, LABELS)
    assert str(refused.value) == message


def test_a_huge_body_of_headings_is_read_quickly():
    body = "### Date\n\n1\n" + "### x\n" * (MAX_BODY_CHARS // 7)
    assert parse_body(body, LABELS)["Date"].startswith("1\n### x")

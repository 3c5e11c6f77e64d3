"""okr-portal checkin (DESIGN.md §6): a check-in added to an objective file, every other byte kept."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import write_portal
from fixtures import ONE_LANGUAGE_PORTAL_YML, PORTAL_YML, SCHEMA2_PORTAL_YML, SHORTER_WAITS, WAIT_CSV
from site_builder.editing.checkin import checkin
from site_builder.lock import portal_lock
from site_builder.source.check import check

OBJ = "okrs/objectives/a.yml"
OKR_PORTAL = str(Path(sys.executable).with_name("okr-portal"))
EN = {"en": "Waits fell"}


def _portal(tmp_path: Path, objective: str | bytes = SHORTER_WAITS, portal_yml: str = ONE_LANGUAGE_PORTAL_YML,
            **more: str) -> Path:
    files = {OBJ: objective, "okrs/metrics/wait.csv": WAIT_CSV, **more}
    root = write_portal(tmp_path, {}, portal_yml)
    for rel, content in files.items():  # as given: no dedent, the bytes are the test
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


def _updates(root: Path, kr: str = "wait"):
    checked = check(root)
    assert checked.problems == []
    objective = next(o for o in checked.portal.objectives if o.id == "a")
    return next(k for k in objective.key_results if k.id == kr).updates


# --- bad input: one clear line each, nothing written ------------------------------------------


@pytest.mark.parametrize("ref, confidence, text, when, expected", [
    ("b/wait", "on_track", EN, None, "unknown objective 'b': no file in okrs/objectives/ has that id"),
    ("aa/wait", "on_track", EN, None, "(did you mean 'a'?)"),
    ("a/wiat", "on_track", EN, None, "okrs/objectives/a.yml: objective 'a' has no key result 'wiat' (did you mean "
                                      "'wait'?) (its key results: wait)"),
    ("a", "on_track", EN, None, "'a' does not name a key result: write OBJECTIVE/KEY-RESULT"),
    ("a/wait", "on_trak", EN, None, "confidence 'on_trak' is not one of on_track, at_risk, off_track "
                                    "(did you mean 'on_track'?)"),
    ("a/wait", "on_track", EN, date.today() + timedelta(days=1), "is after today"),
    ("a/wait", "on_track", EN, date(2025, 12, 31), "is before the objective's period cy2026 starts (2026-01-01)"),
    ("a/wait", "on_track", {"fr": "x"}, None, "language 'fr' of the text is not one of the portal's languages (en)"),
    ("a/wait", "on_track", {"en": "  "}, None, "the text in 'en' is empty"),
    ("a/wait", "on_track", {}, None, "the check-in has no text"),
])
def test_bad_arguments_are_problems_and_nothing_is_written(tmp_path, ref, confidence, text, when, expected):
    root = _portal(tmp_path)
    outcome = checkin(root, ref, confidence, text, when=when or date(2026, 3, 1))
    assert not outcome.written and outcome.report == ""
    assert any(expected in line for line in outcome.problems), outcome.problems
    assert (root / OBJ).read_text() == SHORTER_WAITS


def test_a_change_validate_refuses_is_printed_as_validate_prints_it_and_not_written(tmp_path, cli):
    # next_steps needs schema 2: the portal with the change is invalid.
    root = _portal(tmp_path)
    run = cli(root, "checkin", "a/wait", "--confidence", "at_risk", "--text", "Slower", "--next-steps", "Hire",
              "--date", "2026-03-01")
    assert run.code == 1
    assert run.out == ("okrs/objectives/a.yml:15: 'next_steps' needs schema: 2 in okrs/portal.yml (this portal "
                       "says schema: 1)\n")
    assert "nothing was written" in run.err
    assert (root / OBJ).read_text() == SHORTER_WAITS


def test_a_problem_elsewhere_in_the_portal_stops_the_check_in(tmp_path):
    root = _portal(tmp_path, **{"okrs/metrics/wait.csv": "date,value\n2026-01-01,thirty\n"})
    outcome = checkin(root, "a/wait", "on_track", EN, when=date(2026, 3, 1))
    assert outcome.problems and outcome.problems[0].startswith("okrs/metrics/wait.csv:2: ")
    assert (root / OBJ).read_text() == SHORTER_WAITS


def test_an_out_of_order_history_is_not_made_worse_it_is_refused(tmp_path):
    text = SHORTER_WAITS + ("    updates:\n      - {date: 2026-05-01, confidence: on_track, text: b}\n"
                            "      - {date: 2026-02-01, confidence: on_track, text: a}\n")
    root = _portal(tmp_path, text)
    outcome = checkin(root, "a/wait", "on_track", EN, when=date(2026, 3, 1))
    assert any("check-ins must be in date order" in line for line in outcome.problems)
    assert (root / OBJ).read_text() == text


def test_an_alias_in_the_key_result_is_refused_with_what_to_do(tmp_path):
    text = SHORTER_WAITS.replace("    title: New-patient wait\n", "    title: &t New-patient wait\n") + \
        "  - id: other\n    title: *t\n    type: milestone\n    due: 2026-06-30\n"
    root = _portal(tmp_path, text)
    outcome = checkin(root, "a/wait", "on_track", EN, when=date(2026, 3, 1))
    assert outcome.problems == ["okrs/objectives/a.yml: uses a YAML anchor or alias (& or *) at line 7, in or near "
                                "the key result; write those values out plainly, or add this check-in by hand"]
    assert (root / OBJ).read_text() == text


def test_the_cli_reports_a_bad_date_in_plain_words(tmp_path, cli):
    root = _portal(tmp_path)
    run = cli(root, "checkin", "a/wait", "--confidence", "on_track", "--text", "x", "--date", "2026-3-1")
    assert (run.code, run.out) == (1, "date '2026-3-1' is not a date in the form YYYY-MM-DD\n")


# --- the file kept byte for byte --------------------------------------------------------------

HEAD = "id: a\nperiod: cy2026\ntitle: Shorter waits\nowner: Access team\nkey_results:\n"
KR = "  - id: wait   # the headline\n    title: New-patient wait\n    metric: wait\n" \
     "    baseline: {date: 2026-01-01, value: 30}\n    target:\n      value: 20   # agreed in January\n"
NEW_BLOCK = "      - date: 2026-03-01\n        confidence: on_track\n        text: Waits fell\n"
NEW_FLOW = "{date: 2026-03-01, confidence: on_track, text: Waits fell}"
OLD_1 = "      - date: 2026-02-01\n        confidence: at_risk\n        text: 'Slow: staff away'\n"
OLD_2 = "      # after the spring review\n      - date: 2026-04-01   # late\n        confidence: on_track\n" \
        "        text: |\n          Better.\n\n"

LAYOUTS = {
    # name: (file before, the file after as it must be)
    "no updates yet, comments after": (
        "# Access\n" + HEAD + KR + "\n# the end\n",
        "# Access\n" + HEAD + KR + "    updates:\n" + NEW_BLOCK + "\n# the end\n"),
    "between dated check-ins, comments kept": (
        HEAD + KR + "    updates:\n" + OLD_1 + OLD_2 + "  - id: b\n    title: B\n    type: milestone\n"
        "    due: 2026-06-30\n",
        HEAD + KR + "    updates:\n" + OLD_1 + NEW_BLOCK + OLD_2 + "  - id: b\n    title: B\n    type: milestone\n"
        "    due: 2026-06-30\n"),
    "before the first": (
        HEAD + KR + "    updates:\n" + OLD_2,
        HEAD + KR + "    updates:\n" + NEW_BLOCK + OLD_2),
    "after one of the same date": (
        HEAD + KR + "    updates:\n" + NEW_BLOCK.replace("Waits fell", "Earlier"),
        HEAD + KR + "    updates:\n" + NEW_BLOCK.replace("Waits fell", "Earlier") + NEW_BLOCK),
    "list items not indented": (
        HEAD + "- id: wait\n  title: New-patient wait\n  metric: wait\n  baseline: {date: 2026-01-01, value: 30}\n"
        "  target: {value: 20}\n",
        HEAD + "- id: wait\n  title: New-patient wait\n  metric: wait\n  baseline: {date: 2026-01-01, value: 30}\n"
        "  target: {value: 20}\n  updates:\n  - date: 2026-03-01\n    confidence: on_track\n    text: Waits fell\n"),
    "flow items": (
        HEAD + KR + "    updates:\n      - {date: 2026-02-01, confidence: at_risk, text: slow}\n",
        HEAD + KR + "    updates:\n      - {date: 2026-02-01, confidence: at_risk, text: slow}\n      - "
        + NEW_FLOW + "\n"),
    "flow list": (
        HEAD + KR + "    updates: [{date: 2026-02-01, confidence: at_risk, text: slow}]  # so far\n",
        HEAD + KR + "    updates: [{date: 2026-02-01, confidence: at_risk, text: slow}, " + NEW_FLOW + "]  # so far\n"),
    "empty flow list": (
        HEAD + KR + "    updates: []\n",
        HEAD + KR + "    updates: [" + NEW_FLOW + "]\n"),
    "empty updates": (
        HEAD + KR + "    updates:   # none yet\n    commitment: aspirational\n",
        HEAD + KR + "    updates:   # none yet\n" + NEW_BLOCK + "    commitment: aspirational\n"),
    "flow key result": (
        HEAD + "  - {id: wait, title: W, metric: wait, baseline: {date: 2026-01-01, value: 30}, target: {value: 20}}\n",
        HEAD + "  - {id: wait, title: W, metric: wait, baseline: {date: 2026-01-01, value: 30}, target: {value: 20}, "
        "updates: [" + NEW_FLOW + "]}\n"),
    "no newline at the end": (
        HEAD + KR.rstrip("\n"),
        HEAD + KR + "    updates:\n" + NEW_BLOCK),
}


@pytest.mark.parametrize("name", LAYOUTS)
def test_only_the_new_lines_are_added(tmp_path, name):
    before, after = LAYOUTS[name]
    root = _portal(tmp_path, before)
    outcome = checkin(root, "a/wait", "on_track", EN, when=date(2026, 3, 1))
    assert outcome.problems == [] and outcome.written and outcome.path == OBJ
    assert (root / OBJ).read_text() == after
    new = [u for u in _updates(root) if u.text.get("en", "en") == "Waits fell"]
    assert [(u.date, u.confidence) for u in new] == [(date(2026, 3, 1), "on_track")]


@pytest.mark.parametrize("name", LAYOUTS)
@pytest.mark.parametrize("bom, newline", [(b"\xef\xbb\xbf", b"\r\n"), (b"\xef\xbb\xbf", b"\n"), (b"", b"\r\n")])
def test_a_bom_and_crlf_newlines_are_kept(tmp_path, name, bom, newline):
    before, after = LAYOUTS[name]
    root = _portal(tmp_path, bom + before.encode().replace(b"\n", newline))
    assert checkin(root, "a/wait", "on_track", EN, when=date(2026, 3, 1)).written
    assert (root / OBJ).read_bytes() == bom + after.encode().replace(b"\n", newline)


def test_text_that_yaml_would_misread_is_quoted_and_reads_back_as_written(tmp_path):
    root = _portal(tmp_path)
    words = ['yes', '42', 'Note: "quotes" # not a comment', "- dash", "two\nlines", "tab\there", "{not: a map}"]
    for day, text in enumerate(words, 1):
        outcome = checkin(root, "a/wait", "on_track", {"en": text}, when=date(2026, 3, day))
        assert outcome.written, outcome.problems
    assert [u.text.get("en", "en") for u in _updates(root)] == words


# --- languages ----------------------------------------------------------------------------------


def test_a_bilingual_portal_gets_both_texts_from_the_cli(tmp_path, cli):
    root = _portal(tmp_path, portal_yml=PORTAL_YML.replace("schema: 1", "schema: 2"))
    run = cli(root, "checkin", "a/wait", "--confidence", "at_risk", "--text", "Slower", "--text-zh-TW", "較慢",
              "--next-steps", "Hire", "--next-steps-zh-TW=招募", "--date", "2026-03-01")
    assert run.code == 0, run.out
    assert (root / OBJ).read_text() == SHORTER_WAITS + (
        "    updates:\n      - date: 2026-03-01\n        confidence: at_risk\n"
        "        text: {en: Slower, zh-TW: 較慢}\n        next_steps: {en: Hire, zh-TW: 招募}\n")


def test_repeated_lang_options_pair_with_the_texts_after_them(tmp_path, cli):
    root = _portal(tmp_path, portal_yml=PORTAL_YML)
    run = cli(root, "checkin", "a/wait", "--confidence", "on_track", "--lang", "zh-TW", "--text", "較快",
              "--lang", "en", "--text", "Faster", "--date", "2026-03-01")
    assert run.code == 0, run.out
    update = _updates(root)[0]
    assert (update.text.get("en", "en"), update.text.get("zh-TW", "en")) == ("Faster", "較快")
    assert "text: {en: Faster, zh-TW: 較快}\n" in (root / OBJ).read_text()  # in the portal's language order


def test_a_translation_without_the_first_language_is_refused(tmp_path, cli):
    root = _portal(tmp_path, portal_yml=PORTAL_YML)
    run = cli(root, "checkin", "a/wait", "--confidence", "on_track", "--lang", "zh-TW", "--text", "較快")
    assert run.code == 1
    assert run.out == ("there is no text in the portal's first language 'en': it is shown wherever a translation "
                       "is missing\n")


# --- what it prints, drafts ------------------------------------------------------------------


def test_the_report_is_the_diff_reports_description_of_the_change(tmp_path, cli):
    root = _portal(tmp_path)
    run = cli(root, "checkin", "a/wait", "--confidence", "on_track", "--text", "Waits *fell*", "--date",
              "2026-03-01")
    assert run.code == 0
    assert run.out.startswith("Check-in of 2026-03-01 (on track) added to `a` › `wait` in okrs/objectives/a.yml.\n")
    assert "## What this change does to the public site" in run.out
    assert "| `a` › `wait` New-patient wait | check-in 2026-03-01 | — | on track: Waits \\*fell\\* |" in run.out


def test_a_draft_objective_takes_check_ins_and_the_report_never_names_it(tmp_path):
    root = _portal(tmp_path, SHORTER_WAITS.replace("owner: Access team\n", "owner: Access team\nvisibility: draft\n"))
    outcome = checkin(root, "a/wait", "off_track", EN, when=date(2026, 3, 1))
    assert outcome.written
    assert "draft objective" in outcome.report and "Shorter waits" not in outcome.report
    assert "`a`" not in outcome.report and "a.yml" not in outcome.report


# --- one at a time --------------------------------------------------------------------------------


def _run_checkin(root: Path, day: int) -> subprocess.Popen:
    return subprocess.Popen([OKR_PORTAL, "-C", str(root), "checkin", "a/wait", "--confidence", "on_track",
                             "--text", f"Day {day}", "--date", f"2026-03-{day:02d}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_check_ins_at_once_both_land(tmp_path):
    root = _portal(tmp_path, portal_yml=SCHEMA2_PORTAL_YML)
    runs = [_run_checkin(root, day) for day in (1, 2)]
    for run in runs:
        out, err = run.communicate(timeout=60)
        assert run.returncode == 0, out + err
    assert sorted(u.text.get("en", "en") for u in _updates(root)) == ["Day 1", "Day 2"]


def test_a_check_in_waits_for_the_portals_edit_lock_and_says_so(tmp_path):
    root = _portal(tmp_path)
    with portal_lock(root, "edit"):
        run = _run_checkin(root, 1)
        said = run.stderr.readline()  # blocks until it says it waits (or ends without waiting)
        assert "another check-in, record or fetch is running in this portal; waiting for it to finish" in said
        time.sleep(0.5)
        assert run.poll() is None and (root / OBJ).read_text() == SHORTER_WAITS
    out, err = run.communicate(timeout=60)
    assert run.returncode == 0, out + err
    assert [u.text.get("en", "en") for u in _updates(root)] == ["Day 1"]


def test_no_temporary_file_is_left_beside_the_objective(tmp_path):
    root = _portal(tmp_path)
    assert checkin(root, "a/wait", "on_track", EN, when=date(2026, 3, 1)).written
    assert sorted(os.listdir(root / "okrs/objectives")) == ["a.yml"]


def test_an_objective_file_that_cannot_be_read_is_named_with_its_problem(tmp_path):
    root = _portal(tmp_path, "id: a\nperiod: [cy2026\n")
    outcome = checkin(root, "a/wait", "on_track", EN, when=date(2026, 3, 1))
    assert outcome.problems[0].startswith("unknown objective 'a'")
    assert any(line.startswith("okrs/objectives/a.yml:") for line in outcome.problems[1:])


def test_an_objective_file_that_is_a_link_is_not_replaced(tmp_path):
    root = _portal(tmp_path, **{"okrs/objectives/real/b.txt": SHORTER_WAITS})
    (root / OBJ).unlink()
    (root / OBJ).symlink_to("real/b.txt")
    outcome = checkin(root, "a/wait", "on_track", EN, when=date(2026, 3, 1))
    assert outcome.problems == ["okrs/objectives/a.yml: is a link to another file; edit that file, or replace the "
                                "link by the file itself"]
    assert (root / OBJ).is_symlink() and (root / "okrs/objectives/real/b.txt").read_text() == SHORTER_WAITS


def test_a_text_of_several_lines_is_a_literal_block_or_else_in_quotes(tmp_path):
    root = _portal(tmp_path)
    assert checkin(root, "a/wait", "on_track", {"en": "First.\n\n- second\n  indented"}, when=date(2026, 3, 1)).written
    assert (root / OBJ).read_text() == SHORTER_WAITS + (
        "    updates:\n      - date: 2026-03-01\n        confidence: on_track\n        text: |-\n"
        "          First.\n\n          - second\n            indented\n")
    odd = "a\n  \nb"  # a line of spaces: an editor would strip it from a literal block
    assert checkin(root, "a/wait", "on_track", {"en": odd + "\n"}, when=date(2026, 3, 2)).written
    assert (root / OBJ).read_text().endswith('        text: "a\\n  \\nb"\n')
    assert [u.text.get("en", "en") for u in _updates(root)] == ["First.\n\n- second\n  indented", "a\n  \nb"]


def test_a_text_that_looks_like_an_option_is_text(tmp_path, cli):
    root = _portal(tmp_path)
    run = cli(root, "checkin", "a/wait", "--confidence", "on_track", "--text", "--text-en is a flag", "--date",
              "2026-03-01")
    assert run.code == 0, run.out + run.err
    assert [u.text.get("en", "en") for u in _updates(root)] == ["--text-en is a flag"]


def test_crlf_newlines_in_a_text_become_the_files_own(tmp_path):
    root = _portal(tmp_path)
    assert checkin(root, "a/wait", "on_track", {"en": "One.\r\nTwo.\r\n"}, when=date(2026, 3, 1)).written
    assert (root / OBJ).read_text().endswith("        text: |-\n          One.\n          Two.\n")


def test_a_flow_key_result_over_several_lines_takes_it_after_its_last_value(tmp_path):
    text = HEAD + "  - {id: wait, title: W, metric: wait, baseline: {date: 2026-01-01, value: 30},\n" \
                  "     target: {value: 20},  # agreed\n    }\n"
    root = _portal(tmp_path, text)
    assert checkin(root, "a/wait", "on_track", EN, when=date(2026, 3, 1)).written
    assert (root / OBJ).read_text() == text.replace("{value: 20},", "{value: 20}, updates: [" + NEW_FLOW + "],")

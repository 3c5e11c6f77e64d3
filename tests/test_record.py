"""okr-portal record (DESIGN.md §6): one observation added to or corrected in a metric's CSV."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import write_portal
from fixtures import ONE_LANGUAGE_PORTAL_YML, SCHEMA2_PORTAL_YML, SHORTER_WAITS, WAIT_CSV
from site_builder.editing.record import record
from site_builder.lock import portal_lock
from site_builder.source.check import check

WAIT = "okrs/metrics/wait.csv"
VISITS = "okrs/metrics/visits.csv"
OKR_PORTAL = str(Path(sys.executable).with_name("okr-portal"))
DAY = date(2026, 3, 1)

VISITS_YML = """\
title: Visits
frequency: monthly
dimensions:
  facility:
    title: Facility
    values:
      north: North
      south: South
"""
VISITS_CSV = "date,facility,value,flag,note\n2026-01-01,,10,,\n2026-01-01,north,4,estimate,late\n" \
             "2026-01-01,south,6,,\n"


def _portal(tmp_path: Path, portal_yml: str = ONE_LANGUAGE_PORTAL_YML, **files: str | bytes) -> Path:
    files = {"okrs/objectives/a.yml": SHORTER_WAITS, WAIT: WAIT_CSV, **files}
    root = write_portal(tmp_path, {}, portal_yml)
    for rel, content in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


def _schema2(tmp_path: Path, **files: str | bytes) -> Path:
    return _portal(tmp_path, SCHEMA2_PORTAL_YML, **{"okrs/metrics/visits.yml": VISITS_YML, VISITS: VISITS_CSV,
                                                   **files})


def _series(root: Path, metric: str, group=()):
    checked = check(root)
    assert checked.problems == []
    return [(o.date, o.value, o.note, o.flag) for o in checked.portal.metrics[metric].series(group)]


# --- bad input: one clear line each, nothing written ------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("1,234", "value '1,234' has a thousands separator: write it without one, as 1234"),
    ("45%", "value '45%' has a unit or other text after the number: write the number only, as 45"),
    ("91,5", "value '91,5' has a decimal comma: write it with a point, as 91.5"),
    ("91,5 %", "value '91,5 %' has a unit or other text after the number: write the number only, as 91.5"),
    ("12 days", "value '12 days' has a unit or other text after the number: write the number only, as 12"),
    ("twelve", "value 'twelve' is not a number: write plain digits, as in 42 or 3.5"),
    ("", "the value is empty: give a number"),
    ("1e400", "value '1e400' is not a finite number"),
    ("2e15", "value '2e15' is out of range"),
])
def test_a_value_that_is_not_a_plain_number_is_refused_with_what_to_write(tmp_path, value, expected):
    root = _portal(tmp_path)
    outcome = record(root, "wait", DAY, value)
    assert not outcome.written and outcome.report == "" and outcome.path == WAIT
    assert len(outcome.problems) == 1 and outcome.problems[0].startswith(expected), outcome.problems
    assert (root / WAIT).read_text() == WAIT_CSV


@pytest.mark.parametrize("metric, when, kwargs, expected", [
    ("wiat", DAY, {}, "unknown metric 'wiat': there is no okrs/metrics/wiat.yml or .csv (did you mean 'wait'?)"),
    ("wait", date.today() + timedelta(days=1), {}, "is after today: record an observation once it has been made"),
    ("wait", DAY, {"flag": "estimate"}, "flags need a portal of schema: 2 (okrs/portal.yml); this one is schema 1"),
    ("wait", DAY, {"note": "two\nlines"}, "the note must be one line"),
    ("wait", DAY, {"groups": {"facility": "north"}}, "metric 'wait' has no dimension 'facility' (it declares no "
                                                    "dimensions)"),
])
def test_bad_arguments_are_problems_and_nothing_is_written(tmp_path, metric, when, kwargs, expected):
    root = _portal(tmp_path)
    outcome = record(root, metric, when, "27", **kwargs)
    assert any(expected in line for line in outcome.problems), outcome.problems
    assert not outcome.written and (root / WAIT).read_text() == WAIT_CSV


@pytest.mark.parametrize("kwargs, expected", [
    ({"flag": "estimat"}, "flag 'estimat' is not one of break, proxy, estimate, provisional (did you mean "
                          "'estimate'?)"),
    ({"groups": {"facilty": "north"}}, "metric 'visits' has no dimension 'facilty' (did you mean 'facility'?) "
                                       "(its dimensions: facility)"),
    ({"groups": {"facility": "nort"}}, "'nort' is not a code of dimension 'facility' of metric 'visits' "
                                       "(did you mean 'north'?) (its codes: north, south)"),
])
def test_flags_and_groups_must_be_declared(tmp_path, kwargs, expected):
    root = _schema2(tmp_path)
    outcome = record(root, "visits", DAY, "5", **kwargs)
    assert outcome.problems == [expected]
    assert (root / VISITS).read_text() == VISITS_CSV


def test_a_derived_metric_is_refused_it_has_a_formula(tmp_path):
    root = _schema2(tmp_path, **{"okrs/metrics/double.yml": "title: Double\nformula: 2 * wait\n"})
    outcome = record(root, "double", DAY, "5")
    assert outcome.problems == ["okrs/metrics/double.yml: metric 'double' is derived (it has a formula): its "
                                "values are computed from the metrics it names; record those instead"]
    assert not (root / "okrs/metrics/double.csv").exists()


def test_a_broken_csv_is_not_merged_into(tmp_path, cli):
    broken = "date,value\n2026-01-01,30\n2026-02-01,twenty\n"
    root = _portal(tmp_path, **{WAIT: broken})
    run = cli(root, "record", "wait", "2026-03-01", "27")
    assert run.code == 1 and run.out.startswith("okrs/metrics/wait.csv:3: ") and "\n" == run.out[-1]
    assert run.out.count("\n") == 1 and "nothing was written" in run.err
    assert (root / WAIT).read_text() == broken


def test_a_change_validate_refuses_elsewhere_is_printed_as_validate_prints_it(tmp_path, cli):
    root = _portal(tmp_path, **{"okrs/objectives/a.yml": SHORTER_WAITS.replace("owner:", "ownr:")})
    run = cli(root, "record", "wait", "2026-03-01", "27")
    assert run.code == 1
    assert run.out.startswith("okrs/objectives/a.yml:4: ")
    assert (root / WAIT).read_text() == WAIT_CSV


def test_the_cli_refuses_a_bad_date_and_a_bad_group(tmp_path, cli):
    root = _portal(tmp_path)
    run = cli(root, "record", "wait", "2026-02-30", "27", "--group", "facility")
    assert run.code == 1
    assert run.out == ("date '2026-02-30' is not a real date\n"
                       "--group 'facility' is not DIMENSION=CODE, as in facility=north\n")


# --- adding and correcting ----------------------------------------------------------------------


def test_a_new_value_goes_in_date_order_and_the_report_shows_it(tmp_path, cli):
    root = _portal(tmp_path)
    run = cli(root, "record", "wait", "2026-01-15", "29.5")
    assert run.code == 0, run.out
    assert (root / WAIT).read_text() == "date,value\n2026-01-01,30\n2026-01-15,29.5\n2026-02-01,28\n"
    assert run.out.startswith("`wait` on 2026-01-15 recorded: 29.5, in okrs/metrics/wait.csv.\n")
    assert "| `wait` | 2026-01-15 | — | 29.5 |" in run.out


def test_a_correction_reports_old_and_new_and_keeps_the_note_unless_given(tmp_path):
    root = _portal(tmp_path, **{WAIT: "date,value,note\n2026-01-01,30,from the audit\n"})
    outcome = record(root, "wait", date(2026, 1, 1), "31")
    assert outcome.written
    assert outcome.report.startswith("`wait` on 2026-01-01 corrected from 30 to 31, in okrs/metrics/wait.csv.\n")
    assert "| `wait` | 2026-01-01 | 30 (from the audit) | 31 (from the audit) |" in outcome.report
    assert (root / WAIT).read_text() == "date,value,note\n2026-01-01,31,from the audit\n"
    outcome = record(root, "wait", date(2026, 1, 1), "31", note="re-counted")
    assert outcome.report.startswith("`wait` on 2026-01-01 still 31; note set to 're-counted', in "
                                     "okrs/metrics/wait.csv.\n")
    assert _series(root, "wait") == [(date(2026, 1, 1), 31.0, "re-counted", None)]
    assert record(root, "wait", date(2026, 1, 1), "31", note="").written
    assert (root / WAIT).read_text() == "date,value,note\n2026-01-01,31,\n"


def test_the_same_value_again_changes_nothing(tmp_path):
    root = _portal(tmp_path)
    outcome = record(root, "wait", date(2026, 2, 1), "28.0")
    assert (outcome.written, outcome.problems) == (False, [])
    assert outcome.report == "No change: `wait` already holds 28 on 2026-02-01.\n"
    assert (root / WAIT).read_text() == WAIT_CSV


def test_a_note_on_a_file_without_a_note_column_adds_the_column(tmp_path):
    root = _portal(tmp_path)
    assert record(root, "wait", DAY, "27", note="new clinic, opened").written
    assert (root / WAIT).read_text() == ('date,value,note\n2026-01-01,30,\n2026-02-01,28,\n'
                                         '2026-03-01,27,"new clinic, opened"\n')


def test_a_group_and_its_flag_kept_or_replaced(tmp_path):
    root = _schema2(tmp_path)
    north = (("facility", "north"),)
    assert record(root, "visits", date(2026, 1, 1), "5", groups={"facility": "north"}).written
    assert _series(root, "visits", north) == [(date(2026, 1, 1), 5.0, "late", "estimate")]
    assert record(root, "visits", date(2026, 1, 1), "5", flag="", groups={"facility": "north"}).written
    assert _series(root, "visits", north) == [(date(2026, 1, 1), 5.0, "late", None)]
    assert record(root, "visits", DAY, "7", flag="provisional", groups={"facility": "north"}).written
    assert _series(root, "visits", north)[-1] == (DAY, 7.0, None, "provisional")
    assert (root / VISITS).read_text() == ("date,facility,value,flag,note\n2026-01-01,,10,,\n"
                                           "2026-01-01,north,5,,late\n2026-01-01,south,6,,\n"
                                           "2026-03-01,north,7,provisional,\n")


def test_a_metric_with_no_csv_yet_gets_one(tmp_path):
    root = _schema2(tmp_path, **{"okrs/metrics/calls.yml": "title: Calls\nfrequency: monthly\n"})
    outcome = record(root, "calls", DAY, "120")
    assert outcome.written and outcome.path == "okrs/metrics/calls.csv"
    assert (root / "okrs/metrics/calls.csv").read_text() == "date,value\n2026-03-01,120\n"


def test_a_bom_and_crlf_newlines_are_kept(tmp_path):
    root = _portal(tmp_path, **{WAIT: b"\xef\xbb\xbfdate,value\r\n2026-01-01,30\r\n"})
    assert record(root, "wait", DAY, "27").written
    assert (root / WAIT).read_bytes() == b"\xef\xbb\xbfdate,value\r\n2026-01-01,30\r\n2026-03-01,27\r\n"
    assert sorted(os.listdir(root / "okrs/metrics")) == ["wait.csv"]  # no temporary file left


# --- one at a time --------------------------------------------------------------------------------


def _run_record(root: Path, day: int) -> subprocess.Popen:
    return subprocess.Popen([OKR_PORTAL, "-C", str(root), "record", "wait", f"2026-03-{day:02d}", str(day)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_records_at_once_all_land(tmp_path):
    root = _portal(tmp_path)
    runs = [_run_record(root, day) for day in (1, 2)]
    for run in runs:
        out, err = run.communicate(timeout=60)
        assert run.returncode == 0, out + err
    assert [v for _, v, _, _ in _series(root, "wait")] == [30.0, 28.0, 1.0, 2.0]


def test_a_record_waits_while_a_fetch_holds_the_portal(tmp_path):
    root = _portal(tmp_path)
    with portal_lock(root, "fetch"):
        run = _run_record(root, 1)
        said = run.stderr.readline()  # blocks until it says it waits (or ends without waiting)
        assert "another check-in, record or fetch is running in this portal; waiting for it to finish" in said
        time.sleep(0.5)
        assert run.poll() is None and (root / WAIT).read_text() == WAIT_CSV
    out, err = run.communicate(timeout=60)
    assert run.returncode == 0, out + err
    assert _series(root, "wait")[-1] == (DAY, 1.0, None, None)


def test_a_file_in_an_order_of_its_own_keeps_it_each_new_row_beside_its_group(tmp_path):
    # The headline's rows first, then the groups' by date: no order merge knows, kept as it is.
    csv = ("date,facility,value,flag,note\n2026-01-01,,10,,\n2026-02-01,,11,,\n"
           "2026-01-01,north,4,,\n2026-01-01,south,6,,\n2026-02-01,north,5,,\n2026-02-01,south,6,,\n")
    root = _schema2(tmp_path, **{VISITS: csv})
    assert record(root, "visits", DAY, "12").written
    assert record(root, "visits", DAY, "7", groups={"facility": "north"}).written
    assert record(root, "visits", date(2026, 1, 1), "5", groups={"facility": "south"}).written
    assert (root / VISITS).read_text() == (
        "date,facility,value,flag,note\n2026-01-01,,10,,\n2026-02-01,,11,,\n2026-03-01,,12,,\n"
        "2026-01-01,north,4,,\n2026-01-01,south,5,,\n2026-02-01,north,5,,\n2026-02-01,south,6,,\n"
        "2026-03-01,north,7,,\n")


def test_outside_a_portal_nothing_is_written_not_even_a_lock(tmp_path, cli):
    run = cli(tmp_path, "record", "wait", "2026-03-01", "27")
    assert run.code == 1 and run.out.startswith("no okrs/ folder in ")
    assert os.listdir(tmp_path) == []


def test_rows_that_do_not_change_keep_their_bytes(tmp_path):
    odd = ('date,value,note\r\n"2026-01-01", 30 ,"quoted, with a comma"\r\n2026-02-01,28,"two\r\nlines"\r\n'
           '2026-04-01,26,"said ""hi"""')  # no newline at the end
    root = _portal(tmp_path, **{WAIT: odd})
    assert record(root, "wait", DAY, "27").written
    assert record(root, "wait", date(2026, 4, 1), "25").written
    assert (root / WAIT).read_bytes().decode() == (
        'date,value,note\r\n"2026-01-01", 30 ,"quoted, with a comma"\r\n2026-02-01,28,"two\r\nlines"\r\n'
        '2026-03-01,27,\r\n2026-04-01,25,"said ""hi"""\r\n')

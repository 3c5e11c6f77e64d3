"""Schema 2 groups (disaggregation) and flags in a metric's CSV, and a key result's `breakdown`
(DESIGN.md §3), through the real CLI: every CSV rule holds series by series and each problem is
one line at its CSV line; what is valid is read into the headline series and the groups.
"""

from __future__ import annotations

import json

import pytest

from fixtures import OBJECTIVE_HEAD, OBJECTIVE_PATH, PORTAL_PATH, PORTAL_YML, SHORTER_WAITS, WAIT_CSV_PATH
from site_builder.source.check import check

PORTAL_2 = PORTAL_YML.replace("schema: 1\n", "schema: 2\n", 1)
META = "okrs/metrics/wait.yml"

WAIT_YML = """\
title: New-patient wait
unit: days
dimensions:
  clinic:
    title: {en: Clinic, zh-TW: 診所}
    values:
      north: {en: Northshore clinic, zh-TW: 北岸診所}
      east: Eastfield clinic
"""

GOOD_CSV = """\
date,clinic,value,flag,note
2026-01-01,,30,,
2026-01-01,north,34,,first month
2026-01-01,east,26,estimate,
2026-02-01,,28,,
2026-02-01,north,31,break,new booking system
2026-02-01,east,25,,
"""

BREAKDOWN_KR = OBJECTIVE_HEAD + """\
  - id: wait
    title: New-patient wait at Northshore
    metric: wait
    breakdown: {clinic: north}
    baseline: {date: 2026-01-01, value: 34}
    target: {value: 20}
"""


def _files(csv: str = GOOD_CSV, meta: str = WAIT_YML, objective: str = SHORTER_WAITS,
           portal_yml: str = PORTAL_2) -> dict[str, str]:
    return {PORTAL_PATH: portal_yml, OBJECTIVE_PATH: objective, META: meta, WAIT_CSV_PATH: csv}


def _validate(portal, cli, **files) -> list[str]:
    root = portal(_files(**files), portal_yml=None)
    run = cli(root, "validate")
    lines = run.out.splitlines()
    assert (run.code == 0) == (not lines or lines[0].startswith("okrs/ is valid")), run.out
    return lines if run.code else []


# --- bad input first ------------------------------------------------------------------


@pytest.mark.parametrize("row, message", [
    ("2026-03-01,west,27,,", "okrs/metrics/wait.csv:8: clinic 'west' is not one of the codes declared for clinic "
                             "(did you mean 'east'?): declare it under dimensions: clinic: values: in "
                             "okrs/metrics/wait.yml, or correct the row"),
    ("2026-02-01,north,30,,", "okrs/metrics/wait.csv:8: date 2026-02-01 appears twice in the group clinic north "
                              "(first at line 6)"),
    ("2026-02-01,,30,,", "okrs/metrics/wait.csv:8: date 2026-02-01 appears twice (first at line 5)"),
    ("2026-03-01,east,27,guess,", "okrs/metrics/wait.csv:8: flag 'guess' must be empty or one of break, estimate, "
                                  "provisional, proxy"),
    ("2026-03-01,east,27,Estimate,", "okrs/metrics/wait.csv:8: flag 'Estimate' must be empty or one of break, "
                                     "estimate, provisional, proxy (did you mean 'estimate'?)"),
    ("2026-03-01,east,twenty,,", "okrs/metrics/wait.csv:8: value 'twenty' is not a number (write plain digits such "
                                 "as 1234.5, without units or thousands separators)"),
])
def test_each_row_problem_is_one_line_at_its_csv_line(portal, cli, row, message):
    assert _validate(portal, cli, csv=GOOD_CSV + row + "\n") == [message]


def test_a_column_the_metric_does_not_declare_is_refused(portal, cli):
    csv = GOOD_CSV.replace("date,clinic,", "date,clinc,", 1)
    lines = _validate(portal, cli, csv=csv)
    assert "okrs/metrics/wait.csv:1: unexpected column 'clinc': a metric's file has the columns date, value, note, " \
           "flag and one for each dimension declared in okrs/metrics/wait.yml (did you mean 'clinic'?)" in lines
    assert any("missing column 'clinic'" in line for line in lines)


def test_a_flag_column_needs_schema_2(portal, cli):
    lines = _validate(portal, cli, csv="date,value,flag\n2026-01-01,30,estimate\n", meta="title: Wait\n",
                      portal_yml=PORTAL_YML)
    assert lines == ["okrs/metrics/wait.csv:1: column 'flag' needs schema: 2 in okrs/portal.yml "
                     "(this portal says schema: 1)"]


@pytest.mark.parametrize("breakdown, message", [
    ("{clinic: west}", "okrs/objectives/a.yml:9: key result 'wait': 'west' is not a code of clinic in metric 'wait' "
                       "(did you mean 'east'?)"),
    ("{site: north}", "okrs/objectives/a.yml:9: key result 'wait': metric 'wait' has no dimension 'site'; its "
                      "dimensions are clinic"),
    ("{}", "okrs/objectives/a.yml:9: breakdown must name at least 1 dimension name"),
    ("north", "okrs/objectives/a.yml:9: breakdown must be a mapping, not 'north'"),
])
def test_a_breakdown_names_declared_dimensions_and_codes(portal, cli, breakdown, message):
    objective = BREAKDOWN_KR.replace("{clinic: north}", breakdown)
    assert _validate(portal, cli, objective=objective) == [message]


def test_a_breakdown_of_a_metric_without_dimensions_is_refused(portal, cli):
    lines = _validate(portal, cli, objective=BREAKDOWN_KR, meta="title: Wait\n",
                      csv="date,value\n2026-01-01,30\n")
    assert lines == ["okrs/objectives/a.yml:9: key result 'wait': breakdown needs a metric broken down by "
                     "dimensions, and metric 'wait' declares none (add dimensions to okrs/metrics/wait.yml, or "
                     "remove the breakdown)"]


def test_dimensions_and_breakdown_need_schema_2(portal, cli):
    lines = _validate(portal, cli, objective=BREAKDOWN_KR, portal_yml=PORTAL_YML, csv="date,value\n2026-01-01,30\n")
    assert "okrs/metrics/wait.yml:3: 'dimensions' needs schema: 2 in okrs/portal.yml (this portal says schema: 1)" \
        in lines
    assert "okrs/objectives/a.yml:9: 'breakdown' needs schema: 2 in okrs/portal.yml (this portal says schema: 1)" \
        in lines


def test_a_hostile_code_is_quoted_short_and_on_one_line(portal, cli):
    code = "<script>" + "x" * 5000 + "\u2028"
    lines = _validate(portal, cli, csv=GOOD_CSV + f"2026-03-01,{code},27,,\n")
    assert len(lines) == 1 and len(lines[0]) < 400 and lines[0].startswith("okrs/metrics/wait.csv:8: clinic '")


# --- what is read --------------------------------------------------------------------


def test_the_headline_and_each_group_are_read_as_series(portal):
    root = portal(_files(), portal_yml=None)
    checked = check(root)
    assert checked.problems == []
    metric = checked.portal.metrics["wait"]
    assert [d.id for d in metric.dimensions] == ["clinic"]
    assert metric.dimensions[0].codes == ("north", "east")
    assert [(o.date.isoformat(), o.value, o.flag) for o in metric.observations] == [
        ("2026-01-01", 30.0, None), ("2026-02-01", 28.0, None)]
    north = metric.series((("clinic", "north"),))
    assert [(o.value, o.note, o.flag, o.line) for o in north] == [
        (34.0, "first month", None, 3), (31.0, "new booking system", "break", 6)]
    assert [(o.value, o.flag) for o in metric.series((("clinic", "east"),))] == [(26.0, "estimate"), (25.0, None)]


def test_a_breakdown_key_result_is_computed_from_its_group(portal, cli):
    root = portal(_files(objective=BREAKDOWN_KR), portal_yml=None)
    run = cli(root, "status", "--json", "--as-of", "2026-03-01")
    assert run.code == 0, run.out
    kr = json.loads(run.out)["objectives"][0]["key_results"][0]
    # Northshore: baseline 34, target 20, latest 31 on 2026-02-01: p = (31 - 34) / (20 - 34) = 3/14.
    assert kr["current"] == {"date": "2026-02-01", "value": 31}
    assert kr["progress"] == pytest.approx(3 / 14, abs=1e-6)
    assert kr["breakdown"] == {"clinic": "north"}


def test_a_breakdown_may_name_a_group_a_derived_metric_takes_from_its_inputs(portal, cli):
    visits_yml = WAIT_YML.replace("New-patient wait", "Visits")
    visits_csv = ("date,clinic,value\n2026-01-01,,100\n2026-01-01,north,40\n2026-01-01,east,60\n"
                  "2026-02-01,,100\n2026-02-01,north,50\n2026-02-01,east,50\n")
    files = _files(objective=BREAKDOWN_KR.replace("metric: wait", "metric: per-visit")
                   .replace("value: 34}", "value: 0.8}").replace("value: 20}", "value: 0.5}"))
    files.update({"okrs/metrics/visits.yml": visits_yml, "okrs/metrics/visits.csv": visits_csv,
                  "okrs/metrics/per-visit.yml": "title: Wait per visit\nformula: wait / visits\n"})
    root = portal(files, portal_yml=None)
    run = cli(root, "status", "--json", "--as-of", "2026-03-01")
    assert run.code == 0, run.out
    kr = json.loads(run.out)["objectives"][0]["key_results"][0]
    # Northshore: 31 days / 50 visits = 0.62 on 2026-02-01; p = (0.62 - 0.8) / (0.5 - 0.8) = 0.6.
    assert kr["current"] == {"date": "2026-02-01", "value": 0.62}
    assert kr["progress"] == pytest.approx(0.6, abs=1e-6)
    bad = portal({**files, OBJECTIVE_PATH: files[OBJECTIVE_PATH].replace("{clinic: north}", "{clinic: west}")},
                 portal_yml=None)
    assert cli(bad, "validate").out.splitlines() == [
        "okrs/objectives/a.yml:9: key result 'wait': 'west' is not a code of clinic in metric 'per-visit' "
        "(did you mean 'east'?)"]


def test_validate_counts_the_observations_of_every_group(portal, cli):
    run = cli(portal(_files(), portal_yml=None), "validate")
    assert run.out == "okrs/ is valid: 1 objective (0 draft), 1 key result, 1 metric with 6 observations\n"

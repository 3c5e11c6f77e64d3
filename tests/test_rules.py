"""The status rules of DESIGN.md §4, checked through `okr-portal status --json`.

Every test writes a small portal whose numbers are computed by hand in a comment,
and reads only the public document (api/okrs.json, DESIGN.md §5).

Day counts used below (from 2026-01-01): 2026-02-01 = 31, 2026-03-01 = 59,
2026-04-02 = 91, 2026-05-09 = 128, 2026-07-02 = 182, 2026-10-01 = 273,
2026-12-31 = 364. So with baseline 2026-01-01 and the default target date (the
cy2026 period end 2026-12-31): e(2026-04-02) = 91/364 = 0.25,
e(2026-07-02) = 182/364 = 0.5, e(2026-10-01) = 273/364 = 0.75.
"""

from __future__ import annotations

import json
import re

import pytest

# The conftest default portal.yml (periods cy2025 and cy2026, languages [en, zh-TW], default
# thresholds), which tests extend with thresholds of their own.
from fixtures import PORTAL_YML as MINIMAL_PORTAL_YML


def A(value, abs=1e-6):  # noqa: A002 - pytest.approx's own keyword
    """Ratios in the document may be rounded for display (the implementation prints 6 decimals),
    so compare to the hand computation within 1e-6."""
    return pytest.approx(value, abs=abs)


# --- helpers ------------------------------------------------------------------


def metric_kr(kr_id="kr", metric="m", baseline=("2026-01-01", 30), target=20, target_date=None, weight=None):
    """The YAML (indented for key_results) of one metric key result."""
    target_yaml = f"{{value: {target}}}" if target_date is None else f"{{date: {target_date}, value: {target}}}"
    lines = [
        f"  - id: {kr_id}",
        f"    title: KR {kr_id}",
        f"    metric: {metric}",
        f"    baseline: {{date: {baseline[0]}, value: {baseline[1]}}}",
        f"    target: {target_yaml}",
    ]
    if weight is not None:
        lines.append(f"    weight: {weight}")
    return "\n".join(lines) + "\n"


def maintain_kr(kr_id="hold", metric="m", threshold="{min: 85}", weight=None):
    lines = [
        f"  - id: {kr_id}",
        f"    title: KR {kr_id}",
        "    type: maintain",
        f"    metric: {metric}",
        f"    threshold: {threshold}",
    ]
    if weight is not None:
        lines.append(f"    weight: {weight}")
    return "\n".join(lines) + "\n"


def milestone_kr(kr_id="ms", due="2026-06-30", done=None, weight=None):
    lines = [
        f"  - id: {kr_id}",
        f"    title: KR {kr_id}",
        "    type: milestone",
        f"    due: {due}",
    ]
    if done is not None:
        lines.append(f"    done: {done}")
    if weight is not None:
        lines.append(f"    weight: {weight}")
    return "\n".join(lines) + "\n"


def objective_yml(krs: str, oid="obj", period="cy2026", title="Objective", owner="Owner", extra=""):
    return (f"id: {oid}\nperiod: {period}\ntitle: {title}\nowner: {owner}\n{extra}"
            f"key_results:\n{krs}")


def csv(*rows: str) -> str:
    return "date,value\n" + "".join(r + "\n" for r in rows)


def status_doc(cli, root, as_of: str) -> dict:
    run = cli(root, "status", "--json", "--as-of", as_of)
    assert run.code == 0, run.err + run.out
    doc = json.loads(run.out)
    assert doc["as_of"] == as_of
    return doc


def one_kr(portal, cli, krs: str, metrics: dict[str, str], as_of: str, portal_yml=MINIMAL_PORTAL_YML) -> dict:
    """Status of the single objective's key results; returns {kr id: kr document}."""
    files = {"okrs/objectives/obj.yml": objective_yml(krs)}
    files.update({f"okrs/metrics/{m}.csv": text for m, text in metrics.items()})
    root = portal(files, portal_yml)
    doc = status_doc(cli, root, as_of)
    (obj,) = doc["objectives"]
    return {kr["id"]: kr for kr in obj["key_results"]}


def single_metric(portal, cli, rows, as_of, portal_yml=MINIMAL_PORTAL_YML, **kr_args) -> dict:
    """One metric key result 'kr' on metric 'm' whose CSV has ``rows``."""
    return one_kr(portal, cli, metric_kr(**kr_args), {"m": csv(*rows)}, as_of, portal_yml)["kr"]


def thresholds_yml(at_risk, off_track) -> str:
    return MINIMAL_PORTAL_YML + f"thresholds: {{at_risk: {at_risk}, off_track: {off_track}}}\n"


# --- metric key results: every status -------------------------------------------


def test_metric_on_track(portal, cli):
    # b = 30 (2026-01-01), T = 20 (2026-12-31). v = 25 on 2026-07-02.
    # p = (25-30)/(20-30) = 0.5; e = 182/364 = 0.5; 0.5 >= 0.5 - 0.10 -> on_track; score 0.5
    kr = single_metric(portal, cli, ["2026-07-02,25"], "2026-08-01")
    assert kr["status"] == "on_track"
    assert kr["progress"] == A(0.5) and kr["score"] == A(0.5) and kr["expected"] == A(0.5)
    assert kr["current"] == {"date": "2026-07-02", "value": 25}


def test_metric_at_risk(portal, cli):
    # v = 27 on 2026-07-02: p = (27-30)/(20-30) = 0.3; e = 0.5
    # 0.3 < 0.5 - 0.10 = 0.4 but 0.3 >= 0.5 - 0.25 = 0.25 -> at_risk
    kr = single_metric(portal, cli, ["2026-07-02,27"], "2026-07-10")
    assert kr["status"] == "at_risk"
    assert kr["progress"] == A(0.3) and kr["score"] == A(0.3) and kr["expected"] == A(0.5)


def test_metric_off_track(portal, cli):
    # v = 28 on 2026-07-02: p = (28-30)/(20-30) = 0.2; e = 0.5; 0.2 < 0.25 -> off_track
    kr = single_metric(portal, cli, ["2026-07-02,28"], "2026-07-10")
    assert kr["status"] == "off_track"
    assert kr["progress"] == A(0.2) and kr["score"] == A(0.2)


def test_metric_achieved_exactly_at_target(portal, cli):
    # v = 20 on 2026-07-02: p = (20-30)/(20-30) = 1 exactly -> achieved (p >= 1), score 1
    kr = single_metric(portal, cli, ["2026-07-02,20"], "2026-07-10")
    assert kr["status"] == "achieved"
    assert kr["progress"] == A(1.0) and kr["score"] == A(1.0) and kr["expected"] == A(0.5)


def test_metric_achieved_beyond_target_score_clamped(portal, cli):
    # v = 15 on 2026-04-02: p = (15-30)/(20-30) = 1.5 > 1 -> achieved; score = clamp(1.5) = 1
    # e = 91/364 = 0.25
    kr = single_metric(portal, cli, ["2026-04-02,15"], "2026-05-01")
    assert kr["status"] == "achieved"
    assert kr["progress"] == A(1.5)
    assert kr["score"] == A(1.0)
    assert kr["expected"] == A(0.25)


def test_metric_achieved_stays_achieved_after_period_end(portal, cli):
    # v = 19 on 2026-10-01: p = (19-30)/(20-30) = 1.1 >= 1 -> achieved is checked before missed,
    # even with as-of 2027-02-01 > t1 = 2026-12-31. score 1.
    kr = single_metric(portal, cli, ["2026-10-01,19"], "2027-02-01")
    assert kr["status"] == "achieved"
    assert kr["progress"] == A(1.1) and kr["score"] == A(1.0)


def test_metric_missed_after_target_date(portal, cli):
    # v = 25 on 2026-07-02: p = 0.5 < 1 and as-of 2027-01-01 > t1 = 2026-12-31 -> missed
    # score = clamp(0.5) = 0.5 (the grade shown for ended periods); e = 0.5 (date of the observation)
    kr = single_metric(portal, cli, ["2026-07-02,25"], "2027-01-01")
    assert kr["status"] == "missed"
    assert kr["progress"] == A(0.5) and kr["score"] == A(0.5) and kr["expected"] == A(0.5)


def test_metric_not_missed_on_the_target_date_itself(portal, cli):
    # as-of 2026-12-31 == t1: the period has not ended (missed needs as-of > t1).
    # v = 21 on 2026-12-31: p = (21-30)/(20-30) = 0.9; e = 364/364 = 1; 0.9 >= 1 - 0.10 -> on_track
    kr = single_metric(portal, cli, ["2026-12-31,21"], "2026-12-31")
    assert kr["status"] == "on_track"
    assert kr["progress"] == A(0.9) and kr["expected"] == A(1.0)


def test_metric_missed_uses_target_date_not_period_end(portal, cli):
    # Target date 2026-05-09 (128 days after the baseline), before the period end.
    # v = 25 on 2026-03-01: p = 0.5; as-of 2026-06-01 > t1 -> missed although cy2026 runs on.
    kr = single_metric(portal, cli, ["2026-03-01,25"], "2026-06-01", target_date="2026-05-09")
    assert kr["status"] == "missed"
    # e = 59/128 = 0.4609375
    assert kr["expected"] == A(59 / 128)


def test_metric_no_data_without_observations(portal, cli):
    # The CSV has a header only: no observation in [t0, t1] -> no_data, every number null.
    kr = single_metric(portal, cli, [], "2026-07-02")
    assert kr["status"] == "no_data"
    assert kr["progress"] is None and kr["score"] is None and kr["expected"] is None
    assert kr["current"] is None


def test_metric_no_data_when_observations_lie_outside_the_window(portal, cli):
    # Baseline 2026-03-01, target date 2026-05-09: observations on 2026-02-01 (< t0) and
    # 2026-07-02 (> t1) are both outside [t0, t1] -> no_data
    kr = single_metric(portal, cli, ["2026-02-01,10", "2026-07-02,10"], "2026-08-01",
                       baseline=("2026-03-01", 30), target_date="2026-05-09")
    assert kr["status"] == "no_data"
    assert kr["current"] is None and kr["progress"] is None


# --- boundaries and thresholds ----------------------------------------------------


def test_boundary_exactly_e_minus_at_risk_is_on_track(portal, cli):
    # b = 0, T = 10, v = 4 on 2026-07-02: p = 4/10 = 0.4; e = 0.5; e - at_risk = 0.5 - 0.1 = 0.4.
    # (In binary floating point 4/10 and 0.5 - 0.1 are the same double 0.4.) p >= 0.4 -> on_track
    kr = single_metric(portal, cli, ["2026-07-02,4"], "2026-07-02", baseline=("2026-01-01", 0), target=10)
    assert kr["progress"] == A(0.4) and kr["expected"] == A(0.5)
    assert kr["status"] == "on_track"


def test_boundary_exactly_e_minus_off_track_is_at_risk(portal, cli):
    # b = 0, T = 4, v = 1 on 2026-07-02: p = 1/4 = 0.25 (exact); e - off_track = 0.5 - 0.25 = 0.25 (exact)
    # p >= 0.25 -> at_risk, not off_track
    kr = single_metric(portal, cli, ["2026-07-02,1"], "2026-07-02", baseline=("2026-01-01", 0), target=4)
    assert kr["progress"] == A(0.25)
    assert kr["status"] == "at_risk"


@pytest.mark.parametrize("value, status", [
    # Baseline 2026-01-01 (b = 0), target 2026-01-11 (T = 10): 10 days. Observation on 2026-01-05: e = 4/10 = 0.4.
    (3, "on_track"),   # p = 3/10 = 0.3 = e - at_risk = 0.4 - 0.1 exactly in real numbers, but in binary
                       # floating point 0.4 - 0.1 = 0.30000000000000004 > 0.3: the rule must tolerate rounding.
    (1.5, "at_risk"),  # p = 1.5/10 = 0.15 = e - off_track = 0.4 - 0.25 (0.15000000000000002 in floats)
])
def test_boundary_not_exact_in_binary_is_still_the_better_side(portal, cli, value, status):
    kr = single_metric(portal, cli, [f"2026-01-05,{value}"], "2026-01-06",
                       baseline=("2026-01-01", 0), target=10, target_date="2026-01-11")
    assert kr["expected"] == A(0.4) and kr["progress"] == A(value / 10)
    assert kr["status"] == status


def test_just_below_e_minus_off_track_is_off_track(portal, cli):
    # b = 0, T = 100, v = 24.9 on 2026-07-02: p = 0.249 < 0.25 -> off_track
    kr = single_metric(portal, cli, ["2026-07-02,24.9"], "2026-07-02", baseline=("2026-01-01", 0), target=100)
    assert kr["status"] == "off_track"


def test_just_below_e_minus_at_risk_is_at_risk(portal, cli):
    # b = 0, T = 100, v = 39.9 on 2026-07-02: p = 0.399 < 0.4 -> at_risk
    kr = single_metric(portal, cli, ["2026-07-02,39.9"], "2026-07-02", baseline=("2026-01-01", 0), target=100)
    assert kr["status"] == "at_risk"


@pytest.mark.parametrize("value, status", [
    # thresholds at_risk 0.125, off_track 0.375 (both exact in binary); e = 0.5; b = 0, T = 8
    (4, "on_track"),     # p = 4/8 = 0.5   >= 0.5 - 0.125 = 0.375
    (3, "on_track"),     # p = 3/8 = 0.375 == 0.375 -> on_track (boundary)
    (2, "at_risk"),      # p = 2/8 = 0.25  <  0.375, >= 0.5 - 0.375 = 0.125
    (1, "at_risk"),      # p = 1/8 = 0.125 == 0.125 -> at_risk (boundary)
    (0.5, "off_track"),  # p = 0.5/8 = 0.0625 < 0.125
])
def test_custom_thresholds(portal, cli, value, status):
    kr = single_metric(portal, cli, [f"2026-07-02,{value}"], "2026-07-02",
                       portal_yml=thresholds_yml(0.125, 0.375), baseline=("2026-01-01", 0), target=8)
    assert kr["progress"] == A(value / 8)
    assert kr["status"] == status


def test_custom_thresholds_change_the_status_default_would_give(portal, cli):
    # p = 0.3, e = 0.5 (v = 27 of 30 -> 20). Default thresholds: at_risk (0.3 >= 0.25).
    # With at_risk 0.25, off_track 0.5: 0.3 >= 0.5 - 0.25 = 0.25 -> on_track.
    kr = single_metric(portal, cli, ["2026-07-02,27"], "2026-07-02", portal_yml=thresholds_yml(0.25, 0.5))
    assert kr["status"] == "on_track"


def test_zero_thresholds(portal, cli):
    # at_risk 0, off_track 0: on_track only when p >= e.
    # v = 26 on 2026-07-02: p = (26-30)/(20-30) = 0.4 < e = 0.5 -> not at_risk (0.4 < 0.5 - 0) -> off_track
    kr = single_metric(portal, cli, ["2026-07-02,26"], "2026-07-02", portal_yml=thresholds_yml(0, 0))
    assert kr["status"] == "off_track"


# --- direction ----------------------------------------------------------------


def test_increase_direction(portal, cli):
    # b = 60, T = 80 (increase). v = 75 on 2026-10-01: p = (75-60)/(80-60) = 0.75; e = 273/364 = 0.75 -> on_track
    kr = single_metric(portal, cli, ["2026-10-01,75"], "2026-10-15", baseline=("2026-01-01", 60), target=80)
    assert kr["progress"] == A(0.75) and kr["expected"] == A(0.75)
    assert kr["status"] == "on_track"


def test_decrease_direction(portal, cli):
    # Wait days 30 -> 20 (target below baseline). v = 22.5 on 2026-10-01:
    # p = (22.5-30)/(20-30) = 0.75; e = 0.75 -> on_track
    kr = single_metric(portal, cli, ["2026-10-01,22.5"], "2026-10-15")
    assert kr["progress"] == A(0.75) and kr["status"] == "on_track"


def test_wrong_way_decrease_gives_negative_progress_and_zero_score(portal, cli):
    # Wait days 30 -> 20, but v = 32 on 2026-07-02: p = (32-30)/(20-30) = -0.2; score = clamp = 0
    # e = 0.5; -0.2 < 0.25 -> off_track
    kr = single_metric(portal, cli, ["2026-07-02,32"], "2026-07-10")
    assert kr["progress"] == A(-0.2)
    assert kr["score"] == 0
    assert kr["status"] == "off_track"


def test_wrong_way_increase_gives_negative_progress_and_zero_score(portal, cli):
    # b = 60, T = 80, v = 55 on 2026-04-02: p = (55-60)/(80-60) = -0.25; score 0
    # e = 0.25: -0.25 < 0.25 - 0.25 = 0 -> off_track
    kr = single_metric(portal, cli, ["2026-04-02,55"], "2026-04-10", baseline=("2026-01-01", 60), target=80)
    assert kr["progress"] == A(-0.25) and kr["score"] == 0
    assert kr["status"] == "off_track"


# --- expected ---------------------------------------------------------------------


def test_expected_uses_the_observation_date_not_the_as_of_date(portal, cli):
    # v = 28 on 2026-04-02: p = (28-30)/(20-30) = 0.2; e = 91/364 = 0.25 (observation date).
    # 0.2 >= 0.25 - 0.10 = 0.15 -> on_track.
    # Had e used the as-of date 2026-12-01 (334/364 = 0.918), it would be off_track.
    kr = single_metric(portal, cli, ["2026-04-02,28"], "2026-12-01")
    assert kr["expected"] == A(0.25)
    assert kr["status"] == "on_track"


def test_expected_is_zero_at_the_baseline_date(portal, cli):
    # Observation on t0 itself, v = 30: p = 0, e = 0/364 = 0 -> on_track (0 >= 0 - 0.10)
    kr = single_metric(portal, cli, ["2026-01-01,30"], "2026-06-01")
    assert kr["expected"] == 0 and kr["progress"] == 0 and kr["score"] == 0
    assert kr["status"] == "on_track"


def test_expected_is_one_at_the_target_date_and_within_0_1(portal, cli):
    # Observation on t1 = 2026-05-09 (128 days): e = 128/128 = 1 (never above 1).
    # v = 22 : p = (22-30)/(20-30) = 0.8; 0.8 < 1 - 0.10 but >= 1 - 0.25 -> at_risk
    # An observation after t1 (2026-06-01) must not push e above 1 or change the value.
    kr = single_metric(portal, cli, ["2026-05-09,22", "2026-06-01,21"], "2026-05-09", target_date="2026-05-09")
    assert kr["expected"] == A(1.0)
    assert kr["progress"] == A(0.8)
    assert kr["status"] == "at_risk"


def test_expected_with_a_baseline_inside_the_period(portal, cli):
    # Baseline 2026-04-11 (day 100), target 2026-05-09 (day 128): t1 - t0 = 28 days.
    # v = 23 on 2026-04-25 (14 days after t0): e = 14/28 = 0.5; p = (23-30)/(20-30) = 0.7 -> on_track
    kr = single_metric(portal, cli, ["2026-04-25,23"], "2026-04-30",
                       baseline=("2026-04-11", 30), target_date="2026-05-09")
    assert kr["expected"] == A(0.5) and kr["progress"] == A(0.7)
    assert kr["status"] == "on_track"


# --- which observation counts -------------------------------------------------------


def test_observations_after_the_target_date_are_ignored(portal, cli):
    # t1 = 2026-05-09. Observations: 2026-03-01 -> 25, 2026-06-01 -> 10 (after t1, ignored).
    # Latest in [t0, t1] is 25: p = 0.5; e = 59/128; as-of 2026-07-01 > t1 and p < 1 -> missed
    # (had 10 counted, p = 2 -> achieved)
    kr = single_metric(portal, cli, ["2026-03-01,25", "2026-06-01,10"], "2026-07-01", target_date="2026-05-09")
    assert kr["current"] == {"date": "2026-03-01", "value": 25}
    assert kr["progress"] == A(0.5)
    assert kr["status"] == "missed"


def test_observations_after_the_as_of_date_are_ignored(portal, cli):
    # Observations: 2026-04-02 -> 28, 2026-07-02 -> 20. As of 2026-05-01 only the first counts:
    # p = (28-30)/(20-30) = 0.2, e = 0.25 -> on_track (not achieved)
    kr = single_metric(portal, cli, ["2026-04-02,28", "2026-07-02,20"], "2026-05-01")
    assert kr["current"] == {"date": "2026-04-02", "value": 28}
    assert kr["progress"] == A(0.2) and kr["expected"] == A(0.25)
    assert kr["status"] == "on_track"


def test_observation_on_the_as_of_date_counts(portal, cli):
    # v = 20 on 2026-07-02 = as-of date: p = 1 -> achieved
    kr = single_metric(portal, cli, ["2026-04-02,28", "2026-07-02,20"], "2026-07-02")
    assert kr["current"] == {"date": "2026-07-02", "value": 20}
    assert kr["status"] == "achieved"


def test_all_observations_after_the_as_of_date_is_no_data(portal, cli):
    kr = single_metric(portal, cli, ["2026-07-02,20"], "2026-07-01")
    assert kr["status"] == "no_data" and kr["current"] is None


def test_observations_before_the_baseline_date_are_ignored(portal, cli):
    # Baseline 2026-03-01 (value 30), default target date 2026-12-31 (305 days).
    # The 2026-02-01 observation (10, would be achieved) is before t0 and ignored; the 2026-03-01
    # one is on t0: v = 30, p = 0, e = 0 -> on_track
    kr = single_metric(portal, cli, ["2026-02-01,10", "2026-03-01,30"], "2026-03-10",
                       baseline=("2026-03-01", 30))
    assert kr["current"] == {"date": "2026-03-01", "value": 30}
    assert kr["progress"] == 0 and kr["expected"] == 0
    assert kr["status"] == "on_track"


def test_window_is_baseline_to_target_not_the_period(portal, cli):
    # A cy2026 key result with baseline 2025-12-01 (before the period starts); t1 = 2026-12-31,
    # t1 - t0 = 395 days. The 2025-12-15 observation is in [t0, t1] and counts:
    # v = 29: p = (29-30)/(20-30) = 0.1; e = 14/395 = 0.035443 -> on_track
    kr = single_metric(portal, cli, ["2025-12-15,29"], "2026-01-10", baseline=("2025-12-01", 30))
    assert kr["current"] == {"date": "2025-12-15", "value": 29}
    assert kr["progress"] == A(0.1) and kr["expected"] == A(14 / 395)
    assert kr["status"] == "on_track"


def test_only_observations_before_the_baseline_is_no_data(portal, cli):
    kr = single_metric(portal, cli, ["2026-02-01,10"], "2026-03-10", baseline=("2026-03-01", 30))
    assert kr["status"] == "no_data" and kr["current"] is None


def test_empty_values_are_skipped_in_favour_of_an_earlier_value(portal, cli):
    # 2026-07-02 -> 25, then 2026-08-01 and 2026-09-01 with empty values (no observation).
    # Latest real observation: 25 on 2026-07-02: p = 0.5, e = 0.5 -> on_track
    kr = single_metric(portal, cli, ["2026-04-02,28", "2026-07-02,25", "2026-08-01,", "2026-09-01,"], "2026-10-01")
    assert kr["current"] == {"date": "2026-07-02", "value": 25}
    assert kr["progress"] == A(0.5) and kr["expected"] == A(0.5)
    assert kr["status"] == "on_track"


def test_empty_values_only_inside_the_window_is_no_data(portal, cli):
    # A real value before t0 (2026-02-01) does not count; the rows in [t0, t1] are empty -> no_data
    kr = single_metric(portal, cli, ["2026-02-01,10", "2026-04-02,", "2026-07-02,"], "2026-08-01",
                       baseline=("2026-03-01", 30))
    assert kr["status"] == "no_data" and kr["current"] is None


def test_csv_not_sorted_by_date(portal, cli):
    # Rows in random order; the latest by date is 2026-10-01 -> 22.5 (not the last row).
    # p = (22.5-30)/(20-30) = 0.75; e = 273/364 = 0.75 -> on_track
    kr = single_metric(portal, cli, ["2026-10-01,22.5", "2026-01-01,30", "2026-07-02,25", "2026-04-02,28"],
                       "2026-11-01")
    assert kr["current"] == {"date": "2026-10-01", "value": 22.5}
    assert kr["progress"] == A(0.75) and kr["expected"] == A(0.75)
    assert kr["status"] == "on_track"


def test_csv_not_sorted_with_as_of_in_the_middle(portal, cli):
    # Same unsorted rows, as of 2026-08-01: latest counted is 2026-07-02 -> 25; p = 0.5, e = 0.5
    kr = single_metric(portal, cli, ["2026-10-01,22.5", "2026-01-01,30", "2026-07-02,25", "2026-04-02,28"],
                       "2026-08-01")
    assert kr["current"] == {"date": "2026-07-02", "value": 25}
    assert kr["status"] == "on_track"


def test_csv_with_a_note_column(portal, cli):
    # The optional note column does not change the value: v = 25 on 2026-07-02 -> p = 0.5
    krs = metric_kr()
    root = portal({
        "okrs/objectives/obj.yml": objective_yml(krs),
        "okrs/metrics/m.csv": "date,value,note\n2026-04-02,28,first\n2026-07-02,25,\"revised, see source\"\n",
    })
    kr = status_doc(cli, root, "2026-07-10")["objectives"][0]["key_results"][0]
    assert kr["current"] == {"date": "2026-07-02", "value": 25}
    assert kr["progress"] == A(0.5)


# --- target date default ----------------------------------------------------------


def test_target_date_defaults_to_the_period_end(portal, cli):
    # target: {value: 20} in cy2026 -> t1 = 2026-12-31.
    # An observation on 2026-12-31 is inside [t0, t1]: v = 21, p = 0.9, e = 364/364 = 1.
    # As of 2026-12-31: not ended -> 0.9 >= 1 - 0.10 -> on_track. As of 2027-01-01: missed.
    root = portal({"okrs/objectives/obj.yml": objective_yml(metric_kr()),
                   "okrs/metrics/m.csv": csv("2026-07-02,25", "2026-12-31,21")})
    kr = status_doc(cli, root, "2026-12-31")["objectives"][0]["key_results"][0]
    assert kr["current"] == {"date": "2026-12-31", "value": 21}
    assert kr["progress"] == A(0.9) and kr["expected"] == A(1.0) and kr["status"] == "on_track"
    kr = status_doc(cli, root, "2027-01-01")["objectives"][0]["key_results"][0]
    assert kr["status"] == "missed" and kr["score"] == A(0.9)


def test_target_date_defaults_to_the_end_of_the_objectives_own_period(portal, cli):
    # An objective in cy2025 (2025-01-01..2025-12-31, 364 days) with target: {value: 20}.
    # v = 25 on 2025-07-02 (182 days): p = 0.5, e = 0.5 -> on_track as of 2025-08-01;
    # missed as of 2026-01-01 (after cy2025 ended), although cy2026 is running.
    root = portal({
        "okrs/objectives/obj.yml": objective_yml(metric_kr(baseline=("2025-01-01", 30)), period="cy2025"),
        "okrs/metrics/m.csv": csv("2025-07-02,25", "2026-03-01,20"),
    })
    kr = status_doc(cli, root, "2025-08-01")["objectives"][0]["key_results"][0]
    assert kr["expected"] == A(0.5) and kr["status"] == "on_track"
    # 2026-03-01 -> 20 is after t1 = 2025-12-31 and ignored
    kr = status_doc(cli, root, "2026-04-01")["objectives"][0]["key_results"][0]
    assert kr["current"] == {"date": "2025-07-02", "value": 25}
    assert kr["status"] == "missed" and kr["score"] == A(0.5)


# --- maintain -------------------------------------------------------------------


@pytest.mark.parametrize("threshold, value, status", [
    ("{min: 85}", 90, "achieved"),
    ("{min: 85}", 85, "achieved"),     # meets the threshold exactly
    ("{min: 85}", 84.9, "off_track"),
    ("{max: 5}", 4, "achieved"),
    ("{max: 5}", 5, "achieved"),
    ("{max: 5}", 6, "off_track"),
    ("{min: 2, max: 5}", 3, "achieved"),
    ("{min: 2, max: 5}", 1, "off_track"),
    ("{min: 2, max: 5}", 6, "off_track"),
])
def test_maintain_threshold(portal, cli, threshold, value, status):
    # Latest value on 2026-07-02 against the threshold; as-of 2026-07-10 (period running).
    # achieved -> progress = score = 1; off_track -> 0
    krs = one_kr(portal, cli, maintain_kr(threshold=threshold), {"m": csv(f"2026-07-02,{value}")}, "2026-07-10")
    kr = krs["hold"]
    assert kr["type"] == "maintain"
    assert kr["status"] == status
    expected_score = 1 if status == "achieved" else 0
    assert kr["progress"] == expected_score and kr["score"] == expected_score
    assert kr["current"] == {"date": "2026-07-02", "value": value}
    assert kr["expected"] is None  # expected progress is defined for metric key results only


def test_maintain_uses_the_latest_value(portal, cli):
    # min 85: 90 on 2026-04-02 then 80 on 2026-07-02 -> latest is 80 -> off_track, progress 0
    krs = one_kr(portal, cli, maintain_kr(), {"m": csv("2026-04-02,90", "2026-07-02,80")}, "2026-07-10")
    assert krs["hold"]["status"] == "off_track" and krs["hold"]["progress"] == 0
    # and the other way round: 80 then 90 -> achieved
    krs = one_kr(portal, cli, maintain_kr(), {"m": csv("2026-04-02,80", "2026-07-02,90")}, "2026-07-10")
    assert krs["hold"]["status"] == "achieved" and krs["hold"]["score"] == 1


def test_maintain_missed_after_the_period_ended(portal, cli):
    # min 85, latest value in cy2026 is 80 (2026-12-01); as of 2027-01-05 the period ended -> missed, score 0
    krs = one_kr(portal, cli, maintain_kr(), {"m": csv("2026-07-02,90", "2026-12-01,80")}, "2027-01-05")
    assert krs["hold"]["status"] == "missed"
    assert krs["hold"]["progress"] == 0 and krs["hold"]["score"] == 0


def test_maintain_achieved_after_the_period_ended(portal, cli):
    # min 85, latest value in cy2026 is 90; a later 2027 value of 50 is outside the period and ignored
    # -> achieved, score 1
    krs = one_kr(portal, cli, maintain_kr(), {"m": csv("2026-12-01,90", "2027-01-02,50")}, "2027-01-05")
    assert krs["hold"]["status"] == "achieved" and krs["hold"]["score"] == 1
    assert krs["hold"]["current"] == {"date": "2026-12-01", "value": 90}


def test_maintain_ignores_values_after_the_as_of_date(portal, cli):
    # min 85: 90 on 2026-04-02, 80 on 2026-07-02; as of 2026-05-01 the latest counted is 90 -> achieved
    krs = one_kr(portal, cli, maintain_kr(), {"m": csv("2026-04-02,90", "2026-07-02,80")}, "2026-05-01")
    assert krs["hold"]["status"] == "achieved"
    assert krs["hold"]["current"] == {"date": "2026-04-02", "value": 90}


def test_maintain_no_data(portal, cli):
    # Values only in 2025 (before the cy2026 period) and an empty one in 2026 -> no observation in the period
    krs = one_kr(portal, cli, maintain_kr(), {"m": csv("2025-12-01,90", "2026-03-01,")}, "2026-07-10")
    kr = krs["hold"]
    assert kr["status"] == "no_data"
    assert kr["current"] is None
    # DESIGN.md says "progress and score 1 when achieved, else 0" but also "null where undefined";
    # either reading is accepted here (objective progress leaves no_data out either way).
    assert kr["progress"] in (None, 0) and kr["score"] in (None, 0)


def test_maintain_no_data_left_out_of_objective_progress(portal, cli):
    # maintain no_data (weight 5) + milestone achieved (weight 1): progress = 1*1/1 = 1
    # status = worst(no_data, achieved) = no_data
    root = portal({
        "okrs/objectives/obj.yml": objective_yml(maintain_kr(weight=5) + milestone_kr(done="2026-02-01")),
        "okrs/metrics/m.csv": csv(),
    })
    (obj,) = status_doc(cli, root, "2026-07-10")["objectives"]
    assert obj["progress"] == A(1.0)
    assert obj["status"] == "no_data"


# --- milestone -------------------------------------------------------------------


@pytest.mark.parametrize("due, done, as_of, status", [
    ("2026-06-30", "2026-05-02", "2026-07-10", "achieved"),   # done before as-of (and before due)
    ("2026-06-30", "2026-05-02", "2026-05-02", "achieved"),   # done on the as-of date
    ("2026-06-30", "2026-08-15", "2026-09-01", "achieved"),   # done late, but done
    ("2026-06-30", "2026-05-02", "2027-03-01", "achieved"),   # done, period since ended
    ("2026-06-30", None, "2026-06-01", "on_track"),           # before due, not done
    ("2026-06-30", None, "2026-06-30", "on_track"),           # on the due date: not yet after it
    ("2026-06-30", "2026-06-10", "2026-06-01", "on_track"),   # done date after the as-of date: not done yet
    ("2026-06-30", None, "2026-07-01", "off_track"),          # after due, not done
    ("2026-06-30", "2026-08-15", "2026-07-10", "off_track"),  # after due; done date still in the future
    ("2026-06-30", None, "2026-12-31", "off_track"),          # last day of the period
    ("2026-06-30", None, "2027-01-01", "missed"),             # period ended, never done
    ("2026-06-30", "2027-02-01", "2027-01-15", "missed"),     # period ended; done date after as-of
    ("2026-06-30", "2027-02-01", "2027-03-01", "missed"),     # done after the period ended: final status stays
])
def test_milestone(portal, cli, due, done, as_of, status):
    krs = one_kr(portal, cli, milestone_kr(due=due, done=done), {}, as_of)
    kr = krs["ms"]
    assert kr["type"] == "milestone"
    assert kr["status"] == status
    score = 1 if status == "achieved" else 0
    assert kr["progress"] == score and kr["score"] == score
    assert kr["expected"] is None
    assert kr["current"] is None  # a milestone has no observation


# --- objectives: progress ---------------------------------------------------------


def test_objective_progress_is_the_mean_score_with_equal_weights(portal, cli):
    # KR a: v = 25 on 2026-07-02 -> p = 0.5, score 0.5; KR b: milestone done -> score 1
    # progress = (0.5 + 1) / 2 = 0.75; status = worst(on_track, achieved) = on_track
    krs = metric_kr("a") + milestone_kr("b", done="2026-03-01")
    root = portal({"okrs/objectives/obj.yml": objective_yml(krs), "okrs/metrics/m.csv": csv("2026-07-02,25")})
    (obj,) = status_doc(cli, root, "2026-07-10")["objectives"]
    assert obj["progress"] == A(0.75)
    assert obj["status"] == "on_track"


def test_objective_progress_is_weight_averaged_and_uses_clamped_scores(portal, cli):
    # a (weight 3): v = 15 -> p = 1.5, score clamped to 1
    # b (weight 1): v = 25 -> p = 0.5, score 0.5
    # c (weight 0.5): v = 32 -> p = -0.2, score 0
    # c2 (weight 10): metric with no observation -> no_data, left out
    # progress = (3*1 + 1*0.5 + 0.5*0) / (3 + 1 + 0.5) = 3.5 / 4.5 = 0.777...
    krs = (metric_kr("a", metric="ma", weight=3) + metric_kr("b", metric="mb", weight=1)
           + metric_kr("c", metric="mc", weight=0.5) + metric_kr("c2", metric="md", weight=10))
    root = portal({
        "okrs/objectives/obj.yml": objective_yml(krs),
        "okrs/metrics/ma.csv": csv("2026-07-02,15"),
        "okrs/metrics/mb.csv": csv("2026-07-02,25"),
        "okrs/metrics/mc.csv": csv("2026-07-02,32"),
        "okrs/metrics/md.csv": csv(),
    })
    (obj,) = status_doc(cli, root, "2026-07-10")["objectives"]
    by_id = {kr["id"]: kr for kr in obj["key_results"]}
    assert [kr["id"] for kr in obj["key_results"]] == ["a", "b", "c", "c2"]  # file order
    assert by_id["a"]["score"] == A(1.0) and by_id["c"]["score"] == 0 and by_id["c2"]["status"] == "no_data"
    assert obj["progress"] == A(3.5 / 4.5)
    # worst(achieved, on_track, off_track, no_data) = off_track
    assert obj["status"] == "off_track"


def test_objective_progress_weights_change_the_result(portal, cli):
    # a (weight 1): achieved milestone, score 1; b (weight 3): off_track milestone, score 0
    # progress = (1*1 + 3*0)/4 = 0.25 (equal weights would give 0.5)
    krs = milestone_kr("a", done="2026-02-01", weight=1) + milestone_kr("b", due="2026-03-01", weight=3)
    root = portal({"okrs/objectives/obj.yml": objective_yml(krs)})
    (obj,) = status_doc(cli, root, "2026-07-10")["objectives"]
    assert obj["progress"] == A(0.25)
    assert obj["status"] == "off_track"


def test_objective_progress_null_when_every_kr_is_no_data(portal, cli):
    krs = metric_kr("a", metric="ma") + maintain_kr("b", metric="mb")
    root = portal({
        "okrs/objectives/obj.yml": objective_yml(krs),
        "okrs/metrics/ma.csv": csv(),
        "okrs/metrics/mb.csv": csv("2025-06-01,90"),  # outside the cy2026 period
    })
    (obj,) = status_doc(cli, root, "2026-07-10")["objectives"]
    assert obj["progress"] is None
    assert obj["status"] == "no_data"
    assert [kr["status"] for kr in obj["key_results"]] == ["no_data", "no_data"]


# --- objectives: status, the worst of its key results ---------------------------------

# One key result of each status, all as of 2026-07-02 in cy2026:
KR_OF_STATUS = {
    # milestone done 2026-02-15 <= as-of
    "achieved": (milestone_kr("k-achieved", due="2026-03-01", done="2026-02-15"), {}),
    # milestone due 2026-12-01, as-of before it
    "on_track": (milestone_kr("k-on-track", due="2026-12-01"), {}),
    # metric 30 -> 20, v = 27 on 2026-07-02: p = 0.3, e = 0.5: 0.25 <= 0.3 < 0.4
    "at_risk": (metric_kr("k-at-risk", metric="risk"), {"risk": csv("2026-07-02,27")}),
    # metric with no observation
    "no_data": (metric_kr("k-no-data", metric="empty"), {"empty": csv()}),
    # milestone due 2026-06-01 < as-of, not done
    "off_track": (milestone_kr("k-off-track", due="2026-06-01"), {}),
    # metric 0 -> 10 by 2026-03-01, v = 5 on 2026-02-01: p = 0.5 < 1 and as-of > t1
    "missed": (metric_kr("k-missed", metric="early", baseline=("2026-01-01", 0), target=10,
                         target_date="2026-03-01"), {"early": csv("2026-02-01,5")}),
}

ORDER = ["missed", "off_track", "at_risk", "no_data", "on_track", "achieved"]


def test_each_key_result_of_the_status_table_has_its_status(portal, cli):
    krs = "".join(kr for kr, _ in KR_OF_STATUS.values())
    metrics = {}
    for _, m in KR_OF_STATUS.values():
        metrics.update(m)
    got = one_kr(portal, cli, krs, metrics, "2026-07-02")
    assert {kr["id"]: kr["status"] for kr in got.values()} == {
        f"k-{s.replace('_', '-')}": s for s in KR_OF_STATUS}


@pytest.mark.parametrize("statuses, worst", [
    (["achieved"], "achieved"),
    (["achieved", "on_track"], "on_track"),
    (["on_track", "no_data"], "no_data"),
    (["achieved", "no_data"], "no_data"),
    (["no_data", "at_risk"], "at_risk"),
    (["at_risk", "on_track", "achieved"], "at_risk"),
    (["off_track", "at_risk"], "off_track"),
    (["achieved", "off_track", "no_data"], "off_track"),
    (["missed", "off_track"], "missed"),
    (["achieved", "missed"], "missed"),
    (["missed", "no_data", "on_track"], "missed"),
    (ORDER, "missed"),
    (list(reversed(ORDER)), "missed"),
])
def test_objective_status_is_the_worst(portal, cli, statuses, worst):
    krs = "".join(KR_OF_STATUS[s][0] for s in statuses)
    metrics = {}
    for s in statuses:
        metrics.update(KR_OF_STATUS[s][1])
    files = {"okrs/objectives/obj.yml": objective_yml(krs)}
    files.update({f"okrs/metrics/{m}.csv": text for m, text in metrics.items()})
    (obj,) = status_doc(cli, portal(files), "2026-07-02")["objectives"]
    assert [kr["status"] for kr in obj["key_results"]] == statuses
    assert obj["status"] == worst


def test_objective_status_and_progress_combined(portal, cli):
    # at_risk metric (score 0.3) + missed metric (score 0.5) + achieved milestone (1) + no_data (left out)
    # progress = (0.3 + 0.5 + 1) / 3 = 0.6; status = missed
    statuses = ["at_risk", "missed", "achieved", "no_data"]
    krs = "".join(KR_OF_STATUS[s][0] for s in statuses)
    files = {"okrs/objectives/obj.yml": objective_yml(krs)}
    for s in statuses:
        files.update({f"okrs/metrics/{m}.csv": text for m, text in KR_OF_STATUS[s][1].items()})
    (obj,) = status_doc(cli, portal(files), "2026-07-02")["objectives"]
    assert obj["progress"] == A(0.6)
    assert obj["status"] == "missed"


# --- which objectives, in which order ------------------------------------------------


def test_draft_objectives_never_appear(portal, cli):
    root = portal({
        "okrs/objectives/public.yml": objective_yml(milestone_kr(), oid="public-one"),
        "okrs/objectives/draft.yml": objective_yml(milestone_kr(), oid="secret-draft", extra="visibility: draft\n"),
        "okrs/objectives/explicit.yml": objective_yml(milestone_kr(), oid="explicit-public",
                                                      extra="visibility: public\n"),
    })
    for as_of in ("2026-03-01", "2027-03-01"):
        run = cli(root, "status", "--json", "--as-of", as_of)
        assert run.code == 0, run.err
        ids = {o["id"] for o in json.loads(run.out)["objectives"]}
        assert ids == {"public-one", "explicit-public"}
        assert "secret-draft" not in run.out


def test_draft_objectives_do_not_appear_in_the_table_either(portal, cli):
    root = portal({
        "okrs/objectives/public.yml": objective_yml(milestone_kr(), oid="public-one"),
        "okrs/objectives/draft.yml": objective_yml(milestone_kr(), oid="secret-draft", extra="visibility: draft\n"),
    })
    run = cli(root, "status", "--as-of", "2026-03-01")
    assert run.code == 0
    assert "public-one" in run.out and "secret-draft" not in run.out


def test_objectives_are_ordered_by_period(portal, cli):
    # File names sort the other way round: the cy2026 ones come first by name.
    root = portal({
        "okrs/objectives/a-2026.yml": objective_yml(milestone_kr(), oid="new-one", period="cy2026"),
        "okrs/objectives/b-2026.yml": objective_yml(milestone_kr(), oid="new-two", period="cy2026"),
        "okrs/objectives/z-2025.yml": objective_yml(milestone_kr(due="2025-06-30"), oid="old-one", period="cy2025"),
    })
    doc = status_doc(cli, root, "2026-03-01")
    periods = [o["period"] for o in doc["objectives"]]
    assert periods == ["cy2025", "cy2026", "cy2026"]
    assert doc["objectives"][0]["id"] == "old-one"
    # the cy2025 milestone (due 2025-06-30, never done) is missed: cy2025 ended before 2026-03-01
    assert doc["objectives"][0]["status"] == "missed"


def test_objectives_in_sub_folders_are_included(portal, cli):
    root = portal({
        "okrs/objectives/2025/a.yml": objective_yml(milestone_kr(due="2025-06-30"), oid="old", period="cy2025"),
        "okrs/objectives/2026/deep/b.yml": objective_yml(milestone_kr(), oid="new"),
    })
    doc = status_doc(cli, root, "2026-03-01")
    assert [o["id"] for o in doc["objectives"]] == ["old", "new"]


# --- document shape -------------------------------------------------------------------


def test_document_shape(portal, cli):
    # wait: p = 0.5 (score 0.5); launch: done -> 1; hold: 90 >= 85 -> 1; empty: no_data (left out)
    krs = metric_kr("wait") + milestone_kr("launch", done="2026-05-01") + maintain_kr("hold", metric="level") + \
        metric_kr("empty", metric="none")
    root = portal({
        "okrs/objectives/obj.yml": objective_yml(krs, oid="timely-access"),
        "okrs/metrics/m.csv": csv("2026-07-02,25"),
        "okrs/metrics/level.csv": csv("2026-07-02,90"),
        "okrs/metrics/none.csv": csv(),
    })
    run = cli(root, "status", "--json", "--as-of", "2026-07-10")
    assert run.code == 0
    doc = json.loads(run.out)
    assert set(doc) == {"schema", "as_of", "objectives"}
    assert doc["schema"] == 1 and doc["as_of"] == "2026-07-10"
    (obj,) = doc["objectives"]
    assert set(obj) == {"id", "period", "title", "owner", "status", "progress", "key_results"}
    assert obj["id"] == "timely-access" and obj["period"] == "cy2026"
    assert obj["title"] == "Objective" and obj["owner"] == "Owner"
    for kr in obj["key_results"]:
        assert set(kr) == {"id", "type", "status", "progress", "score", "expected", "current"}
        assert kr["current"] is None or set(kr["current"]) == {"date", "value"}
    by_id = {kr["id"]: kr for kr in obj["key_results"]}
    assert [kr["type"] for kr in obj["key_results"]] == ["metric", "milestone", "maintain", "metric"]
    # numbers are JSON numbers (not strings); null where undefined
    wait = by_id["wait"]
    for key in ("progress", "score", "expected"):
        assert isinstance(wait[key], (int, float)) and not isinstance(wait[key], bool)
    assert isinstance(wait["current"]["value"], (int, float))
    assert wait["current"] == {"date": "2026-07-02", "value": 25}
    assert by_id["hold"]["current"] == {"date": "2026-07-02", "value": 90}
    assert by_id["launch"]["current"] is None
    empty = by_id["empty"]
    assert empty["progress"] is None and empty["score"] is None and empty["expected"] is None
    assert empty["current"] is None
    # (0.5 + 1 + 1) / 3, the no_data one left out
    assert obj["progress"] == A(2.5 / 3)
    assert isinstance(obj["status"], str)


def test_empty_portal_document(portal, cli):
    root = portal({})
    (root / "okrs" / "objectives").mkdir(exist_ok=True)
    run = cli(root, "status", "--json", "--as-of", "2026-07-10")
    assert run.code == 0, run.err
    assert json.loads(run.out) == {"schema": 1, "as_of": "2026-07-10", "objectives": []}


def test_texts_in_the_default_language(portal, cli):
    # title and owner given as {en, zh-TW} mappings: the document has the en (first language) text
    root = portal({"okrs/objectives/obj.yml": objective_yml(
        milestone_kr(),
        title="{en: Shorter waits, zh-TW: 縮短等候時間}",
        owner="{en: Access team, zh-TW: 就醫可近性小組}",
    )})
    (obj,) = status_doc(cli, root, "2026-03-01")["objectives"]
    assert obj["title"] == "Shorter waits"
    assert obj["owner"] == "Access team"


def test_texts_in_the_default_language_when_it_is_not_english(portal, cli):
    # languages [zh-TW, en]: zh-TW is the default; an owner given only as a plain string stays as is
    portal_yml = MINIMAL_PORTAL_YML.replace("languages: [en, zh-TW]", "languages: [zh-TW, en]")
    root = portal({"okrs/objectives/obj.yml": objective_yml(
        milestone_kr(), title="{en: Shorter waits, zh-TW: 縮短等候時間}", owner="Access team",
    )}, portal_yml)
    (obj,) = status_doc(cli, root, "2026-03-01")["objectives"]
    assert obj["title"] == "縮短等候時間"
    assert obj["owner"] == "Access team"


def test_check_in_confidence_never_replaces_the_computed_status(portal, cli):
    # The owner says off_track, but p = 0.5, e = 0.5 -> the computed status stays on_track
    krs = metric_kr() + "    updates:\n      - {date: 2026-07-03, confidence: off_track, text: Worried}\n"
    root = portal({"okrs/objectives/obj.yml": objective_yml(krs), "okrs/metrics/m.csv": csv("2026-07-02,25")})
    (obj,) = status_doc(cli, root, "2026-07-10")["objectives"]
    assert obj["key_results"][0]["status"] == "on_track"
    assert obj["status"] == "on_track"


def test_json_is_reproducible_for_an_as_of_date(portal, cli):
    root = portal({"okrs/objectives/obj.yml": objective_yml(metric_kr()), "okrs/metrics/m.csv": csv("2026-07-02,25")})
    first = cli(root, "status", "--json", "--as-of", "2026-07-10").out
    second = cli(root, "status", "--json", "--as-of", "2026-07-10").out
    assert first == second


# --- the human table -------------------------------------------------------------------


def test_status_table_shows_status_words_and_latest_value(portal, cli):
    # wait: v = 25 on 2026-07-02 -> p = 0.5, e = 0.5 -> on_track
    # slow: v = 28 on 2026-07-02 -> p = 0.2 -> off_track
    # launch: milestone done -> achieved; objective status = worst = off_track
    krs = metric_kr("wait") + metric_kr("slow", metric="slow") + milestone_kr("launch", done="2026-05-01")
    root = portal({
        "okrs/objectives/obj.yml": objective_yml(krs, oid="timely-access"),
        "okrs/metrics/m.csv": csv("2026-04-02,28", "2026-07-02,25"),
        "okrs/metrics/slow.csv": csv("2026-07-02,28"),
    })
    run = cli(root, "status", "--as-of", "2026-07-10")
    assert run.code == 0, run.err
    assert not run.out.lstrip().startswith("{")  # a table, not JSON
    assert "2026-07-10" in run.out
    lines = run.out.splitlines()

    def row(name):
        (line,) = [ln for ln in lines if re.search(rf"(^|\s){re.escape(name)}(\s|$)", ln)]
        return line

    assert re.search(r"off[ _]track", row("timely-access"))
    wait = row("wait")
    assert re.search(r"on[ _]track", wait)
    assert re.search(r"(?<![\d.])25(?![\d])", wait) and "2026-07-02" in wait  # the latest value and its date
    assert re.search(r"off[ _]track", row("slow")) and re.search(r"(?<![\d.])28(?![\d])", row("slow"))
    assert "achieved" in row("launch")

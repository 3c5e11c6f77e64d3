"""The demo portal in okrs/ validates and computes the values worked out by hand.

It is a cascade (schema 2): Harbor Valley Health's units four levels deep, the chief
executive's objectives at the top with rollup key results, the offices', hospitals' and
teams' objectives aligned to them, and a quarter inside the year whose team objectives
align to the year's.
"""

import json

import pytest

from conftest import REPO

AS_OF = "2026-11-24"


@pytest.fixture(scope="module")
def portal():
    from site_builder.source.check import check

    checked = check(REPO)
    assert checked.problems == []
    return checked.portal


@pytest.fixture(scope="module")
def demo(portal):
    from site_builder.render.api import okrs_document
    from site_builder.compute.rules import compute
    from datetime import date

    return okrs_document(compute(portal, date.fromisoformat(AS_OF)), portal)


def _kr(doc, objective_id, kr_id):
    objective = next(o for o in doc["objectives"] if o["id"] == objective_id)
    return next(k for k in objective["key_results"] if k["id"] == kr_id)


def test_demo_validates(cli):
    run = cli(REPO, "validate", "--as-of", AS_OF)
    assert run.code == 0, run.out
    # Valid, with two warnings on 2026-11-24: the pay-equity review (off track) has no check-in
    # with next steps from the last 45 days (its 2026-10-15 one has none), and hand hygiene's
    # newest figure is late (see test_status_json_matches_hand_computation).
    *warnings, summary = run.out.splitlines()
    assert summary.startswith("okrs/ is valid: 17 objectives (1 draft), 51 key results, 20 metrics")
    assert summary.endswith("(2 warnings)")
    assert [w.split(": warning: ", 1)[0] for w in warnings] == [
        "okrs/objectives/cy2026/caregiver-experience.yml:36", "okrs/objectives/cy2026/patient-safety.yml:51"]
    assert "explanation overdue: key result 'pay-equity-review' is off track" in warnings[0]
    assert "data overdue: key result 'hand-hygiene-above-90'" in warnings[1]
    strict = cli(REPO, "validate", "--strict", "--as-of", AS_OF)
    assert strict.code == 1 and strict.out.splitlines() == [w.replace(": warning: ", ": ", 1) for w in warnings]


def test_demo_explanations_and_retrospectives(demo, portal):
    from datetime import date

    from site_builder.compute import accountability
    from site_builder.compute.rules import compute

    # Every off-track key result of 2026 has an owner's check-in with next steps from the last
    # 45 days but one; the ended 2025 period's key results are never asked.
    flagged = [(o["id"], k["id"]) for o in demo["objectives"] for k in o["key_results"] if k["explanation_overdue"]]
    assert flagged == [("caregiver-experience", "pay-equity-review")]
    off_track = {(o["id"], k["id"]) for o in demo["objectives"] for k in o["key_results"]
                 if k["status"] == "off_track"}
    assert len(off_track) == 6 and ("veteran-access", "primary-care-wait") in off_track
    # 2025's two objectives both missed a key result: one has its retrospective, one has none.
    report = compute(portal, date.fromisoformat(AS_OF))
    missing = {o.objective.id: accountability.retrospective_missing(o, report.as_of)
               for o in report.objectives if o.period.id == "cy2025"}
    assert missing == {"safer-care-2025": True, "veteran-access-2025": False}


def test_status_json_matches_hand_computation(cli):
    run = cli(REPO, "status", "--json", "--as-of", AS_OF)
    assert run.code == 0
    doc = json.loads(run.out)
    assert doc["as_of"] == AS_OF

    # New-patient wait, primary care: baseline 21.0 on 2026-01-01, target 14.0 on
    # 2026-12-31, latest 17.9 days on 2026-10-01.
    # p = (17.9 - 21) / (14 - 21) = 0.442857; e = 273 / 364 = 0.75; p < e - 0.25.
    wait = _kr(doc, "veteran-access", "primary-care-wait")
    assert wait["status"] == "off_track"
    assert wait["progress"] == pytest.approx(3.1 / 7, abs=1e-6)
    assert wait["expected"] == pytest.approx(0.75)
    assert wait["current"] == {"date": "2026-10-01", "value": 17.9}

    # Mental health wait: 28 -> 20, latest 22.1: p = 5.9 / 8 = 0.7375 >= 0.75 - 0.10.
    mental = _kr(doc, "veteran-access", "mental-health-wait")
    assert (mental["status"], mental["progress"]) == ("on_track", pytest.approx(0.7375))

    # Telehealth share: 20.5 -> 25, latest 25.6: p = 5.1 / 4.5 = 1.1333, score clamped to 1.
    tele = _kr(doc, "veteran-access", "telehealth-share")
    assert tele["status"] == "achieved"
    assert tele["progress"] == pytest.approx(5.1 / 4.5, abs=1e-6)
    assert tele["score"] == 1

    # Cedar Point County (breakdown {county: cedar-point}): 74.5 -> 82, latest 80.8 on
    # 2026-10-01 (provisional): p = 6.3 / 7.5 = 0.84 >= 0.75 - 0.10: on track.
    cedar = _kr(doc, "veteran-access", "cedar-point-within-45-minutes")
    assert cedar["breakdown"] == {"county": "cedar-point"}
    assert cedar["current"] == {"date": "2026-10-01", "value": 80.8}
    assert (cedar["status"], cedar["progress"]) == ("on_track", pytest.approx(0.84))

    # Objective progress, weights in brackets: within-45 0.775 [1], Cedar Point 0.84 [1],
    # primary-care 0.442857 [2], mental-health 0.7375 [1], telehealth 1 [1], northshore
    # milestone done 1 [2], phone answers maintain off track 0 [1]:
    # (0.775 + 0.84 + 0.885714 + 0.7375 + 1 + 2 + 0) / 9 = 0.693135.
    objective = next(o for o in doc["objectives"] if o["id"] == "veteran-access")
    assert objective["progress"] == pytest.approx(6.238214 / 9, abs=1e-6)
    assert objective["status"] == "off_track"

    # 2025 safety event rate, derived: 10000 * rolling_sum(events, 12) / rolling_sum(adjusted
    # patient days, 12). On 2025-12-01 the last 12 months hold 2+3+3+4+0+4+2+2+3+0+1+4 = 28
    # events in 364,648 adjusted patient days: 0.767864. 0.92 -> 0.70; the period ended:
    # p = (0.767864 - 0.92) / (0.70 - 0.92) = 0.691528 -> missed, score 0.691528.
    safety = _kr(doc, "safer-care-2025", "serious-safety-event-rate")
    assert safety["status"] == "missed"
    assert safety["current"]["value"] == pytest.approx(280000 / 364648, abs=1e-9)
    assert safety["score"] == pytest.approx(0.691528, abs=1e-6)

    # Telehealth visits, summed by month from the Virtual Care office's daily feed:
    # 3100 -> 4500, latest 4,132 in October: p = 1032 / 1400 = 0.737143 >= 0.75 - 0.10.
    visits = _kr(doc, "timely-access", "telehealth-visits")
    assert visits["current"] == {"date": "2026-10-01", "value": 4132}
    assert (visits["status"], visits["progress"]) == ("on_track", pytest.approx(1032 / 1400, abs=1e-6))

    # Hand hygiene is published within 14 days of the month's end: on 2026-11-24 the newest
    # figure (2026-10-01) is 54 days old, more than 31 + 14: data overdue, still achieved.
    hygiene = _kr(doc, "patient-safety", "hand-hygiene-above-90")
    assert (hygiene["status"], hygiene["data_overdue"]) == ("achieved", True)
    metrics = {m["id"]: m for m in doc["metrics"]}
    assert [m for m in metrics if metrics[m]["overdue"]] == ["hand-hygiene"]
    # The derived rate is published with the two series it is computed from.
    assert metrics["serious-safety-events"]["derived"] is True
    assert {"serious-safety-event-count", "adjusted-patient-days"} <= set(metrics)

    # No observations at all: no data, and nothing to show. A schema 2 document adds the
    # breakdown and the overdue flags (no observation: not overdue).
    none = _kr(doc, "care-continuity", "patient-reported-outcomes")
    assert none == {"id": "patient-reported-outcomes", "type": "metric", "status": "no_data",
                    "progress": None, "score": None, "expected": None, "current": None,
                    "breakdown": None, "data_overdue": False, "explanation_overdue": False}


def test_demo_reaches_every_status_and_type(demo):
    krs = [k for o in demo["objectives"] for k in o["key_results"]]
    assert {k["status"] for k in krs} == {"achieved", "on_track", "at_risk", "off_track", "missed", "no_data"}
    by_type = {t: {k["status"] for k in krs if k["type"] == t} for t in ("metric", "maintain", "milestone")}
    assert by_type["maintain"] == {"achieved", "off_track", "missed"}
    assert by_type["milestone"] == {"achieved", "on_track", "off_track", "missed"}
    assert len(krs) >= 20
    assert len(demo["objectives"]) >= 6


def test_drafts_never_appear(demo, cli):
    assert "digital-front-door" not in {o["id"] for o in demo["objectives"]}
    table = cli(REPO, "status", "--as-of", AS_OF).out
    assert "digital-front-door" not in table


# --- the cascade ------------------------------------------------------------------

STATUSES = {"achieved", "on_track", "at_risk", "off_track", "missed", "no_data"}


def _unit_depths(portal) -> dict[str, int]:
    parent = {u.id: u.parent for u in portal.units}
    depths = {}
    for unit in parent:
        depth, current, seen = 0, unit, {unit}
        while parent[current] is not None:
            current = parent[current]
            assert current in parent and current not in seen, f"unit {unit}: broken parent chain"
            seen.add(current)
            depth += 1
        depths[unit] = depth
    return depths


def test_demo_units_are_three_levels_deep_or_more(portal, demo):
    assert portal.settings.schema == 2
    depths = _unit_depths(portal)
    assert [u for u, d in depths.items() if d == 0] == ["harbor-valley-health"]
    assert len(set(depths.values())) >= 3
    # The system, its hospitals, the clinics, the network, its Office of Access and a team below that.
    assert {"medical-center", "eastfield-hospital", "bayside-hospital", "community-clinics",
            "veterans-care-network"} <= {u for u, d in depths.items() if d == 1}
    assert depths["office-of-access"] == 2 and depths["appointment-centre"] == 3
    # Every objective names a unit of units.yml, or none (the organization).
    assert all(o.unit is None or o.unit in depths for o in portal.objectives)
    # Every unit owns objectives, or has units below it that do.
    owners = {o.unit or "harbor-valley-health" for o in portal.public_objectives}
    parent = {u.id: u.parent for u in portal.units}
    covered = set(owners)
    for unit in owners:
        while parent[unit] is not None:
            unit = parent[unit]
            covered.add(unit)
    assert covered == set(depths)
    assert [u["id"] for u in demo["units"]] == [u.id for u in portal.units]
    veteran = next(o for o in demo["objectives"] if o["id"] == "veteran-access")
    assert (veteran["unit"], veteran["aligns_to"]) == ("office-of-access", "veterans-care/timely-care")


def test_demo_alignment_follows_the_rules_and_has_every_kind(portal):
    public = {o.id: o for o in portal.public_objectives}
    periods = {p.id: p for p in portal.settings.periods}
    kinds = set()
    for objective in portal.objectives:
        if objective.parent_ref is None:
            continue
        parent_id, kr_id = objective.parent_ref
        parent = next(o for o in portal.objectives if o.id == parent_id)
        assert parent.is_public or not objective.is_public, objective.id
        child_period, parent_period = periods[objective.period], periods[parent.period]
        assert parent_period.start <= child_period.start and child_period.end <= parent_period.end, objective.id
        if kr_id is None:
            kinds.add("objective")
        else:
            kr = next(k for k in parent.key_results if k.id == kr_id)
            kinds.add("rollup key result" if kr.type == "rollup" else f"{kr.type} key result")
        if child_period.id != parent_period.id:
            kinds.add("a shorter period to a longer one")
    assert kinds == {"objective", "rollup key result", "metric key result", "maintain key result",
                     "milestone key result", "a shorter period to a longer one"}

    # Four levels of alignment: team -> office -> network -> chief executive.
    def chain(objective_id):
        out = [objective_id]
        while public[out[-1]].parent_ref is not None:
            out.append(public[out[-1]].parent_ref[0])
            assert len(out) <= len(public), "alignment cycle"
        return out

    assert chain("appointment-line-q4") == ["appointment-line-q4", "veteran-access", "veterans-care", "timely-access"]
    assert max(len(chain(o)) for o in public) == 4
    # The chief executive's objectives are the top: they align to nothing and own rollups.
    top = [o for o in public.values() if o.parent_ref is None and o.period == "cy2026"]
    assert {o.id for o in top} == {"safe-care", "timely-access", "healthy-communities"}
    assert all(o.unit == "harbor-valley-health" and any(k.type == "rollup" for k in o.key_results) for o in top)


def test_demo_quarter_nests_in_the_year_and_aligns_to_it(portal):
    periods = {p.id: p for p in portal.settings.periods}
    quarter, year = periods["q4-2026"], periods["cy2026"]
    assert year.start <= quarter.start and quarter.end <= year.end and quarter != year
    team = [o for o in portal.public_objectives if o.period == "q4-2026"]
    assert len(team) >= 3
    by_id = {o.id: o for o in portal.objectives}
    assert all(o.parent_ref and by_id[o.parent_ref[0]].period == "cy2026" for o in team)


def test_demo_reaches_every_status_for_objectives_and_rollups(demo):
    assert {o["status"] for o in demo["objectives"]} == STATUSES
    rollups = [k for o in demo["objectives"] for k in o["key_results"] if k["type"] == "rollup"]
    assert len(rollups) >= 5
    assert {k["status"] for k in rollups} == {"achieved", "on_track", "at_risk", "off_track"}
    assert all(k["current"] is None for k in rollups)


def test_rollups_are_the_mean_progress_of_what_aligns_to_them(portal, demo):
    progress = {o["id"]: o["progress"] for o in demo["objectives"]}
    for objective in demo["objectives"]:
        for kr in objective["key_results"]:
            if kr["type"] != "rollup":
                continue
            ref = f"{objective['id']}/{kr['id']}"
            aligned = [o.id for o in portal.public_objectives if o.aligns_to == ref]
            assert aligned, f"{ref}: nothing aligns to it"
            counted = [progress[a] for a in aligned if progress[a] is not None]
            assert kr["progress"] == pytest.approx(sum(counted) / len(counted), abs=1e-6), ref


def test_rollup_three_levels_deep_by_hand(demo):
    # As of 2026-11-24, 327 of the 364 days of 2026 have passed: e = 0.898352 for every
    # rollup of the year; on track from e - 0.10, at risk from e - 0.25.
    e = 327 / 364
    # Northshore's first quarter (q4-2026): 1,900 -> 2,400 veterans, 2,430 on 2026-11-16 (achieved)
    # and the Saturday clinic done: progress 1.
    northshore = next(o for o in demo["objectives"] if o["id"] == "northshore-first-quarter")
    assert (northshore["status"], northshore["progress"]) == ("achieved", 1)
    close = _kr(demo, "veterans-care", "close-to-home")
    assert (close["status"], close["progress"], close["score"]) == ("achieved", 1, 1)
    assert close["expected"] == pytest.approx(e, abs=1e-6)
    # The Office of Access's veteran-access (0.693135, worked out above) is all that aligns
    # to timely-care: at risk (0.6484 <= p < 0.7984).
    timely = _kr(demo, "veterans-care", "timely-care")
    assert (timely["status"], timely["progress"]) == ("at_risk", pytest.approx(6.238214 / 9, abs=1e-6))
    # The network's objective: (0.693135 + 1 + access-standards milestone 1) / 3 = 0.897712,
    # which is the chief executive's veterans-access rollup: on track. The draft
    # digital-front-door, aligned to timely-access, counts nowhere.
    network = (6.238214 / 9 + 2) / 3
    assert _kr(demo, "timely-access", "veterans-access")["progress"] == pytest.approx(network, abs=1e-6)
    assert _kr(demo, "timely-access", "veterans-access")["status"] == "on_track"
    # Emergency care: (door-to-provider 7/13 x 2 + left-without-being-seen 1 + unit milestone 0) / 4 = 0.519231:
    # off track. Telehealth visits: 1032 / 1400 = 0.737143 (on track, above). The objective is as
    # bad as its worst: off track, progress (0.897712 + 0.519231 + 0.737143) / 3 = 0.718029.
    emergency = _kr(demo, "timely-access", "emergency-access")
    assert (emergency["status"], emergency["progress"]) == ("off_track", pytest.approx((14 / 13 + 1) / 4, abs=1e-6))
    top = next(o for o in demo["objectives"] if o["id"] == "timely-access")
    assert (top["status"], top["progress"]) == ("off_track", pytest.approx(
        (network + (14 / 13 + 1) / 4 + 1032 / 1400) / 3, abs=1e-6))

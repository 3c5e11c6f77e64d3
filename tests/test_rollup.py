"""Rollup key results and the unit roll-up (DESIGN.md §4, schema 2), on hand-computed cases.

The portal below, on 2026-07-02 (182 of the 364 days of cy2026 gone: expected 0.5):

    top (system)                       access: rollup of mid-north, mid-south, no-data (and a draft)
      mid-north (north)                sites: rollup of leaf-visits, leaf-clinic
        leaf-visits (north-team)       visits 0 -> 50 of 100: progress 0.5, on track
        leaf-clinic (north-team)       milestone done: progress 1, achieved
      mid-south (south)                milestone due in September: progress 0, on track
      no-data (south)                  no observation: progress null, left out of the rollup
      secret (draft)                   never counted
    old-top (cy2025, ended)            done: rollup of old-a (1.0) and old-b (0.5)
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from site_builder.compute.organization import unit_counts
from site_builder.compute.rules import compute
from site_builder.compute.status import Status
from site_builder.source.check import check

PORTAL_YML = """\
schema: 2
title: Test portal
organization: Test organization
periods:
  - {id: cy2025, title: Calendar year 2025, start: 2025-01-01, end: 2025-12-31}
  - {id: cy2026, title: Calendar year 2026, start: 2026-01-01, end: 2026-12-31}
"""

UNITS = """\
- {id: system, title: Test organization}
- {id: north, parent: system, title: North}
- {id: north-team, parent: north, title: North team}
- {id: south, parent: system, title: South}
"""


def objective(oid: str, key_results: str, *, unit: str | None = None, aligns_to: str | None = None,
              period: str = "cy2026", visibility: str = "public") -> str:
    head = f"id: {oid}\nperiod: {period}\ntitle: {oid}\nowner: Someone\nvisibility: {visibility}\n"
    if unit:
        head += f"unit: {unit}\n"
    if aligns_to:
        head += f"aligns_to: {aligns_to}\n"
    return head + "key_results:\n" + key_results


def rollup(kr_id: str) -> str:
    return f"  - {{id: {kr_id}, title: {kr_id}, type: rollup}}\n"


def milestone(kr_id: str, due: str, done: str | None = None) -> str:
    return f"  - {{id: {kr_id}, title: {kr_id}, type: milestone, due: {due}" + (f", done: {done}" if done else "") + "}\n"


def metric(kr_id: str, metric_id: str, start: str, target: float) -> str:
    return (f"  - id: {kr_id}\n    title: {kr_id}\n    metric: {metric_id}\n"
            f"    baseline: {{date: {start}, value: 0}}\n    target: {{value: {target}}}\n")


FILES = {
    "okrs/units.yml": UNITS,
    "okrs/objectives/top.yml": objective("top", rollup("access")),
    "okrs/objectives/mid-north.yml": objective("mid-north", rollup("sites"), unit="north", aligns_to="top/access"),
    "okrs/objectives/leaf-visits.yml": objective("leaf-visits", metric("visits", "visits", "2026-01-01", 100),
                                                 unit="north-team", aligns_to="mid-north/sites"),
    "okrs/objectives/leaf-clinic.yml": objective("leaf-clinic", milestone("clinic", "2026-06-30", "2026-03-01"),
                                                 unit="north-team", aligns_to="mid-north/sites"),
    "okrs/objectives/mid-south.yml": objective("mid-south", milestone("plan", "2026-09-30"), unit="south",
                                               aligns_to="top/access"),
    "okrs/objectives/no-data.yml": objective("no-data", metric("empty", "empty", "2026-01-01", 10), unit="south",
                                             aligns_to="top/access"),
    "okrs/objectives/secret.yml": objective("secret", milestone("s", "2026-02-01", "2026-01-15"),
                                            visibility="draft", aligns_to="top/access"),
    "okrs/objectives/old-top.yml": objective("old-top", rollup("done"), period="cy2025"),
    "okrs/objectives/old-a.yml": objective("old-a", milestone("a", "2025-06-30", "2025-05-01"), period="cy2025",
                                           aligns_to="old-top/done"),
    "okrs/objectives/old-b.yml": objective("old-b", metric("b", "old", "2025-01-01", 10), period="cy2025",
                                           aligns_to="old-top/done"),
    "okrs/metrics/visits.csv": "date,value\n2026-01-01,0\n2026-07-02,50\n2026-08-01,100\n",  # August: after the as-of date
    "okrs/metrics/empty.csv": "date,value\n",
    "okrs/metrics/old.csv": "date,value\n2025-12-01,5\n",
}
AS_OF = "2026-07-02"


@pytest.fixture
def root(portal):
    return portal(FILES, portal_yml=PORTAL_YML)


@pytest.fixture
def document(root, cli):
    run = cli(root, "status", "--json", "--as-of", AS_OF)
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    return {o["id"]: o for o in doc["objectives"]}


def kr(document, oid: str) -> dict:
    (only,) = document[oid]["key_results"]
    return only


def test_the_portal_validates(root, cli):
    run = cli(root, "validate")
    assert run.code == 0, run.out + run.err


def test_a_rollup_two_levels_down(document):
    sites = kr(document, "mid-north")
    assert (sites["type"], sites["status"]) == ("rollup", "on_track")
    assert sites["progress"] == pytest.approx(0.75)  # the mean of 0.5 and 1.0
    assert sites["score"] == pytest.approx(0.75)
    assert sites["expected"] == pytest.approx(0.5)
    assert sites["current"] is None
    assert document["mid-north"]["progress"] == pytest.approx(0.75)


def test_depth_three_leaves_out_drafts_and_objectives_without_data(document):
    access = kr(document, "top")
    # mid-north 0.75 and mid-south 0.0; no-data (null) and the draft (never published) left out.
    assert access["progress"] == pytest.approx(0.375)
    # 0.375 < 0.5 - 0.10, but >= 0.5 - 0.25: at risk.
    assert access["status"] == "at_risk"
    assert document["top"]["status"] == "at_risk"
    assert "secret" not in document
    assert document["no-data"]["progress"] is None and document["no-data"]["status"] == "no_data"


def test_an_ended_period_rolls_up_what_its_objectives_ended_with(document):
    done = kr(document, "old-top")
    assert done["progress"] == pytest.approx(0.75)  # old-a achieved (1.0), old-b 5 of 10 (0.5)
    assert done["expected"] == pytest.approx(1.0)
    assert done["status"] == "missed"
    assert document["old-top"]["status"] == "missed"


def test_a_rollup_with_nothing_aligned_has_no_data(portal, cli):
    root = portal({"okrs/objectives/alone.yml": objective("alone", rollup("r") + milestone("m", "2026-09-30"))},
                  portal_yml=PORTAL_YML)
    run = cli(root, "status", "--json", "--as-of", AS_OF)
    assert run.code == 0, run.err
    (alone,) = json.loads(run.out)["objectives"]
    assert [k["status"] for k in alone["key_results"]] == ["no_data", "on_track"]
    assert alone["progress"] == 0.0  # the milestone alone counts; the rollup without data is left out
    assert alone["key_results"][0]["progress"] is None


def test_an_objective_aligned_to_an_objective_counts_in_no_rollup(portal, cli):
    root = portal({
        "okrs/objectives/top.yml": objective("top", rollup("r")),
        "okrs/objectives/child.yml": objective("child", milestone("m", "2026-02-01", "2026-01-10"), aligns_to="top"),
    }, portal_yml=PORTAL_YML)
    run = cli(root, "status", "--json", "--as-of", AS_OF)
    top = next(o for o in json.loads(run.out)["objectives"] if o["id"] == "top")
    assert top["key_results"][0]["status"] == "no_data"


def test_the_unit_roll_up_counts_every_objective_below(root):
    checked = check(root)
    assert not [p for p in checked.problems if not getattr(p, "warning", False)]
    report = compute(checked.portal, date.fromisoformat(AS_OF))
    statuses = [(s.objective, s.status) for s in report.objectives if s.period.id == "cy2026"]
    counts = unit_counts(report.units, statuses)

    def nonzero(unit_id):
        return {s.value: n for s, n in counts[unit_id].items() if n}

    assert nonzero("north-team") == {"on_track": 1, "achieved": 1}
    assert nonzero("north") == {"on_track": 2, "achieved": 1}
    assert nonzero("south") == {"on_track": 1, "no_data": 1}
    # The organization: top (no unit: the root's) and everything below; the draft never.
    assert nonzero("system") == {"achieved": 1, "on_track": 3, "at_risk": 1, "no_data": 1}
    assert sum(counts["system"].values()) == 6
    assert report.units.unit_of(next(s.objective for s in report.objectives if s.objective.id == "top")) == "system"


def test_supporters_directly_or_below(root):
    report = compute(check(root).portal, date.fromisoformat(AS_OF))
    alignment = report.alignment
    assert alignment.direct("top") == ["mid-north", "mid-south", "no-data"]
    assert alignment.below("top") == ["mid-north", "leaf-clinic", "leaf-visits", "mid-south", "no-data"]  # report order: by file
    assert alignment.supported_by("mid-north", ["sites"]) == [("sites", ("leaf-clinic", "leaf-visits"))]
    assert alignment.depth("leaf-clinic") == 2 and alignment.depth("top") == 0
    assert report.objectives[[s.objective.id for s in report.objectives].index("top")].status is Status.AT_RISK

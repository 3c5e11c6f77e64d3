"""api/okrs.json and the status table of a schema 2 portal (DESIGN.md §5, §6).

The portal below, on 2026-07-02 (182 of the 364 days of cy2026 gone: expected 0.5):

    top (no unit: the organization's)  access: rollup of mid, side (not extra: it aligns
                                               to the objective, not the key result)
                                       beds: 0 -> 4 of 10 on 2026-06-01, progress 0.4
      mid (north)                      sites: rollup of leaf-a, leaf-b
        leaf-a (north-team)            visits 0 -> 50 of 100: progress 0.5
        leaf-b (north-team)            milestone done: progress 1
      side (north)                     milestone due in September: progress 0
      extra (no unit)                  aligns to top itself
      secret (draft)                   never counted, and its metric never published
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from fixtures import PORTAL_YML as SCHEMA_1_PORTAL_YML, SHORTER_WAITS, WAIT_CSV
from site_builder.commands.build import WORK_DIR, generate
from site_builder.commands.status_table import status_table
from site_builder.compute.rules import compute
from site_builder.render.api import okrs_document, okrs_json
from site_builder.render.atom import entries
from site_builder.render.context import Context
from site_builder.render.messages import messages
from site_builder.source.check import check

PORTAL_YML = """\
schema: 2
title: Test portal
organization: Test organization
languages: [en, zh-TW]
periods:
  - {id: cy2026, title: Calendar year 2026, start: 2026-01-01, end: 2026-12-31}
"""

UNITS = """\
- {id: system, title: Test organization}
- {id: north, parent: system, title: {en: North, zh-TW: 北區}}
- {id: north-team, parent: north, title: North team}
"""


def objective(oid: str, key_results: str, *, unit: str | None = None, aligns_to: str | None = None,
              visibility: str = "public") -> str:
    head = f"id: {oid}\nperiod: cy2026\ntitle: {oid.title()}\nowner: Someone\nvisibility: {visibility}\n"
    head += f"unit: {unit}\n" if unit else ""
    head += f"aligns_to: {aligns_to}\n" if aligns_to else ""
    return head + "key_results:\n" + key_results


def metric_kr(kr_id: str, metric_id: str, target: float) -> str:
    return (f"  - id: {kr_id}\n    title: {kr_id}\n    metric: {metric_id}\n"
            f"    baseline: {{date: 2026-01-01, value: 0}}\n    target: {{value: {target}}}\n")


def milestone(kr_id: str, due: str, done: str | None = None) -> str:
    return f"  - {{id: {kr_id}, title: {kr_id}, type: milestone, due: {due}" + (f", done: {done}" if done else "") + "}\n"


FILES = {
    "okrs/units.yml": UNITS,
    "okrs/objectives/top.yml": objective("top", "  - {id: access, title: Access, type: rollup}\n"
                                         + metric_kr("beds", "beds", 10)),
    "okrs/objectives/mid.yml": objective("mid", "  - {id: sites, title: Sites, type: rollup}\n", unit="north",
                                         aligns_to="top/access"),
    "okrs/objectives/leaf-a.yml": objective("leaf-a", metric_kr("visits", "visits", 100), unit="north-team",
                                            aligns_to="mid/sites"),
    "okrs/objectives/leaf-b.yml": objective("leaf-b", milestone("clinic", "2026-06-30", "2026-03-01"),
                                            unit="north-team", aligns_to="mid/sites"),
    "okrs/objectives/side.yml": objective("side", milestone("plan", "2026-09-30"), unit="north",
                                          aligns_to="top/access"),
    "okrs/objectives/extra.yml": objective("extra", milestone("more", "2026-12-01"), aligns_to="top"),
    "okrs/objectives/secret.yml": objective("secret", metric_kr("s", "secret-metric", 10), visibility="draft",
                                            aligns_to="top/access"),
    "okrs/metrics/beds.yml": "title: Staffed beds\nunit: beds\n",
    "okrs/metrics/beds.csv": "date,value\n2026-01-01,0\n2026-06-01,4\n2026-08-01,9\n",  # August: after the as-of date
    "okrs/metrics/visits.csv": "date,value\n2026-01-01,0\n2026-07-02,50\n2026-08-01,100\n",
    "okrs/metrics/secret-metric.csv": "date,value\n2026-01-01,1\n",
}
AS_OF = date(2026, 7, 2)

OBJECTIVE_KEYS = ["id", "period", "title", "owner", "status", "progress", "key_results"]
KEY_RESULT_KEYS = ["id", "type", "status", "progress", "score", "expected", "current"]


@pytest.fixture
def root(portal):
    return portal(FILES, portal_yml=PORTAL_YML)


def _report(root):
    checked = check(root)
    assert not checked.problems, checked.problems
    return compute(checked.portal, AS_OF), checked.portal


@pytest.fixture
def document(root):
    return okrs_document(*_report(root))


def _by_id(document) -> dict:
    return {o["id"]: o for o in document["objectives"]}


def test_the_keys_come_in_the_order_of_the_design(document):
    assert list(document) == ["schema", "as_of", "objectives", "units", "metrics"]
    assert document["schema"] == 2 and document["as_of"] == "2026-07-02"
    for o in document["objectives"]:
        assert list(o) == OBJECTIVE_KEYS + ["unit", "aligns_to"]
        for kr in o["key_results"]:
            assert list(kr) == KEY_RESULT_KEYS + ["breakdown", "data_overdue", "explanation_overdue"]
    for unit in document["units"]:
        assert list(unit) == ["id", "parent", "title"]
    for metric in document["metrics"]:
        assert list(metric) == ["id", "title", "unit", "derived", "latest", "overdue"]


def test_objectives_say_their_unit_and_what_they_align_to(document):
    objectives = _by_id(document)
    assert list(objectives) == ["extra", "leaf-a", "leaf-b", "mid", "side", "top"]  # by file, drafts left out
    assert {oid: (o["unit"], o["aligns_to"]) for oid, o in objectives.items()} == {
        "extra": ("system", "top"),  # no unit written: the organization's (the root unit)
        "leaf-a": ("north-team", "mid/sites"),
        "leaf-b": ("north-team", "mid/sites"),
        "mid": ("north", "top/access"),
        "side": ("north", "top/access"),
        "top": ("system", None),
    }


def test_rollups_carry_their_aligned_objectives_progress(document):
    objectives = _by_id(document)
    (sites,) = objectives["mid"]["key_results"]
    assert sites == {"id": "sites", "type": "rollup", "status": "on_track", "progress": 0.75, "score": 0.75,
                     "expected": 0.5, "current": None, "breakdown": None, "data_overdue": False,
                     "explanation_overdue": False}
    access, beds = objectives["top"]["key_results"]
    # mid 0.75 and side 0.0 (extra aligns to the objective, the draft is never counted): 0.375,
    # below 0.5 - 0.10 and not below 0.5 - 0.25: at risk.
    assert (access["type"], access["status"], access["progress"], access["expected"]) == \
        ("rollup", "at_risk", 0.375, 0.5)
    # beds: 4 of 10 on 2026-06-01, 151 of 364 days in (the August value is after the as-of date)
    assert (beds["status"], beds["progress"], beds["expected"], beds["current"]) == \
        ("on_track", 0.4, round(151 / 364, 6), {"date": "2026-06-01", "value": 4})
    assert objectives["top"]["progress"] == pytest.approx((0.375 + 0.4) / 2)
    assert objectives["top"]["status"] == "at_risk"


def test_units_in_file_order_with_titles_in_the_default_language(document):
    assert document["units"] == [
        {"id": "system", "parent": None, "title": "Test organization"},
        {"id": "north", "parent": "system", "title": "North"},
        {"id": "north-team", "parent": "north", "title": "North team"},
    ]


def test_published_metrics_with_their_latest_headline_value(document):
    # The draft's metric is not published; latest values are as of the as-of date.
    assert document["metrics"] == [
        {"id": "beds", "title": "Staffed beds", "unit": "beds", "derived": False,
         "latest": {"date": "2026-06-01", "value": 4}, "overdue": False},
        {"id": "visits", "title": None, "unit": None, "derived": False,
         "latest": {"date": "2026-07-02", "value": 50}, "overdue": False},
    ]


def test_without_units_every_unit_is_null_and_the_list_empty(portal):
    files = {k: v for k, v in FILES.items() if k != "okrs/units.yml"}
    files = {k: v.replace("unit: north-team\n", "").replace("unit: north\n", "") for k, v in files.items()}
    root = portal(files, portal_yml=PORTAL_YML)
    document = okrs_document(*_report(root))
    assert document["units"] == []
    assert {o["unit"] for o in document["objectives"]} == {None}
    assert _by_id(document)["mid"]["aligns_to"] == "top/access"


def test_status_json_is_the_api_document(root, cli):
    run = cli(root, "status", "--json", "--as-of", AS_OF.isoformat())
    assert run.code == 0, run.err
    assert run.out == okrs_json(*_report(root))
    generate(root, AS_OF, root / "site")
    assert (root / WORK_DIR / "static-files/api/okrs.json").read_text("utf-8") == run.out


def test_the_status_table_groups_each_period_by_unit_in_tree_order(root):
    # Units in tree order (the organization, then each unit's sub-units), objectives by file in each.
    assert status_table(*_report(root)) == """\
Status as of 2026-07-02

OBJECTIVE  KEY RESULT  STATUS    PROGRESS  LATEST VALUE

Calendar year 2026 (cy2026, 2026-01-01 to 2026-12-31)
  Test organization (system)
extra                  on track  0%
           more        on track  0%        due 2026-12-01
top                    at risk   39%
           access      at risk   38%       —
           beds        on track  40%       4 beds (2026-06-01)

  North (north)
mid                    on track  75%
           sites       on track  75%       —
side                   on track  0%
           plan        on track  0%        due 2026-09-30

  North team (north-team)
leaf-a                 on track  50%
           visits      on track  50%       50 (2026-07-02)
leaf-b                 achieved  100%
           clinic      achieved  100%      done 2026-03-01
"""


def test_the_status_table_without_units_has_no_unit_headings(portal):
    root = portal({"okrs/objectives/a.yml": SHORTER_WAITS, "okrs/metrics/wait.csv": WAIT_CSV},
                  portal_yml=PORTAL_YML)
    lines = status_table(*_report(root)).splitlines()
    assert lines[4:] == ["Calendar year 2026 (cy2026, 2026-01-01 to 2026-12-31)",
                         "a" + " " * 22 + "on track  20%",
                         " " * 11 + "wait" + " " * 8 + "on track  20%       28 (2026-02-01)"]


def test_the_feed_leaves_out_rollup_transitions_and_keeps_the_others(root):
    report, portal = _report(root)
    ctx = Context(report, portal, "en", messages("en"))
    ids = [entry.id for entry in entries(ctx)]
    assert "tag:okr-portal,2026:status/leaf-b/clinic/2026-03-31" in ids  # done on 2026-03-01
    assert not [i for i in ids if "/top/access/" in i or "/mid/sites/" in i]


# --- a schema 1 portal's document is what it was before schema 2 --------------------------

SCHEMA_1_FILES = {
    "okrs/objectives/a.yml": SHORTER_WAITS + """\
  - {id: beds, title: {en: Beds, zh-TW: 病床}, type: maintain, metric: beds, threshold: {min: 85}}
  - {id: plan, title: Plan, type: milestone, due: 2026-03-31, done: 2026-03-02}
  - {id: late, title: Late, type: milestone, due: 2026-02-01, commitment: aspirational, weight: 2}
""",
    "okrs/objectives/b.yml": """\
id: b
period: cy2025
title: {en: Last year, zh-TW: 去年}
owner: Someone
key_results:
  - {id: old, title: Old, metric: wait, baseline: {date: 2025-01-01, value: 40}, target: {value: 30}}
""",
    "okrs/objectives/draft.yml": "id: draft\nperiod: cy2026\ntitle: D\nowner: D\nvisibility: draft\n"
                                 "key_results:\n  - {id: d, title: D, type: milestone, due: 2026-05-01}\n",
    "okrs/metrics/wait.csv": "date,value\n2025-07-01,35\n" + WAIT_CSV.split("\n", 1)[1] + "2026-03-01,26.5\n",
    "okrs/metrics/beds.csv": "date,value\n2026-01-01,80\n2026-02-01,\n",
}

# Built from the same portal with the code of the commit before schema 2 (42d22db).
SCHEMA_1_EXPECTED = """\
{
  "schema": 1,
  "as_of": "2026-03-15",
  "objectives": [
    {
      "id": "b",
      "period": "cy2025",
      "title": "Last year",
      "owner": "Someone",
      "status": "missed",
      "progress": 0.5,
      "key_results": [
        {
          "id": "old",
          "type": "metric",
          "status": "missed",
          "progress": 0.5,
          "score": 0.5,
          "expected": 0.497253,
          "current": {
            "date": "2025-07-01",
            "value": 35
          }
        }
      ]
    },
    {
      "id": "a",
      "period": "cy2026",
      "title": "Shorter waits",
      "owner": "Access team",
      "status": "off_track",
      "progress": 0.27,
      "key_results": [
        {
          "id": "wait",
          "type": "metric",
          "status": "on_track",
          "progress": 0.35,
          "score": 0.35,
          "expected": 0.162088,
          "current": {
            "date": "2026-03-01",
            "value": 26.5
          }
        },
        {
          "id": "beds",
          "type": "maintain",
          "status": "off_track",
          "progress": 0,
          "score": 0,
          "expected": null,
          "current": {
            "date": "2026-01-01",
            "value": 80
          }
        },
        {
          "id": "plan",
          "type": "milestone",
          "status": "achieved",
          "progress": 1,
          "score": 1,
          "expected": null,
          "current": null
        },
        {
          "id": "late",
          "type": "milestone",
          "status": "off_track",
          "progress": 0,
          "score": 0,
          "expected": null,
          "current": null
        }
      ]
    }
  ]
}
"""


def test_a_schema_1_document_is_unchanged(portal, cli):
    root = portal(SCHEMA_1_FILES, portal_yml=SCHEMA_1_PORTAL_YML)
    run = cli(root, "status", "--json", "--as-of", "2026-03-15")
    assert run.code == 0, run.err
    assert run.out == SCHEMA_1_EXPECTED
    document = json.loads(run.out)
    assert list(document) == ["schema", "as_of", "objectives"] and document["schema"] == 1
    for o in document["objectives"]:
        assert list(o) == OBJECTIVE_KEYS
        assert all(list(kr) == KEY_RESULT_KEYS for kr in o["key_results"])

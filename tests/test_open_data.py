"""Open data of a schema 2 portal (DESIGN.md §3, §5): each published metric's CSV with its
dimension and flag columns, data/datapackage.json checked by the real `frictionless validate`,
the API document's metrics list (derived metrics and the inputs they are computed from), and
the flags column of the data status page. Built for real through the `build` command.

The portal below, on 2026-06-15:

    metric   used by                         dimension            flags (up to the as-of date)
    wait     a key result, and one of its    county: north,       estimate 2, break 1,
             groups (breakdown)              south, east          provisional 1 (a proxy later)
    visits   only as an input of `rate`      county               —
    rate     a key result: wait / visits     county (derived)     carried over from wait
    plain    a key result                    —                    —
    secret   a draft only: published nowhere
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures import PORTAL_YML as SCHEMA_1_PORTAL_YML
from test_site import page, text_of

AS_OF = "2026-06-15"

PORTAL = """\
schema: 2
title: {en: Open data portal, zh-TW: 開放資料入口}
organization: Test organization
description: Figures for everyone.
languages: [en, zh-TW]
periods:
  - {id: cy2026, title: {en: Year 2026, zh-TW: 2026 年度}, start: 2026-01-01, end: 2026-12-31}
"""

OBJECTIVE = """\
id: access
period: cy2026
title: Shorter waits
owner: Health office
key_results:
  - {id: waits, title: Waits, metric: wait, baseline: {date: 2026-01-01, value: 30}, target: {value: 20}}
  - {id: north-waits, title: Waits in the north, metric: wait, breakdown: {county: north},
     baseline: {date: 2026-01-01, value: 31}, target: {value: 20}}
  - {id: per-visit, title: Wait per visit, type: maintain, metric: rate, threshold: {max: 20}}
  - {id: plain-kr, title: Plain, type: maintain, metric: plain, threshold: {min: 0}}
"""

DRAFT = """\
id: secret
period: cy2026
title: A draft
owner: Someone
visibility: draft
key_results:
  - {id: s, title: S, type: maintain, metric: secret, threshold: {min: 0}}
"""

COUNTY = """\
dimensions:
  county:
    title: {en: County, zh-TW: 縣市}
    values:
      north: {en: North, zh-TW: 北區}
      south: South
      east: East
"""

# Columns in another order than the download's; a headline row without a value; notes with a
# comma, a quote and a leading '='; a row after the as-of date (with the only proxy flag).
WAIT_CSV = """\
county,date,value,flag,note
,2026-01-01,30,,
,2026-02-01,28.5,estimate,"revised, twice"
,2026-03-01,,,no figure
,2026-04-01,27,estimate,"=HYPERLINK(""x"")"
north,2026-01-01,31,,
north,2026-02-01,29,break,=SUM(A1)
south,2026-01-01,29,provisional,"a, b"
east,2026-02-01,40,,
,2026-07-01,10,proxy,after the as-of date
"""

FILES = {
    "okrs/objectives/access.yml": OBJECTIVE,
    "okrs/objectives/secret.yml": DRAFT,
    "okrs/metrics/wait.yml": ("title: {en: Wait, zh-TW: 等候天數}\nunit: days\ndecimals: 1\nfrequency: monthly\n"
                              "source: {en: The **health** office, zh-TW: 衛生局}\nmethodology: Days from referral.\n"
                              + COUNTY),
    "okrs/metrics/wait.csv": WAIT_CSV,
    "okrs/metrics/visits.yml": "title: Visits\nunit: visits\nfrequency: monthly\n" + COUNTY,
    "okrs/metrics/visits.csv": ("date,value,county\n2026-01-01,10,\n2026-02-01,20,\n2026-04-01,30,\n"
                                "2026-01-01,5,north\n2026-02-01,4,north\n2026-01-01,2,south\n"),
    "okrs/metrics/rate.yml": "title: Wait per visit\nunit: days per visit\nfrequency: monthly\nformula: wait / visits\n",
    "okrs/metrics/plain.yml": "title: Plain\n",
    "okrs/metrics/plain.csv": "date,value,note\n2026-01-01,12.0,=1+2\n2026-02-01,-3.5,-3.5\n",
    "okrs/metrics/secret.csv": "date,value\n2026-01-01,1\n",
}

WAIT_DOWNLOAD = """\
date,value,note,county,flag
2026-01-01,30,,,
2026-02-01,28.5,"revised, twice",,estimate
2026-03-01,,no figure,,
2026-04-01,27,"'=HYPERLINK(""x"")",,estimate
2026-01-01,31,,north,
2026-02-01,29,'=SUM(A1),north,break
2026-01-01,29,"a, b",south,provisional
2026-02-01,40,,east,
"""

VISITS_DOWNLOAD = """\
date,value,note,county
2026-01-01,10,,
2026-02-01,20,,
2026-04-01,30,,
2026-01-01,5,,north
2026-02-01,4,,north
2026-01-01,2,,south
"""

# wait / visits on the dates both have a value, group by group, with the most severe flag of the two
RATE_DOWNLOAD = """\
date,value,note,county,flag
2026-01-01,3,,,
2026-02-01,1.425,,,estimate
2026-04-01,0.9,,,estimate
2026-01-01,6.2,,north,
2026-02-01,7.25,,north,break
2026-01-01,14.5,,south,provisional
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from conftest import write_portal
    from site_builder.commands.cli import main

    root = write_portal(tmp_path_factory.mktemp("open-data"), FILES, PORTAL)
    assert main(["-C", str(root), "build", "--as-of", AS_OF]) == 0
    return root


def _frictionless(descriptor: Path) -> tuple[int, dict]:
    """The real `frictionless validate --json` on a datapackage.json: exit code and report."""
    cli = Path(sys.executable).with_name("frictionless")
    command = [str(cli)] if cli.is_file() else [sys.executable, "-m", "frictionless"]
    run = subprocess.run([*command, "validate", "--json", descriptor.name], cwd=descriptor.parent,
                         capture_output=True, text=True, timeout=120)
    return run.returncode, json.loads(run.stdout)


# --- the CSVs ---------------------------------------------------------------------------------


def test_a_metric_with_a_dimension_and_flags_publishes_each_group_after_the_headline(site):
    # date, value, note, then the dimension and the flag; rows up to the as-of date only; notes
    # quoted where they hold a comma or quote, and never a formula.
    assert (site / "site/data/wait.csv").read_text("utf-8") == WAIT_DOWNLOAD
    assert (site / "site/zh-TW/data/wait.csv").read_bytes() == (site / "site/data/wait.csv").read_bytes()


def test_without_any_flag_there_is_no_flag_column(site):
    assert (site / "site/data/visits.csv").read_text("utf-8") == VISITS_DOWNLOAD


def test_a_derived_metric_is_published_with_its_groups_and_flags(site):
    assert (site / "site/data/rate.csv").read_text("utf-8") == RATE_DOWNLOAD


def test_a_metric_without_dimensions_or_flags_keeps_the_three_columns(site):
    assert (site / "site/data/plain.csv").read_text("utf-8") == "date,value,note\n2026-01-01,12,'=1+2\n2026-02-01,-3.5,-3.5\n"


def test_the_draft_metric_is_published_nowhere(site):
    assert not (site / "site/data/secret.csv").exists()
    for path in (site / "site").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".csv", ".html"):
            assert "secret" not in path.read_text("utf-8").replace("secret-", ""), path


def test_a_schema_1_metric_csv_is_as_it_always_was(portal, cli):
    """The same bytes as before schema 2: three columns, repr numbers without ".0", empty
    values kept, notes protected against formulas, and no datapackage.json beside them."""
    root = portal({
        "okrs/objectives/a.yml": "id: a\nperiod: cy2026\ntitle: A\nowner: O\nkey_results:\n"
                                 "  - {id: k, title: K, type: maintain, metric: old, threshold: {min: 0}}\n",
        "okrs/metrics/old.csv": ('date,value,note\n2026-01-01,12.0,"a, b"\n2026-02-01,,=cmd\n'
                                 '2026-03-01,0.30000000000000004,"say ""hi"""\n2026-04-01,-3.5,-3.5\n'
                                 "2026-05-01,7,@x\n2026-12-01,1,later\n"),
    }, portal_yml=SCHEMA_1_PORTAL_YML)
    run = cli(root, "build", "--as-of", AS_OF)
    assert run.code == 0, run.err
    assert (root / "site/data/old.csv").read_bytes() == (
        b'date,value,note\n2026-01-01,12,"a, b"\n2026-02-01,,\'=cmd\n'
        b'2026-03-01,0.30000000000000004,"say ""hi"""\n2026-04-01,-3.5,-3.5\n2026-05-01,7,\'@x\n')
    assert sorted(p.name for p in (root / "site/data").iterdir()) == ["index.html", "old.csv"]
    assert "datapackage" not in page(root, "data")


# --- datapackage.json -------------------------------------------------------------------------


def test_the_data_package_is_valid_under_the_real_frictionless_validator(site):
    code, report = _frictionless(site / "site/data/datapackage.json")
    assert code == 0, report
    assert report["valid"] is True
    assert sorted(t["name"] for t in report["tasks"]) == ["plain", "rate", "visits", "wait"]
    assert all(t["valid"] for t in report["tasks"])


def test_a_code_outside_the_declared_ones_fails_the_validator(site, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(site / "site/data", data)
    csv = data / "wait.csv"
    csv.write_text(csv.read_text("utf-8").replace(",east,", ",west,"), "utf-8")
    code, report = _frictionless(data / "datapackage.json")
    assert code != 0 and report["valid"] is False
    errors = [e for t in report["tasks"] for e in t["errors"]]
    assert [(e["type"], e["cell"]) for e in errors] == [("constraint-error", "west")]


def test_a_repeated_key_or_a_word_for_a_number_fails_the_validator(site, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(site / "site/data", data)
    csv = data / "visits.csv"
    csv.write_text(csv.read_text("utf-8") + "2026-01-01,7,,north\n2026-05-01,many,,\n", "utf-8")
    code, report = _frictionless(data / "datapackage.json")
    assert code != 0
    assert sorted(e["type"] for t in report["tasks"] for e in t["errors"]) == ["primary-key", "type-error"]


def test_the_data_package_describes_every_published_csv(site):
    package = json.loads((site / "site/data/datapackage.json").read_text("utf-8"))
    assert package["profile"] == "tabular-data-package" and package["title"] == "Open data portal"
    assert package["description"] == "Figures for everyone."
    by_name = {r["name"]: r for r in package["resources"]}
    # the metrics key results use, and `visits`, an input of the derived `rate`; not the draft's
    assert list(by_name) == ["plain", "rate", "visits", "wait"]
    for name, resource in by_name.items():
        assert resource["path"] == f"{name}.csv" and (site / "site/data" / resource["path"]).is_file()
        assert (resource["profile"], resource["format"], resource["mediatype"], resource["encoding"]) == (
            "tabular-data-resource", "csv", "text/csv", "utf-8")
        assert resource["schema"]["missingValues"] == [""]
        header = (site / "site/data" / resource["path"]).read_text("utf-8").split("\n", 1)[0].split(",")
        assert [f["name"] for f in resource["schema"]["fields"]] == header
    wait = by_name["wait"]
    assert (wait["title"], wait["unit"], wait["sources"], wait["description"]) == (
        "Wait", "days", [{"title": "The health office"}], "Days from referral.")
    fields = {f["name"]: f for f in wait["schema"]["fields"]}
    assert {n: f["type"] for n, f in fields.items()} == {"date": "date", "value": "number", "note": "string",
                                                          "county": "string", "flag": "string"}
    assert fields["county"]["constraints"] == {"enum": ["north", "south", "east"]}
    assert fields["county"]["title"] == "County"
    assert fields["county"]["categories"][0] == {"value": "north", "label": "North"}
    assert fields["flag"]["constraints"] == {"enum": ["break", "proxy", "estimate", "provisional"]}
    assert wait["schema"]["primaryKey"] == ["date", "county"]
    assert (by_name["rate"]["derived"], by_name["rate"]["formula"]) == (True, "wait / visits")
    assert "derived" not in wait
    assert by_name["plain"]["schema"]["primaryKey"] == ["date"]
    # the same file in every language's site
    assert (site / "site/zh-TW/data/datapackage.json").read_bytes() == (
        site / "site/data/datapackage.json").read_bytes()


def test_the_open_data_page_links_the_package_and_every_csv(site):
    html = page(site, "data")
    links = re.findall(r'href="([^"#]+)"', html.split("<article", 1)[1].split("</article>", 1)[0])
    for target in ("datapackage.json", "plain.csv", "rate.csv", "visits.csv", "wait.csv"):
        assert target in links, target
    assert "資料包" in text_of(page(site, "zh-TW/data"))


# --- the API document -------------------------------------------------------------------------


def test_the_api_lists_the_published_metrics_with_the_inputs_of_derived_ones(site):
    doc = json.loads((site / "site/api/okrs.json").read_text("utf-8"))
    metrics = {m["id"]: m for m in doc["metrics"]}
    assert list(metrics) == ["plain", "rate", "visits", "wait"]  # sorted; the draft's is not there
    assert {m: v["derived"] for m, v in metrics.items()} == {"plain": False, "rate": True, "visits": False,
                                                             "wait": False}
    assert metrics["rate"]["latest"] == {"date": "2026-04-01", "value": 0.9}  # the headline series
    assert metrics["wait"]["latest"] == {"date": "2026-04-01", "value": 27}
    assert metrics["visits"]["unit"] == "visits"
    krs = {k["id"]: k for o in doc["objectives"] for k in o["key_results"]}
    assert krs["north-waits"]["breakdown"] == {"county": "north"} and krs["waits"]["breakdown"] is None
    # monthly, newest Apr 1: expected by Jun 2 (an interval and the default lag of another)
    assert {k: v["data_overdue"] for k, v in krs.items()} == {"waits": True, "north-waits": True,
                                                              "per-visit": True, "plain-kr": False}
    assert {m: v["overdue"] for m, v in metrics.items()} == {"plain": False, "rate": True, "visits": True,
                                                             "wait": True}


def test_inputs_of_derived_inputs_are_published_too():
    """Transitively: a derived metric computed from a derived metric publishes both inputs."""
    from types import SimpleNamespace

    from site_builder.render.api import published_metrics

    metrics = {"top": SimpleNamespace(formula="100 * middle / rolling_mean(c, 3)"),
               "middle": SimpleNamespace(formula="a-b - 2"), "a-b": SimpleNamespace(formula=None),
               "c": SimpleNamespace(formula=None), "unused": SimpleNamespace(formula=None)}
    kr = SimpleNamespace(key_result=SimpleNamespace(metric="top"))
    report = SimpleNamespace(objectives=[SimpleNamespace(key_results=[kr])])
    assert published_metrics(report, SimpleNamespace(metrics=metrics)) == ["a-b", "c", "middle", "top"]


# --- the data status page ---------------------------------------------------------------------


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [text_of(row) for row in re.findall(r"<tr>.*?</tr>", body, re.S)]


def test_the_data_status_page_shows_each_metrics_flags_and_marks_derived_ones(site):
    html = page(site, "data/status")
    assert '<th scope="col">Flags</th>' in html
    rows = _rows(html)
    late = "Monthly Apr 1, 2026 Data overdue expected by Jun 2, 2026 (13 days late)"
    flags = "Estimate (2), Method changed (break) (1), Provisional (1)"  # up to the as-of date: no proxy
    assert rows == [  # overdue first, as before; then the rest. The derived metric's input is published too.
        f"Wait per visit (derived) {late} {flags}",
        f"Visits {late} —",
        f"Wait {late} {flags}",
        "Plain — Feb 1, 2026 No frequency given: never overdue —",
    ]
    zh = _rows(page(site, "zh-TW/data/status"))
    assert any("（推算）" in row and "估計值（2 筆）" in row for row in zh), zh

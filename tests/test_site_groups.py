"""Groups (disaggregation), flags and method changes on the site (schema 2, DESIGN.md §3, §5):
small multiples and the groups table on a metric page, footnote markers of flagged values in
every observations table, hollow flagged points and a line in two pieces at a method change
in the charts, a breakdown key result's chart drawn from its group, and a derived metric's
formula linked. Built for real through the `build` command, in both languages.

The metric `wait` on 2026-07-15 (days; August rows are after the as-of date and never count):

    group                       first (Jan 1)   latest          change      key result
    headline                    30              25 (Jun 1, p)   −5.0 days   overall: target 24, not met
    facility=northshore         40              31 (Jun 1, x)   −9.0 days   northshore: target 32, met
    facility=eastfield          20              22 (Jun 1)      +2.0 days   eastfield-level: max 21, outside
    facility=hostile            50 (Feb 1)      50              one only
    age=adult                   33              30 (Jun 1)      −3.0 days
    age=child                   —
    northshore · adult          41              32 (Jun 1)      −9.0 days   (table only)

(p: provisional, x: proxy.) The headline series is flagged: Mar 1 estimate, Apr 1 break (the
method changed from then on), Jun 1 provisional.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from test_site import page, text_of

AS_OF = "2026-07-15"
SVG = "{http://www.w3.org/2000/svg}"

PORTAL = """\
schema: 2
title: {en: Groups portal, zh-TW: 分組入口}
organization: Test organization
languages: [en, zh-TW]
periods:
  - {id: cy2026, title: {en: Year 2026, zh-TW: 2026 年度}, start: 2026-01-01, end: 2026-12-31}
"""

OBJECTIVE = """\
id: access
period: cy2026
title: Timely care
owner: Access office
key_results:
  - {id: overall, title: Overall wait, metric: wait, baseline: {date: 2026-01-01, value: 30}, target: {value: 24}}
  - {id: northshore, title: Northshore wait, metric: wait, breakdown: {facility: northshore},
     baseline: {date: 2026-01-01, value: 40}, target: {value: 32}}
  - {id: eastfield-level, title: Eastfield level, type: maintain, metric: wait, breakdown: {facility: eastfield},
     threshold: {max: 21}}
  - {id: counties-kr, title: Counties, type: maintain, metric: counties, threshold: {min: 0}}
  - {id: share-kr, title: Share, type: maintain, metric: share, threshold: {min: 0}}
"""

WAIT_YML = """\
title: {en: Wait for primary care, zh-TW: 基層醫療等候}
unit: days
decimals: 1
frequency: monthly
dimensions:
  facility:
    title: {en: Facility, zh-TW: 院區}
    values:
      northshore: {en: Northshore clinic, zh-TW: 北岸診所}
      eastfield: {en: Eastfield clinic, zh-TW: 東田診所}
      hostile: "<script>alert(1)</script> Hostile <img src=x onerror=alert(2)>"
  age:
    title: Age
    values:
      adult: Adults
      child: Children
"""

WAIT_CSV = """\
date,value,facility,age,flag,note
2026-01-01,30,,,,
2026-02-01,29,,,,
2026-03-01,28,,,estimate,
2026-04-01,27,,,break,
2026-05-01,26,,,,
2026-06-01,25,,,provisional,
2026-08-01,10,,,,
2026-01-01,40,northshore,,,
2026-03-01,35,northshore,,,
2026-06-01,31,northshore,,proxy,
2026-08-01,5,northshore,,,
2026-01-01,20,eastfield,,,
2026-06-01,22,eastfield,,,
2026-02-01,50,hostile,,,
2026-01-01,33,,adult,,
2026-06-01,30,,adult,,
2026-01-01,41,northshore,adult,,
2026-06-01,32,northshore,adult,,
"""

CODES = 100
COUNTIES_YML = ("title: Counties\nunit: \"%\"\ndecimals: 1\nfrequency: monthly\ndimensions:\n  county:\n"
                "    title: County\n    values:\n"
                + "".join(f"      c{i:03d}: {{en: County number {i}, zh-TW: 第 {i} 縣}}\n" for i in range(1, CODES + 1)))
COUNTIES_CSV = "date,value,county\n" + "".join(f"2026-{m:02d}-01,{50 + m}.5,\n" for m in range(1, 7)) + "".join(
    f"2025-{m:02d}-01,{40 + (m * i) % 17}.5,c{i:03d}\n" for i in range(1, CODES + 1) for m in range(1, 13))

FILES = {
    "okrs/objectives/access.yml": OBJECTIVE,
    "okrs/metrics/wait.yml": WAIT_YML,
    "okrs/metrics/wait.csv": WAIT_CSV,
    "okrs/metrics/counties.yml": COUNTIES_YML,
    "okrs/metrics/counties.csv": COUNTIES_CSV,
    "okrs/metrics/share.yml": "title: Share\nunit: \"%\"\nformula: 100 * wait / counties\n",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from conftest import write_portal
    from site_builder.commands.cli import main

    root = write_portal(tmp_path_factory.mktemp("groups"), FILES, PORTAL)
    assert main(["-C", str(root), "build", "--as-of", AS_OF]) == 0
    return root


def _svgs(html: str, kind: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(rf'<svg xmlns="http://www.w3.org/2000/svg" class="okr-chart '
                                                 rf'okr-chart--{kind}".*?</svg>', html, re.S)]


def _lines(svg: ET.Element) -> list[list[tuple[float, float]]]:
    """The observed line's pieces, each as its points."""
    return [[tuple(map(float, p.split(","))) for p in line.get("points").split()]
            for line in svg.iter(f"{SVG}polyline") if line.get("class") == "okr-chart__observed"]


def _rows(table: str) -> dict[str, list[str]]:
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>.*?</tr>", body, re.S):
        cells = [text_of(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def _groups_table(html: str) -> str:
    return html.split('id="groups"', 1)[1].split('id="used-by"', 1)[0]


def _kr(html: str, kr_id: str) -> str:
    return html.split(f'id="kr-{kr_id}"', 1)[1].split('<h3 id="kr-', 1)[0].split('<h2 id="', 1)[0]


# --- small multiples ------------------------------------------------------------------------


@pytest.mark.parametrize("lang, labels", [
    ("", ["Northshore clinic", "Eastfield clinic", "Hostile", "Adults"]),
    ("zh-TW/", ["北岸診所", "東田診所", "Hostile", "Adults"]),
])
def test_each_group_of_each_breakdown_has_a_small_chart_with_its_label(site, lang, labels):
    html = page(site, f"{lang}metrics/wait")
    captions = [text_of(c) for c in re.findall(r"<figcaption>(.*?)</figcaption>", html)]
    assert captions == labels  # no chart for a group without data (Children), none for two dimensions
    charts = _svgs(html, "small")
    assert len(charts) == 4
    # each with a text alternative naming the group and its latest value
    desc = charts[0].find(f"{SVG}desc").text
    assert labels[0] in desc and "31.0" in desc
    assert all(c.get("role") == "img" and c.find(f"{SVG}title").text for c in charts)


def test_a_dimension_with_many_codes_is_capped_and_the_page_stays_small(site):
    from site_builder.render.group_views import MAX_SMALL_CHARTS

    for lang in ("", "zh-TW/"):
        html = page(site, f"{lang}metrics/counties")
        assert len(_svgs(html, "small")) == MAX_SMALL_CHARTS
        assert len(html.encode("utf-8")) < 100_000
        rows = _rows(_groups_table(html))
        assert len(rows) == CODES + 1  # every group is in the table, and the headline
    html = page(site, "metrics/counties")
    assert f"Charts for {MAX_SMALL_CHARTS} of {CODES} groups" in text_of(html)
    # County 1: (40 + m % 17).5 for m = 1..12: 41.5 in January, 52.5 in December 2025.
    assert _rows(_groups_table(html))["County number 1"][:3] == [
        "52.5%", "Dec 1, 2025", "+11.0% (up since Jan 1, 2025)"]


# --- the groups table -------------------------------------------------------------------------


def test_the_groups_table_has_each_groups_latest_value_change_and_targets(site):
    rows = _rows(_groups_table(page(site, "metrics/wait")))
    assert rows["All (headline series)"] == [
        "25.0 days b (Provisional)", "Jun 1, 2026", "−5.0 days (down since Jan 1, 2026); the method changed on Apr 1, 2026",
        "Below target: does not meet the target of Overall wait"]
    assert rows["Northshore clinic"] == [
        "31.0 days a (Proxy)", "Jun 1, 2026", "−9.0 days (down since Jan 1, 2026)",
        "Meets the target of Northshore wait"]
    assert rows["Eastfield clinic"] == [
        "22.0 days", "Jun 1, 2026", "+2.0 days (up since Jan 1, 2026)", "Outside the threshold of Eastfield level"]
    assert rows["Hostile"] == ["50.0 days", "Feb 1, 2026", "One observation only", "—"]
    assert rows["Adults"] == ["30.0 days", "Jun 1, 2026", "−3.0 days (down since Jan 1, 2026)", "—"]
    assert rows["Children"] == ["No observations yet.", "—", "—", "—"]
    assert rows["Northshore clinic · Adults"] == ["32.0 days", "Jun 1, 2026", "−9.0 days (down since Jan 1, 2026)", "—"]
    assert list(rows) == ["All (headline series)", "Northshore clinic", "Eastfield clinic", "Hostile", "Adults",
                          "Children", "Northshore clinic · Adults"]


def test_the_groups_table_in_chinese(site):
    rows = _rows(_groups_table(page(site, "zh-TW/metrics/wait")))
    assert "北岸診所" in rows and "東田診所 · Adults" not in rows and "北岸診所 · Adults" in rows
    assert "達到「Northshore wait」的目標" in rows["北岸診所"][-1]
    assert "自" in rows["北岸診所"][2] and "下降" in rows["北岸診所"][2]


def test_a_hostile_label_is_never_markup(site):
    for lang in ("", "zh-TW/"):
        html = page(site, f"{lang}metrics/wait")
        assert "<script>alert" not in html and "onerror" not in html and "<img src=x" not in html


# --- flags ------------------------------------------------------------------------------------


def test_flagged_values_carry_footnotes_in_the_observations_table(site):
    html = page(site, "metrics/wait")
    table = html.split('id="observations"', 1)[1]
    rows = _rows(table)
    assert rows["Mar 1, 2026"][0] == "28.0 days b (Estimate)"
    assert rows["Apr 1, 2026"][0] == "27.0 days a (Method changed (break))"
    assert rows["Jun 1, 2026"][0] == "25.0 days c (Provisional)"
    assert rows["May 1, 2026"][0] == "26.0 days"
    notes = re.search(r'<ul class="okr-flag-notes"[^>]*>(.*?)</ul>', table, re.S).group(1)
    assert [text_of(li) for li in re.findall(r"<li.*?</li>", notes)] == [
        "a Method changed (break)", "b Estimate", "c Provisional"]
    # the markers link to their notes
    for anchor in re.findall(r'<sup class="okr-flag"><a href="#([^"]+)"', table):
        assert f'id="{anchor}"' in table


def test_flagged_values_carry_footnotes_in_key_result_tables(site):
    kr = _kr(page(site, "objectives/access"), "northshore")
    rows = _rows(kr.split('<details', 1)[1])
    assert rows["Jun 1, 2026"] == ["31.0 days a (Proxy)"]
    assert '<li id="kr-northshore-flag-proxy">' in kr


def test_flagged_points_are_hollow_and_named_in_the_chart(site):
    (chart,) = _svgs(page(site, "metrics/wait"), "series")
    flagged = [c for c in chart.iter(f"{SVG}circle") if "okr-chart__flagged" in c.get("class", "")]
    titles = sorted({c.find(f"{SVG}title").text for c in flagged})
    assert titles == ["Apr 1, 2026: 27.0 days — Method changed (break)", "Jun 1, 2026: 25.0 days — Provisional",
                      "Mar 1, 2026: 28.0 days — Estimate"]
    assert all(c.get("fill") == "none" for c in flagged)
    plain = [c for c in chart.iter(f"{SVG}circle") if c.get("class") == "okr-chart__point"]
    assert len(plain) == 3  # Jan, Feb, May
    assert "Method changed on Apr 1, 2026" in chart.find(f"{SVG}desc").text


def test_a_break_draws_the_line_in_two_pieces_with_a_marker(site):
    html = page(site, "metrics/wait")
    (chart,) = _svgs(html, "series")
    pieces = _lines(chart)
    assert [len(p) for p in pieces] == [3, 3]  # Jan–Mar, then Apr–Jun: nothing joins Mar to Apr
    (marker,) = [e for e in chart.iter(f"{SVG}line") if e.get("class") == "okr-chart__break"]
    assert float(marker.get("x1")) == pieces[1][0][0]  # at the break's date
    assert "Method changed" in [t.text for t in chart.iter(f"{SVG}text")]
    # the key result's chart too
    (kr_chart,) = _svgs(_kr(page(site, "objectives/access"), "overall"), "metric")
    assert [len(p) for p in _lines(kr_chart)] == [3, 3]
    assert any(e.get("class") == "okr-chart__break" for e in kr_chart.iter(f"{SVG}line"))


def test_a_chart_without_a_break_is_one_line(site):
    (chart,) = _svgs(_kr(page(site, "objectives/access"), "northshore"), "metric")
    assert [len(p) for p in _lines(chart)] == [3]


# --- a key result measuring a group -----------------------------------------------------------


def test_a_breakdown_key_results_chart_and_table_use_its_group(site):
    for lang, group in (("", "Northshore clinic"), ("zh-TW/", "北岸診所")):
        kr = _kr(page(site, f"{lang}objectives/access"), "northshore")
        (chart,) = _svgs(kr, "metric")
        assert group in chart.find(f"{SVG}title").text
        points = [c.find(f"{SVG}title").text for c in chart.iter(f"{SVG}circle")
                  if c.get("class", "").startswith("okr-chart__point")]
        assert len(points) == 3 and all(("31.0" in t or "35.0" in t or "40.0" in t) for t in points)
        assert group in text_of(kr.split("</dl>", 1)[0])  # said beside its figures
    kr = _kr(page(site, "objectives/access"), "northshore")
    rows = _rows(kr.split('<details', 1)[1])
    assert list(rows) == ["Jun 1, 2026", "Mar 1, 2026", "Jan 1, 2026"]  # not the headline's, not August's
    assert "Group Northshore clinic" in text_of(kr)


# --- a derived metric -------------------------------------------------------------------------


def test_a_derived_metric_shows_its_formula_linked(site):
    html = page(site, "metrics/share")
    formula = re.search(r'<code class="okr-formula">(.*?)</code>', html, re.S).group(1)
    assert text_of(formula) == "100 * wait / counties"
    assert re.findall(r'<a href="([^"]+)">(\w+)</a>', formula) == [("../wait/", "wait"), ("../counties/", "counties")]
    assert 'download>' in html  # downloads stay


def test_a_metric_without_breakdowns_has_no_groups_section(site):
    assert 'id="groups"' not in page(site, "metrics/share")


def test_long_daily_series_in_many_groups_keep_the_page_under_100_kb(portal, cli):
    from datetime import date, timedelta

    from site_builder.render.group_views import MAX_SMALL_CHARTS

    codes, days = 40, 400
    start = date(2025, 6, 1)
    values = "".join(f"      g{i:02d}: Group {i}\n" for i in range(codes))
    rows = "".join(f"{start + timedelta(days=d)},{(d * (i + 3)) % 97 / 3:.2f},g{i:02d}\n"
                   for i in range(codes) for d in range(days))
    root = portal({
        "okrs/objectives/a.yml": "id: a\nperiod: cy2026\ntitle: A\nowner: B\nkey_results:\n"
                                 "  - {id: k, title: K, type: maintain, metric: daily, threshold: {min: 0}}\n",
        "okrs/metrics/daily.yml": f"title: Daily\nfrequency: daily\ndimensions:\n  g:\n    title: G\n    values:\n{values}",
        "okrs/metrics/daily.csv": "date,value,g\n" + rows,
    }, PORTAL)
    assert cli(root, "build", "--as-of", "2026-07-01").code == 0
    for lang in ("", "zh-TW/"):
        html = page(root, f"{lang}metrics/daily")
        assert len(html.encode("utf-8")) < 100_000
        assert 0 < len(_svgs(html, "small")) <= MAX_SMALL_CHARTS
        assert len(_rows(_groups_table(html))) == codes + 1

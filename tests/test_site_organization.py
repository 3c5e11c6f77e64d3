"""The organization's pages (schema 2, DESIGN.md §5): the unit tree and its counts, a page
per unit, what an objective contributes to and what supports it, rollup key results, the
alignment tree of each period cut into pages, and the home page of a portal with units.
Built for real through the `build` command, in both languages.
"""

from __future__ import annotations

import re

import pytest

from fixtures import PORTAL_YML
from test_site import page, text_of

AS_OF = "2026-07-01"

PORTAL = """\
schema: 2
title: {en: Harbor Valley OKRs, zh-TW: 港谷目標}
organization: Harbor Valley Health
languages: [en, zh-TW]
periods:
  - {id: cy2026, title: {en: Year 2026, zh-TW: 2026 年度}, start: 2026-01-01, end: 2026-12-31}
  - {id: q3-2026, title: {en: Q3 2026, zh-TW: 2026 第三季}, start: 2026-07-01, end: 2026-09-30}
  - {id: cy2025, title: {en: Year 2025, zh-TW: 2025 年度}, start: 2025-01-01, end: 2025-12-31}
"""

ONE_LANGUAGE = """\
schema: 2
title: Harbor Valley OKRs
organization: Harbor Valley Health
periods:
  - {id: cy2026, title: Year 2026, start: 2026-01-01, end: 2026-12-31}
"""

UNITS = """\
- id: system
  title: {en: Harbor Valley Health, zh-TW: 港谷醫療體系}
  lead: {en: Chief Executive, zh-TW: 執行長}
  description: {en: The whole health system., zh-TW: 整個醫療體系。}
- id: hospitals
  parent: system
  title: {en: Hospitals, zh-TW: 醫院}
- id: northshore
  parent: hospitals
  title: {en: Northshore Hospital}
- id: clinics
  parent: system
  title: {en: Community Clinics, zh-TW: 社區診所}
- id: veterans
  parent: system
  title: {en: Veterans Care Network, zh-TW: 退伍軍人照護網}
- id: access-office
  parent: veterans
  title: {en: Office of Access, zh-TW: 就醫可近性辦公室}
"""


def _objective(oid: str, title: str, *, unit: str | None = None, aligns_to: str | None = None,
               period: str = "cy2026", due: str = "2026-09-30", done: str | None = None,
               visibility: str = "public", rollup: bool = False) -> str:
    lines = [f"id: {oid}", f"period: {period}", f"title: {title}", "owner: Someone"]
    if unit:
        lines.append(f"unit: {unit}")
    if aligns_to:
        lines.append(f"aligns_to: {aligns_to}")
    if visibility != "public":
        lines.append(f"visibility: {visibility}")
    lines.append("key_results:")
    if rollup:
        lines += ["  - id: wait", "    title: {en: Shorter waits, zh-TW: 縮短等候}", "    type: rollup"]
    lines += ["  - id: step", "    title: First step", "    type: milestone", f"    due: {due}"]
    if done:
        lines.append(f"    done: {done}")
    return "\n".join(lines) + "\n"


# As of 2026-07-01. A milestone done is achieved (progress 1); one not done is on track up
# to its due date (progress 0) and off track after it.
OBJECTIVES = {
    # z-: listed last by file, shown first on the home page (top-level, the root unit's)
    "okrs/objectives/z-ceo/access.yml": _objective(
        "access", "{en: Care when it is needed, zh-TW: 需要時就有照護}", rollup=True, done="2026-03-01"),
    "okrs/objectives/hospital-access.yml": _objective(
        "hospital-access", "Hospital access", unit="hospitals", aligns_to="access/wait"),
    "okrs/objectives/northshore-beds.yml": _objective(
        "northshore-beds", "Northshore beds", unit="northshore", aligns_to="hospital-access", due="2026-03-01"),
    "okrs/objectives/clinic-hours.yml": _objective(
        "clinic-hours", "Longer clinic hours", unit="clinics", aligns_to="access/wait", done="2026-05-01"),
    "okrs/objectives/clinic-draft.yml": _objective(
        "clinic-draft", "A draft", unit="clinics", aligns_to="access/wait", visibility="draft"),
    "okrs/objectives/vet-access.yml": _objective(
        "vet-access", "Veterans access", unit="veterans", aligns_to="access", due="2026-12-01"),
    "okrs/objectives/office-triage.yml": _objective(
        "office-triage", "Triage line", unit="access-office", aligns_to="vet-access", done="2026-02-01"),
    "okrs/objectives/q3-northshore.yml": _objective(
        "q3-northshore", "Open ten beds", unit="northshore", aligns_to="northshore-beds", period="q3-2026",
        due="2026-08-15"),
    "okrs/objectives/old.yml": _objective(
        "old-goal", "Last year's goal", unit="hospitals", period="cy2025", due="2025-06-30", done="2025-06-01"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from conftest import write_portal
    from site_builder.commands.cli import main

    root = write_portal(tmp_path_factory.mktemp("org"), {"okrs/units.yml": UNITS, **OBJECTIVES}, PORTAL)
    assert main(["-C", str(root), "build", "--as-of", AS_OF]) == 0
    return root


def _counts(fragment: str) -> dict[str, int]:
    """The status counts in words of a tally: {"on_track": 3, …}."""
    return {s: int(n) for s, n in re.findall(r'okr-tally__item--(\w+)">(\d+) ', fragment)}


def _unit_item(html: str, href: str) -> str:
    """The unit tree's line of one unit (up to its sub-units' list)."""
    return html.split(f'href="{href}"', 1)[1].split("\n", 1)[0]


# --- the unit tree ----------------------------------------------------------------------


def test_the_unit_tree_is_nested_lists_with_counts_of_each_subtree(site):
    html = page(site, "units")
    tree = html.split('class="okr-tree okr-tree--units"', 1)[1].split("</main>", 1)[0]
    # Nesting, as written in units.yml: the root, then its children, each inside its parent's item.
    order = re.findall(r'<a class="okr-tree__link" href="([^"]+)"', tree)
    assert order == ["system/", "hospitals/", "northshore/", "clinics/", "veterans/", "access-office/"]
    assert re.search(r'href="hospitals/">Hospitals</a>.*?<ul>\s*<li><a class="okr-tree__link" href="northshore/"',
                     tree, re.S)
    # Hand-computed counts of cy2026, the current period, and of Q3 2026 inside it (each unit's
    # own objectives and its sub-units'; the draft and the 2025 objective are not counted).
    assert _counts(_unit_item(tree, "system/")) == {"achieved": 2, "on_track": 4, "off_track": 1}
    assert _counts(_unit_item(tree, "hospitals/")) == {"on_track": 2, "off_track": 1}
    assert _counts(_unit_item(tree, "northshore/")) == {"on_track": 1, "off_track": 1}  # Q3's beds on track
    assert _counts(_unit_item(tree, "clinics/")) == {"achieved": 1}
    assert _counts(_unit_item(tree, "veterans/")) == {"achieved": 1, "on_track": 1}
    assert _counts(_unit_item(tree, "access-office/")) == {"achieved": 1}
    words = text_of(_unit_item(tree, "system/"))
    assert "Chief Executive · Objectives: 7 — 2 Achieved · 4 On track · 1 Off track" in words


def test_the_unit_tree_in_chinese(site):
    html = page(site, "zh-TW/units")
    words = text_of(html)
    assert "港谷醫療體系 執行長 · 目標：7 個 — 2 已達成 · 4 進度正常 · 1 進度落後" in words
    # An untranslated unit name is shown in the default language, and says so.
    assert '<span lang="en">Northshore Hospital</span>' in html


# --- a unit's page ----------------------------------------------------------------------


def test_a_unit_page_has_lead_parent_sub_units_objectives_and_its_subtree_counts(site):
    html = page(site, "units/hospitals")
    words = text_of(html)
    assert "Part of Harbor Valley Health" in words
    assert '<a href="../system/">Harbor Valley Health</a>' in html  # the parent, linked
    counts = dict(re.findall(r'okr-counts__item--(\w+)[^"]*"><span class="okr-counts__number">(\d+)<',
                             html.split('id="rollup"', 1)[1]))
    assert counts == {"achieved": "0", "on_track": "2", "at_risk": "0", "off_track": "1", "missed": "0",
                      "no_data": "0"}
    assert 'aria-label="Objectives by status"' in html
    sub_units = html.split('id="sub-units"', 1)[1].split("</ul>", 1)[0]
    assert '<a href="../northshore/">Northshore Hospital</a>' in sub_units
    assert _counts(sub_units) == {"on_track": 1, "off_track": 1}
    # Its own objectives as cards, the current period's first, then the others'.
    cards = re.findall(r'okr-card__title"><a href="([^"]+)"', html)
    assert cards == ["../../objectives/hospital-access/", "../../objectives/old-goal/"]
    assert html.index('id="objectives-cy2026"') < html.index('id="objectives-cy2025"')


def test_the_root_unit_page_has_its_lead_and_description(site):
    html = page(site, "units/system")
    words = text_of(html)
    assert "Lead Chief Executive" in words and "The whole health system." in words
    assert "Part of" not in words
    assert re.findall(r'okr-card__title"><a href="([^"]+)"', html) == ["../../objectives/access/"]
    zh = text_of(page(site, "zh-TW/units/system"))
    assert "主管 執行長" in zh and "整個醫療體系。" in zh and "下屬單位" in zh


def test_a_leaf_unit_page_says_it_has_no_sub_units(site):
    words = text_of(page(site, "units/access-office"))
    assert "Part of Harbor Valley Health › Veterans Care Network" in words
    assert "The status of every objective of this unit, counted." in words
    assert "Sub-units" not in words


# --- an objective's organization ----------------------------------------------------------


def test_an_objective_shows_its_unit_and_what_it_contributes_to(site):
    html = page(site, "objectives/hospital-access")
    facts = html.split('class="okr-facts"', 1)[1].split("</dl>", 1)[0]
    assert '<dt>Unit</dt><dd><a href="../../units/hospitals/">Hospitals</a>' in facts
    contributes = facts.split("<dt>Contributes to</dt>", 1)[1].split("</dd>", 1)[0]
    # The parent objective with its status (on track), and the key result named, with its own.
    assert re.match(r'<dd class="okr-contributes"><span class="okr-badge okr-badge--on_track">', contributes)
    assert '<a href="../access/">Care when it is needed</a>' in contributes
    assert re.search(r'Key result: <a href="../access/#kr-wait">Shorter waits</a> <span class="okr-badge '
                     r'okr-badge--on_track">', contributes)
    assert '<a href="../../units/system/">Harbor Valley Health</a>' in contributes
    top = page(site, "objectives/access")
    assert "Contributes to A top-level objective: it contributes to no other." in text_of(top)


def test_an_objective_lists_what_supports_it_grouped_by_key_result(site):
    html = page(site, "objectives/access")
    support = html.split('id="supported-by"', 1)[1].split('id="history"', 1)[0]
    by_kr = support.split('id="supported-kr-wait"', 1)[1].split('id="supported-objective"', 1)[0]
    items = re.findall(r'<li><span class="okr-badge okr-badge--(\w+)">.*?</span></span> <a href="([^"]+)">'
                       r'.*?units/(\w[\w-]*)/', by_kr)
    # The draft aligned to the same key result is not published, so not listed.
    assert items == [("achieved", "../clinic-hours/", "clinics"), ("on_track", "../hospital-access/", "hospitals")]
    as_whole = support.split('id="supported-objective"', 1)[1]
    assert "The objective as a whole" in text_of(as_whole.split("</h3>", 1)[0])
    assert re.search(r'okr-badge--on_track">.*?<a href="../vet-access/">Veterans access</a>', as_whole)
    # Everything below it, whatever the period (the Q3 objective below Northshore's too).
    below = support.split("Everything that supports it", 1)[1].split("</p>", 1)[0]
    assert _counts(below) == {"achieved": 2, "on_track": 3, "off_track": 1}
    assert "clinic-draft" not in html
    leaf = page(site, "objectives/office-triage")
    assert "No objective is aligned to it yet." in text_of(leaf)


def test_a_rollup_key_result_shows_the_progress_of_what_aligns_to_it_and_no_chart(site):
    html = page(site, "objectives/access")
    kr = html.split('id="kr-wait"', 1)[1].split('id="kr-step"', 1)[0]
    words = text_of(kr)
    # p = mean(0, 1) = 50%; e = 181 / 364 days of 2026 = 50%; on track.
    assert "okr-badge--on_track" in kr
    assert "Progress of the 2 objectives aligned to it 50%" in words
    assert "Expected by now 50%" in words
    assert "Roll-up of aligned objectives" in words
    assert "Latest value" not in words and "<svg class=\"okr-chart" not in kr and "okr-figure" not in kr
    assert '<a href="#supported-kr-wait">Objectives aligned to it (2)</a>' in kr
    zh = text_of(page(site, "zh-TW/objectives/access"))
    assert "與其對齊的 2 個目標的進度 50%" in zh and "對齊目標彙總" in zh


def test_a_quarter_objective_contributes_to_the_years(site):
    html = page(site, "objectives/q3-northshore")
    assert '<a href="../northshore-beds/">Northshore beds</a>' in html.split("Contributes to", 1)[1]
    assert '<a href="../../alignment/q3-2026/#o-q3-northshore">Alignment tree: Q3 2026</a>' in html


# --- the alignment tree -------------------------------------------------------------------


def _tree_order(html: str) -> list[str]:
    return re.findall(r'id="o-([\w-]+)"', html)


def test_the_alignment_tree_nests_objectives_under_what_they_contribute_to(site):
    html = page(site, "alignment/cy2026")
    tree = html.split('class="okr-tree okr-tree--alignment"', 1)[1].split("</main>", 1)[0]
    assert _tree_order(tree) == ["access", "clinic-hours", "hospital-access", "northshore-beds", "q3-northshore",
                                 "vet-access", "office-triage"]
    # access > key result "Shorter waits" > hospital access > Northshore beds, nested lists.
    assert re.search(r'id="o-access".*?<ul>\s*<li><span class="okr-tree__kr">Key result: <a href="../../objectives/'
                     r'access/#kr-wait">Shorter waits</a></span> <span class="okr-badge okr-badge--on_track">.*?<ul>\s*<li>'
                     r'<a class="okr-tree__link" id="o-clinic-hours"', tree, re.S)
    assert re.search(r'id="o-northshore-beds"[^\n]*okr-badge--off_track', tree)
    assert re.search(r'id="o-q3-northshore"[^\n]*Q3 2026', tree)  # another period says which
    assert re.search(r'id="o-clinic-hours"[^\n]*okr-badge--achieved[^\n]*units/clinics/', tree)
    assert "clinic-draft" not in html
    assert "okr-pagination" not in html  # one page
    quarter = page(site, "alignment/q3-2026")
    assert _tree_order(quarter) == ["q3-northshore"]
    assert re.search(r'Contributes to <a href="../../objectives/northshore-beds/">Northshore beds</a>', quarter)
    index = text_of(page(site, "alignment"))
    assert "Year 2026 In progress · Objectives: 6" in index and "Q3 2026 In progress · Objectives: 1" in index
    zh = page(site, "zh-TW/alignment/cy2026")
    assert "目標對齊樹：2026 年度" in text_of(zh) and _tree_order(zh) == _tree_order(tree)


def test_the_home_page_puts_the_top_level_objectives_first_and_links_the_trees(site):
    html = page(site, "")
    cards = re.findall(r'okr-card__title"><a href="objectives/([^/]+)/"', html)
    assert cards[0] == "access" and len(cards) == 6
    links = html.split('okr-organization-links">', 1)[1].split("</p>", 1)[0]
    assert re.findall(r'href="([^"]+)"', links) == ["units/", "alignment/cy2026/", "alignment/"]
    zh = page(site, "zh-TW")
    assert "組織單位架構" in text_of(zh) and "目標對齊樹：2026 年度" in text_of(zh)


def test_no_page_is_over_100_kb_and_none_is_in_the_navigation(site):
    for path in (site / "site").rglob("*.html"):
        assert path.stat().st_size < 100_000, path
    home = page(site, "")
    nav = home.split('class="md-nav', 1)[1].split("</nav>", 1)[0]
    assert "units/system/" not in nav and "alignment/cy2026/" not in nav and "objectives/" not in nav


# --- a cut tree ---------------------------------------------------------------------------


def _wide_portal(top: int, per_top: int, depth: int) -> dict[str, str]:
    """``top`` top-level objectives, each with ``per_top`` aligned below it in a chain of
    ``depth`` levels; the first top-level one also has a long chain below it."""
    files = {"okrs/units.yml": "- id: org\n  title: Org\n" + "".join(
        f"- id: team{u}\n  parent: {'org' if u < 4 else f'team{u % 4}'}\n  title: Team {u}\n  lead: Lead {u}\n"
        for u in range(12))}
    for t in range(top):
        files[f"okrs/objectives/t{t:02}.yml"] = _objective(f"t{t:02}", f"Top {t}")
        for c in range(per_top):
            parent = f"t{t:02}" if c % depth == 0 else f"t{t:02}-c{c - 1}"
            files[f"okrs/objectives/t{t:02}-c{c}.yml"] = _objective(f"t{t:02}-c{c}", f"Child {t}.{c}",
                                                                     aligns_to=parent)
    return files


def test_a_large_alignment_tree_is_cut_into_pages_that_each_hold_whole_subtrees(portal, cli, monkeypatch):
    from site_builder.render import organization_views, trees

    # A page's budget made small, so that a small portal makes many pages (the real budget
    # makes pages of about a hundred objectives).
    monkeypatch.setattr(trees, "PAGE_BUDGET", 6_000)
    monkeypatch.setattr(organization_views, "SUPPORTERS_SHOWN", 3)
    root = portal(_wide_portal(top=6, per_top=8, depth=2) | {
        f"okrs/objectives/t00-deep{i}.yml": _objective(f"t00-deep{i}", f"Deep {i}",
                                                        aligns_to="t00" if i == 0 else f"t00-deep{i - 1}")
        for i in range(14)}, ONE_LANGUAGE)
    run = cli(root, "build", "--as-of", AS_OF)
    assert run.code == 0, run.err
    folder = root / "site" / "alignment" / "cy2026"
    pages = [folder / "index.html"] + sorted((folder / "page").glob("*/index.html"), key=lambda p: int(p.parent.name))
    assert len(pages) > 3
    seen: list[str] = []
    for number, path in enumerate(pages, 1):
        html = path.read_text("utf-8")
        seen += _tree_order(html)
        nav = html.split('class="okr-pagination"', 1)[1].split("</nav>", 1)[0]
        assert f'<span aria-current="page">Page {number}</span>' in nav
        assert ('rel="next"' in nav) == (number < len(pages))
        contents = html.split('class="okr-tree-contents"', 1)[1].split("</nav>", 1)[0]
        assert len(re.findall(r"<li>", contents)) == len(pages)
    expected = sorted(["t00", *[f"t{t:02}" for t in range(1, 6)], *[f"t{t:02}-c{c}" for t in range(6) for c in range(8)],
                       *[f"t00-deep{i}" for i in range(14)]])
    assert sorted(seen) == expected  # every objective in full exactly once
    # The long chain below t00 does not fit on a page: its ancestors open the next pages again,
    # saying they continue there, so each page reads from the top of the tree.
    second = pages[1].read_text("utf-8")
    assert re.search(r'href="../../../../objectives/t00/">Top 0</a>.*?\(continued\)', second)
    # Each page of the tree says where it begins and ends.
    first = pages[0].read_text("utf-8")
    assert re.search(r'<span aria-current="page">Page 1</span> <span class="okr-link-list__note">Top 0</span>', first)
    assert re.search(r'<a href="../../">Page 1</a> <span class="okr-link-list__note">Top 0</span>', second)
    # Each objective's page links to the page of the tree that shows it.
    deep = (root / "site" / "objectives" / "t00-deep13" / "index.html").read_text("utf-8")
    href = re.search(r'href="../../alignment/cy2026/([^"]*)#o-t00-deep13"', deep).group(1)
    target = folder / href / "index.html" if href else folder / "index.html"
    assert 'id="o-t00-deep13"' in target.read_text("utf-8")
    # An objective page lists the first of the objectives supporting it; the tree has them all.
    top = text_of((root / "site" / "objectives" / "t00" / "index.html").read_text("utf-8"))
    assert "2 more objectives support it: they are all in the alignment tree." in top
    # The unit tree is cut the same way: the organization opens each page, every unit is
    # shown in full once.
    units = [root / "site" / "units" / "index.html"] + sorted((root / "site" / "units").glob("page_*/index.html"))
    assert len(units) > 1
    lines = [line for path in units for line in path.read_text("utf-8").splitlines() if "okr-tree__link" in line]
    full = [re.search(r'href="[./]*(\w+)/">', line).group(1) for line in lines if "(continued)" not in line]
    assert sorted(full) == sorted(["org", *[f"team{u}" for u in range(12)]])
    assert all("Org</a>" in path.read_text("utf-8") for path in units)


def test_a_tree_of_two_thousand_objectives_makes_pages_under_the_limit(tmp_path):
    """The render stage alone (no engine), at the size of the benchmark: every page of the
    alignment tree leaves room for the theme's ~16 KB under the 100 KB a page may have."""
    from conftest import write_portal
    from site_builder.compute.rules import compute
    from site_builder.render.pages import render_trees
    from site_builder.source.check import check
    from datetime import date

    files = {"okrs/units.yml": "".join(f"- id: u{u}\n  title: Unit number {u} of the organization\n"
                                       + (f"  parent: u{(u - 1) // 5}\n" if u else "") for u in range(60))}
    n = 0
    for t in range(40):  # 40 top-level objectives, four levels below each
        files[f"okrs/objectives/t{t}.yml"] = _objective(f"t{t}", f"Top-level objective number {t} of the year",
                                                        unit=f"u{t % 60}")
        frontier = [f"t{t}"]
        for _ in range(3):
            nxt = []
            for parent in frontier:
                for _ in range(3 if len(frontier) < 9 else 2):
                    n += 1
                    files[f"okrs/objectives/c{n}.yml"] = _objective(
                        f"c{n}", f"A supporting objective with a long-ish title, number {n}",
                        unit=f"u{n % 60}", aligns_to=parent)
                    nxt.append(f"c{n}")
            frontier = nxt
    root = write_portal(tmp_path, files, ONE_LANGUAGE)
    checked = check(root)
    assert not checked.problems
    report = compute(checked.portal, date(2026, 7, 1))
    assert len(report.objectives) > 1_000
    render_trees(report, checked.portal, {"en": tmp_path / "docs"}, workers=1)
    sizes = {p: p.stat().st_size for p in (tmp_path / "docs" / "alignment").rglob("*.md")}
    assert len(sizes) > 5 and max(sizes.values()) < 80_000
    units = {p: p.stat().st_size for p in (tmp_path / "docs" / "units").rglob("*.md")}
    assert max(units.values()) < 80_000


# --- a portal without the organization -----------------------------------------------------


SCHEMA_1_OBJECTIVE = """\
id: only
period: cy2026
title: Only objective
owner: Someone
key_results:
  - {id: step, title: Step, type: milestone, due: 2026-09-30}
"""


def test_a_portal_without_units_or_alignment_has_no_organization_pages(portal, cli, tmp_path):
    """Schema 1, and the same portal as schema 2: the same pages, byte for byte, and none of
    the organization's (only the API document says which schema it is)."""
    docs = {}
    for schema in (1, 2):
        root = portal({"okrs/objectives/only.yml": SCHEMA_1_OBJECTIVE},
                      PORTAL_YML.replace("schema: 1", f"schema: {schema}"))
        assert cli(root, "build", "--as-of", AS_OF).code == 0
        docs[schema] = {p.relative_to(folder).as_posix(): p.read_bytes()  # pages, and the files beside them
                        for folder in (root / ".okr-portal" / "docs", root / ".okr-portal" / "static-files")
                        for p in folder.rglob("*") if p.is_file()}
        assert not (root / "site" / "units").exists() and not (root / "site" / "alignment").exists()
        words = text_of(page(root, "objectives/only"))
        assert "Contributes to" not in words and "Supported by" not in words and "Unit" not in words
    assert set(docs[1]) == set(docs[2])
    assert [p for p in docs[1] if docs[1][p] != docs[2][p]] == ["api/okrs.json"]

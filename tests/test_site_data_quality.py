"""Data quality on the site (schema 2, DESIGN.md §3–§5): "data overdue" beside the status of
key results and on metric pages (never changing the status), verification and limitations,
the data status page, the key indicators page, the API's overdue fields, and a schema 1
portal that shows none of it. Built for real through the `build` command, in both languages.

The portal below, on 2026-08-12 (allowed: interval + lag_days, the lag one more interval
by default; "due": the newest figure's date + allowed, the last day the next is on time):

    metric        frequency  lag   newest       allowed  due          on 2026-08-12
    exact         monthly    10    2026-07-02   41       2026-08-12   on time (exactly)
    one-more      monthly    10    2026-07-01   41       2026-08-11   1 day late (an empty
                                                                      row and a September one
                                                                      do not count)
    default-edge  monthly    —     2026-06-11   62       2026-08-12   on time (exactly)
    default-late  weekly     —     2026-07-01   14       2026-07-15   28 days late
    no-frequency  —          —     2026-01-05   —        —            never overdue
    empty         monthly    —     —            62       —            not overdue: no data
    retired       monthly    —     2025-12-01   62       2026-02-01   192 days late
    late-2025     monthly    —     2025-09-01   62       2025-11-02   283 days late

Key results of the ended 2025 period are judged on the day their status is: 2026-01-01.
Then `retired` was on time (31 days) and `late-2025` already late (122 days > 62).
"""

from __future__ import annotations

import json
import re

import pytest

from fixtures import PORTAL_YML as SCHEMA_1_PORTAL_YML
from test_site import page, text_of

AS_OF = "2026-08-12"

PORTAL = """\
schema: 2
title: {en: Data quality portal, zh-TW: 資料品質}
organization: Test organization
languages: [en, zh-TW]
periods:
  - {id: cy2025, title: {en: Year 2025, zh-TW: 2025 年度}, start: 2025-01-01, end: 2025-12-31}
  - {id: cy2026, title: {en: Year 2026, zh-TW: 2026 年度}, start: 2026-01-01, end: 2026-12-31}
"""

NOW = """\
id: now
period: cy2026
title: {en: Timely figures, zh-TW: 及時的數據}
owner: Data office
key_results:
  - {id: exact-kr, title: Exact, metric: exact, baseline: {date: 2026-01-01, value: 10}, target: {value: 20}}
  - {id: one-more-kr, title: One more day, type: maintain, metric: one-more, threshold: {min: 11}}
  - {id: edge-kr, title: Default lag, type: maintain, metric: default-edge, threshold: {min: 0}}
  - {id: late-kr, title: Weekly and late, type: maintain, metric: default-late, threshold: {min: 0}}
  - {id: nofreq-kr, title: No frequency, type: maintain, metric: no-frequency, threshold: {min: 0}}
  - {id: empty-kr, title: Nothing yet, type: maintain, metric: empty, threshold: {min: 0}}
  - {id: step, title: A step, type: milestone, due: 2026-09-30}
"""

LAST_YEAR = """\
id: last-year
period: cy2025
title: Last year
owner: Data office
key_results:
  - {id: retired-kr, title: Retired, type: maintain, metric: retired, threshold: {min: 0}}
  - {id: late-2025-kr, title: Late in 2025, metric: late-2025, baseline: {date: 2025-01-01, value: 0},
     target: {value: 10}}
"""

DRAFT = """\
id: secret
period: cy2026
title: A draft
owner: Someone
visibility: draft
key_results:
  - {id: s, title: S, type: maintain, metric: secret-kpi, threshold: {min: 0}}
"""

METRICS = {
    "exact": ("title: {en: Exact share, zh-TW: 準時比率}\nunit: \"%\"\ndecimals: 1\nfrequency: monthly\n"
              "lag_days: 10\ndirection: increase\nkpi: {min: 11}\n"
              "verification: {en: Checked by the **audit** team <script>x</script>, zh-TW: 由稽核小組查核}\n"
              "limitations: Leaves out walk-in patients.\n",
              "date,value\n2026-01-01,10\n2026-07-02,12\n"),
    "one-more": ("title: One more\nunit: days\ndecimals: 0\nfrequency: monthly\nlag_days: 10\n"
                 "direction: decrease\nkpi: {max: 5}\n",
                 "date,value\n2026-01-01,10\n2026-07-01,12\n2026-08-01,\n2026-09-01,14\n"),
    "default-edge": ("title: Default edge\nunit: days\ndecimals: 1\nfrequency: monthly\nkpi: {min: 2, max: 5}\n",
                     "date,value\n2026-01-01,4\n2026-06-11,3\n"),
    "default-late": ("title: Default late\nfrequency: weekly\n", "date,value\n2026-06-24,1\n2026-07-01,2\n"),
    "no-frequency": ("title: No frequency\n", "date,value\n2026-01-05,1\n"),
    "empty": ("title: Empty\nfrequency: monthly\nkpi: {min: 1}\n", "date,value\n"),
    "retired": ("title: Retired\nfrequency: monthly\n", "date,value\n2025-01-01,1\n2025-12-01,2\n"),
    "late-2025": ("title: Late in 2025\nfrequency: monthly\n", "date,value\n2025-01-01,0\n2025-09-01,5\n"),
    "secret-kpi": ("title: Secret indicator\nfrequency: monthly\nkpi: {min: 1}\n", "date,value\n2020-01-01,1\n"),
}

FILES = {
    "okrs/objectives/now.yml": NOW,
    "okrs/objectives/last-year.yml": LAST_YEAR,
    "okrs/objectives/secret.yml": DRAFT,
    **{f"okrs/metrics/{m}.yml": meta for m, (meta, _) in METRICS.items()},
    **{f"okrs/metrics/{m}.csv": csv for m, (_, csv) in METRICS.items()},
}

# The data status page's order: the overdue ones, the latest first, then the rest by id.
STATUS_ORDER = ["late-2025", "retired", "default-late", "one-more", "default-edge", "empty", "exact", "no-frequency"]
PER_PAGE = 3  # rows a page in this portal, so that the pages are cut


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from conftest import write_portal
    from site_builder.commands.cli import main
    from site_builder.render import data_quality_pages

    root = write_portal(tmp_path_factory.mktemp("quality"), FILES, PORTAL)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(data_quality_pages, "ROWS_PER_PAGE", PER_PAGE)
        assert main(["-C", str(root), "build", "--as-of", AS_OF]) == 0
    return root


def _kr(html: str, kr_id: str) -> str:
    """A key result's part of an objective page."""
    return html.split(f'id="kr-{kr_id}"', 1)[1].split('<h3 id="kr-', 1)[0].split('<h2 id="', 1)[0]


def _status_of(fragment: str) -> str:
    return re.search(r'okr-badge okr-badge--(\w+)"', fragment).group(1)


def _rows(html: str) -> list[str]:
    """The rows of a page's table, each as its words."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [text_of(row) for row in re.findall(r"<tr>.*?</tr>", body, re.S)]


def _row_ids(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<th scope="row"><a href="[./]*metrics/([^/"]+)/"', body)


# --- the rule at its boundaries, beside the status of key results -------------------------


def test_data_overdue_is_shown_beside_the_status_of_key_results_at_its_boundaries(site):
    html = page(site, "objectives/now")
    overdue = {kr: "okr-overdue" in _kr(html, kr) for kr in
               ("exact-kr", "one-more-kr", "edge-kr", "late-kr", "nofreq-kr", "empty-kr", "step")}
    # Exactly interval + lag days: on time; one more day: overdue; the default lag is one
    # more interval; no frequency, no observation and a milestone: never.
    assert overdue == {"exact-kr": False, "one-more-kr": True, "edge-kr": False, "late-kr": True,
                       "nofreq-kr": False, "empty-kr": False, "step": False}
    one_more = _kr(html, "one-more-kr")
    assert "Data overdue: newest figure Jul 1, 2026; expected by Aug 11, 2026 (1 day late)" in text_of(one_more)
    assert "Data overdue: newest figure Jul 1, 2026; expected by Jul 15, 2026 (28 days late)" in text_of(
        _kr(html, "late-kr"))
    # Words and a shape, never colour alone; the shape is hidden from screen readers.
    mark = one_more.split('class="okr-overdue"', 1)[1].split("</span></span>", 1)[0]
    assert '<svg class="okr-icon"' in mark and 'aria-hidden="true"' in mark and "Data overdue:" in mark


def test_data_overdue_never_changes_the_status(site):
    html = page(site, "objectives/now")
    # Latest 12 of at least 11: achieved, overdue or not; the empty metric's key result has no data.
    assert _status_of(_kr(html, "one-more-kr")) == "achieved"
    assert _status_of(_kr(html, "late-kr")) == "achieved"
    assert _status_of(_kr(html, "empty-kr")) == "no_data"
    last_year = page(site, "objectives/last-year")
    assert _status_of(_kr(last_year, "late-2025-kr")) == "missed"
    doc = json.loads((site / "site/api/okrs.json").read_text("utf-8"))
    statuses = {k["id"]: k["status"] for o in doc["objectives"] for k in o["key_results"]}
    assert statuses["one-more-kr"] == "achieved" and statuses["late-kr"] == "achieved"
    assert statuses["late-2025-kr"] == "missed" and statuses["retired-kr"] == "achieved"


def test_an_ended_period_is_judged_on_the_day_its_statuses_are(site):
    html = page(site, "objectives/last-year")
    # On 2026-01-01 `retired` was 31 days old (on time), `late-2025` 122 (allowed 62).
    assert "okr-overdue" not in _kr(html, "retired-kr")
    assert ("Data overdue: newest figure Sep 1, 2025; expected by Nov 2, 2025 (60 days late)"
            in text_of(_kr(html, "late-2025-kr")))
    # Its metric page judges the metric on the as-of date.
    assert "Data overdue: newest figure Dec 1, 2025; expected by Feb 1, 2026 (192 days late)" in text_of(
        page(site, "metrics/retired"))


def test_cards_say_data_overdue_beside_the_objectives_status(site):
    home = page(site, "")
    card = home.split('href="objectives/now/"', 1)[1].split("</li>", 1)[0]
    assert "okr-overdue" in card and "Data overdue" in text_of(card)
    # beside the objective's own status (the worst of its key results': off track), not instead of it
    assert 'okr-card okr-card--off_track' in home.split('href="objectives/now/"', 1)[0].rsplit("<li", 1)[1]
    assert "Off track" in text_of(card)
    assert "資料逾期" in text_of(page(site, "zh-TW").split('href="objectives/now/"', 1)[1].split("</li>", 1)[0])


# --- metric pages ---------------------------------------------------------------------------


def test_a_metric_page_shows_verification_limitations_and_timeliness(site):
    html = page(site, "metrics/exact")
    words = text_of(html)
    assert re.search(r'<h2 id="verification">Verification', html)
    section = html.split('id="verification"', 1)[1].split("<h2", 1)[0]
    assert "Checked by the <strong>audit</strong> team" in section and "<script" not in section  # sanitized
    assert re.search(r'<h2 id="limitations">Limitations', html) and "Leaves out walk-in patients." in words
    # Exactly on its last day: on time, and says until when.
    assert "Timeliness On time: next figure expected by Aug 12, 2026" in words
    assert "Which way is better Higher is better" in words
    assert "Key indicator at least 11.0% · Inside the band · Key indicators" in words
    assert 'href="../../indicators/"' in html
    late = text_of(page(site, "metrics/one-more"))
    assert "Timeliness Data overdue: newest figure Jul 1, 2026; expected by Aug 11, 2026 (1 day late)" in late
    assert "Key indicator at most 5 days · Outside the band" in late and "Lower is better" in late
    assert "No frequency given: never overdue" in text_of(page(site, "metrics/no-frequency"))
    empty = page(site, "metrics/empty")
    assert "Timeliness" not in text_of(empty) and "okr-band--" not in empty  # nothing to judge
    zh = text_of(page(site, "zh-TW/metrics/exact"))
    assert "資料查核" in zh and "由稽核小組查核" in zh and "資料限制" in zh and "越高越好" in zh
    assert "如期：下一筆數據應於 2026年8月12日 前公布" in zh


def test_a_metric_without_the_new_keys_shows_no_empty_sections(site):
    html = page(site, "metrics/retired")
    assert 'id="verification"' not in html and 'id="limitations"' not in html
    article = text_of(html.split("<article", 1)[1].split("</article>", 1)[0])  # the nav names the indicators
    assert "Which way is better" not in article and "Key indicator" not in article


# --- the data status page -----------------------------------------------------------------


def test_the_data_status_page_lists_every_published_metric_overdue_ones_first(site):
    pages = [page(site, "data/status"), page(site, "data/status/page/2"), page(site, "data/status/page/3")]
    ids = [i for html in pages for i in _row_ids(html)]
    assert ids == STATUS_ORDER  # the draft's metric is not published
    first = pages[0]
    assert "4 of 8 metrics overdue, as of Aug 12, 2026." in text_of(first)
    rows = dict(zip(STATUS_ORDER, [r for html in pages for r in _rows(html)]))
    assert rows["late-2025"] == "Late in 2025 Monthly Sep 1, 2025 Data overdue expected by Nov 2, 2025 (283 days late)"
    assert rows["one-more"] == "One more Monthly Jul 1, 2026 Data overdue expected by Aug 11, 2026 (1 day late)"
    assert rows["exact"] == "Exact share Monthly Jul 2, 2026 On time: next figure expected by Aug 12, 2026"
    assert rows["default-edge"] == "Default edge Monthly Jun 11, 2026 On time: next figure expected by Aug 12, 2026"
    assert rows["empty"] == "Empty Monthly No observations yet. —"
    assert rows["no-frequency"] == "No frequency — Jan 5, 2026 No frequency given: never overdue"
    # An accessible table: a caption, column and row headers; each metric links to its page.
    assert "<caption>Data status</caption>" in first and '<th scope="col">Timeliness</th>' in first
    assert 'href="../../metrics/late-2025/"' in first
    assert 'rel="next"' in first and 'href="page/2/"' in first
    zh = page(site, "zh-TW/data/status")
    assert "截至 2026年8月12日，8 項指標中有 4 項資料逾期。" in text_of(zh)
    assert "資料逾期 應於 2025年11月2日 前更新（逾期 283 天）" in _rows(zh)[0]


def test_the_data_status_page_is_linked_from_the_open_data_page_the_metrics_index_and_the_nav(site):
    assert 'href="status/"' in page(site, "data")
    metrics = page(site, "metrics")
    assert 'href="../data/status/"' in metrics and 'href="../indicators/"' in metrics
    index = text_of(metrics)
    assert "One more Last updated Jul 1, 2026 · Data overdue" in index
    assert "Exact share Last updated Jul 2, 2026 " in index and "Jul 2, 2026 · Data overdue" not in index
    home = page(site, "")
    links = re.findall(r'href="([^"]+)">([^<]+)</a>', home.split('id="periods"', 1)[1])
    assert ("indicators/", "Key indicators") in links and ("data/status/", "Data status") in links
    for url, labels in (("", ("Key indicators", "Data status")), ("zh-TW/", ("關鍵指標", "資料更新狀態"))):
        nav = re.search(r'<nav class="md-tabs".*?</nav>', page(site, url), re.S).group(0)
        tabs = [t.strip() for t in re.findall(r'class="md-tabs__link[^"]*">\s*([^<]+?)\s*<', nav)]
        metrics_tab = tabs.index("Metrics" if not url else "指標")
        assert tabs[metrics_tab + 1: metrics_tab + 3] == list(labels)
        assert "page/2" not in nav and "page_2" not in nav


# --- the key indicators page ----------------------------------------------------------------


def test_the_key_indicators_page_shows_each_band_and_where_the_latest_value_stands(site):
    pages = [page(site, "indicators"), page(site, "indicators/page_2")]
    ids = [i for html in pages for i in _row_ids(html)]
    assert ids == ["default-edge", "empty", "exact", "one-more"]  # by id; the draft's indicator is not there
    rows = dict(zip(ids, [r for html in pages for r in _rows(html)]))
    assert rows["exact"] == "Exact share at least 11.0% 12.0% ( Jul 2, 2026 ) Inside the band Higher is better"
    assert rows["one-more"] == ("One more at most 5 days 12 days ( Jul 1, 2026 ) Data overdue Outside the band "
                                "Lower is better")
    assert rows["default-edge"] == "Default edge between 2.0 and 5.0 days 3.0 days ( Jun 11, 2026 ) Inside the band —"
    assert rows["empty"] == "Empty at least 1 No observations yet. — —"
    # Inside and outside are words and a shape, never colour alone.
    first = pages[0]
    assert re.search(r'okr-band--inside"><svg class="okr-icon"[^>]*aria-hidden="true".*?Inside the band', first)
    assert 'href="../metrics/exact/"' in first and "Figures as of Aug 12, 2026" in text_of(first)
    zh = [page(site, "zh-TW/indicators"), page(site, "zh-TW/indicators/page_2")]
    zh_rows = [r for html in zh for r in _rows(html)]
    assert "介於 2.0 與 5.0 days 之間" in zh_rows[0] and "在區間內" in zh_rows[0]
    assert "至少 11.0%" in zh_rows[2] and "越高越好" in zh_rows[2]
    assert "至多 5 days" in zh_rows[3] and "在區間外" in zh_rows[3] and "越低越好" in zh_rows[3]


def test_the_draft_indicator_is_published_nowhere(site):
    for path in (site / "site").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".csv", ".xml"):
            assert "secret-kpi" not in path.read_text("utf-8") and "Secret indicator" not in path.read_text("utf-8")


def test_every_page_is_under_100_kb(site):
    for path in (site / "site").rglob("*.html"):
        assert path.stat().st_size < 100_000, path


# --- the API --------------------------------------------------------------------------------


def test_the_api_says_which_key_results_and_metrics_are_overdue(site):
    doc = json.loads((site / "site/api/okrs.json").read_text("utf-8"))
    krs = {k["id"]: k["data_overdue"] for o in doc["objectives"] for k in o["key_results"]}
    assert krs == {"exact-kr": False, "one-more-kr": True, "edge-kr": False, "late-kr": True, "nofreq-kr": False,
                   "empty-kr": False, "step": False, "retired-kr": False, "late-2025-kr": True}
    metrics = {m["id"]: m["overdue"] for m in doc["metrics"]}
    assert metrics == {"default-edge": False, "default-late": True, "empty": False, "exact": False,
                       "late-2025": True, "no-frequency": False, "one-more": True, "retired": True}
    assert (site / "site/zh-TW/api/okrs.json").read_bytes() == (site / "site/api/okrs.json").read_bytes()


# --- a schema 1 portal ----------------------------------------------------------------------


def test_a_schema_1_portal_shows_none_of_it(portal, cli):
    """An old figure of a monthly metric would be overdue in schema 2: a schema 1 portal's site
    has no mark, no new page, no new navigation entry and no new key in its API document."""
    root = portal({
        "okrs/objectives/a.yml": NOW.replace("exact-kr, title: Exact, metric: exact", "exact-kr, title: Exact, "
                                             "metric: plain").split("  - {id: one-more-kr")[0],
        "okrs/metrics/plain.yml": "title: Plain\nunit: days\nfrequency: monthly\n",
        "okrs/metrics/plain.csv": "date,value\n2026-01-01,10\n2026-02-01,12\n",
    }, portal_yml=SCHEMA_1_PORTAL_YML)
    run = cli(root, "build", "--as-of", AS_OF)
    assert run.code == 0, run.err
    site = root / "site"
    assert not (site / "data/status").exists() and not (site / "indicators").exists()
    for path in site.rglob("*.html"):
        html = path.read_text("utf-8")
        assert "okr-overdue" not in html and "okr-band" not in html, path
        assert "Data overdue" not in html and "Data status" not in html and "Timeliness" not in html, path
    nav = re.search(r'<nav class="md-tabs".*?</nav>', page(root, ""), re.S).group(0)
    tabs = [t.strip() for t in re.findall(r'class="md-tabs__link[^"]*">\s*([^<]+?)\s*<', nav)]
    assert tabs == ["Dashboard", "Periods", "Metrics", "Owners", "Tags", "Changes", "Open data"]
    doc = json.loads((site / "api/okrs.json").read_text("utf-8"))
    assert list(doc) == ["schema", "as_of", "objectives"] and doc["schema"] == 1
    assert list(doc["objectives"][0]["key_results"][0]) == ["id", "type", "status", "progress", "score",
                                                           "expected", "current"]


def test_the_data_quality_pages_are_cut_so_that_none_grows_with_the_portal(portal):
    """120 overdue key indicators with long titles: pages of 50 rows, each far from the budget
    (the theme adds about 20 KB around a page's own markup)."""
    from datetime import date

    from site_builder.commands.build import WORK_DIR, generate

    count = 120
    files = {"okrs/objectives/many.yml": "id: many\nperiod: cy2026\ntitle: Many\nowner: Someone\nkey_results:\n" + "".join(
        f"  - {{id: k{n}, title: K {n}, type: maintain, metric: m-{n:04d}, threshold: {{min: 0}}}}\n"
        for n in range(count))}
    for n in range(count):
        files[f"okrs/metrics/m-{n:04d}.yml"] = (f"title: {'A long indicator title that goes on ' * 3}{n}\n"
                                               "unit: per 1,000 patient days\ndecimals: 2\nfrequency: daily\n"
                                               "direction: decrease\nkpi: {min: 1000.5, max: 2000.25}\n")
        files[f"okrs/metrics/m-{n:04d}.csv"] = f"date,value\n2026-01-{1 + n % 28:02d},{1500 + n}\n"
    root = portal(files, portal_yml=PORTAL)
    generate(root, date(2026, 8, 12), root / "site")
    docs = root / WORK_DIR / "docs"
    for folder, pages in (("data/status", ["data/status.md", "data/status/page/2.md", "data/status/page/3.md"]),
                          ("indicators", ["indicators/index.md", "indicators/page_2.md", "indicators/page_3.md"])):
        assert [p for p in pages if (docs / p).is_file()] == pages, folder
        assert not (docs / pages[-1].replace("3", "4")).exists()
        for p in pages:
            assert (docs / p).stat().st_size < 60_000, p
    status = (docs / "data/status.md").read_text("utf-8")
    assert status.count("okr-overdue__label") == 50  # every one overdue, 50 a page

"""The public site, built for real with mkdocs from the demo portal and from bare portals."""

from __future__ import annotations

import html.parser
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from conftest import REPO

AS_OF = "2026-11-24"


def copy_demo(dest: Path, with_site_config: bool = True) -> Path:
    shutil.copytree(REPO / "okrs", dest / "okrs")
    if with_site_config:
        shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
        shutil.copytree(REPO / "theme", dest / "theme")
    return dest


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    from site_builder.commands.cli import main

    root = copy_demo(tmp_path_factory.mktemp("demo"))
    assert main(["-C", str(root), "build", "--as-of", AS_OF]) == 0
    return root


def page(root: Path, url_path: str) -> str:
    return (root / "site" / url_path / "index.html").read_text("utf-8")


def text_of(html_text: str) -> str:
    """The visible words of a page, whitespace collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html_text, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).replace("&nbsp;", " ").split())


def test_home_shows_the_current_period_and_its_status_counts(demo_site):
    home = page(demo_site, "")
    assert "Current period: Calendar year 2026" in text_of(home)
    # The 32 public key results of 2026 (the quarter's are Q4 2026's), counted from the demo files.
    counts = dict(re.findall(r'okr-counts__item--(\w+)[^"]*"><span class="okr-counts__number">(\d+)<', home))
    assert counts == {"achieved": "10", "on_track": "10", "at_risk": "6", "off_track": "5", "missed": "0",
                      "no_data": "1"}
    # Every 2026 objective is a card with words for its status, and none of 2025's.
    cards = re.findall(r'<li class="okr-card okr-card--(\w+)">\s*<h3 class="okr-card__title"><a href="([^"]+)"', home)
    assert ("off_track", "objectives/veteran-access/") in cards
    assert len(cards) == 10
    assert "objectives/safer-care-2025/" not in home
    assert 'okr-counts__item--missed okr-counts__item--empty"' in home  # a zero is dimmed, still shown


def test_objective_page_shows_key_results_with_status_values_and_confidence(demo_site):
    objective = page(demo_site, "objectives/veteran-access")
    words = text_of(objective)
    assert "Timely care, close to home, for every veteran" in words
    # Primary-care wait: 21 -> 14 days, latest 17.9 on 2026-10-01: off track, while
    # the owner's last check-in (2026-11-10) says on track. Both are shown.
    kr = objective.split('id="kr-primary-care-wait"', 1)[1].split('id="kr-mental-health-wait"', 1)[0]
    assert re.search(r'okr-badge--off_track">.*?Off track', kr, re.S)
    assert re.search(r'Owner&#39;s confidence \(Nov 10, 2026\):</span> <span class="okr-badge okr-badge--on_track', kr)
    kr_words = text_of(kr)
    assert "Baseline 21.0 days (Jan 1, 2026)" in kr_words
    assert "Target 14.0 days (Dec 31, 2026)" in kr_words
    assert "Latest value 17.9 days (Oct 1, 2026)" in kr_words
    assert "44%" in kr_words  # progress 3.1 / 7
    assert "We expect Northshore to bring the wait under 15 days by December." in kr_words


def test_charts_have_text_alternatives_and_data_tables(demo_site):
    objective = page(demo_site, "objectives/veteran-access")
    kr = objective.split('id="kr-primary-care-wait"', 1)[1].split('id="kr-mental-health-wait"', 1)[0]
    svg = re.search(r"<svg[^>]*class=\"okr-chart[^\"]*\"[^>]*>.*?</svg>", kr, re.S).group(0)
    assert 'role="img"' in svg
    ids = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
    for element_id in ids:
        assert f'id="{element_id}"' in svg
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1)
    assert "17.9 days" in desc and "Off track" in desc and "14.0 days" in desc
    for css_class in ("okr-chart__observed", "okr-chart__expected", "okr-chart__baseline", "okr-chart__target"):
        assert css_class in svg
    # The numbers behind the chart, newest first: October 2026 is 17.9 days.
    table = re.search(r"<table class=\"okr-table.*?</table>", kr, re.S).group(0)
    assert re.search(r"<th scope=\"row\">Oct 1, 2026</th><td>17.9 days</td>", table)
    assert table.count("<tr>") == 1 + 10  # header + Jan..Oct 2026 within the baseline..as-of window


def test_metric_page_has_series_table_source_and_download(demo_site):
    metric = page(demo_site, "metrics/wait-new-primary-care")
    words = text_of(metric)
    assert "New-patient wait, primary care" in words
    assert "Last updated Oct 1, 2026" in words
    assert "Illustrative data — Harbor Valley Veterans Care Network" in words
    assert "Average number of days" in words
    assert 'class="okr-chart okr-chart--series' in metric
    # The CSV's header is date,clinic,value,flag,note: the headline rows have no clinic.
    csv_rows = [row.split(",") for row in
                (REPO / "okrs/metrics/wait-new-primary-care.csv").read_text().strip().splitlines()[1:]]
    headline = [row for row in csv_rows if not row[1]]
    observations = metric.split('id="observations"', 1)[1]
    assert observations.count('<th scope="row">') == len(headline)  # every observation up to the as-of date
    assert 'href="../../data/wait-new-primary-care.csv"' in metric
    download = (demo_site / "site/data/wait-new-primary-care.csv").read_text()
    assert download.splitlines()[0] == "date,value,note,clinic,flag"
    assert "2026-10-01,17.9,,," in download
    # Every row of the file is in the download: the headline's and each clinic's.
    assert len(download.strip().splitlines()) == 1 + len(csv_rows)
    assert "2026-10-01,9.4,First full month of the Northshore clinic,northshore,provisional" in download


def test_api_is_the_twin_of_status_json(demo_site, cli):
    run = cli(demo_site, "status", "--json", "--as-of", AS_OF)
    assert run.code == 0
    assert (demo_site / "site/api/okrs.json").read_text("utf-8") == run.out
    objective = page(demo_site, "objectives/veteran-access")
    assert 'href="../../api/okrs.json"' in objective


def test_ended_period_page_lists_final_scores(demo_site):
    period = page(demo_site, "periods/cy2025")
    words = text_of(period)
    assert "Calendar year 2025" in words and "Ended" in words and "Final scores" in words
    assert re.search(r'okr-card--missed">\s*<h3 class="okr-card__title"><a href="../../objectives/safer-care-2025/"',
                     period)


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


class _Times(html.parser.HTMLParser):
    """Every <time> element's datetime and text, and the document's own <title> (not an SVG's)."""

    def __init__(self):
        super().__init__()
        self.times: list[tuple[str | None, str]] = []
        self.title: str | None = None
        self._in: str | None = None
        self._text = ""
        self._datetime = None
        self._head = True

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self._head = False
        if tag == "time" or (tag == "title" and self._head and self.title is None):
            self._in, self._text, self._datetime = tag, "", dict(attrs).get("datetime")

    def handle_data(self, data):
        if self._in:
            self._text += data

    def handle_endtag(self, tag):
        if tag == self._in == "time":
            self.times.append((self._datetime, self._text))
        elif tag == self._in == "title":
            self.title = self._text
        if tag == self._in:
            self._in = None


def _times(path: Path) -> _Times:
    parser = _Times()
    parser.feed(path.read_text("utf-8"))
    return parser


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def test_time_elements_hold_iso_dates_and_show_the_formatted_date(demo_site):
    site = demo_site / "site"
    kinds: dict[str, int] = {}
    for path in site.rglob("*.html"):
        rel = path.relative_to(site).as_posix()
        for datetime_value, text in _times(path).times:
            assert datetime_value and ISO_DAY.fullmatch(datetime_value), (rel, datetime_value, text)
            assert text.strip() and not ISO_DAY.fullmatch(text.strip()), (rel, text)  # the date as people read it
            kind = "/".join(rel.split("/")[:2 if rel.startswith("zh-TW/") else 1])
            kinds[kind] = kinds.get(kind, 0) + 1
    # on every kind of page that shows dates, in both languages
    for kind in ("index.html", "objectives", "metrics", "zh-TW/index.html", "zh-TW/objectives", "zh-TW/metrics"):
        assert kinds.get(kind), (kind, kinds)
    # the check-in, "Last updated" and "As of" as each language writes them, ISO in datetime
    en = _times(site / "objectives/veteran-access/index.html").times
    zh = _times(site / "zh-TW/objectives/veteran-access/index.html").times
    assert ("2026-11-10", "Nov 10, 2026") in en and ("2026-11-10", "2026年11月10日") in zh  # a check-in
    assert ("2026-11-24", "Nov 24, 2026") in en and ("2026-11-24", "2026年11月24日") in zh  # as of
    assert ("2026-10-01", "Oct 1, 2026") in _times(site / "metrics/wait-new-primary-care/index.html").times
    assert ("2026-10-01", "2026年10月1日") in _times(site / "zh-TW/metrics/wait-new-primary-care/index.html").times


def test_the_home_page_title_is_the_portal_title_alone(demo_site):
    site = demo_site / "site"
    assert _times(site / "index.html").title == "Harbor Valley Health — Our Commitments"
    assert _times(site / "zh-TW/index.html").title == "港谷醫療體系 — 我們的承諾"
    # other pages: the page, then the portal
    assert _times(site / "objectives/veteran-access/index.html").title == \
        "Timely care, close to home, for every veteran - Harbor Valley Health — Our Commitments"
    assert _times(site / "zh-TW/periods/index.html").title.endswith(" - 港谷醫療體系 — 我們的承諾")


def test_every_internal_link_resolves(demo_site):
    site = demo_site / "site"
    broken = []
    for path in site.rglob("*.html"):
        parser = _Links()
        parser.feed(path.read_text("utf-8"))
        base = "http://site/" + path.relative_to(site).as_posix()
        for link in parser.links:
            url = urlparse(urljoin(base, link))
            if url.netloc != "site":
                continue
            target = site / url.path.lstrip("/")
            if not (target.is_file() or (target / "index.html").is_file()):
                broken.append(f"{path.relative_to(site)} -> {link}")
    assert broken == []


def test_navigation_lists_only_index_pages(demo_site):
    home = page(demo_site, "")
    nav = re.search(r'<nav class="md-tabs".*?</nav>', home, re.S).group(0)
    assert "objectives/" not in nav and "metrics/wait" not in nav
    for label in ("Dashboard", "Periods", "Metrics", "Owners", "Tags", "Open data"):
        assert label in nav


def test_owner_and_tag_indexes(demo_site):
    owners = page(demo_site, "owners")
    assert "Chief People Officer" in text_of(owners)
    tag = page(demo_site, "tags/veterans")
    assert "objectives/veteran-access/" in tag


def test_search_index_holds_objectives(demo_site):
    index = json.loads((demo_site / "site/search/search_index.json").read_text("utf-8"))
    titles = " ".join(doc["title"] for doc in index["docs"])
    assert "Timely care, close to home, for every veteran" in titles


def test_no_requests_to_other_hosts(demo_site):
    for path in (demo_site / "site").rglob("*.html"):
        text = path.read_text("utf-8")
        for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", text):
            if re.search(r'rel="(canonical|alternate)"', tag):
                continue  # names the page's public address; browsers fetch nothing
            assert not re.search(r'(src|href)="(https?:)?//', tag), (path, tag)


def test_portal_with_only_okrs_builds_with_packaged_defaults(tmp_path, cli):
    root = copy_demo(tmp_path, with_site_config=False)
    run = cli(root, "build", "--as-of", AS_OF)
    assert run.code == 0, run.err
    home = page(root, "")
    assert 'href="assets/stylesheets/okr-portal.css"' in home
    assert (root / "site/assets/stylesheets/okr-portal.css").is_file()
    assert "<title>Harbor Valley Health — Our Commitments" in home


def test_rebuild_rewrites_only_changed_docs(tmp_path):
    from datetime import date

    from site_builder.commands.build import generate

    root = copy_demo(tmp_path)
    as_of = date.fromisoformat(AS_OF)
    first = generate(root, as_of, root / "site")
    assert len(first.changed) > 40
    assert generate(root, as_of, root / "site").changed == []
    csv_path = root / "okrs/metrics/telehealth-share.csv"
    csv_path.write_text(csv_path.read_text().replace("2026-10-01,25.6", "2026-10-01,25.9"))
    changed = set(generate(root, as_of, root / "site").changed)
    assert {"metrics/telehealth-share.md", "data/telehealth-share.csv", "api/okrs.json",
            "objectives/veteran-access.md"} <= changed
    assert "objectives/patient-safety.md" not in changed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def _wait_for(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    return None


def test_serve_previews_and_reloads_when_okrs_change(tmp_path):
    root = copy_demo(tmp_path)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/objectives/veteran-access/"
    server = subprocess.Popen(
        [sys.executable, "-m", "site_builder", "-C", str(root), "serve", "--as-of", AS_OF,
         "--dev-addr", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        first = _wait_for(lambda: _get(url), 60)
        assert first and "Timely care, close to home" in first
        objective = root / "okrs/objectives/cy2026/veteran-access.yml"
        objective.write_text(objective.read_text("utf-8").replace(
            "Timely care, close to home, for every veteran", "Care within reach for every veteran"), "utf-8")
        updated = _wait_for(lambda: (_get(url) or "") if "Care within reach" in (_get(url) or "") else None, 60)
        assert updated, "the preview did not pick up the change to okrs/"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_previews_the_language_asked_for(tmp_path):
    root = copy_demo(tmp_path)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/objectives/veteran-access/"
    url = f"http://127.0.0.1:{port}/zh-TW/objectives/veteran-access/"  # where it is in the built site
    log = tmp_path / "serve.log"  # a file, not a pipe: the engine's server writes a lot
    with open(log, "w") as err:
        server = subprocess.Popen(
            [sys.executable, "-m", "site_builder", "-C", str(root), "serve", "--as-of", AS_OF,
             "--dev-addr", f"127.0.0.1:{port}", "--lang", "zh-TW"], stdout=subprocess.DEVNULL, stderr=err)
    try:
        page = _wait_for(lambda: _get(url), 60)
        assert page and '<html lang="zh-TW"' in page and "2026年" in page
        index = json.loads(_get(f"http://127.0.0.1:{port}/zh-TW/search/search_index.json"))
        words = " ".join(doc["text"] for doc in index["docs"])
        # The Chinese site's own index, its words split with the Traditional word list (see test_i18n).
        assert "\u200b縮短\u200b候診\u200b時間\u200b" in words
    finally:
        server.terminate()  # as a process manager stops it: the engine's server stops too
        server.wait(timeout=20)
    assert "previewing zh-TW (--lang en for the other languages" in log.read_text()
    assert _wait_for(lambda: _get(url) is None, 10), "the engine's server outlived okr-portal serve"


def test_serve_says_which_languages_there_are(tmp_path, capsys):
    from site_builder.commands.cli import main

    root = copy_demo(tmp_path)
    assert main(["-C", str(root), "serve", "--as-of", AS_OF, "--lang", "fr"]) == 2
    assert "the portal has no language 'fr'; okrs/portal.yml lists en, zh-TW" in capsys.readouterr().err


def wait_objective(baseline: float, target: float) -> str:
    """One objective with one metric key result on the metric 'wait', for bare portals."""
    return f"""\
id: a
period: cy2026
title: Shorter waits
owner: Access team
key_results:
  - id: wait
    title: Daily wait
    metric: wait
    baseline: {{date: 2026-01-01, value: {baseline}}}
    target: {{value: {target}}}
"""


def test_long_series_table_is_capped_and_the_csv_holds_every_row(portal, cli):
    from datetime import date, timedelta

    start = date(2026, 1, 1)
    rows = "".join(f"{start + timedelta(days=i)},{100 - i * 0.1:.1f}\n" for i in range(150))
    root = portal({
        "okrs/objectives/a.yml": wait_objective(baseline=100, target=50),
        "okrs/metrics/wait.csv": "date,value\n" + rows,
    })
    assert cli(root, "build", "--as-of", "2026-12-31").code == 0
    metric = page(root, "metrics/wait")
    assert metric.count('<th scope="row">') == 120
    assert '<th scope="row">May 30, 2026</th>' in metric  # the newest row first: day 150
    assert "The latest 120 of 150 rows" in text_of(metric)
    assert len((root / "site/data/wait.csv").read_text().splitlines()) == 1 + 150
    objective = page(root, "objectives/a")
    assert objective.count('<th scope="row">') == 24
    assert "The latest 24 of 150 observations" in text_of(objective)
    index = (root / "site/search/search_index.json").read_text("utf-8")
    assert "Feb 15, 2026" in metric and "Feb 15, 2026" not in index  # tables stay out of the search index


def test_parallel_rendering_gives_the_same_files(monkeypatch, tmp_path):
    from datetime import date

    from site_builder.render import pages as render
    from site_builder.compute.rules import compute
    from site_builder.source.check import check

    def tree(folder):
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    checked = check(REPO)
    report = compute(checked.portal, date.fromisoformat(AS_OF))
    lang = report.settings.default_language
    render.render_trees(report, checked.portal, {lang: tmp_path / "serial"}, workers=1)
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)  # the demo is small: force the workers
    render.render_trees(report, checked.portal, {lang: tmp_path / "parallel"}, workers=2)
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")


def test_download_csv_round_trips_notes_with_commas_quotes_and_line_breaks(portal, cli):
    import csv
    import io

    root = portal({
        "okrs/objectives/a.yml": wait_objective(baseline=30, target=20),
        "okrs/metrics/wait.csv": 'date,value,note\n2026-01-01,30,\n2026-02-01,29.5,"a, ""quoted""\nnote"\n'
                                 "2026-03-01,,outage\n2026-12-01,21,after the as-of date\n",
    })
    assert cli(root, "build", "--as-of", "2026-11-24").code == 0
    rows = list(csv.reader(io.StringIO((root / "site/data/wait.csv").read_text("utf-8"))))
    assert rows == [["date", "value", "note"], ["2026-01-01", "30", ""],
                    ["2026-02-01", "29.5", 'a, "quoted"\nnote'], ["2026-03-01", "", "outage"]]

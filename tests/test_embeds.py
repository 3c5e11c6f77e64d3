"""Embeds, badges, share and cite (DESIGN.md §5): for every public key result a chrome-less
embed page and a standalone chart SVG, for every objective a status badge SVG, and on each key
result of the objective page a "Share and cite" block (collapsed) with the permalink, the embed
code, the figure as a sentence with its date, and a suggested citation. None of these files is
in the site's navigation or its sitemap, and all of them work without JavaScript.

Built for real through the `build` command, in both languages, with and without a base_url.
"""

from __future__ import annotations

import html
import html.parser
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from test_site import page, text_of

AS_OF = "2026-06-01"
SVG = "{http://www.w3.org/2000/svg}"

PORTAL = """\
schema: 2
title: {en: Harbor Valley Health — Our Commitments, zh-TW: 港谷醫療體系 — 我們的承諾}
organization: {en: Harbor Valley Health (fictional), zh-TW: 港谷醫療體系（虛構）}
languages: [en, zh-TW]
base_url: https://okrs.example.org/
periods:
  - {id: fy2026, title: {en: Fiscal year 2026, zh-TW: 2026 會計年度}, start: 2025-10-01, end: 2026-09-30}
"""

TIMELY = """\
id: timely
period: fy2026
title: {en: Timely access, zh-TW: 及時就醫}
owner: Access office
key_results:
  - id: on-time
    title: {en: Raise on-time performance to 88 %, zh-TW: 準時率提升至 88 %}
    metric: on-time
    baseline: {date: 2025-10-01, value: 80}
    target: {value: 88}
  - {id: answered, title: Keep calls answered, type: maintain, metric: answered, threshold: {min: 80}}
  - {id: clinic, title: Open the clinic, type: milestone, due: 2026-06-30, done: 2026-05-02}
"""

HOSTILE = """\
id: hostile
period: fy2026
title: 'Hostile `<script>alert(1)</script>` & "quotes"'  # code: its words stay
owner: Someone
key_results:
  - id: wait
    title: '`<script>alert(2)</script>` Waits & "more"'
    metric: on-time
    baseline: {date: 2025-10-01, value: 80}
    target: {value: 88}
"""

FILES = {
    "okrs/objectives/timely.yml": TIMELY,
    "okrs/objectives/hostile.yml": HOSTILE,
    "okrs/metrics/on-time.yml": "title: {en: On-time performance, zh-TW: 準時率}\nunit: \"%\"\ndecimals: 1\n",
    "okrs/metrics/on-time.csv": "date,value\n2025-10-01,80\n2026-01-01,82\n2026-03-01,84.2\n",
    "okrs/metrics/answered.yml": "title: Calls answered\nunit: \"%\"\ndecimals: 1\n",
    "okrs/metrics/answered.csv": "date,value\n2025-11-01,85\n2026-03-01,91\n",
}

EMBED = "embed/timely/on-time/index.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from conftest import write_portal
    from site_builder.commands.cli import main

    root = write_portal(tmp_path_factory.mktemp("embeds"), FILES, PORTAL)
    assert main(["-C", str(root), "build", "--as-of", AS_OF]) == 0
    return root


@pytest.fixture(scope="module")
def local_site(tmp_path_factory):
    """The same portal without a base_url: links are relative."""
    from conftest import write_portal
    from site_builder.commands.cli import main

    portal = PORTAL.replace("base_url: https://okrs.example.org/\n", "")
    root = write_portal(tmp_path_factory.mktemp("embeds-local"), FILES, portal)
    assert main(["-C", str(root), "build", "--as-of", AS_OF]) == 0
    return root


class _Tags(html.parser.HTMLParser):
    """Every start tag of a page with its attributes, and the text of each <title>, <code>, <dd>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.texts: dict[str, list[str]] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("title", "code", "dd", "summary", "h1"):
            self._open.append(tag)
            self.texts.setdefault(tag, []).append("")

    def handle_endtag(self, tag):
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data):
        for tag in self._open:
            self.texts[tag][-1] += data


def parse(markup: str) -> _Tags:
    parser = _Tags()
    parser.feed(markup)
    return parser


def _read(root: Path, rel: str) -> str:
    return (root / "site" / rel).read_text("utf-8")


def _share(objective_html: str, kr_id: str) -> str:
    """A key result's "Share and cite" block on its objective page."""
    part = objective_html.split(f'id="kr-{kr_id}"', 1)[1].split('<h3 id="kr-', 1)[0]
    return re.search(r'<details class="okr-details okr-share".*?</details>', part, re.S).group(0)


# --- the embed page ---------------------------------------------------------------------


def test_the_embed_page_is_chrome_less_with_chart_status_value_date_and_link_back(site):
    embed = _read(site, EMBED)
    assert embed.startswith("<!DOCTYPE html>")
    for chrome in ("md-header", "md-nav", "md-footer", "md-sidebar", "<script", "<nav"):
        assert chrome not in embed, chrome
    tags = parse(embed)
    assert ("html", {"lang": "en"}) in tags.tags
    assert tags.texts["title"][0] == ("Raise on-time performance to 88 % — Timely access — "
                                      "Harbor Valley Health — Our Commitments")  # then the chart's
    # Its own light and dark palettes, in a stylesheet beside it (no page of the site has a <style>).
    assert "<style" not in embed and ("link", {"rel": "stylesheet", "href": "../../okr-embed.css"}) in tags.tags
    assert "@media (prefers-color-scheme:dark)" in (site / "site/embed/okr-embed.css").read_text("utf-8")
    # Its objective's link-preview card, and its own status in words.
    metas = {attrs.get("property") or attrs.get("name"): attrs.get("content") for tag, attrs in tags.tags
             if tag == "meta"}
    assert metas["twitter:card"] == "summary_large_image" and metas["og:description"].startswith("Status: On track.")
    assert metas["og:image"] == "https://okrs.example.org/cards/timely.png"  # absolute, with base_url
    assert (site / "site/cards/timely.png").is_file()
    # The site's own favicon, so that a browser does not ask the server for /favicon.ico.
    icon = next(attrs["href"] for tag, attrs in tags.tags if tag == "link" and attrs.get("rel") == "icon")
    assert (site / "site" / EMBED).parent.joinpath(icon).resolve().is_file(), icon
    words = text_of(embed)
    assert "On track" in words  # status in words, beside its shape
    assert 'class="okr-icon"' in embed
    assert "Latest value 84.2% (Mar 1, 2026)" in words
    assert "Figures as of Jun 1, 2026" in words
    assert '<time datetime="2026-06-01">' in embed
    # the same chart as the objective page's
    chart = re.search(r"<svg xmlns.*?</svg>", embed, re.S).group(0)
    assert chart in _read(site, "objectives/timely/index.html")
    assert 'role="img"' in chart and "<title" in chart
    back = [a for tag, a in tags.tags if tag == "a"]
    assert back == [{"href": "https://okrs.example.org/objectives/timely/#kr-on-time", "target": "_top"}]
    assert ("link", {"rel": "canonical", "href": "https://okrs.example.org/objectives/timely/#kr-on-time"}) in tags.tags


def test_the_embed_page_of_each_language_speaks_it(site):
    embed = _read(site, "zh-TW/" + EMBED)
    assert '<html lang="zh-TW">' in embed
    words = text_of(embed)
    assert "進度正常" in words and "準時率提升至 88 %" in words
    assert "https://okrs.example.org/zh-TW/objectives/timely/#kr-on-time" in embed
    assert "md-nav" not in embed and "<script" not in embed


def test_every_public_key_result_has_an_embed_page_and_milestones_have_one_too(site):
    for lang in ("", "zh-TW/"):
        for objective, kr in (("timely", "on-time"), ("timely", "answered"), ("timely", "clinic"),
                              ("hostile", "wait")):
            assert (site / "site" / f"{lang}embed/{objective}/{kr}/index.html").is_file(), (lang, kr)
            assert (site / "site" / f"{lang}charts/{objective}/{kr}.svg").is_file(), (lang, kr)
    milestone = text_of(_read(site, "embed/timely/clinic/index.html"))
    assert "Achieved" in milestone and "Done May 2, 2026" in milestone


def test_without_a_base_url_the_links_are_relative(local_site):
    embed = _read(local_site, EMBED)
    assert 'href="../../../objectives/timely/#kr-on-time"' in embed
    assert "canonical" not in embed
    share = _share(_read(local_site, "objectives/timely/index.html"), "on-time")
    assert 'href="./#kr-on-time"' in share
    assert "&lt;iframe src=&#34;../../embed/timely/on-time/&#34;" in share


# --- the standalone SVGs -------------------------------------------------------------------


def _svg(root: Path, rel: str) -> ET.Element:
    text = _read(root, rel)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')
    return ET.fromstring(text.encode("utf-8"))  # well-formed XML


def test_the_chart_svg_stands_alone(site):
    svg = _svg(site, "charts/timely/on-time.svg")
    assert svg.tag == f"{SVG}svg" and svg.get("role") == "img"
    assert svg.get("width") == "640" and svg.get("height")
    assert svg[0].tag == f"{SVG}title"  # its accessible name first
    assert svg[0].text == "Chart: Raise on-time performance to 88 %"
    style = svg.find(f"{SVG}style").text
    assert ".okr-chart__observed" in style and "prefers-color-scheme:dark" in style  # styles inline
    assert "Status: On track." in svg.find(f"{SVG}desc").text
    zh = _svg(site, "zh-TW/charts/timely/on-time.svg")
    assert "準時率提升至 88 %" in zh[0].text


def test_the_badge_svg_says_the_status_in_words_with_a_shape(site):
    svg = _svg(site, "badges/timely.svg")
    assert svg.get("role") == "img"
    assert svg[0].tag == f"{SVG}title" and svg[0].text == "Timely access: On track"
    assert svg.get("aria-labelledby") == svg[0].get("id")
    assert [t.text for t in svg.iter(f"{SVG}text")] == ["On track"]  # words, not colour alone
    assert svg.find(f"{SVG}g").find(f"{SVG}circle") is not None  # and the on-track shape (a disc)
    assert "prefers-color-scheme:dark" in svg.find(f"{SVG}style").text
    zh = _svg(site, "zh-TW/badges/timely.svg")
    assert zh[0].text == "及時就醫的狀態：進度正常" and zh.get("lang") == "zh-TW"


# --- share and cite on the objective page ------------------------------------------------


def test_each_key_result_has_a_closed_share_and_cite_block(site):
    objective = _read(site, "objectives/timely/index.html")
    share = _share(objective, "on-time")
    tags = parse(share)
    assert tags.tags[0] == ("details", {"class": "okr-details okr-share", "data-search-exclude": None})  # closed
    assert tags.texts["summary"] == ["Share and cite"]
    dd = tags.texts["dd"]
    assert dd[0] == "https://okrs.example.org/objectives/timely/#kr-on-time"
    assert ("a", {"href": "https://okrs.example.org/objectives/timely/#kr-on-time"}) in tags.tags
    assert 'id="kr-on-time"' in objective  # the anchor the permalink names
    assert dd[1] == "On-time performance was 84.2% on Mar 1, 2026; target 88.0% by Sep 30, 2026"
    assert dd[2] == ("Harbor Valley Health (fictional). 'Timely access: Raise on-time performance to 88 %.' "
                     "Harbor Valley Health — Our Commitments, retrieved Jun 1, 2026, "
                     "https://okrs.example.org/objectives/timely/#kr-on-time")
    # the embed code is shown as code: escaped, so the page shows it and runs none of it
    assert "<iframe" not in share
    assert tags.texts["code"] == [
        '<iframe src="https://okrs.example.org/embed/timely/on-time/" title="Raise on-time performance to 88 % — '
        'Harbor Valley Health (fictional)" width="100%" height="560" style="border:0"></iframe>']
    links = [a["href"] for tag, a in tags.tags if tag == "a"]
    assert links[1:] == ["../../embed/timely/on-time/", "../../charts/timely/on-time.svg", "../../badges/timely.svg"]
    for href in links[1:]:  # each file is there, relative to the page's folder
        assert (site / "site/objectives/timely" / href.rstrip("/")).exists(), href


def test_the_sentence_of_each_kind_of_key_result(site):
    objective = _read(site, "objectives/timely/index.html")
    assert parse(_share(objective, "answered")).texts["dd"][1] == \
        "Calls answered was 91.0% on Mar 1, 2026; threshold at least 80.0%"
    assert parse(_share(objective, "clinic")).texts["dd"][1] == "Open the clinic: due Jun 30, 2026; done May 2, 2026"
    assert "okr-share" in objective and objective.count('<details class="okr-details okr-share"') == 3


def test_share_and_cite_in_chinese(site):
    objective = _read(site, "zh-TW/objectives/timely/index.html")
    tags = parse(_share(objective, "on-time"))
    assert tags.texts["summary"] == ["分享與引用"]
    dd = tags.texts["dd"]
    assert dd[0] == "https://okrs.example.org/zh-TW/objectives/timely/#kr-on-time"
    assert dd[1] == "準時率於2026年3月1日為 84.2%；目標為2026年9月30日前達到 88.0%"
    assert dd[2] == ("港谷醫療體系（虛構）。〈及時就醫: 準時率提升至 88 %〉。港谷醫療體系 — 我們的承諾，"
                     "2026年6月1日擷取，https://okrs.example.org/zh-TW/objectives/timely/#kr-on-time")
    assert 'src="https://okrs.example.org/zh-TW/embed/timely/on-time/"' in tags.texts["code"][0]


# --- out of the navigation and the sitemap -----------------------------------------------


def test_none_of_these_files_is_in_the_navigation_or_the_sitemap(site):
    for lang in ("", "zh-TW/"):
        objective = _read(site, f"{lang}objectives/timely/index.html")
        navs = re.findall(r'<nav class="md-(?:nav|tabs)[^"]*".*?</nav>', objective, re.S)
        assert navs
        for nav in navs:
            assert not re.search(r'href="[^"]*(?:embed|charts|badges)/', nav)
        sitemap = _read(site, f"{lang}sitemap.xml")
        assert "objectives/timely/" in sitemap
        assert not re.search(r"/(?:embed|charts|badges)/", sitemap)
        assert "embed/" not in _read(site, f"{lang}search/search_index.json")


# --- a hostile title ------------------------------------------------------------------------


def test_a_hostile_title_is_escaped_everywhere(site):
    for lang in ("", "zh-TW/"):
        files = {rel: _read(site, f"{lang}{rel}") for rel in
                 ("embed/hostile/wait/index.html", "charts/hostile/wait.svg", "badges/hostile.svg")}
        files["share"] = _share(_read(site, f"{lang}objectives/hostile/index.html"), "wait")
        for name, text in files.items():
            assert "<script" not in text, (lang, name)
            assert "&lt;script&gt;alert(" in text, (lang, name)  # shown as words
        # the embed code is text that is HTML: its iframe's title escaped, then all of it for the page
        assert "title=&#34;&amp;lt;script&amp;gt;alert(2)&amp;lt;/script&amp;gt; Waits &amp;amp;" in files["share"]
        for rel in ("charts/hostile/wait.svg", "badges/hostile.svg"):
            ET.fromstring(files[rel].encode("utf-8"))  # still well-formed
        parse(files["embed/hostile/wait/index.html"])
    badge = _svg(site, "badges/hostile.svg")
    assert badge[0].text == 'Hostile <script>alert(1)</script> & "quotes": On track'
    embed = parse(_read(site, "embed/hostile/wait/index.html"))
    assert embed.texts["h1"] == ['<script>alert(2)</script> Waits & "more"']


# --- ids cannot clash with these folders -------------------------------------------------


def test_the_folders_cannot_take_a_language_or_an_id():
    """A language code is two or three letters (then subtags), so it is never embed/, charts/
    or badges/; every id names a file or folder inside them, never the folders themselves."""
    from site_builder.render import share_views
    from site_builder.source.validate import RESERVED_NAMES

    language = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    for folder in ("embed", "charts", "badges"):
        assert not language.match(folder)
    assert share_views.embed_doc("index", "index") == "embed/index/index/index.html"
    assert share_views.chart_doc("index", "index") == "charts/index/index.svg"
    assert share_views.badge_doc("index") == "badges/index.svg"
    assert not {"embed", "charts", "badges"} & set(RESERVED_NAMES["language"][1])

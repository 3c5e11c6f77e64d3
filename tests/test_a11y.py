"""Accessibility of the built demo site in a real browser (issue 6).

Headless Debian Chromium, driven by Playwright, loads every kind of page from a local
HTTP server in every language of the portal, light and dark palettes, at 320 px and
desktop widths, and axe-core checks it against WCAG 2.1 A and AA (and axe's best
practices). Beside axe: the keyboard alone (skip link, visible focus, search, the
palette switch, the data tables), charts announced by their text alternatives, pages
complete with JavaScript off, no request to another host (nor a failed one, nor a
console error), and the page-weight budget.

Needs the `playwright` package (the test extra), Chromium at /usr/bin/chromium (or
$CHROME_PATH) and axe-core in tests/browser/node_modules (`make test` runs
`npm ci --prefix tests/browser`). Without them the suite is skipped, and fails when
CI=true.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from pathlib import Path

import pytest

from browser.harness import (
    AXE_JS, CHROMIUM, CHROMIUM_ARGS, PAGE_KINDS, REPO, StaticServer, build_demo, language_prefix, languages,
)

LANGS = languages(REPO)
PALETTES = {"light": "light", "dark": "dark"}  # prefers-color-scheme; mkdocs.yml maps it to default / slate
SCHEMES = {"light": "default", "dark": "slate"}
WIDTHS = {"320": {"width": 320, "height": 640}, "1280": {"width": 1280, "height": 800}}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# axe's best practices beside WCAG (dialog names, heading order…): Lighthouse's score counts them.
AXE_EXTRA_TAGS = ["best-practice"]
BUDGET = 150 * 1000  # bytes transferred: the HTML plus the CSS and JS it loads
SEARCH_WORD = "veteran"


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium is missing at {CHROMIUM} (apt-get install chromium)"
    if not AXE_JS.is_file():
        return f"axe-core is missing at {AXE_JS} (npm ci --prefix tests/browser)"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser suite cannot run in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    return tmp_path_factory.mktemp("a11y") / "portal"


@pytest.fixture(scope="session")
def server(browser, demo):
    """The demo, built for and served at http://127.0.0.1:<port>/ (its base_url)."""
    with StaticServer(demo / "site") as srv:
        build_demo(demo, base_url=srv.url)
        yield srv


@pytest.fixture(scope="session")
def contexts(browser):
    """``contexts(palette, width, js=True, axe=False)``: one browser context for each
    setting, made once and reused (a page per context, navigated test by test)."""
    made = {}

    def get(palette: str = "light", width: str = "1280", js: bool = True, axe: bool = False):
        key = (palette, width, js, axe)
        if key not in made:
            context = browser.new_context(viewport=WIDTHS[width], color_scheme=PALETTES[palette],
                                          java_script_enabled=js, reduced_motion="reduce")
            if axe:
                context.add_init_script(path=str(AXE_JS))
            context.new_page()
            made[key] = context
        return made[key]

    yield get
    for context in made.values():
        context.close()


def url_of(server, demo: Path, kind: str, lang: str) -> str:
    if lang != LANGS[0] and not (demo / "site" / lang).is_dir():
        pytest.skip(f"the site has no {lang}/ pages (yet)")
    return server.url + language_prefix(demo, lang) + PAGE_KINDS[kind]


def open_page(context, url: str, kind: str, palette: str = "light", js: bool = True):
    """Load url in the context's page and wait until it is settled: palette applied,
    search results shown, no transition running."""
    page = context.pages[0]
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
    if js:
        page.wait_for_function("s => document.body.dataset.mdColorScheme === s", arg=SCHEMES[palette])
        if kind == "search":
            # The meta line says "Initializing search" (in the page's language) until
            # the index is loaded, then how many documents matched.
            initial = re.search(r'md-search-result__meta">\s*(.*?)\s*<', response.text(), re.S).group(1)
            page.wait_for_function(
                "initial => { const t = document.querySelector('.md-search-result__meta').textContent.trim();"
                " return t && t !== initial; }", arg=initial, polling=50)
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))")
    return page


# --- axe-core: WCAG 2.1 A and AA, every kind of page, language, palette and width ----------------------------


def _axe_report(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} axe violation(s) on {url}:"]
    for v in violations:
        kind = "WCAG 2.1 A/AA" if set(v["tags"]) & set(AXE_TAGS) else "best practice"
        lines.append(f"- {v['id']} ({kind}, {v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:8]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {' > '.join(map(str, node['target']))}: {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("palette", PALETTES)
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_axe_finds_no_wcag21_aa_violations(kind, lang, palette, width, server, demo, contexts):
    url = url_of(server, demo, kind, lang)
    page = open_page(contexts(palette, width, axe=True), url, kind, palette)
    assert page.evaluate("document.body.dataset.mdColorScheme") == SCHEMES[palette]
    if kind == "search" and lang == LANGS[0]:
        assert page.locator(".md-search-result__item").count() > 0, "the search showed no results"
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS + AXE_EXTRA_TAGS)
    assert results["violations"] == [], _axe_report(url, results["violations"])


# --- keyboard ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", [k for k in PAGE_KINDS if k != "search"])
def test_first_tab_is_a_visible_skip_link_to_the_content(kind, lang, width, server, demo, contexts):
    url = url_of(server, demo, kind, lang)
    page = open_page(contexts("light", width), url, kind)
    page.keyboard.press("Tab")
    link = page.evaluate("""() => { const a = document.activeElement, r = a.getBoundingClientRect(),
        s = getComputedStyle(a);
        return {tag: a.tagName, href: a.getAttribute('href') || '', text: a.textContent.trim(),
                visible: r.width > 1 && r.height > 1 && r.bottom > 0 && r.top < innerHeight
                         && s.opacity !== '0' && s.visibility === 'visible'}; }""")
    assert link["tag"] == "A" and link["href"].startswith("#") and link["text"], link
    assert link["visible"], f"the skip link is not visible when focused: {link}"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    in_content = page.evaluate("!!document.activeElement.closest('.md-content')")
    assert in_content, "after the skip link, Tab should reach the page's content, not the navigation"


_FOCUS_STYLE = """el => {
  const parts = [el];
  if (el.tagName === 'INPUT') parts.push(...el.labels, ...el.parentElement.querySelectorAll('label'),
                                        el.form || el.parentElement);
  return parts.map(e => { const s = getComputedStyle(e);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor, s.borderColor,
            s.color, s.textDecorationLine].join('|'); }).join(' / ');
}"""


FOCUS_CASES = [(kind, "light", width) for kind in PAGE_KINDS if kind != "search" for width in WIDTHS]
FOCUS_CASES += [(kind, "dark", width) for kind in ("home", "objective") for width in WIDTHS]


@pytest.mark.parametrize("kind, palette, width", FOCUS_CASES, ids=["-".join(case) for case in FOCUS_CASES])
def test_every_focus_stop_is_visible(kind, palette, width, server, demo, contexts):
    """Tab through the whole page: each element that takes focus is on screen and
    looks different focused than unfocused (outline, shadow, colours)."""
    page = open_page(contexts(palette, width), url_of(server, demo, kind, LANGS[0]), kind, palette)
    stops, problems = [], []
    for n in range(400):
        page.keyboard.press("Tab")
        info = page.evaluate("""async style => { const el = document.activeElement;
            if (!el || el === document.body) return null;
            if (el.dataset.okrStop) return {again: true};
            el.dataset.okrStop = String(document.querySelectorAll('[data-okr-stop]').length);
            await new Promise(done => setTimeout(done, 0));
            if (el.closest('.md-search'))  // Material opens the search a frame later
              await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
            await Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)));
            const r = el.getBoundingClientRect(), s = getComputedStyle(el);
            let target = el;  // a visually hidden input (Material's palette switch) shows focus on its label
            if (el.tagName === 'INPUT' && (r.width <= 1 || r.height <= 1 || s.opacity === '0')) {
              target = [...el.labels, ...el.parentElement.querySelectorAll('label')]
                .find(l => l.getBoundingClientRect().width > 1) || el; }
            const t = target.getBoundingClientRect(), ts = getComputedStyle(target);
            return {id: el.dataset.okrStop, desc: el.outerHTML.replace(/\\s+/g, " ").replace(/ data-(focus-visible-added|okr-stop)="[^"]*"/g, "").slice(0, 110),
                    onscreen: t.width > 1 && t.height > 1 && t.right > 0 && t.left < innerWidth
                              && t.bottom > 0 && t.top < innerHeight && ts.visibility === 'visible'
                              && Number(ts.opacity) > 0.1,
                    style: (new Function('return ' + style))()(el)}; }""", _FOCUS_STYLE)
        if info is None or info.get("again"):
            break
        if not info["onscreen"]:
            problems.append(f"focused but not on screen: {info['desc']}")
        stops.append(info)
    assert len(stops) >= 5, f"only {len(stops)} focus stops on the page"
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); "
                  "const s = document.getElementById('__search'); if (s) s.checked = false; }")
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))")
    for stop in stops:
        unfocused = page.evaluate(f"style => (new Function('return ' + style))()"
                                  f"(document.querySelector('[data-okr-stop=\"{stop['id']}\"]'))", _FOCUS_STYLE)
        if unfocused == stop["style"]:
            problems.append(f"no visible focus indicator: {stop['desc']}")
    assert problems == [], "\n".join(problems)


def test_search_works_with_the_keyboard_alone(server, demo, contexts):
    page = open_page(contexts("light", "1280"), server.url, "home")
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('input.md-search__input')"):
            break
    else:
        pytest.fail("Tab never reached the search box")
    page.keyboard.type(SEARCH_WORD)
    page.wait_for_selector(".md-search-result__item")
    page.keyboard.press("ArrowDown")
    href = page.evaluate("document.activeElement.closest('.md-search-result__item') ? "
                         "document.activeElement.href : null")
    assert href, "ArrowDown should move through the results"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.split("#")[0] == href.split("#")[0]


def _tab_to(page, selector: str, limit: int) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{limit} presses of Tab never reached {selector}")


def test_data_tables_open_with_the_keyboard(server, demo, contexts):
    page = open_page(contexts("light", "1280"), server.url + PAGE_KINDS["objective"], "objective")
    _tab_to(page, "details.okr-details > summary", 200)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.parentElement.open")
    page.keyboard.press("Tab")  # the table itself, a focusable region that scrolls on narrow screens
    assert page.evaluate("document.activeElement.matches('.okr-table-wrap[role=region][aria-label]')")


@pytest.mark.parametrize("width, columns", [("320", 1), ("1280", 2)])
def test_small_multiples_are_a_grid_that_is_one_column_on_a_phone(server, demo, contexts, width, columns):
    """The theme's rule must win over Material's list rules (``.md-typeset ul:not([hidden])``)."""
    page = open_page(contexts("light", width), server.url + PAGE_KINDS["map"], "map")
    layout = page.evaluate("""() => { const grid = document.querySelector('.okr-small-multiples');
        const s = getComputedStyle(grid);
        return [s.display, s.gridTemplateColumns.split(' ').length,
                grid.querySelector('svg').getBoundingClientRect().width, grid.getBoundingClientRect().right]; }""")
    assert layout[0] == "grid" and layout[1] == columns, layout
    # The charts fit: none wider than the screen allows, and the grid does not reach past its edge.
    assert layout[2] <= (300 if width == "320" else 500) and layout[3] <= int(width), layout


def test_palette_switch_works_with_the_keyboard(server, browser):
    context = browser.new_context(viewport=WIDTHS["1280"])
    try:
        page = context.new_page()
        page.goto(server.url)
        _tab_to(page, "input.md-option", 10)
        page.keyboard.press("Enter")  # Material's switch: Enter moves to the next palette
        page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
        page.keyboard.press("Enter")
        page.wait_for_function("document.body.dataset.mdColorScheme === 'default'")
    finally:
        context.close()


# --- charts, JavaScript off, requests ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["home", "objective", "metric", "period"])
def test_charts_are_announced_by_their_text_alternatives(kind, server, demo, contexts):
    """Chromium's own accessibility tree: every chart is an image whose name is its
    title and description (and decorative SVG stays out of the tree)."""
    context = contexts("light", "1280")
    page = open_page(context, server.url + PAGE_KINDS[kind], kind)
    cdp = context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        charts = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": ".md-content svg"})["nodeIds"]
        announced = 0
        for node_id in charts:
            ax = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node_id, "fetchRelatives": False})["nodes"][0]
            html_text = cdp.send("DOM.getOuterHTML", {"nodeId": node_id})["outerHTML"]
            if ax.get("ignored"):
                assert 'role="img"' not in html_text[:400], f"a chart is hidden from assistive technology: {html_text[:200]}"
                continue
            name = ax.get("name", {}).get("value", "")
            assert ax["role"]["value"] == "image", html_text[:200]
            assert name.strip(), f"an SVG image without a name: {html_text[:200]}"
            for part in ("title", "desc"):
                m = re.search(rf"<{part}[^>]*>(.*?)</{part}>", html_text, re.S)
                if m and 'class="okr-chart' in html_text[:300]:
                    words = " ".join(re.sub(r"<[^>]+>", "", m.group(1)).split())
                    words = words.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'")
                    words = words.replace("&quot;", '"')
                    assert words[:60] in " ".join(name.split()), f"{part} not announced: {words[:60]!r} not in {name!r}"
            if 'class="okr-chart' in html_text[:300]:
                announced += 1
    finally:
        cdp.detach()
    if kind in ("objective", "metric"):
        assert announced > 0, "no chart found on the page"


_CONTENT = """() => { const a = document.querySelector('.md-content article') || document.querySelector('.md-content');
  return {text: a.innerText.replace(/\\s+/g, ' ').trim(),
          badges: [...a.querySelectorAll('.okr-badge')].map(b => b.textContent.replace(/\\s+/g, ' ').trim()),
          cells: [...a.querySelectorAll('table th, table td')].map(c => c.textContent.trim()),
          charts: a.querySelectorAll('svg.okr-chart').length,
          nav: [...document.querySelectorAll('.md-tabs a, .md-nav--primary a')].length}; }"""


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", [k for k in PAGE_KINDS if k != "search"])
def test_pages_are_complete_without_javascript(kind, lang, server, demo, contexts):
    url = url_of(server, demo, kind, lang)
    with_js = open_page(contexts("light", "1280"), url, kind).evaluate(_CONTENT)
    without = open_page(contexts("light", "1280", js=False), url, kind, js=False).evaluate(_CONTENT)
    assert without["badges"] == with_js["badges"]
    assert without["cells"] == with_js["cells"]
    assert without["charts"] == with_js["charts"]
    assert without["text"] == with_js["text"]
    assert without["nav"] > 0
    if kind in ("home", "objective", "period"):
        assert without["badges"], "no key-result statuses on the page"
    if kind in ("objective", "metric"):
        assert without["cells"] and without["charts"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_request_leaves_the_local_server_and_none_fails(kind, lang, server, demo, browser):
    """Every request while the page loads (scripts, the search index, the search
    worker's) goes to the site's own server, and gets an answer: no 404s, no errors
    in the console (Lighthouse's best-practices score counts them)."""
    url = url_of(server, demo, kind, lang)
    context = browser.new_context(viewport=WIDTHS["1280"])
    elsewhere, seen, failed, errors = [], [], [], []

    def route(r):
        if r.request.url.startswith(server.url):
            r.continue_()
        else:
            elsewhere.append(r.request.url)
            r.abort()

    try:
        context.route("**/*", route)
        context.on("request", lambda request: seen.append(request.url))
        context.on("response", lambda response: response.status >= 400
                   and failed.append(f"HTTP {response.status} {response.url}"))
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url, wait_until="networkidle")
        if kind == "search" and lang == LANGS[0]:
            page.wait_for_selector(".md-search-result__item")
    finally:
        context.close()
    elsewhere += [u for u in seen if not u.startswith((server.url, "data:", "blob:"))]
    assert len(seen) > 3
    assert sorted(set(elsewhere)) == [], "requests to other hosts"
    assert failed == [], "failed requests (Material fetches sitemap.xml beside each <link rel=alternate>)"
    assert errors == [], "errors in the console"


# --- page weight ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["home", "objective"])
def test_page_weight_budget(kind, server, browser):
    """Home and objective pages transfer under 150 KB, counting the HTML and every
    style sheet and script the page loads (the search worker too), gzip as served."""
    context = browser.new_context(viewport=WIDTHS["320"])
    loaded = []
    try:
        context.on("requestfinished", lambda r: loaded.append((r.resource_type, r.url)))
        page = context.new_page()
        page.goto(server.url + PAGE_KINDS[kind], wait_until="networkidle")
    finally:
        context.close()
    counted = raw = sent = all_sent = 0
    for kind_of, url in loaded:
        path = "/" + url[len(server.url):].split("?")[0].split("#")[0]
        file_bytes, wire_bytes = server.sizes.get(path, (0, 0))
        all_sent += wire_bytes
        if kind_of in ("document", "stylesheet", "script"):
            counted += 1
            raw += file_bytes
            sent += wire_bytes
    print(f"{kind}: HTML+CSS+JS {sent / 1000:.1f} kB transferred (gzip), {raw / 1000:.1f} kB uncompressed, "
          f"{counted} files; everything loaded {all_sent / 1000:.1f} kB")
    assert counted >= 3
    assert sent < BUDGET, f"{kind}: {sent} bytes of HTML, CSS and JS transferred, budget {BUDGET}"


@pytest.mark.parametrize("word", ["候診", "遠距醫療", "退伍軍人"])
def test_chinese_words_inside_sentences_are_found_by_search(word, server, demo, contexts):
    """Chinese has no spaces: the index is split into words at build time (jieba),
    so a word in the middle of a sentence is a search term of its own."""
    if "zh-TW" not in languages(demo):
        pytest.fail("the demo portal should be bilingual")
    url = f"{server.url}{language_prefix(demo, 'zh-TW')}?q={urllib.parse.quote(word)}"
    page = open_page(contexts("light", "1280"), url, "search")
    results = page.locator(".md-search-result__item")
    assert results.count() > 0, f"no result for {word}"
    assert word in "".join(results.all_inner_texts()).replace("\u200b", "")


# --- the chrome-less embed page ---------------------------------------------------------------------------------

EMBED_PAGE = "embed/veteran-access/within-45-minutes/"  # a plain HTML file: no Material, so no palette to wait for


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("palette", PALETTES)
@pytest.mark.parametrize("lang", LANGS)
def test_axe_finds_no_wcag21_aa_violations_on_an_embed_page(lang, palette, width, server, demo, contexts):
    """The embed page other sites show in an iframe: its own light and dark palettes (the
    reader's preference), no navigation, nothing wider than a phone."""
    if lang != LANGS[0] and not (demo / "site" / lang).is_dir():
        pytest.skip(f"the site has no {lang}/ pages (yet)")
    url = server.url + language_prefix(demo, lang) + EMBED_PAGE
    page = contexts(palette, width, axe=True).pages[0]
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.locator("nav, .md-header, .md-nav, script").count() == 0  # chrome-less, and no JavaScript
    assert page.locator("svg.okr-chart").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "the embed page scrolls sideways"
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS + AXE_EXTRA_TAGS)
    assert results["violations"] == [], _axe_report(url, results["violations"])


# --- charts on phones -----------------------------------------------------------------------------
# Charts on phones (issue 15, "Phones"): at 320 px and 1280 px, on the home, objective and
# metric pages (small multiples, the map), every text of a chart is at least 12 px on screen,
# and a screenshot of each page is taken (into the test's tmp_path) to see it render.
#
# The rendered size of an SVG text is its font size in user units times the SVG's scale on
# screen (its width over its viewBox width). In this file, not one of its own: the browser is
# one per process (Playwright's sync API cannot start twice), and its fixtures live here.

MIN_PX = 12
PHONE_KINDS = ["home", "objective", "metric", "map"]  # metric: small multiples; map: the choropleth

# Each text drawn: its font size in user units, times the screen width of its svg over the
# viewBox width; and the HTML legends beside the charts, as they are.
_SIZES = """() => [...[...document.querySelectorAll('.okr-chart text, .okr-map svg text')].map(t => {
  const svg = t.ownerSVGElement, box = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal;
  const scale = vb && vb.width ? box.width / vb.width : 1;
  return {px: parseFloat(getComputedStyle(t).fontSize) * scale, text: t.textContent.trim().slice(0, 40),
          chart: svg.getAttribute('class') || '', shown: box.width > 0 && t.getClientRects().length > 0};
}), ...[...document.querySelectorAll('.okr-legend > li')].map(li => ({
  px: parseFloat(getComputedStyle(li).fontSize), text: li.textContent.trim().slice(0, 40), chart: 'legend',
  shown: li.getClientRects().length > 0}))].filter(t => t.shown && t.text)"""


# Texts drawn in one svg whose boxes overlap by more than 3 px both ways, or that reach out of
# it (boxes are the fonts' em boxes, taller than the ink: CJK fonts' by a few pixels).
_CLASHES = """() => [...document.querySelectorAll('svg.okr-chart, .okr-map svg')].flatMap(svg => {
  const box = svg.getBoundingClientRect();
  const r = [...svg.querySelectorAll('text')].filter(t => t.getClientRects().length && t.textContent.trim())
    .map(t => { const b = t.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom, t.textContent.trim()]; });
  const out = r.filter(a => a[0] < box.left - 1 || a[2] > box.right + 1).map(a => a[4] + ' (outside)');
  for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
    const a = r[i], b = r[j];
    if (Math.min(a[2], b[2]) - Math.max(a[0], b[0]) > 3 && Math.min(a[3], b[3]) - Math.max(a[1], b[1]) > 3)
      out.push(a[4] + ' / ' + b[4]);
  }
  return out;
})"""


def _check(kind, width, server, demo, contexts, tmp_path, lang=LANGS[0]):
    if kind == "embed":  # a page of its own, no Material: nothing to wait for
        url = server.url + language_prefix(demo, lang) + EMBED_PAGE
        page = contexts("light", width).pages[0]
        assert page.goto(url, wait_until="load").ok
    else:
        url = url_of(server, demo, kind, lang)
        page = open_page(contexts("light", width), url, kind)
    page.screenshot(path=str(tmp_path / f"{kind}-{width}.png"), full_page=True)
    assert (tmp_path / f"{kind}-{width}.png").stat().st_size > 1000
    texts = page.evaluate(_SIZES)
    assert texts or kind == "home", f"no chart text on {url}"  # the home page has cards, not charts
    small = [t for t in texts if t["px"] < MIN_PX - 0.05]
    assert not small, (f"{len(small)} of {len(texts)} chart texts under {MIN_PX} px at {width} px on {url}, "
                       f"e.g. " + "; ".join(f"{t['text']!r} {t['px']:.1f} px ({t['chart']})" for t in small[:5]))
    clashes = page.evaluate(_CLASHES)
    assert not clashes, f"chart texts on each other at {width} px on {url}: {clashes[:5]}"


@pytest.mark.parametrize("kind", PHONE_KINDS)
def test_chart_text_is_at_least_12_px_at_1280(kind, server, demo, contexts, tmp_path):
    _check(kind, "1280", server, demo, contexts, tmp_path)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", [k for k in PHONE_KINDS if k != "home"] + ["embed"])
def test_chart_text_is_at_least_12_px_at_320(kind, lang, server, demo, contexts, tmp_path):
    """A phone: the narrow charts (ticks, the latest value, the HTML legend) and the map's legend."""
    _check(kind, "320", server, demo, contexts, tmp_path, lang)

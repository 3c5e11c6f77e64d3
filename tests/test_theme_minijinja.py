"""The theme overrides render with MiniJinja, as Zensical renders them (DESIGN.md §7).

Zensical (Material for MkDocs' successor) renders theme templates with the Rust
MiniJinja, without its Python-compatibility layer: a string has no ``rstrip`` or
``startswith``, and looking up an attribute of something undefined is an error
(``file.page.is_link`` where ``file`` is one of Zensical's navigation items, which
have no ``page``). The ``minijinja`` package is that engine; ``pycompat=False``
turns off the Python methods it would otherwise lend templates.

Compiling is not enough (a missing method fails only when the line runs), so each
override is rendered, through a stand-in for Material's base.html that calls every
block main.html overrides, with contexts as MkDocs and Zensical give them. The
same templates rendered by Jinja2 (what MkDocs and ProperDocs use) give the same
text, so rewriting an override for MiniJinja changes nothing on today's sites.
"""

from __future__ import annotations

import html
from pathlib import Path

import jinja2
import minijinja
import pytest

import material

REPO = Path(__file__).resolve().parent.parent
THEMES = [REPO / "theme", REPO / "site_builder" / "defaults" / "theme"]
MATERIAL = Path(material.__file__).parent / "templates"

# Material's base.html, reduced to what the overrides need: every block main.html
# overrides (each with content, for super()), and the partials it includes.
BASE = """\
{% import "partials/language.html" as lang with context %}
{% set features = config.theme.features or [] %}
<head>{% block site_meta %}<meta charset="utf-8">{% endblock %}
{% block extrahead %}{% endblock %}</head>
{% block header %}<header>{% include "partials/alternate.html" %}{% include "partials/search.html" %}</header>{% endblock %}
{% block site_nav %}<nav></nav>{% endblock %}
<footer>{% include "partials/copyright.html" %}</footer>
"""


def templates(theme: Path) -> list[str]:
    return sorted(p.relative_to(theme).as_posix() for p in theme.rglob("*")
                  if p.is_file() and p.suffix in (".html", ".xml"))


def source(theme: Path, name: str) -> str | None:
    if name == "base.html":
        return BASE
    for folder in (theme, MATERIAL):
        path = folder / name
        if path.is_file():
            return path.read_text("utf-8")
    return None


def mini(theme: Path) -> minijinja.Environment:
    return minijinja.Environment(loader=lambda name: source(theme, name), pycompat=False,
                                 auto_escape_callback=lambda name: False)  # as Zensical sets it


def jinja(theme: Path) -> jinja2.Environment:
    # As MkDocs makes its environment: no autoescape (Zensical turns it off too).
    return jinja2.Environment(loader=jinja2.FunctionLoader(lambda name: source(theme, name)))


def config(language: str = "en", alternate: bool = True, site_url: str | None = "https://okrs.example.org/") -> dict:
    extra = {"okr_language": "zh-TW" if language == "zh-TW" else "en", "generator": False}
    if alternate:
        extra["alternate"] = [
            {"name": "English", "lang": "en", "link": "" if language == "en" else "../",
             **({"url": "https://okrs.example.org/"} if site_url else {})},
            {"name": "繁體中文", "lang": "zh-TW", "link": "zh-TW/" if language == "en" else "",
             **({"url": "https://okrs.example.org/zh-TW/"} if site_url else {})},
        ]
    return {"site_name": "Test portal", "site_description": None, "site_url": site_url, "copyright": None,
            "theme": {"language": language, "features": ["navigation.tabs", "search.highlight"],
                      "icon": {"logo": "material/scale-balance"}, "favicon": "assets/logo.svg"},
            "extra": extra}


def page(url: str, toc: bool = False, card: bool = False) -> dict:
    meta = {"title": "Wait times", "description": "Status: At risk."}
    if card:
        meta["card"] = "cards/wait.png"
    return {"url": url, "title": "Wait times", "meta": meta, "abs_url": "/" + url,
            "canonical_url": "https://okrs.example.org/" + url,
            "toc": [{"title": "Wait times", "url": "#wait-times", "children": []}] if toc else []}


# (what the page is, its base_url, its page, the site's config): as MkDocs gives them
# (base_url relative to the page), and as Zensical does (base_url the site's path).
PAGES = [
    ("home", ".", page(""), config()),
    ("detail page", "../..", page("metrics/wait/", toc=True, card=True), config()),
    ("404", ".", page("404.html"), config()),
    ("zh-TW, no base_url", "..", page("objectives/a/"), config("zh-TW", site_url=None)),
    ("one language", ".", page("tags/"), config(alternate=False)),
    ("Zensical, at the root", "/", page("metrics/wait/"), config()),
    ("Zensical, in a folder", "/okrs/", page("metrics/wait/"), config()),
]


def filters(env) -> None:
    env.add_filter("url", lambda value: value)  # MkDocs's and Zensical's own


def render_both(theme: Path, name: str, **context) -> tuple[str, str]:
    m, j = mini(theme), jinja(theme)
    filters(m)
    j.filters["url"] = lambda value: value
    return m.render_template(name, **context), j.get_template(name).render(**context)


def same(text: str) -> str:
    """The text up to blank space and how characters are escaped (MiniJinja's ``|e``
    writes ``/`` as ``&#x2f;``, Jinja2 leaves it: the same address in XML and HTML)."""
    return "\n".join(html.unescape(line.strip()) for line in text.splitlines() if line.strip())


@pytest.mark.parametrize("theme", THEMES, ids=["theme", "packaged theme"])
def test_every_override_compiles_with_minijinja(theme):
    names = templates(theme)
    assert {"main.html", "sitemap.xml", "partials/alternate.html"} <= set(names)
    env = mini(theme)
    for name in names:
        env.add_template(name, (theme / name).read_text("utf-8"))  # a syntax MiniJinja lacks fails here


@pytest.mark.parametrize("theme", THEMES, ids=["theme", "packaged theme"])
@pytest.mark.parametrize("what,base_url,the_page,the_config", PAGES, ids=[p[0] for p in PAGES])
def test_pages_render_with_minijinja_as_with_jinja2(theme, what, base_url, the_page, the_config):
    mini_text, jinja_text = render_both(theme, "main.html", config=the_config, page=the_page,
                                        base_url=base_url, nav=[], pages=[])
    assert same(mini_text) == same(jinja_text)
    root = "" if base_url == "/" else base_url.rstrip("/")
    if the_config["extra"].get("alternate"):  # the switcher points at the same page in each language
        rest = "" if the_page["url"].startswith("404") else the_page["url"]
        for alt in the_config["extra"]["alternate"]:
            assert f'href="{root}/{alt["link"]}{rest}"' in mini_text
    assert 'class="md-search" data-md-component="search"' in mini_text and "md-copyright" in mini_text


def mkdocs_pages() -> list[dict]:
    """The sitemap's ``pages`` as MkDocs gives them: files, each with its page (or None)."""
    return [{"page": {"abs_url": "/", "canonical_url": "https://okrs.example.org/", "url": "",
                      "update_date": "2026-11-24", "is_link": False}},
            {"page": {"abs_url": "/metrics/wait/", "canonical_url": None, "url": "metrics/wait/",
                      "update_date": None, "is_link": False}},
            {"page": None}]


def zensical_pages() -> list[dict]:
    """As Zensical gives them: navigation items (title, url, canonical_url, …), no ``page``."""
    return [{"title": "Home", "url": "", "canonical_url": "https://okrs.example.org/", "meta": None,
             "children": [], "is_index": True, "active": False},
            {"title": "Metrics", "url": "metrics/", "canonical_url": "https://okrs.example.org/metrics/",
             "meta": None, "children": [], "is_index": False, "active": False}]


@pytest.mark.parametrize("theme", THEMES, ids=["theme", "packaged theme"])
def test_the_sitemap_renders_with_minijinja_as_with_jinja2(theme):
    for the_config in (config(), config(alternate=False)):
        mini_text, jinja_text = render_both(theme, "sitemap.xml", config=the_config, pages=mkdocs_pages(),
                                            base_url=".", nav=[], page={"toc": []})
        assert same(mini_text) == same(jinja_text)
        assert mini_text.count("<url>") == 2
        mini_text = same(mini_text)
        assert "<loc>https://okrs.example.org/</loc>" in mini_text and "<loc>/metrics/wait/</loc>" in mini_text
        translated = 'hreflang="zh-TW" href="https://okrs.example.org/zh-TW/metrics/wait/"' in mini_text
        assert translated == bool(the_config["extra"].get("alternate"))
    env = mini(theme)
    filters(env)
    text = same(env.render_template("sitemap.xml", config=config(), pages=zensical_pages(), base_url="/", nav=[],
                                    page={"toc": []}))
    assert "<loc>https://okrs.example.org/metrics/</loc>" in text
    assert 'hreflang="zh-TW" href="https://okrs.example.org/zh-TW/metrics/"' in text


def test_the_shipped_theme_is_the_demo_portals():
    """``okr-portal init`` copies the packaged theme; the demo uses theme/: one theme (today
    site_builder/defaults/theme links to theme/; a copy in its place must stay the same)."""
    assert templates(THEMES[0]) == templates(THEMES[1])
    for name in templates(THEMES[0]):
        assert (THEMES[0] / name).read_bytes() == (THEMES[1] / name).read_bytes(), name

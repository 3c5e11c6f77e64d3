"""The Jinja and Markdown side of the pages: templates rendered into Markdown pages with
their front matter, text made safe inside Markdown, and long lists split over pages.

Templates hold no Python calls (Zensical renders with MiniJinja): every text a template
shows, formatted or not, is passed in from here.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from site_builder.render import urls

PAGE_SIZE = 24  # objectives per list page: no page grows with the portal

_env = Environment(
    loader=PackageLoader("site_builder", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    # Markdown headings carry {#anchor} attributes: keep {# for them.
    comment_start_string="{%#",
    comment_end_string="#%}",
)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def md_escape(text: str) -> Markup:
    """Plain text made safe inside a Markdown heading: no markup, no HTML, no {: attributes}."""
    return Markup(_MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False)))


# Every page okr-portal writes is left out of the engine's search plugin, which would parse
# all its HTML: okr-portal indexes the pages itself (engine/search_index.py).
SEARCH_MARK = "search:\n  exclude: true"


def _front_matter(title: str | None, description: str = "", hide: tuple[str, ...] = (),
                  meta: dict | None = None) -> str:
    # MkDocs themes print page.title without escaping it, so it is escaped here.
    lines = ["---", SEARCH_MARK]
    if title is not None:
        lines.append(f"title: {json.dumps(html.escape(title), ensure_ascii=False)}")
    if description:
        lines.append(f"description: {json.dumps(html.escape(description[:300]), ensure_ascii=False)}")
    if hide:
        lines.append(f"hide: [{', '.join(hide)}]")
    for key, value in (meta or {}).items():  # more for the theme to read (e.g. the link-preview card)
        lines.append(f"{key}: {json.dumps(html.escape(value), ensure_ascii=False)}")
    return "\n".join(lines + ["---", "", ""])


def page(template: str, page_title: str, page_description: str = "", hide: tuple[str, ...] = (),
         title_lang: str | None = None, head_title: bool = True, meta: dict | None = None, **values) -> str:
    """A Markdown page: its front matter, then ``template`` rendered with ``values``."""
    # The title is a Markdown heading, so it opens the table of contents and
    # Material's skip link lands on it; escaped for Markdown and HTML alike.
    # A title shown in the default language for want of a translation says so.
    body = _env.get_template(template).render(title_md=md_escape(page_title), title_attrs=lang_attr(title_lang), **values)
    return _front_matter(page_title if head_title else None, page_description, hide, meta) + body


def html_file(template: str, **values) -> str:
    """A plain HTML file (an embed page), ``template`` rendered with ``values``: no front matter,
    copied by the engine as it is."""
    return _env.get_template(template).render(**values)


def lang_attr(lang: str | None) -> Markup | str:
    """The attributes of a Markdown heading ({#anchor lang="en"}) shown in another language."""
    return Markup(f' lang="{lang}"') if lang else ""


@dataclass(frozen=True)
class Pagination:
    pages: list
    previous: str | None
    next: str | None


@dataclass(frozen=True)
class PageLink:
    number: int
    href: str
    current: bool
    text: str  # "Page 3", as the page's language writes it


def paginate(items: list, doc_for_page, page_n: str, size: int = PAGE_SIZE) -> list[tuple[str, list, Pagination]]:
    """Split a list over pages of ``size``: [(doc path, items, pagination)]; ``page_n`` is
    the message naming page {n}."""
    chunks = [items[i:i + size] for i in range(0, len(items), size)] or [[]]
    docs = [doc_for_page(n + 1) for n in range(len(chunks))]
    out = []
    for n, (doc, chunk) in enumerate(zip(docs, chunks)):
        links = [PageLink(i + 1, urls.relative(doc, d), i == n, page_n.format(n=i + 1)) for i, d in enumerate(docs)]
        out.append((doc, chunk, Pagination(
            links,
            urls.relative(doc, docs[n - 1]) if n > 0 else None,
            urls.relative(doc, docs[n + 1]) if n + 1 < len(docs) else None,
        )))
    return out

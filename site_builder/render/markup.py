"""User text to HTML that is safe to publish.

Every (T) field is Markdown written by staff and read by the public, so it is
rendered with Python-Markdown and then cleaned by nh3 (the Ammonia sanitizer):
an allow-list of tags, attributes and URL schemes, so no script, event
handler, javascript: URL or style can reach a page whatever a YAML file holds.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

_BLOCK_TAGS = {
    "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "hr", "abbr", "sub", "sup", "del",
}
_INLINE_TAGS = {"strong", "em", "b", "i", "code", "abbr", "sub", "sup", "del"}
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
_SCHEMES = {"http", "https", "mailto"}


_converter = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")


def _markdown(text: str) -> str:
    # One converter, reset between texts: building one costs more than
    # converting a typical title, and a portal has thousands of texts.
    return _converter.reset().convert(text)


# Most titles are words and numbers only: no character Markdown or HTML gives a
# meaning to, no line start that opens a block, no double space (a line break).
# Those go straight through, with the output Markdown and nh3 would give them
# (a test compares the two on every text of the demo and on random texts).
_WORDS_ONLY = re.compile(r"(?![\s\d#>+*=|\-])[^\\`*_\[\]<>&!~|\n\r\t]+")


def _words_only(text: str) -> bool:
    return _WORDS_ONLY.fullmatch(text) is not None and "  " not in text and not text.endswith(" ")


# Owners, units and sources repeat across pages: each text is converted once.
@lru_cache(maxsize=16384)
def to_html(text: str) -> Markup:
    """Block Markdown (paragraphs, lists, links) as sanitized HTML."""
    if _words_only(text):
        return Markup(f"<p>{text}</p>")
    cleaned = nh3.clean(
        _markdown(text),
        tags=_BLOCK_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(cleaned)


@lru_cache(maxsize=16384)
def to_inline_html(text: str) -> Markup:
    """Markdown for a title or a table cell: emphasis and code only, no blocks or links."""
    if _words_only(text):
        return Markup(text)
    rendered = _markdown(text)
    rendered = re.sub(r"^<p>|</p>$", "", rendered.strip())
    return Markup(nh3.clean(rendered, tags=_INLINE_TAGS, attributes={}, url_schemes=set()))


@lru_cache(maxsize=16384)
def to_plain(text: str) -> str:
    """The words only, for <title>, alt texts and feeds: Markdown rendered, every tag dropped."""
    if _words_only(text):
        return text
    words = nh3.clean(_markdown(text), tags=set(), attributes={}, strip_comments=True)
    return " ".join(html.unescape(words).split())


def escape(text: str) -> Markup:
    return Markup.escape(text)

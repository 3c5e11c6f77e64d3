"""A generated page's HTML cut into the sections Material's search indexes.

The same rules as Material for MkDocs' search plugin (material/plugins/search/plugin.py,
``Parser``, MIT licence), so that the index okr-portal writes finds what Material's
would: a section starts at each heading with an id; its title is the heading's
text; its text keeps only <p>, <code>, <pre>, lists, <sub> and <sup> (their tags
separate words in the theme's search, all other tags are dropped and the words on
either side run together, as in Material's); <script>, <style>, <object> and
anything marked ``data-search-exclude`` are left out.

What makes this faster than the plugin is mostly in search_index: the blocks marked
``data-search-exclude`` (the SVG charts, the data tables: most of a page's bytes) are
cut out before this parser sees the page. Here, the page is read with one regular
expression rather than html.parser's state machine (``_feed``; the tests check it reads
every generated page as html.parser does), and what is open and what is skipped is
counted by tag name (Material's elements compare by tag name, so that is what its sets
hold): the index of a 250-objective portal in 60% of the time.
"""

from __future__ import annotations

import re
from html import escape, unescape
from html.parser import HTMLParser

_SKIP = ("object", "script", "style")
_KEEP = {"p", "code", "pre", "li", "ol", "ul", "sub", "sup"}
_HEADINGS = {f"h{n}" for n in range(1, 7)}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
         "track", "wbr"}


class _Element:
    __slots__ = ("tag", "attrs")

    def __init__(self, tag: str, attrs: dict | None = None):
        self.tag = tag
        self.attrs = attrs or {}

    def __eq__(self, other):  # as Material's: an element equals its tag name (context[-1] != tag)
        return self.tag == (other.tag if isinstance(other, _Element) else other)

    def __hash__(self):
        return hash(self.tag)


class Section:
    __slots__ = ("el", "depth", "text", "title", "id")

    def __init__(self, el: _Element, depth: float = 0):
        self.el, self.depth = el, depth
        self.text: list[str] = []
        self.title: list[str] = []
        self.id: str | None = None

    def excluded(self) -> bool:
        return "data-search-exclude" in self.el.attrs


class SectionParser(HTMLParser):
    """``feed(html)``, then ``sections``: each with its id, title and text parts."""

    def __init__(self):
        super().__init__()
        # Elements compare by tag name (as Material's), so what is skipped is a set of tag names
        # and "inside a skipped element" is whether one of those names is open: counted here.
        self.skip: set[str] = set(_SKIP)
        self.context: list[_Element] = []
        self._open: dict[str, int] = {}
        self.section: Section | None = None
        self.sections: list[Section] = []

    def _top(self) -> None:
        if not self.section:
            self.section = Section(_Element("hx"))
            self.sections.append(self.section)

    def _target(self) -> list[str]:
        return self.section.title if self._open.get(self.section.el.tag) else self.section.text

    def _skipping(self) -> bool:
        return any(self._open.get(tag) for tag in self.skip)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        el = _Element(tag, attrs)
        if tag in _VOID:
            return
        self.context.append(el)
        self._open[tag] = self._open.get(tag, 0) + 1
        if tag in _HEADINGS and "id" in attrs:
            depth = len(self.context)
            if tag != "h1" and not self.sections:
                self.section = Section(_Element("hx"), depth)
                self.sections.append(self.section)
            self.section = Section(el, depth)
            if self.sections:
                self.section.id = attrs["id"]
            self.sections.append(self.section)
        self._top()
        if "data-search-exclude" in attrs or attrs.get("class") == "linenodiv":
            self.skip.add(tag)
            return
        if tag in _KEEP and not self._skipping():
            self._target().append(f"<{tag}>")

    def handle_endtag(self, tag):
        if not self.context or self.context[-1].tag != tag:
            return
        if self.section.depth > len(self.context):  # leaving the element a heading was nested in
            for section in reversed(self.sections):
                if section.depth <= len(self.context):
                    self.section.depth = float("inf")
                    self.section = section
                    break
        el = self.context.pop()
        self._open[tag] -= 1
        if tag in self.skip:
            if tag not in _SKIP:
                self.skip.discard(tag)
            return
        if tag in _KEEP and not self._skipping():
            data = self._target()
            index = data.index(f"<{tag}>")
            if any(not part.isspace() for part in data[index + 1:]):
                data.append(f"</{tag}>")
            else:  # an empty element is dropped
                del data[index:]

    def handle_data(self, data):
        if self._skipping():
            return
        if not self._open.get("pre"):
            data = " " if data.isspace() else data.replace("\n", " ")
        self._top()
        if self._open.get(self.section.el.tag):
            if not any(el.tag == "a" and el.attrs.get("class") == "headerlink" for el in self.context):
                self.section.title.append(escape(data, quote=False))
        elif data.isspace():
            if not self.section.text or not self.section.text[-1].isspace() or self._open.get("pre"):
                self.section.text.append(data)
        else:
            self.section.text.append(escape(data, quote=False))


# A tag, a comment or a declaration, as html.parser reads them in well-formed HTML (what
# render writes: every text escaped, every attribute quoted or bare).
_TOKEN = re.compile(r"""<!--.*?-->|<[!?][^>]*>|</([a-zA-Z][^\s/>]*)[^>]*>"""
                    r"""|<([a-zA-Z][^\s/>]*)((?:\s+[^\s/>"'=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*(/?)>""",
                    re.S)
_ATTR = re.compile(r"""([^\s/>"'=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_CDATA = ("script", "style")


def _feed(parser: SectionParser, html: str) -> None:
    """What ``HTMLParser.feed`` then ``close`` do for the handlers, read with one regular
    expression instead of its state machine: tag and attribute names in lower case, text
    and attribute values unescaped, text runs whole (a '<' that opens no tag given on its
    own), <script> and <style> content as it is, comments and declarations dropped."""
    position, end = 0, len(html)
    while position < end:
        at = html.find("<", position)
        if at < 0:
            parser.handle_data(unescape(html[position:]))
            break
        if at > position:
            parser.handle_data(unescape(html[position:at]))
        match = _TOKEN.match(html, at)
        if match is None:
            parser.handle_data("<")
            position = at + 1
            continue
        position = match.end()
        closing, opening = match.group(1), match.group(2)
        if closing:
            parser.handle_endtag(closing.lower())
        elif opening:
            tag = opening.lower()
            attrs = []
            for attr in _ATTR.finditer(match.group(3)):
                name, double, single, bare = attr.groups()
                value = double if double is not None else single if single is not None else bare
                attrs.append((name.lower(), None if value is None else unescape(value)))
            parser.handle_starttag(tag, attrs)
            if match.group(4):
                parser.handle_endtag(tag)
            elif tag in _CDATA:
                close = re.compile(rf"</{tag}\s*>", re.I).search(html, position)
                stop = close.start() if close else end
                if stop > position:
                    parser.handle_data(html[position:stop])
                position = stop


def sections(html: str) -> list[Section]:
    parser = SectionParser()
    _feed(parser, html)
    return [section for section in parser.sections if not section.excluded()]


def sections_by_html_parser(html: str) -> list[Section]:
    """The same with Python's own HTML parser reading the page (the tests' reference)."""
    parser = SectionParser()
    parser.feed(html)
    parser.close()
    return [section for section in parser.sections if not section.excluded()]

"""A generated page's HTML cut into the sections Material's search indexes.

The same rules as Material for MkDocs' search plugin (material/plugins/search/plugin.py,
``Parser``, MIT licence), so that the index okr-portal writes finds what Material's
would: a section starts at each heading with an id; its title is the heading's
text; its text keeps only <p>, <code>, <pre>, lists, <sub> and <sup> (their tags
separate words in the theme's search, all other tags are dropped and the words on
either side run together, as in Material's); <script>, <style>, <object> and
anything marked ``data-search-exclude`` are left out.

What makes this faster than the plugin is not here but in search_index: the blocks
marked ``data-search-exclude`` (the SVG charts, the data tables: most of a page's
bytes) are cut out before this parser sees the page.
"""

from __future__ import annotations

from html import escape
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
        self.skip: set = set(_SKIP)
        self.context: list[_Element] = []
        self.section: Section | None = None
        self.sections: list[Section] = []

    def _top(self) -> None:
        if not self.section:
            self.section = Section(_Element("hx"))
            self.sections.append(self.section)

    def _target(self) -> list[str]:
        return self.section.title if self.section.el in self.context else self.section.text

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        el = _Element(tag, attrs)
        if tag in _VOID:
            return
        self.context.append(el)
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
            self.skip.add(el)
            return
        if tag in _KEEP and not self.skip.intersection(self.context):
            self._target().append(f"<{tag}>")

    def handle_endtag(self, tag):
        if not self.context or self.context[-1] != tag:
            return
        if self.section.depth > len(self.context):  # leaving the element a heading was nested in
            for section in reversed(self.sections):
                if section.depth <= len(self.context):
                    self.section.depth = float("inf")
                    self.section = section
                    break
        el = self.context.pop()
        if el in self.skip:
            if el.tag not in _SKIP:
                self.skip.remove(el)
            return
        if tag in _KEEP and not self.skip.intersection(self.context):
            data = self._target()
            index = data.index(f"<{tag}>")
            if any(not part.isspace() for part in data[index + 1:]):
                data.append(f"</{tag}>")
            else:  # an empty element is dropped
                del data[index:]

    def handle_data(self, data):
        if self.skip.intersection(self.context):
            return
        if "pre" not in self.context:
            data = " " if data.isspace() else data.replace("\n", " ")
        self._top()
        if self.section.el in self.context:
            if not any(el.tag == "a" and el.attrs.get("class") == "headerlink" for el in self.context):
                self.section.title.append(escape(data, quote=False))
        elif data.isspace():
            if not self.section.text or not self.section.text[-1].isspace() or "pre" in self.context:
                self.section.text.append(data)
        else:
            self.section.text.append(escape(data, quote=False))


def sections(html: str) -> list[Section]:
    parser = SectionParser()
    parser.feed(html)
    parser.close()
    return [section for section in parser.sections if not section.excluded()]

"""Texts made HTML: the shortcut for plain words gives exactly what Markdown and nh3 give."""

from __future__ import annotations

import dataclasses
import random

import pytest

from conftest import REPO
from site_builder.render import markup
from site_builder.source.load import load_portal
from site_builder.text import Text

FUNCTIONS = [markup.to_html, markup.to_inline_html, markup.to_plain]


def _reference(function, text: str) -> str:
    """The full path (Markdown, then nh3), with the shortcut switched off."""
    shortcut = markup._words_only
    markup._words_only = lambda _: False
    try:
        return function.__wrapped__(text)
    finally:
        markup._words_only = shortcut


def _texts(value, seen) -> list[str]:
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, Text):
        return [value.plain_text] if value.plain_text is not None else [t for _, t, _ in value.translations]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [t for f in dataclasses.fields(value) for t in _texts(getattr(value, f.name), seen)]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _texts(item, seen)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _texts(item, seen)]
    return []


def _random_texts(count: int) -> list[str]:
    rng = random.Random(7)
    alphabet = list("abc XYZ 0123456789 .,;:'\"()-+*_#>=|&<!~`[]\\\n\t中文候診é–%/$@{}") + ["  ", "1. ", "- ", "# "]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))) for _ in range(count)]


def test_the_demo_mostly_takes_the_shortcut():
    texts = _texts(load_portal(REPO).portal, set())
    assert len(texts) > 150
    assert sum(markup._words_only(t) for t in texts) > len(texts) / 3


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_the_shortcut_gives_what_markdown_and_nh3_give(function):
    texts = _texts(load_portal(REPO).portal, set()) + _random_texts(4000) + [
        "Cut the new-patient wait from 21 to 14 days", "Owner's \"confidence\" (90%)", "1st quarter",
        "2026 goals", "- not a list", "# not a heading", "a  b", "trailing ", "e.g. 3.5 days", "候診時間"]
    shortcut = [t for t in texts if markup._words_only(t)]
    assert len(shortcut) > 200
    for text in shortcut:
        assert str(function.__wrapped__(text)) == str(_reference(function, text)), repr(text)


def test_links_between_pages_are_what_posixpath_gives():
    import posixpath

    from site_builder.render import urls

    folders = ["", "objectives", "metrics", "owners/x", "tags/a/page", "zh-TW/objectives", "objectives/a"]
    for start in folders:
        for target in folders:
            assert urls._relpath(target, start) == posixpath.relpath(target or ".", start or "."), (target, start)
    assert urls.relative("objectives/a.md", "metrics/b.md", "kr-1") == "../../metrics/b/#kr-1"
    assert urls.relative("index.md", "index.md") == "./"

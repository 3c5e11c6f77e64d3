"""The demo portal in okrs/ is fully bilingual: every (T) text has every portal language.

The Text fields are found generically, by walking the loaded model through its
dataclass fields, tuples and mappings, so a (T) field added to the model later is
checked without touching this file.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from typing import Iterator, Mapping

import pytest

from conftest import REPO
from site_builder.source.load import load_portal
from site_builder.render.markup import to_html
from site_builder.text import Text

# Fields allowed to stay a plain (language-neutral) string, as "Class.field":
# e.g. an owner that holds only a person's name. The demo needs none.
PLAIN_ALLOWED: frozenset[str] = frozenset()

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# A line break between two CJK characters inside a paragraph renders as a stray space.
_CJK_SOFT_BREAK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]\n(?=[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f])")


def _texts(obj, path: str, owner: str = "") -> Iterator[tuple[str, str, Text]]:
    """(path in the model, "Class.field", Text) for every Text reachable from obj."""
    if isinstance(obj, Text):
        yield path, owner, obj
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _texts(getattr(obj, f.name), f"{path}.{f.name}", f"{type(obj).__name__}.{f.name}")
    elif isinstance(obj, Mapping):
        for key, value in obj.items():
            yield from _texts(value, f"{path}[{key!r}]", owner)
    elif isinstance(obj, (tuple, list)) and not hasattr(obj, "_fields"):  # not the Observation named tuples
        for i, value in enumerate(obj):
            yield from _texts(value, f"{path}[{i}]", owner)


@pytest.fixture(scope="module")
def portal():
    loaded = load_portal(REPO)
    assert loaded.problems == ()
    return loaded.portal


@pytest.fixture(scope="module")
def texts(portal):
    found = list(_texts(portal.settings, "settings"))
    for unit in portal.units:
        found += _texts(unit, f"unit {unit.id}")
    for objective in portal.objectives:
        found += _texts(objective, f"objective {objective.id}")
    for metric_id, metric in portal.metrics.items():
        found += _texts(metric, f"metric {metric_id}")
    return found


def test_the_walk_reaches_every_kind_of_text(portal, texts):
    kinds = {owner for _, owner, _ in texts}
    assert kinds >= {
        "Settings.title", "Settings.organization", "Settings.description", "Settings.contact", "Period.title",
        "Objective.title", "Objective.owner", "Objective.description", "KeyResult.title", "Update.text",
        "Metric.title", "Metric.source", "Metric.methodology", "Unit.title", "Unit.lead", "Unit.description",
    }
    # Drafts are walked too.
    assert any(not o.is_public for o in portal.objectives)
    assert any(path.startswith("objective digital-front-door.") for path, _, _ in texts)
    assert len(texts) > 150
    # Every unit of units.yml is walked (their names are translatable text too).
    assert {path.split(".")[0] for path, owner, _ in texts if owner == "Unit.title"} == \
        {f"unit {u.id}" for u in portal.units}
    assert len(portal.units) >= 10


def test_every_text_is_in_every_portal_language(portal, texts):
    languages = portal.settings.languages
    assert languages == ("en", "zh-TW")
    missing = []
    for path, owner, text in texts:
        if text.plain_text is not None:
            if owner not in PLAIN_ALLOWED:
                missing.append(f"{text.loc} {path}: a plain string, not translated")
            continue
        given = {lang: value for lang, value, _ in text.translations}
        for lang in languages:
            if not given.get(lang, "").strip():
                missing.append(f"{text.loc} {path}: no {lang}")
    assert missing == []


def test_translations_are_in_their_own_language(texts):
    wrong = []
    for path, _, text in texts:
        if text.plain_text is not None:
            continue
        given = {lang: value for lang, value, _ in text.translations}
        if _CJK.search(given.get("en", "")):
            wrong.append(f"{text.loc} {path}: Chinese in the English text")
        zh = given.get("zh-TW")
        if zh is None:
            continue  # reported by test_every_text_is_in_every_portal_language
        if not _CJK.search(zh) or zh == given.get("en"):
            wrong.append(f"{text.loc} {path}: the zh-TW text is not Chinese")
        if _CJK_SOFT_BREAK.search(zh):
            wrong.append(f"{text.loc} {path}: a line break inside a Chinese paragraph renders as a space")
    assert wrong == []


def _structure(markdown: str) -> tuple[Counter, list[str]]:
    html = str(to_html(markdown))
    tags = Counter(re.findall(r"<(p|a|strong|em|code|ul|ol|li|h\d|table|blockquote)\b", html))
    return tags, re.findall(r'href="([^"]*)"', html)


def test_markdown_formatting_matches_across_languages(texts):
    differ = []
    for path, _, text in texts:
        if text.plain_text is not None:
            continue
        given = {lang: value for lang, value, _ in text.translations}
        if "en" not in given:
            continue  # reported by test_every_text_is_in_every_portal_language
        reference = _structure(given["en"])
        for lang, value in given.items():
            if _structure(value) != reference:
                differ.append(f"{text.loc} {path}: {lang} {_structure(value)} != en {reference}")
    assert differ == []

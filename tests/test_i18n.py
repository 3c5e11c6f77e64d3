"""One site per language: the catalog, formats, the language sites and their switcher."""

from __future__ import annotations

import json
import re
import shutil
import string
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from conftest import REPO
from site_builder.render.formats import format_date, format_month, format_number, format_value, language_name
from site_builder.catalogs import english, parse_po, po_path, product_languages, product_translation, translation_problem
from site_builder.render.messages import messages
from test_site import AS_OF, page, text_of

PACKAGE = REPO / "site_builder"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# --- the catalog --------------------------------------------------------------------


@pytest.mark.parametrize("lang", product_languages())
def test_every_message_has_a_translation_with_the_same_placeholders(lang):
    """Complete: every message of the .pot translated, none fuzzy (shown in English), none for
    older English, none with other placeholders or with markup."""
    assert len(product_languages()) >= 1 and len(english()) > 250
    with po_path(lang).open(encoding="utf-8") as f:
        entries = parse_po(f)
    by_key = {e.key: e for e in entries}
    assert sorted(set(english()) - set(by_key)) == [], f"{lang} lacks these messages"
    assert sorted(set(by_key) - set(english())) == [], f"{lang} has messages English does not"
    for key, entry in by_key.items():
        assert entry.text.strip() and not entry.fuzzy, f"{lang} {key} is not translated"
        assert entry.english == english()[key], f"{lang} {key} translates older English"
        assert translation_problem(english()[key], entry.text) is None, f"{lang} {key}"
        assert _placeholders(entry.text) == _placeholders(english()[key]), f"{lang} {key}: placeholders differ"
    assert product_translation(lang) == {key: e.text for key, e in by_key.items()}


def test_zh_tw_messages_are_chinese():
    # Every message with words has Chinese in it; one of punctuation only (a separator such as
    # "：") has nothing to translate but its punctuation, which must not be the English one.
    chinese = product_translation("zh-TW")
    untranslated = [key for key, text in chinese.items()
                    if not re.search(r"[\u4e00-\u9fff]", text)
                    and (re.search(r"[A-Za-z]", re.sub(r"\{[a-z_]+\}", "", text)) or text == english().get(key))]
    assert len(chinese) > 250 and untranslated == []


def _keys_used_in_code() -> set[str]:
    """Message keys named literally in the package: msg["key"], msg.key, msg['key']."""
    used = set()
    for path in [*PACKAGE.rglob("*.py"), *PACKAGE.glob("templates/*.j2")]:
        source = path.read_text("utf-8")
        used |= set(re.findall(r"""\bmsg\[["']([a-z_.]+)["']\]""", source))
        if path.suffix == ".j2":
            used |= set(re.findall(r"\bmsg\.([a-z_]+)\b", source))
    return used


def test_every_message_the_code_names_is_in_the_catalog():
    used = _keys_used_in_code()
    assert len(used) > 40  # the scan finds the code's messages
    assert sorted(used - set(english())) == []


def test_a_language_without_a_catalog_falls_back_to_english():
    assert messages("xx")["status.on_track"] == "On track"
    assert messages("zh-TW")["status.on_track"] == "進度正常"


# --- formats ------------------------------------------------------------------------


def test_dates_are_written_as_each_language_writes_them():
    day = date(2026, 6, 30)
    assert format_date(day, "en") == "Jun 30, 2026"
    assert format_date(day, "zh-TW") == "2026年6月30日"
    assert format_month(day, "zh-TW") == "2026年6月"
    assert format_date(day, "not-a-language") == "Jun 30, 2026"


def test_numbers_use_the_languages_separators():
    assert format_number(1234.5, 1, "en") == "1,234.5"
    assert format_number(1234.5, 1, "zh-TW") == "1,234.5"
    assert format_number(1234.5, 1, "de") == "1.234,5"
    assert format_value(89.14, 1, "%", "fr") == "89,1%"
    assert language_name("zh-TW").startswith("中文")
    assert language_name("en") == "English"


# --- the demo's two sites -----------------------------------------------------------


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    from test_site import copy_demo
    from site_builder.commands.cli import main

    root = copy_demo(tmp_path_factory.mktemp("demo-i18n"))
    assert main(["-C", str(root), "build", "--as-of", AS_OF]) == 0
    return root


def _x_ticks(html_text: str) -> list[str]:
    """A chart's x tick labels: each a text of the x ticks' group (or, drawn one by one, centred)."""
    groups = re.findall(r'<g class="okr-chart__tick okr-chart__xticks"[^>]*>(.*?)</g>', html_text, re.S)
    return [t for g in groups for t in re.findall(r"<text[^>]*>([^<]*)</text>", g)] + re.findall(
        r'<text class="okr-chart__tick"[^>]*text-anchor="middle">([^<]*)', html_text)


def test_each_language_is_a_site_of_its_own(demo_site):
    english, chinese = page(demo_site, ""), page(demo_site, "zh-TW")
    assert '<html lang="en"' in english and '<html lang="zh-TW"' in chinese
    assert "進度落後" in text_of(chinese) and "進度落後" not in text_of(english)
    assert "Off track" in text_of(english) and "Off track" not in text_of(chinese)
    # The same figures, written for the language.
    assert "2026年11月24日" in text_of(chinese) and "Nov 24, 2026" in text_of(english)
    objective = page(demo_site, "zh-TW/objectives/veteran-access")
    assert "資料截至" in text_of(objective)
    # Chart text too: month ticks and the points' tooltips.
    ticks = _x_ticks(objective)
    assert "2026年1月" in ticks and not any(re.fullmatch(r"\d{4}-\d\d", t) for t in ticks)
    assert "<title>2026年1月1日: " in objective
    english = page(demo_site, "objectives/veteran-access")
    assert "Jan 2026" in _x_ticks(english)
    assert "<title>Jan 1, 2026: " in english


def test_the_switcher_and_hreflang_point_at_the_same_page_in_each_language(demo_site):
    objective = page(demo_site, "zh-TW/objectives/veteran-access")
    switcher = re.findall(r'<a href="([^"]+)" hreflang="([^"]+)"[^>]*class="md-select__link"', objective)
    assert switcher == [("../../../objectives/veteran-access/", "en"),
                        ("../../../zh-TW/objectives/veteran-access/", "zh-TW")]
    # The head names each language's site; its sitemap lists every page's translations.
    hreflang = dict((lang, href) for lang, href in
                    re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', objective))
    assert hreflang == {"en": "https://okrs.example.org/", "zh-TW": "https://okrs.example.org/zh-TW/"}
    sitemap = (demo_site / "site/zh-TW/sitemap.xml").read_text("utf-8")
    entry = re.search(r"<url>\s*<loc>https://okrs.example.org/zh-TW/objectives/veteran-access/</loc>.*?</url>",
                      sitemap, re.S).group(0)
    assert re.findall(r'<xhtml:link rel="alternate" hreflang="([^"]+)" href="([^"]+)"/>', entry) == [
        ("en", "https://okrs.example.org/objectives/veteran-access/"),
        ("zh-TW", "https://okrs.example.org/zh-TW/objectives/veteran-access/")]
    english_map = (demo_site / "site/sitemap.xml").read_text("utf-8")
    for text in (sitemap, english_map):
        ET.fromstring(text.encode("utf-8"))  # well-formed, namespaces declared
    assert "<loc>https://okrs.example.org/objectives/veteran-access/</loc>" in english_map
    assert "<loc>https://okrs.example.org/zh-TW/" not in english_map
    english = page(demo_site, "objectives/veteran-access")
    assert '<a href="../../zh-TW/objectives/veteran-access/" hreflang="zh-TW"' in english


def test_every_page_exists_in_every_language(demo_site):
    site = demo_site / "site"
    english = {p.relative_to(site) for p in site.rglob("index.html") if p.relative_to(site).parts[0] != "zh-TW"}
    chinese = {p.relative_to(site / "zh-TW") for p in (site / "zh-TW").rglob("index.html")}
    assert len(english) > 30 and english == chinese


def test_search_is_per_language_and_chinese_is_segmented(demo_site):
    site = demo_site / "site"
    english = json.loads((site / "search/search_index.json").read_text("utf-8"))
    chinese = json.loads((site / "zh-TW/search/search_index.json").read_text("utf-8"))
    english_text = " ".join(d["title"] + d["text"] for d in english["docs"])
    chinese_text = " ".join(d["title"] + d["text"] for d in chinese["docs"])
    assert not re.search(r"[\u4e00-\u9fff]{2}", english_text)
    # jieba splits Chinese into words with zero-width spaces, which the index's
    # separator then splits on: a word inside a sentence can be found.
    assert "\u200b" in chinese_text
    assert "\u200b" in chinese["config"]["separator"] or "u200b" in chinese["config"]["separator"]
    # Traditional characters are split as words, not cut across them (jieba's own
    # dictionary is Simplified: 承諾縮短候診時間 would come out 承諾縮|短候|診時間).
    assert "\u200b縮短\u200b候診\u200b時間\u200b" in chinese_text


def test_the_open_data_is_the_same_in_both_languages(demo_site):
    site = demo_site / "site"
    assert (site / "api/okrs.json").read_bytes() == (site / "zh-TW/api/okrs.json").read_bytes()


# --- fallbacks ----------------------------------------------------------------------


OBJECTIVE = """\
    id: wait
    title: {en: Shorter waits, zh-TW: 縮短候診時間}
    description: {en: "Only in **English**."}
    owner: {en: Chief Operating Officer, zh-TW: 營運長}
    period: cy2026
    key_results:
      - id: wait
        title: {en: New-patient wait}
        type: metric
        metric: wait
        baseline: {value: 30, date: 2026-01-01}
        target: {value: 20, date: 2026-12-31}
"""


def test_an_untranslated_text_is_shown_in_the_default_language_and_says_so(portal, cli):
    root = portal({
        "okrs/objectives/wait.yml": OBJECTIVE,
        "okrs/metrics/wait.yml": "title: {en: New-patient wait, zh-TW: 新病人候診}\nunit: days\n",
        "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n2026-03-01,27\n",
    })
    assert cli(root, "build", "--as-of", "2026-06-30").code == 0
    chinese = page(root, "zh-TW/objectives/wait")
    assert re.search(r'<div lang="en"><p>Only in <strong>English</strong>.</p>\s*</div>', chinese)
    assert re.search(r'<h3 id="kr-wait" lang="en">New-patient wait', chinese)
    assert "縮短候診時間" in chinese and '<span lang="en">縮短' not in chinese
    english = page(root, "objectives/wait")
    assert 'lang="en"><p>Only' not in english and '<span lang="en">' not in english
    # Owner pages keep one path across languages, named from the default language.
    assert (root / "site/owners").is_dir()
    assert sorted(p.name for p in (root / "site/owners").iterdir()) == \
        sorted(p.name for p in (root / "site/zh-TW/owners").iterdir())


def test_an_untranslated_title_marks_the_heading(portal, cli):
    root = portal({
        "okrs/objectives/wait.yml": OBJECTIVE.replace("{en: Shorter waits, zh-TW: 縮短候診時間}", "{en: Shorter waits}"),
        "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n",
    })
    assert cli(root, "build", "--as-of", "2026-06-30").code == 0
    assert re.search(r'<h1 id="top" lang="en">Shorter waits', page(root, "zh-TW/objectives/wait"))
    assert '<h1 id="top">Shorter waits' in page(root, "objectives/wait")


def test_a_single_language_portal_has_one_site_and_no_switcher(portal, cli):
    single = OBJECTIVE.replace("{en: Shorter waits, zh-TW: 縮短候診時間}", "Shorter waits").replace(
        "{en: Chief Operating Officer, zh-TW: 營運長}", "Chief Operating Officer")
    root = portal({"okrs/objectives/wait.yml": single, "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n"},
                  portal_yml="schema: 1\ntitle: T\norganization: O\nperiods:\n"
                             "  - {id: cy2026, title: Y, start: 2026-01-01, end: 2026-12-31}\n")
    assert cli(root, "build", "--as-of", "2026-06-30").code == 0
    home = page(root, "")
    assert "md-select__link" not in home and 'hreflang' not in home
    assert not any(p.name.startswith("zh") for p in (root / "site").iterdir())


def test_the_traditional_chinese_dictionary_is_written_once_and_splits_traditional_words(tmp_path):
    import jieba

    from site_builder.engine.chinese_search import needs_traditional_words, traditional_dictionary

    assert [needs_traditional_words(code) for code in ("zh-TW", "zh-Hant", "zh-hk", "zh", "zh-CN", "en")] == \
        [True, True, True, False, False, False]
    path = traditional_dictionary(tmp_path)
    written = path.stat().st_mtime_ns
    assert traditional_dictionary(tmp_path) == path and path.stat().st_mtime_ns == written
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left
    tokenizer = jieba.Tokenizer(str(path))
    assert "|".join(tokenizer.cut("我們承諾縮短候診時間")) == "我們|承諾|縮短|候診|時間"
    assert "|".join(tokenizer.cut("我们承诺缩短候诊时间")) == "我们|承诺|缩短|候诊|时间"  # Simplified still works


def test_a_language_is_declared_with_the_portals_own_code_and_a_missing_catalog_is_said(portal, cli):
    root = portal({"okrs/objectives/wait.yml": OBJECTIVE.replace("zh-TW", "pt-BR").replace(
                       "        type: metric\n", "        type: metric\n        weight: 0.5\n"),
                   "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n"},
                  portal_yml="schema: 1\ntitle: T\norganization: O\nlanguages: [en, pt-BR]\nperiods:\n"
                             "  - {id: cy2026, title: Y, start: 2026-01-01, end: 2026-12-31}\n")
    run = cli(root, "build", "--as-of", "2026-06-30")
    assert run.code == 0
    # Material calls its Portuguese translation "pt"; the page is declared as written.
    assert '<html lang="pt-BR"' in page(root, "pt-BR/objectives/wait")
    assert "30 de jun. de 2026" in text_of(page(root, "pt-BR/objectives/wait"))
    assert re.search(r"<dt>Weight</dt><dd>0,5</dd>", page(root, "pt-BR/objectives/wait"))  # its decimal comma
    assert re.search(r"<dt>Weight</dt><dd>0.5</dd>", page(root, "objectives/wait"))
    assert "warning: okr-portal has no message catalog for 'pt-BR'" in run.err
    assert "catalog" not in cli(root, "validate").err


def test_the_demo_languages_all_have_catalogs(demo_site):
    from site_builder.render.messages import has_catalog

    assert has_catalog("en") and has_catalog("zh-TW") and not has_catalog("pt-BR")


def test_without_room_for_the_dictionary_the_search_keeps_jiebas_own_words(tmp_path):
    from site_builder.engine.chinese_search import traditional_dictionary

    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should be")
    assert traditional_dictionary(blocked / "cache") is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
    # With a second place to keep it (the portal's work folder), it goes there.
    path = traditional_dictionary(blocked / "cache", tmp_path / "work")
    assert path is not None and path.parent == tmp_path / "work"
    assert traditional_dictionary(tmp_path / "elsewhere", tmp_path / "work") == path  # found, not made again
    assert not (tmp_path / "elsewhere").exists()


def test_the_dictionary_is_kept_once_per_machine_not_per_portal(portal, cli, tmp_path, monkeypatch):
    cache = tmp_path / "user-cache"
    monkeypatch.setenv("OKR_PORTAL_CACHE", str(cache))
    roots = [portal({"okrs/objectives/wait.yml": OBJECTIVE, "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n"})]
    roots.append(tmp_path / "second")
    shutil.copytree(roots[0] / "okrs", roots[1] / "okrs")
    for root in roots:
        assert cli(root, "build", "--as-of", "2026-06-30").code == 0
        assert not list((root / ".okr-portal").glob("jieba-*"))
    made = list(cache.glob("jieba-*-zh-hant.txt"))
    assert len(made) == 1 and list(cache.iterdir()) == made

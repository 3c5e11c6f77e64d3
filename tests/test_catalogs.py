"""The gettext catalogs of okr-portal's own words: extracted from the code, updated, compiled,
and a portal's own okrs/locale/<lang>.po read safely."""

from __future__ import annotations

import gettext
import io
import shutil
import subprocess
import sys

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from conftest import REPO
from site_builder.catalogs import POT, english, po_path, product_languages
from site_builder.render.messages import has_catalog, messages
from test_site import page, text_of

sys.path.insert(0, str(REPO / "tools"))
import catalogs as tool  # noqa: E402  (tools/catalogs.py: `make catalogs`)

# --- extraction: the keys the code and the templates use ------------------------------


def _extracted(source: str, kind: str) -> list[tuple[int, str, str]]:
    method = tool.template_keys if kind == "template" else tool.python_keys
    return [(line, key, how[0]) for line, _, key, how in method(io.BytesIO(source.encode()), {}, (), {})]


def test_the_extraction_finds_each_way_the_code_names_a_message():
    python = ('a = msg["owner"]\nb = ctx.msg.get("due", "")\nc = msg[f"status.{s.value}"]\n'
              "d = labels['chart_today']\ne = msg['flag.' + f]\nf = messages('en')[\"tags\"]\nstate = 'ended'\n")
    assert _extracted(python, "python") == [
        (1, "owner", "use"), (2, "due", "use"), (3, "status.", "prefix"), (4, "chart_today", "use"),
        (5, "flag.", "prefix"), (6, "tags", "use"), (6, "en", "literal"), (7, "ended", "literal")]
    template = "{{ msg.owner }} {{ msg['report.contents'] }} {{ msg.get('x') }}\n"
    assert _extracted(template, "template") == [(1, "owner", "use"), (1, "report.contents", "use")]


def test_the_pot_holds_exactly_the_messages_the_code_uses():
    refs, problems = tool.references(english())
    assert problems == []
    assert sorted(set(english()) - set(refs)) == [], "unused messages: make catalogs drops them"
    assert refs["status.on_track"] and refs["owner"]  # through an f-string prefix, and in templates
    assert any(path == "site_builder/templates/objective.md.j2" for path, _ in refs["owner"])


def test_a_message_used_without_english_stops_make_catalogs():
    without = {key: text for key, text in english().items() if key != "no_check_ins"}
    _, problems = tool.references(without)
    assert problems and all("'no_check_ins' has no English in site_builder/locale/okr-portal.pot" in p
                            for p in problems)
    assert problems[0].startswith("site_builder/templates/objective.md.j2:")


def test_updating_a_catalog_keeps_translations_and_marks_changed_english_fuzzy():
    pot = Catalog(domain="okr-portal")
    pot.add("Owner", context="owner")
    pot.add("Due by", context="due")  # its English changed
    pot.add("Brand new", context="new")
    po = Catalog(locale="zh_TW", domain="okr-portal")
    po.add("Owner", "負責人", context="owner")
    po.add("Due", "截止日期", context="due")
    po.add("Gone", "已刪除", context="gone")  # no longer used
    out = tool.updated(po, pot)
    assert [(m.context, m.id, m.string or "", m.fuzzy) for m in out if m.id] == [
        ("owner", "Owner", "負責人", False), ("due", "Due by", "截止日期", True), ("new", "Brand new", "", False)]
    assert not out.obsolete
    # A fuzzy entry is shown in English until a translator checks it.
    from site_builder.catalogs import Entry, usable
    assert usable([Entry("due", "Due by", "截止日期", 3, True)], {"due": "Due by"}) == {}


def test_make_catalogs_regenerates_the_pot_and_updates_each_po(tmp_path):
    """tools/catalogs.py run for real, on a copy of the package: it writes, then finds nothing to do."""
    shutil.copytree(REPO / "site_builder", tmp_path / "site_builder",
                    ignore=shutil.ignore_patterns("__pycache__", "scaffold", "defaults"))
    shutil.copytree(REPO / "tools", tmp_path / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    pot = tmp_path / "site_builder/locale/okr-portal.pot"
    # The English of a message changes (in the .pot, where it is written), and one unused appears.
    text = pot.read_text("utf-8")
    assert 'msgid "No check-ins yet."' in text
    pot.write_text(text.replace('msgid "No check-ins yet."', 'msgid "Nobody has checked in yet."')
                   + '\nmsgctxt "unused.key"\nmsgid "Nothing uses me"\nmsgstr ""\n', "utf-8")
    run = lambda *args: subprocess.run([sys.executable, "tools/catalogs.py", *args], cwd=tmp_path,  # noqa: E731
                                       capture_output=True, text=True, timeout=120)
    assert run().returncode == 0
    assert run("--check").returncode == 0  # nothing left to change
    new_pot = read_po(io.BytesIO(pot.read_bytes()))
    assert new_pot.get("Nothing uses me", context="unused.key") is None
    entry = new_pot.get("Nobody has checked in yet.", context="no_check_ins")
    assert entry is not None and any(path.endswith("objective.md.j2") for path, _ in entry.locations)
    po = read_po(io.BytesIO((tmp_path / "site_builder/locale/zh_TW/LC_MESSAGES/okr-portal.po").read_bytes()))
    changed = po.get("Nobody has checked in yet.", context="no_check_ins")
    assert changed.fuzzy and changed.string == "尚無進度回報。"
    assert po.get("On track", context="status.on_track").string == "進度正常"


@pytest.mark.parametrize("lang", product_languages())
def test_each_catalog_compiles_and_gettext_reads_it(lang):
    with po_path(lang).open("rb") as f:
        catalog = read_po(f)
    assert [problem for problem in catalog.check() if problem[1]] == []
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    compiled = gettext.GNUTranslations(mo)
    for key, text in english().items():
        assert compiled.pgettext(key, text) == messages(lang)[key]


def test_the_pot_is_english_only():
    with POT.open("rb") as f:
        pot = read_po(f)
    assert all(not m.string for m in pot if m.id)
    assert messages("en") == english() and len(english()) > 250


# --- a portal's own okrs/locale/<lang>.po ---------------------------------------------

PT_PORTAL = """\
schema: 1
title: T
organization: O
languages: [en, pt-BR]
periods:
  - {id: cy2026, title: Y, start: 2026-01-01, end: 2026-12-31}
"""
OBJECTIVE = """\
id: wait
title: Shorter waits
owner: Chief Operating Officer
period: cy2026
key_results:
  - id: wait
    title: New-patient wait
    metric: wait
    baseline: {value: 30, date: 2026-01-01}
    target: {value: 20, date: 2026-12-31}
"""
PT_PO = """\
msgid ""
msgstr ""
"Language: pt_BR\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

msgctxt "owner"
msgid "Owner"
msgstr "Responsável"

msgctxt "status.on_track"
msgid "On track"
msgstr "No caminho certo"
"""


def _pt(portal, po: str | bytes, name: str = "pt-BR.po"):
    return portal({"okrs/objectives/wait.yml": OBJECTIVE, "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n",
                   f"okrs/locale/{name}": po}, portal_yml=PT_PORTAL)


def _entry(key: str, english_text: str, text: str) -> str:
    return f'\nmsgctxt "{key}"\nmsgid "{english_text}"\nmsgstr "{text}"\n'


def test_a_portal_adds_a_language_with_a_po_file(portal, cli):
    root = _pt(portal, PT_PO)
    run = cli(root, "build", "--as-of", "2026-06-30")
    assert run.code == 0, run.err
    assert "no message catalog" not in run.err
    portuguese = page(root, "pt-BR/objectives/wait")
    assert "<dt>Responsável</dt>" in portuguese and "<dt>Owner</dt>" not in portuguese
    assert "No caminho certo" in text_of(portuguese)
    assert "Key results" in text_of(portuguese)  # not translated: English
    assert "Responsável" not in page(root, "objectives/wait")
    assert has_catalog("pt-BR", ["pt-BR"]) and not has_catalog("pt-BR")
    assert cli(root, "validate").code == 0


def test_a_portal_rewords_a_language_okr_portal_has(portal, cli):
    root = portal({"okrs/objectives/wait.yml": OBJECTIVE, "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n",
                   "okrs/locale/zh-TW.po": _entry("owner", "Owner", "承辦單位")})
    assert cli(root, "build", "--as-of", "2026-06-30").code == 0
    chinese = page(root, "zh-TW/objectives/wait")
    assert "<dt>承辦單位</dt>" in chinese and f"<dt>{messages('zh-TW')['owner']}</dt>" not in chinese
    assert messages("zh-TW")["key_results"] in text_of(chinese)  # the rest: okr-portal's own translation


@pytest.mark.parametrize("po, line, words", [
    (PT_PO + "garbage here\n", 13, "this line is not part of a translation entry"),
    (b'msgctxt "owner"\nmsgid "Owner"\nmsgstr "Respons\xe1vel"\n', 3, "this file is not UTF-8 text"),
    ("#" * 2_000_001, 1, "larger than 2 MB"),
])
def test_a_po_file_that_cannot_be_read_is_one_error_at_its_line(portal, cli, po, line, words):
    root = _pt(portal, po)
    run = cli(root, "validate")
    assert run.code == 1
    lines = [text for text in (run.out + run.err).splitlines() if "okrs/locale" in text]
    assert len(lines) == 1 and lines[0].startswith(f"okrs/locale/pt-BR.po:{line}: ") and words in lines[0]
    assert "Traceback" not in run.err and "garbage" not in lines[0] and "\xe1" not in lines[0]
    assert cli(root, "build", "--as-of", "2026-06-30").code == 1


def test_a_po_file_linked_from_outside_the_portal_is_not_read(portal, cli, tmp_path):
    secret = tmp_path.parent / f"{tmp_path.name}-secret.po"
    secret.write_text(_entry("owner", "Owner", "SECRET-WORDS"), "utf-8")
    root = _pt(portal, "")
    (root / "okrs/locale/pt-BR.po").unlink()
    (root / "okrs/locale/pt-BR.po").symlink_to(secret)
    run = cli(root, "validate")
    assert run.code == 1
    assert "okrs/locale/pt-BR.po:1: this file is a link to a file outside the portal; it is not read" in run.out + run.err
    assert "SECRET" not in run.out + run.err


@pytest.mark.parametrize("entry, words", [
    (_entry("objectives_n", "Objectives: {count}", "Objetivos: {total}"),
     "must use exactly the placeholders of the English ({count})"),
    (_entry("objectives_n", "Objectives: {count}", "Objetivos: {count"), "a { or } that is not part of"),
    (_entry("key_results", "Key results", "<script>alert(1)</script>"), "the site would take for HTML or Markdown"),
    (_entry("key_results", "Key results", "[Dono](javascript:alert(1))"), "the site would take for HTML or Markdown"),
    (_entry("key_results", "Key results", "Resultados\\n# Anúncio"), "a line break"),
    (_entry("key_results", "Key results of the period", "Resultados"), "this translation is of older English ('Key results of the period')"),
    (_entry("ownr", "Owner", "Dono"), "okr-portal has no message 'ownr' (did you mean 'owner'?)"),
    ('\nmsgid "Key results"\nmsgstr "Resultados"\n', "this entry has no msgctxt line"),
])
def test_an_entry_that_cannot_be_shown_safely_is_a_warning_and_the_english_is_shown(portal, cli, entry, words):
    root = _pt(portal, PT_PO + entry)
    run = cli(root, "validate")
    assert run.code == 0
    [warning] = [text for text in (run.out + run.err).splitlines() if "okrs/locale" in text]
    line = 15 if "msgctxt" in entry else 14  # the entry's msgid
    assert warning.startswith(f"okrs/locale/pt-BR.po:{line}: warning: ") and words in warning
    assert "alert" not in warning and "script" not in warning
    assert cli(root, "build", "--as-of", "2026-06-30").code == 0
    shown = page(root, "pt-BR/objectives/wait")
    assert "<script>alert" not in shown and "javascript:" not in shown and "SECRET" not in shown
    assert "No caminho certo" in text_of(shown) or "Responsável" in text_of(shown)  # the good entries stay


def test_an_untranslated_or_fuzzy_entry_is_english_without_a_warning(portal, cli):
    root = _pt(portal, PT_PO.replace('msgstr "Responsável"', 'msgstr ""')
               + '\n#, fuzzy\nmsgctxt "key_results"\nmsgid "Key results"\nmsgstr "Resultados-chave"\n')
    run = cli(root, "validate")
    assert run.code == 0 and "okrs/locale" not in run.out + run.err
    assert cli(root, "build", "--as-of", "2026-06-30").code == 0
    shown = text_of(page(root, "pt-BR/objectives/wait"))
    assert "Owner" in shown and "Key results" in shown and "Resultados-chave" not in shown


def test_a_po_file_for_a_language_the_portal_does_not_have_is_a_warning(portal, cli):
    root = _pt(portal, PT_PO, name="fr.po")
    (root / "okrs/locale/notes.txt").write_text("translator's notes")
    run = cli(root, "validate")
    assert run.code == 0
    out = run.out + run.err
    assert "okrs/locale/fr.po:1: warning: 'fr' is not one of the languages in okrs/portal.yml (en, pt-BR)" in out
    assert "okrs/locale/notes.txt:1: warning: only translation files named after their language" in out
    build = cli(root, "build", "--as-of", "2026-06-30")
    assert "no message catalog for 'pt-BR'" in build.err

"""The product's own words as gettext catalogs (site_builder/locale/), and the rules a translation keeps.

Each entry's msgctxt is the key the code and the templates name (``status.on_track``), its
msgid the English and its msgstr the translation: translators see the English in Poedit or
Weblate, and the code keeps its short keys. The .pot holds the English (``make catalogs``
regenerates it from the keys the code uses, see tools/catalogs.py); each language is
``locale/<ll_CC>/LC_MESSAGES/okr-portal.po``, as Babel lays catalogs out. The .po files are
read as they are (no compiled .mo to go stale), once per process.

Both the product's catalogs and a portal's own ``okrs/locale/<lang>.po`` (source/load_locale.py)
are read here, and both keep the same rules: a translation names exactly the placeholders its
English does (``{count}``: another would crash str.format or show a raw brace), and holds no
HTML or Markdown marks (the site shows messages as text).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from babel.messages.pofile import PoFileError, read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "okr-portal"
POT = LOCALE_DIR / f"{DOMAIN}.pot"

# Marks that HTML or Markdown would act on: none of the English messages has one, so a
# translation that brings one is taken for markup, not for words.
MARKUP = frozenset("<>&[]`*_\\|")


def babel_locale(lang: str) -> str:
    """A portal's language code as Babel names catalogs: zh-TW -> zh_TW."""
    return lang.replace("-", "_")


def same_language(a: str, b: str) -> bool:
    return babel_locale(a).lower() == babel_locale(b).lower()


def po_path(lang: str) -> Path:
    return LOCALE_DIR / babel_locale(lang) / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass(frozen=True)
class Entry:
    key: str | None  # msgctxt (None: an entry without one, which okr-portal never names)
    english: str  # msgid
    text: str  # msgstr ("" when untranslated)
    line: int  # of its msgid, 1-based
    fuzzy: bool


class CatalogError(Exception):
    """A .po file Babel cannot read: ``line`` (1-based) and the reason in plain words."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line
        self.reason = reason


def parse_po(lines: Iterable[str]) -> list[Entry]:
    """The entries of a .po (or .pot) file, in file order; raises CatalogError."""
    try:
        # abort_invalid: Babel would otherwise print its warnings on stdout and go on.
        catalog = read_po(lines, abort_invalid=True)
    except PoFileError as exc:
        raise CatalogError(exc.lineno + 1, "this line is not part of a translation entry: each entry is a "
                                           'msgctxt, a msgid and a msgstr line, each with its text in "double quotes"')
    except (ValueError, TypeError, LookupError):  # a header Babel cannot make sense of (plural forms, charset)
        raise CatalogError(1, "the header of this translation file cannot be read: save it again with a "
                              "translation tool such as Poedit")
    entries = []
    for message in catalog:
        if not message.id or message.pluralizable:  # the header, or plural forms okr-portal never uses
            continue
        entries.append(Entry(message.context, message.id, message.string or "", message.lineno or 1,
                             message.fuzzy))
    return entries


def placeholders(text: str) -> set[str] | None:
    """The ``{name}`` placeholders of a message; None when str.format could not read it."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def translation_problem(english: str, text: str) -> str | None:
    """Why ``text`` cannot stand for ``english`` on the site, in plain words; None when it can."""
    wanted, found = placeholders(english), placeholders(text)
    if found is None:
        return "this translation has a { or } that is not part of a {name} placeholder"
    if found != wanted:
        names = ", ".join("{" + n + "}" for n in sorted(wanted)) or "no placeholder"
        return f"this translation must use exactly the placeholders of the English ({names})"
    outside = "".join(part for part, _, _, _ in string.Formatter().parse(text))
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029" for ch in text):
        # a line break would end a Markdown heading or paragraph and start a block of its own
        return "this translation has a line break or a control character: keep it on one line"
    marks = sorted(MARKUP & set(outside))
    if marks:
        return f"this translation has {' '.join(marks)}, which the site would take for HTML or Markdown: use words"
    return None


def usable(entries: Iterable[Entry], english: dict[str, str]) -> dict[str, str]:
    """key -> translation for the entries that may be shown: fuzzy, empty or broken ones, and
    those made for other English, are left out (the site shows the English there)."""
    out = {}
    for entry in entries:
        source = english.get(entry.key) if entry.key else None
        if (source is not None and entry.text and not entry.fuzzy and entry.english == source
                and translation_problem(source, entry.text) is None):
            out[entry.key] = entry.text
    return out


def _read(path: Path) -> list[Entry]:
    with path.open(encoding="utf-8") as lines:
        return parse_po(lines)


@lru_cache(maxsize=None)
def english() -> dict[str, str]:
    """key -> English: the .pot's msgctxt and msgid."""
    return {entry.key: entry.english for entry in _read(POT) if entry.key}


def product_languages() -> tuple[str, ...]:
    """The languages okr-portal has a catalog of (Babel's names: zh_TW), English aside."""
    return tuple(sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")))


@lru_cache(maxsize=None)
def product_translation(lang: str) -> dict[str, str]:
    """key -> text of okr-portal's own catalog for ``lang`` ({} when it has none)."""
    found = next((code for code in product_languages() if same_language(code, lang)), None)
    return usable(_read(po_path(found)), english()) if found else {}

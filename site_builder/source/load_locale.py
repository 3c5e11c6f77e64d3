"""A portal's own translations of okr-portal's words: okrs/locale/<lang>.po (DESIGN.md §2).

A portal adds a language okr-portal has no catalog for, or rewords one it has, with a .po file
made from okr-portal's .pot (Poedit, Weblate): its entries replace okr-portal's own, message by
message. The file comes from a pull request like any other, so it is read with care: a file
that cannot be read at all (too large, not UTF-8, not a .po, a link out of the portal) is an
error; an entry that could not be shown safely (other placeholders than the English, HTML or
Markdown marks, made for other English) is a warning, and the English is shown in its place.
"""

from __future__ import annotations

import os
from pathlib import Path

from site_builder.catalogs import CatalogError, english, parse_po, same_language, translation_problem, usable
from site_builder.problems import Loc, Problem, did_you_mean, excerpt
from site_builder.source.files import refused

LOCALE_DIR = "okrs/locale"
MAX_BYTES = 2_000_000  # okr-portal's own catalog is about 40 KB


def load_locale(root: Path, languages: tuple[str, ...], problems: list[Problem]) -> dict[str, dict[str, str]]:
    """language (as portal.yml writes it) -> key -> text, for each okrs/locale/<lang>.po that
    could be read; the problems found go to ``problems``."""
    folder = root / LOCALE_DIR
    if not os.path.lexists(folder) or refused(root, LOCALE_DIR, problems):
        return {}
    if not folder.is_dir():
        problems.append(Problem(Loc(LOCALE_DIR), "okrs/locale must be a folder of translation files named "
                                                 "after their language, such as okrs/locale/pt-BR.po"))
        return {}
    found: dict[str, dict[str, str]] = {}
    for name in sorted(os.listdir(folder)):
        rel = f"{LOCALE_DIR}/{name}"
        if name.startswith("."):
            continue
        stem, dot, suffix = name.rpartition(".")
        if not dot or suffix != "po" or not (folder / name).is_file():
            problems.append(Problem(Loc(rel), "only translation files named after their language, such as "
                                              "pt-BR.po, are read in okrs/locale; this one is not", warning=True))
            continue
        lang = next((code for code in languages if same_language(code, stem)), None)
        if lang is None:
            problems.append(Problem(Loc(rel), f"{excerpt(stem)!r} is not one of the languages in okrs/portal.yml "
                                              f"({', '.join(languages)}); this file is not used", warning=True))
            continue
        if lang in found:
            problems.append(Problem(Loc(rel), f"there is another translation file for {lang} in okrs/locale; "
                                              "this one is not used", warning=True))
            continue
        if refused(root, rel, problems):
            continue
        words = _read_po(folder / name, rel, problems)
        if words is not None:
            found[lang] = words
    return found


def _read_po(path: Path, rel: str, problems: list[Problem]) -> dict[str, str] | None:
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        problems.append(Problem(Loc(rel), f"cannot read this file: {exc.strerror or exc}"))
        return None
    if len(data) > MAX_BYTES:
        problems.append(Problem(Loc(rel), f"this translation file is larger than {MAX_BYTES // 1_000_000} MB; "
                                          "it is not read"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        problems.append(Problem(Loc(rel, line), "this file is not UTF-8 text: save it as UTF-8 (Poedit and "
                                                "Weblate do)"))
        return None
    try:
        entries = parse_po(text.splitlines(keepends=True))
    except CatalogError as exc:
        problems.append(Problem(Loc(rel, exc.line), exc.reason))
        return None
    source = english()
    for entry in entries:
        reason = _entry_problem(entry, source)
        if reason:
            problems.append(Problem(Loc(rel, entry.line), reason, warning=True))
    return usable(entries, source)


def _entry_problem(entry, source: dict[str, str]) -> str | None:
    if entry.key is None:
        return ("this entry has no msgctxt line: okr-portal finds each message by its msgctxt (such as "
                "status.on_track); make the file from okr-portal's .pot")
    if entry.key not in source:
        return f"okr-portal has no message {excerpt(entry.key)!r}{did_you_mean(entry.key, source)}; it is not used"
    if not entry.text or entry.fuzzy:
        return None  # not translated yet: the English is shown, as the translator expects
    if entry.english != source[entry.key]:
        return (f"this translation is of older English ({excerpt(entry.english)!r}); the English is shown until it "
                "is updated from okr-portal's .pot")
    reason = translation_problem(source[entry.key], entry.text)
    return f"{reason}; the English is shown instead" if reason else None

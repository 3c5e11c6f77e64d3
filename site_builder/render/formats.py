"""Numbers, values and dates as the site and the status table show them, by language.

Babel (CLDR) knows each language's separators and date patterns; it is asked
once per language and the formatting itself stays plain string work, because
a large portal formats hundreds of thousands of values per build.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_date


@dataclass(frozen=True)
class LanguageFormat:
    """What formatting needs of a language: its separators and its date patterns."""

    code: str
    babel: Locale
    decimal: str
    group: str


@lru_cache(maxsize=None)
def locale_for(lang: str) -> LanguageFormat:
    try:
        babel = Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        babel = Locale.parse("en")
    symbols = babel.number_symbols.get("latn", {})
    return LanguageFormat(lang, babel, symbols.get("decimal", "."), symbols.get("group", ","))


def _localize(text: str, lang: str) -> str:
    """Python's 1,234.5 with the language's own separators."""
    if lang == "en":
        return text
    loc = locale_for(lang)
    if loc.decimal == "." and loc.group == ",":
        return text
    return text.replace(",", "\0").replace(".", loc.decimal).replace("\0", loc.group)


def format_number(value: float, decimals: int | None = None, lang: str = "en") -> str:
    if decimals is not None:
        text = f"{value:,.{decimals}f}"
    elif float(value).is_integer():
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.1f}"
    return _localize(text, lang)


def format_value(value: float, decimals: int | None, unit: str | None, lang: str = "en") -> str:
    """A metric value with its unit: 17.9 days, 89.1%, 0.78 per 10,000 patient days."""
    text = format_number(value, decimals, lang)
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def format_percent(ratio: float | None) -> str:
    """A whole percentage: no separator to localize."""
    return "—" if ratio is None else f"{ratio * 100:.0f}%"


@lru_cache(maxsize=65536)
def format_date(day: date, lang: str = "en") -> str:
    """A day as the language writes it: Jun 30, 2026 · 2026年6月30日.

    Month names, not numbers: 06/07 means June in one country and July in the
    next. Cached, since a portal repeats the same days on every page.
    """
    return _babel_date(day, "medium", locale=locale_for(lang).babel)


@lru_cache(maxsize=4096)
def format_month(day: date, lang: str = "en") -> str:
    """A month as the language writes it: Jun 2026 · 2026年6月."""
    from babel.dates import format_skeleton

    return format_skeleton("yMMM", day, locale=locale_for(lang).babel)


@lru_cache(maxsize=None)
def language_name(lang: str) -> str:
    """A language's name in itself, for the language switcher: English, 中文 (台灣)."""
    name = locale_for(lang).babel.get_display_name() or lang
    return name[:1].upper() + name[1:]

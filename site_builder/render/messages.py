"""Every string the product itself writes on the site, by language.

Templates read these as a plain mapping (``msg.key``), never by calling
Python; a language without a string falls back to English.
"""

from __future__ import annotations

from site_builder.render.messages_en import EN
from site_builder.render.messages_zh_tw import ZH_TW

# One module per language, each a plain dict of key -> text.
MESSAGES: dict[str, dict[str, str]] = {"en": EN, "zh-TW": ZH_TW}


def messages(lang: str) -> dict[str, str]:
    """The catalog for ``lang``, with English for anything not translated."""
    return {**MESSAGES["en"], **MESSAGES.get(lang, {})}


def has_catalog(lang: str) -> bool:
    """Whether okr-portal's own words exist in ``lang`` (English needs none)."""
    return lang in MESSAGES

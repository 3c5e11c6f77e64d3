"""Every string the product itself writes on the site, by language.

The words are gettext catalogs (site_builder/catalogs.py reads them): okr-portal's own, and a
portal's ``okrs/locale/<lang>.po`` (read by the load stage into Settings.locale) over them.
Templates read the result as a plain mapping (``msg.key``), never by calling Python; a
message with no translation is shown in English.
"""

from __future__ import annotations

from typing import Collection, Mapping

from site_builder.catalogs import english, product_languages, product_translation, same_language


def messages(lang: str, portal_words: Mapping[str, str] | None = None) -> dict[str, str]:
    """The catalog for ``lang``: English, under okr-portal's translation, under the portal's own
    (``portal_words``: key -> text, from its okrs/locale/<lang>.po, already checked)."""
    return {**english(), **product_translation(lang), **(portal_words or {})}


def has_catalog(lang: str, portal_languages: Collection[str] = ()) -> bool:
    """Whether okr-portal's own words exist in ``lang`` (English needs none), in its catalogs or
    in the portal's (``portal_languages``: those it has an okrs/locale/<lang>.po for)."""
    return any(same_language(lang, code) for code in ("en", *product_languages(), *portal_languages))

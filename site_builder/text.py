"""Translatable text fields (T in DESIGN.md §3)."""

from __future__ import annotations

from dataclasses import dataclass

from site_builder.problems import Loc


@dataclass(frozen=True)
class Text:
    """Markdown in one or more languages.

    ``plain_text`` is set when the file gave a single string: it is the text in
    every language. Otherwise ``translations`` holds (language, text, where).
    """

    loc: Loc
    plain_text: str | None = None
    translations: tuple[tuple[str, str, Loc], ...] = ()

    @classmethod
    def plain(cls, text: str, loc: Loc) -> "Text":
        return cls(loc, plain_text=text)

    @classmethod
    def translated(cls, translations, loc: Loc) -> "Text":
        return cls(loc, translations=tuple(translations))

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang, _, _ in self.translations)

    def get(self, lang: str, default_lang: str) -> str:
        """The text in ``lang``, falling back to the portal's default language."""
        return self.resolve(lang, default_lang)[0]

    def resolve(self, lang: str, default_lang: str) -> tuple[str, str | None]:
        """The text in ``lang`` and, when it is a fallback, the language it is really in."""
        if self.plain_text is not None:
            return self.plain_text, None
        fallback = None
        for code, text, _ in self.translations:
            if code == lang:
                return text, None
            if code == default_lang:
                fallback = (text, code)
        if fallback is not None:
            return fallback
        return self.translations[0][1], self.translations[0][0]

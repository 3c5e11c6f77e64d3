"""Word splitting for the search index of Traditional Chinese sites.

Chinese is written without spaces, so Material's search plugin splits it into
words with jieba when it builds the index. jieba's dictionary is Simplified
Chinese: on Traditional text it cuts words apart (承諾縮短候診時間 comes out as
承諾縮 | 短候 | 診時間), and then 候診 ("waiting to be seen") finds nothing.
This module makes jieba's dictionary bilingual: every entry also in
Traditional characters (OpenCC's s2tw conversion), written once per machine
(see cache_folders) and given to jieba in the engine's process, for the pages the
plugin indexes, and to ``segmenter``, which splits the generated pages' entries
the same way (search_index).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

ENV = "OKR_PORTAL_JIEBA_DICT"  # the engine's process reads the dictionary's path from here
_TRADITIONAL = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")


def needs_traditional_words(lang: str) -> bool:
    lang = lang.lower()
    return any(lang == code or lang.startswith(code + "-") for code in _TRADITIONAL)


CACHE_ENV = "OKR_PORTAL_CACHE"  # a folder for what okr-portal keeps between builds of any portal


def cache_folders(work: Path) -> list[Path]:
    """Where the dictionary is kept, best first: the user's cache folder, so that it is made
    once per machine (as jieba keeps its own), and the portal's work folder."""
    if os.environ.get(CACHE_ENV):
        return [Path(os.environ[CACHE_ENV]), work]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return [Path(base) / "okr-portal", work]


def traditional_dictionary(*folders: Path) -> Path | None:
    """jieba's dictionary plus each entry in Traditional characters; None without jieba or OpenCC.

    Found in the first folder that has it, else written (in about a second) into the
    first that takes it, for later builds.
    """
    if importlib.util.find_spec("jieba") is None or importlib.util.find_spec("opencc") is None:
        return None
    import jieba

    name = f"jieba-{getattr(jieba, '__version__', '0')}-zh-hant.txt"
    for folder in folders:
        if (folder / name).is_file():
            return folder / name
    text = _bilingual_words(Path(jieba.__file__).with_name("dict.txt"))
    for folder in folders:
        path = folder / name
        tmp = folder / f"{name}.{os.getpid()}.tmp"  # builds running at once each write their own
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)  # a build killed half-way leaves no half dictionary behind
            return path
        except OSError:  # a full or read-only disk: the next folder, else jieba's own words
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
    return None


def _bilingual_words(simplified: Path) -> str:
    import opencc

    source = simplified.read_text("utf-8").splitlines()
    words = [line.split(" ", 1) for line in source if line.strip()]
    converted = opencc.OpenCC("s2tw").convert("\n".join(word for word, _ in words)).split("\n")
    known = {word for word, _ in words}
    extra = [f"{new} {rest}" for (word, rest), new in zip(words, converted)
             if new != word and new not in known and " " not in new]
    return "\n".join(source + extra) + "\n"


def configure_jieba() -> None:
    """In the engine's process: use the dictionary named by ENV, if any."""
    path = os.environ.get(ENV)
    if not path or importlib.util.find_spec("jieba") is None:
        return
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" chatter is not the portal's concern
    jieba.set_dictionary(path)


def segmenter(dictionary: str | None = None):
    """A function splitting the Chinese in a text into words as Material's search plugin
    does (each run of Han characters cut by jieba, the words between zero-width spaces),
    with ``dictionary`` (traditional_dictionary) or jieba's own; None without jieba, as
    the plugin then splits nothing. jieba loads its dictionary on the first Chinese text."""
    if importlib.util.find_spec("jieba") is None:
        return None
    import logging
    import re

    import jieba

    jieba.setLogLevel(logging.WARNING)
    try:  # the plugin's own pattern (backrefs comes with Material)
        from backrefs import bre

        han = bre.compile(r"(\p{script: Han}+)", bre.UNICODE)
    except ImportError:
        han = re.compile("([\u2e80-\u2e99\u2e9b-\u2ef3\u2f00-\u2fd5\u3005\u3007\u3021-\u3029\u3038-\u303b"
                         "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufa6d\ufa70-\ufad9\U00020000-\U0003134a]+)")
    tokenizer = jieba.Tokenizer(dictionary) if dictionary else jieba.Tokenizer()

    def words(match) -> str:
        return "\u200b" + "\u200b".join(tokenizer.cut(match.group(0))) + "\u200b"

    def segment(text: str) -> str:
        return han.sub(words, text).strip("\u200b")

    return segment

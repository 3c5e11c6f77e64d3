"""Link previews: the Open Graph and Twitter card image of each objective page and of each of
its key results (1200×630 PNG, drawn with Pillow at build time), and the words they share.

A card shows the title (wrapped, at most three lines), the status in words, progress as a
bar with its percentage in words, the organization and the as-of date. Status is never
colour alone: the pill names it. Each language's docs tree has its own cards (the titles are
translated); a card whose content did not change is read back from the previous build
rather than drawn again (see speed.earlier_file), so the docs tree keeps the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
from functools import lru_cache

from site_builder import speed
from site_builder.compute.rules import ObjectiveStatus
from site_builder.compute.status import Status
from site_builder.render.context import Context
from site_builder.render.formats import format_percent

WIDTH, HEIGHT = 1200, 630
LAYOUT = "okr-card 1"  # part of every card's key: change it when the drawing changes
KEY_CHUNK = "okr-card"  # the PNG text chunk holding what the card was drawn from

# The status colours of the site's light scheme (theme/assets/stylesheets), white text on each.
COLOURS = {
    Status.ACHIEVED: (27, 107, 53), Status.ON_TRACK: (0, 102, 125), Status.AT_RISK: (138, 81, 0),
    Status.OFF_TRACK: (179, 38, 30), Status.MISSED: (140, 29, 91), Status.NO_DATA: (91, 100, 114),
}
INK, MUTED, TRACK, BACKGROUND = (20, 28, 38), (80, 90, 104), (221, 226, 232), (255, 255, 255)

# TrueType fonts tried in turn (Debian's paths): fonts-dejavu-core, and fonts-noto-cjk for
# the languages DejaVu has no glyphs for. (path, face index in a collection)
_DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans{}.ttf"
_NOTO_CJK = ("/usr/share/fonts/opentype/noto/NotoSansCJK-{}.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-{}.ttc")
_CJK_FACE = {"zh-TW": 3, "zh-HK": 4, "zh-Hant": 3, "zh": 2, "zh-CN": 2, "ja": 0, "ko": 1}


def card_doc(objective_id: str) -> str:
    """Where an objective's card is in the docs tree: cards/<objective>.png."""
    return f"cards/{objective_id}.png"


def status_sentence(ctx: Context, status: Status, progress: float | None) -> str:
    """The status in words, for link previews and search results: "Status: At risk. Progress 62%."."""
    msg = ctx.msg
    return f"{msg['status']}: {msg[f'status.{status.value}']}. {msg['progress']} {format_percent(progress)}."


def objective_cards(ctx: Context, status: ObjectiveStatus) -> dict[str, bytes]:
    """The card of an objective page, by docs path. Its key results share it (their embed pages
    name it too): a card costs about 14 ms to draw, and a portal has four or five key results for
    each objective, so a card each would make drawing cards most of a cold build's generator time."""
    org = ctx.plain(ctx.report.settings.organization)
    as_of = f"{ctx.msg['as_of']} {ctx.date(ctx.report.as_of)}"
    rel = card_doc(status.objective.id)
    return {rel: _card(ctx, rel, ctx.plain(status.objective.title), status.status, status.progress, org, as_of)}


def _card(ctx: Context, rel: str, title: str, status: Status, progress: float | None, org: str,
          as_of: str) -> bytes:
    msg = ctx.msg
    texts = (title, msg[f"status.{status.value}"], f"{msg['progress']} {format_percent(progress)}", org, as_of)
    fonts = font_files(ctx.lang)
    key = hashlib.sha256(repr((LAYOUT, texts, status.value, progress, fonts)).encode("utf-8")).hexdigest()
    earlier = speed.earlier_file(ctx.lang, rel)
    if earlier is not None and f"{KEY_CHUNK}\x00{key}".encode("ascii") in earlier[:256]:
        return earlier
    return draw(texts, COLOURS[status], progress, fonts, key)


# --- fonts ---------------------------------------------------------------------------


@lru_cache(maxsize=16)
def font_files(lang: str) -> tuple[tuple[str, int] | None, tuple[str, int] | None]:
    """The (regular, bold) TrueType fonts for a language's cards; None where none is installed."""
    if lang in _CJK_FACE or lang.split("-")[0] in ("zh", "ja", "ko"):
        face = _CJK_FACE.get(lang, _CJK_FACE.get(lang.split("-")[0], 0))
        for pattern in _NOTO_CJK:
            regular, bold = pattern.format("Regular"), pattern.format("Bold")
            if os.path.isfile(regular):
                return (regular, face), ((bold, face) if os.path.isfile(bold) else (regular, face))
    regular, bold = _DEJAVU.format(""), _DEJAVU.format("-Bold")
    if not os.path.isfile(regular):
        return None, None
    return (regular, 0), ((bold, 0) if os.path.isfile(bold) else (regular, 0))


def font_notices(languages) -> tuple[str, ...]:
    """What a build says when the cards of a language lack a proper font."""
    out = []
    for lang in languages:
        regular, _ = font_files(lang)
        if regular is None:
            out.append(f"no TrueType font for the link-preview images in {lang!r}: they use Pillow's "
                       f"own font (install fonts-dejavu-core)")
        elif lang.split("-")[0] in ("zh", "ja", "ko") and "CJK" not in regular[0]:
            out.append(f"no CJK font for the link-preview images in {lang!r}: titles may show as boxes "
                       f"(install fonts-noto-cjk)")
    return tuple(out)


@lru_cache(maxsize=64)
def _font(spec: tuple[str, int] | None, size: int):
    from PIL import ImageFont

    if spec is None:
        try:
            return ImageFont.load_default(size=size)
        except TypeError:  # Pillow without FreeType: the small bitmap font
            return ImageFont.load_default()
    return ImageFont.truetype(spec[0], size=size, index=spec[1])


# --- drawing -------------------------------------------------------------------------

_TOKEN = re.compile(r"\S+\s*|\s+")


def _tokens(text: str) -> list[str]:
    """Words with their trailing space; wide (CJK) characters one by one, as they break anywhere."""
    out = []
    for word in _TOKEN.findall(text):
        part = ""
        for char in word:
            if unicodedata.east_asian_width(char) in "WF":
                if part:
                    out.append(part)
                out.append(char)
                part = ""
            else:
                part += char
        if part:
            out.append(part)
    return out


def wrap(text: str, font, width: int, max_lines: int) -> list[str]:
    """Lines of at most ``width`` pixels, at most ``max_lines`` (the last cut with "…")."""
    lines, line = [], ""
    for token in _tokens(" ".join(text.split())):
        if line and font.getlength((line + token).rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines = lines[:max_lines - 1] + [last.rstrip() + "…"]
    return lines


def _fitted(text: str, bold, width: int) -> tuple[object, list[str]]:
    """The largest title size whose lines fit in three."""
    for size in (64, 56, 48):
        font = _font(bold, size)
        lines = wrap(text, font, width, 99)
        if len(lines) <= 3:
            return font, lines
    return font, wrap(text, font, width, 3)


def draw(texts: tuple[str, ...], colour: tuple[int, int, int], progress: float | None, fonts, key: str) -> bytes:
    """The card as PNG bytes: title, status pill, progress bar with its words, organization, date."""
    from PIL import Image, ImageDraw
    from PIL.PngImagePlugin import PngInfo

    title, status_word, progress_words, org, as_of = texts
    regular, bold = fonts
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    pen = ImageDraw.Draw(image)
    left, inner = 88, WIDTH - 2 * 88
    pen.rectangle((0, 0, 24, HEIGHT), fill=colour)  # the status's colour, beside its words
    pen.text((left, 56), _cut(org, _font(regular, 32), inner), font=_font(regular, 32), fill=MUTED)
    font, lines = _fitted(title, bold, inner)
    y = 120
    for line in lines:
        pen.text((left, y), line, font=font, fill=INK)
        y += int(font.size * 1.22)
    pill_font = _font(bold, 36)
    word_width = int(pill_font.getlength(status_word))
    pen.rounded_rectangle((left, 392, left + word_width + 48, 452), radius=30, fill=colour)
    pen.text((left + 24, 422), status_word, font=pill_font, fill=BACKGROUND, anchor="lm")
    words_font = _font(bold, 36)
    pen.text((WIDTH - left, 422), progress_words, font=words_font, fill=INK, anchor="rm")
    pen.rounded_rectangle((left, 480, WIDTH - left, 512), radius=16, fill=TRACK)
    filled = max(0.0, min(1.0, progress or 0.0))
    if filled > 0:
        pen.rounded_rectangle((left, 480, left + max(32, int(inner * filled)), 512), radius=16, fill=colour)
    pen.text((left, 552), _cut(as_of, _font(regular, 28), inner), font=_font(regular, 28), fill=MUTED)
    info = PngInfo()
    info.add_text(KEY_CHUNK, key)  # before the image data: speed.earlier_file finds it in the first bytes
    out = io.BytesIO()
    image.quantize(64, method=Image.Quantize.FASTOCTREE).save(out, "PNG", pnginfo=info)  # small, and fast to make
    return out.getvalue()


def _cut(text: str, font, width: int) -> str:
    return wrap(text, font, width, 1)[0] if text.strip() else ""


# --- the site's logo and favicon ---------------------------------------------------------

MARK = "assets/images/okr-portal.svg"  # okr-portal's own mark, in the package's theme


def logo_doc(settings) -> str:
    """Where the site's logo (and favicon) is in the docs tree: the portal's, else okr-portal's mark."""
    if settings.logo_data is not None and settings.logo:
        return "assets/logo" + os.path.splitext(settings.logo)[1].lower()
    return "assets/okr-portal.svg"


def logo_files(settings) -> dict[str, bytes]:
    """The logo, copied into the docs tree (a portal's own theme/ may not have our mark)."""
    if settings.logo_data is not None and settings.logo:
        return {logo_doc(settings): settings.logo_data}
    return {logo_doc(settings): _mark()}


@lru_cache(maxsize=1)
def _mark() -> bytes:
    from importlib import resources

    return (resources.files("site_builder") / "defaults" / "theme" / MARK).read_bytes()

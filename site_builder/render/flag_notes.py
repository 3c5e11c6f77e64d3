"""[2] The flags of observations in tables (DESIGN.md §3, §5): a flagged value carries a
footnote marker (a letter linking to the notes under the table), and the notes say in
words what each marker means. Charts mark the same points (see charts.kinds).
"""

from __future__ import annotations

from typing import Iterable

from markupsafe import Markup

from site_builder.model import FLAGS

_LETTERS = "abcdefgh"


class FlagNotes:
    """The markers and notes of one table: ``prefix`` keeps its anchors apart from the
    page's other tables."""

    def __init__(self, msg: dict, flags: Iterable[str | None], prefix: str):
        present = set(flags)
        self.markers: dict[str, Markup] = {}
        items = []
        for letter, flag in zip(_LETTERS, [f for f in FLAGS if f in present]):
            word, anchor = msg[f"flag.{flag}"], f"{prefix}-flag-{flag}"
            self.markers[flag] = Markup(
                '<sup class="okr-flag"><a href="#{0}" title="{1}">{2}<span class="okr-visually-hidden"> ({1})'
                '</span></a></sup>').format(anchor, word, letter)
            items.append(Markup('<li id="{0}"><span class="okr-flag-notes__marker">{1}</span> {2}</li>').format(
                anchor, letter, word))
        self.notes = Markup('<ul class="okr-flag-notes" aria-label="{0}">{1}</ul>').format(
            msg["flag_notes"], Markup("").join(items)) if items else Markup("")

    def __bool__(self) -> bool:
        return bool(self.markers)

    def value(self, text: str, flag: str | None) -> str | Markup:
        """The text of a value with the marker of its flag (escaped, when it has one)."""
        marker = self.markers.get(flag) if flag else None
        return text if marker is None else Markup("{0}{1}").format(text, marker)


def flag_words(msg: dict, observations: Iterable, day) -> str:
    """A chart's text alternative about its flags: which values are flagged, and where the
    method changed (``day`` writes a date); "" when none is."""
    flagged = [(o.date, o.flag) for o in observations if o.flag]
    if not flagged:
        return ""
    counts = {f: sum(1 for _, g in flagged if g == f) for f in FLAGS}
    text = msg["flagged_values"].format(list=", ".join(f"{msg['flag.' + f]} ({n})" for f, n in counts.items() if n))
    breaks = [day(d) for d, f in flagged if f == "break"]
    if breaks:
        text += " " + msg["method_changed_on"].format(dates=", ".join(breaks))
    return text

"""What an objective or key result says, as a dict of comparable fields, and what changed.

One home for both readers of past revisions: the site's history (``revisions``)
compares values as written; ``okr-portal diff`` compares the same fields as the
site shows them. A ``FieldView`` decides how each value looks; the field names and
their order are written once, here.
"""

from __future__ import annotations

from typing import NamedTuple

from site_builder.model import FieldChange, KeyResult, Objective
from site_builder.text import Text

TRANSLATIONS = " (translations)"  # suffix of a field compared but never shown


class Shown(NamedTuple):
    """A value compared by ``key`` (a number, not its formatting) and shown as ``text``."""

    key: object
    text: object


def key(value: object) -> object:
    return value.key if isinstance(value, Shown) else value


def shown(value: object) -> object:
    return value.text if isinstance(value, Shown) else value


class FieldView:
    """Values as written, compared by meaning (the history's view).

    The history compares fewer fields than the diff (no description, tags, done
    or check-ins): a subclass adds them through ``describes`` and the ``*_extras``.
    """

    describes = False  # compare an objective's description

    def texts(self, **texts: Text | None) -> dict[str, object]:
        out = {}
        for name, text in texts.items():
            if text is None:
                out[name] = None
            else:  # translations sorted: their order in the file is not a change
                out[name] = text.plain_text if text.plain_text is not None else \
                    tuple(sorted((l, t) for l, t, _ in text.translations))
        return out

    def plain(self, value):
        return value

    def number(self, value: float | None):
        return value

    def baseline(self, kr: KeyResult):
        return (kr.baseline.date, kr.baseline.value) if kr.baseline else None

    def target(self, kr: KeyResult):
        return kr.target.value if kr.target else None

    def target_date(self, kr: KeyResult, objective: Objective | None):
        # None means "the period's end", whatever that is at the time.
        return kr.target.date if kr.target else None

    def threshold(self, kr: KeyResult):
        return (kr.threshold.min, kr.threshold.max) if kr.threshold else None

    def kr_extras(self, kr: KeyResult) -> dict[str, object]:
        return {}

    def objective_extras(self, objective: Objective) -> dict[str, object]:
        return {}


AS_WRITTEN = FieldView()


def kr_fields(kr: KeyResult, objective: Objective | None = None, view: FieldView = AS_WRITTEN) -> dict[str, object]:
    """What a key result promises, in comparable values (``objective``: for its period's end)."""
    out = view.texts(title=kr.title)
    out.update({
        "type": view.plain(kr.type),
        "commitment": view.plain(kr.commitment),
        "weight": view.number(kr.weight),
        "metric": view.plain(kr.metric),
        "baseline": view.baseline(kr),
        "target": view.target(kr),
        "target date": view.target_date(kr, objective),
        "threshold": view.threshold(kr),
        "due": view.plain(kr.due),
    })
    out.update(view.kr_extras(kr))
    return out


def objective_fields(objective: Objective, view: FieldView = AS_WRITTEN) -> dict[str, object]:
    texts = {"title": objective.title, "owner": objective.owner}
    if view.describes:
        texts["description"] = objective.description
    out = view.texts(**texts)
    out["period"] = view.plain(objective.period)
    # Schema 2's organization, as written: None (no key) is the organization itself / no parent.
    out["unit"] = view.plain(objective.unit or None)
    out["alignment"] = view.plain(objective.aligns_to or None)
    out.update(view.objective_extras(objective))
    return out


def field_changes(old: dict, new: dict, unsure: bool = False) -> tuple[FieldChange, ...]:
    """Fields whose value differs (by ``key``), new fields first and then removed ones.

    Translations are compared but only marked "edited". ``unsure``: the new file has
    problems, so a value that vanished may just be unreadable and is not a change.
    """
    changes = []
    for name in [*new, *(k for k in old if k not in new)]:
        before, after = old.get(name, ""), new.get(name, "")
        if key(before) == key(after) or (unsure and not shown(after)):
            continue
        hidden = name.endswith(TRANSLATIONS)
        changes.append(FieldChange(name, "" if hidden else shown(before), "edited" if hidden else shown(after)))
    return tuple(changes)

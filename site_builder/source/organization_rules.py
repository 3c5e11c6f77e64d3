"""Stage 2, schema 2: the rules of the organization (DESIGN.md §3) — units, alignment, rollups.

Pure functions from the model to problems, called by ``validate``. In a schema 1
portal the keys they check were refused when read (they need schema 2), so there
is nothing here for them to find. As everywhere in validate, None means "already
reported": a unit or objective whose id could not be read is left out, and a rule
that would only repeat what was already reported (every unit unknown because
units.yml could not be read) does not run.
"""

from __future__ import annotations

import posixpath
from typing import Callable, Iterator

from site_builder.model import Objective, Portal, Unit
from site_builder.problems import Loc, Problem, did_you_mean, excerpt

_QUOTED_CHARS = 129  # the longest aligns_to (an id, '/', an id): quoted whole, still through excerpt
_QUOTED_PATH_CHARS = 300
_SHOWN_IN_A_CIRCLE = 8  # a circle longer than this is shown by its first members and how many more


def _q(value: object) -> str:
    return excerpt(value, _QUOTED_CHARS)


def _path(objective: Objective) -> str:
    """An objective's file, as a message names it (a file name can hold anything)."""
    return excerpt(objective.path, _QUOTED_PATH_CHARS)


def organization_problems(portal: Portal) -> list[Problem]:
    """Every problem of units.yml, of objectives' `unit` and `aligns_to`, and of rollup key results."""
    problems: list[Problem] = list(_units(portal.units))
    objectives = _first_by_id(portal.objectives)
    for objective in portal.objectives:
        problems += _unit_of(objective, portal)
        problems += _alignment(objective, objectives, portal)
    problems += _alignment_circles(portal.objectives, objectives)
    problems += _rollups_without_support(portal.objectives)
    return problems


def _first_by_id(items) -> dict:
    first: dict = {}
    for item in items:
        if item.id is not None:
            first.setdefault(item.id, item)
    return first


# --- units.yml ----------------------------------------------------------------


def _units(units: tuple[Unit, ...]) -> Iterator[Problem]:
    if not units:
        return
    first: dict[str, Unit] = {}
    for unit in units:
        if unit.id is None:
            continue
        if unit.id in first:
            yield Problem(_id_loc(unit), f"unit id '{_q(unit.id)}' is used twice (first at line "
                                         f"{_id_loc(first[unit.id]).line})")
        else:
            first[unit.id] = unit
    named = [u for u in units if u.id is not None]
    # A unit whose `parent:` was written but could not be read (reported) is no root.
    roots = [u for u in named if u.parent is None and "parent" not in u.locs]
    if not roots and len(named) == len(units):
        yield Problem(units[0].loc, "no unit is the organization itself: exactly one unit has no 'parent' (the "
                                    "organization); every other unit names the unit it belongs to")
    for root in roots[1:]:
        yield Problem(_id_loc(root), f"unit '{_q(root.id)}' has no parent, and neither has '{_q(roots[0].id)}' "
                                     f"(line {_id_loc(roots[0]).line}): only the organization itself has no parent; "
                                     f"give the other units a 'parent'")
    for unit in named:
        if unit.parent is None or first.get(unit.id) is not unit:
            continue
        if unit.parent == unit.id:
            yield Problem(unit.locs["parent"], f"unit '{_q(unit.id)}' names itself as its parent; its parent is "
                                               "the unit it belongs to")
        elif unit.parent not in first:
            yield Problem(unit.locs["parent"], f"unit '{_q(unit.id)}': unknown parent '{_q(unit.parent)}'"
                                               f"{did_you_mean(unit.parent, first)}; a parent is the id of another "
                                               "unit in okrs/units.yml")
    def parent_of(unit_id: str) -> str | None:
        parent = first[unit_id].parent
        return None if parent == unit_id else parent  # its own parent: reported above, not as a circle

    for circle in _circles(list(first), parent_of):
        names = _circle_text([f"'{_q(unit_id)}'" for unit_id in circle], f"'{_q(circle[0])}'")
        yield Problem(first[circle[0]].locs["parent"],
                      f"parent makes a circle: {names}; following 'parent' from any unit must lead up to the "
                      "organization, the unit without a parent")


def _id_loc(item) -> Loc:
    return item.locs.get("id", item.loc)


# --- an objective's unit and alignment ----------------------------------------------


def _unit_of(objective: Objective, portal: Portal) -> Iterator[Problem]:
    if objective.unit is None:
        return
    loc = objective.locs.get("unit", objective.loc)
    if portal.units_path is None:
        yield Problem(loc, f"unit '{_q(objective.unit)}': there is no okrs/units.yml; create it to list the "
                           "organization's units, or remove 'unit' (the objective then belongs to the organization)")
        return
    if not portal.units or any(u.id is None for u in portal.units):
        return  # units.yml, or a unit's id, could not be read (reported): any unit could look unknown
    ids = {u.id for u in portal.units}
    if objective.unit not in ids:
        yield Problem(loc, f"unknown unit '{_q(objective.unit)}'{did_you_mean(objective.unit, ids)}; "
                           "okrs/units.yml has no unit with this id")


def _alignment(objective: Objective, objectives: dict[str, Objective], portal: Portal) -> Iterator[Problem]:
    ref = objective.parent_ref
    if ref is None:
        return
    parent_id, kr_id = ref
    loc = objective.locs.get("aligns_to", objective.loc)
    if parent_id == objective.id:
        yield Problem(loc, f"objective '{_q(objective.id)}' aligns to itself; aligns_to names another objective, "
                           "the one this objective contributes to")
        return
    parent = objectives.get(parent_id)
    if parent is None:
        yield Problem(loc, f"aligns_to: unknown objective '{_q(parent_id)}'{did_you_mean(parent_id, objectives)}")
        return
    if kr_id is not None:
        kr_ids = [kr.id for kr in parent.key_results if kr.id is not None]
        if kr_id not in kr_ids:
            yield Problem(loc, f"aligns_to: objective '{_q(parent_id)}' ({_path(parent)}) has no key result "
                               f"'{_q(kr_id)}'{did_you_mean(kr_id, kr_ids)}; its key results: "
                               f"{', '.join(_q(i) for i in kr_ids)}")
    if objective.is_public and parent.visibility == "draft":
        yield Problem(loc, f"this objective is public but aligns to '{_q(parent_id)}' ({_path(parent)}), a draft: "
                           f"a published objective cannot contribute to an unpublished one; publish "
                           f"'{_q(parent_id)}' or make this objective a draft too")
    yield from _periods_nest(objective, parent, portal, loc)


def _periods_nest(objective: Objective, parent: Objective, portal: Portal, loc: Loc) -> Iterator[Problem]:
    """The parent's period contains the child's: parent start <= child start, parent end >= child end."""
    settings = portal.settings
    if settings is None or objective.period is None or parent.period is None:
        return
    own, theirs = settings.period(objective.period), settings.period(parent.period)
    if own is None or theirs is None or None in (own.start, own.end, theirs.start, theirs.end):
        return  # an unknown period or a date that could not be read: reported
    if theirs.start <= own.start and theirs.end >= own.end:
        return
    yield Problem(loc, f"period '{_q(own.id)}' ({own.start} to {own.end}) is not inside the period of "
                       f"'{_q(parent.id)}', '{_q(theirs.id)}' ({theirs.start} to {theirs.end}): an objective can "
                       "contribute only to one whose period contains its own")


def _alignment_circles(in_order: tuple[Objective, ...], objectives: dict[str, Objective]) -> Iterator[Problem]:
    def parent_of(objective_id: str) -> str | None:
        ref = objectives[objective_id].parent_ref
        # Aligning to itself is reported as such, not as a circle of one.
        return None if ref is None or ref[0] == objective_id else ref[0]

    for circle in _circles([o.id for o in in_order if o.id is not None and objectives[o.id] is o], parent_of):
        first = objectives[circle[0]]
        names = _circle_text([_path(objectives[i]) for i in circle], excerpt(posixpath.basename(first.path)))
        yield Problem(first.locs.get("aligns_to", first.loc), f"aligns_to makes a circle: {names}")


# --- circles ------------------------------------------------------------------------


def _circles(ids: list[str], parent_of: Callable[[str], str | None]) -> list[list[str]]:
    """Each circle that following ``parent_of`` makes among ``ids`` (in their order), once,
    starting at its member that comes first in ``ids``. A parent not in ``ids`` ends a path."""
    known = set(ids)
    order = {i: n for n, i in enumerate(ids)}
    done: set[str] = set()
    circles = []
    for start in ids:
        path: list[str] = []
        on_path: set[str] = set()
        here: str | None = start
        while here is not None and here in known and here not in done and here not in on_path:
            path.append(here)
            on_path.add(here)
            here = parent_of(here)
        if here is not None and here in on_path:
            circle = path[path.index(here):]
            turn = min(range(len(circle)), key=lambda n: order[circle[n]])
            circles.append(circle[turn:] + circle[:turn])
        done |= on_path
    return sorted(circles, key=lambda c: order[c[0]])


def _circle_text(names: list[str], back_to: str) -> str:
    shown = names if len(names) <= _SHOWN_IN_A_CIRCLE else names[:_SHOWN_IN_A_CIRCLE] + [
        f"… ({len(names) - _SHOWN_IN_A_CIRCLE} more)"]
    return " → ".join(shown + [f"back to {back_to}"])


# --- rollup key results ---------------------------------------------------------------


def _rollups_without_support(objectives: tuple[Objective, ...]) -> Iterator[Problem]:
    """A rollup key result that nothing aligns to shows no data: a warning, not an error
    (the objectives that will support it may not be written yet)."""
    supporters: dict[tuple[str, str], list[Objective]] = {}
    for objective in objectives:
        ref = objective.parent_ref
        if ref is not None and ref[1] is not None:
            supporters.setdefault(ref, []).append(objective)
    for objective in objectives:
        if objective.id is None:
            continue
        for kr in objective.key_results:
            if kr.type != "rollup" or kr.id is None:
                continue
            aligned = supporters.get((objective.id, kr.id), [])
            where = kr.locs.get("type", kr.loc)
            written = f"aligns_to: {_q(objective.id)}/{_q(kr.id)}"
            if not aligned:
                yield Problem(where, f"key result '{_q(kr.id)}' is a rollup, but no objective aligns to it "
                                     f"({written}): it shows no data until one does", warning=True)
            elif objective.is_public and not any(o.is_public for o in aligned):
                yield Problem(where, f"key result '{_q(kr.id)}' is a rollup, but only drafts align to it "
                                     f"({written}): it shows no data until one of them is published", warning=True)

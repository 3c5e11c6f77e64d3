"""The organization (DESIGN.md §3–§4, schema 2): the unit tree, who supports whom, and
the roll-up counts.

Pure functions of a valid portal's public objectives and their statuses. The counts
are counts of objective statuses, never an average: an average could hide a failing
result, a count cannot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

from site_builder.compute.status import DISPLAY_ORDER, Status
from site_builder.model import Objective, Unit

# (objective id, key result id): what an objective aligns to; key result None: the objective itself
Ref = tuple[str, "str | None"]


@dataclass(frozen=True)
class UnitTree:
    """okrs/units.yml as a tree; empty (no root) when the portal has no units."""

    units: tuple[Unit, ...] = ()
    root: str | None = None
    children: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # in file order
    by_id: Mapping[str, Unit] = field(default_factory=dict)

    @classmethod
    def of(cls, units: tuple[Unit, ...]) -> "UnitTree":
        children: dict[str, list[str]] = {u.id: [] for u in units}
        for unit in units:
            if unit.parent is not None and unit.parent in children:
                children[unit.parent].append(unit.id)
        root = next((u.id for u in units if u.parent is None), None)
        return cls(units, root, {k: tuple(v) for k, v in children.items()}, {u.id: u for u in units})

    def unit_of(self, objective: Objective) -> str | None:
        """The id of the unit that owns ``objective``: its own, else the organization's."""
        return objective.unit or self.root

    def ancestors(self, unit_id: str) -> list[str]:
        """The unit's parent, its parent's parent… up to the root (nearest first)."""
        out, seen = [], {unit_id}
        parent = self.by_id[unit_id].parent if unit_id in self.by_id else None
        while parent is not None and parent not in seen:
            out.append(parent)
            seen.add(parent)
            parent = self.by_id[parent].parent if parent in self.by_id else None
        return out

    def subtree(self, unit_id: str) -> list[str]:
        """The unit and all its descendants, depth first in file order."""
        out, pending = [], [unit_id]
        while pending:
            current = pending.pop()
            out.append(current)
            pending.extend(reversed(self.children.get(current, ())))
        return out

    def depths(self) -> dict[str, int]:
        """Each unit's depth below the root (the root: 0), for indented lists."""
        out: dict[str, int] = {}
        if self.root is None:
            return out
        pending = [(self.root, 0)]
        while pending:
            current, depth = pending.pop()
            out[current] = depth
            pending.extend((child, depth + 1) for child in reversed(self.children.get(current, ())))
        return out


@dataclass(frozen=True)
class Alignment:
    """Who supports whom among the public objectives (``aligns_to``)."""

    parents: Mapping[str, Ref] = field(default_factory=dict)  # objective id -> what it aligns to
    children: Mapping[Ref, tuple[str, ...]] = field(default_factory=dict)  # -> objectives aligned to it
    # objective id -> those aligned to it or to one of its key results (what below() walks)
    by_parent: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, objectives: Iterable[Objective]) -> "Alignment":
        """Among ``objectives`` (public, in report order): a parent outside them is no parent."""
        objectives = list(objectives)
        ids = {o.id for o in objectives}
        parents: dict[str, Ref] = {}
        children: dict[Ref, list[str]] = {}
        for objective in objectives:
            ref = objective.parent_ref
            if ref is not None and ref[0] in ids:
                parents[objective.id] = ref
                children.setdefault(ref, []).append(objective.id)
        by_parent: dict[str, list[str]] = {}
        for (parent, _), ids_ in children.items():
            by_parent.setdefault(parent, []).extend(ids_)
        return cls(parents, {ref: tuple(ids_) for ref, ids_ in children.items()},
                   {parent: tuple(ids_) for parent, ids_ in by_parent.items()})

    def supported_by(self, objective_id: str, key_result_ids: Iterable[str]) -> list[tuple[str | None, tuple[str, ...]]]:
        """The objectives aligned directly to ``objective_id``, grouped by the key result they
        name, in the key results' order; those aligned to the objective itself last (None)."""
        groups = [(kr_id, self.children.get((objective_id, kr_id), ())) for kr_id in key_result_ids]
        groups.append((None, self.children.get((objective_id, None), ())))
        return [(kr_id, ids) for kr_id, ids in groups if ids]

    def direct(self, objective_id: str) -> list[str]:
        """The objectives aligned to ``objective_id`` or to one of its key results."""
        return list(self.by_parent.get(objective_id, ()))

    def below(self, objective_id: str) -> list[str]:
        """Everything that supports ``objective_id``, directly or below, depth first."""
        index = self.by_parent
        out, pending, seen = [], list(reversed(index.get(objective_id, ()))), {objective_id}
        while pending:
            current = pending.pop()
            if current in seen:  # validation forbids cycles; never loop on one anyway
                continue
            seen.add(current)
            out.append(current)
            pending.extend(reversed(index.get(current, ())))
        return out

    def depth(self, objective_id: str) -> int:
        """How many steps up to an objective that aligns to nothing (0 for a top-level one)."""
        depth, current, seen = 0, objective_id, {objective_id}
        while current in self.parents:
            current = self.parents[current][0]
            if current in seen:
                break
            seen.add(current)
            depth += 1
        return depth


def status_counts(statuses: Iterable[Status]) -> dict[Status, int]:
    """How many of each status, in display order (zeros included)."""
    tally = {s: 0 for s in DISPLAY_ORDER}
    for status in statuses:
        tally[status] += 1
    return tally


def unit_counts(tree: UnitTree, objectives: Iterable[tuple[Objective, Status]]) -> dict[str, dict[Status, int]]:
    """For every unit: the status counts of its own objectives and of all its descendant
    units' objectives (DESIGN.md §4, unit roll-up). ``objectives``: one period's."""
    own: dict[str, list[Status]] = {u.id: [] for u in tree.units}
    for objective, status in objectives:
        unit = tree.unit_of(objective)
        if unit in own:
            own[unit].append(status)
    return {unit.id: status_counts(s for member in tree.subtree(unit.id) for s in own[member])
            for unit in tree.units}

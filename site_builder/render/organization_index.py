"""What every language's organization pages derive alike from a report (schema 2): the
objectives by id, who supports whom, the roll-up counts below each objective, and the
unit tree and each period's alignment tree cut into pages.

Made once per report (``of``) and the same in every language: a tree is cut at the same
places in each, so the language switcher leads to the same part of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from site_builder import speed
from site_builder.compute.organization import status_counts, unit_counts
from site_builder.compute.rules import ObjectiveStatus, Report
from site_builder.compute.status import Status
from site_builder.render.markup import to_plain
from site_builder.render.trees import Node, Placed, estimate, first_pages, pack
from site_builder.text import Text

# Estimated markup of one line of a tree, beside its texts (a status badge is ~330 bytes).
OBJECTIVE_LINE = 640
KEY_RESULT_LINE = 560
UNIT_LINE = 700


def objective_key(objective_id: str) -> str:
    return f"o:{objective_id}"


def key_result_key(objective_id: str, key_result_id: str) -> str:
    return f"k:{objective_id}/{key_result_id}"


def unit_key(unit_id: str) -> str:
    return f"u:{unit_id}"


@dataclass(frozen=True)
class TreePages:
    pages: list[list[Placed]]
    first_page: dict[str, int]  # node key -> the page (from 1) that shows it in full


def has_organization(report: Report) -> bool:
    """Whether the portal has units or aligned objectives: only then are the organization's
    pages made (a schema 1 portal's site stays as it was)."""
    return report.units.root is not None or bool(report.alignment.parents)


def has_units(report: Report) -> bool:
    return report.units.root is not None


def of(report: Report) -> "Organization":
    memo = speed.report_memo(report)
    if "organization" not in memo:
        memo["organization"] = Organization(report)
    return memo["organization"]


class Organization:
    """Lookups over one report, each made when first asked for."""

    def __init__(self, report: Report):
        self.report = report
        self.languages = report.settings.languages
        self._below: dict[str, dict[Status, int]] = {}
        self._trees: dict[str, TreePages] = {}
        self._counts: dict[str, dict[str, dict[Status, int]]] = {}

    @cached_property
    def by_id(self) -> dict[str, ObjectiveStatus]:
        return {o.objective.id: o for o in self.report.objectives}

    @cached_property
    def children(self) -> dict[str, list[str]]:
        """Objective id -> the objectives aligned to it or to one of its key results."""
        out: dict[str, list[str]] = {}
        for (parent, _), ids in self.report.alignment.children.items():
            out.setdefault(parent, []).extend(ids)
        return out

    @cached_property
    def unit_rank(self) -> dict[str, int]:
        """Each unit's place in the unit tree, depth first from the root."""
        tree = self.report.units
        return {u: i for i, u in enumerate(tree.subtree(tree.root))} if tree.root else {}

    def parent(self, objective_id: str) -> ObjectiveStatus | None:
        """The objective it aligns to (itself or through one of its key results), if any."""
        ref = self.report.alignment.parents.get(objective_id)
        return self.by_id.get(ref[0]) if ref else None

    def unit_of(self, status: ObjectiveStatus) -> str | None:
        return self.report.units.unit_of(status.objective)

    def below(self, objective_id: str) -> dict[Status, int]:
        """The status counts of everything that supports the objective, directly or below."""
        if objective_id not in self._below:
            ids = self.report.alignment.below(objective_id) if objective_id in self.children else []
            self._below[objective_id] = status_counts(self.by_id[i].status for i in ids if i in self.by_id)
        return self._below[objective_id]

    def top_first(self, objectives: list[ObjectiveStatus]) -> list[ObjectiveStatus]:
        """The objectives that align to nothing first, the root unit's before the others
        (in the unit tree's order), then the rest as they were."""
        parents, rank = self.report.alignment.parents, self.unit_rank
        top = [o for o in objectives if o.objective.id not in parents]
        top.sort(key=lambda o: rank.get(self.unit_of(o), len(rank)))
        return top + [o for o in objectives if o.objective.id in parents]

    # --- trees -------------------------------------------------------------------

    def _size(self, *texts: Text | None) -> list[str]:
        """The longest form of each text among the languages (so sizes are the same in all)."""
        default = self.report.settings.default_language
        return [max((to_plain(t.get(lang, default)) for lang in self.languages), key=lambda s: len(s.encode()))
                for t in texts if t is not None]

    @cached_property
    def unit_tree(self) -> TreePages:
        tree = self.report.units
        if tree.root is None:
            return TreePages([[]], {})
        nodes = {u.id: Node(unit_key(u.id), estimate(*self._size(u.title, u.lead), fixed=UNIT_LINE))
                 for u in tree.units}
        for unit_id, node in nodes.items():
            node.children = [nodes[c] for c in tree.children.get(unit_id, ()) if c in nodes]
        pages = pack([nodes[tree.root]])
        return TreePages(pages, first_pages(pages))

    def alignment_tree(self, period_id: str) -> TreePages:
        if period_id not in self._trees:
            pages = pack(self._alignment_roots(period_id))
            self._trees[period_id] = TreePages(pages, first_pages(pages))
        return self._trees[period_id]

    def _alignment_roots(self, period_id: str) -> list[Node]:
        """The period's objectives that align to none of its own, each with everything
        aligned below it (objectives of the periods inside it too)."""
        def parent_period(status: ObjectiveStatus) -> str | None:
            parent = self.parent(status.objective.id)
            return parent.period.id if parent else None

        roots = self.top_first([o for o in self.report.objectives
                                if o.period.id == period_id and parent_period(o) != period_id])
        seen: set[str] = set()
        return [self._objective_node(o, seen) for o in roots]

    def _objective_node(self, status: ObjectiveStatus, seen: set[str]) -> Node:
        """The objective's node and, below it, its key results that objectives align to
        (each with those objectives), then the objectives aligned to it as a whole."""
        # Without recursion: an alignment may be many levels deep.
        root = None
        pending: list[tuple[ObjectiveStatus, list[Node] | None]] = [(status, None)]
        while pending:
            current, into = pending.pop()
            objective = current.objective
            seen.add(objective.id)
            node = Node(objective_key(objective.id), self._objective_weight(current))
            if into is None:
                root = node
            else:
                into.append(node)
            groups = self.report.alignment.supported_by(objective.id, [kr.key_result.id for kr in current.key_results])
            later = []
            for kr_id, ids in groups:
                target = node.children
                if kr_id is not None:
                    kr = next(k for k in current.key_results if k.key_result.id == kr_id)
                    kr_node = Node(key_result_key(objective.id, kr_id),
                                   estimate(*self._size(kr.key_result.title), fixed=KEY_RESULT_LINE))
                    node.children.append(kr_node)
                    target = kr_node.children
                for child in ids:
                    if child in self.by_id and child not in seen:
                        seen.add(child)
                        later.append((self.by_id[child], target))
            pending.extend(reversed(later))
        return root

    def _objective_weight(self, status: ObjectiveStatus) -> int:
        unit = self.report.units.by_id.get(self.unit_of(status) or "")
        return estimate(*self._size(status.objective.title, unit.title if unit else None, status.period.title),
                        fixed=OBJECTIVE_LINE)

    def unit_counts(self, period_id: str) -> dict[str, dict[Status, int]]:
        """Each unit's roll-up for the period: its own objectives' and its sub-units' (§4),
        those of the periods inside it included (a quarter's team objectives count in their
        year: a unit whose teams plan by quarter would otherwise show nothing)."""
        if period_id not in self._counts:
            period = self.report.settings.period(period_id)
            self._counts[period_id] = unit_counts(self.report.units, [
                (o.objective, o.status) for o in self.report.objectives
                if o.period.id == period_id or period.start <= o.period.start and o.period.end <= period.end])
        return self._counts[period_id]

    @cached_property
    def _own(self) -> dict[str, list[ObjectiveStatus]]:
        own: dict[str, list[ObjectiveStatus]] = {}
        for status in self.report.objectives:
            own.setdefault(self.unit_of(status) or "", []).append(status)
        return own

    def own_objectives(self, unit_id: str) -> list[ObjectiveStatus]:
        """The unit's own objectives, in report order."""
        return self._own.get(unit_id, [])

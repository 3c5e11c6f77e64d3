"""The typed, immutable model of a portal, as the load stage builds it.

Every object keeps where it was read (``loc``) and where each of its fields
was (``locs``), so any later stage can report ``path:line``. Fields that were
missing or invalid in the files are None here; the validate stage has
reported them, and compute only ever sees a portal that validated.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from operator import itemgetter
from typing import Mapping, NamedTuple

from site_builder.problems import Loc
from site_builder.text import Text


@dataclass(frozen=True)
class Period:
    id: str
    title: Text | None
    start: date | None
    end: date | None
    loc: Loc
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Unit:
    """A unit of the organization (okrs/units.yml, schema 2): the root has no parent."""

    id: str | None
    parent: str | None
    title: Text | None
    lead: Text | None
    description: Text | None
    loc: Loc
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Thresholds:
    at_risk: float = 0.10
    off_track: float = 0.25


@dataclass(frozen=True)
class Explain:
    """[2] The portal's accountability policy (DESIGN.md §4 "Explanation overdue"): a key result
    whose status is listed needs an owner's check-in with next steps from the last
    ``within_days`` days."""

    statuses: tuple[str, ...] = ()  # the loader fills in the default of formats.EXPLAIN
    within_days: int = 45
    loc: Loc | None = None


@dataclass(frozen=True)
class Settings:
    """okrs/portal.yml."""

    schema: int | None
    title: Text | None
    organization: Text | None
    description: Text | None
    languages: tuple[str, ...]
    base_url: str | None
    contact: Text | None
    periods: tuple[Period, ...]
    thresholds: Thresholds
    loc: Loc
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)
    explain: Explain | None = None  # [2] None: no explanation is ever overdue
    logo: str | None = None  # [2] the organization's mark, a path from the portal root (okrs/logo.svg)
    logo_data: bytes | None = field(default=None, compare=False, repr=False)  # its bytes, read by load
    repo_url: str | None = None  # [2] where "propose a change" links point
    # the portal's own words: language -> key -> text, from okrs/locale/<lang>.po (source.load_locale)
    locale: Mapping[str, Mapping[str, str]] = field(default_factory=dict, compare=False, repr=False)
    # the issue forms its repository has (repo_links.issue_forms): "check-in.yml", "new-value.yml"
    issue_forms: frozenset[str] = frozenset()

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def period(self, period_id: str | None) -> Period | None:
        return next((p for p in self.periods if p.id == period_id), None)


@dataclass(frozen=True)
class Point:
    """A baseline or target: a value on a date (a target's date may be omitted)."""

    date: date | None
    value: float | None
    loc: Loc
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Threshold:
    min: float | None
    max: float | None
    loc: Loc

    def holds(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


@dataclass(frozen=True)
class Update:
    """A check-in: the owner's own assessment on a date."""

    date: date | None
    confidence: str | None
    text: Text | None
    loc: Loc
    next_steps: Text | None = None  # [2] what happens next


@dataclass(frozen=True)
class KeyResult:
    id: str | None
    title: Text | None
    type: str | None
    commitment: str
    weight: float
    metric: str | None
    baseline: Point | None
    target: Point | None
    threshold: Threshold | None
    due: date | None
    done: date | None
    updates: tuple[Update, ...]
    loc: Loc
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)
    present: frozenset[str] = frozenset()  # keys written in the file, valid or not
    # [2] the group of its metric it measures, as written ({dimension: code}); None: the headline
    # series. Metric.group_key turns it into the key of Metric.groups.
    breakdown: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Objective:
    id: str | None
    period: str | None
    title: Text | None
    owner: Text | None
    description: Text | None
    tags: tuple[str, ...]
    visibility: str
    internal_notes: str | None
    key_results: tuple[KeyResult, ...]
    path: str
    loc: Loc
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)
    unit: str | None = None  # [2] as written; None: the organization (the root unit)
    aligns_to: str | None = None  # [2] "objective" or "objective/key-result", as written
    retrospective: Text | None = None  # [2] after the period: what was achieved and learned

    @property
    def is_public(self) -> bool:
        return self.visibility == "public"

    @property
    def parent_ref(self) -> tuple[str, str | None] | None:
        """What it aligns to: (objective id, key result id or None), or None."""
        if not self.aligns_to:
            return None
        objective_id, _, key_result_id = self.aligns_to.partition("/")
        return objective_id, key_result_id or None


@dataclass(frozen=True)
class Aggregate:
    """[2] A feed's roll-up of source rows to the metric's frequency (DESIGN.md §3)."""

    every: str | None  # daily | weekly | monthly | quarterly | annual
    how: str | None  # mean | sum | min | max | last | count
    loc: Loc


@dataclass(frozen=True)
class FeedSettings:
    type: str | None
    url: str | None
    date: str
    value: str
    records: str | None
    connection_env: str | None
    query: str | None
    headers_env: Mapping[str, str]
    loc: Loc
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)
    dimensions: Mapping[str, str] = field(default_factory=dict)  # [2] dimension -> source column or field
    aggregate: Aggregate | None = None  # [2]


class Observation(NamedTuple):
    # A named tuple, not a dataclass: a portal holds hundreds of thousands.
    date: date
    value: float | None  # None: the row is there but holds no observation
    note: str | None
    line: int  # in the metric's CSV file (0: computed, for a derived metric)
    flag: str | None = None  # [2] one of FLAGS; "break": the method changed from this observation on


# [2] The data-quality flags of a CSV's flag column, the most severe first: a derived
# observation carries the most severe flag of its inputs (DESIGN.md §4).
FLAGS = ("break", "proxy", "estimate", "provisional")

# [2] A group of a metric's series: ((dimension, code), ...) in the order the metric declares
# its dimensions, naming only the dimensions the rows fill in. () is the headline series.
GroupKey = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Dimension:
    """[2] A breakdown of a metric (a CSV column): its codes, in display order, with their labels."""

    id: str
    title: Text | None
    values: tuple[tuple[str, Text | None], ...]  # (code, label)
    loc: Loc
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)  # each code's line

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.values)

    def label(self, code: str) -> Text | None:
        return dict(self.values).get(code)


@dataclass(frozen=True)
class MapSettings:
    """[2] A choropleth of a metric's latest value per code of one dimension."""

    dimension: str | None
    geojson: str | None  # path under okrs/, as written
    property: str | None  # the feature property that holds the dimension's code
    loc: Loc
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Metric:
    id: str
    title: Text | None
    unit: str | None
    decimals: int | None
    frequency: str | None
    source: Text | None
    methodology: Text | None
    feed: FeedSettings | None
    observations: tuple[Observation, ...]  # sorted by date
    csv_path: str | None
    meta_path: str | None
    loc: Loc
    locs: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)
    # [2] data quality and key indicators (DESIGN.md §3)
    verification: Text | None = None  # how the figures are checked before publication
    limitations: Text | None = None  # what the figures do not show
    lag_days: int | None = None  # None: one interval of its frequency (see compute.overdue)
    direction: str | None = None  # increase | decrease: which way is better
    kpi: Threshold | None = None  # a key indicator, with its band
    # [2] groups (disaggregation), maps and derived metrics (DESIGN.md §3)
    dimensions: tuple[Dimension, ...] = ()
    groups: Mapping[GroupKey, tuple[Observation, ...]] = field(default_factory=dict)  # each sorted by date
    map: MapSettings | None = None
    formula: str | None = None  # as written; a derived metric's series are computed (compute.derived)

    @property
    def derived(self) -> bool:
        return self.formula is not None

    def dimension(self, dimension_id: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.id == dimension_id), None)

    def group_key(self, breakdown: Mapping[str, str] | None) -> GroupKey:
        """The key of the group a key result's ``breakdown`` names (() for none: the headline)."""
        if not breakdown:
            return ()
        order = {d.id: i for i, d in enumerate(self.dimensions)}
        return tuple(sorted(breakdown.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))

    def series(self, group: GroupKey = ()) -> tuple[Observation, ...]:
        """The headline series, or one group's (empty when the group has no rows)."""
        return self.groups.get(group, ()) if group else self.observations

    def between(self, first: date, last: date, group: GroupKey = ()) -> tuple[Observation, ...]:
        """The rows dated from first to last, found by bisection (the rows are sorted)."""
        rows = self.series(group)
        return rows[bisect_left(rows, first, key=_date_of):bisect_right(rows, last, key=_date_of)]

    def until(self, last: date, group: GroupKey = ()) -> tuple[Observation, ...]:
        """The rows dated on or before last."""
        rows = self.series(group)
        return rows[:bisect_right(rows, last, key=_date_of)]


_date_of = itemgetter(0)  # an Observation's date


Ring = tuple[tuple[float, float], ...]  # (longitude, latitude) points, closed


@dataclass(frozen=True)
class Feature:
    """[2] One region of a GeoJSON file: its scalar properties as text, and its polygons."""

    properties: Mapping[str, str]
    polygons: tuple[tuple[Ring, ...], ...]  # each polygon: its outer ring, then its holes
    line: int = 0  # where the feature starts in the file, when known


@dataclass(frozen=True)
class GeoFile:
    """[2] The boundaries a metric's map is drawn with (okrs/<map.geojson>)."""

    path: str  # from the portal root: okrs/geo/counties.geojson
    features: tuple[Feature, ...]
    loc: Loc


@dataclass(frozen=True)
class Portal:
    root: str
    settings: Settings | None
    objectives: tuple[Objective, ...]
    metrics: Mapping[str, Metric]
    units: tuple[Unit, ...] = ()  # [2] okrs/units.yml, in file order; () without it
    units_path: str | None = None  # okrs/units.yml when the file exists
    geo: Mapping[str, GeoFile] = field(default_factory=dict)  # [2] by the maps' geojson as written (under okrs/)

    @property
    def public_objectives(self) -> tuple[Objective, ...]:
        return tuple(o for o in self.objectives if o.is_public)

    @property
    def root_unit(self) -> Unit | None:
        return next((u for u in self.units if u.parent is None), None)


def target_date(key_result: KeyResult, period: Period | None) -> date | None:
    """A target's date, which defaults to the end of the objective's period."""
    if key_result.target is not None and key_result.target.date is not None:
        return key_result.target.date
    return period.end if period is not None else None


# --- the history of the files: read from git by history/, shown by render/ ----------


@dataclass(frozen=True)
class Revision:
    """A commit on the main line."""

    sha: str
    short: str
    date: date
    subject: str
    pull_request: int | None


@dataclass(frozen=True)
class FieldChange:
    field: str  # title, owner, period, baseline, target, target date, threshold, due, type, commitment, weight, metric
    old: object
    new: object


@dataclass(frozen=True)
class Change:
    revision: Revision
    objective_id: str
    key_result_id: str | None  # None: the objective itself
    kind: str  # added | removed | changed | moved
    path: str
    old_path: str | None = None  # moved: where it was
    fields: tuple[FieldChange, ...] = ()

    @property
    def is_target_change(self) -> bool:
        return self.kind == "changed" and any(f.field in ("target", "target date") for f in self.fields)


@dataclass(frozen=True)
class RevisedValue:
    """A published observation whose value a later commit changed."""

    metric_id: str
    date: date
    old: float | None
    new: float | None
    revision: Revision


@dataclass(frozen=True)
class History:
    available: bool
    reason: str = ""  # why history is unavailable
    changes: tuple[Change, ...] = ()  # oldest first
    revised: tuple[RevisedValue, ...] = ()  # oldest first
    warnings: tuple[str, ...] = ()  # revisions skipped because they did not parse

    # Every page asks for its own slice; index once rather than scan per question.
    @cached_property
    def _by_objective(self) -> dict[str, list[Change]]:
        return _group(self.changes, lambda c: c.objective_id)

    @cached_property
    def _by_key_result(self) -> dict[tuple[str, str | None], list[Change]]:
        return _group(self.changes, lambda c: (c.objective_id, c.key_result_id))

    @cached_property
    def _by_metric(self) -> dict[str, list[RevisedValue]]:
        return _group(self.revised, lambda r: r.metric_id)

    def for_objective(self, objective_id: str) -> list[Change]:
        return list(self._by_objective.get(objective_id, ()))

    def for_key_result(self, objective_id: str, key_result_id: str) -> list[Change]:
        return list(self._by_key_result.get((objective_id, key_result_id), ()))

    def for_metric(self, metric_id: str) -> list[RevisedValue]:
        return list(self._by_metric.get(metric_id, ()))


def _group(items, key) -> dict:
    """Items by key, each list in the items' order (oldest first)."""
    groups: dict = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


UNAVAILABLE = History(False, "this portal is not in a git repository")

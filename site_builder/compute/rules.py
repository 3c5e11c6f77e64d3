"""Stage 3: progress, expected progress and status (DESIGN.md §4).

Pure functions of a valid portal and an as-of date. Observations dated after
the as-of date never count, so a build for a past date shows what the site
showed then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from typing import Iterable, Mapping

from site_builder.compute.organization import Alignment, UnitTree
from site_builder.compute.status import Status, worst
from site_builder.model import (
    GroupKey, KeyResult, Metric, Objective, Observation, Period, Portal, Settings, target_date,
)

# Progress and expected progress are ratios of floats; a key result exactly on
# a threshold must not fall to the worse side by a rounding error.
_EPS = 1e-9


@dataclass(frozen=True)
class KeyResultStatus:
    key_result: KeyResult
    status: Status
    progress: float | None  # None when undefined (no data)
    score: float | None  # progress clamped to [0, 1]
    expected: float | None  # metric key results only
    current: Observation | None  # the observation the status rests on


@dataclass(frozen=True)
class ObjectiveStatus:
    objective: Objective
    period: Period
    status: Status
    progress: float | None
    key_results: tuple[KeyResultStatus, ...]


@dataclass(frozen=True)
class Report:
    as_of: date
    settings: Settings
    objectives: tuple[ObjectiveStatus, ...]  # public ones, by period then file
    units: UnitTree = field(default_factory=UnitTree)  # [2] empty without okrs/units.yml
    alignment: Alignment = field(default_factory=Alignment)  # [2] among the public objectives


def compute(portal: Portal, as_of: date) -> Report:
    """The status of every public objective of a valid portal on ``as_of``."""
    settings = portal.settings
    order = {p.id: i for i, p in enumerate(settings.periods)}
    objectives = sorted(portal.public_objectives, key=lambda o: (order[o.period], o.path))
    alignment = Alignment.of(objectives)
    statuses = objective_statuses(objectives, portal, as_of, alignment)
    return Report(as_of, settings, tuple(statuses[o.id] for o in objectives), UnitTree.of(portal.units), alignment)


def objective_statuses(objectives: Iterable[Objective], portal: Portal, as_of: date,
                       alignment: Alignment | None = None) -> dict[str, ObjectiveStatus]:
    """The status of each of ``objectives`` by id: the objectives aligned to a rollup key
    result are computed before it, however deep the alignment goes (DESIGN.md §4)."""
    objectives = list(objectives)
    alignment = alignment if alignment is not None else Alignment.of(objectives)
    rolled_up: dict[str, list[tuple[str, str | None]]] = {}  # objective id -> its key results that have children
    for ref in alignment.children:
        if ref[1] is not None:
            rolled_up.setdefault(ref[0], []).append(ref)
    done: dict[str, ObjectiveStatus] = {}
    for objective in sorted(objectives, key=lambda o: -alignment.depth(o.id)):  # the deepest first
        aligned = {ref: tuple(done[child].progress for child in alignment.children[ref])
                   for ref in rolled_up.get(objective.id, ())}
        done[objective.id] = objective_status(objective, portal, as_of, aligned)
    return done


def objective_status(objective: Objective, portal: Portal, as_of: date,
                     aligned: Mapping[tuple[str, str | None], tuple[float | None, ...]] | None = None) -> ObjectiveStatus:
    """``aligned``: for a rollup key result (objective id, key result id), the progress of
    each public objective aligned to it."""
    settings = portal.settings
    period = settings.period(objective.period)
    as_of = status_day(as_of, period)
    aligned = aligned or {}
    results = tuple(
        _rollup(kr, period, settings, as_of, aligned.get((objective.id, kr.id), ())) if kr.type == "rollup"
        else key_result_status(kr, period, portal.metrics.get(kr.metric), settings, as_of)
        for kr in objective.key_results
    )
    return ObjectiveStatus(objective, period, worst(r.status for r in results), _weighted_progress(results), results)


def status_day(as_of: date, period: Period) -> date:
    """The day a period's statuses are computed on: an ended period keeps the statuses and
    scores it had when it ended (a milestone finished after the period does not turn its
    result around), so its objectives are computed as of the day after its end."""
    return min(as_of, period.end + timedelta(days=1))


def _weighted_progress(results: tuple[KeyResultStatus, ...]) -> float | None:
    counted = [r for r in results if r.status is not Status.NO_DATA]
    total = sum(r.key_result.weight for r in counted)
    if not counted or total <= 0:
        return None
    return sum(r.key_result.weight * r.score for r in counted) / total


def key_result_status(kr: KeyResult, period: Period, metric: Metric | None, settings: Settings,
                      as_of: date) -> KeyResultStatus:
    if kr.type == "milestone":
        return _milestone(kr, period, as_of)
    if kr.type == "maintain":
        return _maintain(kr, period, metric, as_of)
    return _metric(kr, period, metric, settings, as_of)


def latest_observation(metric: Metric | None, start: date, end: date, as_of: date,
                       group: GroupKey = ()) -> Observation | None:
    """The newest observation with a value dated in [start, end] and not after as_of, in the
    headline series or one group's."""
    if metric is None:
        return None
    for obs in reversed(metric.until(min(end, as_of), group)):
        if obs.date < start:
            return None
        if obs.value is not None:
            return obs
    return None


def _metric(kr: KeyResult, period: Period, metric: Metric | None, settings: Settings, as_of: date) -> KeyResultStatus:
    t0, b = kr.baseline.date, kr.baseline.value
    t1, target = target_date(kr, period), kr.target.value
    current = latest_observation(metric, t0, t1, as_of, _group(kr, metric))
    if current is None:
        return KeyResultStatus(kr, Status.NO_DATA, None, None, None, None)
    progress = (current.value - b) / (target - b)
    expected = min(1.0, max(0.0, (current.date - t0).days / (t1 - t0).days))
    return KeyResultStatus(kr, _graded(progress, expected, as_of > t1, settings), progress, _clamp(progress),
                           expected, current)


def _group(kr: KeyResult, metric: Metric | None) -> GroupKey:
    """The series a key result measures: its breakdown's group, else the headline."""
    return metric.group_key(kr.breakdown) if metric is not None and kr.breakdown else ()


def _graded(progress: float, expected: float, ended: bool, settings: Settings) -> Status:
    """The metric rule of DESIGN.md §4, shared by rollup key results."""
    thresholds = settings.thresholds
    if progress >= 1 - _EPS:
        return Status.ACHIEVED
    if ended:
        return Status.MISSED
    if progress >= expected - thresholds.at_risk - _EPS:
        return Status.ON_TRACK
    if progress >= expected - thresholds.off_track - _EPS:
        return Status.AT_RISK
    return Status.OFF_TRACK


def _rollup(kr: KeyResult, period: Period, settings: Settings, as_of: date,
            progresses: tuple[float | None, ...]) -> KeyResultStatus:
    """p: the mean progress of the objectives aligned to it that have one; e: how much of
    its own period has passed (DESIGN.md §4)."""
    counted = [p for p in progresses if p is not None]
    if not counted:
        return KeyResultStatus(kr, Status.NO_DATA, None, None, None, None)
    progress = sum(counted) / len(counted)
    span = (period.end - period.start).days
    expected = _clamp((min(as_of, period.end) - period.start).days / span) if span > 0 else 1.0
    return KeyResultStatus(kr, _graded(progress, expected, as_of > period.end, settings), progress,
                           _clamp(progress), expected, None)


def _maintain(kr: KeyResult, period: Period, metric: Metric | None, as_of: date) -> KeyResultStatus:
    current = latest_observation(metric, period.start, period.end, as_of, _group(kr, metric))
    if current is None:
        return KeyResultStatus(kr, Status.NO_DATA, None, None, None, None)
    if kr.threshold.holds(current.value):
        status = Status.ACHIEVED
    else:
        status = Status.MISSED if as_of > period.end else Status.OFF_TRACK
    return _all_or_nothing(kr, status, current)


def _milestone(kr: KeyResult, period: Period, as_of: date) -> KeyResultStatus:
    if kr.done is not None and kr.done <= as_of:
        status = Status.ACHIEVED
    elif as_of > period.end:
        status = Status.MISSED
    elif as_of > kr.due:
        status = Status.OFF_TRACK
    else:
        status = Status.ON_TRACK
    return _all_or_nothing(kr, status, None)


def _all_or_nothing(kr: KeyResult, status: Status, current: Observation | None) -> KeyResultStatus:
    value = 1.0 if status is Status.ACHIEVED else 0.0
    return KeyResultStatus(kr, status, value, value, None, current)


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))

"""Stage 3, [2] derived metrics (DESIGN.md §4): each formula evaluated series by series, on date.

An observation exists on a date where every metric the formula names has a value; numbers apply
to every date; division by zero gives no observation there; rolling_mean(X, N) / rolling_sum(X, N)
on a date where X has a value is the mean / sum of X's last N values up to that date (none before
N exist). Each observation carries the most severe flag of the input observations it used (for a
rolling window: of the window's). When every metric the formula names declares a dimension, the
derived metric has it too (the codes they all declare) and is computed group by group.

Series are pandas Series indexed by the day's ordinal (an int), so lining two up is a join of
sorted integers; they become Observations again only at the end.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from itertools import repeat
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from site_builder.model import FLAGS, GroupKey, Metric, Observation, Portal
from site_builder.source.formula import Binary, Expr, Negate, Number, Ref, Rolling, names
from site_builder.source.formula_rules import computable, shared_dimensions
from site_builder.speed import collector_off

# A flag's severity: 0 without one, then provisional < estimate < proxy < break.
SEVERITY = {flag: len(FLAGS) - i for i, flag in enumerate(FLAGS)}
_FLAG_OF = [None, *reversed(FLAGS)]  # severity -> flag

_OPERATIONS: Mapping[str, Callable] = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


@dataclass(frozen=True)
class _Series:
    value: pd.Series  # float64, indexed by day ordinal, sorted, every value finite
    severity: pd.Series  # int64, the same index: the most severe flag used


def with_derived(portal: Portal) -> Portal:
    """The portal with every derived metric's observations and groups computed (a pure function).

    Meant for a valid portal; a formula that cannot be computed (it does not read, names an unknown
    metric, or is part of a circle) leaves its metric as it was, so any portal is safe to pass.
    """
    order = computable(portal.metrics)
    if not order:
        return portal
    metrics = dict(portal.metrics)
    cache = _Inputs()
    with collector_off():  # hundreds of thousands of observations made, and kept
        for metric_id, tree in order.items():  # a derived input before the metrics computed from it
            metrics[metric_id] = _computed(metrics[metric_id], tree, metrics, cache)
    return replace(portal, metrics=metrics)


# --- dimensions and groups ------------------------------------------------------------------


def _computed(metric: Metric, tree: Expr, metrics: Mapping[str, Metric], cache: "_Inputs") -> Metric:
    inputs = [metrics[m] for m in names(tree)]
    dimensions = metric.dimensions or shared_dimensions(inputs)
    shared = set.intersection(*({d.id for d in m.dimensions} for m in inputs)) if inputs else set()
    allowed = {d.id: set(d.codes) for d in dimensions if d.id in shared}
    result = replace(metric, dimensions=dimensions)
    candidates: dict[frozenset, None] = {}
    for m in inputs:
        for key in m.groups:
            if key and all(dim in allowed and code in allowed[dim] for dim, code in key):
                candidates.setdefault(frozenset(key))
    groups: dict[GroupKey, tuple[Observation, ...]] = {}
    for wanted in candidates:
        series = _evaluate(tree, lambda m: cache.series(metrics[m], wanted))
        rows = _observations(series, cache.days)
        if rows:
            groups[result.group_key(dict(wanted))] = rows
            cache.keep(metric.id, wanted, series)
    series = _evaluate(tree, lambda m: cache.series(metrics[m], frozenset()))
    cache.keep(metric.id, frozenset(), series)
    headline = _observations(series, cache.days)
    order = {d.id: (i, {c: j for j, c in enumerate(d.codes)}) for i, d in enumerate(dimensions)}
    ranked = sorted(groups, key=lambda key: (len(key), [(order[d][0], order[d][1].get(c, 0)) for d, c in key]))
    return replace(result, observations=headline, groups={key: groups[key] for key in ranked})


class _Inputs:
    """Each input metric's series (by group) as pandas Series, made once however many formulas name it."""

    def __init__(self):
        self._made: dict[tuple[str, frozenset], _Series] = {}
        self.days: dict[int, date] = {}  # day ordinal -> date: the same days recur in every series

    def series(self, metric: Metric, group: frozenset) -> _Series:
        key = (metric.id, group)
        made = self._made.get(key)
        if made is None:
            rows = metric.series(metric.group_key(dict(group)) if group else ())
            made = self._made[key] = _from_rows(rows)
        return made

    def keep(self, metric_id: str, group: frozenset, series) -> None:
        """A derived metric's series as computed, for the derived metrics computed from it."""
        if isinstance(series, _Series):
            self._made[(metric_id, group)] = series


def _from_rows(rows: tuple[Observation, ...]) -> _Series:
    if not rows:
        empty = pd.Index(np.empty(0, dtype=np.int64))
        return _Series(pd.Series(np.empty(0), index=empty), pd.Series(np.empty(0, dtype=np.int64), index=empty))
    dates, values, _, _, flags = zip(*rows)
    value = np.array(values, dtype=np.float64)  # an empty value (None) becomes NaN: left out below
    index = np.array([d.toordinal() for d in dates], dtype=np.int64)
    severity = (np.array([SEVERITY.get(f, 0) for f in flags], dtype=np.int64) if any(flags)
                else np.zeros(len(rows), dtype=np.int64))
    return _finite(pd.Index(index), value, severity)


_observation = partial(tuple.__new__, Observation)  # Observation._make without its length check


def _observations(result, days: dict[int, date]) -> tuple[Observation, ...]:
    """A computed series as the model's observations (no note; line 0: computed)."""
    if not isinstance(result, _Series):
        return ()  # a formula of numbers only names no metric: it has no dates
    ordinals = result.value.index.tolist()
    for ordinal in ordinals:
        if ordinal not in days:
            days[ordinal] = date.fromordinal(ordinal)
    flags = [_FLAG_OF[s] for s in result.severity.tolist()] if result.severity.any() else repeat(None)
    return tuple(map(_observation, zip(map(days.__getitem__, ordinals), result.value.tolist(),
                                       repeat(None), repeat(0), flags)))


# --- evaluating -----------------------------------------------------------------------------


def _evaluate(node: Expr, series_of: Callable[[str], _Series]):
    """A node's value: a number, or a _Series (dates where it has no value are left out)."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Ref):
        return series_of(node.metric_id)
    if isinstance(node, Negate):
        operand = _evaluate(node.operand, series_of)
        return -operand if not isinstance(operand, _Series) else _Series(-operand.value, operand.severity)
    if isinstance(node, Binary):
        return _binary(node.op, _evaluate(node.left, series_of), _evaluate(node.right, series_of))
    if isinstance(node, Rolling):
        return _rolling(node, _evaluate(node.argument, series_of))
    raise TypeError(f"not a formula node: {node!r}")


def _binary(op: str, left, right):
    operation = _OPERATIONS[op]
    if not isinstance(left, _Series) and not isinstance(right, _Series):
        try:
            return operation(left, right)
        except ZeroDivisionError:
            return float("nan")  # no value on any date
    if isinstance(left, _Series) and isinstance(right, _Series):
        if left.value.index.equals(right.value.index):
            index, lv, rv = left.value.index, left.value.to_numpy(), right.value.to_numpy()
            severity = np.maximum(left.severity.to_numpy(), right.severity.to_numpy())
        else:  # inner alignment: only the dates both have
            index, at_left, at_right = left.value.index.join(right.value.index, how="inner",
                                                             return_indexers=True)
            lv, rv = _take(left.value, at_left), _take(right.value, at_right)
            severity = np.maximum(_take(left.severity, at_left), _take(right.severity, at_right))
    elif isinstance(left, _Series):
        index, lv, rv, severity = left.value.index, left.value.to_numpy(), right, left.severity.to_numpy()
    else:
        index, lv, rv, severity = right.value.index, left, right.value.to_numpy(), right.severity.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf and NaN are dropped
        values = np.asarray(operation(lv, rv), dtype=np.float64)
    return _finite(index, values, severity)


def _take(series: pd.Series, at) -> np.ndarray:
    return series.to_numpy() if at is None else series.to_numpy()[at]


def _finite(index: pd.Index, values: np.ndarray, severity: np.ndarray) -> _Series:
    """Without the dates where the value is not a number (a division by zero, an overflow)."""
    keep = np.isfinite(values)
    if not keep.all():
        index, values, severity = index[keep], values[keep], severity[keep]
    return _Series(pd.Series(values, index=index, copy=False), pd.Series(severity, index=index, copy=False))


def _rolling(node: Rolling, argument):
    n = node.n
    if not isinstance(argument, _Series):
        return argument if node.function == "rolling_mean" else argument * n
    window = argument.value.rolling(n)
    values = (window.mean() if node.function == "rolling_mean" else window.sum()).to_numpy()[n - 1:]
    severity = argument.severity.rolling(n).max().to_numpy()[n - 1:]
    index = argument.value.index[n - 1:]
    return _finite(index, values, severity.astype(np.int64))

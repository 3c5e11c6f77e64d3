"""Stage 2, schema 2 metrics as statistics: breakdowns, dimensions of feeds and maps, and the
keys a derived metric cannot have (DESIGN.md §3). The formula itself is checked by
``formula_rules``; a map's boundaries by ``geo_rules``."""

from __future__ import annotations

from typing import Iterator

from dataclasses import replace

from site_builder.model import KeyResult, Metric, Objective, Portal
from site_builder.problems import Problem, did_you_mean, excerpt
from site_builder.source.formula_rules import derived_dimensions


def statistics_problems(portal: Portal) -> list[Problem]:
    problems: list[Problem] = []
    # A derived metric has the dimensions its inputs share, which a breakdown may name too.
    computed = derived_dimensions(portal.metrics) if any(m.derived for m in portal.metrics.values()) else {}
    for objective in portal.objectives:
        for kr in objective.key_results:
            if kr.breakdown:
                metric = portal.metrics.get(kr.metric or "")
                if metric is not None and metric.id in computed:
                    metric = replace(metric, dimensions=computed[metric.id])
                problems += _breakdown(kr, objective, metric)
    for metric in portal.metrics.values():
        problems += _metric(metric)
    return problems


def _breakdown(kr: KeyResult, objective: Objective, metric: Metric | None) -> Iterator[Problem]:
    """A breakdown names declared dimensions of its metric and a declared code of each."""
    if metric is None:
        return  # an unknown metric is reported as such
    name = f"key result '{kr.id}'" if kr.id else "key result"
    if not metric.dimensions:
        yield Problem(kr.locs["breakdown"], f"{name}: breakdown needs a metric broken down by dimensions, and "
                                            f"metric '{metric.id}' declares none (add dimensions to "
                                            f"okrs/metrics/{metric.id}.yml, or remove the breakdown)")
        return
    for dimension_id, code in kr.breakdown.items():
        loc = kr.locs.get(f"breakdown.{dimension_id}", kr.locs["breakdown"])
        dimension = metric.dimension(dimension_id)
        if dimension is None:
            known = [d.id for d in metric.dimensions]
            yield Problem(loc, f"{name}: metric '{metric.id}' has no dimension '{excerpt(dimension_id)}'"
                               f"{did_you_mean(dimension_id, known)}; its dimensions are {', '.join(known)}")
        elif code not in dimension.codes:
            yield Problem(loc, f"{name}: '{excerpt(code)}' is not a code of {dimension_id} in metric "
                               f"'{metric.id}'{did_you_mean(code, dimension.codes)}")


def _metric(metric: Metric) -> Iterator[Problem]:
    declared = {d.id for d in metric.dimensions}
    feed = metric.feed
    if metric.derived and feed is not None:
        yield Problem(feed.loc, f"metric '{metric.id}' is computed from its formula, so it has no feed: remove "
                                "the feed, or the formula")
    if feed is not None:
        for dimension_id in feed.dimensions:
            if dimension_id not in declared:
                yield Problem(feed.locs.get("dimensions", feed.loc),
                              f"feed dimensions: '{excerpt(dimension_id)}' is not a dimension of this metric"
                              f"{did_you_mean(dimension_id, declared)}; declare it under dimensions first")
        aggregate = feed.aggregate
        if aggregate is not None and aggregate.every is None and metric.frequency is None:
            yield Problem(aggregate.loc, "aggregate needs 'every' (daily, weekly, monthly, quarterly or annual), "
                                         "or a frequency for the metric")
    if metric.map is not None and metric.map.dimension is not None and metric.map.dimension not in declared:
        yield Problem(metric.map.locs.get("dimension", metric.map.loc),
                      f"map dimension '{excerpt(metric.map.dimension)}' is not a dimension of this metric"
                      f"{did_you_mean(metric.map.dimension, declared)}")

"""A feed's rows into observations by group (DESIGN.md §3 "Feeds"): each row's
dimension codes checked against the metric's declaration, then either every
(date, codes) taken once (a second one is a failure, as a date twice is) or,
with `aggregate`, the rows rolled up by period and group (feeds/aggregate.py).

A group is a model.GroupKey: ((dimension, code), ...) in the order the metric
declares its dimensions, naming only those the row fills in; () is the headline
series. The result maps each group to {date: value}; rows without a value are
no observation, and an answer with no value at all is a failure.
"""

from __future__ import annotations

import math
from datetime import date

from site_builder.feeds import aggregate as rollup
from site_builder.feeds.errors import FeedError
from site_builder.feeds.parse import Row
from site_builder.model import GroupKey, Metric
from site_builder.redaction import quoted
from site_builder.source.values import LARGEST_NUMBER, in_range

Values = dict[GroupKey, dict[date, float]]


def group_words(group: GroupKey) -> str:
    """A group as a message names it: 'facility northshore, age 65-plus'."""
    return ", ".join(f"{dimension} {code}" for dimension, code in group)


def observations(rows: list[Row], metric: Metric, secrets: tuple[str, ...] = ()) -> Values:
    """The observations a feed's rows make for ``metric``, by group and date; raises FeedError."""
    feed = metric.feed
    yml = metric.meta_path or f"the yml file of metric {metric.id}"
    dimensions = tuple(feed.dimensions) if feed is not None else ()
    declared = {d.id: frozenset(d.codes) for d in metric.dimensions}
    for dimension in dimensions:
        if dimension not in declared:
            raise FeedError(f"the feed's dimensions name '{dimension}', which {yml} does not declare "
                            "under dimensions")
    order = {d.id: i for i, d in enumerate(metric.dimensions)}
    positions = sorted(range(len(dimensions)), key=lambda i: order[dimensions[i]])
    keys: dict[tuple[str, ...], GroupKey] = {}  # each distinct codes tuple, checked once

    def key_of(codes: tuple[str, ...], where: str) -> GroupKey:
        for dimension, code in zip(dimensions, codes):
            if code and code not in declared[dimension]:
                raise FeedError(f"{where} has {dimension} '{quoted(code, secrets)}', which {yml} does not declare")
        key = tuple((dimensions[i], codes[i]) for i in positions if codes[i])
        keys[codes] = key
        return key

    aggregate = feed.aggregate if feed is not None else None
    if aggregate is not None:
        return _rolled_up(rows, metric, keys, key_of)
    seen: dict[tuple[GroupKey, date], str] = {}
    values: Values = {}
    for when, value, where, codes in rows:
        group = keys.get(codes)
        if group is None:
            group = key_of(codes, where)
        if (group, when) in seen:
            of = f" for {group_words(group)}" if group else ""
            raise FeedError(f"date {when} appears twice in the answer{of} ({seen[(group, when)]} and {where})")
        seen[(group, when)] = where
        if value is not None:
            values.setdefault(group, {})[when] = value
    if not values:
        raise FeedError("the answer holds no observations")
    return values


def _rolled_up(rows: list[Row], metric: Metric, keys: dict, key_of) -> Values:
    import numpy as np

    aggregate = metric.feed.aggregate
    how = aggregate.how
    if how not in rollup.HOW:
        raise FeedError(f"aggregate how '{how}' must be one of {', '.join(rollup.HOW)}; run okr-portal validate")
    every = aggregate.every or metric.frequency
    if every is None:
        raise FeedError(f"aggregate has no 'every' and {metric.meta_path or 'the metric'} gives no frequency: "
                        "say which period to roll the rows up to")
    if every not in rollup.EVERY:
        raise FeedError(f"aggregate every '{every}' must be one of {', '.join(rollup.EVERY)}; run okr-portal validate")
    index: dict[GroupKey, int] = {}
    group_ids = []
    for _, _, where, codes in rows:
        group = keys.get(codes)
        if group is None:
            group = key_of(codes, where)
        group_ids.append(index.setdefault(group, len(index)))
    if not any(value is not None for _, value, _, _ in rows):
        raise FeedError("the answer holds no observations")
    days = rollup.days_since_epoch([row[0] for row in rows])
    values = np.array([math.nan if row[1] is None else row[1] for row in rows], dtype=np.float64)
    groups = list(index)
    out: Values = {}
    for group_id, start, value in rollup.aggregate(days, values, np.array(group_ids, dtype=np.int64), every, how):
        group = groups[group_id]
        if not in_range(value):  # a sum may outgrow what a chart can show; validate would refuse the CSV
            of = f" for {group_words(group)}" if group else ""
            raise FeedError(f"the {how} of the {every} period {start}{of} is {value:g}, too large to be a number a "
                            f"chart can show (at most {LARGEST_NUMBER:,.0f} either way)")
        out.setdefault(group, {})[start] = value
    return out

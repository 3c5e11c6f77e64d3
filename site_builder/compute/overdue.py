"""Data overdue (DESIGN.md §4, schema 2): whether a metric's newest figure is later than
its frequency and publication lag allow. Never a status: shown beside one."""

from __future__ import annotations

from datetime import date

from site_builder.compute.rules import KeyResultStatus, latest_observation, status_day
from site_builder.model import Metric, Observation, Period, Portal

# The interval of each frequency, in days (DESIGN.md §4).
INTERVAL_DAYS = {"daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92, "annual": 366}


def newest_observation(metric: Metric | None, as_of: date) -> Observation | None:
    """The newest observation with a value not dated after ``as_of`` (the headline series)."""
    return latest_observation(metric, date.min, as_of, as_of)


def allowed_days(metric: Metric) -> int | None:
    """How many days may pass after its newest observation before it is overdue: one
    interval plus the publication lag (by default one more interval). None without a
    frequency: such a metric is never overdue."""
    interval = INTERVAL_DAYS.get(metric.frequency or "")
    if interval is None:
        return None
    return interval + (metric.lag_days if metric.lag_days is not None else interval)


def is_overdue(metric: Metric | None, as_of: date) -> bool:
    """(as-of − the newest observation's date) > interval + lag_days. A metric with no
    observation is not overdue (its key results have no data)."""
    if metric is None:
        return False
    allowed = allowed_days(metric)
    newest = newest_observation(metric, as_of)
    if allowed is None or newest is None:
        return False
    return (as_of - newest.date).days > allowed


MEASURED = ("metric", "maintain")  # the key result types that rest on a metric's figures


def key_result_overdue(kr: KeyResultStatus, period: Period, portal: Portal, as_of: date) -> bool:
    """A metric or maintain key result whose metric is overdue on the day its status is
    computed (an ended period keeps the marks of its end, as it keeps its statuses); never
    a milestone or a rollup."""
    key_result = kr.key_result
    if key_result.type not in MEASURED or not key_result.metric:
        return False
    return is_overdue(portal.metrics.get(key_result.metric), status_day(as_of, period))

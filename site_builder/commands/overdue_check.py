"""What `validate` says about explanations and data overdue (DESIGN.md §4, §6, schema 2): one
line for each public key result, at the key result's line in its objective's file. Plain
`validate` prints them as warnings and still exits 0; `validate --strict` makes them errors.

Judged as the site judges them: on the day each period's statuses are computed (the as-of
date, or the day after an ended period), on the portal with its derived metrics computed.
A schema 1 portal has neither rule: nothing is said.
"""

from __future__ import annotations

from datetime import date, timedelta

from site_builder.compute.accountability import explanation_overdue, latest_explanation
from site_builder.compute.derived import with_derived
from site_builder.compute.overdue import key_result_overdue, newest_observation
from site_builder.compute.rules import KeyResultStatus, compute, status_day
from site_builder.model import Portal, Settings
from site_builder.problems import Problem, sorted_problems


def overdue_problems(portal: Portal, as_of: date, strict: bool = False) -> list[Problem]:
    """The key results whose explanation or data is overdue on ``as_of``, as warnings (errors
    when ``strict``), in file order."""
    if portal.settings.schema != 2:
        return []
    portal = with_derived(portal)
    found = []
    for status in compute(portal, as_of).objectives:
        day = status_day(as_of, status.period)
        for kr in status.key_results:
            if explanation_overdue(kr, status.period, portal.settings, day):
                found.append(Problem(kr.key_result.loc, _explanation(kr, portal.settings, day), not strict))
            if key_result_overdue(kr, status.period, portal, as_of):
                found.append(Problem(kr.key_result.loc, _data(kr, portal, day), not strict))
    return sorted_problems(found)


def _explanation(kr: KeyResultStatus, settings: Settings, day: date) -> str:
    days = settings.explain.within_days
    status = kr.status.value.replace("_", " ")
    latest = latest_explanation(kr, day)
    if latest is None:
        why = "has no check-in with next_steps"
    else:
        why = f"its latest check-in with next_steps is from {latest.date.isoformat()}"
    return (f"explanation overdue: key result '{kr.key_result.id}' is {status} and {why}; the portal asks for "
            f"one dated {(day - timedelta(days=days)).isoformat()} to {day.isoformat()} "
            f"(within {days} days): add a check-in saying what happens next")


def _data(kr: KeyResultStatus, portal: Portal, day: date) -> str:
    metric = portal.metrics[kr.key_result.metric]
    newest = newest_observation(metric, day)
    where = ("the metrics it is computed from" if metric.derived
             else f"okrs/metrics/{metric.id}.csv")
    return (f"data overdue: key result '{kr.key_result.id}' rests on metric '{metric.id}', whose newest figure "
            f"is from {newest.date.isoformat()}, later than its frequency and publication lag allow: add the "
            f"figures published since to {where}")

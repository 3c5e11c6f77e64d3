"""Explanations and retrospectives (DESIGN.md §4, schema 2): what the owner of a result owes the
public. Never a status: shown beside one."""

from __future__ import annotations

from datetime import date

from site_builder.compute.rules import KeyResultStatus, ObjectiveStatus
from site_builder.model import Period, Settings, Update


def in_progress(period: Period, as_of: date) -> bool:
    return period.start <= as_of <= period.end


def latest_explanation(kr: KeyResultStatus, as_of: date) -> Update | None:
    """The newest check-in with next steps dated on or before ``as_of`` (by date: check-ins are
    written newest last, but a file out of order still finds its newest)."""
    dated = [u for u in kr.key_result.updates if u.next_steps is not None and u.date is not None and u.date <= as_of]
    return max(reversed(dated), key=lambda u: u.date, default=None)


def explanation_overdue(kr: KeyResultStatus, period: Period, settings: Settings, as_of: date) -> bool:
    """With the portal's `explain` policy, a key result of a period in progress whose status is
    listed needs a check-in with next_steps dated d, 0 <= (as_of - d) <= within_days."""
    policy = settings.explain
    if policy is None or not in_progress(period, as_of) or kr.status.value not in policy.statuses:
        return False
    return not any(u.next_steps is not None and u.date is not None and 0 <= (as_of - u.date).days <= policy.within_days
                   for u in kr.key_result.updates)


def retrospective_missing(objective: ObjectiveStatus, as_of: date) -> bool:
    """An ended period's objective with a missed key result and no retrospective."""
    return (as_of > objective.period.end and objective.objective.retrospective is None
            and any(kr.status.value == "missed" for kr in objective.key_results))

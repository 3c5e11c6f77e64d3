"""Data overdue (DESIGN.md §4, schema 2) as the pages and the API show it: beside a status,
never instead of it, in words and a clock shape (never colour alone), with the newest
figure's date, when the next one was expected and how late it is.

Whether a metric is overdue is compute.overdue's rule; this module only decides on which
day it is asked and how the answer is written. A schema 1 portal shows none of it.

The day: a metric's own lateness (metric pages, the data status and key indicators pages,
the API's metrics list) is judged on the report's as-of date. A key result's is judged on
the day its status is computed (compute.rules): the as-of date, or for an ended period the
day after its end, so an ended period keeps the marks of its end as it keeps its statuses,
and a metric retired after it does not mark last year's results for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup

from site_builder.compute.overdue import allowed_days, is_overdue, key_result_overdue, newest_observation
from site_builder.compute.rules import KeyResultStatus, ObjectiveStatus, Report, status_day
from site_builder.model import Metric, Period
from site_builder.render.context import Context

_CLOCK = Markup(
    '<svg class="okr-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">'
    '<circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" stroke-width="1.8"/>'
    '<path d="M8 4.3V8l2.7 1.9" fill="none" stroke="currentColor" stroke-width="1.8"/></svg>')


def applies(report: Report) -> bool:
    """Whether the portal's pages show data quality at all (schema 2)."""
    return report.settings.schema == 2


@dataclass(frozen=True)
class Timeliness:
    """A metric on a day: its newest figure, the last day the next one is on time, and how
    many days after that day it is (0 unless overdue)."""

    newest: date | None  # None: no observation yet
    due: date | None  # None: no observation, or no frequency (never overdue)
    late_days: int

    @property
    def overdue(self) -> bool:
        return self.late_days > 0


def timeliness(metric: Metric, day: date) -> Timeliness:
    newest = newest_observation(metric, day)
    allowed = allowed_days(metric)
    if newest is None or allowed is None:
        return Timeliness(newest.date if newest else None, None, 0)
    due = newest.date + timedelta(days=allowed)
    return Timeliness(newest.date, due, (day - due).days if is_overdue(metric, day) else 0)


def late_text(ctx: Context, late_days: int) -> str:
    return ctx.msg["day_late"] if late_days == 1 else ctx.msg["days_late"].format(count=late_days)


def label(ctx: Context, text: str | None = None) -> Markup:
    """The mark: a clock and the words "Data overdue" (or ``text``)."""
    return Markup('<span class="okr-overdue">{0}<span class="okr-overdue__label">{1}</span></span>').format(
        _CLOCK, text or ctx.msg["data_overdue"])


def mark(ctx: Context, t: Timeliness) -> Markup:
    """"Data overdue: newest figure Jun 1, 2026; expected by Aug 2, 2026 (10 days late)"."""
    detail = ctx.msg["data_overdue_detail"].format(newest=ctx.date(t.newest), due=ctx.date(t.due),
                                                   late=late_text(ctx, t.late_days))
    return Markup('{0} <span class="okr-overdue__detail">{1}</span>').format(
        label(ctx, ctx.msg["data_overdue_label"]), detail)


def key_result_mark(ctx: Context, kr: KeyResultStatus, period: Period) -> Markup | str:
    """The mark beside a key result's status, or "" (schema 1, on time, no metric)."""
    if not applies(ctx.report) or not key_result_overdue(kr, period, ctx.portal, ctx.report.as_of):
        return ""
    return mark(ctx, timeliness(ctx.portal.metrics[kr.key_result.metric], status_day(ctx.report.as_of, period)))


def card_mark(ctx: Context, status: ObjectiveStatus) -> Markup | str:
    """On an objective's card, beside its status: "Data overdue" when the figures of any of
    its key results are (the objective's page says which, and since when)."""
    if not applies(ctx.report):
        return ""
    if any(key_result_overdue(kr, status.period, ctx.portal, ctx.report.as_of) for kr in status.key_results):
        return label(ctx)
    return ""

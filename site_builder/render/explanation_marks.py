"""Explanations and retrospectives (DESIGN.md §4, schema 2) as the pages show them: beside a
status, never instead of it, in words and a shape (never colour alone).

    "What happens next"       under each check-in that has next_steps
    "Explanation overdue"     beside the status of a key result that needs an owner's
                              explanation and has none recent enough (on objective pages and
                              cards), counted on the home and unit pages, and listed on
                              accountability/explanations.md (see explanation_pages)
    retrospectives            on the pages of an ended period and its objectives' pages, with
                              "Retrospective missing" where the rule says so

Whether a key result needs one is compute.accountability's rule; this module only decides on
which day it is asked (the day its status is computed, as data overdue) and how the answer is
written. A schema 1 portal shows none of it.
"""

from __future__ import annotations

from markupsafe import Markup

from site_builder.compute import accountability
from site_builder.compute.rules import KeyResultStatus, ObjectiveStatus, Report, status_day
from site_builder import speed
from site_builder.render import urls
from site_builder.render.context import Context

# A speech bubble with an exclamation mark: the owner owes words.
_BUBBLE = Markup(
    '<svg class="okr-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">'
    '<path d="M2 2.5h12v8.5H7.2L4 14v-3H2z" fill="none" stroke="currentColor" stroke-width="1.6" '
    'stroke-linejoin="round"/><path d="M8 4.6v3.3M8 9v1" stroke="currentColor" stroke-width="1.7"/></svg>')


def applies(report: Report) -> bool:
    return report.settings.schema == 2


def needs_explanation(report: Report, status: ObjectiveStatus, kr: KeyResultStatus) -> bool:
    """The rule, asked on the day the key result's status is computed."""
    if not applies(report):
        return False
    return accountability.explanation_overdue(kr, status.period, report.settings,
                                              status_day(report.as_of, status.period))


def overdue(report: Report) -> list[tuple[ObjectiveStatus, KeyResultStatus]]:
    """Every public key result needing an explanation, in the report's order (made once a report)."""
    memo = speed.report_memo(report)
    if "explanations" not in memo:
        memo["explanations"] = [(o, kr) for o in report.objectives for kr in o.key_results
                                if needs_explanation(report, o, kr)]
    return memo["explanations"]


def label(ctx: Context, text: str | None = None) -> Markup:
    """The mark: a speech bubble and the words "Explanation overdue" (or ``text``)."""
    return Markup('<span class="okr-overdue okr-explanation">{0}<span class="okr-overdue__label">{1}</span>'
                  '</span>').format(_BUBBLE, text or ctx.msg["explanation_overdue"])


def key_result_mark(ctx: Context, status: ObjectiveStatus, kr: KeyResultStatus) -> Markup | str:
    """Beside a key result's status: "Explanation overdue", or ""."""
    return label(ctx) if needs_explanation(ctx.report, status, kr) else ""


def key_result_detail(ctx: Context, status: ObjectiveStatus, kr: KeyResultStatus) -> str:
    """Why: the latest check-in with next steps (or none), and what the policy asks."""
    if not needs_explanation(ctx.report, status, kr):
        return ""
    latest = accountability.latest_explanation(kr, status_day(ctx.report.as_of, status.period))
    policy = ctx.report.settings.explain
    ask = ctx.msg["explanation_policy"].format(statuses=statuses_text(ctx), days=policy.within_days)
    if latest is None:
        return f"{ctx.msg['explanation_none_yet']} {ask}"
    return f"{ctx.msg['explanation_latest_on'].format(date=ctx.date(latest.date))} {ask}"


def statuses_text(ctx: Context) -> str:
    policy = ctx.report.settings.explain
    return ctx.msg["list_or"].join(ctx.msg[f"status.{s}"].lower() for s in policy.statuses) if policy else ""


def card_mark(ctx: Context, status: ObjectiveStatus) -> Markup | str:
    """On an objective's card, beside its status, when any of its key results needs one."""
    return label(ctx) if any(needs_explanation(ctx.report, status, kr) for kr in status.key_results) else ""


def count_link(ctx: Context, objectives, doc: str) -> Markup | str:
    """"3 key results need an explanation", linking to the list of them all; "" when none of
    ``objectives``' key results needs one."""
    n = sum(1 for o in objectives for kr in o.key_results if needs_explanation(ctx.report, o, kr))
    if not n:
        return ""
    words = ctx.msg["explanations_count_one"] if n == 1 else ctx.msg["explanations_count"].format(count=n)
    return Markup('{0} <a href="{1}">{2}</a>').format(_BUBBLE, urls.relative(doc, urls.EXPLANATIONS_DOC), words)


def next_steps(ctx: Context, update) -> Markup | str:
    """A check-in's "What happens next", sanitized; "" without one."""
    return ctx.html(update.next_steps) if update.next_steps is not None else ""


def retrospective(ctx: Context, status: ObjectiveStatus) -> dict | None:
    """An ended period's objective: its retrospective, or "Retrospective missing" where the
    rule says so (None: neither; a running period, or a schema 1 portal)."""
    if not applies(ctx.report) or ctx.report.as_of <= status.period.end:
        return None
    text = status.objective.retrospective
    missing = accountability.retrospective_missing(status, ctx.report.as_of)
    if text is None and not missing:
        return None
    return {"text": ctx.html(text) if text is not None else "",
            "missing": label(ctx, ctx.msg["retrospective_missing"]) if missing else "",
            "missing_detail": ctx.msg["retrospective_missing_detail"] if missing else ""}

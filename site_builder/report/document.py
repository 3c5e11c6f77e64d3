"""The period report as one HTML document, laid out for print by WeasyPrint (see pdf).

Everything the document says comes from the computed report and the render stage's
views, so its figures are the site's: the statuses in words, progress, the latest
values, the same SVG charts. An ended period's report is made as of the day after it
ended (when its statuses became final, DESIGN.md §4): it does not change from one day
to the next, which lets a build make it once and reuse it (see publish).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from site_builder import __version__
from site_builder.compute.accountability import explanation_overdue, latest_explanation, retrospective_missing
from site_builder.compute.organization import status_counts, unit_counts
from site_builder.compute.rules import ObjectiveStatus, Report, compute, status_day
from site_builder.model import UNAVAILABLE, History, Period, Portal
from site_builder.render import history_views, organization_views, views
from site_builder.render.context import Context
from site_builder.render.formats import format_percent
from site_builder.render.messages import messages

HERE = Path(__file__).parent


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(HERE), autoescape=select_autoescape(["html", "j2"]),
                       trim_blocks=True, lstrip_blocks=True)


def report_day(period: Period, as_of: date) -> date:
    """The day the period's report is made as of: an ended period's is the day after its end."""
    return status_day(as_of, period)


def period_report(portal: Portal, period: Period, lang: str, as_of: date,
                  history: History = UNAVAILABLE, report: Report | None = None) -> str:
    """The HTML document of ``period``'s report in ``lang`` (a portal with derived metrics
    computed, see compute.derived.with_derived). ``report``: the portal computed as of
    ``report_day(period, as_of)``, when the caller has it already."""
    day = report_day(period, as_of)
    if report is None or report.as_of != day:
        report = compute(portal, day)
    ctx = Context(report, portal, lang, messages(lang), history)
    objectives = [o for o in report.objectives if o.period.id == period.id]
    msg = ctx.msg
    state = views.period_state(ctx, period)
    settings = report.settings
    data = {
        "lang": lang,
        "msg": msg,
        "title": f"{ctx.plain(period.title)} — {msg['report.title']}",
        "organization": ctx.plain(settings.organization),
        "portal_title": ctx.plain(settings.title),
        "period": ctx.plain(period.title),
        "dates": f"{ctx.date(period.start)} – {ctx.date(period.end)}",
        "state": msg[state],
        "as_of": msg["report.as_of"].format(date=ctx.date(day)),
        "final": msg["report.final"].format(date=ctx.date(period.end)) if state == "ended" else "",
        "generator": msg["report.generator"].format(version=__version__),
        "contact": ctx.html(settings.contact),
        "summary": _summary(ctx, objectives),
        "units": _units(ctx, objectives),
        "objectives": [_objective(ctx, o, as_of) for o in objectives],
        "changes": _target_changes(ctx, objectives, period),
        "metrics": _data_notes(ctx, objectives, day),
        "history_available": ctx.history.available,
        "css": Markup((HERE / "report.css").read_text("utf-8")),
    }
    return _environment().get_template("report.html.j2").render(**data)


def _count_words(ctx: Context, counts) -> list[dict]:
    return [{"status": s.value, "label": ctx.msg[f"status.{s.value}"], "count": n} for s, n in counts.items()]


def _summary(ctx: Context, objectives: list[ObjectiveStatus]) -> dict:
    """How many objectives and key results have each status, in words."""
    key_results = [kr.status for o in objectives for kr in o.key_results]
    return {
        "objectives": _count_words(ctx, status_counts(o.status for o in objectives)),
        "key_results": _count_words(ctx, status_counts(key_results)),
        "intro": ctx.msg["report.summary_intro"].format(objectives=len(objectives), key_results=len(key_results)),
    }


def _units(ctx: Context, objectives: list[ObjectiveStatus]) -> list[dict]:
    """[2] The unit tree, each unit with the status counts of its objectives and its descendants'."""
    tree = ctx.report.units
    if tree.root is None:
        return []
    counts = unit_counts(tree, [(o.objective, o.status) for o in objectives])
    depths = tree.depths()
    return [{"title": ctx.plain(tree.by_id[unit].title) or unit, "depth": depths[unit],
             "lead": ctx.plain(tree.by_id[unit].lead),
             "tally": organization_views.tally(ctx, counts[unit])}
            for unit in tree.subtree(tree.root) if unit == tree.root or any(counts[unit].values())]


def _objective(ctx: Context, status: ObjectiveStatus, as_of: date) -> dict:
    objective = status.objective
    tree = ctx.report.units
    unit = tree.unit_of(objective)
    return {
        "anchor": f"objective-{objective.id}",
        "title": ctx.plain(objective.title),
        "owner": ctx.plain(objective.owner),
        "unit": ctx.plain(tree.by_id[unit].title) if unit in tree.by_id else "",
        "status": ctx.msg[f"status.{status.status.value}"],
        "status_name": status.status.value,
        "progress": format_percent(status.progress),
        "description": ctx.html(objective.description),
        "key_results": [_key_result(ctx, kr, status, as_of) for kr in status.key_results],
        "retrospective": ctx.html(objective.retrospective) if objective.retrospective else None,
        "retrospective_missing": retrospective_missing(status, as_of),
    }


def _key_result(ctx: Context, kr_status, objective: ObjectiveStatus, as_of: date) -> dict:
    kr = kr_status.key_result
    if kr.type == "rollup":
        view = organization_views.rollup_view(ctx, kr_status, objective)
    else:
        view = views.key_result_view(ctx, kr_status, objective, "index.md")
    # Check-ins up to the real as-of date: one written after an ended period still counts.
    updates = [u for u in kr.updates if u.date is not None and u.date <= as_of]
    latest = updates[-1] if updates else None
    explained = latest_explanation(kr_status, as_of)  # [2] the newest check-in that says what happens next
    check_in = _check_in(ctx, latest) if latest is not None else None
    explanation = _check_in(ctx, explained) if explained is not None and explained is not latest else None
    return {
        "anchor": f"kr-{objective.objective.id}-{kr.id}",
        "title": ctx.plain(kr.title),
        "status": ctx.msg[f"status.{kr_status.status.value}"],
        "status_name": kr_status.status.value,
        "progress": format_percent(kr_status.progress),
        "type": view.type_label,
        "commitment": view.commitment,
        "facts": [{"label": f.label, "value": f.value} for f in view.facts],
        "chart": _printable(view.chart),
        "check_in": check_in,
        "explanation": explanation,
        "explanation_overdue": explanation_overdue(kr_status, objective.period, ctx.report.settings, as_of),
        "target_change": view.target_change.text if view.target_change else "",
    }


def _check_in(ctx: Context, update) -> dict:
    return {"date": ctx.date(update.date), "confidence": ctx.msg.get(f"status.{update.confidence}", ""),
            "text": ctx.html(update.text), "next_steps": ctx.html(update.next_steps) if update.next_steps else None}


def _printable(chart: Markup) -> Markup:
    """A site chart for paper: the same SVG, without its keyboard focus (tabindex)."""
    return Markup(str(chart).replace(' tabindex="0"', ""))


def _target_changes(ctx: Context, objectives: list[ObjectiveStatus], period: Period) -> list[dict]:
    """Every change of a key result's target made after the period started, oldest first."""
    out = []
    for status in objectives:
        krs = {kr.key_result.id: kr for kr in status.key_results}
        changes = list(reversed(ctx.history.for_objective(status.objective.id)))  # as history_entries lists them
        for change, entry in reversed(list(zip(changes, history_views.history_entries(ctx, ctx.history, status)))):
            kr_status = krs.get(change.key_result_id)
            if not change.is_target_change or kr_status is None or change.revision.date <= period.start:
                continue
            shown = [text for field, text in zip(change.fields, entry.fields)
                     if field.field in ("target", "target date")]
            out.append({"date": entry.date, "objective": ctx.plain(status.objective.title),
                        "key_result": ctx.plain(kr_status.key_result.title), "fields": shown,
                        "commit": entry.commit + (f" ({entry.pull_request})" if entry.pull_request else ""),
                        "subject": entry.subject})
    return out


def _data_notes(ctx: Context, objectives: list[ObjectiveStatus], day: date) -> list[dict]:
    """Each metric the period's key results measure: where its figures come from, how they
    are checked, what they do not show, and the flags of the observations in the period."""
    used: dict[str, None] = {}
    for status in objectives:
        for kr in status.key_results:
            if kr.key_result.metric:
                used.setdefault(kr.key_result.metric)
    period = objectives[0].period if objectives else None
    out = []
    for metric_id in used:
        metric = ctx.metric(metric_id)
        if metric is None:
            continue
        flags: dict[str, int] = {}
        for series in (metric.observations, *metric.groups.values()):
            for obs in series:
                if obs.flag and obs.value is not None and period.start <= obs.date <= min(period.end, day):
                    flags[obs.flag] = flags.get(obs.flag, 0) + 1
        out.append({
            "anchor": f"metric-{metric_id}",
            "title": ctx.plain(metric.title) or metric_id,
            "notes": [(ctx.msg[key], ctx.html(text)) for key, text in (
                ("source", metric.source), ("methodology", metric.methodology),
                ("verification", metric.verification), ("limitations", metric.limitations)) if text],
            "formula": metric.formula,
            "flags": [ctx.msg["report.flag_count"].format(flag=ctx.msg[f"flag.{flag}"], count=n)
                      for flag, n in flags.items()],
        })
    return out

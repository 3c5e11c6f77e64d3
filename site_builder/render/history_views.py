"""History as the site shows it: what changed, from what to what, in which commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from site_builder.compute.rules import KeyResultStatus, ObjectiveStatus
from site_builder.model import Change, FieldChange, History
from site_builder.model import Period
from site_builder.render.context import Context


@dataclass(frozen=True)
class HistoryEntry:
    anchor: str
    date: str
    commit: str
    subject: str
    pull_request: str  # "#12", or "" when the commit names none
    what: str  # "Objective" or "Key result: <title>"
    summary: str  # Added, Removed, Moved from …, Changed
    fields: list[str]  # "Target: 20 days → 18 days"


@dataclass(frozen=True)
class TargetChange:
    anchor: str
    day: date
    date: str
    old: str
    new: str
    text: str  # "Target changed on 2026-03-03: 20 days → 18 days"


def anchor(change: Change) -> str:
    return f"change-{change.revision.short}-{change.key_result_id or 'objective'}"


def _text(ctx: Context, value) -> str:
    if isinstance(value, tuple):  # translations: (language, text) pairs
        by_lang = dict(value)
        return by_lang.get(ctx.lang) or by_lang.get(ctx.default_lang) or next(iter(by_lang.values()), "")
    return "" if value is None else str(value)


def _value(ctx: Context, change: FieldChange, value, fmt) -> str:
    msg = ctx.msg
    if value is None:
        return msg["history.period_end"] if change.field == "target date" else msg["none"]
    if change.field in ("title", "owner"):
        return _text(ctx, value)
    if change.field == "baseline":
        day, number = value
        return f"{fmt(number) if number is not None else msg['none']} ({ctx.date(day) if day else msg['none']})"
    if change.field == "target":
        return fmt(value)
    if change.field == "threshold":
        low, high = value
        parts = [f"{msg['threshold_min']} {fmt(low)}"] if low is not None else []
        parts += [f"{msg['threshold_max']} {fmt(high)}"] if high is not None else []
        return ", ".join(parts) or msg["none"]
    if change.field in ("due", "target date") and isinstance(value, date):
        return ctx.date(value)
    if change.field == "type":
        return msg.get(f"type.{value}", str(value))
    if change.field == "commitment":
        return msg.get(f"commitment.{value}", str(value))
    if change.field == "weight":
        return ctx.number(value)
    return str(value)


def _describe(ctx: Context, change: Change, fmt) -> list[str]:
    return [f"{ctx.msg['field.' + f.field]}: {_value(ctx, f, f.old, fmt)} → {_value(ctx, f, f.new, fmt)}"
            for f in change.fields]


def history_entries(ctx: Context, history: History, status: ObjectiveStatus) -> list[HistoryEntry]:
    """The objective's changes, newest first."""
    krs = {kr.key_result.id: kr.key_result for kr in status.key_results}
    entries = []
    for change in reversed(history.for_objective(status.objective.id)):
        kr = krs.get(change.key_result_id)
        fmt = ctx.fmt(ctx.metric(kr.metric) if kr else None)
        if change.key_result_id is None:
            what = ctx.msg["objective"]
        else:
            what = f"{ctx.msg['key_result']}: {ctx.plain(kr.title) if kr else change.key_result_id}"
        if change.kind == "moved":
            summary = ctx.msg["history.moved"].format(old=change.old_path, new=change.path)
        else:
            summary = ctx.msg[f"history.{change.kind}"]
        revision = change.revision
        entries.append(HistoryEntry(
            anchor=anchor(change), date=ctx.date(revision.date), commit=revision.short, subject=revision.subject,
            pull_request=f"#{revision.pull_request}" if revision.pull_request else "",
            what=what, summary=summary, fields=_describe(ctx, change, fmt),
        ))
    return entries


def _target_changes(history: History, objective_id: str, kr_id: str) -> list[Change]:
    return [c for c in history.for_key_result(objective_id, kr_id) if c.is_target_change]


def target_change(ctx: Context, history: History, status: ObjectiveStatus,
                  kr_status: KeyResultStatus) -> TargetChange | None:
    """The latest change of a target made after its period started: the goalposts moved."""
    kr = kr_status.key_result
    moved = [c for c in _target_changes(history, status.objective.id, kr.id)
             if c.revision.date > status.period.start]
    if not moved:
        return None
    change = moved[-1]
    fmt = ctx.fmt(ctx.metric(kr.metric))
    old, new = [], []
    for field in change.fields:
        if field.field in ("target", "target date"):
            old.append(_value(ctx, field, field.old, fmt))
            new.append(_value(ctx, field, field.new, fmt))
    when = ctx.date(change.revision.date)
    text = ctx.msg["target_changed_on"].format(date=when, old=", ".join(old), new=", ".join(new))
    return TargetChange(anchor(change), change.revision.date, when, ", ".join(old), ", ".join(new), text)


def original_target(history: History, objective_id: str, kr_status: KeyResultStatus,
                    period: Period) -> tuple[date, float] | None:
    """The target as first published, when it has changed since."""
    kr = kr_status.key_result
    changes = _target_changes(history, objective_id, kr.id)
    if not changes:
        return None
    value = kr.target.value
    day = kr.target.date
    seen_value = seen_date = False
    for change in changes:  # oldest first: the first old value of each field is the original
        for field in change.fields:
            if field.field == "target" and not seen_value:
                value, seen_value = field.old, True
            elif field.field == "target date" and not seen_date:
                day, seen_date = field.old, True
    if value is None:
        return None
    return (day or period.end, value)

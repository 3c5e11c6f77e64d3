"""What a reader of the public site would see change between two revisions.

``compare`` takes two validated revisions and returns a typed ``Diff``. Only what
the public site shows is compared: public objectives and the metrics they use.
Drafts, their metrics and ``internal_notes`` are never mentioned, not even by name:
a draft that becomes public is "added", one that goes back to draft is "removed".
Values are compared by meaning, so re-indenting a file or reordering its keys is
not a change; the fields of objectives and key results are those of
``site_builder.history.fields``, shown as the site shows them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from site_builder.commands.status_table import STATUS_LABELS
from site_builder.commands.wording import count
from site_builder.compute.derived import with_derived
from site_builder.compute.rules import objective_statuses
from site_builder.compute.status import Status
from site_builder.history.fields import (
    TRANSLATIONS, FieldView, Shown, field_changes, key, kr_fields, objective_fields, shown,
)
from site_builder.model import FieldChange, KeyResult, Metric, Objective, Settings, target_date
from site_builder.problems import Problem
from site_builder.render.formats import format_number, format_value
from site_builder.source.check import Checked
from site_builder.source.load import METRICS_DIR, PORTAL_FILE
from site_builder.text import Text


# --- the typed result (FieldChange.old/new: as the site shows them; "" when there was none) ---


@dataclass(frozen=True)
class ItemChange:
    """An objective (key_result_id None) or a key result added, removed or changed."""

    objective_id: str
    key_result_id: str | None
    kind: str  # added | removed | changed
    title: str
    fields: tuple[FieldChange, ...] = ()  # changed: old -> new; added: what it is
    status: str = ""  # added: its computed status


@dataclass(frozen=True)
class StatusChange:
    objective_id: str
    key_result_id: str | None
    title: str
    old: Status
    new: Status


@dataclass(frozen=True)
class ObservationChange:
    date: date
    old: str  # "" when the row is new
    new: str  # "" when the row was removed


@dataclass(frozen=True)
class MetricChange:
    metric_id: str
    title: str
    kind: str  # added | removed | changed (on the public site)
    fields: tuple[FieldChange, ...] = ()
    observations: tuple[ObservationChange, ...] = ()
    summary: str = ""  # added: how many observations it publishes


@dataclass(frozen=True)
class Diff:
    as_of: date
    a_name: str
    b_name: str
    settings: tuple[FieldChange, ...]
    items: tuple[ItemChange, ...]
    statuses: tuple[StatusChange, ...]
    metrics: tuple[MetricChange, ...]
    problems: tuple[Problem, ...]  # introduced by B, in published files
    hidden_problems: int  # introduced by B in files the site does not publish

    @property
    def changes_site(self) -> bool:
        return bool(self.settings or self.items or self.statuses or self.metrics)



# --- comparing --------------------------------------------------------------------------------


class _Side:
    """One revision as the public site sees it."""

    def __init__(self, checked: Checked, as_of: date):
        self.portal = with_derived(checked.portal)  # [2] derived metrics computed
        self.problems = checked.problems
        self.settings: Settings | None = self.portal.settings
        self.lang = self.settings.default_language if self.settings else "en"
        self.objectives: dict[str, Objective] = {}
        for objective in sorted(self.portal.public_objectives, key=lambda o: o.path):
            if objective.id:
                self.objectives.setdefault(objective.id, objective)  # a duplicate id keeps its first file
        self.metric_ids = {kr.metric for o in self.objectives.values() for kr in o.key_results if kr.metric}
        self.drafts = {o.path for o in self.portal.objectives if not o.is_public}
        self.statuses = self._statuses(as_of)

    def text(self, text: Text | None) -> str:
        return "" if text is None else text.get(self.lang, self.lang)

    def metric(self, metric_id: str | None) -> Metric | None:
        return self.portal.metrics.get(metric_id) if metric_id else None

    def value(self, value: float | None, metric_id: str | None) -> str:
        if value is None:
            return ""
        metric = self.metric(metric_id)
        return format_value(value, metric and metric.decimals, metric and metric.unit)

    def period(self, objective: Objective):
        return self.settings.period(objective.period) if self.settings else None

    def _without_rollups_on(self, valid: list[Objective]) -> list[Objective]:
        """``valid`` less the objectives with a rollup key result resting, directly or below,
        on an objective that cannot be computed: their status would be a guess."""
        left = {o.id: o for o in valid}
        skipped = [o for oid, o in self.objectives.items() if oid not in left]
        while skipped:
            ref = skipped.pop().parent_ref
            parent = left.get(ref[0]) if ref and ref[1] else None
            if parent is not None and any(kr.id == ref[1] and kr.type == "rollup" for kr in parent.key_results):
                skipped.append(left.pop(parent.id))
        return list(left.values())

    def _statuses(self, as_of: date) -> dict[tuple[str, str | None], Status]:
        """Computed statuses of the public objectives whose files validate (compute needs valid input)."""
        bad = {p.loc.path for p in self.problems}
        if self.settings is None or PORTAL_FILE in bad:
            return {}
        valid = []
        for objective in self.objectives.values():
            metrics = [self.metric(kr.metric) for kr in objective.key_results if kr.metric]
            files = {objective.path} | {p for m in metrics if m for p in (m.csv_path, m.meta_path) if p}
            if not (files & bad or None in metrics or self.period(objective) is None):
                valid.append(objective)
        valid = self._without_rollups_on(valid)
        out: dict[tuple[str, str | None], Status] = {}
        # All at once, children first: a rollup's progress is its aligned objectives'.
        statuses = objective_statuses(valid, self.portal, as_of)
        for objective in valid:  # in file order, as the report lists them
            oid, status = objective.id, statuses[objective.id]
            out[(oid, None)] = status.status
            out.update({(oid, r.key_result.id): r.status for r in status.key_results})
        return out


def compare(a: Checked, b: Checked, as_of: date, a_name: str = "A", b_name: str = "B") -> Diff:
    """What changes on the public site between revision ``a`` and revision ``b``."""
    old, new = _Side(a, as_of), _Side(b, as_of)
    return Diff(as_of, a_name, b_name, _settings_changes(old, new), tuple(_item_changes(old, new)),
                tuple(_status_changes(old, new)), tuple(_metric_changes(old, new)), *_new_problems(old, new))


# --- fields as the site shows them ------------------------------------------------------------


class _Shows(FieldView):
    """The history's fields as one side of the diff shows them, plus what else the site shows
    (description, tags, done, check-ins); texts in the default language, translations compared apart."""

    describes = True

    def __init__(self, side: _Side):
        self.side = side

    def texts(self, **texts: Text | None) -> dict[str, str]:
        out = {}
        for name, text in texts.items():
            out[name] = self.side.text(text)
            if text is not None and text.plain_text is None:
                others = sorted((lang, t) for lang, t, _ in text.translations if lang != self.side.lang)
                out[name + TRANSLATIONS] = repr(others) if others else ""
        return out

    def plain(self, value) -> str:
        return str(value or "")

    def number(self, value: float | None) -> str:
        return "" if value is None else format_number(value)

    def baseline(self, kr: KeyResult):
        b = kr.baseline
        return Shown((b.value, b.date), f"{self.side.value(b.value, kr.metric)} on {b.date}") if b else ""

    def target(self, kr: KeyResult):
        return Shown(kr.target.value, self.side.value(kr.target.value, kr.metric)) if kr.target else ""

    def target_date(self, kr: KeyResult, objective: Objective | None) -> str:
        # The date the site shows: the period's end when none is written.
        if kr.type not in (None, "metric"):
            return ""
        return str(target_date(kr, self.side.period(objective)) or "")

    def threshold(self, kr: KeyResult):
        threshold = kr.threshold
        if threshold is None:
            return ""
        limits = [f"{sign} {self.side.value(v, kr.metric)}" for sign, v in
                  (("≥", threshold.min), ("≤", threshold.max)) if v is not None]
        return Shown((threshold.min, threshold.max), " and ".join(limits))

    def kr_extras(self, kr: KeyResult) -> dict[str, str]:
        out = {"done": "" if kr.type != "milestone" else str(kr.done or "not done")}
        for u in kr.updates:
            label = STATUS_LABELS.get(u.confidence or "", u.confidence or "")
            out[f"check-in {u.date}"] = f"{label}: {self.side.text(u.text)}"
        return out

    def objective_extras(self, objective: Objective) -> dict[str, str]:
        return {"tags": ", ".join(objective.tags)}


def _settings_changes(old: _Side, new: _Side) -> tuple[FieldChange, ...]:
    if old.settings is None or new.settings is None:
        return ()  # the whole portal is added or removed: its objectives say it

    def fields(side: _Side) -> dict[str, str]:
        s = side.settings
        out = _Shows(side).texts(**{"portal title": s.title, "organization": s.organization,
                                    "description": s.description, "contact": s.contact})
        out.update({"languages": ", ".join(s.languages), "base URL": s.base_url or "",
                    "thresholds": f"at risk {s.thresholds.at_risk:g}, off track {s.thresholds.off_track:g}"})
        for p in s.periods:
            out[f"period {p.id}"] = f"{side.text(p.title)} ({p.start} to {p.end})"
        for u in side.portal.units:  # [2] okrs/units.yml: the unit pages
            out[f"unit {u.id}"] = side.text(u.title) + (f" (part of {u.parent})" if u.parent else "")
            out.update(_Shows(side).texts(**{f"unit {u.id} lead": u.lead, f"unit {u.id} description": u.description}))
        return out

    return field_changes(fields(old), fields(new))


def _kr_fields(side: _Side, o: Objective, kr: KeyResult) -> dict[str, object]:
    return kr_fields(kr, o, _Shows(side))


def _added_kr(side: _Side, o: Objective, kr: KeyResult) -> tuple[FieldChange, ...]:
    keep = ("type", "metric", "baseline", "target", "target date", "threshold", "due", "done")
    return tuple(FieldChange(k, "", shown(v)) for k, v in _kr_fields(side, o, kr).items() if k in keep and shown(v))


def _item_changes(old: _Side, new: _Side):
    unsure = {p.loc.path for p in new.problems}
    for oid, o in new.objectives.items():
        status = STATUS_LABELS.get(new.statuses.get((oid, None), ""), "")
        if oid not in old.objectives:
            fields = {"period": o.period or "", "owner": new.text(o.owner), "unit": o.unit or "",
                      "alignment": o.aligns_to or "", "key results": str(len(o.key_results))}
            yield ItemChange(oid, None, "added", new.text(o.title),
                             tuple(FieldChange(k, "", v) for k, v in fields.items() if v), status)
            continue
        before = old.objectives[oid]
        fields = field_changes(objective_fields(before, _Shows(old)), objective_fields(o, _Shows(new)),
                               o.path in unsure)
        if fields:
            yield ItemChange(oid, None, "changed", new.text(o.title), fields)
        old_krs = {kr.id: kr for kr in before.key_results if kr.id}
        new_krs = {kr.id: kr for kr in o.key_results if kr.id}
        for kid, kr in new_krs.items():
            if kid not in old_krs:
                yield ItemChange(oid, kid, "added", new.text(kr.title), _added_kr(new, o, kr),
                                 STATUS_LABELS.get(new.statuses.get((oid, kid), ""), ""))
                continue
            fields = field_changes(_kr_fields(old, before, old_krs[kid]), _kr_fields(new, o, kr), o.path in unsure)
            if fields:
                yield ItemChange(oid, kid, "changed", new.text(kr.title), fields)
        for kid in old_krs.keys() - new_krs.keys():
            yield ItemChange(oid, kid, "removed", old.text(old_krs[kid].title))
    for oid, o in old.objectives.items():
        # A file B cannot read is reported as a problem, not as a removal.
        if oid not in new.objectives and o.path not in unsure:
            yield ItemChange(oid, None, "removed", old.text(o.title))


def _status_changes(old: _Side, new: _Side):
    for (oid, kid), status in new.statuses.items():
        before = old.statuses.get((oid, kid))
        if before is not None and before is not status:
            o = new.objectives[oid]
            kr = next((k for k in o.key_results if k.id == kid), None)
            yield StatusChange(oid, kid, new.text(kr.title if kr else o.title), before, status)


def _observations(side: _Side, metric: Metric) -> dict[date, Shown]:
    return {o.date: Shown((o.value, o.note), side.value(o.value, metric.id) + (f" ({o.note})" if o.note else ""))
            for o in metric.observations if o.value is not None}


def _metric_fields(side: _Side, m: Metric) -> dict[str, str]:
    out = _Shows(side).texts(title=m.title, source=m.source, methodology=m.methodology)
    out.update({"unit": m.unit or "", "decimals": "" if m.decimals is None else str(m.decimals),
                "frequency": m.frequency or ""})
    return out


def _metric_changes(old: _Side, new: _Side):
    for metric_id in sorted(old.metric_ids | new.metric_ids):
        before, after = old.metric(metric_id), new.metric(metric_id)
        if metric_id not in new.metric_ids or after is None:
            if before is not None and metric_id in old.metric_ids:
                yield MetricChange(metric_id, old.text(before.title), "removed")
            continue
        if metric_id not in old.metric_ids or before is None:
            values = [o for o in after.observations if o.value is not None]
            span = f", {values[0].date} to {values[-1].date}" if values else ""
            summary = count(len(values), "observation") + span
            yield MetricChange(metric_id, new.text(after.title), "added", summary=summary)
            continue
        fields = field_changes(_metric_fields(old, before), _metric_fields(new, after))
        was, now = _observations(old, before), _observations(new, after)
        rows = tuple(ObservationChange(day, shown(was.get(day, "")), shown(now.get(day, "")))
                     for day in sorted(was.keys() | now.keys()) if key(was.get(day, "")) != key(now.get(day, "")))
        if fields or rows:
            yield MetricChange(metric_id, new.text(after.title), "changed", fields, rows)


def _new_problems(old: _Side, new: _Side) -> tuple[tuple[Problem, ...], int]:
    """B's problems that A did not have (matched by file and message: lines move), split by
    whether the file is published: a problem in a draft must not name it."""
    seen = Counter((p.loc.path, p.message) for p in old.problems)
    public_metrics = old.metric_ids | new.metric_ids
    drafts = new.drafts | (old.drafts - {o.path for o in new.objectives.values()})
    shown, hidden = [], 0
    for problem in new.problems:
        key = (problem.loc.path, problem.message)
        if seen[key]:
            seen[key] -= 1
            continue
        path = problem.loc.path
        metric = path.startswith(METRICS_DIR + "/") and Path(path).stem not in public_metrics
        if path in drafts or metric or any(d in problem.message for d in drafts):
            hidden += 1
        else:
            shown.append(problem)
    return tuple(shown), hidden


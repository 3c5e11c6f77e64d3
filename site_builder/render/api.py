"""The machine-readable twin of the site: api/okrs.json (DESIGN.md §5).

A schema 1 portal's document is exactly what it always was; a schema 2 portal's
says ``"schema": 2`` and adds the organization (``unit``, ``aligns_to``, ``units``),
each key result's ``breakdown`` and overdue flags, and the published metrics.
Keys come in the order DESIGN.md §5 lists them, the schema 2 ones after the rest.
"""

from __future__ import annotations

import json
from datetime import date

from site_builder import SCHEMA_VERSION
from site_builder.compute.accountability import explanation_overdue
from site_builder.compute.overdue import is_overdue, key_result_overdue
from site_builder.compute.rules import KeyResultStatus, ObjectiveStatus, Report, latest_observation, status_day
from site_builder.model import Metric, Portal
from site_builder.source.formula import FormulaError, parse, references
from site_builder.text import Text

# Ratios are printed to 6 decimals: enough for any chart, and free of the
# 0.30000000000000004 noise that would make every rebuild a diff.
_DECIMALS = 6


def okrs_document(report: Report, portal: Portal) -> dict:
    """The document; ``portal``: where a schema 2 document finds its metrics."""
    lang = report.settings.default_language
    if report.settings.schema != 2:
        return {
            "schema": SCHEMA_VERSION,
            "as_of": report.as_of.isoformat(),
            "objectives": [_objective(o, lang) for o in report.objectives],
        }
    return {
        "schema": 2,
        "as_of": report.as_of.isoformat(),
        "objectives": [_objective_2(o, report, portal, lang) for o in report.objectives],
        "units": [{"id": u.id, "parent": u.parent, "title": _text(u.title, lang)} for u in report.units.units],
        "metrics": [_metric(portal.metrics[m], report.as_of, lang) for m in published_metrics(report, portal)],
    }


def okrs_json(report: Report, portal: Portal) -> str:
    return json.dumps(okrs_document(report, portal), ensure_ascii=False, indent=2) + "\n"


def published_metrics(report: Report, portal: Portal) -> list[str]:
    """The ids of the published metrics, sorted (as the metrics index lists them): those
    public key results use, and the metrics a published derived metric is computed from
    (transitively: an input may be derived in turn)."""
    pending = [kr.key_result.metric for o in report.objectives for kr in o.key_results if kr.key_result.metric]
    published: set[str] = set()
    while pending:
        metric_id = pending.pop()
        if metric_id in published or metric_id not in portal.metrics:
            continue
        published.add(metric_id)
        metric = portal.metrics[metric_id]
        if metric.formula is not None:
            pending.extend(formula_inputs(metric.formula, portal))
    return sorted(published)


def formula_inputs(formula: str, portal: Portal) -> list[str]:
    """The metrics a formula names, by id (none when it cannot be read: validate said so)."""
    try:
        named = references(parse(formula))
    except FormulaError:
        return []
    return sorted(m for m in named if m in portal.metrics)


def _objective(status: ObjectiveStatus, lang: str) -> dict:
    objective = status.objective
    return {
        "id": objective.id,
        "period": objective.period,
        "title": _text(objective.title, lang),
        "owner": _text(objective.owner, lang),
        "status": status.status.value,
        "progress": _ratio(status.progress),
        "key_results": [_key_result(kr) for kr in status.key_results],
    }


def _objective_2(status: ObjectiveStatus, report: Report, portal: Portal, lang: str) -> dict:
    out = _objective(status, lang)
    day = status_day(report.as_of, status.period)  # the day its statuses are computed on
    out["key_results"] = [_key_result_2(kr, key_result_overdue(kr, status.period, portal, report.as_of),
                                        explanation_overdue(kr, status.period, report.settings, day))
                          for kr in status.key_results]
    out["unit"] = report.units.unit_of(status.objective)  # None without units.yml
    out["aligns_to"] = status.objective.aligns_to or None
    return out


def _key_result(status: KeyResultStatus) -> dict:
    current = status.current
    return {
        "id": status.key_result.id,
        "type": status.key_result.type,
        "status": status.status.value,
        "progress": _ratio(status.progress),
        "score": _ratio(status.score),
        "expected": _ratio(status.expected),
        "current": _point(current.date, current.value) if current is not None else None,
    }


def _key_result_2(status: KeyResultStatus, data_overdue: bool, explanation: bool) -> dict:
    out = _key_result(status)
    breakdown = status.key_result.breakdown  # the group of its metric it measures, as written
    out["breakdown"] = dict(breakdown) if breakdown else None
    out["data_overdue"] = data_overdue  # on the day its status is computed (see overdue_marks)
    out["explanation_overdue"] = explanation  # DESIGN.md §4 "Explanation overdue", on the same day
    return out


def _metric(metric: Metric, as_of: date, lang: str) -> dict:
    latest = latest_observation(metric, date.min, as_of, as_of)  # the headline series
    return {
        "id": metric.id,
        "title": _text(metric.title, lang),
        "unit": metric.unit,
        "derived": metric.derived,
        "latest": _point(latest.date, latest.value) if latest is not None else None,
        "overdue": is_overdue(metric, as_of),
    }


def _point(day: date, value: float) -> dict:
    return {"date": day.isoformat(), "value": _number(value)}


def _text(text: Text | None, lang: str) -> str | None:
    return None if text is None else text.get(lang, lang)


def _ratio(value: float | None) -> float | None:
    return None if value is None else _number(round(value, _DECIMALS))


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value

"""The machine-readable twin of the site: api/okrs.json (DESIGN.md §5)."""

from __future__ import annotations

import json

from site_builder import SCHEMA_VERSION
from site_builder.compute.rules import KeyResultStatus, ObjectiveStatus, Report
from site_builder.text import Text

# Ratios are printed to 6 decimals: enough for any chart, and free of the
# 0.30000000000000004 noise that would make every rebuild a diff.
_DECIMALS = 6


def okrs_document(report: Report) -> dict:
    lang = report.settings.default_language
    return {
        "schema": SCHEMA_VERSION,
        "as_of": report.as_of.isoformat(),
        "objectives": [_objective(o, lang) for o in report.objectives],
    }


def okrs_json(report: Report) -> str:
    return json.dumps(okrs_document(report), ensure_ascii=False, indent=2) + "\n"


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


def _key_result(status: KeyResultStatus) -> dict:
    current = status.current
    return {
        "id": status.key_result.id,
        "type": status.key_result.type,
        "status": status.status.value,
        "progress": _ratio(status.progress),
        "score": _ratio(status.score),
        "expected": _ratio(status.expected),
        "current": None if current is None else {"date": current.date.isoformat(), "value": _number(current.value)},
    }


def _text(text: Text | None, lang: str) -> str | None:
    return None if text is None else text.get(lang, lang)


def _ratio(value: float | None) -> float | None:
    return None if value is None else _number(round(value, _DECIMALS))


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value

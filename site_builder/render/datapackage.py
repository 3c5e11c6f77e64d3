"""[2] data/datapackage.json: a Frictionless Tabular Data Package describing every
published metric's CSV (DESIGN.md §5), next to them, so each resource's path is the
CSV's own file name.

It describes the columns render.downloads writes (``columns``): date, value and note,
each declared dimension (its codes the only values allowed, with their labels), and the
flag when the CSV has one; the key of a row is its date and dimension codes, an empty
cell is a missing value. The metric's unit, source and methodology go with it, and a
derived metric says so and gives its formula. Texts are in the portal's default
language: the file is the same in every language's site. Made only in a schema 2 portal
(a schema 1 portal's data folder holds what it always did).
"""

from __future__ import annotations

import json
import posixpath
from datetime import date

from site_builder.model import FLAGS, Dimension, Metric, Portal
from site_builder.render import urls
from site_builder.render.downloads import columns
from site_builder.render.markup import to_plain
from site_builder.text import Text

DATAPACKAGE_DOC = "data/datapackage.json"  # in the folder of the CSVs (urls.metric_csv)


def datapackage_document(portal: Portal, metric_ids: list[str], as_of: date) -> dict:
    """The package of the metrics ``metric_ids`` (api.published_metrics), as of ``as_of``."""
    settings = portal.settings
    lang = settings.default_language
    out: dict = {"profile": "tabular-data-package"}
    _put(out, "title", _plain(settings.title, lang))
    _put(out, "description", _plain(settings.description, lang))
    if settings.base_url:
        out["homepage"] = settings.base_url
    out["resources"] = [_resource(portal.metrics[m], as_of, lang) for m in metric_ids]
    return out


def datapackage_json(portal: Portal, metric_ids: list[str], as_of: date) -> str:
    return json.dumps(datapackage_document(portal, metric_ids, as_of), ensure_ascii=False, indent=2) + "\n"


def _resource(metric: Metric, as_of: date, lang: str) -> dict:
    out: dict = {
        "name": metric.id,
        "path": posixpath.relpath(urls.metric_csv(metric.id), posixpath.dirname(DATAPACKAGE_DOC)),
        "profile": "tabular-data-resource",
        "title": _plain(metric.title, lang) or metric.id,
    }
    _put(out, "description", _plain(metric.methodology, lang))
    out.update({"format": "csv", "mediatype": "text/csv", "encoding": "utf-8"})
    _put(out, "unit", metric.unit)
    _put(out, "frequency", metric.frequency)
    source = _plain(metric.source, lang)
    if source:
        out["sources"] = [{"title": source}]
    if metric.derived:
        out["derived"] = True
        out["formula"] = metric.formula
    described = {"date": {"name": "date", "type": "date", "format": "default"},
                 "value": _value_field(metric, lang),
                 "note": {"name": "note", "type": "string"},
                 "flag": {"name": "flag", "type": "string", "constraints": {"enum": list(FLAGS)}},
                 **{d.id: _dimension_field(d, lang) for d in metric.dimensions}}
    out["schema"] = {"fields": [described[name] for name in columns(metric, as_of)],  # the CSV's header, in order
                     "primaryKey": ["date", *(d.id for d in metric.dimensions)], "missingValues": [""]}
    return out


def _value_field(metric: Metric, lang: str) -> dict:
    field: dict = {"name": "value", "type": "number"}
    _put(field, "title", _plain(metric.title, lang))
    _put(field, "unit", metric.unit)
    return field


def _dimension_field(dimension: Dimension, lang: str) -> dict:
    field: dict = {"name": dimension.id, "type": "string"}
    _put(field, "title", _plain(dimension.title, lang))
    field["constraints"] = {"enum": list(dimension.codes)}
    field["categories"] = [{"value": code, "label": _plain(label, lang) or code} for code, label in dimension.values]
    return field


def _plain(text: Text | None, lang: str) -> str:
    return "" if text is None else to_plain(text.get(lang, lang))


def _put(out: dict, key: str, value) -> None:
    if value:
        out[key] = value

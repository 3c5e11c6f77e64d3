"""Stage 1, for okrs/metrics/: each metric's settings (<id>.yml) and observations (<id>.csv)
read into the model (DESIGN.md §3). ``load`` reads the rest of the portal.
"""

from __future__ import annotations

import os
from pathlib import Path

from site_builder.model import Aggregate, Dimension, FeedSettings, MapSettings, Metric, Threshold
from site_builder.problems import Loc
from site_builder.source.csv_reader import Layout, Series, parse_series
from site_builder.source.files import read_record, refused
from site_builder.source.formats import METRIC
from site_builder.source.kinds import ID_RE, Record, Val
from site_builder.source.reader import Reader
from site_builder.source.yaml_reader import read_text

METRICS_DIR = "okrs/metrics"
MAX_CSV_BYTES = 200 * 1024 * 1024


def load_metrics(root: Path, reader: Reader) -> dict[str, Metric]:
    """The metrics of okrs/metrics/: each id's .yml and .csv, either of which may be missing (reported)."""
    folder = root / METRICS_DIR
    if not folder.is_dir() or refused(root, METRICS_DIR, reader.problems):
        return {}
    metas: dict[str, str] = {}
    csvs: dict[str, str] = {}
    unread: set[str] = set()  # files not read: links out of the portal
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)  # one folder: as Path order, but cheaper
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        rel = f"{METRICS_DIR}/{name}"
        stem, suffix = os.path.splitext(name)
        if entry.is_symlink():
            if suffix not in (".yml", ".csv") or not ID_RE.match(stem):
                if not entry.is_file():
                    continue
            elif refused(root, rel, reader.problems, is_link=True):
                unread.add(rel)
                (metas if suffix == ".yml" else csvs)[stem] = rel
                continue
        if not entry.is_file():
            continue
        if suffix not in (".yml", ".csv"):
            if suffix in (".yaml", ".YML", ".CSV"):
                reader.error(Loc(rel), f"metric files end in .yml or .csv; rename it to {stem}{suffix.lower().replace('yaml', 'yml')}")
            continue
        if not ID_RE.match(stem):
            reader.error(Loc(rel), f"file name '{name}' does not make a valid metric id: use lowercase letters, "
                                   "digits and '-'")
            continue
        (metas if suffix == ".yml" else csvs)[stem] = rel
    metrics = {}
    for metric_id in sorted(set(metas) | set(csvs)):
        metrics[metric_id] = _metric(root, metric_id, metas.get(metric_id), csvs.get(metric_id), reader, unread)
    return metrics


def _metric(root: Path, metric_id: str, meta_rel: str | None, csv_rel: str | None, reader: Reader,
            unread: set[str] = frozenset()) -> Metric:
    rec, loc = Record({}, frozenset()), Loc(meta_rel or csv_rel or METRICS_DIR)
    if meta_rel is not None and meta_rel not in unread:
        val = read_record(root, meta_rel, METRIC, reader)
        if val is not None:
            rec, loc = val.value, val.loc
    dimensions = _dimensions(rec.get("dimensions"))
    formula = rec.get_value("formula")
    series = Series()
    if formula is not None:
        if csv_rel is not None:  # a derived metric's figures are computed, never read
            reader.error(Loc(csv_rel), f"metric '{metric_id}' is computed from its formula in {meta_rel}, so it has "
                                       f"no data file: remove {csv_rel}, or remove the formula")
    elif csv_rel is None:
        reader.error(Loc(meta_rel), f"metric '{metric_id}' has no data file: create {METRICS_DIR}/{metric_id}.csv "
                                    "with the header date,value")
    elif csv_rel not in unread:
        text = read_text(root / csv_rel, csv_rel, reader.problems, max_bytes=MAX_CSV_BYTES, allow_empty=True)
        if text is not None:
            layout = Layout(reader.schema, {d.id: frozenset(d.codes) for d in dimensions}, meta_rel)
            series = parse_series(text, csv_rel, reader.problems, layout)
    return Metric(
        id=metric_id,
        title=rec.get_value("title"),
        unit=rec.get_value("unit"),
        decimals=rec.get_value("decimals"),
        frequency=rec.get_value("frequency"),
        source=rec.get_value("source"),
        methodology=rec.get_value("methodology"),
        verification=rec.get_value("verification"),
        limitations=rec.get_value("limitations"),
        lag_days=rec.get_value("lag_days"),
        direction=rec.get_value("direction"),
        kpi=threshold(rec.get("kpi")),
        dimensions=dimensions,
        map=_map(rec.get("map")),
        formula=formula,
        feed=_feed(rec.get("feed")),
        observations=series.headline,
        groups=series.groups,
        csv_path=csv_rel,
        meta_path=meta_rel,
        loc=loc,
        locs=rec.locs(),
    )


def _feed(val: Val | None) -> FeedSettings | None:
    if val is None:
        return None
    rec: Record = val.value
    headers = {name: v.value for name, v in rec.get_value("headers_env", {}).items()}
    return FeedSettings(
        type=rec.get_value("type"),
        url=rec.get_value("url"),
        date=rec.get_value("date", "date"),
        value=rec.get_value("value", "value"),
        records=rec.get_value("records"),
        connection_env=rec.get_value("connection_env"),
        query=rec.get_value("query"),
        headers_env=headers,
        dimensions={name: v.value for name, v in rec.get_value("dimensions", {}).items()},
        aggregate=_aggregate(rec.get("aggregate")),
        loc=val.loc,
        locs=rec.locs(),
    )


def _aggregate(val: Val | None) -> Aggregate | None:
    if val is None:
        return None
    rec: Record = val.value
    return Aggregate(rec.get_value("every"), rec.get_value("how"), val.loc)


def _dimensions(val: Val | None) -> tuple[Dimension, ...]:
    """The declared dimensions, in file order; one whose codes could not be read has none."""
    if val is None:
        return ()
    out = []
    for name, dim in val.value.items():
        rec: Record = dim.value
        codes = rec.get_value("values", {})
        out.append(Dimension(name, rec.get_value("title"), tuple((code, label.value) for code, label in codes.items()),
                             dim.loc, {code: label.loc for code, label in codes.items()}))
    return tuple(out)


def _map(val: Val | None) -> MapSettings | None:
    if val is None:
        return None
    rec: Record = val.value
    return MapSettings(rec.get_value("dimension"), rec.get_value("geojson"), rec.get_value("property"), val.loc,
                       rec.locs())


def threshold(val: Val | None) -> Threshold | None:
    """A band of min and/or max (a maintain key result's threshold, a metric's kpi), where it was
    written. A bound that was left out or refused (reported) is None."""
    if val is None:
        return None
    rec: Record = val.value
    return Threshold(rec.get_value("min"), rec.get_value("max"), val.loc)

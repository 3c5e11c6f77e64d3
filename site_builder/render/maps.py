"""[2] A metric's map on its page (DESIGN.md §5): a choropleth of the latest value per code.

The latest value of a code is the newest observation with a value, dated on or before the
as-of date, of the group that names only that code of the map's dimension
(``((dimension, code),)``). The map (SVG, in a ``<figure>`` with its caption) comes with a
table of every code's value and date: the text alternative, and where each value is exact. The table has
no class, so the theme styles it as every other Markdown table.
"""

from __future__ import annotations

from html import escape

from site_builder.model import Dimension, GeoFile, Metric, Observation
from site_builder.render.charts.map_svg import MapWords, Region, choropleth, outline_of
from site_builder.render.context import Context

NAME_KEYS = ("name", "NAME", "Name")  # a region outside the dimension is named by its file, when it can be


def latest_values(metric: Metric, dimension: Dimension, as_of) -> dict[str, Observation]:
    """Each code's newest observation with a value on or before ``as_of`` (codes without one left out)."""
    out = {}
    for code in dimension.codes:
        rows = metric.until(as_of, ((dimension.id, code),))
        row = next((r for r in reversed(rows) if r.value is not None), None)
        if row is not None:
            out[code] = row
    return out


def map_section(metric: Metric, geo: GeoFile | None, ctx: Context) -> str:
    """The map of ``metric`` drawn with ``geo`` (a GeoFile), as an HTML fragment; "" without one."""
    settings = metric.map
    if settings is None or geo is None or not geo.features:
        return ""
    dimension = metric.dimension(settings.dimension or "")
    if dimension is None:
        return ""
    msg = ctx.msg
    latest = latest_values(metric, dimension, ctx.report.as_of)
    fmt = ctx.fmt(metric)
    names = {code: ctx.plain(label) or code for code, label in dimension.values}
    by_code: dict[str, list[int]] = {}
    for index, feature in enumerate(geo.features):
        code = feature.properties.get(settings.property or "")
        key = code if code in names else f"\0{index}"  # a region outside the dimension: on its own
        by_code.setdefault(key, []).append(index)
    regions = []
    for key, indexes in by_code.items():
        if key in names:
            row = latest.get(key)
            value = None if row is None else row.value
            regions.append(Region(tuple(indexes), names[key], value, "" if value is None else fmt(value)))
        else:
            properties = geo.features[indexes[0]].properties
            name = next((properties[k] for k in NAME_KEYS if properties.get(k)), None)
            regions.append(Region(tuple(indexes), name or properties.get(settings.property or "") or "?", None, ""))
    words = {"metric": ctx.plain(metric.title) or metric.id, "dimension": ctx.plain(dimension.title) or dimension.id}
    key = msg["map.darker_higher"] if metric.direction not in ("increase", "decrease") else msg["map.darker_better"]
    svg = choropleth(outline_of(geo), regions,
                     MapWords(msg["map.title"].format(**words), key, msg["map.no_data"], fmt),
                     metric.direction, f"okr-map-{metric.id}")
    caption = msg["map.caption"].format(date=ctx.date(ctx.report.as_of), key=key, **words)
    return "\n".join([
        '<div class="okr-map">',
        f'<figure class="okr-map__figure">{svg}<figcaption>{escape(caption)}</figcaption></figure>',
        _table(dimension, names, latest, fmt, ctx),
        "</div>",
    ])


def _table(dimension: Dimension, names: dict[str, str], latest: dict[str, Observation], fmt, ctx: Context) -> str:
    msg = ctx.msg
    head = ctx.plain(dimension.title) or msg["map.region"]
    rows = []
    for code in dimension.codes:
        row = latest.get(code)
        if row is None:
            cells = f'<td>{escape(msg["map.no_data"])}</td><td></td>'
        else:
            day = ctx.date(row.date)
            cells = f'<td>{escape(fmt(row.value))}</td><td><time datetime="{day.iso}">{escape(day)}</time></td>'
        rows.append(f"<tr><th scope=\"row\">{escape(names[code])}</th>{cells}</tr>")
    return (f'<table><caption>{escape(msg["map.table"])}</caption>'
            f'<thead><tr><th scope="col">{escape(head)}</th><th scope="col">{escape(msg["value"])}</th>'
            f'<th scope="col">{escape(msg["date"])}</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')

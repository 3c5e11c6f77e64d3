"""Stage 2, maps [2]: a metric's map and the regions of its GeoJSON file (DESIGN.md §3, §5).

Every declared code of the map's dimension needs a region whose ``property`` holds it (else
the map would silently leave a place out): an error. A region whose code the dimension does
not declare is drawn without a value: a warning. A file that could not be read (missing,
not JSON, out of the portal) was reported by ``load_geo`` and is not in ``portal.geo``.
"""

from __future__ import annotations

from typing import Iterator

from site_builder.model import GeoFile, Metric, Portal
from site_builder.problems import Loc, Problem, did_you_mean, excerpt

LISTED = 5  # codes quoted in one message; the rest are counted


def geo_problems(portal: Portal) -> list[Problem]:
    problems: list[Problem] = []
    for metric in portal.metrics.values():
        settings = metric.map
        if settings is None or None in (settings.dimension, settings.geojson, settings.property):
            continue
        geo = portal.geo.get(settings.geojson)
        if geo is not None and metric.dimension(settings.dimension) is not None:
            problems += _map(metric, geo)
    return problems


def _map(metric: Metric, geo: GeoFile) -> Iterator[Problem]:
    settings = metric.map
    dimension = metric.dimension(settings.dimension)
    prop = settings.property
    where = settings.locs.get("property", settings.loc)
    if not geo.features:
        yield Problem(settings.locs.get("geojson", settings.loc),
                      f"map: {geo.path} has no regions to draw (no feature with a Polygon or MultiPolygon)")
        return
    with_code = [f for f in geo.features if prop in f.properties]
    if not with_code:
        names = sorted({key for f in geo.features for key in f.properties})
        said = f" (its regions have: {', '.join(excerpt(n) for n in names[:8])}{', …' if len(names) > 8 else ''})" \
            if names else " (its regions have no properties)"
        yield Problem(where, f"map property '{excerpt(prop)}' is in no region of {geo.path}"
                             f"{did_you_mean(prop, names)}{said}")
        return
    without = [f for f in geo.features if prop not in f.properties]
    if without:
        yield Problem(Loc(geo.path, without[0].line or 1),
                      f"{_regions(len(without))} of this file {_have(len(without))} no '{excerpt(prop)}' property "
                      f"(the first one here), so metric '{metric.id}' cannot give {_them(len(without))} a value",
                      warning=True)
    found = {f.properties[prop] for f in with_code}
    for code in dimension.codes:
        if code not in found:
            yield Problem(dimension.locs.get(code, dimension.loc),
                          f"{dimension.id} '{excerpt(code)}' has no region in {geo.path} whose {excerpt(prop)} is "
                          f"'{excerpt(code)}'{did_you_mean(code, found - set(dimension.codes))}")
    declared = set(dimension.codes)
    strangers = [f for f in with_code if f.properties[prop] not in declared]
    if strangers:
        codes = list(dict.fromkeys(f.properties[prop] for f in strangers))
        listed = ", ".join(f"'{excerpt(c)}'" for c in codes[:LISTED]) + (", …" if len(codes) > LISTED else "")
        yield Problem(Loc(geo.path, strangers[0].line or 1),
                      f"{_regions(len(strangers))} of this file {_have(len(strangers))} a {excerpt(prop)} that is "
                      f"no code of {dimension.id} in metric '{metric.id}' ({listed}; the first one here): "
                      f"{_they(len(strangers))} drawn without a value", warning=True)


def _regions(n: int) -> str:
    return "1 region" if n == 1 else f"{n:,} regions"


def _have(n: int) -> str:
    return "has" if n == 1 else "have"


def _them(n: int) -> str:
    return "it" if n == 1 else "them"


def _they(n: int) -> str:
    return "it is" if n == 1 else "they are"

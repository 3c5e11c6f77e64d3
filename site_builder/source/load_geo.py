"""Stage 1, for okrs/geo/ [2]: the GeoJSON files metrics' maps name, read into the model (DESIGN.md §2, §3).

Each file is read once, however many maps name it. What stops a file or a feature from
being read is reported here, one line each, naming the file and the line where the feature
starts: a path out of okrs/, a link out of the portal, a missing file, a file too large,
text that is not JSON (NaN and Infinity are not JSON), a root that is not a
FeatureCollection, and features whose geometry is not polygons of longitudes and latitudes.
A feature with another kind of geometry (Point, LineString…) or none is left out with a
warning: a map draws areas. How the features match the map's codes is ``geo_rules``'.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Iterable, Mapping

from site_builder.model import Feature, GeoFile, Metric
from site_builder.problems import Loc, Problem, did_you_mean, excerpt
from site_builder.source.files import refused
from site_builder.source.yaml_reader import read_text

OKRS = "okrs"
MAX_GEO_BYTES = 20 * 1024 * 1024
MAX_FEATURES = 20_000
MAX_POINTS = 1_000_000  # in a file: more is more than a map on a page can show; simplify it first
MAX_REPORTED = 10  # feature problems listed per file; the rest are counted in one more line
SIMPLIFY_HINT = "simplify the boundaries first (for example with mapshaper)"
_WS = re.compile(r"[ \t\n\r]*")
_CONSTANT = re.compile(r"(?<![\w\"])(-?Infinity|NaN)(?![\w\"])")


class _NotJson(Exception):
    """A JSON constant JSON does not have (NaN, Infinity), or text the walk could not follow."""


class _Stop(Exception):
    """The file cannot be read further; the message says why (at ``line``)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


def load_geo(root: Path, metrics: Mapping[str, Metric], problems: list[Problem]) -> dict[str, GeoFile]:
    """The GeoJSON file of every metric's map, by its ``geojson`` as written (under okrs/).
    A file that cannot be read is reported (a missing one at each map that names it) and left out."""
    root = Path(root)
    out: dict[str, GeoFile] = {}
    tried: set[str] = set()
    for metric in metrics.values():
        settings = metric.map
        if settings is None or not settings.geojson:
            continue
        written = settings.geojson
        where = settings.locs.get("geojson", settings.loc)
        rel = _rel(written)
        if rel is None:
            problems.append(Problem(where, f"map geojson '{excerpt(written)}' must be a path inside okrs/, such as "
                                           "geo/counties.geojson (no leading '/', no '..')"))
            continue
        if not os.path.lexists(root / rel):
            problems.append(Problem(where, _missing(root, written, rel)))
            continue
        if written in tried:
            continue
        tried.add(written)
        if refused(root, rel, problems):
            continue
        if not (root / rel).is_file():
            problems.append(Problem(where, f"map geojson '{excerpt(written)}': {rel} is a folder, not a GeoJSON file"))
            continue
        geo = read_geo(root, rel, problems)
        if geo is not None:
            out[written] = geo
    return out


def _rel(written: str) -> str | None:
    """okrs/<written>, or None when it would lead out of okrs/."""
    parts = written.replace("\\", "/").split("/")
    if written.startswith(("/", "\\")) or "\\" in written or ":" in parts[0] or ".." in parts or "" in parts:
        return None
    return f"{OKRS}/{written}"


def _missing(root: Path, written: str, rel: str) -> str:
    message = f"map geojson '{excerpt(written)}': there is no file {rel}"
    if written.startswith(f"{OKRS}/"):
        return message + f" (the path is read under okrs/: write '{excerpt(written[len(OKRS) + 1:])}')"
    folder = os.path.dirname(root / rel)
    try:
        names = [n for n in os.listdir(folder) if n.endswith((".geojson", ".json"))]
    except OSError:
        return message
    return message + did_you_mean(os.path.basename(rel), names)


# --- one file -----------------------------------------------------------------------------


def read_geo(root: Path, rel: str, problems: list[Problem]) -> GeoFile | None:
    """The features of the GeoJSON file ``rel`` (from the portal root); None when it cannot be read
    at all (reported). Features that cannot be read are reported and left out."""
    text = read_text(root / rel, rel, problems, max_bytes=MAX_GEO_BYTES)
    if text is None:
        return None
    try:
        members, features = _parse(text)
        _collection(members, features is not None)
    except _Stop as stop:
        problems.append(Problem(Loc(rel, stop.line), stop.message))
        return None
    read: list[Feature] = []
    bad: list[Problem] = []
    points = 0
    for index, (line, value) in enumerate(_numbered(text, features), start=1):
        try:
            feature = _feature(value, line)
        except _Stop as stop:
            bad.append(Problem(Loc(rel, line), f"feature {index}{_named(value)}: {stop.message}"))
            continue
        except _Skip as skip:
            problems.append(Problem(Loc(rel, line), f"feature {index}{_named(value)}: {skip}; it is not drawn",
                                    warning=True))
            continue
        points += sum(len(ring) for polygon in feature.polygons for ring in polygon)
        if points > MAX_POINTS:
            problems.append(Problem(Loc(rel, line), f"this file has more than {MAX_POINTS:,} points: {SIMPLIFY_HINT}"))
            return None
        read.append(feature)
    problems += bad[:MAX_REPORTED]
    if len(bad) > MAX_REPORTED:
        problems.append(Problem(bad[MAX_REPORTED].loc, f"and {len(bad) - MAX_REPORTED:,} more features that "
                                                       "cannot be read, the first of them here"))
    return GeoFile(rel, tuple(read), Loc(rel))


def _refuse_constant(name: str):
    raise _NotJson(name)


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _parse(text: str) -> tuple[dict, list[tuple[int, object]] | None]:
    """The root object's members, and the features with the offset where each starts (None: no
    'features' list). Features are decoded one at a time, so each knows where it was written."""
    try:
        return _walk(text)
    except (_NotJson, json.JSONDecodeError, ValueError, RecursionError):
        pass
    try:  # the walk stopped: the whole document decoded says why, at its line
        root = _DECODER.decode(text)
    except _NotJson as exc:
        found = _CONSTANT.search(text)
        line = text.count("\n", 0, found.start()) + 1 if found else 1
        raise _Stop(line, f"{exc} is not a number in JSON: write a number, or leave the value out") from None
    except json.JSONDecodeError as exc:
        raise _Stop(exc.lineno, f"this is not valid JSON: {exc.msg.lower()} (line {exc.lineno}, column "
                                f"{exc.colno})") from None
    except RecursionError:
        raise _Stop(1, "this JSON is nested too deeply to read") from None
    except ValueError as exc:  # an integer of thousands of digits
        raise _Stop(1, f"this JSON cannot be read: {excerpt(exc, 80)}") from None
    raise _Stop(1, f"a GeoJSON file must hold one FeatureCollection object; this one holds {_kind(root)}")


def _walk(text: str) -> tuple[dict, list[tuple[int, object]] | None]:
    pos = _WS.match(text, 0).end()
    if text[pos:pos + 1] != "{":
        raise _NotJson("root")
    members: dict = {}
    features = None
    pos = _WS.match(text, pos + 1).end()
    if text[pos:pos + 1] == "}":
        pos += 1
    else:
        while True:
            if text[pos:pos + 1] != '"':
                raise _NotJson("key")
            key, pos = _DECODER.raw_decode(text, pos)
            pos = _WS.match(text, pos).end()
            if text[pos:pos + 1] != ":":
                raise _NotJson(":")
            pos = _WS.match(text, pos + 1).end()
            if key in members:
                raise _Stop(text.count("\n", 0, pos) + 1, f"the key '{excerpt(key)}' is written twice in the "
                                                          "FeatureCollection")
            if key == "features" and text[pos:pos + 1] == "[":
                features, pos = _items(text, pos + 1)
                members[key] = None
            else:
                members[key], pos = _DECODER.raw_decode(text, pos)
            pos = _WS.match(text, pos).end()
            mark = text[pos:pos + 1]
            pos += 1
            if mark == "}":
                break
            if mark != ",":
                raise _NotJson(",")
            pos = _WS.match(text, pos).end()
    if _WS.match(text, pos).end() != len(text):
        raise _NotJson("extra")
    return members, features


def _items(text: str, pos: int) -> tuple[list[tuple[int, object]], int]:
    """The values of a JSON list whose '[' is just before ``pos``, each with its offset."""
    items = []
    pos = _WS.match(text, pos).end()
    if text[pos:pos + 1] == "]":
        return items, pos + 1
    while True:
        start = pos
        value, pos = _DECODER.raw_decode(text, pos)
        items.append((start, value))
        if len(items) > MAX_FEATURES:
            raise _Stop(text.count("\n", 0, start) + 1, f"this file has more than {MAX_FEATURES:,} features, more "
                                                        f"than a map can draw: {SIMPLIFY_HINT}")
        pos = _WS.match(text, pos).end()
        mark = text[pos:pos + 1]
        pos += 1
        if mark == "]":
            return items, pos
        if mark != ",":
            raise _NotJson(",")
        pos = _WS.match(text, pos).end()


def _numbered(text: str, features: list[tuple[int, object]]) -> Iterable[tuple[int, object]]:
    """Each feature with the line it starts on (counted once through the text)."""
    line, last = 1, 0
    for offset, value in features:
        line += text.count("\n", last, offset)
        last = offset
        yield line, value


def _collection(members: dict, has_list: bool) -> None:
    kind = members.get("type")
    if kind != "FeatureCollection":
        said = f"'type: {excerpt(kind)}'" if isinstance(kind, str) else "no type"
        raise _Stop(1, f"a GeoJSON file must hold one FeatureCollection (\"type\": \"FeatureCollection\"); this one "
                       f"has {said}")
    if not has_list:
        raise _Stop(1, "the FeatureCollection needs \"features\": a list of features"
                    if "features" not in members else
                    f"\"features\" must be a list of features, not {_kind(members['features'])}")


# --- one feature --------------------------------------------------------------------------


class _Skip(Exception):
    """A feature that is valid GeoJSON but not an area: left out, with a warning."""


def _feature(value: object, line: int) -> Feature:
    if not isinstance(value, dict):
        raise _Stop(line, f"a feature must be an object, not {_kind(value)}")
    if value.get("type") != "Feature":
        raise _Stop(line, "a feature needs \"type\": \"Feature\"")
    if "geometry" not in value:
        raise _Stop(line, "a feature needs a \"geometry\"")
    properties = value.get("properties")
    if properties is not None and not isinstance(properties, dict):
        raise _Stop(line, f"\"properties\" must be an object, not {_kind(properties)}")
    geometry = value["geometry"]
    if geometry is None:
        raise _Skip("it has no geometry")
    if not isinstance(geometry, dict):
        raise _Stop(line, f"\"geometry\" must be an object, not {_kind(geometry)}")
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        if isinstance(kind, str) and kind in ("Point", "MultiPoint", "LineString", "MultiLineString",
                                              "GeometryCollection"):
            raise _Skip(f"its geometry is a {kind}, not a Polygon or MultiPolygon")
        raise _Stop(line, f"the geometry's type must be Polygon or MultiPolygon, not {_said(kind)}")
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else _list(coordinates, "MultiPolygon coordinates", line)
    if not polygons:
        raise _Skip("its MultiPolygon is empty")
    return Feature(_properties(properties or {}), tuple(_polygon(p, line) for p in polygons), line)


def _polygon(value: object, line: int) -> tuple:
    rings = _list(value, "a polygon", line)
    if not rings:
        raise _Stop(line, "a polygon needs at least one ring of coordinates")
    return tuple(_ring(ring, line) for ring in rings)


def _ring(value: object, line: int) -> tuple:
    positions = _list(value, "a ring", line)
    points = []
    for position in positions:
        if not isinstance(position, list) or len(position) < 2:
            raise _Stop(line, f"each position must be a list [longitude, latitude], not {_kind(position)}")
        lon, lat = position[0], position[1]
        if not _number(lon) or not _number(lat):
            raise _Stop(line, f"coordinates must be numbers, not {_kind(lon if not _number(lon) else lat)}")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise _Stop(line, f"[{excerpt(lon)}, {excerpt(lat)}] is not a longitude and latitude (longitude from "
                              "-180 to 180, latitude from -90 to 90): save the file in WGS 84 (EPSG:4326) degrees")
        points.append((float(lon), float(lat)))
    if len(points) < 3 or (len(points) == 3 and points[0] == points[-1]):
        raise _Stop(line, f"a ring needs at least 4 positions (the last one repeating the first), not "
                          f"{len(points)}")
    return tuple(points)


def _properties(properties: dict) -> dict[str, str]:
    """The scalar properties as text: 6001 and 6001.0 are '6001' (a code such as a FIPS)."""
    out = {}
    for key, value in properties.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, str):
            out[key] = value
        elif isinstance(value, int):
            out[key] = str(value)
        elif isinstance(value, float):
            out[key] = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return out


def _list(value: object, what: str, line: int) -> list:
    if not isinstance(value, list):
        raise _Stop(line, f"{what} must be a list of coordinates, not {_kind(value)}")
    return value


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _named(value: object) -> str:
    """' (name X)': a feature's own name, when it has one, to find it by."""
    properties = value.get("properties") if isinstance(value, dict) else None
    if isinstance(properties, dict):
        for key in ("name", "NAME", "Name"):
            if isinstance(properties.get(key), (str, int)):
                return f" ({key} '{excerpt(properties[key])}')"
    return ""


def _said(value: object) -> str:
    return f"'{excerpt(value)}'" if isinstance(value, str) else _kind(value)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return f"the number {excerpt(value)}"
    if isinstance(value, str):
        return f"the text '{excerpt(value)}'"
    return {list: "a list", dict: "an object"}.get(type(value), type(value).__name__)

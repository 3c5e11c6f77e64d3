"""[2] A choropleth as inline SVG, drawn at build time (DESIGN.md §5): readable with no
JavaScript and on a 320 px phone, never by colour alone.

- Projection: equirectangular, longitudes scaled by the cosine of the middle latitude (true
  enough for the counties or districts of one organization; a map across the antimeridian is
  not drawn well). Fitted into a viewBox MAP_WIDTH wide and at most MAX_HEIGHT high, centred;
  the SVG is ``width="100%"`` with no fixed size.
- Outlines: simplified with Douglas–Peucker to TOLERANCE (about a pixel of the drawn size),
  rings smaller than a pixel dropped, coordinates rounded to whole units and written as
  relative moves, so 100 counties stay far under 40 KB. Computed once per GeoJSON file.
- Classes: up to 5 quantile classes of the values drawn (fewer with fewer distinct values);
  the legend gives each class's range (its lowest to highest value).
- Colours: one blue ramp; **darker is better** (``direction: increase``: higher values are
  darker; ``decrease``: lower values are darker); without a direction, darker is higher. Each
  shade but the lightest also has its own pattern (dots, lines, grid, dense grid) in a colour
  of at least 3:1 against it, so the class can be told without colour; every region has an
  outline in the text colour (``currentColor``), which holds 3:1 against the page in light and
  dark schemes. Regions without a value are hatched (no fill) and have a "no data" entry.
- Every region is one ``<path>`` with a ``<title>``: "Region: value" (the text alternative is
  the table beside the map; the SVG itself is ``role="img"`` with an accessible name).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from html import escape
from typing import Callable, Sequence

from site_builder.model import GeoFile

MAP_WIDTH = 480
MAX_HEIGHT = 420
PAD = 2
TOLERANCE = 0.6  # in viewBox units: about a pixel wherever the map is drawn
LEGEND_FONT = 15
ROW = 32  # room for the legend at 21 units, which a narrow map shows (okr-portal.css, "Maps")
SWATCH = (28, 15)
CLASSES = 5
# Light to dark: ColorBrewer "Blues". The pattern over each shade (none over the lightest)
# and its colour, at 3:1 or more against the shade.
PALETTE = ("#c6dbef", "#6baed6", "#3182bd", "#08519c", "#08306b")
MARKS = ("#08306b", "#08306b", "#ffffff", "#ffffff", "#ffffff")
_PATTERNS = (  # (tile size, the marks of the tile, as SVG; {c} is the mark colour)
    None,
    (6, '<circle cx="3" cy="3" r="1.2" fill="{c}"/>'),
    (6, '<path d="M0 3h6" stroke="{c}" stroke-width="1"/>'),
    (6, '<path d="M0 3h6M3 0v6" stroke="{c}" stroke-width="0.9"/>'),
    (4, '<path d="M0 2h4M2 0v4" stroke="{c}" stroke-width="0.8"/>'),
)


@dataclass(frozen=True)
class Outline:
    """A GeoJSON file's features drawn in the viewBox: one path ``d`` per feature."""

    width: float
    height: float
    paths: tuple[str, ...]


@dataclass(frozen=True)
class Region:
    """What one region of the map shows: the features that draw it, and its value."""

    features: tuple[int, ...]  # indexes into the GeoFile's features
    name: str  # plain text
    value: float | None  # None: no data
    shown: str  # the value as the page writes it ("22 days"); "" for no data


@dataclass(frozen=True)
class MapWords:
    title: str  # the accessible name of the whole map
    key: str  # the legend's heading: which shade is better
    no_data: str
    value: Callable[[float], str]  # a value as the page writes it


# --- outlines ------------------------------------------------------------------------------

_OUTLINES: dict[int, tuple[GeoFile, Outline]] = {}  # by id(geo): a site draws each file once


def outline_of(geo: GeoFile) -> Outline:
    """The features of ``geo`` projected, fitted and simplified (cached: many metrics may share
    a file, and a file of thousands of points takes a while)."""
    cached = _OUTLINES.get(id(geo))
    if cached is not None and cached[0] is geo:
        return cached[1]
    outline = project([f.polygons for f in geo.features])
    if len(_OUTLINES) >= 16:
        _OUTLINES.clear()
    _OUTLINES[id(geo)] = (geo, outline)
    return outline


def project(features: Sequence[Sequence[Sequence[Sequence[tuple[float, float]]]]]) -> Outline:
    """Each feature's polygons (rings of (lon, lat)) as one path, fitted into the viewBox."""
    points = [p for polygons in features for polygon in polygons for ring in polygon for p in ring]
    if not points:
        return Outline(MAP_WIDTH, 0, tuple("" for _ in features))
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    kx = max(math.cos(math.radians((south + north) / 2)), 0.05)
    span_x = max((east - west) * kx, 1e-9)
    span_y = max(north - south, 1e-9)
    scale = min((MAP_WIDTH - 2 * PAD) / span_x, (MAX_HEIGHT - 2 * PAD) / span_y)
    height = math.ceil(span_y * scale + 2 * PAD)
    left = (MAP_WIDTH - span_x * scale) / 2

    def place(ring):
        return [(left + (lon - west) * kx * scale, PAD + (north - lat) * scale) for lon, lat in ring]

    paths = []
    for polygons in features:
        rings = [place(ring) for polygon in polygons for ring in polygon]
        d = "".join(_ring_path(ring) for ring in rings)
        if not d and rings:  # smaller than a pixel: still a dot, so the region is on the map
            x, y = max(rings, key=len)[0]
            d = f"M{round(x)} {round(y)}h1v1h-1z"
        paths.append(d)
    return Outline(MAP_WIDTH, height, tuple(paths))


def _ring_path(ring: list[tuple[float, float]]) -> str:
    """A ring as 'M x y l dx dy …z' in whole units; '' when it is smaller than a pixel."""
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    if max(xs) - min(xs) < 1 and max(ys) - min(ys) < 1:
        return ""
    kept = simplify(ring, TOLERANCE)
    whole: list[tuple[int, int]] = []
    for x, y in kept:
        point = (round(x), round(y))
        if not whole or whole[-1] != point:
            whole.append(point)
    if len(whole) > 1 and whole[0] == whole[-1]:
        whole.pop()
    if len(whole) < 3:
        return ""
    out = [f"M{whole[0][0]} {whole[0][1]}l"]
    previous = whole[0]
    first = True
    for x, y in whole[1:]:
        for token in (str(x - previous[0]), str(y - previous[1])):
            if not first and not token.startswith("-"):
                out.append(" ")
            out.append(token)
            first = False
        previous = (x, y)
    out.append("z")
    return "".join(out)


def simplify(points: Sequence[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas–Peucker, without recursion: the points that keep the line within ``tolerance``."""
    n = len(points)
    if n < 4:
        return list(points)
    keep = bytearray(n)
    keep[0] = keep[n - 1] = 1
    limit = tolerance * tolerance
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        ax, ay = points[a]
        dx, dy = points[b][0] - ax, points[b][1] - ay
        norm = dx * dx + dy * dy
        far, at = -1.0, -1
        for i in range(a + 1, b):
            px, py = points[i][0] - ax, points[i][1] - ay
            if norm:
                cross = px * dy - py * dx
                distance = cross * cross / norm
            else:  # a closed ring: from its first point
                distance = px * px + py * py
            if distance > far:
                far, at = distance, i
        if far > limit:
            keep[at] = 1
            stack.append((a, at))
            stack.append((at, b))
    return [p for p, k in zip(points, keep) if k]


# --- classes ---------------------------------------------------------------------------------


def classes(values: Sequence[float], most: int = CLASSES) -> list[tuple[float, float]]:
    """Quantile classes of ``values``: each class's (lowest, highest) value, lowest class first.
    Equal values are always in one class; fewer distinct values make fewer classes."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return []
    k = min(most, len(set(ordered)))
    members: dict[int, list[float]] = {}
    for value in ordered:
        members.setdefault(min(k - 1, bisect_left(ordered, value) * k // n), []).append(value)
    return [(group[0], group[-1]) for _, group in sorted(members.items())]


def shade(index: int, count: int, direction: str | None) -> int:
    """The shade (0 lightest … 4 darkest) of class ``index`` of ``count``: darker is better."""
    level = round(index * (len(PALETTE) - 1) / (count - 1)) if count > 1 else len(PALETTE) // 2
    return len(PALETTE) - 1 - level if direction == "decrease" else level


# --- the map ----------------------------------------------------------------------------------


def choropleth(outline: Outline, regions: Sequence[Region], words: MapWords, direction: str | None,
               ident: str) -> str:
    """The map as one line of SVG. ``ident``: a prefix for its ids, unique on the page."""
    ranges = classes([r.value for r in regions if r.value is not None])
    lows = [low for low, _ in ranges]
    shades = [shade(i, len(ranges), direction) for i in range(len(ranges))]
    fills = []
    for r in regions:
        if r.value is None:
            fills.append(f"url(#{ident}-nd)")
        else:
            fills.append(_fill(shades[bisect_right(lows, r.value) - 1], ident))
    body = []
    for region, fill in zip(regions, fills):
        d = "".join(outline.paths[i] for i in region.features if i < len(outline.paths))
        if not d:
            continue
        said = f"{region.name}: {region.shown if region.value is not None else words.no_data}"
        body.append(f'<path d="{d}" fill="{fill}"><title>{escape(said)}</title></path>')
    legend, legend_height = _legend(ranges, shades, any(r.value is None for r in regions), words, ident,
                                    outline.height + 12)
    height = math.ceil(outline.height + 12 + legend_height)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="okr-map__svg" viewBox="0 0 {MAP_WIDTH} {height}" '
            f'width="100%" role="img" aria-labelledby="{ident}-title" font-size="{LEGEND_FONT}">'
            f'<title id="{ident}-title">{escape(words.title)}</title>'
            f'<defs>{_defs(sorted(set(shades)), ident)}</defs>'
            f'<g class="okr-map__regions" stroke="currentColor" stroke-width="0.5" stroke-linejoin="round" '
            f'fill-rule="evenodd">{"".join(body)}</g>{legend}</svg>')


def _fill(level: int, ident: str) -> str:
    return PALETTE[level] if _PATTERNS[level] is None else f"url(#{ident}-s{level})"


def _defs(levels: list[int], ident: str) -> str:
    out = ['<pattern id="{0}-nd" width="6" height="6" patternUnits="userSpaceOnUse" '
           'patternTransform="rotate(45)"><path d="M0 0v6" stroke="currentColor" stroke-width="1.2"/>'
           '</pattern>'.format(ident)]
    for level in levels:
        pattern = _PATTERNS[level]
        if pattern is None:
            continue
        size, marks = pattern
        out.append(f'<pattern id="{ident}-s{level}" width="{size}" height="{size}" patternUnits="userSpaceOnUse">'
                   f'<rect width="{size}" height="{size}" fill="{PALETTE[level]}"/>{marks.format(c=MARKS[level])}'
                   '</pattern>')
    return "".join(out)


def _legend(ranges, shades, no_data: bool, words: MapWords, ident: str, top: float) -> tuple[str, float]:
    rows = [(_fill(level, ident), _range(low, high, words)) for (low, high), level in zip(ranges, shades)]
    if no_data:
        rows.append((f"url(#{ident}-nd)", words.no_data))
    out = [f'<g class="okr-map__legend" fill="currentColor">'
           f'<text x="{PAD}" y="{top + LEGEND_FONT:g}" font-weight="600">{escape(words.key)}</text>']
    w, h = SWATCH
    for i, (fill, text) in enumerate(rows, start=1):
        y = top + i * ROW + 4
        out.append(f'<rect x="{PAD}" y="{y:g}" width="{w}" height="{h}" fill="{fill}" stroke="currentColor" '
                   f'stroke-width="0.5"/><text x="{PAD + w + 8}" y="{y + h - 3:g}">{escape(text)}</text>')
    out.append("</g>")
    return "".join(out), (len(rows) + 1) * ROW + 8


def _range(low: float, high: float, words: MapWords) -> str:
    return words.value(low) if low == high else f"{words.value(low)} – {words.value(high)}"


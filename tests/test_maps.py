"""[2] Maps (DESIGN.md §2 okrs/geo/, §3 a metric's `map`, §5): the GeoJSON file read and checked
through the real CLI, bad input first; then the choropleth SVG and the map section's table.
"""

from __future__ import annotations

import json
import math
import os
import random
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date

import pytest

from fixtures import OBJECTIVE_PATH, PORTAL_PATH, PORTAL_YML, SHORTER_WAITS
from site_builder.compute.rules import compute
from site_builder.model import GeoFile
from site_builder.problems import Loc
from site_builder.render.charts.map_svg import MapWords, Region, choropleth, classes, project, shade, simplify
from site_builder.render.context import Context
from site_builder.render.maps import map_section
from site_builder.render.messages import messages
from site_builder.source.check import check

PORTAL_2 = PORTAL_YML.replace("schema: 1\n", "schema: 2\n", 1)
META = "okrs/metrics/wait.yml"
CSV = "okrs/metrics/wait.csv"
GEO = "okrs/geo/counties.geojson"
SVG = "{http://www.w3.org/2000/svg}"

# okrs/metrics/wait.yml, by line: 8 code north, 9 code south, 10 the map
WAIT_YML = """\
title: New-patient wait
unit: days
direction: decrease
dimensions:
  county:
    title: {en: County, zh-TW: 郡}
    values:
      north: North County
      south: {en: South County, zh-TW: 南郡}
map: {dimension: county, geojson: geo/counties.geojson, property: fips}
"""
MAP_LINE = 10
WAIT_CSV = """\
date,value,county
2026-01-01,30,
2026-02-01,28,
2026-01-01,20,north
2026-02-01,22,north
2026-05-01,9,north
2026-01-01,35,south
2026-02-01,,south
"""


def square(west: float, south: float, size: float = 1.0) -> list:
    return [[[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]]]


def feature(code, ring=None, kind="Polygon", **more) -> dict:
    properties = {"fips": code, **more} if code is not None else more
    coordinates = ring if ring is not None else square(-120, 38)
    if kind == "MultiPolygon":
        coordinates = [coordinates]
    return {"type": "Feature", "properties": properties, "geometry": {"type": kind, "coordinates": coordinates}}


def collection(*features) -> str:
    """One feature a line: feature i starts on line i + 1."""
    return '{"type": "FeatureCollection", "features": [\n' + ",\n".join(json.dumps(f) for f in features) + "\n]}\n"


COUNTIES = collection(feature("north", square(-120, 38)), feature("south", square(-120, 37), kind="MultiPolygon"))


def files(geo: str | bytes | None = COUNTIES, wait_yml: str = WAIT_YML) -> dict:
    out = {PORTAL_PATH: PORTAL_2, OBJECTIVE_PATH: SHORTER_WAITS, CSV: WAIT_CSV, META: wait_yml}
    if geo is not None:
        out[GEO] = geo
    return out


def validate(portal, cli, geo=COUNTIES, wait_yml=WAIT_YML):
    run = cli(portal(files(geo, wait_yml), portal_yml=None), "validate")
    assert "Traceback" not in run.out + run.err
    return run


def errors(run) -> list[str]:
    assert run.code == 1, run.out
    return run.out.splitlines()


# --- bad input, through okr-portal validate ----------------------------------------------------


def test_a_missing_file_is_one_error_at_the_map(portal, cli):
    assert errors(validate(portal, cli, geo=None)) == [
        f"{META}:{MAP_LINE}: map geojson 'geo/counties.geojson': there is no file {GEO}"]


def test_a_missing_file_written_with_okrs_in_front_says_so(portal, cli):
    wait = WAIT_YML.replace("geojson: geo/", "geojson: okrs/geo/")
    [line] = errors(validate(portal, cli, wait_yml=wait))
    assert line.endswith("there is no file okrs/okrs/geo/counties.geojson (the path is read under okrs/: write "
                         "'geo/counties.geojson')")


@pytest.mark.parametrize("written", ["../secret.geojson", "/etc/passwd", "geo/../../x.geojson", "geo\\x.geojson"])
def test_a_path_out_of_okrs_is_refused_unread(portal, cli, written):
    wait = WAIT_YML.replace("geojson: geo/counties.geojson", f"geojson: '{written}'")
    [line] = errors(validate(portal, cli, wait_yml=wait))
    assert line.startswith(f"{META}:{MAP_LINE}: map geojson '{written}' must be a path inside okrs/")


def test_a_link_out_of_the_portal_is_refused_unread(portal, cli, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.geojson"
    outside.write_text(COUNTIES)
    root = portal(files(geo=None), portal_yml=None)
    (root / "okrs" / "geo").mkdir()
    os.symlink(outside, root / GEO)
    run = cli(root, "validate")
    assert errors(run) == [f"{GEO}:1: this file is a link to a file outside the portal; it is not read"]


def test_text_that_is_not_json_is_one_error_with_its_line(portal, cli):
    assert errors(validate(portal, cli, geo='{"type": "FeatureCollection",\n "features": [,]}')) == [
        f"{GEO}:2: this is not valid JSON: expecting value (line 2, column 15)"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(portal, cli, constant):
    geo = COUNTIES.replace("39.0", constant, 1)
    assert constant in geo.splitlines()[1]
    assert errors(validate(portal, cli, geo=geo)) == [
        f"{GEO}:2: {constant} is not a number in JSON: write a number, or leave the value out"]


@pytest.mark.parametrize("geo, said", [
    ("[]", "a GeoJSON file must hold one FeatureCollection object; this one holds a list"),
    ('"text"', "a GeoJSON file must hold one FeatureCollection object; this one holds the text 'text'"),
    ('{"type": "Feature", "features": []}', "a GeoJSON file must hold one FeatureCollection (\"type\": "
                                             "\"FeatureCollection\"); this one has 'type: Feature'"),
    ('{"type": "FeatureCollection"}', "the FeatureCollection needs \"features\": a list of features"),
    ('{"type": "FeatureCollection", "features": {}}', "\"features\" must be a list of features, not an object"),
    ("[" * 100_000 + "]" * 100_000, "this JSON is nested too deeply to read"),
])
def test_a_root_that_is_no_feature_collection(portal, cli, geo, said):
    assert errors(validate(portal, cli, geo=geo)) == [f"{GEO}:1: {said}"]


def test_a_file_too_large_is_not_read(portal, cli):
    [line] = errors(validate(portal, cli, geo=(COUNTIES + " " * (20 * 1024 * 1024)).encode()))
    assert line.startswith(f"{GEO}:1: file is too large (")


def test_too_many_points_or_features_are_refused(portal, cli, monkeypatch):
    from site_builder.source import load_geo

    monkeypatch.setattr(load_geo, "MAX_POINTS", 8)
    assert errors(validate(portal, cli)) == [
        f"{GEO}:3: this file has more than 8 points: simplify the boundaries first (for example with mapshaper)"]
    monkeypatch.setattr(load_geo, "MAX_FEATURES", 1)
    assert errors(validate(portal, cli)) == [
        f"{GEO}:3: this file has more than 1 features, more than a map can draw: simplify the boundaries first "
        "(for example with mapshaper)"]


def test_bad_features_are_each_one_error_at_their_line(portal, cli):
    geo = collection(
        feature("north"),
        feature("south", [[[-120, 37], [-119, 37], [-119, 38], [-120, 37]]]),
        feature("x", [[[-120, 37], ["a", 37], [-119, 38], [-120, 37]]], name="Westland"),
        feature("y", [[[-120, 37], [200, 37], [-119, 38], [-120, 37]]]),
        feature("z", [[[-120, 37], [-119, 38], [-120, 37]]]),
        {"type": "Feature", "properties": [1], "geometry": None},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Circle", "coordinates": []}},
        "not a feature",
    )
    assert errors(validate(portal, cli, geo=geo)) == [
        f"{GEO}:4: feature 3 (name 'Westland'): coordinates must be numbers, not the text 'a'",
        f"{GEO}:5: feature 4: [200, 37] is not a longitude and latitude (longitude from -180 to 180, latitude "
        "from -90 to 90): save the file in WGS 84 (EPSG:4326) degrees",
        f"{GEO}:6: feature 5: a ring needs at least 4 positions (the last one repeating the first), not 3",
        f"{GEO}:7: feature 6: \"properties\" must be an object, not a list",
        f"{GEO}:8: feature 7: the geometry's type must be Polygon or MultiPolygon, not 'Circle'",
        f"{GEO}:9: feature 8: a feature must be an object, not the text 'not a feature'",
    ]


def test_a_point_or_no_geometry_is_left_out_with_a_warning(portal, cli):
    point = {"type": "Feature", "properties": {"fips": "south"}, "geometry": {"type": "Point", "coordinates": [0, 0]}}
    none = {"type": "Feature", "properties": {"fips": "south"}, "geometry": None}
    empty = {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates": []}}
    run = validate(portal, cli, geo=collection(feature("north"), feature("south"), point, none, empty))
    assert run.out.splitlines()[:3] == [
        f"{GEO}:4: warning: feature 3: its geometry is a Point, not a Polygon or MultiPolygon; it is not drawn",
        f"{GEO}:5: warning: feature 4: it has no geometry; it is not drawn",
        f"{GEO}:6: warning: feature 5: its MultiPolygon is empty; it is not drawn"]
    assert run.code == 0


def test_a_code_with_no_region_is_an_error_at_the_code(portal, cli):
    assert errors(validate(portal, cli, geo=collection(feature("north")))) == [
        f"{META}:9: county 'south' has no region in {GEO} whose fips is 'south'"]


def test_a_region_with_no_declared_code_is_a_warning(portal, cli):
    run = validate(portal, cli, geo=collection(feature("north"), feature("south"), feature("6001"), feature(6003)))
    assert run.code == 0
    assert run.out.splitlines()[0] == (
        f"{GEO}:4: warning: 2 regions of this file have a fips that is no code of county in metric 'wait' "
        "('6001', '6003'; the first one here): they are drawn without a value")


def test_a_property_in_no_region_is_an_error_at_the_map(portal, cli):
    geo = collection(feature(None, GEOID="north"), feature(None, GEOID="south"))
    assert errors(validate(portal, cli, geo=geo)) == [
        f"{META}:{MAP_LINE}: map property 'fips' is in no region of {GEO} (its regions have: GEOID)"]


def test_a_region_without_the_property_is_a_warning(portal, cli):
    run = validate(portal, cli, geo=collection(feature("north"), feature("south"), feature(None, name="Lake")))
    assert run.code == 0
    assert run.out.splitlines()[0] == (
        f"{GEO}:4: warning: 1 region of this file has no 'fips' property (the first one here), so metric "
        "'wait' cannot give it a value")


def test_a_valid_map_is_read_with_codes_as_text(portal):
    geo = collection(feature("north"), feature("south"), feature(6001), feature(6003.0))
    checked = check(portal(files(geo), portal_yml=None))
    assert checked.problems == []
    read = checked.portal.geo["geo/counties.geojson"]
    assert read.path == GEO and [f.properties["fips"] for f in read.features] == ["north", "south", "6001", "6003"]
    assert [f.line for f in read.features] == [2, 3, 4, 5]
    assert read.features[0].polygons == ((((-120.0, 38.0), (-119.0, 38.0), (-119.0, 39.0), (-120.0, 39.0),
                                           (-120.0, 38.0)),),)


def test_two_maps_of_one_file_read_it_once(portal):
    other = WAIT_YML.replace("title: New-patient wait", "title: Other")
    more = {"okrs/metrics/other.yml": other, "okrs/metrics/other.csv": WAIT_CSV}
    checked = check(portal({**files(collection(feature("north"), feature("south"), {})), **more}, portal_yml=None))
    assert [str(p) for p in checked.problems] == [f"{GEO}:4: feature 3: a feature needs \"type\": \"Feature\""]


# --- the SVG -------------------------------------------------------------------------------------


def words(title="Map of wait") -> MapWords:
    return MapWords(title, "Darker is better", "No data", lambda v: f"{v:g} days")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_the_svg_is_one_accessible_path_per_region_with_a_legend_and_hatch():
    polygons = [(tuple(tuple(map(tuple, r)) for r in square(-120 + i, 38)),) for i in range(4)]
    regions = [Region((0,), "North <&> County", 20, "20 days"), Region((1,), "South", 35, "35 days"),
               Region((2,), "East", 25.5, "25.5 days"), Region((3,), "West", None, "")]
    svg = choropleth(project(polygons), regions, words("Map of <wait>"), "decrease", "okr-map-wait")
    assert "\n" not in svg
    root = parse(svg)
    assert root.get("role") == "img" and root.get("width") == "100%"
    assert root.get("viewBox").startswith("0 0 480 ") and "height" not in root.attrib
    assert root.find(f"{SVG}title").text == "Map of <wait>"
    assert root.get("aria-labelledby") == root.find(f"{SVG}title").get("id")
    paths = root.findall(f"{SVG}g[@class='okr-map__regions']/{SVG}path")
    assert [p.find(f"{SVG}title").text for p in paths] == [
        "North <&> County: 20 days", "South: 35 days", "East: 25.5 days", "West: No data"]
    fills = [p.get("fill") for p in paths]
    assert fills[3] == "url(#okr-map-wait-nd)"  # the hatch
    assert len(set(fills)) == 4
    hatch = root.find(f"{SVG}defs/{SVG}pattern[@id='okr-map-wait-nd']")
    assert hatch is not None and hatch.find(f"{SVG}path").get("stroke") == "currentColor"
    legend = root.find(f"{SVG}g[@class='okr-map__legend']")
    assert [t.text for t in legend.findall(f"{SVG}text")] == [
        "Darker is better", "20 days", "25.5 days", "35 days", "No data"]
    swatches = [r.get("fill") for r in legend.findall(f"{SVG}rect")]
    assert swatches == [fills[0], fills[2], fills[1], fills[3]]  # the legend shows what the map fills with
    ids = {p.get("id") for p in root.iter(f"{SVG}pattern")}
    assert {f[5:-1] for f in fills if f.startswith("url(")} <= ids


def test_darker_is_better_whichever_way_better_is():
    assert [shade(i, 5, "increase") for i in range(5)] == [0, 1, 2, 3, 4]
    assert [shade(i, 5, "decrease") for i in range(5)] == [4, 3, 2, 1, 0]
    assert [shade(i, 5, None) for i in range(5)] == [0, 1, 2, 3, 4]  # without a direction, darker is higher
    assert [shade(i, 3, "increase") for i in range(3)] == [0, 2, 4]


def test_quantile_classes_keep_equal_values_together():
    assert classes(range(1, 11)) == [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)]
    assert classes([1, 1, 1, 1, 2]) == [(1, 1), (2, 2)]
    assert classes([7, 7]) == [(7, 7)]
    assert classes([]) == []


def test_simplify_keeps_corners_and_drops_what_stays_within_the_tolerance():
    line = [(x / 10, 0.01 * (x % 2)) for x in range(101)]
    assert simplify(line, 0.5) == [(0, 0), (10, 0)]
    ring = [(0, 0), (5, 0.1), (10, 0), (10, 10), (0, 10), (0, 0)]
    assert simplify(ring, 0.5) == [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]


def county_grid(n: int = 10, points: int = 400) -> list:
    """n × n square-ish counties with wavy, noisy edges of ``points`` points each."""
    rng = random.Random(4)
    out = []
    for row in range(n):
        for col in range(n):
            west, south = -124 + col * 0.5, 36 + row * 0.5
            ring = []
            for i in range(points):
                t = i / points * 4
                side, f = int(t), t - int(t)
                x, y = [(f, 0), (1, f), (1 - f, 1), (0, 1 - f)][side]
                wobble = 0.02 * math.sin(f * math.pi * 6) + rng.uniform(-0.003, 0.003)
                ring.append((west + 0.5 * x + wobble, south + 0.5 * y + wobble))
            ring.append(ring[0])
            out.append(((tuple(ring),),))
    return out


def test_a_map_of_100_counties_is_well_under_40_kb():
    polygons = county_grid()
    regions = [Region((i,), f"County {i}", float(i % 17) if i % 9 else None, f"{i % 17} days") for i in range(100)]
    svg = choropleth(project(polygons), regions, words(), "increase", "okr-map-wait")
    root = parse(svg)
    assert len(root.findall(f"{SVG}g[@class='okr-map__regions']/{SVG}path")) == 100
    assert len(svg.encode()) < 40_000, len(svg.encode())


def test_a_region_smaller_than_a_pixel_is_still_on_the_map():
    polygons = [(tuple(tuple(map(tuple, r)) for r in square(-120, 38, 10)),),
                (tuple(tuple(map(tuple, r)) for r in square(-115, 42, 0.0001)),)]
    svg = choropleth(project(polygons), [Region((0,), "Big", 1, "1"), Region((1,), "Tiny", 2, "2")], words(),
                     None, "m")
    assert len(parse(svg).findall(f"{SVG}g/{SVG}path")) == 2


# --- the map section ---------------------------------------------------------------------------


def section(portal, lang="en", as_of=date(2026, 3, 1), geo=COUNTIES) -> ET.Element:
    checked = check(portal(files(geo), portal_yml=None))
    assert [p for p in checked.problems if not p.warning] == []
    report = compute(checked.portal, as_of)
    metric = checked.portal.metrics["wait"]
    html = map_section(metric, checked.portal.geo.get(metric.map.geojson), Context(report, checked.portal, lang,
                                                                                   messages(lang)))
    assert "\n\n" not in html
    return ET.fromstring(html)


def rows(root: ET.Element) -> list[list[str]]:
    return [["".join(cell.itertext()) for cell in tr] for tr in root.iter("tr")]


def test_the_table_gives_each_codes_latest_value_up_to_the_as_of_date(portal):
    root = section(portal)
    assert rows(root) == [["County", "Value", "Date"],
                          ["North County", "22 days", "Feb 1, 2026"],  # 9 on 2026-05-01 is after the as-of date
                          ["South County", "35 days", "Jan 1, 2026"]]  # its empty February row is no observation
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert titles[1:] == ["North County: 22 days", "South County: 35 days"]
    assert root.find("figure/figcaption").text.startswith("New-patient wait by County: the latest value of each, on "
                                                          "or before Mar 1, 2026. Darker is better")


def test_later_and_in_another_language(portal):
    root = section(portal, "zh-TW", date(2026, 6, 1))
    assert rows(root)[1:] == [["North County", "9 days", "2026年5月1日"], ["南郡", "35 days", "2026年1月1日"]]


def test_a_code_without_a_value_is_no_data_in_the_table_and_hatched_on_the_map(portal):
    root = section(portal, as_of=date(2025, 12, 31))
    assert rows(root)[1:] == [["North County", "No data", ""], ["South County", "No data", ""]]
    assert {p.get("fill") for p in root.iter(f"{SVG}path") if p.find(f"{SVG}title") is not None} == {
        "url(#okr-map-wait-nd)"}


def test_no_map_no_section(portal):
    checked = check(portal(files(), portal_yml=None))
    metric = checked.portal.metrics["wait"]
    ctx = Context(compute(checked.portal, date(2026, 3, 1)), checked.portal, "en", messages("en"))
    assert map_section(metric, None, ctx) == ""
    empty = GeoFile(GEO, (), Loc(GEO))
    assert map_section(metric, empty, ctx) == ""
    assert map_section(replace(metric, map=None), checked.portal.geo["geo/counties.geojson"], ctx) == ""

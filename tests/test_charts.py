"""The build-time SVG charts: accessible, correctly placed, escaped, colourless, deterministic."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from markupsafe import Markup

from site_builder.render.charts import canvas as chart_canvas
from site_builder.render.charts import kinds as charts

NS = "{http://www.w3.org/2000/svg}"

LABELS = {  # the keys the charts are promised; no "original_target", to exercise its fallback
    "baseline": "Baseline", "target": "Target", "chart_expected": "Expected path", "chart_observed": "Observed",
    "chart_today": "As of", "threshold_min": "at least", "threshold_max": "at most", "due": "Due", "done": "Done",
    "chart_start": "Period start", "chart_end": "Period end", "date": "Date", "value": "Value",
}
START, END = date(2025, 10, 1), date(2026, 9, 30)


def days(value: float) -> str:
    return f"{value:g} days"


def monthly(values, start=START):
    return [(start + timedelta(days=30 * i), float(v)) for i, v in enumerate(values)]


def metric(**kw):
    args = dict(chart_id="kr-wait", observations=monthly([31, 29, 27.5, 26, 24]), baseline=(START, 31.0),
                target=(END, 20.0), as_of=date(2026, 3, 1), fmt=days, labels=LABELS,
                title="Primary care wait", description="Latest 24 days; target 20 days.")
    return charts.metric_kr_chart(**{**args, **kw})


def maintain(**kw):
    args = dict(chart_id="kr-hold", observations=monthly([86, 88, 84.5, 90]), start=START, end=END,
                minimum=85.0, maximum=None, as_of=date(2026, 2, 1), fmt=lambda v: f"{v:g}%", labels=LABELS,
                title="Hold the rate", description="At least 85%.")
    return charts.maintain_chart(**{**args, **kw})


def milestone(**kw):
    args = dict(chart_id="kr-ship", start=START, end=END, due=date(2026, 6, 30), done=date(2026, 5, 2),
                as_of=date(2026, 7, 20), fmt_date=date.isoformat, labels=LABELS, title="Open the clinic",
                description="Due 2026-06-30. Done 2026-05-02.")
    return charts.milestone_chart(**{**args, **kw})


def series(**kw):
    args = dict(chart_id="m-wait", observations=monthly([31, 29, 27.5, 26, 24]), fmt=days, labels=LABELS,
                title="Wait for primary care", description="The full series.")
    return charts.series_chart(**{**args, **kw})


CHARTS = {"metric": metric, "maintain": maintain, "milestone": milestone, "series": series}


# --- reading the SVG -----------------------------------------------------------------


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def classes(el: ET.Element) -> list[str]:
    return el.get("class", "").split()


def drawn(root: ET.Element, cls: str, tag: str | None = None) -> list[ET.Element]:
    """Elements with class ``cls``, leaving out the line samples of the legend."""
    legend = {id(e) for g in root.iter() if "okr-chart__legend" in classes(g) for e in g.iter()}
    return [e for e in root.iter() if cls in classes(e) and id(e) not in legend
            and (tag is None or e.tag == NS + tag)]


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(NS + "text")]


def points(el: ET.Element) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in el.get("points").split()]


def centre(el: ET.Element) -> tuple[float, float]:
    if el.tag == NS + "circle":
        return float(el.get("cx")), float(el.get("cy"))
    xy = points(el)
    return sum(x for x, _ in xy) / len(xy), sum(y for _, y in xy) / len(xy)


def tick_value(text: str) -> float:
    text = text.replace("\u2212", "-")
    scale = {"k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}.get(text[-1], 1)
    return float(text[:-1] if scale != 1 else text) * scale


def tick_texts(root: ET.Element, anchor: str) -> list[ET.Element]:
    """The tick labels anchored so, by their own text-anchor or their group's."""
    found = []
    for group in root.iter():
        if "okr-chart__tick" in classes(group):
            found += [t for t in ([group] if group.tag == NS + "text" else group.iter(NS + "text"))
                      if (t.get("text-anchor") or group.get("text-anchor")) == anchor]
    return found


def y_ticks(root: ET.Element) -> list[tuple[float, float]]:
    """(value, pixel y) of the y-axis ticks (the end-anchored tick texts)."""
    return [(tick_value(t.text), float(t.get("y")) - 4) for t in tick_texts(root, "end")]


def x_ticks(root: ET.Element) -> list[str]:
    return [t.text for t in tick_texts(root, "middle")]


def y_of(root: ET.Element, value: float) -> float:
    """The pixel y of a value, from the scale the y ticks show."""
    (v0, y0), (v1, y1) = y_ticks(root)[0], y_ticks(root)[-1]
    return y0 + (value - v0) * (y1 - y0) / (v1 - v0)


def plot_box(root: ET.Element) -> tuple[float, float, float, float]:
    """left, top, bottom, right of the plot, from the axis path M left top V bottom H right."""
    d = drawn(root, "okr-chart__axis", "path")[0].get("d")
    left, top, bottom, right = map(float, re.match(r"M([\d.]+) ([\d.]+)V([\d.]+)H([\d.]+)", d).groups())
    return left, top, bottom, right


# --- every chart -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", CHARTS)
def test_root_is_an_accessible_image(kind):
    svg = CHARTS[kind]()
    assert isinstance(svg, Markup)
    root = parse(svg)
    assert root.tag == NS + "svg"
    assert root.get("role") == "img" and root.get("focusable") == "false"
    assert classes(root) == ["okr-chart", f"okr-chart--{kind}"]
    assert root.get("width") is None and root.get("height") is None
    _, _, width, height = map(float, root.get("viewBox").split())
    assert width == 640 and height == (120 if kind == "milestone" else 300)
    title_id, desc_id = root.get("aria-labelledby").split()
    found = {e.get("id"): e for e in root.iter() if e.get("id")}
    assert found[title_id].tag == NS + "title" and found[desc_id].tag == NS + "desc"
    assert found[title_id].text and found[desc_id].text
    assert root[0] is found[title_id] and root[1] is found[desc_id]


def test_title_and_desc_hold_the_given_texts():
    root = parse(metric(chart_id="c9", title="Wait times", description="Latest 24 days."))
    assert root.get("aria-labelledby") == "c9-title c9-desc"
    assert root.find(NS + "title").get("id") == "c9-title"
    assert root.find(NS + "title").text == "Wait times"
    assert root.find(NS + "desc").get("id") == "c9-desc"
    assert root.find(NS + "desc").text == "Latest 24 days."


@pytest.mark.parametrize("kind", CHARTS)
def test_same_input_gives_the_same_bytes(kind):
    assert str(CHARTS[kind]()) == str(CHARTS[kind]())


@pytest.mark.parametrize("kind", CHARTS)
def test_no_colours_in_the_svg(kind):
    svg = str(CHARTS[kind]())
    assert "style=" not in svg
    assert not re.search(r"#[0-9a-fA-F]{3,8}\b|rgb\(|hsl\(", svg)
    for attr in ("fill", "stroke"):
        assert set(re.findall(rf' {attr}="([^"]*)"', svg)) <= {"none", "currentColor"}


@pytest.mark.parametrize("kind", CHARTS)
def test_no_blank_lines_or_indentation(kind):
    # The SVG sits inside Markdown pages: a blank line would end the HTML block.
    lines = str(CHARTS[kind]()).split("\n")
    assert all(line and not line[0].isspace() for line in lines)


@pytest.mark.parametrize("kind", CHARTS)
def test_coordinates_have_at_most_one_decimal(kind):
    svg = str(CHARTS[kind]())
    assert not re.search(r"\d\.\d\d", re.sub(r"<(title|desc)[^<]*</\1>|>[^<]*<", "", svg))


# --- the metric key-result chart -----------------------------------------------------


def test_expected_line_joins_baseline_and_target():
    root = parse(metric())
    (line,) = drawn(root, "okr-chart__expected", "line")
    start = float(line.get("x1")), float(line.get("y1"))
    end = float(line.get("x2")), float(line.get("y2"))
    (baseline,) = drawn(root, "okr-chart__baseline")
    (target,) = drawn(root, "okr-chart__target")
    assert start == centre(baseline)
    assert end == pytest.approx(centre(target), abs=0.05)
    assert line.get("stroke-dasharray")            # dashed, unlike the observed line
    # and where the scales put them: baseline at the first date, target at the last one
    left, _, _, right = plot_box(root)
    assert start[0] == left and end[0] == right
    assert start[1] == pytest.approx(y_of(root, 31), abs=0.15)
    assert end[1] == pytest.approx(y_of(root, 20), abs=0.15)


def test_baseline_and_target_are_labelled_with_their_values():
    words = texts(parse(metric()))
    assert "Baseline 31 days" in words and "Target 20 days" in words
    assert "24 days" in words                       # the latest value is written
    assert "Observed" in words and "Expected path" in words
    assert "Value" in words and "Date" in words


def test_markers_differ_in_shape():
    root = parse(metric())
    assert drawn(root, "okr-chart__baseline")[0].tag == NS + "circle"
    assert drawn(root, "okr-chart__target")[0].tag == NS + "polygon"
    assert len(drawn(root, "okr-chart__latest", "circle")) == 1


def test_polyline_has_one_vertex_per_observation():
    obs = monthly([31, 29, 27.5, 26, 24, 23])
    root = parse(metric(observations=obs))
    (line,) = drawn(root, "okr-chart__observed", "polyline")
    assert line.get("fill") == "none" and not line.get("stroke-dasharray")
    xy = points(line)
    assert len(xy) == len(obs)
    assert [x for x, _ in xy] == sorted(x for x, _ in xy)
    assert xy[0][1] == pytest.approx(y_of(root, 31), abs=0.15)
    dots = drawn(root, "okr-chart__point", "circle")
    assert [centre(d) for d in dots] == xy
    assert centre(drawn(root, "okr-chart__latest")[0]) == xy[-1]


def test_observations_out_of_order_are_drawn_in_date_order():
    obs = monthly([31, 29, 27])
    assert str(metric(observations=obs[::-1])) == str(metric(observations=obs))


def test_as_of_line_only_when_in_range():
    inside = parse(metric(as_of=date(2026, 3, 1)))
    (line,) = drawn(inside, "okr-chart__today", "line")
    assert line.get("x1") == line.get("x2")
    left, _, _, right = plot_box(inside)
    assert left < float(line.get("x1")) < right
    assert "As of" in texts(inside)
    for outside in (date(2026, 11, 24), date(2025, 1, 1)):
        root = parse(metric(as_of=outside))
        assert drawn(root, "okr-chart__today") == [] and "As of" not in texts(root)


def test_original_target_has_its_own_marker_and_dotted_line():
    root = parse(metric(original_target=(END, 18.0)))
    lines = drawn(root, "okr-chart__original-target", "line")
    (marker,) = drawn(root, "okr-chart__original-target", "polygon")
    assert marker.get("fill") == "none"             # hollow, unlike the target
    assert len(lines) == 1 and lines[0].get("stroke-dasharray")
    assert (float(lines[0].get("x2")), float(lines[0].get("y2"))) == pytest.approx(centre(marker), abs=0.05)
    assert "Original target 18 days" in texts(root)   # the label falls back to English when the catalog lacks it
    named = parse(metric(original_target=(END, 18.0), labels={**LABELS, "original_target": "Cible initiale"}))
    assert "Cible initiale 18 days" in texts(named)


def test_original_target_equal_to_target_is_not_drawn():
    root = parse(metric(original_target=(END, 20.0)))
    assert drawn(root, "okr-chart__original-target") == []


def test_y_ticks_are_nice_and_x_ticks_are_months():
    root = parse(metric())
    ticks = y_ticks(root)
    assert 4 <= len(ticks) <= 6
    steps = {round(b[0] - a[0], 9) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1 and steps.pop() in {1, 2, 5, 10}
    labels = x_ticks(root)
    assert 2 <= len(labels) <= 8 and all(re.fullmatch(r"\d{4}-\d{2}", t) for t in labels)


def test_long_ranges_thin_the_x_ticks():
    obs = [(date(2000, 1, 1) + timedelta(days=30 * i), float(i % 7)) for i in range(300)]
    labels = x_ticks(parse(series(observations=obs)))
    assert 2 <= len(labels) <= 8 and len(set(labels)) == len(labels)


# --- maintain ---------------------------------------------------------------------------


def test_threshold_line_sits_at_its_value():
    root = parse(maintain())
    (line,) = drawn(root, "okr-chart__threshold", "line")
    y = float(line.get("y1"))
    assert line.get("y2") == line.get("y1")
    below = max(p for v, p in y_ticks(root) if v < 85)   # pixel y of the tick under 85
    above = min(p for v, p in y_ticks(root) if v > 85)
    assert above < y < below
    assert y == pytest.approx(y_of(root, 85), abs=0.15)
    assert "at least 85%" in texts(root)
    (band,) = drawn(root, "okr-chart__band", "rect")
    _, top, _, _ = plot_box(root)
    assert float(band.get("y")) == top and float(band.get("y")) + float(band.get("height")) == pytest.approx(y)


def test_maintain_with_both_thresholds_fills_the_band_between():
    root = parse(maintain(minimum=84.0, maximum=90.0))
    lines = sorted(float(e.get("y1")) for e in drawn(root, "okr-chart__threshold", "line"))
    (band,) = drawn(root, "okr-chart__band", "rect")
    assert float(band.get("y")) == lines[0]
    assert float(band.get("y")) + float(band.get("height")) == pytest.approx(lines[1])
    assert {"at least 84%", "at most 90%"} <= set(texts(root))


def test_maintain_as_of_line_and_period_range():
    root = parse(maintain(as_of=date(2026, 2, 1)))
    assert len(drawn(root, "okr-chart__today", "line")) == 1
    assert drawn(parse(maintain(as_of=date(2027, 1, 1))), "okr-chart__today") == []


# --- milestone ---------------------------------------------------------------------------


def test_milestone_due_and_done_markers():
    root = parse(milestone())
    (due,) = drawn(root, "okr-chart__due")
    (done,) = drawn(root, "okr-chart__done")
    assert due.tag != done.tag                       # different shapes
    assert centre(done)[0] < centre(due)[0]          # done before due, on the same timeline
    words = texts(root)
    assert "Due 2026-06-30" in words and "Done 2026-05-02" in words
    assert "Period start" in words and "Period end" in words
    assert "2026-01" in words
    assert len(drawn(root, "okr-chart__today", "line")) == 1


def test_milestone_not_done_has_no_done_marker():
    root = parse(milestone(done=None, as_of=date(2027, 1, 1)))
    assert drawn(root, "okr-chart__done") == [] and len(drawn(root, "okr-chart__due")) == 1
    assert not any(t.startswith("Done") for t in texts(root))
    assert drawn(root, "okr-chart__today") == []


def test_milestone_dates_outside_the_period_stay_in_view():
    root = parse(milestone(due=date(2026, 12, 31), done=date(2027, 2, 1)))
    _, _, width, _ = map(float, root.get("viewBox").split())
    for el in drawn(root, "okr-chart__due") + drawn(root, "okr-chart__done"):
        assert 0 < centre(el)[0] < width


# --- series -------------------------------------------------------------------------------


def test_long_series_is_a_compact_line_without_dots():
    obs = [(date(2024, 1, 1) + timedelta(days=i), 1000 + (i * 37 % 101) + i / 3) for i in range(520)]
    svg = str(series(observations=obs, fmt=lambda v: f"{v:,.1f} visits"))
    assert len(svg.encode()) < 25_000
    root = parse(svg)
    (line,) = drawn(root, "okr-chart__observed", "polyline")
    assert len(points(line)) == 520
    assert drawn(root, "okr-chart__point") == []
    assert len(drawn(root, "okr-chart__latest")) == 1
    assert f"{obs[-1][1]:,.1f} visits" in texts(root)
    assert all(t.endswith("k") for t in (t.text for t in tick_texts(root, "end")))


def test_sixty_points_still_have_dots():
    obs = [(date(2024, 1, 1) + timedelta(days=i), float(i)) for i in range(60)]
    assert len(drawn(parse(series(observations=obs)), "okr-chart__point")) == 60


# --- escaping -------------------------------------------------------------------------------


NASTY = '<script>&"'


@pytest.mark.parametrize("kind", CHARTS)
def test_all_text_is_escaped(kind):
    labels = {key: f"{value} {NASTY}" for key, value in LABELS.items()}
    extra = {"fmt_date": lambda d: d.isoformat() + NASTY} if kind == "milestone" else {
        "fmt": lambda v: f"{v:g} {NASTY}"}
    svg = str(CHARTS[kind](labels=labels, title=f"T {NASTY}", description=f"D {NASTY}", **extra))
    assert "<script" not in svg and "&lt;script&gt;&amp;" in svg
    root = parse(svg)                                # still well-formed
    assert root.find(NS + "title").text == f"T {NASTY}"
    assert root.find(NS + "desc").text == f"D {NASTY}"
    assert any(NASTY in t for t in texts(root))


def test_dot_tooltips_are_escaped():
    root = parse(series(fmt=lambda v: f"{v:g} {NASTY}"))
    tips = [t.text for t in root.iter(NS + "title")][1:]
    assert tips and all(tip.endswith(NASTY) for tip in tips)


# --- edge cases -------------------------------------------------------------------------------

EDGE_SERIES = {
    "empty": [],
    "single": [(date(2026, 1, 15), 5.0)],
    "flat": monthly([7, 7, 7, 7]),
    "zero flat": monthly([0, 0, 0]),
    "same day": [(date(2026, 1, 15), 3.0), (date(2026, 1, 15), 4.0)],
    "negative": monthly([-5, -12.5, -3, -40]),
    "huge": monthly([3.2e12, 3.9e12, 4.4e12]),
    "tiny": monthly([1.2e-7, 1.5e-7, 0.9e-7]),
    "crossing zero": monthly([-0.3, 0.1, 0.2]),
}


@pytest.mark.parametrize("name", EDGE_SERIES)
@pytest.mark.parametrize("kind", ["metric", "maintain", "series"])
def test_edge_cases_give_well_formed_charts(kind, name):
    obs = EDGE_SERIES[name]
    svg = str(CHARTS[kind](observations=obs))
    root = parse(svg)
    assert not re.search(r"nan|inf", svg.split("</desc>")[1], re.IGNORECASE)
    lines = drawn(root, "okr-chart__observed", "polyline")
    assert len(lines) == (1 if obs else 0)
    if obs:
        assert len(points(lines[0])) == len(obs)
        assert len(drawn(root, "okr-chart__latest")) == 1
    if kind != "series" or obs:
        assert 3 <= len(y_ticks(root)) <= 7
        # (a narrow chart's label writes a wide one's value again, for the other width)
        written = ["".join(t.itertext()) for t in root.iter(NS + "text") if "okr-chart__narrow" not in classes(t)]
        written = [t for t in written if t]
        assert len(written) == len(set(written)) or name == "same day"
    _, _, width, height = map(float, root.get("viewBox").split())
    for el in root.iter(NS + "circle"):
        assert 0 <= float(el.get("cx")) <= width and 0 <= float(el.get("cy")) <= height


def test_empty_metric_chart_still_draws_baseline_target_and_expected_path():
    root = parse(metric(observations=[]))
    assert len(drawn(root, "okr-chart__expected", "line")) == 1
    assert len(drawn(root, "okr-chart__baseline")) == 1 and len(drawn(root, "okr-chart__target")) == 1
    assert drawn(root, "okr-chart__observed", "polyline") == []


def test_empty_series_writes_the_no_observations_text_when_the_catalog_has_it():
    root = parse(series(observations=[], labels={**LABELS, "no_observations": "No observations yet."}))
    assert "No observations yet." in texts(root)
    assert y_ticks(root) == []


def test_maintain_with_no_threshold_and_no_data():
    root = parse(maintain(observations=[], minimum=None, maximum=None))
    assert drawn(root, "okr-chart__threshold") == [] and drawn(root, "okr-chart__band") == []


def test_milestone_on_a_one_day_period():
    root = parse(milestone(start=date(2026, 1, 1), end=date(2026, 1, 1), due=date(2026, 1, 1), done=None,
                           as_of=date(2026, 1, 1)))
    assert len(drawn(root, "okr-chart__due")) == 1 and len(drawn(root, "okr-chart__today")) == 1


def test_negative_values_use_a_minus_sign_on_ticks():
    root = parse(series(observations=monthly([-5, -12.5, -3, -40])))
    assert any(t.startswith("\u2212") for t in (t.text for t in tick_texts(root, "end")))


# --- dense series ------------------------------------------------------------------------------


def test_decimation_keeps_each_pixel_columns_ends_and_extremes():
    import random

    rng = random.Random(7)
    xs = sorted(rng.randrange(0, 400) for _ in range(3000))  # tenths of a pixel: 40 columns, ~75 points each
    xs += [400, 401, 415, 437]  # a column of four points: drawn whole
    ys = [rng.randrange(0, 2000) for _ in xs]
    kept_x, kept_y = charts._decimate(xs, ys)
    kept = list(zip(kept_x, kept_y))
    assert len(kept) < len(xs) / 10
    assert kept[0] == (xs[0], ys[0]) and kept[-1] == (xs[-1], ys[-1])
    assert kept_x == sorted(kept_x)
    for column in sorted({x // 10 for x in xs}):
        points = [(x, y) for x, y in zip(xs, ys) if x // 10 == column]
        drawn_here = [p for p in kept if p[0] // 10 == column]
        if len(points) <= 4:
            assert drawn_here == points
            continue
        values = [y for _, y in points]
        ends_and_extremes = {0, values.index(min(values)), values.index(max(values)), len(points) - 1}
        # first, lowest, highest, last, in the order they came, and nothing else
        assert drawn_here == [points[i] for i in sorted(ends_and_extremes)]


def test_a_dense_series_is_drawn_from_its_pixel_columns_with_every_extreme():
    start = date(2006, 1, 1)
    obs = [(start + timedelta(days=i), 500 + (i * 7919 % 211) - (i % 997) / 3) for i in range(20 * 365)]
    obs[4321] = (obs[4321][0], 5000.0)  # a spike and a dip between neighbours: never dropped
    obs[1234] = (obs[1234][0], -4000.0)
    root = parse(series(observations=obs))
    (line,) = drawn(root, "okr-chart__observed", "polyline")
    xy = points(line)
    left, top, bottom, right = plot_box(root)
    assert len(xy) <= 4 * (right - left + 1) < len(obs)  # at most four vertices a pixel column
    assert xy[0] == (left, pytest.approx(y_of(root, obs[0][1]), abs=0.15))
    assert xy[-1] == (right, pytest.approx(y_of(root, obs[-1][1]), abs=0.15))
    ys = [y for _, y in xy]
    assert min(ys) == pytest.approx(y_of(root, 5000.0), abs=0.15)
    assert max(ys) == pytest.approx(y_of(root, -4000.0), abs=0.15)
    assert centre(drawn(root, "okr-chart__latest")[0]) == xy[-1]


def test_a_long_series_shorter_than_the_plot_is_not_decimated():
    obs = [(date(2025, 1, 1) + timedelta(days=i), float(i % 13)) for i in range(500)]
    (line,) = drawn(parse(series(observations=obs)), "okr-chart__observed", "polyline")
    assert len(points(line)) == 500


def test_a_series_drawn_again_for_another_language_is_drawn_as_new():
    """Charts remember the last lines drawn from the same tuple of observations (each
    page is drawn in every language in turn): what they give back is what drawing
    afresh gives, in every frame, and a different tuple is never taken for it."""
    long = tuple((START + timedelta(days=i), 30 + (i % 7) - i / 20) for i in range(330))
    zh = {**LABELS, "baseline": "基準", "target": "目標", "chart_observed": "實際", "chart_expected": "預期進度"}
    fresh = {}
    for labels in (LABELS, zh):
        for goal in (20.0, 2.0):  # two frames: the target widens the value range
            # A list is never remembered: drawn afresh every time.
            fresh[labels["target"], goal] = str(metric(observations=list(long), labels=labels, target=(END, goal)))
    assert fresh["Target", 20.0] != fresh["Target", 2.0]
    for labels in (zh, LABELS, zh):
        for goal in (2.0, 20.0):
            assert str(metric(observations=long, labels=labels, target=(END, goal))) == fresh[labels["target"], goal]
    changed = long[:-1] + ((long[-1][0], 99.0),)
    assert str(metric(observations=changed, target=(END, 20.0))) == str(metric(observations=list(changed),
                                                                              target=(END, 20.0)))
    assert "99 days" in str(metric(observations=changed, target=(END, 20.0)))


@pytest.mark.parametrize("line", ["none", "long", "straight"])
def test_a_label_keeps_off_a_drawn_line(line):
    """A label takes the first place that crosses no line: a long series (its cells found
    where the label looks) or a straight line (an expected path)."""
    canvas = chart_canvas.Canvas("series", "c", "T", "D", chart_canvas.HEIGHT)
    if line == "long":  # a flat line at y = 100 px, a point every pixel
        xs = list(range(0, 6000, 10))
        canvas.avoid_track(chart_canvas.Track(xs, [1000] * len(xs)))
    elif line == "straight":
        canvas.avoid([(0.0, 100.0), (600.0, 100.0)])
    canvas.label("Latest 42", [(300.0, 104.0, "start"), (300.0, 150.0, "start")], (0.0, 0.0, 640.0, 300.0))
    text = next(t for t in parse(canvas.render()).iter(f"{NS}text") if t.text == "Latest 42")
    assert float(text.get("y")) == (104.0 if line == "none" else 150.0)


# --- narrow charts (a phone): what the theme shows under 700 px -------------------------------------
# The browser suite measures the rendered sizes (tests/test_a11y.py); here, what the SVG gives it.


def narrow_texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(NS + "text") if "okr-chart__narrow" in classes(t)]


def kept_ticks(root: ET.Element, axis: str) -> list[str]:
    (group,) = [g for g in root.iter(NS + "g") if f"okr-chart__{axis}ticks" in classes(g)]
    return [t.text for t in group.iter(NS + "text") if "okr-chart__minor" not in classes(t)]


@pytest.mark.parametrize("kind", ["metric", "maintain", "series"])
def test_a_narrow_chart_writes_its_latest_value_and_keeps_few_ticks(kind):
    obs = monthly([31, 29, 27.5, 26, 24, 23, 22, 21.5, 21, 20.5, 20, 19.5])
    root = parse(CHARTS[kind](observations=obs))
    assert narrow_texts(root) == ["19.5 days" if kind != "maintain" else "19.5%"]
    xs, ys = kept_ticks(root, "x"), kept_ticks(root, "y")
    assert 1 <= len(xs) <= 3 and xs[0] == x_ticks(root)[0]      # the first tick, always
    every_y = [t.text for t in tick_texts(root, "end")]
    assert 2 <= len(ys) <= 3 < len(every_y) and (ys[0], ys[-1]) == (every_y[0], every_y[-1])  # lowest, highest


def test_a_narrow_chart_leaves_out_a_value_too_long_to_fit():
    long_unit = lambda v: f"{v:g} per 10,000 adjusted patient days in the network"  # noqa: E731
    root = parse(metric(fmt=long_unit))
    assert narrow_texts(root) == []      # the figure beside the chart says it; the wide label still does
    assert any("per 10,000" in t for t in texts(root))


def test_a_narrow_milestone_says_when_it_was_done_else_when_it_is_due():
    assert narrow_texts(parse(milestone())) == ["Done 2026-05-02"]
    assert narrow_texts(parse(milestone(done=None))) == ["Due 2026-06-30"]


@pytest.mark.parametrize("kind", ["metric", "maintain", "series", "milestone"])
def test_the_html_legend_names_what_the_svg_legend_names(kind):
    chart = CHARTS[kind]()
    root = parse(chart)
    in_svg = [t.text for g in root.iter(NS + "g") if "okr-chart__legend" in classes(g) for t in g.iter(NS + "text")]
    assert bool(in_svg) == (kind in ("metric", "maintain"))
    in_html = [li.text for li in ET.fromstring(str(chart.legend))] if chart.legend else []
    assert in_html == in_svg
    classes_used = {li.get("class") for li in ET.fromstring(str(chart.legend))} if chart.legend else set()
    assert classes_used <= {"okr-legend__observed", "okr-legend__expected", "okr-legend__original-target",
                            "okr-legend__threshold"}  # each drawn by the theme


def test_the_html_legend_is_escaped():
    chart = metric(labels={**LABELS, "chart_observed": "<b>Seen</b> & counted"})
    assert "&lt;b&gt;Seen&lt;/b&gt; &amp; counted" in str(chart.legend) and "<b>" not in str(chart.legend)

"""[2] Derived metrics computed (DESIGN.md §4), checked against values worked out by hand.

Each expected number is a literal, with the arithmetic in a comment beside it: none is computed
with the code under test. First with_derived on portals made of model objects (alignment on
date, empty values, division by zero, rolling windows, nesting, groups by a shared dimension,
flags); then through the real CLI: `status --json` and a generated site of a portal whose key
result measures a derived metric, and `validate` on what cannot be computed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from fixtures import OBJECTIVE_PATH, PORTAL_PATH, PORTAL_YML
from site_builder.commands.build import WORK_DIR, generate
from site_builder.compute.derived import with_derived
from site_builder.model import Dimension, Metric, Observation, Portal
from site_builder.problems import Loc
from site_builder.source.check import check
from site_builder.text import Text

J1, F1, M1, A1, MY1, JN1 = (date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1),
                            date(2026, 5, 1), date(2026, 6, 1))


def metric(metric_id: str, rows=(), formula: str | None = None, dimensions=(), groups=None) -> Metric:
    """rows: (date, value) or (date, value, flag)."""
    return Metric(id=metric_id, title=None, unit=None, decimals=None, frequency="monthly", source=None,
                  methodology=None, feed=None, observations=_rows(rows), csv_path=None, meta_path=None,
                  loc=Loc(f"okrs/metrics/{metric_id}.yml"), formula=formula, dimensions=tuple(dimensions),
                  groups={key: _rows(r) for key, r in (groups or {}).items()})


def _rows(rows) -> tuple[Observation, ...]:
    return tuple(Observation(r[0], r[1], "a note", i + 2, r[2] if len(r) > 2 else None) for i, r in enumerate(rows))


def computed(*metrics: Metric) -> dict[str, Metric]:
    portal = Portal(root=".", settings=None, objectives=(), metrics={m.id: m for m in metrics})
    return with_derived(portal).metrics


def values(m: Metric, group=()) -> list[tuple[date, float]]:
    return [(o.date, o.value) for o in m.series(group)]


def approx(pairs):
    return [(d, pytest.approx(v, rel=1e-12)) for d, v in pairs]


# --- alignment on date ---------------------------------------------------------------------


def test_an_observation_only_where_every_input_has_a_value():
    a = metric("a", [(J1, 10), (F1, 20), (M1, 30), (A1, 40)])
    b = metric("b", [(J1, 2), (M1, 5), (A1, 8), (MY1, 3)])  # no February; May has no a
    out = computed(a, b, metric("r", formula="a / b"))["r"]
    assert values(out) == [(J1, 5.0),  # 10 / 2
                           (M1, 6.0),  # 30 / 5
                           (A1, 5.0)]  # 40 / 8
    assert all(type(o.value) is float for o in out.observations)
    assert {(o.note, o.line, o.flag) for o in out.observations} == {(None, 0, None)}


def test_an_empty_value_is_no_observation():
    a = metric("a", [(J1, 10), (F1, None), (M1, 30)])
    b = metric("b", [(J1, 1), (F1, 4), (M1, None)])
    assert values(computed(a, b, metric("s", formula="a + b"))["s"]) == [(J1, 11.0)]  # 10 + 1; Feb, Mar empty


def test_division_by_zero_gives_no_observation_there():
    a = metric("a", [(J1, 3), (F1, 0), (M1, 6)])
    b = metric("b", [(J1, 0), (F1, 0), (M1, 4)])
    out = computed(a, b, metric("r", formula="a / b"))["r"]
    assert values(out) == [(M1, 1.5)]  # 3/0 and 0/0 dropped; 6 / 4 = 1.5


def test_numbers_apply_to_every_date_with_the_usual_precedence():
    a = metric("a", [(J1, 10), (F1, 30)])
    b = metric("b", [(J1, 40), (F1, 60)])
    out = computed(a, b, metric("p", formula="100 * a / b - 2 * -1"))["p"]
    assert values(out) == [(J1, 27.0),  # 100 * 10 / 40 = 25; - 2 * -1 = +2 -> 27
                           (F1, 52.0)]  # 100 * 30 / 60 = 50; + 2 -> 52
    out = computed(a, metric("q", formula="(a - 4) / 2"))["q"]
    assert values(out) == [(J1, 3.0), (F1, 13.0)]  # (10 - 4) / 2 = 3; (30 - 4) / 2 = 13


def test_dividing_by_a_zero_number_gives_nothing():
    a = metric("a", [(J1, 10)])
    assert values(computed(a, metric("z", formula="a / (2 - 2)"))["z"]) == []


# --- rolling windows ----------------------------------------------------------------------------


def test_rolling_mean_and_sum_start_once_n_values_exist():
    a = metric("a", [(J1, 10), (F1, 20), (M1, 60), (A1, 40)])
    out = computed(a, metric("m", formula="rolling_mean(a, 3)"), metric("s", formula="rolling_sum(a, 2)"))
    assert values(out["m"]) == approx([(M1, 30.0),  # (10 + 20 + 60) / 3 = 90 / 3
                                       (A1, 40.0)])  # (20 + 60 + 40) / 3 = 120 / 3
    assert values(out["s"]) == approx([(F1, 30.0),  # 10 + 20
                                       (M1, 80.0),  # 20 + 60
                                       (A1, 100.0)])  # 60 + 40


def test_a_window_of_one_is_the_series_itself():
    a = metric("a", [(J1, 1.5), (F1, 2.5)])
    assert values(computed(a, metric("m", formula="rolling_mean(a, 1)"))["m"]) == [(J1, 1.5), (F1, 2.5)]


def test_a_window_counts_values_not_dates():
    # February is empty: the last 2 values up to March are January's and March's.
    a = metric("a", [(J1, 1), (F1, None), (M1, 3), (A1, 5), (MY1, 7)])
    assert values(computed(a, metric("s", formula="rolling_sum(a, 2)"))["s"]) == approx([
        (M1, 4.0),  # 1 + 3
        (A1, 8.0),  # 3 + 5
        (MY1, 12.0)])  # 5 + 7


def test_a_window_over_an_expression_leaves_out_its_missing_dates():
    a = metric("a", [(J1, 2), (F1, 4), (M1, 6), (A1, 8)])
    b = metric("b", [(J1, 1), (F1, 0), (M1, 2), (A1, 4)])
    # a / b: Jan 2, Feb none (4 / 0), Mar 3, Apr 2
    out = computed(a, b, metric("m", formula="rolling_mean(a / b, 2) * 10"))["m"]
    assert values(out) == approx([(M1, 25.0),  # (2 + 3) / 2 = 2.5, * 10
                                  (A1, 25.0)])  # (3 + 2) / 2 = 2.5, * 10


def test_too_few_values_for_the_window_is_no_observation():
    a = metric("a", [(J1, 1), (F1, 2)])
    assert values(computed(a, metric("m", formula="rolling_mean(a, 3)"))["m"]) == []


def test_a_ratio_of_rolling_sums():
    visits = metric("visits", [(J1, 5), (F1, 10), (M1, 15)])
    patients = metric("patients", [(J1, 50), (F1, 50), (M1, 100)])
    out = computed(visits, patients, metric("share", formula="100 * rolling_sum(visits, 2) / rolling_sum(patients, 2)"))
    assert values(out["share"]) == approx([(F1, 15.0),  # 100 * (5 + 10) / (50 + 50) = 1500 / 100
                                           (M1, 100 * 25 / 150)])  # 100 * (10 + 15) / (50 + 100) = 16.666…


# --- nested derived metrics -----------------------------------------------------------------------


def test_a_derived_input_is_computed_first():
    a = metric("a", [(J1, 1), (F1, 3)])
    b = metric("b", [(J1, 4), (F1, 4)])
    # "a-pct" sorts before "z-rate", which it is computed from; "b-twice" rests on "a-pct".
    out = computed(metric("b-twice", formula="a-pct * 2"), metric("a-pct", formula="100 * z-rate"),
                   metric("z-rate", formula="a / b"), a, b)
    assert values(out["z-rate"]) == [(J1, 0.25), (F1, 0.75)]  # 1 / 4; 3 / 4
    assert values(out["a-pct"]) == [(J1, 25.0), (F1, 75.0)]  # 100 * 0.25; 100 * 0.75
    assert values(out["b-twice"]) == [(J1, 50.0), (F1, 150.0)]  # 25 * 2; 75 * 2


def test_the_portal_given_is_left_as_it_was():
    a = metric("a", [(J1, 1)])
    r = metric("r", formula="a * 2")
    portal = Portal(root=".", settings=None, objectives=(), metrics={"a": a, "r": r})
    out = with_derived(portal)
    assert portal.metrics["r"].observations == () and values(out.metrics["r"]) == [(J1, 2.0)]
    assert out.metrics["a"] is a
    assert with_derived(replace(portal, metrics={"a": a})).metrics == {"a": a}  # nothing derived


def test_what_cannot_be_computed_is_left_as_it_was():
    """with_derived is meant for a valid portal; given another, it neither fails nor guesses."""
    a = metric("a", [(J1, 1)])
    out = computed(a, metric("bad", formula="a **"), metric("unknown", formula="a + nope"),
                   metric("p", formula="q"), metric("q", formula="p + a"), metric("on-p", formula="p * 2"),
                   metric("self", formula="self + a"))
    assert all(out[m].observations == () for m in ("bad", "unknown", "p", "q", "on-p", "self"))


# --- flags ---------------------------------------------------------------------------------------


def test_the_most_severe_flag_of_the_inputs_carries_over():
    a = metric("a", [(J1, 1, "estimate"), (F1, 2, "proxy"), (M1, 3), (A1, 4, "provisional")])
    b = metric("b", [(J1, 1, "provisional"), (F1, 1, "break"), (M1, 1), (A1, 1, "provisional")])
    out = computed(a, b, metric("s", formula="a + b"))["s"]
    assert [(o.date, o.value, o.flag) for o in out.observations] == [
        (J1, 2.0, "estimate"),  # estimate > provisional
        (F1, 3.0, "break"),  # break > proxy
        (M1, 4.0, None),
        (A1, 5.0, "provisional")]


def test_a_window_carries_the_most_severe_flag_in_it():
    a = metric("a", [(J1, 1, "break"), (F1, 2), (M1, 3, "estimate"), (A1, 4), (MY1, 5)])
    out = computed(a, metric("s", formula="rolling_sum(a, 2)"))["s"]
    assert [(o.date, o.value, o.flag) for o in out.observations] == [
        (F1, 3.0, "break"),  # Jan (break) + Feb
        (M1, 5.0, "estimate"),  # Feb + Mar (estimate)
        (A1, 7.0, "estimate"),  # Mar (estimate) + Apr
        (MY1, 9.0, None)]  # Apr + May


def test_a_flag_on_a_date_the_formula_does_not_use_does_not_carry():
    a = metric("a", [(J1, 1), (F1, 2, "break")])
    b = metric("b", [(J1, 1)])
    assert [(o.value, o.flag) for o in computed(a, b, metric("s", formula="a * b"))["s"].observations] == [
        (1.0, None)]


# --- groups by a shared dimension -------------------------------------------------------------------


def dimension(dimension_id: str, *codes: str, label: str = "") -> Dimension:
    return Dimension(dimension_id, Text.plain(dimension_id.title(), Loc("x.yml")),
                     tuple((c, Text.plain(f"{label}{c}", Loc("x.yml"))) for c in codes), Loc("x.yml"),
                     {c: Loc("x.yml", i + 5) for i, c in enumerate(codes)})


def test_a_shared_dimension_is_computed_group_by_group():
    # visits: by clinic (north, east, west) and by age; patients: by clinic (east, north, south).
    visits = metric("visits", [(J1, 30)], dimensions=[dimension("clinic", "north", "east", "west", label="V "),
                                                       dimension("age", "young", "old")],
                    groups={(("clinic", "north"),): [(J1, 10), (F1, 12)],
                            (("clinic", "east"),): [(J1, 20)],
                            (("clinic", "west"),): [(J1, 5)],
                            (("age", "young"),): [(J1, 7)],
                            (("clinic", "north"), ("age", "young")): [(J1, 3)]})
    patients = metric("patients", [(J1, 300)], dimensions=[dimension("clinic", "east", "north", "south",
                                                                     label="P ")],
                      groups={(("clinic", "north"),): [(J1, 100), (F1, 60)],
                              (("clinic", "east"),): [(J1, 400)],
                              (("clinic", "south"),): [(J1, 9)]})
    share = computed(visits, patients, metric("share", formula="100 * visits / patients"))["share"]
    # The dimensions they share, with the codes both declare, in the first input's order and words.
    assert [(d.id, d.codes) for d in share.dimensions] == [("clinic", ("north", "east"))]
    assert share.dimensions[0].label("north") == Text.plain("V north", Loc("x.yml"))
    assert values(share) == [(J1, 10.0)]  # 100 * 30 / 300
    assert set(share.groups) == {(("clinic", "north"),), (("clinic", "east"),)}
    assert values(share, (("clinic", "north"),)) == [(J1, 10.0),  # 100 * 10 / 100
                                                    (F1, 20.0)]  # 100 * 12 / 60
    assert values(share, (("clinic", "east"),)) == [(J1, 5.0)]  # 100 * 20 / 400


def test_inputs_that_declare_their_dimensions_in_another_order():
    one = metric("one", dimensions=[dimension("clinic", "n"), dimension("age", "y")],
                 groups={(("clinic", "n"), ("age", "y")): [(J1, 6)], (("age", "y"),): [(J1, 8)]})
    two = metric("two", dimensions=[dimension("age", "y"), dimension("clinic", "n")],
                 groups={(("age", "y"), ("clinic", "n")): [(J1, 2)], (("age", "y"),): [(J1, 4)]})
    out = computed(one, two, metric("r", formula="one / two"))["r"]
    assert [d.id for d in out.dimensions] == ["clinic", "age"]  # the first input's order
    assert values(out, (("clinic", "n"), ("age", "y"))) == [(J1, 3.0)]  # 6 / 2
    assert values(out, (("age", "y"),)) == [(J1, 2.0)]  # 8 / 4
    assert out.observations == ()  # neither has a headline series


def test_no_shared_dimension_no_groups():
    a = metric("a", [(J1, 2)], dimensions=[dimension("clinic", "n")], groups={(("clinic", "n"),): [(J1, 1)]})
    b = metric("b", [(J1, 4)])
    out = computed(a, b, metric("r", formula="a * b"))["r"]
    assert (out.dimensions, dict(out.groups), values(out)) == ((), {}, [(J1, 8.0)])  # 2 * 4


def test_a_group_of_a_derived_input_is_used_by_group():
    a = metric("a", [(J1, 10)], dimensions=[dimension("clinic", "n")], groups={(("clinic", "n"),): [(J1, 4)]})
    out = computed(a, metric("half", formula="a / 2"), metric("quarter", formula="half / 2"))
    assert values(out["quarter"]) == [(J1, 2.5)]  # 10 / 2 / 2
    assert values(out["quarter"], (("clinic", "n"),)) == [(J1, 1.0)]  # 4 / 2 / 2


def test_dimensions_the_derived_metric_declares_itself_are_kept():
    a = metric("a", dimensions=[dimension("clinic", "n", "e")],
               groups={(("clinic", "n"),): [(J1, 4)], (("clinic", "e"),): [(J1, 6)]})
    own = dimension("clinic", "n", label="Own ")
    out = computed(a, metric("r", formula="a * 3", dimensions=[own]))["r"]
    assert out.dimensions == (own,)
    assert dict(out.groups) == {(("clinic", "n"),): (Observation(J1, 12.0, None, 0, None),)}  # 4 * 3; 'e' undeclared


# --- through the real CLI ------------------------------------------------------------------------------

PORTAL_2 = PORTAL_YML.replace("schema: 1\n", "schema: 2\n", 1)
OBJECTIVE = """\
id: a
period: cy2026
title: More telehealth
owner: Access team
key_results:
  - id: share
    title: Telehealth share
    metric: share
    baseline: {date: 2026-01-01, value: 10}
    target: {value: 30}
"""
FILES = {
    PORTAL_PATH: PORTAL_2,
    OBJECTIVE_PATH: OBJECTIVE,
    "okrs/metrics/share.yml": 'title: Telehealth share\nunit: "%"\ndecimals: 1\nformula: 100 * visits / patients\n',
    "okrs/metrics/visits.csv": "date,value,flag\n2026-01-01,10,\n2026-02-01,15,estimate\n2026-03-01,12,\n"
                               "2026-04-01,99,\n",
    "okrs/metrics/patients.csv": "date,value\n2026-01-01,100\n2026-02-01,75\n2026-03-01,0\n2026-04-01,\n",
}


def test_status_json_shows_the_derived_value(portal, cli):
    root = portal(FILES, portal_yml=None)
    run = cli(root, "status", "--json", "--as-of", "2026-04-15")
    assert run.code == 0, run.err
    kr = json.loads(run.out)["objectives"][0]["key_results"][0]
    # Feb: 100 * 15 / 75 = 20 (Mar: 12 / 0 and Apr: no patients give none); progress (20 - 10) / (30 - 10) = 0.5
    assert kr["current"] == {"date": "2026-02-01", "value": 20}
    assert kr["progress"] == 0.5
    metrics = {m["id"]: m for m in json.loads(run.out)["metrics"]}
    assert metrics["share"]["latest"] == {"date": "2026-02-01", "value": 20}


def test_a_generated_site_has_the_derived_metric(portal):
    root = portal(FILES, portal_yml=None)
    generated = generate(root, date(2026, 4, 15), root / "site")
    share = generated.checked.portal.metrics["share"]
    assert [(o.date, o.value, o.flag) for o in share.observations] == [
        (J1, 10.0, None),  # 100 * 10 / 100
        (F1, 20.0, "estimate")]  # 100 * 15 / 75, visits an estimate
    api = json.loads((root / WORK_DIR / "static-files/api/okrs.json").read_text("utf-8"))
    assert api["objectives"][0]["key_results"][0]["current"] == {"date": "2026-02-01", "value": 20}
    csvs = [p for p in (root / WORK_DIR / "static-files").rglob("share*.csv")]
    assert csvs and "2026-02-01" in csvs[0].read_text("utf-8"), csvs


def test_validate_does_not_compute_or_count_derived_values(portal, cli):
    root = portal(FILES, portal_yml=None)
    run = cli(root, "validate")
    assert run.code == 0, run.out
    assert check(root).portal.metrics["share"].observations == ()


def test_validate_refuses_what_cannot_be_computed(portal, cli):
    files = {**FILES, "okrs/metrics/share.yml": "formula: 100 * visits / patient + loop\n",
             "okrs/metrics/loop.yml": "formula: share * 2\n"}
    run = cli(portal(files, portal_yml=None), "validate")
    assert run.out.splitlines() == [
        "okrs/metrics/loop.yml:1: formula of metric 'loop': metrics loop → share → loop are computed from each "
        "other in a circle; compute one of them from other metrics",
        "okrs/metrics/share.yml:1: formula of metric 'share': there is no metric 'patient' (did you mean "
        "'patients'?)"]
    assert run.code == 1
    run = cli(portal(files, portal_yml=None), "status", "--json")
    assert run.code == 1 and run.out == "" and "Traceback" not in run.err


# --- what the other stages ask about derived metrics ----------------------------------------------


def test_computable_is_in_dependency_order_and_leaves_out_what_cannot_be_computed():
    from site_builder.source.formula_rules import computable
    a = metric("a", [(J1, 1)])
    metrics = {m.id: m for m in (a, metric("c", formula="b * 2"), metric("b", formula="a + 1"),
                                 metric("d", formula="c + b"), metric("bad", formula="a +"),
                                 metric("p", formula="q"), metric("q", formula="p"), metric("on-p", formula="p"))}
    assert list(computable(metrics)) == ["b", "c", "d"]


def test_derived_dimensions_without_computing():
    """What a key result's breakdown of a derived metric may name: as compute.derived will give it."""
    from site_builder.source.formula_rules import derived_dimensions
    a = metric("a", dimensions=[dimension("clinic", "n", "e"), dimension("age", "y")])
    b = metric("b", dimensions=[dimension("clinic", "e", "n")])
    metrics = {m.id: m for m in (a, b, metric("r", formula="a / b"), metric("r2", formula="r * a"),
                                 metric("own", formula="a", dimensions=[dimension("age", "y")]))}
    dims = derived_dimensions(metrics)
    assert [(d.id, d.codes) for d in dims["r"]] == [("clinic", ("n", "e"))]
    assert [(d.id, d.codes) for d in dims["r2"]] == [("clinic", ("n", "e"))]  # through r's
    assert [d.id for d in dims["own"]] == ["age"]
    out = computed(*metrics.values())
    assert all(out[m].dimensions == dims[m] for m in ("r", "r2", "own"))

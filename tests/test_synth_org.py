"""benchmarks/synth.py --units: the organization portal of the `org` benchmark, small.

It validates with zero problems (and no warnings), its units form a tree of the levels
asked for, and its alignment goes one unit level up at each step, as the benchmark's
figures assume.
"""

from __future__ import annotations

import sys
from datetime import date

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import synth  # noqa: E402

UNITS, LEVELS, OBJECTIVES = 14, 4, 45


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    from site_builder.source.check import check

    root = tmp_path_factory.mktemp("org")
    counts = synth.generate(root, objectives=OBJECTIVES, key_results=4 * OBJECTIVES, metrics=30, rows=60,
                            languages=("en", "zh-TW"), seed=3, units=UNITS, levels=LEVELS)
    checked = check(root)
    return root, counts, checked


def test_the_organization_portal_validates_with_zero_problems(org, cli):
    root, counts, checked = org
    assert checked.problems == []
    assert checked.warnings == []  # e.g. no rollup that nothing aligns to
    run = cli(root, "validate")
    assert run.code == 0, run.out + run.err
    assert run.out.startswith(f"okrs/ is valid: {OBJECTIVES} objectives (0 draft), {4 * OBJECTIVES} key results")
    assert counts["units"] == UNITS and counts["levels"] == LEVELS
    assert sum(counts["units_by_level"]) == UNITS


def test_units_form_a_tree_of_the_levels_asked_for(org):
    _, counts, checked = org
    portal = checked.portal
    assert portal.settings.schema == 2
    parent = {u.id: u.parent for u in portal.units}
    assert len(parent) == UNITS and [u for u, p in parent.items() if p is None] == ["u-0001"]

    def depth(unit):
        return 0 if parent[unit] is None else 1 + depth(parent[unit])

    by_level = [0] * LEVELS
    for unit in parent:
        by_level[depth(unit)] += 1
    assert by_level == counts["units_by_level"] and all(by_level)
    # Every unit owns an objective, and every unit's title is in both languages.
    assert {o.unit for o in portal.objectives} == set(parent)
    assert all({lang for lang, _, _ in u.title.translations} == {"en", "zh-TW"} for u in portal.units)


def test_every_objective_below_the_top_aligns_one_unit_level_up(org):
    _, counts, checked = org
    portal = checked.portal
    parent_unit = {u.id: u.parent for u in portal.units}
    by_id = {o.id: o for o in portal.objectives}
    periods = {p.id: p for p in portal.settings.periods}
    aligned_to_rollups = 0
    for objective in portal.objectives:
        if objective.unit == "u-0001":
            assert objective.aligns_to is None
            continue
        target_id, kr_id = objective.parent_ref
        target = by_id[target_id]
        assert target.unit == parent_unit[objective.unit], objective.id
        child, up = periods[objective.period], periods[target.period]
        assert up.start <= child.start and child.end <= up.end
        if kr_id is not None:
            assert next(k for k in target.key_results if k.id == kr_id).type == "rollup"
            aligned_to_rollups += 1
    assert aligned_to_rollups == counts["aligned_to_key_results"]
    assert 0 < aligned_to_rollups < counts["aligned"] == OBJECTIVES - sum(o.unit == "u-0001" for o in portal.objectives)
    # Every rollup has something aligned to it; LEVELS levels of alignment.
    refs = {o.aligns_to for o in portal.objectives}
    rollups = [f"{o.id}/{k.id}" for o in portal.objectives for k in o.key_results if k.type == "rollup"]
    assert rollups and all(r in refs for r in rollups)
    assert len(rollups) == counts["key_results_by_type"]["rollup"]

    def chain(objective):
        return 1 if objective.parent_ref is None else 1 + chain(by_id[objective.parent_ref[0]])

    assert max(chain(o) for o in portal.objectives) == LEVELS


def test_rollups_compute(org):
    from site_builder.compute.rules import compute

    _, _, checked = org
    report = compute(checked.portal, date(2026, 6, 30))
    rollups = [k for o in report.objectives for k in o.key_results if k.key_result.type == "rollup"]
    assert rollups and any(k.progress is not None for k in rollups)


def test_unit_levels(tmp_path):
    assert synth.unit_levels(500, 4) == [1, 8, 57, 434]  # b = 7.55: 1 + b + b² + b³ = 500
    assert synth.unit_levels(4, 4) == [1, 1, 1, 1]
    assert synth.unit_levels(1, 1) == [1]
    for units, levels in ((3, 4), (2, 1), (5, 0)):
        with pytest.raises(ValueError):
            synth.unit_levels(units, levels)
    with pytest.raises(ValueError, match="objectives must be at least units"):
        synth.generate(tmp_path, objectives=5, key_results=5, metrics=0, units=6)


def test_without_units_the_portal_is_schema_1_as_before(tmp_path):
    counts = synth.generate(tmp_path, objectives=6, key_results=12, metrics=4, rows=20)
    assert "units" not in counts and "rollup" not in counts["key_results_by_type"]
    assert (tmp_path / "okrs/portal.yml").read_text().startswith("schema: 1\n")
    assert not (tmp_path / "okrs/units.yml").exists()

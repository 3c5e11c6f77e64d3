"""History of schema 2's organization, read from real git repositories: a changed unit or
alignment is a recorded change, from what to what (DESIGN.md §5 "History")."""

from __future__ import annotations

from datetime import date

import pytest

from fixtures import CHILD_YML, SCHEMA2_PORTAL_YML, TOP_YML, UNITS_YML
from gitrepo import Repo
from site_builder.compute.rules import compute
from site_builder.history.revisions import read_history
from site_builder.model import FieldChange
from site_builder.render.context import Context
from site_builder.render.history_views import history_entries
from site_builder.render.messages import messages
from site_builder.source.check import check

PORTAL_YML, UNITS, TOP, CHILD = SCHEMA2_PORTAL_YML, UNITS_YML, TOP_YML, CHILD_YML

CHILD_PATH = "okrs/objectives/child.yml"


@pytest.fixture
def repo(tmp_path):
    repo = Repo(tmp_path / "portal")
    repo.commit("Start the portal", "2026-01-05T10:00:00+00:00", {
        "okrs/portal.yml": PORTAL_YML,
        "okrs/units.yml": UNITS,
        "okrs/objectives/top.yml": TOP,
        CHILD_PATH: CHILD,
    })
    return repo


def _child_changes(repo):
    return [c for c in read_history(repo.root).changes if c.objective_id == "child" and c.kind == "changed"]


def test_a_new_unit_is_a_change_from_the_old_one(repo):
    repo.commit("The South office takes the child objective", "2026-02-01T09:00:00+00:00",
                {CHILD_PATH: CHILD.replace("unit: north", "unit: south")})
    [change] = _child_changes(repo)
    assert change.key_result_id is None
    assert change.fields == (FieldChange("unit", "north", "south"),)
    assert change.revision.date == date(2026, 2, 1)


def test_re_alignment_is_a_change_of_alignment(repo):
    repo.commit("Count the child towards safety", "2026-02-01T09:00:00+00:00",
                {CHILD_PATH: CHILD.replace("aligns_to: top/access", "aligns_to: top/safety")})
    [change] = _child_changes(repo)
    assert change.fields == (FieldChange("alignment", "top/access", "top/safety"),)


def test_a_unit_or_alignment_written_or_removed_is_from_or_to_none(repo):
    repo.commit("The organization itself owns it, and it stands alone", "2026-02-01T09:00:00+00:00",
                {CHILD_PATH: CHILD.replace("unit: north\n", "").replace("aligns_to: top/access\n", "")})
    repo.commit("Back to the North office, under top", "2026-03-01T09:00:00+00:00",
                {CHILD_PATH: CHILD.replace("aligns_to: top/access", "aligns_to: top")})
    removed, written = _child_changes(repo)
    assert removed.fields == (FieldChange("unit", "north", None), FieldChange("alignment", "top/access", None))
    assert written.fields == (FieldChange("unit", None, "north"), FieldChange("alignment", None, "top"))


def test_reordering_the_keys_is_no_change(repo):
    moved = CHILD.replace("unit: north\naligns_to: top/access\n", "")
    moved = moved.replace("owner: North lead\n", "owner: North lead\naligns_to: top/access\nunit: north\n")
    repo.commit("Tidy the file", "2026-02-01T09:00:00+00:00", {CHILD_PATH: moved})
    assert _child_changes(repo) == []


def test_a_key_result_becoming_a_rollup_is_a_change_of_type(repo):
    repo.commit("The plan now counts what the offices do", "2026-02-01T09:00:00+00:00",
                {"okrs/objectives/top.yml": TOP.replace("type: milestone, due: 2026-06-30", "type: rollup")})
    [change] = [c for c in read_history(repo.root).changes if c.revision.date == date(2026, 2, 1)]
    assert (change.objective_id, change.key_result_id, change.kind) == ("top", "plan", "changed")
    assert {f.field: (f.old, f.new) for f in change.fields} == {
        "type": ("milestone", "rollup"), "due": (date(2026, 6, 30), None)}


def test_a_schema_1_history_records_no_organization_fields(tmp_path):
    repo = Repo(tmp_path / "portal")
    one = PORTAL_YML.replace("schema: 2", "schema: 1")
    child = CHILD.replace("unit: north\naligns_to: top/access\n", "")
    repo.commit("Start", "2026-01-05T10:00:00+00:00", {"okrs/portal.yml": one, CHILD_PATH: child})
    repo.commit("Retitle", "2026-02-01T09:00:00+00:00", {CHILD_PATH: child.replace("title: Child", "title: Kid")})
    [change] = _child_changes(repo)
    assert change.fields == (FieldChange("title", "Child", "Kid"),)


def test_the_objective_page_describes_unit_and_alignment_changes(repo):
    """Needs "field.unit" and "field.alignment" in render/messages.py's catalogs."""
    repo.commit("Re-align the child", "2026-02-01T09:00:00+00:00",
                {CHILD_PATH: CHILD.replace("unit: north", "unit: south").replace("top/access", "top/safety")})
    checked = check(repo.root)
    assert not checked.problems, checked.problems
    report = compute(checked.portal, date(2026, 3, 1))
    status = next(o for o in report.objectives if o.objective.id == "child")
    for lang in ("en", "zh-TW"):
        ctx = Context(report, checked.portal, lang, messages(lang), read_history(repo.root))
        newest = history_entries(ctx, ctx.history, status)[0]
        assert len(newest.fields) == 2
        assert newest.fields[0].endswith(": north → south")
        assert newest.fields[1].endswith(": top/access → top/safety")
        assert not newest.fields[0].startswith("field.")

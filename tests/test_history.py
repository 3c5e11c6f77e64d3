"""History read from real git repositories: what changed, when, in which commit."""

from __future__ import annotations

import textwrap
from datetime import date

import pytest

from conftest import MINIMAL_PORTAL_YML
from fixtures import shorter_waits
from gitrepo import Repo
from site_builder.history.revisions import read_history

OBJECTIVE = shorter_waits("access")
WAIT_CSV = "date,value\n2026-01-01,30\n2026-02-01,28\n"


@pytest.fixture
def repo(tmp_path):
    repo = Repo(tmp_path / "portal")
    repo.commit("Start the portal", "2025-12-15T10:00:00+00:00", {
        "okrs/portal.yml": MINIMAL_PORTAL_YML,
        "okrs/objectives/cy2026/access.yml": OBJECTIVE,
        "okrs/metrics/wait.csv": WAIT_CSV,
    })
    return repo


def test_added_objective_with_date_commit_and_subject(repo):
    history = read_history(repo.root)
    assert history.available
    [change] = history.changes
    assert (change.objective_id, change.key_result_id, change.kind) == ("access", None, "added")
    assert change.revision.date == date(2025, 12, 15)
    assert change.revision.subject == "Start the portal"
    assert len(change.revision.short) >= 7 and change.revision.sha.startswith(change.revision.short)
    assert change.revision.pull_request is None


def test_target_change_in_a_merged_pull_request(repo):
    repo.git("checkout", "-q", "-b", "lower-target")
    repo.commit("Lower the wait target", "2026-03-02T09:00:00+00:00",
                {"okrs/objectives/cy2026/access.yml": OBJECTIVE.replace("target: {value: 20}",
                                                                        "target: {value: 18, date: 2026-11-30}")})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "lower-target", "-m", "Merge pull request #7 from staff/lower-target",
             date="2026-03-03T09:00:00+00:00")
    history = read_history(repo.root)
    change = history.changes[-1]
    assert (change.key_result_id, change.kind) == ("wait", "changed")
    assert change.is_target_change
    fields = {f.field: (f.old, f.new) for f in change.fields}
    assert fields == {"target": (20, 18), "target date": (None, date(2026, 11, 30))}
    # The main line names the pull request; the branch commit is not listed on its own.
    assert change.revision.pull_request == 7
    assert change.revision.date == date(2026, 3, 3)
    assert [c.revision.subject for c in history.changes] == ["Start the portal",
                                                              "Merge pull request #7 from staff/lower-target"]


def test_squash_merge_subject_names_the_pull_request(repo):
    repo.commit("Raise the weight of the wait (#12)", "2026-02-01T09:00:00+00:00",
                {"okrs/objectives/cy2026/access.yml": OBJECTIVE.replace("metric: wait", "metric: wait\n    weight: 2")})
    change = read_history(repo.root).changes[-1]
    assert change.revision.pull_request == 12
    assert [(f.field, f.old, f.new) for f in change.fields] == [("weight", 1, 2)]


def test_reformat_and_reorder_is_not_a_change(repo):
    reformatted = """\
        owner: Access team
        title: "Shorter waits"
        id: access
        period: cy2026
        key_results:
        - target:
            value: 20
          baseline:
            value: 30.0
            date: 2026-01-01
          metric: wait
          title: New-patient wait
          id: wait
        """
    repo.commit("Reformat", "2026-02-01T09:00:00+00:00", {"okrs/objectives/cy2026/access.yml": reformatted})
    assert len(read_history(repo.root).changes) == 1  # only the first "added"


def test_renamed_file_is_followed_and_reported_as_moved(repo):
    repo.commit("Move into a folder of its own", "2026-02-01T09:00:00+00:00",
                moves=[("okrs/objectives/cy2026/access.yml", "okrs/objectives/access/cy2026.yml")])
    repo.commit("New title", "2026-02-05T09:00:00+00:00",
                {"okrs/objectives/access/cy2026.yml": OBJECTIVE.replace("title: Shorter waits", "title: Faster care")})
    changes = read_history(repo.root).changes
    moved, retitled = changes[1], changes[2]
    assert (moved.kind, moved.old_path, moved.path) == ("moved", "okrs/objectives/cy2026/access.yml",
                                                        "okrs/objectives/access/cy2026.yml")
    assert (retitled.kind, retitled.fields[0].field, retitled.fields[0].old, retitled.fields[0].new) == \
        ("changed", "title", "Shorter waits", "Faster care")
    assert all(c.kind != "removed" and c.kind != "added" for c in changes[1:])


def test_broken_revision_is_skipped_with_a_warning(repo):
    repo.commit("Oops", "2026-02-01T09:00:00+00:00",
                {"okrs/objectives/cy2026/access.yml": OBJECTIVE + "  - id: [unclosed\n"})
    repo.commit("Fix and lower the target", "2026-02-02T09:00:00+00:00",
                {"okrs/objectives/cy2026/access.yml": OBJECTIVE.replace("value: 20", "value: 19")})
    history = read_history(repo.root)
    assert len(history.warnings) == 1
    assert "okrs/objectives/cy2026/access.yml" in history.warnings[0] and "not valid YAML" in history.warnings[0]
    # Compared with the last readable revision: one target change, nothing removed.
    assert [(c.kind, c.key_result_id) for c in history.changes] == [("added", None), ("changed", "wait")]
    assert history.changes[-1].fields[0].old == 20 and history.changes[-1].fields[0].new == 19


def test_key_results_added_and_removed_and_objective_removed(repo):
    second_kr = textwrap.dedent(OBJECTIVE) + (
        "  - id: clinic\n    title: Open a clinic\n    type: milestone\n    due: 2026-06-30\n")
    repo.commit("Add a milestone", "2026-02-01T09:00:00+00:00", {"okrs/objectives/cy2026/access.yml": second_kr})
    repo.commit("Drop it again", "2026-02-02T09:00:00+00:00", {"okrs/objectives/cy2026/access.yml": OBJECTIVE})
    repo.commit("Retire the objective", "2026-02-03T09:00:00+00:00", remove=["okrs/objectives/cy2026/access.yml"])
    kinds = [(c.kind, c.key_result_id) for c in read_history(repo.root).changes]
    assert kinds == [("added", None), ("added", "clinic"), ("removed", "clinic"), ("removed", None)]


def test_draft_changes_are_never_recorded(repo):
    draft = OBJECTIVE.replace("id: access", "id: secret").replace("owner: Access team",
                                                                 "owner: Access team\nvisibility: draft")
    repo.commit("Draft", "2026-02-01T09:00:00+00:00", {"okrs/objectives/cy2026/secret.yml": draft})
    repo.commit("Rework the draft", "2026-02-02T09:00:00+00:00",
                {"okrs/objectives/cy2026/secret.yml": draft.replace("value: 20", "value: 5")})
    repo.commit("Publish it", "2026-02-03T09:00:00+00:00",
                {"okrs/objectives/cy2026/secret.yml": draft.replace("value: 20", "value: 5")
                 .replace("\nvisibility: draft", "")})
    secret = [c for c in read_history(repo.root).changes if c.objective_id == "secret"]
    assert [(c.kind, c.revision.subject) for c in secret] == [("added", "Publish it")]


def test_revised_metric_values(repo):
    repo.commit("February data, revised January", "2026-03-01T09:00:00+00:00",
                {"okrs/metrics/wait.csv": "date,value\n2026-01-01,31\n2026-02-01,28\n2026-03-01,27\n"})
    [revised] = read_history(repo.root).revised
    assert (revised.metric_id, revised.date, revised.old, revised.new) == ("wait", date(2026, 1, 1), 30, 31)
    assert revised.revision.subject == "February data, revised January"


def test_portal_in_a_sub_folder_of_the_repository(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit("Start", "2026-01-05T09:00:00+00:00", {
        "site/okrs/portal.yml": MINIMAL_PORTAL_YML,
        "site/okrs/objectives/a.yml": OBJECTIVE,
        "site/okrs/metrics/wait.csv": WAIT_CSV,
    })
    history = read_history(repo.root / "site")
    assert [(c.objective_id, c.kind, c.path) for c in history.changes] == [("access", "added",
                                                                           "okrs/objectives/a.yml")]


def test_without_git_history_is_unavailable(portal):
    root = portal({"okrs/objectives/a.yml": OBJECTIVE, "okrs/metrics/wait.csv": WAIT_CSV})
    history = read_history(root)
    assert not history.available and "git" in history.reason


def test_build_prints_the_skipped_revision_as_a_warning(repo, cli):
    repo.commit("Oops", "2026-02-01T09:00:00+00:00",
                {"okrs/objectives/cy2026/access.yml": OBJECTIVE + "  - id: [unclosed\n"})
    repo.commit("Fix", "2026-02-02T09:00:00+00:00", {"okrs/objectives/cy2026/access.yml": OBJECTIVE})
    run = cli(repo.root, "build", "--as-of", "2026-11-24")
    assert run.code == 0
    assert "warning: okrs/objectives/cy2026/access.yml: skipped the revision of" in run.err
    assert "not valid YAML" in run.err

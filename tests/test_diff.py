"""okr-portal diff: the Markdown report of what a change does to the public site, on real git repositories."""

from __future__ import annotations

import os
import subprocess
import textwrap
from datetime import date
from pathlib import Path

import pytest

from conftest import MINIMAL_PORTAL_YML
from fixtures import CHILD_YML, TOP_YML, UNITS_YML, shorter_waits
from site_builder.commands.diff.compare import compare
from site_builder.commands.diff.read import load_revision
from site_builder.commands.diff.report import md, render_markdown

AS_OF = ("--as-of", "2026-11-24")

ACCESS = shorter_waits("access", """\
  - id: booking
    title: Launch online booking
    type: milestone
    due: 2026-06-30
    done: 2026-05-02
""")

DRAFT = textwrap.dedent("""\
    id: secret-plan
    visibility: draft
    period: cy2026
    title: Confidential restructuring
    owner: Strategy office
    internal_notes: Do not publish before the board meets
    key_results:
      - id: beds
        title: Close the east wing
        metric: beds
        baseline: {date: 2026-01-01, value: 120}
        target: {value: 80}
    """)

FILES = {
    "okrs/portal.yml": MINIMAL_PORTAL_YML,
    "okrs/objectives/access.yml": ACCESS,
    "okrs/objectives/secret-plan.yml": DRAFT,
    "okrs/metrics/wait.yml": "title: New-patient wait\nunit: days\n",
    # On 2026-10-01, progress 0.7 against an expected 0.75: on track.
    "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n2026-06-01,26\n2026-10-01,23\n",
    "okrs/metrics/beds.csv": "date,value\n2026-01-01,120\n2026-03-01,111\n",
}
SECRETS = ("secret-plan", "Confidential", "restructuring", "Strategy office", "board meets", "east wing", "beds")


class Repo:
    """A real git repository with commits at fixed dates."""

    def __init__(self, root: Path, portal: str = ""):
        self.root = root
        self.portal = root / portal
        root.mkdir(parents=True, exist_ok=True)
        self.commits = 0
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        when = f"2026-0{1 + self.commits % 9}-01T12:00:00+00:00"
        env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
        return subprocess.run(["git", "-c", "user.name=Staff", "-c", "user.email=staff@example.org", *args],
                              cwd=self.root, env=env, check=True, capture_output=True, text=True).stdout

    def write(self, files: dict[str, str]) -> None:
        for rel, content in files.items():
            path = self.portal / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(content), encoding="utf-8")

    def commit(self, files: dict[str, str] | None = None, remove: tuple[str, ...] = (), message: str = "Change"):
        self.write(files or {})
        for rel in remove:
            (self.portal / rel).unlink()
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        self.commits += 1


@pytest.fixture
def repo(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit(FILES, message="Start the portal")
    return repo


def diff_after(repo, cli, files=None, remove=()):
    """Commit a change and return the report of HEAD~1 -> HEAD."""
    repo.commit(files, remove)
    run = cli(repo.portal, "diff", "HEAD~1", "HEAD", *AS_OF)
    assert run.code == 0, run.err
    assert run.err == ""
    return run.out


def edit(old: str, new: str, text: str = ACCESS) -> dict[str, str]:
    assert old in text
    return {"okrs/objectives/access.yml": text.replace(old, new)}


def assert_no_changes(out: str):
    assert "No changes to the public site." in out
    assert "Compared HEAD~1" in out.replace("\\~", "~") and "as of 2026-11-24" in out
    assert "###" not in out


def assert_no_secrets(out: str):
    for secret in SECRETS:
        assert secret not in out


# --- objectives and key results ---------------------------------------------------------


def test_objective_added(repo, cli):
    out = diff_after(repo, cli, {"okrs/objectives/safety.yml": """\
        id: safety
        period: cy2026
        title: Safer care
        owner: Chief Medical Officer
        key_results:
          - {id: audit, title: Publish the audit, type: milestone, due: 2026-12-15}
        """})
    assert out.startswith("## What this change does to the public site\n")
    assert "1 objective added." in out
    assert "| `safety` Safer care | **added** | — | period: cy2026; owner: Chief Medical Officer; " \
           "key results: 1; status: on track |" in out
    assert_no_secrets(out)


def test_objective_removed_takes_its_metric_off_the_site(repo, cli):
    out = diff_after(repo, cli, remove=("okrs/objectives/access.yml",))
    assert "| `access` Shorter waits | **removed** | — | — |" in out
    assert "| `wait` New-patient wait | **removed** | — | — |" in out
    assert "1 objective removed, 1 metric removed." in out


def test_draft_made_public_is_added_with_its_metric(repo, cli):
    out = diff_after(repo, cli, {"okrs/objectives/secret-plan.yml": DRAFT.replace("visibility: draft\n", "")})
    assert "| `secret-plan` Confidential restructuring | **added** |" in out
    assert "| `beds` | **added** | — | 2 observations, 2026-01-01 to 2026-03-01 |" in out
    assert "internal" not in out.lower() and "board meets" not in out


def test_public_objective_made_draft_is_removed_and_nothing_else_said(repo, cli):
    out = diff_after(repo, cli, edit("owner: Access team\n", "owner: Someone new\nvisibility: draft\n"))
    assert "| `access` Shorter waits | **removed** | — | — |" in out
    assert "Someone new" not in out and "draft" not in out.replace("drafts and the metrics", "")


def test_title_changed(repo, cli):
    out = diff_after(repo, cli, edit("title: Shorter waits", "title: Faster care"))
    assert "1 objective changed." in out
    assert "| `access` Faster care | title | Shorter waits | Faster care |" in out


def test_target_value_changed_with_unit(repo, cli):
    out = diff_after(repo, cli, edit("target: {value: 20}", "target: {value: 18}"))
    assert "| `access` › `wait` New-patient wait | target | 20 days | 18 days |" in out
    assert "1 key result changed" in out


def test_target_date_shows_the_effective_date(repo, cli):
    out = diff_after(repo, cli, edit("target: {value: 20}", "target: {value: 20, date: 2026-11-30}"))
    # The old target had no date: it was the period's end.
    assert "| target date | 2026-12-31 | 2026-11-30 |" in out


def test_period_change_moves_the_effective_target_date(repo, cli):
    text = ACCESS.replace("period: cy2026", "period: cy2025").replace("2026-01-01, value: 30", "2025-01-01, value: 30")
    out = diff_after(repo, cli, {"okrs/objectives/access.yml": text})
    assert "| period | cy2026 | cy2025 |" in out
    assert "| target date | 2026-12-31 | 2025-12-31 |" in out


def test_baseline_changed(repo, cli):
    out = diff_after(repo, cli, edit("value: 30}", "value: 32}"))
    assert "| baseline | 30 days on 2026-01-01 | 32 days on 2026-01-01 |" in out


def test_key_result_added_and_removed(repo, cli):
    text = ACCESS.replace("""\
  - id: booking
    title: Launch online booking
    type: milestone
    due: 2026-06-30
    done: 2026-05-02
""", """\
  - id: calls
    title: Answer calls faster
    type: maintain
    metric: wait
    threshold: {max: 25}
""")
    out = diff_after(repo, cli, {"okrs/objectives/access.yml": text})
    assert "| `access` › `calls` Answer calls faster | **added** | — | type: maintain; metric: wait; " \
           "threshold: ≤ 25 days; status: achieved |" in out
    assert "| `access` › `booking` Launch online booking | **removed** | — | — |" in out
    assert "1 key result added, 1 key result removed" in out


def test_weight_and_commitment_changed(repo, cli):
    out = diff_after(repo, cli, edit("    metric: wait\n", "    metric: wait\n    weight: 2\n"
                                                             "    commitment: aspirational\n"))
    assert "| `access` › `wait` New-patient wait | commitment | committed | aspirational |" in out
    assert "|  | weight | 1 | 2 |" in out


def test_milestone_done_and_due(repo, cli):
    out = diff_after(repo, cli, edit("due: 2026-06-30\n    done: 2026-05-02\n", "due: 2026-07-31\n"))
    assert "| due | 2026-06-30 | 2026-07-31 |" in out
    assert "| done | 2026-05-02 | not done |" in out
    assert "| `access` › `booking` Launch online booking | achieved | off track |" in out


def test_check_in_added(repo, cli):
    out = diff_after(repo, cli, edit("    target: {value: 20}\n", "    target: {value: 20}\n"
                                     "    updates:\n      - {date: 2026-11-02, confidence: at_risk, "
                                     "text: Staffing gaps in two clinics}\n"))
    assert "| check-in 2026-11-02 | — | at risk: Staffing gaps in two clinics |" in out


# --- statuses and metric data -------------------------------------------------------------


def test_new_observations_change_the_status_and_are_listed(repo, cli):
    out = diff_after(repo, cli, {"okrs/metrics/wait.csv": FILES["okrs/metrics/wait.csv"] + "2026-11-01,24\n"})
    assert "### Status changes (as of 2026-11-24)" in out
    assert "| `access` › `wait` New-patient wait | on track | at risk |" in out
    assert "| `access` Shorter waits | on track | at risk |" in out
    assert "| `wait` | 2026-11-01 | — | 24 days |" in out
    assert "2 status changes, 1 new observation." in out


def test_status_uses_the_as_of_date(repo, cli):
    repo.commit({"okrs/metrics/wait.csv": FILES["okrs/metrics/wait.csv"] + "2026-11-01,24\n"})
    out = cli(repo.portal, "diff", "HEAD~1", "HEAD", "--as-of", "2026-10-15").out
    assert "### Status changes" not in out  # the new observation is after the as-of date
    assert "| `wait` | 2026-11-01 | — | 24 days |" in out


def test_revised_and_removed_values(repo, cli):
    out = diff_after(repo, cli, {"okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n2026-06-01,27\n"})
    assert "| `wait` | 2026-06-01 | 26 days | 27 days |" in out
    assert "| `wait` | 2026-10-01 | 23 days | removed |" in out
    assert "1 revised observation, 1 removed observation" in out


def test_metric_unit_and_source_changed(repo, cli):
    out = diff_after(repo, cli, {"okrs/metrics/wait.yml": "title: New-patient wait\nunit: weeks\n"
                                                          "source: Scheduling system\n"})
    assert "| `wait` | unit | days | weeks |" in out
    assert "| `wait` | source | — | Scheduling system |" in out
    assert "1 metric changed." in out


def test_many_observations_are_capped(repo, cli):
    rows = "".join(f"2026-{m:02d}-{d:02d},25\n" for m in (7, 8) for d in range(1, 29))
    out = diff_after(repo, cli, {"okrs/metrics/wait.csv": FILES["okrs/metrics/wait.csv"] + rows})
    assert out.count("| `wait` | 2026-0") == 20
    assert "… and 36 more for `wait`." in out


# --- problems, working tree, nothing public -------------------------------------------------


def test_validation_problem_introduced_is_listed_and_exit_is_0(repo, cli):
    out = diff_after(repo, cli, edit("target: {value: 20}", "taget: {value: 20}"))
    assert "### New validation problems" in out
    assert "okrs/objectives/access.yml:10: unknown key 'taget'" in out
    assert "1 new validation problem." in out
    assert "```text\n" in out


def test_problem_already_in_a_is_not_new_even_when_its_line_moves(repo, cli):
    repo.commit(edit("target: {value: 20}", "taget: {value: 20}"))
    out = diff_after(repo, cli, {"okrs/objectives/access.yml": "# a comment\n" +
                                 ACCESS.replace("target: {value: 20}", "taget: {value: 20}")})
    assert "validation problem" not in out


def test_problem_in_a_draft_is_counted_but_not_named(repo, cli):
    out = diff_after(repo, cli, {"okrs/objectives/secret-plan.yml": DRAFT.replace("owner:", "ownr:"),
                                 "okrs/metrics/beds.csv": "date,value\n2026-01-01,120\n2026-03-01,lots\n"})
    assert "No changes to the public site." in out
    assert "problems in unpublished files" in out
    assert_no_secrets(out)


def test_working_tree_is_the_default_b(repo, cli):
    repo.write(edit("owner: Access team", "owner: Office of Access"))  # not committed
    run = cli(repo.portal, "diff", "HEAD", *AS_OF)
    assert run.code == 0
    assert "with the working tree" in run.out
    assert "| `access` Shorter waits | owner | Access team | Office of Access |" in run.out


def test_reformat_only_is_no_change(repo, cli):
    reformatted = """\
        key_results:
            -   title: New-patient wait
                target:
                    value: 20.0
                id: wait
                baseline: {value: 30, date: 2026-01-01}
                metric: wait
            -   {id: booking, type: milestone, title: "Launch online booking", due: 2026-06-30, done: 2026-05-02}
        owner: "Access team"
        title: 'Shorter waits'
        period: cy2026
        id: access
        """
    csv = "date,value\n2026-10-01,23.0\n2026-01-01,30\n2026-06-01,26\n"  # reordered rows, 23.0 for 23
    out = diff_after(repo, cli, {"okrs/objectives/access.yml": reformatted, "okrs/metrics/wait.csv": csv})
    assert_no_changes(out)


def test_change_only_in_a_draft_or_internal_notes_is_no_change(repo, cli):
    out = diff_after(repo, cli, {
        "okrs/objectives/secret-plan.yml": DRAFT.replace("Close the east wing", "Close the east wing in March")
                                                .replace("value: 80", "value: 60"),
        "okrs/objectives/access.yml": ACCESS + "internal_notes: the board meets on Tuesday\n",
        "okrs/metrics/beds.csv": FILES["okrs/metrics/beds.csv"] + "2026-04-01,104\n",
    })
    assert_no_changes(out)
    assert_no_secrets(out)
    assert "Tuesday" not in out


def test_translations_compared_but_only_the_default_language_shown(repo, cli):
    out = diff_after(repo, cli, edit("title: Shorter waits", "title: {en: Shorter waits, zh-TW: 縮短等候}"))
    assert "| `access` Shorter waits | title (translations) | — | edited |" in out
    assert "縮短" not in out


def test_markdown_in_user_text_is_escaped(repo, cli):
    title = "Waits | <script>x</script> `now` *fast* @team"
    out = diff_after(repo, cli, edit("title: Shorter waits", f'title: "{title}"'))
    assert "| `access` Waits \\| \\<script\\>x\\</script\\> \\`now\\` \\*fast\\* @&#8203;team | title |" in out
    assert "<script>" not in out and "@team" not in out


def test_escape_helper():
    assert md("a|b") == "a\\|b"
    assert md("line one\nline two") == "line one line two"
    assert md("[link](javascript:x) & ![img](y)") == "\\[link\\](javascript:x) \\& \\!\\[img\\](y)"
    assert md("x" * 300).endswith("…") and len(md("x" * 300)) == 200


# --- revisions ------------------------------------------------------------------------------


def test_revision_without_okrs_adds_everything(tmp_path, cli):
    repo = Repo(tmp_path / "repo")
    repo.commit({"README.md": "Nothing yet\n"}, message="Empty")
    out = diff_after(repo, cli, FILES)
    assert "1 objective added, 1 metric added." in out
    assert "| `access` Shorter waits | **added** |" in out
    assert_no_secrets(out)
    out = cli(repo.portal, "diff", "HEAD", "HEAD~1", *AS_OF).out
    assert "1 objective removed, 1 metric removed." in out


def test_portal_in_a_sub_folder(tmp_path, cli):
    repo = Repo(tmp_path / "repo", portal="sites/okr")
    repo.commit(FILES)
    out = diff_after(repo, cli, edit("target: {value: 20}", "target: {value: 18}"))
    assert "| target | 20 days | 18 days |" in out


def test_pure_functions(repo):
    repo.commit(edit("target: {value: 20}", "target: {value: 18}"))
    a, b = load_revision(repo.root, "HEAD~1", ""), load_revision(repo.root, "HEAD", "")
    diff = compare(a, b, date(2026, 11, 24), "before", "after")
    [item] = diff.items
    assert (item.objective_id, item.key_result_id, item.kind) == ("access", "wait", "changed")
    assert [(f.field, f.old, f.new) for f in item.fields] == [("target", "20 days", "18 days")]
    assert "Compared before with after" in render_markdown(diff)


def test_not_a_git_repository(tmp_path, cli):
    root = tmp_path / "plain"
    root.mkdir()
    run = cli(root, "diff", "HEAD", *AS_OF)
    assert run.code == 2
    assert run.out == ""
    assert run.err.count("\n") == 1 and "is not in a git repository" in run.err
    assert "Traceback" not in run.err


def test_unknown_revision(repo, cli):
    run = cli(repo.portal, "diff", "no-such-branch", *AS_OF)
    assert run.code == 2
    assert run.out == ""
    assert run.err == f"okr-portal diff: unknown revision 'no-such-branch': not a commit, branch or tag of " \
                      f"{repo.root}\n"
    run = cli(repo.portal, "diff", "HEAD", "HEAD~5", *AS_OF)
    assert run.code == 2 and run.err.count("\n") == 1


def test_portal_settings_changed(repo, cli):
    portal_yml = MINIMAL_PORTAL_YML.replace("end: 2026-12-31", "end: 2026-11-30").replace("Test portal", "Our OKRs")
    out = diff_after(repo, cli, {"okrs/portal.yml": portal_yml})
    assert "| portal title | Test portal | Our OKRs |" in out
    assert "| period cy2026 | Calendar year 2026 (2026-01-01 to 2026-12-31) | " \
           "Calendar year 2026 (2026-01-01 to 2026-11-30) |" in out
    assert "| target date | 2026-12-31 | 2026-11-30 |" in out  # the target that defaults to the period end


# --- schema 2: units, alignment and rollups ---------------------------------------------------

SCHEMA_2_FILES = {
    "okrs/portal.yml": MINIMAL_PORTAL_YML.replace("schema: 1", "schema: 2"),
    "okrs/units.yml": UNITS_YML,
    "okrs/objectives/top.yml": TOP_YML,
    # On 2026-11-24 (327 of 364 days gone): child 0 (late), done 1; access their mean, 0.5: off track.
    "okrs/objectives/child.yml": CHILD_YML,
    "okrs/objectives/done.yml": """\
        id: done
        period: cy2026
        title: Done
        owner: South lead
        unit: south
        aligns_to: top/access
        key_results:
          - {id: d, title: D, type: milestone, due: 2026-05-31, done: 2026-05-01}
        """,
}


@pytest.fixture
def repo2(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit(SCHEMA_2_FILES, message="Start the portal")
    return repo


def edit2(path: str, old: str, new: str) -> dict[str, str]:
    text = textwrap.dedent(SCHEMA_2_FILES[path])
    assert old in text
    return {path: text.replace(old, new)}


def test_re_alignment_and_the_rollups_it_moves(repo2, cli):
    out = diff_after(repo2, cli, edit2("okrs/objectives/child.yml", "top/access", "top/safety"))
    assert "| `child` Child | aligns to | top/access | top/safety |" in out
    # Computed children first: access is now done's 1.0 alone, safety child's 0.
    assert "| `top` › `access` Access | off track | achieved |" in out
    assert "| `top` › `safety` Safety | no data | off track |" in out


def test_a_key_result_becoming_a_rollup(repo2, cli):
    files = edit2("okrs/objectives/top.yml", "type: milestone, due: 2026-06-30", "type: rollup")
    files.update(edit2("okrs/objectives/done.yml", "top/access", "top/plan"))
    out = diff_after(repo2, cli, files)
    assert "| `top` › `plan` Plan | type | milestone | rollup |" in out
    assert "|  | due | 2026-06-30 | — |" in out
    assert "| `done` Done | aligns to | top/access | top/plan |" in out
    assert "| `top` › `plan` Plan | off track | achieved |" in out  # done's 1.0


def test_a_unit_change_and_an_added_objective_with_its_place(repo2, cli):
    files = edit2("okrs/objectives/child.yml", "unit: north", "unit: south")
    files["okrs/objectives/new.yml"] = """\
        id: new
        period: cy2026
        title: New
        owner: North lead
        unit: north
        aligns_to: top
        key_results:
          - {id: n, title: N, type: milestone, due: 2026-12-15}
        """
    out = diff_after(repo2, cli, files)
    assert "| `child` Child | unit | north | south |" in out
    assert "| `new` New | **added** | — | period: cy2026; owner: North lead; unit: north; aligns to: top; " \
           "key results: 1; status: on track |" in out


def test_units_renamed_and_added(repo2, cli):
    units = textwrap.dedent(SCHEMA_2_FILES["okrs/units.yml"]).replace("title: South", "title: South office")
    out = diff_after(repo2, cli, {"okrs/units.yml": units + "- {id: east, parent: north, title: East, lead: Dr. E}\n"})
    assert "| unit south | South (part of system) | South office (part of system) |" in out
    assert "| unit east | — | East (part of north) |" in out
    assert "| unit east lead | — | Dr. E |" in out


def test_a_rollup_resting_on_a_broken_objective_is_not_compared(repo2, cli):
    out = diff_after(repo2, cli, edit2("okrs/objectives/done.yml", "done: 2026-05-01", "done: someday"))
    assert "### New validation problems" in out
    assert "### Status changes" not in out  # access cannot be computed without done

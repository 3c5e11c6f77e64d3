"""okr-portal as others get it, installed for real: ``make dist``'s sdist and wheel,
the README's "Start a portal" commands, and the requirements.txt ``init`` writes
for each way of installing okr-portal, installed by pip as the workflows do.

The code is this working tree's: it is committed in a clone made for the run, so
that pip can install it from git (``git+file://``, which needs no network). Three
fresh virtual environments get okr-portal and its dependencies from the package
index (or pip's cache): the slowest tests of the suite, a minute and a half.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from site_builder import __version__
from site_builder.commands.init import init, pin_from, requirement

REPO = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
WORKFLOWS = ("publish.yml", "pull-request.yml", "refresh.yml")


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None, ok: bool = True,
        input: str | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, input=input,
                            timeout=900)
    if ok:
        assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result


def environ(venv: Path | None = None) -> dict[str, str]:
    """The environment of a shell outside this test run's virtual environment
    (with ``venv`` first on PATH, as if activated)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV", "PIP_USER")}
    ours = PYTHON.parent.resolve()
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() != ours]
    env["PATH"] = os.pathsep.join(([str(venv / "bin"), *path]) if venv else path)
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1",
               PIP_NO_COMPILE="1")  # no .pyc files written at install: a few seconds less per environment
    return env


def git(cwd: Path, *args: str) -> str:
    return run("git", "-c", "user.name=Staff", "-c", "user.email=staff@example.org", *args, cwd=cwd).stdout.strip()


def new_venv(path: Path, with_pip: bool = True) -> Path:
    """A fresh virtual environment, from the Python this one was made from."""
    run(PYTHON, "-m", "venv", *([] if with_pip else ["--without-pip"]), path, cwd=path.parent)
    return path


def pip(venv: Path, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    """This environment's pip, installing into ``venv`` (which needs no pip of its own)."""
    return run(PYTHON, "-m", "pip", "--python", venv / "bin" / "python", *args, cwd=cwd, env=environ())


def direct_url(venv: Path) -> dict | None:
    text = run(venv / "bin" / "python", "-c", "from importlib.metadata import distribution; "
               "print(distribution('okr-portal').read_text('direct_url.json'))", cwd=venv, env=environ(venv)).stdout
    return None if text.strip() == "None" else json.loads(text)


def okr_portal(venv: Path, *args: str, cwd: Path, ok: bool = True) -> subprocess.CompletedProcess:
    return run(venv / "bin" / "okr-portal", *args, cwd=cwd, env=environ(venv), ok=ok)


def requirement_line(portal: Path) -> str:
    lines = [line for line in (portal / "requirements.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    assert len(lines) == 1, lines
    assert Requirement(lines[0]).name == "okr-portal"
    return lines[0]


def local_note(url: str) -> str:
    return (f"okr-portal init: requirements.txt installs okr-portal from {url}, on this computer only: "
            "replace that line with a git URL or a version before pushing (its comment says how)\n")


def assert_built(portal: Path) -> None:
    site = portal / "site"
    assert (site / "index.html").is_file()
    doc = json.loads((site / "api" / "okrs.json").read_text(encoding="utf-8"))
    assert [o["id"] for o in doc["objectives"]] == ["answer-calls-faster"]
    assert (site / "assets" / "stylesheets" / "okr-portal.css").is_file()  # the packaged theme's


def init_validate_build(venv: Path, portal: Path) -> subprocess.CompletedProcess:
    where = run(venv / "bin" / "python", "-c", "import site_builder; print(site_builder.__file__)",
                cwd=portal.parent, env=environ(venv)).stdout.strip()
    assert Path(where).is_relative_to(venv), f"okr-portal ran from {where}, not from {venv}"
    initialized = okr_portal(venv, "init", portal.name, cwd=portal.parent)
    validated = okr_portal(venv, "validate", cwd=portal)
    assert "1 objective (0 draft), 1 key result, 1 metric" in validated.stdout
    okr_portal(venv, "build", cwd=portal)
    assert_built(portal)
    return initialized


# --- what is installed -------------------------------------------------------------


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dist")


@pytest.fixture(scope="module")
def clone(work) -> tuple[Path, str]:
    """A git clone of this repository with the working tree's changes committed in
    it, and that commit: the code under test, installable with git+file://."""
    where = work / "clone" / "okr-portal"
    where.parent.mkdir()
    run("git", "clone", "-q", REPO, where, cwd=work)
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO).stdout
    for rel in filter(None, listed.split("\0")):
        source, target = REPO / rel, where / rel
        if not (source.exists() or source.is_symlink()):
            continue
        if target.exists() or target.is_symlink():
            target.unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    deleted = run("git", "ls-files", "-z", "--deleted", cwd=REPO).stdout
    for rel in filter(None, deleted.split("\0")):
        (where / rel).unlink(missing_ok=True)
    git(where, "add", "-A")
    git(where, "commit", "-q", "--allow-empty", "--no-verify", "-m", "The working tree under test")
    return where, git(where, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def dist(clone, work) -> Path:
    """What ``make dist`` makes, from the clone."""
    out = work / "out"
    run(PYTHON, "-m", "build", "--outdir", out, clone[0], cwd=work, env=environ())
    return out


@pytest.fixture(scope="module")
def wheel(dist) -> Path:
    (found,) = dist.glob("*.whl")
    return found


@pytest.fixture(scope="module")
def wheel_env(wheel, work) -> Path:
    """A fresh environment with the wheel and its dependencies, from the index."""
    venv = new_venv(work / "wheel-env", with_pip=False)
    pip(venv, "install", "--quiet", wheel, cwd=work)
    return venv


def test_make_dist_builds_the_sdist_and_the_wheel(dist):
    recipe = (REPO / "Makefile").read_text(encoding="utf-8").split("\ndist:", 1)[1].split("\n\n", 1)[0]
    assert "$(BIN)/python -m build --outdir dist ." in recipe
    assert sorted(p.name for p in dist.iterdir()) == [f"okr_portal-{__version__}-py3-none-any.whl",
                                                      f"okr_portal-{__version__}.tar.gz"]


def test_the_sdist_and_the_wheel_hold_every_file_of_the_package(clone, dist, wheel):
    # Every file under site_builder/, symbolic links followed (defaults/ links to
    # the repository's mkdocs.yml and theme/): code, templates, schemas, the
    # default theme and the scaffold with its dot-files.
    package = clone[0] / "site_builder"
    expected = {(Path(folder) / name).relative_to(package.parent).as_posix()
                for folder, dirs, files in os.walk(package, followlinks=True) if "__pycache__" not in folder
                for name in files if not name.endswith(".pyc")}
    for needed in ("site_builder/templates/objective.md.j2", "site_builder/schemas/objective.schema.json",
                   "site_builder/defaults/mkdocs.yml", "site_builder/defaults/theme/main.html",
                   "site_builder/defaults/theme/assets/stylesheets/okr-portal.css",
                   "site_builder/scaffold/dot-gitignore", "site_builder/scaffold/dot-github/workflows/publish.yml",
                   "site_builder/scaffold/requirements.txt",
                   "site_builder/locale/okr-portal.pot", "site_builder/locale/zh_TW/LC_MESSAGES/okr-portal.po"):
        assert needed in expected
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    assert expected <= in_wheel, sorted(expected - in_wheel)
    with tarfile.open(dist / f"okr_portal-{__version__}.tar.gz") as sdist:
        members = {m.name.split("/", 1)[1]: m for m in sdist.getmembers() if "/" in m.name}
    assert expected <= set(members), sorted(expected - set(members))
    assert not [name for name, m in members.items() if m.issym() or m.islnk()], "the sdist must hold real files"
    assert "okr-portal = site_builder.commands.cli:main" in \
        zipfile.ZipFile(wheel).read(f"okr_portal-{__version__}.dist-info/entry_points.txt").decode()


def test_the_wheel_in_a_fresh_environment_inits_validates_and_builds(wheel_env, wheel, work):
    pip(wheel_env, "install", "--quiet", "--force-reinstall", "--no-deps", wheel, cwd=work)
    info = direct_url(wheel_env)
    assert info["url"] == wheel.as_uri() and "archive_info" in info  # as pip recorded it (PEP 610)
    portal = work / "from-wheel"
    initialized = init_validate_build(wheel_env, portal)
    assert initialized.stderr == local_note(wheel.as_uri())
    assert requirement_line(portal) == f"okr-portal @ {wheel.as_uri()}"
    assert json.loads(okr_portal(wheel_env, "schema", "objective", cwd=portal).stdout)["type"] == "object"
    # The line installs okr-portal here.
    would = pip(wheel_env, "install", "--dry-run", "--ignore-installed", "--no-deps", "-r",
                portal / "requirements.txt", cwd=portal)
    assert f"Would install okr-portal-{__version__}" in would.stdout


def test_installed_from_an_index_init_pins_compatible_releases(wheel_env, dist, work):
    # A folder of distributions is an index to pip; installed by name, okr-portal
    # has no direct_url.json, as when it comes from PyPI.
    pip(wheel_env, "install", "--quiet", "--force-reinstall", "--no-deps", "--no-index", "--find-links", dist,
        f"okr-portal=={__version__}", cwd=work)
    assert direct_url(wheel_env) is None
    portal = work / "from-index"
    initialized = okr_portal(wheel_env, "init", portal.name, cwd=work)
    assert initialized.stderr == ""
    line = requirement_line(portal)
    assert line == requirement(__version__)  # okr-portal>=0.1.0,<0.2 for 0.1.0
    would = pip(wheel_env, "install", "--dry-run", "--ignore-installed", "--no-deps", "--no-index",
                "--find-links", dist, "-r", portal / "requirements.txt", cwd=portal)
    assert f"Would install okr-portal-{__version__}" in would.stdout


def test_installed_from_git_the_workflows_install_the_commit_and_init_pins_it_again(clone, work):
    source, commit = clone
    # A portal whose requirements.txt pins the clone's commit, as init writes it
    # when okr-portal was installed from there (checked below, with what pip records).
    portal = work / "from-git"
    init(portal, pinned=pin_from(__version__, json.dumps({"url": source.as_uri(), "vcs_info": {
        "vcs": "git", "commit_id": commit, "requested_revision": commit}})), tell=lambda note: None)
    # file://localhost/: the same folder, in a form that older pips accept too.
    written = f"file://localhost{source.as_posix()}"
    line = f"okr-portal @ git+{written}@{commit}"
    assert requirement_line(portal) == line
    # The workflows' install step, run as Actions runs it, in a fresh environment
    # standing for the runner's Python: it installs what requirements.txt says.
    steps = []
    for name in WORKFLOWS:
        data = yaml.safe_load((portal / ".github" / "workflows" / name).read_text(encoding="utf-8"))
        steps += [step for job in data["jobs"].values() for step in job.get("steps", ())
                  if step.get("name") == "Install okr-portal"]
    assert len(steps) == 3 and {step["run"] for step in steps} == {"python -m pip install -r requirements.txt"}
    runner = new_venv(work / "runner-env")
    run("bash", "--noprofile", "--norc", "-e", "-c", steps[0]["run"], cwd=portal, env=environ(runner))
    info = direct_url(runner)  # what pip recorded (PEP 610)
    assert info["url"] == written and info["vcs_info"]["vcs"] == "git" and info["vcs_info"]["commit_id"] == commit
    # ...the next steps work with what it installed...
    validated = okr_portal(runner, "validate", "--format", "github", cwd=portal)
    assert "::error" not in validated.stdout
    okr_portal(runner, "build", cwd=portal)
    assert_built(portal)
    # ...and okr-portal installed so pins the same line: a clone on this computer, said so.
    again = okr_portal(runner, "init", "again", cwd=work)
    assert requirement_line(work / "again") == line
    assert again.stderr == local_note(written)


def test_the_readme_start_a_portal_commands_work_as_written(clone, work):
    source, commit = clone
    readme = (source / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Start a portal\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"\n\n((?:    .*\n)+)", section)[1]
    commands = "".join(line[4:] for line in block.splitlines(keepends=True))
    assert "pip install ." in commands and "okr-portal init" in commands
    # "In the clone": the commands are run there, as they are, by a POSIX shell.
    result = run("sh", "-e", "-c", commands, cwd=source, env=environ())
    portal = source.parent / "my-portal"
    assert_built(portal)
    assert local_note(source.as_uri()) in result.stderr
    assert requirement_line(portal) == f"okr-portal @ {source.as_uri()}"
    venv = source.parent / "okr-portal-venv"
    assert direct_url(venv) == {"dir_info": {}, "url": source.as_uri()}
    would = run(venv / "bin" / "python", "-m", "pip", "install", "--dry-run", "--ignore-installed", "--no-deps",
                "-r", portal / "requirements.txt", cwd=portal, env=environ(venv))
    assert f"Would install okr-portal-{__version__}" in would.stdout

"""okr-portal init DIR: a minimal valid portal that builds, never written over anything."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from site_builder.commands import init as scaffold
from site_builder.commands.cli import main
from site_builder.engine.runner import defaults_dir
from site_builder.commands.init import Planned, init, pin, pin_from, requirement

EXPECTED = {
    ".github/ISSUE_TEMPLATE/check-in.yml",
    ".github/ISSUE_TEMPLATE/new-value.yml",
    ".github/workflows/issue-form.yml",
    ".github/workflows/publish.yml",
    ".github/workflows/pull-request.yml",
    ".github/workflows/refresh.yml",
    ".gitignore",
    "README.md",
    "requirements.txt",
    "mkdocs.yml",
    "okrs/portal.yml",
    "okrs/metrics/calls-answered-in-60s.csv",
    "okrs/metrics/calls-answered-in-60s.yml",
}


def theme_files() -> set[str]:
    """The packaged theme's files (copied by init): a folder others keep adding to."""
    theme = (defaults_dir() / "theme").resolve()
    return {"theme/" + p.relative_to(theme).as_posix() for p in theme.rglob("*") if p.is_file()}


def tree(root: Path) -> dict[str, bytes | None]:
    """Every file (with its content) and folder under root."""
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in root.rglob("*")}


def test_init_writes_a_portal_that_validates_and_builds(tmp_path, cli):
    run = cli(tmp_path, "init", "new/portal")  # DIR is taken in the -C folder; both are created
    assert run.code == 0, run.err
    root = tmp_path / "new" / "portal"
    year = date.today().year
    files = {p for p, content in tree(root).items() if content is not None}
    assert "theme/main.html" in theme_files()
    assert files == EXPECTED | theme_files() | {f"okrs/objectives/cy{year}/answer-calls-faster.yml"}
    for rel in files:
        assert f"wrote {root / rel}\n" in run.out
    assert not any(p.is_symlink() for p in root.rglob("*"))

    run = cli(root, "validate")
    assert run.code == 0, run.out
    assert "1 objective (0 draft), 1 key result, 1 metric" in run.out
    run = cli(root, "build")
    assert run.code == 0, run.out + run.err
    assert (root / "site" / "index.html").is_file()
    doc = json.loads((root / "site" / "api" / "okrs.json").read_text(encoding="utf-8"))
    (objective,) = doc["objectives"]
    assert objective["id"] == "answer-calls-faster" and objective["period"] == f"cy{year}"
    assert objective["key_results"][0]["status"] not in ("no_data", "missed")
    assert objective["key_results"][0]["current"]["date"] <= date.today().isoformat()


@pytest.mark.parametrize("today", [date(2027, 1, 1), date(2028, 2, 29), date(2026, 12, 31), date(2031, 7, 15)],
                         ids=str)
def test_the_example_is_valid_and_on_track_whatever_the_day(tmp_path, cli, today):
    written = init(tmp_path, today=today)
    assert f"okrs/objectives/cy{today.year}/answer-calls-faster.yml" in written
    assert cli(tmp_path, "validate").code == 0
    portal = (tmp_path / "okrs/portal.yml").read_text()
    assert f"start: {today.year}-01-01" in portal and f"end: {today.year}-12-31" in portal
    observations = (tmp_path / "okrs/metrics/calls-answered-in-60s.csv").read_text().splitlines()[1:]
    assert observations and all(line[:10] <= today.isoformat() for line in observations)
    run = cli(tmp_path, "status", "--json", "--as-of", today.isoformat())
    (kr,) = json.loads(run.out)["objectives"][0]["key_results"]
    assert kr["status"] == "on_track"


def test_starting_copies_of_the_packaged_site_settings_and_theme(tmp_path):
    init(tmp_path)
    assert (tmp_path / "mkdocs.yml").read_bytes() == (defaults_dir() / "mkdocs.yml").read_bytes()
    theme = (defaults_dir() / "theme").resolve()
    for path in theme.rglob("*"):
        if path.is_file():
            copy = tmp_path / "theme" / path.relative_to(theme)
            assert copy.read_bytes() == path.read_bytes() and not copy.is_symlink()


def test_gitignore_keeps_build_output_out_of_git(tmp_path):
    init(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    ignored = ["site/index.html", ".okr-portal/docs/index.md", ".site.new/index.html", ".site.new.zh-TW/index.html",
               ".site.old/index.html"]
    kept = ["okrs/portal.yml", "okrs/metrics/calls-answered-in-60s.csv", "theme/main.html", "mkdocs.yml",
            ".github/workflows/refresh.yml", "okrs/site.new.md"]
    result = subprocess.run(["git", "check-ignore", *ignored, *kept], cwd=tmp_path, capture_output=True, text=True)
    assert result.stdout.split() == ignored


def test_a_killed_build_leaves_nothing_for_git_to_commit(tmp_path):
    # What pipeline.build and engine.replace_site leave when the build is killed
    # half-way: the staging folders of every language, the old site, the work folder.
    init(tmp_path, tell=lambda note: None)
    git = ["git", "-c", "user.name=Staff", "-c", "user.email=staff@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "Start"], cwd=tmp_path, check=True)
    for folder in ("site", ".site.new", ".site.new.zh-TW", ".site.new.fr", ".site.old", ".okr-portal/docs",
                   ".okr-portal/locks", "site/zh-TW"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "index.html").write_text("<p>half-built</p>")
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=tmp_path,
                            capture_output=True, text=True, check=True)
    assert status.stdout == ""


def test_requirement_accepts_compatible_releases_only():
    assert requirement("0.1.0") == "okr-portal>=0.1.0,<0.2"
    assert requirement("0.4.2") == "okr-portal>=0.4.2,<0.5"
    assert requirement("1.3.0") == "okr-portal>=1.3.0,<2"


# The direct_url.json files below are what pip 26 wrote (PEP 610) for each way of
# installing; tests/test_dist.py makes them with real installs and checks the lines.
COMMIT = "3f2a0c5d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49"
FROM_GIT = ('{"url": "https://github.com/acme/okr-portal.git", "vcs_info": {"commit_id": "%s", '
            '"requested_revision": "v0.1.0", "vcs": "git"}}' % COMMIT)
FROM_LOCAL_GIT = ('{"url": "file:///nonexistent/clone", "vcs_info": {"commit_id": "%s", "requested_revision": "%s", '
                  '"vcs": "git"}}' % (COMMIT, COMMIT))
FROM_WHEEL = ('{"archive_info": {"hash": "sha256=dcd1", "hashes": {"sha256": "dcd1"}}, '
              '"url": "file:///nonexistent/dist/okr_portal-0.1.0-py3-none-any.whl"}')
FROM_FOLDER = '{"dir_info": {}, "url": "file:///nonexistent/staff/okr-portal"}'
EDITABLE = '{"dir_info": {"editable": true}, "url": "file:///nonexistent/staff/okr-portal"}'


def installable(line: str) -> Requirement:
    requirement = Requirement(line)  # what pip parses, PEP 508
    assert requirement.name == "okr-portal"
    return requirement


def test_installed_from_an_index_pins_compatible_releases():
    pinned = pin_from("0.1.0", None)
    assert pinned.line == "okr-portal>=0.1.0,<0.2" and pinned.note is None
    assert pinned.comment.startswith("# Releases compatible with 0.1.0")
    specifier = installable(pinned.line).specifier
    assert "0.1.0" in specifier and "0.1.7" in specifier and "0.2.0" not in specifier


def test_installed_from_git_pins_the_commit():
    pinned = pin_from("0.1.0", FROM_GIT)
    assert pinned.line == f"okr-portal @ git+https://github.com/acme/okr-portal.git@{COMMIT}"
    assert installable(pinned.line).url == f"git+https://github.com/acme/okr-portal.git@{COMMIT}"
    assert pinned.note is None and all(line.startswith("# ") for line in pinned.comment.splitlines())
    subdirectory = pin_from("0.1.0", FROM_GIT[:-1] + ', "subdirectory": "tools/okr"}')
    assert subdirectory.line.endswith(f"@{COMMIT}#subdirectory=tools/okr")


@pytest.mark.parametrize("direct_url, line", [
    (FROM_LOCAL_GIT, f"okr-portal @ git+file://localhost/nonexistent/clone@{COMMIT}"),
    (FROM_WHEEL, "okr-portal @ file:///nonexistent/dist/okr_portal-0.1.0-py3-none-any.whl"),
    (FROM_FOLDER, "okr-portal @ file:///nonexistent/staff/okr-portal"),
    (EDITABLE, "okr-portal @ file:///nonexistent/staff/okr-portal"),
], ids=["local-git", "wheel", "folder", "editable"])
def test_installed_from_this_computer_says_to_replace_the_line(direct_url, line):
    pinned = pin_from("0.1.0", direct_url)
    assert pinned.line == line
    installable(line)
    assert "GitHub's workflows\n# cannot install it. Before pushing, replace the line below" in pinned.comment
    assert "okr-portal @ git+https://github.com/OWNER/okr-portal@COMMIT" in pinned.comment
    assert "okr-portal>=0.1.0,<0.2" in pinned.comment
    assert all(line.startswith("# ") for line in pinned.comment.splitlines())
    url = line.split(" @ ", 1)[1].removeprefix("git+").split("@")[0]
    assert pinned.note == (f"requirements.txt installs okr-portal from {url}, on this computer only: "
                           "replace that line with a git URL or a version before pushing (its comment says how)")


def test_a_clone_of_a_remote_repository_suggests_its_git_line(tmp_path):
    clone = tmp_path / "okr-portal"
    git = ["git", "-C", str(clone), "-c", "user.name=Staff", "-c", "user.email=staff@example.org"]
    subprocess.run(["git", "init", "-q", str(clone)], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "Start"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    for origin, shown in [("https://staff:ghp_secret@github.com/acme/okr-portal.git",
                           "https://github.com/acme/okr-portal.git"),
                          ("git@github.com:acme/okr-portal.git", "https://github.com/acme/okr-portal.git")]:
        subprocess.run([*git, "remote", "remove", "origin"], capture_output=True)
        subprocess.run([*git, "remote", "add", "origin", origin], check=True)
        folder = pin_from("0.1.0", json.dumps({"dir_info": {}, "url": clone.as_uri()}))
        assert f"#   okr-portal @ git+{shown}@{head}\n" in folder.comment
        assert "secret" not in folder.comment and "secret" not in folder.line
        installable(f"okr-portal @ git+{shown}@{head}")
        # Installed from git at a commit of the clone: that commit.
        local_git = pin_from("0.1.0", json.dumps({"url": clone.as_uri(), "vcs_info": {"vcs": "git",
                                                  "commit_id": COMMIT}}))
        assert f"#   okr-portal @ git+{shown}@{COMMIT}\n" in local_git.comment


@pytest.mark.parametrize("direct_url", ["", "{", '{"dir_info": {}}', '["file:///x"]'], ids=repr)
def test_an_unreadable_direct_url_pins_compatible_releases_and_says_so(direct_url):
    pinned = pin_from("0.1.0", direct_url)
    assert pinned.line == "okr-portal>=0.1.0,<0.2"
    assert pinned.note and "check that `pip install -r requirements.txt` installs it" in pinned.note


def test_init_pins_the_okr_portal_running_it(tmp_path, cli):
    pinned = pin()  # from this environment's real direct_url.json
    run = cli(tmp_path, "init", "portal")
    assert run.code == 0, run.err
    text = (tmp_path / "portal" / "requirements.txt").read_text(encoding="utf-8")
    assert text.endswith(f"\n{pinned.comment}\n{pinned.line}\n")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines == [pinned.line]
    installable(pinned.line)
    assert run.err == (f"okr-portal init: {pinned.note}\n" if pinned.note else "")


def test_init_says_nothing_when_the_line_needs_no_change(tmp_path):
    told = []
    init(tmp_path / "a", pinned=pin_from("0.1.0", FROM_GIT), tell=told.append)
    init(tmp_path / "b", pinned=pin_from("0.1.0", FROM_FOLDER), tell=told.append)
    assert told == [pin_from("0.1.0", FROM_FOLDER).note]
    assert (tmp_path / "a" / "requirements.txt").read_text().splitlines()[-1] == \
        f"okr-portal @ git+https://github.com/acme/okr-portal.git@{COMMIT}"


def test_init_in_an_existing_folder_keeps_what_is_there(tmp_path, capsys, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "okrs" / "objectives").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0  # DIR defaults to the current folder
    out = capsys.readouterr().out
    assert "wrote okrs/portal.yml\n" in out
    assert out.splitlines()[-1] == "A new portal is in this folder. Next: okr-portal validate; okr-portal serve"
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "okrs" / "portal.yml").is_file()


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path, cli):
    (tmp_path / "README.md").write_text("my readme")
    (tmp_path / "okrs").mkdir()
    (tmp_path / "okrs" / "portal.yml").write_text("schema: 1\n")
    (tmp_path / "theme").write_text("a file where a folder goes")
    (tmp_path / ".github" / "workflows" / "publish.yml").mkdir(parents=True)  # a folder where a file goes
    before = tree(tmp_path)
    run = cli(tmp_path, "init", ".")
    assert run.code == 1
    assert run.out == ""
    assert "nothing was written" in run.err
    for line in ("  README.md already exists", "  okrs/portal.yml already exists",
                 "  .github/workflows/publish.yml already exists",
                 "  theme is not a folder (needed for theme/main.html)"):
        assert line in run.err.splitlines()
    assert "requirements.txt" not in run.err and "Traceback" not in run.err
    assert tree(tmp_path) == before


def test_init_into_a_file_is_a_clear_error(tmp_path, cli):
    (tmp_path / "portal").write_text("not a folder")
    run = cli(tmp_path, "init", "portal")
    assert run.code == 1
    assert run.err == f"okr-portal init: {tmp_path / 'portal'} exists and is not a folder\n"
    assert (tmp_path / "portal").read_text() == "not a folder"
    run = cli(tmp_path, "init", "portal/inside")
    assert run.code == 1
    assert run.err.startswith("okr-portal init: cannot write") and "nothing was written" in run.err
    assert sorted(tree(tmp_path)) == ["portal"]


def test_a_failure_half_way_removes_what_was_written(tmp_path, cli, monkeypatch):
    real_plan = scaffold.plan
    monkeypatch.setattr(scaffold, "plan", lambda *args, **kwargs: [*real_plan(*args, **kwargs),
                                                                    Planned("okrs/" + "x" * 300, b"")])
    (tmp_path / "keep.txt").write_text("mine")
    before = tree(tmp_path)
    run = cli(tmp_path, "init", "new")
    assert run.code == 1 and "nothing was written" in run.err and "Traceback" not in run.err
    assert tree(tmp_path) == before
    run = cli(tmp_path, "init")
    assert run.code == 1
    assert tree(tmp_path) == before


def test_the_command_prints_one_clear_line_and_no_traceback(tmp_path):
    (tmp_path / "file").write_text("")
    result = subprocess.run([sys.executable, "-m", "site_builder", "init", str(tmp_path / "file")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr == f"okr-portal init: {tmp_path / 'file'} exists and is not a folder\n"
    assert result.stdout == ""

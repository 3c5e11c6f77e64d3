"""A portal's files come from anyone who can open a pull request: links that lead out of the
portal are not followed, a message never echoes more than an excerpt of a file, and files
saved by old spreadsheet programs (CR-only line endings) are read with their right lines.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from site_builder.source import load
from site_builder.problems import EXCERPT_CHARS, Problem
from site_builder.source.yaml_reader import parse_yaml
from fixtures import (
    ONE_LANGUAGE_PORTAL_YML as PORTAL_YML, OBJECTIVE_PATH as A, WAIT_CSV_PATH as CSV, PORTAL_PATH as PORTAL,
    SHORTER_WAITS as OBJ, WAIT_CSV,
)

SECRET = "s3cret-0f-the-machine"
OUTSIDE_OBJ = OBJ.replace("id: a\n", "id: stolen\n").replace("Shorter waits", SECRET)
OUTSIDE_LINK = "is a link to a file outside the portal; it is not read"
OUTSIDE_FOLDER = "is a link to a folder outside the portal; it is not read"


@pytest.fixture
def outside(tmp_path_factory):
    """A folder outside the portal, with files anyone on the machine might have."""
    folder = tmp_path_factory.mktemp("outside")
    (folder / "objective.yml").write_text(OUTSIDE_OBJ, encoding="utf-8")
    (folder / "secret.txt").write_text(f"{SECRET}: yes\nroot:x:0:0:{SECRET}:/root:/bin/bash\n", encoding="utf-8")
    (folder / "metric.csv").write_text(f"date,value,note\n2026-01-01,1,{SECRET}\n", encoding="utf-8")
    (folder / "metric.yml").write_text(f"title: {SECRET}\n", encoding="utf-8")
    (folder / "portal.yml").write_text(PORTAL_YML.replace("Test portal", SECRET), encoding="utf-8")
    (folder / "objectives").mkdir()
    (folder / "objectives" / "o.yml").write_text(OUTSIDE_OBJ, encoding="utf-8")
    return folder


def make(portal, links: dict[str, Path | str], files: dict | None = None) -> Path:
    root = portal({PORTAL: PORTAL_YML, A: OBJ, CSV: WAIT_CSV, **(files or {})}, portal_yml=None)
    for rel, target in links.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or path.is_file():
            path.unlink()
        os.symlink(target, path)
    return root


def validate(cli, root: Path) -> list[str]:
    run = cli(root, "validate")
    assert "Traceback" not in run.out + run.err
    assert SECRET not in run.out + run.err
    return run.out.splitlines()


def published(root: Path) -> str:
    """Everything the model holds: what any page or the API could show."""
    loaded = load.load_portal(root)
    return repr(loaded.portal)


# --- A: links out of the portal ----------------------------------------------------------


@pytest.mark.skipif(not Path("/etc/passwd").is_file(), reason="no /etc/passwd here")
def test_a_link_to_etc_passwd_is_one_line_and_echoes_nothing(portal, cli):
    root = make(portal, {"okrs/objectives/passwd.yml": "/etc/passwd"})
    lines = validate(cli, root)
    assert lines == [f"okrs/objectives/passwd.yml:1: this file {OUTSIDE_LINK}"]
    assert "root:" not in published(root)


@pytest.mark.parametrize("rel, target", [
    ("okrs/objectives/stolen.yml", "objective.yml"),
    ("okrs/objectives/sub/stolen.yml", "objective.yml"),
    ("okrs/objectives/secret.yml", "secret.txt"),
    ("okrs/metrics/wait.csv", "metric.csv"),
    ("okrs/metrics/wait.yml", "metric.yml"),
    ("okrs/metrics/other.csv", "metric.csv"),
    ("okrs/portal.yml", "portal.yml"),
])
def test_a_file_linked_from_outside_is_one_problem_and_not_read(portal, cli, outside, rel, target):
    root = make(portal, {rel: outside / target})
    assert validate(cli, root) == [f"{rel}:1: this file {OUTSIDE_LINK}"]
    assert SECRET not in published(root)


def test_a_relative_link_that_climbs_out_is_refused(portal, cli, outside):
    root = make(portal, {})
    target = os.path.relpath(outside / "objective.yml", root / "okrs" / "objectives")
    assert target.startswith("..")
    os.symlink(target, root / "okrs" / "objectives" / "up.yml")
    assert validate(cli, root) == [f"okrs/objectives/up.yml:1: this file {OUTSIDE_LINK}"]
    assert SECRET not in published(root)


@pytest.mark.parametrize("rel", ["okrs/objectives/linked-dir", "okrs/objectives/sub/linked-dir"])
def test_a_folder_linked_from_outside_is_one_problem_and_not_read(portal, cli, outside, rel):
    root = make(portal, {rel: outside / "objectives"})
    assert validate(cli, root) == [f"{rel}:1: this folder {OUTSIDE_FOLDER}"]
    assert SECRET not in published(root)


@pytest.mark.skipif(not Path("/etc").is_dir(), reason="no /etc here")
def test_a_link_to_etc_is_not_walked(portal, cli):
    root = make(portal, {"okrs/objectives/linked-dir": "/etc"})
    assert validate(cli, root) == [f"okrs/objectives/linked-dir:1: this folder {OUTSIDE_FOLDER}"]


def test_the_objectives_folder_linked_from_outside(portal, cli, outside):
    root = make(portal, {})
    (root / A).unlink()
    (root / "okrs" / "objectives").rmdir()
    os.symlink(outside / "objectives", root / "okrs" / "objectives")
    assert validate(cli, root) == [f"okrs/objectives:1: this folder {OUTSIDE_FOLDER}"]
    assert SECRET not in published(root)


def test_the_metrics_folder_linked_from_outside(portal, cli, outside):
    root = make(portal, {})
    (root / CSV).unlink()
    (root / "okrs" / "metrics").rmdir()
    (outside / "wait.csv").write_text(f"date,value,note\n2026-01-01,1,{SECRET}\n", encoding="utf-8")
    os.symlink(outside, root / "okrs" / "metrics")
    lines = validate(cli, root)
    assert lines[0] == f"okrs/metrics:1: this folder {OUTSIDE_FOLDER}"
    assert len(lines) == 2 and "unknown metric 'wait'" in lines[1]  # the key result's metric is not there
    assert SECRET not in published(root)


def test_the_okrs_folder_linked_from_outside(portal, cli, outside, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "objectives").mkdir()
    (elsewhere / "portal.yml").write_text(PORTAL_YML.replace("Test portal", SECRET), encoding="utf-8")
    (elsewhere / "objectives" / "o.yml").write_text(OUTSIDE_OBJ, encoding="utf-8")
    root = tmp_path_factory.mktemp("portal")
    os.symlink(elsewhere, root / "okrs")
    assert validate(cli, root) == [f"okrs:1: this folder {OUTSIDE_FOLDER}"]
    assert SECRET not in published(root)


def test_links_inside_the_portal_keep_working(portal, cli):
    shared = {"shared/b.yml": OBJ.replace("id: a\n", "id: b\n"),
              "shared/more/c.yml": OBJ.replace("id: a\n", "id: c\n"),
              "data/wait.csv": WAIT_CSV}
    root = make(portal, {}, shared)
    (root / CSV).unlink()
    os.symlink("../../shared/b.yml", root / "okrs" / "objectives" / "b.yml")
    os.symlink("../../shared/more", root / "okrs" / "objectives" / "more")
    os.symlink("../../data/wait.csv", root / CSV)
    run = cli(root, "validate")
    assert run.code == 0, run.out
    loaded = load.load_portal(root)
    assert sorted(o.id for o in loaded.portal.objectives) == ["a", "b", "c"]
    assert len(loaded.portal.metrics["wait"].observations) == 2


def test_a_portal_reached_through_a_link_is_read(portal, cli, tmp_path_factory):
    root = make(portal, {})
    alias = tmp_path_factory.mktemp("alias") / "portal"
    os.symlink(root, alias)
    run = cli(alias, "validate")
    assert run.code == 0, run.out


def test_a_broken_link_is_one_problem(portal, cli):
    root = make(portal, {"okrs/objectives/gone.yml": "nowhere.yml", "okrs/metrics/gone.csv": "nowhere.csv"})
    assert validate(cli, root) == [
        "okrs/metrics/gone.csv:1: this file is a link to a file that does not exist; it is not read",
        "okrs/objectives/gone.yml:1: this file is a link to a file that does not exist; it is not read",
    ]


def test_a_folder_link_that_loops_is_read_once(portal, cli):
    root = make(portal, {"okrs/objectives/loop": ".", "okrs/objectives/sub/up": ".."})
    run = cli(root, "validate")
    assert run.code == 0, run.out
    assert [o.id for o in load.load_portal(root).portal.objectives] == ["a"]


def test_objective_files_keep_their_order(portal):
    names = ["a-b/x.yml", "a/x.yml", "a.yml", "b/a/z.yml", "B.yml", "a-b.yml", "sub/.hidden.yml", ".dot/y.yml"]
    root = portal({PORTAL: PORTAL_YML, **{f"okrs/objectives/{n}": OBJ for n in names}}, portal_yml=None)
    expected = [p.relative_to(root).as_posix() for p in sorted((root / "okrs/objectives").rglob("*"))
                if p.is_file() and not p.name.startswith(".")]
    assert load._objective_files(root, []) == expected


# --- excerpts: no message repeats a whole value -------------------------------------------


LONG = "q" * 3000


def _longest_run(text: str) -> int:
    return max((len(m) for m in re.findall(r"q+", text)), default=0)


@pytest.mark.parametrize("files", [
    {CSV: f"date,value\n2026-01-01,30\n{LONG},1\n"},
    {CSV: f"date,value\n2026-01-01,30\n2026-02-01,{LONG}\n"},
    {CSV: f"date,value\n2026-01-01,30\n2026-02-01,1{LONG}\n"},
    {CSV: f"date,value,{LONG}\n2026-01-01,30,\n"},
    {CSV: f'date,value,note\n2026-01-01,30,"a"{LONG}\n'},
    {A: OBJ.replace("owner: Access team", f"owner: !{LONG} x")},
    {A: OBJ.replace("owner: Access team", f"owner: *{LONG}")},
    {A: OBJ.replace("    metric: wait", f"    metric: wait\n    weight: !!int {LONG}")},
    {A: OBJ.replace("owner: Access team", f"owner: Access\x07 team {LONG}")},
])
def test_no_message_quotes_more_than_an_excerpt(portal, cli, files):
    root = portal({PORTAL: PORTAL_YML, A: OBJ, CSV: WAIT_CSV, **files}, portal_yml=None)
    run = cli(root, "validate")
    assert "Traceback" not in run.out + run.err
    assert run.code == 1
    assert len(run.out.splitlines()) == 1, run.out
    assert _longest_run(run.out) <= EXCERPT_CHARS, run.out


def test_a_repeated_long_key_is_quoted_only_in_part():
    key = "k" * 300
    problems: list[Problem] = []
    parse_yaml(f"{key}: 1\n{key}: 2\n", "x.yml", problems)
    assert len(problems) == 1
    assert problems[0].loc.line == 2
    assert problems[0].message.startswith("repeated key 'kkkk")
    assert "k" * (EXCERPT_CHARS + 1) not in problems[0].message


def test_a_control_character_in_a_csv_value_is_escaped_in_the_message(portal, cli):
    root = portal({PORTAL: PORTAL_YML, A: OBJ, CSV: "date,value\n2026-01-01,30\n2026-02-01,2\x1b[2J8\n"},
                  portal_yml=None)
    run = cli(root, "validate")
    assert run.out == f"{CSV}:3: value '2\\x1b[2J8' is not a number (write plain digits such as 1234.5, " \
                      "without units or thousands separators)\n"


# --- C: line endings of CSV files --------------------------------------------------------


@pytest.mark.parametrize("newline", ["\r", "\r\n"], ids=["cr-only", "crlf"])
def test_a_csv_with_other_line_endings_is_read(portal, cli, newline):
    text = "date,value,note\n2026-01-01,30,first\n2026-02-01,28,\n2026-03-01,27,\"quoted, note\"\n"
    root = portal({PORTAL: PORTAL_YML, A: OBJ, CSV: text.replace("\n", newline).encode()}, portal_yml=None)
    run = cli(root, "validate")
    assert run.code == 0, run.out
    observations = load.load_portal(root).portal.metrics["wait"].observations
    assert [(str(o.date), o.value, o.note, o.line) for o in observations] == [
        ("2026-01-01", 30.0, "first", 2), ("2026-02-01", 28.0, None, 3), ("2026-03-01", 27.0, "quoted, note", 4)]


@pytest.mark.parametrize("newline", ["\r", "\r\n"], ids=["cr-only", "crlf"])
@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "with-a-quoted-note"])
def test_a_csv_with_other_line_endings_has_right_line_numbers(portal, cli, newline, quoted):
    note = '"a, b"' if quoted else "fine"
    text = f"date,value,note\n2026-01-01,30,{note}\n2026-02-01,28,\n2026-03-01,lots,\n2026-02-01,27,\n"
    root = portal({PORTAL: PORTAL_YML, A: OBJ, CSV: text.replace("\n", newline).encode()}, portal_yml=None)
    assert validate(cli, root) == [
        f"{CSV}:4: value 'lots' is not a number (write plain digits such as 1234.5, without units or "
        "thousands separators)",
        f"{CSV}:5: date 2026-02-01 appears twice (first at line 3)",
    ]


@pytest.mark.parametrize("newline", ["\r", "\r\n"], ids=["cr-only", "crlf"])
def test_a_byte_that_is_not_utf8_is_found_at_its_line(portal, cli, newline):
    text = f"date,value,note{newline}2026-01-01,30,{newline}2026-02-01,28,caf".encode() + b"\xe9" + newline.encode()
    root = portal({PORTAL: PORTAL_YML, A: OBJ, CSV: text}, portal_yml=None)
    assert validate(cli, root) == [f"{CSV}:3: file is not UTF-8 text (byte 0xe9 cannot be decoded); save it as UTF-8"]


def test_a_folder_link_to_a_folder_that_holds_it_is_one_problem(portal, cli):
    root = make(portal, {"okrs/objectives/everything": "../.."})
    assert validate(cli, root) == [
        "okrs/objectives/everything:1: this folder is a link to a folder that holds it; it is not read"]


def test_two_links_to_one_folder_read_it_once_through_the_first(portal, cli):
    root = make(portal, {}, {"shared/b.yml": OBJ.replace("id: a\n", "id: b\n")})
    for name in ("z-link", "m-link", "a-link"):
        os.symlink("../../shared", root / "okrs" / "objectives" / name)
    run = cli(root, "validate")
    assert run.code == 0, run.out
    assert [o.path for o in load.load_portal(root).portal.objectives] == ["okrs/objectives/a-link/b.yml", A]

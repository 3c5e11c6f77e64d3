"""The progress display: on a terminal it redraws one line; in CI logs and pipes it says nothing."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

METRIC = """\
    title: Waits
    unit: days
    feed: {type: csv, url: feeds/%s.csv}
"""


@pytest.fixture
def feeds_portal(portal):
    files = {}
    for n in range(12):
        files[f"okrs/metrics/m{n}.yml"] = METRIC % f"m{n}"
        files[f"okrs/metrics/m{n}.csv"] = "date,value\n2026-01-01,10\n"
        files[f"feeds/m{n}.csv"] = "date,value\n2026-01-01,10\n2026-02-01,9\n"
    return portal(files)


def _run(root, *args, terminal: bool, ci: bool):
    """The real command, its stderr on a pseudo-terminal (or a pipe); stdout always a pipe."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TERM", "OKR_PORTAL_PROGRESS")}
    env["TERM"] = "xterm"
    if ci:
        env["CI"] = "true"
    command = [sys.executable, "-m", "site_builder", "-C", str(root), *args]
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=follower, text=True, env=env)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process is done with it
                break
            if not chunk:
                break
            chunks.append(chunk)
        out = process.stdout.read()
        process.wait(timeout=120)
    finally:
        os.close(leader)
    return process.returncode, out, b"".join(chunks).decode("utf-8", "replace")


def test_fetch_on_a_terminal_redraws_one_line_and_keeps_results_clean(feeds_portal):
    code, out, err = _run(feeds_portal, "fetch", terminal=True, ci=False)
    assert code == 0
    assert "okr-portal fetch: 12/12 (100%)" in err
    assert "\r\x1b[2K" in err and err.rstrip("\r\n").endswith("\x1b[2K")  # cleared at the end
    assert "\x1b" not in out and "%" not in out  # results stay plain
    assert out.splitlines() == [f"metric {m}: 1 added" for m in sorted(f"m{n}" for n in range(12))]


@pytest.mark.parametrize("terminal, ci", [(True, True), (False, False)])
def test_fetch_in_ci_or_into_a_pipe_shows_no_progress(feeds_portal, terminal, ci):
    code, out, err = _run(feeds_portal, "fetch", terminal=terminal, ci=ci)
    assert code == 0
    assert "\x1b" not in err and "12/12" not in err and err.strip() == ""
    assert len(out.splitlines()) == 12


def test_build_on_a_terminal_shows_its_stages_and_ends_with_its_summary(feeds_portal):
    code, out, err = _run(feeds_portal, "build", "--as-of", "2026-06-30", terminal=True, ci=False)
    assert code == 0, out + err
    assert "okr-portal build: writing the pages in 2 languages" in err
    assert "mkdocs is building the site in 2 languages at once" in err
    assert out.startswith("Built ") and "\x1b" not in out


def test_build_in_ci_prints_only_its_summary(feeds_portal):
    code, out, err = _run(feeds_portal, "build", "--as-of", "2026-06-30", terminal=True, ci=True)
    assert code == 0
    assert "\x1b" not in err and "okr-portal build:" not in err
    assert out.startswith("Built ")

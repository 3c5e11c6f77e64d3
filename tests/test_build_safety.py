"""`okr-portal build` as CI and staff run it: real processes of the command, at the
same time in one portal, with a broken theme, without a base_url.

Every test here starts the real command (``python -m site_builder``) in its own
process, so the real ``mkdocs build`` runs, and reads what it printed and wrote.
"""

from __future__ import annotations

import random
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO
from site_builder.lock import portal_lock
from fixtures import ONE_LANGUAGE_PORTAL_YML as PORTAL_YML, SHORTER_WAITS as OBJECTIVE

AS_OF = "2026-11-24"


def _copy_demo(dest: Path) -> Path:
    shutil.copytree(REPO / "okrs", dest / "okrs")
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "theme", dest / "theme")
    return dest


def _command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "site_builder", "-C", str(root), *args]


def _start(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(_command(root, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(_command(root, *args), capture_output=True, text=True, timeout=300)


def _files(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())


def _contents(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# --- two builds at once ------------------------------------------------------------------


def test_two_builds_at_once_both_succeed_and_publish_the_whole_site(tmp_path):
    root = _copy_demo(tmp_path / "portal")
    single = _run(root, "build", "--as-of", AS_OF)
    assert single.returncode == 0, single.stderr
    expected = _files(root / "site")
    assert len(expected) > 150
    rng = random.Random(20261124)
    for attempt in range(3):
        first = _start(root, "build", "--as-of", AS_OF)
        time.sleep(rng.uniform(0, 0.6))
        second = _start(root, "build", "--as-of", AS_OF)
        results = [(p, *p.communicate(timeout=300)) for p in (first, second)]
        for process, out, err in results:
            assert process.returncode == 0, (attempt, out, err)
            assert "Traceback" not in out + err, (attempt, err)
        waits = [err for _, _, err in results if "waiting for it to finish" in err]
        for err in waits:  # said once, naming the other build's process
            assert err.count("waiting for it to finish") == 1, err
            assert "okr-portal build: another okr-portal build is running in this portal (process " in err
        assert _files(root / "site") == expected, attempt
        assert sorted(p.name for p in root.iterdir() if p.name.startswith(".site")) == []


def _wait_for_line(stream, needle: str, seconds: float) -> str:
    """Read ``stream`` until a line holds ``needle`` (or the time is up); what was read."""
    read = ""
    deadline = time.monotonic() + seconds
    while needle not in read and time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], 0.2)
        if ready:
            line = stream.readline()
            if not line:
                break
            read += line
    return read


def test_a_build_into_a_site_dir_outside_the_portal_still_waits_for_the_portal_lock(tmp_path):
    root = _copy_demo(tmp_path / "portal")
    outside = tmp_path / "published" / "site"
    with portal_lock(root, "build"):
        build = _start(root, "build", "--as-of", AS_OF, "--site-dir", str(outside))
        try:
            said = _wait_for_line(build.stderr, "waiting for it to finish", 60)
            assert "okr-portal build: another okr-portal build is running in this portal" in said, said
            time.sleep(1)
            assert build.poll() is None and not outside.exists()  # it waits: nothing written yet
        except BaseException:
            build.kill()
            raise
    out, err = build.communicate(timeout=300)
    assert build.returncode == 0, said + err
    assert (outside / "index.html").is_file() and (outside / "zh-TW/index.html").is_file()
    assert "Traceback" not in said + err


# --- engine failures -----------------------------------------------------------------------


def test_a_broken_theme_override_is_one_clear_line_and_leaves_the_site_as_it_was(tmp_path):
    root = _copy_demo(tmp_path / "portal")
    assert _run(root, "build", "--as-of", AS_OF).returncode == 0
    before = _contents(root / "site")
    main_html = root / "theme/main.html"
    main_html.write_text(main_html.read_text("utf-8").replace(
        "{% block extrahead %}", "{% block extrahead %}{{ oops( }}", 1), "utf-8")
    run = _run(root, "build", "--as-of", AS_OF)
    assert run.returncode == 1
    output = _lines(run.stdout + run.stderr)
    assert len(output) == 1, output
    line = output[0]
    assert line.startswith("okr-portal build: mkdocs build failed"), line
    assert "theme/main.html:" in line and "unchanged" in line, line
    assert "Traceback" not in line and "\x1b[" not in line
    assert _contents(root / "site") == before
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".site")) == []


def test_an_engine_error_is_its_error_lines_and_one_summary(tmp_path):
    root = _copy_demo(tmp_path / "portal")
    (root / "mkdocs.yml").write_text("plugins:\n  - search\n  - no-such-plugin-okr\n", encoding="utf-8")
    run = _run(root, "build", "--as-of", AS_OF)
    assert run.returncode == 1
    output = _lines(run.stdout + run.stderr)
    assert len(output) == 2, output  # the same error in both languages is said once
    assert output[0].startswith("ERROR") and "no-such-plugin-okr" in output[0], output
    assert output[1].startswith("okr-portal build: mkdocs build failed") and "unchanged" in output[1], output
    assert not (root / "site").exists()


# --- base_url ------------------------------------------------------------------------------


def _small_portal(root: Path, portal_yml: str) -> Path:
    for rel, text in {"okrs/portal.yml": portal_yml, "okrs/objectives/a.yml": OBJECTIVE,
                      "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n2026-07-02,25\n"}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_a_build_without_base_url_warns_once_where_to_add_it(tmp_path):
    root = _small_portal(tmp_path / "portal", PORTAL_YML)
    run = _run(root, "build", "--as-of", AS_OF)
    assert run.returncode == 0, run.stderr
    warnings = [line for line in _lines(run.stdout + run.stderr) if "no base_url" in line]
    assert len(warnings) == 1, run.stdout + run.stderr
    assert warnings[0].startswith("okrs/portal.yml:1: warning: no base_url: "), warnings
    assert "sitemap" in warnings[0] and "canonical" in warnings[0] and "add base_url: https://" in warnings[0]
    assert _lines(run.stderr) == warnings  # and nothing else on stderr


def test_a_build_with_base_url_does_not_warn(tmp_path):
    root = _small_portal(tmp_path / "portal", PORTAL_YML + "base_url: https://okrs.example.org/\n")
    run = _run(root, "build", "--as-of", AS_OF)
    assert run.returncode == 0, run.stderr
    assert "base_url" not in run.stdout.replace(str(tmp_path), "") + run.stderr
    assert _lines(run.stderr) == []

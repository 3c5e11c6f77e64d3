"""`okr-portal serve` as staff run it: a real process of the command, a real port,
the engine's real preview server, and a build beside it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from test_build_safety import _copy_demo, _files, _lines, _run
from test_site import _free_port, _get, _wait_for

AS_OF = "2026-11-24"


def _serve_command(root: Path, port: int, *args: str) -> list[str]:
    return [sys.executable, "-m", "site_builder", "-C", str(root), "serve", "--as-of", AS_OF,
            "--dev-addr", f"127.0.0.1:{port}", *args]


def test_serve_on_a_port_in_use_says_so_in_one_line_and_fails(tmp_path):
    root = _copy_demo(tmp_path / "portal")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        run = subprocess.run(_serve_command(root, port), capture_output=True, text=True, timeout=120)
        seconds = time.monotonic() - started
    assert run.returncode != 0
    assert seconds < 20
    lines = _lines(run.stderr)
    assert lines == [f"okr-portal serve: port {port} on 127.0.0.1 is already in use; stop the other server or "
                     f"choose another with --dev-addr HOST:PORT"], run.stderr
    assert run.stdout.strip() == ""


def test_a_broken_theme_stops_serve_with_one_clear_line(tmp_path):
    root = _copy_demo(tmp_path / "portal")
    main_html = root / "theme/main.html"
    main_html.write_text(main_html.read_text("utf-8").replace(
        "{% block extrahead %}", "{% block extrahead %}{{ oops( }}", 1), "utf-8")
    run = subprocess.run(_serve_command(root, _free_port()), capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr and "File \"" not in run.stderr, run.stderr
    errors = [line for line in _lines(run.stderr) if "failed" in line or "theme/main.html" in line]
    assert len(errors) == 1 and errors[0].startswith("okr-portal serve: ") and "theme/main.html:" in errors[0], \
        run.stderr


def test_serve_shows_no_engine_banner_and_a_build_beside_it_breaks_neither(tmp_path):
    root = _copy_demo(tmp_path / "portal")
    reference = _copy_demo(tmp_path / "reference")
    assert _run(reference, "build", "--as-of", AS_OF).returncode == 0
    expected = _files(reference / "site")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/objectives/veteran-access/"
    log = tmp_path / "serve.log"  # a file, not a pipe: the engine's server writes a lot
    with open(log, "w") as err:
        server = subprocess.Popen(_serve_command(root, port), stdout=subprocess.DEVNULL, stderr=err)
    try:
        first = _wait_for(lambda: _get(url), 60)
        assert first and "Timely care, close to home" in first
        # a build while the preview runs: complete, and the preview still serves its own pages
        build = _run(root, "build", "--as-of", AS_OF)
        assert build.returncode == 0 and "Traceback" not in build.stderr, build.stderr
        assert _files(root / "site") == expected
        assert "Timely care, close to home" in (_get(url) or "")
        # an edit while a build runs: the build finishes whole, the preview picks the edit up
        objective = root / "okrs/objectives/cy2026/veteran-access.yml"
        building = subprocess.Popen([sys.executable, "-m", "site_builder", "-C", str(root), "build", "--as-of",
                                     AS_OF], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        objective.write_text(objective.read_text("utf-8").replace(
            "Timely care, close to home, for every veteran", "Care within reach for every veteran"), "utf-8")
        out, build_err = building.communicate(timeout=300)
        assert building.returncode == 0 and "Traceback" not in build_err, build_err
        assert _files(root / "site") == expected
        updated = _wait_for(lambda: "Care within reach" in (_get(url) or ""), 60)
        assert updated, "the preview did not pick up the change to okrs/"
        assert server.poll() is None, "the preview stopped"
    finally:
        server.terminate()
        server.wait(timeout=20)
    said = log.read_text()
    assert "Traceback" not in said, said
    for banner in ("end of life", "Zensical", "MKDOCS_2", "ProperDocs"):
        assert banner not in said, said
        assert banner.lower() not in first.lower()  # nor in the page


def test_the_preview_serves_an_edit_and_drops_a_removed_page(tmp_path):
    """The engine's server rebuilds only changed pages (its dirty mode, commands/preview_engine):
    an edit still shows on its page and in the search index, and a page whose objective is gone
    is gone from the preview too, as from a build."""
    import json

    root = _copy_demo(tmp_path / "portal")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    page = f"{base}/objectives/appointment-line-q4/"
    log = tmp_path / "serve.log"
    with open(log, "w") as err:
        server = subprocess.Popen(_serve_command(root, port), stdout=subprocess.DEVNULL, stderr=err)
    try:
        assert _wait_for(lambda: _get(page), 60), log.read_text()
        objective = root / "okrs/objectives/q4-2026/appointment-line.yml"
        objective.write_text(objective.read_text("utf-8").replace("  - id: call-back\n", (
            "      - date: 2026-11-20\n        confidence: off_track\n        text: \"Saved in the preview\"\n"
            "  - id: call-back\n"), 1), "utf-8")
        assert _wait_for(lambda: "Saved in the preview" in (_get(page) or ""), 60), log.read_text()

        def indexed():
            index = json.loads(_get(f"{base}/search/search_index.json") or "{}")
            return any("Saved in the preview" in doc["text"] for doc in index.get("docs", ()))
        assert _wait_for(indexed, 60), "the search index of the preview lacks the edit"
        # The files beside the pages (kept out of the engine's docs tree, render.write) are served
        # too, and follow an edit: the embed page names its objective.
        embed = f"{base}/embed/appointment-line-q4/call-back/"
        assert "Get the appointment line answering again" in (_get(embed) or ""), log.read_text()
        assert (_get(f"{base}/api/okrs.json") or "").startswith("{")
        objective.write_text(objective.read_text("utf-8").replace(
            "Get the appointment line answering again", "Answer the appointment line again", 1), "utf-8")
        assert _wait_for(lambda: "Answer the appointment line again" in (_get(embed) or ""), 60), log.read_text()
        objective.unlink()
        assert _wait_for(lambda: _get(page) is None and _get(f"{base}/"), 60), log.read_text()
        assert server.poll() is None, "the preview stopped"
    finally:
        server.terminate()
        server.wait(timeout=20)
    said = log.read_text()
    assert "Traceback" not in said and "dirty" not in said.lower(), said


def test_a_theme_edit_shows_on_every_page_of_the_preview(tmp_path):
    """In its dirty mode the engine rebuilds only rewritten pages, and it keeps the theme's
    compiled templates (commands/preview_templates): an edit to theme/ still reaches every page."""
    root = _copy_demo(tmp_path / "portal")
    port = _free_port()
    pages = [f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{port}/objectives/veteran-access/"]
    with open(tmp_path / "serve.log", "w") as err:
        server = subprocess.Popen(_serve_command(root, port), stdout=subprocess.DEVNULL, stderr=err)
    try:
        assert _wait_for(lambda: all(_get(url) for url in pages), 60)
        main_html = root / "theme/main.html"
        main_html.write_text(main_html.read_text("utf-8").replace(
            "{% block extrahead %}", "{% block extrahead %}<meta name=\"preview-theme-edit\" content=\"1\">", 1),
            "utf-8")
        assert _wait_for(lambda: all("preview-theme-edit" in (_get(url) or "") for url in pages), 60), \
            (tmp_path / "serve.log").read_text()
    finally:
        server.terminate()
        server.wait(timeout=20)

"""Shared fixtures: portals written to temporary folders, and the real CLI."""

from __future__ import annotations

import os
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from fixtures import PORTAL_YML
from site_builder.commands.cli import main

REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    # What okr-portal keeps between builds on a machine (the Chinese search dictionary)
    # goes into a folder of this run's own, not the user's cache: made once per run.
    os.environ.setdefault("OKR_PORTAL_CACHE", tempfile.mkdtemp(prefix="okr-portal-cache-"))

MINIMAL_PORTAL_YML = PORTAL_YML  # the name the older tests import it by


def write_portal(root: Path, files: dict[str, str | bytes], portal_yml: str | None = MINIMAL_PORTAL_YML) -> Path:
    """Write a portal: ``files`` maps paths under root to contents (dedented when text)."""
    if portal_yml is not None and "okrs/portal.yml" not in files:
        files = {"okrs/portal.yml": portal_yml, **files}
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    (root / "okrs").mkdir(exist_ok=True)
    return root


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def portal(tmp_path):
    """``portal(files)`` writes a portal under a temporary folder and returns its root."""

    def make(files: dict[str, str | bytes], portal_yml: str | None = MINIMAL_PORTAL_YML) -> Path:
        return write_portal(tmp_path, files, portal_yml)

    return make


@pytest.fixture
def cli(capsys):
    """``cli(root, *args)`` runs okr-portal in-process on the portal at root."""

    def run(root: Path, *args: str) -> Run:
        code = main(["-C", str(root), *args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run

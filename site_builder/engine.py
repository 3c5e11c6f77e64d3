"""Stage 5: run the site engine on the generated docs tree (DESIGN.md §7).

The generator writes an ordinary MkDocs docs tree; this module writes the
engine's configuration beside it and runs ``mkdocs build`` in a separate
process, so any engine that reads mkdocs.yml can take its place. The new site
is built into a temporary folder and only replaces site/ once it is complete.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

from site_builder.messages import messages
from site_builder.model import Settings
from site_builder.markup import to_plain

ENGINES = {"mkdocs": "mkdocs"}


class EngineError(Exception):
    """The engine failed; the message holds what it printed."""


def defaults_dir() -> Path:
    """The mkdocs.yml and theme/ shipped in the package, used when a portal has none."""
    return Path(str(resources.files("site_builder") / "defaults"))


def engine_config(root: Path, settings: Settings, docs_dir: Path, site_dir: Path) -> dict:
    """The configuration the engine runs with: the portal's mkdocs.yml (or ours), plus
    what okr-portal decides itself: where the docs and the site are, and the navigation."""
    root = root.resolve()
    own_config = root / "mkdocs.yml"
    base_config = own_config if own_config.is_file() else defaults_dir() / "mkdocs.yml"
    theme_dir = root / "theme" if (root / "theme").is_dir() else defaults_dir() / "theme"
    lang = settings.default_language
    msg = messages(lang)
    config = {
        "INHERIT": str(base_config.resolve()),
        # MkDocs themes print site_name without escaping it, in text and in
        # attributes: it is escaped here, quotes included.
        "site_name": html.escape(to_plain(settings.title.get(lang, lang)), quote=True),
        "docs_dir": str(docs_dir.resolve()),
        "site_dir": str(site_dir.resolve()),
        "use_directory_urls": True,
        "theme": {"name": "material", "custom_dir": str(theme_dir.resolve()), "language": _material_language(lang)},
        # Only the indexes are in the navigation: Material renders the whole nav
        # into every page, so detail pages there would make every page grow.
        "nav": [
            {msg["nav.home"]: "index.md"},
            {msg["periods"]: "periods/index.md"},
            {msg["metrics"]: "metrics/index.md"},
            {msg["owners"]: "owners/index.md"},
            {msg["tags"]: "tags/index.md"},
            {msg["changes"]: "changes/index.md"},
            {msg["open_data"]: "data/index.md"},
        ],
        "not_in_nav": "/objectives/\n/periods/*/\n/periods/*.md\n/metrics/*.md\n/owners/*\n/tags/*\n/changes/*\n/data/*\n",
    }
    if settings.base_url:
        config["site_url"] = settings.base_url
    return config


def _material_language(lang: str) -> str:
    # Material names its translations in lowercase (zh-tw); English is the fallback.
    return lang.lower() if lang.lower() in ("en", "zh-tw", "zh", "fr", "de", "es", "ja", "ko") else "en"


def write_config(config: dict, path: Path) -> Path:
    """JSON is YAML: every value is quoted safely, whatever the portal's title holds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def run_engine(config_file: Path, engine: str = "mkdocs") -> str:
    """Run ``<engine> build``; returns its warnings, raises EngineError on failure."""
    command = [sys.executable, "-m", ENGINES[engine], "build", "--config-file", str(config_file)]
    # Material prints a banner about MkDocs 2 on every build; it is not the portal's concern.
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise EngineError(output or f"{engine} build exited with status {result.returncode}")
    return "\n".join(line for line in output.splitlines() if line.startswith(("WARNING", "ERROR")))


def replace_site(new_site: Path, site_dir: Path) -> None:
    """Put a complete new site where the old one was.

    Two renames on one file system: the old site stays whole until the new one
    is complete, and site/ is missing only between the two renames.
    """
    old = site_dir.with_name(f".{site_dir.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if site_dir.exists():
        site_dir.rename(old)
    new_site.rename(site_dir)
    if old.exists():
        shutil.rmtree(old)

"""The search index of the live preview (``okr-portal serve``), as a MkDocs hook.

A build adds the generated pages' search entries to the engine's index itself, after
the engine ran (runner.run_engines, search_index). The preview's engine builds again
on every change, into a folder of its own, with no step of okr-portal's after it: this
hook does the same there, after the search plugin wrote its index. MkDocs and
ProperDocs run it (mkdocs.yml ``hooks``, runner.engine_config); it does nothing in a
build, where the runner does it without holding the engine up.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from site_builder.engine.chinese_search import ENV, segmenter
from site_builder.engine.search_index import merge, tree_entries

_serving = False


def on_startup(command: str, dirty: bool) -> None:
    global _serving
    _serving = command == "serve"


def on_post_build(config) -> None:
    if _serving:
        entries, locations = tree_entries(Path(config["docs_dir"]), segmenter(os.environ.get(ENV)))
        merge(Path(config["site_dir"]), entries, locations)


def hook_config(base_config: Path) -> dict:
    """What the engine's config adds for this hook: ``hooks``, unless the portal's own
    mkdocs.yml has hooks of its own, which a list of ours would replace (MkDocs does not
    merge lists across INHERIT); the preview's search then finds only the portal's own pages."""
    try:
        text = Path(base_config).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    if re.search(r"^hooks\s*:", text, re.M):
        return {}
    return {"hooks": [str(Path(__file__).resolve())]}

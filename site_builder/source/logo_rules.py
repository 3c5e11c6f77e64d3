"""Stage 2, the portal's logo [2] (DESIGN.md §3 `logo`): the organization's mark, used as the
site's logo, its favicon and on the link-preview cards.

``logo`` is a path from the portal root to an SVG or PNG file inside the portal. The load
stage reads the file (``read_logo``) only when it passes these rules, so the site never
publishes a file from outside the portal.
"""

from __future__ import annotations

import os
from pathlib import Path

from site_builder.model import Portal
from site_builder.problems import Problem, excerpt
from site_builder.source.files import inside

KINDS = (".svg", ".png")
LARGEST = 1_000_000  # bytes: a mark, not a photograph


def logo_problems(portal: Portal) -> list[Problem]:
    settings = portal.settings
    if settings is None or settings.logo is None:
        return []
    reason = _reason(Path(portal.root), settings.logo)
    if reason is None:
        return []
    return [Problem(settings.locs.get("logo", settings.loc), f"logo '{excerpt(settings.logo)}' {reason}")]


def _reason(root: Path, rel: str) -> str | None:
    """Why ``rel`` cannot be the logo, or None."""
    if os.path.splitext(rel)[1].lower() not in KINDS:
        return "must be an .svg or .png file"
    if os.path.isabs(rel) or not inside(root, os.path.realpath(root / rel)):
        return "is outside the portal: give a path from the portal folder, such as okrs/logo.svg"
    path = root / rel
    if not path.is_file():
        return "does not exist: give a path from the portal folder, such as okrs/logo.svg"
    if path.stat().st_size > LARGEST:
        return f"is larger than {LARGEST // 1000:,} KB: use a smaller image"
    return None


def read_logo(root: Path, rel: str | None) -> bytes | None:
    """The logo's bytes, when there is one that passes the rules; else None (reported by validate)."""
    if rel is None or _reason(Path(root), rel) is not None:
        return None
    return (Path(root) / rel).read_bytes()

"""Reading a feed's answer from a file in the portal (DESIGN.md §3 "Feeds": a
csv/json feed's url may be a path relative to the portal root).

Only a path that stays inside the portal is read: a feed must not copy a file
of this machine into the portal's CSVs (and so into its site).
"""

from __future__ import annotations

from pathlib import Path

from site_builder.feeds import http
from site_builder.feeds.errors import FeedError


def read_local(root: Path, rel: str) -> bytes:
    """The bytes of the portal file ``rel`` names; FeedError if it leads outside
    the portal, is larger than an answer may be, or cannot be read."""
    if rel.startswith("/") or "\\" in rel or ".." in rel.split("/") or not rel.strip():
        raise FeedError(f"feed url '{rel}' must be a path relative to the portal root, inside it")
    base = root.resolve()
    path = (base / rel).resolve()
    if not path.is_relative_to(base):
        raise FeedError(f"feed url '{rel}' leads outside the portal")
    try:
        if path.stat().st_size > http.MAX_ANSWER_BYTES:
            raise FeedError(f"{rel} is larger than the limit of {http.MAX_ANSWER_BYTES:,} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise FeedError(f"cannot read {rel}: {exc.strerror or exc}") from None

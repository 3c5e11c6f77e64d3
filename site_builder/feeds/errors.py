"""FeedError: how every step of a feed says it failed (DESIGN.md §3 "Feeds").

One type for all of them, so that running a feed catches one thing and prints
one line naming the metric; it carries whether the failure may pass (see
feeds/retry.py), which only the step that saw it can tell.
"""

from __future__ import annotations


class FeedError(Exception):
    """Why one feed failed; the message is printed after 'metric <id>: '."""

    def __init__(self, message: str, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable  # a dropped connection or a 5xx may work a moment later

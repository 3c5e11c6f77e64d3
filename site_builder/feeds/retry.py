"""The retry policy of feeds that reach across a network: the one home of it.

How long one try may wait (TIMEOUT_SECONDS), how many more tries a failure that
may pass gets (RETRIES), the pause before each (BACKOFF_SECONDS, doubled each
time), and the one loop that applies them: http feeds (feeds/http.py) and sql
feeds' connections (feeds/sql.py) both go through `retried`. Which failures may
pass is the caller's to say (FeedError.retryable); a timeout never does, as a
slow source would only be slow again and a run must end in bounded time.

The constants are read when used, not when imported, so tests can lower them here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from site_builder.feeds.errors import FeedError

TIMEOUT_SECONDS = 30.0  # per network operation; tests lower it
# More tries after the first, on connection errors, answers cut short and HTTP 5xx:
# a connection dropped mid-answer (a proxy or server restarting) is as passing as
# one refused, and a cut answer is never written, so another try costs only time.
RETRIES = 2
BACKOFF_SECONDS = 1.0  # before the first retry; doubled before each next one

T = TypeVar("T")


def retried(try_once: Callable[[], T], give_up: Callable[[FeedError, int], FeedError]) -> T:
    """What ``try_once()`` returns, tried again after a pause while it raises a
    retryable FeedError and tries remain. When it fails for good, raises
    ``give_up(error, tries)`` (tries: how many were made, 1 when none was
    repeated); give_up may return the error itself, raised as it came."""
    for attempt in range(RETRIES + 1):
        try:
            return try_once()
        except FeedError as exc:
            if not exc.retryable or attempt == RETRIES:
                final = give_up(exc, attempt + 1)
                if final is exc:
                    raise
                raise final from None
        time.sleep(BACKOFF_SECONDS * 2 ** attempt)
    raise AssertionError("unreachable")  # pragma: no cover

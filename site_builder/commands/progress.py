"""A one-line progress display for long fetches and builds, on a terminal only.

In CI logs, pipes and files a redrawn line is noise (or worse, hundreds of
lines), so the display switches itself off there: when the stream is not a
terminal, when CI is set (every CI service sets it), or when TERM is dumb.
The commands' own output is never part of it: results still go where they
went, and the display clears itself before any of them is printed.
"""

from __future__ import annotations

import os
import sys
import threading
import time

REDRAW_SECONDS = 0.1  # at most ten redraws a second: a terminal is not a log


def wanted(stream) -> bool:
    """Whether a progress display belongs on ``stream``."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        return False
    if os.environ.get("TERM") == "dumb" or os.environ.get("OKR_PORTAL_PROGRESS") == "0":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """``with Progress(err) as p: p.show("fetch", done, total)``; ``p.print(line, out)``."""

    def __init__(self, stream=None, enabled: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = wanted(self.stream) if enabled is None else enabled
        self._shown = ""
        self._last = 0.0
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.stop_ticking()
        self.clear()

    def show(self, label: str, done: int | None = None, total: int | None = None, force: bool = False) -> None:
        """Redraw the line: 'label 12/500 (2%)' or just 'label', with the time so far."""
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < REDRAW_SECONDS and done != total:
            return
        self._last = now
        text = label
        if total:
            text += f" {done}/{total} ({100 * (done or 0) // total}%)"
        text += f" · {now - self._started:.0f} s"
        with self._lock:
            self._write("\r\x1b[2K" + text[: self._width()])
            self._shown = text

    def tick(self, label: str) -> None:
        """Keep redrawing ``label`` with the elapsed time, while something else runs."""
        self.stop_ticking()
        if not self.enabled:
            return
        self._stop.clear()

        def run():
            while not self._stop.wait(0.5):
                self.show(label, force=True)

        self.show(label, force=True)
        self._ticker = threading.Thread(target=run, daemon=True)
        self._ticker.start()

    def stop_ticking(self) -> None:
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._ticker = None

    def clear(self) -> None:
        if self.enabled and self._shown:
            with self._lock:
                self._write("\r\x1b[2K")
                self._shown = ""

    def print(self, line: str, file) -> None:
        """Print a result line without tearing the progress line."""
        shown = self._shown
        self.clear()
        print(line, file=file, flush=True)
        if shown and self.enabled:
            with self._lock:
                self._write(shown[: self._width()])
                self._shown = shown

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False

    def _width(self) -> int:
        """The terminal's width less one (a full line would wrap); 79 when it does not say."""
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            columns = 0
        return columns - 1 if columns > 20 else 79

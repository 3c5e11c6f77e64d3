"""One run at a time per portal for what writes shared files (DESIGN.md §3, §7).

Two builds in one portal share the generated docs tree and the staging folders
beside site/; two fetches read and rewrite the same CSVs. Each takes the
portal's lock for its kind of work: a second run waits for the first to finish
(saying so once), so site/ and the CSVs are only ever written by one run.

The lock is an advisory ``flock`` on a file under .okr-portal/locks/: the
kernel releases it when its process ends in any way, ``kill -9`` included, so a
killed run never leaves a portal locked.
"""

from __future__ import annotations

import errno
import os
import time
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; runs are not serialized there
    fcntl = None

LOCK_DIR = ".okr-portal/locks"
POLL_SECONDS = 0.2


class LockTimeout(Exception):
    """Another run held the lock for longer than the caller would wait."""


def lock_path(root: Path, name: str) -> Path:
    return Path(root) / LOCK_DIR / f"{name}.lock"


@contextmanager
def portal_lock(root: Path, name: str, waiting=None, timeout: float | None = None):
    """Hold the portal's ``name`` lock ("build", "fetch") for the block.

    ``waiting(message)`` is called once if another run holds it; then this waits
    (at most ``timeout`` seconds, when given: LockTimeout after that).
    """
    if fcntl is None:
        yield
        return
    path = lock_path(root, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
            if not told and waiting is not None:
                holder = _holder(fd)
                waiting(f"another okr-portal {name} is running in this portal"
                        + (f" (process {holder})" if holder else "") + "; waiting for it to finish")
                told = True
            if deadline is not None and time.monotonic() >= deadline:
                raise LockTimeout(f"another okr-portal {name} has been running in this portal for more "
                                  f"than {timeout:g} s")
            time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    """The process id the holder wrote, for the waiting message (best effort)."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""

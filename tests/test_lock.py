"""The portal lock: one build (or fetch) at a time, released however its holder ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from site_builder.lock import LockTimeout, lock_path, portal_lock

HOLD = """
import sys, time
from site_builder.lock import portal_lock
with portal_lock(sys.argv[1], "build"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(root, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(root), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_run_waits_for_the_first_and_says_so_once(tmp_path):
    holder = _holder(tmp_path, 1.0)
    said = []
    started = time.monotonic()
    with portal_lock(tmp_path, "build", waiting=said.append):
        waited = time.monotonic() - started
    holder.wait()
    assert waited >= 0.5
    assert len(said) == 1
    assert said[0] == (f"another okr-portal build is running in this portal (process {holder.pid}); "
                       "waiting for it to finish")


def test_a_killed_holder_leaves_the_portal_unlocked(tmp_path):
    holder = _holder(tmp_path, 60)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    said = []
    with portal_lock(tmp_path, "build", waiting=said.append, timeout=5):
        pass
    assert said == []
    assert lock_path(tmp_path, "build").exists()  # left in place: removing it would race a new holder


def test_a_timeout_ends_the_wait(tmp_path):
    holder = _holder(tmp_path, 30)
    try:
        with pytest.raises(LockTimeout, match="more than 0.5 s"):
            with portal_lock(tmp_path, "build", timeout=0.5):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_kinds_of_work_lock_apart(tmp_path):
    holder = _holder(tmp_path, 30)
    try:
        with portal_lock(tmp_path, "fetch", timeout=2):
            pass  # a fetch does not wait for a build
    finally:
        holder.kill()
        holder.wait()

"""The one way the package runs git: a command in a folder, bytes in and out.

Both sides that read git (the history of the OKR files, and ``okr-portal diff``)
go through ``run_git``, so a missing git, a wrong folder and a failing command
all arrive as one error type, ``GitError``, with a message fit for a user.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


class GitError(Exception):
    """git could not run, or ran and failed; ``str()`` is one plain line.

    ``returncode`` is None when git never ran (not installed, or the folder is not
    a directory); ``output`` is what a failing command wrote to stdout, for callers
    that still read it (a partial archive, say).
    """

    def __init__(self, message: str, returncode: int | None = None, output: bytes = b""):
        super().__init__(message)
        self.returncode = returncode
        self.output = output


def run_git(folder: Path, *args: str, input: bytes | None = None) -> bytes:
    """git's stdout for ``git ARGS`` run in ``folder``, or GitError (its stderr, stripped)."""
    try:
        result = subprocess.run(["git", *args], cwd=folder, input=input, capture_output=True)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    except NotADirectoryError:
        raise GitError(f"{folder} is not a directory") from None
    if result.returncode != 0:
        raise GitError(result.stderr.decode("utf-8", "replace").strip(), result.returncode, result.stdout)
    return result.stdout

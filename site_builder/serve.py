"""``okr-portal serve``: a live preview while staff edit okrs/.

The engine's own preview server (``mkdocs serve``) watches the generated docs
tree and reloads the browser; this loop watches okrs/ and regenerates the
tree when a file changes. Only changed pages are rewritten, so the engine
rebuilds only when something a reader would see changed. A portal with
problems keeps the last good preview and prints the problems.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from site_builder.engine import ENGINES
from site_builder.pipeline import WORK_DIR, BuildFailed, generate
from site_builder.problems import format_problem


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file under folder: cheap enough to poll twice a second."""
    out = {}
    for path in folder.rglob("*"):
        try:
            stat = path.stat()
        except OSError:
            continue
        if path.is_file():
            out[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return out


def _regenerate(root: Path, as_of: date | None, out) -> bool:
    try:
        generated = generate(root, as_of or date.today(), root / WORK_DIR / "preview")
    except BuildFailed as exc:
        for problem in exc.problems:
            print(format_problem(problem), file=out)
        print(f"okr-portal serve: {exc}; the preview shows the last good version", file=out)
        return False
    if generated.changed:
        print(f"okr-portal serve: {len(generated.changed)} file(s) changed", file=out, flush=True)
    return True


def serve(root: Path, as_of: date | None, address: str, engine: str = "mkdocs", poll: float = 0.5) -> int:
    root = Path(root)
    if not _regenerate(root, as_of, sys.stderr):
        return 1
    config = root / WORK_DIR / "mkdocs.yml"
    command = [sys.executable, "-m", ENGINES[engine], "serve", "--config-file", str(config),
               "--dev-addr", address, "--livereload"]
    server = subprocess.Popen(command)
    okrs = root / "okrs"
    seen = snapshot(okrs)
    try:
        while server.poll() is None:
            time.sleep(poll)
            now = snapshot(okrs)
            if now != seen:
                seen = now
                _regenerate(root, as_of, sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0

"""``okr-portal serve``: a live preview while staff edit okrs/.

The engine's own preview server (``mkdocs serve``) watches the generated docs
tree and reloads the browser; this loop watches okrs/ and regenerates the
tree when a file changes. Only changed pages are rewritten, so the engine
rebuilds only when something a reader would see changed. A portal with
problems keeps the last good preview and prints the problems.

One language is previewed at a time (the first, or the one asked for): each
language is its own site, and the engine's server serves one.
"""

from __future__ import annotations

import os
import signal
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


def _regenerate(root: Path, as_of: date | None, out):
    """The generated tree, or None (the problems printed) for a portal with problems."""
    try:
        generated = generate(root, as_of or date.today(), root / WORK_DIR / "preview")
    except BuildFailed as exc:
        for problem in exc.problems:
            print(format_problem(problem), file=out)
        print(f"okr-portal serve: {exc}; the preview shows the last good version", file=out)
        return None
    if generated.changed:
        print(f"okr-portal serve: {len(generated.changed)} file(s) changed", file=out, flush=True)
    return generated


def serve(root: Path, as_of: date | None, address: str, engine: str = "mkdocs", poll: float = 0.5,
          lang: str | None = None) -> int:
    root = Path(root)
    generated = _regenerate(root, as_of, sys.stderr)
    if generated is None:
        return 1
    languages = list(generated.configs)
    lang = lang or languages[0]
    if lang not in generated.configs:
        print(f"okr-portal serve: the portal has no language {lang!r}; okrs/portal.yml lists "
              f"{', '.join(languages)}", file=sys.stderr)
        return 2
    if len(languages) > 1:
        others = ", ".join(code for code in languages if code != lang)
        print(f"okr-portal serve: previewing {lang} (--lang {others} for the other languages; "
              f"the language switcher's links lead nowhere in a preview)", file=sys.stderr, flush=True)
    # Through run_engine, as a build: Chinese search needs its word list set up in the engine's process.
    command = [sys.executable, "-m", "site_builder.run_engine", ENGINES[engine], "serve", "--config-file",
               str(generated.configs[lang]), "--dev-addr", address, "--livereload"]
    server = subprocess.Popen(command, env={**os.environ, **generated.engine_envs[lang]})
    okrs = root / "okrs"
    seen = snapshot(okrs)
    # Stopped by a signal (a terminal closed, a process manager), stop the engine's server
    # too, as on Ctrl-C: otherwise it lives on, holding the port.
    previous = signal.signal(signal.SIGTERM, _interrupt)
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
        signal.signal(signal.SIGTERM, previous)
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt

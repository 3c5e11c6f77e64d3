"""``okr-portal serve``: a live preview while staff edit okrs/.

The engine's own preview server (``mkdocs serve``) watches the generated docs
tree and reloads the browser; this loop watches okrs/ and regenerates the
tree when a file changes: only what the change can alter is regenerated
(commands/preview.py), only changed pages are rewritten, and the engine's server
runs in its dirty mode, rebuilding only those (commands/preview_engine.py), so an
edit's page shows without waiting for the whole site (benchmarks/README.md has the
figures). A portal with problems keeps the last good preview and prints the problems.

The preview has a work folder of its own (.okr-portal/serve/), so a build
running beside it (a CI step, a staff member's `okr-portal build`) never writes
the tree the preview serves, nor the preview the build's. Two previews of one
portal share it and take turns regenerating it (the portal's "serve" lock).

One language is previewed at a time (the first, or the one asked for): each
language is its own site, and the engine's server serves one.

The engine's output is passed on, but a traceback is one line (its exception,
and where in the portal's files it happened), and when the engine's server
stops by itself serve says why in one line and exits 1.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

from site_builder.engine.runner import ENGINE_ENV, ENGINES, EngineLog
from site_builder.lock import portal_lock
from site_builder.commands.build import WORK_DIR, BuildFailed
from site_builder.commands.preview import Preview
from site_builder.commands.preview_engine import DIRTY_WARNING, Engine
from site_builder.problems import format_problem

PREVIEW_WORK = f"{WORK_DIR}/serve"  # the preview's docs tree and engine config, under the portal


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file under folder: cheap enough to poll four times a second."""
    out = {}
    for path in folder.rglob("*"):
        try:
            stat = path.stat()
        except OSError:
            continue
        if path.is_file():
            out[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return out


def _regenerate(preview: Preview, root: Path, changed: set[str] | None, out, first: bool = False):
    """The generated tree, or None (the problems printed) for a portal with problems."""
    try:
        with portal_lock(root, "serve"):
            generated = preview.regenerate(changed)
    except BuildFailed as exc:
        for problem in exc.problems:
            print(format_problem(problem), file=out)
        print(f"okr-portal serve: {exc}; the preview shows the last good version", file=out)
        return None
    if generated.changed and not first:
        print(f"okr-portal serve: {len(generated.changed)} file(s) changed", file=out, flush=True)
    return generated


def _changed(before: dict, now: dict, root: Path) -> set[str]:
    """The files (portal paths) added, removed or changed between two snapshots."""
    return {Path(path).relative_to(root).as_posix() for path in before.keys() | now.keys()
            if before.get(path) != now.get(path)}


def address_problem(address: str) -> str | None:
    """Why the preview cannot listen at HOST:PORT, in one line, or None when it can (now)."""
    host, sep, port_text = address.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        return f"--dev-addr {address!r} is not HOST:PORT (for example 127.0.0.1:8000)"
    port = int(port_text)
    try:
        family = socket.AF_INET6 if isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address) else socket.AF_INET
    except ValueError:  # a name, such as localhost
        family = socket.AF_INET
    # Bound as the engine's server binds (mkdocs' LiveReloadServer, an HTTPServer): an old
    # connection waiting to close does not hold the port.
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except socket.gaierror:
            return f"{host} in --dev-addr is not a name or address of this machine; " \
                   f"choose another with --dev-addr HOST:PORT"
        except OSError as exc:
            return _bind_problem(exc.errno, host, port)
    return None


def _bind_problem(code: int | None, host: str, port: int) -> str:
    if code == errno.EADDRINUSE:
        return (f"port {port} on {host} is already in use; stop the other server or choose another with "
                f"--dev-addr HOST:PORT")
    if code == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine; choose another with --dev-addr HOST:PORT"
    if code == errno.EACCES:
        return f"port {port} on {host} needs special rights; choose a port above 1023 with --dev-addr HOST:PORT"
    return f"cannot listen on {host}:{port} ({os.strerror(code) if code else 'unknown error'}); " \
           f"choose another with --dev-addr HOST:PORT"


def serve(root: Path, as_of: date | None, address: str, engine: str = "mkdocs", poll: float = 0.25,
          lang: str | None = None) -> int:
    root = Path(root)
    problem = address_problem(address)
    if problem:  # before anything else: the engine would build the whole site before finding out
        print(f"okr-portal serve: {problem}", file=sys.stderr)
        return 1
    preview = Preview(root, root / PREVIEW_WORK, as_of, lang)  # between its passes, see below
    generated = _regenerate(preview, root, None, sys.stderr, first=True)
    if generated is None:
        return 1
    languages = list(generated.checked.portal.settings.languages)
    lang = lang or languages[0]
    if lang not in generated.configs:
        print(f"okr-portal serve: the portal has no language {lang!r}; okrs/portal.yml lists "
              f"{', '.join(languages)}", file=sys.stderr)
        return 2
    engine_site = Engine(root / PREVIEW_WORK, generated.configs[lang])
    preview.written = engine_site.place_static  # the downloads and images beside the pages (render.write)
    if len(languages) > 1:
        others = ", ".join(code for code in languages if code != lang)
        print(f"okr-portal serve: previewing {lang} (--lang {others} for the other languages; "
              f"the language switcher's links lead nowhere in a preview)", file=sys.stderr, flush=True)
    # Through run_engine, as a build: Chinese search needs its word list set up in the engine's process.
    # --watch-theme: an edit to the portal's theme/ shows at once, as one to okrs/ does (every page
    # is rebuilt then: see Engine.rebuild_all). --dirty: only the pages the generator rewrote.
    command = [sys.executable, "-m", "site_builder.engine.run_engine", ENGINES[engine], "serve", "--config-file",
               str(engine_site.engine_config), "--dev-addr", address, "--livereload", "--watch-theme", "--dirty"]
    # stdout stays the terminal's (the engine colours and wraps its log for it); its log
    # and tracebacks go to stderr, read here.
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, errors="replace",
                              env={**os.environ, **ENGINE_ENV, **generated.engine_envs[lang], **engine_site.env})
    log = EngineLog(root)
    reader = threading.Thread(target=_pass_on, args=(server.stderr, log, sys.stderr, engine_site.log_line),
                              daemon=True)
    reader.start()
    okrs, theme = root / "okrs", root / "theme"
    seen, seen_theme = snapshot(okrs), snapshot(theme) if theme.is_dir() else {}
    stopped = False
    # Stopped by a signal (a terminal closed, a process manager), stop the engine's server
    # too, as on Ctrl-C: otherwise it lives on, holding the port.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        while server.poll() is None:
            time.sleep(poll)
            if not engine_site.placed:
                engine_site.place_static()
            now = snapshot(okrs)
            if now != seen:
                changed, seen = _changed(seen, now, root), now
                engine_site.wait_idle()
                begun = engine_site.begun  # the edited pages served before the rest is written:
                preview.between = lambda: engine_site.wait_rebuilt(begun)
                if _regenerate(preview, root, changed, sys.stderr) is not None:
                    engine_site.after(preview.removed)
            now = snapshot(theme) if theme.is_dir() else {}
            if now != seen_theme:
                seen_theme = now
                engine_site.rebuild_all()
    except KeyboardInterrupt:
        stopped = True
    finally:
        signal.signal(signal.SIGTERM, previous)
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        reader.join(timeout=5)
    if stopped or server.returncode == 0:
        return 0
    print(f"okr-portal serve: {_why(log, engine, server.returncode, address)}", file=sys.stderr)
    return 1


def _pass_on(stream, log: EngineLog, out, seen=lambda line: None) -> None:
    """The engine's stderr to ours, with each traceback made one line (see EngineLog), without
    the engine's warning that a dirty build may show stale navigation (see Engine)."""
    dropping = False
    for line in stream:
        seen(line)
        dropping = DIRTY_WARNING in line or (dropping and line.startswith(" "))
        if dropping:
            continue
        for kind, text in log.feed(line):
            print(f"okr-portal serve: {text}" if kind == "failure" else text, file=out, flush=True)
    stream.close()


def _why(log: EngineLog, engine: str, status: int, address: str) -> str:
    """Why the engine's server stopped by itself, in one line."""
    reason = log.exception
    if reason and ("Address already in use" in reason or f"[Errno {errno.EADDRINUSE}]" in reason):
        host, _, port = address.rpartition(":")  # taken since serve looked
        return _bind_problem(errno.EADDRINUSE, host.strip("[]"), int(port))
    if not reason and log.errors:  # its ERROR lines were passed on as it printed them
        return f"the {engine} preview server stopped after the error above"
    return f"the {engine} preview server stopped: {reason or log.other or f'it exited with status {status}'}"


def _interrupt(signum, frame):
    raise KeyboardInterrupt

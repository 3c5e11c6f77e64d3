"""A throwaway PostgreSQL server for the sql feed tests.

initdb's a cluster in a temporary folder, starts it on 127.0.0.1 with a free
port (and its unix socket in the same folder), and stops it and removes the
folder at the end. The binaries are Debian's (/usr/lib/postgresql/*/bin, which
.ci/run installs) or the first initdb on PATH. PostgreSQL refuses to run as
root: as root, the server runs as the `postgres` system user the Debian
package creates.

Host connections need a password (scram-sha-256); the superuser connects
through the unix socket without one, to set up roles and data.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import urllib.parse
from pathlib import Path


class Unavailable(Exception):
    """The server could not be started; the message says why."""


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise Unavailable("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb, no initdb on PATH); "
                      ".ci/run installs Debian's postgresql")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    SUPERUSER = "postgres"

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.base: Path | None = None
        self.port = 0
        self._as: dict = {}
        self._started = False

    # --- life cycle ----------------------------------------------------------------

    def start(self) -> "PgServer":
        self.base = Path(tempfile.mkdtemp(prefix="okr-pg-"))
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no 'postgres' system user to run the server as") \
                    from None
            os.chown(self.base, user.pw_uid, user.pw_gid)
            self._as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        os.chmod(self.base, 0o700)
        data = self.base / "data"
        self._run([self.bindir / "initdb", "-D", data, "-U", self.SUPERUSER, "-E", "UTF8", "--locale=C",
                   "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"], "initdb")
        for attempt in range(3):  # a free port may be taken between choosing it and binding it
            self.port = _free_port()
            options = " ".join([
                "-c listen_addresses=127.0.0.1", f"-c port={self.port}",
                f"-c unix_socket_directories={self.base}", "-c fsync=off", "-c synchronous_commit=off",
                "-c full_page_writes=off", "-c max_connections=40", "-c shared_buffers=16MB",
                "-c log_min_messages=warning", "-c logging_collector=off"])
            try:
                self._run([self.bindir / "pg_ctl", "-D", data, "-o", options, "-l", self.base / "server.log",
                           "-w", "-t", "30", "start"], "pg_ctl start")
                self._started = True
                break
            except Unavailable:
                if attempt == 2:
                    raise
        return self

    def stop(self) -> None:
        if self.base is None:
            return
        if self._started:
            try:
                self._run([self.bindir / "pg_ctl", "-D", self.base / "data", "-m", "immediate", "-w", "stop"],
                          "pg_ctl stop")
            except Unavailable:
                pass
            self._started = False
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = None

    def _run(self, argv: list, what: str) -> None:
        proc = subprocess.run([str(a) for a in argv], cwd=self.base, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=120, **self._as)
        if proc.returncode != 0:
            log = ""
            if self.base is not None and (self.base / "server.log").exists():
                log = (self.base / "server.log").read_text(errors="replace")[-2000:]
            raise Unavailable(f"{what} failed (exit {proc.returncode}): {(proc.stdout + proc.stderr).strip()[-2000:]}"
                              + (f"\nserver log:\n{log}" if log else ""))

    # --- using it --------------------------------------------------------------------

    def execute(self, sql: str, dbname: str = "postgres") -> None:
        """Run SQL as the superuser, through the unix socket, in autocommit."""
        import psycopg
        with psycopg.connect(host=str(self.base), port=self.port, user=self.SUPERUSER, dbname=dbname,
                             autocommit=True) as conn:
            conn.execute(sql)

    def url(self, user: str, password: str, dbname: str, host: str = "127.0.0.1", port: int | None = None,
            driver: str = "postgresql+psycopg") -> str:
        quoted = urllib.parse.quote(password, safe="")
        return f"{driver}://{user}:{quoted}@{host}:{self.port if port is None else port}/{dbname}"


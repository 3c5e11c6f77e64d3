"""The demo site, built and served on 127.0.0.1, and how to start the Debian Chromium.

Used by tests/test_a11y.py (Playwright + axe-core) and tests/browser/audit.py
(`make audit`, Lighthouse 12). Nothing here leaves the machine: the site is served
from a local folder and Chromium is started with its background networking off.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import mimetypes
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

REPO = Path(__file__).resolve().parents[2]
BROWSER_DIR = Path(__file__).resolve().parent
NODE_MODULES = BROWSER_DIR / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
LIGHTHOUSE_CLI = NODE_MODULES / "lighthouse" / "cli" / "index.js"

#: Debian's Chromium (browsers cannot be downloaded here: no `playwright install`).
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
#: Root, no GPU, a closed network: background services would only make refused connections.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

AS_OF = "2026-06-30"

#: One page of every kind, as paths relative to a language's root (the demo portal's).
PAGE_KINDS = {
    "home": "",
    "objective": "objectives/veteran-access/",
    "metric": "metrics/wait-new-primary-care/",  # groups by clinic, as small multiples and a table
    "map": "metrics/clinic-within-45-minutes/",  # groups by county, with a map; flags
    "derived": "metrics/serious-safety-events/",  # a formula of two metrics
    "break": "metrics/ed-door-to-provider/",  # a method break: two lines
    "period": "periods/cy2025/",
    "owners": "owners/",
    "tag": "tags/veterans/",
    "changes": "changes/",
    "units": "units/",
    "unit": "units/veterans-care-network/",
    "alignment": "alignment/cy2026/",
    "indicators": "indicators/",
    "data-status": "data/status/",
    "search": "?q=veteran",
}

#: Files a browser is sent compressed by any real static host (and by StaticServer).
COMPRESSIBLE = {"text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                "image/svg+xml", "application/xml", "text/xml", "application/atom+xml", "text/plain", "text/csv"}


def languages(root: Path = REPO) -> list[str]:
    """The portal's languages, the default first (okrs/portal.yml's `languages`)."""
    data = yaml.safe_load((root / "okrs" / "portal.yml").read_text("utf-8")) or {}
    return list(data.get("languages") or ["en"])


def language_prefix(root: Path, lang: str) -> str:
    """Where a language's pages are: the site root for the default, else <lang>/."""
    return "" if lang == languages(root)[0] else f"{lang}/"


def build_demo(dest: Path, as_of: str = AS_OF, base_url: str | None = None) -> Path:
    """Copy the demo portal (okrs/, mkdocs.yml, theme/) to dest, build it; returns dest/site.

    With base_url, the copy's okrs/portal.yml says the site lives there: a site is
    served from its base_url, and the absolute addresses in its pages (canonical,
    hreflang alternates, whose sitemaps Material's language switcher fetches) then
    name the local server, as they name the real host in production."""
    from site_builder.commands.cli import main

    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "okrs", dest / "okrs", dirs_exist_ok=True)
    if base_url:
        portal_yml = dest / "okrs" / "portal.yml"
        text, n = re.subn(r"(?m)^base_url:.*$", f"base_url: {base_url}", portal_yml.read_text("utf-8"))
        portal_yml.write_text(text if n else f"{text.rstrip()}\nbase_url: {base_url}\n", "utf-8")
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "theme", dest / "theme", dirs_exist_ok=True)
    code = main(["-C", str(dest), "build", "--as-of", as_of])
    if code != 0:
        raise RuntimeError(f"okr-portal build failed with exit status {code}")
    return dest / "site"


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass

    def do_GET(self):
        path = self.translate_path(self.path)
        url_path = unquote(urlsplit(self.path).path)
        if os.path.isdir(path) and url_path.endswith("/"):
            path = os.path.join(path, "index.html")
        if not os.path.isfile(path):
            return super().do_GET()  # redirects (folder without slash) and 404s
        ctype = self.guess_type(path)
        with open(path, "rb") as f:
            body = f.read()
        raw = len(body)
        compress = (self.server.compress and ctype.split(";")[0] in COMPRESSIBLE
                    and "gzip" in self.headers.get("Accept-Encoding", ""))
        if compress:
            body = self.server.gzipped(path, body)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if compress:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        self.wfile.write(body)
        self.server.sizes[url_path] = (raw, len(body))


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, directory: Path, compress: bool):
        super().__init__(("127.0.0.1", 0), functools.partial(_Handler, directory=str(directory)))
        self.compress = compress
        self.sizes: dict[str, tuple[int, int]] = {}  # URL path -> (bytes of the file, bytes sent)
        self._gz: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def gzipped(self, path: str, body: bytes) -> bytes:
        with self._lock:
            if path not in self._gz:
                self._gz[path] = gzip.compress(body, compresslevel=6, mtime=0)
            return self._gz[path]


class StaticServer:
    """The built site over HTTP on 127.0.0.1 (gzip for text, like a real static host).
    The address is fixed from the start, so the site can be built for it."""

    def __init__(self, site: Path, compress: bool = True):
        mimetypes.add_type("text/javascript", ".js")
        self._server = _Server(Path(site), compress)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/"

    @property
    def sizes(self) -> dict[str, tuple[int, int]]:
        return self._server.sizes

    def __enter__(self) -> "StaticServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

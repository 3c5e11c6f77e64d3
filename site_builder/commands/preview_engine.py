"""The engine's side of the live preview: ``mkdocs serve --dirty``, kept right.

In its dirty mode the engine's server rebuilds only the pages whose docs file is newer
than the page it built: on a large portal, an edit's few pages in about a second rather
than the whole site. Dirty mode alone would go wrong in three ways, each handled here:

- a page whose docs file is unchanged keeps the navigation it was built with, so when the
  engine's config changes (an index page that comes or goes changes the navigation), or
  the portal's theme/, every docs page is touched and so rebuilt (``rebuild_all``);
- a page whose docs file was removed would stay in the site: the engine builds into a
  temporary folder, made here in a folder of the preview's own (TMPDIR), so the pages of
  the removed files are removed there too (``after``);
- the engine's config is a copy of the generated one, rewritten only when that changes
  (the generator rewrites its own on every regeneration, which would start a rebuild);
- a docs file rewritten while the engine rebuilds may be found changed when its page is
  built but not when the pages were read, and fail that rebuild: serve writes only while
  the engine is idle (``wait_idle``, ``wait_rebuilt``), as the engine's log tells.

The generator's files other than pages are not in the docs tree the engine watches
(render.write): they are placed into the engine's site here, all of them once it has made
its folder (``place_static``), then those each regeneration wrote.

And the theme's templates, which the engine compiles again for every rebuild, are compiled
once (commands/preview_templates).

The engine's warning about dirty builds is not passed on (serve._pass_on): these are.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

from site_builder.commands import preview_templates
from site_builder.engine import static_files
from site_builder.render.urls import page_url
from site_builder.render.write import static_of

DIRTY_WARNING = "A 'dirty' build is being performed"  # the engine's own words, left out
_STARTED = "Detected file changes"  # the engine's server begins a rebuild...
_ENDED = ("Reloading browsers", "An error happened during the rebuild")  # ... and is done with it


class Engine:
    """What serve does around the engine's server for one language's config."""

    def __init__(self, work: Path, config_file: Path):
        self.config_file = Path(config_file)
        self.engine_config = self.config_file.with_name("engine.yml")  # what the engine's server reads
        self.tmp = Path(work) / "engine"
        shutil.rmtree(self.tmp, ignore_errors=True)  # a folder an earlier preview left
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.env = {"TMPDIR": str(self.tmp)}
        self._config = ""
        self._config = self._own_hook()
        self._rebuilds = [0, 0]  # begun, ended
        self.placed = False  # the static tree put into the engine's site folder yet
        self._changed = threading.Condition()

    def log_line(self, line: str) -> None:
        """Each line of the engine's log (serve's reader thread): when it rebuilds."""
        which = 0 if _STARTED in line else 1 if any(end in line for end in _ENDED) else None
        if which is not None:
            with self._changed:
                self._rebuilds[which] += 1
                self._changed.notify_all()

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Until the engine is not rebuilding (or ``timeout`` seconds passed)."""
        with self._changed:
            self._changed.wait_for(lambda: self._rebuilds[1] >= self._rebuilds[0], timeout)

    def wait_rebuilt(self, begun: int, timeout: float = 60.0) -> None:
        """Until a rebuild after the first ``begun`` ones has ended: the engine saw what was just
        written (it starts within a fraction of a second of a change, or not at all)."""
        with self._changed:
            if self._changed.wait_for(lambda: self._rebuilds[0] > begun, 2.0):
                self._changed.wait_for(lambda: self._rebuilds[1] >= self._rebuilds[0], timeout)

    @property
    def begun(self) -> int:
        return self._rebuilds[0]

    def after(self, removed: list[str]) -> None:
        """After a regeneration: the config's hook ours again, every page rebuilt if the
        config changed, the pages of removed docs files removed from the site."""
        config = self._own_hook()
        if config != self._config:
            self._config = config
            self.rebuild_all()
        site = self._site()
        if site is None:
            return
        for rel in removed:
            built = site / (page_url(rel) + "index.html" if rel.endswith(".md") else rel)
            try:
                built.unlink()
            except OSError:
                pass

    def place_static(self, rels: list[str] | None = None) -> None:
        """The static tree's files ``rels`` into the engine's site (all of them, the first time
        its folder is there; before, nothing: they go with all of them)."""
        site, docs = self._site(), self._docs()
        if site is None or docs is None:
            return
        try:
            if not self.placed:
                static_files.place_all(static_of(docs), site)
                self.placed = True
            elif rels:
                static_files.place(static_of(docs), site, rels)
        except OSError:  # the engine's server is stopping (its folder removed): it serves nothing more
            pass

    def rebuild_all(self) -> None:
        """Every docs page newer than what the engine built from it, so it builds them all."""
        docs = self._docs()
        if docs is None:
            return
        for folder, _, names in os.walk(docs):
            for name in names:
                if name.endswith(".md"):
                    try:
                        os.utime(os.path.join(folder, name))
                    except OSError:
                        pass

    def _own_hook(self) -> str:
        """The engine's own copy of the generated config (``engine_config``), with preview_templates
        added to its hooks, written only when it changes (the engine watches it); its text.
        The generator rewrites its config on every regeneration: the engine does not watch that."""
        try:
            config = json.loads(self.config_file.read_text("utf-8"))
        except (OSError, ValueError):
            return self._config
        templates = str(Path(preview_templates.__file__).resolve())
        if isinstance(config.get("hooks"), list):  # ours: a portal's own hooks are not in this list
            config["hooks"] = config["hooks"] + [templates]
        text = json.dumps(config, indent=2, ensure_ascii=False) + "\n"
        try:
            unchanged = self.engine_config.read_text("utf-8") == text
        except OSError:
            unchanged = False
        if not unchanged:
            tmp = self.engine_config.with_name(self.engine_config.name + ".tmp")
            tmp.write_text(text, "utf-8")
            os.replace(tmp, self.engine_config)
        return text

    def _docs(self) -> Path | None:
        try:
            return Path(json.loads(self.engine_config.read_text("utf-8"))["docs_dir"])
        except (OSError, ValueError, KeyError):
            return None

    def _site(self) -> Path | None:
        """The engine server's temporary site folder (mkdocs serve makes it with mkdtemp)."""
        made = sorted(self.tmp.glob("mkdocs_*"), key=lambda path: path.stat().st_mtime)
        return made[-1] if made else None

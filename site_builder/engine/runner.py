"""Stage 5: run the site engine on the generated docs tree (DESIGN.md §7).

The generator writes an ordinary MkDocs docs tree; this module writes the
engine's configuration beside it and runs ``mkdocs build`` in a separate
process, so any engine that reads mkdocs.yml can take its place. The new site
is built into a temporary folder and only replaces site/ once it is complete.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

from site_builder.render.formats import language_name
from site_builder.render.messages import messages
from site_builder.model import Settings
from site_builder.render.markup import to_plain
from site_builder.render import urls
from site_builder.render.cards import logo_doc
from site_builder.engine import fill, search_index, search_preview, static_files
from site_builder.render.write import static_of

# Engines that read mkdocs.yml and Material's theme: the Python module each runs as.
ENGINES = {"mkdocs": "mkdocs", "properdocs": "properdocs"}
_INSTALL = {"properdocs": "pip install 'okr-portal[properdocs]'"}


class EngineError(Exception):
    """The engine failed: ``errors`` are its ERROR lines, ``reason`` why it stopped (one line each)."""

    def __init__(self, reason: str, errors: list[str] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.errors = errors or []


def defaults_dir() -> Path:
    """The mkdocs.yml and theme/ shipped in the package, used when a portal has none."""
    return Path(str(resources.files("site_builder") / "defaults"))


def engine_config(root: Path, settings: Settings, docs_dir: Path, site_dir: Path, lang: str | None = None,
                  organization: tuple[str, ...] = (), data_quality: tuple[str, ...] = (),
                  accountability: tuple[str, ...] = ()) -> dict:
    """The configuration the engine runs with: the portal's mkdocs.yml (or ours), plus
    what okr-portal decides itself: where the docs and the site are, the navigation,
    and the language (each language is a site of its own, the others under /<lang>/).
    ``organization``: which of the unit and alignment trees' index pages the docs have
    (schema 2), to put in the navigation after the dashboard; ``data_quality``: which of the
    key indicators and data status pages they have (schema 2), to put after the metrics;
    ``accountability``: whether they have the list of explanations overdue (schema 2), to
    put after those."""
    root = root.resolve()
    own_config = root / "mkdocs.yml"
    base_config = own_config if own_config.is_file() else defaults_dir() / "mkdocs.yml"
    theme_dir = root / "theme" if (root / "theme").is_dir() else defaults_dir() / "theme"
    lang = lang or settings.default_language
    msg = messages(lang, settings.locale.get(lang))  # the navigation in the portal's own words too
    config = {
        "INHERIT": str(base_config.resolve()),
        # MkDocs themes print site_name without escaping it, in text and in
        # attributes: it is escaped here, quotes included.
        "site_name": html.escape(to_plain(settings.title.get(lang, lang)), quote=True),
        "docs_dir": str(docs_dir.resolve()),
        "site_dir": str(site_dir.resolve()),
        "use_directory_urls": True,
        "theme": {"name": "material", "custom_dir": str(theme_dir.resolve()), "language": _material_language(lang),
                  # the portal's logo (okrs/portal.yml `logo`), else okr-portal's mark, never Material's
                  "logo": logo_doc(settings), "favicon": logo_doc(settings)},
        # Only the indexes are in the navigation: Material renders the whole nav
        # into every page, so detail pages there would make every page grow.
        "nav": [
            {msg["nav.home"]: "index.md"},
            {msg["periods"]: "periods/index.md"},
            {msg["metrics"]: "metrics/index.md"},
            {msg["owners"]: "owners/index.md"},
            {msg["tags"]: "tags/index.md"},
            {msg["changes"]: "changes/index.md"},
            {msg["open_data"]: "data/index.md"},
        ],
        "not_in_nav": "/objectives/\n/periods/*/\n/periods/*.md\n/metrics/*.md\n/owners/*\n/tags/*\n/changes/*\n/data/*\n/units/\n/alignment/\n",
    }
    config.update(search_preview.hook_config(base_config))  # the preview's search index (a build adds it itself)
    titles = {urls.UNITS_DOC: msg["units"], urls.ALIGNMENT_DOC: msg["alignment_trees"]}
    config["nav"][1:1] = [{titles[doc]: doc} for doc in organization]
    titles = {urls.INDICATORS_DOC: msg["key_indicators"], urls.DATA_STATUS_DOC: msg["data_status"]}
    after_metrics = config["nav"].index({msg["metrics"]: "metrics/index.md"}) + 1
    config["nav"][after_metrics:after_metrics] = [{titles[doc]: doc} for doc in data_quality]
    if urls.INDICATORS_DOC in data_quality:  # its further pages, as the other indexes' (data/ is there)
        config["not_in_nav"] += "/indicators/\n"
    if urls.EXPLANATIONS_DOC in accountability:  # [2] after the data-quality pages, its further pages out
        config["nav"][after_metrics + len(data_quality):after_metrics + len(data_quality)] = [
            {msg["explanations"]: urls.EXPLANATIONS_DOC}]
        config["not_in_nav"] += "/accountability/\n"
    if settings.base_url:
        config["site_url"] = settings.base_url.rstrip("/") + "/" + language_path(settings, lang)
    # The theme declares the page's language with the portal's own code (theme/partials/language.html).
    config["extra"] = {"okr_language": lang}
    if len(settings.languages) > 1:
        config["extra"]["alternate"] = alternates(settings, lang)
    return config


def language_path(settings: Settings, lang: str) -> str:
    """Where a language's site lives, relative to the root site: '' or 'zh-TW/'."""
    return "" if lang == settings.default_language else f"{lang}/"


def alternates(settings: Settings, lang: str) -> list[dict]:
    """Material's language switcher, one entry per language.

    ``link`` is relative to the root of *this* language's site, so the theme can
    point at the same page in the other language (Material itself links to the
    other site's home); ``url`` is absolute when the portal has a base_url, as
    hreflang links should be.
    """
    up = "" if lang == settings.default_language else "../"
    out = []
    for other in settings.languages:
        entry = {"name": language_name(other), "lang": other, "link": up + language_path(settings, other)}
        if settings.base_url:
            entry["url"] = settings.base_url.rstrip("/") + "/" + language_path(settings, other)
        out.append(entry)
    return out


def _material_language(lang: str) -> str:
    """Material's own name for a language's translation (zh-TW, pt-BR, de), else English."""
    try:
        import material

        available = {f.stem for f in (Path(material.__file__).parent / "templates/partials/languages").glob("*.html")}
    except ImportError:  # another engine: it reads theme.language its own way
        return lang
    for candidate in (lang, lang.lower(), lang.split("-")[0].lower()):
        if candidate in available:
            return candidate
    return "en"


def write_config(config: dict, path: Path) -> Path:
    """JSON is YAML: every value is quoted safely, whatever the portal's title holds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _command(config_file: Path, engine: str) -> list[str]:
    return [sys.executable, "-m", "site_builder.engine.run_engine", ENGINES[engine], "build", "--config-file",
            str(config_file)]


# Material for MkDocs prints a banner (its end of life, MkDocs 2, ProperDocs) when it is
# imported by `mkdocs build` or `mkdocs serve`; it is not the portal's concern, nor its
# staff's. Every engine process okr-portal starts gets these.
ENGINE_ENV = {"PYTHONWARNINGS": "ignore", "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


def run_engines(config_files: list[Path], engine: str = "mkdocs", envs: list[dict] | None = None,
                root: Path | None = None) -> str:
    """Run one ``<engine> build`` per config at the same time (one per language),
    each with its own extra environment variables (``envs``, in the same order).

    Returns their warnings; raises EngineError when any failed, once all ended,
    with the engine's ERROR lines and one line on why it stopped (a traceback is
    reduced to its exception and the place in the portal's files, under ``root``).
    """
    if importlib.util.find_spec(ENGINES[engine]) is None:
        raise EngineError(f"the {engine} engine is not installed; {_INSTALL.get(engine, f'pip install {engine}')}")
    env = {**os.environ, **ENGINE_ENV}
    envs = envs or [{}] * len(config_files)
    running = [subprocess.Popen(_command(c, engine), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, env={**env, **extra}) for c, extra in zip(config_files, envs)]
    indexing = search_index.start(config_files, envs)  # the generated pages' search entries, meanwhile
    outputs = [(process, process.communicate()[0]) for process in running]
    failed = [(process, output) for process, output in outputs if process.returncode != 0]
    if failed:  # the languages share a config, so they often fail alike: say it once
        errors, reasons = {}, {}
        for process, output in failed:
            log = EngineLog(root)
            for _ in log.read(output.splitlines()):
                pass
            errors.update(dict.fromkeys(log.errors))
            reasons[log.reason() or f"{engine} exited with status {process.returncode}"] = None
        raise EngineError("; ".join(reasons), list(errors))
    indexing.merge(EngineError)  # into each language's search index, before the new site replaces the old one
    fill.fill_sites(config_files, EngineError)  # the charts and tables back in (render.deferred), there too
    place_static(config_files, EngineError)  # and the files other than pages (render.write), last
    return "\n".join(line for _, output in outputs for line in _plain(output).splitlines()
                     if line.startswith(("WARNING", "ERROR")))


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_LOG_LINE = re.compile(r"(DEBUG|INFO|WARNING|ERROR|CRITICAL)\s*-\s+(.*)")
_FRAME = re.compile(r'\s*File "(.+)", line (\d+)')
_CHAINED = ("During handling of the above exception", "The above exception was the direct cause")


def _plain(text: str) -> str:
    return _ANSI.sub("", text)


class EngineLog:
    """What an engine prints, read line by line, in words a portal's staff can use.

    ``read(lines)`` yields ``(kind, line)`` for each line worth showing: ``"log"``
    for the engine's log lines (and the lines they wrap onto), as printed, and
    ``"failure"`` for a traceback, reduced to one line: the exception, and where in
    the portal's own files (a theme override, its mkdocs.yml) it happened. A
    traceback the output ends with is not yielded: it is why the engine stopped,
    ``reason()``. ``errors`` collects the ERROR lines, one line each.
    """

    def __init__(self, root: Path | None = None):
        self.root = Path(root).resolve() if root is not None else None
        self.errors: list[str] = []
        self.exception: str | None = None  # the last traceback's reason
        self.other: str | None = None  # the last line that was neither log nor traceback
        self._frames: list[str] = []
        self._state = "log"  # "log", "traceback" (inside one), "after" (just ended: a chain may follow)
        self._last_error: int | None = None  # index in errors of the ERROR line being continued

    def read(self, lines):
        for raw in lines:
            yield from self.feed(raw)

    def feed(self, raw: str):
        line = _plain(raw.rstrip("\n"))
        if line.startswith("Traceback (most recent call last):"):
            if self._state != "after":
                self._frames = []
            self._state = "traceback"
            return
        if self._state == "traceback":
            if not line.strip() or line[0].isspace() or line.startswith(_CHAINED):
                frame = _FRAME.match(line)
                if frame:
                    self._frames.append(self._where(frame.group(1), frame.group(2)))
                return
            self.exception = self._reason(line)
            self._state = "after"
            return
        if self._state == "after" and (not line.strip() or line.startswith(_CHAINED)):
            return
        if self._state == "after":  # the traceback is over, and the engine goes on: say what it was
            self._state = "log"
            self._frames = []
            yield "failure", self.exception
        logged = _LOG_LINE.match(line)
        if logged:
            self._last_error = None
            if logged.group(1) in ("ERROR", "CRITICAL"):
                self.errors.append(f"{logged.group(1)} - {logged.group(2).strip()}")
                self._last_error = len(self.errors) - 1
            yield "log", raw.rstrip("\n")
        elif line.startswith(" ") and self._last_error is not None:  # a wrapped ERROR line
            self.errors[self._last_error] += " " + line.strip()
            yield "log", raw.rstrip("\n")
        elif line.strip():
            self.other = line.strip()
            yield "log", raw.rstrip("\n")

    def reason(self) -> str | None:
        """Why the engine stopped: its last traceback, else its last line that was no log line."""
        return self.exception or self.other

    def _where(self, path: str, line: str) -> str | None:
        """A traceback frame as ``path:line`` when it is one of the portal's files, else None."""
        if self.root is None or path.startswith("<"):
            return None
        try:
            rel = Path(path).resolve().relative_to(self.root)
        except (ValueError, OSError):
            return None
        return f"{rel.as_posix()}:{line}"

    def _reason(self, exception: str) -> str:
        """'theme/main.html:2: TemplateSyntaxError: unexpected ...' from the exception line and frames."""
        name, sep, message = exception.partition(": ")
        name = name.rsplit(".", 1)[-1] if " " not in name else name
        text = f"{name}: {message.strip()}" if sep else exception.strip()
        where = next((frame for frame in reversed(self._frames) if frame), None)
        return f"{where}: {text}" if where else text


def place_static(config_files: list[Path], failure=EngineError) -> None:
    """Each language's static tree (beside its docs folder) into the site its engine built."""
    for config_file in config_files:
        config = json.loads(Path(config_file).read_text("utf-8"))
        try:
            static_files.place_all(static_of(config["docs_dir"]), config["site_dir"])
        except OSError as exc:  # a full disk, say: the old site stays as it was
            raise failure(f"could not copy the downloads and images into {config['site_dir']}: {exc.strerror}") from None


def replace_site(new_site: Path, site_dir: Path) -> None:
    """Put a complete new site where the old one was.

    Two renames on one file system: the old site stays whole until the new one
    is complete, and site/ is missing only between the two renames.
    """
    old = site_dir.with_name(f".{site_dir.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if site_dir.exists():
        site_dir.rename(old)
    new_site.rename(site_dir)
    if old.exists():
        shutil.rmtree(old)

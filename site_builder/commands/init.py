"""``okr-portal init DIR``: a minimal valid portal, ready for GitHub.

The files come from ``site_builder/scaffold/`` (package data), plus copies of the
packaged ``mkdocs.yml`` and ``theme/`` (``site_builder/defaults/``). In the
templates, ``@YEAR@`` and ``@PERIOD@`` become the current year and its period id
(in file names too), ``@REQUIREMENT@`` the requirements.txt line (with its
comment) that installs the okr-portal running ``init`` (see ``pin``), and CSV
rows dated after today are left out, so the example portal validates, and shows
data, whatever the year. A name starting with ``dot-`` becomes one starting
with ``.`` (package data leaves dot-files out).

Nothing is ever overwritten: every file is checked first, and if any exists
nothing at all is written. Files are created exclusively, and a failure half-way
removes what this run wrote.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from site_builder import __version__
from site_builder.editing.issue_forms import scaffold_forms
from site_builder.engine.runner import defaults_dir

SCAFFOLD = "scaffold"


class ScaffoldError(Exception):
    """Why nothing was written: one message for the user, possibly several lines."""


@dataclass(frozen=True)
class Planned:
    rel: str  # path under the portal, with "/"
    data: bytes


def requirement(version: str = __version__) -> str:
    """The range of okr-portal releases compatible with ``version``: later fixes and
    features, no release that may change the formats (the next minor before 1.0,
    the next major after)."""
    parts = [int(p) for p in version.split(".")[:2] if p.isdigit()] + [0, 0]
    major, minor = parts[0], parts[1]
    upper = f"0.{minor + 1}" if major == 0 else f"{major + 1}"
    return f"okr-portal>={version},<{upper}"


@dataclass(frozen=True)
class Pin:
    """The requirements.txt line that installs the okr-portal running ``init``."""
    line: str
    comment: str  # "# " lines above it
    note: str | None = None  # one line for the person running init, when the line needs them

    def text(self) -> str:
        return f"{self.comment}\n{self.line}"


def pin() -> Pin:
    """The pin for the okr-portal this code was installed as: how pip installed it
    is in the distribution's ``direct_url.json`` (PEP 610), absent when it came
    from a package index."""
    try:
        dist = metadata.distribution("okr-portal")
    except metadata.PackageNotFoundError:  # run from a source tree, not installed
        source = Path(__file__).resolve().parents[2]  # the checkout: site_builder/commands/init.py
        if (source / "pyproject.toml").is_file():
            return pin_from(__version__, json.dumps({"url": source.as_uri(), "dir_info": {}}))
        return pin_from(__version__, "")
    return pin_from(dist.version, dist.read_text("direct_url.json"))


def pin_from(version: str, direct_url: str | None) -> Pin:
    """The pin for okr-portal ``version`` installed as ``direct_url`` (the text of
    its direct_url.json, None when there is none) says."""
    released = requirement(version)
    try:
        info = json.loads(direct_url) if direct_url is not None else None
        url = info["url"] if info is not None else None
        if info is not None and not isinstance(url, str):
            raise TypeError(url)
    except (ValueError, TypeError, KeyError):
        return Pin(released, f"# Releases compatible with {version}.",
                   f"requirements.txt asks for {released}, but how okr-portal was installed here is not "
                   "known: check that `pip install -r requirements.txt` installs it before pushing")
    if info is None:  # from a package index
        return Pin(released, f"# Releases compatible with {version}: fixes and features, no release that\n"
                   "# may change the file formats or commands.")
    vcs = info.get("vcs_info") if isinstance(info.get("vcs_info"), dict) else None
    commit = str(vcs.get("commit_id", "")) if vcs else ""
    subdirectory = f"#subdirectory={info['subdirectory']}" if info.get("subdirectory") else ""
    if vcs and commit:
        if url.startswith("file:///"):  # older pips (23.2, bundled with Python 3.11) want a host
            url = "file://localhost/" + url[len("file:///"):]
        line = f"okr-portal @ {vcs.get('vcs', 'git')}+{url}@{commit}{subdirectory}"
        what = "okr-portal from git, at the commit `okr-portal init` ran from; change the\n# commit to upgrade."
    else:
        line = f"okr-portal @ {url}{subdirectory}"
        what = "okr-portal from the " + ("archive" if "archive_info" in info else "folder") + \
            " `okr-portal init` ran from."
    if not url.lower().startswith("file:"):
        return Pin(line, "# " + what)
    # A folder, archive or clone on this computer: the line installs okr-portal
    # here, but not on GitHub's runners, nor on anyone else's computer.
    local = Path(url2pathname(urlsplit(url).path))
    suggestion = _git_suggestion(local if local.is_dir() else local.parent, commit or None)
    comment = ("# okr-portal was installed from " + url + ",\n"
               "# which is on the computer that ran `okr-portal init` only: GitHub's workflows\n"
               "# cannot install it. Before pushing, replace the line below with okr-portal\n"
               "# from git, such as\n"
               "#   " + (suggestion or "okr-portal @ git+https://github.com/OWNER/okr-portal@COMMIT") + "\n"
               "# or, once okr-portal is on a package index, with " + released + ".")
    note = (f"requirements.txt installs okr-portal from {url}, on this computer only: "
            "replace that line with a git URL or a version before pushing (its comment says how)")
    return Pin(line, comment, note)


_SCP_LIKE = re.compile(r"^(?P<user>[\w.-]+@)?(?P<host>[\w.-]+):(?!//)(?P<path>.+)$")


def _git_suggestion(folder: Path, commit: str | None) -> str | None:
    """``okr-portal @ git+<origin>@<commit>`` when ``folder`` is a clone of a remote
    repository (the commit that was installed, or the clone's HEAD)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()

    try:
        origin = git("remote", "get-url", "origin")
        commit = commit or git("rev-parse", "HEAD")
    except (OSError, subprocess.SubprocessError):
        return None
    scp = _SCP_LIKE.match(origin)
    if scp:  # git@github.com:owner/repo.git: the workflows have no SSH key, HTTPS it is
        origin = f"https://{scp['host']}/{scp['path']}"
    parts = urlsplit(origin)
    if parts.scheme not in ("https", "http", "ssh", "git") or not parts.hostname \
            or not re.fullmatch(r"[0-9a-f]{40,64}", commit):
        return None
    if parts.scheme.startswith("http"):  # never a token from the clone's URL into a committed file
        origin = parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")).geturl()
    return f"okr-portal @ git+{origin}@{commit}"


def _substitute(text: str, today: date, pinned: Pin | None = None) -> str:
    text = (text.replace("@YEAR@", str(today.year))
                .replace("@PERIOD@", f"cy{today.year}"))
    if "@REQUIREMENT@" in text:
        text = text.replace("@REQUIREMENT@", (pinned or pin()).text())
    return text


def _drop_future_rows(text: str, today: date) -> str:
    """CSV rows dated after today are not observations yet."""
    kept = []
    for i, line in enumerate(text.splitlines(keepends=True)):
        day = line.split(",", 1)[0].strip()
        if i and len(day) == 10:
            try:
                if date.fromisoformat(day) > today:
                    continue
            except ValueError:
                pass
        kept.append(line)
    return "".join(kept)


def _walk(node: Traversable, prefix: str = ""):
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            yield from _walk(child, rel + "/")
        else:
            yield rel, child


def _target_name(rel: str, today: date) -> str:
    parts = [("." + p[len("dot-"):]) if p.startswith("dot-") else p for p in rel.split("/")]
    return _substitute("/".join(parts), today)


def plan(today: date | None = None, pinned: Pin | None = None) -> list[Planned]:
    """Every file ``init`` writes, with its content, in the order written;
    requirements.txt pins ``pinned`` (default: the okr-portal running this)."""
    today = today or date.today()
    pinned = pinned or pin()
    files: list[Planned] = []
    for rel, node in _walk(resources.files("site_builder") / SCAFFOLD):
        data = node.read_bytes()
        text = _substitute(data.decode("utf-8"), today, pinned)
        if rel.endswith(".csv"):
            text = _drop_future_rows(text, today)
        files.append(Planned(_target_name(rel, today), text.encode("utf-8")))
    # The issue forms list the example's key results and metrics (okr-portal forms remakes them).
    files += [Planned(rel, data) for rel, data in scaffold_forms({f.rel: f.data for f in files})]
    # The packaged site settings and theme, as starting copies (links resolved).
    defaults = defaults_dir()
    files.append(Planned("mkdocs.yml", (defaults / "mkdocs.yml").read_bytes()))
    theme = (defaults / "theme").resolve()
    for path in sorted(p for p in theme.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        files.append(Planned("theme/" + path.relative_to(theme).as_posix(), path.read_bytes()))
    return files


def _conflicts(root: Path, files: list[Planned]) -> list[str]:
    """What stands in the way: files that exist, and paths whose folder is a file."""
    problems = []
    for item in files:
        path = root / item.rel
        if path.exists() or path.is_symlink():
            problems.append(f"{item.rel} already exists")
            continue
        for parent in Path(item.rel).parents:
            if str(parent) == ".":
                continue
            full = root / parent
            if (full.exists() or full.is_symlink()) and not full.is_dir():
                problems.append(f"{parent.as_posix()} is not a folder (needed for {item.rel})")
                break
    return problems


def _tell(note: str) -> None:
    print(f"okr-portal init: {note}", file=sys.stderr)


def init(root: Path, today: date | None = None, pinned: Pin | None = None,
         tell: Callable[[str], None] = _tell) -> list[str]:
    """Write a new portal into ``root`` (created if needed); returns the files written.

    requirements.txt pins ``pinned`` (default: the okr-portal running this); when
    that line needs changing before the portal is pushed, ``tell`` gets one line
    saying so (default: printed on stderr). Raises ScaffoldError, having written
    nothing, when ``root`` is not a folder or any file it would write already exists."""
    root = Path(root)
    if (root.exists() or root.is_symlink()) and not root.is_dir():
        raise ScaffoldError(f"{root} exists and is not a folder")
    pinned = pinned or pin()
    files = plan(today, pinned)
    conflicts = _conflicts(root, files) if root.exists() else []
    if conflicts:
        shown = "\n".join(f"  {c}" for c in conflicts)
        raise ScaffoldError(f"{root} already has files okr-portal init would write; nothing was written:\n{shown}\n"
                            "Move them away, or choose another folder.")
    made_dirs: list[Path] = []
    written: list[Path] = []

    def mkdirs(folder: Path) -> None:
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for folder in reversed(missing):
            folder.mkdir()
            made_dirs.append(folder)

    try:
        mkdirs(root)
        for item in files:
            path = root / item.rel
            mkdirs(path.parent)
            with open(path, "xb") as handle:  # never replaces a file, even one made meanwhile
                written.append(path)
                handle.write(item.data)
    except OSError as exc:
        for path in reversed(written):
            path.unlink(missing_ok=True)
        for folder in reversed(made_dirs):
            try:
                folder.rmdir()
            except OSError:
                pass
        where = exc.filename or root
        raise ScaffoldError(f"cannot write {where}: {exc.strerror or exc}; nothing was written") from None
    if pinned.note:
        tell(pinned.note)
    return [item.rel for item in files]


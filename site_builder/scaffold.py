"""``okr-portal init DIR``: a minimal valid portal, ready for GitHub.

The files come from ``site_builder/scaffold/`` (package data), plus copies of the
packaged ``mkdocs.yml`` and ``theme/`` (``site_builder/defaults/``). In the
templates, ``@YEAR@`` and ``@PERIOD@`` become the current year and its period id
(in file names too), ``@REQUIREMENT@`` the okr-portal version range the
workflows install, and CSV rows dated after today are left out, so the example
portal validates, and shows data, whatever the year. A name starting with
``dot-`` becomes one starting with ``.`` (package data leaves dot-files out).

Nothing is ever overwritten: every file is checked first, and if any exists
nothing at all is written. Files are created exclusively, and a failure half-way
removes what this run wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from site_builder import __version__
from site_builder.engine import defaults_dir

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


def _substitute(text: str, today: date) -> str:
    return (text.replace("@YEAR@", str(today.year))
                .replace("@PERIOD@", f"cy{today.year}")
                .replace("@REQUIREMENT@", requirement()))


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


def plan(today: date | None = None) -> list[Planned]:
    """Every file ``init`` writes, with its content, in the order written."""
    today = today or date.today()
    files: list[Planned] = []
    for rel, node in _walk(resources.files("site_builder") / SCAFFOLD):
        data = node.read_bytes()
        text = _substitute(data.decode("utf-8"), today)
        if rel.endswith(".csv"):
            text = _drop_future_rows(text, today)
        files.append(Planned(_target_name(rel, today), text.encode("utf-8")))
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


def init(root: Path, today: date | None = None) -> list[str]:
    """Write a new portal into ``root`` (created if needed); returns the files written.

    Raises ScaffoldError, having written nothing, when ``root`` is not a folder or
    any file it would write already exists."""
    root = Path(root)
    if (root.exists() or root.is_symlink()) and not root.is_dir():
        raise ScaffoldError(f"{root} exists and is not a folder")
    files = plan(today)
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
    return [item.rel for item in files]


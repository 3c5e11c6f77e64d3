"""The stages of DESIGN.md §7, strung together for the commands."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from site_builder.compute import compute
from site_builder.engine import EngineError, engine_config, replace_site, run_engine, write_config
from site_builder.history import read_history
from site_builder.load import load_portal
from site_builder.model import Portal
from site_builder.problems import Problem, sorted_problems
from site_builder.render import render_site, write_tree
from site_builder.validate import validate


@dataclass(frozen=True)
class Checked:
    portal: Portal
    problems: list[Problem]  # in file order; empty when the portal is valid


def check(root: Path) -> Checked:
    """load -> validate."""
    loaded = load_portal(Path(root))
    problems = list(loaded.problems) + validate(loaded.portal)
    return Checked(loaded.portal, sorted_problems(problems))


@dataclass(frozen=True)
class Built:
    site_dir: Path
    pages: int
    changed: int  # docs files written because their content changed
    generate_seconds: float
    engine_seconds: float
    warnings: str
    history_warnings: tuple[str, ...] = ()
    generate_parts: dict = None  # seconds by stage: load, history, compute, render, write


class BuildFailed(Exception):
    """A build that stopped; ``problems`` are the portal's, ``message`` the engine's."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


WORK_DIR = ".okr-portal"  # the generated docs tree and engine config; never committed


@dataclass(frozen=True)
class Generated:
    checked: Checked
    pages: int
    changed: list[str]
    config: Path
    warnings: tuple[str, ...] = ()  # history revisions that could not be read
    seconds: dict = None  # where the time went: load, history, compute, render, write


def generate(root: Path, as_of, site_dir: Path) -> Generated:
    """load -> validate -> compute -> render: the docs tree and the engine's config.

    Raises BuildFailed with the portal's problems; writes only docs files whose
    content changed.
    """
    clock = [time.perf_counter()]

    def lap() -> float:
        clock.append(time.perf_counter())
        return clock[-1] - clock[-2]

    checked = check(root)
    if checked.problems:
        raise BuildFailed("the portal has problems; nothing was built", checked.problems)
    seconds = {"load": lap()}
    history = read_history(Path(root))
    seconds["history"] = lap()
    report = compute(checked.portal, as_of)
    seconds["compute"] = lap()
    files = render_site(report, checked.portal, history=history)
    seconds["render"] = lap()
    work = Path(root) / WORK_DIR
    changed = write_tree(files, work / "docs")
    seconds["write"] = lap()
    config = write_config(engine_config(Path(root), checked.portal.settings, work / "docs", site_dir),
                          work / "mkdocs.yml")
    return Generated(checked, sum(1 for rel in files if rel.endswith(".md")), changed, config, history.warnings,
                     seconds)


def build(root: Path, as_of, site_dir: Path | None = None, engine: str = "mkdocs") -> Built:
    """The whole pipeline; the new site replaces site/ only when it is complete."""
    root = Path(root)
    started = time.perf_counter()
    site_dir = Path(site_dir) if site_dir is not None else root / "site"
    staging = site_dir.with_name(f".{site_dir.name}.new")
    if staging.exists():
        shutil.rmtree(staging)
    generated = generate(root, as_of, staging)
    engine_started = time.perf_counter()
    try:
        warnings = run_engine(generated.config, engine)
        replace_site(staging, site_dir)
    except EngineError as exc:
        raise BuildFailed(f"{engine} build failed; {site_dir} is unchanged:\n{exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    done = time.perf_counter()
    return Built(site_dir, generated.pages, len(generated.changed), engine_started - started,
                 done - engine_started, warnings, generated.warnings, generated.seconds)

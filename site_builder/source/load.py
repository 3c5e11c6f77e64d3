"""Stage 1: read a portal's files into the model (DESIGN.md §2, §3).

Only this stage and ``fetch`` read users' files. It reports what stops a
value from being read at all (syntax, types, unknown or missing keys); the
rules between values are the validate stage's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from site_builder.model import (
    Explain, KeyResult, Objective, Period, Point, Portal, Settings, Thresholds, Unit, Update,
)
from site_builder.problems import Loc, Problem
from site_builder.source.files import inside, read_record, refused
from site_builder.source.formats import EXPLAIN, OBJECTIVE, PORTAL, SCHEMAS, UNITS, UNITS_SINCE
from site_builder.source.kinds import Record, Val
from site_builder.source.load_metrics import METRICS_DIR, load_metrics, threshold
from site_builder.source.load_geo import load_geo
from site_builder.repo_links import Repo, issue_forms, parse_repo_url
from site_builder.source.load_locale import load_locale
from site_builder.source.logo_rules import read_logo
from site_builder.source.reader import Reader, needs_schema
from site_builder.source.yaml_reader import YMap, YNode, YScalar, YSeq, parse_yaml, read_yaml
from site_builder.speed import PARALLEL_FROM, collector_off, forked

OKRS = "okrs"
PORTAL_FILE = "okrs/portal.yml"
UNITS_FILE = "okrs/units.yml"
OBJECTIVES_DIR = "okrs/objectives"
# METRICS_DIR is load_metrics', and is named here too, beside the portal's other folders.
__all__ = ["METRICS_DIR", "OBJECTIVES_DIR", "OKRS", "PORTAL_FILE", "UNITS_FILE", "Loaded", "load_portal",
           "objective_from_text"]


@dataclass(frozen=True)
class Loaded:
    portal: Portal
    problems: tuple[Problem, ...]


def load_portal(root: Path) -> Loaded:
    """Read okrs/ under ``root``. Never raises for anything in the users' files."""
    root = Path(root)
    problems: list[Problem] = []
    reader = Reader(problems)
    if not (root / OKRS).is_dir():
        problems.append(Problem(Loc(PORTAL_FILE), f"no {OKRS}/ folder in {root.resolve()}: run okr-portal in a portal's "
                                                  "repository, or create one with okr-portal init"))
        return Loaded(Portal(str(root), None, (), {}), tuple(problems))
    if refused(root, OKRS, problems):
        return Loaded(Portal(str(root), None, (), {}), tuple(problems))
    settings = _load_settings(root, reader)
    units, units_path = _load_units(root, reader)
    with collector_off():
        files = _objective_files(root, problems)
        # A large portal's objective files are most of the reading: a forked process reads
        # two thirds of them while this one reads the rest and the metrics.
        split = len(files) // 3 if len(files) >= PARALLEL_FROM else len(files)
        metric_problems: list[Problem] = []

        schema = reader.schema  # what portal.yml declares: the keys of later schemas are refused

        def meanwhile():
            return _load_objectives(root, files[:split], schema), load_metrics(root, Reader(metric_problems, schema))

        theirs, ((objectives, objective_problems), metrics) = forked(
            lambda chunk: _load_objectives(root, chunk, schema), [files[split:]] if split < len(files) else [], 1,
            meanwhile)
        more, more_problems = theirs[0] if theirs else ((), [])
    problems += objective_problems + more_problems + metric_problems  # in file order, as one process has them
    portal = Portal(str(root), settings, objectives + more, metrics, units, units_path,
                    geo=load_geo(root, metrics, problems) if schema is not None and schema >= 2 else {})
    return Loaded(portal, tuple(problems))


def _load_objectives(root: Path, files: list[str], schema: int | None) -> tuple[tuple[Objective, ...], list[Problem]]:
    """The objectives of ``files`` that could be read, and the problems found reading them."""
    problems: list[Problem] = []
    reader = Reader(problems, schema)
    return tuple(o for o in (_load_objective(root, rel, reader) for rel in files) if o is not None), problems


# --- portal.yml -------------------------------------------------------------


def _load_settings(root: Path, reader: Reader) -> Settings | None:
    if refused(root, PORTAL_FILE, reader.problems):
        return None
    if not (root / PORTAL_FILE).is_file():
        reader.error(Loc(PORTAL_FILE), "portal settings file is missing: create okrs/portal.yml with schema, title, "
                                       "organization and periods")
        return None
    node = read_yaml(root / PORTAL_FILE, PORTAL_FILE, reader.problems)
    if node is None:
        return None
    reader.schema = _declared_schema(node)  # before reading the rest: portal.yml has keys of schema 2 too
    val = reader.read(PORTAL, node, "portal file")
    if val is None:
        return None
    rec: Record = val.value
    thresholds = Thresholds()
    if "thresholds" in rec:
        t: Record = rec["thresholds"].value
        thresholds = Thresholds(t.get_value("at_risk", 0.10), t.get_value("off_track", 0.25))
    languages = tuple(v.value for v in rec.get_value("languages", ())) or ("en",)
    return Settings(
        schema=rec.get_value("schema"),
        title=rec.get_value("title"),
        organization=rec.get_value("organization"),
        description=rec.get_value("description"),
        languages=languages,
        base_url=rec.get_value("base_url"),
        contact=rec.get_value("contact"),
        periods=tuple(_period(v) for v in rec.get_value("periods", ()) if "id" in v.value),
        thresholds=thresholds,
        loc=val.loc,
        locs=rec.locs(),
        explain=_explain(rec.get("explain")),
        logo=rec.get_value("logo"),
        logo_data=read_logo(root, rec.get_value("logo")),
        repo_url=rec.get_value("repo_url"),
        locale=load_locale(root, languages, reader.problems),
        issue_forms=issue_forms(root, _repo(rec.get("repo_url"), reader)),
    )


def _repo(val: Val | None, reader: Reader) -> Repo | None:
    repo = parse_repo_url(val.value) if val is not None else None
    if val is not None and repo is None:
        reader.problems.append(Problem(val.loc, "repo_url must be the address of the repository, such as "
                                                "https://github.com/org/okrs, or of the portal's folder in it "
                                                "(https://github.com/org/okrs/tree/main/folder); pages link to "
                                                "no changes until it is", warning=True))
    return repo


def _explain(val: Val | None) -> Explain | None:
    if val is None:
        return None
    rec: Record = val.value
    defaults = {f.name: f.default for f in EXPLAIN.fields}
    statuses = tuple(v.value for v in rec.get_value("statuses", ())) or defaults["statuses"]
    return Explain(statuses, rec.get_value("within_days", defaults["within_days"]), val.loc)


def _declared_schema(node: YNode) -> int | None:
    """The schema version portal.yml declares, when it is one this okr-portal reads (else None:
    the Reader reports what is wrong with it, and no key is refused for being too new)."""
    if not isinstance(node, YMap):
        return None
    for key, _, value in node.items:
        number = value.value if isinstance(value, YScalar) and not isinstance(value.value, bool) else None
        if key == "schema" and isinstance(number, (int, float)) and number in SCHEMAS:  # 2.0 reads as 2 too
            return int(number)
    return None


def _period(val: Val) -> Period:
    rec: Record = val.value
    return Period(rec.get_value("id"), rec.get_value("title"), rec.get_value("start"), rec.get_value("end"),
                  val.loc, rec.locs())


# --- units.yml --------------------------------------------------------------


def _load_units(root: Path, reader: Reader) -> tuple[tuple[Unit, ...], str | None]:
    """The units of okrs/units.yml (schema 2), and the file's path; ((), None) without one,
    or in a portal of schema 1 (where the file is one error, unread)."""
    if not os.path.lexists(root / UNITS_FILE):
        return (), None
    if reader.schema is not None and reader.schema < UNITS_SINCE:
        reader.error(Loc(UNITS_FILE), needs_schema("units.yml", UNITS_SINCE, reader.schema))
        return (), None
    if refused(root, UNITS_FILE, reader.problems):
        return (), UNITS_FILE  # there, but not read (reported)
    node = read_yaml(root / UNITS_FILE, UNITS_FILE, reader.problems)
    if node is not None and not isinstance(node, YSeq):
        reader.error(node.loc, "units.yml must be a list of units, each beginning with '- id:'; this file is "
                               "not a list")
        return (), UNITS_FILE
    val = None if node is None else reader.read(UNITS, node, "units file")
    if val is None:
        return (), UNITS_FILE
    return tuple(_unit(v) for v in val.value), UNITS_FILE


def _unit(val: Val) -> Unit:
    rec: Record = val.value
    # Every key written has a line, also one whose value was refused (and reported): a unit
    # whose `parent:` could not be read is not taken for the organization (no parent at all).
    locs = {**{key: val.loc for key in rec.present}, **rec.locs()}
    return Unit(rec.get_value("id"), rec.get_value("parent"), rec.get_value("title"), rec.get_value("lead"),
                rec.get_value("description"), val.loc, locs)


# --- objectives -------------------------------------------------------------


def _objective_files(root: Path, problems: list[Problem]) -> list[str]:
    """The objective files under okrs/objectives/, in path order (as ``sorted(rglob)`` has them),
    without any that a link brings in from outside the portal."""
    folder = root / OBJECTIVES_DIR
    if not folder.is_dir() or refused(root, OBJECTIVES_DIR, problems):
        return []
    top = os.path.realpath(folder)
    followed = {top}  # the real folders read through links: each once, whatever links lead to it
    files: list[str] = []
    pending: list[tuple[str, str | None]] = [(OBJECTIVES_DIR, None)]  # (folder, its real path if a link)
    while pending:  # depth first, in name order: the first link (in path order) to a folder reads it
        rel_dir, real_dir = pending.pop()
        if real_dir is not None:
            if real_dir in followed:
                continue
            followed.add(real_dir)
        try:
            with os.scandir(root / rel_dir) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as exc:
            problems.append(Problem(Loc(rel_dir), f"cannot read folder: {exc.strerror or exc}"))
            continue
        folders = []
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}"
            if entry.is_symlink():
                is_dir = entry.is_dir()
                if not is_dir and (entry.name.startswith(".") or not entry.name.endswith(".yml")):
                    if not entry.name.startswith(".") and entry.is_file():
                        files.append(rel)  # never read: at most named below (a .yaml to rename)
                    continue
                if refused(root, rel, problems, is_link=True):
                    continue
                if not is_dir:
                    files.append(rel)
                    continue
                real = os.path.realpath(entry.path)
                if inside(Path(real), top) and real != top:  # okrs/, the portal: every file again, forever
                    problems.append(Problem(Loc(rel), "this folder is a link to a folder that holds it; it is "
                                                      "not read"))
                elif not inside(Path(top), real):  # a folder in objectives/ is read anyway
                    folders.append((rel, real))
            elif entry.is_dir(follow_symlinks=False):
                folders.append((rel, None))
            elif not entry.name.startswith(".") and entry.is_file(follow_symlinks=False):
                files.append(rel)
        pending.extend(reversed(folders))
    files.sort(key=lambda rel: rel.split("/"))
    chosen = []
    for rel in files:
        suffix = os.path.splitext(rel)[1]
        if suffix == ".yml":
            chosen.append(rel)
        elif suffix in (".yaml", ".YML", ".YAML", ".json"):
            # A file we would silently skip is a target that silently vanishes.
            stem = os.path.splitext(os.path.basename(rel))[0]
            problems.append(Problem(Loc(rel), f"objective files must end in .yml; rename it to {stem}.yml"))
    return chosen


def _load_objective(root: Path, rel: str, reader: Reader) -> Objective | None:
    val = read_record(root, rel, OBJECTIVE, reader)
    return None if val is None else _objective(val, rel)


def objective_from_text(text: str, rel: str, problems: list[Problem]) -> Objective | None:
    """An objective file's content (from disk or from a git revision) as the model."""
    node = parse_yaml(text, rel, problems)
    if node is None:
        return None
    val = Reader(problems).read(OBJECTIVE, node, "objective file")
    return None if val is None else _objective(val, rel)


def _objective(val: Val, rel: str) -> Objective:
    rec: Record = val.value
    return Objective(
        id=rec.get_value("id"),
        period=rec.get_value("period"),
        title=rec.get_value("title"),
        owner=rec.get_value("owner"),
        description=rec.get_value("description"),
        tags=tuple(v.value for v in rec.get_value("tags", ())),
        visibility=rec.get_value("visibility", "public"),
        internal_notes=rec.get_value("internal_notes"),
        key_results=tuple(_key_result(v) for v in rec.get_value("key_results", ())),
        path=rel,
        loc=val.loc,
        locs=rec.locs(),
        unit=rec.get_value("unit"),
        aligns_to=rec.get_value("aligns_to"),
        retrospective=rec.get_value("retrospective"),
    )


def _key_result(val: Val) -> KeyResult:
    rec: Record = val.value
    return KeyResult(
        id=rec.get_value("id"),
        title=rec.get_value("title"),
        # A type that could not be read is None: no rule guesses at what it meant.
        type=rec.get_value("type", None if "type" in rec.present else "metric"),
        commitment=rec.get_value("commitment", "committed"),
        weight=rec.get_value("weight", 1),
        metric=rec.get_value("metric"),
        breakdown=_breakdown(rec.get("breakdown")),
        baseline=_point(rec.get("baseline")),
        target=_point(rec.get("target")),
        threshold=threshold(rec.get("threshold")),
        due=rec.get_value("due"),
        done=rec.get_value("done"),
        updates=tuple(_update(v) for v in rec.get_value("updates", ())),
        loc=val.loc,
        # and each breakdown code's line, for a code the metric does not declare
        locs={**rec.locs(), **{f"breakdown.{d}": code.loc for d, code in rec.get_value("breakdown", {}).items()}},
        present=rec.present,
    )


def _breakdown(val: Val | None) -> dict[str, str] | None:
    if val is None or not val.value:
        return None
    return {dimension: code.value for dimension, code in val.value.items()}


def _point(val: Val | None) -> Point | None:
    if val is None:
        return None
    rec: Record = val.value
    return Point(rec.get_value("date"), rec.get_value("value"), val.loc, rec.locs())


def _update(val: Val) -> Update:
    rec: Record = val.value
    return Update(rec.get_value("date"), rec.get_value("confidence"), rec.get_value("text"), val.loc,
                  rec.get_value("next_steps"))

"""How every objective and key result was defined over time, read from git.

The promise of a transparency portal is that nobody can quietly move the
goalposts. This module reads the portal's own git history in one pass (one
``git log`` and one ``git cat-file --batch``, however many commits and files),
parses every revision of every objective file and metric CSV, and compares
meaning, not text: re-indenting or reordering keys is not a change.

History follows the main line (``--first-parent``): a pull request merged into
it is one change, named by its merge commit ("Merge pull request #12") or its
squash commit ("… (#12)"). Changes made while an objective was a draft are
never recorded: drafts are not public, and neither is their past.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from site_builder.source.csv_reader import lenient_layout, parse_series
from site_builder.source.load import METRICS_DIR, OBJECTIVES_DIR, objective_from_text
from site_builder.history.fields import field_changes, kr_fields, objective_fields
from site_builder.history.git import GitError, run_git
from site_builder.model import UNAVAILABLE, Change, History, Objective, RevisedValue, Revision

_PR = re.compile(r"Merge pull request #(\d+)|\(#(\d+)\)")
_RECORD, _UNIT = "\x1e", "\x1f"


# --- reading git ------------------------------------------------------------------


def _git(root: Path, *args: str, input: bytes | None = None) -> bytes:
    # Paths in --name-status as written, not C-quoted: they are matched against okrs/ names.
    return run_git(root, "-c", "core.quotePath=false", *args, input=input)


@dataclass(frozen=True)
class _FileChange:
    status: str  # A, M, D or R
    path: str  # portal-relative
    old_path: str | None


def _log(root: Path, prefix: str) -> list[tuple[Revision, list[_FileChange]]]:
    """Every main-line commit that touched objectives or metrics, oldest first."""
    out = _git(root, "log", "--first-parent", "--diff-merges=first-parent", "--reverse", "-M", "--name-status",
               f"--format={_RECORD}%H{_UNIT}%h{_UNIT}%cI{_UNIT}%s{_UNIT}%b{_UNIT}",
               "--", OBJECTIVES_DIR, METRICS_DIR)  # pathspecs are relative to the portal folder
    commits = []
    for record in out.decode("utf-8", "replace").split(_RECORD)[1:]:
        sha, short, when, subject, body, files = record.split(_UNIT, 5)
        match = _PR.search(f"{subject}\n{body}")
        pr = int(match.group(1) or match.group(2)) if match else None
        revision = Revision(sha, short, datetime.fromisoformat(when).date(), subject, pr)
        changes = []
        for line in files.strip("\n").splitlines():
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            status = parts[0][0]
            strip = lambda p: p[len(prefix):] if p.startswith(prefix) else p  # noqa: E731
            if status == "R" and len(parts) == 3:
                changes.append(_FileChange("R", strip(parts[2]), strip(parts[1])))
            elif status in "AMD" or status == "C":
                changes.append(_FileChange("A" if status == "C" else status, strip(parts[-1]), None))
        commits.append((revision, changes))
    return commits


def _blobs(root: Path, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], bytes]:
    """The content of (commit, repository path) pairs, all through one git cat-file process."""
    if not wanted:
        return {}
    out = _git(root, "cat-file", "--batch", input="".join(f"{sha}:{path}\n" for sha, path in wanted).encode())
    blobs, pos = {}, 0
    for key in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        blobs[key] = out[pos:pos + size]
        pos += size + 1
    return blobs


# --- comparing meaning --------------------------------------------------------------


def _compare(revision: Revision, before: dict[str, Objective], after: dict[str, Objective]) -> list[Change]:
    changes = []
    for oid in sorted(set(before) | set(after)):
        old, new = before.get(oid), after.get(oid)
        if new is None:
            changes.append(Change(revision, oid, None, "removed", old.path))
            continue
        if old is None:
            changes.append(Change(revision, oid, None, "added", new.path))
            continue
        if old.path != new.path:
            changes.append(Change(revision, oid, None, "moved", new.path, old.path))
        fields = field_changes(objective_fields(old), objective_fields(new))
        if fields:
            changes.append(Change(revision, oid, None, "changed", new.path, fields=fields))
        old_krs = {kr.id: kr for kr in old.key_results if kr.id}
        new_krs = {kr.id: kr for kr in new.key_results if kr.id}
        for kid in [k for k in old_krs if k not in new_krs]:
            changes.append(Change(revision, oid, kid, "removed", new.path))
        for kid, kr in new_krs.items():
            if kid not in old_krs:
                changes.append(Change(revision, oid, kid, "added", new.path))
                continue
            fields = field_changes(kr_fields(old_krs[kid]), kr_fields(kr))
            if fields:
                changes.append(Change(revision, oid, kid, "changed", new.path, fields=fields))
    return changes


def _public_by_id(files: dict[str, Objective]) -> dict[str, Objective]:
    """The public objectives of one revision, by id (a duplicated id keeps its first file)."""
    out: dict[str, Objective] = {}
    for path in sorted(files):
        objective = files[path]
        if objective.id and objective.is_public and objective.id not in out:
            out[objective.id] = objective
    return out


# --- the one pass ---------------------------------------------------------------------


def read_history(root: Path) -> History:
    """The history of the portal at ``root``; unavailable (not an error) outside git."""
    root = Path(root)
    try:
        prefix = _git(root, "rev-parse", "--show-prefix").decode().strip()
        commits = _log(root, prefix)
    except GitError:  # git missing, not a repository, or no commits yet
        return UNAVAILABLE
    wanted = [(rev.sha, prefix + fc.path) for rev, files in commits for fc in files
              if fc.status != "D" and _tracked(fc.path)]
    try:
        blobs = _blobs(root, wanted)
    except GitError as exc:
        return History(False, f"git could not read the history: {exc}")

    objectives: dict[str, Objective] = {}  # path -> objective, as of the commit being replayed
    observations: dict[str, dict] = {}  # metric id -> {date: value}
    changes: list[Change] = []
    revised: list[RevisedValue] = []
    warnings: list[str] = []
    for revision, files in commits:
        before = _public_by_id(objectives)
        for fc in files:
            if fc.old_path is not None:
                objectives.pop(fc.old_path, None)
            if fc.path.endswith(".yml") and fc.path.startswith(OBJECTIVES_DIR + "/"):
                if fc.status == "D":
                    objectives.pop(fc.path, None)
                    continue
                parsed = _parse_objective(blobs.get((revision.sha, prefix + fc.path)), fc.path)
                if parsed is None:
                    warnings.append(f"{fc.path}: skipped the revision of {revision.short} ({revision.date}): "
                                    "it is not valid YAML")
                    continue  # the file keeps its last readable revision
                objectives[fc.path] = parsed
            elif fc.path.endswith(".csv") and fc.path.startswith(METRICS_DIR + "/"):
                metric_id = fc.path[len(METRICS_DIR) + 1:-4]
                new = {} if fc.status == "D" else _parse_csv(blobs.get((revision.sha, prefix + fc.path)), fc.path)
                old = observations.get(metric_id, {})
                revised += [RevisedValue(metric_id, day, old[day], value, revision)
                            for day, value in sorted(new.items())
                            if day in old and old[day] is not None and old[day] != value]
                observations[metric_id] = new
        changes += _compare(revision, before, _public_by_id(objectives))
    return History(True, "", tuple(changes), tuple(revised), tuple(warnings))


def _tracked(path: str) -> bool:
    return (path.startswith(OBJECTIVES_DIR + "/") and path.endswith(".yml")) or \
        (path.startswith(METRICS_DIR + "/") and path.endswith(".csv"))


def _parse_objective(data: bytes | None, path: str) -> Objective | None:
    if data is None:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    objective = objective_from_text(text, path, [])
    return objective if objective is not None and objective.id else None


def _parse_csv(data: bytes | None, path: str) -> dict:
    if data is None:
        return {}
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return {}
    return {obs.date: obs.value for obs in parse_series(text, path, [], lenient_layout(text)).headline}

"""``okr-portal diff A [B]``: what a change does to the public site, as Markdown.

Three pure steps: ``load_revision`` reads a git revision's okrs/ into the model
(one ``git archive`` per revision), ``compare`` finds what a reader of the site
would see change, and ``render_markdown`` writes it for a pull-request comment.

Only what the public site shows is compared: public objectives and the metrics
they use. Drafts, their metrics and ``internal_notes`` are never mentioned, not
even by name: a draft that becomes public is "added", one that goes back to
draft is "removed". Values are compared by meaning, so re-indenting a file or
reordering its keys is not a change.
"""

from __future__ import annotations

import re
import subprocess
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

from site_builder.compute.rules import objective_status
from site_builder.compute.status import Status
from site_builder.render.formats import format_number, format_value
from site_builder.source.load import METRICS_DIR, OKRS, PORTAL_FILE
from site_builder.model import KeyResult, Metric, Objective, Portal, Settings, target_date
from site_builder.source.check import Checked, check
from site_builder.problems import Problem
from site_builder.commands.status_table import STATUS_LABELS
from site_builder.text import Text

MAX_ROWS = 20  # observation changes listed per metric; the rest are counted
MAX_TEXT = 200  # characters of a long text shown in a table cell


# No absolute paths or links out of the folder (Python 3.11.4+; git writes neither anyway).
_SAFE = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


class DiffError(Exception):
    """Why the report could not be made: one line for the user."""


# --- the typed result -------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str  # as the site shows it; "" when there was none
    new: str


@dataclass(frozen=True)
class ItemChange:
    """An objective (key_result_id None) or a key result added, removed or changed."""

    objective_id: str
    key_result_id: str | None
    kind: str  # added | removed | changed
    title: str
    fields: tuple[FieldChange, ...] = ()  # changed: old -> new; added: what it is
    status: str = ""  # added: its computed status


@dataclass(frozen=True)
class StatusChange:
    objective_id: str
    key_result_id: str | None
    title: str
    old: Status
    new: Status


@dataclass(frozen=True)
class ObservationChange:
    date: date
    old: str  # "" when the row is new
    new: str  # "" when the row was removed


@dataclass(frozen=True)
class MetricChange:
    metric_id: str
    title: str
    kind: str  # added | removed | changed (on the public site)
    fields: tuple[FieldChange, ...] = ()
    observations: tuple[ObservationChange, ...] = ()
    summary: str = ""  # added: how many observations it publishes


@dataclass(frozen=True)
class Diff:
    as_of: date
    a_name: str
    b_name: str
    settings: tuple[FieldChange, ...]
    items: tuple[ItemChange, ...]
    statuses: tuple[StatusChange, ...]
    metrics: tuple[MetricChange, ...]
    problems: tuple[Problem, ...]  # introduced by B, in published files
    hidden_problems: int  # introduced by B in files the site does not publish

    @property
    def changes_site(self) -> bool:
        return bool(self.settings or self.items or self.statuses or self.metrics)


# --- reading revisions from git -------------------------------------------------------------


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise DiffError("git is not installed or not on PATH") from None
    except NotADirectoryError:
        raise DiffError(f"{cwd} is not a directory") from None


def git_location(root: Path) -> tuple[Path, str]:
    """The repository holding the portal at ``root``, and the portal's folder in it ('' or 'sub/')."""
    if not Path(root).is_dir():
        raise DiffError(f"{root} is not a directory")
    result = _git(Path(root), "rev-parse", "--show-toplevel", "--show-prefix")
    if result.returncode != 0:
        raise DiffError(f"{Path(root).resolve()} is not in a git repository")
    top, prefix = (result.stdout.splitlines() + ["", ""])[:2]
    return Path(top), prefix


def resolve(repo: Path, rev: str) -> str:
    """The commit a revision names (full id), or DiffError."""
    result = None if rev.startswith("-") else _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if result is None or result.returncode != 0:
        raise DiffError(f"unknown revision '{rev}': not a commit, branch or tag of {repo}")
    return result.stdout.strip()


def _empty(root: str) -> Checked:
    """A revision without okrs/: everything in the other one was added or removed."""
    return Checked(Portal(root, None, (), {}), [])


def load_revision(repo: Path, rev: str, prefix: str = "") -> Checked:
    """The portal's okrs/ at a git revision, loaded and validated like the working tree."""
    commit = resolve(repo, rev)
    tree = f"{commit}:{prefix}"
    if _git(repo, "cat-file", "-t", f"{tree}{OKRS}").stdout.strip() != "tree":
        return _empty(f"{rev}:{prefix}")
    with tempfile.TemporaryDirectory(prefix="okr-portal-diff-") as tmp:
        with subprocess.Popen(["git", "archive", "--format=tar", tree, "--", OKRS], cwd=repo,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as git:
            try:
                with tarfile.open(fileobj=git.stdout, mode="r|") as tar:
                    tar.extractall(tmp, **_SAFE)
            except (tarfile.TarError, OSError) as exc:
                raise DiffError(f"could not read {prefix}{OKRS}/ at {rev}: {exc}") from None
        if git.returncode != 0:
            raise DiffError(f"git archive could not read {prefix}{OKRS}/ at {rev}")
        return check(Path(tmp))


def load_working_tree(root: Path) -> Checked:
    """The portal as it is on disk, uncommitted changes included."""
    return check(Path(root)) if (Path(root) / OKRS).is_dir() else _empty(str(root))


def _name(repo: Path, rev: str) -> str:
    commit = resolve(repo, rev)
    return rev if commit.startswith(rev) else f"{rev} ({commit[:7]})"


def diff_report(root: Path, a: str, b: str | None, as_of: date) -> str:
    """The whole command: the Markdown report, or DiffError."""
    repo, prefix = git_location(root)
    a_name = _name(repo, a)
    b_name = "the working tree" if b is None else _name(repo, b)
    before = load_revision(repo, a, prefix)
    after = load_working_tree(root) if b is None else load_revision(repo, b, prefix)
    return render_markdown(compare(before, after, as_of, a_name, b_name))


# --- comparing --------------------------------------------------------------------------------


class _Side:
    """One revision as the public site sees it."""

    def __init__(self, checked: Checked, as_of: date):
        self.portal = checked.portal
        self.problems = checked.problems
        self.settings: Settings | None = self.portal.settings
        self.lang = self.settings.default_language if self.settings else "en"
        self.objectives: dict[str, Objective] = {}
        for objective in sorted(self.portal.public_objectives, key=lambda o: o.path):
            if objective.id:
                self.objectives.setdefault(objective.id, objective)  # a duplicate id keeps its first file
        self.metric_ids = {kr.metric for o in self.objectives.values() for kr in o.key_results if kr.metric}
        self.drafts = {o.path for o in self.portal.objectives if not o.is_public}
        self.statuses = self._statuses(as_of)

    def text(self, text: Text | None) -> str:
        return "" if text is None else text.get(self.lang, self.lang)

    def metric(self, metric_id: str | None) -> Metric | None:
        return self.portal.metrics.get(metric_id) if metric_id else None

    def value(self, value: float | None, metric_id: str | None) -> str:
        if value is None:
            return ""
        metric = self.metric(metric_id)
        return format_value(value, metric and metric.decimals, metric and metric.unit)

    def period(self, objective: Objective):
        return self.settings.period(objective.period) if self.settings else None

    def _statuses(self, as_of: date) -> dict[tuple[str, str | None], Status]:
        """Computed statuses of the public objectives whose files validate (compute needs valid input)."""
        bad = {p.loc.path for p in self.problems}
        if self.settings is None or PORTAL_FILE in bad:
            return {}
        out: dict[tuple[str, str | None], Status] = {}
        for oid, objective in self.objectives.items():
            metrics = [self.metric(kr.metric) for kr in objective.key_results if kr.metric]
            files = {objective.path} | {p for m in metrics if m for p in (m.csv_path, m.meta_path) if p}
            if files & bad or None in metrics or self.period(objective) is None:
                continue
            status = objective_status(objective, self.portal, as_of)
            out[(oid, None)] = status.status
            out.update({(oid, r.key_result.id): r.status for r in status.key_results})
        return out


def compare(a: Checked, b: Checked, as_of: date, a_name: str = "A", b_name: str = "B") -> Diff:
    """What changes on the public site between revision ``a`` and revision ``b``."""
    old, new = _Side(a, as_of), _Side(b, as_of)
    return Diff(as_of, a_name, b_name, _settings_changes(old, new), tuple(_item_changes(old, new)),
                tuple(_status_changes(old, new)), tuple(_metric_changes(old, new)), *_new_problems(old, new))


_TRANSLATIONS = " (translations)"


class _Shown(NamedTuple):
    """A value compared by ``key`` (a number, not its formatting) and shown as ``text``."""

    key: object
    text: str


def _key(value: str | _Shown) -> object:
    return value.key if isinstance(value, _Shown) else value


def _shown(value: str | _Shown) -> str:
    return value.text if isinstance(value, _Shown) else value


def _fields(old: dict[str, str | _Shown], new: dict[str, str | _Shown], unsure: bool = False):
    """Fields whose value differs; translations are compared but only the default language is shown.

    ``unsure``: the new file has problems, so a value that vanished may just be unreadable.
    """
    changes = []
    for name in [*new, *(k for k in old if k not in new)]:
        before, after = old.get(name, ""), new.get(name, "")
        if _key(before) == _key(after) or (unsure and not _shown(after)):
            continue
        hidden = name.endswith(_TRANSLATIONS)
        changes.append(FieldChange(name, "" if hidden else _shown(before), "edited" if hidden else _shown(after)))
    return tuple(changes)


def _texts(side: _Side, **texts: Text | None) -> dict[str, str]:
    """Texts in the default language, plus their other translations (compared, never shown)."""
    out = {}
    for name, text in texts.items():
        out[name] = side.text(text)
        if text is not None and text.plain_text is None:
            others = sorted((lang, t) for lang, t, _ in text.translations if lang != side.lang)
            out[name + _TRANSLATIONS] = repr(others) if others else ""
    return out


def _settings_changes(old: _Side, new: _Side) -> tuple[FieldChange, ...]:
    if old.settings is None or new.settings is None:
        return ()  # the whole portal is added or removed: its objectives say it

    def fields(side: _Side) -> dict[str, str]:
        s = side.settings
        out = _texts(side, **{"portal title": s.title, "organization": s.organization,
                              "description": s.description, "contact": s.contact})
        out.update({"languages": ", ".join(s.languages), "base URL": s.base_url or "",
                    "thresholds": f"at risk {s.thresholds.at_risk:g}, off track {s.thresholds.off_track:g}"})
        for p in s.periods:
            out[f"period {p.id}"] = f"{side.text(p.title)} ({p.start} to {p.end})"
        return out

    return _fields(fields(old), fields(new))


def _objective_fields(side: _Side, o: Objective) -> dict[str, str]:
    out = _texts(side, title=o.title, owner=o.owner, description=o.description)
    out.update({"period": o.period or "", "tags": ", ".join(o.tags)})
    return out


def _kr_fields(side: _Side, o: Objective, kr: KeyResult) -> dict[str, str | _Shown]:
    out: dict[str, str | _Shown] = _texts(side, title=kr.title)
    threshold, baseline = kr.threshold, kr.baseline
    limits = [] if threshold is None else [f"{sign} {side.value(v, kr.metric)}" for sign, v in
                                           (("≥", threshold.min), ("≤", threshold.max)) if v is not None]
    out.update({
        "type": kr.type or "", "commitment": kr.commitment or "",
        "weight": "" if kr.weight is None else format_number(kr.weight),
        "metric": kr.metric or "",
        "baseline": _Shown((baseline.value, baseline.date), f"{side.value(baseline.value, kr.metric)} on "
                                                            f"{baseline.date}") if baseline else "",
        "target": _Shown(kr.target.value, side.value(kr.target.value, kr.metric)) if kr.target else "",
        "target date": str(target_date(kr, side.period(o)) or "") if kr.type in (None, "metric") else "",
        "threshold": _Shown((threshold.min, threshold.max), " and ".join(limits)) if threshold else "",
        "due": str(kr.due or ""),
        "done": "" if kr.type != "milestone" else str(kr.done or "not done"),
    })
    for u in kr.updates:
        label = STATUS_LABELS.get(u.confidence or "", u.confidence or "")
        out[f"check-in {u.date}"] = f"{label}: {side.text(u.text)}"
    return out


def _added_kr(side: _Side, o: Objective, kr: KeyResult) -> tuple[FieldChange, ...]:
    keep = ("type", "metric", "baseline", "target", "target date", "threshold", "due", "done")
    return tuple(FieldChange(k, "", _shown(v)) for k, v in _kr_fields(side, o, kr).items() if k in keep and _shown(v))


def _item_changes(old: _Side, new: _Side):
    unsure = {p.loc.path for p in new.problems}
    for oid, o in new.objectives.items():
        status = STATUS_LABELS.get(new.statuses.get((oid, None), ""), "")
        if oid not in old.objectives:
            fields = {"period": o.period or "", "owner": new.text(o.owner), "key results": str(len(o.key_results))}
            yield ItemChange(oid, None, "added", new.text(o.title),
                             tuple(FieldChange(k, "", v) for k, v in fields.items() if v), status)
            continue
        before = old.objectives[oid]
        fields = _fields(_objective_fields(old, before), _objective_fields(new, o), o.path in unsure)
        if fields:
            yield ItemChange(oid, None, "changed", new.text(o.title), fields)
        old_krs = {kr.id: kr for kr in before.key_results if kr.id}
        new_krs = {kr.id: kr for kr in o.key_results if kr.id}
        for kid, kr in new_krs.items():
            if kid not in old_krs:
                yield ItemChange(oid, kid, "added", new.text(kr.title), _added_kr(new, o, kr),
                                 STATUS_LABELS.get(new.statuses.get((oid, kid), ""), ""))
                continue
            fields = _fields(_kr_fields(old, before, old_krs[kid]), _kr_fields(new, o, kr), o.path in unsure)
            if fields:
                yield ItemChange(oid, kid, "changed", new.text(kr.title), fields)
        for kid in old_krs.keys() - new_krs.keys():
            yield ItemChange(oid, kid, "removed", old.text(old_krs[kid].title))
    for oid, o in old.objectives.items():
        # A file B cannot read is reported as a problem, not as a removal.
        if oid not in new.objectives and o.path not in unsure:
            yield ItemChange(oid, None, "removed", old.text(o.title))


def _status_changes(old: _Side, new: _Side):
    for (oid, kid), status in new.statuses.items():
        before = old.statuses.get((oid, kid))
        if before is not None and before is not status:
            o = new.objectives[oid]
            kr = next((k for k in o.key_results if k.id == kid), None)
            yield StatusChange(oid, kid, new.text(kr.title if kr else o.title), before, status)


def _observations(side: _Side, metric: Metric) -> dict[date, _Shown]:
    return {o.date: _Shown((o.value, o.note), side.value(o.value, metric.id) + (f" ({o.note})" if o.note else ""))
            for o in metric.observations if o.value is not None}


def _metric_fields(side: _Side, m: Metric) -> dict[str, str]:
    out = _texts(side, title=m.title, source=m.source, methodology=m.methodology)
    out.update({"unit": m.unit or "", "decimals": "" if m.decimals is None else str(m.decimals),
                "frequency": m.frequency or ""})
    return out


def _metric_changes(old: _Side, new: _Side):
    for metric_id in sorted(old.metric_ids | new.metric_ids):
        before, after = old.metric(metric_id), new.metric(metric_id)
        if metric_id not in new.metric_ids or after is None:
            if before is not None and metric_id in old.metric_ids:
                yield MetricChange(metric_id, old.text(before.title), "removed")
            continue
        if metric_id not in old.metric_ids or before is None:
            values = [o for o in after.observations if o.value is not None]
            span = f", {values[0].date} to {values[-1].date}" if values else ""
            summary = _count(len(values), "observation") + span
            yield MetricChange(metric_id, new.text(after.title), "added", summary=summary)
            continue
        fields = _fields(_metric_fields(old, before), _metric_fields(new, after))
        was, now = _observations(old, before), _observations(new, after)
        rows = tuple(ObservationChange(day, _shown(was.get(day, "")), _shown(now.get(day, "")))
                     for day in sorted(was.keys() | now.keys()) if _key(was.get(day, "")) != _key(now.get(day, "")))
        if fields or rows:
            yield MetricChange(metric_id, new.text(after.title), "changed", fields, rows)


def _new_problems(old: _Side, new: _Side) -> tuple[tuple[Problem, ...], int]:
    """B's problems that A did not have (matched by file and message: lines move), split by
    whether the file is published: a problem in a draft must not name it."""
    seen = Counter((p.loc.path, p.message) for p in old.problems)
    public_metrics = old.metric_ids | new.metric_ids
    drafts = new.drafts | (old.drafts - {o.path for o in new.objectives.values()})
    shown, hidden = [], 0
    for problem in new.problems:
        key = (problem.loc.path, problem.message)
        if seen[key]:
            seen[key] -= 1
            continue
        path = problem.loc.path
        metric = path.startswith(METRICS_DIR + "/") and Path(path).stem not in public_metrics
        if path in drafts or metric or any(d in problem.message for d in drafts):
            hidden += 1
        else:
            shown.append(problem)
    return tuple(shown), hidden


# --- Markdown -----------------------------------------------------------------------------------

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#!])")


def md(text: str, limit: int = MAX_TEXT) -> str:
    """User text as literal Markdown for one line or table cell: no markup, HTML or @mentions."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    return _SPECIAL.sub(r"\\\1", text).replace("@", "@&#8203;")


def _cell(text: str) -> str:
    return md(text) if text else "—"


def _code_block(lines: list[str]) -> list[str]:
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + "text", *lines, fence]


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *("| " + " | ".join(row) + " |" for row in rows), ""]


def _where(first_id: str, second_id: str | None, title: str) -> str:
    ids = f"`{first_id}`" + (f" › `{second_id}`" if second_id else "")
    return f"{ids} {md(title)}".rstrip()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _summary(diff: Diff) -> str:
    parts = []
    for noun, ids in (("objective", [i for i in diff.items if not i.key_result_id]),
                      ("key result", [i for i in diff.items if i.key_result_id])):
        kinds = Counter(i.kind for i in ids)
        parts += [_count(kinds[k], noun) + f" {k}" for k in ("added", "removed", "changed") if kinds[k]]
    if diff.statuses:
        parts.append(_count(len(diff.statuses), "status change"))
    rows = [r for m in diff.metrics for r in m.observations]
    kinds = Counter("new" if not r.old else "removed" if not r.new else "revised" for r in rows)
    parts += [_count(kinds[k], f"{k} observation") for k in ("new", "revised", "removed") if kinds[k]]
    kinds = Counter(m.kind for m in diff.metrics if m.kind != "changed" or m.fields)
    parts += [_count(kinds[k], "metric") + f" {k}" for k in ("added", "removed", "changed") if kinds[k]]
    if diff.settings:
        parts.append(_count(len(diff.settings), "portal setting") + " changed")
    problems = len(diff.problems) + diff.hidden_problems
    if problems:
        parts.append(_count(problems, "new validation problem"))
    return (", ".join(parts) + ".") if parts else ""


def render_markdown(diff: Diff) -> str:
    """The report, for a pull-request comment (GitHub-flavoured Markdown)."""
    summary = _summary(diff)
    if not diff.changes_site:
        summary = f"No changes to the public site. {summary}".rstrip()
    out = ["## What this change does to the public site", "", summary, "",
           f"Compared {md(diff.a_name)} with {md(diff.b_name)}, statuses as of {diff.as_of}.", ""]
    for section in (_problems_section, _items_section, _statuses_section, _metrics_section, _observations_section,
                    _settings_section):
        out += section(diff)
    return "\n".join(out).rstrip() + "\n"


def _problems_section(diff: Diff) -> list[str]:
    if not diff.problems and not diff.hidden_problems:
        return []
    out = ["### New validation problems", "",
           "The site cannot be built until these are fixed (`okr-portal validate` lists them all). "
           "Statuses are not compared for objectives whose files have problems.", ""]
    if diff.problems:
        out += [*_code_block([str(p) for p in diff.problems]), ""]
    if diff.hidden_problems:
        out += [f"{_count(diff.hidden_problems, 'problem')} in unpublished files "
                "(drafts and the metrics only they use) not shown here.", ""]
    return out


def _items_section(diff: Diff) -> list[str]:
    rows = []
    for item in diff.items:
        where = _where(item.objective_id, item.key_result_id, item.title)
        if item.kind == "removed":
            rows.append((where, "**removed**", "—", "—"))
        elif item.kind == "added":
            facts = [f"{f.field}: {md(f.new)}" for f in item.fields]
            facts += [f"status: {item.status}"] if item.status else []
            rows.append((where, "**added**", "—", "; ".join(facts) or "—"))
        else:
            rows += [(where if i == 0 else "", md(f.field), _cell(f.old), _cell(f.new))
                     for i, f in enumerate(item.fields)]
    head = ("Objective › key result", "Change", "Before", "After")
    return ["### Objectives and key results", "", *_table(head, rows)] if rows else []


def _statuses_section(diff: Diff) -> list[str]:
    rows = [(_where(s.objective_id, s.key_result_id, s.title), STATUS_LABELS[s.old], STATUS_LABELS[s.new])
            for s in diff.statuses]
    head = ("Objective › key result", "Before", "After")
    return [f"### Status changes (as of {diff.as_of})", "", *_table(head, rows)] if rows else []


def _metrics_section(diff: Diff) -> list[str]:
    rows = [(_where(m.metric_id, None, m.title), f"**{m.kind}**", "—", md(m.summary) or "—")
            for m in diff.metrics if m.kind != "changed"]
    rows += [(f"`{m.metric_id}`", md(f.field), _cell(f.old), _cell(f.new)) for m in diff.metrics for f in m.fields]
    return ["### Metrics", "", *_table(("Metric", "Change", "Before", "After"), rows)] if rows else []


def _observations_section(diff: Diff) -> list[str]:
    rows, more = [], []
    for m in diff.metrics:
        rows += [(f"`{m.metric_id}`", str(r.date), _cell(r.old), _cell(r.new) if r.new else "removed")
                 for r in m.observations[:MAX_ROWS]]
        if len(m.observations) > MAX_ROWS:
            more.append(f"… and {len(m.observations) - MAX_ROWS} more for `{m.metric_id}`.")
    if not rows:
        return []
    return ["### Metric observations", "", *_table(("Metric", "Date", "Before", "After"), rows),
            *([*more, ""] if more else [])]


def _settings_section(diff: Diff) -> list[str]:
    rows = [(md(f.field), _cell(f.old), _cell(f.new)) for f in diff.settings]
    return ["### Portal settings", "", *_table(("Setting", "Before", "After"), rows)] if rows else []

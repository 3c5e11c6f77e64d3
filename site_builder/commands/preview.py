"""The live preview's regeneration (commands/serve.py): after a first full one, an edit to
objective files regenerates only what it can change, in the language served.

The preview keeps the portal it showed last (the model is immutable) and the report made
from it. When only files under okrs/objectives/ changed, those files are read again (by
the loader's own functions: any problem at all, and the whole portal is read and checked
as a build does, for its messages), the portal is validated and computed again (both
fast), and the reports compared: the objectives whose status or content changed, those
above them in the alignment (the tallies of what is below), those aligned to them (what
they contribute to), those whose place in an alignment tree's pages moved, and the
metrics their key results measure, are rendered again; so is every page that is not an
objective's or a metric's (lists, home, units, feed, API). The objectives edited come
first, in a pass of their own, so the engine shows them while the rest is made. Anything
else (portal.yml, metrics, units, an objective added, removed or moved to another
period, a draft, the history, the day) and the whole language is regenerated, as before.
Files no longer made are removed at the end (``removed``), as a build's tree would not
have them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from site_builder.commands.build import BuildFailed, Generated, generate
from site_builder.compute.derived import with_derived
from site_builder.compute.rules import Report, compute
from site_builder.history.revisions import read_history
from site_builder.render import organization_index
from site_builder.render.write import files_in, is_page, location, static_of
from site_builder.source.check import Checked
from site_builder.source.files import read_record
from site_builder.source.formats import OBJECTIVE
from site_builder.source.load import OBJECTIVES_DIR, objective_from_text
from site_builder.source.reader import Reader
from site_builder.source.validate import validate


@dataclass(frozen=True)
class _Shown:
    """What the preview showed last: the portal as checked, its report, the docs tree's files."""
    checked: Checked
    report: Report
    history: object
    as_of: date
    files: frozenset[str]


class Preview:
    def __init__(self, root: Path, work: Path, as_of: date | None, lang: str | None):
        self.root, self.work, self.as_of, self.lang = Path(root), Path(work), as_of, lang
        self.shown: _Shown | None = None
        self.removed: list[str] = []  # docs files the last regeneration removed
        self.passes = 0  # how the last one went: 0 the whole language, 2 an edit's pages and then the rest
        self.between = lambda: None  # called between the two passes (serve: until the engine built the first)
        self.written = lambda rels: None  # called with the files other than pages each pass wrote (serve places them)

    def regenerate(self, changed: set[str] | None = None) -> Generated:
        """The docs tree for the okrs/ files ``changed`` (paths under the portal; None: any).
        Raises BuildFailed with the portal's problems, the last good tree kept."""
        as_of = self.as_of or date.today()
        self.removed = []
        plan = self._plan(changed, as_of) if changed and self.shown and self.shown.as_of == as_of else None
        if plan is None:
            return self._full(as_of)
        checked, report, history, edited, objectives, metrics = plan
        common = dict(work=self.work, reports=None, checked=checked, languages=(self.lang,))
        site = self.work / "preview"
        first = generate(self.root, as_of, site, only=lambda kind, key: kind == "objective" and key in edited,
                         **common)
        self._wrote(first)
        if first.changed:
            self.between()
        rest = generate(self.root, as_of, site, only=lambda kind, key: kind == "rest" or (
            key in objectives if kind == "objective" else key in metrics), **common)
        self._wrote(rest)
        docs = self._docs()
        again = edited | objectives
        made = {rel for generated in (first, rest) for rel in generated.trees[self.lang].files}
        kept = {rel for rel in self.shown.files if (_owner(rel)[0] == "objective" and _owner(rel)[1] not in again)
                or (_owner(rel)[0] == "metric" and _owner(rel)[1] not in metrics)}
        self.removed = _remove(docs, sorted(self.shown.files - made - kept, reverse=True))
        self.shown = _Shown(checked, report, history, as_of, frozenset(made | kept))
        self.passes = 2
        return replace(rest, changed=first.changed + rest.changed + self.removed)

    def _wrote(self, generated: Generated) -> None:
        tree = generated.trees.get(self.lang)
        if tree is not None:
            self.written([rel for rel in tree.changed if not is_page(rel)])

    def _docs(self, settings=None) -> Path:
        settings = settings or self.shown.checked.portal.settings
        return self.work / "docs" if self.lang == settings.default_language else self.work / f"lang-{self.lang}" / "docs"

    def _full(self, as_of: date) -> Generated:
        self.passes = 0
        generated = generate(self.root, as_of, self.work / "preview", work=self.work, reports=None,
                             languages=None if self.lang is None else (self.lang,))
        settings = generated.checked.portal.settings
        self.lang = self.lang or settings.default_language
        if self.lang not in generated.configs:
            return generated
        self._wrote(generated)
        portal = generated.checked.portal
        before = self.shown.files if self.shown is not None else frozenset()
        files = frozenset(_files(self._docs(settings)))
        self.removed = sorted(before - files)  # the build's sweep removed them
        self.shown = _Shown(generated.checked, compute(portal, as_of), read_history(self.root), as_of, files)
        return generated

    def _plan(self, changed: set[str], as_of: date):
        """What an edit of objective files needs rendered again, or None: regenerate it all."""
        shown = self.shown
        portal = shown.checked.portal
        if any(not rel.startswith(OBJECTIVES_DIR + "/") or not rel.endswith(".yml")
               or os.path.islink(self.root / rel) for rel in changed):
            return None
        by_path = {o.path: o for o in portal.objectives}
        schema = portal.settings.schema
        for rel in changed:
            if not (self.root / rel).is_file():
                return None  # a file removed: an objective gone, its pages with it
            problems: list = []
            read_record(self.root, rel, OBJECTIVE, Reader(problems, schema))  # the loader's own checks
            try:
                text = (self.root / rel).read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                return None
            objective = objective_from_text(text, rel, problems)
            if problems or objective is None or rel not in by_path:
                return None
            by_path[rel] = objective
        portal = replace(portal, objectives=tuple(by_path[o.path] for o in portal.objectives))
        problems = validate(portal)
        if any(not p.warning for p in problems):
            return None  # the full check says what is wrong, as a build would
        history = read_history(self.root)
        if history != shown.history:
            return None
        report = compute(with_derived(portal), as_of)
        old = {s.objective.id: s for s in shown.report.objectives}
        new = {s.objective.id: s for s in report.objectives}
        if list(old) != list(new) or _metrics(shown.report) != _metrics(report):
            return None  # an objective published, withdrawn or moved; a metric published or not
        touched = {i for i in new if new[i] != old[i]}
        edited = {i for i in touched if new[i].objective != old[i].objective}
        objectives = set(touched)
        if organization_index.has_organization(shown.report) or organization_index.has_organization(report):
            if any(_alignment_key(new[i]) != _alignment_key(old[i]) for i in touched):
                return None
            objectives |= _neighbours(report, touched) | _tree_moves(shown.report, report)
        metrics = {kr.key_result.metric for i in touched for s in (old[i], new[i]) for kr in s.key_results
                   if kr.key_result.metric}
        checked = Checked(portal, [], [p for p in problems if p.warning])
        return checked, report, history, edited, objectives - edited, metrics


def _alignment_key(status) -> tuple:
    o = status.objective
    return o.period, o.unit, o.aligns_to, o.visibility, tuple(kr.key_result.id for kr in status.key_results)


def _neighbours(report: Report, touched: set[str]) -> set[str]:
    """Every objective above the touched ones (their tallies) and those aligned to them."""
    parents, below = report.alignment.parents, report.alignment.by_parent
    out = set()
    for objective_id in touched:
        out.update(below.get(objective_id, ()))
        up = parents.get(objective_id)
        while up is not None and up[0] not in out:
            out.add(up[0])
            up = parents.get(up[0])
    return out


def _tree_moves(old: Report, new: Report) -> set[str]:
    """The objectives whose page of their period's alignment tree changed (each page links there)."""
    pages = {}
    for which, report in (("old", old), ("new", new)):
        org = organization_index.of(report)
        pages[which] = {(period.id, key): page for period in report.settings.periods
                        for key, page in org.alignment_tree(period.id).first_page.items()}
    moved = {key for key in pages["old"].keys() | pages["new"].keys()
             if pages["old"].get(key) != pages["new"].get(key)}
    ids = {organization_index.objective_key(s.objective.id): s.objective.id for s in new.objectives}
    return {ids[node] for _, node in moved if node in ids}


def _metrics(report: Report) -> set[str]:
    return {kr.key_result.metric for s in report.objectives for kr in s.key_results if kr.key_result.metric}


def _owner(rel: str) -> tuple[str, str]:
    """Which page's job writes a docs file (render.pages, by the paths render gives them):
    ("objective", id), ("metric", id), or ("rest", "") for every other file."""
    parts = rel.split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    if len(parts) == 2 and parts[0] in ("objectives", "badges", "cards"):
        return "objective", stem
    if len(parts) >= 3 and parts[0] in ("embed", "charts"):
        return "objective", parts[1]
    if len(parts) == 2 and (parts[0] == "metrics" and parts[1].endswith(".md") or
                            parts[0] == "data" and parts[1].endswith(".csv")) \
            and stem != "index" and not stem.startswith("page_"):
        return "metric", stem
    return "rest", ""


def _files(docs: Path) -> set[str]:
    """The generated files of a language: its pages and its static tree's files (render.write)."""
    pages = {rel for rel in files_in(docs) if is_page(rel)}
    return pages | {rel for rel in files_in(static_of(docs)) if not is_page(rel)}


def _remove(docs: Path, stale: list[str]) -> list[str]:
    """Remove the files no longer made (render.write.sweep, but only those: the tree is known),
    and the folders they leave empty. Returns them."""
    for rel in stale:
        path = Path(location(docs, rel))
        top = docs if is_page(rel) else static_of(docs)
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        for folder in path.parents:
            if folder == top or any(folder.iterdir()):
                break
            folder.rmdir()
    return stale

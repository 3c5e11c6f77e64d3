"""`okr-portal checkin`: a check-in added to a key result's objective file (DESIGN.md §3, §6).

The file keeps every byte it had (comments, key order, quoting, newlines, a BOM):
the check-in is inserted among the key result's updates in date order, after the
last one dated on or before it (yaml_insert). The portal is validated with the
change before anything is written.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

from site_builder.commands.status_table import STATUS_LABELS
from site_builder.commands.diff.report import md
from site_builder.editing import staged
from site_builder.editing.outcome import Outcome, refused
from site_builder.editing.yaml_insert import InsertError, add_update
from site_builder.model import Objective, Portal
from site_builder.problems import did_you_mean, excerpt
from site_builder.source.check import check
from site_builder.source.formats import CONFIDENCES

MAX_TEXT_CHARS = 20_000  # far above a check-in, far below a file pasted in by mistake


def checkin(root: Path, ref: str, confidence: str, text: dict[str, str],
            next_steps: dict[str, str] | None = None, when: date | None = None, *,
            waiting: Callable[[str], None] | None = None) -> Outcome:
    """Add a check-in to key result ``ref`` ("objective/key-result"), dated ``when`` (default: today).

    ``text`` and ``next_steps`` map language codes to text. ``waiting(message)`` is told once
    when another check-in or record holds the portal and this one waits for it."""
    root = Path(root)
    try:
        with staged.locked(root, (staged.EDIT_LOCK,), waiting):
            return _checkin(root, ref, confidence, text, next_steps, when or date.today())
    except staged.LockFailed as exc:
        return refused("", str(exc))


def _checkin(root: Path, ref: str, confidence: str, text: dict[str, str], next_steps: dict[str, str] | None,
             when: date) -> Outcome:
    before = check(root)
    portal = before.portal
    if portal.settings is None:  # no portal.yml that can be read: nothing to check against
        return refused("", *staged.problem_lines(before))
    found = _find(portal, ref)
    if isinstance(found, str):  # perhaps in a file that cannot be read: its problems say why
        return refused("", found, *staged.problem_lines(before))
    objective, kr_id = found
    rel = objective.path
    if staged.link_problem(root, rel):
        return refused(rel, staged.link_problem(root, rel))
    wrong = _wrong_arguments(portal, objective, confidence, text, next_steps, when)
    if wrong:
        return refused(rel, *wrong)
    entry: dict = {"date": when, "confidence": confidence, "text": _text(portal, text)}
    if next_steps:
        entry["next_steps"] = _text(portal, next_steps)
    try:
        raw = (root / rel).read_bytes()
        bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
        new = add_update(raw[len(bom):].decode("utf-8"), kr_id, when, entry)
    except InsertError as exc:
        return refused(rel, f"{rel}: {exc}")
    except (OSError, UnicodeDecodeError):
        return refused(rel, f"{rel}: cannot be read as UTF-8 text; fix it first (okr-portal validate)")
    data = bom + new.encode("utf-8")
    after, problems = staged.apply(root, rel, data)
    if problems:
        return refused(rel, *problems)
    label = STATUS_LABELS[confidence]
    if objective.is_public:
        lead = f"Check-in of {when} ({label}) added to `{objective.id}` › `{kr_id}` in {md(rel)}."
    else:  # the diff report never names a draft, so that it can be posted where the public reads
        lead = f"Check-in of {when} ({label}) added to a draft objective: drafts are not published."
    return Outcome(True, [], staged.change_report(before, after, lead, "the check-in"), rel)


def _find(portal: Portal, ref: str) -> tuple[Objective, str] | str:
    """The objective and key result ``ref`` names, or the problem line."""
    objective_id, slash, kr_id = ref.partition("/")
    if not slash or not objective_id or not kr_id or "/" in kr_id:
        return (f"'{excerpt(ref)}' does not name a key result: write OBJECTIVE/KEY-RESULT, as in "
                "timely-access/primary-care-wait")
    objectives = {o.id: o for o in sorted(portal.objectives, key=lambda o: o.path) if o.id}
    objective = objectives.get(objective_id)
    if objective is None:
        return (f"unknown objective '{excerpt(objective_id)}': no file in okrs/objectives/ has that id"
                f"{did_you_mean(objective_id, objectives)}")
    ids = [kr.id for kr in objective.key_results if kr.id]
    if kr_id not in ids:
        return (f"{objective.path}: objective '{objective_id}' has no key result '{excerpt(kr_id)}'"
                f"{did_you_mean(kr_id, ids)} (its key results: {', '.join(ids) or 'none'})")
    return objective, kr_id


def _wrong_arguments(portal: Portal, objective: Objective, confidence: str, text: dict[str, str],
                     next_steps: dict[str, str] | None, when: date) -> list[str]:
    settings = portal.settings
    wrong = []
    if confidence not in CONFIDENCES:
        wrong.append(f"confidence '{excerpt(confidence)}' is not one of {', '.join(CONFIDENCES)}"
                     f"{did_you_mean(confidence, CONFIDENCES)}")
    if when > date.today():
        wrong.append(f"the check-in date {when} is after today: a check-in reports what has happened so far")
    period = settings.period(objective.period)
    if period is not None and period.start is not None and when < period.start:
        wrong.append(f"the check-in date {when} is before the objective's period {period.id} starts "
                     f"({period.start}); a check-in for an earlier period belongs to that period's objective")
    for label, texts in (("text", text), ("next steps", next_steps or {})):
        for lang, words in texts.items():
            if lang not in settings.languages:
                wrong.append(f"language '{excerpt(lang)}' of the {label} is not one of the portal's languages "
                             f"({', '.join(settings.languages)}){did_you_mean(lang, settings.languages)}")
            elif not words.strip():
                wrong.append(f"the {label} in '{lang}' is empty: say what happened")
            elif len(words) > MAX_TEXT_CHARS:
                wrong.append(f"the {label} in '{lang}' is {len(words):,} characters long; the limit is "
                             f"{MAX_TEXT_CHARS:,}")
        if texts and settings.default_language not in texts:
            wrong.append(f"there is no {label} in the portal's first language '{settings.default_language}': it is "
                         "shown wherever a translation is missing")
    if not text:
        wrong.append("the check-in has no text: say what happened (--text)")
    return wrong


def _text(portal: Portal, texts: dict[str, str]):
    """A plain string in a one-language portal, else {language: text} in the portal's order."""
    languages = portal.settings.languages
    clean = {lang: words.replace("\r\n", "\n").replace("\r", "\n").strip() for lang, words in texts.items()}
    if len(languages) == 1:  # (an issue form's answers come with CRLF newlines)
        return clean[languages[0]]
    return {lang: clean[lang] for lang in languages if lang in clean}

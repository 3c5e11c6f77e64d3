"""``okr-portal from-issue``: an issue opened from one of the forms, made into the change it asks for.

The workflow (scaffold: .github/workflows/issue-form.yml) runs this on the issue
event GitHub saved; it reads the form's answers from the issue's body, makes the
check-in or the new value with the editing commands (which validate the whole
portal first and write nothing when the change is refused), and leaves the
pull request's body and the issue's reply in files for the workflow's next steps.

Everything in the event is the issue author's text and is read as data: only
the key results and metrics the form offers are accepted (public ones), and
whatever the reply quotes is made inert Markdown (no mentions, no links).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from site_builder.editing import issue_forms, staged
from site_builder.editing.checkin import checkin
from site_builder.editing.issue_body import BodyError, parse_body
from site_builder.editing.issue_forms import Form, chosen_id, confidence_word
from site_builder.editing.outcome import Outcome
from site_builder.editing.record import record
from site_builder.model import Portal
from site_builder.source.check import check
from site_builder.source.values import NOT_A_DATE, read_date

MAX_EVENT_BYTES = 4 * 1024 * 1024  # an issue event is a few kilobytes; its body at most 64 K characters
PULL_REQUEST, COMMENT = "pull-request.md", "comment.md"
MAX_PROBLEMS = 20
MAX_REPORT_CHARS = 60_000


class EventError(Exception):
    """The event file is not an issue event: a fault of the workflow, not of the issue."""


@dataclass(frozen=True)
class Issue:
    number: int
    body: object
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    changed: bool
    path: str  # the file changed, relative to the portal ("" when nothing was)
    pull_request: str  # the pull request's body (Markdown; "" when nothing changed)
    comment: str  # the reply on the issue (Markdown)


def read_event(path: Path) -> Issue:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_EVENT_BYTES + 1)
    except OSError as exc:
        raise EventError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_EVENT_BYTES:
        raise EventError(f"{path} is larger than an issue event can be")
    try:
        event = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise EventError(f"{path} is not an event as GitHub saves it (JSON)") from None
    issue = event.get("issue") if isinstance(event, dict) else None
    number = issue.get("number") if isinstance(issue, dict) else None
    if not isinstance(number, int) or isinstance(number, bool):
        raise EventError(f"{path} is not an issue event: it has no issue number")
    labels = tuple(label["name"] for label in issue.get("labels") or ()
                   if isinstance(label, dict) and isinstance(label.get("name"), str))
    return Issue(number, issue.get("body"), labels)


def from_issue(root: Path, issue: Issue) -> Result:
    """The change the issue asks for, made in the portal at ``root`` when it is valid."""
    kinds = [label for label in (issue_forms.CHECK_IN_LABEL, issue_forms.NEW_VALUE_LABEL) if label in issue.labels]
    if len(kinds) != 1:
        return _refusal(["the issue needs exactly one of the labels "
                         f"{issue_forms.CHECK_IN_LABEL} and {issue_forms.NEW_VALUE_LABEL}: "
                         "open it from the Check-in or the New value form"])
    checked = check(root)
    if checked.problems:  # not the issue's fault, but no change can be checked against a broken portal
        return _refusal(["the portal has problems that must be fixed before any change can be made "
                         "(okr-portal validate lists them):", *staged.problem_lines(checked)])
    portal = checked.portal
    check_in = kinds[0] == issue_forms.CHECK_IN_LABEL
    form = issue_forms.check_in_form(portal) if check_in else issue_forms.new_value_form(portal)
    try:
        answers = _answers(form, issue.body)
    except BodyError as exc:
        return _refusal([str(exc)])
    problems: list[str] = []
    outcome = (_check_in(root, portal, form, answers, problems) if check_in else
               _new_value(root, portal, form, answers, problems))
    if outcome is None or not outcome.written:
        return _refusal(problems + (list(outcome.problems) if outcome is not None else []))
    report = outcome.report.rstrip()
    if len(report) > MAX_REPORT_CHARS:  # GitHub refuses a pull request whose body is over 65,536 characters
        report = report[:MAX_REPORT_CHARS].rstrip() + "\n\n(The report is cut here: the files changed show all.)"
    body = f"{report}\n\nProposed in issue #{issue.number}.\n\nCloses #{issue.number}\n"
    comment = ("The change is ready for review in the pull request above. It is published once the pull "
               "request is merged; edit this issue to change it.\n")
    return Result(True, outcome.path, body, comment)


def _answers(form: Form, body: object) -> dict[str, str | None]:
    """The answers by field id; a required field left empty is a problem."""
    by_label = parse_body(body, [f.label for f in form.fields])
    answers = {f.id: by_label.get(f.label) for f in form.fields}
    missing = [f.label for f in form.fields if f.required and not answers[f.id]]
    if missing:
        raise BodyError("the issue has no answer for " + ", ".join(f'"{label}"' for label in missing)
                        + ": edit the issue and answer it")
    return answers


def _one_line(form: Form, answers: dict, field_id: str, problems: list[str]) -> str | None:
    answer = answers.get(field_id)
    if answer is None:
        return None
    if "\n" in answer.strip():
        problems.append(f'"{form.field(field_id).label}" must be one line')
        return None
    return answer.strip()


def _date(form: Form, answers: dict, problems: list[str]) -> date | None:
    raw = _one_line(form, answers, "date", problems)
    if raw is None:
        return None
    day, error = read_date(raw.strip("`").strip())
    if day is None:
        problems.append(f'"Date": {_quote(raw)} {error or NOT_A_DATE}')
    return day


def _offered(form: Form, answers: dict, field_id: str, offered: set[str], what: str,
             problems: list[str]) -> str | None:
    raw = _one_line(form, answers, field_id, problems)
    if raw is None:
        return None
    chosen = chosen_id(raw)
    if chosen not in offered:
        problems.append(f'"{form.field(field_id).label}": {_quote(chosen)} is not one of the portal\'s {what}')
        return None
    return chosen


def _check_in(root: Path, portal: Portal, form: Form, answers: dict, problems: list[str]) -> Outcome | None:
    offered = set(issue_forms.public_key_results(portal))
    ref = _offered(form, answers, "key_result", offered, "public key results", problems)
    words = {confidence_word(c): c for c in issue_forms.CONFIDENCE_VALUES}
    said = _one_line(form, answers, "confidence", problems)
    confidence = words.get(said or "") or (said if said in words.values() else None)
    if said is not None and confidence is None:
        problems.append(f'"Confidence": {_quote(said)} is not one of ' + ", ".join(words))
    text = {f.id[len("text-"):]: answers[f.id] for f in form.fields if f.id.startswith("text-") and answers[f.id]}
    next_steps = {f.id[len("next_steps-"):]: answers[f.id] for f in form.fields
                  if f.id.startswith("next_steps-") and answers[f.id]}
    when = _date(form, answers, problems)
    if problems or ref is None or confidence is None:
        return None
    return checkin(root, ref, confidence, text, next_steps or None, when)


_GROUP = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=\s*([A-Za-z0-9_-]+)\s*$")


def _groups(form: Form, answers: dict, problems: list[str]) -> dict[str, str] | None:
    raw = _one_line(form, answers, "groups", problems) if form.field("groups") else None
    if not raw:
        return None
    groups: dict[str, str] = {}
    for part in raw.strip("`").split(","):
        if not part.strip():
            continue
        found = _GROUP.match(part)
        if not found:
            problems.append(f'"Groups": {_quote(part.strip())} is not in the form dimension=code')
        elif found[1] in groups:
            problems.append(f'"Groups": the dimension {found[1]} is given twice')
        else:
            groups[found[1]] = found[2]
    return groups or None


def _new_value(root: Path, portal: Portal, form: Form, answers: dict, problems: list[str]) -> Outcome | None:
    offered = set(issue_forms.recordable_metrics(portal))
    metric = _offered(form, answers, "metric", offered, "metrics with values to record", problems)
    when = _date(form, answers, problems)
    value = _one_line(form, answers, "value", problems)
    note = _one_line(form, answers, "note", problems)
    flag = _one_line(form, answers, "flag", problems) if form.field("flag") else None
    if flag is not None and flag not in issue_forms.FLAG_CHOICES:
        problems.append(f'"Flag": {_quote(flag)} is not one of ' + ", ".join(issue_forms.FLAG_CHOICES))
    groups = _groups(form, answers, problems)
    if problems or metric is None or when is None or value is None:
        return None
    # Left empty, the row's flag is kept (a correction); "none" clears it.
    return record(root, metric, when, value.strip("`").strip(), note,
                  "" if flag == issue_forms.NO_FLAG else flag, groups)


def _refusal(problems: list[str]) -> Result:
    shown = problems[:MAX_PROBLEMS]
    more = len(problems) - len(shown)
    lines = "\n".join(f"- {_inert(p)}" for p in shown) + (f"\n- and {more} more" if more > 0 else "")
    comment = ("This change could not be made, and nothing was changed:\n\n" + lines
               + "\n\nEdit the issue to correct it: the change is tried again when the issue is saved.\n")
    return Result(False, "", "", comment)


_MARKUP = re.compile(r"([\\`*_\[\]<>#|~!])")


def _quote(text: str, limit: int = 200) -> str:
    """What the issue said, quoted in a problem: one line, cut to a length."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _inert(text: str) -> str:
    """A problem as plain words in Markdown: no markup, no @mention, no link."""
    return _MARKUP.sub(r"\\\1", _quote(text, 1000)).replace("@", "@\u200b").replace("://", ":\u200b//")


def run(root: Path, event: Path, output: Path, github_output: str | None) -> Result:
    """Make the change, write the pull request's body and the reply into ``output``, and tell
    the workflow whether something changed (``changed`` and ``path`` in $GITHUB_OUTPUT)."""
    issue = read_event(event)
    output.mkdir(parents=True, exist_ok=True)  # before any change: a change with no report would be lost
    result = from_issue(root, issue)
    (output / PULL_REQUEST).write_text(result.pull_request, encoding="utf-8")
    (output / COMMENT).write_text(result.comment, encoding="utf-8")
    if github_output:
        with open(github_output, "a", encoding="utf-8") as out:
            out.write(f"changed={'true' if result.changed else 'false'}\npath={result.path}\n")
    return result

"""The GitHub issue forms for check-ins and new values, made from a portal.

``.github/ISSUE_TEMPLATE/check-in.yml`` and ``new-value.yml`` list the portal's
public key results and published metrics, so they are remade (``okr-portal
forms``) when those change. The field ids are a contract: links elsewhere
prefill the forms with them (``?template=check-in.yml&key_result=...``), and
from_issue reads the answers back by the same fields.

GitHub documents no limit on a dropdown's options, but a long one is unusable
and makes every form page heavy: past MAX_OPTIONS choices, the field keeps its
id and becomes an input for the id instead (the id is on the site's pages).
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Mapping

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from site_builder.compute.derived import with_derived
from site_builder.compute.rules import compute
from site_builder.compute.status import CONFIDENCES
from site_builder.model import FLAGS, KeyResult, Portal
from site_builder.render.api import published_metrics
from site_builder.render.formats import language_name
from site_builder.source.check import check
from site_builder.text import Text

FOLDER = ".github/ISSUE_TEMPLATE"
CHECK_IN, NEW_VALUE = "check-in.yml", "new-value.yml"
# The labels the forms put on their issues, which start the workflow
# (GitHub applies a form's labels only when they exist in the repository).
CHECK_IN_LABEL, NEW_VALUE_LABEL = "okr-check-in", "okr-new-value"
MAX_OPTIONS = 100
MAX_OPTION_CHARS = 100  # an option is "id — Title": long titles are cut, the id never
SEPARATOR = " — "
NO_FLAG = "none"
FLAG_CHOICES = (NO_FLAG, *FLAGS)
CONFIDENCE_VALUES = tuple(c.value for c in CONFIDENCES)

HEADER = ("# Written by `okr-portal forms` from okrs/: run it again after changing objectives, key results\n"
          "# or metrics. Changes made here by hand are lost then.\n")


@dataclass(frozen=True)
class Field:
    id: str
    type: str  # dropdown | input | textarea
    label: str
    description: str = ""
    options: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class Form:
    file: str  # its name in .github/ISSUE_TEMPLATE
    name: str
    description: str
    title: str
    label: str
    intro: str
    fields: tuple[Field, ...]

    def field(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)

    def yaml(self) -> str:
        items = [{"type": "markdown", "attributes": {"value": LiteralScalarString(self.intro)}}]
        for f in self.fields:
            attributes = {"label": _q(f.label)}
            if f.description:
                attributes["description"] = _q(f.description)
            if f.options:
                attributes["options"] = [_q(o) for o in f.options]
            items.append({"type": f.type, "id": _q(f.id), "attributes": attributes,
                          "validations": {"required": f.required}})
        data = {"name": _q(self.name), "description": _q(self.description), "title": _q(self.title),
                "labels": [_q(self.label)], "body": items}
        out = io.StringIO()
        yaml = YAML()
        yaml.width = 4096
        yaml.indent(mapping=2, sequence=4, offset=2)
        yaml.dump(data, out)
        return HEADER + out.getvalue()


def _q(text: str) -> DoubleQuotedScalarString:
    # Double quotes for every string: GitHub reads YAML 1.1, where a bare
    # yes, on or 1.0 would not be the text written.
    return DoubleQuotedScalarString(text)


def _languages(portal: Portal) -> tuple[str, ...]:
    settings = portal.settings
    return settings.languages if settings is not None and settings.languages else ("en",)


def _title(text: Text | None, lang: str) -> str:
    return " ".join(text.get(lang, lang).split()) if text is not None else ""


def option(item_id: str, title: str) -> str:
    """A dropdown option: the id, then the title, cut to fit."""
    room = MAX_OPTION_CHARS - len(item_id) - len(SEPARATOR)
    if not title or room < 2:
        return item_id
    return item_id + SEPARATOR + (title if len(title) <= room else title[:room - 1].rstrip() + "…")


def chosen_id(answer: str) -> str:
    """The id in an answer to a key-result or metric field: the option's id, or an id typed in."""
    return answer.split(SEPARATOR, 1)[0].strip().strip("`").strip()


def confidence_word(confidence: str) -> str:
    return confidence.replace("_", " ").capitalize()


def _language_labels(portal: Portal, what: str) -> list[tuple[str, str]]:
    """(language, label) for a text asked in each of the portal's languages."""
    languages = _languages(portal)
    names = [language_name(lang) for lang in languages]
    unique = len(set(names)) == len(names)
    return [(lang, f"{what}{SEPARATOR}{name}" if unique else f"{what}{SEPARATOR}{name} ({lang})")
            for lang, name in zip(languages, names)]


def _choice(field_id: str, label: str, choices: list[str], what: str) -> Field:
    if len(choices) <= MAX_OPTIONS:
        return Field(field_id, "dropdown", label, f"The {what} this is about.", tuple(choices), True)
    return Field(field_id, "input", label, f"The {what}'s id, as shown on its page of the site.", (), True)


def public_key_results(portal: Portal) -> dict[str, KeyResult]:
    """The key results a check-in may be proposed for, by "objective/key-result"."""
    return {f"{o.id}/{kr.id}": kr for o in portal.public_objectives for kr in o.key_results if o.id and kr.id}


def check_in_form(portal: Portal) -> Form:
    lang = _languages(portal)[0]
    key_results = [option(ref, _title(kr.title, lang)) for ref, kr in public_key_results(portal).items()]
    fields = [_choice("key_result", "Key result", key_results, "key result"),
              Field("confidence", "dropdown", "Confidence", "How the owner judges the key result is going.",
                    tuple(confidence_word(c) for c in CONFIDENCE_VALUES), True)]
    for i, (code, label) in enumerate(_language_labels(portal, "Check-in")):
        fields.append(Field(f"text-{code}", "textarea", label,
                            "What happened since the last check-in (Markdown)." if i == 0 else
                            "The same in this language; left empty, the first language's is shown.",
                            required=i == 0))
    if _schema(portal) >= 2:
        for i, (code, label) in enumerate(_language_labels(portal, "Next steps")):
            fields.append(Field(f"next_steps-{code}", "textarea", label,
                                "What happens next (optional)." if i == 0 else "The same in this language."))
    fields.append(Field("date", "input", "Date", "The check-in's date, as YYYY-MM-DD; left empty, today."))
    return Form(CHECK_IN, "Check-in", "Propose a check-in on a key result: a pull request is opened for review.",
                "Check-in: ", CHECK_IN_LABEL, _INTRO, tuple(fields))


def recordable_metrics(portal: Portal) -> list[str]:
    """The published metrics that have observations to record (derived ones are computed)."""
    report = compute(with_derived(portal), date.today())
    return [m for m in published_metrics(report, portal) if not portal.metrics[m].derived]


def new_value_form(portal: Portal) -> Form:
    lang = _languages(portal)[0]
    metric_ids = recordable_metrics(portal)
    metrics = [option(m, _title(portal.metrics[m].title, lang)) for m in metric_ids]
    fields = [_choice("metric", "Metric", metrics, "metric"),
              Field("date", "input", "Date", "The date of the observation, as YYYY-MM-DD.", required=True),
              Field("value", "input", "Value", "The number, such as 42 or 17.5 (a dot before decimals).",
                    required=True),
              Field("note", "input", "Note", "Shown beside the value (optional).")]
    if _schema(portal) >= 2:
        fields.append(Field("flag", "dropdown", "Flag", "Whether the value is an estimate, provisional, a proxy, "
                            "or the first one measured a new way (break); none for an ordinary value.",
                            FLAG_CHOICES))
        dimensions = sorted({d.id for m in metric_ids for d in portal.metrics[m].dimensions})
        if dimensions:
            fields.append(Field("groups", "input", "Groups",
                                "For a value of one group, as dimension=code, dimension=code (dimensions: "
                                + ", ".join(dimensions[:10]) + (", …" if len(dimensions) > 10 else "")
                                + "); left empty, the metric's headline value."))
    return Form(NEW_VALUE, "New value", "Propose a new or corrected value of a metric: a pull request is opened "
                "for review.", "New value: ", NEW_VALUE_LABEL, _INTRO, tuple(fields))


_INTRO = ("Your answers become a pull request that changes the portal's files; nothing is published until\n"
          "someone reviews it and merges it. A reply on this issue links to the pull request, or says what\n"
          "to correct: edit the issue, and the change is tried again.\n")


def _schema(portal: Portal) -> int:
    return portal.settings.schema if portal.settings is not None and portal.settings.schema else 1


def forms(portal: Portal) -> list[Form]:
    return [check_in_form(portal), new_value_form(portal)]


def write_forms(root: Path, portal: Portal) -> list[str]:
    """Write both forms into root's .github/ISSUE_TEMPLATE (each replaced whole, never half-written);
    returns the paths written, relative to root."""
    folder = Path(root) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for form in forms(portal):
        target = folder / form.file
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{form.file}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
                out.write(form.yaml())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(f"{FOLDER}/{form.file}")
    return written


def scaffold_forms(files: Mapping[str, bytes]) -> list[tuple[str, bytes]]:
    """The forms of the portal made of ``files`` (path under the portal -> content), before it is
    written anywhere: ``init`` plans them with the example portal's other files."""
    with tempfile.TemporaryDirectory(prefix="okr-portal-forms-") as folder:
        for rel, data in files.items():
            if rel.startswith("okrs/"):
                path = Path(folder, rel)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        portal = check(Path(folder)).portal
    return [(f"{FOLDER}/{form.file}", form.yaml().encode("utf-8")) for form in forms(portal)]

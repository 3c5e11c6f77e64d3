"""Stage 2: the rules of DESIGN.md §3 and §6 that span values and files.

Pure functions from the model to a list of problems. The load stage has
already reported what could not be read; here a None field means "already
reported", never "check it again".
"""

from __future__ import annotations

from typing import Iterator

from site_builder.model import KeyResult, Metric, Objective, Portal, Settings, target_date
from site_builder.redaction import redact
from site_builder.problems import Loc, Problem, did_you_mean, excerpt
from site_builder.source.formats import KEY_RESULT, KR_TYPE_FIELDS, SCHEMAS
from site_builder.source.organization_rules import organization_problems
from site_builder.source.formula_rules import formula_problems
from site_builder.source.geo_rules import geo_problems
from site_builder.source.logo_rules import logo_problems
from site_builder.source.statistics_rules import statistics_problems
from site_builder.source.reader import misspelled
from site_builder.source.values import LARGEST_NUMBER
from site_builder.text import Text

# Names the site gives pages and folders of its own, by the kind of id that names a page
# beside them: (the folder of the site those pages are in, the names the site takes there).
# An id with one of these names would silently lose its page to the site's (a metric called
# 'index' is metrics/index.md, the list of metrics). The paths are made in urls.py (period_doc,
# tag_doc, metric_doc, API_DOC), render.py (_index_doc: each folder's index.md; page_N.md needs
# an '_', which no id has) and engine.py (each language's site is a folder of the root site).
# Objectives have none: the site writes nothing of its own in objectives/, and owners' pages
# are named by slugs that always end in a hash. tests/test_validate_hardening.py builds a
# portal and checks that the site really writes each of these paths.
RESERVED_NAMES: dict[str, tuple[str, frozenset[str]]] = {
    "metric": ("metrics", frozenset({"index"})),  # metrics/index.md: the list of metrics
    "period": ("periods", frozenset({"index"})),  # periods/index.md: the archive of periods
    "tag": ("tags", frozenset({"index"})),  # tags/index.md: the list of tags
    "language": ("", frozenset({"api"})),  # api/okrs.json, where a language's folder would go
}


def _reserved(kind: str, name: str | None) -> bool:
    # Compared without case: on macOS and Windows, API/ and api/ are one folder.
    return name is not None and name.lower() in RESERVED_NAMES[kind][1]


def validate(portal: Portal) -> list[Problem]:
    settings = portal.settings
    problems: list[Problem] = []
    if settings is not None:
        problems += _settings(settings)
    problems += _unique_objective_ids(portal.objectives)
    for objective in portal.objectives:
        problems += _objective(objective, portal)
    for metric in portal.metrics.values():
        problems += _metric(metric, settings)
    for unit in portal.units:
        problems += _texts(settings, title=unit.title, lead=unit.lead, description=unit.description)
    problems += organization_problems(portal)
    problems += statistics_problems(portal)
    problems += geo_problems(portal)
    problems += formula_problems(portal)
    problems += logo_problems(portal)
    return problems


# --- texts --------------------------------------------------------------------


def _texts(settings: Settings | None, **texts: Text | None) -> Iterator[Problem]:
    """Translations only into declared languages, and always one in the default language."""
    if settings is None:
        return
    declared = settings.languages
    for label, text in texts.items():
        if text is None or text.plain_text is not None:
            continue
        for lang, _, loc in text.translations:
            if lang not in declared:
                yield Problem(loc, f"{label} is translated into '{lang}', which okrs/portal.yml does not declare "
                                   f"(languages: {', '.join(declared)}){did_you_mean(lang, declared)}")
        if settings.default_language not in text.languages:
            yield Problem(text.loc, f"{label} has no text in the default language '{settings.default_language}'")


# --- portal.yml ---------------------------------------------------------------


def _settings(settings: Settings) -> Iterator[Problem]:
    locs = settings.locs
    if settings.schema is not None and settings.schema not in SCHEMAS:
        yield Problem(locs["schema"], f"unsupported schema version {settings.schema}: this okr-portal reads "
                                      "schema 1 or 2")
    yield from _texts(settings, title=settings.title, organization=settings.organization,
                      description=settings.description, contact=settings.contact)
    for lang in settings.languages:
        if _reserved("language", lang):
            yield Problem(locs.get("languages", settings.loc),
                          f"language '{lang}' is used by the site for its own folder ({lang.lower()}/); okr-portal "
                          "cannot publish a language with this code")
    seen: dict[str, Loc] = {}
    for period in settings.periods:
        if _reserved("period", period.id):
            yield Problem(period.locs.get("id", period.loc),
                          f"period id '{period.id}' is used by the site for its own page; choose another id")
        if period.id in seen:
            yield Problem(period.locs.get("id", period.loc),
                          f"period id '{period.id}' is used twice (first at line {seen[period.id].line})")
        else:
            seen[period.id] = period.locs.get("id", period.loc)
        if period.start and period.end and period.end < period.start:
            yield Problem(period.locs["end"], f"period '{period.id}' ends on {period.end}, before it starts on "
                                              f"{period.start}")
        yield from _texts(settings, title=period.title)
    t = settings.thresholds
    if t.at_risk > t.off_track:
        yield Problem(locs.get("thresholds", settings.loc),
                      f"thresholds: at_risk ({t.at_risk:g}) must not be greater than off_track ({t.off_track:g})")


# --- objectives ---------------------------------------------------------------


def _unique_objective_ids(objectives: tuple[Objective, ...]) -> Iterator[Problem]:
    first: dict[str, Objective] = {}
    for objective in objectives:
        if objective.id is None:
            continue
        if objective.id in first:
            other = first[objective.id]
            yield Problem(objective.locs["id"], f"objective id '{objective.id}' is already used by "
                                                f"{other.path}:{other.locs['id'].line}")
        else:
            first[objective.id] = objective


def _objective(objective: Objective, portal: Portal) -> Iterator[Problem]:
    settings = portal.settings
    period = None
    # Without the periods list (already reported), every period would look unknown.
    # Nor without a single period (`periods: []`, already reported).
    if settings is not None and objective.period is not None and "periods" in settings.locs and settings.periods:
        period = settings.period(objective.period)
        if period is None:
            known = [p.id for p in settings.periods]
            yield Problem(objective.locs["period"], f"unknown period '{objective.period}'"
                          f"{did_you_mean(objective.period, known)}; okrs/portal.yml declares: {', '.join(known)}")
    yield from _texts(settings, title=objective.title, owner=objective.owner, description=objective.description)
    for tag in objective.tags:
        if _reserved("tag", tag):
            yield Problem(objective.locs.get("tags", objective.loc),
                          f"tag '{tag}' is used by the site for its own page; choose another tag")
    seen: set[str] = set()
    for kr in objective.key_results:
        if kr.id in seen:
            yield Problem(kr.locs["id"], f"key result id '{kr.id}' is used twice in this objective")
        if kr.id is not None:
            seen.add(kr.id)
        yield from _key_result(kr, period, portal)


_TYPE_SPECIFIC = {key for rule in KR_TYPE_FIELDS.values() for key in rule["allowed"]}
_NEEDS = {"due": "a due date"}  # what a key result of its type needs, where "a <key>" does not say it


def _type_fields(kr: KeyResult, name: str, schema: int | None) -> Iterator[Problem]:
    """The fields a key result's type needs, and none that belong to another type."""
    if kr.type is None:
        return  # the type itself was refused; which fields it needs is anyone's guess
    rule = KR_TYPE_FIELDS[kr.type]
    too_new = {f.name for f in KEY_RESULT.fields if schema is not None and f.since > schema}  # reported as such
    for key in rule["required"]:
        if key not in kr.present and not misspelled(key, kr.present, KEY_RESULT.field_names()):
            yield Problem(kr.loc, f"{name} of type {kr.type} needs '{key}'")
        elif getattr(kr, key) is None and key in kr.locs:
            # Written with nothing after it (an invalid value has no loc: it was reported as such).
            yield Problem(kr.locs[key], f"{name} needs {_NEEDS.get(key, 'a ' + key)}: the value after '{key}:' "
                                        "is empty")
    for key in sorted(kr.present & _TYPE_SPECIFIC - set(rule["allowed"]) - too_new):
        if kr.type == "rollup":
            yield Problem(kr.locs.get(key, kr.loc), f"'{key}' is not used by rollup key results: their progress "
                                                    "comes from the objectives aligned to them; remove it or "
                                                    "change the type")
            continue
        users = [t for t, r in KR_TYPE_FIELDS.items() if key in r["allowed"]]
        yield Problem(kr.locs.get(key, kr.loc), f"'{key}' is not used by {kr.type} key results "
                                                f"(only by {' and '.join(users)}); remove it or change the type")


def _key_result(kr: KeyResult, period, portal: Portal) -> Iterator[Problem]:
    name = f"key result '{kr.id}'" if kr.id else "key result"
    yield from _type_fields(kr, name, portal.settings.schema if portal.settings else None)
    yield from _texts(portal.settings, title=kr.title)
    if kr.metric is not None and kr.metric not in portal.metrics:
        yield Problem(kr.locs["metric"], f"unknown metric '{kr.metric}': there is no okrs/metrics/{kr.metric}.csv"
                                         f"{did_you_mean(kr.metric, portal.metrics)}")
    if kr.type == "metric":
        yield from _baseline_and_target(kr, period, name)
    if kr.threshold is not None and kr.type == "maintain":
        # A threshold without min or max is the Reader's to report: only it knows which were written.
        low, high = kr.threshold.min, kr.threshold.max
        if low is not None and high is not None and low > high:
            yield Problem(kr.threshold.loc, f"{name}: threshold min ({low:g}) is greater than max ({high:g})")
    previous = None
    for update in kr.updates:
        yield from _texts(portal.settings, **{"check-in text": update.text})
        if update.date is not None:
            if previous is not None and update.date < previous:
                yield Problem(update.loc, f"check-ins must be in date order, newest last: {update.date} comes "
                                          f"after {previous}")
            previous = update.date


def _baseline_and_target(kr: KeyResult, period, name: str) -> Iterator[Problem]:
    base, target = kr.baseline, kr.target
    if base is None or target is None:
        return
    if base.value is not None and target.value is not None and base.value == target.value:
        yield Problem(target.locs.get("value", target.loc),
                      f"{name}: target equals baseline ({target.value:g}); to hold a level, use type: maintain "
                      "with a threshold")
    elif base.value is not None and target.value is not None and _too_close(base.value, target.value):
        yield Problem(target.locs.get("value", target.loc),
                      f"{name}: target {_number(target.value)} is too close to the baseline {_number(base.value)} "
                      "to measure progress between them; set a target further from the baseline (to hold a level, "
                      "use type: maintain with a threshold)")
    end = target_date(kr, period)
    if base.date is not None and end is not None and end <= base.date:
        where = target.locs.get("date", target.loc)
        said = "target date" if target.date is not None else "target date (the period's end)"
        yield Problem(where, f"{name}: {said} {end} is not after the baseline date {base.date}")


# Progress is (v - b) / (T - b) (DESIGN.md §4). The target must differ from the baseline by at
# least a billionth of the larger of the two, or T - b is mostly rounding error; and by at least
# 1 / LARGEST_NUMBER, or progress for values up to LARGEST_NUMBER may not fit in a float (it
# would be Infinity in api/okrs.json, and a percentage of hundreds of digits on the page).
_CLOSEST_RELATIVE = 1e-9
_CLOSEST = 1 / LARGEST_NUMBER


def _too_close(baseline: float, target: float) -> bool:
    span = abs(target - baseline)
    return span < _CLOSEST or span < _CLOSEST_RELATIVE * max(abs(baseline), abs(target))


def _number(value: float) -> str:
    """A value as exactly as a float holds it (30.000000000000004, 1e-300), without a trailing .0."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


# --- metrics ------------------------------------------------------------------


def _metric(metric: Metric, settings: Settings | None) -> Iterator[Problem]:
    if _reserved("metric", metric.id):
        files = " and ".join(path for path in (metric.meta_path, metric.csv_path) if path)
        yield Problem(metric.loc, f"metric id '{metric.id}' is used by the site for its own page; choose another id "
                                  f"(rename {files})")
    yield from _texts(settings, title=metric.title, source=metric.source, methodology=metric.methodology,
                      verification=metric.verification, limitations=metric.limitations)
    # A kpi without min or max is the Reader's to report (formats.KPI): only it knows which were written.
    kpi = metric.kpi
    if kpi is not None and kpi.min is not None and kpi.max is not None and kpi.min > kpi.max:
        yield Problem(kpi.loc, f"kpi: min ({kpi.min:g}) is greater than max ({kpi.max:g})")
    feed = metric.feed
    if feed is None or feed.type is None:
        return
    needs = {"csv": ("url",), "json": ("url",), "sql": ("connection_env", "query")}[feed.type]
    for key in needs:
        # Absent, refused (reported), or written empty (then feed.locs has the key's line).
        if getattr(feed, key) is None:
            yield Problem(feed.locs.get(key, feed.loc), f"a {feed.type} feed needs '{key}'")
    unused = {"csv": ("records", "connection_env", "query"), "json": ("connection_env", "query"),
              "sql": ("url", "records", "headers_env")}[feed.type]
    for key in unused:
        if key in feed.locs:
            yield Problem(feed.locs[key], f"'{key}' is not used by {feed.type} feeds")
    if feed.url is not None and feed.type in ("csv", "json"):
        url = feed.url
        if "://" in url and not url.startswith(("http://", "https://")):
            yield Problem(feed.locs["url"], f"feed url '{_shown_url(url)}' must be an http(s) URL or a path inside "
                                            "the portal")
        elif "://" not in url and (url.startswith("/") or ".." in url.split("/")):
            yield Problem(feed.locs["url"], f"feed url '{_shown_url(url)}' must be a path relative to the portal "
                                            "root, inside it")


def _shown_url(url: str) -> str:
    """A feed URL as a message may quote it: without a password (user:password@), then cut short."""
    return excerpt(redact(url))

"""Stage 2: the rules of DESIGN.md §3 and §6 that span values and files.

Pure functions from the model to a list of problems. The load stage has
already reported what could not be read; here a None field means "already
reported", never "check it again".
"""

from __future__ import annotations

from typing import Iterator

from site_builder import SCHEMA_VERSION
from site_builder.model import KeyResult, Metric, Objective, Portal, Settings, target_date
from site_builder.problems import Loc, Problem, did_you_mean
from site_builder.schema import KEY_RESULT, KR_TYPE_FIELDS, misspelled
from site_builder.text import Text


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
    if settings.schema is not None and settings.schema != SCHEMA_VERSION:
        yield Problem(locs["schema"], f"unsupported schema version {settings.schema}: this okr-portal reads "
                                      f"schema {SCHEMA_VERSION}")
    yield from _texts(settings, title=settings.title, organization=settings.organization,
                      description=settings.description, contact=settings.contact)
    seen: dict[str, Loc] = {}
    for period in settings.periods:
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
    if settings is not None and objective.period is not None and "periods" in settings.locs:
        period = settings.period(objective.period)
        if period is None:
            known = [p.id for p in settings.periods]
            yield Problem(objective.locs["period"], f"unknown period '{objective.period}'"
                          f"{did_you_mean(objective.period, known)}; okrs/portal.yml declares: {', '.join(known)}")
    yield from _texts(settings, title=objective.title, owner=objective.owner, description=objective.description)
    seen: set[str] = set()
    for kr in objective.key_results:
        if kr.id in seen:
            yield Problem(kr.locs["id"], f"key result id '{kr.id}' is used twice in this objective")
        if kr.id is not None:
            seen.add(kr.id)
        yield from _key_result(kr, period, portal)


_TYPE_SPECIFIC = {key for rule in KR_TYPE_FIELDS.values() for key in rule["allowed"]}


def _type_fields(kr: KeyResult, name: str) -> Iterator[Problem]:
    """The fields a key result's type needs, and none that belong to another type."""
    if kr.type is None:
        return  # the type itself was refused; which fields it needs is anyone's guess
    rule = KR_TYPE_FIELDS[kr.type]
    for key in rule["required"]:
        if key not in kr.present and not misspelled(key, kr.present, KEY_RESULT.field_names()):
            yield Problem(kr.loc, f"{name} of type {kr.type} needs '{key}'")
    for key in sorted(kr.present & _TYPE_SPECIFIC - set(rule["allowed"])):
        users = [t for t, r in KR_TYPE_FIELDS.items() if key in r["allowed"]]
        yield Problem(kr.locs.get(key, kr.loc), f"'{key}' is not used by {kr.type} key results "
                                                f"(only by {' and '.join(users)}); remove it or change the type")


def _key_result(kr: KeyResult, period, portal: Portal) -> Iterator[Problem]:
    name = f"key result '{kr.id}'" if kr.id else "key result"
    yield from _type_fields(kr, name)
    yield from _texts(portal.settings, title=kr.title)
    if kr.metric is not None and kr.metric not in portal.metrics:
        yield Problem(kr.locs["metric"], f"unknown metric '{kr.metric}': there is no okrs/metrics/{kr.metric}.csv"
                                         f"{did_you_mean(kr.metric, portal.metrics)}")
    if kr.type == "metric":
        yield from _baseline_and_target(kr, period, name)
    if kr.threshold is not None and kr.type == "maintain":
        low, high = kr.threshold.min, kr.threshold.max
        if low is None and high is None:
            yield Problem(kr.threshold.loc, f"{name}: threshold needs min, max or both")
        elif low is not None and high is not None and low > high:
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
    end = target_date(kr, period)
    if base.date is not None and end is not None and end <= base.date:
        where = target.locs.get("date", target.loc)
        said = "target date" if target.date is not None else "target date (the period's end)"
        yield Problem(where, f"{name}: {said} {end} is not after the baseline date {base.date}")


# --- metrics ------------------------------------------------------------------


def _metric(metric: Metric, settings: Settings | None) -> Iterator[Problem]:
    yield from _texts(settings, title=metric.title, source=metric.source, methodology=metric.methodology)
    feed = metric.feed
    if feed is None or feed.type is None:
        return
    needs = {"csv": ("url",), "json": ("url",), "sql": ("connection_env", "query")}[feed.type]
    for key in needs:
        if getattr(feed, key) is None and key not in feed.locs:
            yield Problem(feed.loc, f"a {feed.type} feed needs '{key}'")
    unused = {"csv": ("records", "connection_env", "query"), "json": ("connection_env", "query"),
              "sql": ("url", "records", "headers_env")}[feed.type]
    for key in unused:
        if key in feed.locs:
            yield Problem(feed.locs[key], f"'{key}' is not used by {feed.type} feeds")
    if feed.url is not None and feed.type in ("csv", "json"):
        url = feed.url
        if "://" in url and not url.startswith(("http://", "https://")):
            yield Problem(feed.locs["url"], f"feed url '{url}' must be an http(s) URL or a path inside the portal")
        elif "://" not in url and (url.startswith("/") or ".." in url.split("/")):
            yield Problem(feed.locs["url"], f"feed url '{url}' must be a path relative to the portal root, inside it")

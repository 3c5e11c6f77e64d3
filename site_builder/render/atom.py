"""feed.xml: an Atom feed of check-ins, target changes and status changes.

Entry ids are tag: URIs made of what the entry is about and its date, never
of the build, so a reader sees each event once however often the site is
rebuilt; the feed's <updated> is its newest entry's date for the same reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Callable
from urllib.parse import urlparse

from site_builder.render import history_views
from site_builder.render import urls
from site_builder.compute.rules import key_result_status, status_day
from site_builder.speed import report_memo
from site_builder.render.context import Context
from site_builder.render.markup import to_html

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 200


@dataclass(frozen=True)
class Entry:
    id: str
    day: date
    title: str
    link: str  # docs path, with #anchor
    html: str


def _month_ends(start: date, end: date):
    day = date(start.year, start.month, 1)
    while True:
        nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        last = nxt - timedelta(days=1)
        if last > end:
            return
        if last >= start:
            yield last
        day = nxt


def _transitions(ctx: Context, status, kr_status) -> list[tuple[date, object, object]]:
    """(day, status before, status after) for each month end where the key result's status
    changed. The same in every language: worked out once per report (the feed of each
    language asks again), and only for the report being rendered."""
    if kr_status.key_result.type == "rollup":
        # A rollup's status rests on its aligned objectives', not on anything of its own:
        # their key results' transitions are in the feed.
        return []
    memo = report_memo(ctx.report)
    key = ("transitions", status.objective.id, kr_status.key_result.id)
    if key not in memo:
        kr, period = kr_status.key_result, status.period
        metric = ctx.metric(kr.metric)
        last_day = status_day(ctx.report.as_of, period)
        days = list(_month_ends(period.start, last_day))
        if ctx.report.as_of > period.end:
            days.append(period.end + timedelta(days=1))  # the final status
        found, previous = [], None
        for day in days:
            now = key_result_status(kr, period, metric, ctx.report.settings, day).status
            if previous is not None and now is not previous:
                found.append((day, previous, now))
            previous = now
        memo[key] = found
    return memo[key]


def entries(ctx: Context) -> list[Entry]:
    """The newest MAX_ENTRIES events, newest first. An event is written out (titles,
    Markdown) only once it is among them: a large portal has tens of thousands."""
    settings = ctx.report.settings
    host = urlparse(settings.base_url).hostname if settings.base_url else None
    tag = f"tag:{host or 'okr-portal'},2026"
    events: list[tuple[date, str, Callable[[], Entry]]] = []  # (day, entry id, how to write it)
    for status in ctx.report.objectives:
        oid = status.objective.id
        doc = urls.objective_doc(oid)
        for kr_status in status.key_results:
            kr = kr_status.key_result
            for update in kr.updates:
                if update.date <= ctx.report.as_of:
                    entry_id = f"{tag}:checkin/{oid}/{kr.id}/{update.date.isoformat()}"
                    events.append((update.date, entry_id, partial(_check_in, ctx, entry_id, doc, kr, update)))
            change = history_views.target_change(ctx, ctx.history, status, kr_status)
            if change is not None:
                entry_id = f"{tag}:target/{oid}/{kr.id}/{change.anchor}"
                events.append((change.day, entry_id, partial(_target_changed, ctx, entry_id, doc, kr, change)))
            for day, previous, now in _transitions(ctx, status, kr_status):
                entry_id = f"{tag}:status/{oid}/{kr.id}/{day.isoformat()}"
                events.append((day, entry_id, partial(_status_changed, ctx, entry_id, doc, kr, day, previous, now)))
    events.sort(key=lambda event: (event[0], event[1]), reverse=True)
    return [write() for _, _, write in events[:MAX_ENTRIES]]


def _check_in(ctx: Context, entry_id: str, doc: str, kr, update) -> Entry:
    confidence = ctx.msg[f"status.{update.confidence}"]
    return Entry(entry_id, update.date, f"{ctx.msg['check_in']}: {ctx.plain(kr.title)} — {confidence}",
                 f"{doc}#kr-{kr.id}", f"<p>{ctx.msg['confidence']}: {confidence}</p>{to_html(ctx.text(update.text))}")


def _target_changed(ctx: Context, entry_id: str, doc: str, kr, change) -> Entry:
    return Entry(entry_id, change.day, f"{ctx.msg['target_changed']}: {ctx.plain(kr.title)}",
                 f"{doc}#{change.anchor}", f"<p>{change.text}</p>")


def _status_changed(ctx: Context, entry_id: str, doc: str, kr, day: date, previous, now) -> Entry:
    """The key result's status changed at the end of a month of its period."""
    words = f"{ctx.msg['status.' + previous.value]} → {ctx.msg['status.' + now.value]}"
    return Entry(entry_id, day, f"{ctx.plain(kr.title)}: {words}", f"{doc}#kr-{kr.id}",
                 f"<p>{ctx.msg['status']}: {words} ({ctx.date(day)})</p>")


def atom_feed(ctx: Context) -> str:
    settings = ctx.report.settings
    base = settings.base_url or ""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    items = entries(ctx)
    newest = items[0].day if items else ctx.report.as_of
    host = urlparse(base).hostname if base else "okr-portal"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"tag:{host},2026:feed"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = ctx.plain(settings.title)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = f"{newest.isoformat()}T00:00:00Z"
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = ctx.plain(settings.organization)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=f"{base}feed.xml")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=base or "./")
    for item in items:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = item.id
        ET.SubElement(entry, f"{{{ATOM}}}title").text = item.title
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = f"{item.day.isoformat()}T00:00:00Z"
        doc, _, anchor = item.link.partition("#")
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate",
                      href=base + urls.page_url(doc) + (f"#{anchor}" if anchor else ""))
        ET.SubElement(entry, f"{{{ATOM}}}content", type="html").text = item.html
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"

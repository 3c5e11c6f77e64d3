"""Share and cite (DESIGN.md §5): where each key result's embed page, standalone chart and
its objective's badge live, their addresses, and the "Share and cite" block of a key result
on its objective page: the permalink, the embed code, the figure as a sentence with its
date, and a suggested citation. Plain data for the objective template; everything escaped
there (the embed code is text shown as code, so it is escaped twice: once as HTML it is,
once as the text the page shows).
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from site_builder.compute.rules import KeyResultStatus, ObjectiveStatus
from site_builder.model import target_date
from site_builder.render import urls
from site_builder.render.context import Context
from site_builder.render.formats import format_percent

EMBED_HEIGHT = 560  # px: the embed code's iframe, enough for the chart and the figures at 320 px


def embed_doc(objective_id: str, kr_id: str) -> str:
    """A key result's chrome-less embed page: a plain HTML file, never in the navigation."""
    return f"embed/{objective_id}/{kr_id}/index.html"


def chart_doc(objective_id: str, kr_id: str) -> str:
    """A key result's chart as a standalone SVG file."""
    return f"charts/{objective_id}/{kr_id}.svg"


def badge_doc(objective_id: str) -> str:
    """An objective's status badge as a standalone SVG file."""
    return f"badges/{objective_id}.svg"


def _page_path(doc: str) -> str:
    """The site path of a docs file: objectives/x.md -> objectives/x/, embed/o/k/index.html -> embed/o/k/."""
    path = urls.page_url(doc)
    return path[: -len("index.html")] if path.endswith("/index.html") else path


def absolute(ctx: Context, doc: str, anchor: str = "") -> str | None:
    """The address of a docs file on the web, in this language's site: None without a base_url."""
    base = ctx.report.settings.base_url
    if not base:
        return None
    language = "" if ctx.lang == ctx.default_lang else f"{ctx.lang}/"  # as the engine lays the sites out
    return f"{base.rstrip('/')}/{language}{_page_path(doc)}" + (f"#{anchor}" if anchor else "")


def link(ctx: Context, from_doc: str, to_doc: str, anchor: str = "") -> str:
    """An address of ``to_doc``: absolute with the portal's base_url, else relative to ``from_doc``."""
    return absolute(ctx, to_doc, anchor) or _relative(from_doc, to_doc, anchor)


def _relative(from_doc: str, to_doc: str, anchor: str = "") -> str:
    here = from_doc if from_doc.endswith(".md") else _page_path(from_doc) + "index.md"
    there = to_doc if to_doc.endswith(".md") else _page_path(to_doc)
    if there.endswith("/"):
        return urls.relative(here, there + "index.md", anchor)
    return urls.relative(here, there) + (f"#{anchor}" if anchor else "")


@dataclass(frozen=True)
class Share:
    """What a key result's "Share and cite" block shows."""

    permalink: str
    embed_code: str  # the HTML of the iframe, as text (the template escapes it for display)
    embed_link: str  # the embed page itself, from the objective page
    chart_link: str | None  # the standalone chart SVG, where the key result has a chart
    badge_link: str
    sentence: str
    citation: str


def share(ctx: Context, status: KeyResultStatus, objective: ObjectiveStatus, from_doc: str,
          has_chart: bool) -> Share:
    kr, msg = status.key_result, ctx.msg
    objective_id = objective.objective.id
    anchor = f"kr-{kr.id}"
    permalink = link(ctx, from_doc, urls.objective_doc(objective_id), anchor)
    embed = embed_doc(objective_id, kr.id)
    src = link(ctx, from_doc, embed)
    frame_title = f"{ctx.plain(kr.title)} — {ctx.plain(ctx.report.settings.organization)}"
    code = str(Markup('<iframe src="{0}" title="{1}" width="100%" height="{2}" style="border:0"></iframe>')
               .format(src, frame_title, EMBED_HEIGHT))
    title = f"{ctx.plain(objective.objective.title)}: {ctx.plain(kr.title)}"
    citation = msg["share_citation_text"].format(
        organization=ctx.plain(ctx.report.settings.organization), title=title,
        site=ctx.plain(ctx.report.settings.title), date=ctx.date(ctx.report.as_of), url=permalink)
    return Share(
        permalink=permalink,
        embed_code=code,
        embed_link=_relative(from_doc, embed),
        chart_link=_relative(from_doc, chart_doc(objective_id, kr.id)) if has_chart else None,
        badge_link=_relative(from_doc, badge_doc(objective_id)),
        sentence=sentence(ctx, status, objective),
        citation=citation,
    )


def sentence(ctx: Context, status: KeyResultStatus, objective: ObjectiveStatus) -> str:
    """The figure as a sentence with its date: "On-time performance was 84.2% on Mar 1, 2026;
    target 88% by Sep 30, 2026"."""
    kr, msg, period = status.key_result, ctx.msg, objective.period
    if kr.type == "milestone":
        done = kr.done if kr.done and kr.done <= ctx.report.as_of else None
        parts = [msg["share_due"].format(name=ctx.plain(kr.title), date=ctx.date(kr.due)),
                 msg["share_done"].format(date=ctx.date(done)) if done else msg["share_not_done"]]
        return "".join(parts)
    if kr.type == "rollup":
        return msg["share_rollup"].format(name=ctx.plain(kr.title), progress=format_percent(status.progress),
                                          date=ctx.date(ctx.report.as_of))
    metric = ctx.metric(kr.metric)
    fmt = ctx.fmt(metric)
    name = (ctx.plain(metric.title) if metric else "") or ctx.plain(kr.title)
    if status.current is not None:
        first = msg["share_was"].format(name=name, value=fmt(status.current.value), date=ctx.date(status.current.date))
    else:
        first = msg["share_no_figures"].format(name=name)
    if kr.type == "maintain":
        bounds = []
        if kr.threshold.min is not None:
            bounds.append(f"{msg['threshold_min']} {fmt(kr.threshold.min)}")
        if kr.threshold.max is not None:
            bounds.append(f"{msg['threshold_max']} {fmt(kr.threshold.max)}")
        return first + msg["share_threshold"].format(threshold=", ".join(bounds))
    target = msg["share_target"].format(value=fmt(kr.target.value), date=ctx.date(target_date(kr, period)))
    return first + target

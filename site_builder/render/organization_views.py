"""What the organization's parts of a page show (schema 2), as data for the templates:
an objective's unit, what it contributes to and what supports it, a rollup key result,
the lines of the unit and alignment trees, and status counts in words.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from site_builder.compute.rules import KeyResultStatus, ObjectiveStatus
from site_builder.compute.status import Status
from site_builder.render import organization_index as index
from site_builder.render import urls
from site_builder.render.context import Context
from site_builder.render.formats import format_percent
from site_builder.render.trees import Placed
from site_builder.render.views import Badge, CheckIn, Fact, KeyResultView, Link, badge, progress_bar

SUPPORTERS_SHOWN = 60  # objectives listed under "Supported by" on one page; the tree has the rest


def tally(ctx: Context, counts: dict[Status, int]) -> Markup:
    """Status counts in words, the statuses that occur only: "Objectives: 5 — 2 On track, 3 At risk"."""
    total = sum(counts.values())
    if not total:
        return Markup('<span class="okr-tally okr-tally--empty">{0}</span>').format(ctx.msg["no_objectives"])
    items = Markup(" · ").join(
        Markup('<span class="okr-tally__item okr-tally__item--{0}">{1} {2}</span>').format(
            status.value, n, ctx.msg[f"status.{status.value}"]) for status, n in counts.items() if n)
    return Markup('<span class="okr-tally">{0} — {1}</span>').format(
        ctx.msg["objectives_n"].format(count=total), items)


def unit_link(ctx: Context, unit_id: str | None, from_doc: str) -> Link | None:
    unit = ctx.report.units.by_id.get(unit_id or "")
    if unit is None:
        return None
    return Link(urls.relative(from_doc, urls.unit_doc(unit.id)), ctx.inline(unit.title))


@dataclass(frozen=True)
class Supporter:
    """An objective aligned to another: its link, status, unit and (when not the same) period."""

    link: Link
    badge: Badge
    unit: Link | None
    period: str


@dataclass(frozen=True)
class SupportGroup:
    anchor: str
    heading: Markup  # the key result's title, or "the objective as a whole"
    key_result: Link | None
    badge: Badge | None  # the key result's status
    supporters: list[Supporter]


@dataclass(frozen=True)
class Target:
    """What an objective contributes to: an objective and maybe one of its key results."""

    objective: Link
    badge: Badge
    unit: Link | None
    key_result: Link | None
    key_result_badge: Badge | None


def supporter(ctx: Context, status: ObjectiveStatus, from_doc: str, period_id: str | None = None) -> Supporter:
    return Supporter(
        Link(urls.relative(from_doc, urls.objective_doc(status.objective.id)), ctx.inline(status.objective.title)),
        badge(ctx, status.status), unit_link(ctx, index.of(ctx.report).unit_of(status), from_doc),
        ctx.text(status.period.title) if status.period.id != period_id else "")


def contributes_to(ctx: Context, status: ObjectiveStatus, from_doc: str) -> Target | None:
    org = index.of(ctx.report)
    ref = ctx.report.alignment.parents.get(status.objective.id)
    parent = org.by_id.get(ref[0]) if ref else None
    if parent is None:
        return None
    doc = urls.objective_doc(parent.objective.id)
    kr = next((k for k in parent.key_results if k.key_result.id == ref[1]), None)
    return Target(
        Link(urls.relative(from_doc, doc), ctx.inline(parent.objective.title)), badge(ctx, parent.status),
        unit_link(ctx, org.unit_of(parent), from_doc),
        Link(urls.relative(from_doc, doc, f"kr-{kr.key_result.id}"), ctx.inline(kr.key_result.title)) if kr else None,
        badge(ctx, kr.status) if kr else None)


def alignment_view(ctx: Context, status: ObjectiveStatus, from_doc: str) -> dict | None:
    """The objective page's organization: its unit, what it contributes to, what supports it
    (grouped by the key result named), and where it sits in its period's alignment tree."""
    if not index.has_organization(ctx.report):
        return None
    org, objective = index.of(ctx.report), status.objective
    groups, shown, total = [], 0, 0
    for kr_id, ids in ctx.report.alignment.supported_by(objective.id, [k.key_result.id for k in status.key_results]):
        members = [org.by_id[i] for i in ids if i in org.by_id]
        total += len(members)
        room = max(0, SUPPORTERS_SHOWN - shown)
        shown += min(room, len(members))
        kr = next((k for k in status.key_results if k.key_result.id == kr_id), None)
        groups.append(SupportGroup(
            f"supported-kr-{kr_id}" if kr else "supported-objective",
            ctx.inline(kr.key_result.title) if kr else Markup.escape(ctx.msg["supports_objective"]),
            Link(f"#kr-{kr_id}", ctx.msg["key_result"]) if kr else None,
            badge(ctx, kr.status) if kr else None,
            [supporter(ctx, m, from_doc, status.period.id) for m in members[:room]]))
    tree = org.alignment_tree(status.period.id)
    page = tree.first_page.get(index.objective_key(objective.id), 1)
    below = org.below(objective.id)
    return {
        "unit": unit_link(ctx, org.unit_of(status), from_doc) if index.has_units(ctx.report) else None,
        "contributes_to": contributes_to(ctx, status, from_doc),
        "groups": [g for g in groups if g.supporters],
        "more": ctx.msg["supporters_more"].format(count=total - shown) if total > shown else "",
        "below": tally(ctx, below) if sum(below.values()) else "",
        "tree_link": Link(urls.relative(from_doc, urls.alignment_doc(status.period.id, page), f"o-{objective.id}"),
                          ctx.msg["alignment_tree_of"].format(period=ctx.plain(status.period.title))),
    }


def rollup_view(ctx: Context, status: KeyResultStatus, objective: ObjectiveStatus) -> KeyResultView:
    """A rollup key result: its progress is that of the objectives aligned to it, so it has
    no chart, no latest value and no metric, and says how many objectives it counts."""
    kr, msg = status.key_result, ctx.msg
    org = index.of(ctx.report)
    aligned = [org.by_id[i] for i in ctx.report.alignment.children.get((objective.objective.id, kr.id), ())
               if i in org.by_id]
    counted = [o for o in aligned if o.progress is not None]
    label = msg["rollup_of_one"] if len(counted) == 1 else msg["rollup_of"].format(count=len(counted))
    facts = [Fact(label, format_percent(status.progress))]
    if len(counted) < len(aligned):
        facts.append(Fact(msg["rollup_left_out"], str(len(aligned) - len(counted))))
    if status.expected is not None:
        facts.append(Fact(msg["expected"], format_percent(status.expected)))
    if kr.weight != 1:
        facts.append(Fact(msg["weight"], ctx.number(kr.weight)))
    check_ins = [CheckIn(ctx.date(u.date), badge(ctx, u.confidence), ctx.html(u.text), ctx.html(u.next_steps))
                 for u in kr.updates if u.date <= ctx.report.as_of]
    return KeyResultView(
        anchor=f"kr-{kr.id}", title=ctx.inline(kr.title), heading=ctx.plain(kr.title),
        badge=badge(ctx, status.status), confidence=check_ins[-1] if check_ins else None,
        type_label=msg["type.rollup"], commitment=msg[f"commitment.{kr.commitment}"], facts=facts,
        bar=progress_bar(ctx, status.progress, status.score), chart=Markup(""), table=None, table_note="",
        check_ins=list(reversed(check_ins)), metric_link=None, csv_link=None,
        rollup=Link(f"#supported-kr-{kr.id}", msg["rollup_link"].format(count=len(aligned))) if aligned else None,
    )


# --- the lines of the trees ----------------------------------------------------------


def alignment_line(ctx: Context, placed: Placed, page: int, tree: index.TreePages, doc: str,
                   period_id: str) -> Markup:
    """An objective of the alignment tree (its status, unit, and period when another), or a
    key result objectives align to; an ancestor shown again says it continues here."""
    org = index.of(ctx.report)
    key = placed.node.key
    first = tree.first_page.get(key, page) == page
    continued = Markup(' <span class="okr-tree__continued">({0})</span>').format(ctx.msg["continued"]) \
        if placed.partial and not first else Markup("")
    if key.startswith("k:"):
        objective_id, _, kr_id = key[2:].partition("/")
        kr = next(k for k in org.by_id[objective_id].key_results if k.key_result.id == kr_id)
        href = urls.relative(doc, urls.objective_doc(objective_id), f"kr-{kr_id}")
        return Markup('<span class="okr-tree__kr">{0}: <a href="{1}">{2}</a></span> {3}{4}').format(
            ctx.msg["key_result"], href, ctx.inline(kr.key_result.title), badge(ctx, kr.status).html, continued)
    status = org.by_id[key[2:]]
    meta = []
    unit = unit_link(ctx, org.unit_of(status), doc) if index.has_units(ctx.report) else None
    if unit:
        meta.append(Markup('<a href="{0}">{1}</a>').format(unit.href, unit.text))
    if status.period.id != period_id:
        meta.append(ctx.inline(status.period.title))
    parent = org.parent(status.objective.id)
    if parent is not None and status.period.id == period_id and parent.period.id != period_id:
        # a root of this period's tree that contributes to an objective of a longer period
        target = contributes_to(ctx, status, doc)
        meta.append(Markup('{0} <a href="{1}">{2}</a>').format(ctx.msg["contributes_to"], target.objective.href,
                                                             target.objective.text))
    anchor = Markup(' id="o-{0}"').format(status.objective.id) if first else Markup("")
    return Markup('<a class="okr-tree__link"{0} href="{1}">{2}</a> {3}{4}{5}').format(
        anchor, urls.relative(doc, urls.objective_doc(status.objective.id)), ctx.inline(status.objective.title),
        badge(ctx, status.status).html,
        Markup(' <span class="okr-tree__meta">{0}</span>').format(Markup(" · ").join(meta)) if meta else Markup(""),
        continued)


def unit_line(ctx: Context, placed: Placed, page: int, tree: index.TreePages, doc: str,
              counts: dict[str, dict[Status, int]]) -> Markup:
    """A unit of the unit tree: its name, lead, and the status counts of its subtree."""
    unit = ctx.report.units.by_id[placed.node.key[2:]]
    continued = Markup(' <span class="okr-tree__continued">({0})</span>').format(ctx.msg["continued"]) \
        if placed.partial and tree.first_page.get(placed.node.key, page) != page else Markup("")
    lead = Markup(' <span class="okr-tree__meta">{0}</span> ·').format(ctx.inline(unit.lead)) if unit.lead else Markup("")
    return Markup('<a class="okr-tree__link" href="{0}">{1}</a>{2} {3}{4}').format(
        urls.relative(doc, urls.unit_doc(unit.id)), ctx.inline(unit.title), lead, tally(ctx, counts[unit.id]), continued)

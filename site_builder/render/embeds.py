"""The files a key result and an objective can be taken elsewhere as (DESIGN.md §5): a
chrome-less embed page per key result (plain HTML, no navigation and no JavaScript), its
chart as a standalone SVG, and a status badge SVG per objective.

They are plain files of the docs tree, which the engine copies as they are: never pages,
so never in the navigation, the search index or the sitemap. The SVGs carry their styles inline (a
light and a dark palette, chosen by the reader's own preference), so that they render
anywhere; the embed pages share a stylesheet beside them. Status is words and a shape, never
colour alone; every text is escaped.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from site_builder.compute.rules import KeyResultStatus, ObjectiveStatus
from site_builder.compute.status import DISPLAY_ORDER
from site_builder.render import cards, share_views, urls
from site_builder.render.charts.canvas import text_width
from site_builder.render.context import Context
from site_builder.render.templating import html_file
from site_builder.render.views import KeyResultView, badge, icon_shape

# The palettes of the theme (theme/assets/stylesheets/okr-portal.css), each colour at least
# 4.5:1 against its background, and the chart classes as the theme colours them.
PALETTE = (
    ":root{color-scheme:light dark;--bg:#fff;--ink:#1f2933;--muted:#545d6b;--link:#1d4f73;--rule:#d5dbe3;"
    "--track:#dde2e8;--line:#1d5f8f;--guide:#6b7380;--target:#8a5100;--moved:#b3261e;--band:#1b6b35;"
    "--achieved:#1b6b35;--on_track:#00667d;--at_risk:#8a5100;--off_track:#b3261e;--missed:#8c1d5b;"
    "--no_data:#5b6472}"
    "@media (prefers-color-scheme:dark){:root{--bg:#1e2029;--ink:#e3e6eb;--muted:#b3bac5;--link:#8cc4f0;"
    "--rule:#3a3f4b;--track:#434957;--line:#8cc4f0;--guide:#9aa3b0;--target:#f2b84b;--moved:#ff8f85;"
    "--band:#8fd694;--achieved:#8fd694;--on_track:#6fcfe3;--at_risk:#f2b84b;--off_track:#ff8f85;"
    "--missed:#f59ac6;--no_data:#aeb6c2}}"
)
CHART_CSS = (
    ".okr-chart{color:var(--ink);font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',Arial,sans-serif}"
    ".okr-chart__axis,.okr-chart__grid,.okr-chart__tick{color:var(--muted)}"
    ".okr-chart__label{color:var(--ink);font-weight:600}"
    ".okr-chart__narrow{display:none}"  # the SVG file has its size: never narrow
    ".okr-chart__observed,.okr-chart__point,.okr-chart__latest{color:var(--line)}"
    ".okr-chart__latest{stroke:var(--bg);stroke-width:2}"
    ".okr-chart__expected,.okr-chart__baseline,.okr-chart__today,.okr-chart__break{color:var(--guide)}"
    ".okr-chart__target,.okr-chart__threshold{color:var(--target)}"
    ".okr-chart__original-target{color:var(--moved)}"
    ".okr-chart__band{color:var(--band)}"
    ".okr-chart__flagged{fill:var(--bg)}"
    ".okr-chart__latest.okr-chart__flagged{stroke:currentColor}"
)
STATUS_CSS = "".join(f".okr-badge--{s.value}{{color:var(--{s.value})}}" for s in DISPLAY_ORDER)

_VIEWBOX = re.compile(r'viewBox="0 0 (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)"')


# The embed pages' own styles: a file of their own, not a <style> element (the site's pages hold no
# style elements at all, so that one found there is always markup that got through).
EMBED_CSS_DOC = "embed/okr-embed.css"
_PAGE_CSS = """*{box-sizing:border-box}
html{background:var(--bg);color:var(--ink);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif}
body{margin:0;padding:12px 16px}
main{max-width:44rem}
h1{font-size:1.25rem;line-height:1.3;margin:0 0 .2rem}
a{color:var(--link)}
a:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.okr-embed__objective,.okr-embed__source{margin:.2rem 0;color:var(--muted);font-size:.9rem}
.okr-embed__status{display:flex;flex-wrap:wrap;align-items:center;gap:.4rem 1rem;margin:.6rem 0}
.okr-badge{display:inline-flex;align-items:center;gap:.35em;font-weight:700}
.okr-icon{width:1em;height:1em;flex:none}
.okr-progress{display:inline-flex;align-items:center;gap:.5em;font-weight:600}
.okr-progress__bar{width:6em;height:.55em}
.okr-progress__track{fill:var(--track)}
.okr-progress__fill{fill:var(--ink)}
.okr-visually-hidden{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
dl{margin:.6rem 0;display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;font-size:.95rem}
dt{color:var(--muted);font-weight:600}
dd{margin:0;font-variant-numeric:tabular-nums}
figure{margin:.8rem 0;container-type:inline-size}
.okr-chart{display:block;width:100%;height:auto}
ul.okr-legend{display:none;flex-wrap:wrap;gap:.2em 1.2em;margin:.4em 0 0;padding:0;list-style:none;font-size:.9rem}
.okr-legend>li{display:flex;align-items:center;gap:.45em}
.okr-legend>li::before{content:"";width:1.8em;border-top:2px solid var(--line)}
.okr-legend>.okr-legend__expected::before{border-top:2px dashed var(--guide)}
.okr-legend>.okr-legend__original-target::before{border-top:2px dotted var(--moved)}
.okr-legend>.okr-legend__threshold::before{border-top:2px dashed var(--target)}
@container (max-width:699px){
.okr-chart .okr-chart__label,.okr-chart__legend,.okr-chart__minor{display:none}
.okr-chart__narrow{display:inline;font-weight:600}
.okr-chart__xticks,.okr-chart__yticks,.okr-chart__narrow{font-size:18px}
.okr-chart__yticks,.okr-chart__narrow{paint-order:stroke;stroke:var(--bg);stroke-width:6px;stroke-linejoin:round}
.okr-chart__yticks{text-anchor:start;transform:translate(13px,-13px)}
.okr-chart__yticks text:last-child{transform:translateY(35px)}
.okr-chart__xticks{transform:translateY(15px)}
.okr-chart__xticks text:first-child{text-anchor:start}
.okr-chart__xticks text:last-child{text-anchor:end}
ul.okr-legend{display:flex}
}
@container (max-width:439px){.okr-chart__xticks,.okr-chart__yticks,.okr-chart__narrow{font-size:30px}}
"""


def embed_css() -> str:
    return PALETTE + CHART_CSS + STATUS_CSS + "\n" + _PAGE_CSS


def key_result_files(ctx: Context, status: KeyResultStatus, objective: ObjectiveStatus,
                     view: KeyResultView) -> dict[str, str]:
    """The embed page of a key result (with the embed pages' stylesheet) and, where it has a
    chart, its chart as an SVG file."""
    objective_id, kr_id = objective.objective.id, status.key_result.id
    files = {share_views.embed_doc(objective_id, kr_id): embed_page(ctx, status, objective, view),
             EMBED_CSS_DOC: embed_css()}
    if view.chart:
        files[share_views.chart_doc(objective_id, kr_id)] = standalone_chart(view.chart)
    return files


def embed_page(ctx: Context, status: KeyResultStatus, objective: ObjectiveStatus, view: KeyResultView) -> str:
    settings, msg = ctx.report.settings, ctx.msg
    doc = share_views.embed_doc(objective.objective.id, status.key_result.id)
    objective_doc = urls.objective_doc(objective.objective.id)
    back = share_views.link(ctx, doc, objective_doc, view.anchor)
    site = ctx.plain(settings.title)
    return html_file(
        "embed.html.j2", lang=ctx.lang, msg=msg,
        page_title=f"{view.heading} — {ctx.plain(objective.objective.title)} — {site}",
        stylesheet=urls.relative(doc, EMBED_CSS_DOC),
        icon=urls.relative(doc, cards.logo_doc(settings)),  # the site's favicon (else browsers ask for /favicon.ico)
        # The link-preview card of its objective (one card per objective: see cards.objective_cards).
        card=share_views.link(ctx, doc, cards.card_doc(objective.objective.id)),
        description=cards.status_sentence(ctx, status.status, status.progress),
        title=view.title, title_lang=ctx.lang_of(status.key_result.title),
        objective=ctx.inline(objective.objective.title), organization=ctx.inline(settings.organization),
        badge=view.badge, bar=view.bar, facts=view.facts, chart=view.chart,
        as_of=ctx.date(ctx.report.as_of), back=back,
        canonical=share_views.absolute(ctx, objective_doc, view.anchor),
        back_text=msg["embed_back"].format(site=site),
    )


def standalone_chart(chart: Markup) -> str:
    """An inline chart made a file of its own: an XML declaration, its size, and its styles
    (with a background of its palette, so it reads on any page) after its title and description."""
    svg = str(chart)
    size = _VIEWBOX.search(svg)
    if size:
        xmlns = 'xmlns="http://www.w3.org/2000/svg"'
        svg = svg.replace(xmlns, f'{xmlns} width="{size.group(1)}" height="{size.group(2)}"', 1)
    head, sep, rest = svg.partition("</desc>")
    style = f"<style>{PALETTE}{CHART_CSS}.okr-background{{fill:var(--bg)}}</style>"
    background = '<rect class="okr-background" width="100%" height="100%"/>'
    body = f"{head}{sep}\n{style}\n{background}{rest}" if sep else svg
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


BADGE_HEIGHT = 24
_BADGE_FONT = 12


def badge_files(ctx: Context, objective: ObjectiveStatus) -> dict[str, str]:
    return {share_views.badge_doc(objective.objective.id): badge_svg(ctx, objective)}


def badge_svg(ctx: Context, objective: ObjectiveStatus) -> str:
    """The status of an objective as a small SVG: a shape and the words, named by its <title>
    ("Timely access: At risk")."""
    words = badge(ctx, objective.status)
    name = ctx.msg["badge_title"].format(objective=ctx.plain(objective.objective.title), status=words.label)
    text_x = 26
    width = round(text_x + text_width(words.label) * _BADGE_FONT / 11 + 10)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{BADGE_HEIGHT}" '
        f'viewBox="0 0 {width} {BADGE_HEIGHT}" role="img" aria-labelledby="badge-title" '
        f'class="okr-badge okr-badge--{escape(words.status)}" lang="{escape(ctx.lang)}">'
        f'<title id="badge-title">{escape(name)}</title>\n'
        f'<style>{PALETTE}{STATUS_CSS}.okr-badge__pill{{fill:var(--bg);stroke:currentColor}}'
        ".okr-badge__label{font:700 12px system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',Arial,sans-serif}"
        '</style>\n'
        f'<rect class="okr-badge__pill" x="0.5" y="0.5" width="{width - 1}" height="{BADGE_HEIGHT - 1}" rx="11.5"/>'
        f'<g transform="translate(6 4)" fill="currentColor" aria-hidden="true">{icon_shape(words.status)}</g>'
        f'<text class="okr-badge__label" x="{text_x}" y="16.5" fill="currentColor">{escape(words.label)}</text>'
        '</svg>\n'
    )

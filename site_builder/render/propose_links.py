"""The "propose a change" links of objective and metric pages (portal.yml ``repo_url``): to edit
the page's file on the repository host, and to send a check-in or a new value through the
repository's issue forms when it has them. None without ``repo_url``.

Plain links with words that say what they do; the addresses are made in site_builder/repo_links.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from site_builder.compute.rules import KeyResultStatus, ObjectiveStatus
from site_builder.model import Metric
from site_builder.render.context import Context
from site_builder.repo_links import (
    CHECK_IN_FORM, NEW_VALUE_FORM, Repo, edit_url, form_url, option, parse_repo_url,
)
from site_builder.text import Text


@dataclass(frozen=True)
class Link:
    href: str
    text: str
    # the accessible name, when the words alone would be the same for links to different places
    # (one "Send a check-in" per key result): the words first, as they are seen (WCAG 2.5.3)
    label: str = ""


def _repo(ctx: Context) -> Repo | None:
    settings = ctx.report.settings
    return parse_repo_url(settings.repo_url) if settings is not None else None


def _form_title(ctx: Context, text: Text | None) -> str:
    """A title as the forms' options show it: in the portal's first language, on one line."""
    lang = ctx.default_lang
    return " ".join(text.get(lang, lang).split()) if text is not None else ""


def objective_links(ctx: Context, status: ObjectiveStatus) -> list[Link]:
    repo = _repo(ctx)
    if repo is None:
        return []
    return [Link(edit_url(repo, status.objective.path), ctx.msg["propose.objective"])]


def check_in_link(ctx: Context, status: ObjectiveStatus, kr: KeyResultStatus) -> Link | None:
    """The check-in form, this key result chosen in it (when the repository has the form)."""
    repo = _repo(ctx)
    if repo is None or CHECK_IN_FORM not in ctx.report.settings.issue_forms:
        return None
    answer = option(f"{status.objective.id}/{kr.key_result.id}", _form_title(ctx, kr.key_result.title))
    words = ctx.msg["propose.check_in"]
    return Link(form_url(repo, CHECK_IN_FORM, "key_result", answer), words,
                f"{words}: {ctx.plain(kr.key_result.title) or kr.key_result.id}")


def metric_links(ctx: Context, metric: Metric) -> list[Link]:
    """Editing the metric's CSV (a derived metric has none: its yml, where the formula is), and
    the new-value form for it."""
    repo = _repo(ctx)
    if repo is None:
        return []
    links = []
    if metric.csv_path and not metric.derived:
        links.append(Link(edit_url(repo, metric.csv_path), ctx.msg["propose.metric_data"]))
    elif metric.meta_path:
        links.append(Link(edit_url(repo, metric.meta_path), ctx.msg["propose.metric"]))
    if not metric.derived and NEW_VALUE_FORM in ctx.report.settings.issue_forms:
        answer = option(metric.id, _form_title(ctx, metric.title))
        links.append(Link(form_url(repo, NEW_VALUE_FORM, "metric", answer), ctx.msg["propose.new_value"]))
    return links

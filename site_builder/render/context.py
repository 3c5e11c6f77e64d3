"""What every view of a page needs: the report, the portal, its history, the language."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, partial

from markupsafe import Markup

from site_builder.render.charts.canvas import ChartLabels
from site_builder.compute.rules import Report
from site_builder.render.formats import format_date, format_month, format_number, format_value
from site_builder.model import UNAVAILABLE, History
from site_builder.render.markup import to_html, to_inline_html, to_plain
from site_builder.model import Metric, Portal
from site_builder.text import Text


class Day(str):
    """A day as the page's language writes it ("Nov 24, 2026", "2026年11月24日"), which
    also knows its ISO form: ``<time datetime="{{ d.iso }}">{{ d }}</time>``.

    A string everywhere else (f-strings, messages, comparisons), so views can keep
    passing dates around as the text they show.
    """

    def __new__(cls, text: str, iso: str):
        self = super().__new__(cls, text)
        self.iso = iso
        return self

    def __getnewargs__(self):  # pickled with its ISO form (pages are rendered in worker processes)
        return str(self), self.iso


@dataclass(frozen=True)
class Context:
    """What every view needs: the report, the portal, the language and its messages."""

    report: Report
    portal: Portal
    lang: str
    msg: dict
    history: History = UNAVAILABLE

    def __post_init__(self):
        # The portal's own words (okrs/locale/<lang>.po) over okr-portal's, whoever made the
        # context (the site's pages, the report): messages(lang) alone cannot know the portal.
        settings = self.portal.settings
        words = settings.locale.get(self.lang) if settings is not None else None
        if words:
            object.__setattr__(self, "msg", {**self.msg, **words})

    @cached_property
    def chart_labels(self) -> ChartLabels:
        """The catalog as charts read it, with this language's days and months."""
        # Functions of the language, not methods of this context: a method would make a
        # reference cycle (context -> labels -> method -> context), and pages are rendered
        # with the cyclic garbage collector off (see speed.collector_off).
        return ChartLabels(self.msg, partial(format_date, lang=self.lang), partial(format_month, lang=self.lang))

    @property
    def default_lang(self) -> str:
        return self.report.settings.default_language

    def text(self, text: Text | None) -> str:
        return "" if text is None else text.get(self.lang, self.default_lang)

    def html(self, text: Text | None) -> Markup:
        """Markdown made safe HTML; a fallback translation says which language it is in."""
        return self._marked(text, to_html, "div")

    def inline(self, text: Text | None) -> Markup:
        return self._marked(text, to_inline_html, "span")

    def _marked(self, text: Text | None, render, tag: str) -> Markup:
        if text is None:
            return Markup("")
        source, other_lang = text.resolve(self.lang, self.default_lang)
        rendered = render(source)
        if other_lang is None:
            return rendered
        return Markup('<{0} lang="{1}">{2}</{0}>').format(Markup(tag), other_lang, rendered)

    def lang_of(self, text: Text | None) -> str | None:
        """The language ``text`` shows in when it is not this page's (a fallback), else None."""
        return None if text is None else text.resolve(self.lang, self.default_lang)[1]

    def plain(self, text: Text | None) -> str:
        return "" if text is None else to_plain(self.text(text))

    def metric(self, metric_id: str | None) -> Metric | None:
        return self.portal.metrics.get(metric_id) if metric_id else None

    def fmt(self, metric: Metric | None):
        decimals = metric.decimals if metric else None
        unit = metric.unit if metric else None
        lang = self.lang
        return lambda value: format_value(value, decimals, unit, lang)

    def number(self, value: float) -> str:
        return format_number(value, None, self.lang)

    def date(self, day: date) -> Day:
        return Day(format_date(day, self.lang), day.isoformat())

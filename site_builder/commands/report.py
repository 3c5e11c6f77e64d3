"""`okr-portal report PERIOD [--lang L] [-o FILE] [--as-of D]`: the period's report as a PDF."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from site_builder.compute.derived import with_derived
from site_builder.feeds.merge import write_atomically
from site_builder.history.revisions import read_history
from site_builder.report.document import period_report
from site_builder.report.pdf import ReportUnavailable, html_to_pdf, weasyprint
from site_builder.source.check import Checked


def report_command(checked: Checked, root: Path, period_id: str, lang: str | None, output: Path | None,
                   as_of: date, out, err) -> int:
    """Write the report of a valid portal's period; a user error is one line on ``err`` and exit 1."""
    settings = checked.portal.settings
    ids = [p.id for p in settings.periods]
    if period_id not in ids:
        print(f"okr-portal report: there is no period {period_id!r} in okrs/portal.yml; "
              f"the periods are: {', '.join(ids)}", file=err)
        return 1
    lang = lang or settings.default_language
    if lang not in settings.languages:
        print(f"okr-portal report: the portal is not published in {lang!r}; "
              f"its languages are: {', '.join(settings.languages)}", file=err)
        return 1
    try:
        weasyprint()
    except ReportUnavailable as exc:
        print(f"okr-portal report: {exc}", file=err)
        return 1
    portal = with_derived(checked.portal)
    checked = replace(checked, portal=portal)
    html = period_report(portal, settings.period(period_id), lang, as_of, read_history(Path(root)))
    target = Path(output) if output is not None else Path.cwd() / f"{period_id}-{lang}.pdf"
    try:
        write_atomically(target, html_to_pdf(html))
    except OSError as exc:
        print(f"okr-portal report: could not write {target}: {exc.strerror or exc}", file=err)
        return 1
    print(f"wrote {target}", file=out)
    return 0


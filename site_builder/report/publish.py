"""The reports a build publishes: every ended period's, and the current period's when asked.

A PDF takes seconds to make and an ended period's report does not change from one
day to the next (see document), so each is made once and kept while its inputs are
unchanged: it is filed under a hash of its HTML (which holds every figure, text,
chart and check-in it shows: the period's objectives, the metrics they use, the
target changes), the okr-portal version and the PDF engine's. The PDFs are kept in
the portal's work folder, and also in the machine's okr-portal cache folder when
OKR_PORTAL_CACHE names one (as the tests do: many copies of one portal share it).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path

from site_builder import __version__, speed
from site_builder.compute.rules import compute
from site_builder.engine.chinese_search import CACHE_ENV
from site_builder.model import UNAVAILABLE, History, Period, Portal
from site_builder.report.document import period_report, report_day
from site_builder.report.pdf import INSTALL_HINT, ReportUnavailable, html_to_pdf, installed

FOLDER = "reports"


@dataclass(frozen=True)
class Published:
    pdfs: dict  # language -> {period id: the PDF}
    made: int = 0  # PDFs made by this build; the others came from the cache
    reused: int = 0
    notice: str = ""  # why reports were skipped, when they were


def periods_to_publish(portal: Portal, as_of: date, current: bool) -> list[Period]:
    """The periods with public objectives that ended before ``as_of``, and with ``current``
    the ones in progress on it."""
    with_objectives = {o.period for o in portal.public_objectives}
    return [p for p in portal.settings.periods if p.id in with_objectives
            and (p.end < as_of or (current and p.start <= as_of <= p.end))]


def publish_reports(portal: Portal, as_of: date, work: Path, history: History = UNAVAILABLE,
                    current: bool = False) -> Published:
    """The PDF of each period to publish in each of the portal's languages (``portal``: with
    its derived metrics computed); none, and a notice, without WeasyPrint."""
    periods = periods_to_publish(portal, as_of, current)
    if not periods:
        return Published({})
    if not installed():
        return Published({}, notice=f"the period reports (PDF) were skipped: WeasyPrint is not installed "
                                    f"({INSTALL_HINT})")
    folders = _folders(Path(work))
    engine = _engine_version()
    reports, found, missing = {}, {}, []  # found: (language, period id) -> PDF; missing: what to make
    for period in periods:
        day = report_day(period, as_of)
        if day not in reports:
            reports[day] = compute(portal, day)
        for lang in portal.settings.languages:
            html = period_report(portal, period, lang, as_of, history, reports[day])
            key = hashlib.sha256(f"okr-portal {__version__}\n{engine}\n{html}".encode()).hexdigest()[:32]
            name = f"{period.id}-{lang}-{key}.pdf"
            pdf = _cached(folders, name)
            if pdf is None:
                missing.append((lang, period.id, name, html))
            else:
                found[lang, period.id] = pdf
    try:
        made = _make([html for *_, html in missing])
    except ReportUnavailable as exc:
        return Published({}, notice=f"the period reports (PDF) were skipped: {exc}")
    for (lang, period_id, name, _), pdf in zip(missing, made):
        _keep(folders, name, pdf, f"{period_id}-{lang}-")
        found[lang, period_id] = pdf
    pdfs = {lang: {p.id: found[lang, p.id] for p in periods} for lang in portal.settings.languages}
    return Published(pdfs, len(missing), len(found) - len(missing))


def _make(documents: list[str]) -> list[bytes]:
    """The PDFs of ``documents``, made side by side when there are several: WeasyPrint's
    layout is Python, a core each (see speed.forked), and a large report takes a minute."""
    processes = min(len(documents), os.cpu_count() or 1)
    if processes < 2:
        return [html_to_pdf(html) for html in documents]
    made, _ = speed.forked(lambda chunk: [html_to_pdf(html) for html in chunk], [[html] for html in documents],
                           processes, lambda: None)
    return [pdf for (pdf,) in made]


def _engine_version() -> str:
    """What a PDF depends on beside its HTML, read without importing WeasyPrint (a second)."""
    versions = []
    for name in ("weasyprint", "pydyf", "fonttools"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} -")
    return ", ".join(versions)


def _folders(work: Path) -> list[Path]:
    folders = [work / FOLDER]
    if os.environ.get(CACHE_ENV):
        folders.append(Path(os.environ[CACHE_ENV]) / FOLDER)
    return folders


def _cached(folders: list[Path], name: str) -> bytes | None:
    for folder in folders:
        try:
            data = (folder / name).read_bytes()
        except OSError:
            continue
        if data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]:
            if folder != folders[0]:
                _keep(folders[:1], name, data, None)
            return data
    return None


def _keep(folders: list[Path], name: str, pdf: bytes, stale_prefix: str | None) -> None:
    """File the PDF (whole, by a rename) in each folder; in the portal's own, drop the
    older PDFs of the same period and language. A folder that cannot be written is skipped."""
    for n, folder in enumerate(folders):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            temp = folder / f".{name}.{os.getpid()}.tmp"
            temp.write_bytes(pdf)
            os.replace(temp, folder / name)
            if n == 0 and stale_prefix:
                for old in folder.glob(f"{stale_prefix}*.pdf"):
                    if old.name != name and len(old.name) == len(name):
                        old.unlink(missing_ok=True)
        except OSError:
            continue

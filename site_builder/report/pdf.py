"""HTML to PDF with WeasyPrint: the optional extra ``okr-portal[report]``.

WeasyPrint makes the PDF's outline (bookmarks) from the h1–h3 headings, resolves the
table of contents' page numbers (CSS target-counter), and, as PDF/UA-1, tags the
document's structure and records its language (the <html lang>).
"""

from __future__ import annotations

import importlib.util
import logging
import sys

INSTALL_HINT = "pip install 'okr-portal[report]'"
PDF_VARIANT = "pdf/ua-1"  # tagged, with the document's language and title


class ReportUnavailable(Exception):
    """WeasyPrint, or the system libraries it needs, is not installed: one line says what to do."""


def installed() -> bool:
    """Whether WeasyPrint is installed, found without importing it (that takes a second)."""
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"] is not None
    try:
        return importlib.util.find_spec("weasyprint") is not None
    except (ImportError, ValueError):
        return False


def weasyprint():
    """The weasyprint module, or ReportUnavailable saying how to install it."""
    try:
        import weasyprint as module
    except ImportError:
        raise ReportUnavailable(f"the period report needs WeasyPrint, which is not installed: {INSTALL_HINT}") from None
    except OSError as exc:  # the Python package is there, Pango (its system library) is not
        raise ReportUnavailable(f"WeasyPrint cannot start: a system library it needs is missing ({exc}); "
                                f"see https://doc.courtbouillon.org/weasyprint/stable/first_steps.html") from None
    return module


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML document (its styles inline, no files to fetch)."""
    module = weasyprint()
    # WeasyPrint logs every CSS property it ignores at WARNING: not the user's concern.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    document = module.HTML(string=html, base_url=None, url_fetcher=_no_fetching)
    return document.write_pdf(pdf_variant=PDF_VARIANT)


def _no_fetching(url: str, *args, **kwargs):
    """The report is self-contained: it never reads a file or the network."""
    raise ValueError(f"the report does not load {url!r}")

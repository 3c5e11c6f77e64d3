"""Where each generated page lives, and relative links between them.

The docs tree is built with ``use_directory_urls: true`` (the engine step
forces it), so ``objectives/x.md`` is served at ``objectives/x/``. Links are
written into raw HTML, which MkDocs does not rewrite, so we make them relative
ourselves: the site then works from any sub-path and from file://.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata


def page_url(doc_path: str) -> str:
    """objectives/x.md -> objectives/x/ ; index.md -> '' ; data/a.csv -> data/a.csv"""
    if not doc_path.endswith(".md"):
        return doc_path
    stem = doc_path[:-3]
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def relative(from_doc: str, to_doc: str, anchor: str = "") -> str:
    """A link from the page made of ``from_doc`` to ``to_doc`` (a docs path)."""
    here = page_url(from_doc)
    target = page_url(to_doc)
    base = posixpath.dirname(here.rstrip("/")) if not here.endswith("/") else here.rstrip("/")
    rel = _relpath(target, base)
    if to_doc.endswith(".md") and not rel.endswith("/"):
        rel = "./" if rel == "." else rel + "/"
    return rel + (f"#{anchor}" if anchor else "")


def _relpath(target: str, base: str) -> str:
    """posixpath.relpath for two site paths, without its two calls to os.getcwd
    (a large portal makes hundreds of thousands of links)."""
    to, start = [p for p in target.split("/") if p], [p for p in base.split("/") if p]
    common = 0
    while common < len(to) and common < len(start) and to[common] == start[common]:
        common += 1
    return "/".join([".."] * (len(start) - common) + to[common:]) or "."


def objective_doc(objective_id: str) -> str:
    return f"objectives/{objective_id}.md"


def metric_doc(metric_id: str) -> str:
    return f"metrics/{metric_id}.md"


def period_doc(period_id: str, page: int = 1) -> str:
    return f"periods/{period_id}.md" if page == 1 else f"periods/{period_id}/page/{page}.md"


def tag_doc(tag: str, page: int = 1) -> str:
    return f"tags/{tag}.md" if page == 1 else f"tags/{tag}/page/{page}.md"


def owner_doc(slug: str, page: int = 1) -> str:
    return f"owners/{slug}.md" if page == 1 else f"owners/{slug}/page/{page}.md"


UNITS_DOC = "units/index.md"  # [2] the unit tree (units/page_2.md… when it is cut)
ALIGNMENT_DOC = "alignment/index.md"  # [2] the alignment tree of each period


def organization_docs(files) -> tuple[str, ...]:
    """The index pages of the organization (schema 2) among ``files``: in the navigation."""
    return tuple(doc for doc in (UNITS_DOC, ALIGNMENT_DOC) if doc in files)


INDICATORS_DOC = "indicators/index.md"  # [2] the key indicators (indicators/page_2.md… for more)
DATA_STATUS_DOC = "data/status.md"  # [2] every published metric's timeliness (data/status/page/2.md…)


def data_quality_docs(files) -> tuple[str, ...]:
    """The key indicators and data status pages among ``files`` (schema 2): in the navigation."""
    return tuple(doc for doc in (INDICATORS_DOC, DATA_STATUS_DOC) if doc in files)


EXPLANATIONS_DOC = "accountability/explanations.md"  # [2] every key result whose explanation is overdue


def accountability_docs(files) -> tuple[str, ...]:
    """The list of explanations overdue among ``files`` (schema 2, made when any is): in the navigation."""
    return tuple(doc for doc in (EXPLANATIONS_DOC,) if doc in files)


def explanations_doc(page: int = 1) -> str:
    return EXPLANATIONS_DOC if page == 1 else f"accountability/explanations/page/{page}.md"


def data_status_doc(page: int = 1) -> str:
    return DATA_STATUS_DOC if page == 1 else f"data/status/page/{page}.md"


def indicators_doc(page: int = 1) -> str:
    return INDICATORS_DOC if page == 1 else f"indicators/page_{page}.md"


def unit_doc(unit_id: str, page: int = 1) -> str:
    """A unit's page, in a folder of its own: a unit named "index" is no clash."""
    return f"units/{unit_id}/index.md" if page == 1 else f"units/{unit_id}/page/{page}.md"


def alignment_doc(period_id: str, page: int = 1) -> str:
    return f"alignment/{period_id}/index.md" if page == 1 else f"alignment/{period_id}/page/{page}.md"


def metric_csv(metric_id: str) -> str:
    return f"data/{metric_id}.csv"


def period_report_pdf(period_id: str, lang: str) -> str:
    """A period's PDF report in one language, in that language's docs tree."""
    return f"reports/{period_id}-{lang}.pdf"


API_DOC = "api/okrs.json"


def slug(text: str) -> str:
    """A stable, readable URL part for free text (owner names), in any script."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]
    # The digest keeps two owners apart whose names differ only outside ASCII.
    return f"{words}-{digest}" if words else f"owner-{digest}"

"""The period report (`okr-portal report`, DESIGN.md §6): a real PDF made by WeasyPrint,
read back with pypdf, whose figures are the site's."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")

from conftest import REPO, write_portal  # noqa: E402
from fixtures import ONE_LANGUAGE_PORTAL_YML, OBJECTIVE_HEAD  # noqa: E402
from site_builder.commands.cli import main  # noqa: E402
from site_builder.render.formats import format_percent, format_value  # noqa: E402
from site_builder.render.messages import messages  # noqa: E402
from site_builder.source.check import check  # noqa: E402

AS_OF = "2026-11-24"


def squash(text: str) -> str:
    """Text without whitespace: a PDF's text breaks lines where the page did."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def demo():
    return check(REPO).portal


@pytest.fixture(scope="module")
def api(capsys_module):
    assert main(["-C", str(REPO), "status", "--json", "--as-of", AS_OF]) == 0
    return json.loads(capsys_module())


@pytest.fixture(scope="module")
def capsys_module():
    """stdout of in-process calls in module fixtures (capsys is per test)."""
    import contextlib
    import io

    buffer = io.StringIO()
    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(buffer))

    def read() -> str:
        stack.close()
        return buffer.getvalue()

    return read


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The demo's cy2025 report in each language, written with -o."""
    out = {}
    for lang in ("en", "zh-TW"):
        folder = tmp_path_factory.mktemp(f"report-{lang}")
        target = folder / "out" / "report.pdf"
        assert main(["-C", str(REPO), "report", "cy2025", "--lang", lang, "--as-of", AS_OF, "-o", str(target)]) == 0
        out[lang] = target
    return out


def _reader(path: Path):
    return pypdf.PdfReader(BytesIO(path.read_bytes()))


def _outline_titles(reader) -> list[str]:
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    return titles


def _text(reader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def test_o_writes_exactly_there_and_nothing_else(reports):
    for path in reports.values():
        assert sorted(p.name for p in path.parent.iterdir()) == ["report.pdf"]  # no temporary file left
        assert path.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_the_report_has_pages_an_outline_and_its_language(reports, demo, lang):
    reader = _reader(reports[lang])
    assert len(reader.pages) > 1
    root = reader.trailer["/Root"]
    assert root["/Lang"] == lang
    assert root["/MarkInfo"]["/Marked"]  # tagged (PDF/UA-1)
    titles = _outline_titles(reader)
    for objective in demo.public_objectives:
        if objective.period == "cy2025":
            assert objective.title.get(lang, "en") in titles
    msg = messages(lang)
    for heading in ("report.contents", "report.summary", "report.target_changes", "report.data_notes"):
        assert msg[heading] in titles
    # The table of contents gives page numbers: the line of the summary ends with its page.
    contents = reader.pages[1].extract_text()
    assert re.search(re.escape(msg["report.summary"]) + r"[ .]+\d+", contents)


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_the_reports_figures_are_the_sites(reports, demo, api, lang):
    """Every status, progress and latest value the API document gives for the period."""
    text = squash(_text(_reader(reports[lang])))
    msg = messages(lang)
    krs = {(o.id, kr.id): kr for o in demo.public_objectives for kr in o.key_results}
    objectives = [o for o in api["objectives"] if o["period"] == "cy2025"]
    assert objectives
    for objective in objectives:
        assert squash(msg[f"status.{objective['status']}"]) in text
        assert squash(format_percent(objective["progress"])) in text
        for kr in objective["key_results"]:
            assert squash(msg[f"status.{kr['status']}"]) in text
            assert squash(format_percent(kr["progress"])) in text
            if kr["current"]:
                metric = demo.metrics[krs[objective["id"], kr["id"]].metric]
                value = format_value(kr["current"]["value"], metric.decimals, metric.unit, lang)
                assert squash(value) in text, (kr["id"], value)


def test_the_chinese_report_shows_chinese_with_a_font_that_has_it(reports, demo):
    reader = _reader(reports["zh-TW"])
    text = squash(_text(reader))
    for objective in demo.public_objectives:
        if objective.period == "cy2025":
            assert squash(objective.title.get("zh-TW", "en")) in text
            for kr in objective.key_results:
                assert squash(kr.title.get("zh-TW", "en")) in text
    assert "\ufffd" not in text  # nothing the font could not map back
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("CJK" in f for f in fonts), fonts  # the Traditional Chinese font is embedded


def test_an_unknown_period_lists_the_periods(cli, tmp_path):
    run = cli(REPO, "report", "fy1999", "-o", str(tmp_path / "x.pdf"))
    assert run.code == 1
    assert run.err.strip().splitlines() == [
        "okr-portal report: there is no period 'fy1999' in okrs/portal.yml; the periods are: cy2025, cy2026, q4-2026"]
    assert not (tmp_path / "x.pdf").exists()


def test_an_unknown_language_lists_the_languages(cli, tmp_path):
    run = cli(REPO, "report", "cy2025", "--lang", "fr", "-o", str(tmp_path / "x.pdf"))
    assert run.code == 1
    assert "its languages are: en, zh-TW" in run.err and len(run.err.strip().splitlines()) == 1


def test_a_portal_with_problems_gets_them_as_validate_prints_them(cli, portal, tmp_path):
    root = portal({"okrs/objectives/a.yml": OBJECTIVE_HEAD + "key_results: []\nbogus: 1\n"},
                  ONE_LANGUAGE_PORTAL_YML)
    validated = cli(root, "validate")
    run = cli(root, "report", "cy2026", "-o", str(tmp_path / "x.pdf"))
    assert validated.code == run.code == 1
    assert run.out == validated.out and "objectives/a.yml:" in run.out
    assert not (tmp_path / "x.pdf").exists()


def test_without_weasyprint_the_report_says_how_to_install_it(cli, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` fails as when not installed
    run = cli(REPO, "report", "cy2025", "-o", str(tmp_path / "x.pdf"))
    assert run.code == 1
    assert run.err.count("\n") == 1 and "pip install 'okr-portal[report]'" in run.err
    assert not (tmp_path / "x.pdf").exists()


def test_the_default_name_is_period_and_language_in_the_current_folder(tmp_path, monkeypatch):
    root = write_portal(tmp_path / "portal", {"okrs/objectives/a.yml": _ended_objective()}, _ended_portal())
    monkeypatch.chdir(tmp_path)
    assert main(["-C", str(root), "report", "y2025"]) == 0
    assert (tmp_path / "y2025-en.pdf").read_bytes().startswith(b"%PDF-")


def _ended_portal() -> str:
    return ONE_LANGUAGE_PORTAL_YML.replace(
        "periods:\n", "periods:\n  - {id: y2025, title: Year 2025, start: 2025-01-01, end: 2025-12-31}\n")


def _ended_objective() -> str:
    return """\
        id: a
        period: y2025
        title: Ship the clinic
        owner: Operations
        key_results:
          - {id: open, title: Open the clinic, type: milestone, due: 2025-06-30, done: 2025-06-01}
        """


def test_build_without_weasyprint_still_builds_and_says_once_that_reports_were_skipped(tmp_path, monkeypatch):
    from datetime import date

    from site_builder.commands.build import generate

    root = write_portal(tmp_path, {"okrs/objectives/a.yml": _ended_objective()}, _ended_portal())
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    generated = generate(root, date(2026, 3, 1), tmp_path / "site")
    skipped = [w for w in generated.warnings if "reports" in w]
    assert len(skipped) == 1 and "pip install 'okr-portal[report]'" in skipped[0]
    assert not (root / ".okr-portal" / "static-files" / "reports").exists()


def test_build_reports_makes_the_current_periods_report_too(tmp_path):
    from datetime import date

    from site_builder.commands.build import generate

    objective = _ended_objective().replace("y2025", "cy2026").replace("2025-", "2026-")
    root = write_portal(tmp_path, {"okrs/objectives/a.yml": objective}, _ended_portal())
    docs = root / ".okr-portal" / "docs"
    generate(root, date(2026, 3, 1), tmp_path / "site")
    assert not (root / ".okr-portal/static-files/reports/cy2026-en.pdf").exists()  # in progress: only when asked
    generate(root, date(2026, 3, 1), tmp_path / "site", reports=True)
    assert (root / ".okr-portal/static-files/reports/cy2026-en.pdf").read_bytes().startswith(b"%PDF-")
    assert "reports/cy2026-en.pdf" in (docs / "periods" / "cy2026.md").read_text("utf-8")


@pytest.fixture(scope="module")
def built_demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(REPO / "okrs", root / "okrs")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "theme", root / "theme")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "demo"]):
        subprocess.run(["git", *args], cwd=root, check=True, env=env)
    assert main(["-C", str(root), "build", "--as-of", AS_OF]) == 0
    return root


def test_build_publishes_the_ended_periods_reports_and_links_them(built_demo):
    site = built_demo / "site"
    for path in (site / "reports" / "cy2025-en.pdf", site / "zh-TW" / "reports" / "cy2025-zh-TW.pdf"):
        assert len(_reader(path).pages) > 1
    assert not (site / "reports" / "cy2026-en.pdf").exists()  # in progress on the as-of date
    period = (site / "periods" / "cy2025" / "index.html").read_text("utf-8")
    assert 'href="../../reports/cy2025-en.pdf"' in period
    assert 'href="../../reports/cy2025-zh-TW.pdf"' in (site / "zh-TW" / "periods" / "cy2025" / "index.html").read_text(
        "utf-8")
    assert "reports/cy2026" not in (site / "periods" / "cy2026" / "index.html").read_text("utf-8")


def test_a_second_build_reuses_the_reports(built_demo):
    kept = built_demo / ".okr-portal" / "reports"
    docs_pdf = built_demo / ".okr-portal" / "static-files" / "reports" / "cy2025-en.pdf"
    before = {p.name: p.stat().st_mtime_ns for p in kept.iterdir()}
    docs_before = docs_pdf.stat().st_mtime_ns
    assert len(before) == 2  # one per language
    assert main(["-C", str(built_demo), "build", "--as-of", "2026-12-01"]) == 0  # another day: the same report
    assert {p.name: p.stat().st_mtime_ns for p in kept.iterdir()} == before
    assert docs_pdf.stat().st_mtime_ns == docs_before  # not even rewritten into the docs tree


def test_every_character_of_the_chinese_report_is_in_its_fonts(reports):
    """No missing-glyph box: the fonts the report names cover every character it shows."""
    from fontTools.ttLib import TTCollection, TTFont

    files = {name: subprocess.run(["fc-match", "-f", "%{file}", name], capture_output=True, text=True).stdout
             for name in ("Noto Sans CJK TC", "DejaVu Sans")} if shutil.which("fc-match") else {}
    if not all(files.values()):
        pytest.skip("fontconfig's fc-match is not installed")
    covered: set[int] = set()
    for name, path in files.items():
        fonts = TTCollection(path).fonts if path.endswith(".ttc") else [TTFont(path)]
        for font in fonts:
            if name.split()[0] in str(font["name"].getDebugName(1)) and (name != "Noto Sans CJK TC"
                                                                         or "TC" in font["name"].getDebugName(1)):
                covered |= set(font.getBestCmap())
    assert len(covered) > 20_000  # the Traditional Chinese font was found, not a fallback
    text = squash(_text(_reader(reports["zh-TW"])))
    missing = sorted({c for c in text if ord(c) not in covered})
    assert missing == []

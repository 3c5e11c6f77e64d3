"""The live preview regenerates only what an edit changes (commands/preview.py): after each
edit its docs tree is the tree a fresh generation of the same portal makes, byte for byte,
and its search entries are those the engine step makes of every page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sys

import pytest

from site_builder.engine import search_preview
from site_builder.commands.build import generate
from site_builder.commands.preview import Preview
from site_builder.engine.chinese_search import segmenter
from site_builder.engine.search_index import tree_entries
from site_builder.render.write import static_of
from test_build_safety import _contents, _copy_demo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth  # noqa: E402

AS_OF = date(2026, 11, 24)
LINE = "okrs/objectives/q4-2026/appointment-line.yml"  # aligned to veteran-access/phone-answer-time
PARENT = "okrs/objectives/cy2026/veteran-access.yml"


def _tree(docs: Path) -> dict[str, bytes]:
    """A language's generated files: the pages of its docs folder and its static tree's files (render.write)."""
    static = static_of(docs)
    return {**_contents(docs), **(_contents(static) if static.is_dir() else {})}


def _fresh(root: Path, tmp: Path, lang: str, as_of: date = AS_OF) -> dict[str, bytes]:
    """The docs tree of ``lang`` as a first generation of the portal makes it now."""
    work = tmp / f"fresh-{len(list(tmp.glob('fresh-*')))}"
    generate(root, as_of, work / "site", work=work, reports=None, languages=(lang,))
    return _tree(work / "docs" if lang == "en" else work / f"lang-{lang}" / "docs")


def _edit(root: Path, rel: str, old: str, new: str | None = None) -> None:
    """``old`` replaced by ``new`` in the file, or (None) the file cut from ``old`` on."""
    path = root / rel
    text = path.read_text("utf-8")
    assert old in text, f"{rel} no longer has {old!r}: choose another edit"
    path.write_text(text.replace(old, new, 1) if new is not None else text[:text.index(old)], "utf-8")


CHECK_IN = ("  - id: call-back\n", "      - date: 2026-11-20\n        confidence: off_track\n        text: "
            "\"A check-in written in the preview\"\n  - id: call-back\n")
EDITS = [
    # a check-in (the objective's confidence, the feed), a target that changes statuses up the
    # alignment (the parent's tally, its rollup, the unit pages, the home counts), a title (lists,
    # the parent's "supported by"), a tag taken away (its pages gone), a key result removed (its
    # embed page and chart gone)
    (LINE, *CHECK_IN),
    (LINE, "target: {date: 2026-12-31, value: 85.0}", "target: {date: 2026-12-31, value: 99.0}"),
    (LINE, "Get the appointment line answering again", "Answer the appointment line again"),
    (LINE, "tags: [access, veterans]", "tags: [access]"),
]


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_after_each_edit_the_preview_tree_is_a_fresh_generations(tmp_path, lang):
    root = _copy_demo(tmp_path / "portal")
    preview = Preview(root, root / ".okr-portal/serve", AS_OF, lang)
    preview.regenerate()
    docs = root / ".okr-portal/serve" / ("docs" if lang == "en" else f"lang-{lang}/docs")
    before = _tree(docs)
    assert before == _fresh(root, tmp_path, lang)
    for rel, old, new in EDITS:
        _edit(root, rel, old, new)
        generated = preview.regenerate({rel})
        assert preview.passes == 2, f"{old!r} -> {new!r} was not regenerated in part"
        assert generated.changed, "the edit changed no file"
        now = _tree(docs)
        expected = _fresh(root, tmp_path, lang)
        assert sorted(now) == sorted(expected), (set(now) ^ set(expected))
        assert [rel for rel in now if now[rel] != expected[rel]] == []
        assert now != before
        before = now
    assert "tags/veterans.md" in _fresh(root, tmp_path, lang) and "tags/veterans.md" in before  # others keep it


def test_an_edit_up_the_alignment_reaches_the_objectives_below_it(tmp_path):
    root = _copy_demo(tmp_path / "portal")
    preview = Preview(root, root / ".okr-portal/serve", AS_OF, "en")
    preview.regenerate()
    _edit(root, PARENT, "Timely care, close to home, for every veteran", "Renamed: care close to home")
    preview.regenerate({PARENT})
    assert preview.passes == 2
    docs = _tree(root / ".okr-portal/serve/docs")
    assert b"Renamed:" in docs["objectives/appointment-line-q4.md"]  # what it contributes to
    assert docs == _fresh(root, tmp_path, "en")


def test_what_cannot_be_regenerated_in_part_is_regenerated_whole(tmp_path):
    root = _copy_demo(tmp_path / "portal")
    preview = Preview(root, root / ".okr-portal/serve", AS_OF, "en")
    preview.regenerate()
    metric = next((root / "okrs/metrics").glob("*.csv"))
    metric.write_text(metric.read_text("utf-8") + "\n", "utf-8")
    preview.regenerate({metric.relative_to(root).as_posix()})
    assert preview.passes == 0
    (root / LINE).unlink()  # an objective gone: its pages go with it
    preview.regenerate({LINE})
    assert preview.passes == 0 and "objectives/appointment-line-q4.md" in preview.removed
    assert _tree(root / ".okr-portal/serve/docs") == _fresh(root, tmp_path, "en")


def test_the_preview_search_hook_makes_the_engine_steps_entries(tmp_path):
    root = _copy_demo(tmp_path / "portal")
    preview = Preview(root, root / ".okr-portal/serve", AS_OF, "en")
    preview.regenerate()
    docs = root / ".okr-portal/serve/docs"
    assert search_preview.entries_of(docs) == tree_entries(docs, segmenter(None))
    _edit(root, LINE, *EDITS[0][1:])
    preview.regenerate({LINE})
    entries, locations = search_preview.entries_of(docs)  # from what it kept, and the pages rewritten
    assert (entries, locations) == tree_entries(docs, segmenter(None))
    assert any("A check-in written in the preview" in entry["text"] for entry in entries)


def test_a_key_result_removed_takes_its_files_with_it(tmp_path):
    """Outside an organization a key result removed is regenerated in part too (in one, it
    changes what the alignment groups by, and the whole language is made again)."""
    root = tmp_path / "portal"
    synth.generate(root, objectives=6, key_results=18, metrics=6, rows=60, languages=("en", "zh-TW"))
    as_of = date(2026, 9, 30)
    preview = Preview(root, root / ".okr-portal/serve", as_of, None)
    preview.regenerate()
    rel = "okrs/objectives/fy2026/o-0006.yml"
    _edit(root, rel, "  - id: kr-3\n")
    preview.regenerate({rel})
    assert preview.passes == 2
    assert "embed/o-0006/kr-3/index.html" in preview.removed
    assert _tree(root / ".okr-portal/serve/docs") == _fresh(root, tmp_path, "en", as_of)

"""Loading a large portal: part of the objective files are read in a forked process.

What comes back must be exactly what one process reads: the same objectives, and
the same problems in the same order, bad files included.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from site_builder import load

DEMO = Path(__file__).resolve().parents[1] / "okrs"

BROKEN = {
    # Spread over the sorted file list, so some land in each process's share.
    "aa-syntax.yml": "id: aa-syntax\ntitle: [unclosed\n",
    "mm-unknown-key.yml": "id: mm-unknown-key\nperiod: 2026\ntitle: T\nowner: O\nflavour: mint\nkey_results: []\n",
    "zz-wrong-type.yml": "id: zz-wrong-type\nperiod: 2026\ntitle: T\nowner: O\nkey_results: 7\n",
}


def _portal(tmp_path: Path) -> Path:
    root = tmp_path / "portal"
    shutil.copytree(DEMO, root / "okrs")
    folder = root / "okrs" / "objectives" / "cy2026"
    for name, text in BROKEN.items():
        (folder / name).write_text(text, encoding="utf-8")
    (root / "okrs" / "metrics" / "broken-metric.csv").write_text("date,value\nnot-a-date,1\n", encoding="utf-8")
    return root


def test_a_forked_reader_gives_what_one_process_reads(tmp_path, monkeypatch):
    root = _portal(tmp_path)
    monkeypatch.setattr(load, "PARALLEL_FROM", 10**9)
    serial = load.load_portal(root)
    monkeypatch.setattr(load, "PARALLEL_FROM", 1)
    forked = load.load_portal(root)

    files = load._objective_files(root, [])
    assert len(files) >= 6  # both processes have files to read
    assert {p.loc.path for p in serial.problems} >= {f"okrs/objectives/cy2026/{name}" for name in BROKEN} | {
        "okrs/metrics/broken-metric.csv"}
    assert forked.problems == serial.problems  # the same problems, in the same order
    assert forked.portal == serial.portal
    # In file order; only the file that is not YAML at all gives no objective.
    assert [o.path for o in forked.portal.objectives] == [rel for rel in files if not rel.endswith("aa-syntax.yml")]


def _dies_in_a_child(parent_pid: int, files: list[str]) -> list[str]:
    if os.getpid() != parent_pid:
        os._exit(3)  # as a process killed for want of memory
    return files


def test_a_reader_process_that_dies_costs_nothing(tmp_path):
    with load._elsewhere(_dies_in_a_child, os.getpid(), ["a.yml", "b.yml"]) as result:
        pass
    assert result() == ["a.yml", "b.yml"]  # read here instead

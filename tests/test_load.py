"""Loading a large portal: part of the objective files are read in a forked process.

What comes back must be exactly what one process reads: the same objectives, and
the same problems in the same order, bad files included.
"""

from __future__ import annotations

import os
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from site_builder.source import csv_reader as csvsource
from site_builder.source import load
from site_builder.speed import forked
from site_builder.source.values import LARGEST_NUMBER

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


def test_a_worker_process_that_dies_costs_nothing(tmp_path):
    parent = os.getpid()
    ran_in: list[int] = []

    def read(files: list[str]) -> list[str]:
        if os.getpid() != parent:
            os._exit(3)  # as a process killed for want of memory
        ran_in.append(os.getpid())
        return files

    results, rest = forked(read, [["a.yml"], ["b.yml"]], 2, lambda: "meanwhile")
    assert results == [["a.yml"], ["b.yml"]] and rest == "meanwhile"
    assert ran_in == [parent, parent]  # read here instead, once the workers died


# --- numbers in metric CSVs ----------------------------------------------------------------

OUT_OF_RANGE = "is out of range: values must be between -1,000,000,000,000,000 and 1,000,000,000,000,000"


def _parse(text: str) -> tuple[tuple, list[str]]:
    problems = []
    observations = csvsource.parse_observations(text, "m.csv", problems)
    return observations, [str(p) for p in problems]


def _slow(text: str, monkeypatch) -> tuple[tuple, list[str]]:
    """What the row-by-row loop gives, with the fast path turned off."""
    with monkeypatch.context() as patch:
        patch.setattr(csvsource, "_plain_observations", lambda *args: None)
        return _parse(text)


@pytest.mark.parametrize("raw", ["1e308", "-1e308", "1e16", "-1e16", "1000000000000001", "1.5e15",
                                 "-999999999999999999999"])
@pytest.mark.parametrize("quoted", [False, True], ids=["fast-path", "row-by-row"])
def test_a_value_too_large_to_chart_is_one_problem_at_its_line(raw, quoted, monkeypatch):
    note = '"a note"' if quoted else ""  # a quote in the file: the row-by-row loop reads it
    text = f"date,value,note\n2026-01-01,30,{note}\n2026-02-01,{raw},\n2026-03-01,20,\n"
    observations, problems = _parse(text)
    assert problems == [f"m.csv:3: value '{raw}' {OUT_OF_RANGE}"]
    assert [o.value for o in observations] == [30.0, 20.0]
    assert _slow(text, monkeypatch) == (observations, problems)


@pytest.mark.parametrize("raw", ["1e15", "-1e15", "1000000000000000", "999999999999999.9", "1e-300", "-0"])
def test_values_up_to_the_largest_number_are_read(raw):
    observations, problems = _parse(f"date,value\n2026-01-01,{raw}\n")
    assert problems == []
    assert observations[0].value == float(raw)
    assert abs(observations[0].value) <= LARGEST_NUMBER


def test_a_huge_csv_value_fails_validate_not_the_chart(portal, cli):
    from tests.test_validate_corpus import OBJ, PORTAL_YML
    root = portal({"okrs/portal.yml": PORTAL_YML, "okrs/objectives/a.yml": OBJ,
                   "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n2026-02-01,-1e308\n"}, portal_yml=None)
    run = cli(root, "validate")
    assert run.out == f"okrs/metrics/wait.csv:3: value '-1e308' {OUT_OF_RANGE}\n"
    assert run.code == 1


# The fast path (_plain_observations) must give exactly what the row-by-row loop gives, for
# every file it accepts: generated files, many of them nearly right, compared both ways.
_VALUES = ["30", "28.5", "-4", "0", "-0", "+7", ".5", "5.", "1e3", "1E-2", "1e15", "-1e15", "1e16", "-1e308",
           "1e308", "1e999", "1000000000000000", "1000000000000001", "nan", "NaN", "inf", "-Infinity", "",
           " 3 ", "  ", "1_000", "１２", "12 days", "0x10", "1,5", "٣", "1e", "e1", "--1", "3.4.5", "1" * 400]
_NOTES = ["", "", "", "first", " spaced ", "a note with words", "   ", "x,y", "é"]


def _date_cell(rng: random.Random, day: date) -> str:
    roll = rng.random()
    if roll < 0.93:
        return day.isoformat()
    return rng.choice([" " + day.isoformat(), day.isoformat() + " ", "2026-02-30", "2026-13-01", "20260101",
                       "2026-W01-1", "01/02/2026", "", "2026-1-1", "2026-01-0x", "٢٠٢٦-٠١-٠١"])


def _generated_csv(rng: random.Random) -> str:
    note = rng.random() < 0.4
    header = rng.choice([["date", "value"], ["value", "date"]]) + (["note"] if note else [])
    if rng.random() < 0.3:
        rng.shuffle(header)
    day = date(2026, 1, 1)
    lines = [",".join(header)]
    for _ in range(rng.randint(0, 12)):
        day += timedelta(days=rng.choice([1, 1, 7, 30, 0 if rng.random() < 0.05 else 1, -3 if rng.random() < 0.1 else 2]))
        cells = {"date": _date_cell(rng, day),
                 "value": rng.choice(_VALUES) if rng.random() < 0.3 else str(rng.choice([rng.randint(-99, 999),
                                                                                        round(rng.uniform(-50, 50), 3)])),
                 "note": rng.choice(_NOTES)}
        row = [cells[name] for name in header]
        roll = rng.random()
        if roll < 0.03:
            row = row[:-1]  # a short row
        elif roll < 0.05:
            row = row + ["extra"]
        elif roll < 0.07:
            row = [""]  # a blank line
        lines.append(",".join(row))
    text = "\n".join(lines) + rng.choice(["\n", "\n", ""])
    return rng.choice([text, text, text, text.replace("\n", "\r\n"), text.replace("\n", "\r")])


def test_the_fast_path_agrees_with_the_row_by_row_loop(monkeypatch):
    rng = random.Random(20260101)
    fast_used = 0
    for _ in range(4000):
        text = _generated_csv(rng)
        fast, slow = _parse(text), _slow(text, monkeypatch)
        assert fast == slow, text
        normalized = text.replace("\r\n", "\n").replace("\r", "\n")
        header = normalized.split("\n", 1)[0].split(",")
        if "\"" in normalized or sorted(header) not in (["date", "value"], ["date", "note", "value"]):
            continue
        plain = csvsource._plain_observations(normalized, len(header), header.index("date"), header.index("value"),
                                              header.index("note") if "note" in header else None)
        if plain is not None:
            fast_used += 1
            assert (plain, []) == slow, text  # the fast path only answers when there is nothing to report
    assert fast_used > 500  # the generated files exercise both paths (about a quarter take the fast one)

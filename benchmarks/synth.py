"""Synthetic okr-portal generator for benchmarks.

Writes a complete, valid portal (DESIGN.md §3, schema 1) of any size:

    okrs/portal.yml
    okrs/objectives/<period>/<objective id>.yml
    okrs/metrics/<metric id>.yml
    okrs/metrics/<metric id>.csv

With ``units`` (``--units N --levels L``) it is an organization instead (schema 2):
okrs/units.yml holds N units in a tree L levels deep, the objectives are spread over
the units, and every objective below the root unit's aligns to an objective of its
unit's parent unit: to the objective itself or to its first key result, which is then
a ``rollup`` (every rollup has an objective aligned to it). L levels of units make L
levels of alignment.

Usable as a module (``generate(root, ...)``) and as a script::

    python benchmarks/synth.py OUTDIR --objectives 200 --key-results 1000 \\
        --metrics 1000 --rows 500 [--languages en,zh-TW] [--seed 1] \\
        [--units 500 --levels 4]

The output depends only on the arguments (``random.Random(seed)``), and every
file is built as one string and written once, so 1,000 metrics x 500 rows take
about a second.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

# (id, title, start, end). The metric series end on the last day of the last period.
PERIODS = (
    ("fy2025", "Fiscal year 2025", date(2024, 10, 1), date(2025, 9, 30)),
    ("fy2026", "Fiscal year 2026", date(2025, 10, 1), date(2026, 9, 30)),
)
SERIES_END = PERIODS[-1][3]

_TOPICS = (
    ("primary care wait", "基層醫療等候"),
    ("emergency response time", "緊急應變時間"),
    ("permit processing", "許可審查"),
    ("library visits", "圖書館到訪"),
    ("street lighting uptime", "路燈妥善率"),
    ("water quality compliance", "水質合格率"),
    ("bus punctuality", "公車準點率"),
    ("pothole repairs", "坑洞修補"),
    ("school attendance", "學生出席率"),
    ("hospital readmissions", "再入院率"),
    ("call centre answer time", "客服接聽時間"),
    ("recycling rate", "資源回收率"),
    ("tree canopy cover", "樹冠覆蓋率"),
    ("housing applications", "住宅申請"),
    ("vaccination coverage", "疫苗接種率"),
    ("open data releases", "開放資料釋出"),
)
_VERBS = (("Improve", "改善"), ("Reduce", "降低"), ("Raise", "提升"), ("Sustain", "維持"))
_OWNERS = (
    "Office of the Chief Medical Officer",
    "Department of Transportation",
    "Public Works",
    "Parks and Recreation",
    "Digital Services Team",
    "Community Health Division",
    "Finance and Budget Office",
)
_TAGS = ("access", "safety", "equity", "environment", "service", "health", "transport")
_UNITS = ("%", "days", "minutes", "per 1,000 residents", "count", "hours")
_FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "annual")
_CONFIDENCE = ("on_track", "on_track", "at_risk", "off_track")
_NOTES = ("provisional", "revised", "estimate", "source outage")


def _q(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(text, ensure_ascii=False)


def _text(en: str, zh: str, languages: tuple[str, ...], translate: bool) -> str:
    """A (T) field: a plain string, or an inline {lang: ...} mapping when translating."""
    if not translate or len(languages) == 1:
        return _q(en)
    parts = []
    for lang in languages:
        if lang == "en":
            value = en
        elif lang.startswith("zh"):
            value = zh
        else:
            value = f"[{lang}] {en}"
        parts.append(f"{lang}: {_q(value)}")
    return "{" + ", ".join(parts) + "}"


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


_LEVEL_NAMES = (("Department", "局"), ("Division", "處"), ("Team", "組"))


def unit_levels(units: int, levels: int) -> list[int]:
    """How many units each level of the tree holds, the root's first: one root, then
    levels growing by a common factor b (1 + b + ... + b**(levels - 1) = units), every
    level holding at least one unit."""
    if levels < 1:
        raise ValueError("levels must be at least 1")
    if units < levels or (levels == 1 and units != 1):
        raise ValueError(f"{levels} levels need {'exactly 1 unit' if levels == 1 else f'at least {levels} units'}")
    if levels == 1:
        return [1]
    low, high = 1.0, float(units)
    for _ in range(100):  # bisection: the branching factor of a tree of that many units
        b = (low + high) / 2
        if sum(b ** i for i in range(levels)) < units:
            low = b
        else:
            high = b
    sizes = [1] + [max(1, round(high ** i)) for i in range(1, levels - 1)]
    if units - sum(sizes) < 1:
        sizes = [1] * (levels - 1)
    return sizes + [units - sum(sizes)]


def _organization(units: int, levels: int, objectives: int) -> tuple[list[tuple[str, str | None, int]], list[dict]]:
    """The unit tree, and each objective's place in it.

    Units: (id, parent id or None, level), breadth first. Objectives: for each, in order,
    {"unit", "level", "parent": index of the objective it aligns to or None, "rollup": whether
    it aligns to that objective's first key result, "top": index among the root unit's}.
    Objective o belongs to unit o % units; a unit's objectives align, in turn, to those of
    its parent unit (all the parent's child units' objectives dealt out round-robin), the
    first dealt to each parent objective to its rollup key result, the rest alternately to
    the objective and to the rollup.
    """
    if objectives < units:
        raise ValueError("objectives must be at least units (every unit owns one)")
    sizes = unit_levels(units, levels)
    tree: list[tuple[str, str | None, int]] = []
    by_level: list[list[int]] = []
    for level, size in enumerate(sizes):
        first = len(tree)
        above = by_level[-1] if by_level else []
        for j in range(size):
            parent = tree[above[j * len(above) // size]][0] if above else None
            tree.append((f"u-{first + j + 1:04d}", parent, level))
        by_level.append(list(range(first, first + size)))
    index = {uid: n for n, (uid, _, _) in enumerate(tree)}
    owned: list[list[int]] = [[] for _ in tree]
    for o in range(objectives):
        owned[o % units].append(o)
    plan = [{"unit": tree[o % units][0], "level": tree[o % units][2], "parent": None, "rollup": False,
             "top": None} for o in range(objectives)]
    for k, o in enumerate(owned[0]):
        plan[o]["top"] = k
    children_of: list[list[int]] = [[] for _ in tree]
    for n, (_, parent, _) in enumerate(tree):
        if parent is not None:
            children_of[index[parent]].append(n)
    for n in range(len(tree)):
        theirs = owned[n]
        below = [o for child in children_of[n] for o in owned[child]]
        for i, o in enumerate(below):
            plan[o]["parent"] = theirs[i % len(theirs)]
            plan[o]["rollup"] = i < len(theirs) or (i // len(theirs)) % 2 == 0
    return tree, plan


def generate(
    root: Path,
    objectives: int = 200,
    key_results: int = 1000,
    metrics: int = 1000,
    rows: int = 500,
    languages: tuple[str, ...] | list[str] = ("en",),
    seed: int = 1,
    units: int = 0,
    levels: int = 4,
) -> dict:
    """Write a synthetic portal under ``root`` (created if needed) and return counts.

    ``units`` > 0: an organization of that many units, ``levels`` deep (schema 2; see the
    module's docstring); 0: no units.yml, schema 1, as before."""
    root = Path(root)
    languages = tuple(languages) or ("en",)
    if objectives < 1:
        raise ValueError("objectives must be at least 1")
    if key_results < objectives:
        raise ValueError("key_results must be at least objectives (each needs one)")
    if metrics < 0 or rows < 0:
        raise ValueError("metrics and rows must not be negative")
    if units < 0:
        raise ValueError("units must not be negative")
    tree, plan = _organization(units, levels, objectives) if units else ([], [])
    rng = random.Random(seed)
    multi = len(languages) > 1

    okrs = root / "okrs"
    metrics_dir = okrs / "metrics"
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for pid, *_ in PERIODS:
        (okrs / "objectives" / pid).mkdir(parents=True, exist_ok=True)
    files = 0

    # --- portal.yml -------------------------------------------------------
    lines = [
        f"schema: {2 if units else 1}",
        f"title: {_text('City Performance Portal', '市政績效入口', languages, multi)}",
        f"organization: {_text('City of Exampleton', '範例市政府', languages, multi)}",
        f"description: {_q('Synthetic portal for benchmarks: **every** objective, key result and metric.')}",
        "languages: [" + ", ".join(languages) + "]",
        "base_url: https://okrs.example.org/",
        f"contact: {_q('performance@example.org')}",
        "periods:",
    ]
    for pid, title, start, end in PERIODS:
        zh = "會計年度 " + pid[2:]
        lines.append(
            f"  - {{id: {pid}, title: {_text(title, zh, languages, multi)}, "
            f"start: {start.isoformat()}, end: {end.isoformat()}}}"
        )
    lines.append("thresholds: {at_risk: 0.10, off_track: 0.25}")
    _write(okrs / "portal.yml", "\n".join(lines) + "\n")
    files += 1

    # --- units.yml (an organization) -------------------------------------------
    if units:
        lines = []
        for uid, parent, level in tree:
            if parent is None:
                title = _text(f"City of Exampleton ({uid})", f"範例市政府（{uid}）", languages, multi)
                lead = _text("City Manager", "市政執行長", languages, multi)
            else:
                en, zh = _LEVEL_NAMES[min(level, len(_LEVEL_NAMES)) - 1]
                number = int(uid[2:])
                title = _text(f"{en} {number} ({uid})", f"第 {number} {zh}（{uid}）", languages, multi)
                lead = _text(f"Head of {en.lower()} {number}", f"第 {number} {zh}主管", languages, multi)
            lines.append(f"- id: {uid}")
            if parent is not None:
                lines.append(f"  parent: {parent}")
            lines.append(f"  title: {title}")
            lines.append(f"  lead: {lead}")
        _write(okrs / "units.yml", "\n".join(lines) + "\n")
        files += 1

    # --- metrics: yml + csv -----------------------------------------------
    first_day = SERIES_END - timedelta(days=rows - 1)
    day_strings = [(first_day + timedelta(days=i)).isoformat() for i in range(rows)]
    metric_ids = [f"m-{i + 1:05d}" for i in range(metrics)]
    # Per metric: (decimals, daily values or None), to set baselines near real data.
    series_info: list[tuple[int, list[float | None]]] = []
    observations = 0
    for n, mid in enumerate(metric_ids):
        topic_en, topic_zh = _TOPICS[n % len(_TOPICS)]
        unit = _UNITS[n % len(_UNITS)]
        decimals = n % 3
        frequency = _FREQUENCIES[n % len(_FREQUENCIES)]
        _write(
            metrics_dir / f"{mid}.yml",
            f"title: {_text(f'{topic_en.capitalize()} ({mid})', f'{topic_zh}（{mid}）', languages, multi)}\n"
            f"unit: {_q(unit)}\n"
            f"decimals: {decimals}\n"
            f"frequency: {frequency}\n"
            f"source: {_q('Exampleton Open Data Office')}\n"
            f"methodology: {_q(f'Daily count of {topic_en}, averaged over the reporting window.')}\n",
        )
        # A bounded random walk around a level; a few empty values and notes.
        level = rng.uniform(5.0, 95.0) if unit == "%" else rng.uniform(20.0, 500.0)
        step = level * 0.01
        gauss = rng.gauss
        rand = rng.random
        v = level
        values: list[float | None] = []
        out = ["date,value,note"]
        for day in day_strings:
            v += gauss(0.0, step)
            if v < 1.0:
                v = 1.0 + rand()
            elif unit == "%" and v > 100.0:
                v = 100.0 - rand()
            r = rand()
            if r < 0.01:
                values.append(None)
                out.append(f"{day},,")
            elif r < 0.015:
                values.append(v)
                out.append(f"{day},{v:.{decimals}f},{_NOTES[int(r * 1000) % len(_NOTES)]}")
                observations += 1
            else:
                values.append(v)
                out.append(f"{day},{v:.{decimals}f},")
                observations += 1
        _write(metrics_dir / f"{mid}.csv", "\n".join(out) + "\n")
        series_info.append((decimals, values))
    files += 2 * metrics

    # --- objectives ---------------------------------------------------------
    # Key results spread evenly: the first (key_results % objectives) get one extra.
    base, extra = divmod(key_results, objectives)
    n_fy2025 = objectives // 3
    kr_counter = 0
    by_type = {"metric": 0, "maintain": 0, "milestone": 0}
    if units:
        by_type["rollup"] = 0
        # An objective's period is its parent's (a parent's period contains its children's):
        # the root unit's first third are of fy2025, as a third of all objectives are without units.
        n_top = sum(1 for step in plan if step["top"] is not None)
        period_of: dict[int, int] = {}
        for o in sorted(range(objectives), key=lambda o: plan[o]["level"]):  # parents before children
            step = plan[o]
            period_of[o] = int(step["top"] >= n_top // 3) if step["parent"] is None else period_of[step["parent"]]
        has_rollup = {step["parent"] for step in plan if step["rollup"]}
    for o in range(objectives):
        oid = f"o-{o + 1:04d}"
        if units:
            pid, _ptitle, pstart, pend = PERIODS[period_of[o]]
        else:
            pid, _ptitle, pstart, pend = PERIODS[0] if o < n_fy2025 else PERIODS[1]
        span = (pend - pstart).days
        verb_en, verb_zh = _VERBS[o % len(_VERBS)]
        topic_en, topic_zh = _TOPICS[(o * 7) % len(_TOPICS)]
        tags = sorted({_TAGS[o % len(_TAGS)], _TAGS[(o * 3 + 1) % len(_TAGS)]})
        lines = [
            f"id: {oid}",
            f"period: {pid}",
            f"title: {_text(f'{verb_en} {topic_en} ({oid})', f'{verb_zh}{topic_zh}（{oid}）', languages, multi)}",
            f"owner: {_q(_OWNERS[o % len(_OWNERS)])}",
        ]
        if units:
            step = plan[o]
            lines.append(f"unit: {step['unit']}")
            if step["parent"] is not None:
                parent_id = f"o-{step['parent'] + 1:04d}"
                lines.append(f"aligns_to: {parent_id}/kr-1" if step["rollup"] else f"aligns_to: {parent_id}")
        lines += [
            f"description: {_q(f'Why {topic_en} matters, and what we will do about it.')}",
            "tags: [" + ", ".join(tags) + "]",
            "visibility: public",
            f"internal_notes: {_q('Not for publication.')}",
            "key_results:",
        ]
        for k in range(base + (1 if o < extra else 0)):
            kid = f"kr-{k + 1}"
            # ~80 % metric, ~10 % maintain, ~10 % milestone; milestones only without metrics.
            if units and k == 0 and o in has_rollup:
                kind = "rollup"  # its progress: that of the objectives aligned to it
            elif metrics == 0:
                kind = "milestone"
            else:
                slot = kr_counter % 10
                kind = "maintain" if slot == 4 else "milestone" if slot == 9 else "metric"
            by_type[kind] += 1
            kt_en, kt_zh = _TOPICS[(kr_counter * 5 + o) % len(_TOPICS)]
            lines.append(f"  - id: {kid}")
            lines.append(
                f"    title: {_text(f'{kt_en.capitalize()} ({oid}/{kid})', f'{kt_zh}（{oid}/{kid}）', languages, multi)}"
            )
            lines.append(f"    type: {kind}")
            if kr_counter % 7 == 3:
                lines.append("    commitment: aspirational")
            if kr_counter % 5 == 2:
                lines.append("    weight: 2")
            if kind in ("metric", "maintain"):
                m = kr_counter % metrics
                decimals, values = series_info[m]
                lines.append(f"    metric: {metric_ids[m]}")
                # A level near the series' first observation in the period, else its first one.
                ref = None
                offset = (pstart - first_day).days
                for i in range(max(offset, 0), len(values)):
                    if values[i] is not None:
                        ref = values[i]
                        break
                if ref is None:
                    ref = next((x for x in values if x is not None), rng.uniform(20.0, 500.0))
                if kind == "metric":
                    b = float(_fmt(ref, decimals))
                    change = ref * rng.uniform(0.03, 0.3) * (1 if rng.random() < 0.5 else -1)
                    t = float(_fmt(ref + change, decimals))
                    if t == b:
                        t = b + 10 ** -decimals * 10
                    bdate = pstart
                    tdate = pend if rng.random() < 0.8 else pend - timedelta(days=rng.randrange(30, 120))
                    lines.append(f"    baseline: {{date: {bdate.isoformat()}, value: {_fmt(b, decimals)}}}")
                    lines.append(f"    target: {{date: {tdate.isoformat()}, value: {_fmt(t, decimals)}}}")
                else:
                    lines.append(f"    threshold: {{min: {_fmt(ref * 0.95, decimals)}}}")
            elif kind == "milestone":
                due = pstart + timedelta(days=rng.randrange(60, span))
                lines.append(f"    due: {due.isoformat()}")
                if rng.random() < 0.5:
                    done = due - timedelta(days=rng.randrange(0, 45))
                    lines.append(f"    done: {done.isoformat()}")
            lines.append("    updates:")
            d1 = pstart + timedelta(days=rng.randrange(20, span // 2))
            d2 = d1 + timedelta(days=rng.randrange(20, span // 2 - 20))
            for d in (d1, d2):
                conf = _CONFIDENCE[rng.randrange(len(_CONFIDENCE))]
                lines.append(
                    f"      - {{date: {d.isoformat()}, confidence: {conf}, "
                    f"text: {_q(f'Check-in for {kid}: work continues as planned.')}}}"
                )
            kr_counter += 1
        _write(okrs / "objectives" / pid / f"{oid}.yml", "\n".join(lines) + "\n")
        files += 1

    return {
        "objectives": objectives,
        "key_results": key_results,
        "key_results_by_type": by_type,
        "metrics": metrics,
        "rows": rows,
        "observations": observations,
        "periods": len(PERIODS),
        "languages": list(languages),
        "files": files,
        **({"units": units, "levels": len(unit_levels(units, levels)), "units_by_level": unit_levels(units, levels),
            "aligned": sum(1 for step in plan if step["parent"] is not None),
            "aligned_to_key_results": sum(1 for step in plan if step["rollup"])} if units else {}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic okr-portal for benchmarks.")
    parser.add_argument("outdir", type=Path, help="portal root to write (okrs/ goes inside)")
    parser.add_argument("--objectives", type=int, default=200)
    parser.add_argument("--key-results", type=int, default=1000)
    parser.add_argument("--metrics", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=500, help="observations per metric")
    parser.add_argument("--languages", default="en", help="comma-separated, first is the default")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--units", type=int, default=0,
                        help="an organization of this many units (schema 2, units.yml, aligned objectives); "
                             "default 0: none")
    parser.add_argument("--levels", type=int, default=4, help="levels of the unit tree, the root's included (default 4)")
    args = parser.parse_args(argv)
    languages = tuple(x.strip() for x in args.languages.split(",") if x.strip())
    started = time.perf_counter()
    try:
        counts = generate(
            args.outdir,
            objectives=args.objectives,
            key_results=args.key_results,
            metrics=args.metrics,
            rows=args.rows,
            languages=languages,
            seed=args.seed,
            units=args.units,
            levels=args.levels,
        )
    except ValueError as exc:
        parser.error(str(exc))
    elapsed = time.perf_counter() - started
    print(f"wrote {counts['files']} files to {args.outdir} in {elapsed:.2f} s: {json.dumps(counts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

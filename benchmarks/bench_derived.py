"""Derived metrics (DESIGN.md §4): `python benchmarks/bench_derived.py [--derived N] [--rows N] [--repeat N]`.

Builds a portal in memory (model objects, no files): 1,000 input metrics of 500 daily rows
(a few values missing, a few flagged) and 1,000 derived metrics over them, of four kinds in
turn: a ratio (100 * a / b), a difference (a - b), a rolling mean (rolling_mean(a, 7)) and a
derived metric of a derived metric (rolling_sum(ratio, 3) * 2). Times
``site_builder.compute.derived.with_derived`` (best of --repeat) and prints the seconds and the
derived rows computed per second. ``run()`` returns the figures, for benchmarks/bench.py.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

from site_builder.compute.derived import with_derived  # noqa: E402
from site_builder.model import FLAGS, Metric, Observation, Portal  # noqa: E402
from site_builder.problems import Loc  # noqa: E402

START = date(2025, 1, 1)


def _metric(metric_id: str, observations: tuple[Observation, ...] = (), formula: str | None = None) -> Metric:
    path = f"okrs/metrics/{metric_id}.{'yml' if formula else 'csv'}"
    return Metric(id=metric_id, title=None, unit=None, decimals=None, frequency="daily", source=None,
                  methodology=None, feed=None, observations=observations, csv_path=None if formula else path,
                  meta_path=path if formula else None, loc=Loc(path), formula=formula)


def portal(derived: int = 1000, rows: int = 500, seed: int = 1) -> Portal:
    rng = random.Random(seed)
    metrics: dict[str, Metric] = {}
    inputs = max(derived, 2)
    for i in range(inputs):
        observations = []
        for day in range(rows):
            value = None if rng.random() < 0.02 else round(rng.uniform(0, 100), 1)
            flag = rng.choice(FLAGS) if rng.random() < 0.03 else None
            observations.append(Observation(START + timedelta(days=day), value, None, day + 2, flag))
        metrics[f"in-{i}"] = _metric(f"in-{i}", tuple(observations))
    for i in range(derived):
        a, b = f"in-{i}", f"in-{(i + 1) % inputs}"
        kind = i % 4
        formula = (f"100 * {a} / {b}", f"{a} - {b}", f"rolling_mean({a}, 7)",
                   f"rolling_sum(d-{i - 3}, 3) * 2" if i >= 3 else f"{a} + 1")[kind]
        metrics[f"d-{i}"] = _metric(f"d-{i}", formula=formula)
    return Portal(root=".", settings=None, objectives=(), metrics=metrics)


def run(derived: int = 1000, rows: int = 500, repeat: int = 3) -> dict:
    made = portal(derived, rows)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        result = with_derived(made)
        best = min(best, time.perf_counter() - started)
    computed = sum(len(m.observations) for m in result.metrics.values() if m.derived)
    return {"derived": derived, "rows": rows, "seconds": best, "derived_rows": computed,
            "rows_per_second": computed / best if best else float("inf")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--derived", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    figures = run(args.derived, args.rows, args.repeat)
    print(f"python {sys.version.split()[0]}")
    print(f"derived: {figures['derived']:,} derived metrics of {figures['rows']:,} input rows each: "
          f"{figures['seconds']:.3f} s (best of {args.repeat}), {figures['derived_rows']:,} rows computed, "
          f"{figures['rows_per_second']:,.0f} rows/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

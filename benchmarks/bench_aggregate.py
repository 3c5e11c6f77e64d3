"""A feed's `aggregate` at scale: `python benchmarks/bench_aggregate.py [--rows N] [--codes K] [--repeat R]`.

Makes a daily feed of 1,000,000 rows (by default: 20 facility codes × 50,000 days,
one value in 50 empty) and rolls it up into monthly means by facility through the
code `okr-portal fetch` runs:

- `aggregate`: site_builder.feeds.aggregate.aggregate alone, on the rows' columns
  (days, values, group numbers): the pandas part;
- `rows to observations`: site_builder.feeds.groups.observations, what fetch does
  with the parsed rows of an answer (every row's codes checked against the
  metric's declaration, the columns built, then `aggregate`);
- `parse`: site_builder.feeds.parse.parse_answer of the same rows as a CSV answer
  (each date and value checked by the one parser; not aggregation, shown for scale).

Prints one figure per line (best of --repeat runs) and checks one month's mean by hand.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from site_builder.feeds import aggregate as rollup  # noqa: E402
from site_builder.feeds.groups import observations  # noqa: E402
from site_builder.feeds.parse import parse_answer  # noqa: E402
from site_builder.model import Aggregate, Dimension, FeedSettings, Metric  # noqa: E402
from site_builder.problems import Loc  # noqa: E402

FIRST_DAY = date(1900, 1, 1)


def make_metric(codes: list[str]) -> Metric:
    loc = Loc("okrs/metrics/bench.yml")
    feed = FeedSettings(type="csv", url="data/bench.csv", date="date", value="value", records=None,
                        connection_env=None, query=None, headers_env={}, loc=loc,
                        dimensions={"facility": "clinic"}, aggregate=Aggregate("monthly", "mean", loc))
    facility = Dimension("facility", None, tuple((code, None) for code in codes), loc)
    return Metric(id="bench", title=None, unit=None, decimals=None, frequency="monthly", source=None,
                  methodology=None, feed=feed, observations=(), csv_path="okrs/metrics/bench.csv",
                  meta_path="okrs/metrics/bench.yml", loc=loc, dimensions=(facility,))


def make_rows(n: int, codes: list[str]):
    """(date, value, where, codes) rows, as feeds/parse.py makes them: each code's days in turn."""
    days = -(-n // len(codes))
    dates = [FIRST_DAY + timedelta(days=i) for i in range(days)]
    rows = []
    for k, code in enumerate(codes):
        for i, when in enumerate(dates):
            if len(rows) == n:
                break
            value = None if (i + k) % 50 == 0 else float((i * 7 + k * 13) % 1000) / 4
            rows.append((when, value, f"line {len(rows) + 2} of the answer", (code,)))
    return rows


def best(repeat: int, work):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--codes", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-parse", action="store_true", help="leave out the parse figure")
    args = parser.parse_args()
    codes = [f"facility-{k:02d}" for k in range(args.codes)]
    metric = make_metric(codes)
    rows = make_rows(args.rows, codes)
    span = f"{min(r[0] for r in rows)} to {max(r[0] for r in rows)}"
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"pandas {__import__('pandas').__version__}")
    print(f"feed: {len(rows):,} daily rows, {len(codes)} codes, {span}, into monthly means")

    index = {code: i for i, code in enumerate(codes)}
    days = rollup.days_since_epoch([r[0] for r in rows])
    values = np.array([np.nan if r[1] is None else r[1] for r in rows])
    groups = np.array([index[r[3][0]] for r in rows], dtype=np.int64)
    seconds, rolled = best(args.repeat, lambda: rollup.aggregate(days, values, groups, "monthly", "mean"))
    print(f"aggregate: {seconds:.3f} s ({len(rolled):,} monthly groups)")

    seconds, by_group = best(args.repeat, lambda: observations(rows, metric))
    print(f"rows to observations: {seconds:.3f} s ({sum(map(len, by_group.values())):,} observations "
          f"in {len(by_group)} groups)")

    # One month by hand: facility-00, January 1900.
    january = [r[1] for r in rows if r[3] == ("facility-00",) and r[0] < date(1900, 2, 1) and r[1] is not None]
    expected = float(f"{sum(january) / len(january):.15g}")
    got = by_group[(("facility", "facility-00"),)][date(1900, 1, 1)]
    if got != expected:
        print(f"WRONG: the mean of facility-00 in January 1900 is {expected}, aggregate gave {got}")
        return 1

    if not args.no_parse:
        body = ("date,value,clinic\n" + "".join(
            f"{when},{'' if value is None else value},{code[0]}\n" for when, value, _, code in rows)).encode()
        feed = metric.feed
        seconds, parsed = best(1, lambda: parse_answer(body, feed))
        print(f"parse: {seconds:.3f} s ({len(parsed):,} rows, {len(body) / 1e6:.1f} MB of CSV; not aggregation)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

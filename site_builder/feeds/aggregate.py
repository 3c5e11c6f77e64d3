"""A feed's `aggregate`: source rows rolled up to one value per period and group
(DESIGN.md §3 "Feeds"), with pandas, column by column.

Rows are grouped by the period their date falls in and by their dimension
codes, and ``how`` is applied to the non-empty values of each group:

- periods: daily, weekly (weeks start on Monday), monthly, quarterly (starting
  in January, April, July, October) and annual, each dated on its first day:
  2026-03-17 falls in the week of Monday 2026-03-16, the month 2026-03-01, the
  quarter and the year 2026-01-01. Worked out as arithmetic on days since
  1970-01-01 (a Thursday) and numpy's month and year units, so a million rows
  take a fraction of a second (benchmarks/bench_aggregate.py).
- how: mean, sum, min, max; last, the value of the latest-dated row of the
  period (of two rows on that date, the one later in the answer); count, the
  number of non-empty values.
- a group whose values are all empty yields no observation, whatever ``how``
  (count included: a count of 0 is never written, as there was nothing to count).
- a mean or a sum is rounded to 15 significant digits, so that adding up
  decimals writes 0.3, not 0.30000000000000004 (a double holds 15 of them
  exactly); min, max, last and count are values of the answer, or whole numbers.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Sequence

import numpy as np

EVERY = ("daily", "weekly", "monthly", "quarterly", "annual")
HOW = ("mean", "sum", "min", "max", "last", "count")
_EPOCH = date(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_ROUNDED = ("mean", "sum")


def period_starts(days: np.ndarray, every: str) -> np.ndarray:
    """The first day of the period each day falls in; days and result as int64 days since 1970-01-01."""
    days = np.asarray(days, dtype=np.int64)
    if every == "daily":
        return days
    if every == "weekly":
        return days - (days + 3) % 7  # 1970-01-01 was a Thursday, 3 days after a Monday
    as_dates = days.astype("datetime64[D]")
    if every == "monthly":
        return as_dates.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    if every == "quarterly":
        months = as_dates.astype("datetime64[M]").astype(np.int64)  # 0 is January 1970, a quarter's first month
        return (months - months % 3).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    if every == "annual":
        return as_dates.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    raise ValueError(f"every must be one of {', '.join(EVERY)}, not {every!r}")


def period_start(when: date, every: str) -> date:
    """The first day of the period ``when`` falls in (one date: what period_starts does to many)."""
    return _EPOCH + timedelta(days=int(period_starts(np.array([(when - _EPOCH).days]), every)[0]))


def days_since_epoch(dates: Sequence[date]) -> np.ndarray:
    """Dates as int64 days since 1970-01-01."""
    return np.fromiter(map(date.toordinal, dates), dtype=np.int64, count=len(dates)) - _EPOCH_ORDINAL


def aggregate(days: np.ndarray, values: np.ndarray, groups: np.ndarray, every: str,
              how: str) -> list[tuple[int, date, float]]:
    """Roll rows up: ``days`` (int64 days since 1970-01-01), ``values`` (float64, NaN
    where a row holds no value) and ``groups`` (an int per row naming its group of
    codes) into (group, first day of the period, value), one per group and period
    that has a non-empty value, sorted by group, then date."""
    import pandas as pd  # only fetches that aggregate pay for importing it

    if how not in HOW:
        raise ValueError(f"how must be one of {', '.join(HOW)}, not {how!r}")
    frame = pd.DataFrame({"group": np.asarray(groups, dtype=np.int64),
                          "period": period_starts(days, every),
                          "day": np.asarray(days, dtype=np.int64),
                          "value": np.asarray(values, dtype=np.float64)})
    frame = frame[frame["value"].notna()]
    if how == "last":
        frame = frame.sort_values("day", kind="stable")  # then the group's last row is its latest dated
    rolled = frame.groupby(["group", "period"], sort=True)["value"].agg(how)
    out_groups = rolled.index.get_level_values("group").to_numpy()
    out_days = rolled.index.get_level_values("period").to_numpy()
    out_values = rolled.to_numpy(dtype=np.float64)
    if how in _ROUNDED:
        out_values = [float(f"{v:.15g}") for v in out_values.tolist()]
    else:
        out_values = out_values.tolist()
    return [(int(g), _EPOCH + timedelta(days=int(d)), v + 0.0)
            for g, d, v in zip(out_groups.tolist(), out_days.tolist(), out_values)]

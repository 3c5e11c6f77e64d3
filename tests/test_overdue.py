"""Data overdue (DESIGN.md §4): (as-of − newest observation) > interval + lag_days, at its
boundaries, read from real files."""

from __future__ import annotations

from datetime import date

import pytest

from fixtures import SCHEMA2_PORTAL_YML
from site_builder.compute.overdue import allowed_days, is_overdue, newest_observation
from site_builder.source.check import check

OBJECTIVE = """\
id: a
period: cy2026
title: A
owner: Someone
key_results:
  - {id: k, title: K, metric: m, baseline: {date: 2026-01-01, value: 0}, target: {value: 10}}
"""


def metric(portal, meta: str, csv: str = "date,value\n2026-06-01,5\n"):
    root = portal({"okrs/objectives/a.yml": OBJECTIVE, "okrs/metrics/m.yml": meta, "okrs/metrics/m.csv": csv},
                  portal_yml=SCHEMA2_PORTAL_YML)
    checked = check(root)
    assert checked.problems == [], checked.problems
    return checked.portal.metrics["m"]


@pytest.mark.parametrize("frequency, lag, allowed", [
    ("daily", None, 2), ("weekly", None, 14), ("monthly", None, 62), ("quarterly", None, 184),
    ("annual", None, 732), ("monthly", 45, 76), ("monthly", 0, 31),
])
def test_one_interval_and_the_lag_which_is_one_more_interval_by_default(portal, frequency, lag, allowed):
    meta = f"frequency: {frequency}\n" + (f"lag_days: {lag}\n" if lag is not None else "")
    m = metric(portal, meta)
    assert allowed_days(m) == allowed
    newest = date(2026, 6, 1)
    assert not is_overdue(m, date.fromordinal(newest.toordinal() + allowed))  # exactly: still on time
    assert is_overdue(m, date.fromordinal(newest.toordinal() + allowed + 1))


def test_without_a_frequency_a_metric_is_never_overdue(portal):
    m = metric(portal, "title: M\n")
    assert allowed_days(m) is None and not is_overdue(m, date(2030, 1, 1))


def test_without_an_observation_a_metric_is_not_overdue(portal):
    m = metric(portal, "frequency: monthly\n", "date,value\n2026-01-01,\n")  # a row without a value
    assert newest_observation(m, date(2026, 12, 1)) is None
    assert not is_overdue(m, date(2026, 12, 1))


def test_observations_after_the_as_of_date_and_empty_values_do_not_count(portal):
    m = metric(portal, "frequency: monthly\n", "date,value\n2026-03-01,4\n2026-04-01,\n2026-09-01,6\n")
    assert newest_observation(m, date(2026, 6, 1)).date == date(2026, 3, 1)
    assert is_overdue(m, date(2026, 6, 1))  # 92 days after March 1 (allowed 62), April empty, September not yet
    assert not is_overdue(m, date(2026, 9, 1))

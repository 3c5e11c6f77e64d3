"""okr-portal fetch with a feed's `dimensions` and `aggregate` (schema 2, DESIGN.md §3 "Feeds"):
codes read from the source, rows rolled up by period and group, and the upsert by
(date, dimension codes). Over the real HTTP server of tests/test_fetch.py and the real
PostgreSQL of tests/test_fetch_sql.py, through the real CLI. Every expected figure is
worked out by hand in the comments beside it.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from fixtures import SCHEMA2_PORTAL_YML
from site_builder.feeds import aggregate as rollup
from test_fetch import TOKEN, _routes, route, server  # noqa: F401 (_routes, server: fixtures)
from test_fetch_sql import ENV, _quick, pg, reader_url  # noqa: F401 (_quick, pg: fixtures)

FACILITY = {"title": "Facility", "values": {"northshore": "Northshore", "eastfield": "Eastfield"}}
AGE = {"title": "Age", "values": {"under-65": "Under 65", "65-plus": "65 and over"}}


def metric(metric_id: str, feed: dict, csv: str | bytes | None = None, frequency: str | None = "monthly",
           dimensions: dict | None = None) -> dict:
    """A metric's yml (and CSV, when given) with a feed, in a schema 2 portal."""
    meta = {"title": metric_id, **({"frequency": frequency} if frequency else {})}
    if dimensions is None:
        dimensions = {"facility": FACILITY}
    if dimensions:
        meta["dimensions"] = dimensions
    meta["feed"] = feed
    files = {f"okrs/metrics/{metric_id}.yml": json.dumps(meta, indent=1) + "\n"}
    if csv is not None:
        files[f"okrs/metrics/{metric_id}.csv"] = csv.encode() if isinstance(csv, str) else csv
    return files


@pytest.fixture
def portal2(portal):
    return lambda files: portal(files, SCHEMA2_PORTAL_YML)


def csv_feed(server, path: str, body: str, **feed) -> dict:
    route(path, body)
    return {"type": "csv", "url": f"{server}{path}", **feed}


def read(root, metric_id: str) -> bytes:
    return (root / f"okrs/metrics/{metric_id}.csv").read_bytes()


def valid(cli, root) -> None:
    run = cli(root, "validate")
    assert run.code == 0, run


# --- bad input first: a failure leaves the CSV byte-for-byte --------------------------

BEFORE = b"\xef\xbb\xbfdate,value,facility,flag,note\r\n2026-01-01,3,northshore,estimate,\"kept, as is\"\r\n"


def test_an_undeclared_code_fails_and_leaves_the_csv_byte_for_byte(portal2, cli, server):
    feed = csv_feed(server, "/bad.csv", "day,n,clinic\n2026-01-01,4,northshore\n2026-01-02,5,zzz\n",
                    date="day", value="n", dimensions={"facility": "clinic"})
    good = csv_feed(server, "/good.csv", "date,value,clinic\n2026-01-01,7,eastfield\n",
                    dimensions={"facility": "clinic"})
    root = portal2(metric("bad", feed, BEFORE) | metric("good", good, "date,value,facility\n"))
    run = cli(root, "fetch")
    assert run.code == 1
    assert run.out == ("metric bad: line 3 of the answer has facility 'zzz', which okrs/metrics/bad.yml "
                       "does not declare\n"
                       "metric good: 1 added\n")
    assert run.err.strip().splitlines()[-1] == "okr-portal fetch: 1 of 2 failed"
    assert read(root, "bad") == BEFORE
    assert read(root, "good") == b"date,value,facility\n2026-01-01,7,eastfield\n"


def test_an_undeclared_code_fails_with_aggregate_too_and_hides_secrets(portal2, cli, server, monkeypatch):
    monkeypatch.setenv("DATA_API_TOKEN", TOKEN)
    feed = csv_feed(server, "/agg-bad.csv", f"date,value,clinic\n2026-01-01,4,northshore\n2026-01-02,5,x{TOKEN}\n",
                    dimensions={"facility": "clinic"}, aggregate={"how": "sum"},
                    headers_env={"Authorization": "DATA_API_TOKEN"})
    root = portal2(metric("bad", feed, BEFORE))
    run = cli(root, "fetch")
    assert run.code == 1
    assert run.out == "metric bad: line 3 of the answer has facility 'x***', which okrs/metrics/bad.yml does not declare\n"
    assert TOKEN not in run.out + run.err
    assert read(root, "bad") == BEFORE


BAD_ANSWERS = [
    # id, feed type, answer, feed settings beyond url, reason
    ("no-column", "csv", "date,value\n2026-01-01,1\n", {"dimensions": {"facility": "clinic"}},
     "the answer has no column 'clinic' (its columns: date, value)"),
    ("no-field", "json", '[{"date": "2026-01-01", "value": 1}, {"date": "2026-01-02", "value": 2}]',
     {"dimensions": {"facility": "clinic"}},
     "no record of the answer has the field 'clinic' (the feed's dimension facility)"),
    ("code-not-text", "json", '[{"date": "2026-01-01", "value": 1, "clinic": 1.5}]',
     {"dimensions": {"facility": "clinic"}}, "record 1: facility 1.5 is not a code"),
    ("twice-in-a-group", "csv", "date,value,clinic\n2026-01-01,1,northshore\n2026-01-01,2,eastfield\n"
                                "2026-01-01,3,northshore\n", {"dimensions": {"facility": "clinic"}},
     "date 2026-01-01 appears twice in the answer for facility northshore (line 2 of the answer and "
     "line 4 of the answer)"),
    ("twice-headline", "csv", "date,value,clinic\n2026-01-01,1,\n2026-01-01,2, \n",
     {"dimensions": {"facility": "clinic"}},
     "date 2026-01-01 appears twice in the answer (line 2 of the answer and line 3 of the answer)"),
    ("all-empty", "csv", "date,value,clinic\n2026-01-01,,northshore\n2026-02-01,,\n",
     {"dimensions": {"facility": "clinic"}, "aggregate": {"how": "count"}}, "the answer holds no observations"),
    # 2 × 6e14 = 1.2e15, beyond the 1e15 a chart can show (validate would refuse the CSV)
    ("sum-too-large", "csv", "date,value\n2026-01-01,600000000000000\n2026-01-02,600000000000000\n",
     {"aggregate": {"how": "sum"}},
     "the sum of the monthly period 2026-01-01 is 1.2e+15, too large to be a number a chart can show"),
    ("bad-date", "csv", "date,value,clinic\n2026-02-30,1,northshore\n",
     {"dimensions": {"facility": "clinic"}, "aggregate": {"how": "sum"}},
     "line 2 of the answer: date '2026-02-30' is not a real date"),
    ("http-500", "csv", None, {"dimensions": {"facility": "clinic"}}, "HTTP 500 Internal Server Error from"),
]


@pytest.mark.parametrize("name,kind,answer,settings,reason", BAD_ANSWERS, ids=[b[0] for b in BAD_ANSWERS])
def test_a_bad_answer_fails_and_leaves_the_csv_byte_for_byte(portal2, cli, server, name, kind, answer, settings,
                                                              reason):
    if answer is None:
        route(f"/{name}", "oops", status=500)
    else:
        route(f"/{name}", answer)
    root = portal2(metric("bad", {"type": kind, "url": f"{server}/{name}", **settings}, BEFORE))
    run = cli(root, "fetch")
    assert run.code == 1
    assert run.out.count("\n") == 1 and run.out.startswith("metric bad: "), run.out
    assert reason in run.out, run.out
    assert "Traceback" not in run.out + run.err
    assert read(root, "bad") == BEFORE


@pytest.mark.parametrize("feed_extra,frequency,said", [
    ({"aggregate": {"how": "median"}}, "monthly", "how"),
    ({"aggregate": {"every": "hourly", "how": "sum"}}, "monthly", "every"),
    ({"dimensions": {"county": "county"}}, "monthly",
     "the feed's dimensions name 'county', which okrs/metrics/bad.yml does not declare under dimensions"),
    ({"aggregate": {"how": "sum"}}, None,
     "aggregate has no 'every' and okrs/metrics/bad.yml gives no frequency: say which period to roll the rows up to"),
])
def test_a_bad_how_every_or_dimension_name_fails_before_the_csv_is_touched(portal2, cli, server, feed_extra,
                                                                           frequency, said):
    feed = csv_feed(server, "/fine.csv", "date,value,county\n2026-01-01,1,\n", **feed_extra)
    root = portal2(metric("bad", feed, BEFORE, frequency=frequency))
    assert cli(root, "validate").code == 1
    run = cli(root, "fetch")
    assert run.code == 1
    assert run.out.startswith("metric bad: ") and run.out.count("\n") == 1, run.out
    assert said in run.out and "okrs/metrics/bad.yml" in run.out, run.out
    assert read(root, "bad") == BEFORE


@pytest.mark.parametrize("existing,reason", [
    (b"date,value,facility\n2026-01-01,3,zzz\n", "okrs/metrics/bad.csv:2: facility 'zzz' is not one of the codes"),
    (b"date,value,facility,county\n", "unexpected column 'county'"),
    (b"date,value,facility\n2026-01-01,3,northshore\n2026-01-01,4,northshore\n",
     "okrs/metrics/bad.csv:3: date 2026-01-01 appears twice in the group facility northshore"),
])
def test_a_csv_validate_would_refuse_is_never_merged_into(portal2, cli, server, existing, reason):
    feed = csv_feed(server, "/ok.csv", "date,value,clinic\n2026-02-01,1,eastfield\n", dimensions={"facility": "clinic"})
    root = portal2(metric("bad", feed, existing))
    run = cli(root, "fetch")
    assert run.code == 1
    assert run.out.startswith("metric bad: okrs/metrics/bad.csv") and reason in run.out, run.out
    assert run.out.endswith("fix it first (okr-portal validate)\n") and run.out.count("\n") == 1
    assert read(root, "bad") == existing


# --- periods, by hand -------------------------------------------------------------------


@pytest.mark.parametrize("when,every,start", [
    (date(2026, 3, 17), "daily", date(2026, 3, 17)),
    (date(2026, 3, 17), "weekly", date(2026, 3, 16)),  # a Tuesday: its week began on Monday the 16th
    (date(2026, 3, 16), "weekly", date(2026, 3, 16)),  # a Monday starts its own week
    (date(2026, 3, 22), "weekly", date(2026, 3, 16)),  # a Sunday ends it
    (date(2026, 4, 2), "weekly", date(2026, 3, 30)),  # a week spanning the end of March
    (date(2027, 1, 1), "weekly", date(2026, 12, 28)),  # and of the year
    (date(1969, 12, 31), "weekly", date(1969, 12, 29)),  # before 1970 too
    (date(2026, 3, 17), "monthly", date(2026, 3, 1)),
    (date(2026, 3, 17), "quarterly", date(2026, 1, 1)),
    (date(2026, 12, 31), "quarterly", date(2026, 10, 1)),
    (date(1969, 5, 5), "quarterly", date(1969, 4, 1)),
    (date(2026, 3, 17), "annual", date(2026, 1, 1)),
    (date(1969, 12, 31), "annual", date(1969, 1, 1)),
])
def test_a_period_is_dated_on_its_first_day(when, every, start):
    assert rollup.period_start(when, every) == start


def test_rolled_up_on_their_own():
    days = rollup.days_since_epoch([date(2026, 1, 2), date(2026, 1, 1), date(2026, 1, 2), date(2026, 2, 1)])
    values = np.array([5.0, 1.0, np.nan, 0.1])
    groups = np.array([0, 0, 1, 0])
    # group 0, January: 5 (the 2nd) and 1 (the 1st); group 1: only an empty value, so nothing
    assert rollup.aggregate(days, values, groups, "monthly", "last") == [
        (0, date(2026, 1, 1), 5.0), (0, date(2026, 2, 1), 0.1)]
    assert rollup.aggregate(days, values, groups, "monthly", "count") == [
        (0, date(2026, 1, 1), 2.0), (0, date(2026, 2, 1), 1.0)]
    # 0.1 + 0.2 is 0.30000000000000004 in binary: a sum is written to 15 digits
    assert rollup.aggregate(rollup.days_since_epoch([date(2026, 1, 1)] * 2), np.array([0.1, 0.2]),
                            np.array([0, 0]), "daily", "sum") == [(0, date(2026, 1, 1), 0.3)]


# --- each how for each every, by hand, over the real HTTP server ------------------------

# The source, out of date order (so that `last` must look at dates, not at the order of rows):
#   2026-04-02 Thu 9 | 2026-03-30 Mon 4 | 2026-04-06 Mon 6 | 2026-03-31 Tue 2 | 2026-04-01 Wed (empty)
#   2026-07-01 Wed 5 | 2026-04-05 Sun 1 | 2026-06-30 Tue 3 | 2027-01-01 Fri (empty)
SOURCE = ("date,value\n2026-04-02,9\n2026-03-30,4\n2026-04-06,6\n2026-03-31,2\n2026-04-01,\n"
          "2026-07-01,5\n2026-04-05,1\n2026-06-30,3\n2027-01-01,\n")
HOWS = ("mean", "sum", "min", "max", "last", "count")

EXPECTED = {
    # every day that has a value is its own period; 2026-04-01 and 2027-01-01 hold none: no row
    "daily": {how: [("2026-03-30", 4), ("2026-03-31", 2), ("2026-04-02", 9), ("2026-04-05", 1),
                    ("2026-04-06", 6), ("2026-06-30", 3), ("2026-07-01", 5)] for how in HOWS[:5]}
             | {"count": [(d, 1) for d in ("2026-03-30", "2026-03-31", "2026-04-02", "2026-04-05", "2026-04-06",
                                           "2026-06-30", "2026-07-01")]},
    # weeks from Monday: 03-30..04-05 holds 4, 2, 9, 1 (it spans the end of March; Sunday 04-05 is in it);
    # 04-06..04-12 holds 6; 06-29..07-05 holds 3, 5 (spanning June and July); 12-28..01-03 only an empty value
    "weekly": {
        "mean": [("2026-03-30", 4), ("2026-04-06", 6), ("2026-06-29", 4)],  # 16 / 4; 8 / 2
        "sum": [("2026-03-30", 16), ("2026-04-06", 6), ("2026-06-29", 8)],
        "min": [("2026-03-30", 1), ("2026-04-06", 6), ("2026-06-29", 3)],
        "max": [("2026-03-30", 9), ("2026-04-06", 6), ("2026-06-29", 5)],
        "last": [("2026-03-30", 1), ("2026-04-06", 6), ("2026-06-29", 5)],  # 04-05's 1; 07-01's 5
        "count": [("2026-03-30", 4), ("2026-04-06", 1), ("2026-06-29", 2)],
    },
    # March: 4, 2; April: 9, 1, 6 (04-01 empty); June: 3; July: 5; January 2027: nothing
    "monthly": {
        "mean": [("2026-03-01", 3), ("2026-04-01", "5.33333333333333"), ("2026-06-01", 3), ("2026-07-01", 5)],
        "sum": [("2026-03-01", 6), ("2026-04-01", 16), ("2026-06-01", 3), ("2026-07-01", 5)],
        "min": [("2026-03-01", 2), ("2026-04-01", 1), ("2026-06-01", 3), ("2026-07-01", 5)],
        "max": [("2026-03-01", 4), ("2026-04-01", 9), ("2026-06-01", 3), ("2026-07-01", 5)],
        "last": [("2026-03-01", 2), ("2026-04-01", 6), ("2026-06-01", 3), ("2026-07-01", 5)],
        "count": [("2026-03-01", 2), ("2026-04-01", 3), ("2026-06-01", 1), ("2026-07-01", 1)],
    },
    # Q1: 4, 2; Q2: 9, 1, 6, 3; Q3: 5
    "quarterly": {
        "mean": [("2026-01-01", 3), ("2026-04-01", 4.75), ("2026-07-01", 5)],  # 19 / 4
        "sum": [("2026-01-01", 6), ("2026-04-01", 19), ("2026-07-01", 5)],
        "min": [("2026-01-01", 2), ("2026-04-01", 1), ("2026-07-01", 5)],
        "max": [("2026-01-01", 4), ("2026-04-01", 9), ("2026-07-01", 5)],
        "last": [("2026-01-01", 2), ("2026-04-01", 3), ("2026-07-01", 5)],  # 03-31's 2; 06-30's 3
        "count": [("2026-01-01", 2), ("2026-04-01", 4), ("2026-07-01", 1)],
    },
    # 2026: 4, 2, 9, 1, 6, 3, 5 (30 in all); 2027: only an empty value
    "annual": {
        "mean": [("2026-01-01", "4.28571428571429")],  # 30 / 7 = 4.285714285714286, to 15 digits
        "sum": [("2026-01-01", 30)],
        "min": [("2026-01-01", 1)],
        "max": [("2026-01-01", 9)],
        "last": [("2026-01-01", 5)],  # 07-01's
        "count": [("2026-01-01", 7)],
    },
}


@pytest.mark.parametrize("every", list(EXPECTED))
def test_each_how_for_each_every_by_hand(portal2, cli, server, every):
    route("/daily.csv", SOURCE)
    files = {}
    for how in HOWS:
        files |= metric(how, {"type": "csv", "url": f"{server}/daily.csv", "aggregate": {"every": every, "how": how}},
                        frequency="annual", dimensions={})
    root = portal2(files)
    run = cli(root, "fetch")
    assert run.code == 0, run
    for how in HOWS:
        rows = EXPECTED[every][how]
        assert f"metric {how}: {len(rows)} added\n" in run.out
        assert read(root, how).decode() == "date,value\n" + "".join(f"{d},{v}\n" for d, v in rows), how
    valid(cli, root)
    again = cli(root, "fetch")
    assert again.out == "".join(f"metric {how}: unchanged\n" for how in sorted(HOWS))  # by id


def test_without_every_the_metric_frequency_is_used(portal2, cli, server):
    feed = csv_feed(server, "/w.csv", SOURCE, aggregate={"how": "sum"})
    root = portal2(metric("w", feed, frequency="weekly", dimensions={}))
    assert cli(root, "fetch").code == 0
    assert read(root, "w") == b"date,value\n2026-03-30,16\n2026-04-06,6\n2026-06-29,8\n"
    valid(cli, root)


# --- groups by dimension ----------------------------------------------------------------


def test_groups_by_two_dimensions_rolled_up(portal2, cli, server):
    """Codes from two columns; an empty cell is the headline for that dimension."""
    body = ("day,site,band,visits\n"
            "2026-01-05,northshore,under-65,10\n"
            "2026-01-20,northshore,under-65,20\n"    # January, northshore/under-65: 10 + 20 = 30
            "2026-01-07,northshore,,5\n"             # January, northshore only: 5
            "2026-01-31,,,100\n"                     # January, headline: 100 + 50 = 150
            "2026-01-01, , ,50\n"
            "2026-02-03,eastfield,65-plus,7\n"       # February, eastfield/65-plus: 7
            "2026-02-04,,65-plus,8\n"                # February, 65-plus only: 8 + 1 = 9
            "2026-02-28,,65-plus,1\n"
            "2026-02-10,eastfield,,\n")              # empty: nothing for eastfield alone
    feed = csv_feed(server, "/groups.csv", body, date="day", value="visits",
                    dimensions={"age": "band", "facility": "site"}, aggregate={"every": "monthly", "how": "sum"})
    root = portal2(metric("visits", feed, dimensions={"facility": FACILITY, "age": AGE}))
    run = cli(root, "fetch")
    assert (run.code, run.out) == (0, "metric visits: 5 added\n")
    # a new file: in date order, the headline first, then groups in the order the yml declares
    assert read(root, "visits") == (b"date,value,facility,age\n"
                                    b"2026-01-01,150,,\n"
                                    b"2026-01-01,5,northshore,\n"
                                    b"2026-01-01,30,northshore,under-65\n"
                                    b"2026-02-01,9,,65-plus\n"
                                    b"2026-02-01,7,eastfield,65-plus\n")
    valid(cli, root)


def test_without_aggregate_the_same_date_in_other_groups_is_fine(portal2, cli, server):
    feed = csv_feed(server, "/g.csv", "date,value,clinic\n2026-01-01,1,northshore\n2026-01-01,2,eastfield\n"
                                      "2026-01-01,3,\n", dimensions={"facility": "clinic"})
    root = portal2(metric("g", feed, "date,value,facility\n"))
    assert cli(root, "fetch").out == "metric g: 3 added\n"
    assert read(root, "g") == b"date,value,facility\n2026-01-01,3,\n2026-01-01,1,northshore\n2026-01-01,2,eastfield\n"
    valid(cli, root)


def test_the_same_date_twice_is_rolled_up_with_aggregate(portal2, cli, server):
    # daily: the 1st holds 1 then 2 (sum 3; last: the later row of the answer, 2)
    body = "date,value\n2026-01-01,1\n2026-01-01,2\n2026-01-02,5\n"
    files = {}
    for how in ("sum", "last"):
        files |= metric(how, csv_feed(server, "/twice.csv", body, aggregate={"every": "daily", "how": how}),
                        dimensions={})
    root = portal2(files)
    assert cli(root, "fetch").code == 0
    assert read(root, "sum") == b"date,value\n2026-01-01,3\n2026-01-02,5\n"
    assert read(root, "last") == b"date,value\n2026-01-01,2\n2026-01-02,5\n"


def test_json_feed_with_groups_over_http(portal2, cli, server):
    route("/api/visits", json.dumps({"data": {"items": [
        {"d": "2026-03-02", "v": 4, "clinic": "northshore"},
        {"d": "2026-03-09", "v": "6", "clinic": "northshore"},  # week of 03-02: 4; week of 03-09: 6
        {"d": "2026-03-03", "v": 10, "clinic": None},          # null: the headline, week of 03-02: (10 + 20) / 2
        {"d": "2026-03-08", "v": 20},                          # no field: the headline too (a Sunday: week of 03-02)
        {"d": "2026-03-04", "v": None, "clinic": "eastfield"},  # no value: nothing for eastfield
    ]}}))
    feed = {"type": "json", "url": f"{server}/api/visits", "records": "data.items", "date": "d", "value": "v",
            "dimensions": {"facility": "clinic"}, "aggregate": {"how": "mean"}}
    root = portal2(metric("j", feed, frequency="weekly"))
    run = cli(root, "fetch")
    assert (run.code, run.out) == (0, "metric j: 3 added\n")
    assert read(root, "j") == b"date,value,facility\n2026-03-02,15,\n2026-03-02,4,northshore\n2026-03-09,6,northshore\n"
    valid(cli, root)


def test_numeric_codes_in_json_are_their_digits(portal2, cli, server):
    route("/fips.json", '[{"date": "2026-01-01", "value": 1, "fips": 6037}, {"date": "2026-01-01", "value": 2}]')
    county = {"title": "County", "values": {"6037": "Los Angeles", "6059": "Orange"}}
    root = portal2(metric("c", {"type": "json", "url": f"{server}/fips.json", "dimensions": {"county": "fips"}},
                          dimensions={"county": county}))
    assert cli(root, "fetch").out == "metric c: 2 added\n"
    assert read(root, "c") == b"date,value,county\n2026-01-01,2,\n2026-01-01,1,6037\n"
    valid(cli, root)


# --- the upsert -------------------------------------------------------------------------


def test_the_upsert_keeps_flags_notes_bom_crlf_and_the_order_of_groups(portal2, cli, server):
    existing = ("\ufeffnote,facility,date,value,flag\r\n"
                "\"opened, late\",northshore,2026-01-01,30,estimate\r\n"
                ",northshore,2026-02-01,31,provisional\r\n"
                "not returned any more,northshore,2026-03-01,32,\r\n"
                "first figure,eastfield,2026-01-01,20,break\r\n"
                ",eastfield,2026-02-01,,\r\n").encode()
    body = ("date,value,clinic\n"
            "2026-01-01,30.0,northshore\n"   # the same value: unchanged, flag and note too
            "2026-02-01,33,northshore\n"     # revised from 31: its flag and note stay
            "2026-04-01,34,northshore\n"     # new: at the end of northshore's rows
            "2026-02-01,21,eastfield\n"      # filled in: the row had no value
            "2026-04-01,22,eastfield\n"      # new: at the end of eastfield's rows
            "2026-04-01,50,\n")              # new group (the headline): after the others
    feed = csv_feed(server, "/u.csv", body, dimensions={"facility": "clinic"})
    root = portal2(metric("u", feed, existing))
    valid(cli, root)
    run = cli(root, "fetch")
    assert (run.code, run.out) == (0, "metric u: 4 added, 1 revised (2026-02-01 facility northshore: 31 → 33)\n")
    after = ("\ufeffnote,facility,date,value,flag\r\n"
             "\"opened, late\",northshore,2026-01-01,30,estimate\r\n"
             ",northshore,2026-02-01,33,provisional\r\n"
             "not returned any more,northshore,2026-03-01,32,\r\n"
             ",northshore,2026-04-01,34,\r\n"
             "first figure,eastfield,2026-01-01,20,break\r\n"
             ",eastfield,2026-02-01,21,\r\n"
             ",eastfield,2026-04-01,22,\r\n"
             ",,2026-04-01,50,\r\n").encode()
    assert read(root, "u") == after
    valid(cli, root)
    again = cli(root, "fetch")
    assert (again.code, again.out) == (0, "metric u: unchanged\n")
    assert read(root, "u") == after


def test_a_file_in_date_order_keeps_it(portal2, cli, server):
    existing = b"date,value,facility\n2026-01-01,1,eastfield\n2026-01-01,2,\n2026-02-01,3,eastfield\n"
    body = "date,value,clinic\n2026-01-01,4,northshore\n2026-03-01,5,\n2026-02-01,6,\n"
    root = portal2(metric("o", csv_feed(server, "/o.csv", body, dimensions={"facility": "clinic"}), existing))
    assert cli(root, "fetch").out == "metric o: 3 added\n"
    # each new row among the rows of its date, after those already there
    assert read(root, "o") == (b"date,value,facility\n2026-01-01,1,eastfield\n2026-01-01,2,\n2026-01-01,4,northshore\n"
                               b"2026-02-01,3,eastfield\n2026-02-01,6,\n2026-03-01,5,\n")


def test_a_missing_dimension_column_is_added_to_the_header(portal2, cli, server):
    existing = b"date,value,note\n2026-01-01,3,before the breakdown\n"
    body = "date,value,clinic\n2026-01-01,3,\n2026-01-01,1,northshore\n"
    root = portal2(metric("m", csv_feed(server, "/m.csv", body, dimensions={"facility": "clinic"}), existing))
    assert cli(root, "validate").code == 1  # the yml declares facility: the file must have its column
    run = cli(root, "fetch")
    assert (run.code, run.out) == (0, "metric m: 1 added\n")
    assert read(root, "m") == b"date,value,note,facility\n2026-01-01,3,before the breakdown,\n2026-01-01,1,,northshore\n"
    valid(cli, root)


def test_a_feed_without_dimensions_in_a_schema2_portal_keeps_the_flag_column(portal2, cli, server):
    existing = b"date,value,flag\n2026-01-05,30,provisional\n"
    root = portal2(metric("p", csv_feed(server, "/p.csv", "date,value\n2026-01-05,31\n2026-01-12,29\n"), existing,
                          dimensions={}))
    run = cli(root, "fetch")
    assert run.out == "metric p: 1 added, 1 revised (2026-01-05: 30 → 31)\n"
    assert read(root, "p") == b"date,value,flag\n2026-01-05,31,provisional\n2026-01-12,29,\n"
    valid(cli, root)


# --- sql feeds on the real PostgreSQL ---------------------------------------------------


def test_postgresql_feed_with_groups_and_aggregate(pg, portal2, cli, monkeypatch):
    pg.execute("CREATE TABLE visits (day timestamp, clinic text, n numeric(8, 2));"
               "INSERT INTO visits VALUES"
               " ('2026-01-05 08:00', 'northshore', 10), ('2026-01-19 09:00', 'northshore', 20),"  # Jan: max 20
               " ('2026-02-02 10:00', 'northshore', 5),"                                          # Feb: 5
               " ('2026-01-10 11:00', NULL, 7), ('2026-01-11 12:00', '', 9),"                     # Jan headline: 9
               " ('2026-01-12 13:00', 'eastfield', NULL)", "metrics")                             # nothing
    feed = {"type": "sql", "connection_env": ENV, "query": "SELECT day, clinic, n FROM visits",
            "date": "day", "value": "n", "dimensions": {"facility": "clinic"}, "aggregate": {"how": "max"}}
    existing = b"date,value,facility,note\n2025-12-01,8,northshore,kept though not returned\n"
    root = portal2(metric("v", feed, existing))
    monkeypatch.setenv(ENV, reader_url(pg))
    valid(cli, root)
    run = cli(root, "fetch")
    assert (run.code, run.out) == (0, "metric v: 3 added\n"), run
    data = read(root, "v")
    assert data == (b"date,value,facility,note\n2025-12-01,8,northshore,kept though not returned\n"
                    b"2026-01-01,9,,\n2026-01-01,20,northshore,\n2026-02-01,5,northshore,\n")
    valid(cli, root)
    assert cli(root, "fetch").out == "metric v: unchanged\n"
    assert read(root, "v") == data

    pg.execute("INSERT INTO visits VALUES ('2026-02-27 10:00', 'zzz', 1)", "metrics")
    run = cli(root, "fetch")
    assert run.code == 1
    assert run.out.startswith("metric v: row ") and run.out.endswith(
        " of the answer has facility 'zzz', which okrs/metrics/v.yml does not declare\n")
    assert read(root, "v") == data


def test_postgresql_feed_missing_a_dimension_column_fails(pg, portal2, cli, monkeypatch):
    feed = {"type": "sql", "connection_env": ENV, "query": "SELECT week_ending AS date, avg_wait AS value FROM waits",
            "dimensions": {"facility": "clinic"}}
    root = portal2(metric("v", feed, BEFORE))
    monkeypatch.setenv(ENV, reader_url(pg))
    run = cli(root, "fetch")
    assert run.code == 1
    assert run.out == "metric v: the answer has no column 'clinic' (its columns: date, value)\n"
    assert read(root, "v") == BEFORE

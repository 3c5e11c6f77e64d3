"""Explanations and retrospectives (schema 2, DESIGN.md §3, §4, §6): the rule at its boundaries,
`validate` and `validate --strict --as-of` through the real CLI, and the site built for real,
in both languages.

The portal below on 2026-08-20, its policy {statuses: [off_track, missed], within_days: 30}
(the window: check-ins with next_steps dated 2026-07-21 to 2026-08-20):

    now.yml line  key result  status     check-ins                               explanation
    7             exact       off track  07-21 with next steps (30 days)         on time
    8             one-more    off track  07-20 with next steps (31 days)         overdue
    9             future      off track  08-25 with next steps (after as-of)     overdue
    10            unlisted    on track   none                                    not asked (status not listed)
    11            newer       off track  08-01 with, 08-15 without next steps    on time (the newer one
                                                                                 does not replace it)
    12            none        off track  none                                    overdue
    13            late-data   achieved   (its monthly metric's newest: 05-01)    not asked; data overdue

The ended 2025 period (judged on 2026-01-01): `last-missed` missed a milestone and has no
retrospective (missing), `last-told` missed one and has one, `last-fine` achieved everything and
has none (not missing); their off-track and missed key results never need an explanation.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from site_builder.compute import accountability
from site_builder.compute.rules import compute
from site_builder.source.check import check
from test_site import page, text_of

AS_OF = "2026-08-20"

PORTAL = """\
schema: 2
title: {en: Accountability portal, zh-TW: 問責入口}
organization: Test organization
languages: [en, zh-TW]
explain: {statuses: [off_track, missed], within_days: 30}
periods:
  - {id: cy2025, title: {en: Year 2025, zh-TW: 2025 年度}, start: 2025-01-01, end: 2025-12-31}
  - {id: cy2026, title: {en: Year 2026, zh-TW: 2026 年度}, start: 2026-01-01, end: 2026-12-31}
"""

UNITS = """\
- {id: system, title: Test organization}
- {id: north, parent: system, title: {en: North, zh-TW: 北區}}
"""

NEXT = "next_steps: {en: 'We hire **two** schedulers <script>x</script>', zh-TW: 我們將增聘兩名排程人員}"
NOW = f"""\
id: now
period: cy2026
title: {{en: Now, zh-TW: 現在}}
owner: North lead
unit: north
key_results:
  - {{id: exact, title: Exact, type: milestone, due: 2026-03-31, updates: [{{date: 2026-07-21, confidence: off_track, text: Late., {NEXT}}}]}}
  - {{id: one-more, title: One more, type: milestone, due: 2026-03-31, updates: [{{date: 2026-07-20, confidence: off_track, text: Late., next_steps: Soon.}}]}}
  - {{id: future, title: Future, type: milestone, due: 2026-03-31, updates: [{{date: 2026-08-25, confidence: off_track, text: Later., next_steps: Not yet written.}}]}}
  - {{id: unlisted, title: Unlisted, type: milestone, due: 2026-12-31}}
  - {{id: newer, title: Newer, type: milestone, due: 2026-03-31, updates: [{{date: 2026-08-01, confidence: off_track, text: First., next_steps: The plan.}}, {{date: 2026-08-15, confidence: off_track, text: Second and no plan.}}]}}
  - {{id: none, title: None, type: milestone, due: 2026-03-31}}
  - {{id: late-data, title: Late data, type: maintain, metric: late, threshold: {{min: 0}}}}
"""

LAST_MISSED = """\
id: last-missed
period: cy2025
title: {en: Missed and silent, zh-TW: 未達成且未回顧}
owner: Team A
key_results:
  - {id: step, title: Step, type: milestone, due: 2025-06-30}
"""

LAST_TOLD = """\
id: last-told
period: cy2025
title: Missed and told
owner: Team B
retrospective: {en: "We learned **much** <script>alert(1)</script>", zh-TW: 我們學到很多}
key_results:
  - {id: step, title: Step, type: milestone, due: 2025-06-30}
  - {id: off, title: Off, type: milestone, due: 2025-03-31, done: 2025-02-01}
"""

LAST_FINE = """\
id: last-fine
period: cy2025
title: All achieved
owner: Team C
key_results:
  - {id: step, title: Step, type: milestone, due: 2025-06-30, done: 2025-05-01}
"""

DRAFT = """\
id: secret
period: cy2026
title: A draft
owner: Someone
visibility: draft
key_results:
  - {id: s, title: S, type: milestone, due: 2026-03-31}
"""

FILES = {
    "okrs/portal.yml": PORTAL,
    "okrs/units.yml": UNITS,
    "okrs/objectives/now.yml": NOW,
    "okrs/objectives/last-missed.yml": LAST_MISSED,
    "okrs/objectives/last-told.yml": LAST_TOLD,
    "okrs/objectives/last-fine.yml": LAST_FINE,
    "okrs/objectives/secret.yml": DRAFT,
    "okrs/metrics/late.yml": "title: Late\nfrequency: monthly\n",
    "okrs/metrics/late.csv": "date,value\n2026-01-01,1\n2026-05-01,2\n",
}

OVERDUE = ["one-more", "future", "none"]


def _report(root, as_of: str = AS_OF, **settings):
    from datetime import date

    portal = check(root).portal
    if settings:
        portal = replace(portal, settings=replace(portal.settings, **settings))
    return portal, compute(portal, date.fromisoformat(as_of))


def _verdicts(root, as_of: str = AS_OF, **settings) -> dict[str, bool]:
    from datetime import date

    portal, report = _report(root, as_of, **settings)
    day = date.fromisoformat(as_of)
    return {f"{o.objective.id}/{kr.key_result.id}": accountability.explanation_overdue(kr, o.period, portal.settings, day)
            for o in report.objectives for kr in o.key_results}


# --- the rule at its boundaries -----------------------------------------------------------


def test_the_explanation_rule_at_its_boundaries(portal):
    verdicts = _verdicts(portal(FILES, portal_yml=None))
    assert {k.split("/")[1]: v for k, v in verdicts.items() if k.startswith("now/")} == {
        "exact": False,  # within_days exactly
        "one-more": True,  # one more day
        "future": True,  # dated after the as-of date: does not count
        "unlisted": False,  # on track: a status the policy does not list
        "newer": False,  # a newer check-in without next steps does not replace the older one
        "none": True,
        "late-data": False,  # achieved (its data is late: another rule)
    }


def test_an_ended_period_never_has_an_explanation_overdue(portal):
    verdicts = _verdicts(portal(FILES, portal_yml=None))
    assert not any(v for k, v in verdicts.items() if k.startswith("last-"))  # missed, no check-ins


def test_without_a_policy_nothing_is_ever_overdue(portal):
    verdicts = _verdicts(portal(FILES, portal_yml=None), explain=None)
    assert not any(verdicts.values())


def test_the_statuses_the_policy_lists_are_the_ones_asked(portal):
    from site_builder.model import Explain

    root = portal(FILES, portal_yml=None)
    verdicts = _verdicts(root, explain=Explain(("on_track",), 30))
    assert [k for k, v in verdicts.items() if v] == ["now/unlisted"]


def test_the_day_before_the_window_closes_and_the_day_of_the_check_in(portal):
    root = portal(FILES, portal_yml=None)
    # On 2026-08-19 one-more's check-in (07-20) is 30 days old: on time; on 08-25 future's counts (0 days).
    assert _verdicts(root, "2026-08-19")["now/one-more"] is False
    assert _verdicts(root, "2026-08-25")["now/future"] is False


def test_retrospective_missing(portal):
    root = portal(FILES, portal_yml=None)
    _, report = _report(root)
    missing = {o.objective.id: accountability.retrospective_missing(o, report.as_of) for o in report.objectives}
    # Ended with a missed key result and none: missing; with one: not; all achieved: not; running: not.
    assert missing == {"last-missed": True, "last-told": False, "last-fine": False, "now": False}
    _, during = _report(root, "2025-12-31")  # the last day of the period: not ended yet
    assert not any(accountability.retrospective_missing(o, during.as_of) for o in during.objectives)


# --- validate ---------------------------------------------------------------------------


def _lines(kind: str, strict: bool) -> list[str]:
    sep = ": " if strict else ": warning: "
    ask = ("the portal asks for one dated 2026-07-21 to 2026-08-20 (within 30 days): add a check-in saying what "
           "happens next")
    return [
        f"okrs/objectives/now.yml:8{sep}explanation overdue: key result 'one-more' is off track and its latest "
        f"check-in with next_steps is from 2026-07-20; {ask}",
        f"okrs/objectives/now.yml:9{sep}explanation overdue: key result 'future' is off track and has no check-in "
        f"with next_steps; {ask}",
        f"okrs/objectives/now.yml:12{sep}explanation overdue: key result 'none' is off track and has no check-in "
        f"with next_steps; {ask}",
        f"okrs/objectives/now.yml:13{sep}data overdue: key result 'late-data' rests on metric 'late', whose newest "
        f"figure is from 2026-05-01, later than its frequency and publication lag allow: add the figures published "
        f"since to okrs/metrics/late.csv",
    ]


def test_validate_warns_of_explanations_and_data_overdue_and_exits_0(portal, cli):
    run = cli(portal(FILES, portal_yml=None), "validate", "--as-of", AS_OF)
    assert run.code == 0, run.out
    assert run.out.splitlines() == _lines("warning", strict=False) + [
        "okrs/ is valid: 5 objectives (1 draft), 12 key results, 1 metric with 2 observations (4 warnings)"]


def test_validate_strict_fails_on_them_one_line_each(portal, cli):
    run = cli(portal(FILES, portal_yml=None), "validate", "--strict", "--as-of", AS_OF)
    assert run.code == 1
    assert run.out.splitlines() == _lines("error", strict=True)
    assert run.err == "4 problems in 1 file\n"


def test_validate_strict_passes_when_nothing_is_overdue(portal, cli):
    # On 2026-03-01 every milestone is on track (due later) and the metric is on time (59 days).
    run = cli(portal(FILES, portal_yml=None), "validate", "--strict", "--as-of", "2026-03-01")
    assert (run.code, run.out) == (0, "okrs/ is valid: 5 objectives (1 draft), 12 key results, 1 metric with "
                                      "2 observations\n")


def test_validate_strict_without_a_policy_fails_on_data_only(portal, cli):
    files = {**FILES, "okrs/portal.yml": PORTAL.replace("explain: {statuses: [off_track, missed], within_days: 30}\n", "")}
    run = cli(portal(files, portal_yml=None), "validate", "--strict", "--as-of", AS_OF)
    assert (run.code, run.out.splitlines()) == (1, _lines("error", strict=True)[3:])


def test_validate_strict_defaults_to_today(portal, cli):
    run = cli(portal(FILES, portal_yml=None), "validate", "--strict")  # long after 2026-05-01's figure
    assert run.code == 1 and "data overdue: key result 'late-data'" in run.out


def test_validate_strict_says_nothing_new_of_a_schema_1_portal(portal, cli):
    from fixtures import OBJECTIVE_PATH, PORTAL_YML, SHORTER_WAITS, WAIT_CSV, WAIT_CSV_PATH

    root = portal({OBJECTIVE_PATH: SHORTER_WAITS, WAIT_CSV_PATH: WAIT_CSV,
                   "okrs/metrics/wait.yml": "title: Wait\nfrequency: monthly\n"}, PORTAL_YML)
    run = cli(root, "validate", "--strict", "--as-of", "2026-11-30")
    assert (run.code, run.out) == (0, "okrs/ is valid: 1 objective (0 draft), 1 key result, 1 metric with "
                                      "2 observations\n")


def test_validate_strict_refuses_a_bad_date(portal, cli, capsys):
    with pytest.raises(SystemExit):
        cli(portal(FILES, portal_yml=None), "validate", "--strict", "--as-of", "2026-13-01")
    assert "'2026-13-01' is not a date in the form YYYY-MM-DD" in capsys.readouterr().err


# --- the site -----------------------------------------------------------------------------

PER_PAGE = 2  # rows a page of the list, so that it is cut


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from conftest import write_portal
    from site_builder.commands.cli import main
    from site_builder.render import explanation_pages

    root = write_portal(tmp_path_factory.mktemp("explanations"), FILES, PORTAL)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(explanation_pages, "ROWS_PER_PAGE", PER_PAGE)
        assert main(["-C", str(root), "build", "--as-of", AS_OF]) == 0
    return root


def _kr(html: str, kr_id: str) -> str:
    return html.split(f'id="kr-{kr_id}"', 1)[1].split('<h3 id="kr-', 1)[0].split('<h2 id="', 1)[0]


def _status_line(fragment: str) -> str:
    return fragment.split('class="okr-kr__status"', 1)[1].split("</p>", 1)[0]


def test_check_ins_show_what_happens_next_sanitized(site):
    html = page(site, "objectives/now")
    exact = _kr(html, "exact")
    assert "What happens next" in text_of(exact)
    assert "We hire <strong>two</strong> schedulers" in exact and "<script" not in exact
    newer = _kr(html, "newer")
    assert text_of(newer).count("What happens next") == 1 and "The plan." in newer and "Second and no plan." in newer
    future = _kr(html, "future")
    assert "Not yet written." not in future  # a check-in after the as-of date is not shown
    zh = _kr(page(site, "zh-TW/objectives/now"), "exact")
    assert "下一步" in text_of(zh) and "我們將增聘兩名排程人員" in zh


def test_explanation_overdue_is_beside_the_status_never_changing_it(site):
    html = page(site, "objectives/now")
    marked = {kr: "okr-explanation" in _kr(html, kr)
              for kr in ("exact", "one-more", "future", "unlisted", "newer", "none", "late-data")}
    assert marked == {"exact": False, "one-more": True, "future": True, "unlisted": False, "newer": False,
                      "none": True, "late-data": False}
    line = _status_line(_kr(html, "one-more"))
    assert 'okr-badge okr-badge--off_track' in line and "Explanation overdue" in text_of(line)  # beside the status
    assert '<svg class="okr-icon"' in line.split('okr-explanation', 1)[1] and 'aria-hidden="true"' in line
    assert ("The latest check-in with next steps is from Jul 20, 2026. The portal asks for a check-in with next "
            "steps at least every 30 days while a key result is off track or missed.") in text_of(_kr(html, "one-more"))
    assert "No check-in with next steps yet." in text_of(_kr(html, "none"))
    zh = page(site, "zh-TW/objectives/now")
    assert "說明逾期" in text_of(_status_line(_kr(zh, "none"))) and "進度落後" in text_of(_status_line(_kr(zh, "none")))


def test_cards_and_the_home_page_count_them(site):
    home = page(site, "")
    card = home.split('href="objectives/now/"', 1)[1].split("</li>", 1)[0]
    assert "Explanation overdue" in text_of(card)
    count = home.split("okr-explanations-count", 1)[1].split("</p>", 1)[0]
    assert "3 key results need an explanation" in text_of(count)
    assert 'href="accountability/explanations/"' in count
    zh = page(site, "zh-TW")
    assert "3 項關鍵成果需要說明" in text_of(zh)


def test_unit_pages_count_their_own_and_their_descendants(site):
    for unit in ("north", "system"):
        html = page(site, f"units/{unit}")
        count = html.split("okr-explanations-count", 1)[1].split("</p>", 1)[0]
        assert "3 key results need an explanation" in text_of(count)
        assert 'href="../../accountability/explanations/"' in count


def test_the_list_page_has_them_all_cut_into_pages(site):
    first, second = page(site, "accountability/explanations"), page(site, "accountability/explanations/page/2")
    ids = re.findall(r'objectives/now/#kr-([\w-]+)"', first + second)
    assert ids == OVERDUE  # the draft's is not published
    rows = [text_of(r) for r in re.findall(r"<tr><th scope=\"row\">.*?</tr>", first + second, re.S)]
    assert rows == ["Now › One more Off track North lead North Jul 20, 2026",
                    "Now › Future Off track North lead North None yet",
                    "Now › None Off track North lead North None yet"]
    assert "3 key results need an explanation · Figures as of Aug 20, 2026" in text_of(first)
    assert 'rel="next"' in first and len(first.encode()) < 100_000
    # In the navigation of every page, in both languages.
    assert "Explanations overdue" in text_of(page(site, "metrics").split("</nav>", 1)[0] + page(site, "metrics"))
    assert "說明逾期" in text_of(page(site, "zh-TW/accountability/explanations"))


def test_the_period_archive_shows_retrospectives_and_says_which_are_missing(site):
    html = page(site, "periods/cy2025")

    def card(objective_id):
        return html.split(f'href="../../objectives/{objective_id}/"', 1)[1].split("</li>", 1)[0]

    assert "Retrospective missing" in text_of(card("last-missed"))
    told = card("last-told")
    assert "Retrospective" in text_of(told) and "We learned <strong>much</strong>" in told
    assert "<script" not in told and "Retrospective missing" not in text_of(told)
    assert "Retrospective" not in text_of(card("last-fine"))
    assert "Retrospective" not in text_of(page(site, "periods/cy2026"))  # a running period: none
    zh = page(site, "zh-TW/periods/cy2025")
    assert "缺少回顧" in text_of(zh) and "我們學到很多" in zh


def test_an_ended_objectives_page_shows_its_retrospective(site):
    told = page(site, "objectives/last-told")
    section = told.split('id="retrospective"', 1)[1].split("<h2", 1)[0]
    assert "We learned <strong>much</strong>" in section and "<script" not in section
    missing = page(site, "objectives/last-missed")
    assert "Retrospective missing" in text_of(missing.split('id="retrospective"', 1)[1].split("<h2", 1)[0])
    assert 'id="retrospective"' not in page(site, "objectives/last-fine")
    assert "Explanation overdue" not in text_of(missing)  # an ended period's: never
    assert "缺少回顧" in text_of(page(site, "zh-TW/objectives/last-missed"))


def test_the_api_says_which_key_results_need_an_explanation(site):
    doc = json.loads((site / "site/api/okrs.json").read_text("utf-8"))
    flags = {f"{o['id']}/{k['id']}": k["explanation_overdue"] for o in doc["objectives"] for k in o["key_results"]}
    assert [k for k, v in flags.items() if v] == [f"now/{k}" for k in OVERDUE]

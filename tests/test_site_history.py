"""History on the built site, from a real git repository."""

from __future__ import annotations

import re

import pytest

from conftest import MINIMAL_PORTAL_YML
from fixtures import shorter_waits
from gitrepo import Repo
from test_site import page, text_of

OBJECTIVE = shorter_waits("access", """\
  - id: clinic
    title: Open the clinic
    type: milestone
    due: 2026-09-30
""")
METRIC_YML = "title: Wait\nunit: days\ndecimals: 1\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from site_builder.commands.cli import main

    repo = Repo(tmp_path_factory.mktemp("history") / "portal")
    repo.commit("Publish the 2026 objectives", "2025-12-15T10:00:00+00:00", {
        "okrs/portal.yml": MINIMAL_PORTAL_YML,
        "okrs/objectives/cy2026/access.yml": OBJECTIVE,
        "okrs/metrics/wait.yml": METRIC_YML,
        "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n2026-02-01,29\n",
    })
    repo.commit("Reformat", "2026-01-10T10:00:00+00:00", {
        "okrs/objectives/cy2026/access.yml": OBJECTIVE.replace("title: Shorter waits", 'title: "Shorter waits"')})
    repo.git("checkout", "-q", "-b", "ease-target")
    repo.commit("Ease the wait target", "2026-04-02T09:00:00+00:00", {
        "okrs/objectives/cy2026/access.yml": OBJECTIVE.replace("target: {value: 20}", "target: {value: 24}"),
        "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n2026-02-01,29.5\n2026-03-01,28\n",
    })
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "ease-target", "-m", "Merge pull request #7 from staff/ease-target",
             date="2026-04-03T09:00:00+00:00")
    assert main(["-C", str(repo.root), "build", "--as-of", "2026-11-24"]) == 0
    return repo.root


def _kr(html: str, kr_id: str) -> str:
    return html.split(f'id="kr-{kr_id}"', 1)[1].split('<h3 id="kr-', 1)[0].split('<h2 id="history"', 1)[0]


def test_moved_target_carries_a_badge_with_old_and_new_values(site):
    objective = page(site, "objectives/access")
    kr = _kr(objective, "wait")
    badge = re.search(r'<a class="okr-badge okr-badge--target-changed" href="#([^"]+)">', kr)
    assert badge, "no target-changed badge"
    assert f'id="{badge.group(1)}"' in objective  # it links to the history entry
    assert "Target changed Target changed on Apr 3, 2026: 20.0 days → 24.0 days" in text_of(kr)
    assert "target-changed" not in _kr(objective, "clinic")


def test_chart_shows_the_original_target_too(site):
    kr = _kr(page(site, "objectives/access"), "wait")
    svg = re.search(r"<svg[^>]*okr-chart--metric.*?</svg>", kr, re.S).group(0)
    assert "okr-chart__original-target" in svg and "okr-chart__target" in svg
    assert "20.0 days" in svg and "24.0 days" in svg


def test_history_section_lists_changes_newest_first_with_commit_and_pull_request(site):
    history = page(site, "objectives/access").split('<h2 id="history"', 1)[1].split('<h2 id="downloads"', 1)[0]
    entries = re.findall(r'<li class="okr-history__entry" id="([^"]+)">(.*?)</li>\n', history, re.S)
    words = [text_of(body) for _, body in entries]
    assert len(words) == 2  # the reformat is not a change
    assert words[0].startswith("Apr 3, 2026 · Key result: New-patient wait · Changed")
    assert "Target: 20.0 days → 24.0 days" in words[0]
    assert "Pull request #7 · Merge pull request #7 from staff/ease-target" in words[0]
    assert words[1].startswith("Dec 15, 2025 · Objective · Added")
    assert "Publish the 2026 objectives" in words[1]


def test_history_entries_carry_iso_dates_in_both_languages(site):
    from test_site import ISO_DAY, _times

    built = site / "site"
    for rel in ("objectives/access/index.html", "zh-TW/objectives/access/index.html"):
        times = _times(built / rel).times
        assert times and all(d and ISO_DAY.fullmatch(d) for d, _ in times), (rel, times)
    assert ("2026-04-03", "Apr 3, 2026") in _times(built / "objectives/access/index.html").times
    assert ("2025-12-15", "2025年12月15日") in _times(built / "zh-TW/objectives/access/index.html").times


def test_changes_page_lists_target_changes_across_the_portal(site):
    changes = page(site, "changes")
    assert 'href="../objectives/access/#change-' in changes
    assert "Shorter waits › New-patient wait" in text_of(changes)
    nav = re.search(r'<nav class="md-tabs".*?</nav>', page(site, ""), re.S).group(0)
    assert "Changes" in nav


def test_revised_values_are_marked_with_the_first_published_value(site):
    metric = page(site, "metrics/wait")
    row = re.search(r'<tr><th scope="row">Feb 1, 2026</th>.*?</tr>', metric).group(0)
    assert "29.5 days" in row
    assert re.search(r"Revised on Apr 3, 2026 \(\w+\): first published as 29.0 days", row)
    assert "Revised" not in re.search(r'<tr><th scope="row">Jan 1, 2026</th>.*?</tr>', metric).group(0)


def test_without_git_history_is_unavailable_and_the_site_still_builds(portal, cli):
    root = portal({"okrs/objectives/a.yml": OBJECTIVE, "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n"})
    assert cli(root, "build", "--as-of", "2026-11-24").code == 0
    assert "History is unavailable: this portal is not in a git repository." in text_of(page(root, "objectives/access"))
    assert "History is unavailable" in text_of(page(root, "changes"))


ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(root):
    import xml.etree.ElementTree as ET

    return ET.parse(root / "site/feed.xml").getroot()


def test_atom_feed_of_check_ins_target_changes_and_status_changes(site):
    feed = _feed(site)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None
    entries = feed.findall(f"{ATOM}entry")
    updated = [e.find(f"{ATOM}updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)  # newest first
    for entry in entries:
        for required in ("id", "title", "updated", "link", "content"):
            assert entry.find(f"{ATOM}{required}") is not None
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert "Target changed: New-patient wait" in titles
    # The milestone was due 2026-09-30 and never done: on track until September,
    # off track at the end of October.
    assert "Open the clinic: On track → Off track" in titles
    status_entry = entries[titles.index("Open the clinic: On track → Off track")]
    assert status_entry.find(f"{ATOM}updated").text == "2026-10-31T00:00:00Z"
    # Every page tells feed readers where the feed is.
    assert '<link rel="alternate" type="application/atom+xml"' in page(site, "objectives/access")


def test_feed_entry_ids_are_stable_across_builds(site):
    from site_builder.commands.cli import main

    before = [e.find(f"{ATOM}id").text for e in _feed(site).findall(f"{ATOM}entry")]
    assert len(before) == len(set(before))
    assert main(["-C", str(site), "build", "--as-of", "2026-11-25"]) == 0
    after = [e.find(f"{ATOM}id").text for e in _feed(site).findall(f"{ATOM}entry")]
    assert after == before


def test_check_ins_appear_in_the_feed(cli, tmp_path):
    from test_site import copy_demo

    root = copy_demo(tmp_path)
    assert cli(root, "build", "--as-of", "2026-11-24").code == 0
    entries = _feed(root).findall(f"{ATOM}entry")
    checkin = next(e for e in entries if e.find(f"{ATOM}id").text.endswith(
        "checkin/veteran-access/primary-care-wait/2026-11-10"))
    assert checkin.find(f"{ATOM}title").text.startswith("Check-in: Cut the new-patient wait for primary care")
    assert "We expect Northshore to bring the wait under 15 days" in checkin.find(f"{ATOM}content").text
    assert checkin.find(f"{ATOM}link").get("href") == \
        "https://okrs.example.org/objectives/veteran-access/#kr-primary-care-wait"

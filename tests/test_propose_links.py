""""Propose a change" links (portal.yml repo_url): the addresses, and the pages that show them."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from fixtures import SHORTER_WAITS, WAIT_CSV
from site_builder.repo_links import (
    CHECK_IN_FORM, NEW_VALUE_FORM, Repo, edit_url, form_url, issue_forms, option, parse_repo_url,
)
from test_site import page

# --- repo_url: the repository, its branch and the portal's folder ----------------------


@pytest.mark.parametrize("url, repo", [
    ("https://github.com/org/okrs", Repo("https://github.com/org/okrs", False, "main", "")),
    ("https://github.com/org/okrs/", Repo("https://github.com/org/okrs", False, "main", "")),
    ("https://github.com/org/okrs.git", Repo("https://github.com/org/okrs", False, "main", "")),
    ("https://github.com/org/okrs/tree/live", Repo("https://github.com/org/okrs", False, "live", "")),
    ("https://github.com/org/site/tree/main/portals/okrs",
     Repo("https://github.com/org/site", False, "main", "portals/okrs")),
    ("https://gitlab.com/group/sub/okrs", Repo("https://gitlab.com/group/sub/okrs", True, "main", "")),
    ("https://gitlab.com/group/sub/okrs/-/tree/dev/site",
     Repo("https://gitlab.com/group/sub/okrs", True, "dev", "site")),
    ("https://code.example.org/group/okrs/-/tree/main", Repo("https://code.example.org/group/okrs", True, "main", "")),
    ("https://git.example.org/org/okrs", Repo("https://git.example.org/org/okrs", False, "main", "")),
])
def test_repo_url_names_the_repository_its_branch_and_the_portals_folder(url, repo):
    assert parse_repo_url(url) == repo


@pytest.mark.parametrize("url", [
    "https://github.com/org", "https://github.com/", "https://github.com/org/okrs/blob/main/x.yml",
    "https://github.com/org/okrs/tree", "https://github.com/org/okrs/tree/main/../../etc",
    "https://github.com/org/okrs?tab=readme", "https://github.com/org/okrs#top", "ftp://github.com/org/okrs",
    "https://[broken/org/okrs", "", None,
])
def test_an_address_that_names_no_repository_gives_no_links(url):
    assert parse_repo_url(url) is None


def test_edit_addresses_are_the_hosts_own():
    github = parse_repo_url("https://github.com/org/site/tree/live/portals/okrs")
    assert edit_url(github, "okrs/objectives/a b.yml") == \
        "https://github.com/org/site/edit/live/portals/okrs/okrs/objectives/a%20b.yml"
    gitlab = parse_repo_url("https://gitlab.com/group/okrs")
    assert edit_url(gitlab, "okrs/metrics/wait.csv") == "https://gitlab.com/group/okrs/-/edit/main/okrs/metrics/wait.csv"


def test_a_form_address_fills_in_the_answer():
    repo = parse_repo_url("https://github.com/org/okrs")
    url = form_url(repo, CHECK_IN_FORM, "key_result", "a/wait — New-patient wait & more")
    assert url.startswith("https://github.com/org/okrs/issues/new?template=check-in.yml&key_result=")
    assert parse_qs(urlsplit(url).query) == {"template": ["check-in.yml"],
                                             "key_result": ["a/wait — New-patient wait & more"]}


def test_the_prefilled_answer_is_an_option_of_the_forms():
    issue_forms_module = pytest.importorskip("site_builder.editing.issue_forms")
    for item_id, title in [("a/wait", "New-patient wait"), ("a/wait", ""), ("m", "x" * 300),
                           ("o" * 99, "Title"), ("a/b", "Word " * 40)]:
        assert option(item_id, title) == issue_forms_module.option(item_id, title)
    assert len(option("a/wait", "x" * 300)) == 100


def test_the_forms_are_found_at_the_repositorys_root(tmp_path):
    repo_root = tmp_path / "site"
    portal = repo_root / "portals" / "okrs"
    forms = repo_root / ".github/ISSUE_TEMPLATE"
    forms.mkdir(parents=True)
    portal.mkdir(parents=True)
    (forms / CHECK_IN_FORM).write_text("name: Check-in\n")
    in_folder = parse_repo_url("https://github.com/org/site/tree/main/portals/okrs")
    assert issue_forms(portal, in_folder) == {CHECK_IN_FORM}
    # Not where GitHub reads them, or not GitHub: no form links.
    assert issue_forms(portal, parse_repo_url("https://github.com/org/site")) == frozenset()
    assert issue_forms(portal, parse_repo_url("https://github.com/org/site/tree/main/other/okrs")) == frozenset()
    assert issue_forms(repo_root, parse_repo_url("https://gitlab.com/org/site")) == frozenset()
    (forms / NEW_VALUE_FORM).mkdir()  # a folder by that name is no form
    assert issue_forms(repo_root, parse_repo_url("https://github.com/org/site")) == {CHECK_IN_FORM}
    assert issue_forms(repo_root, None) == frozenset()


# --- the pages ----------------------------------------------------------------------

PORTAL_2 = """\
schema: 2
title: Test portal
organization: Test organization
languages: [en, zh-TW]
{repo}periods:
  - {{id: cy2026, title: Calendar year 2026, start: 2026-01-01, end: 2026-12-31}}
"""

DOUBLED = """\
  - id: doubled
    title: Doubled wait
    metric: doubled
    baseline: {date: 2026-01-01, value: 60}
    target: {value: 40}
"""


def _portal(portal, repo_line: str, forms: tuple[str, ...] = ()):
    files = {"okrs/objectives/a.yml": SHORTER_WAITS + DOUBLED, "okrs/metrics/wait.csv": WAIT_CSV,
             "okrs/metrics/wait.yml": "title: New-patient wait\nunit: days\n",
             "okrs/metrics/doubled.yml": "title: Doubled\nformula: 2 * wait\n"}
    files.update({f".github/ISSUE_TEMPLATE/{name}": "name: form\n" for name in forms})
    return portal(files, portal_yml=PORTAL_2.format(repo=repo_line))


def _propose(html_text: str) -> list[tuple[str, str]]:
    """(address, words) of every "propose a change" link of a page."""
    links = []
    for block in re.findall(r'<p class="okr-propose">(.*?)</p>', html_text, re.S):
        links += [(html.unescape(href), html.unescape(text))
                  for href, text in re.findall(r'<a href="([^"]+)"(?: aria-label="[^"]*")?>([^<]+)</a>', block)]
    return links


def test_pages_link_to_proposing_a_change_on_the_host(portal, cli):
    root = _portal(portal, "repo_url: https://github.com/org/okrs/tree/live\n", (CHECK_IN_FORM, NEW_VALUE_FORM))
    run = cli(root, "build", "--as-of", "2026-06-30")
    assert run.code == 0, run.err
    objective = page(root, "objectives/a")
    edit = ("https://github.com/org/okrs/edit/live/okrs/objectives/a.yml", "Propose a change to this objective")
    check_ins = [link for link in _propose(objective) if "issues/new" in link[0]]
    assert _propose(objective)[0] == edit
    # Each says which key result it is for, to those who hear the links listed.
    assert re.findall(r'aria-label="([^"]+)">Send a check-in<', objective) == [
        "Send a check-in: New-patient wait", "Send a check-in: Doubled wait"]
    assert [(parse_qs(urlsplit(u).query), text) for u, text in check_ins] == [
        ({"template": ["check-in.yml"], "key_result": ["a/wait — New-patient wait"]}, "Send a check-in"),
        ({"template": ["check-in.yml"], "key_result": ["a/doubled — Doubled wait"]}, "Send a check-in")]
    assert _propose(page(root, "metrics/wait")) == [
        ("https://github.com/org/okrs/edit/live/okrs/metrics/wait.csv", "Propose a change to this metric's data"),
        ("https://github.com/org/okrs/issues/new?template=new-value.yml&metric=wait%20%E2%80%94%20New-patient%20wait",
         "Send a new value")]
    # A derived metric has no CSV and takes no new values: its definition is what to change.
    assert _propose(page(root, "metrics/doubled")) == [
        ("https://github.com/org/okrs/edit/live/okrs/metrics/doubled.yml", "Propose a change to this metric")]
    # In each language's words, to the same addresses.
    chinese = _propose(page(root, "zh-TW/objectives/a"))
    assert chinese[0] == (edit[0], "提議修改這個目標") and chinese[1][1] == "提交進度回報"
    assert [u for u, _ in chinese] == [u for u, _ in _propose(objective)]


def test_without_the_forms_only_the_files_are_linked(portal, cli):
    root = _portal(portal, "repo_url: https://gitlab.com/group/okrs\n", (CHECK_IN_FORM,))  # GitLab: no issue forms
    assert cli(root, "build", "--as-of", "2026-06-30").code == 0
    assert _propose(page(root, "objectives/a")) == [
        ("https://gitlab.com/group/okrs/-/edit/main/okrs/objectives/a.yml", "Propose a change to this objective")]
    assert [u for u, _ in _propose(page(root, "metrics/wait"))] == [
        "https://gitlab.com/group/okrs/-/edit/main/okrs/metrics/wait.csv"]


def test_without_repo_url_there_are_no_links(portal, cli):
    root = _portal(portal, "", (CHECK_IN_FORM, NEW_VALUE_FORM))
    assert cli(root, "build", "--as-of", "2026-06-30").code == 0
    for doc in ("objectives/a", "metrics/wait", "metrics/doubled", "zh-TW/objectives/a"):
        text = page(root, doc)
        assert "okr-propose" not in text and "/edit/" not in text and "issues/new" not in text


def test_a_hostile_repo_url_stays_inside_its_href(portal, cli):
    root = _portal(portal, """repo_url: 'https://github.com/org/x"onmouseover=alert(1)<b>'\n""")
    assert cli(root, "build", "--as-of", "2026-06-30").code == 0
    objective = page(root, "objectives/a")
    assert "onmouseover=alert" in objective  # inside the address, where it is harmless
    assert '"onmouseover' not in objective and "<b>" not in objective
    [(href, _)] = _propose(objective)
    assert href.startswith('https://github.com/org/x"onmouseover')


def test_a_repo_url_that_names_no_repository_is_a_warning_at_its_line(portal, cli):
    root = _portal(portal, "repo_url: https://github.com/org\n")
    run = cli(root, "validate")
    assert run.code == 0
    assert "okrs/portal.yml:5: warning: repo_url must be the address of the repository" in run.out + run.err
    assert cli(root, "build", "--as-of", "2026-06-30").code == 0
    assert _propose(page(root, "objectives/a")) == []

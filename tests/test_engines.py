"""The same generated docs tree built by ProperDocs, the maintained MkDocs fork."""

from __future__ import annotations

import re

import pytest

from site_builder.engine import runner as engine
from site_builder.commands.cli import main
from test_site import AS_OF, copy_demo, page, text_of


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The demo built by each engine, from the same docs tree."""
    sites = {}
    for name in ("mkdocs", "properdocs"):
        root = copy_demo(tmp_path_factory.mktemp(name))
        assert main(["-C", str(root), "build", "--as-of", AS_OF, "--engine", name]) == 0
        sites[name] = root
    return sites


def _pages(root):
    site = root / "site"
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def test_properdocs_builds_every_page_in_every_language(both):
    pages = _pages(both["properdocs"])
    assert pages == _pages(both["mkdocs"])
    assert "zh-TW/objectives/veteran-access/index.html" in pages
    assert (both["properdocs"] / "site/search/search_index.json").is_file()
    assert (both["properdocs"] / "site/zh-TW/search/search_index.json").is_file()


def test_properdocs_pages_say_what_mkdocs_pages_say(both):
    for path in ("", "objectives/veteran-access", "metrics/ed-door-to-provider", "zh-TW/objectives/veteran-access"):
        texts = [text_of(re.sub(r'<meta name="generator"[^>]*>', "", page(both[name], path)))
                 for name in ("mkdocs", "properdocs")]
        assert texts[0] == texts[1], path
    objective = page(both["properdocs"], "objectives/veteran-access")
    assert 'role="img"' in objective and "Off track" in text_of(objective)
    assert '<html lang="zh-TW"' in page(both["properdocs"], "zh-TW")


def test_an_engine_that_is_not_installed_is_named_with_how_to_install_it(portal, cli, monkeypatch):
    # A real lookup of a module that does not exist, through the real build.
    monkeypatch.setitem(engine.ENGINES, "properdocs", "no_such_engine_module_okr")
    root = portal({})
    (root / "site").mkdir()
    (root / "site/index.html").write_text("old site")
    run = cli(root, "build", "--engine", "properdocs")
    assert run.code == 1
    assert "the properdocs engine is not installed; pip install 'okr-portal[properdocs]'" in run.err
    assert "Traceback" not in run.err + run.out
    assert (root / "site/index.html").read_text() == "old site"


def test_an_unknown_engine_is_refused_by_the_command_line(portal, cli):
    with pytest.raises(SystemExit) as exit_:
        main(["-C", str(portal({})), "build", "--engine", "jekyll"])
    assert exit_.value.code == 2

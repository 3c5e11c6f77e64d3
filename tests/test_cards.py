"""Link previews (issue 15): the card image of each objective page and of each key result
(1200×630 PNG), the Open Graph and Twitter tags that point at it with the status in words,
the portal's logo as the site's logo and favicon (else okr-portal's mark, never Material's),
and the `logo` rule of validate. Built for real through the `build` command."""

from __future__ import annotations

import re

import pytest

from site_builder.render.write import static_of
from PIL import Image

from conftest import write_portal
from site_builder.commands.cli import main
from test_site import page

AS_OF = "2026-06-30"

PORTAL = """\
schema: 2
title: {en: Card portal, zh-TW: 卡片}
organization: {en: Card Org, zh-TW: 卡片機構}
languages: [en, zh-TW]
base_url: https://okrs.example.org/cards/
logo: okrs/brand/logo.svg
periods:
  - {id: cy2026, title: Year 2026, start: 2026-01-01, end: 2026-12-31}
"""

OBJECTIVE = """\
id: faster
period: cy2026
title: {en: Faster answers to every letter the public sends us, zh-TW: 更快回覆民眾來信}
owner: Letters office
key_results:
  - {id: reply-days, title: Reply within ten days, metric: reply,
     baseline: {date: 2026-01-01, value: 30}, target: {value: 10}}
  - {id: portal, title: Online form, type: milestone, due: 2026-12-01}
"""

LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>\n'

FILES = {
    "okrs/objectives/faster.yml": OBJECTIVE,
    "okrs/metrics/reply.csv": "date,value\n2026-01-01,30\n2026-05-01,27\n",
    "okrs/brand/logo.svg": LOGO,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = write_portal(tmp_path_factory.mktemp("cards"), FILES, PORTAL)
    assert main(["-C", str(root), "build", "--as-of", AS_OF]) == 0
    return root


def _meta(html: str, name: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', html)
    return found.group(1) if found else None


@pytest.mark.parametrize("rel", ["cards/faster.png", "zh-TW/cards/faster.png"])
def test_every_objective_has_a_card_of_1200_by_630_that_is_not_blank(site, rel):
    with Image.open(site / "site" / rel) as image:
        assert image.size == (1200, 630)
        colours = image.convert("RGB").getcolors(maxcolors=100_000)
    assert colours is not None and len(colours) > 8  # text, a bar and a status colour, antialiased


def test_the_objective_page_head_points_at_its_card_with_the_status_in_words(site):
    html = page(site, "objectives/faster")
    assert _meta(html, "og:image") == "https://okrs.example.org/cards/cards/faster.png"
    assert _meta(html, "twitter:card") == "summary_large_image"
    assert _meta(html, "twitter:image") == _meta(html, "og:image")
    assert _meta(html, "og:type") == "article"
    assert _meta(html, "og:title").startswith("Faster answers")
    # 30 → 27 of the way to 10 is 15 %, a third into the year: behind, at risk (§4); 15 % and 0 average 8 %
    description = _meta(html, "og:description")
    assert description == "Status: At risk. Progress 8%.", description
    assert _meta(html, "description") == description
    zh = page(site, "zh-TW/objectives/faster")
    assert _meta(zh, "og:image") == "https://okrs.example.org/cards/zh-TW/cards/faster.png"
    assert _meta(zh, "og:description").startswith("狀態: ")


def test_a_card_is_drawn_again_only_when_what_it_shows_changed(site):
    cards_dir = static_of(site / ".okr-portal" / "docs") / "cards"  # where the build keeps them (render.write)
    before = {p: p.stat().st_mtime_ns for p in cards_dir.rglob("*.png")}
    assert before
    # A card the build takes back as it is (its key says it shows the same) keeps bytes a drawing would not have.
    marked = next(iter(before))
    marked.write_bytes(marked.read_bytes() + b"kept")
    before[marked] = marked.stat().st_mtime_ns
    assert main(["-C", str(site), "build", "--as-of", AS_OF]) == 0
    assert {p: p.stat().st_mtime_ns for p in cards_dir.rglob("*.png")} == before
    assert marked.read_bytes().endswith(b"kept")
    assert main(["-C", str(site), "build", "--as-of", "2026-07-31"]) == 0  # the as-of date is on every card
    after = {p: p.stat().st_mtime_ns for p in cards_dir.rglob("*.png")}
    assert all(after[p] != before[p] for p in before)


def test_the_portal_logo_is_the_site_logo_and_favicon(site):
    assert (site / "site" / "assets" / "logo.svg").read_text("utf-8") == LOGO
    html = page(site, "")
    assert re.search(r'<link rel="icon" href="[^"]*assets/logo\.svg"', html)
    header = re.search(r'<header.*?</header>', html, re.S).group(0)
    assert "assets/logo.svg" in header
    assert "okr-portal.svg" not in html


def test_without_a_logo_the_site_has_the_okr_portal_mark_not_materials(tmp_path):
    root = write_portal(tmp_path, {k: v for k, v in FILES.items() if "brand" not in k},
                        PORTAL.replace("logo: okrs/brand/logo.svg\n", ""))
    assert main(["-C", str(root), "build", "--as-of", AS_OF]) == 0
    html = page(root, "")
    assert re.search(r'<link rel="icon" href="[^"]*assets/okr-portal\.svg"', html)
    assert "assets/okr-portal.svg" in re.search(r'<header.*?</header>', html, re.S).group(0)
    assert (root / "site" / "assets" / "okr-portal.svg").read_text("utf-8").startswith("<svg")
    assert "favicon.png" not in html  # Material's own


@pytest.mark.parametrize("logo, files, said", [
    ("okrs/brand/missing.svg", {}, "logo 'okrs/brand/missing.svg' does not exist"),
    ("../outside.svg", {}, "logo '../outside.svg' is outside the portal"),
    ("okrs/brand/logo.gif", {"okrs/brand/logo.gif": b"GIF89a"}, "logo 'okrs/brand/logo.gif' must be an .svg or .png"),
])
def test_validate_says_in_one_line_what_is_wrong_with_the_logo(tmp_path, cli, logo, files, said):
    (tmp_path / "outside.svg").write_text(LOGO)
    root = write_portal(tmp_path / "portal", {**FILES, **files}, PORTAL.replace("okrs/brand/logo.svg", logo))
    run = cli(root, "validate")
    assert run.code == 1
    lines = [line for line in (run.out + run.err).splitlines() if "logo" in line]
    assert len(lines) == 1 and lines[0].startswith("okrs/portal.yml:6: ") and said in lines[0], run.out + run.err


def test_a_logo_link_out_of_the_portal_is_refused(tmp_path, cli):
    (tmp_path / "outside.svg").write_text(LOGO)
    root = write_portal(tmp_path / "portal", {k: v for k, v in FILES.items() if "brand" not in k}, PORTAL)
    (root / "okrs" / "brand").mkdir()
    (root / "okrs" / "brand" / "logo.svg").symlink_to(tmp_path / "outside.svg")
    run = cli(root, "validate")
    assert run.code == 1 and "is outside the portal" in run.out + run.err


def test_without_a_truetype_font_cards_use_pillows_own_and_the_build_says_so(monkeypatch):
    from site_builder.render import cards

    png = cards.draw(("A title", "On track", "Progress 50%", "Org", "As of"), (0, 102, 125), 0.5, (None, None), "k")
    with Image.open(__import__("io").BytesIO(png)) as image:
        assert image.size == (1200, 630)
    monkeypatch.setattr(cards, "font_files", lambda lang: (None, None))
    assert cards.font_notices(["en"]) == ("no TrueType font for the link-preview images in 'en': they use "
                                          "Pillow's own font (install fonts-dejavu-core)",)


def test_key_results_share_their_objectives_card(site):
    # One card per objective: drawing one per key result too made cards most of a cold build.
    assert sorted(p.name for p in (site / "site/cards").iterdir()) == ["faster.png"]

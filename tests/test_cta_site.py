"""The CTA in the built site: in the column body, on listings, in feeds, escaped, dated."""

from __future__ import annotations

import datetime as dt
import re

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import BUILD_TIME, build, soup
from cta import place_in_articles
from cta.feed import feed_footer_html
from cta.settings import CtaSettings
from cta.variants import load_variants

PRESS = "columns/the-quiet-arithmetic-of-foreign-agent-laws/index.html"  # commentary + Press freedom
ECONOMY = "columns/remittances-are-not-a-development-strategy/index.html"  # economy, no matching tag
OVERRIDE = "columns/how-we-fact-check-a-campaign-promise/index.html"  # Press freedom, but `cta: default`
NO_CTA = "columns/the-border-village-that-learned-to-wait/index.html"  # `cta: none`
CULTURE = "columns/gyumri-after-the-festival/index.html"  # nothing targeted: the default
COMMENTARY = "columns/municipal-elections-nobody-watched/index.html"  # commentary, no press tag
# Only what the CTA needs: fast, and independent of other plugins' work in progress. The
# theme uses the images plugin's filters (social_image...) on every page, so it is needed too
# (the test passed only after another test of the same process had registered it).
CTA_ONLY = ["content_model", "site_pages", "images", "cta"]


def blocks(page: BeautifulSoup) -> list:
    return page.select("aside.cta")


def top_level_index(body, aside) -> tuple[int, list[str]]:
    """How many top-level paragraphs come before the block, and the body's top-level tags."""
    children = body.find_all(recursive=False)
    before = children[: children.index(aside)]
    return sum(1 for tag in before if tag.name == "p"), [tag.name for tag in children]


def test_targeted_block_is_in_the_body_after_the_configured_paragraph(demo_site):
    page = soup(demo_site / PRESS)
    [aside] = blocks(page)
    body = page.select_one("article.column .column__body")
    assert aside.parent is body
    assert aside["data-cta-variant"] == "press-freedom"
    paragraphs_before, _ = top_level_index(body, aside)
    assert paragraphs_before == 3  # press-freedom: after_paragraph: 3
    assert aside.find_previous_sibling().name == "p"


def test_block_is_a_labelled_landmark_with_a_real_button_link(demo_site):
    page = soup(demo_site / PRESS)
    [aside] = blocks(page)
    heading = page.find(id=aside["aria-labelledby"])
    assert heading.name == "h2" and heading in aside.find_all("h2")
    assert heading.get_text() == "Help keep the region's reporters working"
    assert len(page.find_all(id=aside["aria-labelledby"])) == 1
    button = aside.select_one("a.cta__button")
    assert button["href"] == "/membership/" and button.get_text() == "Join and defend a reporter"
    assert aside.select_one(".cta__pitch strong").get_text() == "legal defence fund"


@pytest.mark.parametrize(
    ("path", "variant", "where"),
    [(ECONOMY, "economy-desk", "end"), (OVERRIDE, "default", 4), (CULTURE, "default", 4),
     (COMMENTARY, "default", 4)],
)
def test_each_demo_column_gets_its_variant(demo_site, path, variant, where):
    page = soup(demo_site / path)
    [aside] = blocks(page)
    assert aside["data-cta-variant"] == variant
    body = page.select_one(".column__body")
    paragraphs_before, tags = top_level_index(body, aside)
    if where == "end":
        assert tags[-1] == "aside"
    else:
        assert paragraphs_before == where


def test_cta_none_column_has_no_block(demo_site):
    page = soup(demo_site / NO_CTA)
    assert blocks(page) == []
    assert page.select_one(".column__body p") is not None


def test_home_and_section_pages_show_the_default_as_banner(demo_site):
    for path in ("index.html", "section/economy/index.html"):
        page = soup(demo_site / path)
        [aside] = blocks(page)
        assert aside["data-cta-variant"] == "default"
        assert "cta--banner" in aside["class"]
        assert page.find(id=aside["aria-labelledby"]).get_text() == "Journalism that answers to readers"
    assert blocks(soup(demo_site / "tag/press-freedom/index.html")) == []


def test_block_and_footer_are_in_the_feeds(demo_site):
    feed = feedparser.parse(str(demo_site / "feeds/all.atom.xml"))
    assert not feed.bozo
    by_title = {entry.title: entry.content[0].value for entry in feed.entries}
    # feedparser drops data-* and aria-* attributes when it sanitizes: look at the markup it keeps
    press = by_title["The quiet arithmetic of foreign agent laws"]
    assert '<h2 class="cta__headline" id="cta-column-press-freedom">' in press
    assert re.search(r'<p class="cta-footer"><strong>Members fund our legal defence fund for journalists\.'
                     r'</strong> <a href="https?://[^"]+/membership/">Join and defend a reporter</a></p>$', press)
    none = by_title["The border village that learned to wait"]
    assert "cta" not in none


def test_block_reaches_feeds_written_before_pages(tmp_path):
    # Pelican's own Atom writer runs before the pages and memoizes content: the trap in DESIGN.md
    output = tmp_path / "out"
    result = build(output, PLUGINS=CTA_ONLY, FEED_ALL_ATOM="feeds/pelican.atom.xml", FEED_DOMAIN="http://x.test")
    assert result.ok, result.errors
    feed = feedparser.parse(str(output / "feeds/pelican.atom.xml"))
    by_title = {entry.title: entry.content[0].value for entry in feed.entries}
    assert 'id="cta-column-economy-desk"' in by_title["Remittances are not a development strategy"]
    assert [aside["data-cta-variant"] for aside in blocks(soup(output / ECONOMY))] == ["economy-desk"]


def test_cta_text_is_escaped_and_pitch_html_is_not_run(content_copy, tmp_path):
    (content_copy / "cta.yml").write_text("""\
- id: default
  default: true
  headline: '<script>alert("h")</script> Tom & "Jerry"'
  pitch: |
    <img src=x onerror=alert(1)> A **bold** <b>claim</b> and a [link](https://ridgeledger.example/why).

    <div onclick="steal()">block html</div>
  button:
    label: <em>Join</em>
    url: https://ridgeledger.example/join?a=1&b=2
  footer: <i>footer</i>
  placement: top
""", encoding="utf-8")
    output = tmp_path / "out"
    result = build(output, content_copy, PLUGINS=CTA_ONLY)
    assert result.ok, result.errors
    html = (output / CULTURE).read_text(encoding="utf-8")
    [aside] = blocks(BeautifulSoup(html, "html.parser"))
    assert [tag.name for tag in aside.select(".cta__pitch *")] == ["p", "strong", "a", "p"]
    assert aside.h2.get_text() == '<script>alert("h")</script> Tom & "Jerry"'
    assert aside.select_one(".cta__pitch").get_text().startswith("<img src=x onerror=alert(1)> A bold <b>claim</b>")
    assert aside.select_one(".cta__button").get_text() == "<em>Join</em>"
    assert aside.select_one(".cta__button")["href"] == "https://ridgeledger.example/join?a=1&b=2"
    assert "<script>" not in html and "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert "onclick" not in html.replace("&lt;div onclick=", "")
    body = BeautifulSoup(html, "html.parser").select_one(".column__body")
    assert body.find(recursive=False).name == "aside"  # placement: top


def test_date_windows_use_the_build_reference_time(tmp_path):
    december = BUILD_TIME.replace(month=12, day=10)
    output = tmp_path / "out"
    result = build(output, PLUGINS=CTA_ONLY, BUILD_TIME=december)
    assert result.ok, result.errors
    [aside] = blocks(soup(output / COMMENTARY))
    assert aside["data-cta-variant"] == "year-end-appeal"  # window 1 Dec - 1 Jan, commentary
    body = soup(output / COMMENTARY).select_one(".column__body")
    assert body.find(recursive=False) is body.select_one("aside.cta")  # placement: top
    # the press-freedom tag rule is more specific than the seasonal section rule
    assert [a["data-cta-variant"] for a in blocks(soup(output / PRESS))] == ["press-freedom"]


def test_banners_can_be_turned_off(tmp_path):
    output = tmp_path / "out"
    result = build(output, PLUGINS=CTA_ONLY, CTA_BANNER_PAGES=["section"])
    assert result.ok, result.errors
    assert blocks(soup(output / "index.html")) == []
    assert len(blocks(soup(output / "section/culture/index.html"))) == 1


class _FakeGenerator:
    """What place_in_articles reads from Pelican's ArticlesGenerator."""

    def __init__(self, articles, context, settings, env):
        self.articles, self.translations, self.drafts = articles, [], []
        self.context, self.settings, self.env = context, settings, env


def _article(settings, **meta):
    from pelican.contents import Article
    from pelican.urlwrappers import Tag

    tags = [Tag(name, settings) for name in meta.pop("tags", [])]
    return Article("<p>One.</p>\n<p>Two.</p>", metadata={"title": "T", "date": BUILD_TIME, "tags": tags, **meta},
                   settings=settings)


def test_placement_wins_over_content_read_earlier_and_sets_the_feed_contract(tmp_path):
    from conftest import ROOT
    from jinja2 import Environment, FileSystemLoader
    from pelican.settings import DEFAULT_CONFIG

    settings = {**DEFAULT_CONFIG, "PATH": str(ROOT / "content"), "TIMEZONE": "UTC", "BUILD_TIME": BUILD_TIME,
                "SITEURL": "https://ridgeledger.example"}
    loaded, errors = load_variants(ROOT / "content", dt.UTC)
    assert errors == []
    env = Environment(loader=FileSystemLoader(str(ROOT / "theme/templates")), autoescape=True)
    economy = _article(settings, section="economy", author_ids=["armen-hovsepyan"], cta=None, slug="e")
    silent = _article(settings, section="economy", author_ids=[], cta="none", slug="s")
    assert "cta" not in economy.content  # memoized now, as a plugin reading it early would
    generator = _FakeGenerator([economy, silent], {"cta_variants": loaded.variants,
                                                   "cta_settings": CtaSettings()}, settings, env)
    place_in_articles(generator)
    assert 'data-cta-variant="economy-desk"' in economy.content
    assert economy.cta_variant.id == "economy-desk"
    assert feed_footer_html(economy) == (
        '<p class="cta-footer"><strong>Members keep our economy coverage free of sponsors.</strong> '
        '<a href="https://ridgeledger.example/membership/">Support the economy desk</a></p>')
    assert silent.cta_variant is None and feed_footer_html(silent) is None
    assert "cta" not in silent.content

    generator.context["cta_settings"] = CtaSettings(feed_footer=False)
    again = _article(settings, section="economy", author_ids=[], cta=None, slug="a")
    generator.articles = [again]
    place_in_articles(generator)
    assert again.cta_variant.id == "economy-desk" and feed_footer_html(again) is None


def test_a_rebuild_places_the_blocks_where_the_first_did_without_parsing_the_bodies(content_copy, tmp_path,
                                                                                  monkeypatch):
    import hashlib

    import cta.offsets
    from conftest import ROOT
    from site_build import build_site

    def run(output):
        result = build_site(ROOT / "pelicanconf.py", {"OUTPUT_PATH": str(output), "PATH": str(content_copy),
                                                      "BUILD_TIME": BUILD_TIME, "CACHE_ROOT": str(tmp_path / "cache")},
                            force=True)
        assert result.ok, result.errors
        return {str(p.relative_to(output)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(output.rglob("*")) if p.is_file()}

    first = run(tmp_path / "one")
    assert len(list((tmp_path / "cache" / "cta").glob("offsets-*.memo"))) == 1
    parsed = []
    real = cta.offsets.insertion_offset
    monkeypatch.setattr(cta.offsets, "insertion_offset", lambda html, where: parsed.append(where) or real(html, where))
    assert run(tmp_path / "two") == first
    assert parsed == [], "every column's place was known"

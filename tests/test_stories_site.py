"""Story pages in the built demo site: structure, numbers, links, premium details, feed."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
import yaml
from conftest import ROOT, build, soup

GEORGIA = "georgia-raises-winter-electricity-tariffs"
ARMENIA = "armenias-new-parliament-meets"
SCALE_LABELS = ["Left", "Lean left", "Center", "Lean right", "Right"]


def front_matter(slug: str) -> dict:
    text = (ROOT / "content" / "stories" / f"{slug}.md").read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---")[1])


def outlets() -> dict:
    data = yaml.safe_load((ROOT / "content" / "outlets.yml").read_text(encoding="utf-8"))
    return {o["id"]: o for o in data}


def story_page(site: Path, slug: str):
    return soup(site / "stories" / slug / "index.html")


@pytest.fixture(scope="module")
def open_site(tmp_path_factory) -> Path:
    """No member-only details, one story per index page."""
    output = tmp_path_factory.mktemp("stories-open") / "output"
    result = build(output, STORY_PREMIUM_DETAILS=[], STORY_PAGINATION=1)
    assert result.ok, "\n".join(result.errors)
    return output


@pytest.mark.parametrize("slug", [GEORGIA, ARMENIA])
def test_story_page_structure_and_counts(demo_site, slug):
    meta, page = front_matter(slug), story_page(demo_site, slug)
    assert page.h1.get_text(strip=True) == meta["title"]
    dateline = page.select_one(".story__dateline").get_text(" ", strip=True)
    assert all(place in dateline for place in meta["dateline"])
    assert page.select_one(".story__dateline time")["datetime"].startswith(str(meta["date"])[:10])
    assert [li.get_text(strip=True) for li in page.select(".story__points li")] == meta["key_points"]
    entries = meta["coverage"]
    assert page.select_one("#coverage-heading").get_text(" ", strip=True) == f"{len(entries)} Articles"
    assert len(page.select(".coverage-item")) == len(entries)
    facts = {div.dt.get_text(strip=True): div.dd.get_text(strip=True) for div in page.select(".details__facts div")}
    sources = {e["outlet"] for e in entries}
    known = outlets()
    unknown = {s for s in sources if known[s].get("lean", "unknown") == "unknown"}
    assert facts["Total news sources"] == str(len(sources))
    assert facts["Articles"] == str(len(entries))
    assert facts["Unknown lean"] == str(len(unknown))
    assert facts["Rated sources"] == str(len(sources - unknown))
    dates = sorted(str(e["date"]) for e in entries)
    assert page.select(".details__facts time")[0]["datetime"][:10] == dates[0][:10]
    assert page.select(".details__facts time")[1]["datetime"][:10] == dates[-1][:10]


def test_coverage_is_grouped_by_lean_left_to_right_with_unknown_last(demo_site):
    page = story_page(demo_site, GEORGIA)
    groups = [h.select_one(".lean-badge").get_text(strip=True) for h in page.select(".coverage__group-title")]
    expected = [label for label in [*SCALE_LABELS, "Unknown lean"] if label in groups]
    assert groups == expected and groups[-1] == "Unknown lean"
    for group in page.select(".coverage__group"):
        label = group.select_one(".lean-badge").get_text(strip=True)
        assert {item.select_one(".coverage-item__lean").get_text(strip=True)
                for item in group.select(".coverage-item")} == {label}


def test_links_out_are_safe_and_marked_external(demo_site):
    page = story_page(demo_site, GEORGIA)
    urls = {e["url"] for e in front_matter(GEORGIA)["coverage"]}
    links = page.select(".coverage-item__title a")
    assert {a["href"] for a in links} == urls
    for link in links:
        rel = link["rel"]
        assert "noopener" in rel and "external" in rel
        assert "target" not in link.attrs
        assert "(external site," in link.select_one(".visually-hidden").get_text()
        assert link.select_one(".external-link__mark")["aria-hidden"] == "true"


def test_bias_distribution_in_text_sums_to_100_with_unknown_apart(open_site):
    page = story_page(open_site, GEORGIA)
    figure = page.select_one(".details .bias")
    caption = figure.figcaption.get_text(" ", strip=True)
    assert "Lean of the 7 rated sources" in caption and "2 sources with unknown lean shown apart" in caption
    items = figure.select(".bias__item:not(.bias__item--unknown)")
    assert [i.select_one(".bias__label").get_text(strip=True) for i in items] == SCALE_LABELS
    percents = [int(i.select_one(".bias__value").get_text(strip=True).rstrip("%")) for i in items]
    assert sum(percents) == 100
    assert "not in the percentages" in figure.select_one(".bias__item--unknown").get_text()
    # the drawing is decorative; every segment has a pattern (not colour alone)
    svg = figure.select_one("svg.bias__bar")
    assert svg["aria-hidden"] == "true"
    segments = svg.select("rect.bias__segment")
    assert len(segments) == sum(1 for p in percents if p)
    fills = [s["fill"] for s in segments]
    assert len(set(fills)) == len(fills)
    for fill in fills:
        pattern = svg.select_one(f"pattern#{fill[5:-1]}")
        assert pattern.select("line, circle"), "each segment has its own pattern marks"
    widths = [float(s["width"].rstrip("%")) for s in segments]
    assert sum(widths) == 100
    assert page.select_one(".details__headline").get_text(strip=True) == "43% of the rated sources are rated Lean left."


def test_blindspot_note_only_where_a_side_is_thin(demo_site):
    georgia = story_page(demo_site, GEORGIA).select(".blindspot")
    assert len(georgia) == 1
    text = georgia[0].get_text(" ", strip=True)
    assert "only 1 of 7 rated sources (14%) are rated Lean right or Right" in text
    assert "20% threshold" in text
    assert story_page(demo_site, ARMENIA).select(".blindspot") == []


def test_premium_details_are_replaced_by_the_upsell(demo_site, open_site):
    premium = story_page(demo_site, GEORGIA)
    assert premium.select_one("#ownership-heading") is None
    assert premium.select_one("#factuality-heading") is None
    assert premium.select_one("#country-heading") is not None
    upsell = premium.select_one(".story-upsell")
    assert "the ownership breakdown and the factuality ratings" in upsell.get_text(" ", strip=True)
    assert upsell.select_one("a[href$='/membership/']") is not None
    headers = [th.get_text(strip=True) for th in premium.select(".sources-table thead th")]
    assert "Ownership" not in headers and "Factuality" not in headers

    open_page = story_page(open_site, GEORGIA)
    assert open_page.select_one(".story-upsell") is None
    ownership = {li.select_one(".breakdown__label").get_text(strip=True): li.select_one(".breakdown__value").get_text()
                 for li in open_page.select("#ownership-heading + .breakdown li")}
    assert ownership["Unknown"].startswith("1 source")
    percents = [int(re.search(r"\((\d+)%\)", v).group(1)) for v in ownership.values()]
    assert sum(percents) == 100
    headers = [th.get_text(strip=True) for th in open_page.select(".sources-table thead th")]
    assert {"Ownership", "Factuality", "Country", "Rating source"} <= set(headers)


def test_rating_sources_are_shown_and_unrated_outlets_say_so(demo_site):
    table = story_page(demo_site, GEORGIA).select(".sources-table tbody tr")
    rows = {row.th.get_text(strip=True): row for row in table}
    assert "Ridge Ledger media desk review, March 2026" in rows["Kura Daily"].get_text()
    assert "Not rated" in rows["Gazeta Kavkaz"].get_text()
    assert "Unknown lean" in rows["Gazeta Kavkaz"].get_text()


def test_stories_index_newest_first_and_paginated(demo_site, open_site):
    index = soup(demo_site / "stories" / "index.html")
    titles = [a.get_text(strip=True) for a in index.select(".story-card__title a")]
    assert titles == [front_matter(GEORGIA)["title"], front_matter(ARMENIA)["title"]]
    first = soup(open_site / "stories" / "index.html")
    second = soup(open_site / "stories" / "page" / "2" / "index.html")
    assert len(first.select(".story-card")) == len(second.select(".story-card")) == 1
    assert first.select_one("a[rel=next]")["href"].endswith("/stories/page/2/")
    assert second.select_one(".story-card__title a").get_text(strip=True) == front_matter(ARMENIA)["title"]


def test_home_page_shows_the_stories(demo_site):
    home = soup(demo_site / "index.html")
    section = home.select_one("section.home-stories")
    assert section.h2.get_text(strip=True) == "Story coverage"
    hrefs = [a["href"] for a in section.select(".story-card__title a")]
    assert hrefs == [f"/stories/{GEORGIA}/", f"/stories/{ARMENIA}/"]
    assert section.select_one(".home-stories__more a")["href"] == "/stories/"


def test_columns_and_stories_link_to_each_other(demo_site):
    meta = front_matter(GEORGIA)
    page = story_page(demo_site, GEORGIA)
    assert [a["href"] for a in page.select(".story__related .teaser__title a")] == [
        f"/columns/{slug}/" for slug in meta["related"]]
    for slug in meta["related"]:
        column = soup(demo_site / "columns" / slug / "index.html")
        backlink = column.select_one(".story-backlink a")
        assert backlink["href"] == f"/stories/{GEORGIA}/"
        assert backlink.get_text(strip=True) == meta["title"]
    unrelated = soup(demo_site / "columns" / "a-library-card-in-three-alphabets" / "index.html")
    assert unrelated.select_one(".story-backlink") is None


def test_methodology_page_in_the_footer(demo_site):
    home = soup(demo_site / "index.html")
    assert "/methodology/" in [a["href"] for a in home.select(".site-footer a")]
    page = soup(demo_site / "methodology" / "index.html")
    text = page.get_text(" ", strip=True)
    assert "lean scale" in text and "Where the ratings come from" in text


def test_stories_feed_entry(demo_site):
    feed = feedparser.parse(demo_site / "feeds" / "stories.atom.xml")
    assert not feed.bozo
    meta = front_matter(GEORGIA)
    entry = feed.entries[0]
    assert entry.title == meta["title"]
    assert entry.link.endswith(f"/stories/{GEORGIA}/")
    assert entry.published.startswith(str(meta["date"])[:10])
    html = entry.content[0].value
    assert "Key points" in html and meta["key_points"][0].split(" ")[0] in html
    assert f"Covered in {len(meta['coverage'])} articles from" in html
    assert {t.term for t in entry.tags} == {t.lower() for t in meta["tags"]}


def test_story_text_is_escaped(tmp_path, content_copy):
    path = content_copy / "stories" / f"{ARMENIA}.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("excerpt: A short summary of the session carried from an agency feed.",
                        'excerpt: "<img src=x onerror=alert(1)> & more"')
    text = text.replace("  - The peace agenda", '  - "<b>bold</b> claim"\n  - The peace agenda')
    path.write_text(text, encoding="utf-8")
    result = build(tmp_path / "out", content_copy)
    assert result.ok, result.errors
    html = (tmp_path / "out" / "stories" / ARMENIA / "index.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt; &amp; more" in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt; claim" in html


def test_draft_and_scheduled_stories_are_not_published(tmp_path, content_copy):
    for slug, change in [(GEORGIA, ("date: 2026-11-12 10:00 +04:00", "date: 2027-01-12 10:00 +04:00")),
                         (ARMENIA, ("dateline: [Yerevan]", "dateline: [Yerevan]\nstatus: draft"))]:
        path = content_copy / "stories" / f"{slug}.md"
        path.write_text(path.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    result = build(tmp_path / "out", content_copy)
    assert result.ok, result.errors
    assert not (tmp_path / "out" / "stories" / GEORGIA).exists()
    assert not (tmp_path / "out" / "stories" / ARMENIA).exists()
    assert soup(tmp_path / "out" / "index.html").select_one(".home-stories") is None
    column = soup(tmp_path / "out" / "columns" / "energy-bills-and-the-winter-vote" / "index.html")
    assert column.select_one(".story-backlink") is None

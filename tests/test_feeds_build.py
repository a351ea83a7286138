"""Feeds built from the demo site and from edited copies: parsed with feedparser and checked
against the content files themselves (counts, order, ids, URLs, dates, authors, media)."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import BUILD_TIME, ROOT, build, soup
from content_model.dates import site_timezone
from content_model.validate import validate_content
from lxml import etree
from pelican.settings import DEFAULT_CONFIG
from pelican.utils import slugify

pytestmark = pytest.mark.xdist_group("feeds")

RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                    r"\d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$")
ATOM_NS = {"a": "http://www.w3.org/2005/Atom", "media": "http://search.yahoo.com/mrss/",
           "content": "http://purl.org/rss/1.0/modules/content/", "dc": "http://purl.org/dc/elements/1.1/"}


def published_columns(content_dir: Path) -> dict:
    """slug -> ColumnMeta of the columns that are live at BUILD_TIME, read from the files."""
    index, errors = validate_content(content_dir, site_timezone("Asia/Tbilisi"))
    assert not errors
    return {slug: r.meta for slug, r in index.columns.items()
            if r.meta.status == "published" and r.meta.date <= BUILD_TIME}


def tag_slug(name: str) -> str:
    return slugify(name, regex_subs=DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"])


def all_feed_files(site: Path) -> list[Path]:
    return sorted((site / "feeds").rglob("*.xml"))


def parse(path: Path):
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
    return parsed


def slug_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


# --- the demo site -------------------------------------------------------------------------

def test_every_feed_parses_and_has_the_required_elements(demo_site):
    files = all_feed_files(demo_site)
    sections = {m.section for m in published_columns(ROOT / "content").values()}
    assert {f"section/{s}.atom.xml" for s in sections} <= {str(p.relative_to(demo_site / "feeds")) for p in files}
    for path in files:
        parse(path)
        root = etree.parse(str(path)).getroot()
        if root.tag == "rss":
            channel = root.find("channel")
            for name in ("title", "link", "description", "language", "lastBuildDate"):
                assert channel.findtext(name), f"{path}: channel {name}"
            assert RFC822.match(channel.findtext("lastBuildDate"))
            assert channel.find("a:link[@rel='self']", ATOM_NS).get("href").endswith(
                str(path.relative_to(demo_site)))
            # feedgen's trap: <link> must be the site page, not the feed itself
            assert not channel.findtext("link").endswith(".xml")
            for item in channel.findall("item"):
                for name in ("title", "link", "guid", "pubDate", "description"):
                    assert item.findtext(name), f"{path}: item {name}"
                assert RFC822.match(item.findtext("pubDate")), item.findtext("pubDate")
                assert email.utils.parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None
                assert item.find("guid").get("isPermaLink") == "false"
        else:
            for name in ("a:id", "a:title", "a:updated", "a:subtitle", "a:icon"):
                assert root.findtext(name, namespaces=ATOM_NS), f"{path}: {name}"
            assert root.find("a:link[@rel='self']", ATOM_NS) is not None
            for entry in root.findall("a:entry", ATOM_NS):
                for name in ("a:id", "a:title", "a:updated", "a:published", "a:content"):
                    value = entry.findtext(name, namespaces=ATOM_NS)
                    assert value, f"{path}: entry {name}"
                for name in ("a:updated", "a:published"):
                    assert dt.datetime.fromisoformat(entry.findtext(name, namespaces=ATOM_NS)).tzinfo


def test_site_feeds_list_every_published_column_newest_first(demo_site):
    live = published_columns(ROOT / "content")
    expected = sorted(live, key=lambda s: live[s].date, reverse=True)[:50]
    for name in ("all.atom.xml", "all.rss.xml"):
        entries = parse(demo_site / "feeds" / name).entries
        assert [slug_of(e.link) for e in entries] == expected
    json_feed = json.loads((demo_site / "feeds" / "all.json").read_text(encoding="utf-8"))
    assert json_feed["version"] == "https://jsonfeed.org/version/1.1"
    assert json_feed["feed_url"].endswith("/feeds/all.json")
    assert [slug_of(i["url"]) for i in json_feed["items"]] == expected
    for item in json_feed["items"]:
        assert dt.datetime.fromisoformat(item["date_published"]).tzinfo is not None
        assert item["id"].startswith("tag:") and item["content_html"]


def test_drafts_and_scheduled_columns_never_appear(demo_site):
    index, _ = validate_content(ROOT / "content", site_timezone("Asia/Tbilisi"))
    hidden = [r.meta.title for r in index.columns.values()
              if r.meta.status == "draft" or r.meta.date > BUILD_TIME]
    assert hidden, "the demo should have a draft to check"
    text = "\n".join(p.read_text(encoding="utf-8") for p in (demo_site / "feeds").rglob("*.*"))
    for title in hidden:
        assert title not in text


def test_section_author_and_tag_feeds_hold_exactly_their_columns(demo_site):
    live = published_columns(ROOT / "content")
    for feed in ("section", "author", "tag"):
        for path in sorted((demo_site / "feeds" / feed).glob("*.atom.xml")):
            key = path.name.removesuffix(".atom.xml")
            parsed = parse(path)
            rss = parse(path.with_name(f"{key}.rss.xml"))
            expected = {
                slug for slug, meta in live.items()
                if (feed == "section" and meta.section == key)
                or (feed == "author" and key in meta.authors)
                or (feed == "tag" and key in {tag_slug(t) for t in meta.tags})
            }
            got = [slug_of(e.link) for e in parsed.entries]
            assert set(got) == expected, path
            assert [slug_of(e.link) for e in rss.entries] == got
            dates = [e.published_parsed for e in parsed.entries]
            assert dates == sorted(dates, reverse=True)


def test_items_carry_every_author_categories_summary_and_dates(demo_site):
    live = published_columns(ROOT / "content")
    multi = [s for s, m in live.items() if len(m.authors) > 1]
    assert multi, "the demo should have a column with two authors"
    profiles = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "content" / "authors").glob("*.yml")}
    for name in ("all.atom.xml", "all.rss.xml"):
        by_slug = {slug_of(e.link): e for e in parse(demo_site / "feeds" / name).entries}
        for slug, meta in live.items():
            entry = by_slug[slug]
            names = [a["name"] for a in entry.authors]
            assert len(names) == len(meta.authors)
            for author_id, author_name in zip(meta.authors, names, strict=True):
                assert f"name: {author_name}" in profiles[author_id]
            terms = [t["term"] for t in entry.tags]
            labels = [t.get("label") or t["term"] for t in entry.tags]
            if name.endswith("atom.xml"):
                assert terms[0] == meta.section
                assert labels[1:] == meta.tags
            else:
                assert labels[1:] == meta.tags
            assert entry.summary == meta.summary
            assert dt.datetime(*entry.published_parsed[:6], tzinfo=dt.UTC) == meta.date.astimezone(dt.UTC)
            if meta.updated and name.endswith("atom.xml"):  # RSS items have no updated date
                assert dt.datetime(*entry.updated_parsed[:6], tzinfo=dt.UTC) == meta.updated.astimezone(dt.UTC)


def test_every_url_in_item_content_is_absolute(demo_site_prod):
    for path in [*all_feed_files(demo_site_prod)]:
        root = etree.parse(str(path)).getroot()
        bodies = [e.text for e in root.iter("{http://purl.org/rss/1.0/modules/content/}encoded")]
        bodies += [e.text for e in root.iter("{http://www.w3.org/2005/Atom}content")]
        for body in bodies:
            html = BeautifulSoup(body, "html.parser")
            for tag in html.find_all(href=True) + html.find_all(src=True):
                url = tag.get("href") or tag.get("src")
                assert url.startswith(("https://ridgeledger.example/", "mailto:")) or (
                    url.startswith("https://") and "ridgeledger" not in url), f"{path}: {url}"
    channel_link = parse(demo_site_prod / "feeds" / "all.rss.xml").feed.link
    assert channel_link == "https://ridgeledger.example/"


def test_local_builds_use_the_fallback_site_url(demo_site):
    parsed = parse(demo_site / "feeds" / "all.atom.xml")
    assert all(e.link.startswith("http://127.0.0.1:8000/columns/") for e in parsed.entries)
    root = etree.parse(str(demo_site / "feeds" / "all.atom.xml")).getroot()
    for content in root.iter("{http://www.w3.org/2005/Atom}content"):
        assert not re.search(r'(href|src)="/', content.text)


def test_cover_images_are_enclosures_and_media_content(demo_site):
    live = published_columns(ROOT / "content")
    with_image = {s: m for s, m in live.items() if m.image}
    assert with_image
    rss = etree.parse(str(demo_site / "feeds" / "all.rss.xml")).getroot()
    atom = parse(demo_site / "feeds" / "all.atom.xml")
    atom_by_slug = {slug_of(e.link): e for e in atom.entries}
    for item in rss.iter("item"):
        slug = slug_of(item.findtext("link"))
        enclosure = item.find("enclosure")
        media = item.find("media:content", ATOM_NS)
        if slug not in with_image:
            assert enclosure is None and media is None
            continue
        size = (ROOT / "content" / with_image[slug].image).stat().st_size
        assert enclosure.get("url").endswith("/" + with_image[slug].image)
        assert enclosure.get("type") == "image/jpeg" and enclosure.get("length") == str(size)
        assert media.get("url") == enclosure.get("url") and media.get("medium") == "image"
        assert media.findtext("media:description", namespaces=ATOM_NS) == with_image[slug].image_alt
        atom_enclosures = [link for link in atom_by_slug[slug].links if link["rel"] == "enclosure"]
        assert [(e["href"], e["length"]) for e in atom_enclosures] == [(enclosure.get("url"), str(size))]
        # the enclosure must not turn into a second "alternate" link (feedgen drops entry rel)
        assert [link["rel"] for link in atom_by_slug[slug].links].count("alternate") == 1


def test_pages_link_their_feeds_for_discovery_and_people(demo_site):
    def alternates(page: Path) -> dict[str, str]:
        return {link["href"]: link["type"] for link in soup(page).find_all("link", rel="alternate")}

    home = alternates(demo_site / "index.html")
    assert home == {"/feeds/all.atom.xml": "application/atom+xml", "/feeds/all.rss.xml": "application/rss+xml",
                    "/feeds/all.json": "application/feed+json",
                    **({"/feeds/stories.atom.xml": "application/atom+xml",
                        "/feeds/stories.rss.xml": "application/rss+xml"}
                       if (demo_site / "feeds" / "stories.atom.xml").exists() else {})}
    for kind, page_dir in (("section", "section"), ("author", "author"), ("tag", "tag")):
        pages = sorted((demo_site / page_dir).glob("*/index.html"))
        assert pages
        for page in pages:
            links = alternates(page)
            slug = page.parent.name
            assert links[f"/feeds/{kind}/{slug}.atom.xml"] == "application/atom+xml"
            assert links[f"/feeds/{kind}/{slug}.rss.xml"] == "application/rss+xml"
            assert (demo_site / "feeds" / kind / f"{slug}.atom.xml").exists()
    footer = soup(demo_site / "index.html").find("nav", attrs={"aria-label": "Feeds"})
    hrefs = [a["href"] for a in footer.find_all("a")]
    assert {"/feeds/all.rss.xml", "/feeds/all.atom.xml", "/feeds/all.json"} <= set(hrefs)
    assert all((demo_site / h.lstrip("/")).exists() for h in hrefs)


def test_a_feed_opened_in_a_browser_is_a_page_about_feeds(demo_site):
    xsl_path = demo_site / "theme" / "feeds" / "feed.xsl"
    xsl_text = xsl_path.read_text(encoding="utf-8")
    # nothing from third parties: the only URLs are XML namespace names
    assert set(re.findall(r"https?://[^\s\"'<>]+", xsl_text)) == {
        "http://www.w3.org/1999/XSL/Transform", "http://www.w3.org/2005/Atom"}
    transform = etree.XSLT(etree.parse(str(xsl_path)))
    for name in ("all.rss.xml", "all.atom.xml"):
        raw = (demo_site / "feeds" / name).read_text(encoding="utf-8")
        assert '<?xml-stylesheet type="text/xsl" href="/theme/feeds/feed.xsl"?>' in raw.splitlines()[1]
        page = BeautifulSoup(str(transform(etree.parse(str(demo_site / "feeds" / name)))), "html.parser")
        assert "This is a feed" in page.get_text()
        titles = [h.get_text() for h in page.find_all("h3")]
        assert titles == [e.title for e in parse(demo_site / "feeds" / name).entries]


# --- edited copies of the content ------------------------------------------------------------

def _column(path: Path, **fields: str) -> None:
    """Change front-matter lines `key: value` of a column (adds the line if missing)."""
    text = path.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    for key, value in fields.items():
        line = f"{key}: {value}"
        head, count = re.subn(rf"(?m)^{key}:.*$", lambda _m, line=line: line, head)
        if not count:
            head += "\n" + line
    path.write_text(head + "\n---\n" + body, encoding="utf-8")


def test_titles_with_markup_characters_are_escaped_not_interpreted(content_copy, tmp_path):
    path = content_copy / "columns" / "2026" / "energy-bills-and-the-winter-vote.md"
    title = 'Bills & "votes" <b>before</b> winter\'s end'
    _column(path, title=json.dumps(title))
    result = build(tmp_path / "out", content_copy)
    assert result.ok, result.errors
    for name in ("all.atom.xml", "all.rss.xml", "tag/energy.atom.xml", "section/economy.rss.xml"):
        raw = (tmp_path / "out" / "feeds" / name).read_text(encoding="utf-8")
        assert "<b>before</b>" not in raw and "&lt;b&gt;before&lt;/b&gt;" in raw
        titles = [e.title for e in parse(tmp_path / "out" / "feeds" / name).entries]
        assert title in titles
    items = json.loads((tmp_path / "out" / "feeds" / "all.json").read_text(encoding="utf-8"))["items"]
    assert title in [i["title"] for i in items]


def test_ids_stay_the_same_after_title_and_slug_are_edited(content_copy, tmp_path):
    registry = tmp_path / "data" / "feed-ids.json"
    first = build(tmp_path / "one", content_copy)
    assert first.ok, first.errors
    recorded = json.loads(registry.read_text(encoding="utf-8"))["column"]
    live = published_columns(content_copy)
    assert set(recorded) == set(live)

    def ids(site: Path) -> dict[str, str]:
        parsed = parse(site / "feeds" / "all.atom.xml")
        return {e.title: e.id for e in parsed.entries}

    def guids(site: Path) -> list[str]:
        return [e.id for e in parse(site / "feeds" / "all.rss.xml").entries]

    before = ids(tmp_path / "one")
    before_guids = guids(tmp_path / "one")
    # The recorded id wins over a freshly minted one: pretend it came from an older system.
    recorded["subtitles-are-a-political-choice"] = "https://old.example/2026/07/subtitles"
    registry.write_text(json.dumps({"column": recorded}), encoding="utf-8")
    old_title = "Subtitles are a political choice"

    path = content_copy / "columns" / "2026" / "subtitles-are-a-political-choice.md"
    _column(path, title="Whose language gets the subtitles", slug="whose-language-gets-the-subtitles",
            aliases="[subtitles-are-a-political-choice]")
    second = build(tmp_path / "two", content_copy)
    assert second.ok, second.errors
    after = ids(tmp_path / "two")
    assert after["Whose language gets the subtitles"] == "https://old.example/2026/07/subtitles"
    assert "Whose language gets the subtitles" not in before and old_title not in after
    assert {t: i for t, i in after.items() if t != "Whose language gets the subtitles"} == {
        t: i for t, i in before.items() if t != old_title}
    assert len(set(guids(tmp_path / "two"))) == len(before_guids)
    entry = next(e for e in parse(tmp_path / "two" / "feeds" / "all.rss.xml").entries
                 if e.title == "Whose language gets the subtitles")
    assert entry.link.endswith("/columns/whose-language-gets-the-subtitles/")
    assert entry.id == "https://old.example/2026/07/subtitles"
    saved = json.loads(registry.read_text(encoding="utf-8"))["column"]
    assert saved["whose-language-gets-the-subtitles"] == saved["subtitles-are-a-political-choice"]

    # Registry lost: the alias still leads to the same minted id as the first build had.
    registry.unlink()
    third = build(tmp_path / "three", content_copy)
    assert third.ok, third.errors
    assert ids(tmp_path / "three")["Whose language gets the subtitles"] == before[old_title]


def test_reusing_a_retired_slug_is_a_content_error_with_the_line(content_copy, tmp_path):
    assert build(tmp_path / "one", content_copy).ok
    renamed = content_copy / "columns" / "2026" / "subtitles-are-a-political-choice.md"
    _column(renamed, slug="whose-language-gets-the-subtitles", aliases="[subtitles-are-a-political-choice]")
    newcomer = content_copy / "columns" / "2026" / "subtitles-again.md"
    newcomer.write_text(
        "---\ntitle: Subtitles again\ndate: 2026-08-01 09:00 +04:00\nsection: culture\n"
        "authors: [leyla-mammadova]\nslug: subtitles-are-a-political-choice\n---\n\nA new column.\n",
        encoding="utf-8")
    result = build(tmp_path / "two", content_copy)
    assert not result.ok
    report = "\n".join(result.errors)
    assert ("content/columns/2026/subtitles-again.md:6: slug: this column would share its feed id "
            "tag:ridgeledger.example,2025:column/subtitles-are-a-political-choice with "
            "content/columns/2026/subtitles-are-a-political-choice.md") in report


def test_item_limit_setting_keeps_the_newest(content_copy, tmp_path):
    result = build(tmp_path / "out", content_copy, FEED_MAX_ITEMS=3)
    assert result.ok, result.errors
    live = published_columns(content_copy)
    newest = sorted(live, key=lambda s: live[s].date, reverse=True)[:3]
    for name in ("all.atom.xml", "all.rss.xml"):
        assert [slug_of(e.link) for e in parse(tmp_path / "out" / "feeds" / name).entries] == newest
    assert len(json.loads((tmp_path / "out" / "feeds" / "all.json").read_text())["items"]) == 3
    for path in (tmp_path / "out" / "feeds" / "tag").glob("*.atom.xml"):
        assert 1 <= len(parse(path).entries) <= 3


def test_websub_hub_is_linked_from_every_format(content_copy, tmp_path):
    hub = "https://hub.example/"
    result = build(tmp_path / "out", content_copy, FEED_WEBSUB_HUB=hub)
    assert result.ok, result.errors
    for name in ("all.atom.xml", "all.rss.xml", "tag/energy.rss.xml"):
        links = parse(tmp_path / "out" / "feeds" / name).feed.links
        assert {"href": hub, "rel": "hub"}.items() <= next(link for link in links if link["rel"] == "hub").items()
    feed = json.loads((tmp_path / "out" / "feeds" / "all.json").read_text())
    assert feed["hubs"] == [{"type": "WebSub", "url": hub}]

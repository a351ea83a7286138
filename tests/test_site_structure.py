"""The built demo site: the structure of each page type, checked with BeautifulSoup."""

from __future__ import annotations

import datetime as dt
import re

from conftest import build, soup

COLUMN = "columns/the-quiet-arithmetic-of-foreign-agent-laws/index.html"


def test_column_page_has_every_slot(demo_site):
    page = soup(demo_site / COLUMN)
    article = page.select_one("main article.column")
    assert page.html["lang"] == "en"
    assert article.select_one(".section-label a").get_text(strip=True) == "Commentary"
    assert article.select_one(".section-label a")["href"] == "/section/commentary/"
    assert article.select_one("h1").get_text(strip=True) == "The quiet arithmetic of foreign agent laws"
    assert article.select_one("p.standfirst").get_text(strip=True).startswith("Registries for")
    byline = article.select_one(".byline a.byline__author")
    assert byline["href"] == "/author/nino-kapanadze/" and "Nino Kapanadze" in byline.get_text()
    avatar = byline.select_one("img.avatar")
    assert avatar["alt"] == "" and (avatar["width"], avatar["height"]) == ("40", "40")
    assert avatar["src"].startswith("/images/derived/nino-kapanadze-avatar-40x40-")
    assert "80x80" in avatar["srcset"]  # a 2x square crop for sharp screens
    times = article.select(".column__meta time")
    assert [t["datetime"][:10] for t in times] == ["2025-09-08", "2025-09-10"]  # published, updated
    assert re.fullmatch(r"\d+ min read", article.select(".column__meta span")[-1].get_text(strip=True))
    figure = article.select_one("figure")
    assert figure is not None, "cover image missing"
    assert figure.find("img")["alt"] and figure.find("figcaption").get_text(strip=True)
    assert len(article.select(".column__body p")) > 5
    tags = [(a.get_text(), a["href"]) for a in article.select("nav.tags a")]
    assert tags == [("Press freedom", "/tag/press-freedom/"), ("Civil society", "/tag/civil-society/"),
                    ("Legislation", "/tag/legislation/")]
    canonical = page.select_one('link[rel="canonical"]')["href"]
    assert canonical == "/columns/the-quiet-arithmetic-of-foreign-agent-laws/"
    assert page.select_one("title").get_text().endswith("— The Ridge Ledger")


def test_every_column_page_has_title_byline_and_body(demo_site):
    pages = sorted((demo_site / "columns").glob("*/index.html"))
    assert len(pages) == 17  # 18 demo columns, one of them a draft
    for path in pages:
        page = soup(path)
        assert page.select_one("main h1"), path
        assert page.select(".byline a[href^='/author/']"), path
        assert page.select_one(".column__body").get_text(strip=True), path


def test_drafts_are_never_written_or_listed(demo_site):
    assert not (demo_site / "columns" / "wine-exports-and-the-weather").exists()
    assert not (demo_site / "drafts").exists()
    everything = " ".join(p.read_text(encoding="utf-8") for p in demo_site.rglob("*.html"))
    assert "wine-exports-and-the-weather" not in everything


def test_scheduled_columns_wait_for_their_date(content_copy, tmp_path):
    path = content_copy / "columns/2026/subtitles-are-a-political-choice.md"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^date: .*$", "date: 2026-12-24 09:00 +04:00", text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")
    output = tmp_path / "out"
    assert build(output, content_copy).ok
    assert not (output / "columns/subtitles-are-a-political-choice").exists()
    later = tmp_path / "later"
    assert build(later, content_copy, BUILD_TIME=dt.datetime(2026, 12, 25, tzinfo=dt.UTC)).ok
    assert (later / "columns/subtitles-are-a-political-choice/index.html").exists()


def test_home_page(demo_site):
    page = soup(demo_site / "index.html")
    nav = page.select_one('header nav[aria-label="Sections"]')
    assert [a.get_text() for a in nav.select("a")] == ["Insider", "Commentary", "Economy", "Culture"]
    lead = page.select_one(".home-lead .teaser__title a")
    assert lead["href"] == "/columns/a-library-card-in-three-alphabets/"  # newest published
    latest = page.select(".home-latest .teaser-list > li")
    assert len(latest) == 11  # 12 per page, minus the lead
    assert page.select_one('nav.pagination a[rel="next"]')["href"] == "/page/2/"
    assert (demo_site / "page/2/index.html").exists()
    footer = page.select_one("footer")
    assert footer.select_one('a[href="/about/"]') and footer.select_one('a[href="/membership/"]')


def test_section_page(demo_site):
    page = soup(demo_site / "section/economy/index.html")
    assert page.select_one("h1").get_text() == "Economy"
    assert page.select_one(".listing-header__lede").get_text(strip=True)
    items = page.select(".teaser-list .teaser")
    assert items and all(t.select_one(".section-label").get_text(strip=True) == "Economy" for t in items)
    assert page.select_one('nav[aria-label="Sections"] a[aria-current="page"]').get_text() == "Economy"
    # the section bar is rendered once per section and build: other pages mark their own section, or none
    culture = soup(demo_site / "section/culture/index.html")
    assert culture.select_one('nav[aria-label="Sections"] a[aria-current="page"]').get_text() == "Culture"
    assert not soup(demo_site / "index.html").select('nav[aria-label="Sections"] a[aria-current]')
    assert not soup(demo_site / "about/index.html").select('nav[aria-label="Sections"] a[aria-current]')


def test_author_page(demo_site):
    page = soup(demo_site / "author/nino-kapanadze/index.html")
    header = page.select_one(".author-profile")
    assert header.select_one("h1").get_text() == "Nino Kapanadze"
    assert header.select_one("img.avatar")
    assert header.select_one(".author-profile__role").get_text(strip=True)
    assert header.select_one(".author-profile__bio p")
    links = header.select(".author-profile__links a")
    assert links and all(a["href"].startswith("https://") for a in links)
    columns = page.select(".teaser-list .teaser")
    assert len(columns) >= 2
    no_photo = soup(demo_site / "author/elvin-huseynov/index.html")
    generated = no_photo.select_one(".author-profile img.avatar--generated")
    assert generated["src"].startswith("/images/derived/initials-elvin-huseynov-128-")


def test_tag_pages_and_pagination_patterns(demo_site):
    page = soup(demo_site / "tag/press-freedom/index.html")
    assert page.select_one("h1").get_text() == "Press freedom"
    assert len(page.select(".teaser-list .teaser")) == 6
    assert soup(demo_site / "tags/index.html").select('a[href="/tag/press-freedom/"]')
    assert (demo_site / "archive/index.html").exists() and (demo_site / "archive/2025/index.html").exists()


def test_pagination_never_collides(content_copy, tmp_path):
    """Tag 'topic4' page 8 and tag 'topic48' must be different files."""
    for i in range(20):
        path = content_copy / f"columns/2026/bulk-{i}.md"
        path.write_text(
            f"---\ntitle: Bulk {i}\ndate: 2026-01-{i + 1:02d} 10:00 +04:00\nsection: economy\n"
            f"authors: [nino-kapanadze]\ntags: [topic4]\n---\n\nText {i}.\n",
            encoding="utf-8",
        )
    (content_copy / "columns/2026/bulk-48.md").write_text(
        "---\ntitle: Forty-eight\ndate: 2026-02-01 10:00 +04:00\nsection: economy\n"
        "authors: [nino-kapanadze]\ntags: [topic48]\n---\n\nText.\n",
        encoding="utf-8",
    )
    output = tmp_path / "out"
    assert build(output, content_copy, DEFAULT_PAGINATION=2).ok
    assert (output / "tag/topic4/page/10/index.html").exists()
    assert (output / "tag/topic48/index.html").exists()
    assert "Forty-eight" in (output / "tag/topic48/index.html").read_text(encoding="utf-8")
    page8 = soup(output / "tag/topic4/page/8/index.html")
    assert "Forty-eight" not in page8.get_text()


def test_editor_text_is_escaped(content_copy, tmp_path):
    path = content_copy / "columns/2026/escape.md"
    path.write_text(
        '---\ntitle: "Q&A: <b>bold</b> \\"quoted\\""\ndate: 2026-01-05 10:00 +04:00\nsection: economy\n'
        'authors: [nino-kapanadze]\nsummary: "1 < 2 & <img src=x onerror=alert(1)>"\ntags: ["<i>tag</i>"]\n'
        "---\n\nBody text.\n",
        encoding="utf-8",
    )
    output = tmp_path / "out"
    assert build(output, content_copy).ok
    html = (output / "columns/escape/index.html").read_text(encoding="utf-8")
    assert "<b>bold</b>" not in html and "<img src=x" not in html and "<i>tag</i>" not in html
    page = soup(output / "columns/escape/index.html")
    assert page.select_one("h1").get_text() == 'Q&A: <b>bold</b> "quoted"'
    assert page.select_one(".standfirst").get_text() == "1 < 2 & <img src=x onerror=alert(1)>"


def test_no_inline_script_and_nothing_from_third_parties(demo_site):
    for path in demo_site.rglob("*.html"):
        page = soup(path)
        for script in page.find_all("script"):
            assert script.get("src", "").startswith("/"), f"inline or foreign script in {path}"
        for tag in page.find_all(["link", "img", "source", "script", "iframe"]):
            for attr in ("src", "href", "srcset"):
                value = tag.get(attr) or ""
                if tag.name == "link" and tag.get("rel") in (["canonical"], ["alternate"]):
                    continue
                assert not value.startswith(("http://", "https://", "//")), f"{path}: {tag}"


def test_production_build_uses_absolute_canonical_urls(demo_site_prod):
    page = soup(demo_site_prod / "index.html")
    assert page.select_one('link[rel="canonical"]')["href"] == "https://ridgeledger.example/"


def test_every_build_reports_its_own_warnings(content_copy, tmp_path, caplog):
    """Pelican drops repeated log messages process-wide; a second build must warn again."""
    import logging

    bad_log = content_copy.parent / "analytics"
    bad_log.mkdir()
    (bad_log / "access.log").write_text("this is not a log line\n", encoding="utf-8")
    for run in ("first", "second"):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            assert build(tmp_path / run, content_copy, POPULAR_ANALYTICS_DIR=str(bad_log)).ok
        assert "access.log: 1 unknown format" in caplog.text, f"{run} build did not report the bad file"

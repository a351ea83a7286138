"""Most Popular on the built site: home, column and section pages, provenance, fallback."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from conftest import build, soup

FIXTURES = Path(__file__).parent / "fixtures" / "analytics"


def popular_titles(page: Path) -> list[str]:
    section = soup(page).select_one("section.popular")
    return [a.get_text() for a in section.select("a.popular__title")] if section else []


def test_demo_site_ranks_from_the_shipped_access_log(demo_site):
    titles = popular_titles(demo_site / "index.html")
    assert titles[:2] == ["Armenia's parliamentary vote is not a referendum on peace",
                          "A library card in three alphabets"]
    assert len(titles) == 5
    first = soup(demo_site / "index.html").select_one("section.popular li")
    assert "41 views" in first.get_text()
    assert soup(demo_site / "index.html").select_one("section.popular h2").get_text() == "Most popular"


def test_column_page_never_lists_itself_and_still_shows_five(demo_site):
    page = demo_site / "columns/a-library-card-in-three-alphabets/index.html"
    titles = popular_titles(page)
    assert "A library card in three alphabets" not in titles
    assert len(titles) == 5
    picks = soup(demo_site / "columns/what-we-got-wrong-in-2025/index.html").select_one("section.picks")
    assert "What we got wrong in 2025" not in picks.get_text()


def test_section_page_shows_its_own_ranking(demo_site):
    page = demo_site / "section/economy/index.html"
    assert soup(page).select_one("section.popular h2").get_text() == "Most popular in Economy"
    titles = popular_titles(page)
    assert titles[:2] == ["The tourism boom eats its own city", "Energy bills and the winter vote"]
    assert "Wine exports and the weather" not in titles  # a draft, though it has hits in the log


def test_provenance_file_is_written_and_not_linked(demo_site):
    data = json.loads((demo_site / "popular/provenance.json").read_text(encoding="utf-8"))
    assert data["window"]["first_day"] == "2026-11-13" and data["window"]["last_day"] == "2026-11-19"
    assert data["sources"][0]["file"] == "data/analytics/access.log"
    assert data["rows_skipped"]["bot user agent"] == 2
    assert data["rows_skipped"]["draft or scheduled column"] == 1
    assert [e["views"] for e in data["ranking"]] == sorted((e["views"] for e in data["ranking"]), reverse=True)
    assert data["ranking"][0]["slug"] == "armenias-parliamentary-vote-is-not-a-referendum-on-peace"
    assert {"path": "/section/economy", "views": 1} in data["unknown_paths"]
    for html in demo_site.rglob("*.html"):
        assert "provenance.json" not in html.read_text(encoding="utf-8"), html


def test_every_format_together_with_an_alias(tmp_path, content_copy):
    analytics = tmp_path / "analytics"
    analytics.mkdir()
    shutil.copy(FIXTURES / "umami-pages-20261113-20261119.csv", analytics)
    (analytics / "umami-pages-20261113-20261119.csv").write_text(
        "x,y\n/columns/renamed-old-name/,15\n/columns/gyumri-after-the-festival/,4\n", encoding="utf-8")
    column_file = content_copy / "columns/2025/gyumri-after-the-festival.md"
    text = column_file.read_text(encoding="utf-8")
    column_file.write_text(text.replace("section: culture\n", "section: culture\naliases: [renamed-old-name]\n", 1),
                           encoding="utf-8")
    result = build(tmp_path / "out", content_copy, POPULAR_ANALYTICS_DIR=str(analytics))
    assert result.ok, result.errors
    first = soup(tmp_path / "out" / "index.html").select_one("section.popular li")
    assert "Gyumri after the festival" in first.get_text() and "19 views" in first.get_text()


def test_no_data_falls_back_to_picks_then_latest_and_logs_it(tmp_path, content_copy, caplog):
    empty = tmp_path / "no-analytics"
    empty.mkdir()
    with caplog.at_level(logging.WARNING):
        result = build(tmp_path / "out", content_copy, POPULAR_ANALYTICS_DIR=str(empty))
    assert result.ok, result.errors
    titles = popular_titles(tmp_path / "out" / "index.html")
    assert titles[:3] == ["Armenia's parliamentary vote is not a referendum on peace",
                          "What we got wrong in 2025", "The quiet arithmetic of foreign agent laws"]
    assert titles[3] == "A library card in three alphabets"  # the latest published column
    assert ("Most Popular: analytics ranked 0 of 5 columns; filled 3 from Editor's Picks "
            "and 2 from the latest columns") in caplog.text
    data = json.loads((tmp_path / "out/popular/provenance.json").read_text(encoding="utf-8"))
    assert data["fallback"] == {"from_editors_picks": 3, "from_latest": 2}
    assert [e["source"] for e in data["ranking"]] == ["editors_pick"] * 3 + ["latest"] * 2


def test_garbage_input_is_reported_never_fatal(tmp_path, content_copy, caplog):
    analytics = tmp_path / "analytics"
    analytics.mkdir()
    (analytics / "mystery.csv").write_text("when,who\n1,2\n", encoding="utf-8")
    (analytics / "access.log.gz").write_bytes(b"\x1f\x8b\x08\x00broken")
    with caplog.at_level(logging.WARNING):
        result = build(tmp_path / "out", content_copy, POPULAR_ANALYTICS_DIR=str(analytics))
    assert result.ok, result.errors
    assert "Most Popular: data/analytics/mystery.csv" not in caplog.text
    assert f"Most Popular: {analytics.parent.name}/analytics/mystery.csv: 2 unknown format" in caplog.text
    data = json.loads((tmp_path / "out/popular/provenance.json").read_text(encoding="utf-8"))
    assert data["problems"] == {"file truncated or corrupt (gzip)": 1, "unknown format": 2}


def test_bad_setting_names_the_option(tmp_path):
    result = build(tmp_path / "out", POPULAR_TOP_N=0)
    assert not result.ok
    assert "POPULAR_TOP_N must be a whole number of at least 1, not 0" in result.errors[0]


def test_a_second_build_takes_unchanged_analytics_as_the_first_read_them(tmp_path, content_copy, caplog,
                                                                         monkeypatch):
    from content_model import validate

    monkeypatch.setattr(validate, "_SETTLED_NS", 0)  # the copied files count as settled at once
    analytics = tmp_path / "analytics"
    shutil.copytree(FIXTURES, analytics)
    options = {"POPULAR_ANALYTICS_DIR": str(analytics), "CACHE_ROOT": str(tmp_path / "cache")}
    assert build(tmp_path / "out", content_copy, **options).ok
    provenance = (tmp_path / "out" / "popular" / "provenance.json").read_text(encoding="utf-8")
    column = next((content_copy / "columns").rglob("*.md"))
    column.write_text(column.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="popular"):
        assert build(tmp_path / "out", content_copy, **options).ok
    files = len(list(analytics.iterdir()))
    assert f"{files} of {files} source(s) unchanged since the last build" in caplog.text
    assert (tmp_path / "out" / "popular" / "provenance.json").read_text(encoding="utf-8") == provenance

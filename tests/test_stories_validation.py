"""Every bad story or outlet input: a ContentError with the file, the line and what to do."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import build
from stories.model import coverage_key, load_stories
from stories.settings import read_story_settings

TZ = ZoneInfo("Asia/Tbilisi")

OUTLETS = """\
- id: left-paper
  name: Left Paper
  url: https://left.example
  lean: left
  factuality: high
  ownership: Private
  country: Georgia
  rating_source: Desk review, 2026
- id: right-paper
  name: Right Paper
  url: https://right.example
  lean: right
  rating_source: Desk review, 2026
- id: nobody-knows
  name: Nobody Knows
  url: https://unknown.example
"""

STORY = """\
---
title: A test story
date: 2026-05-01 10:00 +04:00
related: [energy-bills-and-the-winter-vote]
coverage:
  - outlet: left-paper
    title: First piece
    url: https://left.example/first
    date: 2026-04-30
    excerpt: Our own excerpt.
  - outlet: right-paper
    title: Second piece
    url: https://right.example/second
    date: 2026-04-30
    excerpt: Our own excerpt.
---

The summary.
"""


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `needle` (so tests never hard-code lines)."""
    hits = [i + 1 for i, line in enumerate(text.split("\n")) if needle in line]
    return hits[occurrence - 1]


def check(tmp_path: Path, story: str = STORY, outlets: str = OUTLETS, **settings):
    content = tmp_path / "content"
    (content / "stories").mkdir(parents=True, exist_ok=True)
    (content / "outlets.yml").write_text(outlets, encoding="utf-8")
    (content / "stories" / "test-story.md").write_text(story, encoding="utf-8")
    _outlets, records, errors = load_stories(
        content, read_story_settings(settings), TZ,
        columns={"energy-bills-and-the-winter-vote"}, authors={"nino-kapanadze"},
    )
    return records, errors


def only(errors):
    assert len(errors) == 1, errors
    return errors[0]


def test_the_valid_story_has_no_errors(tmp_path):
    records, errors = check(tmp_path)
    assert errors == []
    assert records[0].slug == "test-story"


def test_unknown_outlet(tmp_path):
    story = STORY.replace("outlet: right-paper", "outlet: rihgt-paper")
    error = only(check(tmp_path, story)[1])
    assert error.path == "content/stories/test-story.md"
    assert error.line == line_of(story, "outlet: rihgt-paper")
    assert error.field == "coverage[2].outlet"
    assert "unknown outlet" in error.message and "did you mean 'right-paper'" in error.message
    assert "content/outlets.yml" in error.message


def test_lean_outside_the_configured_scale(tmp_path):
    outlets = OUTLETS.replace("lean: right\n", "lean: far right\n")
    error = only(check(tmp_path, outlets=outlets)[1])
    assert error.path == "content/outlets.yml"
    assert error.line == line_of(outlets, "lean: far right")
    assert error.field == "lean"
    assert "'far right' is not on the lean scale (left, lean left, center, lean right, right, unknown)" in error.message


def test_lean_checked_against_a_custom_scale(tmp_path):
    _records, errors = check(tmp_path, STORY_LEAN_SCALE=["independent", "state-affiliated"])
    assert [(e.line, e.field) for e in errors] == [(line_of(OUTLETS, "lean: left"), "lean"),
                                                   (line_of(OUTLETS, "lean: right"), "lean")]
    assert "(independent, state-affiliated, unknown)" in errors[0].message


def test_a_rating_without_its_source_is_refused(tmp_path):
    outlets = OUTLETS.replace("  lean: right\n  rating_source: Desk review, 2026\n", "  lean: right\n")
    error = only(check(tmp_path, outlets=outlets)[1])
    assert error.line == line_of(outlets, "lean: right")
    assert error.field == "rating_source"
    assert "say where the lean rating 'right' of 'right-paper' came from" in error.message


@pytest.mark.parametrize("url,expected", [
    ("ftp://left.example/file", "is not an allowed link (http(s)://)"),
    ("javascript:alert(1)", "uses a scheme that can run code; use an https:// link"),
    ("/relative/path", "is not an allowed link (http(s)://)"),
    ("left.example/no-scheme", "is not an allowed link (http(s)://)"),
    ("https://", "has no host name"),
])
def test_coverage_url_must_be_http_or_https(tmp_path, url, expected):
    story = STORY.replace("url: https://right.example/second", f'url: "{url}"')
    errors = check(tmp_path, story)[1]
    url_errors = [e for e in errors if e.field == "coverage[2].url"]
    error = only(url_errors)
    assert error.line == line_of(story, 'url: "')
    assert expected in error.message
    # a script URL is also caught by the site-wide front-matter check, on the same line
    assert all(e.line == error.line for e in errors)


def test_outlet_home_url_must_be_http_or_https(tmp_path):
    outlets = OUTLETS.replace("url: https://unknown.example", "url: mailto:desk@unknown.example")
    error = only(check(tmp_path, outlets=outlets)[1])
    assert error.line == line_of(outlets, "url: mailto:")
    assert error.field == "outlets[3].url"
    assert "is not an allowed link (http(s)://)" in error.message


@pytest.mark.parametrize("field", ["title", "date"])
def test_missing_title_or_date(tmp_path, field):
    story = "\n".join(line for line in STORY.split("\n") if not line.startswith(f"{field}:"))
    error = only(check(tmp_path, story)[1])
    assert error.path == "content/stories/test-story.md"
    assert error.field == field
    assert error.message == "is required"
    assert error.line == 2  # the start of the front-matter: the field is nowhere


def test_missing_coverage_date_points_at_the_entry(tmp_path):
    story = STORY.replace("    date: 2026-04-30\n", "", 1)
    error = only(check(tmp_path, story)[1])
    assert error.field == "coverage[1].date"
    assert error.message == "is required"
    assert error.line == line_of(story, "- outlet: left-paper")


def test_duplicate_coverage_entries(tmp_path):
    duplicate = """\
  - outlet: left-paper
    title: The first piece again
    url: http://www.left.example/first/
    date: 2026-04-30
    excerpt: Same article, link written differently.
---"""
    story = STORY.replace("---\n\nThe summary.", duplicate + "\n\nThe summary.")
    error = only(check(tmp_path, story)[1])
    assert error.field == "coverage[3]"
    assert error.line == line_of(story, "- outlet: left-paper", 2)
    assert "duplicates coverage[1]" in error.message


def test_same_outlet_and_title_is_a_duplicate_too(tmp_path):
    duplicate = """\
  - outlet: right-paper
    title: second PIECE
    url: https://right.example/second-updated
    date: 2026-05-01
    excerpt: Republished under another link.
---"""
    story = STORY.replace("---\n\nThe summary.", duplicate + "\n\nThe summary.")
    error = only(check(tmp_path, story)[1])
    assert error.line == line_of(story, "- outlet: right-paper", 2)
    assert "duplicates coverage[2]" in error.message


def test_coverage_key_ignores_how_a_link_is_written():
    assert coverage_key("https://www.Left.example/a/") == coverage_key("http://left.example/a#top")
    assert coverage_key("https://left.example/a?id=1") != coverage_key("https://left.example/a?id=2")


def test_unknown_related_column(tmp_path):
    story = STORY.replace("related: [energy-bills-and-the-winter-vote]",
                          "related: [energy-bills-and-the-winter-vote, energy-bills-and-the-winter]")
    error = only(check(tmp_path, story)[1])
    assert error.field == "related"
    assert error.line == line_of(story, "related:")
    assert "unknown column slug 'energy-bills-and-the-winter'" in error.message


def test_unknown_author(tmp_path):
    story = STORY.replace("related:", "authors: [nino-kapanadz]\nrelated:")
    error = only(check(tmp_path, story)[1])
    assert (error.field, error.line) == ("authors", line_of(story, "authors:"))
    assert "did you mean 'nino-kapanadze'" in error.message


def test_empty_coverage_and_duplicate_outlet_ids(tmp_path):
    story = STORY.split("coverage:")[0] + "coverage: []\n---\n\nThe summary.\n"
    outlets = OUTLETS + "- id: left-paper\n  name: Copy\n  url: https://copy.example\n"
    errors = check(tmp_path, story, outlets)[1]
    assert sorted((e.path, e.line, e.field, e.message) for e in errors) == [
        ("content/outlets.yml", line_of(outlets, "- id: left-paper", 2), "id",
         "outlet 'left-paper' is listed twice; keep one"),
        ("content/stories/test-story.md", line_of(story, "coverage: []"), "coverage", "needs at least one entry"),
    ]


def test_stories_without_outlets_file(tmp_path):
    content = tmp_path / "content"
    (content / "stories").mkdir(parents=True)
    (content / "stories" / "s.md").write_text(STORY, encoding="utf-8")
    _o, _r, errors = load_stories(content, read_story_settings({}), TZ, columns=set(), authors=set())
    messages = [(e.path, e.field, e.message) for e in errors]
    assert ("content/outlets.yml", "file",
            "is missing; stories need it to name and rate the outlets they cite") in messages


def test_the_build_fails_listing_every_story_problem_with_the_rest(tmp_path, content_copy):
    story_path = content_copy / "stories" / "georgia-raises-winter-electricity-tariffs.md"
    text = story_path.read_text(encoding="utf-8")
    text = text.replace("outlet: kura-daily", "outlet: kura-dialy")
    text = text.replace("url: https://highland-wire.example/energy/power-prices-december",
                        "url: ftp://highland-wire.example/energy/power-prices-december")
    story_path.write_text(text, encoding="utf-8")
    result = build(tmp_path / "out", content_copy)
    assert not result.ok
    report = result.errors[0]
    display = "content/stories/georgia-raises-winter-electricity-tariffs.md"
    assert f"{display}:{line_of(text, 'outlet: kura-dialy')}: coverage[3].outlet: unknown outlet 'kura-dialy'" in report
    assert f"{display}:{line_of(text, 'url: ftp://')}: coverage[2].url: 'ftp://" in report
    assert not (tmp_path / "out").exists()

"""Related cards in the built demo site, the unknown-slug error, and `invoke related` output."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BUILD_TIME, ROOT, build, soup

EXPLICIT = "after-the-vote-counting-the-journalists"  # related: [foreign-agent laws, newsroom]
DRAFT = "wine-exports-and-the-weather"


def cards(page: Path) -> list:
    section = soup(page).select_one("section.related")
    return section.select("li > article.card") if section else []


def card_slugs(page: Path) -> list[str]:
    return [card.select_one(".card__title a")["href"].strip("/").split("/")[-1] for card in cards(page)]


def test_column_page_shows_related_cards_explicit_first(demo_site):
    page = demo_site / "columns" / EXPLICIT / "index.html"
    section = soup(page).select_one("section.related")
    heading = section.select_one("h2")
    assert heading.get_text(strip=True) == "Related Articles"
    assert section["aria-labelledby"] == heading["id"]
    slugs = card_slugs(page)
    assert slugs[:2] == ["the-quiet-arithmetic-of-foreign-agent-laws", "a-newsroom-in-a-suitcase"]
    assert len(slugs) == 3


def test_each_card_has_one_link_section_authors_excerpt_and_decorative_images(demo_site):
    seen_image = False
    for page in (demo_site / "columns").glob("*/index.html"):
        for card in cards(page):
            links = card.select("a")
            assert len(links) == 1 and links[0].parent.name == "h3"
            assert card.select_one(".card__section").get_text(strip=True)
            assert card.select(".card__author")
            for image in card.select("img"):
                assert image["alt"] == ""
                seen_image = seen_image or "card__image" in image.get("class", [])
            excerpt = card.select_one(".card__excerpt").get_text()
            assert "<" not in excerpt and "&amp;" not in excerpt
            assert len(excerpt) <= 161
    assert seen_image, "no card in the demo shows a thumbnail"


def test_drafts_and_the_column_itself_are_never_cards(demo_site):
    assert not (demo_site / "columns" / DRAFT).exists()
    pages = list((demo_site / "columns").glob("*/index.html"))
    assert len(pages) > 10
    for page in pages:
        slugs = card_slugs(page)
        assert DRAFT not in slugs
        assert page.parent.name not in slugs
        assert len(slugs) == len(set(slugs))


def test_two_builds_give_the_same_cards(demo_site, tmp_path):
    again = tmp_path / "again"
    result = build(again)
    assert result.ok, result.errors
    for page in (demo_site / "columns").glob("*/index.html"):
        assert card_slugs(page) == card_slugs(again / "columns" / page.parent.name / "index.html")


def test_unknown_related_slug_fails_the_build_naming_file_and_line(content_copy, tmp_path):
    path = content_copy / "columns" / "2026" / f"{EXPLICIT}.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    number = next(n for n, line in enumerate(lines, 1) if line.startswith("related:"))
    lines[number - 1] = "related: [the-quiet-arithmetic-of-foreign-agent-law]"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = build(tmp_path / "out", content=content_copy)
    assert not result.ok
    assert (f"content/columns/2026/{EXPLICIT}.md:{number}: related: unknown column slug "
            "'the-quiet-arithmetic-of-foreign-agent-law'; did you mean "
            "'the-quiet-arithmetic-of-foreign-agent-laws'?") in "\n".join(result.errors)


@pytest.fixture
def pinned_now(monkeypatch):
    # explain() reads pelicanconf.py; pin "now" like the test builds do
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(BUILD_TIME.timestamp())))


def test_explain_lists_cards_and_each_signal(pinned_now, demo_site):
    from related.explain import explain

    text = explain(EXPLICIT, ROOT / "pelicanconf.py", limit=5)
    assert "1. the-quiet-arithmetic-of-foreign-agent-laws  [explicit (related: in front-matter)]" in text
    assert "2. a-newsroom-in-a-suitcase  [explicit" in text
    for column in ("score", "tags", "text", "section", "author", "recency"):
        assert column in text
    # the third card is the same column the built page shows
    third = card_slugs(demo_site / "columns" / EXPLICIT / "index.html")[2]
    assert f"3. {third}  [score " in text


def test_explain_rejects_unknown_and_explains_drafts(pinned_now):
    from related.explain import explain

    with pytest.raises(LookupError, match="no column with slug 'after-the-vote'; did you mean"):
        explain("after-the-vote", ROOT / "pelicanconf.py")
    assert "is a draft or scheduled" in explain(DRAFT, ROOT / "pelicanconf.py")


def test_the_invoke_related_task_prints_the_explanation_and_fails_on_an_unknown_slug():
    import os
    import subprocess
    import sys

    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(BUILD_TIME.timestamp()))}
    invoke = str(Path(sys.executable).with_name("invoke"))
    shown = subprocess.run([invoke, "related", EXPLICIT, "--limit", "3"], cwd=ROOT, env=env,
                           capture_output=True, text=True, check=False)
    assert shown.returncode == 0, shown.stderr
    assert "1. the-quiet-arithmetic-of-foreign-agent-laws  [explicit (related: in front-matter)]" in shown.stdout
    unknown = subprocess.run([invoke, "related", "after-the-vote"], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=False)
    assert unknown.returncode == 1
    assert "no column with slug 'after-the-vote'; did you mean" in unknown.stderr

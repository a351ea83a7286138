"""Related lists ranked in a child while Pelican reads (related/ahead.py), and what they read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import related
from conftest import BUILD_TIME, ROOT, build
from content_model.dates import site_timezone
from content_model.parse_cache import parse_files
from content_model.validate import FileChecker, content_files, validate_content
from pelican import signals
from related import ahead
from related.explain import _render_bodies
from related.items import items_from_records
from related.ranker import RelatedIndex
from related.settings import read_settings as read_related_settings
from test_related_site import card_slugs

TZ = site_timezone("Asia/Tbilisi")


@pytest.fixture
def takes(monkeypatch) -> list[bool]:
    """Whether each build took the child's lists (True) or ranked the articles itself (False)."""
    taken: list[bool] = []
    real_take = ahead.RankingAhead.take

    def take(self, expected_view):
        lists = real_take(self, expected_view)
        taken.append(lists is not None)
        return lists

    monkeypatch.setattr(ahead.RankingAhead, "take", take)
    return taken


def all_cards(output: Path) -> dict[str, list[str]]:
    return {page.parent.name: card_slugs(page) for page in sorted((output / "columns").glob("*/index.html"))}


def in_process_cards(tmp_path: Path, monkeypatch, **overrides) -> dict[str, list[str]]:
    with monkeypatch.context() as patch:
        patch.setattr(related, "start_ranking", lambda *args: None)
        result = build(tmp_path / "alone", CACHE_ROOT=str(tmp_path / "alone-cache"), **overrides)
    assert result.ok, result.errors
    return all_cards(tmp_path / "alone")


def test_the_build_takes_the_childs_lists_and_they_are_the_ones_ranking_the_articles_gives(
        tmp_path, monkeypatch, takes):
    result = build(tmp_path / "out", CACHE_ROOT=str(tmp_path / "cache"))
    assert result.ok, result.errors
    assert takes == [True]
    cards = all_cards(tmp_path / "out")
    assert sum(len(slugs) for slugs in cards.values()) > 20
    assert cards == in_process_cards(tmp_path, monkeypatch)


def test_articles_changed_after_reading_are_ranked_as_they_are(tmp_path, monkeypatch, takes):
    # a plugin that retags a column after Pelican read it: the child ranked the old tags
    def retag(generator):
        for article in generator.articles:
            if article.slug == "a-newsroom-in-a-suitcase":
                article.tags = [*article.tags, *next(a for a in generator.articles
                                                    if a.slug == "the-quiet-arithmetic-of-foreign-agent-laws").tags]

    signals.article_generator_finalized.connect(retag)
    try:
        result = build(tmp_path / "out", CACHE_ROOT=str(tmp_path / "cache"))
        assert result.ok, result.errors
        expected = in_process_cards(tmp_path, monkeypatch)
    finally:
        signals.article_generator_finalized.disconnect(retag)
    assert takes == [False]
    cards = all_cards(tmp_path / "out")
    assert cards == expected
    assert "the-quiet-arithmetic-of-foreign-agent-laws" in cards["a-newsroom-in-a-suitcase"]


def test_a_child_that_fails_leaves_the_ranking_to_the_build(tmp_path, monkeypatch, takes, demo_site):
    def broken(*args):
        raise RuntimeError("ranking failed in the child")

    monkeypatch.setattr(ahead, "_rank", broken)
    result = build(tmp_path / "out", CACHE_ROOT=str(tmp_path / "cache"))
    assert result.ok, result.errors
    assert takes == [False]
    assert all_cards(tmp_path / "out") == all_cards(demo_site)


def test_the_build_shows_the_cards_invoke_related_explains(demo_site):
    # the ranking reads each column's own body, not the membership block placed into it
    index, errors = validate_content(ROOT / "content", TZ)
    assert not errors
    bodies, standfirsts = _render_bodies(index.columns)
    items, _ = items_from_records(index.columns, bodies, standfirsts, BUILD_TIME)
    from pelican.settings import read_settings

    explained = RelatedIndex(items, read_related_settings(read_settings(str(ROOT / "pelicanconf.py"))))
    built = all_cards(demo_site)
    assert len(built) > 10
    for slug, slugs in built.items():
        assert explained.related_id_lists([slug])[0] == slugs, slug


def validated_index(content: Path):
    files = content_files(content)
    parses = parse_files(files, None, workers=1, checker=FileChecker(TZ))
    index, errors = validate_content(content, TZ, parses, files)
    assert not errors
    return index


class Generator:
    def __init__(self, index, settings: dict):
        self.context = {"site_index": index}
        self.settings = settings


def test_one_child_per_build_and_a_build_that_never_takes_its_lists_leaves_no_process(
        tmp_path, forked_pids):
    settings = {"BUILD_TIME": BUILD_TIME}  # no CACHE_ROOT: nothing written
    index = validated_index(ROOT / "content")
    first = Generator(index, settings)
    for _ in range(3):  # Pelican sends the signal before every file it reads
        related.rank_ahead(first)
    assert len(forked_pids) == 1
    related.rank_ahead(Generator(index, settings))  # the next build: the first one failed
    assert len(forked_pids) == 2
    with pytest.raises(ChildProcessError):
        os.waitpid(forked_pids[0], os.WNOHANG)  # reaped
    _, pending = related._AHEAD.popitem()
    assert pending[1].take(b"not the view") is None  # ranked, but not what is asked for
    with pytest.raises(ChildProcessError):
        os.waitpid(forked_pids[1], os.WNOHANG)


def test_the_view_is_the_same_whatever_order_or_sharing_of_equal_values():
    date = BUILD_TIME
    item = related.ranker.Item(id="a", title="T", section="s", tags=("x",), authors=("p",), text="",
                               date=date)
    other = related.ranker.Item(id="b", title="T", section="s", tags=("x",), authors=("p",), text="",
                                date=date)
    rows = [ahead.view_row(item, "stand", b"d1"), ahead.view_row(other, "stand", b"d2")]
    copies = [tuple(value if not isinstance(value, str) else "".join(value) for value in row) for row in rows]
    assert ahead.view_digest(rows) == ahead.view_digest(list(reversed(copies)))
    assert ahead.view_digest(rows) != ahead.view_digest([rows[0], ahead.view_row(other, "stand", b"d3")])

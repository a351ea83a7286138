"""Ranking: order, deterministic ties, minimum views, fallback to picks then latest."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from types import SimpleNamespace

from popular.ranking import newest_first, rank


def column(slug: str, day: int, section: str = "commentary", **extra) -> SimpleNamespace:
    return SimpleNamespace(slug=slug, date=dt.datetime(2026, 11, day, 9, tzinfo=dt.UTC),
                           section=section, title=slug.title(), url=f"columns/{slug}/", **extra)


COLUMNS = [column("a", 1), column("b", 2), column("c", 3), column("d", 4), column("e", 5), column("f", 6)]


def slugs(ranking) -> list[str]:
    return [entry.article.slug for entry in ranking.entries]


def test_most_views_first_with_counts():
    ranking = rank(COLUMNS, Counter(a=5, b=50, c=20), top_n=2, min_views=1, picks=[], keep=3)
    assert slugs(ranking) == ["b", "c", "a"]
    assert [e.views for e in ranking.entries] == [50, 20, 5]
    assert not ranking.filled


def test_ties_go_to_the_newer_column_then_the_slug():
    twins = [column("zeta", 3), column("alpha", 3), column("old", 1), column("new", 9)]
    ranking = rank(twins, Counter(zeta=7, alpha=7, old=7, new=7), top_n=4, min_views=1, picks=[], keep=4)
    assert slugs(ranking) == ["new", "alpha", "zeta", "old"]


def test_minimum_views_drops_the_long_tail():
    ranking = rank(COLUMNS, Counter(a=1, b=2, c=10), top_n=3, min_views=3, picks=[], keep=3)
    assert slugs(ranking)[0] == "c"
    assert ranking.below_min == 2
    assert [e.source for e in ranking.entries] == ["analytics", "latest", "latest"]


def test_unpublished_columns_never_rank_even_with_views():
    ranking = rank(COLUMNS, Counter(draft=1000, a=1), top_n=1, min_views=1, picks=[], keep=1)
    assert slugs(ranking) == ["a"]


def test_short_list_is_filled_from_picks_then_latest():
    picks = [COLUMNS[0], COLUMNS[2]]  # a, c
    ranking = rank(COLUMNS, Counter(c=4), top_n=4, min_views=1, picks=picks)
    assert slugs(ranking) == ["c", "a", "f", "e", "d"]  # c ranked; a from picks (c already in); then newest
    assert [e.source for e in ranking.entries] == ["analytics", "editors_pick", "latest", "latest", "latest"]
    assert (ranking.from_picks, ranking.from_latest) == (1, 2)  # the spare fifth is not counted


def test_no_data_at_all_is_all_fallback():
    ranking = rank(COLUMNS, Counter(), top_n=2, min_views=1, picks=[COLUMNS[1]], keep=2)
    assert slugs(ranking) == ["b", "f"]
    assert ranking.filled


def test_columns_given_newest_first_rank_as_columns_in_any_order():
    # compute() sorts once and hands every ranking its columns newest first
    shuffle = random.Random(4)
    columns = [column(f"c{i:02}", 1 + i % 7) for i in range(40)]
    views = Counter({f"c{i:02}": shuffle.choice([0, 0, 1, 2, 3, 9]) for i in range(40)})
    picks = [columns[5], columns[17]]
    for min_views, keep in ((1, 6), (3, 12), (2, 40)):
        shuffle.shuffle(columns)
        plain = rank(columns, views, top_n=keep - 1, min_views=min_views, picks=picks, keep=keep)
        ordered = rank(newest_first(columns), views, top_n=keep - 1, min_views=min_views, picks=picks,
                       keep=keep, sorted_newest_first=True)
        assert [(e.article.slug, e.views, e.source) for e in ordered.entries] == \
            [(e.article.slug, e.views, e.source) for e in plain.entries]
        assert (ordered.below_min, ordered.from_picks, ordered.from_latest) == \
            (plain.below_min, plain.from_picks, plain.from_latest)

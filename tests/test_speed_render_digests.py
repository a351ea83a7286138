"""Columns' digests computed in forked workers equal the ones computed in place
(output_writer/parallel_digests.py)."""

from __future__ import annotations

import pytest
from output_writer.page_keys import Unkeyable, ValueHasher
from output_writer.parallel_digests import precompute_article_digests
from pelican.contents import Article


def columns(count: int) -> list[Article]:
    items = [Article(f"<p>Body {n}</p>", metadata={"title": f"Column {n}", "slug": f"c{n}"},
                     source_path=f"/content/c{n}.md") for n in range(count)]
    for n, item in enumerate(items):
        item.related_articles = [items[(n + 1) % count], items[(n + 7) % count]]
    return items


def test_digests_from_the_workers_are_the_ones_computed_in_place():
    items = columns(900)
    items[5].unreadable = (n for n in range(3))  # unkeyable, and so are the two pointing at it
    hasher = ValueHasher()
    known = precompute_article_digests(hasher, items, workers=3)
    in_place = ValueHasher()
    keyable = 0
    for item in items:
        try:
            expected = in_place.digest(item)
        except Unkeyable:
            with pytest.raises(Unkeyable):
                hasher.digest(item)
            continue
        keyable += 1
        assert hasher.digest(item) == expected
    assert known == keyable == len(items) - 3


def test_one_worker_or_few_columns_compute_nothing_ahead():
    hasher = ValueHasher()
    assert precompute_article_digests(hasher, columns(900), workers=1) == 0
    assert precompute_article_digests(hasher, columns(20), workers=2) == 0

"""numpy candidates (candidates.py) are exactly those of the dict-per-query loop they replaced."""

from __future__ import annotations

import dataclasses
from itertools import repeat
from operator import mul
from types import SimpleNamespace

import numpy as np
import pytest
from related.bench import corpus
from related.candidates import best_candidates
from related.ranker import RelatedIndex, Tuning
from related.settings import RelatedSettings


def accumulated(vectors, query: int, weight: float) -> dict[int, float]:
    """The loop `ranker._accumulated` ran: postings added one by one into a dict."""
    scores: dict[int, float] = {}
    if not weight:
        return scores
    for key, query_weight in vectors.weights[query].items():
        entry = vectors.postings.get(key)
        if entry is None:
            continue
        positions, weights = entry
        for position, product in zip(positions, map(mul, repeat(weight * query_weight), weights), strict=False):
            scores[position] = scores.get(position, 0.0) + product
    scores.pop(query, None)
    return scores


def reference_candidates(index: RelatedIndex, text_vectors, query: int, size: int) -> tuple[list[int], list[float]]:
    """The first half of the old `RelatedIndex._shortlist`: the best `size` by text + tags."""
    settings = index.settings
    tags = accumulated(index._tags, query, settings.weight("tags"))
    text = accumulated(text_vectors, query, settings.weight("text"))
    total = text | tags
    for position in text.keys() & tags.keys():
        total[position] = text[position] + tags[position]
    if not settings.include_newer:
        total = {position: score for position, score in total.items() if index._days[position] <= index._days[query]}
    best = sorted(total, key=total.__getitem__, reverse=True)[:size]
    return best, [text.get(position, 0.0) for position in best]


@pytest.fixture(scope="module")
def items():
    items = corpus(700, seed=9, words_per_item=80)
    # exact duplicates under other ids: many equal scores, so the tie order is tested too
    return items + [dataclasses.replace(item, id=f"{item.id}-twin") for item in items[:150]]


@pytest.mark.parametrize(("settings", "tuning"), [
    (RelatedSettings(), Tuning()),
    (RelatedSettings(include_newer=False), Tuning()),
    (RelatedSettings(weights={"tags": 1.0, "text": 0.0, "section": 0.1}), Tuning()),
    (RelatedSettings(weights={"text": 0.7, "author": 0.2}), Tuning(postings_cap=3, terms_per_item=2)),
    (RelatedSettings(weights={"tags": 0.3, "text": 1.0}), Tuning(postings_cap=40, terms_indexed=40)),
])
@pytest.mark.parametrize("size", [1, 12, 60])
def test_candidates_equal_the_dict_loop(items, settings, tuning, size):
    index = RelatedIndex(items, settings, tuning)
    queries = np.arange(len(index.items))
    found = best_candidates(*index.ranking_arrays()[:2], queries,
                            (settings.weight("text"), settings.weight("tags")),
                            None if settings.include_newer else index.ranking_arrays()[2].days, size)
    # the text vectors as the dicts the old ranker kept (TextIndex makes them on each access)
    text_vectors = SimpleNamespace(weights=index._text.weights, postings=index._text.postings)
    expected = [reference_candidates(index, text_vectors, query, size) for query in range(len(index.items))]
    assert found == expected  # same items, same order, same floats
    assert sum(len(best) for best, _ in expected) > len(items) * min(size, 5) // 2  # real candidates


def test_a_query_with_no_postings_has_no_candidates():
    items = corpus(30, seed=2, words_per_item=20)
    lonely = dataclasses.replace(items[0], id="zz-lonely", tags=("Nowhere else",), text="qqxx", title="zzyy")
    index = RelatedIndex([*items, lonely], RelatedSettings())
    found = best_candidates(*index.ranking_arrays()[:2], np.array([index.position["zz-lonely"]]),
                            (1.0, 0.5), None, 10)
    assert found == [([], [])]


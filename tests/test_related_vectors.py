"""numpy TF-IDF vectors are bit for bit those of the plain item-by-item loop they replaced."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from related.bench import corpus
from related.cache import cached_term_matrix
from related.ranker import Tuning
from related.tokens import TermFolder, term_counts
from related.vectors import text_index


def reference_vectors(counts: list[dict[str, int]], tuning: Tuning):
    """The loop `ranker._text_vectors` ran before numpy: (query weights, postings)."""
    df: Counter[str] = Counter()
    for item_counts in counts:
        df.update(item_counts.keys())
    n = len(counts)
    max_df = n * tuning.max_df_ratio if n >= 20 else n
    idf = {term: math.log(1.0 + n / freq) for term, freq in df.items() if 2 <= freq <= max_df}
    weights, lists = [], {}
    for position, item_counts in enumerate(counts):
        weighted = sorted(((1.0 + math.log(count)) * idf[term], term)
                          for term, count in item_counts.items() if term in idf)[::-1]
        indexed = weighted[:tuning.terms_indexed]
        norm = math.sqrt(sum([weight * weight for weight, _ in indexed])) or 1.0
        for weight, term in indexed:
            lists.setdefault(term, []).append((position, weight / norm))
        query = indexed[:tuning.terms_per_item]
        norm = math.sqrt(sum([weight * weight for weight, _ in query])) or 1.0
        weights.append([(term, weight / norm) for weight, term in query])
    postings = {}
    for term, entries in lists.items():
        entries.sort(key=lambda entry: entry[1], reverse=True)
        positions, values = zip(*entries[:tuning.postings_cap], strict=True)
        postings[term] = (positions, values)
    return weights, postings


@pytest.mark.parametrize(("n", "words", "tuning"), [
    (600, 250, Tuning()),
    (300, 900, Tuning()),
    (120, 60, Tuning(terms_per_item=3, terms_indexed=5, postings_cap=4)),
    (12, 30, Tuning()),  # under 20 items: no document-frequency ceiling
    (1, 10, Tuning()),
])
def test_numpy_vectors_equal_the_plain_loop(n, words, tuning):
    items = corpus(n, seed=7, words_per_item=words)
    texts = [(item.title, item.text) for item in items]
    matrix, _ = cached_term_matrix(texts, None)
    index = text_index(matrix, tuning.terms_indexed, tuning.terms_per_item, tuning.postings_cap, tuning.max_df_ratio)
    folder = TermFolder()
    weights, postings = reference_vectors([dict(term_counts(title, text, folder)) for title, text in texts], tuning)
    assert [list(vector.items()) for vector in index.weights] == weights  # same floats, same order
    assert index.postings == postings
    assert any(weights) or n == 1


def test_weight_ties_go_to_the_greater_term():
    # every term once in every text but one, so all weights tie: (weight, term) order decides
    words = [f"q{letter}{other}" for letter in "abcdefgh" for other in "xyz"]
    texts = [("", " ".join(words[:k] + words[k + 1:])) for k in range(len(words))] * 2
    matrix, _ = cached_term_matrix(texts, None)
    index = text_index(matrix, 5, 3, 4, 0.99)
    weights, postings = reference_vectors([matrix.row(r) for r in range(len(matrix))], Tuning(
        terms_per_item=3, terms_indexed=5, postings_cap=4, max_df_ratio=0.99))
    assert [list(vector.items()) for vector in index.weights] == weights
    assert index.postings == postings
    assert list(index.weights[0]) == ["qhz", "qhy", "qhx"]

"""Every query's candidates at once: the postings accumulation in numpy, float for float.

A query's candidates are the items its postings lists lead to. For each signal (text, tags)
an item's accumulated score is the sum of signal weight x query weight x item weight over
the query's keys, added in the query's key order, then postings order; the candidates are
ranked by text + tags, ties going to the item seen first (text's items, then tags-only
ones). The plain way is a dict per query, filled one posting at a time in Python; here a
whole batch of queries goes through a few array operations that do the same IEEE
operations in the same order (products as (weight x query weight) x item weight, each sum
left to right from its first term), so the candidates and their scores are identical.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, pairwise

import numpy as np


@dataclass(frozen=True, slots=True)
class PostingArrays:
    """Postings lists and query vectors of one signal as compressed rows (keys numbered 0..K-1)."""

    starts: np.ndarray  # K + 1: key k's postings are positions/weights[starts[k]:starts[k + 1]]
    positions: np.ndarray  # int64, best first within each key
    weights: np.ndarray  # float64
    query_starts: np.ndarray  # items + 1: item i looks up query_keys[query_starts[i]:query_starts[i + 1]]
    query_keys: np.ndarray  # int64, in the query's order (keys without postings left out)
    query_weights: np.ndarray  # float64


def posting_arrays(weights: Sequence[Mapping[str, float]],
                   postings: Mapping[str, tuple[tuple[int, ...], tuple[float, ...]]]) -> PostingArrays:
    """The arrays of per-item query vectors `weights` and `postings` (key -> (positions, weights))."""
    number = {key: k for k, key in enumerate(postings)}
    lengths = np.fromiter((len(positions) for positions, _ in postings.values()), dtype=np.int64,
                          count=len(postings))
    starts = np.zeros(len(postings) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    total = int(starts[-1])
    positions = np.fromiter(chain.from_iterable(entry[0] for entry in postings.values()), dtype=np.int64, count=total)
    values = np.fromiter(chain.from_iterable(entry[1] for entry in postings.values()), dtype=np.float64, count=total)
    query_lengths, query_keys, query_weights = [], [], []
    for vector in weights:
        found = [(number[key], weight) for key, weight in vector.items() if key in number]
        query_lengths.append(len(found))
        query_keys.extend(key for key, _ in found)
        query_weights.extend(weight for _, weight in found)
    query_starts = np.zeros(len(weights) + 1, dtype=np.int64)
    np.cumsum(np.array(query_lengths, dtype=np.int64), out=query_starts[1:])
    return PostingArrays(starts, positions, values, query_starts, np.array(query_keys, dtype=np.int64),
                         np.array(query_weights, dtype=np.float64))


def expand_ranges(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which range, index) of every index of the ranges [starts[r], ends[r]), range after range."""
    lengths = ends - starts
    owner = np.repeat(np.arange(len(starts), dtype=np.int64), lengths)
    offsets = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return owner, np.arange(int(offsets[-1]), dtype=np.int64) - offsets[owner] + starts[owner]


def _sums_in_order(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct keys ascending, each key's values summed in stream order, stream index of its first value).

    Each sum starts from its first value and adds the next one, then the next: exactly a
    running `total = total + value`, never a pairwise or reordered sum.
    """
    order = np.argsort(keys, kind="stable")  # stable: a key's values stay in stream order
    sorted_keys = keys[order]
    first = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]) if len(order) else order
    sizes = np.diff(np.r_[first, len(order)])
    sums = values[order[first]]
    for k in range(1, int(sizes.max()) if len(sizes) else 0):
        more = np.flatnonzero(sizes > k)
        sums[more] += values[order[first[more] + k]]
    return sorted_keys[first], sums, order[first]


def accumulated(arrays: PostingArrays, queries: np.ndarray, weight: float, n: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (query, item) pair the queries' postings reach, the query itself left out.

    Returns (row of the query in `queries` x n + item position, ascending; accumulated score;
    stream index of the pair's first posting: the order in which the plain loop met it).
    """
    if not weight or not len(queries):
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0), empty
    term_row, term_entry = expand_ranges(arrays.query_starts[queries], arrays.query_starts[queries + 1])
    keys = arrays.query_keys[term_entry]
    factors = weight * arrays.query_weights[term_entry]
    posting_term, posting_entry = expand_ranges(arrays.starts[keys], arrays.starts[keys + 1])
    positions = arrays.positions[posting_entry]
    rows = term_row[posting_term]
    other = positions != queries[rows]
    stream = np.flatnonzero(other)
    pairs = rows[stream] * n + positions[stream]
    products = factors[posting_term[stream]] * arrays.weights[posting_entry[stream]]
    pairs, sums, first = _sums_in_order(pairs, products)
    return pairs, sums, stream[first]


def candidate_arrays(text: PostingArrays, tags: PostingArrays, queries: np.ndarray, weights: tuple[float, float],
                     days: np.ndarray | None, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every query's `size` best candidates by text + tags (ties: first met), and their text scores.

    `weights` are the (text, tags) signal weights; with `days`, only items no newer than the
    query (`days[item] <= days[query]`) are candidates. Returns (row of the query in
    `queries`, ascending; item position; accumulated text score), each query's best first.
    """
    n = len(text.query_starts) - 1
    text_pairs, text_sums, text_first = accumulated(text, queries, weights[0], n)
    tag_pairs, tag_sums, tag_first = accumulated(tags, queries, weights[1], n)
    both = np.sort(np.concatenate([text_pairs, tag_pairs]))  # each part is sorted and distinct
    pairs = both[np.r_[True, both[1:] != both[:-1]]] if len(both) else both
    text_at, tag_at = np.searchsorted(pairs, text_pairs), np.searchsorted(pairs, tag_pairs)
    # the plain loop's dict order: text's items as first met, then the tags-only ones as first met
    seen = np.zeros(len(pairs), dtype=np.int64)
    seen[tag_at] = tag_first + (int(text_first.max()) + 1 if len(text_first) else 0)
    seen[text_at] = text_first
    text_score = np.zeros(len(pairs))
    text_score[text_at] = text_sums
    total = text_score.copy()
    has_text = np.zeros(len(pairs), dtype=bool)
    has_text[text_at] = True
    # text + tags where both reached the item, else the one that did (as `0.0 + x` is x)
    total[tag_at] = np.where(has_text[tag_at], total[tag_at] + tag_sums, tag_sums)
    rows, positions = pairs // n, pairs % n
    if days is not None:
        keep = days[positions] <= days[queries[rows]]
        rows, positions, total = rows[keep], positions[keep], total[keep]
        text_score, seen = text_score[keep], seen[keep]
    order = np.lexsort((seen, -total, rows))
    chosen = order[first_of_each_row(rows[order], len(queries), size)]
    return rows[chosen], positions[chosen], text_score[chosen]


def first_of_each_row(rows: np.ndarray, row_count: int, size: int) -> np.ndarray:
    """Where the first `size` entries of each row are, in `rows` (ascending, rows 0..row_count-1)."""
    counts = np.bincount(rows, minlength=row_count)
    starts = np.zeros(row_count + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return np.flatnonzero(np.arange(len(rows), dtype=np.int64) - starts[rows] < size)


def split_rows(rows: np.ndarray, row_count: int, values: list) -> list[list]:
    """`values` (one per entry of `rows`, ascending) as one list per row 0..row_count-1."""
    bounds = np.zeros(row_count + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=row_count), out=bounds[1:])
    return [values[low:high] for low, high in pairwise(bounds.tolist())]


def best_candidates(text: PostingArrays, tags: PostingArrays, queries: np.ndarray, weights: tuple[float, float],
                    days: np.ndarray | None, size: int) -> list[tuple[list[int], list[float]]]:
    """`candidate_arrays` as one (item positions, text scores) pair of lists per query."""
    rows, positions, text_score = candidate_arrays(text, tags, queries, weights, days, size)
    return list(zip(split_rows(rows, len(queries), positions.tolist()),
                    split_rows(rows, len(queries), text_score.tolist()), strict=True))

"""TF-IDF text vectors of every item at once, with numpy, bit for bit as item-by-item Python.

For each item: every term with an IDF gets weight (1 + log tf) x idf; the `terms_indexed`
best, ordered by (weight, term) descending, are the item's indexed terms (normalised over
themselves) and their first `terms_per_item` its query (normalised over those). Every float
is made by the same IEEE operations, in the same order, as the plain loop it replaces:
logarithms and IDFs come from `math.log` (per distinct count and document frequency), sums
of squares run left to right (`cumsum`), so the rankings do not change by a single ulp.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .cache import TermMatrix

_CELLS_PER_BLOCK = 1 << 21  # rows x longest row, per block of the top-k selection


@dataclass(frozen=True, slots=True)
class TextIndex:
    """The text vectors of a corpus, as plain Python for the ranker and as arrays for caching."""

    weights: list[dict[str, float]]  # per item: query term -> normalised weight, best first
    postings: dict[str, tuple[tuple[int, ...], tuple[float, ...]]]  # term -> (positions, weights)
    terms: list[str]  # the terms with an IDF, sorted: `ranks` index this list
    ranks: np.ndarray  # items x terms_indexed: indexed terms (as ranks in `terms`), best first; -1 pads
    raw: np.ndarray  # items x terms_indexed: their weights before normalising; 0.0 pads
    posting_terms: np.ndarray  # every posting's term rank, ordered by term then impact
    posting_items: np.ndarray  # and its item position
    vocab: list[str]  # the term matrix's vocabulary, and each term's document frequency:
    df: np.ndarray  # what the next build compares to know which rows it can keep
    reused: int = 0  # rows whose indexed terms were kept from the last build
    keys: bytes = b""  # each row's text key (16 bytes), with a term-count cache


def _dense_ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct sorted values, each value's index among them) for small non-negative ints."""
    if len(values) and int(values.max()) < 1 << 22:
        present = np.flatnonzero(np.bincount(values))
        lookup = np.zeros(int(values.max()) + 1, dtype=np.int64)
        lookup[present] = np.arange(len(present))
        return present, lookup[values]
    return np.unique(values, return_inverse=True)


def _top_keys(rows: np.ndarray, keys: np.ndarray, n: int, k: int) -> np.ndarray:
    """Per row (0..n-1, `rows` ascending), its `k` largest keys in descending order; -1 pads."""
    lengths = np.bincount(rows, minlength=n)
    longest = int(lengths.max()) if len(lengths) else 0
    width = min(longest, k)
    top = np.full((n, k), -1, dtype=np.int64)
    if width == 0:
        return top
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    columns = np.arange(len(keys), dtype=np.int64) - np.repeat(starts[:-1], lengths)
    block = max(1, _CELLS_PER_BLOCK // longest)
    for first in range(0, n, block):
        last = min(n, first + block)
        cells = np.full((last - first, longest), -1, dtype=np.int64)
        span = slice(starts[first], starts[last])
        cells[rows[span] - first, columns[span]] = keys[span]
        if longest > k:
            cells = np.partition(cells, longest - k, axis=1)[:, longest - k:]
        top[first:last, :width] = np.sort(cells, axis=1)[:, ::-1][:, :width]
    return top


def _normalised(raw: np.ndarray) -> np.ndarray:
    """Each row over the square root of its sum of squares (summed left to right), 1.0 if zero."""
    if raw.shape[1] == 0:
        return raw.copy()
    norm = np.sqrt(np.cumsum(raw * raw, axis=1)[:, -1])
    norm[norm == 0.0] = 1.0
    return raw / norm[:, None]


def _top_rows(matrix: TermMatrix, df: np.ndarray, has_idf: np.ndarray, rank_of: np.ndarray, n: int,
              term_bits: int, terms_indexed: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's indexed terms (ranks, -1 pads) and their raw weights (0.0 pads), best first."""
    rows_in = len(matrix)
    entry_rows = np.repeat(np.arange(rows_in, dtype=np.int64), np.diff(matrix.indptr))
    keep = has_idf[matrix.ids]
    ids, counts, rows = matrix.ids[keep], matrix.counts[keep], entry_rows[keep]
    frequencies, df_index = _dense_ranks(df[ids])
    idf = np.array([math.log(1.0 + n / freq) for freq in frequencies.tolist()])
    distinct_counts, count_index = _dense_ranks(counts)
    log_tf = np.array([1.0 + math.log(count) for count in distinct_counts.tolist()])
    # a weight depends only on (count, document frequency): rank the distinct pairs' weights
    width = max(1, len(frequencies))
    distinct_pairs, pair_index = _dense_ranks(count_index * width + df_index)
    pair_weights = log_tf[distinct_pairs // width] * idf[distinct_pairs % width]
    weight_values, weight_rank = np.unique(pair_weights, return_inverse=True)
    keys = (weight_rank[pair_index].astype(np.int64) << term_bits) | rank_of[ids]
    top = _top_keys(rows, keys, rows_in, terms_indexed)
    present = top >= 0
    ranks = np.where(present, top & ((1 << term_bits) - 1), -1)
    raw = (np.where(present, weight_values[np.where(present, top >> term_bits, 0)], 0.0) if len(weight_values)
           else np.zeros(top.shape))
    return ranks, raw


def _kept_rows(matrix: TermMatrix, df: np.ndarray, terms: list[str], keys: bytes, previous: dict,
               terms_indexed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(rows to redo, ranks, raw) with the last build's ranks and weights of every row whose
    text and terms' document frequencies are unchanged (so are its weights); None: redo all."""
    n = len(matrix)
    old_keys = previous.get("text_keys")
    if not isinstance(old_keys, bytes) or len(old_keys) != len(keys) or len(keys) != 16 * n:
        return None
    old_ranks = np.frombuffer(previous["ranks"], dtype=np.int32).reshape(-1, terms_indexed)
    old_raw = np.frombuffer(previous["raw"], dtype=np.float64).reshape(-1, terms_indexed)
    if old_ranks.shape[0] != n or old_raw.shape[0] != n:
        return None
    before = dict(zip(previous["df_terms"], np.frombuffer(previous["df"], dtype=np.int32).tolist(), strict=True))
    old_df = np.array([before.get(term, 0) for term in matrix.vocab], dtype=np.int64)
    redo = (np.frombuffer(keys, dtype=np.uint64).reshape(n, 2)
            != np.frombuffer(old_keys, dtype=np.uint64).reshape(n, 2)).any(axis=1)
    moved = old_df != df  # a term whose IDF changed, or that gained or lost one
    entry_rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(matrix.indptr))
    redo[entry_rows[moved[matrix.ids]]] = True
    rank_now = {term: rank for rank, term in enumerate(terms)}
    translate = np.array([rank_now.get(term, -2) for term in previous["terms"]] + [-1], dtype=np.int64)
    ranks = translate[old_ranks]
    if (ranks[~redo] == -2).any():
        return None
    return np.flatnonzero(redo), ranks, old_raw.copy()


def text_index(matrix: TermMatrix, terms_indexed: int, terms_per_item: int, postings_cap: int,
               max_df_ratio: float, keys: bytes = b"", previous: dict | None = None) -> TextIndex:
    """The vectors and postings of every row of `matrix`.

    With `previous` (the last build's `state.snapshot`, for the same items and code) and each
    row's text `keys`, only rows whose text or terms' document frequencies changed are weighed.
    """
    n = len(matrix)
    df = np.bincount(matrix.ids, minlength=len(matrix.vocab))
    max_df = n * max_df_ratio if n >= 20 else n
    has_idf = (df >= 2) & (df <= max_df)
    # terms with an IDF, in string order: (weight, term) ties go to the greater term
    term_ids = np.flatnonzero(has_idf)
    names = [matrix.vocab[term] for term in term_ids.tolist()]
    order = sorted(range(len(names)), key=names.__getitem__)
    terms = [names[position] for position in order]
    rank_of = np.full(len(matrix.vocab), -1, dtype=np.int64)
    rank_of[term_ids[order]] = np.arange(len(order))
    term_bits = max(1, len(terms)).bit_length()
    kept = None
    if previous and keys:
        try:
            kept = _kept_rows(matrix, df, terms, keys, previous, terms_indexed)
        except (KeyError, IndexError, TypeError, ValueError):
            kept = None  # a state from another layout: weigh every row
    if kept is None:
        ranks, raw = _top_rows(matrix, df, has_idf, rank_of, n, term_bits, terms_indexed)
        reused = 0
    else:
        redo, ranks, raw = kept
        if len(redo):
            ranks[redo], raw[redo] = _top_rows(matrix.take(redo), df, has_idf, rank_of, n, term_bits, terms_indexed)
        reused = n - len(redo)
    present = ranks >= 0
    indexed = _normalised(raw)
    query = _normalised(raw[:, :terms_per_item])
    # postings: per term, (weight desc, position asc), the first `postings_cap`
    cell_rows, cell_columns = np.nonzero(present)
    cell_terms, cell_weights = ranks[cell_rows, cell_columns], indexed[cell_rows, cell_columns]
    order = np.lexsort((cell_rows, -cell_weights, cell_terms))
    cell_terms, cell_rows, cell_weights = cell_terms[order], cell_rows[order], cell_weights[order]
    group_start = np.flatnonzero(np.r_[True, cell_terms[1:] != cell_terms[:-1]]) if len(order) else order
    group_sizes = np.diff(np.r_[group_start, len(order)])
    place = np.arange(len(order)) - np.repeat(group_start, group_sizes)
    in_cap = place < postings_cap
    posting_terms, posting_items, posting_weights = cell_terms[in_cap], cell_rows[in_cap], cell_weights[in_cap]
    ends = np.cumsum(np.minimum(group_sizes, postings_cap)).tolist()
    positions_list, weights_list = posting_items.tolist(), posting_weights.tolist()
    postings = {}
    start = 0
    for term, end in zip(cell_terms[group_start].tolist(), ends, strict=True):
        postings[terms[term]] = (tuple(positions_list[start:end]), tuple(weights_list[start:end]))
        start = end
    query_terms = np.where(ranks[:, :terms_per_item] >= 0, ranks[:, :terms_per_item], -1).tolist()
    weights = []
    for row_terms, row_weights in zip(query_terms, query.tolist(), strict=True):
        weights.append({terms[term]: weight for term, weight in zip(row_terms, row_weights, strict=True) if term >= 0})
    return TextIndex(weights, postings, terms, ranks, raw, posting_terms, posting_items, matrix.vocab, df,
                     reused, keys)

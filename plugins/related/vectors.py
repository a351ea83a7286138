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
from itertools import pairwise

import numpy as np

from .cache import TermMatrix
from .candidates import PostingArrays

_CELLS_PER_BLOCK = 1 << 19  # rows x longest row, per block of the top-k selection
_ENTRIES_PER_CHUNK = 1 << 19  # term matrix entries weighed at once
_PAIR_FLAGS = 1 << 25  # most distinct counts x document frequencies to mark in a flag array


@dataclass(frozen=True, slots=True)
class TextIndex:
    """The text vectors of a corpus: query vectors and postings for the ranker, arrays for caching."""

    arrays: PostingArrays  # query vectors and postings lists, keys numbered as `terms`
    terms: list[str]  # the terms with an IDF, sorted: `ranks` index this list
    ranks: np.ndarray  # items x terms_indexed: indexed terms (as ranks in `terms`), best first; -1 pads
    raw: np.ndarray  # items x terms_indexed: their weights before normalising; 0.0 pads
    posting_terms: np.ndarray  # every posting's term rank, ordered by term then impact
    posting_items: np.ndarray  # and its item position
    vocab: list[str]  # the term matrix's vocabulary, and each term's document frequency:
    df: np.ndarray  # what the next build compares to know which rows it can keep
    reused: int = 0  # rows whose indexed terms were kept from the last build
    keys: bytes = b""  # each row's text key (16 bytes), with a term-count cache

    @property
    def weights(self) -> list[dict[str, float]]:
        """Per item: query term -> normalised weight, best first (`arrays` as plain Python)."""
        arrays, terms = self.arrays, self.terms
        keys, values = arrays.query_keys.tolist(), arrays.query_weights.tolist()
        return [{terms[key]: value for key, value in zip(keys[low:high], values[low:high], strict=True)}
                for low, high in pairwise(arrays.query_starts.tolist())]

    @property
    def postings(self) -> dict[str, tuple[tuple[int, ...], tuple[float, ...]]]:
        """Term -> (positions, weights), highest weight first (`arrays` as plain Python)."""
        arrays, terms = self.arrays, self.terms
        positions, values = arrays.positions.tolist(), arrays.weights.tolist()
        return {terms[key]: (tuple(positions[low:high]), tuple(values[low:high]))
                for key, (low, high) in enumerate(pairwise(arrays.starts.tolist())) if high > low}


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


def document_frequencies(matrix: TermMatrix) -> np.ndarray:
    """How many rows hold each term (each term is in a row's entries at most once).

    In chunks: `np.bincount` turns its input into 8-byte integers, a 32 MB copy of the
    4M entries of 10,000 columns at once."""
    df = np.zeros(len(matrix.vocab), dtype=np.int64)
    for start in range(0, len(matrix.ids), _ENTRIES_PER_CHUNK):
        df += np.bincount(matrix.ids[start:start + _ENTRIES_PER_CHUNK], minlength=len(matrix.vocab))
    return df


def _chunks(indptr: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges [first, last) of about `_ENTRIES_PER_CHUNK` entries each (at least one row)."""
    rows = len(indptr) - 1
    bounds = [0]
    while bounds[-1] < rows:
        first = bounds[-1]
        last = int(np.searchsorted(indptr, indptr[first] + _ENTRIES_PER_CHUNK, side="right")) - 1
        bounds.append(min(rows, max(first + 1, last)))
    return list(pairwise(bounds))


def _kept_entries(matrix: TermMatrix, has_idf: np.ndarray, first: int, last: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Term ids, counts and rows (counted from `first`) of the entries of rows first..last-1 with an IDF."""
    span = slice(int(matrix.indptr[first]), int(matrix.indptr[last]))
    ids, counts = matrix.ids[span], matrix.counts[span]
    keep = has_idf[ids]
    rows = np.repeat(np.arange(last - first, dtype=np.int32), np.diff(matrix.indptr[first:last + 1]))
    return ids[keep], counts[keep], rows[keep]


def _top_rows(matrix: TermMatrix, df: np.ndarray, has_idf: np.ndarray, rank_of: np.ndarray, n: int,
              term_bits: int, terms_indexed: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's indexed terms (ranks, -1 pads) and their raw weights (0.0 pads), best first.

    A weight depends only on the term's (count, document frequency): keys rank the distinct
    pairs' weights (equal weights, equal rank), then the term. The rows go through in chunks
    of about `_ENTRIES_PER_CHUNK` entries, so no array spans every entry of the matrix.
    """
    rows_in = len(matrix)
    ranks = np.full((rows_in, terms_indexed), -1, dtype=np.int64)
    raw = np.zeros((rows_in, terms_indexed))
    chunks = _chunks(matrix.indptr)
    # the distinct counts and document frequencies of the entries with an IDF
    count_seen = np.zeros(1, dtype=bool)
    for first, last in chunks:
        _, counts, _ = _kept_entries(matrix, has_idf, first, last)
        if len(counts):
            top = int(counts.max()) + 1
            if top > len(count_seen):
                count_seen = np.concatenate([count_seen, np.zeros(top - len(count_seen), dtype=bool)])
            count_seen[counts] = True
    distinct_counts = np.flatnonzero(count_seen)
    frequencies = np.unique(df[has_idf & (df > 0)])
    idf = np.array([math.log(1.0 + n / freq) for freq in frequencies.tolist()])
    log_tf = np.array([1.0 + math.log(count) for count in distinct_counts.tolist()])
    count_index = np.zeros(len(count_seen), dtype=np.int64)
    count_index[distinct_counts] = np.arange(len(distinct_counts))
    df_index = np.searchsorted(frequencies, df)  # per term (meaningful for terms with an IDF)
    width = max(1, len(frequencies))

    def pair_codes(ids: np.ndarray, counts: np.ndarray) -> np.ndarray:
        return count_index[counts] * width + df_index[ids]

    # the distinct (count, document frequency) pairs present, and their weights' ranks
    if len(distinct_counts) * width <= _PAIR_FLAGS:
        pair_seen = np.zeros(len(distinct_counts) * width, dtype=bool)
        for first, last in chunks:
            ids, counts, _ = _kept_entries(matrix, has_idf, first, last)
            pair_seen[pair_codes(ids, counts)] = True
        distinct_pairs = np.flatnonzero(pair_seen)
    else:
        distinct_pairs = np.zeros(0, dtype=np.int64)
        for first, last in chunks:
            ids, counts, _ = _kept_entries(matrix, has_idf, first, last)
            distinct_pairs = np.union1d(distinct_pairs, pair_codes(ids, counts))
    if not len(distinct_pairs):
        return ranks, raw
    pair_weights = log_tf[distinct_pairs // width] * idf[distinct_pairs % width]
    weight_values, weight_rank = np.unique(pair_weights, return_inverse=True)
    weight_rank = weight_rank.reshape(-1).astype(np.int64)
    for first, last in chunks:
        ids, counts, rows = _kept_entries(matrix, has_idf, first, last)
        pair_index = np.searchsorted(distinct_pairs, pair_codes(ids, counts))
        keys = (weight_rank[pair_index] << term_bits) | rank_of[ids]
        del pair_index
        top = _top_keys(rows, keys, last - first, terms_indexed)
        present = top >= 0
        ranks[first:last] = np.where(present, top & ((1 << term_bits) - 1), -1)
        raw[first:last] = np.where(present, weight_values[np.where(present, top >> term_bits, 0)], 0.0)
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
    moved_entries = np.flatnonzero(moved[matrix.ids])
    redo[np.searchsorted(matrix.indptr, moved_entries, side="right") - 1] = True
    del moved_entries
    rank_now = {term: rank for rank, term in enumerate(terms)}
    translate = np.array([rank_now.get(term, -2) for term in previous["terms"]] + [-1], dtype=np.int64)
    ranks = translate[old_ranks]
    if (ranks[~redo] == -2).any():
        return None
    return np.flatnonzero(redo), ranks, old_raw.copy()


def text_index(matrix: TermMatrix, terms_indexed: int, terms_per_item: int, postings_cap: int,
               max_df_ratio: float, keys: bytes = b"", previous: dict | None = None) -> TextIndex:
    """The vectors and postings of every row of `matrix` (`weigh_rows`, then `index_weights`)."""
    return index_weights(weigh_rows(matrix, terms_indexed, max_df_ratio, keys, previous), terms_per_item,
                         postings_cap)


@dataclass(frozen=True)
class RowWeights:
    """Each row's indexed terms (`ranks` into `terms`, -1 pads) and raw weights, and their inputs."""

    terms: list[str]
    ranks: np.ndarray
    raw: np.ndarray
    vocab: list[str]
    df: np.ndarray
    reused: int
    keys: bytes


def weigh_rows(matrix: TermMatrix, terms_indexed: int, max_df_ratio: float, keys: bytes = b"",
               previous: dict | None = None) -> RowWeights:
    """Every row's `terms_indexed` best terms by TF-IDF. Nothing returned refers to the
    matrix's arrays, so a caller that lets go of the matrix frees them.

    With `previous` (the last build's `state.snapshot`, for the same items and code) and each
    row's text `keys`, only rows whose text or terms' document frequencies changed are weighed.
    """
    n = len(matrix)
    df = document_frequencies(matrix)
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
    return RowWeights(terms, ranks, raw, matrix.vocab, df, reused, keys)


def index_weights(weights: RowWeights, terms_per_item: int, postings_cap: int) -> TextIndex:
    """The vectors and postings made from the rows' weights."""
    terms, ranks, raw = weights.terms, weights.ranks, weights.raw
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
    query_cells = ranks[:, :terms_per_item] >= 0  # padding (-1) only ever follows a row's terms
    arrays = PostingArrays(
        starts=np.r_[0, np.cumsum(np.bincount(posting_terms, minlength=len(terms)))].astype(np.int64),
        positions=posting_items.astype(np.int64), weights=posting_weights,
        query_starts=np.r_[0, np.cumsum(query_cells.sum(axis=1))].astype(np.int64),
        query_keys=ranks[:, :terms_per_item][query_cells].astype(np.int64), query_weights=query[query_cells])
    return TextIndex(arrays, terms, ranks, raw, posting_terms, posting_items, weights.vocab, weights.df,
                     weights.reused, weights.keys)

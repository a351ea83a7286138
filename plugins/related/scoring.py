"""Every shortlisted candidate scored on every signal at once, float for float as the plain loop.

The plain loop, per (query, candidate): the tag dot product summed over the shorter tag
vector in its own order; tags part = tags weight x that; subject = tags part + text part;
section and author parts = subject x their weight when shared, else 0.0; decay =
0.5 ** (days apart / half-life); score = round(((tags + text) + section + author) x decay, 9);
the best by (score desc, date desc, position). Here the same operations run on arrays in
the same order. `**` and `round` stay Python's own (numpy's `power` may use other code and
its `round` is another rounding), over plain lists, so every float is the loop's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from .candidates import expand_ranges, first_of_each_row, split_rows

# (score, position, (tags, text, section, author) contributions, decay, days apart)
Entry = tuple[float, int, tuple[float, float, float, float], float, float]


@dataclass(frozen=True, slots=True)
class SignalArrays:
    """Per item: tag vector (keys numbered, in the vector's order), section, authors, day."""

    tag_starts: np.ndarray  # items + 1
    tag_keys: np.ndarray  # int64
    tag_weights: np.ndarray  # float64
    tag_codes: np.ndarray  # item x key count + key of every tag entry, sorted
    tag_entry: np.ndarray  # the tag entry of each code
    sections: np.ndarray  # int64 section number
    author_starts: np.ndarray  # items + 1
    authors: np.ndarray  # int64 author numbers
    author_codes: np.ndarray  # item x author count + author, sorted
    days: np.ndarray  # float64


def _rows(lengths: list[int]) -> np.ndarray:
    starts = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.array(lengths, dtype=np.int64), out=starts[1:])
    return starts


def signal_arrays(tag_vectors: Sequence[Mapping[str, float]], sections: Sequence[int],
                  authors: Sequence[frozenset[str]], days: Sequence[float]) -> SignalArrays:
    """The arrays of every item's tag vector, section number, authors and day."""
    tag_number: dict[str, int] = {}
    tag_keys = np.fromiter((tag_number.setdefault(key, len(tag_number)) for vector in tag_vectors for key in vector),
                           dtype=np.int64)
    tag_weights = np.fromiter(chain.from_iterable(vector.values() for vector in tag_vectors), dtype=np.float64)
    tag_starts = _rows([len(vector) for vector in tag_vectors])
    owners = np.repeat(np.arange(len(tag_vectors), dtype=np.int64), np.diff(tag_starts))
    codes = owners * max(1, len(tag_number)) + tag_keys
    tag_entry = np.argsort(codes, kind="stable")
    author_number: dict[str, int] = {}
    author_ids = np.fromiter((author_number.setdefault(name, len(author_number)) for names in authors
                              for name in names), dtype=np.int64)
    author_starts = _rows([len(names) for names in authors])
    author_owners = np.repeat(np.arange(len(authors), dtype=np.int64), np.diff(author_starts))
    return SignalArrays(tag_starts, tag_keys, tag_weights, codes[tag_entry], tag_entry,
                        np.array(sections, dtype=np.int64), author_starts, author_ids,
                        np.sort(author_owners * max(1, len(author_number)) + author_ids),
                        np.array(days, dtype=np.float64))


def _found(sorted_codes: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which codes are in `sorted_codes`, where each is found: meaningful where found)."""
    at = np.searchsorted(sorted_codes, codes)
    inside = at < len(sorted_codes)
    found = np.zeros(len(codes), dtype=bool)
    found[inside] = sorted_codes[at[inside]] == codes[inside]
    return found, at


def _shared_tags(arrays: SignalArrays, queries: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Each pair's tag dot product, over the shorter vector (the query's on a tie) in its order."""
    lengths = np.diff(arrays.tag_starts)
    walk_other = lengths[positions] < lengths[queries]
    walked = np.where(walk_other, positions, queries)
    partner = np.where(walk_other, queries, positions)
    pair, entry = expand_ranges(arrays.tag_starts[walked], arrays.tag_starts[walked + 1])
    keys = arrays.tag_keys[entry]
    key_count = max(1, int(arrays.tag_keys.max()) + 1 if len(arrays.tag_keys) else 1)
    found, at = _found(arrays.tag_codes, partner[pair] * key_count + keys)
    matches = np.flatnonzero(found)  # in walking order: the order the loop adds them
    products = arrays.tag_weights[entry[matches]] * arrays.tag_weights[arrays.tag_entry[at[matches]]]
    shared = np.zeros(len(queries))
    owners = pair[matches]
    # a running sum from 0.0 per pair; a pair's matches are consecutive, in walking order
    if len(owners):
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        sizes = np.diff(np.r_[starts, len(owners)])
        for k in range(int(sizes.max())):
            more = np.flatnonzero(sizes > k)
            shared[owners[starts[more]]] += products[starts[more] + k]
    return shared


def _share_an_author(arrays: SignalArrays, queries: np.ndarray, positions: np.ndarray) -> np.ndarray:
    pair, entry = expand_ranges(arrays.author_starts[queries], arrays.author_starts[queries + 1])
    author_count = max(1, int(arrays.authors.max()) + 1 if len(arrays.authors) else 1)
    found, _ = _found(arrays.author_codes, positions[pair] * author_count + arrays.authors[entry])
    return np.bincount(pair[found], minlength=len(queries)) > 0


def scored(arrays: SignalArrays, queries: np.ndarray, rows: np.ndarray, positions: np.ndarray,
           text_parts: np.ndarray, weights: Mapping[str, float], half_life: float, size: int) -> list[list[Entry]]:
    """Per query (`queries[row]`), the best `size` of its candidates (`rows`, `positions`, with
    their accumulated `text_parts`) scored on every signal, as entries, best first."""
    query_of = queries[rows]
    tag_part = weights.get("tags", 0.0) * _shared_tags(arrays, query_of, positions)
    subject = tag_part + text_parts
    section_part = np.where(arrays.sections[positions] == arrays.sections[query_of],
                            subject * weights.get("section", 0.0), 0.0)
    author_part = np.where(_share_an_author(arrays, query_of, positions), subject * weights.get("author", 0.0), 0.0)
    days = arrays.days[positions]
    days_apart = np.abs(days - arrays.days[query_of])
    decay = np.array([0.5 ** value for value in (days_apart / half_life).tolist()], dtype=np.float64)
    unrounded = (((tag_part + text_parts) + section_part) + author_part) * decay
    score = np.array([round(value, 9) for value in unrounded.tolist()], dtype=np.float64)
    # ties go to the newer item, then the smaller id (positions follow ids)
    order = np.lexsort((positions, -days, -score, rows))
    chosen = order[first_of_each_row(rows[order], len(queries), size)]
    parts = zip(tag_part[chosen].tolist(), text_parts[chosen].tolist(), section_part[chosen].tolist(),
                author_part[chosen].tolist(), strict=True)
    entries = list(zip(score[chosen].tolist(), positions[chosen].tolist(), parts, decay[chosen].tolist(),
                       days_apart[chosen].tolist(), strict=True))
    return split_rows(rows[chosen], len(queries), entries)

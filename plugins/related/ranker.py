"""Rank related items by weighted signals over sparse vectors and inverted indices.

Nothing here knows Pelican: an `Item` is plain data, so columns and story coverage pages
can be ranked together. The cost is near-linear in the corpus size:

- each item is findable by its `terms_indexed` most distinctive TF-IDF terms and looks up
  only its `terms_per_item` best ones (pruned sparse vectors); tags are weighted by IDF;
- every term and tag has a postings list ordered by impact and truncated to `postings_cap`,
  so a query touches at most (terms + tags) x cap postings, never all N items;
- the best `shortlist` candidates of that accumulation are then scored exactly on every
  signal. No N x N matrix is ever built.

Tokenising the texts is most of the indexing cost, so with `settings.cache_dir` each text's
term counts are kept between builds (`cache.py`): a warm build tokenises only edited texts.
Every float is computed in the same order with or without the cache, so the cards are the same.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter, itemgetter
from pathlib import Path

import numpy as np

from .cache import LazyTexts, cached_term_rows
from .candidates import PostingArrays, candidate_arrays, posting_arrays
from .model import Item, Tuning
from .scoring import Entry as _Entry  # (score, position, (tags, text, section, author), decay, days apart)
from .scoring import SignalArrays, scored, signal_arrays
from .settings import SIGNALS, RelatedSettings
from .state import previous_state
from .tokens import tag_key
from .vectors import TextIndex, index_weights, weigh_rows

_DAY = 86400.0
_QUERIES_PER_BATCH = 1024  # queries whose candidates are found at once (bounds the arrays)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One scored candidate: each signal's weighted contribution, then the recency decay."""

    item: Item
    contributions: Mapping[str, float]
    decay: float
    days_apart: float
    score: float

    @property
    def relevance(self) -> float:
        return sum(self.contributions.values())

    @property
    def subject_score(self) -> float:
        """What the threshold checks: the shared subject (tags, text) after decay.

        Section and author boost in proportion to it; alone they never earn a card.
        """
        return (self.contributions["tags"] + self.contributions["text"]) * self.decay


@dataclass(frozen=True, slots=True)
class Pick:
    """A card and why it is there: 'explicit', 'score' or 'score, author limit relaxed'."""

    item: Item
    reason: str
    candidate: Candidate | None = None


@dataclass(slots=True)
class _Vectors:
    weights: list[dict[str, float]] = field(default_factory=list)
    # term or tag -> (positions, weights), best first
    postings: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = field(default_factory=dict)
    tokenised: int = 0  # texts tokenised by this build (the rest came from the cache)


_BY_WEIGHT = itemgetter(1)


def _impact_order(lists: dict[str, list[tuple[int, float]]], cap: int
                  ) -> dict[str, tuple[tuple[int, ...], tuple[float, ...]]]:
    # Highest weight first, then position: truncation keeps the same entries on every build.
    # Entries are appended in position order and the sort is stable (also with reverse=True),
    # so equal weights stay in position order. Stored as two tuples, so a query can multiply
    # a whole list at C speed.
    postings = {}
    for key, entries in lists.items():
        entries.sort(key=_BY_WEIGHT, reverse=True)
        positions, weights = zip(*entries[:cap], strict=True)
        postings[key] = (positions, weights)
    return postings


def _text_vectors(items: list[Item], tuning: Tuning, cache_dir: Path | None = None,
                  previous: dict | None = None, text_of: Callable[[Item], str] | None = None
                  ) -> tuple[TextIndex, int]:
    """The TF-IDF vectors and postings of every item's title and text (`vectors.py`).

    Each text is made (`text_of`, default `Item.text`) when it is read, one at a time.
    """
    text_of = text_of or attrgetter("text")
    texts = LazyTexts(lambda position: (items[position].title, text_of(items[position])), range(len(items)))
    matrix, tokenised, keys = cached_term_rows(texts, cache_dir)
    weights = weigh_rows(matrix, tuning.terms_indexed, tuning.max_df_ratio, keys, previous)
    del matrix  # its entries (32 MB at 10,000 columns) go before the postings are made
    return index_weights(weights, tuning.terms_per_item, tuning.postings_cap), tokenised


def _tag_vectors(items: list[Item], tuning: Tuning) -> _Vectors:
    key_of: dict[str, str] = {}  # a few hundred distinct tags over thousands of items
    for item in items:
        for tag in item.tags:
            if tag not in key_of:
                key_of[tag] = tag_key(tag) if tag.strip() else ""
    keys = [tuple(dict.fromkeys(key for tag in item.tags if (key := key_of[tag]))) for item in items]
    df: Counter[str] = Counter(key for item_keys in keys for key in item_keys)
    n = len(items)
    # rarer tags weigh more: a shared niche tag says more than a shared broad one
    idf = {key: math.log(1.0 + n / freq) for key, freq in df.items()}
    vectors = _Vectors()
    postings: dict[str, list[tuple[int, float]]] = {}
    made: dict[tuple[str, ...], dict[str, float]] = {}  # items with the same tags share a vector
    shared = {key for key, freq in df.items() if freq > 1}
    for position, item_keys in enumerate(keys):
        vector = made.get(item_keys)
        if vector is None:
            raw = {key: idf[key] for key in item_keys}
            norm = math.sqrt(sum(weight * weight for weight in raw.values())) or 1.0
            vector = made[item_keys] = {key: weight / norm for key, weight in raw.items()}
        vectors.weights.append(vector)
        for key, weight in vector.items():
            if key in shared:
                postings.setdefault(key, []).append((position, weight))
    vectors.postings = _impact_order(postings, tuning.postings_cap)
    return vectors




class RelatedIndex:
    """All published items, indexed once per build; ask it for any item's related list."""

    def __init__(self, items: Iterable[Item], settings: RelatedSettings, tuning: Tuning | None = None,
                 text_of: Callable[[Item], str] | None = None):
        """`text_of(item)`, when given, is each item's text instead of `item.text`: the build
        passes items without text and makes each one from its article when it is read."""
        self.settings = settings
        self.tuning = tuning or Tuning()
        # sorted by id: positions, postings and ties do not depend on the order files were read
        self.items = sorted({item.id: item for item in items}.values(), key=lambda item: item.id)
        self.position = {item.id: index for index, item in enumerate(self.items)}
        self._days = [item.date.timestamp() / _DAY for item in self.items]
        self._authors = [frozenset(item.authors) for item in self.items]
        section_ids: dict[str, int] = {}  # small ints compare without touching the Item
        self._sections = [section_ids.setdefault(item.section, len(section_ids)) for item in self.items]
        # the last build's state (`state.py`) when it was for these items, settings and code
        self._previous = previous_state(self) if settings.cache_dir is not None else {}
        # how many texts this build had to tokenise (the rest came from the cache)
        self._text, self.tokenised = _text_vectors(self.items, self.tuning, settings.cache_dir, self._previous,
                                                    text_of)
        self.reranked = 0  # how many lists `parallel.related_id_lists` last had to rank
        self._tags = _tag_vectors(self.items, self.tuning)
        self._arrays: tuple[PostingArrays, SignalArrays] | None = None  # see `ranking_arrays`

    def release(self) -> None:
        """Drop what only the saved state needed (the last build's state, the term arrays).

        Ranking still works; `state.snapshot` of a released index does not. The build calls
        this once every list is attached, so the index it keeps in the context stays small.
        """
        self._previous = {}
        text, none = self._text, np.zeros(0, dtype=np.int64)
        self._text = replace(text, ranks=none.reshape(len(self.items), 0), raw=none.reshape(len(self.items), 0),
                             posting_terms=none, posting_items=none, vocab=[], df=none, keys=b"")

    def __contains__(self, item_id: str) -> bool:
        return item_id in self.position

    def ranking_arrays(self) -> tuple[PostingArrays, PostingArrays, SignalArrays]:
        """Text and tag postings and every item's signals as arrays, so many queries are ranked
        at once (`candidates.py`, `scoring.py`). Made on first use: a build that keeps every
        list never needs them; `parallel` asks before forking, so its workers share them."""
        if self._arrays is None:
            self._arrays = (posting_arrays(self._tags.weights, self._tags.postings),
                            signal_arrays(self._tags.weights, self._sections, self._authors, self._days))
        tags, signals = self._arrays
        return self._text.arrays, tags, signals

    def _shortlists(self, queries: Sequence[int], size: int) -> list[list[_Entry]]:
        """Per query, the best `size` candidates as (score, position, parts, decay, days apart), best first.

        `parts` are the weighted tags, text, section and author contributions, in that order:
        the best size + 4 by accumulated text + tags (`candidates.py`) scored exactly on every
        signal (`scoring.py`). Section and author boost in proportion to the shared subject:
        alone they add nothing, so they order columns on the same subject but never lift an
        unrelated one; scores are rounded so float noise can never reorder equal scores.
        """
        settings = self.settings
        queries = np.asarray(queries, dtype=np.int64)
        text, tags, signals = self.ranking_arrays()
        rows, positions, text_parts = candidate_arrays(
            text, tags, queries, (settings.weight("text"), settings.weight("tags")),
            None if settings.include_newer else signals.days, size + 4)
        return scored(signals, queries, rows, positions, text_parts, settings.weights,
                      settings.half_life_days, size)

    def _candidate(self, entry: _Entry) -> Candidate:
        score, position, parts, decay, days_apart = entry
        return Candidate(self.items[position], dict(zip(SIGNALS, parts, strict=True)), decay, days_apart, score)

    def _shortlist_size(self, limit: int | None) -> int:
        return max(self.tuning.shortlist, limit or 0, 2 * self.settings.count + 2)

    def ranked(self, item_id: str, limit: int | None = None) -> list[Candidate]:
        """The best candidates for `item_id` with each signal's part, best first."""
        shortlist = self._shortlists([self.position[item_id]], self._shortlist_size(limit))[0]
        return [self._candidate(entry) for entry in shortlist[:limit]]

    def related(self, item_id: str) -> list[Pick]:
        """Explicit picks first in the editor's order, then the best scores, author-diverse."""
        return self.related_lists([item_id])[0]

    def related_lists(self, item_ids: Sequence[str]) -> list[list[Pick]]:
        """`related(item_id)` of each id, the candidates of many ids found at once."""
        items = self.items
        lists = []
        for explicit, filled in self._selections(item_ids):
            picks = [Pick(items[position], "explicit") for position in explicit]
            for entry, relaxed in filled:
                candidate = self._candidate(entry)
                picks.append(Pick(candidate.item, "score, author limit relaxed" if relaxed else "score", candidate))
            lists.append(picks)
        return lists

    def related_id_lists(self, item_ids: Sequence[str]) -> list[list[str]]:
        """The ids of `related_lists(item_ids)`, without making the cards' explanations."""
        items = self.items
        return [[items[position].id for position in explicit] + [items[entry[1]].id for entry, _ in filled]
                for explicit, filled in self._selections(item_ids)]

    def _selections(self, item_ids: Sequence[str]) -> list[tuple[list[int], list[tuple[_Entry, bool]]]]:
        """Per id: the positions of its explicit picks, and the shortlist entries that fill the
        other cards, each with whether the author limit was relaxed for it."""
        explicit_lists = [self._explicit_positions(item_id) for item_id in item_ids]
        selections: list[tuple[list[int], list[tuple[_Entry, bool]]]] = [(explicit, []) for explicit in explicit_lists]
        to_fill = [number for number, explicit in enumerate(explicit_lists) if len(explicit) < self.settings.count]
        size = self._shortlist_size(None)
        for first in range(0, len(to_fill), _QUERIES_PER_BATCH):
            batch = to_fill[first:first + _QUERIES_PER_BATCH]
            shortlists = self._shortlists([self.position[item_ids[number]] for number in batch], size)
            for number, shortlist in zip(batch, shortlists, strict=True):
                selections[number][1].extend(self._fill(explicit_lists[number], shortlist))
        return selections

    def _explicit_positions(self, item_id: str) -> list[int]:
        positions: list[int] = []
        chosen = {item_id}
        for explicit in self.items[self.position[item_id]].related:
            # drafts, scheduled and unknown ids are simply not in the index
            if explicit in self.position and explicit not in chosen:
                positions.append(self.position[explicit])
                chosen.add(explicit)
        return positions

    def _fill(self, explicit: list[int], shortlist: list[_Entry]) -> list[tuple[_Entry, bool]]:
        """The entries of `shortlist` that fill the cards after the `explicit` picks: the best
        scores over the threshold, author-diverse; True where the author limit gave way."""
        settings = self.settings
        count, threshold, max_per_author = settings.count, settings.threshold, settings.max_per_author
        chosen = set(explicit)  # the query itself is never in its shortlist
        items = self.items  # authors as listed (a name listed twice counts twice, as it always has)
        cards_by: dict[str, int] = {}
        for position in explicit:
            for author in items[position].authors:
                cards_by[author] = cards_by.get(author, 0) + 1
        filled: list[tuple[_Entry, bool]] = []
        held_back: list[_Entry] = []
        free = count - len(explicit)
        for entry in shortlist:
            if len(filled) >= free:
                break
            _score, position, (tag_part, text_part, _, _), decay, _days = entry
            # the subject score (Candidate.subject_score) without building the Candidate
            if (tag_part + text_part) * decay < threshold or position in chosen:
                continue
            authors = items[position].authors
            if any(cards_by.get(author, 0) >= max_per_author for author in authors):
                held_back.append(entry)
                continue
            filled.append((entry, False))
            chosen.add(position)
            for author in authors:
                cards_by[author] = cards_by.get(author, 0) + 1
        # the diversity rule gives way only when nothing else qualifies
        return filled + [(entry, True) for entry in held_back[: free - len(filled)]]


def related_ids(items: Iterable[Item], settings: RelatedSettings, tuning: Tuning | None = None) -> dict[str, list[str]]:
    """Every item's related ids, explicit first: the whole ranking of a build."""
    index = RelatedIndex(items, settings, tuning)
    ids = [item.id for item in index.items]
    return dict(zip(ids, index.related_id_lists(ids), strict=True))

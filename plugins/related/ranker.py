"""Rank related items by weighted signals over sparse vectors and inverted indices.

Nothing here knows Pelican: an `Item` is plain data, so columns and story coverage pages
can be ranked together. The cost is near-linear in the corpus size:

- each item is findable by its `terms_indexed` most distinctive TF-IDF terms and looks up
  only its `terms_per_item` best ones (pruned sparse vectors); tags are weighted by IDF;
- every term and tag has a postings list ordered by impact and truncated to `postings_cap`,
  so a query touches at most (terms + tags) x cap postings, never all N items;
- the best `shortlist` candidates of that accumulation are then scored exactly on every
  signal. No N x N matrix is ever built.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .settings import RelatedSettings
from .tokens import TermFolder, tag_key, term_counts

_DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Item:
    """Anything that can be shown as a related card: a column, later a story page."""

    id: str
    title: str
    section: str
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    text: str
    date: dt.datetime
    url: str = ""
    kind: str = "column"
    related: tuple[str, ...] = ()  # explicit picks, in the editor's order


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


@dataclass(frozen=True, slots=True)
class Tuning:
    """Index sizes: the trade between exactness and speed (see the module docstring)."""

    terms_per_item: int = 8  # terms a query looks up
    terms_indexed: int = 32  # terms an item is findable by (its postings entries)
    postings_cap: int = 16
    shortlist: int = 8
    max_df_ratio: float = 0.5  # terms in more than this share of a large corpus are noise


@dataclass(slots=True)
class _Vectors:
    weights: list[dict[str, float]] = field(default_factory=list)
    postings: dict[str, list[tuple[int, float]]] = field(default_factory=dict)


def _impact_order(postings: dict[str, list[tuple[int, float]]], cap: int) -> None:
    # Highest weight first, then position: truncation keeps the same entries on every build.
    for key, entries in postings.items():
        entries.sort(key=lambda entry: (-entry[1], entry[0]))
        del entries[cap:]
        postings[key] = entries


def _text_vectors(items: list[Item], tuning: Tuning) -> _Vectors:
    folder = TermFolder()  # per index, never shared between builds
    counts = [term_counts(item.title, item.text, folder) for item in items]
    df: Counter[str] = Counter()
    for item_counts in counts:
        df.update(item_counts.keys())
    n = len(items)
    max_df = n * tuning.max_df_ratio if n >= 20 else n
    idf = {term: math.log(1.0 + n / freq) for term, freq in df.items() if 2 <= freq <= max_df}
    vectors = _Vectors()
    for position, item_counts in enumerate(counts):
        kept = item_counts.keys() & idf.keys()
        weighted = [((1.0 + math.log(item_counts[term])) * idf[term], term) for term in kept]
        indexed = heapq.nlargest(tuning.terms_indexed, weighted)
        norm = math.sqrt(sum(weight * weight for weight, _ in indexed)) or 1.0
        for weight, term in indexed:
            vectors.postings.setdefault(term, []).append((position, weight / norm))
        # the query side keeps only the most distinctive terms: that bounds the lookups per item
        query = indexed[: tuning.terms_per_item]
        norm = math.sqrt(sum(weight * weight for weight, _ in query)) or 1.0
        vectors.weights.append({term: weight / norm for weight, term in query})
    _impact_order(vectors.postings, tuning.postings_cap)
    return vectors


def _tag_vectors(items: list[Item], tuning: Tuning) -> _Vectors:
    keys = [tuple(dict.fromkeys(tag_key(tag) for tag in item.tags if tag.strip())) for item in items]
    df: Counter[str] = Counter(key for item_keys in keys for key in item_keys)
    n = len(items)
    vectors = _Vectors()
    for position, item_keys in enumerate(keys):
        # rarer tags weigh more: a shared niche tag says more than a shared broad one
        raw = {key: math.log(1.0 + n / df[key]) for key in item_keys}
        norm = math.sqrt(sum(weight * weight for weight in raw.values())) or 1.0
        vector = {key: weight / norm for key, weight in raw.items()}
        vectors.weights.append(vector)
        for key, weight in vector.items():
            if df[key] > 1:
                vectors.postings.setdefault(key, []).append((position, weight))
    _impact_order(vectors.postings, tuning.postings_cap)
    return vectors


def _dot(query: dict[str, float], other: dict[str, float]) -> float:
    if len(other) < len(query):
        query, other = other, query
    return sum(weight * other[key] for key, weight in query.items() if key in other)


class RelatedIndex:
    """All published items, indexed once per build; ask it for any item's related list."""

    def __init__(self, items: Iterable[Item], settings: RelatedSettings, tuning: Tuning | None = None):
        self.settings = settings
        self.tuning = tuning or Tuning()
        # sorted by id: positions, postings and ties do not depend on the order files were read
        self.items = sorted({item.id: item for item in items}.values(), key=lambda item: item.id)
        self.position = {item.id: index for index, item in enumerate(self.items)}
        self._days = [item.date.timestamp() / _DAY for item in self.items]
        self._authors = [frozenset(item.authors) for item in self.items]
        self._text = _text_vectors(self.items, self.tuning)
        self._tags = _tag_vectors(self.items, self.tuning)

    def __contains__(self, item_id: str) -> bool:
        return item_id in self.position

    def _accumulate(self, query: int) -> tuple[dict[int, float], dict[int, float]]:
        """Weighted tag and text scores of every item reachable through the query's postings."""
        found: list[dict[int, float]] = []
        for signal, vectors in (("tags", self._tags), ("text", self._text)):
            scores: dict[int, float] = {}
            found.append(scores)
            weight = self.settings.weight(signal)
            if not weight:
                continue
            get = scores.get
            postings = vectors.postings
            for key, query_weight in vectors.weights[query].items():
                scaled = weight * query_weight
                for position, other_weight in postings.get(key, ()):
                    scores[position] = get(position, 0.0) + scaled * other_weight
            scores.pop(query, None)
        return found[0], found[1]

    def _shortlist(self, query: int, size: int) -> list[tuple[float, int, dict[str, float], float, float]]:
        """The best `size` candidates as (score, position, contributions, decay, days apart), best first."""
        settings = self.settings
        tags, text = self._accumulate(query)
        total = dict(text)
        for position, score in tags.items():
            total[position] = total.get(position, 0.0) + score
        if not settings.include_newer:
            newest = self._days[query]
            total = {position: score for position, score in total.items() if self._days[position] <= newest}
        # a stable selection over a dict filled in postings order: the same on every build
        best = heapq.nlargest(size + 4, total, key=total.__getitem__)
        query_item, query_tags = self.items[query], self._tags.weights[query]
        query_authors, query_day = self._authors[query], self._days[query]
        weight_tags, weight_section = settings.weight("tags"), settings.weight("section")
        weight_author, half_life = settings.weight("author"), settings.half_life_days
        scored = []
        for position in best:
            # tags exactly (a handful per item), text as accumulated over the postings
            tag_part = weight_tags * _dot(query_tags, self._tags.weights[position]) if query_tags else 0.0
            text_part = text.get(position, 0.0)
            subject = tag_part + text_part
            contributions = {
                "tags": tag_part,
                "text": text_part,
                # boosts in proportion to the shared subject: section or author alone add nothing,
                # so they order columns on the same subject but never lift an unrelated one
                "section": subject * weight_section if self.items[position].section == query_item.section else 0.0,
                "author": subject * weight_author if query_authors & self._authors[position] else 0.0,
            }
            days_apart = abs(self._days[position] - query_day)
            decay = 0.5 ** (days_apart / half_life)
            # rounded so float noise can never reorder equal scores between builds
            score = round(sum(contributions.values()) * decay, 9)
            scored.append((score, position, contributions, decay, days_apart))
        # ties: the newer item first, then the smaller id (positions follow ids)
        scored.sort(key=lambda entry: (-entry[0], -self._days[entry[1]], entry[1]))
        return scored[:size]

    def _candidate(self, entry: tuple[float, int, dict[str, float], float, float]) -> Candidate:
        score, position, contributions, decay, days_apart = entry
        return Candidate(self.items[position], contributions, decay, days_apart, score)

    def ranked(self, item_id: str, limit: int | None = None) -> list[Candidate]:
        """The best candidates for `item_id` with each signal's part, best first."""
        size = max(self.tuning.shortlist, limit or 0, 2 * self.settings.count + 2)
        entries = self._shortlist(self.position[item_id], size)
        return [self._candidate(entry) for entry in entries[:limit]]

    def related(self, item_id: str) -> list[Pick]:
        """Explicit picks first in the editor's order, then the best scores, author-diverse."""
        settings = self.settings
        query = self.items[self.position[item_id]]
        picks: list[Pick] = []
        chosen = {item_id}
        for explicit in query.related:
            # drafts, scheduled and unknown ids are simply not in the index
            if explicit in self.position and explicit not in chosen:
                picks.append(Pick(self.items[self.position[explicit]], "explicit"))
                chosen.add(explicit)
        if len(picks) >= settings.count:
            return picks
        cards_by: Counter[str] = Counter(author for pick in picks for author in pick.item.authors)
        held_back: list[Candidate] = []
        for candidate in self.ranked(item_id):
            if len(picks) >= settings.count:
                break
            if candidate.subject_score < settings.threshold or candidate.item.id in chosen:
                continue
            if any(cards_by[author] >= settings.max_per_author for author in candidate.item.authors):
                held_back.append(candidate)
                continue
            picks.append(Pick(candidate.item, "score", candidate))
            chosen.add(candidate.item.id)
            cards_by.update(candidate.item.authors)
        # the diversity rule gives way only when nothing else qualifies
        for candidate in held_back[: settings.count - len(picks)]:
            picks.append(Pick(candidate.item, "score, author limit relaxed", candidate))
        return picks


def related_ids(items: Iterable[Item], settings: RelatedSettings, tuning: Tuning | None = None) -> dict[str, list[str]]:
    """Every item's related ids, explicit first: the whole ranking of a build."""
    index = RelatedIndex(items, settings, tuning)
    return {item.id: [pick.item.id for pick in index.related(item.id)] for item in index.items}

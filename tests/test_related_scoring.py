"""numpy scoring (scoring.py) and the card choice give exactly what the plain per-candidate loop gave."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest
from related.bench import corpus
from related.candidates import candidate_arrays, split_rows
from related.ranker import RelatedIndex, Tuning
from related.settings import RelatedSettings


def reference_scored(index: RelatedIndex, query: int, best: list[int], text_scores: list[float], size: int):
    """The second half of the old `RelatedIndex._shortlist`: every signal, one candidate at a time."""
    settings = index.settings
    days = index._days
    query_tags, tag_weights = index._tags.weights[query], index._tags.weights
    scored = []
    for position, text_part in zip(best, text_scores, strict=True):
        shared = 0.0
        if query_tags:
            other = tag_weights[position]
            if len(other) < len(query_tags):
                for key, weight in other.items():
                    if key in query_tags:
                        shared += weight * query_tags[key]
            else:
                for key, weight in query_tags.items():
                    if key in other:
                        shared += weight * other[key]
        tag_part = settings.weight("tags") * shared
        subject = tag_part + text_part
        same_section = index._sections[position] == index._sections[query]
        section_part = subject * settings.weight("section") if same_section else 0.0
        shares_author = not index._authors[query].isdisjoint(index._authors[position])
        author_part = subject * settings.weight("author") if shares_author else 0.0
        days_apart = abs(days[position] - days[query])
        decay = 0.5 ** (days_apart / settings.half_life_days)
        score = round((tag_part + text_part + section_part + author_part) * decay, 9)
        scored.append((-score, -days[position], position,
                       (score, position, (tag_part, text_part, section_part, author_part), decay, days_apart)))
    scored.sort()
    return [entry[3] for entry in scored[:size]]


def reference_related_ids(index: RelatedIndex, item_id: str, shortlist) -> list[str]:
    """The old `RelatedIndex.related`, on a given shortlist: explicit picks, then author-diverse scores."""
    settings = index.settings
    picks, chosen = [], {item_id}
    for explicit in index.items[index.position[item_id]].related:
        if explicit in index.position and explicit not in chosen:
            picks.append(index.items[index.position[explicit]])
            chosen.add(explicit)
    if len(picks) >= settings.count:
        return [item.id for item in picks]
    cards_by = Counter(author for item in picks for author in item.authors)
    held_back = []
    for _score, position, (tag_part, text_part, _, _), decay, _days in shortlist:
        if len(picks) >= settings.count:
            break
        item = index.items[position]
        if (tag_part + text_part) * decay < settings.threshold or item.id in chosen:
            continue
        if any(cards_by[author] >= settings.max_per_author for author in item.authors):
            held_back.append(item)
            continue
        picks.append(item)
        chosen.add(item.id)
        cards_by.update(item.authors)
    return [item.id for item in picks + held_back[: settings.count - len(picks)]]


@pytest.fixture(scope="module")
def items():
    items = corpus(600, seed=11, words_per_item=80)
    twins = [dataclasses.replace(item, id=f"{item.id}-twin") for item in items[:100]]  # equal scores: ties
    # several tags and co-authors (one listed twice), tagless items, explicit picks
    odd = [dataclasses.replace(items[k], id=f"zz-{k}", tags=items[k].tags + items[k + 1].tags + ("Extra",),
                               authors=items[k].authors + items[k + 2].authors + items[k].authors,
                               related=(items[k + 3].id, "unknown", items[k + 3].id)) for k in range(0, 60, 3)]
    tagless = [dataclasses.replace(items[k], id=f"zz-tagless-{k}", tags=()) for k in range(60, 80)]
    # long tag lists in rotated orders: the dot product's summation order shows in the last bits
    pool = list(dict.fromkeys(tag for item in items[:6] for tag in item.tags))
    rotated = [dataclasses.replace(items[100 + k], id=f"zz-rotated-{k}",
                                   tags=tuple((pool[k % len(pool):] + pool[:k % len(pool)])[: 7 + k % 5]))
               for k in range(40)]
    return items + twins + odd + tagless + rotated


@pytest.mark.parametrize("settings", [
    RelatedSettings(),
    RelatedSettings(include_newer=False, count=5, max_per_author=1, half_life_days=90.0),
    RelatedSettings(weights={"tags": 1.0, "text": 0.2, "section": 0.3, "author": 0.4}, threshold=0.0, count=6),
    RelatedSettings(weights={"text": 1.0}, count=2),
])
def test_shortlists_and_cards_equal_the_plain_loop(items, settings):
    index = RelatedIndex(items, settings, Tuning(postings_cap=6))
    queries = list(range(len(index.items)))
    for size in (1, 8, 30):
        # the candidates (tested against their own plain loop in test_related_candidates)
        rows, positions, text_parts = candidate_arrays(
            *index.ranking_arrays()[:2], np.array(queries),
            (settings.weight("text"), settings.weight("tags")),
            None if settings.include_newer else index.ranking_arrays()[2].days, size + 4)
        best = split_rows(rows, len(queries), positions.tolist())
        texts = split_rows(rows, len(queries), text_parts.tolist())
        expected = [reference_scored(index, query, best[query], texts[query], size) for query in queries]
        assert index._shortlists(queries, size) == expected  # same entries, same floats, same order
    ids = [item.id for item in index.items]
    lists = index.related_id_lists(ids)
    shortlists = index._shortlists(queries, index._shortlist_size(None))
    assert lists == [reference_related_ids(index, item_id, shortlists[query]) for query, item_id in enumerate(ids)]
    assert [[pick.item.id for pick in picks] for picks in index.related_lists(ids)] == lists
    assert sum(map(len, lists)) > len(ids)

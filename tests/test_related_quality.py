"""Quality on a small labelled corpus: columns on the same subject outrank unrelated ones.

The corpus mixes broad tags, sections and authors across subjects on purpose, so a ranker
that only matched sections, authors or broad tags would fail here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from related.ranker import Item, RelatedIndex
from related.settings import RelatedSettings

CORPUS = Path(__file__).parent / "fixtures" / "related" / "corpus.yml"


def load() -> tuple[list[Item], dict[str, str]]:
    entries = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    items, topics = [], {}
    for entry in entries:
        date = entry["date"]
        items.append(Item(
            id=entry["id"], title=entry["title"], section=entry["section"], tags=tuple(entry["tags"]),
            authors=tuple(entry["authors"]), text=entry["text"],
            date=dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC),
        ))
        topics[entry["id"]] = entry["topic"]
    return items, topics


def test_corpus_is_labelled_in_groups_of_three():
    items, topics = load()
    assert len(items) == 12
    assert sorted(list(topics.values()).count(topic) for topic in set(topics.values())) == [3, 3, 3, 3]


def test_same_subject_columns_outrank_unrelated_ones():
    items, topics = load()
    index = RelatedIndex(items, RelatedSettings(threshold=0.0))
    hits = []
    for item in items:
        ranked = [candidate.item.id for candidate in index.ranked(item.id)]
        siblings = {other for other, topic in topics.items() if topic == topics[item.id] and other != item.id}
        # the best candidate is always on the subject ...
        assert ranked[0] in siblings, f"{item.id}: {ranked[:4]}"
        hits.append(len(siblings & set(ranked[:2])) / 2)
    # ... and both siblings make the top two for (nearly) every column: precision@2
    assert sum(hits) / len(hits) >= 0.9, hits


def test_cards_with_default_settings_are_on_subject():
    items, topics = load()
    index = RelatedIndex(items, RelatedSettings())
    on_subject = []
    for item in items:
        picks = index.related(item.id)
        assert picks, f"{item.id} got no cards"
        assert topics[picks[0].item.id] == topics[item.id], (item.id, picks[0].item.id)
        on_subject += [topics[pick.item.id] == topics[item.id] for pick in picks]
    # the threshold keeps off-subject fill out: short texts may still share a stray word
    assert sum(on_subject) / len(on_subject) >= 0.8, on_subject

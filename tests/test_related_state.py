"""Kept lists (state.py): after any change, the lists equal a ranking from scratch."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from related.bench import corpus
from related.parallel import related_id_lists
from related.ranker import RelatedIndex
from related.settings import RelatedSettings
from related.state import STATE_FILE_NAME


def lists(items, settings) -> tuple[dict[str, list[str]], int]:
    index = RelatedIndex(items, settings)
    return related_id_lists(index, [item.id for item in items], workers=1), index.reranked


def text_vectors(index: RelatedIndex):
    text = index._text
    return [list(vector.items()) for vector in text.weights], text.postings, text.ranks.tolist(), text.raw.tolist()


def replace(items, position: int, **changes):
    return [*items[:position], dataclasses.replace(items[position], **changes), *items[position + 1:]]


@pytest.fixture(scope="module")
def items():
    return corpus(500, seed=3, words_per_item=120)


CHANGES = {
    "nothing": lambda items, rng: items,
    "new words only this text has": lambda items, rng: replace(items, 7, text=items[7].text + " qzxv qzxw"),
    "common words": lambda items, rng: replace(
        items, 11, text=items[11].text + " " + " ".join(rng.sample(items[0].text.split(), 30))),
    "text rewritten": lambda items, rng: replace(items, 13, text=items[200].text),
    "title": lambda items, rng: replace(items, 37, title=items[400].title),
    "tags": lambda items, rng: replace(items, 17, tags=items[300].tags),
    "date": lambda items, rng: replace(items, 19, date=items[19].date + dt.timedelta(days=400)),
    "author": lambda items, rng: replace(items, 23, authors=items[450].authors),
    "section": lambda items, rng: replace(items, 29, section="ideas" if items[29].section != "ideas" else "world"),
    "explicit picks": lambda items, rng: replace(items, 31, related=(items[5].id, items[6].id)),
    "column added": lambda items, rng: [*items, dataclasses.replace(items[3], id="zz-new")],
    "column removed": lambda items, rng: items[:-1],
}


def test_every_change_gives_the_lists_of_a_ranking_from_scratch(items, tmp_path):
    settings = RelatedSettings(cache_dir=tmp_path / "related")
    _, reranked = lists(items, settings)
    assert reranked == len(items) and (tmp_path / "related" / STATE_FILE_NAME).is_file()
    rng = random.Random(5)
    current = items
    counts, reused = {}, {}
    for name, change in CHANGES.items():
        current = change(current, rng)
        index = RelatedIndex(current, settings)
        kept, counts[name] = related_id_lists(index, [item.id for item in current], workers=1), index.reranked
        scratch = RelatedIndex(current, RelatedSettings())
        assert kept == related_id_lists(scratch, [item.id for item in current], workers=1), name
        assert text_vectors(index) == text_vectors(scratch), name  # also the vectors kept from the last build
        reused[name] = index._text.reused
    # only what can change is ranked again
    assert counts["nothing"] == 0 and counts["new words only this text has"] == 0
    assert 0 < counts["date"] < len(items) // 2 and 0 < counts["explicit picks"] < len(items) // 2
    assert counts["column added"] == len(items) + 1  # every IDF changes
    # only rows whose text or terms' document frequencies changed are weighed again
    assert reused["nothing"] == reused["date"] == len(items)
    assert reused["new words only this text has"] == len(items) - 1
    assert 0 < reused["common words"] < len(items) and reused["column added"] == 0


def test_other_settings_rank_everything_again(items, tmp_path):
    folder = tmp_path / "related"
    lists(items, RelatedSettings(cache_dir=folder))
    again, reranked = lists(items, RelatedSettings(cache_dir=folder, count=4))
    assert reranked == len(items)
    assert again == lists(items, RelatedSettings(count=4))[0]


@pytest.mark.parametrize("damage", [lambda data: data[: len(data) // 2], lambda data: data[:-10] + b"x" * 10,
                                    lambda data: b""])
def test_a_damaged_state_ranks_everything_again(items, tmp_path, damage):
    settings = RelatedSettings(cache_dir=tmp_path / "related")
    expected, _ = lists(items, settings)
    path = tmp_path / "related" / STATE_FILE_NAME
    path.write_bytes(damage(path.read_bytes()))
    again, reranked = lists(items, settings)
    assert (again, reranked) == (expected, len(items))

"""Unit tests of the related-articles ranker over plain Items (no Pelican)."""

from __future__ import annotations

import datetime as dt

import pytest
from related.ranker import Item, RelatedIndex, Tuning, related_ids
from related.settings import RelatedSettings, RelatedSettingsError, read_settings

DAY0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

ELECTION = "ballot turnout polling stations observers candidates campaign parliament ballot turnout"
WINE = "vineyard harvest grapes qvevri winemakers cellar vintage grapes vineyard harvest"
BORDER = "checkpoint crossing customs border guards queue passport checkpoint crossing"


def item(id: str, text: str = ELECTION, *, tags=("Elections",), authors=("a",), section="commentary",
         days: int = 0, related=(), title: str | None = None) -> Item:
    return Item(id=id, title=title or id.replace("-", " "), section=section, tags=tuple(tags),
                authors=tuple(authors), text=text, date=DAY0 + dt.timedelta(days=days), related=tuple(related))


def settings(**changes) -> RelatedSettings:
    return RelatedSettings(**changes)


def ids(picks) -> list[str]:
    return [pick.item.id for pick in picks]


def test_explicit_picks_come_first_in_the_editors_order_even_when_unrelated():
    items = [
        item("query", related=("wine-b", "wine-a")),
        item("wine-a", WINE, tags=("Wine",), authors=("w",)),
        item("wine-b", WINE, tags=("Wine",), authors=("v",)),
        item("vote-1", authors=("b",)),
        item("vote-2", authors=("c",)),
    ]
    picks = RelatedIndex(items, settings(count=3)).related("query")
    assert ids(picks) == ["wine-b", "wine-a", "vote-1"]
    assert [pick.reason for pick in picks] == ["explicit", "explicit", "score"]


def test_explicit_picks_skip_unpublished_unknown_duplicate_and_self_ids():
    items = [item("query", related=("draft-not-indexed", "vote-1", "vote-1", "query")),
             item("vote-1", authors=("b",)), item("vote-2", authors=("c",))]
    picks = RelatedIndex(items, settings(count=2)).related("query")
    assert ids(picks) == ["vote-1", "vote-2"]
    assert [pick.reason for pick in picks] == ["explicit", "score"]


def test_fill_is_ordered_by_score_and_never_contains_the_column_itself():
    items = [
        item("query", ELECTION + " " + BORDER, tags=("Elections", "Borders")),
        item("same-subject", ELECTION, tags=("Elections",), authors=("b",)),
        item("half-subject", BORDER + " harvest", tags=("Borders", "Wine"), authors=("c",), section="economy"),
        item("other-subject", WINE, tags=("Wine",), authors=("d",), section="culture"),
    ]
    index = RelatedIndex(items, settings(count=3, threshold=0.0))
    ranked = index.ranked("query")
    assert "query" not in [candidate.item.id for candidate in ranked]
    scores = [candidate.score for candidate in ranked]
    assert scores == sorted(scores, reverse=True)
    assert ids(index.related("query"))[:2] == ["same-subject", "half-subject"]
    assert "other-subject" not in ids(index.related("query")[:2])


def test_threshold_leaves_slots_empty_rather_than_showing_unrelated_columns():
    items = [item("query"), item("unrelated", WINE, tags=("Wine",), authors=("z",), section="culture")]
    assert RelatedIndex(items, settings(threshold=0.12)).related("query") == []


def test_include_newer_setting_controls_later_columns():
    items = [item("query", days=10), item("older", days=0, authors=("b",)), item("newer", days=20, authors=("c",))]
    assert set(ids(RelatedIndex(items, settings(include_newer=True)).related("query"))) == {"older", "newer"}
    assert ids(RelatedIndex(items, settings(include_newer=False)).related("query")) == ["older"]


def test_recency_decay_prefers_the_closer_date_when_everything_else_is_equal():
    items = [item("query", days=0), item("near", days=30, authors=("b",)), item("far", days=900, authors=("c",))]
    ranked = RelatedIndex(items, settings(half_life_days=365)).ranked("query")
    assert [candidate.item.id for candidate in ranked] == ["near", "far"]
    assert ranked[0].decay > ranked[1].decay
    assert ranked[1].decay == pytest.approx(0.5 ** (900 / 365))


def test_rarer_shared_tags_weigh_more_than_common_ones():
    filler = [item(f"filler-{n}", WINE, tags=("Common",), authors=(f"f{n}",), section="culture") for n in range(6)]
    items = [
        item("query", "alpha", tags=("Common", "Rare")),
        item("shares-rare", "beta", tags=("Rare",), authors=("b",), section="culture"),
        item("shares-common", "gamma", tags=("Common",), authors=("c",), section="culture"),
        *filler,
    ]
    ranked = RelatedIndex(items, settings(threshold=0.0)).ranked("query")
    by_id = {candidate.item.id: candidate for candidate in ranked}
    assert by_id["shares-rare"].contributions["tags"] > by_id["shares-common"].contributions["tags"]


def test_text_similarity_counts_without_any_shared_tag():
    items = [
        item("query", ELECTION, tags=("One",)),
        item("same-words", ELECTION, tags=("Two",), authors=("b",), section="culture"),
        item("other-words", WINE, tags=("Three",), authors=("c",), section="culture"),
    ]
    ranked = RelatedIndex(items, settings(threshold=0.0)).ranked("query")
    assert ranked[0].item.id == "same-words"
    assert ranked[0].contributions["text"] > 0.1
    assert all(candidate.contributions["text"] == 0 for candidate in ranked[1:])


def test_diversity_rule_limits_cards_by_one_author_unless_nothing_else_qualifies():
    prolific = [item(f"by-a-{n}", authors=("prolific",), days=n) for n in range(4)]
    other = item("by-b", ELECTION + " vineyard", authors=("b",), days=50)
    index = RelatedIndex([item("query", authors=("q",)), *prolific, other], settings(count=3, max_per_author=2))
    picks = index.related("query")
    assert len(picks) == 3
    assert sum("prolific" in pick.item.authors for pick in picks) == 2
    assert "by-b" in ids(picks)
    # with nobody else to show, the limit gives way rather than leaving slots empty
    alone = RelatedIndex([item("query", authors=("q",)), *prolific], settings(count=3, max_per_author=2))
    picks = alone.related("query")
    assert len(picks) == 3
    assert picks[-1].reason == "score, author limit relaxed"


def test_ties_break_deterministically_whatever_the_input_order():
    twins = [item(f"twin-{name}", authors=(name,)) for name in "dcbae"]
    forward = related_ids([item("query", authors=("q",)), *twins], settings(count=3))
    backward = related_ids([*reversed(twins), item("query", authors=("q",))], settings(count=3))
    assert forward == backward
    # equal scores and dates: the smaller id first
    assert forward["query"] == ["twin-a", "twin-b", "twin-c"]


def test_truncated_postings_still_find_the_closest_items():
    # more items share the subject than a postings list keeps: the ranker must stay sensible
    crowd = [item(f"crowd-{n:02d}", ELECTION, authors=(f"c{n}",), days=n) for n in range(30)]
    index = RelatedIndex([item("query", ELECTION + " " + BORDER), *crowd,
                          item("twin", ELECTION + " " + BORDER, authors=("t",))],
                         settings(), Tuning(postings_cap=5, terms_indexed=8, terms_per_item=4))
    assert index.ranked("query")[0].item.id == "twin"


def test_settings_errors_name_the_option():
    cases = {
        "RELATED_COUNT": ("three", "RELATED_COUNT should be a whole number, got 'three'"),
        "RELATED_THRESHOLD": (-1, "RELATED_THRESHOLD should be at least 0.0, got -1"),
        "RELATED_INCLUDE_NEWER": ("yes", "RELATED_INCLUDE_NEWER should be True or False, got 'yes'"),
        "RELATED_WEIGHTS": ({"tag": 1}, "RELATED_WEIGHTS has unknown signal 'tag'; known signals: tags, text"),
        "RELATED_EXCERPT_LENGTH": (5, "RELATED_EXCERPT_LENGTH should be at least 20, got 5"),
        "RELATED_MAX_PER_AUTHOR": (0, "RELATED_MAX_PER_AUTHOR should be at least 1, got 0"),
    }
    for option, (value, message) in cases.items():
        with pytest.raises(RelatedSettingsError) as error:
            read_settings({option: value})
        assert message in str(error.value)
    with pytest.raises(RelatedSettingsError, match=r"RELATED_WEIGHTS\['text'\] should be a number >= 0"):
        read_settings({"RELATED_WEIGHTS": {"text": -2}})
    assert read_settings({}).count == 3

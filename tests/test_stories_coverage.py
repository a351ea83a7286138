"""Story coverage maths and settings: pure functions, no build."""

from __future__ import annotations

import datetime as dt
import itertools
from fractions import Fraction
from types import SimpleNamespace

import pytest
from stories.coverage import (
    blindspots,
    breakdown,
    group_by_lean,
    largest_remainder,
    lean_distribution,
    lean_tone,
    scale_sides,
)
from stories.settings import DEFAULT_LEAN_SCALE, StorySettingsError, read_story_settings

SCALE = DEFAULT_LEAN_SCALE


def test_largest_remainder_sums_to_100_and_stays_within_one_point():
    for counts in itertools.product(range(0, 8), repeat=3):
        if not sum(counts):
            continue
        shares = largest_remainder(list(counts))
        assert sum(shares) == 100, counts
        for count, share in zip(counts, shares, strict=True):
            assert abs(share - Fraction(100 * count, sum(counts))) < 1, counts
            if count == 0:
                assert share == 0, counts


def test_largest_remainder_gives_the_leftover_point_to_the_largest_remainder():
    assert largest_remainder([1, 1, 1]) == [34, 33, 33]
    # 2/7 = 28.57 (remainder .57) beats 1/7 = 14.29 (remainder .29)
    assert largest_remainder([1, 2, 4]) == [14, 29, 57]
    assert largest_remainder([0, 0]) == [0, 0]


def test_unknown_lean_is_counted_apart_and_never_in_the_percentages():
    leans = ["left", "left", "center", "right", "unknown", "unknown", "not-on-scale"]
    dist = lean_distribution(leans, SCALE)
    assert dist.rated == 4
    assert dist.unknown == 3
    assert dist.total == 7
    by_key = {s.key: s for s in dist.shares}
    assert [s.key for s in dist.shares] == list(SCALE)
    assert by_key["left"].count == 2 and by_key["left"].percent == 50
    assert by_key["lean left"].count == 0 and by_key["lean left"].percent == 0
    assert sum(s.percent for s in dist.shares) == 100
    assert dist.largest().key == "left"


def test_no_rated_sources_gives_no_percentages_and_no_headline_share():
    dist = lean_distribution(["unknown", "unknown"], SCALE)
    assert dist.rated == 0 and dist.unknown == 2
    assert all(s.percent is None for s in dist.shares)
    assert dist.largest() is None


@pytest.mark.parametrize("size,expected", [
    (5, ["l2", "l1", "c", "r1", "r2"]),
    (4, ["l2", "l1", "r1", "r2"]),
    (3, ["l1", "c", "r1"]),
    (2, ["l1", "r1"]),
    (7, ["l3", "l2", "l1", "c", "r1", "r2", "r3"]),
])
def test_lean_tones_follow_the_distance_from_the_middle(size, expected):
    assert [lean_tone(i, size) for i in range(size)] == expected


def test_scale_sides_leave_the_middle_out():
    assert scale_sides(SCALE) == (("left", "lean left"), ("lean right", "right"))
    assert scale_sides(["independent", "state-affiliated"]) == (("independent",), ("state-affiliated",))


def test_blindspot_when_one_side_is_below_the_threshold():
    # 7 rated: left side 4, center 2, right side 1 (14% < 20%)
    dist = lean_distribution(["left", "lean left", "lean left", "lean left", "center", "center", "lean right",
                              "unknown"], SCALE)
    notes = blindspots(dist, SCALE, share=0.2, min_rated=3)
    assert len(notes) == 1
    note = notes[0]
    assert note.side_labels == ("Lean right", "Right")
    assert (note.count, note.rated, note.percent, note.threshold_percent) == (1, 7, 14, 20)


def test_no_blindspot_at_exactly_the_threshold_or_with_too_few_rated_sources():
    # right side exactly 1 of 5 = 20%: not "less than"
    dist = lean_distribution(["left", "left", "center", "center", "right"], SCALE)
    assert blindspots(dist, SCALE, share=0.2, min_rated=3) == []
    # both sides empty would be flagged, but two rated sources are too few to say anything
    small = lean_distribution(["center", "center"], SCALE)
    assert blindspots(small, SCALE, share=0.2, min_rated=3) == []
    assert len(blindspots(small, SCALE, share=0.2, min_rated=2)) == 2


def test_blindspot_on_a_two_point_scale():
    scale = ("independent", "state-affiliated")
    dist = lean_distribution(["independent"] * 9 + ["state-affiliated"], scale)
    notes = blindspots(dist, scale, share=0.2, min_rated=3)
    assert [n.side for n in notes] == ["State-affiliated"]


def test_breakdown_counts_blanks_as_unknown_and_puts_them_last():
    rows = breakdown(["Private", "", "Public", "Private", "unknown"])
    assert [(r.label, r.count) for r in rows] == [("Private", 2), ("Public", 1), ("Unknown", 2)]
    assert sum(r.percent for r in rows) == 100


def _entry(outlet_id: str, lean: str, day: int):
    outlet = SimpleNamespace(id=outlet_id, name=outlet_id.title(), lean=lean)
    return SimpleNamespace(outlet=outlet, date=dt.datetime(2026, 1, day, tzinfo=dt.UTC))


def test_grouping_follows_the_scale_with_unknown_last_and_earliest_first():
    entries = [_entry("c", "center", 3), _entry("u", "unknown", 1), _entry("r", "right", 2),
               _entry("l", "left", 5), _entry("l2", "left", 4)]
    dist = lean_distribution([e.outlet.lean for e in entries], SCALE)
    groups = group_by_lean(entries, SCALE, dist)
    assert [g.share.key for g in groups] == ["left", "center", "right", "unknown"]
    assert [e.outlet.id for e in groups[0].entries] == ["l2", "l"]
    assert groups[-1].share.label == "Unknown lean"


@pytest.mark.parametrize("overrides,message", [
    ({"STORY_LEAN_SCALE": ["left", "unknown"]}, "STORY_LEAN_SCALE: leave out 'unknown'"),
    ({"STORY_LEAN_SCALE": ["left", "Left"]}, "STORY_LEAN_SCALE: 'left' is listed twice"),
    ({"STORY_LEAN_SCALE": "left, right"}, "STORY_LEAN_SCALE: should be a non-empty list"),
    ({"STORY_BLINDSPOT_SHARE": 20}, "STORY_BLINDSPOT_SHARE: should be a fraction"),
    ({"STORY_PREMIUM_DETAILS": ["owners"]}, "STORY_PREMIUM_DETAILS: unknown detail 'owners'"),
    ({"STORY_URL": "stories/"}, "STORY_URL: must contain {slug}"),
    ({"STORY_BLINDSPOT_MIN_RATED": 0}, "STORY_BLINDSPOT_MIN_RATED: should be a whole number >= 1"),
])
def test_bad_settings_name_the_option(overrides, message):
    with pytest.raises(StorySettingsError) as caught:
        read_story_settings(overrides)
    assert message in str(caught.value)


def test_settings_defaults():
    settings = read_story_settings({})
    assert settings.lean_scale == SCALE
    assert settings.premium_details == frozenset()
    assert read_story_settings({"STORY_LEAN_SCALE": [" Independent ", "State-affiliated"]}).lean_scale == (
        "independent", "state-affiliated")

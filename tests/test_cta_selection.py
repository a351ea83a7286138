"""Which variant a column gets: override, tag, author, section, default, none, dates, ties."""

from __future__ import annotations

import datetime as dt

import pytest
from cta.selection import select_variant
from cta.variants import Placement, Variant
from markupsafe import Markup

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def variant(vid: str, **fields) -> Variant:
    defaults = dict(headline=f"{vid} headline", pitch_html=Markup(""), button_label="Join",
                    button_url="/membership/", footer_text="Join us", placement=Placement("end"))
    if "tags" in fields:
        fields["tags"] = frozenset(tag.casefold() for tag in fields["tags"])
    for key in ("sections", "authors"):
        if key in fields:
            fields[key] = frozenset(fields[key])
    return Variant(id=vid, **{**defaults, **fields})


DEFAULT = variant("default", default=True)
PRESS = variant("press", tags=["Press freedom"])
ECONOMY = variant("economy", sections=["economy"])
NINO = variant("nino", authors=["nino-kapanadze"])
PLAIN = variant("plain")  # neither default nor targeted: only by override
ALL = [ECONOMY, PRESS, DEFAULT, NINO, PLAIN]


def pick(variants=ALL, **article):
    chosen = select_variant(variants, now=article.pop("now", NOW), **article)
    return chosen.id if chosen else None


@pytest.mark.parametrize(
    ("article", "expected"),
    [
        ({}, "default"),
        ({"section": "culture", "tags": ["Books"]}, "default"),
        ({"section": "economy"}, "economy"),
        ({"section": "economy", "tags": ["press FREEDOM "]}, "press"),  # tag over section
        ({"section": "economy", "authors": ["nino-kapanadze"]}, "nino"),  # author over section
        ({"tags": ["Press freedom"], "authors": ["nino-kapanadze"]}, "press"),  # tag over author
        ({"section": "economy", "tags": ["Press freedom"], "override": "plain"}, "plain"),
        ({"section": "economy", "override": "default"}, "default"),
        ({"section": "economy", "tags": ["Press freedom"], "override": "none"}, None),
    ],
)
def test_targeting_matrix(article, expected):
    assert pick(**article) == expected


def test_untargeted_non_default_variant_is_only_used_by_override():
    assert pick([PLAIN, DEFAULT], section="economy") == "default"
    assert pick([PLAIN, DEFAULT], override="plain") == "plain"


def test_every_rule_list_of_a_variant_must_match():
    both = variant("both", sections=["economy"], tags=["Trade"])
    assert pick([both, DEFAULT], section="economy", tags=["Energy"]) == "default"
    assert pick([both, DEFAULT], section="culture", tags=["Trade"]) == "default"
    assert pick([both, DEFAULT], section="economy", tags=["Trade"]) == "both"
    # combining rules is more specific than the strongest of them alone
    assert pick([both, variant("trade", tags=["Trade"]), DEFAULT], section="economy", tags=["Trade"]) == "both"


def test_ties_go_to_priority_then_id_not_file_order():
    low_a = variant("a-low", tags=["X"])
    high_z = variant("z-high", tags=["X"], priority=5)
    b = variant("b", tags=["X"])
    assert pick([b, low_a, high_z, DEFAULT], tags=["X"]) == "z-high"
    assert pick([b, low_a, DEFAULT], tags=["X"]) == "a-low"
    assert pick([low_a, b, DEFAULT], tags=["X"]) == "a-low"


def test_variants_outside_their_dates_never_show():
    december = variant("december", sections=["economy"], start=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
                       end=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    assert pick([december, DEFAULT], section="economy") == "default"
    assert pick([december, DEFAULT], section="economy", now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)) == "december"
    assert pick([december, DEFAULT], section="economy", now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC)) == "default"
    # an expired variant named by a column's `cta:` falls back to the usual rules
    assert pick([december, ECONOMY, DEFAULT], section="economy", override="december") == "economy"


def test_expired_default_means_no_block():
    expired = variant("default", default=True, end=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert pick([expired, ECONOMY], section="culture") is None
    assert pick([expired, ECONOMY], section="economy") == "economy"


def test_story_upsell_uses_its_own_variants_and_falls_back_to_default():
    upsell = variant("upsell", upsell="story_details")
    economy_upsell = variant("economy-upsell", upsell="story_details", sections=["economy"])
    purpose = {"purpose": "story_details"}
    assert pick([upsell, economy_upsell, DEFAULT], section="economy", **purpose) == "economy-upsell"
    assert pick([upsell, economy_upsell, DEFAULT], section="culture", **purpose) == "upsell"
    assert pick([PRESS, DEFAULT], tags=["Press freedom"], **purpose) == "default"
    # upsell copy is never chosen for a column, even by name
    assert pick([upsell, DEFAULT], override="upsell") == "default"
    assert pick([upsell, DEFAULT]) == "default"

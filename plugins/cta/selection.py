"""Which call-to-action variant a column (or a story upsell) gets. Deterministic and pure.

Columns (`purpose="column"`, the default):

1. The column's own `cta:` wins: `none` means no block; a variant id means that variant,
   provided it is inside its date window (a variant outside its dates never shows; the
   column then falls back to the steps below).
2. Otherwise the most specific live targeted variant that matches the column. A variant
   matches when every rule list it gives matches (sections AND tags AND authors), any entry
   of a list being enough. Specificity is compared as (has tags, has authors, has sections):
   a tag rule beats an author rule, which beats a section rule; a variant that combines
   rules beats one that has only the strongest of them.
3. Ties: higher `priority` first, then the smaller id (alphabetical), so the result never
   depends on file order.
4. No match: the default variant, if it is inside its dates; else no block.

Variants marked `upsell: <purpose>` are never chosen for columns (not even by `cta:`); they
hold the copy for that purpose. Variants with neither target nor `default: true` are only
shown when a column names them in `cta:`.

Story upsell (`purpose="story_details"`): a site defines the "become a member to see ..."
copy with a variant marked `upsell: story_details`. Among live variants with that mark the
same rules pick one (an untargeted one matching everything, at the lowest specificity);
without any, the default variant is used. The stories plugin decides whether the upsell is
shown at all (its own setting) and renders it with `_cta.html`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from .variants import NONE, Variant

COLUMN = "column"


def _order(variant: Variant) -> tuple:
    """Sort key, best first: most specific, then highest priority, then smallest id."""
    return (tuple(not rule for rule in variant.specificity), -variant.priority, variant.id)


def select_variant(
    variants: Sequence[Variant],
    *,
    section: str | None = None,
    tags: Iterable[str] = (),
    authors: Iterable[str] = (),
    override: str | None = None,
    now: dt.datetime,
    purpose: str = COLUMN,
) -> Variant | None:
    """The variant to show, or None. See the module docstring for the rules."""
    if override == NONE:
        return None
    tags, authors = list(tags), list(authors)
    live = [variant for variant in variants if variant.is_live(now)]
    if purpose == COLUMN:
        if override:
            chosen = next((v for v in live if v.id == override and not v.upsell), None)
            if chosen is not None:
                return chosen
        candidates = [v for v in live if not v.upsell and v.targeted]
    else:
        candidates = [v for v in live if v.upsell == purpose]
    matching = [v for v in candidates
                if not v.targeted or v.matches(section=section, tags=tags, authors=authors)]
    if matching:
        return min(matching, key=_order)
    return next((v for v in live if v.default), None)


def select_for_article(variants: Sequence[Variant], article: object, now: dt.datetime) -> Variant | None:
    """`select_variant` with a Pelican article's (or any object's) section, tags, authors, cta."""
    tags = [getattr(tag, "name", str(tag)) for tag in getattr(article, "tags", None) or []]
    authors = getattr(article, "author_ids", None)
    if authors is None:
        authors = [getattr(a, "slug", str(a)) for a in getattr(article, "authors", None) or []]
    return select_variant(
        variants,
        section=getattr(article, "section", None),
        tags=tags,
        authors=authors,
        override=getattr(article, "cta", None),
        now=now,
    )

"""Rank columns by views; fill short lists from Editor's Picks, then the latest columns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RankedColumn:
    """One line of Most Popular: the article, its views (None when filled in), and why it is there."""

    article: Any
    views: int | None
    source: str  # "analytics", "editors_pick" or "latest"


@dataclass
class Ranking:
    entries: list[RankedColumn] = field(default_factory=list)
    from_picks: int = 0
    from_latest: int = 0
    below_min: int = 0

    @property
    def filled(self) -> bool:
        return bool(self.from_picks or self.from_latest)


def newest_first(articles: Iterable[Any]) -> list[Any]:
    """Newest column first; the slug orders columns of the same moment."""
    return sorted(articles, key=lambda a: (-a.date.timestamp(), a.slug))


def rank(articles: Sequence[Any], views: Counter, top_n: int, min_views: int,
         picks: Sequence[Any], keep: int | None = None, sorted_newest_first: bool = False) -> Ranking:
    """Top columns by views; ties go to the newer column, then the slug, so builds agree.

    `keep` entries are returned (default top_n + 1: one spare, so a column page that hides
    itself still shows top_n). Only `articles` can rank, so drafts and scheduled columns,
    which Pelican keeps out of the published list, never do. `sorted_newest_first` says the
    caller gives `articles` in `newest_first` order already (the latest fill them up).
    """
    keep = top_n + 1 if keep is None else keep
    ranking = Ranking()
    eligible = {a.slug: a for a in articles}
    if sorted_newest_first:
        latest = [a for a in articles if eligible[a.slug] is a]
    else:
        latest = newest_first(eligible.values())
    # (-views, place among the latest): the place breaks ties by date, then slug
    scored = [(-views[a.slug], place, a) for place, a in enumerate(latest) if views.get(a.slug, 0) > 0]
    ranking.below_min = sum(1 for count, _, _ in scored if -count < min_views)
    scored = [item for item in scored if -item[0] >= min_views]
    scored.sort()
    ranking.entries = [RankedColumn(a, -count, "analytics") for count, _, a in scored[:keep]]
    present = {entry.article.slug for entry in ranking.entries}
    for source, pool in (("editors_pick", picks), ("latest", latest)):
        for article in pool:
            if len(ranking.entries) >= keep:
                break
            if article.slug in present or article.slug not in eligible:
                continue
            present.add(article.slug)
            if len(ranking.entries) < top_n:
                if source == "editors_pick":
                    ranking.from_picks += 1
                else:
                    ranking.from_latest += 1
            ranking.entries.append(RankedColumn(article, None, source))
    return ranking

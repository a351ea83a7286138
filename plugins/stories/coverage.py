"""What a story's coverage adds up to: counts, lean distribution, breakdowns, blindspots.

Pure functions over plain values. Sources (distinct outlets) are the unit of the
distribution and the breakdowns, so an outlet that runs five pieces does not outweigh
five outlets that ran one each; the article count is reported beside it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from .settings import UNKNOWN


def largest_remainder(counts: Sequence[int], total: int = 100) -> list[int]:
    """Whole-number shares of `total` proportional to `counts` that add up to exactly `total`.

    Each share is rounded down, then the points left over go to the largest remainders
    (ties: the larger count, then the earlier position), so 1/1/1 gives 34/33/33, never 33/33/33.
    Exact fractions: float error must not decide who gets the last point.
    """
    whole = sum(counts)
    if whole <= 0:
        return [0 for _ in counts]
    quotas = [Fraction(count * total, whole) for count in counts]
    shares = [math.floor(quota) for quota in quotas]
    left_over = total - sum(shares)
    order = sorted(range(len(counts)), key=lambda i: (-(quotas[i] - shares[i]), -counts[i], i))
    for index in order[:left_over]:
        shares[index] += 1
    return shares


def lean_tone(position: int, scale_size: int) -> str:
    """CSS tone for a scale position: l3..l1, c, r1..r3 by distance from the middle."""
    offset = position - (scale_size - 1) / 2
    if offset == 0:
        return "c"
    distance = min(3, math.ceil(abs(offset)))
    return f"{'l' if offset < 0 else 'r'}{distance}"


@dataclass(frozen=True)
class Share:
    key: str
    label: str
    count: int
    percent: int | None  # None where there is nothing to be a share of
    tone: str = "u"


@dataclass(frozen=True)
class Distribution:
    """Rated sources per point on the scale (percentages over rated sources), unknown apart."""

    shares: tuple[Share, ...]
    unknown: int
    rated: int

    @property
    def total(self) -> int:
        return self.rated + self.unknown

    def largest(self) -> Share | None:
        """The point with the most sources (ties: the earlier on the scale), for summaries."""
        best = max(self.shares, key=lambda share: share.count, default=None)
        return best if best and best.count else None


@dataclass(frozen=True)
class Blindspot:
    side_labels: tuple[str, ...]
    count: int
    rated: int
    percent: int
    threshold_percent: int

    @property
    def side(self) -> str:
        return " or ".join(self.side_labels)


def lean_distribution(leans: Iterable[str], scale: Sequence[str]) -> Distribution:
    counts = Counter(leans)
    rated_counts = [counts.get(point, 0) for point in scale]
    rated = sum(rated_counts)
    percents = largest_remainder(rated_counts) if rated else [None] * len(scale)
    shares = tuple(
        Share(point, point.capitalize(), count, percent, lean_tone(i, len(scale)))
        for i, (point, count, percent) in enumerate(zip(scale, rated_counts, percents, strict=True))
    )
    unknown = sum(count for lean, count in counts.items() if lean not in scale)
    return Distribution(shares, unknown, rated)


def scale_sides(scale: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The points left of the middle and right of it (the middle itself is neither side)."""
    middle = (len(scale) - 1) / 2
    left = tuple(point for i, point in enumerate(scale) if i < middle)
    right = tuple(point for i, point in enumerate(scale) if i > middle)
    return left, right


def blindspots(distribution: Distribution, scale: Sequence[str], share: float, min_rated: int) -> list[Blindspot]:
    """Sides of the scale with less than `share` of the rated sources.

    Nothing is said below `min_rated` rated sources: two sources cannot show a blindspot.
    """
    if distribution.rated < min_rated or distribution.rated == 0:
        return []
    counts = {item.key: item.count for item in distribution.shares}
    notes = []
    for side in scale_sides(scale):
        if not side:
            continue
        count = sum(counts.get(point, 0) for point in side)
        if Fraction(count, distribution.rated) < Fraction(share).limit_denominator(10_000):
            notes.append(Blindspot(
                tuple(point.capitalize() for point in side),
                count,
                distribution.rated,
                round(100 * count / distribution.rated),
                round(100 * share),
            ))
    return notes


def breakdown(values: Iterable[str]) -> tuple[Share, ...]:
    """Sources per value (ownership type, country), most first; blanks counted as Unknown, last."""
    counts = Counter(value.strip() or UNKNOWN for value in values)
    known = sorted(((v, c) for v, c in counts.items() if v.lower() != UNKNOWN), key=lambda vc: (-vc[1], vc[0].lower()))
    unknown = sum(c for v, c in counts.items() if v.lower() == UNKNOWN)
    rows = known + ([(UNKNOWN, unknown)] if unknown else [])
    percents = largest_remainder([count for _value, count in rows])
    return tuple(
        Share(value, "Unknown" if value == UNKNOWN else value, count, percent)
        for (value, count), percent in zip(rows, percents, strict=True)
    )


@dataclass(frozen=True)
class Group:
    """Coverage from one point of the scale, so readers can compare the sides."""

    share: Share
    entries: tuple = field(default_factory=tuple)


def group_by_lean(entries: Sequence, scale: Sequence[str], distribution: Distribution) -> list[Group]:
    """Entries (with `.outlet.lean`, `.date`, `.outlet.name`) in scale order, unknown last.

    Within a group the earliest report comes first. Empty groups are left out.
    """
    by_lean: dict[str, list] = {}
    for entry in entries:
        lean = entry.outlet.lean if entry.outlet.lean in scale else UNKNOWN
        by_lean.setdefault(lean, []).append(entry)
    shares = [*distribution.shares, Share(UNKNOWN, "Unknown lean", distribution.unknown, None)]
    groups = []
    for item in shares:
        members = by_lean.get(item.key)
        if members:
            members.sort(key=lambda entry: (entry.date, entry.outlet.name.lower()))
            groups.append(Group(item, tuple(members)))
    return groups


def reported_span(dates: Iterable[dt.datetime]) -> tuple[dt.datetime | None, dt.datetime | None]:
    ordered = sorted(dates)
    return (ordered[0], ordered[-1]) if ordered else (None, None)

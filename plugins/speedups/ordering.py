"""Linear-time replacements for Pelican's per-term list filters. No Pelican here.

Pelican builds each tag, category, author and period page's lists with
`[a for a in dates if a in articles]`: a scan of the whole site per term, with list
membership inside, so quadratic in the number of articles. Pelican's content objects compare
by identity (no `__eq__`), so the same lists come from positions looked up by `id()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


def positions(items: Sequence[object]) -> dict[int, int]:
    """Where each object stands in `items` (by identity; the first place if it repeats)."""
    where: dict[int, int] = {}
    for index, item in enumerate(items):
        where.setdefault(id(item), index)
    return where


def in_order_of(order: Sequence[T], where: dict[int, int], members: Iterable[T]) -> list[T]:
    """`[x for x in order if x in members]` (identity), in O(len(members) log len(members)).

    `where` is `positions(order)`; every object of `order` is assumed to be there once, as
    Pelican's article lists are.
    """
    seen: set[int] = set()
    picked = []
    for item in members:
        key = id(item)
        if key in where and key not in seen:
            seen.add(key)
            picked.append(item)
    picked.sort(key=lambda item: where[id(item)])
    return picked

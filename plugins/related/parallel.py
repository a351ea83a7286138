"""Rank every column on every core: forked children inherit the built index.

Each column's ranking reads the index and nothing else, so splitting the columns between
processes gives exactly the lists one process would.
"""

from __future__ import annotations

from collections.abc import Sequence

from .forks import map_in_forks
from .ranker import RelatedIndex


def related_id_lists(index: RelatedIndex, ids: Sequence[str], workers: int | None = None) -> dict[str, list[str]]:
    """Every id's related ids (explicit first), ranked by `workers` processes (default: every core)."""
    def rank(share: Sequence[str]) -> list[list[str]]:
        return [[pick.item.id for pick in index.related(item_id)] for item_id in share]

    return dict(zip(ids, map_in_forks(rank, ids, workers), strict=True))

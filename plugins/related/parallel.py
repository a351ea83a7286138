"""Rank every column on every core: forked children inherit the built index.

Each column's ranking reads the index and nothing else, so splitting the columns between
processes gives exactly the lists one process would. With a cache folder, the lists of the
last build are kept (`state.py`) and only columns whose list can have changed are ranked.
"""

from __future__ import annotations

from collections.abc import Sequence

from site_build.forks import map_in_forks

from .ranker import RelatedIndex
from .state import STATE_FILE_NAME, save_state, snapshot, stale_ids


def related_id_lists(index: RelatedIndex, ids: Sequence[str], workers: int | None = None) -> dict[str, list[str]]:
    """Every id's related ids (explicit first), ranked by `workers` processes (default: every core)."""
    def rank(share: Sequence[str]) -> list[list[str]]:
        return index.related_id_lists(share)

    cache_dir = index.settings.cache_dir
    kept: dict[str, list[str]] = {}
    if cache_dir is not None:
        state = snapshot(index)
        old = index._previous
        try:
            stale = stale_ids(index, state, old) if old else None
        except (KeyError, IndexError, TypeError, ValueError):
            stale = None  # a state from another layout: rank everything
        if stale is not None:
            old_lists = old["lists"]
            kept = {item_id: old_lists[item_id] for item_id in ids if item_id not in stale and item_id in old_lists}
    todo = [item_id for item_id in ids if item_id not in kept]
    if todo:
        index.ranking_arrays()  # made once here, not once in every worker
    ranked = dict(zip(todo, map_in_forks(rank, todo, workers), strict=True))
    lists = {item_id: kept[item_id] if item_id in kept else ranked[item_id] for item_id in ids}
    index.reranked = len(todo)
    if cache_dir is not None and ({**state, "lists": lists} != old):
        save_state(cache_dir / STATE_FILE_NAME, state, lists)
    return lists

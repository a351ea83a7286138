"""Compute the columns' digests (most of a warm build's key time) on every core.

An article's digest is its own fields' digest (its "shallow" digest, page_keys.py) followed
by the shallow digests of the articles it points at (its cards). Each process computes the
shallow digests of its share only (`site_build.forks`), with the positions of the articles
each one points at; the parent then has every shallow digest and combines them, so no process
hashes another's share (pointing at cards in every share, the digests computed whole cost each
process nearly every column). Everything is a function of the objects alone, so a forked child
sharing the parent's memory computes the same bytes. An article that cannot be hashed, or that
points outside the list, is left to the parent, which then computes it (or finds it unkeyable)
exactly as before; a worker that fails has its share done again by the parent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from site_build.forks import map_shares, worker_count

from .page_keys import Unkeyable, ValueHasher


def _shallow_share(hasher: ValueHasher, share: Sequence[Any], position_of: dict[int, int]
                   ) -> list[tuple[bytes, list[int]] | None]:
    """Each article's shallow digest and the positions of the articles it points at (plain data
    for a pipe), or None where the parent should see for itself."""
    out: list[tuple[bytes, list[int]] | None] = []
    for article in share:
        try:
            digest, nested = hasher.shallow_digest(article)
            out.append((digest, [position_of[id(other)] for other in nested]))
        except (Unkeyable, KeyError):
            out.append(None)
    return out


def precompute_article_digests(hasher: ValueHasher, articles: Sequence[Any], workers: int) -> int:
    """Give `hasher` the digests of `articles`, computed by `workers` processes; the number known."""
    workers = worker_count(len(articles), workers)
    if workers == 1:
        return 0  # the hasher computes each when a page needs it
    position_of = {id(article): position for position, article in enumerate(articles)}
    shares = map_shares(lambda share: _shallow_share(hasher, share, position_of), articles, workers)
    for index, results in enumerate(shares):
        for article, found in zip(articles[index::workers], results, strict=True):
            if found is not None:
                hasher.know_shallow(article, found[0], [articles[p] for p in found[1]])
    known = 0
    for article in articles:  # every shallow digest is known now: combining them is cheap
        try:
            hasher.article_digest(article)
            known += 1
        except Unkeyable:
            pass
    return known

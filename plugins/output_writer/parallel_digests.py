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

`start_digests_ahead` computes them earlier still, in one child forked when the first page
is queued, while this process queues the pages and writes the feeds (one core was idle
then). So nothing may change an article, or anything it holds, from then on: plugins enrich
them in Pelican's context phase and its `*_generator_finalized` and `all_generators_finalized`
signals, all sent before; what runs after (the generators' `generate_output`, queuing pages,
`article_writer_finalized` writing the feeds, `finalized` writing images and rendering) only
reads them. `tests/test_speed_render_digests.py` builds the demo site checking that the
digests taken ahead are those of the articles as they are rendered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from site_build.forks import ForkedWork, map_shares, start_in_fork, worker_count

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


def _tell(hasher: ValueHasher, share: Sequence[Any], results: list, articles: Sequence[Any]) -> int:
    """Give `hasher` what `_shallow_share` found for `share` (positions are in `articles`);
    the number of articles it found."""
    known = 0
    for article, found in zip(share, results, strict=True):
        if found is not None:
            hasher.know_shallow(article, found[0], [articles[p] for p in found[1]])
            known += 1
    return known


class DigestsAhead:
    """Shallow digests of a list of articles, being computed in a forked child."""

    def __init__(self, articles: Sequence[Any], forked: ForkedWork) -> None:
        self._articles, self._forked = list(articles), forked

    def give_to(self, hasher: ValueHasher) -> int:
        """Wait for the child and tell `hasher` what it computed; the number of articles known
        (0 if the child failed: `precompute_article_digests` then computes them all)."""
        done, results = self._forked.take()
        articles, self._articles = self._articles, []
        if not done or not isinstance(results, list) or len(results) != len(articles):
            return 0
        return _tell(hasher, articles, results, articles)

    def abandon(self) -> None:
        self._articles = []
        self._forked.abandon()


def start_digests_ahead(articles: Sequence[Any]) -> DigestsAhead | None:
    """Fork a child computing the shallow digests of `articles` (see the module docstring);
    None when there are too few to be worth it or no child can be started."""
    if worker_count(len(articles), 2) == 1:
        return None
    articles = list(articles)
    position_of = {id(article): position for position, article in enumerate(articles)}
    forked = start_in_fork(lambda: _shallow_share(ValueHasher(), articles, position_of))
    return DigestsAhead(articles, forked) if forked is not None else None


def precompute_article_digests(hasher: ValueHasher, articles: Sequence[Any], workers: int) -> int:
    """Give `hasher` the digests of `articles`, the shallow ones it does not know yet computed
    by `workers` processes; the number known."""
    left = [article for article in articles if not hasher.knows_shallow(article)]
    workers = worker_count(len(left), workers)
    if workers > 1:
        position_of = {id(article): position for position, article in enumerate(articles)}
        shares = map_shares(lambda share: _shallow_share(hasher, share, position_of), left, workers)
        for index, results in enumerate(shares):
            _tell(hasher, left[index::workers], results, articles)
    elif len(left) == len(articles):
        return 0  # the hasher computes each when a page needs it
    known = 0
    for article in articles:  # every shallow digest is known now: combining them is cheap
        try:
            hasher.article_digest(article)
            known += 1
        except Unkeyable:
            pass
    return known

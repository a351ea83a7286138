"""Related lists ranked in a forked process while Pelican reads the articles.

Pelican turns 10,000 files into articles on one core (about 1.5 s after an edit, 3 s cold),
and ranking needs nothing from that: every field it reads (slug, title, section, tags,
authors, date, explicit picks, standfirst, body) is already in the validated `SiteIndex`. So
just before Pelican reads, a child process ranks the published columns of the index (with
the cache and the saved state, as the build would), and the build takes its lists once the
articles exist, if they say the same thing: both sides digest the fields ranking reads
(`view_digest`). On any difference, or if the child failed, the build ranks the articles
itself. The text is the column's own body either way, so both give the same lists.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import marshal
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from content_model.stored_html import html_identity, unedited_source
from site_build.forks import ForkedWork, start_in_fork

from .items import items_from_index, text_from
from .model import Item, Tuning
from .settings import RelatedSettings

# (id, title, section, tags, authors, date, picks, standfirst, body digest): what ranking reads
ViewRow = tuple


def view_row(item: Item, standfirst: str, body_identity: bytes) -> ViewRow:
    return (item.id, item.title, item.section, item.tags, item.authors, item.date.isoformat(), item.related,
            standfirst, body_identity)


def view_digest(rows: Iterable[ViewRow], settings: RelatedSettings) -> bytes:
    """One digest of every row, whatever their order, and of the settings ranking reads (not
    where the cache is). The rows in marshal's format 2: it writes every value out in full
    (from format 3 on, an object seen twice, or an interned string, is written as a
    back-reference or a flag, so equal rows could give different bytes), and ~5x faster than
    `repr` at 10,000 rows."""
    ranking = repr((replace(settings, cache_dir=None), Tuning())).encode("utf-8", "surrogatepass")
    h = hashlib.blake2b(ranking, digest_size=16)
    h.update(marshal.dumps(sorted(rows), 2))
    return h.digest()


def article_view_rows(articles: Sequence, items: Sequence[Item]) -> list[ViewRow] | None:
    """The view rows of Pelican articles (with their items), or None when an article does
    not keep its body apart from later edits (then only ranking the articles is sure)."""
    rows = []
    for article, item in zip(articles, items, strict=True):
        try:
            body = unedited_source(article)
        except AttributeError:
            return None
        rows.append(view_row(item, getattr(article, "standfirst", "") or "", html_identity(body)))
    return rows


def _rank(index, settings: RelatedSettings, now: dt.datetime) -> list:
    # imported here, in the child: the build's process needs neither (nor numpy) to take its lists
    from .parallel import related_id_lists
    from .ranker import RelatedIndex

    items, bodies, _ = items_from_index(index, now)
    rows = [view_row(item, bodies[item.id][0], html_identity(bodies[item.id][1])) for item in items]
    ranker = RelatedIndex(items, settings, text_of=text_from(bodies))
    return [view_digest(rows, settings), related_id_lists(ranker, [item.id for item in items])]


class RankingAhead:
    """A child ranking the index (in a process group of its own, with its workers); `take`
    waits for its lists, `abandon` stops them all and removes the scratch files it left.
    Either reaps it; later calls do nothing."""

    def __init__(self, child: ForkedWork, scratch: Path) -> None:
        self._child, self.scratch = child, scratch

    @property
    def pid(self) -> int:
        return self._child.pid

    @property
    def done(self) -> bool:
        return self._child.done

    def take(self, expected_view: bytes) -> dict[str, list[str]] | None:
        """The child's lists if it ranked exactly `expected_view`, else None."""
        done, result = self._child.take()
        if not done or not isinstance(result, list) or len(result) != 2:
            return None
        view, lists = result
        return lists if view == expected_view and isinstance(lists, dict) else None

    def abandon(self) -> None:
        if self.done:
            return
        self._child.abandon()
        from .cache import SCRATCH_PREFIX  # (the cache's module imports numpy: only when stopping a child)

        for folder in self.scratch.glob(f"{SCRATCH_PREFIX}{self.pid}-*"):
            shutil.rmtree(folder, ignore_errors=True)


def _rank_without_collector(index, settings: RelatedSettings, now: dt.datetime) -> list:
    gc.disable()  # ~10^5 containers that all live to the end (see `attach_related`)
    return _rank(index, settings, now)


def start_ranking(index, settings: RelatedSettings, now: dt.datetime) -> RankingAhead | None:
    """Fork a child that ranks `index` and sends back [view digest, lists]; None when no child
    can be started (then the build ranks the articles itself)."""
    child = start_in_fork(lambda: _rank_without_collector(index, settings, now), own_group=True)
    if child is None:
        return None
    return RankingAhead(child, settings.cache_dir or Path(tempfile.gettempdir()))

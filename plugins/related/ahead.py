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
import os
import signal
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from content_model.stored_html import StoredHtml, html_identity, unedited_source

from .items import is_published, item_text
from .parallel import related_id_lists
from .ranker import Item, RelatedIndex
from .settings import RelatedSettings

# (id, title, section, tags, authors, date, picks, standfirst, body digest): what ranking reads
ViewRow = tuple


def view_row(item: Item, standfirst: str, body_identity: bytes) -> ViewRow:
    return (item.id, item.title, item.section, item.tags, item.authors, item.date.isoformat(), item.related,
            standfirst, body_identity)


def view_digest(rows: Iterable[ViewRow]) -> bytes:
    """One digest of every row, whatever their order. (`repr`, not marshal: marshal writes an
    object seen twice as a back-reference, so equal rows can give different bytes.)"""
    return hashlib.blake2b(repr(sorted(rows)).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def index_items(index, now: dt.datetime) -> tuple[list[Item], list[ViewRow], Callable[[Item], str]]:
    """Items (without text) for the published columns of a validated SiteIndex, their view
    rows, and `text_of` for the ranker: each text is made when it is read."""
    items: list[Item] = []
    rows: list[ViewRow] = []
    sources: dict[str, tuple[str, str | StoredHtml | None]] = {}
    for slug, record in index.columns.items():
        meta = record.meta
        scheduled = meta.date > now
        status = "draft" if meta.status == "draft" or scheduled else "published"  # as the reader has it
        if not is_published(status, meta.date, now):
            continue
        parse = index.parses[record.path]
        standfirst = meta.summary or parse.first_paragraph
        item = Item(id=slug, title=meta.title, section=meta.section, tags=tuple(meta.tags),
                    authors=tuple(meta.authors), text="", date=meta.date, related=tuple(meta.related))
        items.append(item)
        rows.append(view_row(item, standfirst, html_identity(parse.body_html)))
        sources[slug] = (standfirst, parse.body_html)

    def text_of(item: Item) -> str:
        standfirst, body = sources[item.id]
        return item_text(standfirst, body.text() if type(body) is StoredHtml else body or "")

    return items, rows, text_of


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
    items, rows, text_of = index_items(index, now)
    ranker = RelatedIndex(items, settings, text_of=text_of)
    return [view_digest(rows), related_id_lists(ranker, [item.id for item in items])]


@dataclass
class RankingAhead:
    """A child ranking the index; `take` waits for its lists."""

    pid: int
    pipe: int

    def take(self, expected_view: bytes) -> dict[str, list[str]] | None:
        """The child's lists if it ranked exactly `expected_view`, else None. Reaps the child."""
        result = None
        try:
            with os.fdopen(self.pipe, "rb") as pipe:
                result = marshal.load(pipe)
        except (EOFError, ValueError, TypeError, OSError):
            result = None
        _, status = os.waitpid(self.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0 or not isinstance(result, list) or len(result) != 2:
            return None
        view, lists = result
        return lists if view == expected_view and isinstance(lists, dict) else None

    def abandon(self) -> None:
        """Stop and reap a child whose lists nobody will take (the build failed first)."""
        try:
            os.close(self.pipe)
        except OSError:
            pass
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def start_ranking(index, settings: RelatedSettings, now: dt.datetime) -> RankingAhead | None:
    """Fork a child that ranks `index` and sends back [view digest, lists]; None without fork."""
    if not hasattr(os, "fork"):
        return None
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: rank, send, leave without the parent's cleanup handlers
        os.close(read_end)
        gc.disable()  # ~10^5 containers that all live to the end (see `attach_related`)
        code = 0
        try:
            with os.fdopen(write_end, "wb") as pipe:
                marshal.dump(_rank(index, settings, now), pipe)
        except BaseException:
            code = 1
        os._exit(code)
    os.close(write_end)
    return RankingAhead(pid, read_end)

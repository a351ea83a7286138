"""A Pelican Writer that renders pages in parallel and writes only files whose bytes change.

Pelican's own `write_file` still does all the per-call work (pagination, local context,
override rules); only the two leaf steps are replaced: `template.render(...)` is recorded as
a job instead of run, and `_open_w` hands out a buffer instead of truncating a file. The jobs
are rendered when Pelican sends `finalized` (after every generator and the feeds, which read
the article objects, not the written pages).

Difference from Pelican: `content_written` is sent when a page is queued, before its file
exists (no plugin of ours listens to it).
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pelican.writers as pelican_writers
from pelican.contents import Content
from pelican.plugins import signals
from pelican.writers import FileOverwriteFailedError, Writer
from site_build.memory import return_free_memory
from site_build.output_tree import write_if_changed
from site_build.session import session_of

from .parallel_digests import DigestsAhead, start_digests_ahead
from .render import PageContext, RenderJob, render_all
from .settings import OutputWriterSettings
from .unchanged import UnchangedPages

logger = logging.getLogger(__name__)

# A page sets a dozen variables of its own (output_file, page_name, articles, paginator...);
# many more than that means the site context changed since it was copied.
_MOST_OWN_VALUES = 32


class _ChangedOnlyFile(io.StringIO):
    """Collects text; on close writes it only if it differs from what is there."""

    def __init__(self, path: str, encoding: str) -> None:
        super().__init__()
        self._path, self._encoding = path, encoding

    def close(self) -> None:
        if not self.closed:
            write_if_changed(self._path, self.getvalue().encode(self._encoding))
        super().close()


class _Discard(io.StringIO):
    pass


class _OsWithoutMakedirs:
    """`os` as pelican.writers sees it while a page is queued: folder creation left out."""

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    @staticmethod
    def makedirs(*_args, **_kwargs) -> None:
        return None


@contextmanager
def _pages_make_no_folders() -> Iterator[None]:
    # Pelican makes every page's folder before opening the file. Here nothing is written at
    # that point, and write_if_changed makes the folders of the files it does write; a folder
    # made for a page that stays unchanged only costs a mkdir now and an rmdir when staging is
    # dropped (about a millisecond each on a disk mounted with `discard`).
    module = pelican_writers.os
    pelican_writers.os = _OsWithoutMakedirs()
    try:
        yield
    finally:
        pelican_writers.os = module


class _QueuedTemplate:
    """Stands in for a Jinja template inside Pelican's write_file: records the render."""

    def __init__(self, template: Any, writer: ChangedOnlyWriter) -> None:
        self._template, self._writer = template, writer

    def render(self, context: dict[str, Any]) -> str:
        self._writer._pending = (self._template, context)
        return ""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._template, name)


def _percent_reporter(session, total: int):
    """A line at every tenth of a long render (the count is this process's share x workers)."""
    if session is None or session.progress_line is None or total < 1000:
        return None
    step = total // 10
    next_line = [step]

    def on_page(done: int) -> None:
        if done >= next_line[0]:
            session.progress(f"rendering: about {min(99, 100 * done // total)}% of {total} pages")
            next_line[0] += step

    return on_page


class ChangedOnlyWriter(Writer):
    def __init__(self, output_path: str, settings: dict | None = None) -> None:
        super().__init__(output_path, settings=settings)
        self.options = OutputWriterSettings.from_settings(self.settings)
        self._jobs: dict[str, RenderJob] = {}  # by path: an override replaces the earlier page
        self._pending: tuple[Any, dict[str, Any]] | None = None
        self._shared: dict[str, Any] | None = None
        # A private copy of the site context that queued pages are stored against (PageContext).
        self._base: tuple[dict[str, Any] | None, dict[str, Any], list[str]] = (None, {}, [])
        self.flushed = False
        self._ahead: DigestsAhead | None = None
        self._ahead_tried = False
        # Weakly connected: gone with this writer, so a re-run in one process starts clean.
        signals.finalized.connect(self._on_finalized)

    def _on_finalized(self, pelican) -> None:
        if getattr(pelican, "settings", None) is self.settings:
            self.flush()

    @property
    def _workers(self) -> int:
        return self.options.workers or os.cpu_count() or 1

    def _start_digests_ahead(self, context: dict[str, Any]) -> None:
        # At the first page: every generator has built and enriched its context by now.
        self._ahead_tried = True
        session = session_of(self.settings)
        if not UnchangedPages.applies_to(self.settings, session) or self._workers < 2:
            return
        articles = [article for name in ("articles", "drafts", "hidden_articles")
                    for article in context.get(name) or () if isinstance(article, Content)]
        try:
            self._ahead = start_digests_ahead(articles)
        except Exception:  # the digests are then computed at the render, as without it
            logger.debug("no page digests ahead", exc_info=True)
            return
        if self._ahead is not None:
            session.at_end(self._ahead.abandon)

    def write_file(self, name, template, context, *args, **kwargs) -> None:
        if not self._ahead_tried:
            self._start_digests_ahead(context)
        self._shared = context
        with _pages_make_no_folders():
            super().write_file(name, _QueuedTemplate(template, self), context, *args, **kwargs)
        self._pending = None
        self._shared = None

    def _open_w(self, filename: str, encoding: str, override: bool = False):
        # Pelican's rule: one write per file, or one override that later writes skip.
        pending, self._pending = self._pending, None
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(f'Failed to overwrite "{filename}" a second time '
                                               "(was previously overwritten)")
            return _Discard()
        if filename in self._written_files and not override:
            raise FileOverwriteFailedError(f'Failed to overwrite "{filename}" as Pelican has already '
                                           "written to it previously (set `override=True` if intended)")
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        if pending is None:  # a feed written by Pelican: small, write it now
            return _ChangedOnlyFile(filename, encoding)
        template, context = pending
        self._jobs.pop(filename, None)
        self._jobs[filename] = self._job(filename, template, context)
        return _Discard()

    def _job(self, filename: str, template: Any, context: dict[str, Any]) -> RenderJob:
        if self._shared is None:
            return RenderJob(filename, template, dict(context))
        source, base, base_keys = self._base
        page = PageContext.of(context, base, base_keys) if source is self._shared else None
        if page is None or len(page.own) > _MOST_OWN_VALUES:
            # a new site context, or one changed since the copy: copy it again (a copy, so
            # that later changes to the live context cannot reach pages already queued)
            base = dict(self._shared)
            base_keys = list(base)
            self._base = (self._shared, base, base_keys)
            page = PageContext.of(context, base, base_keys)
        return RenderJob(filename, template, page, base)

    def flush(self) -> None:
        """Render and write every queued page (once)."""
        if self.flushed:
            return
        self.flushed = True
        session = session_of(self.settings)
        unchanged = UnchangedPages(self.settings, session)
        workers = self._workers
        ahead, self._ahead = self._ahead, None
        jobs, kept = unchanged.split(list(self._jobs.values()), workers, ahead)
        if ahead is not None:
            ahead.abandon()  # when split did not need it (nothing taken: nothing to stop otherwise)
        self._jobs.clear()
        return_free_memory()  # what the page keys' hashing freed, before the render workers fork
        if session:
            session.progress(f"rendering {len(jobs)} pages with {min(workers, max(1, len(jobs)))} processes"
                             f" ({kept} unchanged pages kept)")
        outcome = render_all(jobs, workers, _percent_reporter(session, len(jobs)))
        for message in outcome.errors:
            logger.error("rendering failed: %s", message)
        if not outcome.errors:
            unchanged.remember(jobs)
        if session:
            session.pages_rendered += outcome.rendered
            session.pages_written += outcome.written
            session.pages_skipped += kept
            session.progress(f"rendered {outcome.rendered} pages, {outcome.written} of them new or changed")

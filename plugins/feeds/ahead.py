"""Feeds written in a forked child while the build goes on rendering its pages.

Writing the feeds is one process's work (1.5 s at 10,000 columns on a cold build, 0.3 s after
an edit) that nothing in the build reads: the pages only link to the feeds. Pelican writes
them at `article_writer_finalized`, after which the build's own process has a second of work
of its own to do before its render workers fill both cores again. The child writes the files
into the staging folder (the kept-file ledger takes appends from several processes), its
records and the id registry, exactly as the build's process would have at that point. It is
joined once Pelican has finished (`finalized`, after the pages are written): its warnings and
errors are logged here, and a failure fails the build.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from pelican import signals
from site_build.forks import ForkedWork, start_in_fork
from site_build.session import BuildSession

logger = logging.getLogger(__name__)


class _Records(logging.Handler):
    """Keeps (level, logger name, message) of each record, to be logged again by the parent."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[int, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelno, record.name, record.getMessage()))


def _in_child(work: Callable[[], object]) -> dict:
    # This process is a throwaway copy: its handlers (the terminal, the build's error count)
    # would report the records here as well as in the parent, so only ours is left.
    for known in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(known, logging.Logger):
            known.handlers = []
    captured = _Records()
    logging.root.handlers = [captured]
    try:
        work()
        error = ""
    except BaseException:
        error = traceback.format_exc()
    return {"logs": captured.records, "error": error}


class FeedsAhead:
    """The child writing the feeds of the build with `settings`; `join` (at that build's
    `finalized`) waits for it and reports, once."""

    def __init__(self, child: ForkedWork, settings: dict) -> None:
        self._child, self._settings = child, settings

    def join(self, pelican: object = None, **_kwargs) -> None:
        if getattr(pelican, "settings", self._settings) is not self._settings or self._child.done:
            return  # another build's end, or this one's was already reported (or stopped)
        signals.finalized.disconnect(self.join)
        done, result = self._child.take()
        if not done:
            raise RuntimeError("feeds: the process writing them stopped before it finished")
        for level, name, message in result["logs"]:
            logging.getLogger(name).log(level, "%s", message)
        if result["error"]:
            raise RuntimeError(f"feeds: writing them failed:\n{result['error']}")


def write_ahead(work: Callable[[], object], settings: dict, session: BuildSession | None) -> FeedsAhead | None:
    """Run `work` (writing every feed) in a forked child joined at `finalized`; None where
    there is no build session (nothing would stop a child the build never joined) or no child
    can be started: the caller then does the work itself. Keep the result alive until then
    (the signal holds it weakly, so it goes with the build)."""
    if session is None:
        return None
    child = start_in_fork(lambda: _in_child(work))
    if child is None:
        return None
    ahead = FeedsAhead(child, settings)
    session.at_end(child.abandon)  # a build that fails before `finalized` stops it
    # connected now, after the writer's own receiver: joined once the pages are rendered
    signals.finalized.connect(ahead.join)
    return ahead

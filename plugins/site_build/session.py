"""What one build run shares between the driver and the plugins.

The driver puts a `BuildSession` into the settings as `SITE_BUILD_SESSION` (a new one per
build, so nothing survives between runs). Plugins that know when their output will change by
itself call `report_valid_until`; long stages call `progress`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SESSION_SETTING = "SITE_BUILD_SESSION"
logger = logging.getLogger(__name__)


@dataclass
class BuildSession:
    progress_line: Callable[[str], None] | None = None
    valid_until: list[tuple[dt.datetime, str]] = field(default_factory=list)
    pages_rendered: int = 0
    pages_written: int = 0
    pages_skipped: int = 0  # unchanged inputs: neither rendered nor written
    input_roots: tuple[Path, ...] = ()  # the files and folders this build reads (fingerprint.py)
    remembered: dict = field(default_factory=dict)  # what stages of this build work out once
    _at_end: list[Callable[[], None]] = field(default_factory=list)

    def progress(self, message: str) -> None:
        if self.progress_line is not None:
            self.progress_line(message)

    def report_valid_until(self, when: dt.datetime | None, reason: str) -> None:
        """The output will change by itself at `when` (e.g. a scheduled column goes live)."""
        if when is not None:
            self.valid_until.append((when if when.tzinfo else when.replace(tzinfo=dt.UTC), reason))

    def at_end(self, callback: Callable[[], None]) -> None:
        """Call `callback` when this build ends, whether it succeeded or failed (e.g. to stop a
        helper process whose result the build never took)."""
        self._at_end.append(callback)

    def end(self) -> None:
        """Run the `at_end` callbacks (the driver does, once); each runs even if another fails,
        and a failure is logged, never raised: it must not change the build's own outcome."""
        callbacks, self._at_end = self._at_end, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                logger.warning("cleanup after the build failed", exc_info=True)

    def earliest_change(self) -> tuple[dt.datetime, str] | None:
        return min(self.valid_until, key=lambda item: item[0]) if self.valid_until else None


def session_of(settings: dict) -> BuildSession | None:
    session = settings.get(SESSION_SETTING)
    return session if isinstance(session, BuildSession) else None

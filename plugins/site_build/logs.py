"""Pelican's log de-duplication is process-wide; each build must start with a clean slate.

Without this, `invoke serve` shows a warning (a malformed analytics row, a missing image)
on the first build only: every later rebuild in the same process drops it as a duplicate.
"""

from __future__ import annotations

import logging

from pelican.log import LimitFilter


def reset_pelican_log_dedup() -> None:
    LimitFilter._raised_messages.clear()
    LimitFilter._group_count.clear()


class ErrorRecords(logging.Handler):
    """Collects ERROR records: Pelican logs some failures instead of raising, and any of
    them must fail our build (in the build process and in forked render workers alike)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

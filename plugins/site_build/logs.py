"""Pelican's log de-duplication is process-wide; each build must start with a clean slate.

Without this, `invoke serve` shows a warning (a malformed analytics row, a missing image)
on the first build only: every later rebuild in the same process drops it as a duplicate.
"""

from __future__ import annotations

from pelican.log import LimitFilter


def reset_pelican_log_dedup() -> None:
    LimitFilter._raised_messages.clear()
    LimitFilter._group_count.clear()

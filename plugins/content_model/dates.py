"""Dates in front-matter: `2025-07-10 09:00 +04:00`, ISO 8601, or a bare date."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

_SPACE_BEFORE_OFFSET = re.compile(r"\s+(?=[+-]\d{2}:?\d{2}$|Z$)")

HINT = "write it as 2025-07-10 09:00 +04:00 (date, time, UTC offset)"


def parse_datetime(value: object, tz: dt.tzinfo) -> dt.datetime:
    """A timezone-aware datetime; naive values take the site's time zone."""
    if isinstance(value, dt.datetime):
        result = value
    elif isinstance(value, dt.date):
        result = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = _SPACE_BEFORE_OFFSET.sub("", value.strip())
        try:
            result = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"'{value}' is not a date; {HINT}") from None
    else:
        raise ValueError(f"'{value}' is not a date; {HINT}")
    if result.tzinfo is None:
        result = result.replace(tzinfo=tz)
    return result


def site_timezone(name: str) -> dt.tzinfo:
    return ZoneInfo(name)


def reference_time(settings: dict) -> dt.datetime:
    """'Now' for publishing decisions: BUILD_TIME, else SOURCE_DATE_EPOCH, else the clock.

    Read per build (not at import) so a long-running preview publishes scheduled columns
    when their time comes, and a reproducible build can pin it.
    """
    import os

    pinned = settings.get("BUILD_TIME")
    if isinstance(pinned, dt.datetime):
        return pinned if pinned.tzinfo else pinned.replace(tzinfo=dt.UTC)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(dt.UTC)

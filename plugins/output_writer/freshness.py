"""When does a built site change by itself, with no input edited?

Pure functions over dates: the earliest future moment among scheduled columns going live,
Editor's Picks expiring, call-to-action windows opening or closing, and the Most Popular
window moving at the next midnight (site time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def _aware(when: dt.datetime | dt.date) -> dt.datetime:
    if not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time.min)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def earliest_after(now: dt.datetime, moments: Iterable[dt.datetime | dt.date | None]) -> dt.datetime | None:
    """The earliest of `moments` strictly after `now` (None if there is none)."""
    future = [m for m in (_aware(x) for x in moments if x is not None) if m > now]
    return min(future) if future else None


def next_midnight(now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The next day boundary in `tz` (the Most Popular window is made of whole days)."""
    local = now.astimezone(tz)
    tomorrow = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return tomorrow.astimezone(dt.UTC)


def pick_expiry(until: dt.datetime | dt.date | None) -> dt.datetime | None:
    """A pick is live while `until >= now`: it changes just after `until`."""
    return None if until is None else _aware(until) + dt.timedelta(microseconds=1)

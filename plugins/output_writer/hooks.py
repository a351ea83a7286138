"""Signal receivers: read Pelican objects, hand plain dates to freshness.py."""

from __future__ import annotations

import datetime as dt

from content_model.dates import reference_time, site_timezone
from site_build.session import session_of

from .freshness import earliest_after, next_midnight, pick_expiry


def report_next_change(generator) -> None:
    """Tell the build session when this output stops being right without any edit."""
    session = session_of(generator.settings)
    if session is None:
        return
    settings = generator.settings
    session.progress(f"read {len(generator.articles)} columns ({len(generator.drafts)} drafts or scheduled)")
    now = reference_time(settings)
    scheduled = [a.date for a in generator.drafts if getattr(a, "scheduled", False)]
    session.report_valid_until(earliest_after(now, scheduled), "a scheduled column goes live")
    picks = [pick_expiry(getattr(a, "pick_until", None)) for a in generator.articles
             if getattr(a, "editors_pick", False)]
    session.report_valid_until(earliest_after(now, picks), "an Editor's Pick expires")
    windows: list[dt.datetime | None] = []
    for variant in generator.context.get("cta_variants") or []:
        windows += [getattr(variant, "start", None), getattr(variant, "end", None)]
    session.report_valid_until(earliest_after(now, windows), "a call-to-action window opens or closes")
    if "popular_settings" in generator.context or settings.get("POPULAR_ANALYTICS_DIR"):
        tz = site_timezone(settings.get("TIMEZONE") or "UTC")
        session.report_valid_until(next_midnight(now, tz), "the Most Popular window moves at midnight")

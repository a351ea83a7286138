"""CTA settings from pelicanconf.py, read once per build and checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

BANNER_PAGES = ("home", "section")


class CtaSettingsError(ValueError):
    """A bad CTA_* option in pelicanconf.py/publishconf.py; the message names it."""


@dataclass(frozen=True)
class CtaSettings:
    # Each feed item gets a short "join us" footer (feeds plugin calls feed.feed_footer_html).
    feed_footer: bool = True
    # Listing pages that show the default variant as a banner.
    banner_pages: frozenset[str] = frozenset(BANNER_PAGES)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> CtaSettings:
        feed_footer = settings.get("CTA_FEED_FOOTER", cls.feed_footer)
        if not isinstance(feed_footer, bool):
            raise CtaSettingsError(f"CTA_FEED_FOOTER should be True or False, not {feed_footer!r}")
        pages = settings.get("CTA_BANNER_PAGES", BANNER_PAGES)
        if isinstance(pages, str) or not isinstance(pages, list | tuple | set | frozenset):
            raise CtaSettingsError(f"CTA_BANNER_PAGES should be a list such as {list(BANNER_PAGES)}, "
                                   f"not {pages!r}")
        unknown = sorted(str(page) for page in pages if page not in BANNER_PAGES)
        if unknown:
            raise CtaSettingsError(f"CTA_BANNER_PAGES: unknown page kind {', '.join(map(repr, unknown))} "
                                   f"(known: {', '.join(BANNER_PAGES)})")
        return cls(feed_footer=feed_footer, banner_pages=frozenset(pages))

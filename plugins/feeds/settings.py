"""Feed settings, read once per build into a checked object."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# RFC 4151 tagging entity: a domain name (or e-mail) and a date it was owned on.
_TAGGING_ENTITY_RE = re.compile(r"^[A-Za-z0-9.-]+(@[A-Za-z0-9.-]+)?,\d{4}(-\d{2}(-\d{2})?)?$")


class FeedSettingsError(ValueError):
    """A bad feed option; the message names the option and what to write instead."""


@dataclass(frozen=True)
class FeedSettings:
    site_url: str  # absolute, no trailing slash: every URL in a feed starts with it
    site_name: str
    subtitle: str
    language: str
    logo: str | None  # path below the site root, e.g. images/logo.svg
    max_items: int
    tagging_entity: str
    id_registry: Path | None
    websub_hub: str | None
    cta_footer: bool
    stylesheet: str | None  # site path of the XSL, e.g. theme/feeds/feed.xsl

    @property
    def site_path(self) -> str:
        """Path part of the site URL ('' at the domain root), for same-origin references."""
        return urlsplit(self.site_url).path.rstrip("/")


def _absolute_http(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def read_feed_settings(settings: dict) -> FeedSettings:
    """Check the FEED_* options (and the site options feeds use); raise naming the bad one."""
    site_url = settings.get("SITEURL") or ""
    if not _absolute_http(site_url):
        # Local builds have SITEURL = "" so pages work on any port; feeds need absolute URLs.
        site_url = settings.get("FEED_FALLBACK_SITEURL")
        if not _absolute_http(site_url):
            raise FeedSettingsError(
                f"FEED_FALLBACK_SITEURL: {site_url!r} is not an absolute http(s) URL; feeds need one "
                "when SITEURL is empty, e.g. FEED_FALLBACK_SITEURL = 'http://127.0.0.1:8000'"
            )

    max_items = settings.get("FEED_MAX_ITEMS", 50)
    if isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1:
        raise FeedSettingsError(f"FEED_MAX_ITEMS: {max_items!r} should be a whole number of at least 1, e.g. 50")

    entity = settings.get("FEED_TAGGING_ENTITY")
    if not isinstance(entity, str) or not _TAGGING_ENTITY_RE.match(entity):
        raise FeedSettingsError(
            f"FEED_TAGGING_ENTITY: {entity!r} should be a domain you own and a date you owned it on, "
            "e.g. 'ridgeledger.example,2025' (it starts every item id and must never change)"
        )

    hub = settings.get("FEED_WEBSUB_HUB") or None
    if hub is not None and not _absolute_http(hub):
        raise FeedSettingsError(f"FEED_WEBSUB_HUB: {hub!r} should be an absolute http(s) URL or None")

    registry = settings.get("FEED_ID_REGISTRY")
    registry_path: Path | None = None
    if registry:
        if not isinstance(registry, str | Path):
            raise FeedSettingsError(f"FEED_ID_REGISTRY: {registry!r} should be a file path or None")
        registry_path = Path(registry)
        if not registry_path.is_absolute():
            # Beside the content folder (like data/analytics/), so a copied site keeps its own.
            registry_path = Path(settings["PATH"]).resolve().parent / registry_path

    subtitle = settings.get("FEED_SUBTITLE", settings.get("SITE_TAGLINE", ""))
    if not isinstance(subtitle, str):
        raise FeedSettingsError(f"FEED_SUBTITLE: {subtitle!r} should be text")

    logo = settings.get("FEED_LOGO", settings.get("SITE_LOGO"))
    if logo is not None and not isinstance(logo, str):
        raise FeedSettingsError(f"FEED_LOGO: {logo!r} should be a path below the site root, e.g. images/logo.svg")

    stylesheet = settings.get("FEED_STYLESHEET", "feeds/feed.xsl")
    if stylesheet:
        stylesheet = f"{settings.get('THEME_STATIC_DIR', 'theme')}/{stylesheet}"

    return FeedSettings(
        site_url=site_url.rstrip("/"),
        site_name=str(settings.get("SITENAME", "")),
        subtitle=subtitle,
        language=str(settings.get("DEFAULT_LANG", "en")),
        logo=logo.lstrip("/") if logo else None,
        max_items=max_items,
        tagging_entity=entity,
        id_registry=registry_path,
        websub_hub=hub,
        cta_footer=bool(settings.get("CTA_FEED_FOOTER", False)),
        stylesheet=stylesheet or None,
    )

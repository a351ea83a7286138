"""Plain item records for the feed writers, and the adapter from Pelican content objects.

The writers only see `FeedItem`s, so anything with a title, URL, dates and HTML can go in a
feed: columns today, story coverage pages (`kind = "story"`) as they arrive.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .html import absolutize_urls
from .ids import IdRegistry, IdRequest
from .settings import FeedSettings


@dataclass(frozen=True)
class Person:
    name: str
    url: str  # absolute URL of the author page
    slug: str


@dataclass(frozen=True)
class Term:
    """A section or tag: `slug` for grouping, `label` for people, `scheme` for the taxonomy."""

    slug: str
    label: str
    scheme: str


@dataclass(frozen=True)
class Image:
    url: str
    mime_type: str
    length: int  # bytes
    alt: str = ""
    width: int | None = None
    height: int | None = None


@dataclass
class FeedItem:
    kind: str  # "column" or "story"
    item_id: str
    url: str
    title: str
    summary: str
    content_html: str
    published: dt.datetime
    updated: dt.datetime
    authors: list[Person] = field(default_factory=list)
    section: Term | None = None
    tags: list[Term] = field(default_factory=list)
    image: Image | None = None

    @property
    def categories(self) -> list[Term]:
        return ([self.section] if self.section else []) + self.tags


def _aware(value: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    # Feeds need a time zone on every date; a naive date is in the site's zone.
    return value if value.tzinfo else value.replace(tzinfo=tz)


def cover_image(ref: str | None, alt: str, content_dir: Path, site_url: str) -> Image | None:
    """The cover as an enclosure: needs the file's size, so a missing file means none."""
    if not ref:
        return None
    path = content_dir / ref
    try:
        length = path.stat().st_size
    except OSError:
        return None
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    width = height = None
    try:
        from PIL import Image as PILImage

        with PILImage.open(path) as opened:  # reads the header only
            width, height = opened.size
    except (OSError, ValueError):
        pass
    return Image(f"{site_url}/{ref.lstrip('/')}", mime, length, alt or "", width, height)


FooterFor = Callable[[object], str | None]


def item_from_content(
    content: object,
    settings: FeedSettings,
    registry: IdRegistry,
    content_dir: Path,
    tz: dt.tzinfo,
    footer_for: FooterFor | None = None,
) -> FeedItem:
    """A FeedItem from a Pelican Article (or story) by its attributes; knows nothing of Pelican.

    Reads `content.content` (HTML). Pelican memoizes it on first read, so call this only
    after the pages have been written, or the pages miss later HTML changes.
    """
    base = settings.site_url
    kind = getattr(content, "kind", None) or "column"
    url = f"{base}/{content.url}"
    item_id = registry.resolve(
        IdRequest(
            kind=kind,
            slug=content.slug,
            aliases=tuple(getattr(content, "aliases", None) or ()),
            explicit_id=getattr(content, "stable_id", None),
        ),
        settings.tagging_entity,
    )
    html = absolutize_urls(content.content or "", url)
    if footer_for is not None:
        footer = footer_for(content)
        if footer:
            html += absolutize_urls(footer, url)
    published = _aware(content.date, tz)
    modified = getattr(content, "modified", None)
    updated = _aware(modified, tz) if isinstance(modified, dt.datetime) else published
    authors = [
        Person(a.name, f"{base}/{a.url}", a.slug) for a in (getattr(content, "authors", None) or [])
    ]
    category = getattr(content, "category", None)
    section = Term(category.slug, category.name, f"{base}/{category.url}") if category else None
    tags = [Term(t.slug, t.name, f"{base}/{t.url}") for t in (getattr(content, "tags", None) or [])]
    image = cover_image(getattr(content, "image", None), getattr(content, "image_alt", None) or "",
                        content_dir, base)
    summary = getattr(content, "standfirst", None) or ""
    return FeedItem(
        kind=kind,
        item_id=item_id,
        url=url,
        title=content.title,
        summary=summary,
        content_html=html,
        published=published,
        updated=max(updated, published),
        authors=authors,
        section=section,
        tags=tags,
        image=image,
    )


def newest_first(items: list[FeedItem]) -> list[FeedItem]:
    """Newest publication first; ties by id so the order never depends on file order."""
    return sorted(items, key=lambda i: (i.published, i.item_id), reverse=True)

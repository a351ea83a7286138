"""Plain item records for the feed writers, and the adapter from Pelican content objects.

The writers only see `FeedItem`s, so anything with a title, URL, dates and HTML can go in a
feed: columns today, story coverage pages (`kind = "story"`) as they arrive.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import mimetypes
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

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
HtmlOf = Callable[[object], str]  # content -> its HTML, as `content.content or ""`
HtmlIdentityOf = Callable[[object], bytes | None]  # content -> a digest determining that HTML, if known
Stat = tuple[int, int]  # (size, mtime_ns) of a file


class Terms:
    """(slug, name, absolute URL) of tags, sections and authors, read once per term and build.

    Pelican's tags, categories and authors compute their URL from the settings on every read;
    it depends on the term's kind, name and slug only, so equal terms share one lookup.
    """

    def __init__(self, site_url: str) -> None:
        self._base = site_url
        self._known: dict[tuple, tuple[str, str, str]] = {}

    def __call__(self, term: object) -> tuple[str, str, str]:
        name, slug = term.name, term.slug
        key = (type(term), name, slug)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = (slug, name, f"{self._base}/{term.url}")
        return found


class ItemSource(NamedTuple):
    """Everything one feed item is made from, read off the content object (plain data).

    `key()` is a hash of all of it: equal keys give byte-identical entries, so a feed whose
    items' keys (and settings, code) are unchanged need not be made again.
    """

    kind: str
    item_id: str
    url: str  # absolute
    title: str
    summary: str
    html: str  # the content's HTML as Pelican gives it (site-relative URLs)
    footer: str  # CTA footer HTML, "" for none
    published: dt.datetime  # aware
    updated: dt.datetime  # aware, never before published
    authors: tuple[tuple[str, str, str], ...]  # (slug, name, absolute URL) of each
    section: tuple[str, str, str] | None  # (slug, name, absolute URL)
    tags: tuple[tuple[str, str, str], ...]  # (slug, name, absolute URL) of each
    image_ref: str
    image_alt: str
    image_stat: Stat | None  # of the cover file; None when there is no cover or no file

    def key(self, html_identity: bytes | None = None) -> bytes:
        """`html_identity`, when given, stands for `html` (a digest that determines it exactly:
        content_model.stored_html.content_identity), which is then not hashed or needed."""
        fields = [self.kind, self.item_id, self.url, self.title, self.summary, self.footer,
                  self.published.isoformat(), self.updated.isoformat(), self.image_ref, self.image_alt,
                  repr(self.image_stat), "\x1e".join(map(_term_text, self.authors)),
                  _term_text(self.section) if self.section else "-", "\x1e".join(map(_term_text, self.tags))]
        # Joined with NULs rather than repr() of it all (which copies every string through its
        # escaper); a field holding a NUL itself, which would blur two fields, takes repr().
        meta = "\x00".join(fields)
        meta = "j" + meta if meta.count("\x00") == len(fields) - 1 else "r" + repr(fields)
        # sha256: the fastest of hashlib's here on long text
        if html_identity is not None:
            data = f"{meta}\x00#".encode("utf-8", "surrogatepass") + html_identity
        else:
            data = f"{meta}\x00{self.html}".encode("utf-8", "surrogatepass")
        return hashlib.sha256(data).digest()[:16]


@functools.lru_cache(maxsize=65536)
def _term_text(term: tuple[str, str, str]) -> str:
    """repr() of a (slug, name, URL) triple, once per distinct term."""
    return repr(term)


def item_updated(content: object, tz: dt.tzinfo, published: dt.datetime | None = None) -> dt.datetime:
    """When the item last changed: `modified` if a date, never before it was published."""
    published = published or _aware(content.date, tz)
    modified = getattr(content, "modified", None)
    updated = _aware(modified, tz) if isinstance(modified, dt.datetime) else published
    return max(updated, published)


def read_source(
    content: object,
    item_id: str,
    settings: FeedSettings,
    content_dir: Path,
    tz: dt.tzinfo,
    footer_for: FooterFor | None = None,
    terms: Terms | None = None,
    html_of: HtmlOf | None = None,
) -> ItemSource:
    """An item's inputs from a Pelican Article (or story) by its attributes.

    Reads `content.content` (HTML), or what `html_of(content)` gives instead (the same).
    Pelican memoizes it on first read, so call this only after the pages have been written,
    or the pages miss later HTML changes.
    """
    terms = terms or Terms(settings.site_url)
    published = _aware(content.date, tz)
    category = getattr(content, "category", None)
    image_ref = getattr(content, "image", None) or ""
    image_stat = None
    if image_ref:
        try:
            stat = os.stat(os.path.join(content_dir, image_ref))
            image_stat = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            pass
    return ItemSource(
        getattr(content, "kind", None) or "column",
        item_id,
        f"{settings.site_url}/{content.url}",
        content.title,
        getattr(content, "standfirst", None) or "",
        html_of(content) if html_of is not None else (content.content or ""),
        (footer_for(content) or "") if footer_for is not None else "",
        published,
        item_updated(content, tz, published),
        tuple(map(terms, getattr(content, "authors", None) or ())),
        terms(category) if category else None,
        tuple(map(terms, getattr(content, "tags", None) or ())),
        image_ref,
        getattr(content, "image_alt", None) or "",
        image_stat,
    )


def item_from_source(source: ItemSource, settings: FeedSettings, content_dir: Path) -> FeedItem:
    """The FeedItem the writers need: absolute URLs in the HTML, the cover's type and size."""
    html = absolutize_urls(source.html, source.url)
    if source.footer:
        html += absolutize_urls(source.footer, source.url)
    image = None
    if source.image_stat is not None:
        image = cover_image(source.image_ref, source.image_alt, content_dir, settings.site_url)
    return FeedItem(
        kind=source.kind,
        item_id=source.item_id,
        url=source.url,
        title=source.title,
        summary=source.summary,
        content_html=html,
        published=source.published,
        updated=source.updated,
        authors=[Person(name, url, slug) for slug, name, url in source.authors],
        section=Term(*source.section) if source.section else None,
        tags=[Term(*tag) for tag in source.tags],
        image=image,
    )


def item_from_content(
    content: object,
    settings: FeedSettings,
    registry: IdRegistry,
    content_dir: Path,
    tz: dt.tzinfo,
    footer_for: FooterFor | None = None,
) -> FeedItem:
    """A FeedItem from a Pelican Article (or story) by its attributes; knows nothing of Pelican.

    Reads `content.content` (HTML): see `read_source`.
    """
    item_id = registry.resolve(
        IdRequest(
            kind=getattr(content, "kind", None) or "column",
            slug=content.slug,
            aliases=tuple(getattr(content, "aliases", None) or ()),
            explicit_id=getattr(content, "stable_id", None),
        ),
        settings.tagging_entity,
    )
    source = read_source(content, item_id, settings, content_dir, tz, footer_for)
    return item_from_source(source, settings, content_dir)


def newest_first(items: list[FeedItem]) -> list[FeedItem]:
    """Newest publication first; ties by id so the order never depends on file order."""
    return sorted(items, key=lambda i: (i.published, i.item_id), reverse=True)

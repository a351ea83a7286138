"""Write one feed as RSS 2.0 and Atom (feedgen) and, for the site feed, JSON Feed 1.1.

feedgen quirks handled here:
- an RSS channel's `<link>` is the last `link()` added: `rel=self` first, `alternate` last;
- feedgen's RSS only writes the `self` atom:link (no WebSub hub) and drops the `rel` of
  Atom entry links (an enclosure would become a second "alternate"), and its RSS author needs
  an e-mail address: our extension writes hub links, enclosures, `dc:creator` and
  `media:content` itself.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from lxml import etree
from site_build.output_tree import write_if_changed

from .records import FeedItem
from .settings import FeedSettings

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
RSS_IMAGE_TYPES = (".png", ".gif", ".jpg", ".jpeg")


@dataclass(frozen=True)
class FeedSpec:
    """One feed: what it is called and where its files go (paths below the site root)."""

    key: str  # "all", "section/insider", "author/nino-kapanadze", "tag/energy", "stories"
    title: str
    subtitle: str
    html_path: str  # the page the feed mirrors, e.g. "section/insider/" ("" = home)
    atom_path: str
    rss_path: str
    json_path: str | None = None


class _LedgerFeedExtension(BaseExtension):
    """Feed level: namespaces, and the WebSub hub as atom:link in RSS (feedgen writes none)."""

    hub: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"media": MEDIA_NS, "dc": DC_NS}

    def extend_rss(self, rss_feed):
        if self.hub:
            channel = rss_feed[0]
            xml_elem(f"{{{ATOM_NS}}}link", channel, href=self.hub, rel="hub")
        return rss_feed


class _LedgerEntryExtension(BaseEntryExtension):
    """Item level: every author, the cover as enclosure and media:content."""

    item: FeedItem | None = None

    def _media(self, parent) -> None:
        image = self.item.image if self.item else None
        if image is None:
            return
        media = xml_elem(f"{{{MEDIA_NS}}}content", parent, url=image.url, type=image.mime_type,
                         medium="image", fileSize=str(image.length))
        if image.width and image.height:
            media.attrib["width"] = str(image.width)
            media.attrib["height"] = str(image.height)
        if image.alt:
            description = xml_elem(f"{{{MEDIA_NS}}}description", media, type="plain")
            description.text = image.alt

    def extend_rss(self, entry):
        item = self.item
        if item is None:
            return entry
        for person in item.authors:
            creator = xml_elem(f"{{{DC_NS}}}creator", entry)
            creator.text = person.name
        if item.image:
            xml_elem("enclosure", entry, url=item.image.url, length=str(item.image.length),
                     type=item.image.mime_type)
        self._media(entry)
        return entry

    def extend_atom(self, entry):
        item = self.item
        if item is None:
            return entry
        if item.image:
            xml_elem(f"{{{ATOM_NS}}}link", entry, rel="enclosure", href=item.image.url,
                     type=item.image.mime_type, length=str(item.image.length))
        self._media(entry)
        return entry


class _SharedFeedEntry(FeedEntry):
    """An entry that appears in many feeds (site, section, author, tags) is turned into XML
    once per format; each feed gets a copy, since lxml moves an element when appended."""

    def __init__(self) -> None:
        super().__init__()
        self._xml: dict[str, etree._Element] = {}

    def atom_entry(self, extensions=True):
        if "atom" not in self._xml:
            self._xml["atom"] = super().atom_entry(extensions)
        return copy.deepcopy(self._xml["atom"])

    def rss_entry(self, extensions=True):
        if "rss" not in self._xml:
            self._xml["rss"] = super().rss_entry(extensions)
        return copy.deepcopy(self._xml["rss"])


def build_entry(item: FeedItem) -> FeedEntry:
    """A feedgen entry for one item; built once and shared by every feed it appears in."""
    entry = _SharedFeedEntry()
    entry.register_extension("ledger", _LedgerEntryExtension)
    entry.ledger.item = item
    entry.id(item.item_id)
    entry.guid(item.item_id, permalink=False)
    entry.title(item.title)
    entry.link(href=item.url, rel="alternate", type="text/html")
    entry.published(item.published)
    entry.updated(item.updated)
    for person in item.authors:
        entry.author(name=person.name, uri=person.url)
    entry.content(item.content_html, type="html")
    if item.summary:
        entry.summary(item.summary)
    for term in item.categories:
        entry.category(term=term.slug, scheme=term.scheme, label=term.label)
    return entry


def _feed_generator(spec: FeedSpec, items: list[FeedItem], entries: list[FeedEntry],
                    settings: FeedSettings) -> FeedGenerator:
    base = settings.site_url
    fg = FeedGenerator()
    fg.register_extension("ledger", _LedgerFeedExtension, _LedgerEntryExtension)
    fg.ledger.hub = settings.websub_hub
    fg.id(f"tag:{settings.tagging_entity}:feed/{spec.key}")
    fg.title(spec.title)
    fg.subtitle(spec.subtitle or spec.title)
    fg.author(name=settings.site_name, uri=f"{base}/")
    fg.language(settings.language)
    fg.generator("The Ridge Ledger feeds (python-feedgen)")
    if settings.logo:
        fg.icon(f"{base}/{settings.logo}")
        if settings.logo.lower().endswith(RSS_IMAGE_TYPES):
            # feedgen's logo() is also the RSS <image>, which must be GIF, JPEG or PNG.
            fg.logo(f"{base}/{settings.logo}")
    # Order matters: RSS's <link> is the last one added.
    fg.link(href=f"{base}/{spec.atom_path}", rel="self", type="application/atom+xml")
    if settings.websub_hub:
        fg.link(href=settings.websub_hub, rel="hub")
    fg.link(href=f"{base}/{spec.html_path}", rel="alternate", type="text/html")
    fg.updated(max(item.updated for item in items))
    fg.lastBuildDate(max(item.updated for item in items))
    for entry in entries:
        fg.add_entry(entry, order="append")
    return fg


def _with_stylesheet(xml: bytes, settings: FeedSettings) -> bytes:
    """Prepend the XML declaration and the XSL reference (same origin, so browsers apply it)."""
    head = b"<?xml version='1.0' encoding='UTF-8'?>\n"
    if settings.stylesheet:
        href = quoteattr(f"{settings.site_path}/{settings.stylesheet}")
        head += f'<?xml-stylesheet type="text/xsl" href={href}?>\n'.encode()
    return head + xml


def _set_self(fg: FeedGenerator, spec: FeedSpec, settings: FeedSettings, url_path: str, mime: str) -> None:
    links = [dict(link) for link in fg.link()]
    links[0] = {"href": f"{settings.site_url}/{url_path}", "rel": "self", "type": mime}
    fg.link(links, replace=True)


def json_feed(spec: FeedSpec, items: list[FeedItem], settings: FeedSettings) -> dict:
    """A JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/)."""
    base = settings.site_url
    feed: dict = {
        "version": JSON_FEED_VERSION,
        "title": spec.title,
        "home_page_url": f"{base}/{spec.html_path}",
        "feed_url": f"{base}/{spec.json_path}",
        "description": spec.subtitle or spec.title,
        "language": settings.language,
        "authors": [{"name": settings.site_name, "url": f"{base}/"}],
    }
    if settings.logo:
        feed["icon"] = feed["favicon"] = f"{base}/{settings.logo}"
    if settings.websub_hub:
        feed["hubs"] = [{"type": "WebSub", "url": settings.websub_hub}]
    feed["items"] = [_json_item(item) for item in items]
    return feed


def _json_item(item: FeedItem) -> dict:
    record: dict = {
        "id": item.item_id,
        "url": item.url,
        "title": item.title,
        "content_html": item.content_html,
        "date_published": item.published.isoformat(),
        "date_modified": item.updated.isoformat(),
        "authors": [{"name": p.name, "url": p.url} for p in item.authors],
        "tags": [term.label for term in item.categories],
    }
    if item.summary:
        record["summary"] = item.summary
    if item.image:
        record["image"] = item.image.url
        record["attachments"] = [
            {"url": item.image.url, "mime_type": item.image.mime_type, "size_in_bytes": item.image.length}
        ]
    return record


def write_feed(spec: FeedSpec, items: list[FeedItem], settings: FeedSettings, output_dir: Path,
               entry_cache: dict[str, FeedEntry]) -> list[Path]:
    """Write `spec`'s files for `items` (already newest first and cut to the limit)."""
    if not items:
        return []
    entries = []
    for item in items:
        entry = entry_cache.get(item.item_id)
        if entry is None:
            entry = entry_cache[item.item_id] = build_entry(item)
        entries.append(entry)
    fg = _feed_generator(spec, items, entries, settings)
    written = []
    atom = output_dir / spec.atom_path
    atom.parent.mkdir(parents=True, exist_ok=True)
    write_if_changed(atom, _with_stylesheet(fg.atom_str(xml_declaration=False), settings))
    written.append(atom)
    _set_self(fg, spec, settings, spec.rss_path, "application/rss+xml")
    rss = output_dir / spec.rss_path
    write_if_changed(rss, _with_stylesheet(fg.rss_str(xml_declaration=False), settings))
    written.append(rss)
    if spec.json_path:
        path = output_dir / spec.json_path
        write_if_changed(path, json.dumps(json_feed(spec, items, settings), ensure_ascii=False,
                                          indent=1).encode("utf-8"))
        written.append(path)
    return written

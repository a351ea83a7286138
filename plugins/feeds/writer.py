"""One feed as RSS 2.0 and Atom (feedgen) and, for the site feed, JSON Feed 1.1.

feedgen writes each feed's own elements; the entries are bytes made once per item
(`EntrySerializer`: `DirectEntryWriter`, or feedgen and lxml for unusual text) and put into
every feed the item is in (`feed_documents`). The bytes are those feedgen writes for the whole
feed (tests/test_feeds_serialise.py).

feedgen quirks handled here:
- an RSS channel's `<link>` is the last `link()` added: `rel=self` first, `alternate` last;
- feedgen's RSS only writes the `self` atom:link (no WebSub hub) and drops the `rel` of
  Atom entry links (an enclosure would become a second "alternate"), and its RSS author needs
  an e-mail address: our extension writes hub links, enclosures, `dc:creator` and
  `media:content` itself.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from lxml import etree
from site_build.output_tree import write_if_changed

from .records import FeedItem, Image, Person, Term
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


def build_entry(item: FeedItem) -> FeedEntry:
    """A feedgen entry for one item."""
    entry = FeedEntry()
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


def _feed_generator(spec: FeedSpec, updated: dt.datetime, settings: FeedSettings) -> FeedGenerator:
    """The feed's own elements; entries are added as bytes (`EntrySerializer`, `feed_documents`)."""
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
    fg.updated(updated)
    fg.lastBuildDate(updated)
    return fg


def _xml_head(settings: FeedSettings) -> bytes:
    """The XML declaration and the XSL reference (same origin, so browsers apply it)."""
    head = b"<?xml version='1.0' encoding='UTF-8'?>\n"
    if settings.stylesheet:
        href = quoteattr(f"{settings.site_path}/{settings.stylesheet}")
        head += f'<?xml-stylesheet type="text/xsl" href={href}?>\n'.encode()
    return head


def _set_self(fg: FeedGenerator, spec: FeedSpec, settings: FeedSettings, url_path: str, mime: str) -> None:
    links = [dict(link) for link in fg.link()]
    links[0] = {"href": f"{settings.site_url}/{url_path}", "rel": "self", "type": mime}
    fg.link(links, replace=True)


# A feed document without entries ends with these; entries go just before them.
_ATOM_END = b"</feed>"
_RSS_END = b"</channel></rss>"
_CONTEXT_SPEC = FeedSpec("context", "context", "", "", "context.atom.xml", "context.rss.xml")
_CONTEXT_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _serialise(root: etree._Element) -> bytes:
    # what feedgen's atom_str()/rss_str() do, without the declaration (`_xml_head` writes it)
    return etree.tostring(root, pretty_print=False, encoding="UTF-8", xml_declaration=False)


@dataclass(frozen=True)
class EntryXml:
    """One item as it appears in every Atom feed and every RSS feed: made once, used by each.

    `shared`, when known, says where both hold the same bytes (the item's HTML, most of each):
    (start in `atom`, start in `rss`, length). Only a hint, for `EntryStore` to keep them once.
    """

    atom: bytes
    rss: bytes
    shared: tuple[int, int, int] | None = field(default=None, compare=False)


class LxmlEntrySerializer:
    """Items as the exact bytes lxml writes for them inside a feedgen feed document.

    An entry's bytes depend only on the namespaces declared above it, and every feed declares
    the same ones (one set of extensions). So each item is turned into XML by feedgen and
    serialised once per format inside a feed root that feedgen builds like every real one,
    then cut out of that document; `feed_documents` puts the pieces into each feed.
    """

    def __init__(self, settings: FeedSettings) -> None:
        fg = _feed_generator(_CONTEXT_SPEC, _CONTEXT_DATE, settings)
        self._atom_root, _ = fg._create_atom()
        self._rss_root, _ = fg._create_rss()
        self._rss_channel = self._rss_root[0]
        self._atom_head = self._head(self._atom_root, _ATOM_END)
        self._rss_head = self._head(self._rss_root, _RSS_END)

    @staticmethod
    def _head(root: etree._Element, end: bytes) -> bytes:
        data = _serialise(root)
        if not data.endswith(end):
            raise RuntimeError(f"feedgen wrote an unexpected document end: {data[-40:]!r}")
        return data[:-len(end)]

    def _cut(self, root: etree._Element, parent: etree._Element, element: etree._Element,
             head: bytes, end: bytes) -> bytes:
        parent.append(element)
        try:
            data = _serialise(root)
        finally:
            parent.remove(element)
        if not (data.startswith(head) and data.endswith(end)):
            raise RuntimeError("an entry changed the feed document around it")
        return data[len(head):-len(end)]

    def entry(self, item: FeedItem) -> EntryXml:
        entry = build_entry(item)
        return EntryXml(
            self._cut(self._atom_root, self._atom_root, entry.atom_entry(), self._atom_head, _ATOM_END),
            self._cut(self._rss_root, self._rss_channel, entry.rss_entry(), self._rss_head, _RSS_END),
        )


# --- the same bytes without building XML trees ----------------------------------------------
#
# Building feedgen's element trees and serialising them costs ~0.4 ms per item, most of the
# feeds' time at 10,000 columns. `direct_entry` writes the bytes lxml writes for the entries
# `build_entry` makes, with libxml2's escaping, for items whose required fields are filled and
# whose text has no control characters, carriage returns or non-characters (checked on the
# bytes, which is fast). Anything else goes through `LxmlEntrySerializer` (which also raises
# for text XML cannot hold, as before). Tests compare both on random items.

_CONTROL_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c\x0d" + bytes(range(0x0e, 0x20)) + b"\x7f"
_UNUSUAL_UTF8 = re.compile(rb"\xc2[\x80-\x9f]|\xef\xbf[\xbe\xbf]")  # U+0080-U+009F, U+FFFE, U+FFFF
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _rfc2822(when: dt.datetime) -> str:
    """feedgen's formatRFC2822 (strftime in the C locale) without switching the locale."""
    return f"{_DAYS[when.weekday()]}, {when.day:02d} {_MONTHS[when.month - 1]} {when.strftime('%Y %H:%M:%S %z')}"


def _filled(item: FeedItem) -> bool:
    """The fields whose absence makes feedgen or lxml write (or refuse) something else."""
    if not (item.item_id and item.title and item.content_html and item.url):
        return False
    if not all(person.name for person in item.authors):
        return False
    return all(term.slug and term.label for term in item.categories)


def _plain_bytes(data: bytes) -> bool:
    if len(data.translate(None, _CONTROL_BYTES)) != len(data):
        return False
    return data.isascii() or _UNUSUAL_UTF8.search(data) is None


def _media(image: Image) -> str:
    size = f' width="{image.width}" height="{image.height}"' if image.width and image.height else ""
    head = (f'<media:content url="{_attr(image.url)}" type="{_attr(image.mime_type)}" medium="image" '
            f'fileSize="{image.length}"{size}')
    if not image.alt:
        return head + "/>"
    return f'{head}><media:description type="plain">{_text(image.alt)}</media:description></media:content>'


class DirectEntryWriter:
    """`entry(item)`: the item's Atom and RSS entries as `LxmlEntrySerializer` makes them, or
    None when this item needs lxml (see above). Terms and people recur across items: their
    pieces are escaped once."""

    def __init__(self) -> None:
        # keyed by the fields used, a plain tuple: a dataclass's own hash runs in Python, ~4x slower
        self._people: dict[tuple[str, str], tuple[str, str]] = {}
        self._terms: dict[tuple[str, str, str], tuple[str, str]] = {}

    def _person(self, person: Person) -> tuple[str, str]:
        key = (person.name, person.url)
        found = self._people.get(key)
        if found is None:
            name = _text(person.name)
            uri = f"<uri>{_text(person.url)}</uri>" if person.url else ""
            found = self._people[key] = (f"<author><name>{name}</name>{uri}</author>",
                                         f"<dc:creator>{name}</dc:creator>")
        return found

    def _term(self, term: Term) -> tuple[str, str]:
        key = (term.slug, term.label, term.scheme)
        found = self._terms.get(key)
        if found is None:
            scheme = _attr(term.scheme) if term.scheme else ""
            scheme_attr = f' scheme="{scheme}"' if scheme else ""
            domain_attr = f' domain="{scheme}"' if scheme else ""
            found = self._terms[key] = (
                f'<category term="{_attr(term.slug)}"{scheme_attr} label="{_attr(term.label)}"/>',
                f"<category{domain_attr}>{_text(term.label)}</category>")
        return found

    def entry(self, item: FeedItem) -> EntryXml | None:
        if not _filled(item):
            return None
        title, item_id, url = _text(item.title), _text(item.item_id), item.url
        html = _text(item.content_html)
        people = [self._person(person) for person in item.authors]
        terms = [self._term(term) for term in item.categories]
        summary = _text(item.summary) if item.summary else ""
        atom = [f"<entry><id>{item_id}</id><title>{title}</title><updated>{item.updated.isoformat()}</updated>",
                *(person[0] for person in people),
                '<content type="html">']
        # feedgen writes only the href of an entry's links (it drops rel and type)
        atom_tail = [f'</content><link href="{_attr(url)}"/>',
                     f"<summary>{summary}</summary>" if summary else "",
                     *(term[0] for term in terms),
                     f"<published>{item.published.isoformat()}</published>"]
        rss = [f"<item><title>{title}</title><link>{_text(url)}</link>",
               f"<description>{summary}</description><content:encoded>" if summary else "<description>"]
        rss_tail = ["</content:encoded>" if summary else "</description>",
                    f'<guid isPermaLink="false">{item_id}</guid>',
                    *(term[1] for term in terms),
                    f"<pubDate>{_rfc2822(item.published)}</pubDate>",
                    *(person[1] for person in people)]
        image = item.image
        if image is not None:
            # the Atom root declares no prefix for Atom itself: lxml gives the link its own
            media = _media(image)
            atom_tail.append(f'<ns0:link xmlns:ns0="{ATOM_NS}" rel="enclosure" href="{_attr(image.url)}" '
                             f'type="{_attr(image.mime_type)}" length="{image.length}"/>{media}')
            rss_tail.append(f'<enclosure url="{_attr(image.url)}" length="{image.length}" '
                            f'type="{_attr(image.mime_type)}"/>{media}')
        atom_tail.append("</entry>")
        rss_tail.append("</item>")
        try:  # UTF-8 of the parts, joined, is the UTF-8 of the whole; the HTML is encoded once
            body = html.encode("utf-8")
            atom_head, atom_end, rss_head, rss_end = (
                "".join(parts).encode("utf-8") for parts in (atom, atom_tail, rss, rss_tail))
        except UnicodeEncodeError:  # a lone surrogate
            return None
        made = EntryXml(b"".join((atom_head, body, atom_end)), b"".join((rss_head, body, rss_end)),
                        (len(atom_head), len(rss_head), len(body)))
        # Every string of the item is in the Atom entry (RSS has a subset, escaped no less).
        return made if _plain_bytes(made.atom) else None


def direct_entry(item: FeedItem) -> EntryXml | None:
    """`DirectEntryWriter().entry(item)`."""
    return DirectEntryWriter().entry(item)


class EntrySerializer:
    """Each item's entries once (`DirectEntryWriter`, else `LxmlEntrySerializer`), for every feed."""

    def __init__(self, settings: FeedSettings) -> None:
        self._settings = settings
        self._direct = DirectEntryWriter()
        self._lxml: LxmlEntrySerializer | None = None

    def entry(self, item: FeedItem) -> EntryXml:
        made = self._direct.entry(item)
        if made is None:
            if self._lxml is None:
                self._lxml = LxmlEntrySerializer(self._settings)
            made = self._lxml.entry(item)
        return made


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


def feed_documents(spec: FeedSpec, updated: dt.datetime, entries: Sequence[EntryXml], settings: FeedSettings,
                   json_items: list[FeedItem] | None = None) -> list[tuple[str, bytes]]:
    """(path below the site root, bytes) of each of `spec`'s files.

    `entries` are the items already newest first and cut to the limit, `updated` the newest
    of their update dates; `json_items` (the same items) are needed when `spec` has a JSON Feed.
    """
    fg = _feed_generator(spec, updated, settings)
    head = _xml_head(settings)
    atom = fg.atom_str(xml_declaration=False)
    if not atom.endswith(_ATOM_END):
        raise RuntimeError(f"feedgen wrote an unexpected Atom end: {atom[-40:]!r}")
    files = [(spec.atom_path, b"".join([head, atom[:-len(_ATOM_END)], *(e.atom for e in entries), _ATOM_END]))]
    _set_self(fg, spec, settings, spec.rss_path, "application/rss+xml")
    rss = fg.rss_str(xml_declaration=False)
    if not rss.endswith(_RSS_END):
        raise RuntimeError(f"feedgen wrote an unexpected RSS end: {rss[-40:]!r}")
    files.append((spec.rss_path, b"".join([head, rss[:-len(_RSS_END)], *(e.rss for e in entries), _RSS_END])))
    if spec.json_path:
        if json_items is None:
            raise ValueError(f"{spec.json_path}: a JSON Feed needs its items")
        files.append((spec.json_path, json.dumps(json_feed(spec, json_items, settings), ensure_ascii=False,
                                                 indent=1).encode("utf-8")))
    return files


def write_feed(spec: FeedSpec, items: list[FeedItem], settings: FeedSettings, output_dir: Path,
               serializer: EntrySerializer | None = None) -> list[Path]:
    """Write `spec`'s files for `items` (already newest first and cut to the limit)."""
    if not items:
        return []
    serializer = serializer or EntrySerializer(settings)
    entries = [serializer.entry(item) for item in items]
    written = []
    for path, data in feed_documents(spec, max(item.updated for item in items), entries, settings, items):
        target = output_dir / path
        write_if_changed(target, data)
        written.append(target)
    return written

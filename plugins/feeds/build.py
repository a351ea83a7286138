"""Which feeds the site has, what goes in each, and writing them all. Knows nothing of Pelican.

Content objects are read by attribute (`title`, `url`, `slug`, `date`, `content`, `category`,
`authors`, `tags`, ...), the way Pelican's Article has them; stories have the same plus
`kind = "story"`.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from site_build.kept_files import Record, record_of, still_valid
from site_build.output_tree import keep_previous, write_if_changed

from .cache import OutputPlace, build_key, feed_key, load_records, records_file, save_records
from .entry_store import EntryStore
from .ids import IdRegistry, IdRequest, find_clashes
from .records import FooterFor, HtmlIdentityOf, HtmlOf, ItemSource, Terms, item_from_source, read_source
from .settings import FeedSettings
from .writer import EntrySerializer, EntryXml, FeedSpec, feed_documents

FEED_DIR = "feeds"
ATOM_MIME = "application/atom+xml"
RSS_MIME = "application/rss+xml"
JSON_MIME = "application/feed+json"


def feed_spec(key: str, title: str, subtitle: str, html_path: str, with_json: bool = False) -> FeedSpec:
    stem = f"{FEED_DIR}/{key}"
    return FeedSpec(key, title, subtitle, html_path, f"{stem}.atom.xml", f"{stem}.rss.xml",
                    f"{stem}.json" if with_json else None)


def site_spec(settings: FeedSettings) -> FeedSpec:
    return feed_spec("all", settings.site_name, settings.subtitle, "", with_json=True)


def stories_spec(settings: FeedSettings, html_path: str = "stories/") -> FeedSpec:
    return feed_spec("stories", f"Story coverage — {settings.site_name}",
                     "Stories as different outlets reported them, with their sources", html_path)


def term_spec(kind: str, term: object, settings: FeedSettings, description: str = "") -> FeedSpec:
    """The feed of one section ("section"), author ("author") or tag ("tag")."""
    name = term.name
    if kind == "section":
        subtitle = description or f"Columns in {name}"
    elif kind == "author":
        subtitle = f"Columns by {name}"
    else:
        subtitle = f"Columns about {name}"
    return feed_spec(f"{kind}/{term.slug}", f"{name} — {settings.site_name}", subtitle, term.url)


@dataclass(frozen=True)
class FeedLink:
    """A feed as pages link it: `<link rel="alternate" type=mime title=title href=SITEURL/path>`."""

    title: str
    path: str
    mime: str


def spec_links(spec: FeedSpec) -> list[FeedLink]:
    links = [FeedLink(f"{spec.title} (Atom)", spec.atom_path, ATOM_MIME),
             FeedLink(f"{spec.title} (RSS)", spec.rss_path, RSS_MIME)]
    if spec.json_path:
        links.append(FeedLink(f"{spec.title} (JSON Feed)", spec.json_path, JSON_MIME))
    return links


@dataclass
class FeedLinks:
    """What templates need to link feeds: `feed_links.site`, `feed_links.section(category)` ..."""

    settings: FeedSettings
    existing: set[str] = field(default_factory=set)  # keys of the feeds this build writes
    descriptions: dict[str, str] = field(default_factory=dict)
    has_stories: bool = False

    @property
    def site(self) -> list[FeedLink]:
        return spec_links(site_spec(self.settings))

    @property
    def stories(self) -> list[FeedLink]:
        return spec_links(stories_spec(self.settings)) if self.has_stories else []

    def _term(self, kind: str, term: object | None) -> list[FeedLink]:
        if term is None or f"{kind}/{getattr(term, 'slug', '')}" not in self.existing:
            return []
        return spec_links(term_spec(kind, term, self.settings, self.descriptions.get(term.slug, "")))

    def section(self, category: object | None) -> list[FeedLink]:
        return self._term("section", category)

    def author(self, author: object | None) -> list[FeedLink]:
        return self._term("author", author)

    def tag(self, tag: object | None) -> list[FeedLink]:
        return self._term("tag", tag)


def term_keys(contents: Iterable[object]) -> set[str]:
    """Keys of the section, author and tag feeds that `contents` fill."""
    keys: set[str] = set()
    for content in contents:
        category = getattr(content, "category", None)
        if category is not None:
            keys.add(f"section/{category.slug}")
        keys.update(f"author/{a.slug}" for a in getattr(content, "authors", None) or [])
        keys.update(f"tag/{t.slug}" for t in getattr(content, "tags", None) or [])
    return keys


class FeedIdClash(ValueError):
    """Two live items would share one feed id (usually a retired slug used again)."""


def resolve_ids(contents: Sequence[object], registry: IdRegistry, settings: FeedSettings) -> dict[int, str]:
    """Every published item's id (recorded in the registry when new), by `id(content)`."""
    ids: dict[int, str] = {}
    claims: dict[str, int] = {}
    entity = settings.tagging_entity
    for content in contents:
        kind = getattr(content, "kind", None) or "column"
        slug = content.slug
        explicit = getattr(content, "stable_id", None)
        # the usual case, a recorded slug, without building a request (same rules: ids.py)
        item_id = None if explicit else registry.lookup(kind, slug)
        if not item_id:
            request = IdRequest(kind, slug, tuple(getattr(content, "aliases", None) or ()), explicit)
            item_id = registry.resolve(request, entity)
        ids[id(content)] = item_id
        claims[item_id] = claims.get(item_id, 0) + 1
    if len(claims) < len(contents):  # an id claimed twice: name every item that claims it
        pairs = [(f"{getattr(c, 'kind', None) or 'column'} '{c.slug}'", ids[id(c)]) for c in contents]
        clashes = find_clashes(pairs)
        raise FeedIdClash("; ".join(f"{' and '.join(c.slugs)} would share the feed id {c.item_id}" for c in clashes))
    return ids


@dataclass
class FeedPlanEntry:
    spec: FeedSpec
    contents: list[object]


def plan_feeds(
    articles: Sequence[object],
    stories: Sequence[object],
    ids: dict[int, str],
    settings: FeedSettings,
    section_descriptions: dict[str, str] | None = None,
    stories_url: str = "stories/",
) -> list[FeedPlanEntry]:
    """Every feed and its items, newest first, at most `max_items` each."""
    limit = settings.max_items
    descriptions = section_descriptions or {}

    def newest_first(contents: Sequence[object]) -> list[object]:
        return sorted(contents, key=lambda c: (c.date, ids[id(c)]), reverse=True)

    ordered = newest_first(articles)
    plan = [FeedPlanEntry(site_spec(settings), ordered[:limit])]
    groups: dict[str, FeedPlanEntry] = {}
    lists: dict[str, list[object]] = {}  # groups[key].contents

    def start(kind: str, term: object, key: str) -> list[object]:
        # the first (newest) content's term names the feed
        entry = groups[key] = FeedPlanEntry(term_spec(kind, term, settings, descriptions.get(term.slug, "")), [])
        lists[key] = entry.contents
        return entry.contents

    # One pass in date order fills every term's feed: linear, not one filter per term.
    for content in ordered:
        category = getattr(content, "category", None)
        if category is not None:
            key = "section/" + category.slug
            contents = lists.get(key)
            if contents is None:
                contents = start("section", category, key)
            if len(contents) < limit:
                contents.append(content)
        for author in getattr(content, "authors", None) or ():
            key = "author/" + author.slug
            contents = lists.get(key)
            if contents is None:
                contents = start("author", author, key)
            if len(contents) < limit:
                contents.append(content)
        tags = getattr(content, "tags", None)
        if tags:
            seen_tags = set()
            for tag in tags:
                slug = tag.slug
                if slug not in seen_tags:  # "Energy" and "energy" are one tag page
                    seen_tags.add(slug)
                    key = "tag/" + slug
                    contents = lists.get(key)
                    if contents is None:
                        contents = start("tag", tag, key)
                    if len(contents) < limit:
                        contents.append(content)
    plan += [groups[key] for key in sorted(groups)]
    if stories:
        plan.append(FeedPlanEntry(stories_spec(settings, stories_url), newest_first(stories)[:limit]))
    return plan


@dataclass
class FeedReport:
    files: list[Path]  # every feed file of the site, made or kept
    feeds: int
    items: int  # entries made (an item in several feeds is made once)
    registry_saved: bool
    feeds_made: int = 0
    feeds_kept: int = 0  # inputs unchanged since the files in the output were made (cache.py)
    seconds: dict[str, float] = field(default_factory=dict)  # by phase; NAME_cpu: this process's CPU


def write_all_feeds(
    articles: Sequence[object],
    stories: Sequence[object],
    settings: FeedSettings,
    output_dir: Path,
    content_dir: Path,
    tz: dt.tzinfo,
    footer_for: FooterFor | None = None,
    section_descriptions: dict[str, str] | None = None,
    stories_url: str = "stories/",
    cache_dir: Path | None = None,
    html_of: HtmlOf | None = None,
    html_identity_of: HtmlIdentityOf | None = None,
) -> FeedReport:
    """Resolve ids, plan, and write every feed; record new ids in the registry file.

    With `cache_dir`, a feed whose inputs are those of its files in the output is kept as it
    is (cache.py). For the rest, each item's entries are made once (`EntrySerializer`), then
    every feed from those bytes. `html_of(content)`, when given, stands in for `content.content`;
    `html_identity_of(content)`, when given and not None, for that HTML in the item's key (so
    keeping a feed reads no HTML).
    """
    clock = _Clock()
    registry = IdRegistry.load(settings.id_registry)
    ids = resolve_ids([*articles, *stories], registry, settings)
    plan = [entry for entry in plan_feeds(articles, stories, ids, settings, section_descriptions, stories_url)
            if entry.contents]
    clock.lap("plan")
    job = _Job(settings, content_dir, tz, footer_for, html_of, ids, html_identity_of)
    place = OutputPlace.of(output_dir)
    records = FeedRecords.open(cache_dir, place, build_key(settings, tz, footer_for is not None))
    if records.old:  # a feed can only be kept if it has a record
        for entry in plan:
            for content in entry.contents:
                job.key(content)
    clock.lap("keys")
    to_make = [entry for entry in plan if not records.keep(entry, job.key)]
    clock.lap("keep")
    made = job.make_feeds(to_make, place, clock)
    for entry, paths in zip(to_make, made, strict=True):
        records.made(entry, paths, job.key)
    records.save()
    saved = registry.save(settings.id_registry)
    clock.lap("save")
    files = [output_dir / path for entry in plan for path in spec_paths(entry.spec)]
    return FeedReport(files, len(plan), job.entries_made, saved, len(to_make), len(plan) - len(to_make),
                      clock.laps)


class _Clock:
    """Wall and CPU seconds (this process) of each phase."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter(), time.process_time()

    def lap(self, name: str) -> None:
        now = time.perf_counter(), time.process_time()
        self.laps[name] = now[0] - self._last[0]
        self.laps[f"{name}_cpu"] = now[1] - self._last[1]
        self._last = now


def spec_paths(spec: FeedSpec) -> list[str]:
    """The spec's files, paths below the site root."""
    return [spec.atom_path, spec.rss_path, *([spec.json_path] if spec.json_path else [])]


def _no_html(content: object) -> str:
    return ""


class _Job:
    """Items' sources, keys and entries for one build, each key and entry made at most once.

    All in this process. Forked workers, as the page writer uses, cost more than they save
    here: a child pays a copy-on-write page fault for nearly every object it reads (even
    reading changes a reference count), and the entries have to come back through a pipe. At
    10,000 columns the cold feeds took 2.8 s on two processes against 2.0 s on one.
    """

    def __init__(self, settings: FeedSettings, content_dir: Path, tz: dt.tzinfo, footer_for: FooterFor | None,
                 html_of: HtmlOf | None, ids: dict[int, str], html_identity_of: HtmlIdentityOf | None = None) -> None:
        self.settings, self.content_dir, self.tz, self.footer_for = settings, content_dir, tz, footer_for
        self.html_of, self.ids, self.html_identity_of = html_of, ids, html_identity_of
        self.terms = Terms(settings.site_url)
        # Sources kept for the whole build hold no HTML (`html` is ""): each item's HTML is
        # read when its key or entry is made, and let go (at 10,000 columns the HTML of every
        # item some feed lists is ~50 MB); not even for its key when it has an identity.
        self.sources: dict[int, ItemSource] = {}
        self.keys: dict[int, bytes] = {}  # by id(content)
        self.entries_made = 0

    def _read(self, content: object, html_of: HtmlOf | None) -> ItemSource:
        return read_source(content, self.ids[id(content)], self.settings, self.content_dir, self.tz,
                           self.footer_for, self.terms, html_of)

    def _identity(self, content: object) -> bytes | None:
        return self.html_identity_of(content) if self.html_identity_of is not None else None

    def _note(self, content: object, found: ItemSource, identity: bytes | None) -> ItemSource:
        """Keep the item's key and its source without HTML; the source kept."""
        self.keys[id(content)] = found.key(identity)
        kept = self.sources[id(content)] = found._replace(html="")
        return kept

    def full_source(self, content: object) -> ItemSource:
        """The item's source with its HTML, read afresh (and its key noted on the first read)."""
        found = self._read(content, self.html_of)
        if id(content) not in self.sources:
            self._note(content, found, self._identity(content))
        return found

    def source(self, content: object) -> ItemSource:
        """The item's source without its HTML (not even read for the key when it has an identity)."""
        found = self.sources.get(id(content))
        if found is None:
            identity = self._identity(content)
            found = self._note(content, self._read(content, self.html_of if identity is None else _no_html),
                               identity)
        return found

    def key(self, content: object) -> bytes:
        found = self.keys.get(id(content))
        if found is None:
            self.source(content)
            found = self.keys[id(content)]
        return found

    def make_feeds(self, entries: list[FeedPlanEntry], place: OutputPlace, clock: _Clock) -> list[list[str]]:
        """Write the feeds of `entries`; the paths (below the site root) written for each.

        One feed at a time, its files written as soon as they are made. An item's entries are
        made the first time a feed needs them; if a later feed needs them too they go to an
        `EntryStore` (a temporary file) and are read back from there: at no time are every
        item's entries in memory (about 140 MB at 10,000 columns).
        """
        if not entries:
            return []
        uses = Counter(id(content) for entry in entries for content in entry.contents)
        serializer = EntrySerializer(self.settings)
        with EntryStore() as store:
            written = [self._write_feed(entry, self._entries(entry, uses, serializer, store), place)
                       for entry in entries]
        self.entries_made = len(uses)
        clock.lap("make")
        return written

    def _entries(self, entry: FeedPlanEntry, uses: Counter[int], serializer: EntrySerializer,
                 store: EntryStore) -> list[EntryXml]:
        made = []
        for content in entry.contents:
            key = id(content)
            if key in store:
                made.append(store.entry(key))
                continue
            xml = serializer.entry(item_from_source(self.full_source(content), self.settings, self.content_dir))
            if uses[key] > 1:  # another feed needs it: keep it, out of memory
                store.add(key, xml)
            made.append(xml)
        return made

    def _write_feed(self, entry: FeedPlanEntry, xml: list[EntryXml], place: OutputPlace) -> list[str]:
        sources = [self.source(c) for c in entry.contents]
        json_items = None
        if entry.spec.json_path:
            json_items = [item_from_source(self.full_source(content), self.settings, self.content_dir)
                          for content in entry.contents]
        documents = feed_documents(entry.spec, max(source.updated for source in sources), xml, self.settings,
                                   json_items)
        paths = []
        for path, data in documents:
            write_if_changed(place.output_dir / path, data)
            paths.append(path)
        return paths


class FeedRecords:
    """This build's side of cache.py: which feeds can be kept, and what the made ones became."""

    def __init__(self, place: OutputPlace, path: Path | None, build: bytes, old: dict[str, Record]) -> None:
        self.place, self.path, self.build, self.old = place, path, build, old
        self.new: dict[str, Record] = {}
        self._previous = str(place.previous_dir)
        self._output = str(place.output_dir)
        # Nothing can be in the way of a kept file while this build has no feeds folder yet
        # (keeping one only notes it in the ledger): one check instead of one per file.
        self._staged_feeds = place.staged and os.path.isdir(os.path.join(self._output, FEED_DIR))

    @classmethod
    def open(cls, cache_dir: Path | None, place: OutputPlace, build: bytes) -> FeedRecords:
        if cache_dir is None:
            return cls(place, None, build, {})
        path = records_file(cache_dir, place.previous_dir)
        return cls(place, path, build, load_records(path))

    def key(self, entry: FeedPlanEntry, item_key: Callable[[object], bytes]) -> bytes:
        return feed_key(self.build, entry.spec, map(item_key, entry.contents))

    def keep(self, entry: FeedPlanEntry, item_key: Callable[[object], bytes]) -> bool:
        """Keep the feed's files as they are in the output when they were made from its inputs."""
        if not self.old:
            return False
        key = self.key(entry, item_key)
        paths = spec_paths(entry.spec)
        for path in paths:
            if not still_valid(self.old.get(path), key, os.path.join(self._previous, path)):
                return False
        if self.place.staged:
            staged = [os.path.join(self._output, path) for path in paths]
            if self._staged_feeds and any(os.path.exists(file) for file in staged):
                return False  # something else made it in this build: compare bytes instead
            for file in staged:
                keep_previous(file)
        for path in paths:
            self.new[path] = self.old[path]
        return True

    def made(self, entry: FeedPlanEntry, paths: list[str], item_key: Callable[[object], bytes]) -> None:
        """Record the files a made feed became: staged, or kept by write_if_changed as identical."""
        if self.path is None:
            return
        key = self.key(entry, item_key)
        for path in paths:
            file = os.path.join(self._output, path)
            if self.place.staged and not os.path.exists(file):
                file = os.path.join(self._previous, path)
            record = record_of(key, file)
            if record is not None:
                self.new[path] = record

    def save(self) -> None:
        if self.path is not None and self.new != self.old:
            save_records(self.path, self.new)

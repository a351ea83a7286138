"""Which feeds the site has, what goes in each, and writing them all. Knows nothing of Pelican.

Content objects are read by attribute (`title`, `url`, `slug`, `date`, `content`, `category`,
`authors`, `tags`, ...), the way Pelican's Article has them; stories have the same plus
`kind = "story"`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .ids import IdRegistry, IdRequest, find_clashes
from .records import FeedItem, FooterFor, item_from_content
from .settings import FeedSettings
from .writer import FeedSpec, write_feed

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
    pairs = []
    for content in contents:
        kind = getattr(content, "kind", None) or "column"
        request = IdRequest(kind, content.slug, tuple(getattr(content, "aliases", None) or ()),
                            getattr(content, "stable_id", None))
        ids[id(content)] = item_id = registry.resolve(request, settings.tagging_entity)
        pairs.append((f"{kind} '{content.slug}'", item_id))
    clashes = find_clashes(pairs)
    if clashes:
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

    def add(kind: str, term: object, content: object) -> None:
        key = f"{kind}/{term.slug}"
        entry = groups.get(key)
        if entry is None:
            entry = groups[key] = FeedPlanEntry(
                term_spec(kind, term, settings, descriptions.get(term.slug, "")), [])
        if len(entry.contents) < limit:
            entry.contents.append(content)

    # One pass in date order fills every term's feed: linear, not one filter per term.
    for content in ordered:
        category = getattr(content, "category", None)
        if category is not None:
            add("section", category, content)
        for author in getattr(content, "authors", None) or []:
            add("author", author, content)
        seen_tags = set()
        for tag in getattr(content, "tags", None) or []:
            if tag.slug not in seen_tags:  # "Energy" and "energy" are one tag page
                seen_tags.add(tag.slug)
                add("tag", tag, content)
    plan += [groups[key] for key in sorted(groups)]
    if stories:
        plan.append(FeedPlanEntry(stories_spec(settings, stories_url), newest_first(stories)[:limit]))
    return plan


@dataclass
class FeedReport:
    files: list[Path]
    feeds: int
    items: int
    registry_saved: bool


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
) -> FeedReport:
    """Resolve ids, plan, and write every feed; record new ids in the registry file."""
    registry = IdRegistry.load(settings.id_registry)
    ids = resolve_ids([*articles, *stories], registry, settings)
    plan = plan_feeds(articles, stories, ids, settings, section_descriptions, stories_url)
    items: dict[int, FeedItem] = {}
    entry_cache: dict = {}
    files: list[Path] = []
    for entry in plan:
        feed_items = []
        for content in entry.contents:
            item = items.get(id(content))
            if item is None:
                item = items[id(content)] = item_from_content(
                    content, settings, registry, content_dir, tz, footer_for)
            feed_items.append(item)
        files += write_feed(entry.spec, feed_items, settings, output_dir, entry_cache)
    saved = registry.save(settings.id_registry)
    return FeedReport(files, len(plan), len(items), saved)

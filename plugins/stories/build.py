"""Story objects for templates and feeds, built from checked records (no Pelican here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from content_model.fast_markdown import fast_markdown
from content_model.text import first_paragraph_text
from markdown import Markdown
from markupsafe import Markup

from .coverage import (
    Blindspot,
    Distribution,
    Group,
    Share,
    blindspots,
    breakdown,
    group_by_lean,
    lean_distribution,
    lean_tone,
    reported_span,
)
from .model import OutletMeta, OutletRegistry, RatingSources, StoryRecord
from .settings import UNKNOWN, StorySettings

MARKDOWN_EXTENSIONS = [
    "markdown.extensions.smarty",
    "markdown.extensions.sane_lists",
    "markdown.extensions.abbr",
    "markdown.extensions.tables",
]


@dataclass(frozen=True)
class Outlet:
    id: str
    name: str
    url: str
    lean: str
    lean_label: str
    tone: str
    factuality: str
    ownership: str
    country: str
    rating_source: RatingSources

    @property
    def rated(self) -> bool:
        return self.lean != UNKNOWN


def make_outlet(meta: OutletMeta, settings: StorySettings) -> Outlet:
    scale = settings.lean_scale
    lean = meta.lean if meta.lean in scale else UNKNOWN
    tone = lean_tone(scale.index(lean), len(scale)) if lean != UNKNOWN else "u"
    return Outlet(
        id=meta.id, name=meta.name, url=meta.url, lean=lean,
        lean_label="Unknown lean" if lean == UNKNOWN else lean.capitalize(), tone=tone,
        factuality=meta.factuality, ownership=meta.ownership or "", country=meta.country or "",
        rating_source=meta.rating_source,
    )


@dataclass(frozen=True)
class CoverageEntry:
    outlet: Outlet
    title: str
    url: str
    date: dt.datetime
    excerpt: str

    @property
    def domain(self) -> str:
        return urlsplit(self.url).netloc.lower().removeprefix("www.")


@dataclass(frozen=True)
class Coverage:
    entries: tuple[CoverageEntry, ...]
    outlets: tuple[Outlet, ...]  # distinct, by name
    lean: Distribution
    blindspots: tuple[Blindspot, ...]
    ownership: tuple[Share, ...]
    country: tuple[Share, ...]
    factuality: tuple[Share, ...]
    groups: tuple[Group, ...]
    first_reported: dt.datetime | None
    last_reported: dt.datetime | None

    @property
    def article_count(self) -> int:
        return len(self.entries)

    @property
    def source_count(self) -> int:
        return len(self.outlets)

    @property
    def headline(self) -> str:
        """One sentence for cards and summaries: '50% of the rated sources are rated Lean left'."""
        top = self.lean.largest()
        if top is None:
            return "None of the sources has a lean rating yet"
        return f"{top.percent}% of the rated sources are rated {top.label}"


def compute_coverage(entries: list[CoverageEntry], settings: StorySettings) -> Coverage:
    outlets_by_id: dict[str, Outlet] = {}
    for entry in entries:
        outlets_by_id.setdefault(entry.outlet.id, entry.outlet)
    outlets = tuple(sorted(outlets_by_id.values(), key=lambda outlet: outlet.name.lower()))
    scale = settings.lean_scale
    distribution = lean_distribution([outlet.lean for outlet in outlets], scale)
    first, last = reported_span(entry.date for entry in entries)
    factuality = breakdown(outlet.factuality.capitalize() if outlet.factuality != UNKNOWN else UNKNOWN
                           for outlet in outlets)
    return Coverage(
        entries=tuple(sorted(entries, key=lambda entry: entry.date)),
        outlets=outlets,
        lean=distribution,
        blindspots=tuple(blindspots(distribution, scale, settings.blindspot_share, settings.blindspot_min_rated)),
        ownership=breakdown(outlet.ownership for outlet in outlets),
        country=breakdown(outlet.country for outlet in outlets),
        factuality=factuality,
        groups=tuple(group_by_lean(entries, scale, distribution)),
        first_reported=first,
        last_reported=last,
    )


@dataclass
class Story:
    """One story coverage page. Carries what templates and feeds need (`kind` tells them apart)."""

    slug: str
    title: str
    url: str
    save_as: str
    date: dt.datetime
    modified: dt.datetime
    updated: dt.datetime | None
    dateline: list[str]
    standfirst: str
    body_html: str
    key_points: list[str]
    tags: list[Any]
    authors: list[Any]
    author_ids: list[str]
    related_slugs: list[str]
    coverage: Coverage
    premium_details: frozenset[str]
    status: str = "published"
    stable_id: str | None = None
    source_path: str = ""
    kind: str = "story"
    section: str | None = None
    category: Any = None
    related: list[Any] = field(default_factory=list)  # published column objects, filled in later
    cta_variant: Any = None

    @property
    def summary(self) -> str:
        return self.standfirst

    @property
    def content(self) -> Markup:
        """Self-contained HTML for feeds: summary, key points and the coverage in one line."""
        parts = [Markup(self.body_html)]
        if self.key_points:
            items = Markup("").join(Markup("<li>{}</li>").format(point) for point in self.key_points)
            parts.append(Markup("<h2>Key points</h2><ul>{}</ul>").format(items))
        parts.append(Markup("<p>{}</p>").format(coverage_sentence(self.coverage)))
        return Markup("\n").join(parts)

    def is_premium(self, detail: str) -> bool:
        return detail in self.premium_details

    @property
    def hidden_details(self) -> list[str]:
        """Premium details held back on this page, in reading order, as readers would name them."""
        names = {"lean_distribution": "the bias distribution", "blindspot": "the blindspot note",
                 "ownership": "the ownership breakdown", "country": "the breakdown by country",
                 "factuality": "the factuality ratings"}
        return [names[key] for key in names if key in self.premium_details]

    @property
    def hidden_details_text(self) -> str:
        """'the ownership breakdown and the factuality ratings'."""
        items = self.hidden_details
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def coverage_sentence(coverage: Coverage) -> str:
    articles = f"{coverage.article_count} article{'s' if coverage.article_count != 1 else ''}"
    sources = f"{coverage.source_count} source{'s' if coverage.source_count != 1 else ''}"
    return f"Covered in {articles} from {sources}."


def build_story(
    record: StoryRecord,
    outlets: OutletRegistry,
    settings: StorySettings,
    now: dt.datetime,
    markdown: Markdown,
    make_tag: Callable[[str], Any] = str,
    make_author: Callable[[str], Any] = str,
) -> Story:
    meta = record.meta
    outlet_views = {key: make_outlet(value, settings) for key, value in outlets.outlets.items()}
    entries = [
        CoverageEntry(outlet_views[item.outlet], item.title, item.url, item.date, item.excerpt)
        for item in meta.coverage
        if item.outlet in outlet_views
    ]
    markdown.reset()
    body_html = markdown.convert(record.body)
    status = "draft" if meta.status == "draft" or meta.date > now else "published"
    return Story(
        slug=record.slug,
        title=meta.title,
        url=settings.url.format(slug=record.slug),
        save_as=settings.save_as.format(slug=record.slug),
        date=meta.date,
        modified=meta.updated or meta.date,
        updated=meta.updated,
        dateline=list(meta.dateline),
        standfirst=meta.summary or first_paragraph_text(body_html),
        body_html=body_html,
        key_points=list(meta.key_points),
        tags=[make_tag(tag) for tag in meta.tags],
        authors=[make_author(author) for author in meta.authors],
        author_ids=list(meta.authors),
        related_slugs=list(meta.related),
        coverage=compute_coverage(entries, settings),
        premium_details=settings.premium_details,
        status=status,
        stable_id=meta.id,
        source_path=record.display,
    )


def new_markdown() -> Markdown:
    return fast_markdown(MARKDOWN_EXTENSIONS)


def newest_first(stories: list[Story]) -> list[Story]:
    return sorted(stories, key=lambda story: (story.date, story.slug), reverse=True)



"""Read and check `content/outlets.yml` and `content/stories/*.md`, with line numbers.

Pure functions over the content folder (no Pelican), so every rule is tested directly.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from content_model.catalog import display_path, load_yaml_file
from content_model.errors import ContentError
from content_model.frontmatter import YamlDocument, parse_content_file
from content_model.links import link_problem
from content_model.schema import SLUG_RE, RequiredText, Slug, Text, TextList, _Strict, _when, validate_model
from content_model.validate import check_document
from pydantic import BeforeValidator, Field, field_validator

from .settings import UNKNOWN, StorySettings


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _web_link(value: str) -> str:
    problem = link_problem(value, allow_relative=False, allow_mailto=False)
    if problem:
        raise ValueError(problem)
    return value


Rating = Annotated[str, BeforeValidator(_lower)]


class RatingSources(_Strict):
    """Where each rating came from; a plain string in outlets.yml applies to all three."""

    lean: Text = ""
    factuality: Text = ""
    ownership: Text = ""


def _sources(value: Any) -> Any:
    if isinstance(value, str):
        return {"lean": value, "factuality": value, "ownership": value}
    return value


class OutletMeta(_Strict):
    id: RequiredText
    name: RequiredText
    url: RequiredText
    lean: Rating = UNKNOWN
    factuality: Rating = UNKNOWN
    ownership: Text = ""
    country: Text = ""
    rating_source: Annotated[RatingSources, BeforeValidator(_sources)] = RatingSources()

    @field_validator("url")
    @classmethod
    def _url_safe(cls, value: str) -> str:
        return _web_link(value)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not SLUG_RE.match(value):
            raise ValueError(f"'{value}' must be lowercase letters, digits and hyphens")
        return value


class CoverageMeta(_Strict):
    outlet: RequiredText
    title: RequiredText
    url: RequiredText
    date: dt.datetime
    excerpt: RequiredText

    _dates = field_validator("date", mode="before")(_when)

    @field_validator("url")
    @classmethod
    def _url_safe(cls, value: str) -> str:
        return _web_link(value)


class StoryMeta(_Strict):
    title: RequiredText
    date: dt.datetime
    updated: dt.datetime | None = None
    dateline: TextList = Field(default_factory=list)
    summary: Text = ""
    key_points: TextList = Field(default_factory=list)
    tags: TextList = Field(default_factory=list)
    authors: TextList = Field(default_factory=list)
    related: TextList = Field(default_factory=list)
    coverage: Annotated[list[CoverageMeta], Field(min_length=1)]
    status: Literal["published", "draft"] = "published"
    slug: Slug | None = None
    id: Text | None = None

    _dates = field_validator("date", "updated", mode="before")(_when)


@dataclass
class OutletRegistry:
    outlets: dict[str, OutletMeta] = field(default_factory=dict)
    display: str = "content/outlets.yml"


@dataclass
class StoryRecord:
    path: Path
    display: str
    slug: str
    meta: StoryMeta
    doc: YamlDocument
    body: str
    body_line: int


def _unknown(name: str, options: Collection[str], what: str, where: str = "") -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    if close:
        return f"unknown {what} '{name}'; did you mean '{close[0]}'?{where}"
    shown = ", ".join(sorted(options)[:12]) + (", ..." if len(options) > 12 else "")
    return f"unknown {what} '{name}' (known: {shown or 'none'}){where}"


def _scale_problem(value: str, scale: tuple[str, ...], what: str, setting: str) -> str | None:
    if value == UNKNOWN or value in scale:
        return None
    allowed = ", ".join([*scale, UNKNOWN])
    return f"'{value}' is not on the {what} scale ({allowed}); change it or {setting} in the settings"


def load_outlets(
    content_dir: Path, settings: StorySettings, context: dict
) -> tuple[OutletRegistry, list[ContentError]]:
    path = content_dir / "outlets.yml"
    display = display_path(path, content_dir)
    registry = OutletRegistry(display=display)
    if not path.is_file():
        return registry, []
    doc, errors = load_yaml_file(path, display)
    if doc is None:
        return registry, errors
    if not isinstance(doc.data, list):
        return registry, [ContentError(display, 1, "outlets", "should be a list of '- id: ...' entries")]
    for index in range(len(doc.data)):
        if not isinstance(doc.data[index], dict):
            errors.append(ContentError(display, doc.line_of((index,)), "outlet", "should be fields such as 'id: ...'"))
            continue
        outlet, problems = validate_model(OutletMeta, doc, display, context, base=(index,))
        errors += [ContentError(p.path, p.line, f"outlets[{index + 1}].{p.field}", p.message) for p in problems]
        if outlet is None:
            continue
        for name, scale, setting in (("lean", settings.lean_scale, "STORY_LEAN_SCALE"),
                                     ("factuality", settings.factuality_scale, "STORY_FACTUALITY_SCALE")):
            value = getattr(outlet, name)
            problem = _scale_problem(value, scale, name, setting)
            if problem:
                errors.append(ContentError(display, doc.line_of((index, name)), name, problem))
            elif value != UNKNOWN and not getattr(outlet.rating_source, name):
                # a rating we cannot attribute is a guess; readers are told where each one came from
                errors.append(ContentError(display, doc.line_of((index, name)), "rating_source",
                                           f"say where the {name} rating '{value}' of '{outlet.id}' came from "
                                           f"(rating_source: ...), or set {name}: unknown"))
        if outlet.id in registry.outlets:
            errors.append(ContentError(display, doc.line_of((index, "id")), "id",
                                       f"outlet '{outlet.id}' is listed twice; keep one"))
            continue
        registry.outlets[outlet.id] = outlet
    return registry, errors


def coverage_key(url: str) -> str:
    """The same article however its link is written: no scheme, `www.`, fragment or trailing slash."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    return urlunsplit(("", host, parts.path.rstrip("/"), parts.query, ""))


def _check_outlet_ids(doc: YamlDocument, display: str, outlets: OutletRegistry) -> list[ContentError]:
    """Outlet ids straight from the YAML, so they are checked even when another field is wrong."""
    coverage = doc.data.get("coverage") if isinstance(doc.data, dict) else None
    errors = []
    for index, entry in enumerate(coverage if isinstance(coverage, list) else []):
        outlet = entry.get("outlet") if isinstance(entry, dict) else None
        if isinstance(outlet, str) and outlet.strip() and outlet.strip() not in outlets.outlets:
            message = _unknown(outlet.strip(), outlets.outlets, "outlet",
                               f" New outlets go in {outlets.display}.")
            errors.append(ContentError(display, doc.line_of(("coverage", index, "outlet")),
                                       f"coverage[{index + 1}].outlet", message))
    return errors


def _check_story(record: StoryRecord, outlets: OutletRegistry, columns: Collection[str],
                 authors: Collection[str]) -> list[ContentError]:
    meta, doc, display = record.meta, record.doc, record.display
    errors: list[ContentError] = []
    seen_urls: dict[str, int] = {}
    seen_titles: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(meta.coverage):
        where = f"coverage[{index + 1}]"
        key = coverage_key(entry.url)
        title_key = (entry.outlet, entry.title.casefold())
        first = seen_urls.get(key, seen_titles.get(title_key))
        if first is not None:
            errors.append(ContentError(display, doc.line_of(("coverage", index)), where,
                                       f"duplicates coverage[{first + 1}] (same article link, or same outlet "
                                       "and title); keep one"))
        seen_urls.setdefault(key, index)
        seen_titles.setdefault(title_key, index)
    for index, slug in enumerate(meta.related):
        if slug not in columns:
            errors.append(ContentError(display, doc.line_of(("related", index)), "related",
                                       _unknown(slug, columns, "column slug")))
    for index, author in enumerate(meta.authors):
        if author not in authors:
            errors.append(ContentError(display, doc.line_of(("authors", index)), "authors",
                                       _unknown(author, authors, "author")))
    if meta.updated and meta.updated < meta.date:
        errors.append(ContentError(display, doc.line_of(("updated",)), "updated",
                                   "is earlier than date; it should be when the story was last changed"))
    return errors


def load_stories(
    content_dir: Path,
    settings: StorySettings,
    tz: dt.tzinfo,
    columns: Collection[str],
    authors: Collection[str],
) -> tuple[OutletRegistry, list[StoryRecord], list[ContentError]]:
    """Every outlet and story with every problem found, in one pass."""
    content_dir = Path(content_dir)
    context = {"tz": tz}
    outlets, errors = load_outlets(content_dir, settings, context)
    story_paths = sorted((content_dir / "stories").rglob("*.md"))
    if story_paths and not (content_dir / "outlets.yml").is_file():
        errors.append(ContentError(outlets.display, 1, "file",
                                   "is missing; stories need it to name and rate the outlets they cite"))
    records: list[StoryRecord] = []
    first_seen: dict[str, str] = {}
    for path in story_paths:
        display = display_path(path, content_dir)
        doc = check_document(path, display, parse_content_file(path, display), StoryMeta, context)
        errors += doc.errors
        parsed, meta, slug = doc.parsed, doc.meta, doc.slug
        if parsed.meta is not None:
            errors += _check_outlet_ids(parsed.meta, display, outlets)
        if meta is None or not SLUG_RE.match(slug):
            continue
        record = StoryRecord(path, display, slug, meta, parsed.meta, parsed.body, parsed.body_line)
        errors += _check_story(record, outlets, columns, authors)
        if slug in first_seen:
            errors.append(ContentError(display, parsed.meta.line_of(("slug",)), "slug",
                                       f"'{slug}' is already used by {first_seen[slug]}; rename this file "
                                       "or set a different 'slug:'"))
            continue
        first_seen[slug] = display
        records.append(record)
    return outlets, records, errors

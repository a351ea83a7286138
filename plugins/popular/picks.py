"""Editor's Picks: `editors_pick: true` in front-matter, or an ordered content/picks.yml.

content/picks.yml is a list; each entry is a column slug, or a mapping with `slug` and an
optional `until` date after which the pick drops out:

    - the-quiet-arithmetic-of-foreign-agent-laws
    - slug: what-we-got-wrong-in-2025
      until: 2026-12-31
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from content_model.dates import parse_datetime
from content_model.errors import ContentError
from content_model.frontmatter import parse_yaml, read_text

PICKS_FILE = "picks.yml"
_ENTRY_KEYS = ("slug", "until")


@dataclass(frozen=True)
class PickEntry:
    slug: str
    until: dt.datetime | None
    line: int


def _unknown_slug(slug: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(slug, list(known), n=1)
    if close:
        return f"unknown column slug '{slug}'; did you mean '{close[0]}'?"
    return f"unknown column slug '{slug}'; use the slug from the column's URL (columns/<slug>/)"


def parse_picks(path: Path, display: str, tz: dt.tzinfo) -> tuple[list[PickEntry], list[ContentError]]:
    """Entries in file order, and every problem with its line; a missing file is no picks."""
    if not path.is_file():
        return [], []
    text, errors = read_text(path, display)
    if text is None:
        return [], errors
    doc, errors = parse_yaml(text, display)
    if doc is None:
        return [], errors
    if doc.data is None:
        return [], errors
    if not isinstance(doc.data, list):
        return [], [*errors, ContentError(display, doc.first_line, "picks",
                                          "should be a list of column slugs, one '- slug' per line")]
    entries: list[PickEntry] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(doc.data):
        line = doc.line_of((index,))
        slug, until = _entry(item, index, doc, display, tz, errors)
        if slug is None:
            continue
        if slug in seen:
            errors.append(ContentError(display, line, "slug",
                                       f"'{slug}' is already picked on line {seen[slug]}; keep one"))
            continue
        seen[slug] = line
        entries.append(PickEntry(slug, until, line))
    return entries, errors


def _entry(item: Any, index: int, doc, display: str, tz: dt.tzinfo,
           errors: list[ContentError]) -> tuple[str | None, dt.datetime | None]:
    line = doc.line_of((index,))
    if isinstance(item, str) and item.strip():
        return item.strip(), None
    if not isinstance(item, dict):
        errors.append(ContentError(display, line, "picks",
                                   "each entry should be a column slug, or 'slug:' with an optional 'until:'"))
        return None, None
    for key in item:
        if key not in _ENTRY_KEYS:
            errors.append(ContentError(display, doc.line_of((index, key)), str(key),
                                       "unknown field (known: slug, until)"))
    slug = item.get("slug")
    if not isinstance(slug, str) or not slug.strip():
        errors.append(ContentError(display, doc.line_of((index, "slug")), "slug",
                                   "is required: the slug of the column to pick"))
        return None, None
    until = None
    if item.get("until") is not None:
        try:
            until = parse_datetime(item["until"], tz)
        except ValueError as exc:
            errors.append(ContentError(display, doc.line_of((index, "until")), "until", str(exc)))
    return slug.strip(), until


def check_picks(content_dir: Path, known_slugs: Iterable[str], tz: dt.tzinfo) -> list[ContentError]:
    """Validation for content/picks.yml: shape, dates, and slugs that exist."""
    path = content_dir / PICKS_FILE
    display = f"{content_dir.name}/{PICKS_FILE}"
    entries, errors = parse_picks(path, display, tz)
    known = set(known_slugs)
    for entry in entries:
        if entry.slug not in known:
            errors.append(ContentError(display, entry.line, "slug", _unknown_slug(entry.slug, known)))
    return errors


def _live(until: dt.datetime | None, reference: dt.datetime) -> bool:
    return until is None or until >= reference


def editors_picks(articles: Iterable[Any], entries: list[PickEntry], reference: dt.datetime) -> list[Any]:
    """Picks in order: picks.yml first (file order), then front-matter picks by pick_rank
    (unranked after ranked), newest first, slug; expired picks and unpublished columns drop out.
    """
    by_slug = {a.slug: a for a in articles}
    chosen: list[Any] = []
    for entry in entries:
        article = by_slug.get(entry.slug)
        if article is not None and _live(entry.until, reference) and article not in chosen:
            chosen.append(article)
    flagged = [
        a for a in by_slug.values()
        if getattr(a, "editors_pick", False) and _live(getattr(a, "pick_until", None), reference)
        and a not in chosen
    ]
    flagged.sort(key=lambda a: (getattr(a, "pick_rank", None) is None, getattr(a, "pick_rank", None) or 0,
                                -a.date.timestamp(), a.slug))
    return chosen + flagged

"""Content errors for feed ids, reported with the rest before anything is built.

Two live columns must never share a feed id: a reader would show only one of them. That
happens when a retired slug is used again, when two columns list the same alias, or when an
explicit `id:` is copied from another column.
"""

from __future__ import annotations

from content_model.dates import reference_time
from content_model.errors import ContentError

from .ids import IdRegistry, IdRequest, alias_slug
from .settings import read_feed_settings


def check_feed_ids(index, settings: dict) -> list[ContentError]:
    """`content_validation` receiver: sender is the SiteIndex (`index.columns[slug]` records)."""
    feed_settings = read_feed_settings(settings)
    # A copy: validation must not record anything; the feed writer records what it publishes.
    registry = IdRegistry.load(feed_settings.id_registry)
    now = reference_time(settings)
    live = {slug: record for slug, record in index.columns.items()
            if record.meta.status == "published" and record.meta.date <= now}
    errors: list[ContentError] = []
    claimed: dict[str, str] = {}  # id -> slug of the first live column that claims it
    # Oldest first, so an error lands on the newer column (the one reusing a slug or id).
    for slug in sorted(live, key=lambda s: (live[s].meta.date, s)):
        record = live[slug]
        meta = record.meta
        for alias in meta.aliases:
            old = alias_slug(alias)
            if old in index.columns and old != slug:
                errors.append(ContentError(
                    record.display, record.doc.line_of(("aliases",)), "aliases",
                    f"'{alias}' is the address of {index.columns[old].display}; aliases list this "
                    "column's own old slugs or URLs"))
        item_id = registry.resolve(IdRequest("column", slug, tuple(meta.aliases), meta.id),
                                   feed_settings.tagging_entity)
        other = claimed.setdefault(item_id, slug)
        if other != slug:
            field = "id" if meta.id else "slug"
            errors.append(ContentError(
                record.display, record.doc.line_of((field,)), field,
                f"this column would share its feed id {item_id} with {live[other].display}; "
                + ("give it its own id" if meta.id else
                   "that slug belonged to a renamed column, so choose another slug")))
    return errors

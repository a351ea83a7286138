"""Item ids that never change once published, even when a column's title or slug changes.

A feed reader recognises an item by its id (Atom `<id>`, RSS `<guid>`, JSON Feed `id`). If
the id changes, every subscriber sees the column again as new; if two items share one, one
of them vanishes. So the id is decided once, when the build first sees the column published,
and then kept:

1. An explicit front-matter `id:` always wins. A value that is already a URI (has a colon)
   is used as is; anything else becomes `tag:<FEED_TAGGING_ENTITY>:id/<value>`.
2. Otherwise the id recorded in the registry file (`data/feed-ids.json`, a committed file:
   `{"column": {slug: id}, "story": {slug: id}}`) for the item's slug.
3. Otherwise, for a renamed item, the id recorded for one of its `aliases` (old slugs or old
   URLs such as `/columns/old-slug/`); the new slug is then recorded with the same id.
4. Otherwise a new id is minted from the oldest name known: the first alias, else the slug:
   `tag:<FEED_TAGGING_ENTITY>:column/<slug>`, and recorded.

Minting does not use the title, date or site address, so even without the registry a rename
that lists its old slug in `aliases` keeps its id; the registry also keeps ids that were
minted by earlier rules or imported from an older system.

Editor workflow
---------------
- New column: nothing to do. The first build that publishes it adds a line to
  `data/feed-ids.json`; commit that file together with the column.
- Rename (new title and/or new slug): change `title`/`slug`, and add the old slug to
  `aliases`, e.g. `aliases: [old-slug]`. The item keeps its id in every feed.
- Never reuse a retired slug for a different column: the build stops with an error that
  names both files, because both would claim one id.
- Moving a column from another system: put its old feed id in `id:`.
- Do not edit ids in the registry by hand; deleting a column leaves its line there on
  purpose, so a slug is never given to another column by accident.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REGISTRY_NOTE = (
    "Feed item ids, recorded by the build when a column is first published. Commit this file; "
    "do not edit ids by hand (see plugins/feeds/ids.py)."
)


@dataclass(frozen=True)
class IdRequest:
    """What decides one item's id: its kind, current slug, old names and explicit id."""

    kind: str
    slug: str
    aliases: tuple[str, ...] = ()
    explicit_id: str | None = None


def alias_slug(alias: str) -> str:
    """`old-slug`, `/columns/old-slug/` and `https://site/columns/old-slug/` all mean old-slug."""
    parts = [p for p in alias.split("?")[0].split("#")[0].split("/") if p]
    return parts[-1] if parts else alias


def explicit_item_id(value: str, tagging_entity: str) -> str:
    return value if ":" in value else f"tag:{tagging_entity}:id/{value}"


def minted_item_id(kind: str, slug: str, tagging_entity: str) -> str:
    return f"tag:{tagging_entity}:{kind}/{slug}"


class IdRegistry:
    """The recorded ids of one build: loaded from the file, updated, saved if changed."""

    def __init__(self, recorded: dict[str, dict[str, str]] | None = None):
        self.recorded: dict[str, dict[str, str]] = {k: dict(v) for k, v in (recorded or {}).items()}
        self.changed = False

    @classmethod
    def load(cls, path: Path | None) -> IdRegistry:
        if path is None or not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls({kind: ids for kind, ids in data.items() if isinstance(ids, dict)})

    def save(self, path: Path | None) -> bool:
        """Write the file only if something new was recorded (the preview watches it)."""
        if path is None or not self.changed:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"_note": REGISTRY_NOTE}
        data.update({kind: dict(sorted(ids.items())) for kind, ids in sorted(self.recorded.items())})
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        self.changed = False
        return True

    def lookup(self, kind: str, slug: str) -> str | None:
        return self.recorded.get(kind, {}).get(slug)

    def _record(self, kind: str, slug: str, item_id: str) -> None:
        ids = self.recorded.setdefault(kind, {})
        if ids.get(slug) != item_id:
            ids[slug] = item_id
            self.changed = True

    def resolve(self, request: IdRequest, tagging_entity: str) -> str:
        """The item's id by the rules in the module docstring; records new ids."""
        if request.explicit_id:
            return explicit_item_id(request.explicit_id, tagging_entity)
        found = self.lookup(request.kind, request.slug)
        if found:
            return found
        old_slugs = [alias_slug(a) for a in request.aliases]
        for old in old_slugs:
            found = self.lookup(request.kind, old)
            if found:
                self._record(request.kind, request.slug, found)
                return found
        item_id = minted_item_id(request.kind, old_slugs[0] if old_slugs else request.slug, tagging_entity)
        self._record(request.kind, request.slug, item_id)
        return item_id


@dataclass(frozen=True)
class IdClash:
    item_id: str
    slugs: tuple[str, ...]


def find_clashes(resolved: Iterable[tuple[str, str]]) -> list[IdClash]:
    """Ids claimed by more than one live item, from (slug, id) pairs."""
    by_id: dict[str, list[str]] = {}
    for slug, item_id in resolved:
        by_id.setdefault(item_id, []).append(slug)
    return [IdClash(item_id, tuple(slugs)) for item_id, slugs in by_id.items() if len(slugs) > 1]

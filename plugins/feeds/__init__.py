"""Feeds (issue 5): the whole site as RSS 2.0, Atom and JSON Feed 1.1; one Atom + RSS feed per
section, author and tag; a story coverage feed when stories exist. Written with feedgen and
replacing Pelican's own feeds (switched off in pelicanconf.py).

Wiring only; the logic is in plain modules:
- `settings.py` FEED_* options, checked once per build
- `ids.py`      item ids that survive renames, the registry file, and the editor workflow
- `records.py`  FeedItem records built from columns and stories
- `html.py`     absolute URLs in item HTML
- `writer.py`   one feed as Atom, RSS (and JSON Feed): feedgen for the feed, each item's
                entries serialised once and shared by every feed it is in
- `build.py`    which feeds exist, their items, writing them all; FeedLinks for templates
- `entry_store.py` entries shared by several feeds, in a temporary file while the feeds are written
- `cache.py`    a feed whose inputs did not change since its files in the output were made is
                kept as it is (records in CACHE_ROOT/feeds)
- `checks.py`   content errors: two columns that would share a feed id

Public contract:
- template context `feed_links` (a `build.FeedLinks`): `feed_links.site`, `feed_links.stories`,
  `feed_links.section(category)`, `.author(author)`, `.tag(tag)` -> lists of FeedLink(title,
  path, mime); `_feed_discovery.html` and `_feed_links.html` use it.
- feed files: feeds/all.{atom.xml,rss.xml,json}, feeds/{section,author,tag}/<slug>.{atom,rss}.xml,
  feeds/stories.{atom,rss}.xml.
- items from anything with a column's attributes: pass stories in the context as `stories`.
- CTA: when CTA_FEED_FOOTER is true, `cta.feed.feed_footer_html(article)` is appended.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from content_model import content_validation
from content_model.dates import site_timezone
from content_model.stored_html import content_identity, default_link_syntax, may_hold_link
from pelican import signals
from pelican.contents import Content
from site_build.memory import return_free_memory

from .build import FeedLinks, term_keys, write_all_feeds
from .checks import check_feed_ids
from .records import FooterFor
from .settings import read_feed_settings


def _articles_generator(generators) -> object | None:
    for generator in generators:
        if hasattr(generator, "articles") and hasattr(generator, "drafts"):
            return generator
    return None


def add_feed_links(generators) -> None:
    """Before any page is written: tell templates which feeds exist."""
    generator = _articles_generator(generators)
    if generator is None:
        return
    settings = read_feed_settings(generator.settings)
    sections = generator.context.get("sections") or {}
    generator.context["feed_links"] = FeedLinks(
        settings,
        existing=term_keys(generator.articles),
        descriptions={sid: getattr(s, "description", "") for sid, s in sections.items()},
        has_stories=bool(generator.context.get("stories")),
    )


def _cta_footer(enabled: bool) -> FooterFor | None:
    if not enabled:
        return None
    try:  # the CTA plugin may be absent or older; the feeds still work without a footer
        return importlib.import_module("cta.feed").feed_footer_html
    except (ImportError, AttributeError):
        return None


_PELICAN_METHODS = ("get_content", "_update_content", "content")
_plain_html_classes: dict[type, bool] = {}


def _same_as_pelican(method: object, name: str) -> bool:
    # content_model.stored_html's get_content is Pelican's without the memo
    return method is Content.__dict__[name] or getattr(method, "same_as_pelican", False) is True


def _reads_plain_html(cls: type) -> bool:
    """True when `cls.content` is Pelican's own: `_update_content(_content)`, memoized."""
    known = _plain_html_classes.get(cls)
    if known is None:
        known = _plain_html_classes[cls] = issubclass(cls, Content) and not hasattr(cls, "_get_content") and all(
            _same_as_pelican(inspect.getattr_static(cls, name), name) for name in _PELICAN_METHODS)
    return known


def content_html(content: object) -> str:
    """`content.content`, without Pelican's link pass over HTML where it cannot change anything.

    Pelican's `content` runs its intrasite-link expression over the whole HTML (about 15 us a
    column, the first time). With the default INTRASITE_LINK_REGEX a link needs a "{" or a
    "|", so HTML holding neither comes out exactly as it went in. Anything else (another link
    syntax, a class with its own content methods, stories) reads `content.content`.
    """
    raw = getattr(content, "_content", None)
    if (isinstance(raw, str) and not may_hold_link(raw) and _reads_plain_html(type(content))
            and default_link_syntax(content)):
        return raw
    return content.content or ""


def content_html_identity(content: object) -> bytes | None:
    """A digest determining `content_html(content)` without reading it, where one is known
    (content_model.stored_html.content_identity: a stored body, edits that say what they do)."""
    if not _reads_plain_html(type(content)):
        return None
    return content_identity(content)


def _cache_dir(settings: dict) -> Path | None:
    root = settings.get("CACHE_ROOT")
    return Path(root) / "feeds" if root else None


def write_feeds(generator, writer) -> None:
    """After the column pages: their HTML (memoized by Pelican) is final by now."""
    try:
        _write_feeds(generator)
    finally:
        # the stage's items, keys and documents are freed: give their pages back to the system
        return_free_memory()


def _write_feeds(generator) -> None:
    settings = read_feed_settings(generator.settings)
    context = generator.context
    sections = context.get("sections") or {}
    write_all_feeds(
        articles=generator.articles,
        stories=list(context.get("stories") or []),
        settings=settings,
        output_dir=Path(generator.output_path),
        content_dir=Path(generator.settings["PATH"]),
        tz=site_timezone(generator.settings.get("TIMEZONE") or "UTC"),
        footer_for=_cta_footer(settings.cta_footer),
        section_descriptions={sid: getattr(s, "description", "") for sid, s in sections.items()},
        stories_url=context.get("stories_index_url") or "stories/",
        cache_dir=_cache_dir(generator.settings),
        html_of=content_html,
        html_identity_of=content_html_identity,
    )


def register() -> None:
    content_validation.connect(check_feed_ids)
    signals.all_generators_finalized.connect(add_feed_links)
    signals.article_writer_finalized.connect(write_feeds)

"""Analytics paths -> column slugs: one canonical form for every way a URL gets written."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

_INDEX_FILES = ("index.html", "index.htm")
# Requests for these are never page views (stylesheets, images, feeds, fonts ...).
_PAGE_EXTENSIONS = ("", ".html", ".htm")
# A path of lowercase names and single slashes only: nothing to decode, fold or resolve.
_PLAIN_PATH = re.compile(r"/?(?:[a-z0-9_-]+/)*[a-z0-9_-]*")


def normalise_path(raw: str, base_path: str = "") -> str | None:
    """`https://x.org/Columns/a-b/index.html?utm=1#top` -> `/columns/a-b`; None when empty.

    Host, query and fragment are dropped, percent-encoding decoded, `index.html` and the
    trailing slash removed, case folded (our slugs are lowercase), and a site living under
    a sub-path (`base_path`, e.g. `/opinion`) has that prefix taken off.
    """
    text = raw.strip()
    if not text:
        return None
    if _PLAIN_PATH.fullmatch(text):
        # the URLs the site makes itself (a third of the work of ranking at 10,000 columns)
        text = "/" + text.strip("/")
    else:
        text = _canonical(text)
    if base_path and base_path != "/":
        base = base_path.rstrip("/").casefold()
        if text == base:
            text = "/"
        elif text.startswith(base + "/"):
            text = text[len(base):]
    return text


def _canonical(text: str) -> str:
    if "://" in text[:12] or text.startswith("//"):
        text = urlsplit(text if "://" in text[:12] else "http:" + text).path
    else:
        text = text.split("#", 1)[0].split("?", 1)[0]
    text = unquote(text).casefold()
    if not text.startswith("/"):
        text = "/" + text
    text = posixpath.normpath(text)
    if text.startswith("//"):  # normpath keeps a leading double slash (POSIX rule)
        text = "/" + text.lstrip("/")
    head, tail = posixpath.split(text)
    if tail in _INDEX_FILES:
        text = head
    return text.rstrip("/") or "/"


def is_page_path(path: str) -> bool:
    """Pages have no file extension or .html; /theme/css/site.css is not a page view."""
    ext = posixpath.splitext(path.rsplit("/", 1)[-1])[1]
    return ext in _PAGE_EXTENSIONS


def site_base_path(site_url: str) -> str:
    return urlsplit(site_url or "").path.rstrip("/")


@dataclass
class ColumnPaths:
    """Canonical path -> slug for published columns (and their old URLs), plus unpublished."""

    published: dict[str, str] = field(default_factory=dict)
    unpublished: dict[str, str] = field(default_factory=dict)
    base_path: str = ""

    def lookup(self, raw: str) -> tuple[str | None, str | None]:
        """(slug, None) for a published column, or (None, canonical path)."""
        path = normalise_path(raw, self.base_path)
        if path is None:
            return None, None
        return self.published.get(path), path


def column_paths(
    published: Iterable[tuple[str, str, Iterable[str]]],
    unpublished: Iterable[tuple[str, str]] = (),
    article_url: str = "columns/{slug}/",
    site_url: str = "",
) -> ColumnPaths:
    """Build the lookup from (slug, url, aliases) of published and (slug, url) of other columns.

    An alias may be an old URL (`/columns/old-name/`, absolute or relative) or a bare old
    slug, which is placed in ARTICLE_URL like a live one.
    """
    base = site_base_path(site_url)
    paths = ColumnPaths(base_path=base)
    for slug, url, aliases in published:
        paths.published[normalise_path(url) or "/"] = slug
        for alias in aliases:
            alias_url = alias if "/" in alias else article_url.format(slug=alias)
            paths.published.setdefault(normalise_path(alias_url, base) or "/", slug)
    for slug, url in unpublished:
        if url:
            paths.unpublished[normalise_path(url) or "/"] = slug
    return paths

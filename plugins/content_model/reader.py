"""Pelican reader for our Markdown files: YAML front-matter, schema-checked metadata."""

from __future__ import annotations

import os
from pathlib import Path

from pelican import generators as pelican_generators
from pelican.readers import BaseReader, find_empty_alt
from pelican.urlwrappers import Author, Category, Tag, URLWrapper

from .catalog import Catalog, display_path, load_catalog
from .dates import reference_time, site_timezone
from .errors import ContentErrors
from .parse_cache import MARKDOWN_EXTENSIONS, FileParse, digest_of, new_markdown, parse_bytes
from .schema import ColumnMeta, PageMeta, validate_model
from .stored_html import HtmlFromCache, StoredHtml
from .text import reading_minutes
from .validate import SiteIndex, file_stamp

__all__ = ["MARKDOWN_EXTENSIONS", "ColumnReader", "page_metadata"]


class ColumnReader(BaseReader):
    """Replaces Pelican's MarkdownReader for `.md` files.

    One Markdown instance per reader (reset between files) and no second Markdown pass
    for the summary: the standfirst is plain text. Files validation already parsed (see
    `use_index`) are not parsed again when their bytes are unchanged.
    """

    enabled = True
    file_extensions = ["md"]  # noqa: RUF012 - Pelican reads this class attribute

    def __init__(self, settings: dict):
        super().__init__(settings)
        self._md = None
        self._content_dir = Path(settings["PATH"])
        self._tz = site_timezone(settings.get("TIMEZONE") or "UTC")
        self._catalog: Catalog | None = None
        # one Category, Author and Tag object per name and reader (one reader per build), shared
        # by every column that names it, as Pelican's generators treat equal ones alike anyway:
        # at 10,000 columns, 55,000 objects less (~12 MB)
        self._terms: dict[tuple[type, str, str], URLWrapper] = {}
        self._term_keys: dict[int, tuple[type, str, str]] = {}  # id of each object in _terms -> its key
        # what each column was made from, while someone keeps articles as read (speedups)
        self._made: dict[str, tuple[FileParse, ColumnMeta]] | None = None
        self._index: SiteIndex | None = None
        self._indexed: dict[str, tuple[Path, bool]] | None = None

    def use_index(self, index: SiteIndex) -> None:
        """Reuse validation's parses and checked metadata for this build."""
        self._index = index
        self._catalog = index.catalog
        self._indexed = None

    def _indexed_path(self, source_path: str) -> tuple[Path, bool]:
        """(the file as a Path, whether it is a page), the index's own Path for a file it holds:
        Pelican names each file by a string, and making a Path of it, hashing that and asking
        which folder it is in cost about 15 us a file."""
        index = self._index
        if index is not None:
            if self._indexed is None:  # (only the names and Paths: the index drops its parses later)
                pages = tuple(self.settings["PAGE_PATHS"])
                root = str(self._content_dir) + os.sep
                self._indexed = {}
                for path in index.parses:
                    name = str(path)
                    if name.startswith(root):
                        self._indexed[name] = (path, name[len(root):].split(os.sep, 1)[0] in pages)
            found = self._indexed.get(source_path)
            if found is not None:
                return found
        path = Path(source_path)
        return path, path.relative_to(self._content_dir).parts[0] in self.settings["PAGE_PATHS"]

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog, _ = load_catalog(self._content_dir, {"tz": self._tz})
        return self._catalog

    def _validated(self, path: Path, model: type, raw: bytes | None = None
                   ) -> tuple[FileParse, ColumnMeta | PageMeta] | None:
        """Validation's parse and metadata for this file, if it still holds what validation read:
        not written since (the same stamp) or, when `raw` is given, the same bytes."""
        if self._index is None:
            return None
        done = self._index.parses.get(path)
        meta = self._index.models.get(path)
        if done is None or not isinstance(meta, model):
            return None
        if raw is None:
            stamp = self._index.stamps.get(path)
            same = stamp is not None and file_stamp(path) == stamp
        else:
            same = done.digest == digest_of(raw)
        return (done, meta) if same else None

    def unchanged_column(self, source_path: str) -> tuple[FileParse, ColumnMeta] | None:
        """(validation's parse, its checked metadata) of a column file that still holds what
        validation read; None for any other file."""
        path, is_page = self._indexed_path(source_path)
        if is_page:
            return None
        try:
            return self._as_validated(path, ColumnMeta)[0]
        except OSError:
            return None

    def _as_validated(self, path: Path, model: type) -> tuple[tuple[FileParse, ColumnMeta | PageMeta] | None,
                                                              bytes | None]:
        """(validation's parse and metadata if the file still holds what it read, else None;
        the file's bytes, when they had to be read to tell)."""
        found = self._validated(path, model)
        raw = None
        if found is None and self._index is not None and path in self._index.parses:
            raw = path.read_bytes()  # written too recently for its stamp to tell: its bytes do
            found = self._validated(path, model, raw)
        return found, raw

    def keep_made(self) -> None:
        """From now on, note what `read` makes each column from (`made_from`)."""
        self._made = {}

    def made_from(self, source_path: str) -> tuple[FileParse, ColumnMeta] | None:
        """The parse and metadata `read` made the column at `source_path` from (once)."""
        return None if self._made is None else self._made.pop(source_path, None)

    def stop_keeping_made(self) -> None:
        self._made = None

    def is_scheduled(self, meta: ColumnMeta) -> bool:
        """Whether the column waits for its date (this build's reference time)."""
        return meta.date > reference_time(self.settings)

    def term_key(self, term: URLWrapper) -> tuple[type, str, str] | None:
        """What names `term` among this reader's one object per name, if it is one of them."""
        key = self._term_keys.get(id(term))
        return key if key is not None and self._terms.get(key) is term else None

    def term_of(self, key: tuple[type, str, str]) -> URLWrapper:
        """This reader's object for a `term_key` (made now if no column named it yet)."""
        kind, name, slug = key
        return self._term(kind, name, slug or None)

    def read(self, source_path: str) -> tuple[str, dict]:
        path, is_page = self._indexed_path(source_path)
        model = PageMeta if is_page else ColumnMeta
        found, raw = self._as_validated(path, model)
        if found is None:
            raw = path.read_bytes() if raw is None else raw
            display = display_path(path, self._content_dir)
            if self._md is None:
                self._md = new_markdown()
            done = parse_bytes(raw, display, self._md)
            if done.parsed.errors or done.parsed.meta is None:
                raise ContentErrors(done.parsed.errors)
            meta, errors = validate_model(model, done.parsed.meta, display, {"tz": self._tz})
            if errors:
                raise ContentErrors(errors)
        else:
            done, meta = found
        if not is_page and self._made is not None:
            self._made[source_path] = (done, meta)
        metadata = page_metadata(meta, path) if is_page else self.column_metadata(meta, path)
        metadata.update(
            word_count=done.word_count,
            reading_time=reading_minutes(done.word_count),
            standfirst=meta.summary or done.first_paragraph,
        )
        body = done.body_html
        if type(body) is StoredHtml and not is_page and self._articles_read_stored_html():
            warn_empty_alt(body, str(path))  # Pelican's own check, which it skips for the empty string
            return HtmlFromCache(body), metadata
        return done.html, metadata

    def _articles_read_stored_html(self) -> bool:
        """Whether the article Pelican is about to make keeps a pointer to its HTML in the
        content cache (stored_html.py) instead of the text. Not when Pelican itself would
        work on the text: typogrify, or its own content cache, which pickles what readers return."""
        return (getattr(pelican_generators.Article, "reads_stored_html", False)
                and not self.settings.get("TYPOGRIFY") and not self.settings.get("CACHE_CONTENT"))

    def column_metadata(self, meta: ColumnMeta, path: Path) -> dict:
        section = self.catalog.sections.get(meta.section)
        category = self._term(Category, section.name if section else meta.section, meta.section)
        authors = []
        for author_id in meta.authors:
            profile = self.catalog.authors.get(author_id)
            authors.append(self._term(Author, profile.name if profile else author_id, author_id))
        scheduled = self.is_scheduled(meta)
        metadata = {
            "title": meta.title,
            "date": meta.date,
            "category": category,
            "section": meta.section,
            "authors": authors,
            "author_ids": list(meta.authors),
            "tags": [self._tag(tag) for tag in meta.tags],
            "slug": meta.slug or path.stem,
            "status": "draft" if meta.status == "draft" or scheduled else "published",
            "scheduled": scheduled,
            "related_slugs": list(meta.related),
            "editors_pick": meta.editors_pick,
            "pick_rank": meta.pick_rank,
            "pick_until": meta.pick_until,
            "cta": meta.cta,
            "stable_id": meta.id,
            "aliases": list(meta.aliases),
        }
        if meta.updated:
            metadata["modified"] = meta.updated
        if meta.image:
            metadata.update(
                image=meta.image,
                image_alt=meta.image_alt,
                image_caption=meta.image_caption,
                image_credit=meta.image_credit,
            )
        return metadata


    def _term(self, kind: type[URLWrapper], name: str, slug: str | None) -> URLWrapper:
        """The build's one `kind` object named `name` (with slug `slug`, else Pelican's own)."""
        key = (kind, name, slug or "")
        known = self._terms.get(key)
        if known is None:
            known = self._terms[key] = kind(name, self.settings)
            self._term_keys[id(known)] = key
            if slug:
                known.slug = slug
        return known

    def _tag(self, name: str) -> Tag:
        """A Tag as Pelican makes it, one object per name (its slug worked out once)."""
        return self._term(Tag, name, None)


def warn_empty_alt(body: str | StoredHtml | None, path: str) -> None:
    """Pelican's warning for images without alt text in a body, wherever the body is kept."""
    if type(body) is StoredHtml:
        if body.has_image:
            find_empty_alt(body.text(), path)
    elif body:
        find_empty_alt(body, path)


def page_metadata(meta: PageMeta, path: Path) -> dict:
    metadata = {"title": meta.title, "slug": meta.slug or path.stem, "status": meta.status}
    if meta.date:
        metadata["date"] = meta.date
    return metadata

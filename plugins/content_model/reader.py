"""Pelican reader for our Markdown files: YAML front-matter, schema-checked metadata."""

from __future__ import annotations

from pathlib import Path

from markdown import Markdown
from pelican.readers import BaseReader
from pelican.urlwrappers import Author, Category, Tag

from .catalog import Catalog, display_path, load_catalog
from .dates import reference_time, site_timezone
from .errors import ContentErrors
from .frontmatter import parse_content_file
from .schema import ColumnMeta, PageMeta, validate_model
from .text import count_words, first_paragraph_text, html_to_text, reading_minutes

MARKDOWN_EXTENSIONS = [
    "markdown.extensions.tables",
    "markdown.extensions.footnotes",
    "markdown.extensions.fenced_code",
    "markdown.extensions.abbr",
    "markdown.extensions.def_list",
    "markdown.extensions.sane_lists",
    "markdown.extensions.smarty",
]


class ColumnReader(BaseReader):
    """Replaces Pelican's MarkdownReader for `.md` files.

    One Markdown instance per reader (reset between files) and no second Markdown pass
    for the summary: the standfirst is plain text.
    """

    enabled = True
    file_extensions = ["md"]  # noqa: RUF012 - Pelican reads this class attribute

    def __init__(self, settings: dict):
        super().__init__(settings)
        self._md = Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="html")
        self._content_dir = Path(settings["PATH"])
        self._tz = site_timezone(settings.get("TIMEZONE") or "UTC")
        self._catalog: Catalog | None = None

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog, _ = load_catalog(self._content_dir, {"tz": self._tz})
        return self._catalog

    def read(self, source_path: str) -> tuple[str, dict]:
        path = Path(source_path)
        display = display_path(path, self._content_dir)
        parsed = parse_content_file(path, display)
        if parsed.errors or parsed.meta is None:
            raise ContentErrors(parsed.errors)
        is_page = path.relative_to(self._content_dir).parts[0] in self.settings["PAGE_PATHS"]
        model = PageMeta if is_page else ColumnMeta
        meta, errors = validate_model(model, parsed.meta, display, {"tz": self._tz})
        if errors:
            raise ContentErrors(errors)
        self._md.reset()
        body_html = self._md.convert(parsed.body)
        text = html_to_text(body_html)
        metadata = page_metadata(meta, path) if is_page else self.column_metadata(meta, path)
        words = count_words(text)
        metadata.update(
            word_count=words,
            reading_time=reading_minutes(words),
            standfirst=meta.summary or first_paragraph_text(body_html),
        )
        return body_html, metadata

    def column_metadata(self, meta: ColumnMeta, path: Path) -> dict:
        settings = self.settings
        section = self.catalog.sections.get(meta.section)
        category = Category(section.name if section else meta.section, settings)
        category.slug = meta.section
        authors = []
        for author_id in meta.authors:
            profile = self.catalog.authors.get(author_id)
            author = Author(profile.name if profile else author_id, settings)
            author.slug = author_id
            authors.append(author)
        scheduled = meta.date > reference_time(settings)
        metadata = {
            "title": meta.title,
            "date": meta.date,
            "category": category,
            "section": meta.section,
            "authors": authors,
            "author_ids": list(meta.authors),
            "tags": [Tag(tag, settings) for tag in meta.tags],
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


def page_metadata(meta: PageMeta, path: Path) -> dict:
    metadata = {"title": meta.title, "slug": meta.slug or path.stem, "status": meta.status}
    if meta.date:
        metadata["date"] = meta.date
    return metadata

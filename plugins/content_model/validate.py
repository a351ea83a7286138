"""Read every content file, check it against the schema and against each other.

Pure functions over the content folder: no Pelican here, so every rule is tested directly.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .body_check import check_body
from .catalog import Catalog, image_problem, load_catalog
from .errors import ContentError
from .frontmatter import ParsedFile, YamlDocument, parse_content_file
from .links import check_front_matter_links
from .parse_cache import FileParse
from .schema import SLUG_RE, ColumnMeta, PageMeta, validate_model


@dataclass
class ColumnRecord:
    path: Path
    display: str
    slug: str
    meta: ColumnMeta
    doc: YamlDocument | None  # line numbers for error messages; None once the readers are done


@dataclass
class PageRecord:
    path: Path
    display: str
    slug: str
    meta: PageMeta


@dataclass
class SiteIndex:
    catalog: Catalog
    columns: dict[str, ColumnRecord] = field(default_factory=dict)
    pages: dict[str, PageRecord] = field(default_factory=dict)
    # The parse of each valid file and its checked metadata, for the reader to reuse.
    parses: dict[Path, FileParse] = field(default_factory=dict)
    models: dict[Path, ColumnMeta | PageMeta] = field(default_factory=dict)
    # Each file's `file_stamp` from before validation read it: the reader takes a file whose
    # stamp is unchanged as validated, without reading and hashing its bytes again.
    stamps: dict[Path, tuple[int, int, int, int]] = field(default_factory=dict)

    def release_parses(self) -> None:
        """Drop what only validation and the readers use: the parses and the line maps.

        At 10,000 columns that is about 40 MB the rest of the build would carry (and every
        worker forked to render pages would start with). The catalog, slugs and metadata stay.
        """
        self.parses = {}
        self.models = {}
        self.stamps = {}
        for record in self.columns.values():
            record.doc = None


# A file written this recently may be written again within the same timestamp tick, unseen
# by its stamp (file systems keep times in ticks of milliseconds to seconds): not trusted.
_SETTLED_NS = 2_000_000_000


def file_stamp(path: Path) -> tuple[int, int, int, int] | None:
    """What changes when a file is written: its modification and change times (ns; tools that
    restore the first cannot restore the second), size and inode. None for a file written in
    the last two seconds, or unreadable."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) < _SETTLED_NS:
        return None
    return st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino


MODELS: dict[str, type[BaseModel]] = {"columns": ColumnMeta, "pages": PageMeta}


def content_files(content_dir: Path) -> list[tuple[Path, str]]:
    """The Markdown files validation reads, in its order, with their display paths."""
    content_dir = Path(content_dir)
    files = []
    for folder in MODELS:
        top = content_dir / folder
        prefix = f"{Path(content_dir.name) / folder}/"
        cut = len(str(top)) + 1
        # `display_path`, without a relative_to per file: every path found is under `top`
        files += [(path, prefix + str(path)[cut:]) for path in sorted(top.rglob("*.md"))]
    return files


class FileChecker:
    """The checks on one Markdown file that need nothing but its bytes and the site's time
    zone (schema, links, body, slug), run as the file is parsed and kept in the parse cache.

    Called as `parse_cache.parse_files(..., checker=FileChecker(tz))`; the result is
    `(key, model name, model or None, slug, errors)`, or None outside columns/ and pages/."""

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        self.key = f"checked|{tz!r}"

    def __call__(self, path: Path, display: str, done: FileParse) -> tuple | None:
        parts = display.split("/", 2)
        model = MODELS.get(parts[1]) if len(parts) == 3 else None
        if model is None:
            return None
        doc = check_document(path, display, done.parsed, model, {"tz": self.tz}, list(done.body_problems))
        return self.key, model.__name__, doc.meta, doc.slug, tuple(doc.errors)


@dataclass
class CheckedDocument:
    """A content file read, link- and body-checked, and validated against its schema."""

    parsed: ParsedFile
    meta: Any | None  # the schema model, or None when the file or its fields are unusable
    slug: str
    errors: list[ContentError]


def check_document(path: Path, display: str, parsed: ParsedFile, model: type[BaseModel], context: dict,
                   body_problems: list[ContentError] | None = None) -> CheckedDocument:
    """The checks every Markdown content type shares (columns, pages, stories).

    `body_problems` comes from the parse cache when the body was checked as it was parsed.
    """
    errors = list(parsed.errors)
    if parsed.meta is None:
        return CheckedDocument(parsed, None, path.stem, errors)
    errors += check_front_matter_links(parsed.meta, display)
    if body_problems is None:
        body_problems = check_body(parsed.body, parsed.body_line, display)
    errors += body_problems
    meta, problems = validate_model(model, parsed.meta, display, context)
    errors += problems
    if meta is None:
        return CheckedDocument(parsed, None, path.stem, errors)
    slug, problems = _slug_for(meta.slug, path, display, parsed.meta.line_of(("slug",)))
    return CheckedDocument(parsed, meta, slug, errors + problems)


def _known(name: str, options: list[str], what: str) -> str:
    close = difflib.get_close_matches(name, options, n=1)
    if close:
        return f"unknown {what} '{name}'; did you mean '{close[0]}'?"
    shown = ", ".join(sorted(options)[:12]) + (", ..." if len(options) > 12 else "")
    return f"unknown {what} '{name}' (known: {shown or 'none'})"


def _slug_for(meta_slug: str | None, path: Path, display: str, line: int) -> tuple[str, list[ContentError]]:
    if meta_slug:
        return meta_slug, []
    if SLUG_RE.match(path.stem):
        return path.stem, []
    return path.stem, [ContentError(display, line, "slug",
                                    f"file name '{path.name}' is not a usable URL; rename it to lowercase "
                                    "letters, digits and hyphens (invoke new does this) or set 'slug:'")]


def _check_column(record: ColumnRecord, catalog: Catalog, content_dir: Path) -> list[ContentError]:
    meta, doc, display = record.meta, record.doc, record.display
    errors = []
    if catalog.sections and meta.section not in catalog.sections:
        errors.append(ContentError(display, doc.line_of(("section",)), "section",
                                   _known(meta.section, list(catalog.sections), "section")))
    for index, author in enumerate(meta.authors):
        if author not in catalog.authors:
            errors.append(ContentError(display, doc.line_of(("authors", index)), "authors",
                                       _known(author, list(catalog.authors), "author")))
    if meta.image:
        problem = image_problem(meta.image, content_dir)
        if problem:
            errors.append(ContentError(display, doc.line_of(("image",)), "image", problem))
        if not meta.image_alt:
            errors.append(ContentError(display, doc.line_of(("image",)), "image_alt",
                                       "is required with image: describe the picture for readers who cannot see it"))
    if meta.updated and meta.updated < meta.date:
        errors.append(ContentError(display, doc.line_of(("updated",)), "updated",
                                   "is earlier than date; it should be when the column was last changed"))
    return errors


def _check_related(columns: dict[str, ColumnRecord]) -> list[ContentError]:
    errors = []
    for record in columns.values():
        for index, slug in enumerate(record.meta.related):
            # the line only for an error: finding it unpacks the file's cached line map
            if slug == record.slug:
                errors.append(ContentError(record.display, record.doc.line_of(("related", index)), "related",
                                           f"'{slug}' is this column itself"))
            elif slug not in columns:
                errors.append(ContentError(record.display, record.doc.line_of(("related", index)), "related",
                                           _known(slug, list(columns), "column slug")))
    return errors


def validate_content(
    content_dir: Path, tz: dt.tzinfo, parses: Mapping[Path, FileParse] | None = None,
    files: list[tuple[Path, str]] | None = None,
) -> tuple[SiteIndex, list[ContentError]]:
    """Every problem in every file, in one pass.

    `parses` (from `parse_cache.parse_files`) saves reading and parsing the files again;
    files missing from it are parsed here. A parse made with `FileChecker(tz)` brings its
    file's own checks, so only the checks across files run. `files` is `content_files(content_dir)`
    when the caller has it already.
    """
    content_dir = Path(content_dir)
    context = {"tz": tz}
    catalog, errors = load_catalog(content_dir, context)
    index = SiteIndex(catalog)
    first_seen: dict[str, str] = {}
    parses = parses or {}
    checker_key = FileChecker(tz).key
    displays = dict(files if files is not None else content_files(content_dir))

    def parse(path: Path, display: str) -> ParsedFile:
        done = parses.get(path)
        if done is not None:
            index.parses[path] = done
            return done.parsed
        return parse_content_file(path, display)

    def check(path: Path, model: type[BaseModel]) -> tuple[str, CheckedDocument]:
        display = displays[path]
        done = parses.get(path)  # checked when parsed; the body itself is not kept
        checked = done.checked if done is not None else None
        if checked is not None and checked[:2] == (checker_key, model.__name__):
            index.parses[path] = done
            _, _, meta, slug, errors = checked
            return display, CheckedDocument(done.parsed, meta, slug, list(errors))
        body_problems = list(done.body_problems) if done is not None else None
        return display, check_document(path, display, parse(path, display), model, context, body_problems)

    under = {folder: f"{content_dir / folder}/" for folder in MODELS}
    columns = [path for path in displays if str(path).startswith(under["columns"])]
    pages = [path for path in displays if str(path).startswith(under["pages"])]
    for path in columns:
        display, doc = check(path, ColumnMeta)
        errors += doc.errors
        if doc.meta is None:
            continue
        meta, parsed, slug = doc.meta, doc.parsed, doc.slug
        record = ColumnRecord(path, display, slug, meta, parsed.meta)
        errors += _check_column(record, catalog, content_dir)
        if slug in first_seen:
            errors.append(ContentError(display, parsed.meta.line_of(("slug",)), "slug",
                                       f"'{slug}' is already used by {first_seen[slug]}; "
                                       "rename this file or set a different 'slug:'"))
            continue
        first_seen[slug] = display
        index.columns[slug] = record
        index.models[path] = meta

    errors += _check_related(index.columns)

    for path in pages:
        display, doc = check(path, PageMeta)
        errors += doc.errors
        if doc.meta is None:
            continue
        meta, parsed, slug = doc.meta, doc.parsed, doc.slug
        if slug in index.pages:
            errors.append(ContentError(display, parsed.meta.line_of(("slug",)), "slug",
                                       f"'{slug}' is already used by {index.pages[slug].display}"))
            continue
        index.pages[slug] = PageRecord(path, display, slug, meta)
        index.models[path] = meta

    return index, errors

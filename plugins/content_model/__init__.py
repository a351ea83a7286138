"""Content model: YAML front-matter reader, schema, and site-wide validation.

`register()` only wires Pelican signals; the logic lives in plain modules.
"""

from __future__ import annotations

from pathlib import Path

from blinker import signal
from pelican import signals
from site_build.memory import return_free_memory

from .dates import site_timezone
from .errors import ContentError, ContentErrors
from .parse_cache import content_cache_file, parse_files
from .reader import ColumnReader
from .validate import FileChecker, SiteIndex, content_files, file_stamp, validate_content

__all__ = ["ContentError", "ContentErrors", "SiteIndex", "content_validation", "register", "validate_content"]

# Other plugins check their own files and fields here, so every problem is reported at once.
# Receivers get the SiteIndex as sender and `settings=`; they return a list of ContentError.
content_validation = signal("content_validation")


def add_reader(readers) -> None:
    readers.reader_classes["md"] = ColumnReader


def validate_site(generator) -> None:
    """Check all content before anything is read for output; stop the build on any error.

    Runs when the articles generator is created, i.e. once per build (also on every
    autoreload), before Pelican cleans or writes the output folder.
    """
    settings = generator.settings
    content_dir = Path(settings["PATH"])
    # Every file is parsed here once (in parallel, or taken from the content cache); the
    # reader then only looks the results up.
    cache_root = settings.get("CACHE_ROOT")
    cache_file = content_cache_file(Path(cache_root) / "content", content_dir) if cache_root else None
    tz = site_timezone(settings["TIMEZONE"])
    files = content_files(content_dir)
    # each file's own checks run with its parse and are cached with it: an unchanged file
    # is not validated again; the checks across files (unknown authors, slugs...) always run
    stamps = {path: file_stamp(path) for path, _ in files}  # before parse_files reads them
    parses = parse_files(files, cache_file, checker=FileChecker(tz), stamps=stamps)
    return_free_memory()  # the HTML of new parses is in the cache's files now (stored_html.py)
    index, errors = validate_content(content_dir, tz, parses, files)
    index.stamps = {path: stamp for path, stamp in stamps.items() if stamp is not None and path in index.parses}
    for _receiver, extra in content_validation.send(index, settings=settings):
        errors += extra or []
    if errors:
        raise ContentErrors(errors)
    generator.context["site_index"] = index
    generator.context["sections"] = index.catalog.sections
    generator.context["author_profiles"] = index.catalog.authors
    share_index_with_reader(generator)


def share_index_with_reader(generator) -> None:
    """Hand the validated parses to this generator's Markdown reader (each generator has its own)."""
    reader = generator.readers.readers.get("md")
    index = generator.context.get("site_index")
    if isinstance(reader, ColumnReader) and isinstance(index, SiteIndex):
        reader.use_index(index)


def release_parses(generator) -> None:
    """Once pages are read (articles were read before them), no reader needs the parses."""
    index = generator.context.get("site_index")
    if isinstance(index, SiteIndex):
        index.release_parses()
        return_free_memory()


def register() -> None:
    signals.readers_init.connect(add_reader)
    signals.article_generator_init.connect(validate_site)
    signals.page_generator_init.connect(share_index_with_reader)
    signals.page_generator_finalized.connect(release_parses)

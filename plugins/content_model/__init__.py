"""Content model: YAML front-matter reader, schema, and site-wide validation.

`register()` only wires Pelican signals; the logic lives in plain modules.
"""

from __future__ import annotations

from pathlib import Path

from blinker import signal
from pelican import signals

from .dates import site_timezone
from .errors import ContentError, ContentErrors
from .reader import ColumnReader
from .validate import SiteIndex, validate_content

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
    index, errors = validate_content(Path(settings["PATH"]), site_timezone(settings["TIMEZONE"]))
    for _receiver, extra in content_validation.send(index, settings=settings):
        errors += extra or []
    if errors:
        raise ContentErrors(errors)
    generator.context["site_index"] = index
    generator.context["sections"] = index.catalog.sections
    generator.context["author_profiles"] = index.catalog.authors


def register() -> None:
    signals.readers_init.connect(add_reader)
    signals.article_generator_init.connect(validate_site)

"""Images: responsive covers, avatars, card thumbnails and social cards, made with Pillow.

`register()` wires Pelican signals to thin adapters; the work is in `pipeline`, `derive` and
`cards`, which know nothing of Pelican.

Template contract (Jinja filters, all return None when there is nothing to show):
  article|cover_image          ResponsiveImage: .width .height .sources (ImageSource: .type
                               .srcset .files) .fallback (ImageFile: .url .width .height)
  article|card_image           ResponsiveImage of the card thumbnail (IMAGE_CARD_SIZE, 1x and 2x)
  author|avatar_image(size)    AvatarImage: .src .src2x (ImageFile) .generated (initials)
  page_object|social_image     ImageFile 1200x630 for og:image; a column, a story (kind="story",
                               by .url) or None for the site-wide card
Column articles also get the same values as attributes: `cover_image`, `card_image`,
`social_image`. The whole manifest is in the template context as `image_manifest`.
URLs are relative to the site root: templates write `{{ SITEURL }}/{{ file.url }}`.
"""

from __future__ import annotations

import logging
import os
import posixpath
from pathlib import Path

from content_model import content_validation
from content_model.catalog import display_path, load_yaml_file
from content_model.validate import MODELS
from pelican import signals
from pelican.contents import Content
from site_build.session import session_of

from .config import read_image_settings
from .memo import manifest_key, memo_file, recall, remember
from .pipeline import (
    AuthorInput,
    ColumnInput,
    ImageManifest,
    ImageRef,
    add_story_cards,
    process_images,
    start_writing_into_output,
    write_into_output,
)

logger = logging.getLogger(__name__)

# Per-build state lives in that build's settings dict (a fresh one on every autoreload).
MANIFEST_KEY = "_IMAGES_MANIFEST"
AHEAD_KEY = "_IMAGES_WRITTEN_AHEAD"  # (the child writing the derivatives, the files it writes)


def _manifest(settings: dict) -> ImageManifest | None:
    return settings.get(MANIFEST_KEY)


def _author_refs(content_dir: Path, author_id: str) -> ImageRef | None:
    for path in sorted((content_dir / "authors").glob(f"{author_id}.y*ml")):
        display = display_path(path, content_dir)
        doc, _problems = load_yaml_file(path, display)
        if doc is not None:
            return ImageRef(display, doc.line_of(("avatar",)), "avatar")
    return None


def make_site_images(index, settings: dict) -> list:
    """content_validation receiver: make every derivative, report unusable images."""
    image_settings = read_image_settings(settings)
    content_dir = Path(settings["PATH"])
    sections = index.catalog.sections
    columns = [
        ColumnInput(slug, record.meta.title,
                    sections[record.meta.section].name if record.meta.section in sections else record.meta.section,
                    tuple(record.meta.authors), record.meta.image,
                    ImageRef(record.display, record.doc.line_of(("image",)), "image") if record.meta.image else None)
        for slug, record in index.columns.items()
    ]
    authors = [
        AuthorInput(author_id, profile.name, profile.avatar,
                    _author_refs(content_dir, author_id) if profile.avatar else None)
        for author_id, profile in index.catalog.authors.items()
    ]
    site_name, tagline = settings.get("SITENAME", ""), settings.get("SITE_TAGLINE", "")
    key = manifest_key(content_dir, image_settings, columns, authors, site_name, tagline)
    memo = memo_file(settings.get("CACHE_ROOT"))
    manifest = recall(memo, key)
    if manifest is not None:
        logger.info("images: %d generated, %d reused (as planned by the last build)",
                    manifest.stats.generated, manifest.stats.reused)
        settings[MANIFEST_KEY] = manifest
        return []
    manifest, errors = process_images(content_dir, image_settings, columns, authors, site_name, tagline)
    if not errors:
        remember(memo, key, manifest)
    settings[MANIFEST_KEY] = manifest
    return errors


def add_filters(generator) -> None:
    env = getattr(generator, "env", None)
    if env is None:
        return
    settings = generator.settings  # filters read the manifest when pages render, not now

    def cover_image(obj):
        manifest = _manifest(settings)
        return manifest.covers.get(getattr(obj, "image", None) or "") if manifest else None

    def card_image(obj):
        manifest = _manifest(settings)
        return manifest.cards.get(getattr(obj, "image", None) or "") if manifest else None

    def avatar_image(author, size: int = 40):
        manifest = _manifest(settings)
        author_id = getattr(author, "slug", None) or getattr(author, "id", None) or str(author)
        return manifest.avatar(author_id, int(size)) if manifest else None

    def social_image(obj=None):
        manifest = _manifest(settings)
        if manifest is None:
            return None
        if obj is not None:
            key = getattr(obj, "url", None) if getattr(obj, "kind", None) == "story" else getattr(obj, "slug", None)
            found = manifest.social.get(key or "")
            if found:
                return found
        return manifest.site_social

    env.filters.update(cover_image=cover_image, card_image=card_image, avatar_image=avatar_image,
                       social_image=social_image)


def attach_to_articles(generator) -> None:
    manifest = _manifest(generator.settings)
    if manifest is None:
        return
    generator.context["image_manifest"] = manifest
    for article in [*generator.articles, *generator.drafts]:
        image = getattr(article, "image", None) or ""
        article.cover_image = manifest.covers.get(image)
        article.card_image = manifest.cards.get(image)
        article.social_image = manifest.social.get(article.slug, manifest.site_social)


def keep_raw_originals_out(generator) -> None:
    """The originals still carry EXIF/GPS: publish our stripped copies at their URLs instead."""
    manifest = _manifest(generator.settings)
    if manifest is None or not manifest.originals:
        return
    content_dir = Path(generator.settings["PATH"]).resolve()
    originals = {(content_dir / ref).resolve() for ref in manifest.originals}
    kept = [sc for sc in generator.staticfiles if Path(sc.source_path).resolve() not in originals]
    generator.staticfiles = kept
    generator.context["staticfiles"] = kept


def write_ahead(generator) -> None:
    """Once the static files are known: write the derivatives into the output in a child
    meanwhile (one core is idle between the ranking child and the page digests; ~0.2 s at
    10,000 columns, 20,000 files). Only in a build run by site_build, whose session stops a
    child the build never took. A path a static file will be copied to is left to
    `write_images` (Pelican copies into an existing file, which would write through a link)."""
    settings = generator.settings
    manifest, session = _manifest(settings), session_of(settings)
    if (manifest is None or session is None or not manifest.files
            or _attach_may_reach(settings, generator, read_image_settings(settings).output_dir)):
        return
    # (Pelican's own getter: reading `Static.save_as` marks the file's place as referenced,
    # and an {attach} link could then no longer move it next to its column)
    static = {posixpath.normpath(str(Content.save_as.fget(sc)).replace(os.sep, "/"))
              for sc in generator.staticfiles}
    started = start_writing_into_output(manifest, Path(settings["OUTPUT_PATH"]), static)
    if started is not None:
        settings[AHEAD_KEY] = started
        session.at_end(started[0].abandon)


_DOCUMENT_SAVE_AS = ("ARTICLE_SAVE_AS", "ARTICLE_LANG_SAVE_AS", "DRAFT_SAVE_AS", "DRAFT_LANG_SAVE_AS",
                     "PAGE_SAVE_AS", "PAGE_LANG_SAVE_AS", "DRAFT_PAGE_SAVE_AS", "DRAFT_PAGE_LANG_SAVE_AS")


def _attach_may_reach(settings: dict, generator, folder: str) -> bool:
    """Whether an {attach} link could move a static file to a path inside `folder` (the
    derivatives'), where the file would be copied when Pelican writes the static files, later.

    Pelican moves an attached file into the output folder of the document linking it, below
    it only if the file lies below the document's source. So: no static file may lie in a
    folder of documents, and no document's output folder may be `folder` or inside it, going
    by the fixed start of each URL pattern (and by each page where the pages' pattern could
    reach it: a handful). A custom save_as for one document (EXTRA_PATH_METADATA) counts as
    reaching it."""
    content = os.path.abspath(settings["PATH"])
    documents = tuple(os.path.join(content, name) + os.sep for name in MODELS)
    if any(os.path.normpath(os.path.join(content, sc.source_path)).startswith(documents)
           for sc in generator.staticfiles):
        return True
    extra = settings.get("EXTRA_PATH_METADATA") or {}
    if any(isinstance(meta, dict) and "save_as" in meta for meta in extra.values()):
        return True
    inside = folder.strip("/") + "/"

    def may_land_inside(pattern: str) -> bool:
        folder_pattern = os.path.dirname(pattern)
        if "{" not in folder_pattern:  # one folder for every document of the kind
            return (folder_pattern.strip("/") + "/").startswith(inside)
        start = os.path.dirname(folder_pattern.split("{", 1)[0]).strip("/")
        start = start + "/" if start else ""
        return start.startswith(inside) or inside.startswith(start)

    pages = [*generator.context.get("pages", ()), *generator.context.get("hidden_pages", ()),
             *generator.context.get("draft_pages", ())]
    for name in _DOCUMENT_SAVE_AS:
        pattern = str(settings.get(name) or "")
        if not pattern or not may_land_inside(pattern):
            continue
        if name not in ("PAGE_SAVE_AS", "DRAFT_PAGE_SAVE_AS"):
            return True  # thousands of articles, or translations the context does not list
        if any((os.path.dirname(Content.save_as.fget(page)).strip("/") + "/").startswith(inside)
               for page in pages):
            return True
    return False


def after_static_files(generator) -> None:
    keep_raw_originals_out(generator)
    write_ahead(generator)  # (after: the originals are ours to write then)


def add_stories(generators) -> None:
    """Social cards for stories, if the stories plugin has put any in the context."""
    for generator in generators:
        manifest = _manifest(generator.settings)
        stories = generator.context.get("stories")
        if manifest is None or not stories:
            continue
        settings = generator.settings
        image_settings = read_image_settings(settings)
        inputs = [
            ColumnInput(story.url, getattr(story, "title", "") or "", "Story", (),
                        getattr(story, "image", None) or None,
                        ImageRef(str(getattr(story, "source_path", story.url)), 1, "image"))
            for story in stories if getattr(story, "url", None)
        ]
        for warning in add_story_cards(manifest, inputs, Path(settings["PATH"]), image_settings,
                                       settings.get("SITENAME", "")):
            logger.warning(warning)
        return


def write_images(pelican) -> None:
    manifest = _manifest(pelican.settings)
    if manifest is None:
        return
    written, done = 0, {}
    ahead = pelican.settings.pop(AHEAD_KEY, None)
    if ahead is not None:
        child, files = ahead
        taken, made = child.take()
        if taken and type(made) is int:
            written, done = made, files
    # the rest (stories' cards, paths of static files), or all of them if the child failed
    written += write_into_output(manifest, Path(pelican.settings["OUTPUT_PATH"]), done)
    logger.info("images: %d files written into the output", written)


def register() -> None:
    content_validation.connect(make_site_images)
    signals.generator_init.connect(add_filters)
    signals.article_generator_finalized.connect(attach_to_articles)
    signals.static_generator_finalized.connect(after_static_files)
    signals.all_generators_finalized.connect(add_stories)
    signals.finalized.connect(write_images)

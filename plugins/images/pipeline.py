"""Plan every image the site needs, make what the cache lacks (on all cores), and describe
the results for templates. No Pelican here: inputs are plain records, outputs a manifest.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from content_model.errors import ContentError
from site_build.forks import ForkedWork, start_in_fork
from site_build.output_tree import link_all_if_changed

from .cards import CardJob, FontSet, SocialCardSpec, initials_key, run_card_job
from .config import ImageSettings
from .derive import (
    MIME_TYPES,
    SourceJob,
    SourceResult,
    Variant,
    cache_location,
    hash_bytes,
    original_format,
    process_source,
    read_source_info,
    too_many_pixels,
    variants_for,
)

logger = logging.getLogger(__name__)


# --- inputs -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImageRef:
    """Where a content file refers to an image, for error messages."""

    display: str  # e.g. content/columns/2025/x.md
    line: int
    field: str  # image | avatar


@dataclass(frozen=True)
class ColumnInput:
    key: str  # the column's slug (or a story's URL)
    title: str
    label: str  # section name
    author_ids: tuple[str, ...]
    image: str | None  # path inside content/
    ref: ImageRef | None


@dataclass(frozen=True)
class AuthorInput:
    id: str
    name: str
    avatar: str | None
    ref: ImageRef | None


# --- what templates get -------------------------------------------------------------------

class _PicklesByFields:
    """Pickled as a call with the fields: the manifest (some 40,000 of these at 10,000
    columns) is kept between builds (memo.py), and the default way costs 0.3 s to save."""

    def __reduce__(self) -> tuple:
        return type(self), tuple(getattr(self, name) for name in self.__dataclass_fields__)


@dataclass(frozen=True)
class ImageFile(_PicklesByFields):
    url: str  # relative to SITEURL, no leading slash
    width: int
    height: int


@dataclass(frozen=True)
class ImageSource(_PicklesByFields):
    type: str  # MIME type
    files: tuple[ImageFile, ...]  # narrowest first

    @property
    def srcset(self) -> str:
        """`url 480w, ...` relative to the site root; templates prefix SITEURL themselves."""
        return ", ".join(f"{f.url} {f.width}w" for f in self.files)


@dataclass(frozen=True)
class ResponsiveImage(_PicklesByFields):
    """A picture in several formats and widths; `fallback` is the JPEG for `<img src>`."""

    width: int
    height: int
    sources: tuple[ImageSource, ...]  # best format first; the last is JPEG
    fallback: ImageFile

    @property
    def modern_sources(self) -> tuple[ImageSource, ...]:
        return self.sources[:-1]

    @property
    def jpeg(self) -> ImageSource:
        return self.sources[-1]


@dataclass(frozen=True)
class AvatarImage(_PicklesByFields):
    size: int  # CSS px
    src: ImageFile  # 1x
    src2x: ImageFile
    generated: bool  # an initials avatar, not a photo


@dataclass
class ImageStats:
    generated: int = 0
    reused: int = 0
    sources: int = 0


@dataclass
class ImageManifest:
    """Everything the images plugin made for one build. Lookups never raise: None = nothing."""

    originals: set[str] = field(default_factory=set)  # content refs republished without metadata
    covers: dict[str, ResponsiveImage] = field(default_factory=dict)  # content ref -> cover
    cards: dict[str, ResponsiveImage] = field(default_factory=dict)  # content ref -> thumbnail
    avatars: dict[str, dict[int, AvatarImage]] = field(default_factory=dict)  # author id -> size -> img
    social: dict[str, ImageFile] = field(default_factory=dict)  # column slug / story URL -> card
    site_social: ImageFile | None = None
    files: dict[str, str] = field(default_factory=dict)  # output path -> cache file
    stats: ImageStats = field(default_factory=ImageStats)

    def avatar(self, author_id: str, size: int) -> AvatarImage | None:
        sizes = self.avatars.get(author_id) or {}
        if size in sizes:
            return sizes[size]
        bigger = [s for s in sorted(sizes) if s >= size]
        return sizes[bigger[0]] if bigger else None


# --- running jobs -------------------------------------------------------------------------

def run_jobs(function: Callable, jobs: list, workers: int, heavy: int = 0) -> list:
    """Map `function` over `jobs` on `workers` processes (inline when parallelism can't help).

    The first `heavy` jobs (decoding and encoding a photo: ~100x a card) go out one at a time,
    ahead of the light ones, which go in chunks: light jobs then fill the tail, so no worker
    is left alone at the end with a chunk of photos.
    """
    if not jobs:
        return []
    if workers <= 1 or len(jobs) == 1:
        return [function(job) for job in jobs]
    heavy_jobs, light_jobs = jobs[:heavy], jobs[heavy:]
    chunk = max(1, min(32, len(light_jobs) // (workers * 4)))
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        # both maps submit at once; results come back in job order
        heavy_results = pool.map(function, heavy_jobs, chunksize=1)
        light_results = pool.map(function, light_jobs, chunksize=chunk)
        return [*heavy_results, *light_results]


def _run_any(job: SourceJob | CardJob) -> SourceResult | tuple[str, int]:
    return process_source(job) if isinstance(job, SourceJob) else run_card_job(job)


# --- planning -----------------------------------------------------------------------------

_NOT_SLUG = re.compile(r"[^0-9A-Za-z]+")


def _slug_of(ref: str) -> str:
    """The file-name part of an output name: `ref`'s stem (as `Path.stem` has it), ASCII letters and
    digits with one hyphen for each run of anything else. Without a Path: this runs for every
    column's social card on every build."""
    parts = [part for part in ref.split("/") if part and part != "."]  # as Path parses it
    name = parts[-1] if parts else ""
    dot = name.rfind(".")
    stem = name[:dot] if 0 < dot < len(name) - 1 else name
    return _NOT_SLUG.sub("-", stem.lower()).strip("-")[:60] or "image"


def _output_name(settings: ImageSettings, ref: str, variant: Variant, key: str) -> str:
    size = f"{variant.width}" if variant.mode == "fit" else f"{variant.width}x{variant.height}"
    return f"{settings.output_dir}/{_slug_of(ref)}-{variant.purpose}-{size}-{key[:10]}.{variant.ext}"


@dataclass
class _Source:
    ref: str
    path: Path
    source_hash: str
    roles: set[str] = field(default_factory=set)
    refs: list[ImageRef] = field(default_factory=list)


def _collect_sources(content_dir: Path, columns: Iterable[ColumnInput], authors: Iterable[AuthorInput]
                     ) -> dict[str, _Source]:
    sources: dict[str, _Source] = {}

    def add(ref: str, role: str, where: ImageRef | None) -> None:
        path = content_dir / ref
        if not path.is_file():
            return  # content_model already reports missing files, with their line
        if ref not in sources:
            sources[ref] = _Source(ref, path, hash_bytes(path.read_bytes()))
        sources[ref].roles.add(role)
        if where:
            sources[ref].refs.append(where)

    for column in columns:
        if column.image:
            add(column.image, "cover", column.ref)
    for author in authors:
        if author.avatar:
            add(author.avatar, "avatar", author.ref)
    return sources


def _responsive(files: list[tuple[Variant, str]], formats: tuple[str, ...]) -> ResponsiveImage:
    sources = []
    for fmt in formats:
        chosen = sorted((v.width, v.height, url) for v, url in files if v.fmt == fmt)
        sources.append(ImageSource(MIME_TYPES[fmt], tuple(ImageFile(u, w, h) for w, h, u in chosen)))
    jpeg = sources[-1].files
    # the fallback is a middle width: good on any screen for browsers that ignore srcset
    fallback = jpeg[min(len(jpeg) - 1, 1)]
    largest = jpeg[-1]
    return ResponsiveImage(largest.width, largest.height, tuple(sources), fallback)


def process_images(
    content_dir: Path,
    settings: ImageSettings,
    columns: list[ColumnInput],
    authors: list[AuthorInput],
    site_name: str,
    site_tagline: str = "",
) -> tuple[ImageManifest, list[ContentError]]:
    """Make (or reuse) every derivative and card; report unusable images as content errors."""
    content_dir = Path(content_dir)
    cache_dir = settings.cache_dir
    manifest = ImageManifest()
    errors: list[ContentError] = []
    fonts = FontSet(str(settings.font_dir))
    missing_fonts = fonts.missing()
    if missing_fonts:
        raise FileNotFoundError(f"images: fonts missing from {settings.font_dir}: {', '.join(missing_fonts)}")
    fonts_fingerprint = fonts.fingerprint()

    sources = _collect_sources(content_dir, columns, authors)
    manifest.stats.sources = len(sources)

    # 1. decode sources whose derivatives are not all cached (and that were never decoded)
    source_jobs: list[SourceJob] = []
    sizes: dict[str, tuple[int, int]] = {}
    for source in sources.values():
        roles = tuple(sorted(source.roles))
        size = read_source_info(cache_dir, source.source_hash)
        original = original_format(source.ref)
        if size and all(os.path.exists(cache_location(cache_dir, v.cache_key(source.source_hash), v.ext))
                        for v in variants_for(roles, size, settings, original)):
            if size[0] * size[1] > settings.max_pixels:  # the limit may have been lowered since
                for where in source.refs:
                    errors.append(ContentError(where.display, where.line, where.field, too_many_pixels(
                        Path(source.ref).name, size, settings.max_pixels)))
            sizes[source.ref] = size
            continue
        source_jobs.append(SourceJob(str(source.path), source.source_hash, roles, settings, original))

    # 2. generated cards need no decoding, so they go into the same pool run
    author_by_id = {a.id: a for a in authors}
    card_jobs: list[CardJob] = []
    initials: dict[tuple[str, int], str] = {}
    for author in authors:
        if author.avatar and author.avatar in sources:
            continue
        for px in sorted({s * k for s in settings.avatar_sizes for k in (1, 2)}):
            key = initials_key(author.name, px, fonts_fingerprint)
            initials[(author.id, px)] = key
            card_jobs.append(CardJob(key, str(cache_dir), initials_name=author.name, initials_px=px,
                                     font_dir=str(settings.font_dir)))
    generated_cards: dict[str, str] = {}
    social_w, social_h = settings.social_size
    for column in columns:
        if column.image and column.image in sources:
            continue
        spec = social_spec(column, author_by_id, sources, site_name, settings)
        key = spec.cache_key(fonts_fingerprint)
        generated_cards[column.key] = key
        card_jobs.append(CardJob(key, str(cache_dir), social=spec))
    site_spec = SocialCardSpec(site_tagline or site_name, "", (), site_name, None, None, social_w, social_h,
                               settings.quality_for("jpeg"), str(settings.font_dir))
    site_key = site_spec.cache_key(fonts_fingerprint)
    card_jobs.append(CardJob(site_key, str(cache_dir), social=site_spec))

    pending_cards = [job for job in card_jobs if not os.path.exists(cache_location(cache_dir, job.key, job.ext))]
    manifest.stats.reused += len(card_jobs) - len(pending_cards)
    results = run_jobs(_run_any, [*source_jobs, *pending_cards], settings.worker_count, heavy=len(source_jobs))

    by_path = {str(s.path): s for s in sources.values()}
    for result in results:
        if isinstance(result, SourceResult):
            source = by_path[result.path]
            if result.error:
                for where in source.refs:
                    errors.append(ContentError(where.display, where.line, where.field, result.error))
                continue
            sizes[source.ref] = result.size
            manifest.stats.generated += result.generated
        else:
            manifest.stats.generated += result[1]
    if errors:
        return manifest, errors

    # 3. describe what exists, for templates, and what to copy into the output
    for source in sources.values():
        size = sizes[source.ref]
        by_purpose: dict[str, list[tuple[Variant, str]]] = {}
        for variant in variants_for(tuple(sorted(source.roles)), size, settings, original_format(source.ref)):
            key = variant.cache_key(source.source_hash)
            # the original keeps its URL, so links to it still work, but without its metadata
            url = source.ref if variant.purpose == "original" else _output_name(settings, source.ref, variant, key)
            manifest.files[url] = cache_location(cache_dir, key, variant.ext)
            by_purpose.setdefault(variant.purpose, []).append((variant, url))
        manifest.originals.add(source.ref)
        if "cover" in by_purpose:
            manifest.covers[source.ref] = _responsive(by_purpose["cover"], settings.formats)
            manifest.cards[source.ref] = _responsive(by_purpose["card"], settings.formats)
            social_variant, social_url = by_purpose["social"][0]
            manifest.social["ref:" + source.ref] = ImageFile(social_url, social_variant.width, social_variant.height)
        if "avatar" in by_purpose:
            files = {v.width: ImageFile(url, v.width, v.height) for v, url in by_purpose["avatar"]}
            for author in authors:
                if author.avatar == source.ref:
                    manifest.avatars[author.id] = {
                        s: AvatarImage(s, files[s], files[2 * s], False) for s in settings.avatar_sizes}
    initials_files: dict[tuple[str, int], ImageFile] = {}
    for (author_id, px), key in initials.items():
        url = f"{settings.output_dir}/initials-{author_id}-{px}-{key[:10]}.png"
        manifest.files[url] = cache_location(cache_dir, key, "png")
        initials_files[(author_id, px)] = ImageFile(url, px, px)
    for author_id in {a for a, _ in initials}:
        manifest.avatars[author_id] = {
            s: AvatarImage(s, initials_files[(author_id, s)], initials_files[(author_id, 2 * s)], True)
            for s in settings.avatar_sizes}
    for column in columns:
        if column.key in generated_cards:
            key = generated_cards[column.key]
            url = f"{settings.output_dir}/social-{_slug_of(column.key)}-{key[:10]}.jpg"
            manifest.files[url] = cache_location(cache_dir, key, "jpg")
            manifest.social[column.key] = ImageFile(url, social_w, social_h)
        elif column.image:
            manifest.social[column.key] = manifest.social["ref:" + column.image]
    site_url = f"{settings.output_dir}/social-site-{site_key[:10]}.jpg"
    manifest.files[site_url] = cache_location(cache_dir, site_key, "jpg")
    manifest.site_social = ImageFile(site_url, social_w, social_h)
    manifest.stats.reused += sum(len(variants_for(tuple(sorted(s.roles)), sizes[s.ref], settings,
                                                  original_format(s.ref)))
                                 for s in sources.values()) - sum(
        r.generated for r in results if isinstance(r, SourceResult))
    logger.info("images: %d generated, %d reused from %s", manifest.stats.generated, manifest.stats.reused, cache_dir)
    return manifest, errors


def social_spec(column: ColumnInput, author_by_id: dict[str, AuthorInput], sources: dict, site_name: str,
                settings: ImageSettings) -> SocialCardSpec:
    names = tuple(author_by_id[a].name if a in author_by_id else a for a in column.author_ids)
    first = author_by_id.get(column.author_ids[0]) if column.author_ids else None
    photo = sources.get(first.avatar) if first and first.avatar else None
    width, height = settings.social_size
    return SocialCardSpec(column.title, column.label, names, site_name,
                          str(photo.path) if photo else None, photo.source_hash if photo else None,
                          width, height, settings.quality_for("jpeg"), str(settings.font_dir))


def write_into_output(manifest: ImageManifest, output_dir: Path, done: dict[str, str] | None = None) -> int:
    """Put every derivative the pages use into the output folder (hard link when possible);
    the number of files made. `done` (output path -> cached file) are already there.

    A derivative the previous output already holds is kept there (see `link_all_if_changed`)."""
    done = done or {}
    return _link_files({rel: cached for rel, cached in manifest.files.items() if done.get(rel) != cached},
                       output_dir)


def _link_files(files: dict[str, str], output_dir: Path) -> int:
    root = os.fspath(output_dir)
    return link_all_if_changed((cached, os.path.join(root, rel)) for rel, cached in files.items())


def start_writing_into_output(manifest: ImageManifest, output_dir: Path, leave_out: set[str]
                              ) -> tuple[ForkedWork, dict[str, str]] | None:
    """`write_into_output` in a forked child meanwhile, for the files not in `leave_out` (paths
    something else will write, which must never be written through a link into the cache);
    (the child, the files it writes), or None when no child can be started."""
    files = {rel: cached for rel, cached in manifest.files.items() if rel not in leave_out}
    child = start_in_fork(lambda: _link_files(files, output_dir))
    return (child, files) if child is not None else None


def add_story_cards(manifest: ImageManifest, stories: list[ColumnInput], content_dir: Path,
                    settings: ImageSettings, site_name: str) -> list[str]:
    """Social cards for story pages, made after the stories plugin has read them.

    Stories are read after content validation, so an unusable story image cannot stop the build
    from here: it is reported as a warning and the story gets a generated card instead.
    """
    cache_dir = settings.cache_dir
    fonts_fingerprint = FontSet(str(settings.font_dir)).fingerprint()
    warnings: list[str] = []
    jobs: list[SourceJob | CardJob] = []
    planned: list[tuple[ColumnInput, str, object]] = []
    width, height = settings.social_size
    for story in stories:
        path = content_dir / story.image if story.image else None
        if path is not None and path.is_file():
            source_hash = hash_bytes(path.read_bytes())
            variant = variants_for(("social",), (width, height), settings)[0]
            key = variant.cache_key(source_hash)
            planned.append((story, "source", (path, source_hash, key)))
            if not os.path.exists(cache_location(cache_dir, key, variant.ext)):
                jobs.append(SourceJob(str(path), source_hash, ("social",), settings))
            continue
        planned.append((story, "card", None))
    source_jobs = [j for j in jobs if isinstance(j, SourceJob)]
    results = {r.path: r for r in run_jobs(_run_any, source_jobs, settings.worker_count, heavy=len(source_jobs))}
    card_jobs = []
    for story, how, data in planned:
        if how == "source":
            path, source_hash, key = data
            result = results.get(str(path))
            if result is None or not result.error:
                if result:
                    manifest.stats.generated += result.generated
                url = f"{settings.output_dir}/social-{_slug_of(story.key)}-{key[:10]}.jpg"
                manifest.files[url] = cache_location(cache_dir, key, "jpg")
                manifest.social[story.key] = ImageFile(url, width, height)
                continue
            warnings.append(f"{story.ref.display if story.ref else story.key}: {result.error}; "
                            "using a generated social card")
        spec = social_spec(story, {}, {}, site_name, settings)
        key = spec.cache_key(fonts_fingerprint)
        card_jobs.append(CardJob(key, str(cache_dir), social=spec))
        url = f"{settings.output_dir}/social-{_slug_of(story.key)}-{key[:10]}.jpg"
        manifest.files[url] = cache_location(cache_dir, key, "jpg")
        manifest.social[story.key] = ImageFile(url, width, height)
    pending = [job for job in card_jobs if not os.path.exists(cache_location(cache_dir, job.key, job.ext))]
    manifest.stats.generated += sum(made for _key, made in run_jobs(run_card_job, pending, settings.worker_count))
    return warnings

"""Derivatives of one source image: open it safely, orient it, strip it, resize it, cache it.

Everything here runs in worker processes, so it takes and returns plain picklable values and
knows nothing of Pelican or of the site.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from .config import ImageSettings

# Bump when the way derivatives are made changes, so old cache entries stop matching.
# 2: smaller sizes are resampled from a larger rendition; faster AVIF/WebP/JPEG settings.
DERIVE_VERSION = 2

# A size is resampled from a larger rendition only when that is at least this much larger:
# a second Lanczos pass from close to the target size would soften it visibly.
MIN_STEP = 1.5

EXTENSIONS = {"avif": "avif", "webp": "webp", "jpeg": "jpg", "png": "png"}
MIME_TYPES = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png"}
ROLES = ("cover", "avatar", "social")


class ImageProblem(Exception):
    """Why a source image cannot be used, worded for the editor who referred to it."""


@dataclass(frozen=True)
class Variant:
    """One derivative: `fit` keeps the aspect ratio at `width`; `fill` crops to width x height."""

    purpose: str  # cover | card | social | avatar
    mode: str  # fit | fill
    width: int
    height: int
    fmt: str
    quality: int

    def cache_key(self, source_hash: str) -> str:
        params = f"{source_hash}|{self.mode}|{self.width}x{self.height}|{self.fmt}|q{self.quality}|v{DERIVE_VERSION}"
        return hashlib.sha256(params.encode()).hexdigest()

    @property
    def ext(self) -> str:
        return EXTENSIONS[self.fmt]

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height


@dataclass(frozen=True)
class SourceJob:
    path: str
    source_hash: str
    roles: tuple[str, ...]
    settings: ImageSettings
    original_fmt: str | None = None  # re-encode the full-size original too (metadata stripped)


@dataclass(frozen=True)
class SourceResult:
    path: str
    source_hash: str
    size: tuple[int, int] | None  # after EXIF orientation
    error: str | None
    generated: int


def hash_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cache_location(cache_dir: str | os.PathLike[str], key: str, ext: str) -> str:
    """Where the derivative or card `key` is cached, as a string: a build looks up some 20,000
    of them at 10,000 columns, and making a Path of each took half of a warm build's image time."""
    return f"{os.fspath(cache_dir)}{os.sep}{key[:2]}{os.sep}{key}.{ext}"


def cache_file(cache_dir: Path, key: str, ext: str) -> Path:
    return Path(cache_location(cache_dir, key, ext))


def info_file(cache_dir: Path, source_hash: str) -> Path:
    return Path(cache_dir) / "sources" / f"{source_hash}.json"


def read_source_info(cache_dir: Path, source_hash: str) -> tuple[int, int] | None:
    """The oriented size recorded when this exact source was last decoded, or None."""
    try:
        data = json.loads(info_file(cache_dir, source_hash).read_text())
        return int(data["width"]), int(data["height"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_atomic(target: Path, write) -> None:
    # a crash mid-write must never leave a half file that later counts as a cache hit
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    os.close(handle)
    try:
        write(temp)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _fit_width(size: tuple[int, int], width: int) -> tuple[int, int]:
    return width, max(1, round(size[1] * width / size[0]))


def original_format(ref: str) -> str:
    """The format a full-size original is published in, from its file name."""
    suffix = Path(ref).suffix.lower()
    return {".png": "png", ".webp": "webp", ".avif": "avif"}.get(suffix, "jpeg")


def variants_for(roles: tuple[str, ...], size: tuple[int, int], settings: ImageSettings,
                 original_fmt: str | None = None) -> list[Variant]:
    """Every derivative a source with this oriented `size` gets; never upscaled past the source."""
    variants: list[Variant] = []
    if original_fmt:
        quality = 0 if original_fmt == "png" else settings.quality_for(original_fmt)
        variants.append(Variant("original", "fit", size[0], size[1], original_fmt, max(quality, 90) if quality else 0))
    if "cover" in roles:
        widths = [w for w in settings.cover_widths if w <= size[0]] or [size[0]]
        for fmt in settings.formats:
            for width in widths:
                variants.append(Variant("cover", "fit", *_fit_width(size, width), fmt, settings.quality_for(fmt)))
        card_w, card_h = settings.card_size
        for scale in (1, 2):
            for fmt in settings.formats:
                variants.append(Variant("card", "fill", card_w * scale, card_h * scale, fmt, settings.quality_for(fmt)))
    if "cover" in roles or "social" in roles:
        social_w, social_h = settings.social_size
        variants.append(Variant("social", "fill", social_w, social_h, "jpeg", settings.quality_for("jpeg")))
    if "avatar" in roles:
        pixel_sizes = sorted({s * scale for s in settings.avatar_sizes for scale in (1, 2)})
        for px in pixel_sizes:
            variants.append(Variant("avatar", "fill", px, px, "jpeg", settings.quality_for("jpeg")))
    return variants


def too_many_pixels(name: str, size: tuple[int, int], max_pixels: int) -> str:
    width, height = size
    return (f"'{name}' is {width}x{height} pixels ({width * height / 1e6:.1f} megapixels), over the "
            f"limit of {max_pixels / 1e6:.1f} megapixels (IMAGE_MAX_PIXELS); resize it before adding it")


def open_source(path: Path, max_pixels: int) -> Image.Image:
    """Open and fully decode an image, or raise ImageProblem saying what is wrong with it."""
    name = Path(path).name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(path)
        except Image.DecompressionBombError as exc:
            raise ImageProblem(f"'{name}' is far too large to process safely ({exc}); "
                               "resize it to a few thousand pixels wide") from None
        except UnidentifiedImageError:
            raise ImageProblem(f"'{name}' is not an image that can be read (expected JPEG, PNG, WebP or AVIF); "
                               "export the picture again in one of those formats") from None
        except OSError as exc:
            raise ImageProblem(f"'{name}' cannot be read: {exc}") from None
    # checked from the header, before decoding: a decompression bomb never gets expanded
    if image.size[0] * image.size[1] > max_pixels:
        image.close()
        raise ImageProblem(too_many_pixels(name, image.size, max_pixels))
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        image.close()
        raise ImageProblem(f"'{name}' is damaged or truncated ({exc}); export it again from the original") from None
    return image


def normalise(image: Image.Image) -> Image.Image:
    """Upright, sRGB, RGB, and with no metadata at all (EXIF, GPS, XMP, ICC, comments)."""
    upright = ImageOps.exif_transpose(image) or image
    icc = upright.info.get("icc_profile")
    if icc:
        upright = _to_srgb(upright, icc)
    if upright.mode in ("RGBA", "LA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        upright = flat
    elif upright.mode != "RGB":
        upright = upright.convert("RGB")
    # a fresh image carries no info dict, so no encoder can copy metadata across
    clean = Image.new("RGB", upright.size)
    clean.paste(upright)
    return clean


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    # colours are converted, not just relabelled, before the profile is dropped
    try:
        import io

        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        mode = "RGBA" if "A" in image.getbands() else "RGB"
        return ImageCms.profileToProfile(image.convert(mode), source, target, outputMode=mode) or image
    except Exception:  # a broken profile must not stop the build; sRGB is the safe guess
        return image


def render_variant(image: Image.Image, variant: Variant) -> Image.Image:
    if variant.size == image.size:
        return image
    if variant.mode == "fit":
        return image.resize((variant.width, variant.height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return ImageOps.fit(image, (variant.width, variant.height), Image.Resampling.LANCZOS, centering=(0.5, 0.4))


def _scale_from(frame: tuple[int, int], variant: Variant) -> float:
    """How much `variant` shrinks a whole-picture frame of this size (1.0 = a crop at most)."""
    if variant.mode == "fit":
        return variant.width / frame[0]
    return max(variant.width / frame[0], variant.height / frame[1])


class Renditions:
    """The cleaned picture and whole-picture copies of it at the `fit` widths, made on demand.

    Resampling costs about the same whatever the target size (Lanczos reads ~3 source pixels
    per step of the scale), so each size is made from the smallest rendition that is at least
    MIN_STEP times larger, not from the full picture. Which rendition feeds which size depends
    only on the set of variants, never on what the cache holds, so a derivative's bytes are the
    same on every build.
    """

    def __init__(self, clean: Image.Image, variants: list[Variant]) -> None:
        self.clean = clean
        self.fit_sizes = sorted({v.size for v in variants if v.mode == "fit" and v.width < clean.size[0]})
        # every (mode, size) is resampled once and then encoded in each format
        self.made: dict[tuple[str, tuple[int, int]], Image.Image] = {}

    def parent_size(self, variant: Variant) -> tuple[int, int]:
        """The smallest frame `variant` may be resampled from: the full picture as a last resort."""
        for size in self.fit_sizes:  # smallest first
            if variant.mode == "fit" and size[0] <= variant.width:
                continue
            scale = _scale_from(size, variant)
            if scale == 1.0 or scale * MIN_STEP <= 1.0:
                return size
        return self.clean.size

    def render(self, variant: Variant) -> Image.Image:
        if variant.size == self.clean.size:
            return self.clean
        made = self.made.get((variant.mode, variant.size))
        if made is None:
            parent_size = self.parent_size(variant)
            parent = self.clean if parent_size == self.clean.size else self.render(
                Variant("frame", "fit", *parent_size, "", 0))
            made = self.made[(variant.mode, variant.size)] = render_variant(parent, variant)
        return made


def save_image(image: Image.Image, target: Path, fmt: str, quality: int, fast: bool = False) -> None:
    """Write without any metadata; atomic, so the cache never holds a half-written file.

    `fast` skips JPEG Huffman optimisation (~2x faster, ~8% larger): for generated social
    cards, which are fetched once by link previews, not by readers on slow networks.
    """
    image.info = {}

    def write(temp: str) -> None:
        # Speeds chosen by measurement on 1600px covers: AVIF speed 9 (aom) is 1.4-2.3x
        # faster than 8 for files 0-10% larger; WebP method 2 is 2x faster than 4 for ~3%;
        # a baseline optimised JPEG is 3x faster to encode than a progressive one and about as
        # small. One encoder thread: the worker processes already use every core.
        if fmt == "jpeg":
            image.save(temp, "JPEG", quality=quality, optimize=not fast)
        elif fmt == "webp":
            image.save(temp, "WEBP", quality=quality, method=2)
        elif fmt == "avif":
            image.save(temp, "AVIF", quality=quality, speed=9, max_threads=1)
        else:
            image.save(temp, "PNG", optimize=False)

    _write_atomic(Path(target), write)


def process_source(job: SourceJob) -> SourceResult:
    """Decode once, write every derivative missing from the cache; errors come back as text."""
    cache_dir = job.settings.cache_dir
    try:
        image = open_source(Path(job.path), job.settings.max_pixels)
    except ImageProblem as problem:
        return SourceResult(job.path, job.source_hash, None, str(problem), 0)
    with image:
        clean = normalise(image)
    generated = 0
    variants = variants_for(job.roles, clean.size, job.settings, job.original_fmt)
    renditions = Renditions(clean, variants)
    # largest first, so the renditions smaller sizes are made from already exist
    for variant in sorted(variants, key=lambda v: (-v.width * v.height, v.fmt)):
        target = cache_file(cache_dir, variant.cache_key(job.source_hash), variant.ext)
        if target.exists():
            continue
        save_image(renditions.render(variant), target, variant.fmt, variant.quality)
        generated += 1
    record = {"width": clean.size[0], "height": clean.size[1]}
    _write_atomic(info_file(cache_dir, job.source_hash), lambda temp: Path(temp).write_text(json.dumps(record)))
    return SourceResult(job.path, job.source_hash, clean.size, None, generated)

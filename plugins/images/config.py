"""The images plugin's settings, read once from Pelican settings into a checked object."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KNOWN_FORMATS = ("avif", "webp", "jpeg")


class ImageSettingsError(ValueError):
    """A bad IMAGE_* option; the message names the option and what to write instead."""


@dataclass(frozen=True)
class ImageSettings:
    cover_widths: tuple[int, ...] = (480, 800, 1200, 1600)
    formats: tuple[str, ...] = ("avif", "webp", "jpeg")
    quality: tuple[tuple[str, int], ...] = (("avif", 55), ("webp", 78), ("jpeg", 82))
    avatar_sizes: tuple[int, ...] = (24, 40, 64, 128)
    card_size: tuple[int, int] = (320, 180)
    social_size: tuple[int, int] = (1200, 630)
    cache_dir: Path = Path(".cache/images")
    max_pixels: int = 40_000_000
    output_dir: str = "images/derived"
    workers: int = 0  # 0 = every core
    font_dir: Path = Path("theme/fonts")
    logo_path: Path | None = None

    def quality_for(self, fmt: str) -> int:
        return dict(self.quality)[fmt]

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1


def _positive_ints(name: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise ImageSettingsError(f"{name} should be a non-empty list of pixel sizes, e.g. [480, 800]")
    for item in value:
        if not isinstance(item, int) or isinstance(item, bool) or item <= 0:
            raise ImageSettingsError(f"{name}: {item!r} is not a positive whole number of pixels")
    return tuple(sorted(set(value)))


def _pair(name: str, value: Any) -> tuple[int, int]:
    if (not isinstance(value, list | tuple) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)):
        raise ImageSettingsError(f"{name} should be [width, height] in pixels, e.g. [1200, 630]")
    return int(value[0]), int(value[1])


def _path(root: Path, value: Any, name: str) -> Path:
    if not isinstance(value, str | os.PathLike):
        raise ImageSettingsError(f"{name} should be a folder path")
    path = Path(value)
    return path if path.is_absolute() else root / path


def read_image_settings(settings: dict[str, Any], root: Path | None = None) -> ImageSettings:
    """Check every IMAGE_* option; relative folders are taken from the project root.

    Fonts default to the theme's `fonts/` folder, so a copied content folder still finds them.
    """
    root = Path(root) if root else Path(settings.get("PATH", ".")).resolve().parent
    defaults = ImageSettings()
    formats = settings.get("IMAGE_FORMATS", list(defaults.formats))
    if not isinstance(formats, list | tuple) or not formats:
        raise ImageSettingsError("IMAGE_FORMATS should be a list such as ['avif', 'webp', 'jpeg']")
    for fmt in formats:
        if fmt not in KNOWN_FORMATS:
            raise ImageSettingsError(f"IMAGE_FORMATS: unknown format {fmt!r} (known: {', '.join(KNOWN_FORMATS)})")
    if "jpeg" not in formats:
        raise ImageSettingsError("IMAGE_FORMATS must include 'jpeg': it is the fallback every browser reads")
    quality = dict(defaults.quality)
    given_quality = settings.get("IMAGE_QUALITY", {})
    if not isinstance(given_quality, dict):
        raise ImageSettingsError("IMAGE_QUALITY should be a mapping such as {'jpeg': 82}")
    for fmt, value in given_quality.items():
        if fmt not in KNOWN_FORMATS:
            raise ImageSettingsError(f"IMAGE_QUALITY: unknown format {fmt!r}")
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
            raise ImageSettingsError(f"IMAGE_QUALITY[{fmt!r}] should be a whole number from 1 to 100")
        quality[fmt] = value
    max_pixels = settings.get("IMAGE_MAX_PIXELS", defaults.max_pixels)
    if not isinstance(max_pixels, int) or isinstance(max_pixels, bool) or max_pixels < 10_000:
        raise ImageSettingsError("IMAGE_MAX_PIXELS should be a whole number of pixels (at least 10000)")
    workers = settings.get("IMAGE_WORKERS", defaults.workers)
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 0:
        raise ImageSettingsError("IMAGE_WORKERS should be 0 (every core) or a positive number of processes")
    output_dir = settings.get("IMAGE_OUTPUT_DIR", defaults.output_dir)
    if not isinstance(output_dir, str) or not output_dir.strip("/") or ".." in Path(output_dir).parts:
        raise ImageSettingsError("IMAGE_OUTPUT_DIR should be a folder inside the output, e.g. 'images/derived'")
    logo = settings.get("IMAGE_SOCIAL_LOGO")
    return ImageSettings(
        cover_widths=_positive_ints("IMAGE_COVER_WIDTHS",
                                    settings.get("IMAGE_COVER_WIDTHS", list(defaults.cover_widths))),
        formats=tuple(f for f in KNOWN_FORMATS if f in formats),
        quality=tuple(sorted(quality.items())),
        avatar_sizes=_positive_ints("IMAGE_AVATAR_SIZES",
                                    settings.get("IMAGE_AVATAR_SIZES", list(defaults.avatar_sizes))),
        card_size=_pair("IMAGE_CARD_SIZE", settings.get("IMAGE_CARD_SIZE", list(defaults.card_size))),
        social_size=_pair("IMAGE_SOCIAL_SIZE", settings.get("IMAGE_SOCIAL_SIZE", list(defaults.social_size))),
        cache_dir=_path(root, settings.get("IMAGE_CACHE_DIR", str(defaults.cache_dir)), "IMAGE_CACHE_DIR"),
        max_pixels=max_pixels,
        output_dir=output_dir.strip("/"),
        workers=workers,
        font_dir=_path(root, settings.get("IMAGE_FONT_DIR", str(Path(settings.get("THEME", "theme")) / "fonts")),
                       "IMAGE_FONT_DIR"),
        logo_path=_path(root, logo, "IMAGE_SOCIAL_LOGO") if logo else None,
    )

"""Related-articles settings, read once from Pelican settings into a checked, typed object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

SIGNALS = ("tags", "text", "section", "author")

DEFAULT_WEIGHTS = MappingProxyType({"tags": 0.5, "text": 1.0, "section": 0.1, "author": 0.05})


class RelatedSettingsError(ValueError):
    """A bad RELATED_* value; the message names the option and what it should be."""


@dataclass(frozen=True)
class RelatedSettings:
    count: int = 3
    weights: Mapping[str, float] = field(default_factory=lambda: DEFAULT_WEIGHTS)
    threshold: float = 0.15
    include_newer: bool = True
    half_life_days: float = 730.0
    max_per_author: int = 2
    excerpt_length: int = 160
    cache_dir: Path | None = None  # term counts kept between builds; None: tokenise every time

    def weight(self, signal: str) -> float:
        return self.weights.get(signal, 0.0)


def _number(settings: Mapping, name: str, default: float, low: float, high: float | None = None) -> float:
    value = settings.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RelatedSettingsError(f"{name} should be a number, got {value!r}")
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise RelatedSettingsError(f"{name} should be {bounds}, got {value!r}")
    return value


def _whole(settings: Mapping, name: str, default: int, low: int) -> int:
    value = settings.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RelatedSettingsError(f"{name} should be a whole number, got {value!r}")
    if value < low:
        raise RelatedSettingsError(f"{name} should be at least {low}, got {value!r}")
    return value


def _weights(settings: Mapping) -> Mapping[str, float]:
    value = settings.get("RELATED_WEIGHTS", DEFAULT_WEIGHTS)
    if not isinstance(value, Mapping):
        raise RelatedSettingsError(
            "RELATED_WEIGHTS should be a dict such as {'tags': 0.45, 'text': 0.4, 'section': 0.1, 'author': 0.05}"
        )
    unknown = sorted(set(value) - set(SIGNALS))
    if unknown:
        raise RelatedSettingsError(
            f"RELATED_WEIGHTS has unknown signal {unknown[0]!r}; known signals: {', '.join(SIGNALS)}"
        )
    weights = {}
    for signal in SIGNALS:
        weight = value.get(signal, 0.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            raise RelatedSettingsError(f"RELATED_WEIGHTS['{signal}'] should be a number >= 0, got {weight!r}")
        weights[signal] = float(weight)
    if not any(weights.values()):
        raise RelatedSettingsError("RELATED_WEIGHTS gives every signal weight 0; at least one must count")
    return MappingProxyType(weights)


def _cache_dir(settings: Mapping) -> Path | None:
    root = settings.get("CACHE_ROOT")
    if root is None or root == "":
        return None
    if not isinstance(root, str | os.PathLike):
        raise RelatedSettingsError(f"CACHE_ROOT should be a folder path, got {root!r}")
    return Path(root) / "related"


def read_settings(settings: Mapping) -> RelatedSettings:
    """Check every RELATED_* option; raise RelatedSettingsError naming the first bad one."""
    include_newer = settings.get("RELATED_INCLUDE_NEWER", True)
    if not isinstance(include_newer, bool):
        raise RelatedSettingsError(f"RELATED_INCLUDE_NEWER should be True or False, got {include_newer!r}")
    return RelatedSettings(
        count=_whole(settings, "RELATED_COUNT", 3, 0),
        weights=_weights(settings),
        threshold=float(_number(settings, "RELATED_THRESHOLD", 0.15, 0.0)),
        include_newer=include_newer,
        half_life_days=float(_number(settings, "RELATED_HALF_LIFE_DAYS", 730.0, 1.0)),
        max_per_author=_whole(settings, "RELATED_MAX_PER_AUTHOR", 2, 1),
        excerpt_length=_whole(settings, "RELATED_EXCERPT_LENGTH", 160, 20),
        cache_dir=_cache_dir(settings),
    )

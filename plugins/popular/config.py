"""Most Popular / Editor's Picks settings, read once per build into a checked object."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FORMATS = ("auto", "plausible", "goatcounter", "umami", "ga4", "access_log")


class PopularSettingsError(ValueError):
    """A bad value in pelicanconf.py; the message names the option."""


@dataclass(frozen=True)
class PopularSettings:
    analytics_dir: Path | None
    input_format: str = "auto"
    window_days: int = 7
    top_n: int = 5
    per_section: bool = False
    min_views: int = 1
    picks_top_n: int = 5
    provenance_path: str = "popular/provenance.json"


def _whole_number(settings: dict, name: str, default: int, minimum: int) -> int:
    value = settings.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise PopularSettingsError(f"{name} must be a whole number of at least {minimum}, not {value!r}")
    return value


def read_settings(settings: dict) -> PopularSettings:
    """Check every POPULAR_* / PICKS_* option; the error names the option that is wrong."""
    raw_dir = settings.get("POPULAR_ANALYTICS_DIR")
    if raw_dir is not None and not isinstance(raw_dir, str | Path):
        raise PopularSettingsError(f"POPULAR_ANALYTICS_DIR must be a folder path, not {raw_dir!r}")
    input_format = settings.get("POPULAR_FORMAT", "auto")
    if input_format not in FORMATS:
        raise PopularSettingsError(
            f"POPULAR_FORMAT must be one of {', '.join(FORMATS)}, not {input_format!r}"
        )
    per_section = settings.get("POPULAR_PER_SECTION", False)
    if not isinstance(per_section, bool):
        raise PopularSettingsError(f"POPULAR_PER_SECTION must be True or False, not {per_section!r}")
    provenance = settings.get("POPULAR_PROVENANCE_PATH", "popular/provenance.json")
    if not isinstance(provenance, str) or not provenance or provenance.startswith("/") or ".." in provenance:
        raise PopularSettingsError(
            f"POPULAR_PROVENANCE_PATH must be a path inside the output folder, not {provenance!r}"
        )
    return PopularSettings(
        analytics_dir=Path(raw_dir) if raw_dir else None,
        input_format=input_format,
        window_days=_whole_number(settings, "POPULAR_WINDOW_DAYS", 7, 1),
        top_n=_whole_number(settings, "POPULAR_TOP_N", 5, 1),
        per_section=per_section,
        min_views=_whole_number(settings, "POPULAR_MIN_VIEWS", 1, 1),
        picks_top_n=_whole_number(settings, "PICKS_TOP_N", 5, 1),
        provenance_path=provenance,
    )

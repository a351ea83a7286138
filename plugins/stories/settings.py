"""Story settings, read once per build into a checked object (errors name the option)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

UNKNOWN = "unknown"

DEFAULT_LEAN_SCALE = ("left", "lean left", "center", "lean right", "right")
DEFAULT_FACTUALITY_SCALE = ("very high", "high", "mixed", "low", "very low")

# Details a site may reserve for members; each names a block on the story page.
PREMIUM_DETAIL_NAMES = ("lean_distribution", "blindspot", "ownership", "country", "factuality")


class StorySettingsError(ValueError):
    """A bad STORY_* setting; the message starts with the option's name."""


@dataclass(frozen=True)
class StorySettings:
    lean_scale: tuple[str, ...] = DEFAULT_LEAN_SCALE
    factuality_scale: tuple[str, ...] = DEFAULT_FACTUALITY_SCALE
    blindspot_share: float = 0.2
    blindspot_min_rated: int = 3
    premium_details: frozenset[str] = frozenset()
    per_page: int = 12
    home_count: int = 3
    url: str = "stories/{slug}/"
    save_as: str = "stories/{slug}/index.html"
    index_url: str = "stories/"
    index_save_as: str = "stories/index.html"

    def is_premium(self, detail: str) -> bool:
        return detail in self.premium_details


def _scale(name: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
        raise StorySettingsError(f"{name}: should be a non-empty list of labels, e.g. ['left', 'center', 'right']")
    labels = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise StorySettingsError(f"{name}: every entry should be a non-empty text label, not {item!r}")
        label = item.strip().lower()
        if label == UNKNOWN:
            raise StorySettingsError(f"{name}: leave out '{UNKNOWN}'; it is always allowed and shown apart")
        if label in labels:
            raise StorySettingsError(f"{name}: '{label}' is listed twice")
        labels.append(label)
    return tuple(labels)


def _int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise StorySettingsError(f"{name}: should be a whole number >= {minimum}, not {value!r}")
    return value


def _template(name: str, value: object, needs_slug: bool) -> str:
    if not isinstance(value, str) or not value:
        raise StorySettingsError(f"{name}: should be a path such as 'stories/{{slug}}/'")
    if needs_slug and "{slug}" not in value:
        raise StorySettingsError(f"{name}: must contain {{slug}} so every story gets its own page")
    return value


def read_story_settings(settings: Mapping) -> StorySettings:
    """Check every STORY_* option; raise StorySettingsError naming the first bad one."""
    share = settings.get("STORY_BLINDSPOT_SHARE", 0.2)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share < 1:
        raise StorySettingsError(
            f"STORY_BLINDSPOT_SHARE: should be a fraction between 0 and 1 (e.g. 0.2), not {share!r}"
        )
    premium = settings.get("STORY_PREMIUM_DETAILS", [])
    if isinstance(premium, str) or not isinstance(premium, list | tuple | set | frozenset):
        raise StorySettingsError("STORY_PREMIUM_DETAILS: should be a list, e.g. ['ownership', 'factuality']")
    for detail in premium:
        if detail not in PREMIUM_DETAIL_NAMES:
            raise StorySettingsError(
                f"STORY_PREMIUM_DETAILS: unknown detail {detail!r} (known: {', '.join(PREMIUM_DETAIL_NAMES)})"
            )
    per_page = settings.get("STORY_PAGINATION") or settings.get("DEFAULT_PAGINATION") or 12
    return StorySettings(
        lean_scale=_scale("STORY_LEAN_SCALE", settings.get("STORY_LEAN_SCALE", list(DEFAULT_LEAN_SCALE))),
        factuality_scale=_scale(
            "STORY_FACTUALITY_SCALE", settings.get("STORY_FACTUALITY_SCALE", list(DEFAULT_FACTUALITY_SCALE))
        ),
        blindspot_share=float(share),
        blindspot_min_rated=_int("STORY_BLINDSPOT_MIN_RATED", settings.get("STORY_BLINDSPOT_MIN_RATED", 3), 1),
        premium_details=frozenset(premium),
        per_page=_int("STORY_PAGINATION", per_page, 1),
        home_count=_int("STORY_HOME_COUNT", settings.get("STORY_HOME_COUNT", 3), 0),
        url=_template("STORY_URL", settings.get("STORY_URL", "stories/{slug}/"), True),
        save_as=_template("STORY_SAVE_AS", settings.get("STORY_SAVE_AS", "stories/{slug}/index.html"), True),
        index_url=_template("STORIES_URL", settings.get("STORIES_URL", "stories/"), False),
        index_save_as=_template("STORIES_SAVE_AS", settings.get("STORIES_SAVE_AS", "stories/index.html"), False),
    )

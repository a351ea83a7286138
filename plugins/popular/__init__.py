"""Most Popular (from analytics exports and access logs) and Editor's Picks.

`register()` only wires Pelican signals; the logic lives in plain modules:
config (settings), ingest (formats), urls (path mapping), ranking, picks, compute.
Template context: `most_popular` and `most_popular_by_section[section]` (lists of
RankedColumn: .article, .views, .source; one spare entry so a page can hide itself),
`editors_picks` (articles, one spare), `popular_settings`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from content_model import content_validation
from content_model.dates import reference_time, site_timezone
from pelican import signals

from .compute import compute, write_provenance
from .config import read_settings
from .picks import PICKS_FILE, check_picks, parse_picks

log = logging.getLogger(__name__)


def validate_picks(index, settings: dict, **_kwargs) -> list:
    content_dir = Path(settings["PATH"])
    return check_picks(content_dir, index.columns.keys(), site_timezone(settings["TIMEZONE"]))


def build_lists(generator) -> None:
    settings = generator.settings
    config = read_settings(settings)
    tz = site_timezone(settings["TIMEZONE"])
    content_dir = Path(settings["PATH"])
    # Validation already failed the build on a bad picks.yml; here only the entries matter.
    entries, _errors = parse_picks(content_dir / PICKS_FILE, f"{content_dir.name}/{PICKS_FILE}", tz)
    result = compute(
        generator.articles, generator.drafts, config, reference_time(settings), tz, entries,
        settings.get("ARTICLE_URL", "columns/{slug}/"), settings.get("SITEURL", ""),
        settings.get("CACHE_ROOT"),
    )
    for level, message in result.log_lines:
        getattr(log, level)(message)
    generator.context.update(
        most_popular=result.most_popular,
        most_popular_by_section=result.most_popular_by_section,
        editors_picks=result.editors_picks,
        popular_settings=config,
    )
    write_provenance(Path(settings["OUTPUT_PATH"]), config.provenance_path, result.provenance)


def register() -> None:
    content_validation.connect(validate_picks)
    signals.article_generator_finalized.connect(build_lists)

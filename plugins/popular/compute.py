"""One build's Most Popular and Editor's Picks, with the provenance an editor can audit."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from site_build.output_tree import write_if_changed

from .config import PopularSettings
from .ingest import BELOW_MIN, Tally, Window, ingest, window_before
from .picks import PickEntry, editors_picks
from .ranking import RankedColumn, Ranking, newest_first, rank
from .reads import AnalyticsReads
from .urls import column_paths

UNKNOWN_PATHS_LISTED = 50


@dataclass
class PopularResult:
    most_popular: list[RankedColumn]
    most_popular_by_section: dict[str, list[RankedColumn]]
    editors_picks: list[Any]
    provenance: dict
    log_lines: list[tuple[str, str]] = field(default_factory=list)  # (level, message)


def _entry_json(position: int, entry: RankedColumn) -> dict:
    article = entry.article
    return {"rank": position, "slug": article.slug, "title": article.title, "url": article.url,
            "section": getattr(article, "section", ""), "views": entry.views, "source": entry.source}


def _fallback_message(ranking: Ranking, where: str, top_n: int) -> str:
    have = top_n - ranking.from_picks - ranking.from_latest
    return (f"Most Popular{where}: analytics ranked {have} of {top_n} columns; filled "
            f"{ranking.from_picks} from Editor's Picks and {ranking.from_latest} from the latest columns")


def compute(articles: Sequence[Any], unpublished: Sequence[Any], config: PopularSettings,
            reference: dt.datetime, tz: dt.tzinfo, pick_entries: list[PickEntry],
            article_url: str = "columns/{slug}/", site_url: str = "",
            cache_root: str | None = None) -> PopularResult:
    """The lists and their provenance; with `cache_root`, analytics files read by the last
    build as they are now are not read again (reads.py)."""
    window: Window = window_before(reference, config.window_days, tz)
    paths = column_paths(
        ((a.slug, a.url, getattr(a, "aliases", []) or []) for a in articles),
        ((a.slug, article_url.format(slug=a.slug)) for a in unpublished),
        article_url, site_url,
    )
    folder = config.analytics_dir
    tally, reads = Tally(), None
    if folder:
        reads = AnalyticsReads.for_folder(cache_root, folder, window, config.input_format)
        tally = ingest(folder, paths, window, config.input_format, reads)
        reads.save()
    picks = editors_picks(articles, pick_entries, reference)

    log: list[tuple[str, str]] = []
    # sorted once for every ranking: each takes the latest columns to fill a short list
    ordered = newest_first(articles)
    overall = rank(ordered, tally.views, config.top_n, config.min_views, picks, sorted_newest_first=True)
    if overall.filled:
        log.append(("warning", _fallback_message(overall, "", config.top_n)))
    by_section: dict[str, list[RankedColumn]] = {}
    section_rankings: dict[str, Ranking] = {}
    if config.per_section:
        members_of: dict[str, list[Any]] = {}
        for article in ordered:
            members_of.setdefault(getattr(article, "section", ""), []).append(article)
        for section in sorted(members_of.keys() - {""}):
            ranking = rank(members_of[section], tally.views, config.top_n, config.min_views,
                           [p for p in picks if getattr(p, "section", "") == section],
                           sorted_newest_first=True)
            section_rankings[section] = ranking
            by_section[section] = ranking.entries
            if ranking.filled:
                log.append(("info", _fallback_message(ranking, f" in {section}", config.top_n)))

    skipped = tally.rows_skipped
    if overall.below_min:
        skipped[BELOW_MIN] = overall.below_min
    problems = {k: v for k, v in skipped.items() if k in _PROBLEM_REASONS}
    for source in tally.sources:
        bad = {k: v for k, v in source.skipped.items() if k in _PROBLEM_REASONS}
        if bad or source.format == "unknown":
            detail = ", ".join(f"{v} {k}" for k, v in sorted(bad.items())) or "nothing usable"
            log.append(("warning", f"Most Popular: {source.file}: {detail}"))
    counted = sum(s.rows_counted for s in tally.sources)
    log.append(("info", f"Most Popular: {len(tally.sources)} source(s), {tally.rows_read} rows read, "
                        f"{counted} counted, window {window.first_day} to {window.last_day}"))
    if reads is not None and reads.files_read < len(tally.sources):
        log.append(("info", f"Most Popular: {len(tally.sources) - reads.files_read} of {len(tally.sources)} "
                            "source(s) unchanged since the last build, their rows taken as it read them"))

    provenance = {
        "reference_time": reference.isoformat(),
        "window": {"first_day": window.first_day.isoformat(), "last_day": window.last_day.isoformat(),
                   "start": window.start.isoformat(), "end": window.end.isoformat(),
                   "days": config.window_days, "time_zone": str(tz)},
        "settings": {"format": config.input_format, "top_n": config.top_n, "min_views": config.min_views,
                     "per_section": config.per_section},
        "sources": [s.as_dict() for s in tally.sources],
        "rows_read": tally.rows_read,
        "rows_counted": counted,
        "rows_skipped": dict(sorted(skipped.items())),
        "problems": dict(sorted(problems.items())),
        "unknown_paths": [{"path": p, "views": v} for p, v in
                          sorted(tally.unknown_paths.items(), key=lambda kv: (-kv[1], kv[0]))[:UNKNOWN_PATHS_LISTED]],
        "unknown_paths_total": len(tally.unknown_paths),
        "ranking": [_entry_json(i, e) for i, e in enumerate(overall.entries[: config.top_n], 1)],
        "fallback": {"from_editors_picks": overall.from_picks, "from_latest": overall.from_latest},
        "by_section": {
            section: [_entry_json(i, e) for i, e in enumerate(r.entries[: config.top_n], 1)]
            for section, r in section_rankings.items()
        },
        "editors_picks": [a.slug for a in picks[: config.picks_top_n]],
    }
    return PopularResult(overall.entries, by_section, picks[: config.picks_top_n + 1], provenance, log)


_PROBLEM_REASONS = {"malformed row", "date not understood", "unknown format",
                    "file truncated or corrupt (gzip)"}


def write_provenance(output_dir: Path, relative: str, provenance: dict) -> Path:
    target = Path(output_dir) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    write_if_changed(target, (json.dumps(provenance, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return target

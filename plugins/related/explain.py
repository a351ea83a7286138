"""`invoke related <slug>`: why each card was chosen, signal by signal, for editors."""

from __future__ import annotations

import difflib
from pathlib import Path

from content_model.dates import reference_time, site_timezone
from content_model.errors import ContentErrors
from content_model.parse_cache import parse_files
from content_model.validate import FileChecker, SiteIndex, content_files, validate_content

from .items import items_from_index, text_from
from .ranker import RelatedIndex
from .settings import SIGNALS, read_settings


def validated_index(settings: dict) -> SiteIndex:
    """The content validated and parsed as a build does it (the same Markdown); raises
    ContentErrors like the build would."""
    content_dir, tz = Path(settings["PATH"]), site_timezone(settings["TIMEZONE"])
    files = content_files(content_dir)
    parses = parse_files(files, checker=FileChecker(tz))
    index, errors = validate_content(content_dir, tz, parses, files)
    if errors:
        raise ContentErrors(errors)
    return index


def ranking_of(index: SiteIndex, settings: dict) -> tuple[RelatedIndex, set[str]]:
    """The build's ranking of a validated index, and the slugs it leaves out."""
    items, bodies, unpublished = items_from_index(index, reference_time(settings))
    return RelatedIndex(items, read_settings(settings), text_of=text_from(bodies)), unpublished


def explain(slug: str, settings_file: str | Path = "pelicanconf.py", limit: int = 10) -> str:
    """The cards `slug` gets and its top `limit` candidates with each signal's contribution.

    Raises LookupError for an unknown slug (with a suggestion) and ContentErrors when the
    content does not validate, like the build would.
    """
    from pelican.settings import read_settings as read_pelican_settings

    settings = read_pelican_settings(str(settings_file))
    read_settings(settings)  # a bad RELATED_* option is reported before any work
    index = validated_index(settings)
    if slug not in index.columns:
        # a typo, or the start of a long slug typed from memory
        close = difflib.get_close_matches(slug, list(index.columns), n=1) or sorted(
            known for known in index.columns if slug in known)[:1]
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise LookupError(f"no column with slug '{slug}'{hint}")
    ranker, unpublished = ranking_of(index, settings)
    if slug in unpublished:
        return (f"'{slug}' is a draft or scheduled: it is not published yet, so it has no cards "
                "and is never shown as a card.")
    return report(ranker, slug, limit, unpublished)


def report(ranker: RelatedIndex, slug: str, limit: int, unpublished: set[str] = frozenset()) -> str:
    """Plain-text explanation for one item of a built index."""
    settings = ranker.settings
    query = ranker.items[ranker.position[slug]]
    picks = ranker.related(slug)
    weights = ", ".join(f"{name} {settings.weight(name):g}" for name in SIGNALS)
    lines = [
        f"Related articles for '{slug}': {query.title}",
        f"settings: {settings.count} cards, weights {weights}, threshold {settings.threshold:g}, "
        f"(on tags + text), include newer {'yes' if settings.include_newer else 'no'}, "
        f"half-life {settings.half_life_days:g} days, "
        f"at most {settings.max_per_author} cards per author",
        "",
        "Cards:",
    ]
    for number, pick in enumerate(picks, 1):
        if pick.candidate is None:
            why = "explicit (related: in front-matter)"
        else:
            why = f"{pick.reason} {pick.candidate.score:.4f}"
        lines.append(f"  {number}. {pick.item.id}  [{why}]")
    if not picks:
        lines.append("  (none: no candidate reached the threshold)")
    for explicit in query.related:
        if explicit in unpublished:
            lines.append(f"  note: related '{explicit}' is a draft or scheduled, so it is left out for now")
    lines += ["", "Top candidates: score = (tags + text + section + author) x recency,",
              "where section and author are boosts of (tags + text) by their weight", ""]
    header = f"  {'#':>2}  {'score':>7}  {'tags':>6}  {'text':>6}  {'section':>7}  {'author':>6}  {'recency':>16}  slug"
    lines.append(header)
    shown = {pick.item.id: number for number, pick in enumerate(picks, 1)}
    for rank, candidate in enumerate(ranker.ranked(slug, limit), 1):
        parts = candidate.contributions
        recency = f"x{candidate.decay:.2f} ({candidate.days_apart:.0f} d)"
        if candidate.item.id in shown:
            note = f"card {shown[candidate.item.id]}"
        elif candidate.subject_score < settings.threshold:
            note = f"below threshold: tags + text x recency = {candidate.subject_score:.3f}"
        elif len(picks) >= settings.count:
            note = "no slot left"
        else:
            note = "author limit"
        lines.append(
            f"  {rank:>2}  {candidate.score:7.4f}  {parts['tags']:6.3f}  {parts['text']:6.3f}  "
            f"{parts['section']:7.3f}  {parts['author']:6.3f}  {recency:>16}  {candidate.item.id}  ({note})"
        )
    return "\n".join(lines)

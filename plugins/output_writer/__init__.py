"""Write only what changed, render pages in parallel, and say when the output expires.

- `get_writer`: `ChangedOnlyWriter` (see writer.py); it renders its queued pages at `finalized`.
- `finalized`: reports to the build session when the site will change by itself
  (`site_build.session.BuildSession.report_valid_until`); other plugins may report too.
"""

from __future__ import annotations

from pelican import signals


def get_writer(pelican):
    from .writer import ChangedOnlyWriter

    return ChangedOnlyWriter


def register() -> None:
    from .hooks import report_next_change

    signals.get_writer.connect(get_writer)
    signals.article_generator_finalized.connect(report_next_change)

"""Theme context: section navigation, footer pages, author profiles and Jinja filters."""

from __future__ import annotations

from pelican import signals

from .context import (
    SafeMarkdown,
    footer_pages,
    initials,
    iso_datetime,
    long_date,
    nav_sections,
)


def add_filters(generator) -> None:
    env = getattr(generator, "env", None)
    if env is None:
        return
    env.filters.update(
        isodate=iso_datetime,
        longdate=long_date,
        markdown=SafeMarkdown(),
        initials=initials,
    )


def add_navigation(generator) -> None:
    sections = generator.context.get("sections", {})
    generator.context["nav_sections"] = nav_sections(sections, generator.categories)


def add_footer_pages(generator) -> None:
    generator.context["footer_pages"] = footer_pages(
        generator.pages, generator.settings.get("FOOTER_PAGES", [])
    )


def register() -> None:
    signals.generator_init.connect(add_filters)
    signals.article_generator_finalized.connect(add_navigation)
    signals.page_generator_finalized.connect(add_footer_pages)

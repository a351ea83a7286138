"""What every template needs besides Pelican's own context: navigation, profiles, filters."""

from __future__ import annotations

import datetime as dt

from markdown import Markdown
from markupsafe import Markup


def nav_sections(sections: dict, categories: list) -> list[tuple]:
    """Sections in the order of sections.yml, only those with published columns."""
    used = {category.slug: category for category, _articles in categories}
    return [(section, used[section.id]) for section in sections.values() if section.id in used]


def footer_pages(pages: list, wanted: list[str]) -> list:
    by_slug = {page.slug: page for page in pages}
    return [by_slug[slug] for slug in wanted if slug in by_slug]


class SafeMarkdown:
    """Markdown for short editor-written fields (bios): raw HTML is escaped, not passed on."""

    def __init__(self) -> None:
        self._md = Markdown(extensions=["markdown.extensions.smarty"], output_format="html")
        self._md.preprocessors.deregister("html_block")
        self._md.inlinePatterns.deregister("html")

    def __call__(self, text: str | None) -> Markup:
        if not text:
            return Markup("")
        self._md.reset()
        return Markup(self._md.convert(text))



def iso_datetime(value: dt.datetime | dt.date) -> str:
    return value.isoformat()


def long_date(value: dt.datetime | dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"

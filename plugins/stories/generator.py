"""The Pelican side of stories: validation receiver and a generator that writes the pages."""

from __future__ import annotations

from pathlib import Path

from content_model.dates import reference_time, site_timezone
from content_model.errors import ContentError, ContentErrors
from pelican.generators import Generator
from pelican.paginator import Paginator
from pelican.urlwrappers import Author, Tag

from .build import Story, build_story, new_markdown, newest_first
from .model import load_stories
from .settings import read_story_settings

# The CTA plugin keeps "become a member to see ..." copy in variants marked with this purpose.
UPSELL_PURPOSE = "story_details"


def validate_stories(index, settings: dict) -> list[ContentError]:
    """`content_validation` receiver: every outlet and story problem, reported with the rest."""
    story_settings = read_story_settings(settings)
    _outlets, _records, errors = load_stories(
        Path(settings["PATH"]), story_settings, site_timezone(settings["TIMEZONE"]),
        columns=set(index.columns), authors=set(index.catalog.authors),
    )
    return errors


def link_columns(stories: list[Story], articles: list) -> None:
    """Related columns on each story, and the stories on each column (`article.stories`).

    Only published columns are linked: a draft or scheduled column has no page yet.
    """
    by_slug = {article.slug: article for article in articles}
    for article in articles:
        article.stories = []
    for story in stories:
        story.related = [by_slug[slug] for slug in story.related_slugs if slug in by_slug]
        for article in story.related:
            article.stories.append(story)


def choose_upsells(stories: list[Story], context: dict, now) -> None:
    """Pick the membership CTA for stories that hold details back (CTA plugin, when present)."""
    variants = context.get("cta_variants")
    if not variants:
        return
    try:
        from cta.selection import select_variant  # lazily: the CTA plugin is optional
    except ImportError:
        return
    for story in stories:
        if story.premium_details:
            story.cta_variant = select_variant(
                variants, section=None, tags=tuple(tag.name for tag in story.tags),
                authors=tuple(story.author_ids), override=None, now=now, purpose=UPSELL_PURPOSE,
            )


class StoriesGenerator(Generator):
    """Reads content/stories/, writes /stories/<slug>/ and the paginated /stories/ index."""

    def generate_context(self) -> None:
        settings = self.settings
        self.story_settings = read_story_settings(settings)
        index = self.context.get("site_index")
        columns = set(index.columns) if index else set()
        profiles = index.catalog.authors if index else {}
        outlets, records, errors = load_stories(
            Path(settings["PATH"]), self.story_settings, site_timezone(settings["TIMEZONE"]),
            columns=columns, authors=set(profiles),
        )
        if errors:  # validation normally stopped the build already; never publish bad data
            raise ContentErrors(errors)

        def make_author(author_id: str) -> Author:
            profile = profiles.get(author_id)
            author = Author(profile.name if profile else author_id, settings)
            author.slug = author_id
            return author

        markdown = new_markdown()
        now = reference_time(settings)
        built = [
            build_story(record, outlets, self.story_settings, now, markdown,
                        make_tag=lambda name: Tag(name, settings), make_author=make_author)
            for record in records
        ]
        self.stories = newest_first([story for story in built if story.status == "published"])
        link_columns(self.stories, self.context.get("articles", []))
        # enrichment, so before any page is queued: the columns' digests are taken from then on
        choose_upsells(self.stories, self.context, now)
        self.context["stories"] = self.stories
        self.context["stories_index_url"] = self.story_settings.index_url
        self.context["story_home_count"] = self.story_settings.home_count
        self.context["story_tag_slugs"] = {tag.slug for tag, _articles in self.context.get("tags", [])}

    def generate_output(self, writer) -> None:
        relative = self.settings.get("RELATIVE_URLS", False)
        template = self.get_template("story")
        for story in self.stories:
            writer.write_file(story.save_as, template, self.context, relative_urls=relative,
                              story=story, page_name=story.url, url=story.url)
        self._write_index(writer, relative)

    def _write_index(self, writer, relative: bool) -> None:
        story_settings = self.story_settings
        template = self.get_template("stories")
        paginator = Paginator(story_settings.index_save_as, story_settings.index_url, self.stories,
                              self.settings, story_settings.per_page)
        for number in paginator.page_range:
            page = paginator.page(number)
            pages = {
                "page": page,
                "paginator": paginator,
                "previous_page": paginator.page(number - 1) if number > 1 else None,
                "next_page": paginator.page(number + 1) if number < paginator.num_pages else None,
            }
            names = {f"stories_{key}": value for key, value in pages.items()}
            # the shared _pagination.html partial reads the articles_* names
            names.update({f"articles_{key}": value for key, value in pages.items()})
            writer.write_file(page.save_as, template, self.context, relative_urls=relative,
                              template_name="stories", page_name=page.save_as.removesuffix("/index.html"),
                              url=page.url, **names)

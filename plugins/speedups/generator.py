"""Pelican's ArticlesGenerator with its quadratic taxonomy loops made linear.

Same pages, same template variables, same order and same log messages as Pelican 4.12's
`generate_tags` / `generate_categories` / `generate_authors` / `_build_period_archives`;
only the way each term's `dates` (and each period's `articles`) list is found differs.
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import groupby
from operator import attrgetter

from pelican import generators, signals
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.utils import get_original_items
from pelican.writers import FileOverwriteFailedError

from .articles_as_read import ArticlesAsRead
from .ordering import in_order_of, positions
from .urls import ReadArticle, freeze_urls

logger = logging.getLogger("pelican.generators")

_PERIOD_KEYS = {
    "year": attrgetter("date.year"),
    "month": attrgetter("date.year", "date.month"),
    "day": attrgetter("date.year", "date.month", "date.day"),
}


def process_translations(content_list, translation_id=None):
    """Pelican 4.12's `utils.process_translations`, the same lists in the same order.

    Only the last step differs: Pelican finds the translations with `x not in index`, a scan
    of the whole index per item (quadratic: ~3 s of CPU at 10,000 columns); here a set of ids.
    Content objects compare by identity, so that is the same test (objects of a class with
    its own `__eq__` take Pelican's function).
    """
    if any(type(item).__eq__ is not object.__eq__ for item in content_list):
        return _STOCK_PROCESS_TRANSLATIONS(content_list, translation_id)
    if not translation_id:
        return content_list, []
    if isinstance(translation_id, str):
        translation_id = {translation_id}
    index = []
    try:
        content_list.sort(key=attrgetter(*translation_id))
    except TypeError:
        raise TypeError(
            f"Cannot unpack {translation_id}, 'translation_id' must be falsy, a"
            " string or a collection of strings"
        ) from None
    except AttributeError:
        raise AttributeError(
            f"Cannot use {translation_id} as 'translation_id', there "
            "appear to be items without these metadata "
            "attributes"
        ) from None
    for id_vals, items in groupby(content_list, attrgetter(*translation_id)):
        id_vals = (id_vals,) if len(translation_id) == 1 else id_vals
        with_str = "with" + ", ".join([' {} "{{}}"'] * len(translation_id)).format(
            *translation_id
        ).format(*id_vals)
        items = list(items)
        original_items = get_original_items(items, with_str)
        index.extend(original_items)
        for a in items:
            a.translations = [x for x in items if x is not a]
    originals = {id(x) for x in index}
    return index, [x for x in content_list if id(x) not in originals]


_STOCK_PROCESS_TRANSLATIONS = generators.process_translations


@contextmanager
def _linear_reading(when_read: Callable[[], None] | None = None) -> Iterator[None]:
    """While a generator reads: articles are made as `ReadArticle` (same class name, its
    source path worked out once) and translations found in linear time. Pelican looks both
    names up in `pelican.generators` when it uses them, so they are swapped there for the call.
    `when_read` is called once, when the articles generator has made every article (it finds
    their translations next: the first change to them)."""
    saved = generators.Article, generators.process_translations
    translations = process_translations
    if when_read is not None:
        waiting = [when_read]

        def translations(content_list, translation_id=None):
            if waiting:
                waiting.pop()()
            return process_translations(content_list, translation_id)

    generators.Article, generators.process_translations = ReadArticle, translations
    try:
        yield
    finally:
        generators.Article, generators.process_translations = saved


class LinearArticlesGenerator(ArticlesGenerator):
    """Swapped in for the stock class on `article_generator_init` (see `use_fast_generators`)."""

    _as_read: ArticlesAsRead | None = None

    def generate_context(self) -> None:
        self._as_read = ArticlesAsRead.open_for(self)
        with _linear_reading(self._as_read.reading_done if self._as_read is not None else None):
            if self._as_read is not None:
                # Pelican sends this before each file it reads: a receiver that starts work
                # ahead of the reading (related.rank_ahead) must not miss it when none is read.
                signals.article_generator_preread.send(self)
            super().generate_context()
        if self._as_read is not None:
            self._as_read.save()
            self._as_read = None

    def get_cached_data(self, filename, default=None):
        if self._as_read is not None:
            article = self._as_read.take(filename)
            return default if article is None else article
        return super().get_cached_data(filename, default)

    def cache_data(self, filename, data) -> None:
        if self._as_read is not None:
            self._as_read.add(filename, data)
        super().cache_data(filename, data)

    def refresh_metadata_intersite_links(self) -> None:
        # Pelican calls this after every all_generators_finalized receiver and just before
        # the writer is made: from here on no plugin changes a URL, so they are remembered.
        super().refresh_metadata_intersite_links()
        freeze_urls([self])

    def _term_pages(self, write, terms, kind: str, label: str, plural: str) -> None:
        template = self.get_template(kind)
        where = positions(self.dates)
        for term, articles in terms:
            dates = in_order_of(self.dates, where, articles)
            try:
                write(
                    term.save_as,
                    template,
                    self.context,
                    url=term.url,
                    articles=articles,
                    dates=dates,
                    template_name=kind,
                    blog=True,
                    page_name=term.page_name,
                    all_articles=self.articles,
                    **{kind: term},
                )
            except FileOverwriteFailedError:
                if not term.slug:
                    logger.info(
                        '%s "%s" has an invalid slug; skipping writing %s page...',
                        label, term, kind,
                        extra={"limit_msg": f"Further {plural} with invalid slugs."},
                    )
                    continue
                logger.error('Failed to write %s page for "%s".', label, term)
                raise

    def generate_tags(self, write) -> None:
        self._term_pages(write, self.tags.items(), "tag", "Tag", "tags")

    def generate_categories(self, write) -> None:
        self._term_pages(write, self.categories, "category", "Category", "categories")

    def generate_authors(self, write) -> None:
        self._term_pages(write, self.authors, "author", "Author", "authors")

    def _build_period_archives(self, sorted_articles, articles, settings):
        period_archives = defaultdict(list)
        where = positions(articles)
        for granularity, key_func in _PERIOD_KEYS.items():
            save_as_fmt = settings[f"{granularity.upper()}_ARCHIVE_SAVE_AS"]
            url_fmt = settings[f"{granularity.upper()}_ARCHIVE_URL"]
            if not save_as_fmt:
                continue  # the archives for this period granularity are not needed
            for period, group in groupby(sorted_articles, key=key_func):
                dates = list(group)
                # every date is the same period, so the first one names the page
                d = dates[0].date
                archive = {
                    "dates": dates,
                    "articles": in_order_of(articles, where, dates),
                    "save_as": save_as_fmt.format(date=d),
                    "url": url_fmt.format(date=d),
                }
                if granularity == "year":
                    archive["period"] = (period,)
                    archive["period_num"] = (period,)
                else:
                    month_name = calendar.month_name[period[1]]
                    if granularity == "month":
                        archive["period"] = (period[0], month_name)
                    else:
                        archive["period"] = (period[0], month_name, period[2])
                    archive["period_num"] = tuple(period)
                period_archives[granularity].append(archive)
        return period_archives


class UrlFreezingPagesGenerator(PagesGenerator):
    def refresh_metadata_intersite_links(self) -> None:
        super().refresh_metadata_intersite_links()
        freeze_urls([self])


_FAST = {ArticlesGenerator: LinearArticlesGenerator, PagesGenerator: UrlFreezingPagesGenerator}


def use_fast_generators(generator) -> None:
    """Give a stock generator our methods (the subclasses add no state, so a class swap is enough)."""
    fast = _FAST.get(type(generator))
    if fast is not None:
        generator.__class__ = fast

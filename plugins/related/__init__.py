"""Related articles: explicit picks first, then a weighted, explainable score (issue 3).

`register()` only wires Pelican signals; the ranking lives in `ranker.py` over plain `Item`s.

Contract for templates and other plugins:
- every published column gets `article.related_articles` (a list of Article objects,
  explicit `related:` picks first) before any page is written;
- the ranking reads each column's own body: the membership block and other edits made to
  the HTML after reading are not part of it (so `invoke related` explains the build's cards);
- the Jinja filter `card_excerpt` gives the plain-text excerpt a card shows.
"""

from __future__ import annotations

import gc
import logging

from content_model.dates import reference_time
from pelican import generators as pelican_generators
from pelican import signals
from site_build.memory import return_free_memory
from site_build.session import session_of

from .ahead import article_view_rows, start_ranking, view_digest
from .items import article_text, excerpt, item_from_article
from .settings import read_settings

logger = logging.getLogger(__name__)


def add_filters(generator) -> None:
    settings = read_settings(generator.settings)  # a bad RELATED_* option stops the build here
    env = getattr(generator, "env", None)
    if env is not None:
        env.filters["card_excerpt"] = lambda thing: excerpt(thing, settings.excerpt_length)


def rank_ahead(generator) -> None:
    """Before Pelican reads the articles: rank the validated columns in a child meanwhile.

    Only in a build run by site_build (its session stops a child the build never took) whose
    articles keep their reader's HTML apart from later edits (`ahead.article_view_rows`).
    Pelican sends `article_generator_preread` before each file it reads: the first decides.
    """
    if "_related_ahead" in generator.__dict__:
        return
    generator._related_ahead = None
    session = session_of(generator.settings)
    index = generator.context.get("site_index")
    if session is None or index is None or not getattr(pelican_generators.Article, "reads_stored_html", False):
        return
    try:
        ahead = start_ranking(index, read_settings(generator.settings), reference_time(generator.settings))
    except Exception:  # never stop Pelican reading a file: the build ranks the articles itself
        logger.debug("related: no ranking ahead", exc_info=True)
        return
    if ahead is not None:
        generator._related_ahead = ahead
        session.at_end(ahead.abandon)


def _lists_ranked_ahead(generator, articles: list, items: list) -> dict[str, list[str]] | None:
    """The lists the child ranked, if it ranked these articles with these settings; else None.
    The child is reaped (or stopped) either way."""
    ahead = generator.__dict__.pop("_related_ahead", None)
    if ahead is None:
        return None
    try:
        rows = article_view_rows(articles, items)
        if rows is not None:
            return ahead.take(view_digest(rows, read_settings(generator.settings)))
    except Exception:  # whatever went wrong, ranking the articles here gives the lists
        logger.debug("related: the lists ranked ahead are not used", exc_info=True)
    finally:
        ahead.abandon()  # does nothing once taken
    return None


def attach_related(generators) -> None:
    """Rank every published column once the articles are read, before anything is written.

    The cyclic garbage collector is off meanwhile: the stage makes ~10^5 containers that all
    live to its end, and the full collection they trigger walks every object of the build
    (0.6 s at 10,000 columns, more than re-ranking after an edit).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        _attach_related(generators)
    finally:
        if collecting:
            gc.enable()
        return_free_memory()


def _attach_related(generators) -> None:
    for generator in generators:
        articles = getattr(generator, "articles", None)
        if articles is None or not hasattr(generator, "drafts"):
            continue
        by_slug = {article.slug: article for article in articles}
        # items without their text: each is made from its article when the index reads it
        items = [item_from_article(article, with_text=False) for article in articles]
        lists = _lists_ranked_ahead(generator, articles, items)
        if lists is None:  # no child, or it ranked something else than these articles
            from .parallel import related_id_lists  # (with numpy: only when ranking here)
            from .ranker import RelatedIndex

            index = RelatedIndex(items, read_settings(generator.settings),
                                 text_of=lambda item, by_slug=by_slug: article_text(by_slug[item.id]))
            lists = related_id_lists(index, [article.slug for article in articles])
            del index
        for article in articles:
            article.related_articles = [by_slug[slug] for slug in lists[article.slug]]
        del lists
        for draft in generator.drafts:
            draft.related_articles = []  # drafts are never written, and never shown as cards


def register() -> None:
    signals.generator_init.connect(add_filters)
    signals.article_generator_preread.connect(rank_ahead)
    signals.all_generators_finalized.connect(attach_related)

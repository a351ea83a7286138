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

from content_model.dates import reference_time
from pelican import signals
from site_build.memory import return_free_memory

from .ahead import RankingAhead, article_view_rows, start_ranking, view_digest
from .items import article_text, excerpt, item_from_article
from .parallel import related_id_lists
from .ranker import RelatedIndex
from .settings import read_settings

# The ranking started before reading (ahead.py): settings id -> (its generator, the child).
# The generator is held, so its id cannot be another build's until the child is taken.
_AHEAD: dict[int, tuple[object, RankingAhead]] = {}


def add_filters(generator) -> None:
    settings = read_settings(generator.settings)  # a bad RELATED_* option stops the build here
    env = getattr(generator, "env", None)
    if env is not None:
        env.filters["card_excerpt"] = lambda thing: excerpt(thing, settings.excerpt_length)


def rank_ahead(generator) -> None:
    """Before Pelican reads the articles: rank the validated columns in a child meanwhile.

    Pelican sends `article_generator_preread` before each file it reads: the first starts it."""
    key = id(generator.settings)
    if key in _AHEAD and _AHEAD[key][0] is generator:
        return
    for stale in list(_AHEAD):  # a build that failed before taking its lists
        _AHEAD.pop(stale)[1].abandon()
    index = generator.context.get("site_index")
    if index is None or not hasattr(index, "columns"):
        return
    ahead = start_ranking(index, read_settings(generator.settings), reference_time(generator.settings))
    if ahead is not None:
        _AHEAD[key] = (generator, ahead)


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
        ahead = _AHEAD.pop(id(generator.settings), (None, None))[1]
        lists = None
        if ahead is not None:
            rows = article_view_rows(articles, items)
            if rows is None:
                ahead.abandon()
            else:
                lists = ahead.take(view_digest(rows))
        if lists is None:  # no child, or it ranked something else than these articles
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

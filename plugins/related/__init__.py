"""Related articles: explicit picks first, then a weighted, explainable score (issue 3).

`register()` only wires Pelican signals; the ranking lives in `ranker.py` over plain `Item`s.

Contract for templates and other plugins:
- every published column gets `article.related_articles` (a list of Article objects,
  explicit `related:` picks first) before any page is written;
- `generator.context["related_index"]` is the build's RelatedIndex (rank anything by id; its items
  carry no text, and it keeps no state for the next build: that is written to the cache);
- the Jinja filter `card_excerpt` gives the plain-text excerpt a card shows.
"""

from __future__ import annotations

import gc

from pelican import signals
from site_build.memory import return_free_memory

from .items import article_text, excerpt, item_from_article
from .parallel import related_id_lists
from .ranker import RelatedIndex
from .settings import read_settings


def add_filters(generator) -> None:
    settings = read_settings(generator.settings)  # a bad RELATED_* option stops the build here
    env = getattr(generator, "env", None)
    if env is not None:
        env.filters["card_excerpt"] = lambda thing: excerpt(thing, settings.excerpt_length)


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
        settings = read_settings(generator.settings)
        by_slug = {article.slug: article for article in articles}
        # items without their text: each is made from its article when the index reads it
        index = RelatedIndex((item_from_article(article, with_text=False) for article in articles), settings,
                             text_of=lambda item, by_slug=by_slug: article_text(by_slug[item.id]))
        lists = related_id_lists(index, [article.slug for article in articles])
        index.release()  # the state for the next build is written: keep only what ranking needs
        for article in articles:
            article.related_articles = [by_slug[slug] for slug in lists[article.slug]]
        del lists
        for draft in generator.drafts:
            draft.related_articles = []  # drafts are never written, and never shown as cards
        generator.context["related_index"] = index


def register() -> None:
    signals.generator_init.connect(add_filters)
    signals.all_generators_finalized.connect(attach_related)

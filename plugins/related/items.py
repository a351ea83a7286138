"""Turn columns (Pelican articles, or validated content records) into rankable `Item`s."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Mapping

from content_model.stored_html import StoredHtml, html_text, unedited_source
from content_model.text import cut_at_word, html_to_text

from .model import Item

_TAG = re.compile(r"<[^>]+>")


def item_text(standfirst: str, body_html: str) -> str:
    """What the text signal reads: the standfirst (the column's own summary) and the body.

    Tags out and entities decoded, like `html_to_text`, but whitespace is left as it is: the
    ranker only counts words (no whitespace character is or casefolds to a word character),
    and collapsing every space of 10,000 bodies took longer than ranking them.
    """
    return f"{standfirst} {html.unescape(_TAG.sub(' ', body_html))}"


def article_text(article) -> str:
    """What the text signal reads of a Pelican Article (see `item_from_article`): its own body,
    without the HTML plugins add after reading (the membership block), where the article keeps
    the two apart (the build's articles do)."""
    try:
        body = html_text(unedited_source(article))
    except AttributeError:
        body = getattr(article, "_content", "")
    return item_text(getattr(article, "standfirst", "") or "", body or "")


def item_from_article(article, with_text: bool = True) -> Item:
    """An Item for a Pelican Article (duck-typed: anything with the column attributes).

    Reads the body as the reader gave it (`article_text`), never `content`: reading `content`
    memoizes it before other plugins have finished changing it (see DESIGN.md, known traps).
    Leaves `url` empty: the build's cards link the Article itself, and Pelican works a URL out afresh on every read
    (at 10,000 columns that alone took 1.4 s), before other plugins are done changing it.
    Without `with_text` the text is left empty: the build makes each text when the index reads
    it (`article_text`), so 10,000 of them are never held at once.
    """
    return Item(
        id=article.slug,
        title=article.title,
        section=getattr(article, "section", "") or getattr(article.category, "slug", ""),
        tags=tuple(tag.name for tag in getattr(article, "tags", ())),
        authors=tuple(getattr(article, "author_ids", ()) or (author.slug for author in article.authors)),
        text=article_text(article) if with_text else "",
        date=article.date,
        related=tuple(getattr(article, "related_slugs", ())),
    )


def excerpt(thing, length: int) -> str:
    """Plain-text excerpt for a card: the standfirst if there is one, else the body text."""
    standfirst = getattr(thing, "standfirst", "") or ""
    text = standfirst if standfirst.strip() else html_to_text(getattr(thing, "_content", "") or "")
    return cut_at_word(text, length)


def is_published(status: str, date: dt.datetime, now: dt.datetime) -> bool:
    return status == "published" and date <= now


ColumnBody = tuple[str, "str | StoredHtml | None"]  # (standfirst, body HTML as parsed)


def items_from_index(index, now: dt.datetime) -> tuple[list[Item], dict[str, ColumnBody], set[str]]:
    """Items without text for the published columns of a validated SiteIndex (with its parses),
    each one's standfirst and body (`text_from` makes the texts from them), and the slugs left
    out (drafts and scheduled columns). Fields as the column reader gives the articles."""
    items: list[Item] = []
    bodies: dict[str, ColumnBody] = {}
    unpublished: set[str] = set()
    for slug, record in index.columns.items():
        meta = record.meta
        if not is_published(meta.status, meta.date, now):
            unpublished.add(slug)
            continue
        parse = index.parses[record.path]
        items.append(Item(id=slug, title=meta.title, section=meta.section, tags=tuple(meta.tags),
                          authors=tuple(meta.authors), text="", date=meta.date, related=tuple(meta.related)))
        bodies[slug] = (meta.summary or parse.first_paragraph, parse.body_html)
    return items, bodies, unpublished


def text_from(bodies: Mapping[str, ColumnBody]) -> Callable[[Item], str]:
    """`text_of` for the ranker: each item's text made from its body when it is read."""
    def text_of(item: Item) -> str:
        standfirst, body = bodies[item.id]
        return item_text(standfirst, html_text(body) or "")

    return text_of

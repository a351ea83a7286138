"""Plain-text views of rendered HTML: standfirsts, word counts, reading time."""

from __future__ import annotations

import html
import math
import re
import unicodedata

_TAG = re.compile(r"<[^>]+>")
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_SPACE = re.compile(r"\s+")
WORDS_PER_MINUTE = 230


def html_to_text(fragment: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()


# An HTML entity that plain text may still carry (e.g. text taken from escaped markup).
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?")
# What a cut text must not end with: separators, dashes and opening brackets or quotes.
_DANGLING = " \t,;:.-–—/([{«‹“‘„\"'"


def _keeps_together(char: str) -> bool:
    """Characters that belong to the grapheme before them (accents, vowel signs, ZWJ, selectors)."""
    return bool(unicodedata.combining(char)) or unicodedata.category(char) in ("Mn", "Mc", "Me") or char in (
        "\u200d", "\ufe0e", "\ufe0f")


def cut_at_word(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary, with an ellipsis when cut.

    Works on plain text in any script: whitespace of any kind separates words, a single
    very long word is cut hard but never between a letter and its combining marks, and an
    entity-looking sequence (`&amp;`) is never split.
    """
    text = _SPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    if limit <= 0:
        return "…"
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        end = space
    else:
        # a single very long word (URLs, compounds, unspaced scripts) is cut hard rather than dropped
        end = limit
        while end > 0 and _keeps_together(text[end]):
            end -= 1
    for entity in _ENTITY.finditer(text, max(0, end - 40), end + 40):
        if entity.start() < end < entity.end():
            end = entity.start()
    head = text[:end].rstrip(_DANGLING)
    return (head or text[:end]).rstrip() + "…"


def first_paragraph_text(body_html: str, limit: int = 240) -> str:
    match = _FIRST_PARAGRAPH.search(body_html)
    return cut_at_word(html_to_text(match.group(1) if match else body_html), limit)


def reading_minutes(word_count: int) -> int:
    return max(1, math.ceil(word_count / WORDS_PER_MINUTE))


def count_words(text: str) -> int:
    return len(text.split())


def count_html_words(fragment: str) -> int:
    """`count_words(html_to_text(fragment))`, without collapsing the spaces split() skips anyway."""
    return len(html.unescape(_TAG.sub(" ", fragment)).split())

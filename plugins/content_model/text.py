"""Plain-text views of rendered HTML: standfirsts, word counts, reading time."""

from __future__ import annotations

import html
import math
import re

_TAG = re.compile(r"<[^>]+>")
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_SPACE = re.compile(r"\s+")
WORDS_PER_MINUTE = 230


def html_to_text(fragment: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()


def cut_at_word(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary, with an ellipsis when cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    # a single very long word (URLs, German compounds) is cut hard rather than dropped
    head = cut[:space] if space > limit // 2 else text[:limit]
    return head.rstrip(" ,;:.-–—") + "…"


def first_paragraph_text(body_html: str, limit: int = 240) -> str:
    match = _FIRST_PARAGRAPH.search(body_html)
    return cut_at_word(html_to_text(match.group(1) if match else body_html), limit)


def reading_minutes(word_count: int) -> int:
    return max(1, math.ceil(word_count / WORDS_PER_MINUTE))


def count_words(text: str) -> int:
    return len(text.split())

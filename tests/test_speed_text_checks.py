"""The faster word count and link squashing give what the regex versions gave."""

from __future__ import annotations

import random
import re

import pytest
from content_model.body_check import check_body
from content_model.links import _squash, has_script_link
from content_model.text import count_html_words, count_words, html_to_text

ODD = ["<p>a&nbsp;b</p>", "x\u00a0y\u2003z", "one\x1ctwo\x1dthree", "a<b>b</b>c", " \t\n ", "",
       "&amp; &lt;tag&gt; &#8212; word&hellip;", "<p>Über straße</p><p>日本語 テキスト</p>", "a\r\nb\x0bc\x0cd"]


def _regex_squash(value: str) -> str:
    return re.sub(r"[\x00-\x20\x7f]+", "", value).lower()


@pytest.mark.parametrize("fragment", ODD)
def test_html_word_count_is_the_plain_text_word_count(fragment):
    assert count_html_words(fragment) == count_words(html_to_text(fragment))


def test_squash_deletes_exactly_the_invisible_ascii_characters():
    rng = random.Random(7)
    alphabet = [chr(c) for c in range(0x00, 0x80)] + ["\u00a0", "\u200b", "É", "ß", "ǅ"]
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        assert _squash(text) == _regex_squash(text)
    assert _squash("Java\tScript:\x7f") == "javascript:"


def test_script_links_hidden_by_control_characters_are_still_found():
    assert has_script_link("[x](java\nscript:alert(1))")
    assert has_script_link("<a href='j\x01avascript:x'>")
    errors = check_body("Fine text.\n\nA [trap](java\tscript:alert(1)).", 5, "c.md")
    assert [(e.line, e.field) for e in errors] == [(7, "body")]

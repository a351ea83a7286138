"""tokens.words: exactly the runs of word characters `\\w+` finds, on every kind of text."""

from __future__ import annotations

import random
import re

from related.tokens import _TYPOGRAPHY, words

WORD = re.compile(r"\w+")


def test_every_pair_of_ascii_characters_splits_as_the_regex_finds():
    characters = [chr(code) for code in range(128)]
    texts = [f"ab{first}cd{second}ef" for first in characters for second in characters]
    texts += [first + second for first in characters for second in characters]
    for text in texts:
        assert words(text) == WORD.findall(text), repr(text)


def test_typographic_marks_are_separators_never_word_characters():
    assert not any(WORD.match(mark) for mark in _TYPOGRAPHY)


def test_mixed_scripts_punctuation_and_odd_spaces_split_as_the_regex_finds():
    rng = random.Random(3)
    alphabet = ("abcXYZ019_ .,;'\"-!?()[]<>&#\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x7f\x00" + _TYPOGRAPHY
                + "éßøłčκόσμοςдругкласс中文字日本語\u0301\u200b\u2009\u3000\u00b2\u2160٣")
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(20000)]
    # texts that are ASCII once the typographic marks are blanked, and texts that stay non-ASCII
    texts += [f"It\u2019s \u201cfine\u201d \u2014 {k}\u2026\u00a0ok" for k in range(5)] + ["naïve café", ""]
    for text in texts:
        assert words(text) == WORD.findall(text), repr(text)

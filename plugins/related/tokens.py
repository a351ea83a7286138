"""Words of a text as index terms: any script, case-folded, stop words out, plurals folded."""

from __future__ import annotations

import re
from collections import Counter

# Runs of word characters in any script (`\w+` is the fastest pattern); the folder then drops
# one-letter words and anything with digits: numbers and years say little about a subject.
_WORD = re.compile(r"\w+")
_NOT_A_WORD = re.compile(r"[\d_]")
# ASCII characters that are neither word characters nor whitespace, blanked: an ASCII text then
# splits (`str.split`, on exactly what `\s` matches) into the words `_WORD` finds, 2-3x faster.
_ASCII_BLANKS = {code: " " for code in range(128) if not re.match(r"[\w\s]", chr(code))}
# typographic punctuation of real columns (no word characters), blanked first so their texts stay ASCII
_TYPOGRAPHY = "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0"

# Function words that appear everywhere in English prose and carry no subject.
STOPWORDS = frozenset(
    """
    about above after again against all almost also although always am among an and another any are around as
    at be because been before being below between both but by can cannot could did do does doing done down
    during each either even ever every few for from further had has have having he her here hers herself him
    himself his how however if in into is it its itself just last least less like made make many may me might
    more most much must my myself neither never no nor not now of off often on once one only or other others
    our ours ourselves out over own per perhaps quite rather really same says say said shall she should since
    so some still such than that the their theirs them themselves then there these they this those though
    through thus to too under until up upon us very was we were what when where whether which while who whom
    whose why will with within without would yet you your yours yourself yourselves
    """.split()
)

TITLE_BOOST = 3  # a title word counts as this many words of the body


def fold(word: str) -> str:
    """A crude English plural fold, so 'elections' meets 'election'; other scripts pass through."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class TermFolder(dict):
    """word -> index term ('' for a stop word), filled on first sight; one per index build.

    A dict subclass so counting can run `map(folder.__getitem__, words)` at C speed and only
    new words reach Python code.
    """

    def __missing__(self, word: str) -> str:
        term = "" if len(word) < 2 or word in STOPWORDS or _NOT_A_WORD.search(word) else fold(word)
        self[word] = term
        return term


def words(text: str) -> list[str]:
    """The runs of word characters of `text`, in order: `_WORD.findall(text)`, faster when ASCII."""
    if not text.isascii():
        for mark in _TYPOGRAPHY:
            if mark in text:
                text = text.replace(mark, " ")
        if not text.isascii():
            return _WORD.findall(text)
    return text.translate(_ASCII_BLANKS).split()


def term_counts(title: str, text: str, folder: TermFolder) -> Counter[str]:
    """How often each index term occurs in the title (boosted) and text."""
    counts = Counter(map(folder.__getitem__, words(text.casefold())))
    counts.update(map(folder.__getitem__, words(title.casefold()) * TITLE_BOOST))
    counts.pop("", None)
    return counts


def tag_key(tag: str) -> str:
    """'Press freedom' and 'press  Freedom' are one tag."""
    return " ".join(tag.casefold().split())

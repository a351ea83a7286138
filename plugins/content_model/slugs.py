"""URL slugs from titles in any script.

Georgian and Armenian use their national romanisations (Unidecode's defaults produce
apostrophes and odd digraphs there: `k'art'uli`); other scripts go through Unidecode.
"""

from __future__ import annotations

from slugify import slugify

_GEORGIAN = dict(zip(
    "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ",
    "a b g d e v z t i k l m n o p zh r s t u p k gh q sh ch ts dz ts ch kh j h".split(),
    strict=True,
))
_ARMENIAN = dict(zip(
    "աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆ",
    "a b g d e z e y t zh i l kh ts k h dz gh ch m y n sh o ch p j r s v t r ts v p k o f".split(),
    strict=True,
))
_TABLE = str.maketrans({**_GEORGIAN, **_ARMENIAN, "և": "ev"})


def slug_from_title(title: str, max_length: int = 80) -> str:
    """`Тбилиси ждёт` -> `tbilisi-zhdet`; `ქართული ოცნება` -> `kartuli-otsneba`."""
    text = title.lower().replace("ու", "u").translate(_TABLE)
    slug = slugify(text, max_length=max_length, word_boundary=True, lowercase=True)
    return slug or "untitled"

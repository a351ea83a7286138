"""The plain values ranking works on: the items that can be cards, and the index sizes.

Apart from the ranker (and numpy, which it needs), so that the build's own process can make
items and compare what a child ranked without importing either: the ranking itself runs in a
child process while Pelican reads the articles (ahead.py), and imports them there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Item:
    """Anything that can be shown as a related card: a column, later a story page."""

    id: str
    title: str
    section: str
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    text: str
    date: dt.datetime
    url: str = ""
    kind: str = "column"
    related: tuple[str, ...] = ()  # explicit picks, in the editor's order


@dataclass(frozen=True, slots=True)
class Tuning:
    """Index sizes: the trade between exactness and speed (see ranker.py's docstring)."""

    terms_per_item: int = 8  # terms a query looks up
    terms_indexed: int = 32  # terms an item is findable by (its postings entries)
    postings_cap: int = 16
    shortlist: int = 8
    max_df_ratio: float = 0.5  # terms in more than this share of a large corpus are noise

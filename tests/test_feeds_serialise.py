"""Entries written without XML trees are the bytes feedgen and lxml write, item by item and
as whole feed documents, including for awkward text (markup characters, non-ASCII, control
characters, empty fields)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from feeds.records import FeedItem, Image, Person, Term
from feeds.settings import read_feed_settings
from feeds.writer import (
    EntrySerializer,
    FeedSpec,
    LxmlEntrySerializer,
    _feed_generator,
    _set_self,
    _xml_head,
    build_entry,
    direct_entry,
    feed_documents,
)

ENTITY = "ridgeledger.example,2025"
SETTINGS = {"SITEURL": "https://ridgeledger.example", "FEED_TAGGING_ENTITY": ENTITY, "PATH": "/site/content",
            "SITENAME": "The Ridge Ledger", "SITE_LOGO": "images/mark.svg"}

PLAIN = "abc XYZ 019 .,;:!?-_/#=%+()[]{}"
MARKUP = "&<>\"'"
WIDE = "ქართული Հայերեն кириллица é ß \u00a0 \u2028 \ufffd \U0001f600\t\n"
AWKWARD = "\r\x01\x0b\x1f\x7f\x85\x9f\ufffe\uffff"  # lxml escapes, refuses or is left to decide


def _text(rng: random.Random, alphabet: str, low: int = 0, high: int = 24) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def _item(rng: random.Random, alphabet: str) -> FeedItem:
    def text(low: int = 0, high: int = 24) -> str:
        return _text(rng, alphabet, low, high)

    zone = dt.timezone(dt.timedelta(minutes=rng.choice([0, 240, -300, 330])))
    published = dt.datetime(rng.randint(1990, 2030), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                            rng.randint(0, 59), tzinfo=zone)
    image = None
    if rng.random() < 0.5:
        image = Image(f"https://ridgeledger.example/images/{text(1, 8)}.jpg", rng.choice(["image/jpeg", "image/png"]),
                      rng.randint(0, 10**7), text(0, 12), *rng.choice([(None, None), (1600, 900), (0, 10)]))
    terms = [Term(text(0, 8), text(0, 8), rng.choice(["", f"https://ridgeledger.example/tag/{text(1, 5)}/"]))
             for _ in range(rng.randint(0, 4))]
    return FeedItem(
        kind="column",
        item_id=rng.choice([f"tag:{ENTITY}:column/{text(0, 10)}", text(0, 6)]),
        url=f"https://ridgeledger.example/columns/{text(0, 10)}/",
        title=text(0, 30),
        summary=rng.choice(["", text(0, 60)]),
        content_html=rng.choice(["", f"<p>{text(0, 200)}</p>\n<p><a href=\"https://x.example/\">{text()}</a></p>"]),
        published=published,
        updated=published + dt.timedelta(hours=rng.randint(0, 48)),
        authors=[Person(text(0, 12), rng.choice(["", "https://ridgeledger.example/author/a/"]), text(1, 6))
                 for _ in range(rng.randint(0, 3))],
        section=rng.choice([None, Term(text(0, 8), text(0, 8), "https://ridgeledger.example/section/s/")]),
        tags=terms,
        image=image,
    )


def _lxml_or_error(serializer: LxmlEntrySerializer, item: FeedItem):
    try:
        return serializer.entry(item)
    except ValueError as error:  # lxml refuses text XML cannot hold
        return error


ALL = PLAIN + MARKUP + WIDE + AWKWARD


@pytest.mark.parametrize("alphabet", [PLAIN, PLAIN + MARKUP, PLAIN + MARKUP + WIDE, ALL])
def test_direct_entries_are_the_bytes_lxml_writes(alphabet):
    settings = read_feed_settings(SETTINGS)
    lxml = LxmlEntrySerializer(settings)
    rng = random.Random(alphabet)
    direct_count = 0
    for _ in range(400):
        item = _item(rng, alphabet)
        expected = _lxml_or_error(lxml, item)
        made = direct_entry(item)
        if made is not None:
            direct_count += 1
            assert made == expected, item
        got = EntrySerializer(settings).entry(item) if not isinstance(expected, Exception) else expected
        assert got == expected
    if alphabet != ALL:
        assert direct_count > 50, "the direct path should take the items with filled fields"


def test_direct_entries_take_every_plain_filled_item():
    rng = random.Random(7)
    for _ in range(200):
        item = _item(rng, PLAIN + MARKUP + WIDE)
        filled = (item.item_id and item.title and item.content_html and all(p.name for p in item.authors)
                  and all(t.slug and t.label for t in item.categories))
        assert (direct_entry(item) is not None) == bool(filled)


def _feedgen_documents(spec: FeedSpec, items: list[FeedItem], settings) -> list[tuple[str, bytes]]:
    """The way the feeds were written before entries were shared: one feedgen tree per feed."""
    fg = _feed_generator(spec, max(item.updated for item in items), settings)
    for item in items:
        fg.add_entry(build_entry(item), order="append")
    head = _xml_head(settings)
    atom = head + fg.atom_str(xml_declaration=False)
    _set_self(fg, spec, settings, spec.rss_path, "application/rss+xml")
    return [(spec.atom_path, atom), (spec.rss_path, head + fg.rss_str(xml_declaration=False))]


@pytest.mark.parametrize("overrides", [{}, {"FEED_WEBSUB_HUB": "https://hub.example/", "FEED_LOGO": "images/l.png"},
                                       {"FEED_STYLESHEET": None, "SITEURL": "https://x.example/opinion"}])
def test_feed_documents_are_what_feedgen_writes_for_the_whole_feed(overrides):
    settings = read_feed_settings({**SETTINGS, **overrides})
    rng = random.Random(3)
    items = [_item(rng, PLAIN + MARKUP + WIDE) for _ in range(60)]
    items = [i for i in items if direct_entry(i) is not None][:12] + [
        i for i in items if direct_entry(i) is None and not isinstance(_lxml_or_error(
            LxmlEntrySerializer(settings), i), Exception)][:3]
    spec = FeedSpec("tag/t", "T & <t> — The Ridge Ledger", "Columns about T", "tag/t/",
                    "feeds/tag/t.atom.xml", "feeds/tag/t.rss.xml")
    serializer = EntrySerializer(settings)
    documents = feed_documents(spec, max(i.updated for i in items), [serializer.entry(i) for i in items], settings)
    assert documents == _feedgen_documents(spec, items, settings)


@pytest.mark.parametrize("char", list(AWKWARD + "\t\n&<>\"'\u00a0\U0001f600"))
def test_one_awkward_character_in_any_field_is_handled_like_lxml(char):
    settings = read_feed_settings(SETTINGS)
    lxml = LxmlEntrySerializer(settings)
    base = FeedItem(
        kind="column", item_id=f"tag:{ENTITY}:column/a", url="https://ridgeledger.example/columns/a/", title="Title",
        summary="Summary", content_html="<p>Body</p>",
        published=dt.datetime(2026, 1, 2, 9, 0, tzinfo=dt.UTC), updated=dt.datetime(2026, 1, 3, 9, 0, tzinfo=dt.UTC),
        authors=[Person("Nino", "https://ridgeledger.example/author/nino/", "nino")],
        section=Term("economy", "Economy", "https://ridgeledger.example/section/economy/"),
        tags=[Term("energy", "Energy", "https://ridgeledger.example/tag/energy/")],
        image=Image("https://ridgeledger.example/images/a.jpg", "image/jpeg", 10, "Alt", 16, 9))
    assert direct_entry(base) == lxml.entry(base)
    variants = [dataclasses.replace(base, **{name: getattr(base, name) + char})
                for name in ("item_id", "url", "title", "summary", "content_html")]
    variants.append(dataclasses.replace(base, authors=[Person("Nino" + char, "https://ridgeledger.example/a" + char,
                                                              "nino")]))
    variants.append(dataclasses.replace(base, tags=[Term("energy" + char, "Energy" + char,
                                                         "https://ridgeledger.example/tag/e" + char)]))
    image = Image("https://ridgeledger.example/i.jpg" + char, "image/jpeg" + char, 10, "Alt" + char, 16, 9)
    variants.append(dataclasses.replace(base, image=image))
    for item in variants:
        expected = _lxml_or_error(lxml, item)
        made = direct_entry(item)
        assert made is None or made == expected, item
        if char not in AWKWARD:
            assert made is not None

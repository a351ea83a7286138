"""Feeds written one at a time (feeds/entry_store.py, build._Job.make_feeds): the entries an item
shares between feeds come back from the store byte for byte, every feed equals the one made
straight from its items, and the stage never holds every item's entries at once."""

from __future__ import annotations

import datetime as dt
import gc
import random
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest
from feeds.bench import generate_columns
from feeds.build import plan_feeds, resolve_ids, write_all_feeds
from feeds.entry_store import EntryStore
from feeds.ids import IdRegistry
from feeds.records import item_from_source, read_source
from feeds.settings import read_feed_settings
from feeds.writer import EntrySerializer, EntryXml, direct_entry, feed_documents

pytestmark = pytest.mark.xdist_group("feeds")

BASE = {"SITEURL": "https://ridgeledger.example", "SITENAME": "Bench", "FEED_MAX_ITEMS": 3,
        "FEED_TAGGING_ENTITY": "ridgeledger.example,2025", "FEED_ID_REGISTRY": "data/feed-ids.json"}


def _ready_for_measuring(tmp_path: Path) -> None:
    """Before measuring a stage: what a process does once (lazy imports, the code's version
    for the cache key, library set-up) is done here, on a small corpus of its own, and the
    cycles earlier tests in this worker left are collected. Either, if it fell inside the
    measured call, counted as the stage's own peak, depending on which tests ran before."""
    warm = tmp_path / "warm-up"
    write_all_feeds(generate_columns(5, seed=1), [], _settings(warm), warm / "out", warm / "content", dt.UTC,
                    cache_dir=warm / "cache")
    gc.collect()


def test_the_store_gives_back_each_entry_as_it_was_added():
    rng = random.Random(5)
    added = {}
    with EntryStore() as store:
        for key in range(300):
            entry = EntryXml(rng.randbytes(rng.randint(0, 5000)), rng.randbytes(rng.randint(0, 5000)))
            store.add(key, entry)
            added[key] = entry
        assert len(store) == 300 and 17 in store and 300 not in store
        keys = rng.sample(range(300), 300)
        for key, entry in zip(keys, store.entries(keys), strict=True):
            assert (bytes(entry.atom), bytes(entry.rss)) == (added[key].atom, added[key].rss)
        with pytest.raises(KeyError):
            store.add(3, added[3])


@pytest.mark.parametrize("hint", ["right", "wrong bytes", "out of range", "negative"])
def test_the_store_keeps_shared_bytes_once_and_ignores_a_wrong_hint(hint):
    rng = random.Random(hint)
    with EntryStore() as store:
        added = {}
        for key in range(100):
            body = rng.randbytes(rng.randint(1, 3000))
            atom_head, rss_head = rng.randbytes(rng.randint(0, 40)), rng.randbytes(rng.randint(0, 40))
            atom = atom_head + body + rng.randbytes(rng.randint(0, 40))
            rss = rss_head + body + rng.randbytes(rng.randint(0, 40))
            shared = {"right": (len(atom_head), len(rss_head), len(body)),
                      "wrong bytes": (len(atom_head) + 1, len(rss_head), len(body) - 1),
                      "out of range": (len(atom_head), len(rss_head), len(body) + 1000),
                      "negative": (-len(body), -len(body), len(body))}[hint]
            store.add(key, EntryXml(atom, rss, shared))
            added[key] = (atom, rss)
        for key, entry in zip(added, store.entries(added), strict=True):
            assert (bytes(entry.atom), bytes(entry.rss)) == added[key]


def test_a_direct_entry_names_the_html_its_atom_and_rss_share():
    columns = generate_columns(40, seed=8)
    settings = read_feed_settings({**BASE, "PATH": "content"})
    ids = resolve_ids(columns, IdRegistry.load(None), settings)
    for column in columns:
        item = item_from_source(read_source(column, ids[id(column)], settings, Path("content"), dt.UTC), settings,
                                Path("content"))
        made = direct_entry(item)
        in_atom, in_rss, size = made.shared
        html = item.content_html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()
        assert made.atom[in_atom:in_atom + size] == made.rss[in_rss:in_rss + size] == html


def _settings(root: Path):
    return read_feed_settings({**BASE, "PATH": str(root / "content")})


def _straight_feeds(columns, settings, root: Path) -> dict[str, bytes]:
    """Every feed file made the plain way: each feed's items and entries made for it alone."""
    ids = resolve_ids(columns, IdRegistry.load(settings.id_registry), settings)
    files = {}
    for entry in plan_feeds(columns, [], ids, settings):
        items = [item_from_source(read_source(c, ids[id(c)], settings, root / "content", dt.UTC), settings,
                                  root / "content") for c in entry.contents]
        entries = [EntrySerializer(settings).entry(item) for item in items]
        json_items = items if entry.spec.json_path else None
        files.update(feed_documents(entry.spec, max(i.updated for i in items), entries, settings, json_items))
    return files


def test_every_feed_equals_the_feed_made_from_its_items_alone(tmp_path):
    columns = generate_columns(150, seed=4)
    settings = _settings(tmp_path)
    write_all_feeds(columns, [], settings, tmp_path / "out", tmp_path / "content", dt.UTC)
    ids = resolve_ids(columns, IdRegistry.load(settings.id_registry), settings)
    uses = Counter(id(c) for entry in plan_feeds(columns, [], ids, settings) for c in entry.contents)
    assert {1, 2, 3} <= set(uses.values())  # items made for one feed, and shared ones (stored)
    expected = _straight_feeds(columns, settings, tmp_path)
    written = {str(p.relative_to(tmp_path / "out")): p.read_bytes() for p in (tmp_path / "out").rglob("*.*")}
    assert written == expected


def test_the_stage_never_holds_every_items_entries(tmp_path):
    columns = generate_columns(200, seed=6)
    for column in columns:  # long columns, so entries outweigh everything else in the stage
        column.content *= 12
    settings = _settings(tmp_path)
    ids = resolve_ids(columns, IdRegistry.load(settings.id_registry), settings)
    in_feeds = {id(c): c for entry in plan_feeds(columns, [], ids, settings) for c in entry.contents}
    serializer = EntrySerializer(settings)
    all_entries = sum(
        len(xml.atom) + len(xml.rss) for xml in (
            serializer.entry(item_from_source(read_source(c, ids[id(c)], settings, tmp_path, dt.UTC), settings,
                                              tmp_path)) for c in in_feeds.values()))
    _ready_for_measuring(tmp_path)
    tracemalloc.start()
    try:
        write_all_feeds(columns, [], settings, tmp_path / "out", tmp_path / "content", dt.UTC,
                        cache_dir=tmp_path / "cache")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert all_entries > 20_000_000
    assert peak < all_entries / 4, (peak, all_entries)


def test_a_warm_stage_reads_each_items_html_and_lets_it_go(tmp_path):
    """Articles read their HTML from the content cache on demand (content_model.stored_html):
    keeping every item's key must not keep every item's HTML."""
    columns = generate_columns(200, seed=7)
    made_on_read = type("StoredColumn", (type(columns[0]),), {
        "content": property(lambda self: "".join([self.__dict__["content"]] * 12))})
    for column in columns:
        column.__class__ = made_on_read
    settings = _settings(tmp_path)
    ids = resolve_ids(columns, IdRegistry.load(settings.id_registry), settings)
    in_feeds = {id(c): c for entry in plan_feeds(columns, [], ids, settings) for c in entry.contents}
    all_html = sum(len(c.content) for c in in_feeds.values())
    write_all_feeds(columns, [], settings, tmp_path / "out", tmp_path / "content", dt.UTC, cache_dir=tmp_path / "cache")
    _ready_for_measuring(tmp_path)
    tracemalloc.start()
    try:
        report = write_all_feeds(columns, [], settings, tmp_path / "out", tmp_path / "content", dt.UTC,
                                 cache_dir=tmp_path / "cache")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.feeds_kept == report.feeds and report.feeds > 0  # every item's key was worked out
    assert all_html > 5_000_000
    assert peak < all_html / 4

"""Feeds kept between builds (feeds/cache.py): a feed is made again exactly when something its
bytes depend on changed, the output equals a build without the cache, and a damaged cache or
an output file changed by hand costs time, never correctness."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
from conftest import build
from feeds import cache as feed_cache
from feeds.bench import generate_columns
from feeds.build import write_all_feeds
from feeds.settings import read_feed_settings

pytestmark = pytest.mark.xdist_group("feeds")

BASE = {"SITEURL": "https://ridgeledger.example", "SITENAME": "Bench", "FEED_MAX_ITEMS": 20,
        "FEED_TAGGING_ENTITY": "ridgeledger.example,2025", "FEED_ID_REGISTRY": "data/feed-ids.json"}


def digest(output: Path) -> dict[str, str]:
    return {str(p.relative_to(output)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(output.rglob("*")) if p.is_file()}


def snapshot(output: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(output)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(output.rglob("*")) if p.is_file()}


class Site:
    """Columns, settings and folders for write_all_feeds, built again as often as a test likes."""

    def __init__(self, root: Path, n: int = 300) -> None:
        self.root = root
        self.columns = generate_columns(n, seed=3)
        images = root / "content" / "images"
        images.mkdir(parents=True)
        for index in (n - 1, n - 5, 7):
            (images / f"c{index}.png").write_bytes(b"\x89PNG not really an image" * (index + 1))
            self.columns[index].image = f"images/c{index}.png"
            self.columns[index].image_alt = f"Cover {index}"
        self.overrides: dict = {}

    def build(self, output: str = "out", cache: bool = True):
        settings = read_feed_settings({**BASE, "PATH": str(self.root / "content"), **self.overrides})
        return write_all_feeds(self.columns, [], settings, self.root / output, self.root / "content", dt.UTC,
                               cache_dir=self.root / ".cache" / "feeds" if cache else None)

    def fresh_digest(self) -> dict[str, str]:
        """The feeds as a build without any cache makes them now."""
        shutil.rmtree(self.root / "fresh", ignore_errors=True)
        self.build("fresh", cache=False)
        return digest(self.root / "fresh")

    def feeds_with(self, slug: str) -> set[str]:
        out = self.root / "out"
        return {str(p.relative_to(out)) for p in out.rglob("*.*")
                if f"/columns/{slug}/".encode() in p.read_bytes()}


@pytest.fixture
def site(tmp_path) -> Site:
    return Site(tmp_path)


def test_an_unchanged_build_keeps_every_feed_and_touches_no_file(site):
    first = site.build()
    assert first.feeds_made == first.feeds > 300 and first.feeds_kept == 0
    before = snapshot(site.root / "out")
    again = site.build()
    assert (again.feeds_made, again.feeds_kept, again.items) == (0, first.feeds, 0)
    assert snapshot(site.root / "out") == before
    assert digest(site.root / "out") == site.fresh_digest()


@pytest.mark.parametrize("which", ["newest", "old"])
def test_an_edited_column_remakes_exactly_the_feeds_it_appears_in(site, which):
    site.build()
    column = site.columns[-1] if which == "newest" else next(
        c for c in reversed(site.columns[:-40]) if site.feeds_with(c.slug))
    holding = site.feeds_with(column.slug)
    assert holding and (("feeds/all.atom.xml" in holding) == (which == "newest"))
    before = snapshot(site.root / "out")
    column.content += "<p>A closing paragraph added in an edit.</p>"
    report = site.build()
    after = snapshot(site.root / "out")
    assert {path for path in after if after[path] != before[path]} == holding
    assert report.feeds_made * 2 + ("feeds/all.json" in holding) == len(holding)
    assert digest(site.root / "out") == site.fresh_digest()


def test_a_new_column_and_a_changed_cover_file_remake_their_feeds(site):
    site.build()
    cover = site.root / "content" / site.columns[7].image
    cover.write_bytes(cover.read_bytes() + b"more bytes")
    report = site.build()
    assert 0 < report.feeds_made < report.feeds
    assert digest(site.root / "out") == site.fresh_digest()
    newest = generate_columns(1, seed=9)[0]
    newest.slug, newest.url = "brand-new", "columns/brand-new/"
    newest.date = site.columns[-1].date + dt.timedelta(days=1)
    site.columns.append(newest)
    report = site.build()
    assert "feeds/all.atom.xml" in site.feeds_with("brand-new")
    assert 0 < report.feeds_made < report.feeds
    assert digest(site.root / "out") == site.fresh_digest()


@pytest.mark.parametrize("override", [{"SITENAME": "Another name"}, {"FEED_MAX_ITEMS": 19},
                                      {"FEED_WEBSUB_HUB": "https://hub.example/"}, {"FEED_STYLESHEET": None}])
def test_a_settings_change_remakes_every_feed(site, override):
    first = site.build()
    site.overrides = override
    report = site.build()
    assert report.feeds_made == report.feeds == first.feeds
    assert digest(site.root / "out") == site.fresh_digest()
    assert site.build().feeds_made == 0


def test_new_code_remakes_every_feed(site, monkeypatch):
    site.build()
    monkeypatch.setattr(feed_cache, "code_version", lambda: b"another version of the plugin")
    report = site.build()
    assert report.feeds_made == report.feeds


@pytest.mark.parametrize("damage", [
    lambda data: data[: len(data) // 2],
    lambda data: data[:-1] + bytes([data[-1] ^ 1]),
    lambda data: b"not a records file at all",
    lambda data: b"",
    lambda data: feed_cache.FORMAT + b"\0" * 32 + b"garbage",
])
def test_damaged_records_are_ignored(site, damage):
    first = site.build()
    [records] = (site.root / ".cache" / "feeds").glob("records-*")
    records.write_bytes(damage(records.read_bytes()))
    report = site.build()
    assert report.feeds_made == first.feeds
    assert digest(site.root / "out") == site.fresh_digest()
    assert site.build().feeds_made == 0, "the records are whole again"


def test_records_of_the_wrong_shape_are_ignored(site, tmp_path):
    site.build()
    [records] = (site.root / ".cache" / "feeds").glob("records-*")
    feed_cache.save_records(records, {"feeds/all.atom.xml": ("not bytes", 1, 2)})  # type: ignore[dict-item]
    assert feed_cache.load_records(records) == {}
    assert site.build().feeds_made == site.build(cache=False).feeds


def test_a_feed_file_changed_or_removed_by_hand_is_made_again(site):
    site.build()
    out = site.root / "out"
    (out / "feeds" / "all.rss.xml").write_bytes(b"edited by hand")
    (out / "feeds" / "section" / "economy.atom.xml").unlink()
    report = site.build()
    assert report.feeds_made == 2
    assert digest(out) == site.fresh_digest()


def test_an_unwritable_cache_costs_speed_not_the_feeds(site):
    (site.root / ".cache").write_text("a file where the cache folder should be")
    report = site.build()
    assert report.feeds_made == report.feeds
    assert digest(site.root / "out") == site.fresh_digest()


# --- a real build: staging folder, ledger, CACHE_ROOT ------------------------------------------

EDITED = "columns/2026/a-library-card-in-three-alphabets.md"
EDITED_URL = "/columns/a-library-card-in-three-alphabets/"


def test_site_build_keeps_unchanged_feeds_and_remakes_those_of_an_edited_column(content_copy, tmp_path):
    cache = tmp_path / ".cache"

    def built(output: Path):
        result = build(output, content_copy, CACHE_ROOT=str(cache))
        assert result.ok, result.errors
        return result

    output = tmp_path / "out"
    built(output)
    assert list((cache / "feeds").glob("records-*.marshal"))
    feeds = output / "feeds"
    holding = {str(p.relative_to(output)) for p in feeds.rglob("*.*") if EDITED_URL.encode() in p.read_bytes()}
    assert "feeds/all.atom.xml" in holding
    before = snapshot(output)
    column = content_copy / EDITED
    column.write_text(column.read_text(encoding="utf-8") + "\nA closing paragraph added in a test.\n", encoding="utf-8")
    built(output)
    after = snapshot(output)
    changed = {path for path in after if path.startswith("feeds/") and after[path] != before.get(path)}
    assert changed == holding
    assert {path for path in after if path.startswith("feeds/")} == {p for p in before if p.startswith("feeds/")}
    cold = tmp_path / "cold"
    shutil.rmtree(cache)
    built(cold)
    assert {k: v for k, v in digest(output).items() if k.startswith("feeds/")} == {
        k: v for k, v in digest(cold).items() if k.startswith("feeds/")}


def test_keeping_a_sites_feeds_reads_no_html_of_items_known_by_their_stored_body(content_copy, tmp_path,
                                                                                  monkeypatch):
    import feeds
    from conftest import BUILD_TIME, ROOT
    from site_build import build_site

    def run():
        result = build_site(ROOT / "pelicanconf.py", {"OUTPUT_PATH": str(tmp_path / "out"), "PATH": str(content_copy),
                                                      "BUILD_TIME": BUILD_TIME, "CACHE_ROOT": str(tmp_path / ".cache")},
                            force=True)
        assert result.ok, result.errors

    run()
    read, known = [], []
    real_html, real_identity = feeds.content_html, feeds.content_html_identity

    def reading(content):
        read.append(content.slug)
        return real_html(content)

    def identity(content):
        found = real_identity(content)
        if found is not None:
            known.append(content.slug)
        return found

    monkeypatch.setattr(feeds, "content_html", reading)
    monkeypatch.setattr(feeds, "content_html_identity", identity)
    before = snapshot(tmp_path / "out")
    run()
    assert snapshot(tmp_path / "out") == before
    assert len(set(known)) >= 10, "the demo's columns are known by their stored bodies"
    assert not set(read) & set(known), "no HTML is read for a feed kept as it is"

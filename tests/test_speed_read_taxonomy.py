"""Linear taxonomies and remembered URLs give exactly what stock Pelican gives."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT, build
from pelican.generators import ArticlesGenerator
from speedups.generator import LinearArticlesGenerator
from speedups.ordering import in_order_of, positions


class Item:
    """Stands in for a Pelican Article: compared by identity, has a date."""

    def __init__(self, date: dt.datetime):
        self.date = date


def small_corpus(count: int, seed: int = 3) -> list[Item]:
    rng = random.Random(seed)
    start = dt.datetime(2019, 1, 1)
    return [Item(start + dt.timedelta(days=rng.randrange(0, 2200))) for _ in range(count)]


def test_in_order_of_matches_the_stock_filter():
    rng = random.Random(7)
    articles = small_corpus(300)
    dates = sorted(articles, key=lambda a: a.date, reverse=True)
    where = positions(dates)
    for _ in range(50):
        members = rng.sample(articles, rng.randrange(0, 40))
        members += members[:3]  # an article listed twice under one term (tag given twice)
        assert in_order_of(dates, where, members) == [a for a in dates if a in members]


def test_period_archives_match_stock():
    articles = small_corpus(400)
    dates = sorted(articles, key=lambda a: a.date, reverse=True)
    settings = {f"{g}_ARCHIVE_{k}": f"{g.lower()}/{{date:%Y/%m/%d}}/{k.lower()}"
                for g in ("YEAR", "MONTH", "DAY") for k in ("SAVE_AS", "URL")}
    stock = ArticlesGenerator._build_period_archives(None, dates, articles, settings)
    ours = LinearArticlesGenerator._build_period_archives(None, dates, articles, settings)
    assert set(ours) == {"year", "month", "day"}
    assert ours == stock


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_site_is_byte_identical_without_speedups(tmp_path):
    settings = (ROOT / "pelicanconf.py").read_text(encoding="utf-8")
    assert '"speedups"' in settings  # the plugin is on in the real build
    plugins = [name for name in _configured_plugins() if name != "speedups"]
    fast = build(tmp_path / "fast", CACHE_ROOT=str(tmp_path / "cache-fast"))
    stock = build(tmp_path / "stock", PLUGINS=plugins, CACHE_ROOT=str(tmp_path / "cache-stock"))
    assert fast.ok and stock.ok, fast.errors + stock.errors
    fast_files, stock_files = _digest(tmp_path / "fast"), _digest(tmp_path / "stock")
    assert any(name.startswith("tag/") for name in fast_files)
    assert any(name.startswith("author/") for name in fast_files)
    assert any(name.startswith("archive/20") for name in fast_files)
    assert fast_files == stock_files


def _configured_plugins() -> list[str]:
    from pelican.settings import read_settings

    return list(read_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"])


def test_frozen_urls_equal_stock_urls_and_keep_the_class_name():
    from pelican.contents import Article, Page
    from pelican.settings import DEFAULT_CONFIG
    from speedups.urls import freeze_urls

    settings = {**DEFAULT_CONFIG, "ARTICLE_URL": "columns/{slug}/", "ARTICLE_SAVE_AS": "columns/{slug}/index.html"}
    when = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    article = Article("<p>x</p>", {"title": "A", "slug": "a-column", "date": when}, settings=settings)
    draft = Article("<p>y</p>", {"title": "B", "slug": "b", "date": when, "status": "draft"}, settings=settings)
    page = Page("<p>z</p>", {"title": "About", "slug": "about"}, settings=settings)
    expected = [(item.url, item.save_as) for item in (article, draft, page)]

    holder = SimpleNamespace(articles=[article], drafts=[draft], pages=[page])
    assert freeze_urls([holder]) == 3
    assert [(item.url, item.save_as) for item in (article, draft, page)] == expected
    assert [type(item).__name__ for item in (article, draft, page)] == ["Article", "Article", "Page"]
    assert isinstance(article, Article) and isinstance(page, Page)
    article.slug = "renamed"  # after the freeze a URL no longer changes: computed once per build
    assert article.url == "columns/a-column/"


def test_frozen_urls_of_every_kind_equal_stock_urls():
    # url and save_as are worked out together from one url_format: translations, overrides,
    # a pattern that fails only for one of them, and a class with its own URL method
    from pelican.contents import Article, Page
    from pelican.settings import DEFAULT_CONFIG
    from pelican.urlwrappers import Category
    from speedups.urls import _RemembersUrls, freeze_urls

    settings = {**DEFAULT_CONFIG, "DEFAULT_LANG": "en", "ARTICLE_URL": "{date:%Y}/{slug}/",
                "ARTICLE_SAVE_AS": "{date:%Y}/{slug}/index.html", "ARTICLE_LANG_URL": "{lang}/{slug}/",
                "ARTICLE_LANG_SAVE_AS": "{lang}/{slug}/{category}.html"}
    when = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)

    def made(kind: type = Article, **meta) -> Article:
        return kind("<p>x</p>", {"title": "A", "date": when, "category": Category("Opinion", settings), **meta},
                    settings=settings)

    class OwnUrl(Article):
        def get_url_setting(self, key: str) -> str:
            return "own/" + super().get_url_setting(key)

    class RememberingOwnUrl(_RemembersUrls, OwnUrl):
        pass

    metas = [{"slug": "plain"}, {"slug": "tr", "lang": "ka"}, {"slug": "moved", "url": "else/", "save_as": "x.html"},
             {"slug": "half", "save_as": "kept/half.html"}]
    items = [made(**meta) for meta in metas] + [made(slug="unfinished", status="draft")]
    items += [Page("<p>z</p>", {"title": "About", "slug": slug, "status": status}, settings=settings)
              for slug, status in (("about", "published"), ("soon", "draft"))]
    expected = [(item.url, item.save_as) for item in items]
    assert len(set(expected)) == len(expected)
    broken_settings = {**settings, "ARTICLE_SAVE_AS": "{no_such_field}/index.html"}
    broken = Article("<p>x</p>", {"title": "B", "slug": "broken", "date": when}, settings=broken_settings)
    expected_broken = broken.url
    assert freeze_urls([SimpleNamespace(articles=[*items[:-2], broken], pages=items[-2:])]) == len(items) + 1
    assert [(item.url, item.save_as) for item in items] == expected
    assert broken.url == expected_broken
    with pytest.raises(KeyError, match="no_such_field"):
        broken.save_as  # noqa: B018 (fails when read, as Pelican's does)
    own = made(OwnUrl, slug="own")
    remembering = made(RememberingOwnUrl, slug="own")
    expected_own = ("own/2025/own/", "own/2025/own/index.html")
    assert (remembering.url, remembering.save_as) == (own.url, own.save_as) == expected_own


def test_stock_generators_are_swapped_for_the_fast_ones():
    from pelican.generators import PagesGenerator
    from speedups.generator import UrlFreezingPagesGenerator, use_fast_generators

    articles = ArticlesGenerator.__new__(ArticlesGenerator)
    pages = PagesGenerator.__new__(PagesGenerator)
    use_fast_generators(articles)
    use_fast_generators(pages)
    assert type(articles) is LinearArticlesGenerator and type(pages) is UrlFreezingPagesGenerator

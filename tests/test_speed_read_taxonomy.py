"""Linear taxonomies and remembered URLs give exactly what stock Pelican gives."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path

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

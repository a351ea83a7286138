"""The articles generator's reading shortcuts give what Pelican gives."""

from __future__ import annotations

import datetime as dt

from pelican import contents
from pelican.settings import DEFAULT_CONFIG
from pelican.utils import process_translations as stock_process_translations
from speedups.generator import process_translations
from speedups.urls import Article, ReadArticle, freeze_urls


def _articles(tmp_path, cls, count=40):
    settings = {**DEFAULT_CONFIG, "PATH": str(tmp_path)}
    made = []
    for index in range(count):
        meta = {"title": f"T{index}", "slug": f"s{index % 30}", "date": dt.datetime(2025, 1, 1)}
        if index % 7 == 0:
            meta["lang"] = "de"
        if index % 11 == 0:
            meta["translation"] = "true"
        made.append(cls("<p>x</p>", metadata=meta, settings=settings,
                        source_path=str(tmp_path / "columns" / f"c{index}.md")))
    return made


def test_linear_translations_equal_pelicans(tmp_path):
    articles = _articles(tmp_path, contents.Article)
    stock = stock_process_translations(list(articles), "slug")
    ours = process_translations(list(articles), "slug")
    assert [list(map(id, part)) for part in ours] == [list(map(id, part)) for part in stock]


def test_read_article_is_an_article_with_the_same_source_paths(tmp_path):
    stock, ours = _articles(tmp_path, contents.Article, 3), _articles(tmp_path, ReadArticle, 3)
    assert type(ours[0]).__name__ == "Article" and isinstance(ours[0], contents.Article)
    for a, b in zip(stock, ours, strict=True):
        for _ in range(2):
            expected = "columns/" + a.source_path.rsplit("/", 1)[1]
            assert b.get_relative_source_path() == a.get_relative_source_path() == expected
        assert b.get_relative_source_path("columns/other.md") == a.get_relative_source_path("columns/other.md")
        assert b.save_as == a.save_as and b.url == a.url
    holder = type("G", (), {"articles": ours})()
    assert freeze_urls([holder]) == 3 and type(ours[0]) is Article


def test_source_paths_are_pelicans_for_any_path_and_content_folder(tmp_path):
    import os

    from pelican.utils import posixize_path
    from speedups.urls import _relative_source_path

    def pelicans(path: str, root: str) -> str:
        return posixize_path(os.path.relpath(os.path.abspath(os.path.join(root, path)), os.path.abspath(root)))

    root = str(tmp_path / "content")
    cases = [(f"{root}/columns/x.md", root), (f"{root}/columns/x.md", root + "/"),
             (f"{root}/x.md", "content"), (os.path.abspath("content/columns/x.md"), "content"),
             (f"{root}/../content/x.md", root), (f"{root}x/y.md", root), (f"{root}/x//y.md", root),
             (f"{root}/./x.md", root), ("columns/x.md", root), (root, root), ("/x.md", "/"),
             (tmp_path / "content" / "x.md", root)]
    sliced = 0
    for path, setting in cases:
        fast = _relative_source_path(path, setting)
        assert fast is None or fast == pelicans(path, setting), (path, setting)
        sliced += fast is not None
    # the usual case is sliced; anything unusual (a relative PATH, which depends on the working
    # folder; a Path object) is left to Pelican
    assert sliced == 2

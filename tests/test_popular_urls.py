"""Analytics paths to columns: every way a column URL gets written maps to its slug."""

from __future__ import annotations

import pytest
from popular.urls import column_paths, is_page_path, normalise_path


@pytest.mark.parametrize(("raw", "expected"), [
    ("/columns/alpha/", "/columns/alpha"),
    ("/columns/alpha", "/columns/alpha"),
    ("columns/alpha/", "/columns/alpha"),
    ("/columns/alpha/index.html", "/columns/alpha"),
    ("/columns/alpha/?utm_source=newsletter&x=1", "/columns/alpha"),
    ("/columns/alpha/#comments", "/columns/alpha"),
    ("https://ridgeledger.example/columns/alpha/?a=b#c", "/columns/alpha"),
    ("//ridgeledger.example/columns/alpha/", "/columns/alpha"),
    ("/columns/%61lpha/", "/columns/alpha"),
    ("/Columns/Alpha/", "/columns/alpha"),
    ("/columns//alpha//", "/columns/alpha"),
    ("/columns/alpha/../beta/", "/columns/beta"),
    ("/columns/%D0%BA%D1%82%D0%BE/", "/columns/кто"),
    ("/", "/"),
    ("/index.html", "/"),
    ("   ", None),
])
def test_normalise_path(raw, expected):
    assert normalise_path(raw) == expected


def test_site_under_a_sub_path_has_its_prefix_removed():
    assert normalise_path("https://x.example/opinion/columns/alpha/", "/opinion") == "/columns/alpha"
    assert normalise_path("/opinion/", "/opinion") == "/"
    assert normalise_path("/opinionated/", "/opinion") == "/opinionated"


@pytest.mark.parametrize(("path", "is_page"), [
    ("/columns/alpha", True), ("/columns/alpha/index.html", True), ("/", True),
    ("/theme/css/site.css", False), ("/images/logo.svg", False), ("/feeds/all.atom.xml", False),
])
def test_is_page_path(path, is_page):
    assert is_page_path(path) is is_page


def test_aliases_of_renamed_columns_are_credited_to_the_column():
    paths = column_paths(
        [("new-name", "columns/new-name/", ["old-name", "/columns/older-name/index.html",
                                             "https://ridgeledger.example/2019/oldest/"])],
        site_url="https://ridgeledger.example",
    )
    for raw in ("/columns/old-name/", "/columns/older-name", "/2019/oldest/", "/columns/new-name?x=1"):
        assert paths.lookup(raw)[0] == "new-name", raw
    assert paths.lookup("/columns/other/") == (None, "/columns/other")


def test_a_live_column_wins_over_another_columns_alias():
    paths = column_paths([("a", "columns/a/", ["b"]), ("b", "columns/b/", [])])
    assert paths.lookup("/columns/b/")[0] == "b"

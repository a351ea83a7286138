"""Analytics paths to columns: every way a column URL gets written maps to its slug."""

from __future__ import annotations

import random

import pytest
from popular.urls import _canonical, column_paths, is_page_path, normalise_path


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


def test_plain_paths_take_the_short_way_to_the_same_answer():
    # Paths of lowercase names and single slashes skip decoding and resolving; every other
    # path goes the long way. Both must agree on every path, plain or not.
    shapes = random.Random(9)
    alphabet = "ab-_09/" * 4 + "A.%:?#~ "
    paths = ["columns/alpha/", "/columns/alpha", "/", "alpha", "/a/b/c/", "/columns/index", "a-b_c"]
    paths += ["".join(shapes.choice(alphabet) for _ in range(shapes.randint(1, 14))) for _ in range(20_000)]
    for raw in paths:
        text = raw.strip()
        if text:
            assert normalise_path(raw) == _canonical(text), raw


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

"""Column HTML stays in the content cache's files: articles point at it and read it on demand."""

from __future__ import annotations

import copy
import gc
import logging
import os
import re
from pathlib import Path

import pytest
from conftest import build
from content_model.parse_cache import new_markdown, parse_bytes, parse_files, shard_files
from content_model.reader import ColumnReader
from content_model.stored_html import HtmlFromCache, StoredHtml
from content_model.validate import content_files, validate_content
from cta.placement import BlockSplice
from output_writer.page_keys import ValueHasher
from pelican import contents, signals
from pelican.settings import DEFAULT_CONFIG
from speedups.generator import _linear_reading
from speedups.urls import ReadArticle
from test_speed_read_cache import TZ, write_columns

SETTINGS = {**DEFAULT_CONFIG, "PATH": "", "TIMEZONE": "Asia/Tbilisi", "PAGE_PATHS": ["pages"]}


def fresh_html(path: Path, display: str) -> str:
    return parse_bytes(path.read_bytes(), display, new_markdown()).html


def test_parses_point_into_the_cache_after_saving_and_after_loading(tmp_path):
    files = write_columns(tmp_path / "content", 30)
    cache = tmp_path / "cache" / "parsed.pickle"
    for run in ("first", "second"):
        results = parse_files(files, cache, workers=2)
        for path, display in files:
            body = results[path].body_html
            assert type(body) is StoredHtml, f"{run} build holds the text of {display}"
            assert results[path].html == fresh_html(path, display)
    without_cache = parse_files(files[:3], None, workers=1)
    assert all(type(done.body_html) is str for done in without_cache.values())


def test_a_rewritten_shard_leaves_earlier_pointers_reading_the_old_bytes(tmp_path):
    files = write_columns(tmp_path / "content", 30)
    cache = tmp_path / "cache" / "parsed.pickle"
    before = parse_files(files, cache, workers=1)
    old_html = {path: before[path].html for path, _ in files}
    edited = files[4][0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA **new** ending.\n", encoding="utf-8")
    after = parse_files(files, cache, workers=1)  # rewrites the edited file's shard by os.replace
    assert "<strong>new</strong>" in after[edited].html
    assert all(before[path].html == old_html[path] for path, _ in files)


@pytest.mark.parametrize("damage", ["truncate", "garble"])
def test_a_damaged_shard_is_parsed_again(tmp_path, damage, caplog):
    files = write_columns(tmp_path / "content", 30)
    cache = tmp_path / "cache" / "parsed.pickle"
    parse_files(files, cache, workers=1)
    for shard in shard_files(cache):
        data = shard.read_bytes()
        shard.write_bytes(data[:-40] if damage == "truncate" else data[:20] + b"\x00" * 40 + data[60:])
    with caplog.at_level(logging.WARNING):
        results = parse_files(files, cache, workers=1)
    assert "ignoring unreadable content cache" in caplog.text
    assert all(results[path].html == fresh_html(path, display) for path, display in files)


def read_as_pelican_would(reader: ColumnReader, path: Path):
    with _linear_reading():  # what the articles generator does while it reads
        content, metadata = reader.read(str(path))
    return content, metadata


def test_reader_hands_articles_a_pointer_and_they_read_the_same_html(content_copy, tmp_path):
    cache = tmp_path / "parsed.pickle"
    parses = parse_files(content_files(content_copy), cache)
    parses = parse_files(content_files(content_copy), cache)  # loaded from the shards
    index, errors = validate_content(content_copy, TZ, parses)
    assert errors == []
    reader = ColumnReader({**SETTINGS, "PATH": str(content_copy)})
    reader.use_index(index)
    path = next(p for p in index.models if "columns" in p.parts)
    expected = index.parses[path].html
    content, metadata = read_as_pelican_would(reader, path)
    assert type(content) is HtmlFromCache and content == "" and content.stored.text() == expected
    article = ReadArticle(content, metadata, settings=SETTINGS, source_path=str(path))
    assert article._content == expected
    assert not any(isinstance(value, str) and len(value) > 200 for value in vars(article).values())
    plain = contents.Article(expected, metadata, settings=SETTINGS, source_path=str(path))
    assert article.content == plain.content
    # an edit applies on every read and is not stored as text
    article.edit_html(BlockSplice("<aside>Join us</aside>", 0))
    assert article._content == "<aside>Join us</aside>\n" + expected.lstrip("\n")
    assert article.content.startswith("<aside>Join us</aside>")
    # assigning a string replaces pointer and edits, as for a stock article
    article._content = "<p>Replaced.</p>"
    assert article._content == article.content == "<p>Replaced.</p>"
    # pages, and stock articles, get the text
    assert type(reader.read(str(path))[0]) is str


def test_a_stock_pelican_article_class_gets_text(content_copy, tmp_path):
    parses = parse_files(content_files(content_copy), tmp_path / "parsed.pickle")
    index, _ = validate_content(content_copy, TZ, parses)
    reader = ColumnReader({**SETTINGS, "PATH": str(content_copy), "TYPOGRIFY": True})
    reader.use_index(index)
    path = next(p for p in index.models if "columns" in p.parts)
    content, _ = read_as_pelican_would(reader, path)  # typogrify works on the text: no pointer
    assert type(content) is str and content == index.parses[path].html


def test_page_keys_hash_the_html_not_where_it_lies(tmp_path):
    files = write_columns(tmp_path / "content", 2)
    first = parse_files(files, tmp_path / "a" / "parsed.pickle", workers=1)
    second = parse_files(files, tmp_path / "b" / "parsed.pickle", workers=1)

    def article(done):
        made = ReadArticle(HtmlFromCache(done.body_html), {"title": "T", "slug": "t"}, settings=SETTINGS)
        return ValueHasher().digest(made)

    one, other = (files[0][0], files[1][0])
    assert first[one].body_html.file is not second[one].body_html.file
    assert article(first[one]) == article(second[one])
    assert article(first[one]) != article(first[other])


def test_built_site_articles_hold_no_html_and_empty_alt_is_still_reported(content_copy, tmp_path, caplog):
    column = next((content_copy / "columns").rglob("*.md"))
    column.write_text(column.read_text(encoding="utf-8") + "\n![](/images/missing-alt.png)\n", encoding="utf-8")
    seen = []

    def inspect(generators):
        for generator in generators:
            for item in getattr(generator, "articles", ()):
                seen.append((type(vars(item).get("_html_source")), "_content" in vars(item),
                             "<p>" in (item._content or "")))

    signals.all_generators_finalized.connect(inspect)
    try:
        with caplog.at_level(logging.WARNING):
            first = build(tmp_path / "out", content_copy, CACHE_ROOT=str(tmp_path / "cache"))
        first_report = caplog.text
        column.write_text(column.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
        second = build(tmp_path / "out", content_copy, CACHE_ROOT=str(tmp_path / "cache"))
    finally:
        signals.all_generators_finalized.disconnect(inspect)
    assert first.ok and second.ok, first.errors + second.errors
    assert seen and all(kind is StoredHtml and not held and has_text for kind, held, has_text in seen)
    assert "Empty alt attribute for image missing-alt.png" in first_report


def test_shard_files_stay_open_only_while_pointed_at(tmp_path):
    files = write_columns(tmp_path / "content", 30)
    cache = tmp_path / "cache" / "parsed.pickle"
    gc.collect()  # earlier tests' shard files close when their cycles are collected, not mid-test
    opened_before = len(os.listdir("/proc/self/fd"))
    results = parse_files(files, cache, workers=1)
    assert len(os.listdir("/proc/self/fd")) > opened_before
    del results
    assert len(os.listdir("/proc/self/fd")) == opened_before


def _open_shard_files(cache: Path) -> int:
    links = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            links.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    return sum(1 for link in links if link.startswith(str(cache)) and "parsed-" in link)


def test_repeated_builds_in_one_process_leave_no_cache_file_open(content_copy, tmp_path):
    """`invoke serve` builds again and again in one process: each build's columns (and the
    cache files they point into) must go with it, not pile up in Pelican's memos."""
    cache = tmp_path / "cache"
    column = next((content_copy / "columns").rglob("*.md"))
    for run in range(3):
        column.write_text(column.read_text(encoding="utf-8") + f"\nEdit {run}.\n", encoding="utf-8")
        result = build(tmp_path / "out", content_copy, CACHE_ROOT=str(cache))
        assert result.ok, result.errors
        gc.collect()
        assert _open_shard_files(cache) == 0, f"build {run} left content cache files open"


def test_damage_inside_the_html_is_caught_when_the_shard_loads(tmp_path, caplog):
    files = write_columns(tmp_path / "content", 30)
    cache = tmp_path / "cache" / "parsed.pickle"
    parse_files(files, cache, workers=1)
    for shard in shard_files(cache):
        data = bytearray(shard.read_bytes())
        data[-12:-2] = b"\xff" * 10  # inside the last column's HTML
        shard.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        results = parse_files(files, cache, workers=1)
    assert "ignoring unreadable content cache" in caplog.text
    assert all(results[path].html == fresh_html(path, display) for path, display in files)


def test_stored_html_copies_as_itself(tmp_path):
    files = write_columns(tmp_path / "content", 1)
    stored = parse_files(files, tmp_path / "cache" / "parsed.pickle", workers=1)[files[0][0]].body_html
    assert copy.copy(stored) is stored and copy.deepcopy(stored) is stored
    wrapped = HtmlFromCache(stored)
    assert copy.deepcopy({"content": wrapped})["content"] is wrapped


def _stored_article(tmp_path: Path, body: str, **settings) -> ReadArticle:
    path = tmp_path / "content" / "columns" / "linking.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\ntitle: Linking\ndate: 2025-03-01 09:00\nsection: politics\nauthors: [nino]\n---\n"
                    + body + "\n", encoding="utf-8")
    files, cache = [(path, "content/columns/linking.md")], tmp_path / "cache" / "parsed.pickle"
    written = parse_files(files, cache, workers=1)[path].body_html
    stored = parse_files(files, cache, workers=1)[path].body_html  # as warm builds have it: loaded
    assert type(written) is StoredHtml and written.may_link is stored.may_link
    assert type(stored) is StoredHtml
    return ReadArticle(HtmlFromCache(stored), {"title": "Linking", "slug": "linking"},
                       settings={**SETTINGS, "PATH": str(tmp_path / "content"), **settings}, source_path=str(path))


@pytest.mark.parametrize("body, may_link", [
    ("A plain paragraph with *emphasis*.", False),
    ("A picture: ![Map]({static}/images/map.png)", True),
    ("A | B in prose.", True),
    ("A set {a, b}.", True),
])
def test_stored_html_notes_whether_link_syntax_can_occur(tmp_path, body, may_link):
    assert _stored_article(tmp_path, body).__dict__["_html_source"].may_link is may_link


def test_static_links_of_plain_stored_html_are_found_without_reading_it(tmp_path, monkeypatch):
    linked = _stored_article(tmp_path / "a", "See ![Map]({static}/images/map.png) and [the list]({attach}list.csv).")
    assert linked.get_static_links() == {"images/map.png", "columns/list.csv"}
    assert linked.get_static_links() == contents.Article.get_static_links(linked)  # Pelican's answer

    plain = _stored_article(tmp_path / "b", "Nothing to link here.")
    reads: list[int] = []
    source = plain.__dict__["_html_source"]
    real_read = type(source.file).read
    monkeypatch.setattr(type(source.file), "read", lambda self, *a: reads.append(1) or real_read(self, *a))
    assert plain.get_static_links() == set() and reads == []
    # an edit, or another link syntax, could add a link: those are read and searched
    plain.edit_html(BlockSplice('<a href="{static}/images/pitch.png">pitch</a>', 0))
    assert plain.get_static_links() == {"images/pitch.png"} and reads
    custom = _stored_article(tmp_path / "c", "Nothing to link here.", INTRASITE_LINK_REGEX="@(?P<what>.*?)@")
    reads.clear()
    assert custom.get_static_links() == set() and reads

    class OwnLinkSyntax(ReadArticle):
        def _get_intrasite_link_regex(self):
            return re.compile(r'(?P<markup><a href=)"(?P<path>(?P<what>static):(?P<value>[^"]*))"')

    own = _stored_article(tmp_path / "d", "See [the map](static:images/map.png).")
    own.__class__ = OwnLinkSyntax
    assert own.__dict__["_html_source"].may_link is False
    assert own.get_static_links() == {"columns/images/map.png"}


def test_content_identity_stands_for_the_html_only_where_no_link_can_appear(tmp_path):
    from content_model.stored_html import content_identity, html_digest

    data = b"<p>One</p>\n<p>Two</p>"
    path = tmp_path / "shard"
    path.write_bytes(data + b"<p>{filename}/x.md</p>")
    from content_model.stored_html import ShardFile

    shard = ShardFile(path)
    plain = StoredHtml(shard, 0, len(data), html_digest(data), False, False)
    linking = StoredHtml(shard, len(data), 22, html_digest(b"<p>{filename}/x.md</p>"), False, True)

    def article(stored, *edits):
        made = ReadArticle(HtmlFromCache(stored), {"title": "T", "slug": "t"}, settings=SETTINGS)
        for edit in edits:
            made.edit_html(edit)
        return made

    block = BlockSplice("<aside>Join us</aside>", 10)
    base = content_identity(article(plain))
    assert base is not None and content_identity(article(plain)) == base
    with_block = content_identity(article(plain, block))
    assert with_block not in (None, base)
    assert content_identity(article(plain, BlockSplice("<aside>Join us</aside>", 11))) != with_block
    assert content_identity(article(plain, BlockSplice("<aside>Join</aside>", 10))) != with_block
    assert content_identity(article(linking)) is None, "a body that may hold a link is read"
    assert content_identity(article(plain, BlockSplice("<a href='{filename}/x.md'>x</a>", 10))) is None
    assert content_identity(article(plain, lambda html: html + "|")) is None, "an edit that says nothing"
    other_syntax = article(plain)
    other_syntax.settings = {**SETTINGS, "INTRASITE_LINK_REGEX": "[<](?P<what>.*?)[>]"}
    assert content_identity(other_syntax) is None
    plain_text = ReadArticle("<p>One</p>", {"title": "T", "slug": "t"}, settings=SETTINGS)
    assert content_identity(plain_text) is None


def test_the_reader_names_files_by_the_index_and_tells_pages_from_columns(content_copy, tmp_path, monkeypatch):
    parses = parse_files(content_files(content_copy), tmp_path / "parsed.pickle")
    index, _ = validate_content(content_copy, TZ, parses)
    reader = ColumnReader({**SETTINGS, "PATH": str(content_copy)})
    fresh = ColumnReader({**SETTINGS, "PATH": str(content_copy)})  # no index: reads the files
    reader.use_index(index)
    column = next(p for p in index.models if "columns" in p.parts)
    page = next(p for p in index.models if "pages" in p.parts)
    for path in (column, page):
        assert reader._indexed_path(str(path)) == (path, path is page)
        assert reader._indexed_path(str(path))[0] is path, "the index's own Path (its hash is known)"
        assert html_text_of(reader.read(str(path))) == html_text_of(fresh.read(str(path)))
        assert reader.read(str(path))[1] == fresh.read(str(path))[1]
    assert "section" not in reader.read(str(page))[1] and "section" in reader.read(str(column))[1]
    outside = content_copy / "pages" / "not-validated.md"
    outside.write_text("---\ntitle: Late\n---\n\nWritten after validation.\n", encoding="utf-8")
    assert reader._indexed_path(str(outside)) == (outside, True)


def html_text_of(read: tuple) -> str:
    content = read[0]
    return content.stored.text() if type(content) is HtmlFromCache else content

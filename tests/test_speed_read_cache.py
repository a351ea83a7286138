"""The content parse cache: same results as a fresh parse, edits and deletions seen, damage ignored."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import shutil
from pathlib import Path

import pytest
from content_model.parse_cache import (
    PARALLEL_MIN_FILES,
    cache_file_for,
    load_cache,
    new_markdown,
    parse_bytes,
    parse_files,
    shard_files,
)
from content_model.reader import ColumnReader
from content_model.validate import content_files, validate_content

ROOT = Path(__file__).resolve().parents[1]
TZ = dt.timezone(dt.timedelta(hours=4))


def column(title: str, body: str) -> str:
    return (f"---\ntitle: {title}\ndate: 2025-03-01 09:00\nsection: politics\nauthors: [nino]\n"
            f"tags: [budget]\n---\n{body}\n")


def write_columns(folder: Path, count: int) -> list[tuple[Path, str]]:
    files = []
    for index in range(count):
        path = folder / "columns" / f"c{index:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(column(f"Column {index}", f"Para *{index}* with a note.[^1]\n\n[^1]: Note {index}."))
        files.append((path, f"content/columns/{path.name}"))
    return files


def fresh(path: Path, display: str):
    return parse_bytes(path.read_bytes(), display, new_markdown())


def test_cached_result_equals_fresh_parse(tmp_path):
    files = write_columns(tmp_path / "content", 3)
    cache = tmp_path / "cache" / "parsed.pickle"
    first = parse_files(files, cache, workers=1)
    assert shard_files(cache)
    second = parse_files(files, cache, workers=1)
    for path, display in files:
        assert second[path] == fresh(path, display) == first[path]
        assert "<sup" in second[path].html and second[path].word_count > 0
    # the second run came from the cache: the very same objects as stored
    stored = load_cache(cache)
    assert {key[0] for key in stored} == {display for _, display in files}


def test_edited_file_is_parsed_again_and_deleted_file_dropped(tmp_path):
    files = write_columns(tmp_path / "content", 3)
    cache = tmp_path / "parsed.pickle"
    parse_files(files, cache, workers=1)
    edited, edited_display = files[1]
    edited.write_text(column("Column 1", "A **rewritten** body."))
    gone, _ = files[2]
    gone.unlink()
    remaining = files[:2]
    result = parse_files(remaining, cache, workers=1)
    assert result[edited] == fresh(edited, edited_display)
    assert "<strong>rewritten</strong>" in result[edited].html
    assert {key[0] for key in load_cache(cache)} == {display for _, display in remaining}


@pytest.mark.parametrize("damage", [b"", b"not a pickle at all", b"\x80\x05garbage",
                                    pickle.dumps({"version": "old", "entries": {}}),
                                    pickle.dumps(["wrong", "shape"])])
def test_damaged_cache_is_ignored_and_replaced(tmp_path, damage):
    files = write_columns(tmp_path / "content", 2)
    cache = tmp_path / "parsed.pickle"
    parse_files(files, cache, workers=1)
    assert shard_files(cache)
    for shard in shard_files(cache):
        shard.write_bytes(damage)
    result = parse_files(files, cache, workers=1)
    for path, display in files:
        assert result[path] == fresh(path, display)
    assert len(load_cache(cache)) == 2  # rewritten as a valid cache


def test_parallel_parse_equals_inline_parse(tmp_path):
    files = write_columns(tmp_path / "content", PARALLEL_MIN_FILES + 5)
    parallel = parse_files(files, None, workers=2)
    inline = parse_files(files, None, workers=1)
    assert parallel == inline
    # footnote numbering restarts in every file: no state leaks between files in one worker
    assert all('id="fn:1"' in result.html for result in parallel.values())


def test_cache_files_are_per_content_folder(tmp_path):
    assert cache_file_for(tmp_path, tmp_path / "a") != cache_file_for(tmp_path, tmp_path / "b")


def test_reader_reuses_validation_parse_and_sees_a_late_edit(content_copy, tmp_path):
    parses = parse_files(content_files(content_copy), tmp_path / "parsed.pickle")
    index, errors = validate_content(content_copy, TZ, parses)
    assert errors == []
    settings = {"PATH": str(content_copy), "TIMEZONE": "Asia/Tbilisi", "PAGE_PATHS": ["pages"],
                "BUILD_TIME": dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)}
    reader = ColumnReader(settings)
    plain = ColumnReader(settings)
    reader.use_index(index)
    path = next(iter(index.models))
    # same HTML and metadata as a reader that parses the file itself
    assert reader.read(str(path))[0] == plain.read(str(path))[0] == index.parses[path].html
    # edited after validation: the reader parses the new bytes instead of using the stale result
    path.write_text(path.read_text(encoding="utf-8") + "\nA late sentence.\n", encoding="utf-8")
    html, _ = reader.read(str(path))
    assert "A late sentence." in html and html != index.parses[path].html


def test_released_index_keeps_slugs_and_metadata_and_readers_still_read(content_copy, tmp_path):
    parses = parse_files(content_files(content_copy), tmp_path / "parsed.pickle")
    index, _ = validate_content(content_copy, TZ, parses)
    settings = {"PATH": str(content_copy), "TIMEZONE": "Asia/Tbilisi", "PAGE_PATHS": ["pages"],
                "BUILD_TIME": dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)}
    reader = ColumnReader(settings)
    reader.use_index(index)
    path = next(iter(index.models))
    before = reader.read(str(path))
    slugs, metas = list(index.columns), [r.meta for r in index.columns.values()]
    assert all(r.doc is not None for r in index.columns.values())
    index.release_parses()
    assert index.parses == {} and index.models == {}
    assert all(r.doc is None for r in index.columns.values())
    assert list(index.columns) == slugs and [r.meta for r in index.columns.values()] == metas
    # a reader asked again (not done by Pelican, but harmless) parses the file itself
    assert reader.read(str(path)) == before


def test_body_check_quick_pass_still_reports_each_bad_line():
    from content_model.validate import check_body

    body = ("A clean paragraph.\n\nSee <a href=\"x\" onclick=\"go()\">this</a>.\n\n"
            "And [that](  JaVa\tScRiPt:alert(1)).\n\nA closing <b>\nline</b> with data only as a word.\n")
    errors = check_body(body, 8, "content/columns/x.md")
    assert [(e.line, e.message) for e in errors] == [
        (10, "contains a <script> tag or an on...= event handler; remove it"),
        (12, "links to a script URL (javascript:, data:); use an https:// link"),
    ]
    assert check_body("Plain text about data: it is fine.\n", 8, "content/columns/x.md") == []


def test_body_problems_are_reported_from_the_cache(content_copy, tmp_path):
    bad = content_copy / "columns" / "scripted.md"
    source = next((content_copy / "columns").rglob("*.md")).read_text(encoding="utf-8")
    head, _, _ = source.partition("\n---\n")
    bad.write_text(head.replace("slug:", "old_slug:") + "\n---\nFine.\n\n<script>alert(1)</script>\n",
                   encoding="utf-8")
    cache = tmp_path / "parsed.pickle"
    first = parse_files(content_files(content_copy), cache)
    again = parse_files(content_files(content_copy), cache)
    assert again[bad] == first[bad] and again[bad].parsed.body == ""  # the body itself is not kept
    body_line = head.count("\n") + 3
    for parses in (first, again, None):
        _, errors = validate_content(content_copy, TZ, parses)
        found = [e for e in errors if e.field == "body"]
        assert [(e.path, e.line, e.message) for e in found] == [
            ("content/columns/scripted.md", body_line + 2,
             "contains a <script> tag or an on...= event handler; remove it")]


def test_caches_of_deleted_content_folders_are_removed(tmp_path):
    from content_model.parse_cache import content_cache_file

    cache_dir = tmp_path / "cache"
    kept, gone = tmp_path / "site" / "content", tmp_path / "copy" / "content"
    kept.mkdir(parents=True)
    gone.mkdir(parents=True)
    kept_files = write_columns(kept, 1)
    gone_file = content_cache_file(cache_dir, gone)
    gone_files = write_columns(gone, 1)
    parse_files(gone_files, gone_file, workers=1, stamps={path: (1, 2) for path, _ in gone_files})
    assert shard_files(gone_file) and gone_file.with_suffix(".stamps").is_file()
    shutil.rmtree(gone)
    kept_file = content_cache_file(cache_dir, kept)
    parse_files(kept_files, kept_file, workers=1)
    assert sorted(p.name for p in cache_dir.iterdir()) == sorted(
        [p.name for p in shard_files(kept_file)] + [kept_file.with_suffix(".source").name])
    assert all(p.name.startswith(kept_file.stem) for p in cache_dir.iterdir())


def test_one_edit_rewrites_one_shard(tmp_path):
    files = write_columns(tmp_path / "content", 40)
    cache = tmp_path / "parsed.pickle"
    parse_files(files, cache, workers=1)
    stamps = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in shard_files(cache)}  # replaced = new inode
    assert len(stamps) > 1
    path, _ = files[7]
    path.write_text(column("Column 7", "Changed."), encoding="utf-8")
    parse_files(files, cache, workers=1)
    changed = [p for p in shard_files(cache) if (p.stat().st_ino, p.stat().st_mtime_ns) != stamps.get(p)]
    assert len(changed) == 1
    parse_files(files, cache, workers=1)  # nothing changed: nothing written
    assert [p for p in shard_files(cache) if (p.stat().st_ino, p.stat().st_mtime_ns) != stamps.get(p)] == changed


def test_checks_cached_with_the_parse_give_the_same_errors_and_models(content_copy, tmp_path):
    from content_model.validate import FileChecker

    bad = content_copy / "columns" / "broken.md"
    bad.write_text("---\ntitle: ''\ndate: soon\nsection: politics\nauthors: [nobody]\n"
                   "related: [broken]\nlink: javascript:alert(1)\n---\nText.\n", encoding="utf-8")
    files = content_files(content_copy)
    cache = tmp_path / "parsed.pickle"
    fresh_index, fresh_errors = validate_content(content_copy, TZ)
    for _ in range(2):  # parsed and checked, then both from the cache
        parses = parse_files(files, cache, checker=FileChecker(TZ))
        assert all(done.checked is not None for done in parses.values())
        index, errors = validate_content(content_copy, TZ, parses, files)
        assert sorted(errors) == sorted(fresh_errors) and any(e.path.endswith("broken.md") for e in errors)
        assert index.models == fresh_index.models and list(index.columns) == list(fresh_index.columns)
    # checked in another time zone: not used, checked again
    other = dt.timezone(dt.timedelta(hours=-5))
    parses = parse_files(files, cache, checker=FileChecker(other))
    again, _ = validate_content(content_copy, other, parses, files)
    assert again.models == validate_content(content_copy, other)[0].models


def test_a_cached_document_is_unpacked_only_when_read_and_stays_equal():
    from content_model.frontmatter import parse_yaml

    doc, errors = parse_yaml("title: A\ndate: 2025-03-01 09:00\nrelated:\n  - one\n  - two\n", "x.md", 1)
    assert errors == []
    stored = pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)
    loaded = pickle.loads(stored)
    assert loaded._packed is not None  # nothing unpacked by loading it
    assert pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL) == stored  # nor by storing it again
    assert loaded._packed is not None
    assert loaded.line_of(("related", 1)) == doc.line_of(("related", 1)) == 6
    assert loaded._packed is None
    assert loaded == doc and loaded.data == doc.data == {
        "title": "A", "date": "2025-03-01 09:00", "related": ["one", "two"]}
    assert loaded.lines == doc.lines and loaded.first_line == doc.first_line == 2
    assert pickle.loads(pickle.dumps(loaded)) == doc


def test_reader_takes_an_unwritten_file_as_validated_and_still_sees_a_late_edit(content_copy, tmp_path,
                                                                               monkeypatch):
    import content_model.validate as validate
    from content_model.validate import file_stamp

    monkeypatch.setattr(validate, "_SETTLED_NS", 0)  # the copy was just made: count it as settled
    files = content_files(content_copy)
    stamps = {path: file_stamp(path) for path, _ in files}  # as validate_site takes them
    parses = parse_files(files, tmp_path / "parsed.pickle")
    index, errors = validate_content(content_copy, TZ, parses)
    assert errors == []
    index.stamps = stamps
    settings = {"PATH": str(content_copy), "TIMEZONE": "Asia/Tbilisi", "PAGE_PATHS": ["pages"],
                "BUILD_TIME": dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)}
    reader = ColumnReader(settings)
    reader.use_index(index)
    path = next(iter(index.models))
    expected = ColumnReader(settings).read(str(path))
    read = []
    real = Path.read_bytes

    def counting(self):
        read.append(self)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    assert reader.read(str(path)) == expected
    assert read == []  # neither read nor hashed again
    path.write_text(path.read_text(encoding="utf-8") + "\nA late sentence.\n", encoding="utf-8")
    html, _ = reader.read(str(path))
    assert "A late sentence." in html and read == [path]


def test_a_file_written_moments_ago_or_with_its_time_restored_is_not_trusted_by_its_stamp(tmp_path):
    import os

    from content_model.validate import file_stamp

    path = tmp_path / "column.md"
    path.write_text("one", encoding="utf-8")
    assert file_stamp(path) is None  # written within the last two seconds: could change unseen
    old = path.stat().st_mtime_ns - 10_000_000_000
    os.utime(path, ns=(old, old))
    stamp_of = {}
    import content_model.validate as validate

    saved, validate._SETTLED_NS = validate._SETTLED_NS, 0
    try:
        stamp_of["before"] = file_stamp(path)
        path.write_text("two", encoding="utf-8")  # same size, then the time put back, as cp -p does
        os.utime(path, ns=(old, old))
        stamp_of["after"] = file_stamp(path)
    finally:
        validate._SETTLED_NS = saved
    assert stamp_of["before"] is not None and stamp_of["after"] != stamp_of["before"]  # the change time moved


def test_a_file_with_the_stamp_noted_last_time_is_not_read_again(tmp_path, monkeypatch):
    files = write_columns(tmp_path / "content", 4)
    cache = tmp_path / "parsed.pickle"
    stamps = {path: ("stamp", index) for index, (path, _) in enumerate(files)}
    first = parse_files(files, cache, workers=1, stamps=stamps)
    read: set[Path] = set()
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.add(self) or real(self))

    # unchanged stamps: taken from the cache without reading a file
    assert parse_files(files, cache, workers=1, stamps=stamps) == first
    assert read == set()
    # a file whose stamp changed, or has none now, is read; so is every file without stamps
    edited, edited_display = files[1]
    edited.write_text(column("Column 1", "A **rewritten** body."))
    stamps[edited] = ("stamp", "after the edit")
    stamps[files[2][0]] = None
    again = parse_files(files, cache, workers=1, stamps=stamps)
    assert read == {edited, files[2][0]}
    assert "<strong>rewritten</strong>" in again[edited].html and again[edited] == fresh(edited, edited_display)
    read.clear()
    assert parse_files(files, cache, workers=1) == again and read == {path for path, _ in files}
    # the edit's new stamp was noted with the digest of what was parsed
    read.clear()
    assert parse_files(files, cache, workers=1, stamps=stamps) == again and read == {files[2][0]}


def test_a_noted_stamp_without_its_parse_in_the_cache_means_parsing_the_file(tmp_path):
    files = write_columns(tmp_path / "content", 2)
    cache = tmp_path / "parsed.pickle"
    stamps = {path: ("stamp", index) for index, (path, _) in enumerate(files)}
    parse_files(files, cache, workers=1, stamps=stamps)
    for shard in shard_files(cache):
        shard.write_bytes(b"damaged")
    edited, display = files[0]
    edited.write_text(column("Column 0", "Written while the cache was lost."))  # with the same stamp
    result = parse_files(files, cache, workers=1, stamps=stamps)
    assert "Written while the cache was lost." in result[edited].html
    cache.with_suffix(".stamps").write_bytes(b"not a pickle")
    assert parse_files(files, cache, workers=1, stamps=stamps)[edited] == fresh(edited, display)


@pytest.mark.parametrize("checked_apart", [True, False])
def test_a_shard_whose_html_lost_a_bit_is_not_used(tmp_path, monkeypatch, caplog, checked_apart):
    # the checksums over the HTML, worked out in a child for a large cache, here for any
    from content_model import parse_cache

    monkeypatch.setattr(parse_cache, "_CHECK_APART_BYTES", 0 if checked_apart else 1 << 60)
    started, checked_here = [], []
    real_start, real_check = parse_cache.start_in_fork, parse_cache._shards_intact
    monkeypatch.setattr(parse_cache, "start_in_fork", lambda work: started.append(1) or real_start(work))
    # (a child's calls are not seen here: only this process's own checks are counted)
    monkeypatch.setattr(parse_cache, "_shards_intact", lambda shards: checked_here.append(1) or real_check(shards))
    files = write_columns(tmp_path / "content", 40)
    cache = tmp_path / "parsed.pickle"
    parse_files(files, cache, workers=1)
    shards = shard_files(cache)
    assert len(shards) > 2 and len(load_cache(cache)) == 40
    damaged = shards[1]
    data = bytearray(damaged.read_bytes())
    data[-3] ^= 0x20  # in the HTML, at the end of the file: same length, same header
    damaged.write_bytes(bytes(data))
    with caplog.at_level("WARNING"):
        kept = load_cache(cache)
    assert "does not match its checksum" in caplog.text and str(damaged) in caplog.text
    assert 0 < len(kept) < 40
    assert bool(started) is checked_apart and checked_here == []  # the child's answer was used
    result = parse_files(files, cache, workers=1)  # the lost columns are parsed again
    for path, display in files:
        assert result[path] == fresh(path, display)


def test_a_shard_header_no_read_can_follow_costs_the_cache_never_the_build(tmp_path, monkeypatch):
    from content_model import parse_cache

    files, cache = _cache_checked_apart(tmp_path, monkeypatch)
    damaged = shard_files(cache)[0]
    data = bytearray(damaged.read_bytes())
    start = len(parse_cache._SHARD_MAGIC)
    data[start:start + 8] = b"\xff" * 8  # the pickle's length: near 2**64
    damaged.write_bytes(bytes(data))
    assert 0 < len(load_cache(cache)) < 40
    result = parse_files(files, cache, workers=1)
    assert all(result[path] == fresh(path, display) for path, display in files)


def _cache_checked_apart(tmp_path: Path, monkeypatch) -> tuple[list[tuple[Path, str]], Path]:
    """A cache of 40 columns whose checksums a child works out, however small it is."""
    from content_model import parse_cache

    monkeypatch.setattr(parse_cache, "_CHECK_APART_BYTES", 0)
    files = write_columns(tmp_path / "content", 40)
    cache = tmp_path / "parsed.pickle"
    parse_files(files, cache, workers=1)
    return files, cache


def test_the_checksums_are_of_the_files_loaded(tmp_path, monkeypatch):
    # a shard replaced after the child was started is not the one loaded
    from content_model import parse_cache

    files, cache = _cache_checked_apart(tmp_path, monkeypatch)
    shard = shard_files(cache)[1]
    bad = bytearray(shard.read_bytes())
    bad[-3] ^= 0x20
    real_start = parse_cache.start_in_fork

    def start_then_replace(work):
        child = real_start(work)
        shard.with_name("swap").write_bytes(bytes(bad))
        os.replace(shard.with_name("swap"), shard)
        return child

    monkeypatch.setattr(parse_cache, "start_in_fork", start_then_replace)
    kept = load_cache(cache)
    # loaded and checked: the one file as it was when opened, whole; never the damaged one unchecked
    fresh_html = {display: fresh(path, display).html for path, display in files}
    assert len(kept) == 40 and all(entry.html == fresh_html[display] for (display, _), entry in kept.items())

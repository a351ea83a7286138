"""Analytics files read by the last build, and unchanged since, are not read again (reads.py):
the same tally, reports and provenance as reading them, credited to this build's columns."""

from __future__ import annotations

import gzip
import logging
import shutil
from pathlib import Path

import pytest
from content_model import validate
from popular import ingest as ing
from popular.reads import AnalyticsReads
from popular.urls import column_paths
from test_popular_ingest import FIXTURES, WINDOW, _paths


@pytest.fixture(autouse=True)
def settled_at_once(monkeypatch):
    monkeypatch.setattr(validate, "_SETTLED_NS", 0)  # files copied a moment ago count as settled


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    analytics = tmp_path / "data" / "analytics"
    analytics.mkdir(parents=True)
    for source in FIXTURES.iterdir():  # every tool's export
        shutil.copy(source, analytics / source.name)
    with gzip.open(analytics / "access-rotated.log.gz", "wb") as packed:
        packed.write((FIXTURES / "access.log").read_bytes())
    (analytics / "broken.csv").write_text("what,is,this\n1,2\n")  # a format no tool writes
    return analytics


def _as_read(tally: ing.Tally) -> tuple:
    return (dict(tally.views), dict(tally.unknown_paths), [s.as_dict() for s in tally.sources])


def _ingest(folder: Path, cache: Path, paths=None, window=WINDOW) -> tuple[ing.Tally, AnalyticsReads]:
    reads = AnalyticsReads.for_folder(str(cache), folder, window)
    tally = ing.ingest(folder, paths or _paths(), window, reads=reads)
    reads.save()
    return tally, reads


def test_unchanged_files_are_not_read_again_and_count_the_same(folder, tmp_path):
    plain = _as_read(ing.ingest(folder, _paths(), WINDOW))
    assert {source["format"] for source in plain[2]} == {"plausible", "goatcounter", "umami", "ga4", "access_log",
                                                          "unknown"}
    assert plain[0] and plain[1]  # views counted, and paths not known
    first, reads = _ingest(folder, tmp_path / "cache")
    assert reads.files_read == len(plain[2])
    again, reads = _ingest(folder, tmp_path / "cache")
    assert reads.files_read == 0
    assert _as_read(first) == _as_read(again) == plain


def test_views_go_to_the_columns_of_this_build(folder, tmp_path):
    # what is kept is each path as written: a column published since gets its views
    fewer = column_paths([("alpha", "columns/alpha/", [])])
    before, _ = _ingest(folder, tmp_path / "cache", fewer)
    assert "beta" not in before.views and before.unknown_paths["/columns/beta"] > 0
    after, reads = _ingest(folder, tmp_path / "cache")
    assert reads.files_read == 0
    assert _as_read(after) == _as_read(ing.ingest(folder, _paths(), WINDOW))
    assert after.views["beta"] > 0


def test_a_changed_file_is_read_again_and_a_removed_one_forgotten(folder, tmp_path):
    _ingest(folder, tmp_path / "cache")
    log = folder / "access.log"
    log.write_text(log.read_text() + log.read_text().splitlines(keepends=True)[0])
    (folder / "ga4-daily.csv").unlink()
    tally, reads = _ingest(folder, tmp_path / "cache")
    assert reads.files_read == 1
    assert _as_read(tally) == _as_read(ing.ingest(folder, _paths(), WINDOW))
    assert "data/analytics/ga4-daily.csv" not in reads._used


def test_a_file_still_being_written_is_read_every_time(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(validate, "_SETTLED_NS", 10**18)  # every file was written "just now"
    _ingest(folder, tmp_path / "cache")
    _tally, reads = _ingest(folder, tmp_path / "cache")
    assert reads.files_read == len(list(folder.iterdir()))


def test_another_window_reads_again(folder, tmp_path):
    _ingest(folder, tmp_path / "cache")
    later = ing.Window(WINDOW.start + (WINDOW.end - WINDOW.start) / 7, WINDOW.end + (WINDOW.end - WINDOW.start) / 7)
    tally, reads = _ingest(folder, tmp_path / "cache", window=later)
    assert reads.files_read == len(list(folder.iterdir()))
    assert _as_read(tally) == _as_read(ing.ingest(folder, _paths(), later))


def test_damaged_memo_or_entry_costs_a_reading(folder, tmp_path, caplog):
    _ingest(folder, tmp_path / "cache")
    memo = next((tmp_path / "cache" / "popular").glob("reads-*.memo"))
    reads = AnalyticsReads.for_folder(str(tmp_path / "cache"), folder, WINDOW)
    name = "data/analytics/access.log"
    stamp, state, _credits = reads._kept[name]
    reads._kept[name] = (stamp, state, {"/columns/alpha/": ["7", 1]})  # views not a number
    umami = "data/analytics/umami-pages-20261113-20261119.csv"
    reads._kept[umami] = (reads._kept[umami][0], ("not", "a report"), {})
    tally = ing.ingest(folder, _paths(), WINDOW, reads=reads)
    assert reads.files_read == 2
    assert _as_read(tally) == _as_read(ing.ingest(folder, _paths(), WINDOW))
    memo.write_bytes(memo.read_bytes()[:40])
    with caplog.at_level(logging.WARNING):
        tally, reads = _ingest(folder, tmp_path / "cache")
    assert reads.files_read == len(list(folder.iterdir()))
    assert "ignoring unreadable" in caplog.text
    assert _as_read(tally) == _as_read(ing.ingest(folder, _paths(), WINDOW))


def test_readings_of_another_folder_are_refused(folder, tmp_path):
    reads = AnalyticsReads.for_folder(str(tmp_path / "cache"), tmp_path, WINDOW)
    with pytest.raises(ValueError, match="another folder"):
        ing.ingest(folder, _paths(), WINDOW, reads=reads)


def test_without_a_cache_folder_every_file_is_read(folder):
    reads = AnalyticsReads.for_folder(None, folder, WINDOW)
    ing.ingest(folder, _paths(), WINDOW, reads=reads)
    reads.save()
    assert reads.files_read == len(list(folder.iterdir()))
    assert reads.file is None


def test_other_reading_code_reads_again(folder, tmp_path, monkeypatch):
    # the key holds the plugin's code: a new reader never takes an old reading
    from popular import reads as reads_module

    _ingest(folder, tmp_path / "cache")
    monkeypatch.setattr(reads_module, "_code_key", lambda: "another reader")
    _tally, reads = _ingest(folder, tmp_path / "cache")
    assert reads.files_read == len(list(folder.iterdir()))

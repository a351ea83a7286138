"""Analytics ingestion: each tool's export, window edges, garbage and broken files."""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from popular import ingest as ing
from popular.urls import column_paths

FIXTURES = Path(__file__).parent / "fixtures" / "analytics"
TZ = ZoneInfo("Asia/Tbilisi")
REFERENCE = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
WINDOW = ing.window_before(REFERENCE, 7, TZ)


def _paths():
    return column_paths(
        [("alpha", "columns/alpha/", []), ("beta", "columns/beta/", []),
         ("gamma", "columns/gamma/", ["renamed-old-name"])],
        [("draft-column", "columns/draft-column/")],
    )


def read(name: str, tmp_path: Path, text: str | None = None, forced: str = "auto"):
    target = tmp_path / name
    if text is None:
        shutil.copy(FIXTURES / name, target)
    else:
        target.write_text(text, encoding="utf-8")
    tally = ing.Tally()
    report = ing.read_source(target, f"data/analytics/{name}", _paths(), WINDOW, tally, forced)
    return tally, report


def test_window_is_the_complete_days_before_the_reference_day_in_site_time():
    assert WINDOW.start == dt.datetime(2026, 11, 13, tzinfo=TZ)
    assert WINDOW.end == dt.datetime(2026, 11, 20, tzinfo=TZ)
    assert (WINDOW.first_day, WINDOW.last_day) == (dt.date(2026, 11, 13), dt.date(2026, 11, 19))


def test_plausible_pages_export(tmp_path):
    tally, report = read("plausible-pages-2026-11-13-to-2026-11-19.csv", tmp_path)
    assert report.format == "plausible"
    assert report.metric == "pageviews"
    assert dict(tally.views) == {"alpha": 150, "beta": 90, "gamma": 40}
    assert report.period.startswith("2026-11-13 to 2026-11-19")
    assert report.skipped == {ing.MALFORMED: 1, ing.UNPUBLISHED: 1, ing.UNKNOWN: 1}
    assert tally.unknown_paths == {"/": 400}


def test_aggregate_export_whose_period_is_outside_the_window_counts_nothing(tmp_path):
    text = (FIXTURES / "plausible-pages-2026-11-13-to-2026-11-19.csv").read_text()
    tally, report = read("plausible-pages-2026-10-01-to-2026-10-07.csv", tmp_path, text)
    assert not tally.views
    assert report.skipped[ing.PERIOD_OUTSIDE] == 5


def test_aggregate_export_without_a_period_is_taken_to_cover_the_window(tmp_path):
    tally, report = read("pages.csv", tmp_path, "x,y\n/columns/alpha/,3\n")
    assert report.format == "umami"
    assert tally.views == {"alpha": 3}
    assert report.period == "not stated"
    assert "taken to cover the window" in report.notes[0]


def test_goatcounter_export_counts_dated_pageviews_only(tmp_path):
    tally, report = read("goatcounter-export.csv", tmp_path)
    assert report.format == "goatcounter"
    assert dict(tally.views) == {"alpha": 2, "beta": 1}
    assert report.skipped == {ing.BOT: 1, ing.EVENT: 1, ing.OUTSIDE: 1, ing.ODD_DATE: 1}
    assert report.rows_read == 7


def test_goatcounter_export_gzipped_as_the_tool_delivers_it(tmp_path):
    raw = (FIXTURES / "goatcounter-export.csv").read_bytes()
    (tmp_path / "export.csv.gz").write_bytes(gzip.compress(raw))
    tally = ing.Tally()
    report = ing.read_source(tmp_path / "export.csv.gz", "x", _paths(), WINDOW, tally)
    assert report.format == "goatcounter"
    assert dict(tally.views) == {"alpha": 2, "beta": 1}


def test_umami_pages_metrics_with_alias_of_a_renamed_column(tmp_path):
    tally, report = read("umami-pages-20261113-20261119.csv", tmp_path)
    assert report.format == "umami"
    assert dict(tally.views) == {"gamma": 85, "alpha": 20}
    assert tally.unknown_paths == {"/about": 9}


def test_ga4_pages_and_screens_with_comment_preamble(tmp_path):
    tally, report = read("ga4-pages-and-screens.csv", tmp_path)
    assert report.format == "ga4"
    assert report.period.startswith("2026-11-13 to 2026-11-19 (from the # header)")
    assert dict(tally.views) == {"beta": 1250, "alpha": 640}
    assert tally.unknown_paths == {"/columns/кто-слушает": 12, "/search": 44}


def test_ga4_daily_rows_are_filtered_by_date(tmp_path):
    tally, report = read("ga4-daily.csv", tmp_path)
    assert dict(tally.views) == {"alpha": 10, "beta": 7}
    assert report.skipped == {ing.OUTSIDE: 2, ing.ODD_DATE: 1}


def test_ga4_odd_date_in_preamble_is_reported_and_file_still_read(tmp_path):
    text = "# Start date: 13 November\n# End date: 20261119\nPage path and screen class,Views\n/columns/alpha/,5\n"
    tally, report = read("ga4.csv", tmp_path, text)
    assert tally.views == {"alpha": 5}
    assert report.skipped[ing.ODD_DATE] == 1
    assert "'start date: 13 November' in the header is not a date" in report.notes


def test_access_log_counts_successful_page_gets_by_readers_inside_the_window(tmp_path):
    tally, report = read("access.log", tmp_path)
    assert report.format == "access_log"
    assert dict(tally.views) == {"alpha": 1, "beta": 2, "gamma": 1}
    assert report.skipped == {
        ing.OUTSIDE: 2, ing.BOT: 1, ing.NOT_GET: 1, ing.NOT_OK: 1, ing.NOT_PAGE: 1,
        ing.UNKNOWN: 1, ing.ODD_DATE: 2, ing.MALFORMED: 1,
    }
    assert report.rows_read == 14


def test_access_log_window_edges_to_the_second_with_a_half_hour_offset(tmp_path):
    line = '1.2.3.4 - - [{}] "GET /columns/alpha/ HTTP/1.1" 200 1 "-" "Mozilla/5.0 Firefox"\n'
    # window starts 12 Nov 20:00 UTC = 13 Nov 01:30 +0530; ends 19 Nov 20:00 UTC
    stamps = ["13/Nov/2026:01:29:59 +0530", "13/Nov/2026:01:30:00 +0530",
              "20/Nov/2026:01:29:59 +0530", "20/Nov/2026:01:30:00 +0530"]
    tally, report = read("edge.log", tmp_path, "".join(line.format(s) for s in stamps))
    assert tally.views == {"alpha": 2}
    assert report.skipped == {ing.OUTSIDE: 2}


def test_truncated_gzip_keeps_rows_before_the_break_and_says_so(tmp_path):
    line = '1.2.3.4 - - [15/Nov/2026:10:{:02d}:{:02d} +0400] "GET /columns/beta/ HTTP/1.1" 200 1 "-" "Firefox"\n'
    body = "".join(line.format(i // 60, i % 60) for i in range(2000)).encode()
    packed = gzip.compress(body)
    (tmp_path / "access.log.gz").write_bytes(packed[: len(packed) // 2])
    tally = ing.Tally()
    report = ing.read_source(tmp_path / "access.log.gz", "x", _paths(), WINDOW, tally)
    assert report.skipped[ing.TRUNCATED] == 1
    assert "rows before it were kept" in report.notes[0]
    assert 0 < tally.views["beta"] < 2000


def test_file_that_is_not_gzip_at_all(tmp_path):
    (tmp_path / "access.log.gz").write_bytes(b"plain text, not gzip\n")
    tally = ing.Tally()
    report = ing.read_source(tmp_path / "access.log.gz", "x", _paths(), WINDOW, tally)
    assert report.skipped == {ing.TRUNCATED: 1}
    assert not tally.views


def test_unknown_format_is_counted_not_fatal(tmp_path):
    _tally, report = read("notes.csv", tmp_path, "when,who,what\n1,2,3\n4,5,6\n")
    assert report.format == "unknown"
    assert report.skipped == {"unknown format": 3}
    assert "format not recognised" in report.notes[0]


def test_format_named_in_settings_overrides_detection(tmp_path):
    tally, report = read("export.txt", tmp_path, "x,y\n/columns/beta/,4\n", forced="plausible")
    assert report.format == "plausible"
    assert report.notes == ["a needed column (page path, views) is missing"]
    assert not tally.views


@pytest.mark.parametrize(("header", "expected"), [
    ('"2,Path",Title,Event,UserAgent,Browser,System,Session,Bot,Referrer,Referrer scheme,'
     'Screen size,Location,FirstVisit,Date', "goatcounter"),
    ("name,visitors,pageviews,bounce_rate,time_on_page", "plausible"),
    ("x,y", "umami"),
    ("Page path and screen class,Views,Active users", "ga4"),
    ('1.2.3.4 - - [15/Nov/2026:10:00:00 +0400] "GET / HTTP/1.1" 200 1 "-" "UA"', "access_log"),
    ("date,clicks", None),
])
def test_detect_format(header, expected):
    assert ing.detect_format(header, []) == expected


def test_ingest_reads_every_file_in_the_folder_and_adds_them_up(tmp_path):
    for name in ("plausible-pages-2026-11-13-to-2026-11-19.csv", "access.log", "ga4-daily.csv"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    (tmp_path / "README.md").write_text("notes for editors")
    tally = ing.ingest(tmp_path, _paths(), WINDOW)
    assert [s.format for s in tally.sources] == ["access_log", "ga4", "plausible"]
    assert dict(tally.views) == {"alpha": 150 + 1 + 10, "beta": 90 + 2 + 7, "gamma": 40 + 1}

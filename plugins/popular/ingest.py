"""Read analytics exports and server logs into per-column view counts.

Pure functions over files: nothing here knows about Pelican. Bad input is counted by
reason, never raised: a broken export must not stop the newsroom from publishing.

Formats (column layouts as the tools write them):
- Plausible "pages.csv" (inside the dashboard's export zip): name,visitors,pageviews,
  bounce_rate,time_on_page[,scroll_depth]; one row per page for the export's period.
- GoatCounter CSV export (often .csv.gz): header `"2,Path",Title,Event,UserAgent,Browser,
  System,Session,Bot,Referrer,Referrer scheme,Screen size,Location,FirstVisit,Date`;
  one row per pageview with an RFC 3339 Date; Event=true rows and Bot!=0 rows are not views.
- Umami export "pages.csv": x,y (x = URL path, y = unique visitors) for the export's period.
- GA4 "Pages and screens" CSV: `#` comment preamble with `# Start date: YYYYMMDD` and
  `# End date: YYYYMMDD`, then `Page path and screen class,Views,Active users,...`
  (optionally with a Date column YYYYMMDD when added as a dimension).
- Combined Log Format access logs (nginx/Apache), plain or .gz.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import gzip
import itertools
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .urls import ColumnPaths, is_page_path

if TYPE_CHECKING:
    from .reads import AnalyticsReads

# reasons a row is not counted (shown in the build log and provenance file)
MALFORMED = "malformed row"
NOT_GET = "not a GET request"
NOT_OK = "not a successful response (2xx)"
BOT = "bot user agent"
ODD_DATE = "date not understood"
OUTSIDE = "outside the window"
NOT_PAGE = "not a page (asset or feed)"
UNPUBLISHED = "draft or scheduled column"
UNKNOWN = "path is not a published column"
EVENT = "event, not a pageview"
PERIOD_OUTSIDE = "export period outside the window"
TRUNCATED = "file truncated or corrupt (gzip)"
BELOW_MIN = "below minimum views"

_CLF = re.compile(
    r'\S+ \S+ \S+ \[([^\]]*)\] "(\S+) (\S+)[^"]*" (\d{3}) \S+(?: "[^"]*" "([^"]*)")?'
)
_MONTHS = {m: i for i, m in enumerate(calendar.month_abbr) if m}
# Substrings (lower case) of user agents that are crawlers, monitors or scripts, not readers.
BOT_MARKERS = (
    "bot", "crawl", "spider", "slurp", "curl/", "wget/", "python-requests", "python-urllib",
    "httpclient", "go-http-client", "okhttp", "headless", "lighthouse", "pingdom", "uptime",
    "monitor", "facebookexternalhit", "preview", "scrapy", "feedfetcher", "java/", "libwww",
)
_PERIOD_IN_NAME = re.compile(r"(\d{4}-?\d{2}-?\d{2})\D+?(\d{4}-?\d{2}-?\d{2})")


@dataclass(frozen=True)
class Window:
    """Half-open [start, end) in aware datetimes; days are the complete days inside it."""

    start: dt.datetime
    end: dt.datetime

    @property
    def first_day(self) -> dt.date:
        return self.start.date()

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(microseconds=1)).date()

    def has_day(self, day: dt.date) -> bool:
        return self.first_day <= day <= self.last_day


def window_before(reference: dt.datetime, days: int, tz: dt.tzinfo) -> Window:
    """The `days` complete days before the reference day, midnight to midnight in `tz`.

    Whole days, so daily rows (GA4, Plausible) and timestamped hits (logs) agree on the edges.
    """
    local_day = reference.astimezone(tz).date()
    end = dt.datetime.combine(local_day, dt.time(), tz)
    start = dt.datetime.combine(local_day - dt.timedelta(days=days), dt.time(), tz)
    return Window(start, end)


@dataclass
class SourceReport:
    file: str
    format: str
    metric: str = ""
    period: str = ""
    rows_read: int = 0
    rows_counted: int = 0
    views_counted: int = 0
    skipped: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "file": self.file, "format": self.format, "metric": self.metric,
            "period": self.period, "rows_read": self.rows_read, "rows_counted": self.rows_counted,
            "views_counted": self.views_counted, "rows_skipped": dict(sorted(self.skipped.items())),
            "notes": self.notes,
        }


@dataclass
class Tally:
    views: Counter = field(default_factory=Counter)  # slug -> views
    unknown_paths: Counter = field(default_factory=Counter)  # canonical path -> views
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(s.rows_read for s in self.sources)

    @property
    def rows_skipped(self) -> Counter:
        total: Counter = Counter()
        for source in self.sources:
            total.update(source.skipped)
        return total


class _Credit:
    """Credits views of one source to columns; classifies paths once each (cached)."""

    def __init__(self, paths: ColumnPaths, tally: Tally, report: SourceReport):
        self.paths, self.tally, self.report = paths, tally, report
        self.cache: dict[str, tuple[str, str]] = {}

    def classify(self, raw: str) -> tuple[str, str]:
        found = self.cache.get(raw)
        if found is None:
            slug, path = self.paths.lookup(raw)
            if slug is not None:
                found = ("column", slug)
            elif path is None:
                found = ("skip", MALFORMED)
            elif not is_page_path(path):
                found = ("skip", NOT_PAGE)
            elif path in self.paths.unpublished:
                found = ("skip", UNPUBLISHED)
            else:
                found = ("unknown", path)
            self.cache[raw] = found
        return found

    def add(self, raw: str, views: int, rows: int = 1) -> None:
        """Credit `views` read from `rows` rows (a log tallies many lines per path at once)."""
        kind, value = self.classify(raw)
        if kind == "column":
            self.tally.views[value] += views
            self.report.rows_counted += rows
            self.report.views_counted += views
        elif kind == "unknown":
            self.tally.unknown_paths[value] += views
            self.report.skipped[UNKNOWN] += rows
        else:
            self.report.skipped[value] += rows


def is_bot(user_agent: str) -> bool:
    agent = user_agent.lower()
    return not agent or agent == "-" or any(marker in agent for marker in BOT_MARKERS)


def _clf_hour(stamp: str) -> int | None:
    """Epoch seconds of the hour in `10/Oct/2026:13:55:36 +0400`, or None if not a date."""
    try:
        day, month, year, hour = int(stamp[0:2]), _MONTHS[stamp[3:6]], int(stamp[7:11]), int(stamp[12:14])
        sign, off_h, off_m = stamp[21], int(stamp[22:24]), int(stamp[24:26])
        if len(stamp) != 26 or sign not in "+-" or stamp[2] != "/" or stamp[11] != ":":
            return None
        dt.date(year, month, day)  # rejects 31/Feb
        if not 0 <= hour < 24:
            return None
    except (ValueError, KeyError, IndexError):
        return None
    offset = (off_h * 3600 + off_m * 60) * (1 if sign == "+" else -1)
    return calendar.timegm((year, month, day, hour, 0, 0)) - offset


_IN, _PARTIAL = "in", "partial"


def _request_verdict(method: str, status: str, agent: str) -> str | None:
    if method != "GET":
        return NOT_GET
    if status[0] != "2":
        return NOT_OK
    if is_bot(agent or ""):
        return BOT
    return None


def _hour_place(stamp: str, start: float, end: float) -> str:
    """Where the hour of `stamp` lies: wholly in the window, wholly out, or across an edge."""
    hour = _clf_hour(stamp)
    if hour is None:
        return ODD_DATE
    if start <= hour and hour + 3600 <= end:
        return _IN
    if hour + 3600 <= start or hour >= end:
        return OUTSIDE
    return _PARTIAL


def read_access_log(lines: Iterable[str], report: SourceReport, credit: _Credit | Credits, window: Window) -> None:
    """Combined Log Format: count successful GETs of pages by readers, inside the window.

    Built for millions of lines: decisions are cached per (method, status, user agent) and
    per hour of timestamp, and paths are tallied raw and mapped to columns once each.
    """
    start, end = window.start.timestamp(), window.end.timestamp()
    match = _CLF.match
    hours: dict[str, str] = {}
    verdicts: dict[tuple, str | None] = {}
    targets: dict[str, int] = {}
    skipped = report.skipped
    report.metric = "page views (log lines)"
    read = 0
    try:
        for line in lines:
            found = match(line)
            if found is None:
                if line.strip():
                    read += 1
                    skipped[MALFORMED] += 1
                continue
            read += 1
            stamp, method, target, status, agent = found.groups()
            request = (method, status, agent)
            verdict = verdicts.get(request, _IN)
            if verdict is _IN:
                verdict = verdicts[request] = _request_verdict(method, status, agent)
            if verdict is not None:
                skipped[verdict] += 1
                continue
            key = stamp[:14] + stamp[20:]
            place = hours.get(key)
            if place is None:
                place = hours[key] = _hour_place(stamp, start, end)
            if place is not _IN:
                if place is not _PARTIAL:
                    skipped[place] += 1
                    continue
                try:
                    if stamp[14] != ":" or stamp[17] != ":":
                        raise ValueError
                    when = (_clf_hour(stamp) or 0) + int(stamp[15:17]) * 60 + int(stamp[18:20])
                except (ValueError, IndexError):
                    skipped[ODD_DATE] += 1
                    continue
                if not start <= when < end:
                    skipped[OUTSIDE] += 1
                    continue
            targets[target] = targets.get(target, 0) + 1
    finally:  # a truncated file stops the loop; what was read before still counts
        for target, count in targets.items():
            credit.add(target, count, rows=count)
        report.rows_read += read


def _parse_day(text: str) -> dt.date | None:
    text = text.strip()
    for pattern in ("%Y%m%d", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _count(text: str) -> int | None:
    """`1234`, `1,234` or `1 234` -> 1234; None for anything else (or negative)."""
    cleaned = text.strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    return int(cleaned) if cleaned.isdigit() else None


def _column(header: list[str], *names: str) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _use_period(report: SourceReport, first: dt.date | None, last: dt.date | None,
                window: Window, source_of_period: str) -> bool:
    """Aggregate exports carry no per-row dates: the whole file covers its stated period.

    A period that overlaps the window counts in full; one wholly outside it counts nothing;
    without a stated period the file is taken to cover the window (said in provenance).
    """
    if first is None or last is None:
        report.period = "not stated"
        report.notes.append("no period stated in the file; taken to cover the window")
        return True
    report.period = f"{first.isoformat()} to {last.isoformat()} ({source_of_period})"
    if last < window.first_day or first > window.last_day:
        return False
    if first < window.first_day or last > window.last_day:
        report.notes.append("period reaches outside the window; its totals are counted in full")
    return True


def read_aggregate(rows: Iterator[list[str]], header: list[str], report: SourceReport,
                   credit: _Credit | Credits, window: Window, path_col: int, views_col: int,
                   period: tuple[dt.date | None, dt.date | None], period_source: str,
                   date_col: int | None = None) -> None:
    """Rows of (path, count[, day]) for Plausible, Umami and GA4."""
    counted = date_col is not None or _use_period(report, *period, window, period_source)
    if date_col is not None:
        report.period = "daily rows"
    width = max(path_col, views_col, date_col or 0)
    for row in rows:
        if not row or not any(cell.strip() for cell in row):
            continue
        report.rows_read += 1
        if len(row) <= width:
            report.skipped[MALFORMED] += 1
            continue
        views = _count(row[views_col])
        if views is None:
            report.skipped[MALFORMED] += 1
            continue
        if date_col is not None:
            day = _parse_day(row[date_col])
            if day is None:
                report.skipped[ODD_DATE] += 1
                continue
            if not window.has_day(day):
                report.skipped[OUTSIDE] += 1
                continue
        elif not counted:
            report.skipped[PERIOD_OUTSIDE] += 1
            continue
        if views == 0:
            continue
        credit.add(row[path_col], views)


def read_goatcounter(rows: Iterator[list[str]], header: list[str], report: SourceReport,
                     credit: _Credit | Credits, window: Window) -> None:
    event_col, bot_col, date_col = (_column(header, name) for name in ("event", "bot", "date"))
    report.metric = "pageviews (one row each)"
    report.period = "dated rows"
    if date_col is None:
        report.notes.append("no Date column; rows cannot be placed in the window")
    for row in rows:
        if not row or not any(cell.strip() for cell in row):
            continue
        report.rows_read += 1
        if date_col is None or len(row) != len(header):
            report.skipped[MALFORMED] += 1
            continue
        if event_col is not None and row[event_col].strip().lower() in ("true", "1"):
            report.skipped[EVENT] += 1
            continue
        if bot_col is not None and row[bot_col].strip() not in ("", "0"):
            report.skipped[BOT] += 1
            continue
        try:
            when = dt.datetime.fromisoformat(row[date_col].strip())
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
        except ValueError:
            report.skipped[ODD_DATE] += 1
            continue
        if not window.start <= when < window.end:
            report.skipped[OUTSIDE] += 1
            continue
        credit.add(row[0], 1)


def detect_format(header_line: str, preamble: list[str]) -> str | None:
    """Name the format from the first line of data (and any `#` preamble), or None."""
    if _CLF.match(header_line):
        return "access_log"
    try:
        fields = [f.strip().lower() for f in next(csv.reader([header_line]))]
    except (csv.Error, StopIteration):
        return None
    if fields and re.fullmatch(r"\d+,path", fields[0]):
        return "goatcounter"
    if "page path and screen class" in fields or "page path" in fields:
        return "ga4"
    if "name" in fields and ("pageviews" in fields or "visitors" in fields):
        return "plausible"
    if fields[:2] == ["x", "y"]:
        return "umami"
    if preamble:
        return None
    return None


def _preamble_dates(preamble: list[str], report: SourceReport) -> tuple[dt.date | None, dt.date | None]:
    dates: dict[str, dt.date | None] = {}
    for line in preamble:
        text = line.lstrip("#").strip()
        for label in ("start date", "end date"):
            if text.lower().startswith(label + ":"):
                value = text.split(":", 1)[1].strip()
                dates[label] = _parse_day(value)
                if dates[label] is None:
                    report.skipped[ODD_DATE] += 1
                    report.notes.append(f"'{label}: {value}' in the header is not a date")
    return dates.get("start date"), dates.get("end date")


def _name_dates(name: str) -> tuple[dt.date | None, dt.date | None]:
    found = _PERIOD_IN_NAME.search(name)
    if not found:
        return None, None
    return _parse_day(found.group(1).replace("-", "")), _parse_day(found.group(2).replace("-", ""))


def _open_text(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="replace", newline="")
    return path.open(encoding="utf-8-sig", errors="replace", newline="")


def read_source(path: Path, display: str, paths: ColumnPaths, window: Window,
                tally: Tally, forced_format: str = "auto") -> SourceReport:
    """Read one file into `tally`; everything that goes wrong is counted in the report."""
    report = SourceReport(display, "unknown")
    tally.sources.append(report)
    read_file(path, report, _Credit(paths, tally, report), window, forced_format)
    return report


class Credits:
    """Stands in for the crediting while a file is read: the views and rows of each path as
    written, summed (crediting is additive), for `credit_to` to credit later, once per path."""

    def __init__(self) -> None:
        self.by_path: dict[str, list[int]] = {}  # raw path -> [views, rows]

    def add(self, raw: str, views: int, rows: int = 1) -> None:
        total = self.by_path.get(raw)
        if total is None:
            self.by_path[raw] = [views, rows]
        else:
            total[0] += views
            total[1] += rows


def credit_to(tally: Tally, report: SourceReport, paths: ColumnPaths, credits: dict[str, list[int]]) -> None:
    """Credit what `Credits` collected from a file read into `report`, as reading it with
    `read_source` would have."""
    credit = _Credit(paths, tally, report)
    for raw, (views, rows) in credits.items():
        credit.add(raw, views, rows=rows)


def read_file(path: Path, report: SourceReport, credit: _Credit | Credits, window: Window,
              forced_format: str = "auto") -> SourceReport:
    """Read one file, noting in `report` what was read or skipped and crediting each view."""
    try:
        with _open_text(path) as handle:
            preamble: list[str] = []
            header = None
            for line in handle:
                if not line.strip():
                    continue
                if line.lstrip().startswith("#"):
                    preamble.append(line.strip())
                    continue
                header = line
                break
            if header is None:
                report.notes.append("file has no data")
                return report
            detected = forced_format if forced_format != "auto" else detect_format(header, preamble)
            if detected is None:
                report.rows_read = 1 + sum(1 for line in handle if line.strip())
                report.skipped["unknown format"] = report.rows_read
                report.notes.append(f"format not recognised from its first line: {header.strip()[:80]!r}")
                return report
            report.format = detected
            if detected == "access_log":
                read_access_log(itertools.chain([header], handle), report, credit, window)
                return report
            rows = csv.reader(handle)
            head = next(csv.reader([header]))
            _read_csv(detected, rows, head, preamble, path.name, report, credit, window)
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        report.skipped[TRUNCATED] += 1
        report.notes.append(f"stopped reading: {type(exc).__name__}: {exc}; rows before it were kept")
    except csv.Error as exc:
        report.skipped[MALFORMED] += 1
        report.notes.append(f"stopped reading: CSV error: {exc}")
    return report


def _read_csv(detected: str, rows: Iterator[list[str]], head: list[str], preamble: list[str],
              name: str, report: SourceReport, credit: _Credit | Credits, window: Window) -> None:
    if detected == "goatcounter":
        read_goatcounter(rows, head, report, credit, window)
        return
    if detected == "ga4":
        path_col = _column(head, "page path and screen class", "page path")
        views_col = _column(head, "views", "screen page views")
        date_col = _column(head, "date")
        period = _preamble_dates(preamble, report)
        report.metric = "views"
        source = "from the # header"
    elif detected == "plausible":
        path_col = _column(head, "name")
        views_col = _column(head, "pageviews", "visitors")
        date_col = _column(head, "date")
        period = _name_dates(name)
        report.metric = head[views_col].strip().lower() if views_col is not None else ""
        source = "from the file name"
    else:  # umami
        path_col, views_col, date_col = 0, 1, None
        period = _name_dates(name)
        report.metric = "visitors (y)"
        source = "from the file name"
    if path_col is None or views_col is None:
        report.notes.append("a needed column (page path, views) is missing")
        report.rows_read = sum(1 for row in rows if row)
        report.skipped[MALFORMED] += report.rows_read
        return
    read_aggregate(rows, head, report, credit, window, path_col, views_col, period, source, date_col)


def analytics_files(folder: Path) -> list[Path]:
    """Every data file in the folder (sorted, so reports are stable); notes and dotfiles skipped."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".") and not p.name.lower().startswith("readme")
    )


def ingest(folder: Path, paths: ColumnPaths, window: Window, forced_format: str = "auto",
           reads: AnalyticsReads | None = None) -> Tally:
    """Every file of `folder` credited to the columns of `paths`. With `reads` (popular/reads.py,
    for this folder, window and format), a file read by the last build as it is now is not
    read again: what it read to is credited to these columns."""
    if reads is not None and (reads.folder != folder or reads.window != window or reads.forced_format != forced_format):
        raise ValueError("the kept readings are of another folder, window or format")
    tally = Tally()
    for path in analytics_files(folder):
        display = f"{folder.parent.name}/{folder.name}/{path.relative_to(folder).as_posix()}"
        if reads is None:
            read_source(path, display, paths, window, tally, forced_format)
            continue
        report, credits = reads.read(path, display)
        tally.sources.append(report)
        credit_to(tally, report, paths, credits)
    return tally

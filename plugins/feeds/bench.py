"""Benchmark: every feed for a generated corpus of `n` columns with 300 tags.

`run(n=10000)` builds plain column objects shaped like Pelican's (no Pelican run), then
times id resolution, planning and writing all feeds into a temporary folder: a first build
with an empty cache (`seconds`), a build with nothing changed (`seconds_rebuild`: every feed
kept), and builds after editing the newest column and a column from the middle of the archive.

Memory is the stage's own: the resident memory it adds at its peak over what the process held
when it started (`peak_mb` for the first build, `peak_mb_edit_middle` after an edit), and what
it still holds after it (`retained_mb`, once the heap is trimmed as the plugin does). The
peak is Linux's VmHWM, reset before each build; elsewhere it is the process's peak so far,
which only counts what the stage adds above every earlier high.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import resource
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from site_build.memory import return_free_memory

from .build import FeedReport, write_all_feeds
from .settings import read_feed_settings

SECTIONS = ["insider", "commentary", "economy", "culture"]
TAG_COUNT = 300
AUTHOR_COUNT = 40


@dataclass
class _Term:
    name: str
    slug: str
    url: str


@dataclass
class _Column:
    title: str
    slug: str
    url: str
    date: dt.datetime
    content: str
    standfirst: str
    category: _Term
    authors: list[_Term]
    tags: list[_Term]
    aliases: list[str] = field(default_factory=list)
    stable_id: str | None = None


def generate_columns(n: int, seed: int = 1) -> list[_Column]:
    rng = random.Random(seed)
    tags = [_Term(f"Topic {i}", f"topic-{i}", f"tag/topic-{i}/") for i in range(TAG_COUNT)]
    authors = [_Term(f"Author {i}", f"author-{i}", f"author/author-{i}/") for i in range(AUTHOR_COUNT)]
    sections = [_Term(s.title(), s, f"section/{s}/") for s in SECTIONS]
    start = dt.datetime(2020, 1, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=4)))
    paragraph = ("<p>Words about the region, with <a href=\"/columns/other/\">a link</a> and "
                 "<a href=\"#fn:1\">a note</a>. " + "More text here. " * 30 + "</p>\n")
    columns = []
    for i in range(n):
        slug = f"column-{i}"
        columns.append(_Column(
            title=f"Column {i} & <friends>",
            slug=slug,
            url=f"columns/{slug}/",
            date=start + dt.timedelta(hours=i * 3 + rng.randint(0, 2)),
            content=paragraph * 6 + '<p><img src="/images/covers/x.jpg" alt=""></p>',
            standfirst=f"Standfirst of column {i}.",
            category=rng.choice(sections),
            authors=rng.sample(authors, rng.choice([1, 1, 1, 2])),
            tags=rng.sample(tags, rng.randint(1, 5)),
        ))
    return columns


def _status_mb(field: str) -> float | None:
    """A `Vm...` line of /proc/self/status in MB, or None where there is none."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Start the process's peak resident memory (VmHWM) again from now (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def _resident_mb() -> float:
    current = _status_mb("VmRSS")
    return current if current is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mb() -> float:
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class _Measured:
    report: FeedReport
    seconds: float
    peak_mb: float  # added over the resident memory before the stage, at its highest
    retained_mb: float  # still resident after it (freed memory handed back)


def _measure(build) -> _Measured:
    gc.collect()
    return_free_memory()
    before = _resident_mb()
    if not _reset_peak():  # then only what rises above every earlier peak shows
        before = max(before, _peak_mb())
    started = time.perf_counter()
    report = build()
    seconds = time.perf_counter() - started
    peak = _peak_mb() - before
    return_free_memory()  # as the plugin's stage does after the feeds
    return _Measured(report, seconds, max(peak, 0.0), _resident_mb() - before)


def run(n: int = 10000, seed: int = 1) -> dict[str, float]:
    columns = generate_columns(n, seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = read_feed_settings({
            "SITEURL": "https://ridgeledger.example", "SITENAME": "Bench", "PATH": str(root / "content"),
            "FEED_TAGGING_ENTITY": "ridgeledger.example,2025", "FEED_ID_REGISTRY": "data/feed-ids.json",
        })

        def build() -> FeedReport:
            return write_all_feeds(columns, [], settings, root / "output", root / "content", dt.UTC,
                                   cache_dir=root / "cache")

        first = _measure(build)
        size = sum(p.stat().st_size for p in first.report.files)
        again = _measure(build)  # nothing changed: every feed is kept
        columns[-1].content += "<p>An added closing paragraph.</p>"
        newest = _measure(build)
        columns[n // 2].content += "<p>An added closing paragraph.</p>"
        middle = _measure(build)
    return {
        "columns": float(n),
        "feeds": float(first.report.feeds),
        "files": float(len(first.report.files)),
        "items_rendered": float(first.report.items),
        "seconds": first.seconds,
        "seconds_rebuild": again.seconds,
        "feeds_kept_rebuild": float(again.report.feeds_kept),
        "seconds_edit_newest": newest.seconds,
        "feeds_made_edit_newest": float(newest.report.feeds_made),
        "seconds_edit_middle": middle.seconds,
        "feeds_made_edit_middle": float(middle.report.feeds_made),
        "output_mb": size / 1e6,
        "peak_mb": first.peak_mb,
        "retained_mb": first.retained_mb,
        "peak_mb_edit_middle": middle.peak_mb,
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value:.2f}")

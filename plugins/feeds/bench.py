"""Benchmark: every feed for a generated corpus of `n` columns with 300 tags.

`run(n=10000)` builds plain column objects shaped like Pelican's (no Pelican run), then
times id resolution, planning and writing all feeds into a temporary folder: a first build
with an empty cache (`seconds`), a build with nothing changed (`seconds_rebuild`: every feed
kept), and builds after editing the newest column and a column from the middle of the archive.
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .build import write_all_feeds
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


def run(n: int = 10000, seed: int = 1) -> dict[str, float]:
    columns = generate_columns(n, seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = read_feed_settings({
            "SITEURL": "https://ridgeledger.example", "SITENAME": "Bench", "PATH": str(root / "content"),
            "FEED_TAGGING_ENTITY": "ridgeledger.example,2025", "FEED_ID_REGISTRY": "data/feed-ids.json",
        })

        def build():
            started = time.perf_counter()
            report = write_all_feeds(columns, [], settings, root / "output", root / "content", dt.UTC,
                                     cache_dir=root / "cache")
            return report, time.perf_counter() - started

        report, seconds = build()
        # ru_maxrss (KiB on Linux) rather than tracemalloc, which slows this loop several times
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        size = sum(p.stat().st_size for p in report.files)
        again, rebuild = build()  # nothing changed: every feed is kept
        columns[-1].content += "<p>An added closing paragraph.</p>"
        newest, newest_seconds = build()
        columns[n // 2].content += "<p>An added closing paragraph.</p>"
        middle, middle_seconds = build()
    return {
        "columns": float(n),
        "feeds": float(report.feeds),
        "files": float(len(report.files)),
        "items_rendered": float(report.items),
        "seconds": seconds,
        "seconds_rebuild": rebuild,
        "feeds_kept_rebuild": float(again.feeds_kept),
        "seconds_edit_newest": newest_seconds,
        "feeds_made_edit_newest": float(newest.feeds_made),
        "seconds_edit_middle": middle_seconds,
        "feeds_made_edit_middle": float(middle.feeds_made),
        "output_mb": size / 1e6,
        "peak_mb": peak / 1e6,
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value:.2f}")

"""Benchmark: ingest a synthetic Combined Log Format access log of `n` lines.

    .venv/bin/python -c "import sys; sys.path.insert(0, 'plugins'); \
        from popular.bench import run; print(run(1_000_000))"
"""

from __future__ import annotations

import datetime as dt
import os
import random
import resource
import tempfile
import time
from pathlib import Path

from .ingest import ingest, window_before
from .reads import AnalyticsReads
from .urls import column_paths

_AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
]
_EXTRAS = ["/", "/theme/css/site.css", "/images/logo.svg", "/section/economy/", "/feeds/all.atom.xml"]


def write_log(path: Path, n: int, seed: int, slugs: list[str], reference: dt.datetime) -> None:
    """A realistic mix: column pages (with query strings and index.html), assets, bots, 404s."""
    rng = random.Random(seed)
    start = reference - dt.timedelta(days=9)
    span = int(dt.timedelta(days=9).total_seconds())
    with path.open("w", encoding="utf-8") as out:
        for _ in range(n):
            when = start + dt.timedelta(seconds=rng.randrange(span))
            roll = rng.random()
            if roll < 0.7:
                target = f"/columns/{rng.choice(slugs)}/" + rng.choice(["", "", "index.html", "?utm_source=x"])
            else:
                target = rng.choice(_EXTRAS)
            status = 404 if roll > 0.98 else 200
            method = "HEAD" if roll > 0.97 and status == 200 else "GET"
            out.write(
                f'203.0.113.{rng.randrange(256)} - - [{when:%d/%b/%Y:%H:%M:%S +0000}] '
                f'"{method} {target} HTTP/1.1" {status} {rng.randrange(500, 40000)} '
                f'"-" "{rng.choice(_AGENTS)}"\n'
            )


def run(n: int = 1_000_000, seed: int = 1) -> dict[str, float]:
    reference = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    slugs = [f"column-number-{i}" for i in range(400)]
    paths = column_paths((s, f"columns/{s}/", []) for s in slugs)
    window = window_before(reference, 7, dt.UTC)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "analytics"
        folder.mkdir()
        started = time.perf_counter()
        write_log(folder / "access.log", n, seed, slugs, reference)
        generated = time.perf_counter() - started
        started, cpu_started = time.perf_counter(), time.process_time()
        tally = ingest(folder, paths, window)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # the next build's, with the log unchanged (settled: its stamp is trusted)
        settled = time.time() - 60
        os.utime(folder / "access.log", (settled, settled))
        time.sleep(max(0.0, 2.05 - (time.time() - os.stat(folder / "access.log").st_ctime)))
        cache = Path(tmp) / "cache"
        first = AnalyticsReads.for_folder(str(cache), folder, window)
        ingest(folder, paths, window, reads=first)
        first.save()
        started = time.perf_counter()
        kept = AnalyticsReads.for_folder(str(cache), folder, window)
        again = ingest(folder, paths, window, reads=kept)
        unchanged_seconds = time.perf_counter() - started
        if kept.files_read or again.views != tally.views:
            raise RuntimeError("the unchanged log was read again, or counted otherwise")
    return {
        "lines": float(n),
        "generate_seconds": round(generated, 3),
        "ingest_seconds": round(seconds, 3),
        "ingest_cpu_seconds": round(cpu_seconds, 3),
        "unchanged_seconds": round(unchanged_seconds, 3),
        "lines_per_second": round(n / seconds),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "rows_counted": float(sum(s.rows_counted for s in tally.sources)),
    }


if __name__ == "__main__":
    print(run())

"""Benchmark of the read side: parsing a generated corpus cold, from the cache, and taxonomies.

    .venv/bin/python -c "import sys; sys.path.insert(0, 'plugins'); from speedups.bench import run; print(run(2000))"

Uses `benchmark.corpus` (the `invoke bench` corpus). Returns seconds and peak MB:
- parse_cold_inline_s / parse_cold_parallel_s: every file parsed (front-matter + Markdown),
  in this process, then on all cores; parse_warm_s: every file found in the content cache;
- parse_one_edit_s: one file edited, the rest from the cache;
- validate_s: site-wide validation given the parses;
- taxonomy_stock_s / taxonomy_linear_s: every tag's, section's and author's date list, built
  with Pelican's filter and with ours (same lists, checked).
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

from benchmark.corpus import generate
from content_model.parse_cache import available_cores, parse_files
from content_model.validate import content_files, validate_content

from .ordering import in_order_of, positions


class _Item:
    def __init__(self, date: dt.datetime) -> None:
        self.date = date


def _terms(n: int, seed: int) -> tuple[list[_Item], dict[str, list[_Item]]]:
    rng = random.Random(seed)
    items = [_Item(dt.datetime(2016, 1, 1) + dt.timedelta(hours=rng.randrange(0, 24 * 3650))) for _ in range(n)]
    terms: dict[str, list[_Item]] = {}
    for item in items:
        for name in ([f"tag-{rng.randrange(300)}" for _ in range(rng.randint(2, 5))]
                     + [f"section-{rng.randrange(8)}", f"author-{rng.randrange(60)}"]):
            terms.setdefault(name, []).append(item)
    return sorted(items, key=lambda item: item.date, reverse=True), terms


def _timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def run(n: int, seed: int = 1) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix="speedups-bench-"))
    try:
        info = generate(workdir, n, seed)
        content = workdir / "content"
        files = content_files(content)
        cache = workdir / ".cache" / "content" / "parsed.pickle"
        inline_s, _ = _timed(lambda: parse_files(files, None, workers=1))
        cold_s, parses = _timed(lambda: parse_files(files, cache))
        warm_s, again = _timed(lambda: parse_files(files, cache))
        assert again == parses
        edited = info.column_path(n // 2)
        edited.write_text(edited.read_text(encoding="utf-8") + "\nAn added paragraph.\n", encoding="utf-8")
        edit_s, parses = _timed(lambda: parse_files(files, cache))
        validate_s, (_, errors) = _timed(lambda: validate_content(content, dt.UTC, parses))
        assert not errors, errors[:3]

        dates, terms = _terms(n, seed)
        stock_s, stock = _timed(lambda: [[a for a in dates if a in members] for members in terms.values()])
        where = positions(dates)
        linear_s, linear = _timed(lambda: [in_order_of(dates, where, members) for members in terms.values()])
        assert stock == linear
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "n": float(n),
        "cores": float(available_cores()),
        "parse_cold_inline_s": inline_s,
        "parse_cold_parallel_s": cold_s,
        "parse_warm_s": warm_s,
        "parse_one_edit_s": edit_s,
        "validate_s": validate_s,
        "taxonomy_stock_s": stock_s,
        "taxonomy_linear_s": linear_s,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }

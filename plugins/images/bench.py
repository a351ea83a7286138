"""Benchmark: social cards and derivatives for a generated corpus, cold and warm.

    .venv/bin/python -c "import sys; sys.path.insert(0, 'plugins'); from images.bench import run; print(run(1000))"

Phase 1 draws a social card for every column (none has a cover): social cards per second.
Phase 2 adds covers to a share of the columns and runs the whole pipeline cold (derivatives
in every width and format). Phase 3 runs it again warm: it must regenerate nothing.

The machine may be shared, so CPU seconds (this process and its workers) are recorded too:
cards per CPU-second does not depend on what else runs, and on an idle machine with W cores
the wall-clock rate is about W times it.
"""

from __future__ import annotations

import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

from .config import read_image_settings
from .pipeline import AuthorInput, ColumnInput, process_images

FONT_DIR = Path(__file__).resolve().parents[2] / "theme" / "fonts"

_WORDS = ("border vote tariff corridor library winter ports wine archive budget council river "
          "парламент тишина выборы სუფრა არჩევნები ქალაქი Գյումրի ընտրություններ քաղաք").split()


def _title(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 22))).capitalize()


def _picture(path: Path, rng: random.Random, size: tuple[int, int]) -> None:
    # distinct bytes for every file, so no two sources share cache entries
    top = tuple(rng.randrange(256) for _ in range(3))
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image = Image.blend(image, Image.new("RGB", size, top), 0.6)
    ImageDraw.Draw(image).ellipse((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2),
                                  fill=tuple(rng.randrange(256) for _ in range(3)))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=85)


def _corpus(root: Path, n: int, seed: int, cover_share: float) -> tuple[list[ColumnInput], list[AuthorInput]]:
    rng = random.Random(seed)
    authors = []
    for index in range(max(1, n // 50)):
        avatar = None
        if index % 5:  # one in five has no photo: initials avatar
            avatar = f"images/avatars/a{index}.jpg"
            _picture(root / avatar, rng, (400, 400))
        authors.append(AuthorInput(f"a{index}", f"Author {index} Name", avatar, None))
    columns = []
    cover_every = max(1, round(1 / cover_share)) if cover_share else 0
    for index in range(n):
        image = None
        if cover_every and index % cover_every == 0:
            image = f"images/covers/c{index}.jpg"
            _picture(root / image, rng, (1600, 1000))
        picked = tuple(rng.sample([a.id for a in authors], k=min(len(authors), rng.choice((1, 1, 2)))))
        columns.append(ColumnInput(f"column-{index}", _title(rng), rng.choice(("Insider", "Analysis", "Culture")),
                                   picked, image, None))
    return columns, authors


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished worker processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(n: int = 10000, seed: int = 1, cover_share: float = 0.1, workers: int = 0) -> dict[str, float]:
    """Cold and warm timings for `n` columns; a `cover_share` of them have a cover image."""
    root = Path(tempfile.mkdtemp(prefix="images-bench-"))
    try:
        content = root / "content"
        started = time.perf_counter()
        columns, authors = _corpus(content, n, seed, cover_share)
        corpus_seconds = time.perf_counter() - started
        settings = read_image_settings({"PATH": str(content), "IMAGE_CACHE_DIR": str(root / "cache"),
                                        "IMAGE_FONT_DIR": str(FONT_DIR), "IMAGE_WORKERS": workers})

        no_covers = [ColumnInput(c.key, c.title, c.label, c.author_ids, None, None) for c in columns]
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        cards, errors = process_images(content, settings, no_covers, authors, "The Ridge Ledger")
        cards_seconds = time.perf_counter() - started
        cards_cpu = _cpu_seconds() - cpu_started
        assert not errors, errors

        started, cpu_started = time.perf_counter(), _cpu_seconds()
        cold, errors = process_images(content, settings, columns, authors, "The Ridge Ledger")
        cold_seconds = time.perf_counter() - started
        cold_cpu = _cpu_seconds() - cpu_started
        assert not errors, errors

        started, cpu_started = time.perf_counter(), _cpu_seconds()
        warm, errors = process_images(content, settings, columns, authors, "The Ridge Ledger")
        warm_seconds = time.perf_counter() - started
        warm_cpu = _cpu_seconds() - cpu_started
        assert not errors, errors

        covers = sum(1 for c in columns if c.image)
        return {
            "columns": float(n),
            "covers": float(covers),
            "workers": float(settings.worker_count),
            "corpus_seconds": corpus_seconds,
            "social_cards_seconds": cards_seconds,
            "social_cards_per_second": n / cards_seconds,
            "social_cards_cpu_seconds": cards_cpu,
            "cpu_ms_per_card": 1000 * cards_cpu / n,
            "social_cards_per_cpu_second": n / cards_cpu,
            "cold_derivatives_seconds": cold_seconds,
            "cold_files_generated": float(cold.stats.generated),
            "covers_per_second": covers / cold_seconds if covers else 0.0,
            "cold_derivatives_cpu_seconds": cold_cpu,
            "cpu_seconds_per_cover": cold_cpu / covers if covers else 0.0,
            "warm_seconds": warm_seconds,
            "warm_cpu_seconds": warm_cpu,
            "warm_files_generated": float(warm.stats.generated),
            "warm_files_reused": float(warm.stats.reused),
            "cards_files_generated": float(cards.stats.generated),
            # what the same work takes on an idle machine with this many workers
            "idle_social_cards_per_second": settings.worker_count * n / cards_cpu,
            "idle_first_build_images_seconds": (cards_cpu + cold_cpu) / settings.worker_count,
            "peak_mb": _peak_mb(),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)

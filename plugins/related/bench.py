"""Benchmark: rank related articles for a generated corpus (issue 3: 10,000 columns in ~3 s).

`run(n)` builds a deterministic synthetic corpus (topics with their own vocabulary and tags,
shared background words, many authors, five years of dates), then times indexing and ranking
of every column three ways: cold (no term-count cache: every text tokenised), warm (cache
present, one column's body edited, as after a one-file edit). The build also turns each
body's HTML into the text the ranker reads: `text_cpu_seconds` times that step (`item_text`)
on paragraph HTML made from the corpus, next to the plain `html_to_text` it replaced. It
measures the peak extra memory of the cold work with tracemalloc in a separate pass
(tracemalloc slows code down, so it is not used for the timing).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import tempfile
import time
import tracemalloc
from pathlib import Path

from .cache import CACHE_FILE_NAME
from .items import item_text
from .parallel import related_id_lists
from .ranker import Item, RelatedIndex
from .settings import RelatedSettings

_LETTERS = "abcdefghiklmnoprstuvz"


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_LETTERS) for _ in range(rng.randint(4, 10)))


def corpus(n: int, seed: int = 1, words_per_item: int = 250) -> list[Item]:
    """`n` columns over n // 50 topics; each column mostly background prose plus its topic."""
    rng = random.Random(seed)
    background = [_word(rng) for _ in range(3000)]
    topics = max(1, n // 50)
    topic_words = [[_word(rng) for _ in range(40)] for _ in range(topics)]
    topic_tags = [[f"Topic {t} tag {k}" for k in range(6)] for t in range(topics)]
    broad_tags = [f"Broad {k}" for k in range(12)]
    authors = [f"author-{k}" for k in range(max(2, n // 60))]
    sections = ["insider", "commentary", "economy", "culture", "world", "ideas"]
    start = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    items = []
    for index in range(n):
        topic = rng.randrange(topics)
        # Zipf-like background: early words far more common, as in real prose
        words = [background[int(rng.paretovariate(1.2)) % len(background)] for _ in range(words_per_item * 3 // 4)]
        words += rng.choices(topic_words[topic], k=words_per_item // 4)
        rng.shuffle(words)
        tags = rng.sample(topic_tags[topic], 2) + rng.sample(broad_tags, 1)
        items.append(Item(
            id=f"column-{index:05d}",
            title=" ".join(rng.choices(topic_words[topic], k=3) + rng.choices(background[:200], k=3)),
            section=rng.choice(sections),
            tags=tuple(tags),
            authors=(rng.choice(authors),),
            text=" ".join(words),
            date=start + dt.timedelta(hours=rng.randrange(5 * 365 * 24)),
            url=f"columns/column-{index:05d}/",
        ))
    return items


def _rank_all(items: list[Item], settings: RelatedSettings) -> dict[str, float]:
    started, started_cpu = time.perf_counter(), time.process_time()
    index = RelatedIndex(items, settings)
    indexed, indexed_cpu = time.perf_counter(), time.process_time()
    # every core, as the build does; CPU below is this process's share only
    cards = sum(len(ids) for ids in related_id_lists(index, [item.id for item in index.items]).values())
    ended, ended_cpu = time.perf_counter(), time.process_time()
    return {
        "index_seconds": round(indexed - started, 3),
        "rank_seconds": round(ended - indexed, 3),
        "total_seconds": round(ended - started, 3),
        # CPU time of this process: what the work costs when the machine is shared
        "index_cpu_seconds": round(indexed_cpu - started_cpu, 3),
        "rank_cpu_seconds": round(ended_cpu - indexed_cpu, 3),
        "cpu_seconds": round(ended_cpu - started_cpu, 3),
        "tokenised": float(index.tokenised),
        "cards": float(cards),
    }


def edit_one(items: list[Item], seed: int = 1) -> list[Item]:
    """The corpus after an editor rewrote one paragraph of one column."""
    position = random.Random(seed).randrange(len(items))
    edited = dataclasses.replace(items[position], text=items[position].text + " an added closing paragraph")
    return [*items[:position], edited, *items[position + 1:]]


def _text_seconds(items: list[Item]) -> tuple[float, float]:
    """CPU seconds to get the ranker's text out of every body's HTML: item_text, html_to_text."""
    from content_model.text import html_to_text

    bodies = ["".join(f"<p>{item.text[start:start + 600]} &amp; <em>more</em></p>\n"
                      for start in range(0, len(item.text), 600)) for item in items]
    started = time.process_time()
    for body in bodies:
        item_text("A standfirst", body)
    middle = time.process_time()
    for body in bodies:
        html_to_text(body)
    return middle - started, time.process_time() - middle


def _machine_seconds() -> float:
    """CPU seconds of a fixed 10M-step Python loop (~0.4 s on an idle laptop): reads the others."""
    started = time.process_time()
    total = 0
    for step in range(10_000_000):
        total += step
    return time.process_time() - started


def run(n: int = 10000, seed: int = 1) -> dict[str, float]:
    items = corpus(n, seed)
    calibration = _machine_seconds()
    results: dict[str, float] = {"columns": float(n)}
    text_cpu, html_to_text_cpu = _text_seconds(items)
    results["text_cpu_seconds"] = round(text_cpu, 3)
    results["text_cpu_seconds_with_html_to_text"] = round(html_to_text_cpu, 3)
    with tempfile.TemporaryDirectory(prefix="related-bench-") as folder:
        cached = RelatedSettings(cache_dir=Path(folder) / "related")
        results.update({f"cold_{name}": value for name, value in _rank_all(items, cached).items()})
        cache_bytes = (cached.cache_dir / CACHE_FILE_NAME).stat().st_size
        warm = _rank_all(edit_one(items, seed), cached)
        results.update({f"warm_one_edit_{name}": value for name, value in warm.items()})
        tracemalloc.start()
        _rank_all(items, RelatedSettings(cache_dir=Path(folder) / "traced"))
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    results.update({
        "cache_file_mb": round(cache_bytes / 1e6, 1),
        "python_10m_loop_cpu_seconds": round(calibration, 3),
        "peak_extra_mb": round(peak / 1e6, 1),
        "dense_matrix_would_be_mb": round(n * n * 8 / 1e6, 1),
    })
    return results


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")

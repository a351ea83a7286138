"""The per-plugin scale benchmarks, run by `invoke bench` beside the whole-build comparison.

Each plugin owns its `bench.run(n)`; this module only runs them and states their targets.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PluginBench:
    plugin: str
    what: str
    args: Callable[[int], dict]
    target_key: str
    target: float
    higher_is_better: bool = False


BENCHES = [
    PluginBench("related", "related-article ranking, cold (no cache)", lambda n: {"n": n},
                "cold_total_seconds", 3.0),
    PluginBench("feeds", "all feeds (site, sections, authors, 300 tags)", lambda n: {"n": n}, "seconds", 5.0),
    PluginBench("popular", "access-log ingestion, one million lines", lambda n: {"n": 1_000_000},
                "ingest_seconds", 10.0),
    PluginBench("images", "social cards, first build", lambda n: {"n": n, "cover_share": 0.05},
                "social_cards_per_second", 100.0, higher_is_better=True),
]


def run_plugin_benches(n: int, only: set[str] | None = None) -> list[tuple[PluginBench, dict, float]]:
    results = []
    for bench in BENCHES:
        if only and bench.plugin not in only:
            continue
        module = importlib.import_module(f"{bench.plugin}.bench")
        started = time.perf_counter()
        result = module.run(**bench.args(n))
        results.append((bench, result, time.perf_counter() - started))
    return results


def format_plugin_report(results: list[tuple[PluginBench, dict, float]]) -> str:
    lines = ["", "plugin benchmarks:"]
    for bench, result, seconds in results:
        value = float(result[bench.target_key])
        met = value >= bench.target if bench.higher_is_better else value <= bench.target
        sign = ">=" if bench.higher_is_better else "<="
        lines.append(f"  {bench.plugin:8s} {bench.what}: {bench.target_key} = {value:.2f} "
                     f"(target {sign} {bench.target:g}: {'ok' if met else 'MISS'}; bench took {seconds:.0f}s)")
        details = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                            for k, v in result.items() if k != bench.target_key)
        lines.append(f"           {details}")
    return "\n".join(lines)

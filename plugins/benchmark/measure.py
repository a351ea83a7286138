"""`invoke bench`: stock Pelican against our full build on the same generated corpus."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from site_build.clean import clean as clean_site

from .corpus import CorpusInfo, generate

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    name: str
    seconds: float
    peak_mb: float
    pages: int
    stages: dict[str, float] = field(default_factory=dict)
    files_written: int | None = None


def _run_child(kind: str, root: Path, output: Path) -> tuple[dict, float]:
    # Every run starts on a settled disk: the writes and deletions before it (the corpus, the
    # last build, `make clean` removing 16,000 files on a file system mounted with `discard`)
    # are flushed now, not while the next build is timed.
    os.sync()
    env = {**os.environ, "PYTHONPATH": str(REPO / "plugins")}
    proc = subprocess.Popen([sys.executable, "-m", "benchmark.child", kind, str(root), str(output)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    started = time.perf_counter()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} build failed:\n{stderr[-3000:]}")
    line = next(li for li in stdout.splitlines() if li.startswith("BENCH-RESULT "))
    result = json.loads(line.removeprefix("BENCH-RESULT "))
    result["wall"] = wall
    return result, usage.ru_maxrss / 1024


def _snapshot(output: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(output)): (p.stat().st_mtime_ns, p.stat().st_ino)
            for p in output.rglob("*") if p.is_file()}


def tree_digest(output: Path) -> dict[str, str]:
    return {str(p.relative_to(output)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(output.rglob("*")) if p.is_file()}


def _pages(output: Path) -> int:
    return sum(1 for _ in output.rglob("*.html"))


def clean(root: Path, *, all_caches: bool = False) -> None:
    """What `make clean` does, for the corpus: output and caches, image derivatives kept."""
    clean_site(root / "out", root / ".cache", everything=all_caches)


def edit_one_column(info: CorpusInfo, index: int) -> None:
    path = info.column_path(index)
    path.write_text(path.read_text(encoding="utf-8") + "\nAn added closing paragraph.\n", encoding="utf-8")


def run_bench(n: int, seed: int, workdir: Path) -> dict:
    shutil.rmtree(workdir, ignore_errors=True)
    started = time.perf_counter()
    info = generate(workdir, n, seed)
    generated = time.perf_counter() - started
    runs: list[Run] = []

    result, peak = _run_child("stock", workdir, workdir / "stock-out")
    runs.append(Run("stock Pelican, cold", result["wall"], peak, _pages(workdir / "stock-out")))
    shutil.rmtree(workdir / "stock-out", ignore_errors=True)

    out = workdir / "out"
    clean(workdir, all_caches=True)
    result, peak = _run_child("ours", workdir, out)
    runs.append(Run("ours, first build ever", result["wall"], peak, _pages(out), result["stages"]))

    clean(workdir)
    result, peak = _run_child("ours", workdir, out)
    runs.append(Run("ours, cold (after make clean)", result["wall"], peak, _pages(out), result["stages"]))

    before = _snapshot(out)
    result, peak = _run_child("ours", workdir, out)
    after = _snapshot(out)
    changed = sum(1 for k, v in after.items() if before.get(k) != v) + len(set(before) - set(after))
    runs.append(Run("ours, warm, nothing changed", result["wall"], peak, _pages(out), result["stages"], changed))

    edit_one_column(info, n // 2)
    before = _snapshot(out)
    result, peak = _run_child("ours", workdir, out)
    after = _snapshot(out)
    changed = sum(1 for k, v in after.items() if before.get(k) != v) + len(set(before) - set(after))
    runs.append(Run("ours, warm, one column edited", result["wall"], peak, _pages(out), result["stages"], changed))

    warm_digest = tree_digest(out)
    clean(workdir)
    _run_child("ours", workdir, out)
    identical = tree_digest(out) == warm_digest
    return {"n": n, "seed": seed, "corpus_seconds": generated, "images": info.images, "runs": runs,
            "warm_equals_cold": identical}


TARGETS = {  # ratio to stock Pelican's cold wall time
    "ours, cold (after make clean)": 0.25,
    "ours, warm, one column edited": 0.05,
    "ours, warm, nothing changed": 0.03,
}


def format_report(report: dict) -> str:
    runs: list[Run] = report["runs"]
    stock = runs[0]
    lines = [f"corpus: {report['n']} columns (seed {report['seed']}, {report['images']} cover images), "
             f"generated in {report['corpus_seconds']:.1f}s", ""]
    lines.append(f"{'build':34s} {'wall s':>8s} {'peak MB':>8s} {'pages/s':>8s} {'x stock':>8s} "
                 f"{'target':>7s} {'files written':>14s}")
    for run in runs:
        ratio = run.seconds / stock.seconds
        target = TARGETS.get(run.name)
        verdict = "" if target is None else ("ok" if ratio <= target else "MISS") + f" {target}"
        written = "" if run.files_written is None else str(run.files_written)
        lines.append(f"{run.name:34s} {run.seconds:8.2f} {run.peak_mb:8.0f} {run.pages / run.seconds:8.0f} "
                     f"{ratio:8.3f} {verdict:>7s} {written:>14s}")
    peak_ratio = max(r.peak_mb for r in runs[1:]) / stock.peak_mb
    lines.append(f"peak memory vs stock: {peak_ratio:.2f}x (target <= 1.5x: {'ok' if peak_ratio <= 1.5 else 'MISS'})")
    lines.append(f"warm build after edit identical to a cold build: {report['warm_equals_cold']}")
    lines.append("")
    for run in runs[1:]:
        if run.stages:
            lines.append(f"stages, {run.name}:")
            lines += [f"  {k:28s} {v:8.3f}s" for k, v in run.stages.items() if v >= 0.0005]
    return "\n".join(lines)


SCALING_SIZES = (2000, 20000)
SCALING_TARGET = 1.3  # time per column at the larger size over time per column at the smaller


@dataclass
class ScaleRun:
    n: int
    seconds: float
    peak_mb: float
    stages: dict[str, float]

    def per_column_ms(self, seconds: float | None = None) -> float:
        return 1000 * (self.seconds if seconds is None else seconds) / self.n


def run_scaling(seed: int, workdir: Path, sizes: tuple[int, int] = SCALING_SIZES) -> list[ScaleRun]:
    """A cold build (image cache filled by a first build, as after `make clean`) at each size.

    Each corpus is removed once measured: at 20,000 columns it is about a gigabyte with output."""
    runs = []
    for n in sizes:
        root = workdir / f"scaling-{n}"
        shutil.rmtree(root, ignore_errors=True)
        generate(root, n, seed)
        _run_child("ours", root, root / "out")
        clean(root)
        result, peak = _run_child("ours", root, root / "out")
        runs.append(ScaleRun(n, result["wall"], peak, result["stages"]))
        shutil.rmtree(root, ignore_errors=True)
    return runs


def format_scaling(runs: list[ScaleRun]) -> str:
    small, large = runs[0], runs[-1]
    ratio = large.per_column_ms() / small.per_column_ms()
    verdict = "ok" if ratio <= SCALING_TARGET else "MISS"
    lines = [f"scaling, cold build: {small.per_column_ms():.2f} ms per column at {small.n}, "
             f"{large.per_column_ms():.2f} ms at {large.n}: {ratio:.2f}x "
             f"(target <= {SCALING_TARGET}x: {verdict}); peak {small.peak_mb:.0f} MB and {large.peak_mb:.0f} MB",
             f"  {'stage, ms per column':28s} {small.n:>8d} {large.n:>8d} {'ratio':>6s}"]
    for name, seconds in small.stages.items():
        big = large.stages.get(name, 0.0)
        if max(seconds, big) < 0.05:
            continue
        per_small, per_large = small.per_column_ms(seconds), large.per_column_ms(big)
        stage_ratio = f"{per_large / per_small:6.2f}" if per_small else "     -"
        lines.append(f"  {name:28s} {per_small:8.3f} {per_large:8.3f} {stage_ratio}")
    return "\n".join(lines)

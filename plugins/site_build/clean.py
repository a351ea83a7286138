"""What `make clean` removes: the output and every cache except the image derivatives.

Image derivatives are keyed by their source's content, so they stay valid across cleans;
`invoke clean --all` removes them too. The benchmark's "cold" build uses the same rule.
"""

from __future__ import annotations

import shutil
from pathlib import Path

KEPT_BY_DEFAULT = {"images", "bench"}  # the benchmark's own corpus lives in .cache/bench too


def clean(output: Path, cache_root: Path, *, everything: bool = False) -> list[Path]:
    removed = []
    targets = [output]
    if cache_root.is_dir():
        targets += [p for p in sorted(cache_root.iterdir()) if everything or p.name not in KEPT_BY_DEFAULT]
    for path in targets:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        elif path.exists():
            path.unlink()
            removed.append(path)
    return removed

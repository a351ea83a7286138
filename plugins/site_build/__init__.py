"""The build driver used by tasks.py and the tests (not a Pelican plugin).

Validate and build into a fresh folder beside the output, then swap it in: a failed
build never touches the site that is already there. Unchanged files are kept as they are,
and a build with no changed input returns before Pelican is even imported.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from .output_tree import write_if_changed
from .result import BuildResult

__all__ = ["BuildResult", "build_site", "write_if_changed"]


def build_site(settings_file: str | Path, overrides: dict | None = None, *,
               progress: Callable[[str], None] | None = None, force: bool = False) -> BuildResult:
    """Build the site (see driver.build_site); first a check that needs no Pelican import."""
    started = time.perf_counter()
    if not force:
        from .quick import quick_up_to_date

        output = quick_up_to_date(Path(settings_file), dict(overrides or {}))
        if output is not None:
            if progress is not None or sys.stderr.isatty():
                (progress or (lambda line: print(f"build: {line}", file=sys.stderr)))(
                    f"nothing changed since the last build of {output}")
            seconds = time.perf_counter() - started
            return BuildResult(True, output, seconds, up_to_date=True, stages={"quick check": seconds})
    from .driver import build_site as full_build

    return full_build(settings_file, overrides, progress=progress, force=force)

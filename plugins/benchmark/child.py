"""One build in a fresh process: `python -m benchmark.child ours|stock ROOT OUTPUT`.

Prints one JSON line with wall time and stage timings; the parent reads peak memory from
the child's resource usage.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import time
from pathlib import Path

BUILD_TIME = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def ours(repo: Path, root: Path, output: Path) -> dict:
    from site_build import build_site

    overrides = {
        "PATH": str(root / "content"),
        "OUTPUT_PATH": str(output),
        "POPULAR_ANALYTICS_DIR": str(root / "data" / "analytics"),
        "CACHE_ROOT": str(root / ".cache"),
        "IMAGE_CACHE_DIR": str(root / ".cache" / "images"),
        "BUILD_TIME": BUILD_TIME,
    }
    result = build_site(repo / "pelicanconf.py", overrides)
    if not result.ok:
        raise SystemExit("\n".join(result.errors)[:4000])
    return {"seconds": result.seconds, "stages": result.stages, "pages_rendered": result.pages_rendered,
            "pages_kept": result.pages_kept, "files_written": result.files_written}


def stock(root: Path, output: Path) -> dict:
    from pelican import Pelican
    from pelican.settings import read_settings

    settings = read_settings(None, override={
        "PATH": str(root / "stock-content"),
        "OUTPUT_PATH": str(output),
        "TIMEZONE": "Asia/Tbilisi",
        "SITEURL": "",
        # Pelican's defaults otherwise; pagination on so both sites have the same page count, with
        # collision-free patterns (with the default ones tag "topic-1" page 2 overwrites "topic-12")
        "DEFAULT_PAGINATION": 12,
        "PAGINATION_PATTERNS": [(1, "{url}", "{save_as}"),
                                (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html")],
        "PLUGINS": [],
    })
    started = time.perf_counter()
    Pelican(settings).run()
    return {"seconds": time.perf_counter() - started, "stages": {}}


def main() -> None:
    kind, root, output = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    repo = Path(__file__).resolve().parents[2]
    logging.basicConfig(level=logging.ERROR)
    if kind == "ours":
        from site_build.memory import collector_off_until_exit

        collector_off_until_exit()  # as `invoke build` runs it
    result = ours(repo, root, output) if kind == "ours" else stock(root, output)
    print("BENCH-RESULT " + json.dumps(result))
    if kind == "ours":
        from site_build.memory import exit_without_teardown

        exit_without_teardown(0)  # as `invoke build` ends; stock Pelican's own command exits normally


if __name__ == "__main__":
    main()

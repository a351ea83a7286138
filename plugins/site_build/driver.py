"""Run Pelican into a temporary folder and swap it into place only when all went well."""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from content_model.errors import ContentErrors
from pelican import Pelican
from pelican.settings import read_settings

from .timing import StageClock, timed_signals


@dataclass
class BuildResult:
    ok: bool
    output: Path
    seconds: float
    errors: list[str] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)


class _ErrorCounter(logging.Handler):
    """Pelican logs some failures instead of raising; any of them fails our build."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_site(settings_file: str | Path, overrides: dict | None = None) -> BuildResult:
    """Build the site described by `settings_file`; `overrides` win over its values."""
    started = time.perf_counter()
    overrides = dict(overrides or {})
    settings = read_settings(str(settings_file), override=overrides)
    final = Path(settings["OUTPUT_PATH"]).resolve()
    staging = final.parent / f".{final.name}.building-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    settings = read_settings(str(settings_file), override={**overrides, "OUTPUT_PATH": str(staging)})

    counter = _ErrorCounter()
    pelican_logger = logging.getLogger("pelican")
    pelican_logger.addHandler(counter)
    errors: list[str] = []
    clock = StageClock()
    run_started = time.perf_counter()
    try:
        with timed_signals(clock):
            Pelican(settings).run()
    except ContentErrors as exc:
        errors = [exc.report()]
    except Exception as exc:
        errors = [f"build failed: {type(exc).__name__}: {exc}"]
    finally:
        pelican_logger.removeHandler(counter)
    if counter.messages and not errors:
        errors = [f"build failed: Pelican reported {len(counter.messages)} error(s):", *counter.messages]
    if errors:
        shutil.rmtree(staging, ignore_errors=True)
        return BuildResult(False, final, time.perf_counter() - started, errors)

    stages = clock.phases(run_started, time.perf_counter())
    swap_started = time.perf_counter()
    _swap_into_place(staging, final)
    stages["swap"] = time.perf_counter() - swap_started
    return BuildResult(True, final, time.perf_counter() - started, stages=stages)


def _swap_into_place(staging: Path, final: Path) -> None:
    retired = final.parent / f".{final.name}.old-{os.getpid()}"
    if final.exists():
        final.rename(retired)
    staging.rename(final)
    shutil.rmtree(retired, ignore_errors=True)

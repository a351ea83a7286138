"""The output writer's settings, read once and checked."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutputWriterSettings:
    workers: int = 0  # processes rendering pages; 0 = one per core

    @classmethod
    def from_settings(cls, settings: dict) -> OutputWriterSettings:
        workers = settings.get("OUTPUT_WRITER_WORKERS", 0)
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
            raise ValueError(f"OUTPUT_WRITER_WORKERS must be a whole number >= 0 (0 = every core), "
                             f"not {workers!r}")
        return cls(workers=workers)

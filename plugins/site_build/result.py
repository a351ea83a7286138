"""What a build returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class BuildResult:
    ok: bool
    output: Path
    seconds: float
    errors: list[str] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)
    up_to_date: bool = False  # nothing changed since the last build: nothing was done
    files_written: int = 0  # new or changed files in the output
    files_kept: int = 0  # identical files kept as they were (same inode and mtime)
    files_removed: int = 0
    pages_rendered: int = 0  # pages run through their template
    pages_kept: int = 0  # pages whose inputs were unchanged: not rendered at all

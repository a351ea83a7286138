"""Content errors that editors can act on: `path:line: field: what is wrong`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ContentError:
    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


class ContentErrors(Exception):
    """Raised once per build with every problem found, so editors fix them in one pass."""

    def __init__(self, errors: list[ContentError]):
        self.errors = sorted(set(errors))
        super().__init__(self.report())

    def report(self) -> str:
        noun = "problem" if len(self.errors) == 1 else "problems"
        lines = [f"{len(self.errors)} content {noun} found; nothing was published:"]
        lines += [str(e) for e in self.errors]
        return "\n".join(lines)

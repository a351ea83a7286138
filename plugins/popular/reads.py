"""What each analytics file read to, kept between builds: an unchanged file is not read again.

A newsroom's access logs run to millions of lines (reading takes about 1.2 s per million), and
most builds happen between two deliveries of the logs. What reading a file gives depends on its
bytes, the window, the format setting and the reading code, not on the columns: so the views
are kept per path as written (`ingest.Credits`) and credited to this build's columns afresh.

A file counts as unchanged while its stamp (times, size, inode) is the one it was read with; a
file written in the last two seconds is read every time (it may still be changing unseen). The
memo is keyed on the reading code, Python's version, the window and the format setting, and is
one file per analytics folder under CACHE_ROOT (site_build/folder_memo.py): `make clean` removes
it with the other caches. A damaged memo, or entry, costs a reading, never the build.
"""

from __future__ import annotations

import functools
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from content_model.validate import file_stamp
from site_build.fingerprint import source_digest
from site_build.folder_memo import load_memo, memo_path, save_memo

from .ingest import Credits, SourceReport, Window, read_file

_WHAT = "analytics reads"


@functools.lru_cache(maxsize=1)
def _code_key() -> str:
    """The plugin's code (the reading in ingest.py above all) and Python's version."""
    return source_digest(Path(__file__).parent, sys.version).hex()


def _state(report: SourceReport) -> tuple:
    """What reading put in a report (the crediting adds the rest), as plain data."""
    return (report.format, report.metric, report.period, report.rows_read, dict(report.skipped),
            list(report.notes))


def _report(display: str, state: Any) -> SourceReport:
    file_format, metric, period, rows_read, skipped, notes = state
    if not (type(file_format) is str and type(metric) is str and type(period) is str and type(rows_read) is int
            and type(skipped) is dict and all(type(k) is str and type(v) is int for k, v in skipped.items())
            and type(notes) is list and all(type(note) is str for note in notes)):
        raise ValueError("not a report")
    return SourceReport(display, file_format, metric, period, rows_read, skipped=Counter(skipped),
                        notes=list(notes))


def _credits(kept: Any) -> dict[str, list[int]]:
    if not (type(kept) is dict and all(type(path) is str and type(counts) is list and len(counts) == 2
                                       and type(counts[0]) is int and type(counts[1]) is int
                                       for path, counts in kept.items())):
        raise ValueError("not credits")
    return kept


class AnalyticsReads:
    """One build's readings of one analytics folder, with those of the last build."""

    def __init__(self, file: Path | None, folder: Path, window: Window, forced_format: str) -> None:
        self.file, self.folder = file, folder
        self.window, self.forced_format = window, forced_format
        self.key = (_code_key(), window.start.isoformat(), window.end.isoformat(), forced_format)
        self._kept = load_memo(file, self.key, _WHAT)
        self._used: dict[str, tuple] = {}
        self.files_read = 0

    @classmethod
    def for_folder(cls, cache_root: str | None, folder: Path, window: Window,
                   forced_format: str = "auto") -> AnalyticsReads:
        """The readings of `folder`, kept under `cache_root` (without one, every file is read)."""
        return cls(memo_path(cache_root, "popular", "reads", folder), folder, window, forced_format)

    def read(self, path: Path, display: str) -> tuple[SourceReport, dict[str, list[int]]]:
        """(the report of reading `path`, its views and rows per path as written)."""
        stamp = file_stamp(path)  # before reading: a write meanwhile changes it
        entry = self._kept.get(display)
        if stamp is not None and type(entry) is tuple and len(entry) == 3 and entry[0] == stamp:
            try:
                found = _report(display, entry[1]), _credits(entry[2])
            except (TypeError, ValueError):
                pass  # a damaged entry: the file is read again
            else:
                self._used[display] = entry
                return found
        report, credits = SourceReport(display, "unknown"), Credits()
        read_file(path, report, credits, self.window, self.forced_format)
        self.files_read += 1
        if stamp is not None:
            self._used[display] = (stamp, _state(report), credits.by_path)
        return report, credits.by_path

    def save(self) -> None:
        """Keep this build's readings (those of files gone from the folder are dropped)."""
        if self.file is not None and self._used != self._kept:
            save_memo(self.file, self.key, self.folder, self._used, _WHAT)

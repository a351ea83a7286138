"""Output files a build may keep without making them again, and atomic writes of cache files.

A plugin that can tell from a key whether an output file would come out the same (the page
writer, the feeds) records each file as (key, size, mtime_ns) of what it became. Next build,
the file is kept when the key is the recorded one and the file in the previous output is
still the recorded one: a file changed or removed by hand is made again.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

Record = tuple[Any, int, int]  # (key, size, mtime_ns) of one output file


def record_of(key: Any, file: str | os.PathLike[str]) -> Record | None:
    try:
        stat = os.stat(file)
    except OSError:
        return None
    return key, stat.st_size, stat.st_mtime_ns


def still_valid(record: Record | None, key: Any, file: str | os.PathLike[str]) -> bool:
    """True when `file` is what the output made from `key` became last time."""
    if record is None or key is None or record[0] != key:
        return False
    try:
        stat = os.stat(file)
    except OSError:
        return False
    return stat.st_size == record[1] and stat.st_mtime_ns == record[2]


def write_atomically(path: Path, *chunks: bytes) -> bool:
    """Write `chunks` to `path` through a temporary file and a rename: a crash leaves the old
    file or the new one. False when the disk refused (a cache then costs speed, not the build)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(handle, "wb") as temp:
            for chunk in chunks:  # not joined: no second copy of a large payload
                temp.write(chunk)
        os.replace(temp_name, path)
    except BaseException as exc:  # also an interrupted write (Ctrl-C) leaves no temporary file
        Path(temp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            return False
        raise
    return True

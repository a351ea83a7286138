"""Incremental output: build into an empty staging folder, reuse the previous output's files.

The previous output is never written to. A file whose bytes did not change becomes a hard
link to the previous output's file, so after the swap it keeps its inode and mtime (deploy
syncs that compare mtimes or checksums see nothing new). A changed file is written to a temp
name and renamed into place. Files the build no longer produces are simply absent from
staging, so they disappear at the swap.

The staging folder's name says which output it replaces (`.NAME.building-PID` beside NAME),
so `write_if_changed(path, data)` needs nothing but the path: no shared state.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

_STAGING_NAME = re.compile(r"^\.(?P<final>.+)\.building-\d+$")


def staging_dir_for(final: Path) -> Path:
    """Where a build of `final` is assembled (beside it, so the swap is a rename)."""
    return final.parent / f".{final.name}.building-{os.getpid()}"


def previous_file_for(path: Path) -> Path | None:
    """The previous output's file at the same place as `path` inside a staging folder."""
    parts = path.parts
    for index in range(len(parts) - 1, 0, -1):
        match = _STAGING_NAME.match(parts[index])
        if match:
            return Path(*parts[:index], match["final"], *parts[index + 1:])
    return None


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as existing:
            return existing.read() == data
    except OSError:
        return False


def _link_into_place(source: Path, target: Path) -> bool:
    """Make `target` a hard link to `source`; False if links are not possible here."""
    temp = target.with_name(f".{target.name}.link-{os.getpid()}")
    try:
        os.link(source, temp)
    except OSError:
        return False
    os.replace(temp, target)
    return True


def _replace_with(path: Path, data: bytes) -> None:
    # A new inode: a hard link shared with the previous output is never written through.
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(temp, "wb") as out:
        out.write(data)
    os.replace(temp, path)


def write_if_changed(path: str | os.PathLike[str], data: bytes) -> bool:
    """Make `path` hold `data`; True if bytes were written, False if an identical file was kept.

    Inside a staging folder an identical file of the previous output is hard-linked instead
    of written. Use it for every file a plugin puts into the output folder.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if _same_bytes(path, data):
        return False
    previous = previous_file_for(path)
    if previous is not None and _same_bytes(previous, data) and _link_into_place(previous, path):
        return False
    _replace_with(path, data)
    return True


@dataclass
class AdoptionCount:
    kept: int = 0  # identical to the previous output: now the same inode
    written: int = 0  # new or changed files
    removed: int = 0  # in the previous output, no longer produced


def adopt_unchanged(staging: Path, previous: Path) -> AdoptionCount:
    """After a build: every staged file identical to the previous one becomes a link to it.

    Catches files written by code that does not use `write_if_changed` (Pelican's static
    copies, theme assets). Files already linked (count > 1) were reused or come from a cache.
    """
    count = AdoptionCount()
    staged: set[str] = set()
    for folder, _dirs, files in os.walk(staging):
        for name in files:
            path = Path(folder, name)
            relative = str(path.relative_to(staging))
            staged.add(relative)
            old = previous / relative
            try:
                stat = path.stat()
                old_stat = old.stat()
            except FileNotFoundError:
                count.written += 1
                continue
            if stat.st_ino == old_stat.st_ino:
                count.kept += 1
            elif (stat.st_nlink == 1 and stat.st_size == old_stat.st_size
                  and old.read_bytes() == path.read_bytes() and _link_into_place(old, path)):
                count.kept += 1
            else:
                count.written += 1
    if previous.is_dir():
        for folder, _dirs, files in os.walk(previous):
            for name in files:
                if str(Path(folder, name).relative_to(previous)) not in staged:
                    count.removed += 1
    return count

"""Incremental output: stage only what changed, then apply it to the output.

A build writes into an empty staging folder beside the output; the previous output is
never written to while it runs, so a failed build leaves it untouched. `write_if_changed`
does not even create a file when the previous output already holds the same bytes: it notes
the path in the staging folder's ledger (`.produced`) instead. When the build succeeded,
`apply_to_output` moves each new or changed file into the output (one rename each), deletes
the files the build no longer produced, and drops the staging folder. Unchanged files keep
their inode and mtime, so deploy syncs see nothing new, and nothing is copied or deleted
for them. (Each file is replaced atomically; the set of files is not: a reader may see the
new version of one page next to the old version of another for the moment of the apply.)

The staging folder's name says which output it belongs to (`.NAME.building-PID` beside NAME),
so `write_if_changed(path, data)` needs nothing but the path: no shared state.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .forks import ForkedWork, start_in_fork


def staging_dir_for(final: Path) -> Path:
    """Where a build of `final` is assembled (beside it, so the swap is a rename)."""
    return final.parent / f".{final.name}.building-{os.getpid()}"


LEDGER = ".produced"


_STAGED_PATH = re.compile(r"^(?P<parent>.*)/(?P<staging>\.(?P<final>[^/]+)\.building-\d+)(?:/(?P<inside>.*))?$")


def _staging_parts(path: str | os.PathLike[str]) -> tuple[Path, Path, str] | None:
    """(staging folder, previous output folder, path inside) when `path` is in a staging folder."""
    # String matching, not Path.parts or a Path (it normalises the same as normpath, at three
    # times the cost): this runs for every page of every build.
    match = _STAGED_PATH.match(os.path.normpath(os.fspath(path)))
    if match is None or not match["inside"]:
        return None
    staging, final = _staging_pair(match["parent"] or "/", match["staging"], match["final"])
    return staging, final, match["inside"]


@functools.lru_cache(maxsize=64)
def _staging_pair(parent: str, staging: str, final: str) -> tuple[Path, Path]:
    return Path(parent, staging), Path(parent, final)


def previous_file_for(path: Path) -> Path | None:
    """The previous output's file at the same place as `path` inside a staging folder."""
    found = _staging_parts(path)
    return found[1] / found[2] if found else None


def staged_location(path: str | os.PathLike[str]) -> tuple[Path, str] | None:
    """(previous output folder, path inside it) for a path inside a staging folder, else None."""
    found = _staging_parts(path)
    return (found[1], found[2]) if found else None


def keep_previous(path: str | os.PathLike[str]) -> None:
    """Produce `path` by keeping the previous output's file as it is (it must exist).

    For a caller that knows the file would come out identical without making it again."""
    keep_all_previous([path])


def keep_all_previous(paths: Iterable[str | os.PathLike[str]]) -> None:
    """`keep_previous` for each path, with one ledger write per staging folder."""
    by_staging: dict[Path, list[str]] = {}
    for path in paths:
        found = _staging_parts(path)
        if found is None:
            raise ValueError(f"{path} is not inside a staging folder")
        by_staging.setdefault(found[0], []).append(found[2])
    for staging, relatives in by_staging.items():
        _note_produced(staging, *relatives)


def _note_produced(staging: Path, *relatives: str) -> None:
    # One O_APPEND write for all the lines: safe from forked render workers at the same time.
    fd = os.open(staging / LEDGER, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, "".join(relative + "\n" for relative in relatives).encode("utf-8", "surrogateescape"))
    finally:
        os.close(fd)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as existing:
            return existing.read() == data
    except OSError:
        return False


def _replace_with(path: Path, data: bytes) -> None:
    # A new inode: a hard link shared with the previous output is never written through.
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(temp, "wb") as out:
        out.write(data)
    os.replace(temp, path)


_NEW_FILE_MODE = 0o666  # less the umask, as open() makes files: the same as a replaced page


def _create_new(path: str, data: bytes) -> bool:
    """Write `data` to `path` if no file is there (making its folder); False if one is."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _NEW_FILE_MODE)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _NEW_FILE_MODE)
        except FileExistsError:
            return False
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return True


def write_if_changed(path: str | os.PathLike[str], data: bytes) -> bool:
    """Make `path` hold `data`; True if bytes were written, False if an identical file was kept.

    Inside a staging folder, a file identical in the previous output is only noted in the
    ledger, not written. Use it for every file a plugin puts into the output folder.
    """
    name = os.fspath(path)
    staged = _staging_parts(name)
    if staged is not None and not os.path.exists(name):
        if _same_bytes(staged[1] / staged[2], data):
            _note_produced(staged[0], staged[2])
            return False
        # A new file in a folder no reader sees yet: written in place, without a temporary
        # and a rename (most of a cold build's files). One that appeared meanwhile is
        # handled below, like any existing file.
        if _create_new(name, data):
            return True
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    if _same_bytes(path, data):
        return False
    _replace_with(path, data)
    return True


def link_if_changed(source: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    """Make `path` a hard link to `source` (a copy across file systems); True if anything was made.

    Inside a staging folder, a previous output file that is already that link (or a copy with
    the same bytes) is only noted in the ledger: nothing is linked now and unlinked later.
    """
    return link_all_if_changed([(source, path)]) == 1


def link_all_if_changed(pairs: Iterable[tuple[str | os.PathLike[str], str | os.PathLike[str]]]) -> int:
    """`link_if_changed` for each (source, path); the number of files made.

    The kept files are noted with one ledger write per staging folder, not one per file (a
    build keeps some 20,000 image derivatives at 10,000 columns)."""
    made = 0
    kept: dict[Path, list[str]] = {}
    for source, path in pairs:
        source, path = os.fspath(source), os.fspath(path)
        staged = _staging_parts(path)
        if staged is not None and not os.path.exists(path):
            previous = os.path.join(staged[1], staged[2])
            try:
                if _identical_files(os.stat(previous), previous, os.stat(source), source):
                    kept.setdefault(staged[0], []).append(staged[2])
                    continue
            except FileNotFoundError:
                pass
        if os.path.exists(path):
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            os.link(source, path)
        except OSError:  # another file system, or links not allowed: a copy, whole or none
            # (one copy at a time per process: a short name, whatever the file's own)
            temp = os.path.join(os.path.dirname(path), f".copying-{os.getpid()}.tmp")
            try:
                shutil.copyfile(source, temp)
                os.replace(temp, path)
            finally:
                if os.path.exists(temp):
                    os.unlink(temp)
        made += 1
    for staging, relatives in kept.items():
        _note_produced(staging, *relatives)
    return made


@dataclass
class ApplyCount:
    kept: int = 0  # identical to the previous output: left as it was
    written: int = 0  # new or changed files moved into the output
    removed: int = 0  # in the previous output, no longer produced


def _read_ledger(staging: Path) -> set[str]:
    try:
        text = (staging / LEDGER).read_bytes().decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        return set()
    return {line for line in text.split("\n") if line}


def _identical_files(a: os.stat_result, path_a: str | os.PathLike[str], b: os.stat_result,
                     path_b: str | os.PathLike[str]) -> bool:
    if a.st_ino == b.st_ino and a.st_dev == b.st_dev:
        return True
    return a.st_size == b.st_size and Path(path_a).read_bytes() == Path(path_b).read_bytes()


Listing = list[list]  # [folder, subfolders, files] of each folder, deepest first (os.walk's order)


def _listing(root: str) -> Listing:
    return [[folder, dirs, files] for folder, dirs, files in os.walk(root, topdown=False)]


def list_ahead(final: Path) -> ForkedWork | None:
    """Start listing the previous output in a child while the build runs (the build writes
    nothing there before `apply_to_output`, which takes the listing); None without a previous
    output, or when no child can be started (then `apply_to_output` walks the output itself).
    About 0.12 s at 10,000 columns, taken off the build's own process."""
    if not final.is_dir():
        return None
    return start_in_fork(lambda: _listing(str(final)))


def apply_to_output(staging: Path, final: Path, listing: ForkedWork | None = None) -> ApplyCount:
    """Make `final` what the build produced (see the module docstring); `staging` is removed.

    Files in staging written by code that does not use `write_if_changed` (Pelican's static
    copies, theme assets, image links) are compared with the output's and moved only if they
    differ. Without a previous output, staging simply becomes the output. `listing` is the
    previous output listed by `list_ahead` for this `final` (taken here, or stopped when no
    longer needed): what is in it and not produced is removed; without it, or when it failed,
    the output is walked here.
    """
    count = ApplyCount()
    produced = _read_ledger(staging)
    (staging / LEDGER).unlink(missing_ok=True)
    if not final.is_dir():
        if listing is not None:
            listing.abandon()
        for _folder, _dirs, files in os.walk(staging):
            count.written += len(files)
        staging.rename(final)
        return count
    count.kept = len(produced)
    staging_prefix, final_prefix = len(str(staging)) + 1, str(final)
    for folder, _dirs, files in os.walk(staging):
        for name in files:
            path = os.path.join(folder, name)
            relative = path[staging_prefix:]
            produced.add(relative)
            target = os.path.join(final_prefix, relative)
            try:
                if _identical_files(os.stat(path), Path(path), os.stat(target), Path(target)):
                    count.kept += 1
                    continue
            except FileNotFoundError:
                os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(path, target)
            count.written += 1
    final_cut = len(final_prefix) + 1
    emptied: set[str] = set()  # folders removed below the one being looked at
    listed = None
    if listing is not None:
        done, listed = listing.take()
        if not (done and type(listed) is list and (not listed or listed[-1][0] == final_prefix)):
            listed = None  # the child failed (or listed another folder): walk it here
    # (files moved in above are all produced; a folder made for one is not empty: both are
    # left alone whether or not the listing has them)
    for folder, dirs, files in listed if listed is not None else os.walk(final_prefix, topdown=False):
        left = len(files)
        for name in files:
            path = os.path.join(folder, name)
            if path[final_cut:] not in produced:
                try:
                    os.unlink(path)
                    count.removed += 1
                except FileNotFoundError:  # removed since it was listed
                    pass
                left -= 1
        # empty when every file went and every subfolder went: known without listing it again
        # (a listing per folder added about a third to this walk at 10,000 columns)
        if (folder != final_prefix and not left
                and all(os.path.join(folder, name) in emptied for name in dirs)):
            try:
                os.rmdir(folder)  # a page's folder whose last file went away
                emptied.add(folder)
            except OSError:
                pass  # something not walked is in it (a symlink to a folder...): keep it
    shutil.rmtree(staging, ignore_errors=True)
    return count

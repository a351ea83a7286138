"""A plugin's memo of one content folder's files, kept between builds in one file.

`CACHE_ROOT/<kind>/<prefix>-<hash of the folder and variant>.memo` holds the folder's path (a
short header, so tidying reads no more of a file) and, in marshal, (key, entries): the entries
count only while the key (the code and inputs they were made from) is the same. A build keeps
the entries it used; memos of content folders that no longer exist (tests' temporary copies)
are removed, and of one folder's memos only the `KEPT_PER_FOLDER` last written stay (a site
built with two settings files keeps one for each). These are caches of the content: `make
clean` removes them with the others.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import re
import time
from pathlib import Path
from typing import Any

from .kept_files import write_atomically

logger = logging.getLogger(__name__)

KEPT_PER_FOLDER = 2


def memo_path(cache_root: str | os.PathLike[str] | None, kind: str, prefix: str,
              content_dir: str | os.PathLike[str], variant: str = "") -> Path | None:
    """Where the memo of `content_dir` goes, under CACHE_ROOT (None without one)."""
    if not cache_root:
        return None
    folder = str(Path(content_dir).resolve())
    name = hashlib.sha256(f"{folder}\0{variant}".encode() if variant else folder.encode()).hexdigest()[:16]
    return Path(cache_root) / kind / f"{prefix}-{name}.memo"


_HEADER = 4  # bytes of the folder path's length


def load_memo(path: Path | None, key: Any, what: str) -> dict:
    """The entries kept in `path` under `key`; {} when there are none, or they were made
    under another key or the file is unreadable."""
    if path is None:
        return {}
    try:
        data = path.read_bytes()
        start = _HEADER + int.from_bytes(data[:_HEADER], "big")
        stored_key, entries = marshal.loads(memoryview(data)[start:])
    except FileNotFoundError:
        return {}
    except (OSError, EOFError, ValueError, TypeError) as exc:
        logger.warning("%s: ignoring unreadable %s (%s)", what, path, exc)
        return {}
    return entries if stored_key == key and isinstance(entries, dict) else {}


def save_memo(path: Path | None, key: Any, content_dir: str | os.PathLike[str], entries: dict, what: str) -> bool:
    """Keep `entries` in `path` and tidy its folder; False (with a warning) when not written."""
    if path is None:
        return False
    folder = str(Path(content_dir).resolve())
    header = folder.encode("utf-8", "surrogateescape")
    try:
        kept = write_atomically(path, len(header).to_bytes(_HEADER, "big"), header, marshal.dumps((key, entries)))
    except (OSError, ValueError) as exc:
        kept, reason = False, str(exc)
    else:
        reason = "not written"
    if not kept:  # the next build works it out again
        logger.warning("%s: could not keep %s (%s)", what, path, reason)
        return False
    _tidy(path, folder)
    return True


def _folder_of(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            size = int.from_bytes(stream.read(_HEADER), "big")
            return stream.read(size).decode("utf-8", "surrogateescape") if 0 < size < 1 << 16 else ""
    except OSError:
        return ""


STALE_SECONDS = 600  # a temporary file this old is no other build's write in progress


def _tidy(kept: Path, folder: str) -> None:
    """Remove the memos of folders that are gone, all but the last written of this one's, this
    kind's earlier file names and stale temporary files. Never fails a build: a file that
    cannot be removed stays."""
    prefix = kept.name.rsplit("-", 1)[0]
    ours = re.compile(rf"{re.escape(prefix)}-[0-9a-f]{{16}}\.memo")
    legacy = re.compile(rf"{re.escape(prefix)}(-[0-9a-f]{{16}})?\.marshal")
    temporary = re.compile(rf"\.{re.escape(prefix)}-[0-9a-f]{{16}}\.(memo|marshal)-.*\.tmp")
    same_folder: list[tuple[int, str, Path]] = []
    try:
        entries = list(os.scandir(kept.parent))
    except OSError:
        return
    for entry in entries:
        other = Path(entry.path)
        try:
            if other == kept or not entry.is_file(follow_symlinks=False):
                continue
            if legacy.fullmatch(entry.name):
                other.unlink()
            elif temporary.fullmatch(entry.name):
                if time.time() - entry.stat().st_mtime > STALE_SECONDS:
                    other.unlink()
            elif ours.fullmatch(entry.name):
                other_folder = _folder_of(other)
                if not other_folder or not Path(other_folder).exists():
                    other.unlink()
                elif other_folder == folder:
                    same_folder.append((entry.stat().st_mtime_ns, entry.name, other))
        except OSError:
            continue
    for _written, _name, other in sorted(same_folder, reverse=True)[KEPT_PER_FOLDER - 1:]:
        try:
            other.unlink()
        except OSError:
            continue

"""Which key each output page was last rendered from, and the file it became.

A page may be kept without rendering when its key is the one recorded and the output file is
still the one recorded (same size and mtime): a file changed or removed by hand is rendered
again. Records live in `<CACHE_ROOT>/render/`, one file per output folder; an unreadable
file means "no records" (everything is rendered), never a failed build.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

FORMAT = 1


@dataclass(frozen=True)
class PageRecord:
    key: str
    size: int
    mtime_ns: int


def records_file(cache_root: str | os.PathLike[str], output: Path) -> Path:
    name = hashlib.sha256(str(output.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return Path(cache_root) / "render" / f"pages-{name}.pickle"


def load_records(path: Path) -> dict[str, PageRecord]:
    try:
        with path.open("rb") as handle:
            stored = pickle.load(handle)
        if isinstance(stored, dict) and stored.get("format") == FORMAT and isinstance(stored.get("pages"), dict):
            return stored["pages"]
    except FileNotFoundError:
        pass
    except Exception as exc:  # damage means "render everything"
        logger.warning("ignoring unreadable page records %s (%s)", path, exc)
    return {}


def save_records(path: Path, records: dict[str, PageRecord]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump({"format": FORMAT, "pages": records}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    except OSError as exc:
        logger.warning("could not save page records %s (%s)", path, exc)


def record_for(key: str, file: str | os.PathLike[str]) -> PageRecord | None:
    try:
        stat = os.stat(file)
    except OSError:
        return None
    return PageRecord(key, stat.st_size, stat.st_mtime_ns)


def still_valid(record: PageRecord | None, key: str | None, file: str | os.PathLike[str]) -> bool:
    """True when `file` is what rendering a page with `key` produced last time."""
    if record is None or key is None or record.key != key:
        return False
    try:
        stat = os.stat(file)
    except OSError:
        return False
    return stat.st_size == record.size and stat.st_mtime_ns == record.mtime_ns

"""Which key each output page was last rendered from, and the file it became.

Records (see site_build.kept_files) live in `<CACHE_ROOT>/render/`, one file per output
folder; an unreadable file means "no records" (everything is rendered), never a failed build.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from pathlib import Path

from site_build.kept_files import Record, write_atomically

logger = logging.getLogger(__name__)

FORMAT = 2


def records_file(cache_root: str | os.PathLike[str], output: Path) -> Path:
    name = hashlib.sha256(str(output.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return Path(cache_root) / "render" / f"pages-{name}.pickle"


def load_records(path: Path) -> dict[str, Record]:
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


def save_records(path: Path, records: dict[str, Record]) -> None:
    if not write_atomically(path, pickle.dumps({"format": FORMAT, "pages": records}, protocol=pickle.HIGHEST_PROTOCOL)):
        logger.warning("could not save page records %s", path)

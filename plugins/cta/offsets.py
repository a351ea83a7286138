"""Where each column's membership block goes, kept between builds by the body it goes into.

Finding the place parses the body's HTML up to the wanted paragraph (about 0.3 s a build at
10,000 columns), and the answer follows from the body and the placement alone. A column's
body kept in the content cache (`StoredHtml`) carries its digest, so the answer is kept under
(digest, placement) in `CACHE_ROOT/cta/offsets-<folder>.marshal` (one per content folder),
with this package's code and Python's version, and such a column's HTML is not read at all.
A body the digest does not name (a plain string, or HTML another edit changed first) is
parsed as before. Each build keeps only the entries it used, so the file follows the site;
files of content folders that are gone are removed. It is a cache of the content: `make
clean` removes it with the others.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import marshal
import os
import platform
from collections.abc import Callable
from pathlib import Path

from content_model.stored_html import StoredHtml
from site_build.fingerprint import source_digest
from site_build.kept_files import write_atomically

from .placement import insertion_offset
from .variants import Placement

logger = logging.getLogger(__name__)


@functools.cache
def _code_digest() -> bytes:
    # the place comes from the standard library's HTMLParser too: Python's version counts
    return source_digest(Path(__file__).parent, platform.python_version())


def memo_file(cache_root: str | os.PathLike[str] | None, content_dir: str | os.PathLike[str]) -> Path | None:
    """One file per content folder (a test's copy does not evict the site's), under CACHE_ROOT."""
    if not cache_root:
        return None
    folder = str(Path(content_dir).resolve())
    return Path(cache_root) / "cta" / f"offsets-{hashlib.sha256(folder.encode()).hexdigest()[:16]}.marshal"


class OffsetMemo:
    """Offsets of blocks in stored bodies, by (body digest, placement); `save` keeps the used ones."""

    def __init__(self, path: Path | None, content_dir: str | os.PathLike[str] = "") -> None:
        self._path = path
        self._folder = str(Path(content_dir).resolve()) if content_dir else ""
        self._known: dict[bytes, int] = {}
        self._used: dict[bytes, int] = {}
        if path is None:
            return
        try:
            code, _folder, known = marshal.loads(path.read_bytes())
        except FileNotFoundError:
            return
        except (OSError, EOFError, ValueError, TypeError) as exc:
            logger.warning("membership blocks: ignoring unreadable %s (%s)", path, exc)
            return
        if code == _code_digest() and isinstance(known, dict):
            self._known = known

    def offset(self, source: object, html: Callable[[], str], placement: Placement) -> int:
        """`insertion_offset(html(), placement)`, without calling `html` when `source` (the
        body the block goes into) is a stored body whose answer is known."""
        if type(source) is not StoredHtml or self._path is None:
            return insertion_offset(html(), placement)
        key = source.digest + str(placement).encode()
        found = self._known.get(key)
        if found is None:
            found = insertion_offset(html(), placement)
        self._used[key] = found
        return found

    def save(self) -> None:
        """Keep this build's entries (only when they differ from the file's)."""
        if self._path is None or self._used == self._known:
            return
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            kept = write_atomically(self._path, marshal.dumps((_code_digest(), self._folder, self._used)))
        except OSError as exc:
            kept, reason = False, exc
        else:
            reason = "not written"
        if not kept:  # the next build parses again
            logger.warning("membership blocks: could not keep %s (%s)", self._path, reason)
            return
        _remove_files_of_gone_folders(self._path)


def _remove_files_of_gone_folders(kept: Path) -> None:
    """The files of content folders that no longer exist (tests' temporary copies)."""
    (kept.parent / "offsets.marshal").unlink(missing_ok=True)  # this file's first name, one per cache
    for other in kept.parent.glob("offsets-*.marshal"):
        if other == kept:
            continue
        try:
            folder = marshal.loads(other.read_bytes())[1]
        except (OSError, EOFError, ValueError, TypeError, IndexError, KeyError):
            folder = ""
        if not isinstance(folder, str) or not folder or not Path(folder).exists():
            other.unlink(missing_ok=True)

"""Where each column's membership block goes, kept between builds by the body it goes into.

Finding the place parses the body's HTML up to the wanted paragraph (about 0.3 s a build at
10,000 columns), and the answer follows from the body and the placement alone. A column's
body kept in the content cache (`StoredHtml`) carries its digest, so the answer is kept under
(digest, placement) in one memo per content folder (site_build/folder_memo.py), with this
package's code and Python's version, and such a column's HTML is not read at all. A body the
digest does not name (a plain string, or HTML another edit changed first) is parsed as
before. Each build keeps only the entries it used, so the memo follows the site.
"""

from __future__ import annotations

import functools
import logging
import os
import platform
from collections.abc import Callable
from pathlib import Path

from content_model.stored_html import StoredHtml
from site_build.fingerprint import source_digest
from site_build.folder_memo import load_memo, memo_path, save_memo

from .placement import insertion_offset
from .variants import Placement

logger = logging.getLogger(__name__)


@functools.cache
def _code_digest() -> bytes:
    # the place comes from the standard library's HTMLParser too: Python's version counts
    return source_digest(Path(__file__).parent, platform.python_version())


def memo_file(cache_root: str | os.PathLike[str] | None, content_dir: str | os.PathLike[str]) -> Path | None:
    """One file per content folder (a test's copy does not evict the site's), under CACHE_ROOT."""
    return memo_path(cache_root, "cta", "offsets", content_dir)


class OffsetMemo:
    """Offsets of blocks in stored bodies, by (body digest, placement); `save` keeps the used ones."""

    def __init__(self, path: Path | None, content_dir: str | os.PathLike[str]) -> None:
        self._path = path
        self._folder = content_dir
        self._known: dict[bytes, int] = {key: value for key, value in
                                         load_memo(path, _code_digest(), "membership blocks").items()
                                         if type(key) is bytes and type(value) is int}
        self._used: dict[bytes, int] = {}

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
        if self._path is not None and self._used != self._known:
            save_memo(self._path, _code_digest(), self._folder, self._used, "membership blocks")

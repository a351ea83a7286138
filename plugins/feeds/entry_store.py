"""Every made item's entries, kept in a temporary file instead of memory while the feeds are written.

An item's entries are made once and put into every feed it is in (writer.py), so they are
needed until the last of those feeds is written. Kept in memory, all of them at once were the
feeds' peak: about 140 MB at 10,000 columns (5,600 items, each its HTML twice, escaped). In
an unlinked temporary file they cost the process nothing: read back with `os.pread`, the file's
pages stay in the kernel's cache and are not the process's resident memory (an mmap's would be).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Hashable, Iterable
from types import TracebackType

from .writer import EntryXml


class EntryStore:
    """`add(key, entry)` once per item, then `entries(keys)`: the entries again, in that order.

    What `entries` gives are `EntryXml`s whose `atom` and `rss` are memoryviews of one read
    per item: bytes-like, as `writer.feed_documents` joins them, without copying them again.
    """

    def __init__(self, directory: str | None = None) -> None:
        self._file = tempfile.TemporaryFile(dir=directory, buffering=0)
        self._fd = self._file.fileno()
        self._end = 0  # the file's size; only `add` writes, at the end, so also its position
        self._where: dict[Hashable, tuple[int, int, int]] = {}  # key -> (offset, atom size, rss size)

    def __enter__(self) -> EntryStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._where

    def add(self, key: Hashable, entry: EntryXml) -> None:
        if key in self._where:
            raise KeyError(f"{key!r} is stored already")
        atom_size, rss_size = len(entry.atom), len(entry.rss)
        done = os.writev(self._fd, [entry.atom, entry.rss])
        if done != atom_size + rss_size:  # short (a full disk raises instead): write the rest
            rest = memoryview(bytes(entry.atom) + bytes(entry.rss))[done:]
            while rest:
                rest = rest[os.write(self._fd, rest):]
        self._where[key] = (self._end, atom_size, rss_size)
        self._end += atom_size + rss_size

    def entry(self, key: Hashable) -> EntryXml:
        offset, atom_size, rss_size = self._where[key]
        data = os.pread(self._fd, atom_size + rss_size, offset)
        if len(data) != atom_size + rss_size:
            raise OSError(f"the feed entries' temporary file ended early at {offset + len(data)}")
        view = memoryview(data)
        return EntryXml(view[:atom_size], view[atom_size:])

    def entries(self, keys: Iterable[Hashable]) -> list[EntryXml]:
        return [self.entry(key) for key in keys]

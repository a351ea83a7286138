"""Items' entries kept in a temporary file instead of memory while the feeds are written.

An item's entries are made once and put into every feed it is in (writer.py), so they are
needed until the last of those feeds is written. Kept in memory, all of them at once were the
feeds' peak: about 140 MB at 10,000 columns (7,500 items, each its HTML twice, escaped). The
entries a later feed needs again go to an unlinked temporary file instead (4,500 items, 46 MB
at 10,000 columns: the HTML, in both the Atom and the RSS entry, is written once) and are read
back with `os.pread`: the file's pages are the kernel's cache, not the process's resident
memory (an mmap's would be), and can be written out and dropped when memory runs short.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Hashable, Iterable
from types import TracebackType

from .writer import EntryXml


class EntryStore:
    """`add(key, entry)` once per item, then `entries(keys)`: the entries again, in that order.

    What `entries` gives are `EntryXml`s whose `atom` (and `rss`, unless it shares bytes with
    `atom`) are memoryviews of one read per item: bytes-like, as `writer.feed_documents` joins
    them. The bytes an entry's `shared` hint names (the item's HTML, in both) are kept once.
    """

    def __init__(self, directory: str | None = None) -> None:
        self._file = tempfile.TemporaryFile(dir=directory, buffering=0)
        self._fd = self._file.fileno()
        self._end = 0  # the file's size; only `add` writes, at the end, so also its position
        # key -> (offset, atom size, rss head size, rss tail size, shared start in atom, shared size)
        self._where: dict[Hashable, tuple[int, int, int, int, int, int]] = {}

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
        """Keep `entry`; the bytes its `shared` hint names (checked) go to the file once."""
        if key in self._where:
            raise KeyError(f"{key!r} is stored already")
        atom, rss = entry.atom, entry.rss
        shared_start, head, length = 0, len(rss), 0  # rss = its head, then the shared bytes, then its tail
        if entry.shared is not None:
            in_atom, in_rss, shared_size = entry.shared
            if (0 <= in_atom and 0 <= in_rss and 0 < shared_size and in_atom + shared_size <= len(atom)
                    and in_rss + shared_size <= len(rss)
                    and atom[in_atom:in_atom + shared_size] == rss[in_rss:in_rss + shared_size]):
                shared_start, head, length = in_atom, in_rss, shared_size
        pieces = [atom, rss[:head], rss[head + length:]] if length else [atom, rss]
        size = sum(map(len, pieces))
        done = os.writev(self._fd, pieces)
        if done != size:  # short (a full disk raises instead): write the rest
            rest = memoryview(b"".join(pieces))[done:]
            while rest:
                rest = rest[os.write(self._fd, rest):]
        self._where[key] = (self._end, len(atom), head, len(rss) - head - length, shared_start, length)
        self._end += size

    def entry(self, key: Hashable) -> EntryXml:
        offset, atom_size, head, tail, shared_start, length = self._where[key]
        size = atom_size + head + tail
        data = os.pread(self._fd, size, offset)
        if len(data) != size:
            raise OSError(f"the feed entries' temporary file ended early at {offset + len(data)}")
        view = memoryview(data)
        if not length:
            return EntryXml(view[:atom_size], view[atom_size:])
        rss = b"".join((view[atom_size:atom_size + head], view[shared_start:shared_start + length],
                        view[atom_size + head:]))
        return EntryXml(view[:atom_size], rss)

    def entries(self, keys: Iterable[Hashable]) -> list[EntryXml]:
        return [self.entry(key) for key in keys]


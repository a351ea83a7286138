"""Term counts of each text kept between builds, keyed by a hash of the text they come from.

Tokenising every column is most of the cost of indexing 10,000 columns, and between two
builds almost every text is unchanged. One file holds the counts of every text of the last
build as compressed sparse rows (a `TermMatrix`: numpy arrays of term ids and counts, and
the vocabulary) and each row's text hash: a marshal header (builtin types only, no code runs
on load) and the arrays' raw bytes, which a build reads as views of the file's bytes, behind
a checksum, so a truncated or damaged file is simply ignored and rebuilt. The
tokeniser's own source is part of the checksum input, so changing how text becomes terms
invalidates the whole cache by itself.
"""

from __future__ import annotations

import hashlib
import marshal
import mmap
import os
import tempfile
from array import array
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from itertools import filterfalse
from pathlib import Path

import numpy as np
from site_build.forks import map_shares, worker_count

from . import tokens
from .tokens import TermFolder, term_counts

CACHE_FILE_NAME = "terms.marshal"
SCRATCH_PREFIX = ".related-terms-"  # + the pid of the process that made the folder
_MAGIC = b"ridge-related-terms 3\n"
_DIGEST_SIZE = 32
_KEY_SIZE = 16
_INDEX_CHUNK = 1 << 19
_CHECK_PIECE = 1 << 22  # bytes checksummed (then released) at a time


@dataclass(frozen=True, slots=True)
class TermMatrix:
    """Term counts of texts as compressed sparse rows.

    Row r counts term `vocab[ids[k]]` `counts[k]` times for k in indptr[r]:indptr[r + 1]
    (each term once per row, in no particular order).
    """

    vocab: list[str]
    indptr: np.ndarray  # int64, one more than the rows
    ids: np.ndarray  # int32
    counts: np.ndarray  # int32

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def row(self, r: int) -> dict[str, int]:
        start, end = int(self.indptr[r]), int(self.indptr[r + 1])
        vocab = self.vocab
        return {vocab[term]: count for term, count in zip(self.ids[start:end].tolist(),
                                                          self.counts[start:end].tolist(), strict=True)}

    def take(self, rows: np.ndarray) -> TermMatrix:
        """The rows `rows`, in that order (repeats allowed)."""
        return take_stacked([self], rows)

    def compact(self) -> TermMatrix:
        """The same rows over only the terms they use (as is while nine terms in ten are used)."""
        # In chunks: numpy turns an index array (and bincount's input) into 8-byte integers,
        # a 32 MB copy of a 10,000-column corpus's 4M entries at once.
        used = np.zeros(len(self.vocab), dtype=bool)
        for start in range(0, len(self.ids), _INDEX_CHUNK):
            used[self.ids[start:start + _INDEX_CHUNK]] = True
        if int(used.sum()) * 10 >= len(self.vocab) * 9:
            return self
        renumber = np.cumsum(used, dtype=np.int32) - 1
        ids = np.empty(len(self.ids), dtype=np.int32)
        for start in range(0, len(self.ids), _INDEX_CHUNK):
            ids[start:start + _INDEX_CHUNK] = renumber[self.ids[start:start + _INDEX_CHUNK]]
        vocab = [self.vocab[term] for term in np.flatnonzero(used).tolist()]
        return TermMatrix(vocab, self.indptr, ids, self.counts)


def take_stacked(matrices: Sequence[TermMatrix], rows: np.ndarray,
                 release: Callable[[TermMatrix, int, int], None] | None = None) -> TermMatrix:
    """The rows `rows` (repeats allowed) of `matrices` stacked, without stacking them.

    Row r of the stack is row r of the first matrix, then the second's rows follow, and so
    on; the vocabulary is the last one's (each extends the one before). Runs of consecutive
    rows are copied as slices, so nothing the size of every entry is made besides the result.
    `release(matrix, low, high)` is told each time entries low..high-1 of a matrix are copied
    (a matrix mapped from the cache file hands those pages back: `_MappedFile`).
    """
    rows = np.asarray(rows, dtype=np.int64)
    offsets = np.cumsum([0] + [len(matrix) for matrix in matrices])
    for matrix, offset in zip(matrices, offsets.tolist(), strict=False):
        if len(rows) == len(matrix) and (not len(rows) or (rows[0] == offset and np.array_equal(
                rows, np.arange(offset, offset + len(rows))))):
            if len(matrix) or matrix is matrices[-1]:
                return TermMatrix(matrices[-1].vocab, matrix.indptr, matrix.ids, matrix.counts)
    lengths = np.concatenate([np.diff(matrix.indptr) for matrix in matrices])[rows] if len(rows) else rows
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    ids = np.empty(int(indptr[-1]), dtype=np.int32)
    counts = np.empty(int(indptr[-1]), dtype=np.int32)
    source = np.searchsorted(offsets, rows, side="right") - 1  # which matrix each row comes from
    breaks = np.flatnonzero((np.diff(rows) != 1) | (np.diff(source) != 0)) + 1 if len(rows) else rows
    run_starts = np.r_[0, breaks].astype(np.int64) if len(rows) else rows
    run_ends = np.r_[breaks, len(rows)].astype(np.int64) if len(rows) else rows
    for start, end, which in zip(run_starts.tolist(), run_ends.tolist(), source[run_starts].tolist(), strict=True):
        matrix = matrices[which]
        first = int(rows[start]) - int(offsets[which])
        low, high = int(matrix.indptr[first]), int(matrix.indptr[first + end - start])
        out = int(indptr[start])
        for piece in range(low, high, _INDEX_CHUNK):
            piece_end = min(high, piece + _INDEX_CHUNK)
            ids[out + piece - low:out + piece_end - low] = matrix.ids[piece:piece_end]
            counts[out + piece - low:out + piece_end - low] = matrix.counts[piece:piece_end]
            if release is not None:
                release(matrix, piece, piece_end)
    return TermMatrix(matrices[-1].vocab, indptr, ids, counts)


class LazyTexts(Sequence):
    """(title, text) pairs made on each access, `make(position)` for each of `positions`.

    Slices stay lazy, so a forked worker makes the texts of its own share: the texts of a
    whole corpus (75 MB at 10,000 columns) are never all alive at once.
    """

    def __init__(self, make: Callable[[int], tuple[str, str]], positions: Sequence[int]):
        self._make, self._positions = make, positions

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return LazyTexts(self._make, self._positions[index])
        return self._make(self._positions[index])


def _tokeniser_version() -> bytes:
    return hashlib.blake2b(Path(tokens.__file__).read_bytes(), digest_size=16).digest()


def text_key(title: str, text: str) -> bytes:
    """What a text's counts are filed under: title and text both feed the counts."""
    data = f"{title}\x00{text}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=_KEY_SIZE).digest()


def _tokenise(share: Sequence[tuple[str, str]]) -> list:
    """Term counts of `share` as [vocabulary, row lengths, term ids, counts] (plain data for a pipe).

    Each text's counts go into the flat arrays as soon as they are made: only one text's
    `Counter` is alive at a time. Terms are numbered in order of first sight.
    """
    folder = TermFolder()
    number: dict[str, int] = {}
    lengths: list[int] = []
    ids, counts = array("i"), array("i")
    for title, text in share:
        row = term_counts(title, text, folder)
        new = list(filterfalse(number.__contains__, row))
        number.update(zip(new, range(len(number), len(number) + len(new)), strict=True))
        lengths.append(len(row))
        ids.extend(map(number.__getitem__, row))
        counts.extend(row.values())
    return [list(number), lengths, ids, counts]  # arrays travel through marshal as bytes


_ROWS_PER_SCATTER = 4096  # rows of a share placed at once (bounds the index arrays)


def _tokenise_to_file(folder: str, share: Sequence[tuple[str, str]]) -> list:
    """`_tokenise`, with the term ids and counts written to a file in `folder` (its name comes
    back instead): the parent then reads them a block at a time, so no share's arrays are ever
    whole in its memory."""
    local, lengths, ids, counts = _tokenise(share)
    name = None
    try:
        handle, name = tempfile.mkstemp(dir=folder, suffix=".terms")
        with os.fdopen(handle, "wb") as out:
            out.write(ids)
            out.write(counts)
    except OSError:  # a full or read-only disk: send the arrays through the pipe instead
        if name is not None:
            Path(name).unlink(missing_ok=True)
        return [local, lengths, ids, counts]
    return [local, lengths, name, len(ids)]


def _entry_reader(result: list) -> Callable[[int, int], tuple[np.ndarray, np.ndarray]]:
    """(ids, counts) of entries low..high-1 of a share's result, in memory or in its file."""
    if isinstance(result[2], str):
        name, total = result[2], result[3]

        def from_file(low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
            return (np.fromfile(name, dtype=np.int32, count=high - low, offset=4 * low),
                    np.fromfile(name, dtype=np.int32, count=high - low, offset=4 * (total + low)))
        return from_file
    ids, counts = np.frombuffer(result[2], dtype=np.int32), np.frombuffer(result[3], dtype=np.int32)
    return lambda low, high: (ids[low:high], counts[low:high])


def _scratch_folder(workers: int, scratch: Path | None):
    """Where the children put their arrays: a new folder in `scratch` (the cache folder: on
    disk, where a RAM-backed /tmp would not be), else the system's; none for one process, or
    when no folder can be made (the arrays then come through the pipes)."""
    if workers <= 1:
        return nullcontext()
    try:
        if scratch is not None:
            scratch.mkdir(parents=True, exist_ok=True)
        # named by the process that makes it, so whoever stops that process can remove it
        return tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=scratch)
    except OSError:
        return nullcontext()


def tokenise(texts: Sequence[tuple[str, str]], vocab: list[str] | None = None,
             scratch: Path | None = None) -> TermMatrix:
    """Term counts of each (title, text), on every core, as rows over `vocab` (extended in place).

    With more than one core every share is tokenised in a child (whose temporaries, the term
    folder's memo and the share's numbering, never add to this process's memory), which writes
    its arrays to a temporary file (in `scratch` if given); each share's ids are renumbered and
    placed a few thousand rows at a time from there: besides the result only one block of
    entries is in memory.
    """
    vocab = [] if vocab is None else vocab
    number = dict(zip(vocab, range(len(vocab)), strict=True))
    workers = worker_count(len(texts))
    with _scratch_folder(workers, scratch) as folder:
        work = _tokenise if folder is None else partial(_tokenise_to_file, folder)
        shares = map_shares(work, texts, workers, parent_works=False)
        lengths = np.zeros(len(texts), dtype=np.int64)
        for share, result in enumerate(shares):
            lengths[share::workers] = result[1]
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        del lengths
        all_ids = np.empty(indptr[-1], dtype=np.int32)
        all_counts = np.empty(indptr[-1], dtype=np.int32)
        for share in range(len(shares)):
            local, share_lengths = shares[share][0], shares[share][1]
            entries = _entry_reader(shares[share])
            shares[share] = None  # each share's arrays go as soon as they are placed
            to_global = np.array([number.setdefault(term, len(number)) for term in local], dtype=np.int32)
            share_lengths = np.asarray(share_lengths, dtype=np.int64)
            local_starts = np.zeros(len(share_lengths) + 1, dtype=np.int64)
            np.cumsum(share_lengths, out=local_starts[1:])
            starts = indptr[share::workers][: len(share_lengths)]
            # rows share, share + workers, ...: scatter each share's entries to where its rows go
            for first in range(0, len(share_lengths), _ROWS_PER_SCATTER):
                last = min(len(share_lengths), first + _ROWS_PER_SCATTER)
                low, high = int(local_starts[first]), int(local_starts[last])
                index = np.repeat(starts[first:last] - local_starts[first:last], share_lengths[first:last])
                index += np.arange(low, high, dtype=np.int64)
                ids, counts = entries(low, high)
                all_ids[index] = to_global[ids]
                all_counts[index] = counts
            del local, entries
    vocab.extend(list(number)[len(vocab):])
    return TermMatrix(vocab, indptr, all_ids, all_counts)


class _MappedFile:
    """The term-count file mapped read-only, its pages handed back to the system once read.

    A one-edit build copies the cached rows into a new matrix (`take_stacked`) while they are
    still mapped; releasing each piece as it is copied (and the whole file after checking it)
    keeps the mapped bytes from counting twice in the build's memory. A released page that is
    read again comes back from the file (the page cache), unchanged: the mapping outlives a
    replacement of the file (`save_matrix` renames a new file over it).
    """

    def __init__(self, path: Path) -> None:
        with path.open("rb") as handle:
            self.map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        self.address = np.frombuffer(self.map, dtype=np.uint8).ctypes.data

    def release_bytes(self, start: int, end: int) -> None:
        page = mmap.PAGESIZE
        # only whole pages inside start..end and the file (madvise refuses a start past its end)
        start, end = -(-start // page) * page, min(end, len(self.map)) // page * page
        if end > start and hasattr(mmap, "MADV_DONTNEED"):
            self.map.madvise(mmap.MADV_DONTNEED, start, end - start)

    def release(self, matrix: TermMatrix, low: int, high: int) -> None:
        """Hand back the pages of entries low..high-1 of `matrix`, if it is mapped from here."""
        for values in (matrix.ids, matrix.counts):
            offset = values.ctypes.data - self.address
            if 0 <= offset < len(self.map):
                self.release_bytes(offset + low * values.itemsize, offset + high * values.itemsize)


def _decode(data: memoryview, mapped: _MappedFile | None = None) -> tuple[list[bytes], TermMatrix] | None:
    start = len(_MAGIC) + _DIGEST_SIZE
    if bytes(data[:len(_MAGIC)]) != _MAGIC or len(data) < start + 8:
        return None
    digest = hashlib.blake2b(key=_tokeniser_version(), digest_size=_DIGEST_SIZE)
    for piece in range(start, len(data), _CHECK_PIECE):
        digest.update(data[piece:piece + _CHECK_PIECE])
        if mapped is not None:
            mapped.release_bytes(piece, piece + _CHECK_PIECE)
    if digest.digest() != bytes(data[len(_MAGIC):start]):
        return None
    try:
        header_size = int.from_bytes(data[start:start + 8], "little")
        offset = start + 8 + header_size
        keys, vocab, rows, entries = marshal.loads(data[start + 8:offset])
        if not (isinstance(keys, bytes) and isinstance(vocab, list) and rows >= 0 and entries >= 0):
            return None
        if offset + 8 * (rows + 1) + 8 * entries != len(data):
            return None
        # views of `data`: the arrays are never copied out of the file's bytes
        indptr = np.frombuffer(data, dtype="<i8", count=rows + 1, offset=offset)
        ids = np.frombuffer(data, dtype="<i4", count=entries, offset=offset + 8 * (rows + 1))
        counts = np.frombuffer(data, dtype="<i4", count=entries, offset=offset + 8 * (rows + 1) + 4 * entries)
        matrix = TermMatrix(vocab, indptr, ids, counts)
    except (EOFError, ValueError, TypeError):
        return None
    if (len(keys) % _KEY_SIZE or len(keys) // _KEY_SIZE != rows or matrix.indptr[0] != 0
            or matrix.indptr[-1] != len(matrix.ids) or np.any(np.diff(matrix.indptr) < 0)
            or not _ids_within(matrix, len(vocab), mapped)):
        return None
    return [keys[k:k + _KEY_SIZE] for k in range(0, len(keys), _KEY_SIZE)], matrix


def _ids_within(matrix: TermMatrix, size: int, mapped: _MappedFile | None) -> bool:
    for piece in range(0, len(matrix.ids), _INDEX_CHUNK):
        ids = matrix.ids[piece:piece + _INDEX_CHUNK]
        if not 0 <= int(ids.min()) <= int(ids.max()) < size:
            return False
        if mapped is not None:
            mapped.release(matrix, piece, piece + len(ids))
    return True


def _load_mapped(path: Path) -> tuple[list[bytes], TermMatrix, _MappedFile] | None:
    try:
        mapped = _MappedFile(path)
    except (OSError, ValueError):  # missing, unreadable, or empty (nothing to map)
        return None
    try:
        loaded = _decode(memoryview(mapped.map), mapped)
    except (OSError, ValueError):  # anything odd about the file means "no cache", never a failed build
        return None
    return None if loaded is None else (*loaded, mapped)


def load_matrix(path: Path) -> tuple[list[bytes], TermMatrix] | None:
    """The cached text keys and their rows, or None when missing, damaged or from another tokeniser.

    The arrays are views of the file, mapped (see `_MappedFile`)."""
    loaded = _load_mapped(path)
    return None if loaded is None else loaded[:2]


def load_entries(path: Path) -> dict[bytes, dict[str, int]]:
    """The cached counts as {text key: {term: count}} ({} when missing or damaged)."""
    loaded = load_matrix(path)
    if loaded is None:
        return {}
    keys, matrix = loaded
    return {key: matrix.row(r) for r, key in enumerate(keys)}


def save_matrix(path: Path, keys: Sequence[bytes], matrix: TermMatrix) -> None:
    """Write atomically (temp file + rename): a concurrent build reads an old or new file, never half.

    A small marshal header (keys, vocabulary, sizes), then the arrays' own bytes, written
    from the arrays themselves: no copy of the whole payload is made in memory.
    """
    header = marshal.dumps([b"".join(keys), matrix.vocab, len(matrix), len(matrix.ids)])
    parts = [len(header).to_bytes(8, "little"), header,
             *(memoryview(np.ascontiguousarray(array, dtype=dtype)).cast("B")
               for array, dtype in ((matrix.indptr, "<i8"), (matrix.ids, "<i4"), (matrix.counts, "<i4")))]
    digest = hashlib.blake2b(key=_tokeniser_version(), digest_size=_DIGEST_SIZE)
    for part in parts:
        digest.update(part)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".terms-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(_MAGIC + digest.digest())
            for part in parts:
                temp.write(part)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def cached_term_matrix(texts: Sequence[tuple[str, str]], cache_dir: Path | None) -> tuple[TermMatrix, int]:
    """Term counts of each (title, text), tokenising only texts not seen by an earlier build.

    Returns the rows in input order and how many texts were tokenised. The cache keeps the
    texts of this call only, so it never grows past the current corpus; it is rewritten
    only when that set changed.
    """
    matrix, tokenised, _ = cached_term_rows(texts, cache_dir)
    return matrix, tokenised


def cached_term_rows(texts: Sequence[tuple[str, str]], cache_dir: Path | None) -> tuple[TermMatrix, int, bytes]:
    """`cached_term_matrix`, and the texts' keys joined (b"" without a cache folder)."""
    if cache_dir is None:
        return tokenise(texts), len(texts), b""
    path = cache_dir / CACHE_FILE_NAME
    loaded = _load_mapped(path)
    old_keys, old, mapped = loaded if loaded is not None else ([], tokenise([]), None)
    release = None if mapped is None else mapped.release
    keys = [text_key(title, text) for title, text in texts]
    if keys == old_keys:
        return old, 0, b"".join(keys)  # the same texts in the same order (a build with no text edited)
    row_of = dict(zip(old_keys, range(len(old_keys)), strict=True))
    missing: dict[bytes, int] = {}  # key -> a position with that text
    for position, key in enumerate(keys):
        if key not in row_of:
            missing[key] = position
    source = [old]
    if missing:
        new = tokenise(LazyTexts(texts.__getitem__, list(missing.values())), list(old.vocab), cache_dir)
        for key in missing:
            row_of[key] = len(row_of)
        source = [old, new]  # rows of `new` follow those of `old` (`take_stacked`)
    matrix = take_stacked(source, np.fromiter(map(row_of.__getitem__, keys), dtype=np.int64, count=len(keys)),
                          release)
    fresh = dict.fromkeys(keys)
    if fresh.keys() != set(old_keys) or len(old_keys) != len(fresh):
        try:
            rows = matrix if len(fresh) == len(keys) else take_stacked(
                source, np.fromiter(map(row_of.__getitem__, fresh), dtype=np.int64, count=len(fresh)), release)
            save_matrix(path, list(fresh), rows.compact())
        except OSError:
            pass  # a read-only or full disk costs speed next time, never the build
    return matrix, len(missing), b"".join(keys)


def cached_term_counts(texts: Sequence[tuple[str, str]], folder: TermFolder | None = None,
                       cache_dir: Path | None = None) -> tuple[list[dict[str, int]], int]:
    """Term counts of each (title, text) as dicts, and how many texts were tokenised."""
    matrix, tokenised = cached_term_matrix(texts, cache_dir)
    return [matrix.row(r) for r in range(len(matrix))], tokenised

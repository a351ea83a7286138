"""Compute the columns' digests (most of a warm build's key time) on every core.

An article's digest is its own fields' digest (its "shallow" digest, page_keys.py) followed
by the shallow digests of the articles it points at (its cards). Each process computes the
shallow digests of its share only, with the positions of the articles each one points at;
the parent then has every shallow digest and combines them, so no process hashes another's
share (pointing at cards in every share, the digests computed whole cost each process nearly
every column). Everything is a function of the objects alone, so a forked child sharing the
parent's memory computes the same bytes. A child that fails, or an article that cannot be
hashed or points outside the list, leaves the article to the parent, which then computes it
(or finds it unkeyable) exactly as before.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from typing import Any

from .page_keys import Unkeyable, ValueHasher

_DIGEST = 20
_HEAD = struct.Struct("<B20sH")  # computed (1) or not (0), shallow digest, how many it points at
_POSITION = struct.Struct("<i")


def _share_bytes(hasher: ValueHasher, articles: Sequence[Any], position_of: dict[int, int]) -> bytes:
    out = bytearray()
    for article in articles:
        try:
            digest, nested = hasher.shallow_digest(article)
            positions = [position_of[id(other)] for other in nested]
        except (Unkeyable, KeyError):
            out += _HEAD.pack(0, b"", 0)
            continue
        if len(positions) > 0xFFFF:
            out += _HEAD.pack(0, b"", 0)
            continue
        out += _HEAD.pack(1, digest, len(positions))
        out += struct.pack(f"<{len(positions)}i", *positions)
    return bytes(out)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _take_share(hasher: ValueHasher, articles: Sequence[Any], share: Sequence[Any], data: bytes) -> bool:
    """Give `hasher` the shallow digests a child sent for `share`; False if the bytes do not parse."""
    offset, known = 0, []
    try:
        for article in share:
            flag, digest, count = _HEAD.unpack_from(data, offset)
            offset += _HEAD.size
            positions = struct.unpack_from(f"<{count}i", data, offset)
            offset += count * _POSITION.size
            if flag == 1:
                known.append((article, digest, [articles[p] for p in positions]))
    except (struct.error, IndexError):
        return False
    if offset != len(data):
        return False
    for article, digest, nested in known:
        hasher.know_shallow(article, digest, nested)
    return True


def precompute_article_digests(hasher: ValueHasher, articles: Sequence[Any], workers: int) -> int:
    """Give `hasher` the digests of `articles`, computed by `workers` processes; the number known."""
    workers = max(1, min(workers, len(articles) // 256 or 1))
    if workers == 1 or not hasattr(os, "fork"):
        return 0  # the hasher computes each when a page needs it
    position_of = {id(article): position for position, article in enumerate(articles)}
    children: list[tuple[int, int, int]] = []
    for index in range(1, workers):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: hash its share, send it, leave without cleanup handlers
            code = 0
            try:
                os.close(read_end)
                data = _share_bytes(ValueHasher(), articles[index::workers], position_of)
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(data)
            except BaseException:
                code = 1
            os._exit(code)
        os.close(write_end)
        children.append((index, pid, read_end))
    for article in articles[0::workers]:
        try:
            hasher.shallow_digest(article)
        except Unkeyable:
            pass
    for index, pid, read_end in children:
        try:
            data = _read_all(read_end)
        finally:
            os.close(read_end)
            _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) == 0:
            _take_share(hasher, articles, articles[index::workers], data)
        # else the parent computes these when pages need them
    known = 0
    for article in articles:  # every shallow digest is known now: combining them is cheap
        try:
            hasher.article_digest(article)
            known += 1
        except Unkeyable:
            pass
    return known

"""Compute the columns' digests (most of a warm build's key time) on every core.

The digest of an article is a function of the objects alone (page_keys.py), so a forked child
sharing the parent's memory computes the same bytes for its share; only 21 bytes per article
come back through a pipe. A child that fails, or an article that cannot be hashed, leaves the
article to the parent, which then computes it (or finds it unkeyable) exactly as before.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from .page_keys import Unkeyable, ValueHasher

_DIGEST = 20
_RECORD = _DIGEST + 1  # a flag byte (1: computed) and the digest


def _share_bytes(hasher: ValueHasher, articles: Sequence[Any]) -> bytes:
    out = bytearray()
    for article in articles:
        try:
            out += b"\x01" + hasher.article_digest(article)
        except Unkeyable:
            out += b"\x00" * _RECORD
    return bytes(out)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def precompute_article_digests(hasher: ValueHasher, articles: Sequence[Any], workers: int) -> int:
    """Give `hasher` the digests of `articles`, computed by `workers` processes; the number known."""
    workers = max(1, min(workers, len(articles) // 256 or 1))
    if workers == 1 or not hasattr(os, "fork"):
        return 0  # the hasher computes each when a page needs it
    children: list[tuple[int, int, int]] = []
    for index in range(1, workers):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: hash its share, send it, leave without cleanup handlers
            code = 0
            try:
                os.close(read_end)
                data = _share_bytes(ValueHasher(), articles[index::workers])
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(data)
            except BaseException:
                code = 1
            os._exit(code)
        os.close(write_end)
        children.append((index, pid, read_end))
    known = 0
    for article in articles[0::workers]:
        try:
            hasher.article_digest(article)
            known += 1
        except Unkeyable:
            pass
    for index, pid, read_end in children:
        try:
            data = _read_all(read_end)
        finally:
            os.close(read_end)
            _, status = os.waitpid(pid, 0)
        share = articles[index::workers]
        if os.waitstatus_to_exitcode(status) != 0 or len(data) != _RECORD * len(share):
            continue  # the parent computes these when pages need them
        for position, article in enumerate(share):
            record = data[position * _RECORD:(position + 1) * _RECORD]
            if record[0] == 1:
                hasher.know_article_digest(article, record[1:])
                known += 1
    return known

"""Split independent work between forked processes that inherit everything built so far.

The children have the whole site in memory already (copy-on-write), so only results travel
back, through a pipe with `marshal`: they must be plain data (bytes, str, int, tuple, list,
dict). Shares are interleaved (`items[k::workers]`) so each gets a fair mix; a share whose
child fails is done again here, so the results never depend on the number of workers.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Callable, Sequence
from typing import Any


def worker_count(items: int, min_per_worker: int, workers: int | None = None) -> int:
    workers = workers or os.cpu_count() or 1
    if not hasattr(os, "fork"):
        return 1
    return max(1, min(workers, items // max(1, min_per_worker)))


def map_in_forks(work: Callable[[Sequence[Any]], list[Any]], items: Sequence[Any], workers: int) -> list[Any]:
    """`work(share)` over `workers` interleaved shares of `items`; results in the order of `items`."""
    if workers <= 1:
        return list(work(items))
    children: list[tuple[int, int, int]] = []
    for share in range(1, workers):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: do its share, send it back, leave without cleanup handlers
            os.close(read_end)
            code = 0
            try:
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(marshal.dumps(list(work(items[share::workers]))))
            except BaseException:
                code = 1
            os._exit(code)
        os.close(write_end)
        children.append((share, pid, read_end))
    results: list[Any] = [None] * len(items)
    try:
        results[0::workers] = list(work(items[0::workers]))
    finally:
        payloads = {}
        for share, pid, read_end in children:
            with os.fdopen(read_end, "rb") as pipe:
                payloads[share] = pipe.read()
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                payloads[share] = b""
    for share, payload in payloads.items():
        try:
            done = marshal.loads(payload) if payload else None
        except (EOFError, ValueError, TypeError):
            done = None
        if not isinstance(done, list) or len(done) != len(items[share::workers]):
            done = list(work(items[share::workers]))  # a worker died: do its share here
        results[share::workers] = done
    return results

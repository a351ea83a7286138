"""Split independent work between forked processes that inherit everything built so far.

Results travel back through a pipe with `marshal`, so they must be plain data (str, int,
float, list, dict). Shares are interleaved (`items[k::workers]`) so each gets a fair mix.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Callable, Sequence
from typing import Any

MIN_PER_WORKER = 200  # below this, forking costs more than it saves


def map_in_forks(work: Callable[[Sequence[Any]], list[Any]], items: Sequence[Any],
                 workers: int | None = None) -> list[Any]:
    """`work(share)` over shares of `items` on every core; results in the order of `items`."""
    workers = workers or os.cpu_count() or 1
    workers = max(1, min(workers, len(items) // MIN_PER_WORKER))
    if workers == 1 or not hasattr(os, "fork"):
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
    results[0::workers] = list(work(items[0::workers]))
    for share, pid, read_end in children:
        with os.fdopen(read_end, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0 or not payload:
            done = list(work(items[share::workers]))  # a worker died: do its share here
        else:
            done = marshal.loads(payload)
        results[share::workers] = done
    return results

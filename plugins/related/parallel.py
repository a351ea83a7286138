"""Rank every column on every core: forked children inherit the built index.

Each column's ranking reads the index and nothing else, so splitting the columns between
processes gives exactly the lists one process would.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Sequence

from .ranker import RelatedIndex

MIN_PER_WORKER = 200  # below this, forking costs more than it saves


def _rank(index: RelatedIndex, ids: Sequence[str]) -> dict[str, list[str]]:
    return {item_id: [pick.item.id for pick in index.related(item_id)] for item_id in ids}


def related_id_lists(index: RelatedIndex, ids: Sequence[str], workers: int | None = None) -> dict[str, list[str]]:
    """Every id's related ids (explicit first), ranked by `workers` processes (default: every core)."""
    workers = workers or os.cpu_count() or 1
    workers = max(1, min(workers, len(ids) // MIN_PER_WORKER))
    if workers == 1 or not hasattr(os, "fork"):
        return _rank(index, ids)
    children: list[tuple[int, int]] = []
    for share in range(1, workers):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: rank its share, send it back, leave without cleanup handlers
            os.close(read_end)
            code = 0
            try:
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(marshal.dumps(_rank(index, ids[share::workers])))
            except BaseException:
                code = 1
            os._exit(code)
        os.close(write_end)
        children.append((pid, read_end))
    result = _rank(index, ids[0::workers])
    failed = []
    for pid, read_end in children:
        with os.fdopen(read_end, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0 or not payload:
            failed.append(pid)
            continue
        result.update(marshal.loads(payload))
    missing = [item_id for item_id in ids if item_id not in result]
    if missing:  # a worker died: rank its share here rather than fail the build
        result.update(_rank(index, missing))
    return result

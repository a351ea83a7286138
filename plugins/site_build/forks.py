"""Split independent work between forked processes that inherit everything built so far.

Results travel back through a pipe with `marshal`, so they must be plain data (str, int,
float, bytes, list, dict). Shares are interleaved (`items[k::workers]`) so each gets a fair mix.
"""

from __future__ import annotations

import marshal
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any

MIN_PER_WORKER = 200  # below this, forking costs more than it saves


def worker_count(items: int, workers: int | None = None) -> int:
    """How many processes `items` pieces of work are worth (1: do them here)."""
    workers = workers or os.cpu_count() or 1
    workers = max(1, min(workers, items // MIN_PER_WORKER))
    return workers if hasattr(os, "fork") else 1


def map_shares(work: Callable[[Sequence[Any]], Any], items: Sequence[Any], workers: int,
               parent_works: bool = True) -> list[Any]:
    """[work(items[0::workers]), work(items[1::workers]), ...], the shares after the first in children.

    With `parent_works` False every share goes to a child and this process only waits: for work
    whose temporaries are large, so they never add to this process's memory (a share's result
    still comes back here). A share whose child fails (or cannot be started) is done here.
    """
    if workers <= 1:
        return [work(items)]
    children = [(share, start_in_fork(lambda share=share: work(items[share::workers])))
                for share in range(0 if not parent_works else 1, workers)]
    try:
        results: list[Any] = [work(items[0::workers])] if parent_works else []
    except BaseException:  # this process's own share failed: no child is left behind
        for _share, child in children:
            if child is not None:
                child.abandon()
        raise
    for share, child in children:
        done, result = child.take() if child is not None else (False, None)
        results.append(result if done else work(items[share::workers]))
        del result
    return results


def map_in_forks(work: Callable[[Sequence[Any]], list[Any]], items: Sequence[Any],
                 workers: int | None = None) -> list[Any]:
    """`work(share)` over shares of `items` on every core; results in the order of `items`."""
    workers = worker_count(len(items), workers)
    if workers == 1:
        return list(work(items))
    results: list[Any] = [None] * len(items)
    for share, done in enumerate(map_shares(lambda part: list(work(part)), items, workers)):
        results[share::workers] = done
    return results


class ForkedWork:
    """One piece of work running in a forked child: `take` waits for its result, `abandon`
    stops it (a build that fails before taking it must not leave the child blocked on a full
    pipe). Either reaps the child; later calls do nothing. With `own_group`, the child leads a
    process group of its own, and `abandon` stops the workers it forked too."""

    def __init__(self, pid: int, pipe: int, own_group: bool = False) -> None:
        self.pid, self.pipe, self.own_group = pid, pipe, own_group
        self.done = False

    def take(self) -> tuple[bool, Any]:
        """(True, the result), or (False, None) when the child failed or was already reaped."""
        if self.done:
            return False, None
        # done only once reaped: interrupted before that (Ctrl-C), `abandon` still stops the child
        pipe, self.pipe = self.pipe, -1
        try:
            with os.fdopen(pipe, "rb") as stream:
                result, received = marshal.load(stream), True
        except (EOFError, ValueError, TypeError, OSError):
            result, received = None, False
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            self.done = True
            return False, None
        self.done = True
        if os.waitstatus_to_exitcode(status) != 0 or not received:
            return False, None
        return True, result

    def abandon(self) -> None:
        """Stop the child (and its group's workers) if still running, and reap it."""
        if self.done:
            return
        self.done = True
        if self.pipe >= 0:  # (once `take` has it, the number may already be another file's)
            os.close(self.pipe)
            self.pipe = -1
        for kill in (os.killpg, os.kill) if self.own_group else (os.kill,):
            try:
                kill(self.pid, signal.SIGKILL)
                break
            except (ProcessLookupError, PermissionError):
                continue
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def start_in_fork(work: Callable[[], Any], own_group: bool = False) -> ForkedWork | None:
    """Run `work()` in a forked child meanwhile (its result must be plain data, as above);
    None when no child can be started, and the caller does the work itself."""
    if not hasattr(os, "fork"):
        return None
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:  # no memory or process slot for a child
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: work, send, leave without the parent's cleanup handlers
        code = 0
        try:
            if own_group:
                os.setpgid(0, 0)  # the workers it forks join its group
            os.close(read_end)
            with os.fdopen(write_end, "wb") as pipe:
                marshal.dump(work(), pipe)
        except BaseException:
            code = 1
        os._exit(code)
    os.close(write_end)
    if own_group:
        try:
            os.setpgid(pid, pid)  # also here, so the group exists before `abandon` can be called
        except OSError:
            pass  # the child set it already, or has exited
    return ForkedWork(pid, read_end, own_group)

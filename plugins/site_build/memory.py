"""Handing freed memory back to the system between build stages."""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn


def return_free_memory() -> None:
    """Give the heap's free pages back to the system (glibc's malloc_trim; elsewhere nothing).

    A stage that frees many objects leaves glibc holding the pages between live blocks; they
    stay in the build's resident memory, and in every worker forked after it, unless trimmed.
    """
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError, TypeError):
        pass


def forget_pelican_memos() -> None:
    """Empty Pelican's class-wide memos of `get_content` and `get_summary`.

    They are keyed by content object, so they keep every page of a build alive, and through
    its context the whole site and the content cache files its columns read from, into the
    next build of the same process (`invoke serve`).
    """
    from pelican.contents import Content  # here: memory.py is imported before Pelican is needed

    for name in ("get_content", "get_summary"):
        cache = getattr(Content.__dict__.get(name), "cache", None)
        if isinstance(cache, dict):
            cache.clear()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Turn Python's cyclic garbage collector off for the block, back to its state after.

    A build makes millions of objects (articles, contexts, keys) that all live until its end;
    each full collection walks every one of them, and a 10,000-column build triggered eight
    (0.9 s of a one-edit build's 7.8 s) that found almost nothing to free: peak memory is the
    same without them. Reference counting still frees everything acyclic at once, and the
    cycles a build leaves are collected after it, when the collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def collector_off_until_exit() -> None:
    """Turn the cyclic collector off for the rest of a process that builds once and then ends
    with `exit_without_teardown`. Otherwise `collector_paused` turns it back on after the build,
    and the next allocation starts a collection that walks every object the build made (all
    of them in the young generation, the collector having been off), to free cycles the
    process's end frees anyway: a one-edit build at 10,000 columns took about 0.25 s longer
    from start to exit with it."""
    gc.disable()


def exit_without_teardown(code: int) -> NoReturn:
    """End the process now: output flushed, log handlers closed, heap left to the OS.

    For a command whose work is done (`invoke build`). Python's own exit frees every object
    one by one, 0.7 s after a 10,000-column build, for memory the system takes back at once.
    Everything a build writes is written and closed before it returns.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)

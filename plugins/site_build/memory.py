"""Handing freed memory back to the system between build stages."""

from __future__ import annotations

import ctypes


def return_free_memory() -> None:
    """Give the heap's free pages back to the system (glibc's malloc_trim; elsewhere nothing).

    A stage that frees many objects leaves glibc holding the pages between live blocks; they
    stay in the build's resident memory, and in every worker forked after it, unless trimmed.
    """
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError, TypeError):
        pass

"""Freed heap memory handed back to the operating system between steps (glibc otherwise keeps it)."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, musl, Windows)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
        return trim
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> bool:
    """Return the heap's free pages to the OS; True when some were released.

    glibc keeps freed small and medium blocks (below its adaptive mmap threshold, up to 32 MB)
    in its arenas, including the arena of the thread Dask's client receives results on. After a
    step that collected partitions, that free memory counted 3 GB of the ETA xl client's resident
    size; the next step's arrays would not necessarily reuse it. ``malloc_trim(0)`` releases it.
    """
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False

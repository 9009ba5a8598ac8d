"""Memory the server gives back to the system after each run of a page.

Each rerun (a slider step, a page) allocates per-customer arrays of a few to tens of MB and
frees them at its end. With glibc's default settings, blocks under a threshold that grows up
to 32 MB after such frees come from the heap and its per-thread arenas, and freed pieces of
those stay with the process: a session at 1M customers grew about 60 MB every other slider
step and never shrank. So large blocks are always mapped on their own (returned to the
system when freed), and what is free at the end of a run is trimmed. On a system without
glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_MMAP_THRESHOLD = -3  # mallopt's parameter numbers (malloc.h)
LARGE = 1 << 20  # bytes: a block this large is mapped on its own, and unmapped when freed


@functools.cache
def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt  # noqa: B018 - glibc's, else AttributeError
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    libc.mallopt(M_MMAP_THRESHOLD, LARGE)  # a fixed threshold: no longer raised by frees
    return libc


def tune() -> None:
    """Map large blocks on their own from now on (once per process; cheap after)."""
    _libc()


def give_back() -> None:
    """Return the memory freed during this run to the system (a few ms)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)

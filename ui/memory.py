"""Memory the server gives back to the system after each run of a page.

Each rerun (a slider step, a page) allocates per-customer arrays of a few to tens of MB and
frees them at its end. With glibc's default settings, blocks under a threshold that grows up
to 32 MB after such frees come from the heap and its per-thread arenas, and freed pieces of
those stay with the process: a session at 1M customers grew about 60 MB every other slider
step and never shrank. So what is free at the end of a run is trimmed (all arenas, free pages
in the middle of a heap too), and the thresholds are fixed so that glibc's own choices do
not move with each free.

The thresholds are set high on purpose. With blocks of 1 MB or more mapped on their own (as
first done here), every per-customer temporary of a fit or a score came from fresh pages
that the kernel had to fault in and zero: the Value page's numpy work ran about twice as slow
in the server as in a plain process (Gamma-Gamma's fit at 1M customers 0.80 s against 0.33 s,
benchmarks/RESULTS.md). Blocks under 32 MB (a 4M-row float64 array) now come from the heap
and are reused within a run; the heap is only shrunk by the trim at the run's end, not by
every free at its top. On a system without glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)
LARGE = 32 << 20  # bytes: a block this large is mapped on its own, and unmapped when freed
KEEP = 64 << 20  # bytes free at the heap's top that a free leaves for reuse (trimmed later)


@functools.cache
def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt  # noqa: B018 - glibc's, else AttributeError
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    libc.mallopt(M_MMAP_THRESHOLD, LARGE)  # fixed thresholds: no longer moved by frees
    libc.mallopt(M_TRIM_THRESHOLD, KEEP)
    return libc


def tune() -> None:
    """Map large blocks on their own from now on (once per process; cheap after)."""
    _libc()


def give_back() -> None:
    """Return the memory freed during this run to the system (a few ms)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)

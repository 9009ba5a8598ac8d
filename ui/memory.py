"""Memory the server gives back to the system after each run of a page.

Each rerun (a slider step, a page) allocates per-customer arrays of a few to tens of MB and
frees them at its end. With glibc's default settings, blocks under a threshold that grows up
to 32 MB after such frees come from the heap and its per-thread arenas, and freed pieces of
those stay with the process: a session at 1M customers grew about 60 MB every other slider
step and never shrank. So large blocks are mapped on their own (returned to the system when
freed), and what is free at the end of a run is trimmed. On a system without glibc this
does nothing.

The value model's work is the exception (:func:`roomy`). A fit or a score allocates and frees
the same few MB-sized temporaries hundreds of times; mapped on their own, each came from
fresh pages that the kernel faulted in and zeroed, and that work ran about twice as slow in
the server as in a plain process (Gamma-Gamma's fit at 1M customers 0.80 s against 0.33 s,
benchmarks/RESULTS.md). Within :func:`roomy`, blocks under 32 MB come from the heap and are
reused; at its end the normal settings return and what is free is trimmed. Heap blocks for
every page instead made the 1M session grow 27 MB per inactivity-window step again.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import threading

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)
LARGE = 1 << 20  # bytes: a block this large is mapped on its own, and unmapped when freed
TRIM = 128 << 10  # bytes free at the heap's top that a free returns (glibc's default)
ROOMY_LARGE = 32 << 20  # within roomy(): only blocks this large are mapped on their own
ROOMY_TRIM = 64 << 20  # within roomy(): what a free leaves at the heap's top for reuse

_roomy_runs = 0  # how many threads are inside roomy() now
_roomy_lock = threading.Lock()


@functools.cache
def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt  # noqa: B018 - glibc's, else AttributeError
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    _settle(libc, LARGE, TRIM)  # fixed thresholds: no longer moved by frees
    return libc


def _settle(libc, large: int, trim: int) -> None:
    libc.mallopt(M_MMAP_THRESHOLD, large)
    libc.mallopt(M_TRIM_THRESHOLD, trim)


def tune() -> None:
    """Map large blocks on their own from now on (once per process; cheap after)."""
    _libc()


def give_back() -> None:
    """Return the memory freed during this run to the system (a few ms)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


@contextlib.contextmanager
def roomy():
    """Within: MB-sized blocks come from the heap and are reused (see the module's note).
    Nested and concurrent uses share one roomy spell; the last one out ends it and trims."""
    global _roomy_runs
    libc = _libc()
    if libc is None:
        yield
        return
    with _roomy_lock:
        _roomy_runs += 1
        if _roomy_runs == 1:
            _settle(libc, ROOMY_LARGE, ROOMY_TRIM)
    try:
        yield
    finally:
        with _roomy_lock:
            _roomy_runs -= 1
            if _roomy_runs == 0:
                _settle(libc, LARGE, TRIM)
                libc.malloc_trim(0)


def roomily(func):
    """``func`` run within :func:`roomy`."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        with roomy():
            return func(*args, **kwargs)

    return run

"""The value model's and the report's libraries, loaded once per server in the background.

lifetimes (with SciPy's statistics), fpdf2 and vl-convert's chart engine take about 1.5 s
to load and start, and load only when first needed: the first Value page or PDF report of a
server would wait for them. So once a page has been drawn, a thread loads them while the
visitor reads it (at a lower CPU priority where the system allows)."""

from __future__ import annotations

import os
import threading

_lock = threading.Lock()
_started = False


def start() -> threading.Thread | None:
    """Load the libraries in a background thread, the first time only (that thread, else
    None)."""
    global _started
    with _lock:
        if _started:
            return None
        _started = True
    thread = threading.Thread(target=_load, name="lens-warm", daemon=True)
    thread.start()
    return thread


def _load() -> None:
    try:  # a nicer thread: the pages' work goes first when both want the CPU
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass
    import altair as alt
    import pandas as pd

    import analytics.output.pdf  # noqa: F401 - fpdf2
    import analytics.value.fitters  # noqa: F401 - lifetimes, SciPy's statistics
    from analytics.output import charts

    charts.png(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x"), scale=1)

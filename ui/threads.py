"""Work a page starts in a thread of its script run while it goes on with its own."""

from __future__ import annotations

import contextvars
import threading

from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.script_run_context import in_cached_function


def beside(function, *args):
    """Start ``function(*args)`` in a thread of this script run; returns a call that waits
    for it and gives its result (or raises its error).

    The thread's cached steps show no spinner: Streamlit draws each cache's spinner over the
    same spot, so two at once overlap; the caller says what runs (the report's progress bar,
    the page's own spinner). Streamlit leaves out the spinner of a cached step called from
    another one, so the thread runs as if in one (a flag in Streamlit's script-run context).
    """
    done: dict = {}
    context = contextvars.copy_context()
    context.run(in_cached_function.set, True)

    def run() -> None:
        try:
            done["result"] = context.run(function, *args)
        except BaseException as error:  # handed to the waiting call
            done["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    add_script_run_ctx(thread, get_script_run_ctx())  # the caches see the same app
    thread.start()

    def result():
        thread.join()
        if "error" in done:
            raise done["error"]
        return done["result"]

    return result

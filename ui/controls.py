"""Controls that step aside in presentation mode.

In presentation mode a control is not drawn at all (no slider, selector, uploader or
download button on screen, nor gaps where they were): its current value is kept, returned
to the page as usual, and named in one "Settings" line under the page's title. Every result
(tables, comparisons, lists, charts) stays. Out of presentation mode these are the plain
Streamlit widgets, with the same arguments (the container comes first).
"""

from __future__ import annotations

from datetime import date

import streamlit as st

NOTES = "_settings_notes"
LINE = "_settings_line"


def presenting() -> bool:
    return bool(st.session_state.get("presentation"))


def start_run() -> None:
    """Called once per run by app.py: a fresh settings line for the page about to draw."""
    st.session_state[NOTES] = []
    st.session_state[LINE] = None


def settings_line() -> None:
    """Where the page's settings are named in presentation mode (right under its title)."""
    if presenting():
        st.session_state[LINE] = st.empty()
        _draw()


def _words(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return f"{value:%d %b %Y}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "all"
        return (
            " – ".join(_words(v) for v in value)
            if len(value) == 2 and not isinstance(value[0], str)
            else ", ".join(_words(v) for v in value)
        )
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _draw() -> None:
    line = st.session_state.get(LINE)
    notes = st.session_state.get(NOTES) or []
    if line is not None and notes:
        line.caption("Settings: " + " · ".join(notes))


def _kept(key: str, value, label: str | None, shown=None) -> object:
    """Keep a control's value while it is not drawn, and name it in the settings line."""
    st.session_state[key] = value  # re-committed: Streamlit forgets undrawn widgets' state
    if label:
        text = shown(value) if shown else _words(value)
        st.session_state.setdefault(NOTES, []).append(f"{label.rstrip(':')}: {text}")
        _draw()
    return value


def _stored(key: str, default):
    return st.session_state[key] if key in st.session_state else default


def slider(container, label: str, min_value=None, max_value=None, value=None, step=None, *,
           key: str, note: bool = True, shown=None, **kwargs):  # fmt: skip
    if presenting():
        default = value if value is not None else min_value
        return _kept(key, _stored(key, default), label if note else None, shown)
    return container.slider(label, min_value, max_value, value, step, key=key, **kwargs)


def number_input(container, label: str, min_value=None, max_value=None, value="min", step=None,
                 *, key: str, note: bool = True, **kwargs):  # fmt: skip
    if presenting():
        default = min_value if value == "min" else value
        return _kept(key, _stored(key, default), label if note else None)
    return container.number_input(label, min_value, max_value, value, step, key=key, **kwargs)


def selectbox(container, label: str, options, index: int = 0, *, key: str, note: bool = True,
              format_func=str, **kwargs):  # fmt: skip
    options = list(options)
    if presenting():
        default = options[index] if options and index is not None else None
        value = _stored(key, default)
        value = value if value in options else default
        return _kept(key, value, label if note else None, format_func)
    return container.selectbox(
        label, options, index=index, key=key, format_func=format_func, **kwargs
    )


def multiselect(container, label: str, options, default=None, *, key: str, note: bool = True,
                **kwargs):  # fmt: skip
    if presenting():
        value = [v for v in _stored(key, default or []) if v in list(options)]
        return _kept(key, value, label if note else None)
    return container.multiselect(label, options, default=default, key=key, **kwargs)


DATE_FORMAT = "YYYY-MM-DD"  # every date picker, the sidebar's included


def date_input(container, label: str, value="today", *, key: str, note: bool = True, **kwargs):
    if presenting():
        return _kept(key, _stored(key, value), label if note else None)
    return container.date_input(label, value=value, key=key, format=DATE_FORMAT, **kwargs)


def toggle(container, label: str, value: bool = False, *, key: str, note: bool = True, **kw):
    if presenting():
        return _kept(key, _stored(key, value), label if note else None)
    return container.toggle(label, value=value, key=key, **kw)


def button(container, label: str, **kwargs) -> bool:
    """A button is an action, not a setting: in presentation mode it is simply not there."""
    return False if presenting() else container.button(label, **kwargs)


def download_button(container, label: str, data, **kwargs) -> None:
    if not presenting():
        container.download_button(label, data, **kwargs)


def file_uploader(container, label: str, **kwargs):
    """In presentation mode, no uploader: the page shows what was loaded before."""
    return None if presenting() else container.file_uploader(label, **kwargs)


def columns(spec, **kwargs) -> list:
    """Columns that hold controls; in presentation mode the page itself, so nothing is
    drawn and no empty row of columns leaves a gap (text put in them still shows)."""
    if presenting():
        return [st] * (spec if isinstance(spec, int) else len(spec))
    return st.columns(spec, **kwargs)


def expander(label: str, **kwargs):
    """An expander of controls; in presentation mode an empty slot that draws nothing."""
    return st.empty() if presenting() else st.expander(label, **kwargs)

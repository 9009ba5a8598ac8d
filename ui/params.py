"""Shareable settings: every setting below lives in the URL's query parameters.

On a session's first run the URL's values (when valid) become the settings; after each
run the URL is rewritten from the settings, so a copied link reopens the same view.
The data is in the URL only as ``data=<key>``, the key of a dataset kept on disk (see
ui/session.py). Widgets read their value from session state only (no default argument),
which is what lets the URL set them.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from analytics.ingest.parsing import CURRENCIES
from analytics.insights import rfm
from analytics.insights.cohorts import BY_FIRST_PERIOD, METRICS, PERIODS
from analytics.insights.segments import FILTER_ATTRIBUTES
from analytics.value import clv
from ui import controls


def _number(kind, low, high):
    def parse(text: str):
        value = kind(float(text)) if kind is int else kind(text)
        if not low <= value <= high:
            raise ValueError(text)
        return value

    return parse


def _choice(options):
    def parse(text: str):
        if text not in options:
            raise ValueError(text)
        return text

    return parse


def _label(text: str) -> str:
    """A free label (checked against the page's own options when the page draws)."""
    if not 0 < len(text) <= 100:
        raise ValueError(text)
    return text


def _flag(text: str) -> bool:
    return text.lower() in ("1", "true", "yes", "on")


NO_CURRENCY = "none"  # a link's currency when the user chose plain numbers
# Each page's views; the first is the default.
VIEWS = {
    "lc_view": [
        "Stage mix",
        "Funnel",
        "Evolution",
        "Transitions",
        "What-if",
        "Win-back",
        "Members",
    ],
    "clv_view": ["Value", "Churn risk", "Backtest", "Model"],
    "sg_view": ["Segment map", "Hero customers", "Stage × segment", "Segment builder"],
}
DEFAULTS = {
    "window": 180,
    "at_risk_factor": 1.5,
    "presentation": False,
    "hero_pct": 5,
    "clv_model": clv.DEFAULT_MODEL,
    "clv_months": 12,
    "clv_discount": 1.0,
    "clv_margin": 100,
    "churn_days": 90,
    "clv_no_outliers": False,
    "co_period": "month",
    "co_metric": "retention",
    "co_group": BY_FIRST_PERIOD,
    "leave_out_existing": True,
    "sg_pick": rfm.SEGMENTS[0],
    **{key: views[0] for key, views in VIEWS.items()},
}
PARSERS = {
    "window": _number(int, 30, 730),
    "at_risk_factor": _number(float, 1.0, 4.0),
    "presentation": _flag,
    "hero_pct": _number(int, 1, 25),
    "clv_model": _choice(clv.MODELS),
    "clv_months": _number(int, 1, 36),
    "clv_discount": _number(float, 0.0, 5.0),
    "clv_margin": _number(int, 5, 100),
    "churn_days": _number(int, 30, 365),
    "clv_no_outliers": _flag,
    "co_period": _choice(PERIODS),
    "co_metric": _choice(METRICS),
    "co_group": _label,
    "leave_out_existing": _flag,
    "sg_pick": _choice(rfm.SEGMENTS),
    **{key: _choice(views) for key, views in VIEWS.items()},
}


# The segment builder's filters: their options and spans
# come from the data, so they are checked where the page draws them (:func:`options_only`,
# :func:`within`); a filter left at "all" is not written. Kept while another page is shown,
# as the settings above are.
FILTERS = {
    "sb_stages": "list",
    "sb_segments": "list",
    **{f"sb_{col}": "list" for col in FILTER_ATTRIBUTES},
    "sb_hero": "flag",
    "sb_days": "range",
    "sb_clv": "range",
    "sb_alive": "range",
}
FULL = "_filter_spans"  # each range filter's whole span, as its slider last drew it


def _filter(kind: str, values: list[str]):
    if kind == "list":
        return [_label(v) for v in values[:500]]
    if kind == "flag":
        return _flag(values[0])
    low, high = (float(v) for v in values)  # a range
    if not low <= high:
        raise ValueError(values)
    return (low, high)


def init(first_day: date, last_day: date) -> None:
    """Defaults for every shared setting, then (once per session) the URL's valid values."""
    for key, value in DEFAULTS.items():
        # Re-committing a widget's value keeps it while its page is not shown (Streamlit
        # forgets the state of widgets that were not drawn in a run).
        st.session_state[key] = st.session_state.get(key, value)
    for key in FILTERS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    if st.session_state.get("_url_read"):
        return
    st.session_state["_url_read"] = True
    for key, text in st.query_params.items():
        try:
            if key == "ref_date":
                value = date.fromisoformat(text)
                if not first_day <= value <= last_day:
                    continue
            elif key == "currency":  # the user's currency for the link's data
                st.session_state["link_currency"] = _currency(text)
                continue
            elif key in PARSERS:
                value = PARSERS[key](text)
            elif key in FILTERS:
                value = _filter(FILTERS[key], st.query_params.get_all(key))
            else:
                continue
        except ValueError:
            continue  # a hand-edited or stale link: keep the default
        st.session_state[key] = value


def _currency(text: str) -> str:
    """A link's currency: a known code, or "none" for plain numbers ("")."""
    if text == NO_CURRENCY:
        return ""
    return _choice(CURRENCIES)(text)


def write(data: str | None = None, currency: str | None = None) -> None:
    """Rewrite the URL from the current settings (only what differs from the defaults), the
    active dataset's key (none for the demo shop) and the user's currency for it (none when
    they chose none: the one read from the file applies)."""
    wanted = {"data": data} if data else {}
    if currency is not None:
        wanted["currency"] = currency or NO_CURRENCY
    for key in ["ref_date", *DEFAULTS]:
        value = st.session_state.get(key)
        if value is None or DEFAULTS.get(key) == value:
            continue
        wanted[key] = value.isoformat() if isinstance(value, date) else str(value)
    spans = st.session_state.get(FULL, {})
    for key, kind in FILTERS.items():
        value = st.session_state.get(key)
        if value in (None, [], False) or (kind == "range" and spans.get(key) == tuple(value)):
            continue  # "all": nothing to write
        # A span exactly as set (str of a float round-trips): a rounded one would move rows.
        wanted[key] = [str(v) for v in value] if kind != "flag" else str(value)
    now = {key: st.query_params.get_all(key) for key in st.query_params}
    if now != {key: v if isinstance(v, list) else [v] for key, v in wanted.items()}:
        st.query_params.from_dict(wanted)


def options_only(key: str, options) -> None:
    """A filter's values from a link or another dataset, kept only where they are options now
    (a widget given a value outside its options would fail)."""
    if key in st.session_state:
        allowed = set(options)
        st.session_state[key] = [v for v in st.session_state[key] if v in allowed]


def within(key: str, low, high) -> None:
    """A range filter's value, clamped to today's span (whole span when unset); the slider is
    then drawn without a value of its own. The span is kept so that "all" is not written."""
    kind = type(low)
    st.session_state.setdefault(FULL, {})[key] = (low, high)
    start, end = st.session_state.get(key, (low, high))
    start, end = kind(min(max(start, low), high)), kind(min(max(end, low), high))
    st.session_state[key] = (start, end)


def segmented(label: str, options: list[str], key: str, container=st, **kwargs) -> str:
    """A segmented control that is never empty: clicking the selected option keeps it
    selected (Streamlit would unselect it, and the page would fall back to its default)."""
    last = f"_last_{key}"
    if st.session_state.get(key) not in options:
        st.session_state[key] = st.session_state.get(last) or options[0]
    if controls.presenting():  # not drawn: the choice is named in the settings line
        st.session_state[last] = st.session_state[key]
        return controls._kept(key, st.session_state[key], label)

    def keep() -> None:
        if st.session_state.get(key) is None:
            st.session_state[key] = st.session_state.get(last) or options[0]

    value = container.segmented_control(label, options, key=key, on_change=keep, **kwargs)
    st.session_state[last] = value
    return value

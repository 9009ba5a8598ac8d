"""The Data page's forms: which column holds what, and which currency the amounts are in."""

from __future__ import annotations

import streamlit as st

from analytics.ingest.formats import ORDER_ROLES, ROLE_LABELS
from analytics.ingest.parsing import CURRENCIES
from ui import controls, session

NONE = "—"


def mapping_form(layout: dict, overrides: dict, name: str, loaded: bool) -> None:
    """Role -> column pickers for the uploaded file ``name``; applying re-reads it.
    ``loaded``: whether it is the data on screen (else it was refused, and this mapping is
    how to fix it)."""
    with st.form("mapping_form"):
        st.markdown(f"#### Column mapping of {name}" + ("" if loaded else " (not loaded)"))
        st.caption(
            "Which column holds what. Change a choice and apply to read the file again."
            if loaded
            else "This file was not loaded (the message above says why): the data below is "
            "still the one before. Pick the column that holds what is missing, then apply."
        )
        cols = st.columns(4)
        picks = {}
        choices = [NONE, *layout["columns"]]
        for i, role in enumerate(ORDER_ROLES):
            current = overrides.get(role, layout["mapping"].get(role)) or NONE
            picks[role] = cols[i % 4].selectbox(
                ROLE_LABELS[role], choices, index=choices.index(current), key=f"map_{role}"
            )
        if st.form_submit_button("Apply mapping", type="primary"):
            st.session_state["mapping_overrides"] = {
                role: (None if col == NONE else col) for role, col in picks.items()
            }
            st.rerun()


def currency_picker(dataset: session.Dataset) -> None:
    """The currency money is shown in: read from the file, changeable here (nothing is
    converted; several currencies in one file are a warning of the quality report)."""
    log = dataset.log
    found = log.currency
    options = [found or "", *[c for c in CURRENCIES if c != found]]
    if found is None:
        options = ["", *CURRENCIES]
    current = session.currency(dataset) or ""
    if controls.presenting():
        return
    picked = st.selectbox(
        "Currency",
        options,
        index=options.index(current) if current in options else 0,
        format_func=lambda c: (
            (f"{c} (read from the file)" if c == found and log.currencies else c)
            if c
            else "None: show plain numbers"
        ),
        key=f"currency_{dataset.source.key[:8]}",
        help="Money is shown in this currency on every page, in the lists and in the PDF. "
        "Nothing is converted: this only names the currency of the amounts in the file.",
        width=320,
    )
    if picked != current:
        session.choose_currency(dataset, picked)
        st.rerun()

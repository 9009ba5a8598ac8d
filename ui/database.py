"""The Data page's database panel: where the orders live, then the mapping from its schema."""

from __future__ import annotations

import streamlit as st

from analytics import LensError, sources
from analytics.formats import ORDER_ROLES, ROLE_LABELS, detect_format, suggest_mapping
from ui import state

NONE = "—"
PLACEHOLDER = (
    "postgresql://user@host:5432/shop  ·  mysql://user@host:3306/shop  ·  "
    "duckdb:///data/shop.duckdb  ·  lake/*.parquet"
)


def panel() -> None:
    """URL + table or query -> Connect (reads the schema) -> mapping -> Read orders.

    Every failure is one line; what was loaded before stays loaded.
    """
    st.caption(
        "Read the orders where they live: the cleaning runs in the database, and only the "
        "clean order log comes back. The app only reads (one SELECT, a read-only session). "
        "Never type a password here: the app reads it from the server's "
        "`.streamlit/secrets.toml` (`[passwords]`, keyed by the URL), which whoever runs "
        "the app fills in."
    )
    with st.form("db_connect"):
        url = st.text_input("Where the orders are", key="db_url", placeholder=PLACEHOLDER)
        left, right = st.columns([1, 2])
        table = left.text_input("Table", key="db_table", placeholder="orders")
        sql = right.text_area(
            "…or a SQL query (one SELECT)", key="db_sql", height=68, placeholder="SELECT …"
        )
        connect = st.form_submit_button("Connect", type="primary")
    if connect:
        _connect(url, table, sql)
    location = st.session_state.get("db_location")
    if location is not None:
        mapping_form(location, st.session_state["db_columns"])


def _connect(url: str, table: str, sql: str) -> None:
    st.session_state.pop("db_location", None)
    try:
        location = sources.locate(url, None if sql.strip() else table.strip(), sql.strip())
        if location is None:
            raise LensError(
                "Write where the orders are: a database URL (postgresql://, mysql://, "
                "duckdb:///, spark://) or a Parquet file, folder or glob. Files can be uploaded "
                "instead."
            )
        columns = sources.columns_of(location)
    except LensError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    except Exception as exc:  # noqa: BLE001 - a user never sees a traceback
        st.error(f"Cannot connect ({type(exc).__name__}).", icon=":material/error:")
        return
    st.session_state["db_location"] = location
    st.session_state["db_columns"] = columns


def mapping_form(location: sources.Location, columns: dict[str, str]) -> None:
    """Role -> column pickers offered from the table's own columns and types."""
    names = list(columns)
    suggested = suggest_mapping(names, detect_format(names))
    with st.form("db_mapping"):
        st.markdown(f"#### Columns of {location.name}")
        st.caption("Which column holds what; suggested from the names. Then read the orders.")
        cols = st.columns(4)
        picks = {}
        choices = [NONE, *names]
        for i, role in enumerate(ORDER_ROLES):
            current = suggested.get(role) or NONE
            picks[role] = cols[i % 4].selectbox(
                ROLE_LABELS[role],
                choices,
                index=choices.index(current),
                key=f"db_map_{role}",
                format_func=lambda c: f"{c} ({columns[c]})" if c in columns else c,
            )
        if st.form_submit_button("Read orders", type="primary"):
            mapping = {role: (None if col == NONE else col) for role, col in picks.items()}
            state.try_open(state.location_source(location, mapping))

"""The Data page's database panel: a source the operator listed, then the mapping from its
schema. A visitor never types an address, a server path or a password here."""

from __future__ import annotations

import streamlit as st

from analytics import LensError
from analytics.access import allowed
from analytics.ingest import sources
from analytics.ingest.formats import ORDER_ROLES, ROLE_LABELS, detect_format, suggest_mapping
from ui import session

NONE = "—"


def listed() -> dict:
    """The sources the operator listed, by name (analytics.access.allowed); problems with the list
    are said once per visit, to whoever opens the panel."""
    found, problems = allowed.listed_sources()
    if problems and not st.session_state.get("_listed_problems_said"):
        st.session_state["_listed_problems_said"] = True
        for problem in problems:
            st.warning(problem, icon=":material/warning:")
    return found


def panel(sources_listed: dict) -> None:
    """A listed source (of :func:`listed`) + table, query or path -> Connect (reads the
    schema) -> mapping -> Read orders. Every failure is one line; what was loaded before
    stays loaded."""
    if not sources_listed:
        st.info(f"No database or folder is listed for this app. {allowed.HOW_TO_LIST}")
        return
    st.caption(
        "Read the orders where they live: the app fetches the columns you map, once, and "
        "cleans them itself. It only reads (one SELECT, a read-only session), and only the "
        "sources listed by whoever runs it; passwords stay on the server."
    )
    names = list(sources_listed)
    if st.session_state.get("db_source") not in names:
        st.session_state["db_source"] = names[0]
    name = st.selectbox(
        "Source",
        names,
        key="db_source",
        format_func=lambda n: sources_listed[n].label,
    )
    entry = sources_listed[name]
    with st.form("db_connect"):
        if entry.kind == "parquet":
            inside = st.text_input(
                "File or folder inside it (blank: all of it)",
                key="db_inside",
                placeholder="orders/  ·  2024/*.parquet  ·  orders.parquet",
            )
            table = sql = ""
        else:
            inside = ""
            left, right = st.columns([1, 2])
            table = left.text_input("Table", key="db_table", placeholder=entry.table or "orders")
            sql = (
                ""
                if entry.kind == "spark"
                else right.text_area(
                    "…or a SQL query (one SELECT)", key="db_sql", height=68, placeholder="SELECT …"
                )
            )
        connect = st.form_submit_button("Connect", type="primary")
    if connect:
        _connect(entry, table, sql, inside)
    location = st.session_state.get("db_location")
    if location is not None:
        mapping_form(location, st.session_state["db_columns"])


def _connect(entry: allowed.Listed, table: str, sql: str, inside: str) -> None:
    st.session_state.pop("db_location", None)
    try:
        location = entry.location(table if not sql.strip() else "", sql, inside)
        columns = sources.columns_of(location)
    except LensError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    except Exception as exc:  # noqa: BLE001 - a user never sees a traceback
        st.error(f"Cannot connect ({type(exc).__name__}).", icon=":material/error:")
        return
    st.session_state["db_location"] = location
    st.session_state["db_columns"] = columns
    st.session_state["db_request"] = (entry.name, table, sql, inside)


def _checked_again(location: sources.Location) -> sources.Location:
    """The location as the listed source names it now: the list, the folder's files and the
    links in it are checked again at the moment of reading, not only at Connect."""
    name, table, sql, inside = st.session_state.get("db_request", ("", "", "", ""))
    entry = listed().get(name)
    if entry is None:
        raise LensError(f"{location.name} is no longer listed for this app.")
    again = entry.location(table if not sql.strip() else "", sql, inside)
    if again != location:
        raise LensError("What this source holds has changed since Connect: connect again.")
    return again


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
            try:
                location = _checked_again(location)
            except LensError as exc:
                st.error(str(exc), icon=":material/error:")
                return
            session.try_open(session.location_source(location, mapping))

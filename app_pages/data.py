"""Data page: choose the demo or upload an export, check the mapping and the quality report."""

import streamlit as st

from analytics.access import allowed
from analytics.ingest.formats import FORMAT_LABELS, ROLE_LABELS
from analytics.ingest.orders import read_as
from analytics.ingest.readers import ENCODING_NAMES
from analytics.output import present
from ui import controls, database, keeping, params, pickers, session, show

UPLOAD_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm", "parquet"]
DATE_ORDERS = {
    "Automatic": None,
    "Day first (03/04 = 3 April)": "dayfirst",
    "Month first (03/04 = March 4)": "monthfirst",
}
ENCODINGS = ["Automatic", "utf-8", "cp1252", "latin-1", "utf-16"]
DECIMALS = {"Automatic": None, "Decimal point (1,234.50)": ".", "Decimal comma (1.234,50)": ","}
st.title("Your data")
controls.settings_line()
forgotten = st.session_state.pop("forgotten", None)
if forgotten:
    st.success(f"{forgotten} is removed from this server.", icon=":material/delete:")
    st.session_state["source_choice"] = session.DEMO  # the demo is what shows now
limit = st.get_option("server.maxUploadSize")  # in MB; said as the uploaders say it
size = f"{limit / 1000:g} GB" if limit >= 1000 else f"{limit} MB"
if not controls.presenting():  # an instruction, not a result
    st.caption(
        "Drop an order export from Shopify, Magento, WooCommerce or any shop: CSV, Excel "
        f".xlsx or Parquet, up to {size}, or read the orders where they live (PostgreSQL, "
        "MySQL, DuckDB, Parquet datasets, Spark). Add a contacts file to see prospects "
        "(contacts who never ordered). Your data is read on this server and sent nowhere else."
    )

UPLOAD = "Upload my export"
CONNECT = "Connect to a database"
active: session.Source = st.session_state.get("source") or session.demo_source()
if st.session_state.get("source_choice") is None:
    # Coming back to this page shows the active data's source; switching is the user's pick.
    st.session_state["source_choice"] = {
        session.DEMO: session.DEMO,
        session.CDNOW: session.CDNOW,
        session.DATABASE: CONNECT,
    }.get(active.label, UPLOAD)
# Reading where the data lives is offered only for sources the operator listed.
listed = database.listed()
choices = [session.DEMO, session.CDNOW, UPLOAD] + ([CONNECT] if listed else [])
if st.session_state.get("source_choice") == CONNECT and CONNECT not in choices:
    st.session_state["source_choice"] = UPLOAD
choice = params.segmented("Data source", choices, key="source_choice")
if CONNECT not in choices and not controls.presenting():
    st.caption(
        "Reading from a database is not set up on this server.",
        help=allowed.HOW_TO_LIST,
    )

if choice == session.DEMO and active.label != session.DEMO:
    session.try_open(session.demo_source())
elif choice == session.CDNOW and active.label != session.CDNOW:
    session.try_open(session.Source(session.CDNOW, orders_name="CDNOW_master.txt"))
elif choice == UPLOAD:
    left, right = controls.columns(2)
    orders_file = controls.file_uploader(left, "Orders file", type=UPLOAD_TYPES, key="orders_file")
    contacts_file = controls.file_uploader(
        right, "Contacts file (optional)", type=UPLOAD_TYPES, key="contacts_file"
    )
    if orders_file is not None:
        # Mapping choices belong to one file: a new file starts from the automatic mapping.
        file_id = (orders_file.name, orders_file.size)
        if st.session_state.get("mapping_file") != file_id:
            st.session_state["mapping_file"] = file_id
            st.session_state["mapping_overrides"] = {}
        with st.expander("Reading options", expanded=False):
            c1, c2, c3, c4 = st.columns(4)
            fmt = c1.selectbox(
                "Format",
                ["auto", *FORMAT_LABELS],
                key="opt_format",
                format_func=lambda f: "Automatic" if f == "auto" else FORMAT_LABELS[f],
            )
            date_order = c2.selectbox("Date order", list(DATE_ORDERS), key="opt_date_order")
            encoding = c3.selectbox(
                "Text encoding",
                ENCODINGS,
                key="opt_encoding",
                format_func=lambda e: ENCODING_NAMES.get(e, e),
                help="Automatic tries UTF-8, then Windows Western (cp1252), then Latin-1.",
            )
            decimal = c4.selectbox("Decimal mark", list(DECIMALS), key="opt_decimal")
            sheets = st.session_state.get("upload_sheets", [])
            sheet = (
                st.selectbox("Excel sheet", sheets, key="opt_sheet") if len(sheets) > 1 else None
            )
        overrides = st.session_state["mapping_overrides"]
        options = {
            "format": fmt,
            "date_order": DATE_ORDERS[date_order],
            "encoding": None if encoding == "Automatic" else encoding,
            "decimal": DECIMALS[decimal],
            "sheet": sheet,
            "mapping": overrides,
        }
        candidate = session.upload_source(orders_file, contacts_file, options)
        session.open_if_new(candidate)
        layout = session.file_layout(candidate)
        if layout is not None:
            st.session_state["upload_sheets"] = layout["sheets"]
            active = st.session_state.get("source")
            loaded = active is not None and active.key == candidate.key
            pickers.mapping_form(layout, overrides, orders_file.name, loaded)
    else:  # a file taken out of the box is not held on (an open dataset keeps its own)
        st.session_state.pop("upload_source", None)
elif choice == CONNECT:
    database.panel(listed)

dataset = session.current_dataset()
log, report = dataset.log, dataset.log.report
st.subheader(f"Loaded: {dataset.name}")
if dataset.source.label != session.DEMO:
    given = st.text_input(
        "Name of this data",
        value=dataset.name,
        key=f"name_{dataset.source.key}",
        help="How pages, links and the PDF name it. Kept with the data on this server.",
    )
    if session.clean_name(dataset, given) != dataset.name:
        session.rename(dataset, given)
        st.rerun()
orders = log.orders
currency = session.currency(dataset)
span = present.period(dataset.base.data_start, dataset.base.data_end)
k1, k2, k3, k4 = st.columns([1, 1, 1.3, 2])
k1.metric("Orders", f"{len(orders):,}")
k2.metric("Customers", f"{dataset.base.n_customers:,}")
k3.metric("Revenue", present.money(orders["amount"].sum(), currency))
k4.metric(
    "Period",
    f"{dataset.base.data_start:%b %Y} – {dataset.base.data_end:%b %Y}",
    help=f"First and last kept order: {span}.",
)

st.caption(f"Read as: {read_as(log, currency)}. Orders from {span}.")
pickers.currency_picker(dataset)
keeping.panel(dataset)
if log.mapping and dataset.source.label != "Upload":
    st.caption(
        "Columns: " + ", ".join(f"{ROLE_LABELS[r]} = {c}" for r, c in log.mapping.items() if c)
    )

st.markdown("#### Quality report")
st.write(
    f"{report.rows_read:,} rows read → {report.orders_found:,} orders → "
    f"**{report.orders_kept:,} orders kept**, "
    f"{report.orders_found - report.orders_kept:,} left out."
)
table = report.dropped_table()
if not table.empty:
    show.table(table, first=["reason", "orders", "example rows"])
for warning in report.warnings:
    st.warning(warning, icon=":material/warning:")
for note in report.notes:
    if not note.startswith("Read as:"):  # said once, above
        st.caption(note)
if dataset.contacts is not None:
    c = dataset.contacts
    st.markdown(f"**Contacts:** {len(c.contacts):,} from {dataset.source.contacts_name}")
    for reason, count in c.dropped.items():
        st.caption(f"Contacts left out — {reason}: {count:,}")
    for warning in c.warnings:
        st.caption(warning)
else:
    st.caption("No contacts file: the Prospect stage is unavailable.")

st.markdown("#### Preview of the order log")
st.caption(f"The first {len(log.preview):,} orders kept, in the data's own order.")
show.table(
    log.preview,
    first=["order_id", "order_date", "customer_id", "email", "amount"],
    labels={"channel": "Channel", "country": "Country"},
)

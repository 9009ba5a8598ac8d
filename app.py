"""Lifecycle Lens: entry point. Page config, shared sidebar, navigation.

The pages live in app_pages/, not pages/: Streamlit treats a folder named pages/ beside the
entry point as a legacy multipage app, and a link opened first to /cohorts would then run
that page without this script (no sidebar, no settings).
"""

import streamlit as st

from analytics.ingest import guards
from ui import auth, controls, memory, params, session, show, warm
from ui.sidebar import presentation_toggle, render_sidebar

guards.secrets_only()  # no password from the environment reaches a listed source
memory.tune()  # freed per-customer arrays go back to the system, not to the heap

st.set_page_config(page_title="Lifecycle Lens", page_icon=":material/donut_large:", layout="wide")

auth.gate()  # with sign-in configured, nothing below runs for a visitor not signed in
controls.start_run()
session.open_link(st.query_params.get("data"))
dataset = session.current_dataset()
params.init(dataset.base.data_start.date(), dataset.base.data_end.date())
session.take_link_currency(dataset)
presentation_toggle()
show.phone_layout()
problem = st.session_state.pop("link_problem", None)
if problem:
    st.warning(problem, icon=":material/link_off:")
render_sidebar(dataset)

PAGES = [
    st.Page(
        "app_pages/lifecycle.py", title="Lifecycle", icon=":material/donut_large:", default=True
    ),
    st.Page("app_pages/cohorts.py", title="Cohorts", icon=":material/grid_on:"),
    st.Page("app_pages/products.py", title="Products and timing", icon=":material/shopping_bag:"),
    st.Page("app_pages/payback.py", title="Payback", icon=":material/payments:"),
    st.Page("app_pages/value.py", title="Value", icon=":material/savings:"),
    st.Page("app_pages/segments.py", title="Segments", icon=":material/group_work:"),
    st.Page("app_pages/campaigns.py", title="Campaigns", icon=":material/campaign:"),
    st.Page("app_pages/data.py", title="Data", icon=":material/upload_file:"),
]


def write_link() -> None:
    """The URL names the data, the settings and the user's currency for the data."""
    params.write(session.data_link_key(), session.chosen_currency(session.current_dataset()))


page = st.navigation(PAGES)
write_link()  # before the page too: a page may stop early (st.stop)
try:
    page.run()
    write_link()
    warm.start()  # the report's and the models' libraries, while the visitor reads
finally:
    memory.give_back()  # what this run freed, returned to the system

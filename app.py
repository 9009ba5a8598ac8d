"""Lifecycle Lens: entry point. Page config, shared sidebar, navigation.

The pages live in app_pages/, not pages/: Streamlit treats a folder named pages/ beside the
entry point as a legacy multipage app, and a link opened first to /cohorts would then run
that page without this script (no sidebar, no settings).

``streamlit run app.py`` first imports this file to make the server: it finds ``app`` below
(Streamlit's ``st.App``), which serves this same file as the script, run for each visitor as
``__main__``. The server loads the app's modules and libraries before it answers anyone, and
reads a link's dataset while the browser loads (ui/server.py).
"""

import streamlit as st

PAGES = [  # script, title, Material icon; the first is where the app opens
    ("app_pages/lifecycle.py", "Lifecycle", "donut_large"),
    ("app_pages/cohorts.py", "Cohorts", "grid_on"),
    ("app_pages/products.py", "Products and timing", "shopping_bag"),
    ("app_pages/payback.py", "Payback", "payments"),
    ("app_pages/value.py", "Value", "savings"),
    ("app_pages/segments.py", "Segments", "group_work"),
    ("app_pages/campaigns.py", "Campaigns", "campaign"),
    ("app_pages/data.py", "Data", "upload_file"),
]


def main() -> None:
    """One run of the script for a visitor. Its modules are imported here, not at the top:
    the server imports this file before Streamlit's runtime exists (their caches want it),
    and has them loaded by then anyway (ui/server.py)."""
    from analytics.ingest import guards
    from ui import auth, controls, memory, params, session, show
    from ui.sidebar import presentation_toggle, render_sidebar

    guards.secrets_only()  # no password from the environment reaches a listed source
    memory.tune()  # freed per-customer arrays go back to the system, not to the heap

    st.set_page_config(
        page_title="Lifecycle Lens", page_icon=":material/donut_large:", layout="wide"
    )

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

    page = st.navigation(
        [
            st.Page(path, title=title, icon=f":material/{icon}:", default=path == PAGES[0][0])
            for path, title, icon in PAGES
        ]
    )
    write_link()  # before the page too: a page may stop early (st.stop)
    try:
        page.run()
        write_link()
    finally:
        memory.give_back()  # what this run freed, returned to the system


def write_link() -> None:
    """The URL names the data, the settings and the user's currency for the data."""
    from ui import params, session

    params.write(session.data_link_key(), session.chosen_currency(session.current_dataset()))


if __name__ == "__main__":  # Streamlit runs the script as __main__ (AppTest too)
    main()
else:  # `streamlit run app.py` imports this file to make the server
    from ui import server

    app = st.App(__file__, lifespan=server.lifespan, middleware=server.MIDDLEWARE)

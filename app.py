"""Lifecycle Lens: entry point. Page config, shared sidebar, navigation."""

import streamlit as st

from ui import state
from ui.sidebar import render_sidebar

st.set_page_config(page_title="Lifecycle Lens", page_icon=":material/donut_large:", layout="wide")

dataset = state.current_dataset()
render_sidebar(dataset)

pages = [
    st.Page("pages/lifecycle.py", title="Lifecycle", icon=":material/donut_large:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:"),
]
st.navigation(pages).run()

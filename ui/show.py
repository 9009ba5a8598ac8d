"""Charts on the page, each with its PNG download (2x, rendered by vl-convert on click)."""

from __future__ import annotations

import re

import altair as alt
import streamlit as st

from analytics import report


def chart(figure: alt.Chart, name: str) -> None:
    """Draw a chart and offer it as a PNG, unless presentation mode hides the controls."""
    st.altair_chart(figure, theme=None)
    if st.session_state.get("presentation"):
        return
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    st.download_button(
        "PNG",
        lambda: report.png(figure, scale=2),  # rendered only when clicked
        file_name=f"{slug}.png",
        mime="image/png",
        icon=":material/image:",
        key=f"png_{slug}",
        type="tertiary",
    )

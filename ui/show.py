"""Charts on the page, each with its PNG download (2x, rendered by vl-convert on click).

Downloads built on click use ``on_click="ignore"``: a rerun on click can retire the button's
deferred file before the browser fetches it, leaving the download spinning forever.
"""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import streamlit as st

from analytics import charts, export


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def chart(figure: alt.Chart, name: str) -> None:
    """Draw a chart and offer it as a PNG, unless presentation mode hides the controls."""
    st.altair_chart(figure, theme=None)
    if st.session_state.get("presentation"):
        return
    slug = _slug(name)
    st.download_button(
        "PNG",
        lambda: charts.png(figure, scale=2),  # rendered only when clicked
        file_name=f"{slug}.png",
        mime="image/png",
        icon=":material/image:",
        key=f"png_{slug}",
        on_click="ignore",
        type="tertiary",
    )


def campaign_list(rows: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Excel downloads of a customer list, built only when clicked."""
    slug = _slug(name)
    left, right = st.columns(2)
    left.download_button(
        "Download CSV",
        lambda: export.to_csv_bytes(rows),
        file_name=f"{slug}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        disabled=rows.empty,
    )
    too_long = len(rows) > export.EXCEL_MAX_ROWS
    right.download_button(
        "Download Excel",
        lambda: export.to_xlsx_bytes(rows),
        file_name=f"{slug}.xlsx",
        key=f"{key}_xlsx",
        on_click="ignore",
        disabled=rows.empty or too_long,
        help=f"Excel holds at most {export.EXCEL_MAX_ROWS:,} rows: use CSV." if too_long else None,
    )

"""The shared sidebar: which data, reference date, inactivity window, at-risk factor."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analytics import report
from analytics.report import ReportSettings
from ui import controls
from ui.state import Dataset, lifecycle_index, open_campaigns


@dataclass(frozen=True)
class Settings:
    """The settings every page reads; one name per concept, as in the README."""

    ref_date: pd.Timestamp
    window: int
    at_risk_factor: float

    def caption(self) -> str:
        return (
            f"Reference date {self.ref_date:%d %b %Y} · inactivity window {self.window} days · "
            f"at-risk factor {self.at_risk_factor:g}"
        )


def settings() -> Settings:
    return Settings(
        ref_date=pd.Timestamp(st.session_state["ref_date"]),
        window=int(st.session_state["window"]),
        at_risk_factor=float(st.session_state["at_risk_factor"]),
    )


def render_sidebar(dataset: Dataset) -> None:
    if controls.presenting():  # hidden: its settings are in every page's subtitle
        controls._kept("ref_date", st.session_state["ref_date"], None)
        return
    with st.sidebar:
        st.markdown(f"**Data:** {dataset.name}")
        st.caption(
            f"{len(dataset.log.orders):,} orders · {dataset.base.n_customers:,} customers · "
            f"{dataset.base.data_start:%d %b %Y} – {dataset.base.data_end:%d %b %Y}"
        )
        st.date_input(
            "Reference date",
            key="ref_date",
            min_value=dataset.base.data_start.date(),
            max_value=dataset.base.data_end.date(),
            format="YYYY-MM-DD",
            help="Stages are computed as of this date, from the orders on or before it. "
            "Default: the last order date in the data.",
        )
        st.slider(
            "Inactivity window (days)",
            min_value=30,
            max_value=730,
            step=5,
            key="window",
            help="A customer with no order in this many days before the reference date is "
            "Inactive. Default 180 days (6 months).",
        )
        st.slider(
            "At-risk factor",
            min_value=1.0,
            max_value=4.0,
            step=0.1,
            key="at_risk_factor",
            help="A repeat customer is At risk when the days since their last order exceed "
            "this many times their usual gap between orders. Default 1.5.",
        )
        st.divider()
        s = settings()
        index = lifecycle_index(dataset)
        campaigns, key = open_campaigns(), dataset.source.key
        report_settings = ReportSettings(
            dataset.name,
            s.ref_date,
            s.window,
            s.at_risk_factor,
            st.session_state.get("clv_model", "bgnbd"),
            int(st.session_state.get("clv_months", 12)),
        )
        st.download_button(
            "Download PDF report",
            lambda: report.build(index, report_settings, campaigns.get(key)),  # on click
            file_name=f"lifecycle_report_{s.ref_date:%Y%m%d}.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            key="pdf_report",
            on_click="ignore",  # see ui/show.py
            help="KPIs, stage mix and its evolution, funnel, cohort retention, customer value "
            "with its backtest, RFM segments and hero customers, and every definition, for "
            "the current settings.",
        )


# In presentation mode the pages draw no controls (see ui/controls.py); the sidebar and the
# app's header go too, so a screenshot holds only titles, settings, KPIs, tables and charts.
PRESENTATION_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"] { display: none !important; }
</style>
"""


def presentation_toggle() -> bool:
    """The toggle stays visible in presentation mode, so it can be switched off."""
    on = st.toggle(
        "Presentation mode",
        key="presentation",
        help="Hide the controls (sidebar, selectors, sliders, uploads, downloads) for clean "
        "screenshots: every result stays, and each page names its settings under its title.",
    )
    if on:
        st.html(PRESENTATION_CSS)
    return on

"""The shared sidebar: which data, reference date, inactivity window, at-risk factor."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analytics import LensError
from analytics.insights import rfm
from analytics.output import report
from analytics.output.report import ReportSettings
from ui import (
    auth,
    cache_insights,
    cache_payback,
    cache_value,
    controls,
    memory,
    session,
    show,
    threads,
)
from ui.session import Dataset, lifecycle_index, open_campaigns

WINDOW_LIMITS = (30, 730, 5)  # the inactivity window slider: lowest, highest, step


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
        auth.sign_out_line()
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
            format=controls.DATE_FORMAT,
            help="Stages are computed as of this date, from the orders on or before it. "
            "Default: the last order date in the data.",
        )
        st.slider(
            "Inactivity window (days)",
            min_value=WINDOW_LIMITS[0],
            max_value=WINDOW_LIMITS[1],
            step=WINDOW_LIMITS[2],
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
            help="A customer with two or more orders is At risk when the days since their "
            "last order exceed this many times their expected gap between orders (their own "
            "median gap with 3 orders or more, else the shop's). Default 1.5.",
        )
        found = cache_insights.existing(dataset)
        if found is not None:
            st.toggle(
                f"Leave out {found.month}: customers already there",
                key="leave_out_existing",
                help=f"{found.sentence()} Left out of cohorts, the stage mix over time and "
                "averages by cohort (on by default when the data shows it).",
            )
        st.divider()
        pdf_report(dataset)


@st.fragment
def pdf_report(dataset: Dataset) -> None:
    """Prepare the PDF with a progress bar naming each step, then offer it for download.

    The value model, its backtest and the monthly evolution come from the app's caches (the
    same functions the command line's ``report`` runs), so a report after a visit to the
    Value page skips the slowest steps. A fragment: its buttons rerun only this part of the
    sidebar, so preparing a report does not draw the page again (1-2 s at 1M customers)."""
    s = settings()
    campaign = open_campaigns().get(dataset.source.key)
    model, value = cache_value.value_settings()  # the Value page's, as on screen
    report_settings = ReportSettings(
        dataset.name,
        s.ref_date,
        s.window,
        s.at_risk_factor,
        model,
        value.months,
        session.currency(dataset),
        value.discount_rate,
        value.margin,
        bool(st.session_state.get("leave_out_existing", True)),
        st.session_state.get("hero_pct", rfm.HERO_DEFAULT_PCT),
    )
    spend = cache_payback.spend_table(dataset)  # the demo's own spend file until edited
    spend_key = spend.to_csv(index=False)
    wanted = (dataset.source.key, report_settings, id(campaign), spend_key)
    ready = st.session_state.get("pdf_ready")
    if ready is not None and ready[0] == wanted:
        st.download_button(
            "Download PDF report",
            ready[1],
            file_name=f"lifecycle_report_{show.slug(dataset.name)}_{s.ref_date:%Y%m%d}.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            key="pdf_report",
            on_click="ignore",  # see ui/show.py
            type="primary",
        )
        st.caption("Ready for these settings. Change a setting to prepare a new one.")
        return
    if not st.button(
        "Prepare PDF report",
        icon=":material/picture_as_pdf:",
        key="pdf_prepare",
        help="A summary page (five figures in plain words), then stage mix and its "
        "evolution, funnel, cohort retention, customer value with its backtest, RFM segments "
        "and hero customers, and every definition, for the current settings.",
    ):
        return
    bar = st.progress(0.0, text="Preparing the report…")
    known = _known_results(dataset, report_settings)
    with memory.roomy():  # the report's own figures and charts: one heavy burst of work
        data = report.build(
            lifecycle_index(dataset),
            report_settings,
            campaign,
            known,
            progress=lambda done, what: bar.progress(done, text=what),
            payback=_payback(dataset, s.ref_date, spend),
            lines=dataset.log.lines,
        )
    st.session_state["pdf_ready"] = (wanted, data)
    st.rerun(scope="fragment")  # draws the download button in place of this one


def _payback(dataset: Dataset, ref_date, spend):
    """The payback section's figures when spend is loaded (and reads cleanly), else None."""
    try:
        return cache_payback.payback_of(dataset, ref_date, spend)
    except LensError:
        return None  # the Payback page says what is wrong with it


def _known_results(dataset: Dataset, s: ReportSettings) -> Callable[[], report.Known]:
    """The slow parts of the report from the app's caches (computed now if not yet), as a
    call that waits for them.

    The value model, its backtest and the stages over time share nothing, so when they are
    not cached yet they are made in threads while the report computes the figures that do not
    rest on them: numpy and pandas let go of the lock in their loops, and a second core takes
    them (benchmarks/RESULTS.md, the cold PDF)."""

    def value() -> report.Known:
        known = report.Known()
        try:
            known.fitted, known.forecast = cache_value.clv_forecast(
                dataset, s.ref_date, s.model, s.horizon_months
            )
            known.summary = cache_value.summary(dataset, s.ref_date)
        except LensError:
            pass  # the report says why in one line
        return known

    evolution = threads.beside(
        cache_insights.evolution,
        dataset.source.key,
        lifecycle_index(dataset),
        s.window,
        s.at_risk_factor,
        "month",
    )
    valued = threads.beside(value)
    checked = threads.beside(
        cache_value.checked, dataset, s.ref_date, s.model
    )  # None when it cannot run

    def known() -> report.Known:
        out = valued()
        out.evolution = evolution()
        out.backtest = checked()[0] if out.fitted is not None else None
        return out

    return known


# In presentation mode the pages draw no controls (see ui/controls.py); the sidebar and the
# app's header go too, so a screenshot holds only titles, settings, KPIs, tables and charts.
# The sidebar keeps its page menu only (a presenter moves between pages; it folds away for a
# screenshot); its settings and the PDF button are hidden, as every control is.
PRESENTATION_CSS = """
<style>
[data-testid="stSidebarUserContent"] { display: none !important; }
</style>
"""


def presentation_toggle() -> bool:
    """The toggle stays visible in presentation mode, so it can be switched off."""
    on = st.toggle(
        "Presentation mode",
        key="presentation",
        help="Hide the controls (the sidebar's settings, selectors, sliders, uploads, "
        "downloads) for clean screenshots: every result stays, each page names its settings "
        "under its title, and the sidebar keeps only its page menu (fold it away with «).",
    )
    if on:
        st.html(PRESENTATION_CSS)
    return on


def as_window(days: float | None) -> int | None:
    """A number of days as an inactivity window: rounded up to the slider's step, within
    its limits (None when there is no number)."""
    if days is None or days != days:  # NaN: no gaps to go by
        return None
    low, high, step = WINDOW_LIMITS
    return int(min(max(math.ceil(days / step) * step, low), high))


def window_button(container, days: float | None, *, key: str, why: str) -> None:
    """One click to make ``days`` the inactivity window, shown when it differs from it."""
    window = as_window(days)
    if window is None or window == int(st.session_state["window"]):
        return

    def use(value: int) -> None:
        st.session_state["window"] = value

    low, high, step = WINDOW_LIMITS
    controls.button(
        container,
        f"Use {window} days as the inactivity window{_rounding(round(days), window)}",
        on_click=use,
        args=(window,),
        key=key,
        help=f"{why}, rounded up to the slider's {step}-day step ({low}–{high} days).",
    )


def _rounding(said: int, window: int) -> str:
    """Why the window differs from the days said ("" when it does not)."""
    low, high, step = WINDOW_LIMITS
    if window == said:
        return ""
    # Short: the button may stand in half the page's width (the help says the rest).
    if said < low:
        return f" ({said} is below the lowest)"
    if said > high:
        return f" ({said} is above the highest)"
    return f" ({said} rounded up)"

"""The Payback page's state and cached wrappers: the spend table kept per dataset (like the
currency choice), the value model's expected revenue after the data's end (once per dataset
and model) and the payback tables (per spend table and margin)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import LensError
from analytics.ingest.io import DEMO_SPEND
from analytics.ingest.readers import read_table
from analytics.insights import payback
from ui import cache_value
from ui.session import DEMO, Dataset


def spend_table(dataset: Dataset) -> pd.DataFrame:
    """The spend kept for this dataset: the demo shop's own file until the user edits it."""
    kept = st.session_state.setdefault("spend_tables", {})
    if dataset.source.key not in kept:
        demo = dataset.source.label == DEMO
        kept[dataset.source.key] = (
            pd.read_csv(DEMO_SPEND, dtype=str, keep_default_na=False)
            if demo
            else payback.empty_spend()
        )
    return kept[dataset.source.key]


def keep_spend(dataset: Dataset, table: pd.DataFrame) -> None:
    st.session_state.setdefault("spend_tables", {})[dataset.source.key] = table


def read_upload(data: bytes, name: str) -> pd.DataFrame:
    """An uploaded spend file (CSV or Excel), checked; raises LensError naming the problem."""
    frame = read_table(data, name).frame
    return payback.read_spend(frame).fillna({"channel": ""}) if len(frame.columns) else frame


@st.cache_resource(max_entries=4, show_spinner="Predicting what each cohort will still bring…")
def _ahead(key: str, _dataset: Dataset, model: str, months: int):
    from analytics.value import ahead

    end = _dataset.base.data_end
    fitted, _ = cache_value.clv_forecast(_dataset, end, model, months)
    return ahead.revenue_ahead(fitted, _dataset.base, cache_value.summary(_dataset, end))


@st.cache_data(max_entries=16, show_spinner="Computing payback…")
def _payback(key: str, _dataset: Dataset, spend: pd.DataFrame, margin: float, model, months):
    try:
        later, notes = _ahead(key, _dataset, model, months), []
    except LensError as exc:
        later, notes = None, [f"Months not over yet have no predicted LTV:CAC: {exc}"]
    result = payback.payback_table(_dataset.base, spend, margin, later)
    result.warnings[:0] = notes
    return result


def payback_result(dataset: Dataset, spend: pd.DataFrame, margin: float, model: str, months: int):
    """:func:`analytics.insights.payback.payback_table` with the value model's predictions
    (fitted on every order, to the data's end), cached per dataset, spend, margin and model."""
    return _payback(dataset.source.key, dataset, spend, margin, model, months)

"""Cached wrappers for the Products and timing page (and the Cohorts page's first product):
repurchase timing and the product index, once per dataset and reference date.

Both are read-only and large (per purchase and per line), so they are kept as resources,
never copied; the small tables built from them are cached as data.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from analytics import LensError
from analytics.insights import products, repurchase
from analytics.output import charts
from analytics.output import product_view as view
from ui import cache_insights
from ui.session import Dataset


def _from(dataset: Dataset) -> pd.Timestamp | None:
    """The first day of the customers counted: after the data's first month when its
    customers look already there and the sidebar's switch leaves them out (as on Cohorts)."""
    existing = cache_insights.left_out(dataset)
    return existing.until if existing is not None else None


@st.cache_resource(max_entries=2, ttl="1h", show_spinner="Working out when customers come back…")
def _repurchase(key: str, ref_date: pd.Timestamp, left_out: bool, _dataset: Dataset):
    existing = cache_insights.existing(_dataset) if left_out else None
    return repurchase.repurchase(_dataset.base, ref_date, existing)


def repurchase_timing(dataset: Dataset, ref_date: pd.Timestamp) -> repurchase.Repurchase:
    """The repurchase curve, cohorts and gaps of the purchases on or before ``ref_date``
    (without the customers already there when the sidebar leaves them out)."""
    left_out = cache_insights.left_out(dataset) is not None
    return _repurchase(dataset.source.key, pd.Timestamp(ref_date), left_out, dataset)


@st.cache_resource(max_entries=8, ttl="1h", show_spinner=False)
def _timing_chart(key, ref_date, left_out, kind: str, title: str, subtitle: str, _again):
    if kind == "curve":
        return view.repurchase_curve(_again, title, subtitle)
    return charts.histogram(_again.gaps_first, title, title, subtitle)


def timing_chart(
    dataset: Dataset, ref_date: pd.Timestamp, kind: str, title: str, subtitle: str
) -> alt.Chart:
    """The repurchase curve (``kind`` "curve") or the histogram of days from the 1st to the
    2nd purchase ("gaps"), built once per dataset and reference date: at 1M customers the
    histogram's bins over the gaps and the curve's daily points cost a tenth of a second a
    rerun. Kept as resources (read only, never copied)."""
    left_out = cache_insights.left_out(dataset) is not None
    again = repurchase_timing(dataset, ref_date)
    ref = pd.Timestamp(ref_date)
    return _timing_chart(dataset.source.key, ref, left_out, kind, title, subtitle, again)


@st.cache_resource(max_entries=2, ttl="1h", show_spinner="Matching line items to purchases…")
def _index(key: str, ref_date: pd.Timestamp, first_from, _dataset: Dataset):
    return products.prepare(_dataset.base, _dataset.log.lines, ref_date, first_from)


def product_index(dataset: Dataset, ref_date: pd.Timestamp) -> products.ProductIndex:
    """Each line's purchase and each purchase's main product (LensError without products),
    the customers counted as in :func:`repurchase_timing`."""
    return _index(dataset.source.key, pd.Timestamp(ref_date), _from(dataset), dataset)


@st.cache_data(max_entries=16, show_spinner=False)
def _first_products(key: str, ref_date: pd.Timestamp, first_from, _dataset: Dataset):
    return products.first_products(product_index(_dataset, ref_date), _dataset.base)


def first_products(dataset: Dataset, ref_date: pd.Timestamp) -> pd.DataFrame:
    return _first_products(dataset.source.key, pd.Timestamp(ref_date), _from(dataset), dataset)


@st.cache_data(max_entries=32, show_spinner=False)
def _what_next(key: str, ref_date: pd.Timestamp, first_from, after: str, _dataset: Dataset):
    return products.what_next(product_index(_dataset, ref_date), after)


def what_next(dataset: Dataset, ref_date: pd.Timestamp, after: str):
    return _what_next(dataset.source.key, pd.Timestamp(ref_date), _from(dataset), after, dataset)


@st.cache_data(max_entries=16, show_spinner=False)
def _not_back(key, ref_date, first_from, after: str, days: int, _dataset: Dataset):
    return products.not_back(product_index(_dataset, ref_date), _dataset.base, after, days)


def not_back(dataset: Dataset, ref_date: pd.Timestamp, after: str, days: int) -> pd.DataFrame:
    """The win-back list of :func:`products.not_back`, once per product and win-back timing
    (not on every rerun of the page: a slider or a control-group change reuses it)."""
    ref = pd.Timestamp(ref_date)
    return _not_back(dataset.source.key, ref, _from(dataset), after, int(days), dataset)


@st.cache_data(max_entries=16, show_spinner=False)
def _journeys(key: str, ref_date: pd.Timestamp, first_from, top: int, _dataset: Dataset):
    return products.journeys(product_index(_dataset, ref_date), top)


def journeys(dataset: Dataset, ref_date: pd.Timestamp, top: int) -> pd.DataFrame:
    return _journeys(dataset.source.key, pd.Timestamp(ref_date), _from(dataset), top, dataset)


@st.cache_data(max_entries=8, show_spinner=False)
def _first_product(key: str, _dataset: Dataset) -> pd.Series | None:
    if _dataset.log.lines is None:
        return None
    try:
        return products.first_product(
            product_index(_dataset, _dataset.base.data_end), _dataset.base
        )
    except LensError:
        return None


def first_product(dataset: Dataset) -> pd.Series | None:
    """Per customer, the main product of the first purchase (cohorts by first product), or
    None when the data names no product."""
    return _first_product(dataset.source.key, dataset)

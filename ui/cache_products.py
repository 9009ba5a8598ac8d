"""Cached wrappers for the Products and timing page (and the Cohorts page's first product):
repurchase timing and the product index, once per dataset and reference date.

Both are read-only and large (per purchase and per line), so they are kept as resources,
never copied; the small tables built from them are cached as data.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import LensError
from analytics.insights import products, repurchase
from ui.session import Dataset


@st.cache_resource(max_entries=4, show_spinner="Working out when customers come back…")
def _repurchase(key: str, ref_date: pd.Timestamp, _dataset: Dataset) -> repurchase.Repurchase:
    return repurchase.repurchase(_dataset.base, ref_date)


def repurchase_timing(dataset: Dataset, ref_date: pd.Timestamp) -> repurchase.Repurchase:
    """The repurchase curve, cohorts and gaps of the purchases on or before ``ref_date``."""
    return _repurchase(dataset.source.key, pd.Timestamp(ref_date), dataset)


@st.cache_resource(max_entries=4, show_spinner="Matching line items to purchases…")
def _index(key: str, ref_date: pd.Timestamp, _dataset: Dataset) -> products.ProductIndex:
    return products.prepare(_dataset.base, _dataset.log.lines, ref_date)


def product_index(dataset: Dataset, ref_date: pd.Timestamp) -> products.ProductIndex:
    """Each line's purchase and each purchase's main product (LensError without products)."""
    return _index(dataset.source.key, pd.Timestamp(ref_date), dataset)


@st.cache_data(max_entries=16, show_spinner=False)
def _first_products(key: str, ref_date: pd.Timestamp, _dataset: Dataset) -> pd.DataFrame:
    return products.first_products(product_index(_dataset, ref_date), _dataset.base)


def first_products(dataset: Dataset, ref_date: pd.Timestamp) -> pd.DataFrame:
    return _first_products(dataset.source.key, pd.Timestamp(ref_date), dataset)


@st.cache_data(max_entries=32, show_spinner=False)
def _what_next(key: str, ref_date: pd.Timestamp, after: str, _dataset: Dataset):
    return products.what_next(product_index(_dataset, ref_date), after)


def what_next(dataset: Dataset, ref_date: pd.Timestamp, after: str):
    return _what_next(dataset.source.key, pd.Timestamp(ref_date), after, dataset)


@st.cache_data(max_entries=16, show_spinner=False)
def _journeys(key: str, ref_date: pd.Timestamp, top: int, _dataset: Dataset) -> pd.DataFrame:
    return products.journeys(product_index(_dataset, ref_date), top)


def journeys(dataset: Dataset, ref_date: pd.Timestamp, top: int) -> pd.DataFrame:
    return _journeys(dataset.source.key, pd.Timestamp(ref_date), top, dataset)


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

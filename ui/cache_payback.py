"""The Payback page's state and cached wrappers: the spend table kept per dataset (like the
currency choice), the value model's expected revenue after the reference date (once per
dataset, date and model) and the payback tables (per spend table and margin)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.access import store
from analytics.ingest.io import DEMO_SPEND
from analytics.ingest.readers import read_table
from analytics.insights import payback
from ui import auth, cache_value
from ui.session import DEMO, Dataset, base_as_of


def spend_table(dataset: Dataset) -> pd.DataFrame:
    """The spend for this dataset: as entered in this visit, else as kept with the dataset on
    the server (so a link or a colleague sees it), else the demo shop's own file, else none."""
    kept = st.session_state.setdefault("spend_tables", {})
    if dataset.source.key not in kept:
        on_disk = store.default_store()
        saved = on_disk.spend(dataset.source.key) if on_disk is not None else None
        if saved is not None:
            kept[dataset.source.key] = saved
        elif dataset.source.label == DEMO:
            kept[dataset.source.key] = pd.read_csv(DEMO_SPEND, dtype=str, keep_default_na=False)
        else:
            kept[dataset.source.key] = payback.empty_spend()
    return kept[dataset.source.key]


def keep_spend(dataset: Dataset, table: pd.DataFrame) -> None:
    """Keep the spend with the dataset: for this visit, and on the server with the kept
    dataset (written only when it changed, and only by whoever may change the dataset)."""
    tables = st.session_state.setdefault("spend_tables", {})
    before = tables.get(dataset.source.key)
    tables[dataset.source.key] = table
    if before is not None and before.astype("str").equals(table.astype("str")):
        return
    on_disk = store.default_store()
    meta = on_disk.meta(dataset.source.key) if on_disk is not None else None
    if meta is not None and store.may_change(meta, auth.user()):
        on_disk.keep_spend(dataset.source.key, table)


def read_upload(data: bytes, name: str) -> pd.DataFrame:
    """An uploaded spend file (CSV or Excel), checked; raises LensError naming the problem."""
    frame = read_table(data, name).frame
    if not len(frame.columns):
        return frame
    table = payback.read_spend(frame).fillna({"channel": ""})
    # The page's table edits text (as typed): amounts as a person writes them, "300" not
    # "300.0" (a float column would refuse the table's text editor).
    table["spend"] = [f"{v:.2f}".rstrip("0").rstrip(".") for v in table["spend"]]
    return table.astype("str")


# ``end``: the reference date (the base as of it, and the model fitted on the orders up to it).
@st.cache_resource(max_entries=4, show_spinner="Predicting what each cohort will still bring…")
def _ahead(key: str, _dataset: Dataset, model: str, months: int, end: pd.Timestamp):
    from analytics.value import ahead

    fitted, _ = cache_value.clv_forecast(_dataset, end, model, months)
    base = base_as_of(_dataset, end)
    return ahead.revenue_ahead(fitted, base, cache_value.summary(_dataset, end))


@st.cache_data(max_entries=16, show_spinner="Computing payback…")
def _payback(key: str, _dataset: Dataset, spend: pd.DataFrame, margin: float, model, months, end):
    from analytics.value import ahead

    predict = lambda: _ahead(key, _dataset, model, months, end)  # noqa: E731 - per model
    return ahead.payback_table(base_as_of(_dataset, end), spend, margin, predict)


def payback_of(dataset: Dataset, ref_date, spend: pd.DataFrame):
    """:func:`analytics.insights.payback.payback_table` for a spend table as entered, as it
    stood on the reference date (the orders up to it, the Value page's margin and model
    fitted on them), cached per dataset, date, spend, margin and model; None when no spend
    is entered. Raises LensError naming what is wrong with the spend."""
    spend = payback.read_spend(spend)
    if spend.empty:
        return None
    model, chosen = cache_value.value_settings()
    end = base_as_of(dataset, ref_date).data_end
    return _payback(dataset.source.key, dataset, spend, chosen.margin, model, chosen.months, end)

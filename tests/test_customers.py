"""The per-customer summary: hand-built answers, and equal to lifetimes on CDNOW."""

import numpy as np
import pandas as pd
import pytest

from analytics.ingest.io import load_cdnow
from analytics.insights.customers import build_customer_base, summarise


def test_hand_built_summary():
    orders = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05"]),
            "amount": [10.0, 5.0, 30.0, 7.0],
            "email": ["a@x", "a@x", "a@x", None],
        }
    )
    summary = build_customer_base(orders).summary
    a = summary.loc["a"]
    assert (a.orders, a.purchase_days, a.revenue) == (3, 2, 45.0)
    assert (a.frequency, a.recency, a["T"], a.monetary_value) == (1, 10, 10, 30.0)
    b = summary.loc["b"]
    assert (b.frequency, b.recency, b["T"], b.monetary_value) == (0, 0, 6, 0.0)
    early = summarise(build_customer_base(orders), pd.Timestamp("2024-01-06"))
    assert early.loc["a", "T"] == 5 and early.loc["a", "frequency"] == 0


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow()


def test_cdnow_summary_equals_lifetimes(cdnow):
    from lifetimes.utils import summary_data_from_transaction_data

    ours = build_customer_base(cdnow.orders).summary
    theirs = summary_data_from_transaction_data(
        cdnow.orders, "customer_id", "order_date", "amount"
    ).loc[ours.index]
    assert len(ours) == 23_502  # 23,570 customers less those whose only purchases were $0
    for col in ["frequency", "recency", "T", "monetary_value"]:
        np.testing.assert_allclose(ours[col].to_numpy(), theirs[col].to_numpy(), atol=1e-9)


def test_cdnow_zero_dollar_rows_are_counted(cdnow):
    assert cdnow.report.rows_read == 69_659
    assert cdnow.report.dropped == {"not_positive": 80}
    assert cdnow.report.orders_kept == 69_659 - 80

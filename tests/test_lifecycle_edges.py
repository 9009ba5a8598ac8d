"""Edges of the stage rules and of what is built on them, on hand-built customers.

Reference date t = 2024-06-30 and window W = 180 days unless a test says otherwise.
"""

import numpy as np
import pandas as pd

from analytics.insights import lifecycle as lc
from analytics.insights.customers import build_customer_base

T = "2024-06-30"


def index_of(customers: dict, amounts: dict | None = None, contacts=None) -> lc.LifecycleIndex:
    rows = [
        (c, d, (amounts or {}).get(c, [10.0] * len(days))[i])
        for c, days in customers.items()
        for i, d in enumerate(days)
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame["order_id"] = np.arange(len(frame)).astype(str)
    frame["email"] = frame["customer_id"] + "@x.com"
    return lc.prepare(build_customer_base(frame), contacts)


def stages(index: lc.LifecycleIndex, t=T, window=180) -> dict:
    people = lc.members(index, lc.snapshot(index, t, window, 1.5))
    return dict(zip(people["customer_id"], people["stage"].astype(str), strict=True))


def test_reactivated_measures_from_the_customers_own_previous_order():
    """Each customer: orders on 1 and 11 January 2023, then 1 June 2024. At t one order in
    the window (n = 3), 507 days after the previous one (11 January 2023) > W: Reactivated;
    not At risk (29 days since the last order, own median gap (10 + 507) / 2). Two alike, so
    that another customer's order day, taken by mistake, is 1 June 2024 (0 days apart)."""
    history = ["2023-01-01", "2023-01-11", "2024-06-01"]
    index = index_of({"a": history, "b": history})
    assert stages(index) == {"a": "Reactivated", "b": "Reactivated"}


def test_repeat_share_counts_customers_who_bought_on_two_or_more_days():
    """a buys on two days, b twice on one day (one purchase), c on three days, d once:
    a and c came back, 2 of 4 = 50%. A shop of one customer who came back: 100%."""
    index = index_of(
        {
            "a": ["2024-01-01", "2024-01-11"],
            "b": ["2024-02-01", "2024-02-01"],
            "c": ["2024-01-01", "2024-01-31", "2024-03-01"],
            "d": ["2024-01-06"],
        }
    )
    assert lc.repeat_share(index, lc.snapshot(index, T, 180, 1.5)) == 0.5
    alone = index_of({"a": ["2024-01-01", "2024-01-11"]})
    assert lc.repeat_share(alone, lc.snapshot(alone, T, 180, 1.5)) == 1.0


def test_the_funnel_counts_a_fourth_purchase_day():
    """a buys on exactly four days, b on three: both reach the 3rd purchase, a the 4th
    (1 of 2, 50%), 30 days after its 3rd."""
    index = index_of(
        {
            "a": ["2024-01-01", "2024-01-11", "2024-01-21", "2024-02-20"],
            "b": ["2024-01-01", "2024-01-11", "2024-01-21"],
        }
    )
    funnel = lc.funnel(index, lc.snapshot(index, T, 180, 1.5))
    assert funnel["customers"].tolist() == [2, 2, 2, 1]
    assert funnel["conversion_from_previous"].tolist()[1:] == [1.0, 1.0, 0.5]
    assert funnel["median_days_from_previous"].tolist()[1:] == [10, 10, 30]


def test_members_revenue_is_to_the_cent():
    """Orders of 10.004 and 5.003 (amounts to the tenth of a cent, as a unit price times a
    quantity gives): revenue 15.007, shown to the cent as 15.01 (as RFM shows it)."""
    index = index_of({"a": ["2024-01-01", "2024-02-01"]}, {"a": [10.004, 5.003]})
    people = lc.members(index, lc.snapshot(index, T, 180, 1.5))
    assert people["revenue"].tolist() == [15.01]


def test_snapshot_dates_of_data_within_one_month():
    """Orders from 3 to 20 January: no month ends in between, so the one date is the data's
    end; data ending on 31 January has that month end once, not twice."""
    inside = index_of({"a": ["2024-01-03"], "b": ["2024-01-20"]})
    assert lc.snapshot_dates(inside).tolist() == [pd.Timestamp("2024-01-20")]
    to_the_end = index_of({"a": ["2024-01-05"], "b": ["2024-01-31"]})
    assert lc.snapshot_dates(to_the_end).tolist() == [pd.Timestamp("2024-01-31")]


def test_a_contact_who_signed_up_on_the_from_date_is_a_prospect_then():
    """b signed up on 31 March (the from date) and first ordered on 1 May: a known contact
    with no order on 31 March, so in the Prospect row (New at t); a ordered in January (New
    then and at t)."""
    contacts = pd.DataFrame(
        {
            "customer_id": ["b"],
            "email": [None],
            "created_at": pd.to_datetime(["2024-03-31"]),
        }
    )
    index = index_of({"a": ["2024-01-10"], "b": ["2024-05-01"]}, contacts=contacts)
    matrix = lc.transitions(index, "2024-03-31", T, 180, 1.5)
    assert matrix.index.tolist() == ["Prospect", "New"]
    assert matrix.loc["Prospect", "New"] == 1 and matrix.loc["New", "New"] == 1

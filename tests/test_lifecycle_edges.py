"""Edges of the stage rules and of what is built on them, on hand-built customers.

Reference date t = 2024-06-30 and window W = 180 days unless a test says otherwise.
"""

import numpy as np
import pandas as pd
import pytest

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
    assert lc.repeat_share(lc.funnel(index, lc.snapshot(index, T, 180, 1.5))) == 0.5
    alone = index_of({"a": ["2024-01-01", "2024-01-11"]})
    assert lc.repeat_share(lc.funnel(alone, lc.snapshot(alone, T, 180, 1.5))) == 1.0


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


# --- the index kept with a dataset, and taken back -------------------------------------------

CONTACTS = pd.DataFrame(
    {
        "customer_id": ["b", "p"],
        "email": [None, None],
        "created_at": pd.to_datetime(["2024-03-31", "2024-01-01"]),
    }
)
KEPT = {"a": ["2024-01-10", "2024-02-10", "2024-03-10"], "b": ["2024-05-01"]}


def test_the_kept_arrays_give_back_the_same_index():
    """Every array comes back as kept, nothing is made up for what was not kept (no contacts:
    no contact arrays), and the stages at t are the same: a's last order is 112 days old,
    more than 1.5 x its own median gap (31 and 29 days: 30), so At risk; b is New."""
    for contacts in (None, CONTACTS):
        index = index_of(KEPT, contacts=contacts)
        arrays = lc.index_arrays(index)
        assert set(arrays) == set(lc.INDEX_ARRAYS) | {"gap_counts"} | (
            set() if contacts is None else {"contact_pos", "contact_day"}
        )
        back = lc.index_from_arrays(index.base, arrays, contacts)
        for name in lc.INDEX_ARRAYS + lc.OPTIONAL_ARRAYS:
            mine, kept = getattr(back, name), getattr(index, name)
            assert (mine is None and kept is None) or np.array_equal(mine, kept, equal_nan=True)
        assert stages(back) == {"a": "At risk", "b": "New"}
    # A shop too long for the gap table keeps none: the index counts the median at each date.
    index = index_of(KEPT)
    arrays = {k: v for k, v in lc.index_arrays(index).items() if k != "gap_counts"}
    back = lc.index_from_arrays(index.base, arrays)
    assert back.gap_counts is None and stages(back) == {"a": "At risk", "b": "New"}


def test_kept_arrays_that_do_not_fit_are_refused():
    """4 orders: each per-order array has 4 values, the running revenue 5 (a leading 0); the
    medians and revenue are floats, the rest whole numbers; the gap table one row per day from
    10 January to 1 May (113 days); contact arrays only with contacts, one value per contact."""
    index = index_of(KEPT, contacts=CONTACTS)
    base, arrays = index.base, lc.index_arrays(index)

    def refused(changes: dict, contacts=CONTACTS) -> bool:
        try:
            lc.index_from_arrays(base, {**arrays, **changes}, contacts)
        except ValueError:
            return True
        return False

    assert not refused({})
    for name in lc.INDEX_ARRAYS:
        assert refused({name: arrays[name][:-1]}), name
        assert refused({name: np.r_[arrays[name], arrays[name][:1]]}), name
    assert len(arrays["cum_amount"]) == 5 and len(arrays["gap"]) == 4
    assert refused({"own_median": np.zeros(4, dtype=np.int64)})
    assert refused({"cum_amount": np.zeros(5, dtype=np.int64)})
    assert refused({"gap": arrays["gap"].astype("float64")})
    assert refused({"day_by_day": arrays["day_by_day"].astype("float64")})
    assert arrays["gap_counts"].shape[0] == 113
    assert refused({"gap_counts": arrays["gap_counts"][:-1]})
    assert refused({"gap_counts": arrays["gap_counts"][:, 0]})  # one dimension
    assert refused({"contact_pos": arrays["contact_pos"][:1]})
    assert refused({"contact_day": arrays["contact_day"][:1]})
    assert refused({}, CONTACTS.iloc[:1])  # other contacts
    # Kept with contacts, opened without: refused, even with one of the two arrays left.
    for left in ("contact_pos", "contact_day"):
        only = {k: v for k, v in arrays.items() if k != left}
        with pytest.raises(ValueError, match="kept with contacts"):
            lc.index_from_arrays(base, only, None)
    plain = lc.index_arrays(index_of(KEPT))
    with pytest.raises(ValueError):  # kept without contacts, opened with them
        lc.index_from_arrays(base, plain, CONTACTS)


# --- the win-back list's own rhythm ----------------------------------------------------------


def test_winback_usual_gap_to_a_tenth_of_a_day_and_on_the_day_it_is_due():
    """t = 10 March 2024, window 180.
    - daily buys on 1, 2 and 3 January: 2 days over 2 gaps, usual gap 1.0 day; 67 days
      since, own median gap 1: At risk and late by their rhythm, listed.
    - weekly buys on 1, 8, 15 and 21 January: 20 days over 3 gaps, 6.666...: 6.7 to the
      tenth; 49 days since > 1.5 x 7 (own median of 7, 7, 6): listed.
    - due buys three times on 30 January, then on 9 and 19 February: purchase days 20 days
      apart over 2 gaps, usual gap 10; the median of its gaps between orders (0, 0, 10, 10)
      is 5. On 29 February, 10 days since: more than 1.5 x 5, At risk, but exactly on its
      usual gap: not late, left out."""
    index = index_of(
        {
            "daily": ["2024-01-01", "2024-01-02", "2024-01-03"],
            "weekly": ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-21"],
        }
    )
    late = lc.winback(index, lc.snapshot(index, "2024-03-10", 180, 1.5))
    got = dict(zip(late["customer_id"], late["usual_gap_days"], strict=True))
    assert got == {"daily": 1.0, "weekly": 6.7}
    due = index_of({"due": ["2024-01-30"] * 3 + ["2024-02-09", "2024-02-19"]})
    snap = lc.snapshot(due, "2024-02-29", 180, 1.5)
    assert stages(due, "2024-02-29") == {"due": "At risk"}
    late = lc.winback(due, snap)
    assert late.empty and late.attrs["within_usual_gap"] == 1

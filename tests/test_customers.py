"""The per-customer summary: hand-built answers, and equal to lifetimes on CDNOW."""

import numpy as np
import pandas as pd
import pytest

from analytics.errors import LensError
from analytics.ingest.io import load_cdnow
from analytics.insights.customers import as_of, build_customer_base, summarise


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


def test_the_summary_at_the_datas_end_is_the_bases_own_table():
    """Made once per dataset: at the data's last day (the default reference date) the base's
    table itself, not a second one; any earlier end is computed."""
    orders = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-05"]),
            "amount": [10.0, 30.0, 7.0],
        }
    )
    base = build_customer_base(orders)
    assert len(base.summary) == 2 and base.summary.loc["a", "frequency"] == 1
    assert summarise(base) is base.summary
    assert summarise(base, pd.Timestamp("2024-01-11")) is base.summary
    earlier = summarise(base, pd.Timestamp("2024-01-10"))
    assert earlier is not base.summary and earlier.loc["a", "frequency"] == 0


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


def test_the_customer_arrays_by_hand():
    """Orders in any order: b (5 Jan), a (11 Jan, then 1 Jan twice). Customers keep the
    order they first appear in (b, a); orders are sorted by customer, then day: b's one, then
    a's 1 Jan, 1 Jan, 11 Jan. Each customer's email and channel are their first order's."""
    orders = pd.DataFrame(
        {
            "customer_id": ["b", "a", "a", "a"],
            "order_date": pd.to_datetime(["2024-01-05", "2024-01-11", "2024-01-01", "2024-01-01"]),
            "amount": [7.0, 30.0, 10.0, 5.0],
            "email": [None, "late@x", "a@x", "a@x"],
            "channel": ["Shop", "Web", "Email", "Email"],
        }
    )
    base = build_customer_base(orders)
    assert base.ids.tolist() == ["b", "a"] and base.ids.name is None
    assert base.code.tolist() == [0, 1, 1, 1]
    assert base.amount.tolist() == [7.0, 10.0, 5.0, 30.0]
    assert (base.start.tolist(), base.count.tolist()) == ([0, 1], [1, 3])
    assert pd.isna(base.email[0]) and base.email[1] == "a@x"  # b has none
    assert base.first_attributes.index.name == "customer_id"
    assert base.first_attributes["channel"].to_dict() == {"b": "Shop", "a": "Email"}
    assert (base.data_start, base.data_end) == (
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-01-11"),
    )
    summary = base.summary
    assert summary.index.name == "customer_id" and summary.index.tolist() == ["b", "a"]
    assert summary.loc["a", "email"] == "a@x"
    assert (summary.loc["a", "first_order"], summary.loc["a", "last_order"]) == (
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-01-11"),
    )
    assert summary.loc["a", "largest_repeat"] == 30.0 and summary.loc["b", "largest_repeat"] == 0
    assert summary[["frequency", "recency", "T"]].dtypes.eq("float64").all()
    no_email = build_customer_base(orders.drop(columns="email"))
    assert no_email.email.tolist() == [None, None]
    with pytest.raises(LensError, match="^There are no orders to analyse.$"):
        build_customer_base(orders.iloc[:0])


def test_already_sorted_orders_are_taken_as_they_are():
    """The engine's log comes sorted by customer then day, customer 0 first: taken as is.
    Orders sorted the other way (a later day first) or starting with another customer are
    sorted; either way the arrays come out the same."""
    from analytics.insights.customers import _sorted

    assert _sorted(np.array([0, 0, 1]), np.array([1, 1, 0]))
    assert not _sorted(np.array([0, 0, 1]), np.array([2, 1, 0]))  # a later day first
    assert not _sorted(np.array([1, 0]), np.array([0, 0]))  # does not start at customer 0
    assert not _sorted(np.array([0, 2]), np.array([0, 0]))  # skips customer 1
    assert not _sorted(np.array([0, 1, 0]), np.array([0, 0, 0]))  # customer 0 again
    # Customer 1's later day first, though both its days are after customer 0's.
    assert not _sorted(np.array([0, 1, 1]), np.array([1, 5, 3]))
    assert not _sorted(np.array([], dtype=int), np.array([], dtype=int))
    assert _sorted(np.array([0]), np.array([5]))
    category = pd.Categorical(["x", "x", "y"], categories=["x", "y"])
    frame = pd.DataFrame(
        {
            "customer_id": category,
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02"]),
            "amount": [1.0, 2.0, 4.0],
        }
    )
    base = build_customer_base(frame)
    assert base.ids.tolist() == ["x", "y"] and base.amount.tolist() == [1.0, 2.0, 4.0]
    assert base.start.tolist() == [0, 2] and base.day.tolist() == sorted(base.day[:2]) + [
        base.day[2]
    ]


def test_a_summary_to_an_earlier_end_and_the_positions_it_keeps():
    """To 6 Jan: a has one purchase day (1 Jan, 15 across two orders), b one (5 Jan), c
    none yet (first order 8 Jan): c is left out, and positions says a and b (0 and 1). To
    the data's end c is in. A customer ordering on the end day itself counts."""
    from analytics.insights.customers import positions

    orders = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "c"],
            "order_date": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05", "2024-01-08"]
            ),
            "amount": [10.0, 5.0, 30.0, 7.0, 3.0],
        }
    )
    base = build_customer_base(orders)
    early = summarise(base, pd.Timestamp("2024-01-06"))
    assert early.index.tolist() == ["a", "b"]
    assert early.loc["a", ["orders", "revenue", "frequency", "T"]].tolist() == [2, 15.0, 0, 5]
    assert positions(base, pd.Timestamp("2024-01-06")).tolist() == [0, 1]
    assert positions(base, pd.Timestamp("2024-01-08")).tolist() == [0, 1, 2]  # c on the day
    assert positions(base).tolist() == [0, 1, 2]
    on_the_day = summarise(base, pd.Timestamp("2024-01-08"))
    assert on_the_day.loc["c", ["orders", "T", "last_order"]].tolist() == [
        1,
        0.0,
        pd.Timestamp("2024-01-08"),
    ]
    assert summarise(base, pd.Timestamp("2024-01-11")).equals(base.summary)
    # Before the first order nobody is a customer yet: the same columns, no row.
    before = summarise(base, pd.Timestamp("2023-12-31"))
    assert before.empty and before.columns.equals(base.summary.columns)


def test_days_and_dates_both_ways():
    """Day 0 is 1 Jan 1970; day 19723 is 1 Jan 2024; a negative day is no date (NaT)."""
    from analytics.insights.customers import from_days, to_days

    assert from_days(19723) == pd.Timestamp("2024-01-01")
    assert from_days(np.int64(0)) == pd.Timestamp("1970-01-01")
    days = from_days(np.array([0, 19723, -1]))
    assert days[:2].tolist() == [pd.Timestamp("1970-01-01"), pd.Timestamp("2024-01-01")]
    assert pd.isna(days[2])
    assert to_days(np.array(["2024-01-01"], dtype="datetime64[D]")).tolist() == [19723]
    assert to_days(np.array(["2024-01-01"], dtype="datetime64[D]")).dtype == np.int64


def test_a_purchase_is_a_customer_s_orders_on_one_day():
    """Orders sorted by customer then day: a on day 1, 1, 3; b on day 3. Purchases start at
    a's first order of day 1, at day 3, and at b's day 3 (another customer, the same day)."""
    from analytics.insights.customers import purchase_day_starts

    starts = purchase_day_starts(np.array([0, 0, 0, 1]), np.array([1, 1, 3, 3]))
    assert starts.dtype == bool and starts.tolist() == [True, False, True, True]


# a: 10 + 5.50 on 1 Jan (one purchase day), 30 on 11 Jan; b: 7.25 on 5 Jan; c: 4 on 9 Jan
# and 2 on 3 Jan, given in that order (its first order is the file's last row).
KEPT = pd.DataFrame(
    {
        "customer_id": ["a", "b", "a", "c", "a", "c"],
        "order_date": pd.to_datetime(
            ["2024-01-01", "2024-01-05", "2024-01-11", "2024-01-09", "2024-01-01", "2024-01-03"]
        ),
        "amount": [10.0, 7.25, 30.0, 4.0, 5.5, 2.0],
        "email": ["a@x", "b@x", "a@x", "old-c@x", "a@x", "c@x"],
        "channel": ["Ads", "Search", "Web", "Search", "Web", "Email"],
    }
)


def test_a_base_kept_as_arrays_comes_back_the_same():
    """Per customer (a, b, c in order of appearance): orders 3, 1, 2; revenue 45.50, 7.25, 6;
    purchase days 2, 1, 2; the repeat day's spend (largest and mean) 30, 0, 4; first and last
    purchase days. From those arrays and the same orders, the same base and summary come back
    without a pass over the orders, c's email and channel from its first order (3 Jan)."""
    from analytics.insights.customers import BASE_ARRAYS, base_arrays, base_from_arrays, to_days

    base = build_customer_base(KEPT)
    arrays = base_arrays(base)
    assert arrays["orders"].tolist() == [3, 1, 2]
    assert arrays["revenue"].tolist() == [45.5, 7.25, 6.0]
    assert arrays["purchase_days"].tolist() == [2, 1, 2]
    assert arrays["largest_repeat"].tolist() == arrays["monetary"].tolist() == [30.0, 0.0, 4.0]
    days = to_days(pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-03"]).to_numpy())
    assert arrays["first_day"].tolist() == days.tolist()
    assert arrays["last_day"].tolist() == (days + [10, 0, 6]).tolist()
    assert arrays["first_rows"].tolist() == [0, 1, 5]
    again = base_from_arrays(KEPT, arrays)
    for name in BASE_ARRAYS:
        assert np.array_equal(getattr(again, name), getattr(base, name)), name
    assert again.ids.equals(base.ids) and again.email.tolist() == ["a@x", "b@x", "c@x"]
    assert again.first_attributes["channel"].tolist() == ["Ads", "Search", "Email"]
    assert (again.first_day, again.last_day) == (base.first_day, base.last_day)
    assert again.summary.equals(base.summary) and again.summary.loc["c", "recency"] == 6


def test_kept_arrays_that_do_not_fit_are_refused():
    """A kept array that is missing, one short, or of the other kind (whole numbers for
    floats or the reverse) is refused by name, so the base is built again; so is a base made
    without its first rows."""
    from dataclasses import replace

    from analytics.insights.customers import base_arrays, base_from_arrays

    base = build_customer_base(KEPT)
    arrays = base_arrays(base)
    for name, array in arrays.items():
        other = "int64" if array.dtype.kind == "f" else "float64"
        missing = {k: v for k, v in arrays.items() if k != name}
        for broken in (missing, arrays | {name: array[:-1]}, arrays | {name: array.astype(other)}):
            with pytest.raises(
                ValueError, match=f"^the kept array {name} does not fit these orders$"
            ):
                base_from_arrays(KEPT, broken)
    with pytest.raises(ValueError, match="^a base made without its first rows$"):
        base_arrays(replace(base, first_rows=None))


def test_the_base_as_of_a_reference_date_sees_no_later_order():
    """Customers a (days 1, 5, 9), b (3, 8) and c (8), as of day 6 (no order that day): a's
    first two orders, b's first, no c; day 6 is the data's last day, so T counts to it."""
    day = pd.Timestamp("2024-01-01")
    orders = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a", "b", "c", "a"],
            "order_date": [day + pd.Timedelta(days=d) for d in (1, 3, 5, 8, 8, 9)],
            "amount": [10.0, 7.0, 20.0, 8.0, 5.0, 40.0],
            "channel": ["ads", "mail", "ads", "mail", "seo", "ads"],
            "email": ["a@x", "b@x", "a@x", "b@x", "c@x", "a@x"],
        }
    )
    base = build_customer_base(orders)
    then = as_of(base, day + pd.Timedelta(days=6))
    assert list(then.ids) == ["a", "b"] and then.data_end == day + pd.Timedelta(days=6)
    assert then.data_start == base.data_start and then.email.tolist() == ["a@x", "b@x"]
    assert then.count.tolist() == [2, 1] and then.start.tolist() == [0, 2]
    assert then.start.dtype == np.int64 and then.first_rows.tolist() == [0, 1]
    assert then.amount.tolist() == [10.0, 20.0, 7.0] and then.code.tolist() == [0, 0, 1]
    assert then.first_attributes["channel"].tolist() == ["ads", "mail"]
    a = then.summary.loc["a"]
    assert (a.orders, a.revenue, a.frequency, a.recency, a["T"]) == (2, 30.0, 1, 4, 5)
    pd.testing.assert_frame_equal(then.summary, summarise(base, day + pd.Timedelta(days=6)))
    # On a day with an order, the same base as one built from the orders up to that day.
    on_8 = as_of(base, day + pd.Timedelta(days=8))
    rebuilt = build_customer_base(orders[orders["order_date"] <= day + pd.Timedelta(days=8)])
    assert list(on_8.ids) == list(rebuilt.ids) and on_8.last_day == rebuilt.last_day
    assert on_8.start.tolist() == rebuilt.start.tolist() == [0, 2, 4]
    assert on_8.code.tolist() == rebuilt.code.tolist()
    pd.testing.assert_frame_equal(on_8.summary, rebuilt.summary)
    # On the data's first day: its first orders only (a's).
    assert list(as_of(base, day + pd.Timedelta(days=1)).ids) == ["a"]
    # A base kept by an older app has no first rows: nor has the base as of a date.
    object.__setattr__(base, "first_rows", None)
    assert as_of(base, day + pd.Timedelta(days=6)).first_rows is None
    assert as_of(base, day + pd.Timedelta(days=9)) is base  # the data's end: the base itself
    assert as_of(base, day + pd.Timedelta(days=30)) is base
    with pytest.raises(LensError, match="No order on or before"):
        as_of(base, day)

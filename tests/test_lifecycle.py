"""Each stage rule and boundary on hand-built customers whose answer we can state.

Reference date t = 2024-06-30, window W = 180 days: the window is (2024-01-02, 2024-06-30].
"""

import numpy as np
import pandas as pd
import pytest

from analytics.insights import lifecycle as lc
from analytics.insights.customers import build_customer_base
from analytics.output import present

T = "2024-06-30"
CUSTOMERS = {
    "inactive": ["2023-06-01"],
    "edge_out": ["2024-01-02"],  # exactly W days before t: outside the window
    "edge_in": ["2024-01-03"],  # W - 1 days before t: inside
    "new_on_t": ["2024-06-30"],  # on t: inside
    "later": ["2024-06-20", "2024-07-10"],  # second order after t does not count
    "loyal": ["2024-03-01", "2024-06-01"],
    "risk_own": ["2024-01-10", "2024-01-20", "2024-01-30"],  # own median gap 10, 152 days ago
    "reactivated": ["2023-01-01", "2024-06-01"],  # 517 days between orders > W
    "active": ["2023-12-01", "2024-05-01"],
    "risk_shop": ["2023-12-01", "2024-02-01"],  # 150 days since > 1.5 x shop median 77
}
EXPECTED = {
    "inactive": "Inactive",
    "edge_out": "Inactive",
    "edge_in": "New",
    "new_on_t": "New",
    "later": "New",
    "loyal": "Loyal",
    "risk_own": "At risk",
    "reactivated": "Reactivated",
    "active": "Active",
    "risk_shop": "At risk",
}


def orders_of(customers: dict) -> pd.DataFrame:
    rows = [(c, d, 10.0) for c, days in customers.items() for d in days]
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame["order_id"] = np.arange(len(frame)).astype(str)
    frame["email"] = frame["customer_id"] + "@x.com"
    return frame


def stages_at(customers, t=T, window=180, factor=1.5, contacts=None):
    index = lc.prepare(build_customer_base(orders_of(customers)), contacts)
    snap = lc.snapshot(index, t, window, factor)
    members = lc.members(index, snap)
    return (
        dict(zip(members["customer_id"], members["stage"].astype(str), strict=False)),
        snap,
        index,
    )


def test_every_rule_and_window_boundary():
    stages, snap, _ = stages_at(CUSTOMERS)
    assert stages == EXPECTED
    # Shop-wide median of gaps on or before t: 10, 10, 62, 92, 152, 517 -> 77 (not 20 of 'later').
    assert snap.shop_gap == 77.0


def test_at_risk_needs_to_exceed_k_times_the_gap():
    three = {"c": ["2024-06-01", "2024-06-11", "2024-06-21"]}  # own median gap 10
    assert stages_at(three, "2024-07-06")[0] == {"c": "Loyal"}  # 15 days = 1.5 x 10
    assert stages_at(three, "2024-07-07")[0] == {"c": "At risk"}  # 16 days > 15
    assert stages_at(three, "2024-07-07", factor=2.0)[0] == {"c": "Loyal"}


def test_reactivated_needs_more_than_w_days_since_the_previous_order():
    exact = {"c": ["2023-06-01", "2023-11-28"]}  # 180 days apart
    assert stages_at(exact, "2023-12-01")[0] == {"c": "Active"}
    more = {"c": ["2023-06-01", "2023-11-29"]}  # 181 days apart
    assert stages_at(more, "2023-12-01")[0] == {"c": "Reactivated"}


def test_orders_on_one_day_are_several_orders():
    same_day = {"c": ["2024-06-01", "2024-06-01"], "d": ["2024-01-01", "2024-06-01"]}
    stages, snap, _ = stages_at(same_day)
    assert stages["c"] == "Loyal"  # two orders in the window, gap 0 days


def test_window_changes_the_answer():
    assert stages_at({"c": ["2024-03-01"]}, window=90)[0] == {"c": "Inactive"}
    assert stages_at({"c": ["2024-03-01"]}, window=180)[0] == {"c": "New"}


def test_prospects_need_contacts_and_respect_sign_up_dates():
    contacts = pd.DataFrame(
        {
            "customer_id": ["p1", "p2", "inactive", "later2"],
            "email": [None] * 4,
            "created_at": pd.to_datetime(["2024-01-01", "2024-07-01", "2023-01-01", None]),
        }
    )
    customers = {**CUSTOMERS, "later2": ["2024-08-01"]}
    _, snap, index = stages_at(customers, contacts=contacts)
    # p1 (signed up before t), later2 (no sign-up date, first order after t); not p2, not inactive.
    assert snap.prospects == 2
    assert lc.stage_counts(snap)["Prospect"] == 2
    _, no_contacts, _ = stages_at(CUSTOMERS)
    assert np.isnan(lc.stage_counts(no_contacts)["Prospect"])


def test_stage_mix_counts_revenue_and_shares():
    _, snap, index = stages_at(CUSTOMERS)
    mix = lc.stage_mix(index, snap, 180)
    assert mix.loc["At risk", "customers"] == 2
    assert mix.loc["Loyal", "revenue_in_window"] == 20.0  # two orders of 10 in the window
    assert mix.loc["Inactive", "revenue_in_window"] == 0.0
    # One base for every share: the customers who have ordered; prospects get none.
    buyers = mix["customers"].drop("Prospect").sum()
    assert mix["share"].drop("Prospect").sum() == pytest.approx(1.0)
    assert mix.loc["At risk", "share"] == pytest.approx(2 / buyers)
    assert np.isnan(mix.loc["Prospect", "share"])
    assert mix.loc["Loyal", "avg_order_value"] == 10.0


def test_funnel_counts_and_median_gaps():
    _, snap, index = stages_at(CUSTOMERS)
    funnel = lc.funnel(index, snap).set_index("step")
    assert funnel["customers"].tolist() == [10, 5, 1, 0]
    assert funnel.loc["2nd purchase", "conversion_from_previous"] == 0.5
    # 1st -> 2nd gaps by t: 92, 10, 517, 152, 62 -> median 92
    assert funnel.loc["2nd purchase", "median_days_from_previous"] == 92
    assert funnel.loc["3rd purchase", "median_days_from_previous"] == 10


def test_a_repeat_customer_bought_on_two_days_in_the_funnel_and_the_models():
    """One meaning of "repeat": c's two orders of one day are one purchase (not a 2nd), d
    came back on another day. The funnel, the repeat rate and the models' frequency agree."""
    same_day = {"c": ["2024-06-01", "2024-06-01"], "d": ["2024-01-01", "2024-06-01"]}
    _, snap, index = stages_at(same_day)
    funnel = lc.funnel(index, snap).set_index("step")
    assert funnel["customers"].tolist() == [2, 1, 0, 0]
    assert funnel.loc["2nd purchase", "median_days_from_previous"] == 152  # d: Jan 1 -> Jun 1
    assert lc.repeat_share(lc.funnel(index, snap)) == 0.5
    summary = index.base.summary
    assert int((summary["frequency"] > 0).sum()) == 1  # the models' repeat buyers: d alone


def test_evolution_equals_snapshots_and_transitions_add_up():
    index = lc.prepare(build_customer_base(orders_of(CUSTOMERS)))
    evo = lc.evolution(index, 180, 1.5)
    at = evo[evo["date"] == pd.Timestamp("2024-03-31")].set_index("stage")["customers"]
    direct = lc.stage_counts(lc.snapshot(index, "2024-03-31", 180, 1.5)).dropna()
    assert at.to_dict() == direct.to_dict()
    matrix = lc.transitions(index, "2024-03-31", T, 180, 1.5)
    assert matrix.to_numpy().sum() == 10  # everyone with an order by t
    assert matrix.loc[lc.NOT_YET].to_dict() == {**dict.fromkeys(matrix.columns, 0), "New": 2}
    # (new_on_t and later: first orders after 31 March, both New at t)
    assert lc.row_shares(matrix).sum(axis=1).round(6).eq(1).all()


def test_window_sensitivity_and_suggestion():
    _, snap, index = stages_at(CUSTOMERS)
    curve = lc.window_sensitivity(index, snap).set_index("window_days")
    inactive_now = lc.stage_counts(snap)["Inactive"]
    assert curve.loc[180, "inactive_customers"] == inactive_now
    assert curve["share_inactive"].is_monotonic_decreasing
    assert lc.suggested_window(index, snap, 50) == 77.0


def test_compare_gives_deltas():
    table = lc.compare(pd.Series({"New": 5.0}), pd.Series({"New": 3.0}))
    assert table.loc["New", "change"] == 2


def test_without_the_gap_table_the_answers_are_the_same(monkeypatch):
    base = build_customer_base(orders_of(CUSTOMERS))
    with_table = lc.prepare(base)
    monkeypatch.setattr(lc, "MAX_GAP_TABLE", 0)
    without = lc.prepare(base)
    assert with_table.gap_counts is not None and without.gap_counts is None
    for t in ["2023-06-01", "2024-03-31", T, "2024-08-01"]:
        a, b = lc.snapshot(with_table, t, 180, 1.5), lc.snapshot(without, t, 180, 1.5)
        assert a.shop_gap == b.shop_gap or (np.isnan(a.shop_gap) and np.isnan(b.shop_gap))
        assert (a.codes == b.codes).all()
    assert lc.evolution(with_table, 90, 2.0).equals(lc.evolution(without, 90, 2.0))


def test_winback_list_says_how_late_and_puts_the_most_valuable_first():
    _, snap, index = stages_at(CUSTOMERS)
    plain = lc.winback(index, snap)
    # risk_own: last order 30 Jan, own gap 10 -> expected 9 Feb, 142 days late, revenue 30.
    # risk_shop: last order 1 Feb, shop median gap 77 -> 150 - 77 = 73 days late, revenue 20.
    assert plain["customer_id"].tolist() == ["risk_own", "risk_shop"]  # by revenue
    assert plain["days_overdue"].tolist() == [142, 73]
    assert (plain["days_overdue"] > 0).all()  # At risk: always past the expected day
    positions = pd.Series(index.base.ids).reset_index().set_index(0)["index"]
    clv = pd.Series({positions["risk_shop"]: 100.0, positions["risk_own"]: 5.0})
    valued = lc.winback(index, snap, clv)
    assert valued["customer_id"].tolist() == ["risk_shop", "risk_own"]  # by CLV
    assert valued["clv"].tolist() == [100.0, 5.0]


@pytest.mark.wiring
def test_change_since_last_month_equals_two_runs_of_the_command_line(capsys):
    import json

    from analytics.cli import main as cli
    from analytics.ingest.io import DEMO_ORDERS, load_dataset
    from analytics.insights.customers import build_customer_base

    base = build_customer_base(load_dataset("demo_orders.csv", DEMO_ORDERS.read_bytes())[0].orders)
    change = lc.change_since(lc.prepare(base), "2025-06-30", 180, 1.5)
    assert change.since == pd.Timestamp("2025-05-30")
    for day, counts in [("2025-05-30", change.before), ("2025-06-30", change.after)]:
        assert cli(["lifecycle", "demo", "--as-of", day]) == 0
        stages = json.loads(capsys.readouterr().out)["stages"]
        assert counts.to_dict() == {k: v for k, v in stages.items() if k != "Prospect"}
    moved = (change.after - change.before).abs()
    assert moved[change.biggest] == moved.max()
    assert change.biggest in change.sentence() and "largest move" in change.sentence()
    assert lc.change_since(lc.prepare(base), base.data_start, 180, 1.5) is None  # no month


def test_the_own_gap_is_the_median_of_every_gap_not_just_the_first():
    """u's gaps are 10 and 40 days: their median is 25, so At risk comes after 1.5 x 25 =
    37.5 days. 30 days after the last order u is still Loyal (three orders in the window);
    v, 40 days after, is At risk. Taking the first gap alone (10) would make u At risk."""
    stages, _, _ = stages_at(
        {
            "u": ["2024-04-11", "2024-04-21", "2024-05-31"],  # 30 days before t
            "v": ["2024-04-01", "2024-04-11", "2024-05-21"],  # 40 days before t
        }
    )
    assert stages == {"u": "Loyal", "v": "At risk"}


def test_the_own_gap_of_a_wholesale_account_counts_its_500_latest_gaps():
    """w has 502 orders: a first gap of 100 days, then 500 gaps alternating 1 and 3 days
    (250 of each), the last order 4 days before t. The median of the 500 latest gaps is
    2, so At risk after 1.5 x 2 = 3 days: w is At risk. With 501 gaps (the 100 included) the
    median would be 3 (limit 4.5); with 499 (a 1 left out) also 3: w would not be."""
    day = pd.Timestamp(T) - pd.Timedelta(days=4 + 1000 + 100)
    days = [day, day + pd.Timedelta(days=100)]
    for i in range(500):
        days.append(days[-1] + pd.Timedelta(days=1 if i % 2 == 0 else 3))
    assert days[-1] == pd.Timestamp(T) - pd.Timedelta(days=4) and len(days) == 502
    stages, _, _ = stages_at({"w": [f"{d:%Y-%m-%d}" for d in days]}, window=30)
    assert stages == {"w": "At risk"}


def test_the_first_rule_that_holds_wins():
    """The stage table read straight from the written rules. Bits: has an order (32), then
    Inactive (16), New (8), At risk (4), Loyal (2), Reactivated (1). Without an order there
    is no buyer stage (-1); with one, the first rule in the written order that holds wins:
    Inactive over everything, New over At risk, At risk over Loyal, Loyal over Reactivated,
    and Active when none holds."""
    table = lc._first_match_table()  # built afresh, as at import
    code = {name: i for i, name in enumerate(lc.STAGES)}
    assert (table[:32] == -1).all()
    by_hand = {
        32: "Active",
        32 | 1: "Reactivated",
        32 | 2: "Loyal",
        32 | 2 | 1: "Loyal",
        32 | 4: "At risk",
        32 | 4 | 2 | 1: "At risk",
        32 | 8: "New",
        32 | 8 | 4 | 2 | 1: "New",
        32 | 16: "Inactive",
        63: "Inactive",
    }
    assert {bits: lc.STAGES[table[bits]] for bits in by_hand} == by_hand
    assert all(table[bits] == code["Inactive"] for bits in range(48, 64))  # rule 2 first
    assert not table.flags.writeable
    assert (table == lc._FIRST_MATCH).all()


def test_members_carry_the_facts_behind_each_stage():
    """risk_own: orders 10, 20 and 30 Jan (3, all in the window), 30 of revenue, last order
    152 days before t, own median gap 10 days, so expected back on 9 Feb. new_on_t: one
    order on t, expected after the shop's median gap of 77 days: 15 Sep."""
    _, snap, index = stages_at(CUSTOMERS)
    table = lc.members(index, snap).set_index("customer_id")
    risk = table.loc["risk_own"]
    assert risk["email"] == "risk_own@x.com" and risk["stage"] == "At risk"
    assert (risk["first_order"], risk["last_order"]) == (
        pd.Timestamp("2024-01-10"),
        pd.Timestamp("2024-01-30"),
    )
    assert (risk["orders"], risk["orders_in_window"], risk["revenue"]) == (3, 3, 30.0)
    assert (risk["days_since_last_order"], risk["expected_gap_days"]) == (152, 10.0)
    assert risk["expected_next_order"] == pd.Timestamp("2024-02-09")
    new = table.loc["new_on_t"]
    assert new["expected_gap_days"] == 77.0
    assert new["expected_next_order"] == pd.Timestamp("2024-09-15")
    # 'later' ordered again after t: only the order on or before t counts.
    assert table.loc["later", ["orders", "revenue"]].tolist() == [1, 10.0]
    assert table.loc["inactive", "orders_in_window"] == 0


def test_with_no_gap_anywhere_nobody_is_expected_back():
    """Two customers with one order each: there is no gap at all, so no expected gap and no
    expected next order (not a date made up from a missing number)."""
    _, snap, index = stages_at({"a": ["2024-06-01"], "b": ["2024-06-10"]})
    table = lc.members(index, snap)
    assert table["expected_gap_days"].isna().all()
    assert table["expected_next_order"].isna().all()


def test_stage_mix_with_different_amounts():
    """a: 5 then 15 in the window (Loyal, 20 over 2 orders, 10 per order); b: 7 long ago
    (Inactive: nothing in the window); c: 3 in the window (New). Shares over the 3 who have
    ordered; no contacts, so Prospect has no count, revenue or orders."""
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c"],
            "order_date": pd.to_datetime(["2024-05-01", "2024-06-01", "2022-01-01", "2024-06-15"]),
            "amount": [5.0, 15.0, 7.0, 3.0],
        }
    )
    index = lc.prepare(build_customer_base(frame))
    mix = lc.stage_mix(index, lc.snapshot(index, T, 180, 1.5), 180)
    assert mix.loc["Loyal"].tolist() == [1, pytest.approx(1 / 3), 20.0, 2, 10.0]
    assert mix.loc["New"].tolist() == [1, pytest.approx(1 / 3), 3.0, 1, 3.0]
    assert mix.loc["Inactive", ["customers", "revenue_in_window", "orders_in_window"]].tolist() == [
        1,
        0.0,
        0,
    ]
    assert np.isnan(mix.loc["Inactive", "avg_order_value"])  # no order in the window: no value
    assert mix.loc["Prospect"].isna().all()
    assert list(mix.columns) == [
        "customers",
        "share",
        "revenue_in_window",
        "orders_in_window",
        "avg_order_value",
    ]


def test_share_of_buyers_has_one_base_and_none_without_buyers():
    """3 New and 1 Loyal, 5 prospects: shares 3/4 and 1/4 of the customers who have ordered,
    none for prospects; with nobody who has ordered, no share at all (not 0 / 0)."""
    counts = pd.Series({"Prospect": 5.0, "New": 3.0, "Loyal": 1.0, "Inactive": 0.0})
    shares = lc.share_of_buyers(counts)
    assert shares.drop("Prospect").tolist() == [0.75, 0.25, 0.0]
    assert np.isnan(shares["Prospect"])
    nobody = lc.share_of_buyers(pd.Series({"Prospect": 5.0, "New": 0.0}))
    assert nobody.isna().all()
    counted = lc.stage_counts(stages_at(CUSTOMERS)[1])
    assert counted.index.name == "stage" and counted.name == "customers"
    assert counted.drop("Prospect").tolist() == [3, 1, 1, 2, 2, 1]  # New ... Reactivated


CONTACTS = pd.DataFrame(
    {
        "customer_id": ["p1", "p2", "inactive", "later2"],
        "email": ["p1@x.com", None, None, None],
        "created_at": pd.to_datetime(["2024-01-01", "2024-07-01", "2023-01-01", None]),
    }
)


def test_funnel_from_contacts_and_its_sentences():
    """With contacts, the funnel starts at them: the 10 who ordered plus the 2 prospects at
    t (p1, and later2 whose first order is after t) = 12 contacts, 10 of them (83%) made a
    1st purchase; 5 of 10 a 2nd after 92 days (median), 1 of 5 a 3rd after 10 days, none of
    that one a 4th (no gap to give)."""
    customers = {**CUSTOMERS, "later2": ["2024-08-01"]}
    _, snap, index = stages_at(customers, contacts=CONTACTS)
    funnel = lc.funnel(index, snap)
    assert funnel["step"].tolist() == [
        "Contacts",
        "1st purchase",
        "2nd purchase",
        "3rd purchase",
        "4th+ purchase",
    ]
    assert funnel["customers"].tolist() == [12, 10, 5, 1, 0]
    conversion = funnel["conversion_from_previous"].tolist()
    assert np.isnan(conversion[0]) and conversion[1:] == [pytest.approx(10 / 12), 0.5, 0.2, 0.0]
    assert funnel["median_days_from_previous"].tolist()[2:4] == [92, 10]
    assert np.isnan(funnel["median_days_from_previous"].tolist()[1])  # no days from contact
    assert lc.funnel_sentences(funnel) == [
        "83% of contacts made a 1st purchase.",
        "50% of customers with a 1st purchase came back for a 2nd purchase, after 92 days "
        "(median).",
        "20% of customers with a 2nd purchase came back for a 3rd purchase, after 10 days "
        "(median).",
        "0% of customers with a 3rd purchase came back for a 4th purchase.",
    ]
    # Without contacts there is no first step, and a step after an empty one is skipped.
    empty_after = pd.DataFrame(
        {
            "step": ["1st purchase", "2nd purchase", "3rd purchase"],
            "customers": [4, 0, 0],
            "median_days_from_previous": [np.nan, np.nan, np.nan],
            "conversion_from_previous": [np.nan, 0.0, np.nan],
        }
    )
    assert lc.funnel_sentences(empty_after) == [
        "0% of customers with a 1st purchase came back for a 2nd purchase."
    ]


def test_the_prospects_list():
    """p1 signed up before t and never ordered; later2 has no sign-up date and a first order
    after t: both prospects at t, each with its id, email and sign-up date."""
    customers = {**CUSTOMERS, "later2": ["2024-08-01"]}
    _, snap, index = stages_at(customers, contacts=CONTACTS)
    listed = lc.prospects(index, snap, CONTACTS)
    assert listed["customer_id"].tolist() == ["p1", "later2"]
    assert list(listed.columns) == ["customer_id", "email", "created_at", "stage"]
    assert listed["email"].tolist()[0] == "p1@x.com" and set(listed["stage"]) == {"Prospect"}
    assert listed["created_at"].tolist()[0] == pd.Timestamp("2024-01-01")


def test_transitions_put_known_contacts_in_the_prospect_row():
    """a orders in January (New on 31 March and on t); b signed up in December and orders
    in May (a prospect on 31 March, New at t); c signs up and orders in May and June (not yet
    a customer on 31 March, New at t... then Loyal: two orders in the window)."""
    # b first: the first customer (position 0) is a known contact too.
    customers = {"b": ["2024-05-01"], "a": ["2024-01-10"], "c": ["2024-05-10", "2024-06-10"]}
    contacts = pd.DataFrame(
        {
            "customer_id": ["b", "c"],
            "email": [None, None],
            "created_at": pd.to_datetime(["2023-12-01", "2024-05-01"]),
        }
    )
    index = lc.prepare(build_customer_base(orders_of(customers)), contacts)
    matrix = lc.transitions(index, "2024-03-31", T, 180, 1.5)
    assert list(matrix.columns) == lc.STAGES[1:]
    assert matrix.index.tolist() == ["Prospect", "New", lc.NOT_YET]  # rows with someone
    assert matrix.loc["Prospect", "New"] == 1 and matrix.loc["Prospect"].sum() == 1
    assert matrix.loc["New", "New"] == 1 and matrix.loc["New"].sum() == 1
    assert matrix.loc[lc.NOT_YET, "Loyal"] == 1 and matrix.loc[lc.NOT_YET].sum() == 1
    shares = lc.row_shares(pd.DataFrame({"x": [1, 0, 1], "y": [3, 0, 0]}))
    assert shares.iloc[0].tolist() == [0.25, 0.75] and shares.iloc[1].isna().all()
    assert shares.iloc[2].tolist() == [1.0, 0.0]  # a row of one customer


def test_transition_rows_say_how_many_prospects_ordered_and_who_was_not_known():
    """As above, plus d, a contact since December who never orders: on 31 March b and d are
    the 2 prospects; only b has ordered by t, so the Prospect row holds 1 of 2 (50%); c was
    neither a customer nor a contact on 31 March: "Not yet a customer"."""
    customers = {"b": ["2024-05-01"], "a": ["2024-01-10"], "c": ["2024-05-10", "2024-06-10"]}
    contacts = pd.DataFrame(
        {
            "customer_id": ["b", "c", "d"],
            "email": [None, None, None],
            "created_at": pd.to_datetime(["2023-12-01", "2024-05-01", "2023-12-15"]),
        }
    )
    index = lc.prepare(build_customer_base(orders_of(customers)), contacts)
    matrix = lc.transitions(index, "2024-03-31", T, 180, 1.5)
    then = lc.stage_counts(lc.snapshot(index, "2024-03-31", 180, 1.5))["Prospect"]
    assert then == 2 == matrix.attrs["prospects_then"]  # the snapshot's count, not made again
    said = present.transition_rows(matrix)
    assert "Prospect: the 1 of the 2 prospects at the first date (50%) who have ordered" in said
    assert "Not yet a customer: 1 person whose first order came after the first date" in said
    alone = lc.prepare(build_customer_base(orders_of(customers)))  # no contacts file
    plain = lc.transitions(alone, "2024-03-31", T, 180, 1.5)
    no_prospects = lc.stage_counts(lc.snapshot(alone, "2024-03-31", 180, 1.5))["Prospect"]
    assert np.isnan(no_prospects) and plain.attrs["prospects_then"] is None
    assert "Prospect:" not in present.transition_rows(plain)


def test_snapshot_dates_are_period_ends_and_the_data_end():
    """CUSTOMERS run from 1 Jan 2023 to 10 Jul 2024: month ends 31 Jan 2023 ... 30 Jun 2024
    (18), then 10 Jul 2024, the data's end. Weeks end on Sundays: 1 Jan 2023 was a Sunday;
    7 Jul 2024 is the last Sunday, then the end: 80 Sundays and the end."""
    index = lc.prepare(build_customer_base(orders_of(CUSTOMERS)))
    months = lc.snapshot_dates(index)
    assert len(months) == 19
    assert (months[0], months[-2], months[-1]) == tuple(
        pd.Timestamp(d) for d in ["2023-01-31", "2024-06-30", "2024-07-10"]
    )
    weeks = lc.snapshot_dates(index, "week")
    assert len(weeks) == 81 and (weeks[:-1].day_of_week == 6).all()
    assert (weeks[0], weeks[-2], weeks[-1]) == tuple(
        pd.Timestamp(d) for d in ["2023-01-01", "2024-07-07", "2024-07-10"]
    )
    evo = lc.evolution(index, 180, 1.5, "week")
    assert evo["date"].nunique() == 81  # one snapshot per date, Prospect dropped (no contacts)
    assert "Prospect" not in set(evo["stage"])
    ends_on_a_month = lc.prepare(
        build_customer_base(orders_of({"a": ["2024-01-05", "2024-03-31"]}))
    )
    assert lc.snapshot_dates(ends_on_a_month).strftime("%Y-%m-%d").tolist() == [
        "2024-01-31",
        "2024-02-29",
        "2024-03-31",
    ]  # the end is a month end already: not twice


def test_window_sensitivity_counts_by_hand():
    """Days since the last order at t for the ten customers: 395, 180, 179, 0, 10, 29, 152,
    29, 60, 150. Inactive for a window w = days since >= w: 6 at 30 days, 5 at 150, 2 at
    180, none at 400."""
    _, snap, index = stages_at(CUSTOMERS)
    curve = lc.window_sensitivity(index, snap, [30, 150, 180, 400]).set_index("window_days")
    assert curve["inactive_customers"].tolist() == [6, 5, 2, 0]
    assert curve["share_inactive"].tolist() == [0.6, 0.5, 0.2, 0.0]
    early = lc.snapshot(index, "2022-01-01", 180, 1.5)  # before anyone ordered
    assert lc.window_sensitivity(index, early, [30])["share_inactive"].isna().all()
    # Gaps on or before t: 92, 10, 10, 517, 152, 62 (later's 20 days ends after t).
    assert sorted(lc.observed_gaps(index, snap)) == [10, 10, 62, 92, 152, 517]
    assert lc.suggested_window(index, snap, 100) == 517
    # By default the 90th percentile: between 152 and 517 (linear), 152 + 0.5 x 365 = 334.5.
    assert lc.suggested_window(index, snap) == 334.5
    assert np.isnan(lc.suggested_window(index, early))


def test_the_change_is_said_in_one_sentence():
    """New fell by 3 (5 to 2), Loyal rose by 1: New moved most. Customers who have ordered
    went from 8 to 6. With nothing moved, it says so."""
    since, until = pd.Timestamp("2025-05-30"), pd.Timestamp("2025-06-30")
    before = pd.Series({"New": 5, "Loyal": 3})
    change = lc.Change(since, until, before, pd.Series({"New": 2, "Loyal": 4}))
    assert change.biggest == "New"
    assert change.sentence() == (
        "Since 30 May 2025, New fell from 5 to 2 customers (-3), the largest move of any "
        "stage; customers who have ordered went from 8 to 6."
    )
    rose = lc.Change(since, until, before, pd.Series({"New": 5, "Loyal": 1003}))
    assert rose.sentence().startswith("Since 30 May 2025, Loyal rose from 3 to 1,003 customers")
    assert "(+1,000)" in rose.sentence() and "went from 8 to 1,008." in rose.sentence()
    tie = lc.Change(since, until, before, pd.Series({"New": 6, "Loyal": 4}))
    assert tie.biggest == "New"  # a tie goes to the first in lifecycle order
    same = lc.Change(since, until, before, before)
    assert same.sentence() == "No stage count moved since 30 May 2025 (same settings)."


def test_purchase_ranks_by_hand():
    """c orders on 1 Jun twice and 5 Jun; d on 1 Jan and 1 Jun, then 1 Jul (after t).
    Purchases by t: c 2 (two days: its second order of 1 Jun is no purchase), d 2 (1 Jul is
    after t). Ranks per purchase: c 0, 1; d 0, 1. Gaps: c's 5 Jun purchase 4 days after
    1 Jun; d's 1 Jun 152 days after 1 Jan."""
    customers = {
        "c": ["2024-06-01", "2024-06-01", "2024-06-05"],
        "d": ["2024-01-01", "2024-06-01", "2024-07-01"],
    }
    _, snap, index = stages_at(customers)
    counts, (rank, gap) = lc.purchase_ranks(index, snap)
    assert counts.tolist() == [2, 2]
    assert rank.tolist() == [0, 1, 0, 1]
    assert gap.tolist() == [-1, 4, -1, 152]


def test_reactivated_looks_at_the_order_just_before_the_last():
    """r: orders 1 Jan 2023, 20 Dec 2023 and 10 Jun 2024; only the last is in the window.
    The order before it is 173 days earlier (not more than W = 180): not Reactivated. Not At
    risk either (20 days since, own gap 263), nor Loyal (one order in the window): Active.
    (Measured from the first order, 526 days, it would look Reactivated.)"""
    assert stages_at({"r": ["2023-01-01", "2023-12-20", "2024-06-10"]})[0] == {"r": "Active"}


def test_each_customer_has_their_own_median_gap():
    """u orders every 10 days, v every 40 (three orders each). 30 days after the last order
    u is At risk (30 > 1.5 x 10) and v is not (30 < 1.5 x 40): v is Loyal (two orders in the
    window). One median over everyone's gaps (25) would make them alike."""
    stages, snap, _ = stages_at(
        {
            "u": ["2024-05-11", "2024-05-21", "2024-05-31"],
            "v": ["2024-03-12", "2024-04-21", "2024-05-31"],
        }
    )
    assert stages == {"u": "At risk", "v": "Loyal"}
    assert snap.expected_gap.tolist() == [10.0, 40.0]


@pytest.mark.parametrize("table", [True, False])
def test_the_shop_median_gap_by_hand(monkeypatch, table):
    """The shop-wide median counts every gap between consecutive orders on or before t,
    same-day orders (a gap of 0) and a gap that ends on t included, with or without the gap
    table. a: two orders on 1 Jun (gap 0), b: 1 Jun and 21 Jun (20), c: 1 May and 30 Jun, t
    (60): gaps 0, 20, 60, median 20 (an odd count: the middle one). On 1 Jun itself only the
    0 is there; before the first order there is none."""
    if not table:
        monkeypatch.setattr(lc, "MAX_GAP_TABLE", 0)
    customers = {
        "a": ["2024-06-01", "2024-06-01"],
        "b": ["2024-06-01", "2024-06-21"],
        "c": ["2024-05-01", "2024-06-30"],
    }
    index = lc.prepare(build_customer_base(orders_of(customers)))
    assert (index.gap_counts is not None) == table
    assert lc.snapshot(index, T, 180, 1.5).shop_gap == 20.0
    assert lc.snapshot(index, "2024-06-29", 180, 1.5).shop_gap == 10.0  # 0 and 20
    assert lc.snapshot(index, "2024-06-01", 180, 1.5).shop_gap == 0.0
    assert np.isnan(lc.snapshot(index, "2024-04-30", 180, 1.5).shop_gap)
    snap = lc.snapshot(index, T, 180, 1.5)
    assert sorted(lc.observed_gaps(index, snap)) == [0.0, 20.0, 60.0]
    first_day = {"a": ["2024-06-01", "2024-06-01"], "b": ["2024-06-05"]}
    index = lc.prepare(build_customer_base(orders_of(first_day)))
    assert lc.snapshot(index, "2024-06-01", 180, 1.5).shop_gap == 0.0  # on the data's first day


def test_a_prospect_on_the_day_they_sign_up_until_the_day_they_order():
    """a (the first customer) signs up on 1 Jun and first orders on 10 Jun; b ordered in
    May. On 1 Jun a is a prospect (signed up that day); on 10 Jun a has ordered: no longer
    one. A contact with no sign-up date is known from the start."""
    contacts = pd.DataFrame(
        {
            "customer_id": ["a", "n"],
            "email": [None, None],
            "created_at": pd.to_datetime(["2024-06-01", None]),
        }
    )
    customers = {"a": ["2024-06-10"], "b": ["2024-05-01"]}
    index = lc.prepare(build_customer_base(orders_of(customers)), contacts)
    assert lc.snapshot(index, "2024-05-31", 180, 1.5).prospects == 1  # n only
    assert lc.snapshot(index, "2024-06-01", 180, 1.5).prospects == 2
    assert lc.snapshot(index, "2024-06-09", 180, 1.5).prospects == 2
    assert lc.snapshot(index, "2024-06-10", 180, 1.5).prospects == 1
    assert lc.snapshot(index, "1990-01-01", 180, 1.5).prospects == 1  # n: known from the start


def test_evolution_is_monthly_by_default_and_can_go_back():
    """Monthly by default: 19 dates for CUSTOMERS (see the snapshot dates), each with the
    six buyer stages (no contacts: no Prospect row), each row once. A counter moved
    forward then back to an earlier day counts as if started afresh."""
    index = lc.prepare(build_customer_base(orders_of(CUSTOMERS)))
    evo = lc.evolution(index, 180, 1.5)
    assert evo["date"].nunique() == 19 and len(evo) == 19 * 6
    assert evo.index.is_unique
    last = evo[evo["date"] == evo["date"].max()].set_index("stage")["customers"]
    direct = lc.stage_counts(lc.snapshot(index, "2024-07-10", 180, 1.5)).dropna()
    assert last.to_dict() == direct.to_dict()
    counter = lc._Counter(index)
    day = int(lc.to_days(np.datetime64("2024-06-30")))
    forward = counter.advance(day).n.copy()
    back = counter.advance(day - 200).n.copy()
    fresh = lc._Counter(index).advance(day - 200).n
    assert (back == fresh).all() and forward.sum() == 16  # 17 orders, one after t
    assert counter.advance(day).n.tolist() == forward.tolist()


def test_change_since_needs_a_full_month_of_data():
    """Data from 1 Jan 2023: a month before 1 Feb 2023 is 1 Jan, the first day, so the
    change can be told; a month before 31 Jan 2023 is 31 Dec 2022, before the data."""
    index = lc.prepare(build_customer_base(orders_of(CUSTOMERS)))
    change = lc.change_since(index, "2023-02-01", 180, 1.5)
    assert change is not None
    assert (change.since, change.until) == (pd.Timestamp("2023-01-01"), pd.Timestamp("2023-02-01"))
    assert lc.change_since(index, "2023-01-31", 180, 1.5) is None
    # On 1 May 2023 only 'reactivated' has ordered (New); by 1 June 'inactive' too: 1 -> 2.
    june = lc.change_since(index, "2023-06-01", 180, 1.5)
    assert (june.before["New"], june.after["New"]) == (1, 2)


def test_winback_ties_and_columns():
    """x and y are both At risk with 20 of revenue: the one more days overdue comes first.
    Two orders each, so the shop's median gap (10) applies. x: 1 and 11 Jan, 171 days since,
    161 overdue; y: 1 and 11 Feb, 140 days since, 130 overdue."""
    customers = {"x": ["2024-01-01", "2024-01-11"], "y": ["2024-02-01", "2024-02-11"]}
    _, snap, index = stages_at(customers)
    late = lc.winback(index, snap)
    assert late["customer_id"].tolist() == ["x", "y"]
    assert late["days_overdue"].tolist() == [161, 130]
    assert late.index.tolist() == [0, 1]
    assert list(late.columns[:3]) == ["customer_id", "email", "days_overdue"]
    assert "stage" not in late and "orders_in_window" not in late
    valued = lc.winback(index, snap, pd.Series({0: 5.0, 1: 5.0}))
    assert list(valued.columns[:4]) == ["customer_id", "email", "clv", "days_overdue"]
    assert valued["customer_id"].tolist() == ["x", "y"]  # equal value: most overdue first


def test_window_sensitivity_leaves_out_who_has_not_ordered_yet():
    """At t, 'later2' has not ordered yet (first order 1 Aug): the curve counts the ten
    who have, as before."""
    customers = {**CUSTOMERS, "later2": ["2024-08-01"]}
    _, snap, index = stages_at(customers)
    curve = lc.window_sensitivity(index, snap, [30]).set_index("window_days")
    assert curve.loc[30].tolist() == [6, 0.6]


def test_with_contacts_prospects_are_counted_with_nothing_bought():
    """With a contacts file the Prospect row counts the 2 prospects at t, who bought nothing
    in the window: 0 revenue and 0 orders (not unknown), and no share (they are not part
    of the customers who have ordered). The transitions name their axes: from, to."""
    customers = {**CUSTOMERS, "later2": ["2024-08-01"]}
    _, snap, index = stages_at(customers, contacts=CONTACTS)
    mix = lc.stage_mix(index, snap, 180)
    assert mix.loc["Prospect", ["customers", "revenue_in_window", "orders_in_window"]].tolist() == [
        2,
        0.0,
        0.0,
    ]
    assert np.isnan(mix.loc["Prospect", "share"])
    matrix = lc.transitions(index, "2024-03-31", T, 180, 1.5)
    assert (matrix.index.name, matrix.columns.name) == ("from", "to")


def test_winback_leaves_out_customers_within_their_own_usual_gap():
    """A large account orders 4 times on 1 Jan and once on 2 Mar: the median gap between
    orders (rule 4) is 0 days, so 7 days after the last order they are At risk, yet their
    usual gap between purchase days is 60 days: not late by their own rhythm, left out. A
    customer buying every 10 days (1, 11, 21 Jan) and quiet for 48 days stays on the list."""
    rows = [("big", "2024-01-01")] * 4 + [("big", "2024-03-01")]
    rows += [("steady", d) for d in ["2024-01-01", "2024-01-11", "2024-01-21"]]
    orders = pd.DataFrame(rows, columns=["customer_id", "order_date"])
    orders["order_date"] = pd.to_datetime(orders["order_date"])
    orders["amount"] = [500.0] * 5 + [10.0] * 3
    orders["order_id"] = [str(i) for i in range(len(orders))]
    index = lc.prepare(build_customer_base(orders))
    snap = lc.snapshot(index, "2024-03-08", 180, 1.5)
    people = lc.members(index, snap)
    stages = dict(zip(people["customer_id"], people["stage"], strict=True))
    assert stages == {"big": "At risk", "steady": "At risk"}
    late = lc.winback(index, snap)
    assert late["customer_id"].tolist() == ["steady"]
    assert late["usual_gap_days"].tolist() == [10.0]  # 20 days over 2 gaps
    assert late.attrs["within_usual_gap"] == 1


def test_the_funnel_counts_a_fourth_purchase_and_beyond():
    """f buys on 1, 2, 4, 7 and 11 June (gaps 1, 2, 3, 4), g once. 2 made a 1st purchase, 1
    a 2nd (after 1 day), a 3rd (2 days) and a 4th or later: the 4th+ step's median gap is
    over every purchase from the 4th on, (3 + 4) / 2 = 3.5."""
    five = {"f": ["2024-06-01", "2024-06-02", "2024-06-04", "2024-06-07", "2024-06-11"]}
    _, snap, index = stages_at({**five, "g": ["2024-06-20"]})
    funnel = lc.funnel(index, snap).set_index("step")
    assert funnel["customers"].tolist() == [2, 1, 1, 1]
    assert funnel["median_days_from_previous"].tolist()[1:] == [1.0, 2.0, 3.5]
    means = lc.average_by_stage(pd.Series([1.0], name="v"), pd.Series(["New"]))
    assert means.index.name == "stage" and means.name == "v"

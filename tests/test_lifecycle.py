"""Each stage rule and boundary on hand-built customers whose answer we can state.

Reference date t = 2024-06-30, window W = 180 days: the window is (2024-01-02, 2024-06-30].
"""

import numpy as np
import pandas as pd
import pytest

from analytics.insights import lifecycle as lc
from analytics.insights.customers import build_customer_base

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
    assert lc.repeat_share(index, snap) == 0.5
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

"""RFM scores, segments, heroes and the segment builder on hand-built customers.

Five customers at t = 2024-06-30: with n = 5 a score is 1 + the number of customers with a
strictly worse value, so every expected score below can be counted by hand.
"""

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.insights import lifecycle as lc
from analytics.insights import rfm, segments
from analytics.insights.customers import build_customer_base

T = "2024-06-30"
ORDERS = {  # customer -> [(date, amount)]
    "a": [("2024-06-01", 10), ("2024-06-15", 10), ("2024-06-29", 10)],  # 1 day, 3, 30
    "b": [("2024-06-20", 100)],  # 10 days, 1 order, 100
    "c": [("2024-01-01", 10), ("2024-02-01", 10)],  # 150 days, 2, 20
    "d": [("2023-01-01", 10)],  # 546 days, 1, 10
    "e": [("2022-06-30", 10), ("2022-07-30", 10)],  # 701 days, 2, 20 (ties c on M)
}
EXPECTED = {  # R, F, M, FM, segment
    "a": (5, 5, 4, 5, "Champions"),
    "b": (4, 1, 5, 3, "Potential regulars"),
    "c": (3, 3, 2, 3, "Need attention"),
    "d": (2, 1, 1, 1, "Hibernating"),
    "e": (1, 3, 2, 3, "Slipping away"),
}


# Built for each test (it is small): a mutation tool maps code to the tests that run it, and a
# module-scoped fixture would run the table's code in the first test only.
@pytest.fixture
def table():
    rows = [(c, d, a) for c, orders in ORDERS.items() for d, a in orders]
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame["order_id"] = [str(i) for i in range(len(frame))]
    frame["email"] = frame["customer_id"] + "@x.com"
    frame["channel"] = ["web", "web", "web", "shop", "web", "web", "shop", "shop", "web"]
    index = lc.prepare(build_customer_base(frame))
    snap = lc.snapshot(index, T, 180, 1.5)
    return segments.customer_table(index, snap, hero_pct=20).set_index("customer_id")


def test_scores_and_segments_by_hand(table):
    got = {
        c: (*(int(table.loc[c, k]) for k in ["R", "F", "M", "FM"]), table.loc[c, "rfm_segment"])
        for c in ORDERS
    }
    assert got == EXPECTED


def test_equal_values_get_equal_scores():
    # 60% one-order customers all get 1; the 2s have 6 of 10 below them: 1 + 30 // 10 = 4.
    assert rfm.quintile_scores(np.array([1] * 6 + [2, 2, 3, 4])).tolist() == [1] * 6 + [4, 4, 5, 5]
    assert rfm.quintile_scores(np.arange(10)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert rfm.quintile_scores(np.full(7, 3.5)).tolist() == [1] * 7
    assert rfm.quintile_scores(np.array([])).tolist() == []


def _cells(text: str) -> set[tuple[int, int]]:
    found = re.match(r"R (\d)(?:-(\d))? and FM (\d)(?:-(\d))?", text)
    r1, r2, f1, f2 = found.groups()
    return {
        (r, fm)
        for r in range(int(r1), int(r2 or r1) + 1)
        for fm in range(int(f1), int(f2 or f1) + 1)
    }


def test_written_rules_are_the_grid_and_cover_every_cell():
    covered = {}
    for name, text in rfm.SEGMENT_RULES.items():
        for r, fm in _cells(text):
            assert rfm.SEGMENT_GRID[r - 1][fm - 1] == name, (name, r, fm)
            assert (r, fm) not in covered
            covered[r, fm] = name
    assert len(covered) == 25
    assert list(rfm.SEGMENT_RULES) == rfm.SEGMENTS


def test_heroes_top_share_with_ties(table):
    revenue = table["revenue"].to_numpy()
    assert table.index[table["hero"]].tolist() == ["b"]  # top 20% of 5 = 1 customer
    top_60 = rfm.hero_mask(revenue, 60)  # 3 customers; c and e tie at 20: both in
    assert sorted(table.index[top_60]) == ["a", "b", "c", "e"]
    assert not rfm.hero_mask(np.array([0.0, 0.0]), 50).any()
    facts = rfm.hero_summary(revenue, table["hero"].to_numpy())
    assert facts["heroes"] == 1
    assert facts["share_of_revenue"] == pytest.approx(100 / 180)
    assert facts["times_average"] == pytest.approx(100 / (180 / 5))


def test_segment_sizes_and_grid(table):
    scores = table[["R", "FM", "rfm_segment"]]
    sizes = rfm.segment_sizes(scores, table["revenue"])
    assert list(sizes.index) == rfm.SEGMENTS
    assert sizes.loc["Champions", "customers"] == 1
    assert sizes["share_revenue"].sum() == pytest.approx(1)
    grid = rfm.segment_grid(scores, table["revenue"])
    assert len(grid) == 25 and grid["customers"].sum() == 5
    assert grid.query("R == 4 and FM == 3")["revenue"].item() == 100


def test_segment_builder_filters_combine(table):
    pick = segments.SegmentFilter
    assert segments.select(table, pick()).all()
    assert table.index[segments.select(table, pick(stages=("Inactive",)))].tolist() == ["d", "e"]
    web = pick(attributes=(("channel", ("web",)),))
    assert table.index[segments.select(table, web)].tolist() == ["a", "c"]  # first order
    both = pick(segments=("Slipping away", "Need attention"), days_since=(0, 200))
    assert table.index[segments.select(table, both)].tolist() == ["c"]
    mask = segments.select(table, pick(hero_only=True))
    assert segments.summary(table, mask)["share_revenue"] == pytest.approx(100 / 180)


def test_export_table_has_the_campaign_columns(table):
    out = segments.export_table(table.reset_index())
    assert list(out.columns[:8]) == ["customer_id", "email", "stage", "R", "F", "M"] + [
        "rfm_segment",
        "hero",
    ]
    assert {"orders", "revenue", "last_order", "channel"} <= set(out.columns)
    assert "clv" not in out  # no model fitted: no empty CLV column


def test_cross_table_counts_every_customer_once(table):
    cross = segments.cross_table(table)
    assert "Prospect" not in cross.index and list(cross.columns) == rfm.SEGMENTS
    assert cross.to_numpy().sum() == len(table)
    assert cross.loc["Inactive", "Hibernating"] == 1 and cross.loc["Inactive", "Slipping away"] == 1


@given(st.lists(st.integers(-50, 50) | st.floats(-1e6, 1e6), min_size=1, max_size=300))
@settings(max_examples=200, deadline=None)
def test_scores_are_monotonic_tie_preserving_quintiles(values):
    values = np.array(values, dtype="float64")
    scores = rfm.quintile_scores(values).astype(np.int64)
    order = np.argsort(values, kind="stable")
    assert np.all(np.diff(scores[order]) >= 0)  # a higher value never scores lower
    for v in np.unique(values):
        assert len(set(scores[values == v])) == 1  # equal values, equal scores
    # Score k needs at least (k - 1) / 5 of customers strictly below.
    below = np.array([(values < v).sum() for v in values])
    assert np.all(below >= (scores - 1) * len(values) / 5)
    assert np.all(below < scores * len(values) / 5)


@given(
    st.lists(st.floats(0, 1e4), min_size=1, max_size=200),
    st.floats(0.5, 100),
)
@settings(max_examples=200, deadline=None)
def test_heroes_cover_the_top_share_and_only_the_top(revenue, pct):
    revenue = np.array(revenue)
    hero = rfm.hero_mask(revenue, pct)
    wanted = int(np.ceil(len(revenue) * pct / 100))
    positive = int((revenue > 0).sum())
    assert hero.sum() >= min(wanted, positive)
    if hero.any():  # nobody outside is worth more than a hero
        assert revenue[~hero].max(initial=0) <= revenue[hero].min()


def test_no_segment_name_contains_a_stage_name():
    """One word, one meaning: an RFM segment never borrows a lifecycle stage's name."""
    for segment in rfm.SEGMENTS:
        for stage in lc.STAGES:
            assert stage.lower() not in segment.lower(), (segment, stage)
    assert set(rfm.SEGMENT_RULES) == set(rfm.SEGMENTS)
    assert {name for row in rfm.SEGMENT_GRID for name in row} == set(rfm.SEGMENTS)


def test_revenue_is_counted_to_the_cent_so_equal_spend_scores_equal():
    """x spent 0.10 and 0.70, y 0.80 once, z 0.804 (0.80 to the cent), w 1.20. Revenue is
    a difference of running sums: x's comes out as 0.7999999999999999 and y's as
    0.8000000000000002, which would rank y above x on M. To the cent x, y and z tie at 0.80
    with nobody below them: M = 1 + 5 x 0 // 4 = 1; w has 3 of 4 below: 1 + 15 // 4 = 4.
    (To 3 decimals z would stand above x and y; to whole units all four would tie at 1.)"""
    frame = pd.DataFrame(
        {
            "customer_id": ["w", "x", "x", "y", "z"],
            "order_date": pd.to_datetime(["2024-06-02"] * 2 + ["2024-06-03"] * 3),
            "amount": [1.2, 0.1, 0.7, 0.8, 0.804],
        }
    )
    index = lc.prepare(build_customer_base(frame))
    # Orders by customer, as they first appear (w, x, x, y, z): unrounded, x's and y's differ.
    assert index.cum_amount[3] - index.cum_amount[1] != index.cum_amount[4] - index.cum_amount[3]
    table = segments.customer_table(index, lc.snapshot(index, T, 180, 1.5), hero_pct=20)
    table = table.set_index("customer_id")
    assert table["M"].to_dict() == {"w": 4, "x": 1, "y": 1, "z": 1}
    assert table["revenue"].to_dict() == {"w": 1.2, "x": 0.8, "y": 0.8, "z": 0.8}


def test_facts_are_indexed_by_customer_position_and_leave_out_later_customers():
    """At t = 30 June, b's first order (1 July) is still to come: the facts hold a and c
    only, at their positions in the customer arrays (0 and 2: customers in the order they
    first appear), with a's 3 orders worth 60 and c's one order of 5, 2 and 30 days before t."""
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "c"],
            "order_date": pd.to_datetime(
                ["2024-06-01", "2024-06-10", "2024-06-28", "2024-07-01", "2024-05-31"]
            ),
            "amount": [10.0, 20.0, 30.0, 99.0, 5.0],
        }
    )
    index = lc.prepare(build_customer_base(frame))
    facts = rfm.customer_facts(index, lc.snapshot(index, T, 180, 1.5))
    assert list(index.base.ids[facts.index]) == ["a", "c"]
    assert facts.index.tolist() == [0, 2]
    assert facts.to_dict("list") == {
        "recency_days": [2, 30],
        "orders": [3, 1],
        "revenue": [60.0, 5.0],
    }
    scores = rfm.score(facts)
    assert scores.index.tolist() == [0, 2]  # the rows keep the customers' positions
    # a: more recent, more orders, more revenue: 1 + 5 x 1 // 2 = 3 on each; c: 1 on each.
    assert scores[["R", "F", "M", "FM"]].to_dict("list") == {
        "R": [3, 1], "F": [3, 1], "M": [3, 1], "FM": [3, 1]
    }  # fmt: skip
    assert scores["rfm_segment"].tolist() == ["Need attention", "Lost"]


def test_no_customers_give_empty_scores_and_zero_shares():
    """Before the first order there is nobody to score: empty scores, a 5 x 5 grid of empty
    cells (0 customers, 0 revenue, shares 0 rather than 0 / 0) and eleven empty segments."""
    empty = pd.DataFrame({"recency_days": [], "orders": [], "revenue": []}).astype(
        {"recency_days": "int64", "orders": "int64", "revenue": "float64"}
    )
    scores = rfm.score(empty)
    assert len(scores) == 0 and list(scores.columns) == ["R", "F", "M", "FM", "rfm_segment"]
    assert list(scores["rfm_segment"].cat.categories) == rfm.SEGMENTS
    revenue = pd.Series([], dtype="float64")
    grid = rfm.segment_grid(scores, revenue)
    assert len(grid) == 25
    assert grid[["customers", "revenue", "share_customers", "share_revenue"]].eq(0).all().all()
    sizes = rfm.segment_sizes(scores, revenue)
    assert list(sizes.index) == rfm.SEGMENTS
    assert sizes[["customers", "revenue", "share_customers", "share_revenue"]].eq(0).all().all()
    assert not rfm.hero_mask(np.array([]), 5).any()
    summary = rfm.hero_summary(np.array([]), np.array([], dtype=bool))
    assert summary["heroes"] == 0 and summary["revenue"] == 0
    assert all(np.isnan(summary[k]) for k in ("share_of_customers", "share_of_revenue"))
    assert np.isnan(summary["times_average"])


def test_hero_summary_by_hand():
    """Revenue 0.10, 0.20 and 0.30 (total 0.60, average 0.20); the last two are heroes: 2 of
    3 customers, 0.50 of revenue (5/6 of it), each hero spends 0.25, 1.25 times the average.
    Amounts and totals under 1 on purpose: no threshold of 1 hides in the rules."""
    revenue = np.array([0.1, 0.2, 0.3])
    summary = rfm.hero_summary(revenue, np.array([False, True, True]))
    assert summary == {
        "heroes": 2,
        "share_of_customers": pytest.approx(2 / 3),
        "revenue": pytest.approx(0.5),
        "share_of_revenue": pytest.approx(5 / 6),
        "times_average": pytest.approx(1.25),
    }
    no_heroes = rfm.hero_summary(revenue, np.zeros(3, dtype=bool))
    assert no_heroes["heroes"] == 0 and np.isnan(no_heroes["times_average"])
    assert no_heroes["share_of_revenue"] == 0


def test_heroes_round_up_to_whole_customers():
    """The top 5% of 2,020 customers is 101 customers exactly (2,020 x 5 / 100); 0% is
    nobody (a mask of False, one per customer)."""
    revenue = np.arange(1, 2021, dtype="float64")  # all different: no ties to widen the top
    assert rfm.hero_mask(revenue, 5).sum() == 101
    assert rfm.hero_mask(revenue, 5)[-101:].all()
    none = rfm.hero_mask(np.array([5.0, 3.0]), 0)
    assert none.dtype == bool and none.tolist() == [False, False]


def test_segment_grid_and_sizes_by_hand():
    """Three customers in cells (R 5, FM 5), (R 5, FM 5) and (R 4, FM 1), with revenue 30,
    10 and 40: the Champions cell holds 2 of 3 customers and 40 of 80 revenue, the
    Promising cell 1 and 40; each of the other 23 cells, 0. The cells' names are the written
    rules: R 1 and FM 1 is Lost, R 2 and FM 5 Cannot lose them, R 3 and FM 4 Regulars."""
    scores = pd.DataFrame(
        {
            "R": [5, 5, 4],
            "FM": [5, 5, 1],
            "rfm_segment": pd.Categorical(["Champions", "Champions", "Promising"], rfm.SEGMENTS),
        }
    )
    revenue = pd.Series([30.0, 10.0, 40.0])
    grid = rfm.segment_grid(scores, revenue).set_index(["R", "FM"])
    assert grid.loc[(5, 5), "segment"] == "Champions"
    assert grid.loc[(5, 5), ["customers", "revenue"]].tolist() == [2, 40.0]
    assert grid.loc[(5, 5), "share_customers"] == pytest.approx(2 / 3)
    assert grid.loc[(5, 5), "share_revenue"] == pytest.approx(0.5)
    assert grid.loc[(4, 1), "segment"] == "Promising"
    assert grid.loc[(4, 1), ["customers", "revenue", "share_revenue"]].tolist() == [1, 40, 0.5]
    assert grid.loc[(1, 1), "segment"] == "Lost"
    assert grid.loc[(2, 5), "segment"] == "Cannot lose them"
    assert grid.loc[(3, 4), "segment"] == "Regulars"
    assert grid.loc[(1, 1), ["customers", "revenue", "share_customers"]].tolist() == [0, 0, 0]
    sizes = rfm.segment_sizes(scores, revenue)
    assert sizes.index.name == "segment" and list(sizes.index) == rfm.SEGMENTS
    assert sizes.loc["Champions"].tolist() == [2, 40.0, pytest.approx(2 / 3), 0.5]
    assert sizes.loc["Promising"].tolist() == [1, 40.0, pytest.approx(1 / 3), 0.5]
    assert sizes.loc["Lost"].tolist() == [0, 0.0, 0.0, 0.0]


def test_the_customer_table_takes_the_hero_share_and_the_model_scores():
    """At 60% the heroes are the top 3 of 5 by revenue, and c and e tie at 20 with the third:
    four heroes (a, b, c, e). Model scores come by customer position: a (position 0) and c
    (2) have a CLV; the others get a blank, not a number from someone else."""
    rows = [(c, d, a) for c, orders in ORDERS.items() for d, a in orders]
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    index = lc.prepare(build_customer_base(frame))
    snap = lc.snapshot(index, T, 180, 1.5)
    wide = segments.customer_table(index, snap, hero_pct=60).set_index("customer_id")
    assert wide.index[wide["hero"]].tolist() == ["a", "b", "c", "e"]
    scored = segments.customer_table(index, snap, scores=pd.DataFrame({"clv": {0: 7.0, 2: 9.0}}))
    clv = scored.set_index("customer_id")["clv"]
    assert (clv["a"], clv["c"]) == (7.0, 9.0) and clv[["b", "d", "e"]].isna().all()

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


@pytest.fixture(scope="module")
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
    """x spent 0.10 and 0.20, y spent 0.30 once: both spent 30 cents. Added in binary, 0.1 +
    0.2 is 0.30000000000000004, which would rank x above y on M; to the cent they tie."""
    frame = pd.DataFrame(
        {
            "customer_id": ["y", "x", "x"],
            "order_date": pd.to_datetime(["2024-06-02", "2024-06-01", "2024-06-02"]),
            "amount": [0.3, 0.1, 0.2],
        }
    )
    index = lc.prepare(build_customer_base(frame))
    table = segments.customer_table(index, lc.snapshot(index, T, 180, 1.5), hero_pct=20)
    table = table.set_index("customer_id")
    assert table.loc["x", "M"] == table.loc["y", "M"] == 1
    assert table.loc["x", "revenue"] == table.loc["y", "revenue"] == 0.3

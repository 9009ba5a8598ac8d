"""Averages per lifecycle stage and RFM segment, on customers whose answer we can state."""

import numpy as np
import pandas as pd
import pytest

from analytics.insights import lifecycle, segments


def test_average_by_stage_keeps_lifecycle_order_and_blanks_empty_stages():
    values = pd.Series([10.0, 30.0, 5.0, 100.0], name="clv")
    stages = pd.Series(pd.Categorical(["Loyal", "Loyal", "New", "Inactive"], lifecycle.STAGES))
    means = lifecycle.average_by_stage(values, stages)
    assert list(means.index) == lifecycle.STAGES[1:]  # no Prospect: they have no orders
    assert means["Loyal"] == 20.0 and means["New"] == 5.0 and means["Inactive"] == 100.0
    assert np.isnan(means["Active"]) and means.name == "clv"


def test_average_by_stage_and_segment_in_the_order_people_read_them():
    table = pd.DataFrame(
        {
            "stage": pd.Categorical(["Loyal", "New", "Loyal", "At risk"], lifecycle.STAGES),
            "rfm_segment": ["Champions", "First-timers", "Champions", "Regulars"],
            "clv": [100.0, 20.0, 50.0, 80.0],
        }
    )
    means = segments.average_by_stage_and_segment(table)
    assert list(means.index) == ["New", "Loyal", "At risk"]
    assert list(means.columns) == ["Champions", "Regulars", "First-timers"]
    assert means.loc["Loyal", "Champions"] == 75.0 and np.isnan(means.loc["New", "Champions"])
    assert means.index.name == "Lifecycle stage" and means.columns.name == "RFM segment"


def table_of(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns)


def test_the_builder_keeps_both_ends_of_a_range_and_combines_every_part():
    """Days since the last order 10, 20 and 30, CLV 5, 50, 500, chance still a customer 0.1,
    0.5, 0.9. A range from 10 to 20 days keeps the first two (both ends count); CLV 50-500
    and chance 0.5-0.9 keep the last two; together with the days, only the middle one. A
    stage and an attribute narrow it further, never widen it."""
    table = table_of(
        stage=["New", "Loyal", "Loyal"],
        rfm_segment=["Champions", "Lost", "Champions"],
        hero=[True, False, True],
        days_since_last_order=[10, 20, 30],
        clv=[5.0, 50.0, 500.0],
        p_alive=[0.1, 0.5, 0.9],
        channel=["Web", "Shop", "Web"],
        revenue=[1.0, 2.0, 3.0],
    )
    pick = segments.SegmentFilter
    assert segments.select(table, pick(days_since=(10, 20))).tolist() == [True, True, False]
    assert segments.select(table, pick(clv=(50, 500))).tolist() == [False, True, True]
    assert segments.select(table, pick(p_alive=(0.5, 0.9))).tolist() == [False, True, True]
    both = pick(days_since=(10, 20), clv=(50, 500), p_alive=(0.5, 0.9))
    assert segments.select(table, both).tolist() == [False, True, False]
    assert segments.select(table, pick(stages=("Loyal",), hero_only=True)).tolist() == [
        False,
        False,
        True,
    ]
    assert segments.select(table, pick(segments=("Champions",), stages=("Loyal",))).tolist() == [
        False,
        False,
        True,
    ]
    web_loyal = pick(stages=("Loyal",), attributes=(("channel", ("Web",)),))
    assert segments.select(table, web_loyal).tolist() == [False, False, True]
    nothing_chosen = pick(attributes=(("channel", ()),))  # an empty choice filters nothing
    assert segments.select(table, nothing_chosen).all()
    assert segments.select(table.drop(columns="clv"), pick(clv=(50, 500))).all()  # no model


def test_a_selection_summary_by_hand():
    """Revenue 1, 2 and 3 (total 6); choosing the last two: 2 of 3 customers, 5 of the 6.
    Revenue under 1 works the same (0.25 of 0.75); no customers, no share."""
    table = table_of(revenue=[1.0, 2.0, 3.0])
    assert segments.summary(table, np.array([False, True, True])) == {
        "customers": 2,
        "share_customers": pytest.approx(2 / 3),
        "revenue": 5.0,
        "share_revenue": pytest.approx(5 / 6),
    }
    small = segments.summary(table_of(revenue=[0.25, 0.5]), np.array([True, False]))
    assert small["share_revenue"] == pytest.approx(1 / 3)
    empty = segments.summary(table_of(revenue=[]), np.array([], dtype=bool))
    assert empty["customers"] == 0 and np.isnan(empty["share_customers"])
    assert np.isnan(empty["share_revenue"])


def test_the_cross_table_and_the_averages_name_their_axes():
    """Two Loyal Champions and one New Lost: counts per (stage, segment), every segment a
    column; the averages follow lifecycle and segment order, blank where nobody is."""
    stage = pd.Categorical(["Loyal", "Loyal", "New"], lifecycle.STAGES)
    segment = pd.Categorical(["Champions", "Champions", "Lost"], segments.rfm.SEGMENTS)
    table = table_of(stage=stage, rfm_segment=segment, clv=[10.0, 30.0, 4.0])
    cross = segments.cross_table(table)
    assert (cross.index.name, cross.columns.name) == ("Lifecycle stage", "RFM segment")
    assert cross.loc["Loyal", "Champions"] == 2 and cross.loc["New", "Lost"] == 1
    assert "Prospect" not in cross.index and list(cross.columns) == segments.rfm.SEGMENTS
    means = segments.average_by_stage_and_segment(table)
    assert list(means.index) == ["New", "Loyal"] and list(means.columns) == ["Champions", "Lost"]
    assert means.loc["Loyal", "Champions"] == 20.0 and np.isnan(means.loc["Loyal", "Lost"])
    assert (
        segments.average_by_stage_and_segment(table.rename(columns={"clv": "x"}), "x").loc[
            "New", "Lost"
        ]
        == 4.0
    )


def test_model_scores_go_to_the_customers_by_position():
    """Three customers; at 6 Jan only a and c have ordered (positions 0 and 2): the model's
    two rows are theirs, in that order."""
    from analytics.insights.customers import build_customer_base

    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-05"]),
            "amount": 1.0,
        }
    )
    base = build_customer_base(frame)
    scores = pd.DataFrame({c: [0.5, 0.6] for c in segments.SCORE_COLUMNS}).assign(clv=[7.0, 9.0])
    placed = segments.value_scores(base, pd.Timestamp("2024-01-06"), scores)
    assert placed.index.tolist() == [0, 2] and placed["clv"].tolist() == [7.0, 9.0]
    listed = table_of(customer_id=["x", "y"], stage=["New", "Lost"], other=[1, 2])
    everyone = segments.export_table(listed)
    assert everyone["customer_id"].tolist() == ["x", "y"] and "other" not in everyone
    chosen = segments.export_table(listed, np.array([False, True]))
    assert chosen["customer_id"].tolist() == ["y"] and chosen.index.tolist() == [0]

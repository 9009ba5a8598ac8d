"""Averages per lifecycle stage and RFM segment, on customers whose answer we can state."""

import numpy as np
import pandas as pd

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

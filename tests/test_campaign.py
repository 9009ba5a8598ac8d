"""Control groups and lift on hand-built lists and orders whose right answer we can state."""

import numpy as np
import pandas as pd
import pytest

from analytics.errors import LensError
from analytics.insights import campaign
from analytics.insights.customers import build_customer_base

LIST_DATE = pd.Timestamp("2024-03-01")


def shop(buyers_after: dict[str, int], n: int = 500, on_list_date: int = 0):
    """n treatment and n control customers, all with an order in January; ``buyers_after``
    of each group order once on 10 March; ``on_list_date`` of each order on the list date."""
    rows, listed = [], []
    for group, prefix in [("treatment", "t"), ("control", "c")]:
        for i in range(n):
            cid = f"{prefix}{i}"
            listed.append((cid, group, LIST_DATE))
            rows.append((cid, "2024-01-15", 10.0))
            if i < buyers_after[group]:
                rows.append((cid, "2024-03-10", 50.0))
            elif i < buyers_after[group] + on_list_date:
                rows.append((cid, "2024-03-01", 50.0))
    rows.append(("late", "2024-04-30", 5.0))  # the data runs to 30 April
    orders = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    orders["order_date"] = pd.to_datetime(orders["order_date"])
    orders["order_id"] = np.arange(len(orders)).astype(str)
    listed = pd.DataFrame(listed, columns=["customer_id", "group", "list_date"])
    return build_customer_base(orders), listed


def test_forty_against_ten_percent():
    base, listed = shop({"treatment": 200, "control": 50})
    result = campaign.lift(listed, base)
    groups = result.groups
    assert groups.loc["treatment", "conversion"] == 0.4
    assert groups.loc["control", "conversion"] == 0.1
    assert groups.loc["treatment", "revenue_per_customer"] == 20.0  # 200 x 50 / 500
    low, high = result.conversion_diff_ci
    assert result.conversion_diff == pytest.approx(0.3)
    assert low < 0.30 < high and low > 0
    # Revenue per customer: 20 vs 5, incremental revenue 15 x 500 treatment customers.
    assert result.revenue_per_customer_diff == pytest.approx(15.0)
    assert result.incremental_revenue == pytest.approx(7500.0)
    r_low, r_high = result.incremental_revenue_ci
    assert r_low < 7500 < r_high and r_low > 0
    assert "chance alone would not" in result.sentence()
    assert (result.since, result.until) == (pd.Timestamp("2024-03-02"), pd.Timestamp("2024-04-30"))
    daily = result.daily.set_index(["group", "day"])["conversion"]
    assert daily["treatment", pd.Timestamp("2024-03-09")] == 0
    assert daily["treatment", pd.Timestamp("2024-03-10")] == 0.4
    assert daily["control", pd.Timestamp("2024-04-30")] == 0.1


def test_the_intervals_are_the_95_percent_ones_worked_out_independently():
    """Conversion: 0.4 - 0.1 = 0.3, standard error sqrt(0.4 x 0.6 / 500 + 0.1 x 0.9 / 500)
    = sqrt(0.00066) = 0.025690 (both groups' variances), 1.959964 x that = 0.050352: the
    95% interval is (0.24965, 0.35035); a 90% one would be (0.2577, 0.3423). Revenue per
    customer: scipy's own Welch t-test (unequal variances) on the same 500 + 500 customers
    gives its 95% interval, about 15 +- 2.52."""
    from scipy import stats

    base, listed = shop({"treatment": 200, "control": 50})
    result = campaign.lift(listed, base)
    low, high = result.conversion_diff_ci
    assert (low, high) == (pytest.approx(0.24965, abs=5e-5), pytest.approx(0.35035, abs=5e-5))
    treated = np.r_[np.full(200, 50.0), np.zeros(300)]
    control = np.r_[np.full(50, 50.0), np.zeros(450)]
    welch = stats.ttest_ind(treated, control, equal_var=False).confidence_interval(0.95)
    r_low, r_high = result.revenue_per_customer_diff_ci
    assert (r_low, r_high) == (pytest.approx(welch.low, rel=1e-9), pytest.approx(welch.high))
    assert r_high - r_low == pytest.approx(2 * 2.5238, abs=1e-3)
    assert result.incremental_revenue_ci == (
        pytest.approx(500 * welch.low),
        pytest.approx(500 * welch.high),
    )


def test_equal_rates_give_an_interval_holding_zero():
    base, listed = shop({"treatment": 100, "control": 100})
    result = campaign.lift(listed, base)
    low, high = result.conversion_diff_ci
    assert result.conversion_diff == 0 and low < 0 < high
    assert "could be chance" in result.sentence()


def test_orders_on_the_list_date_never_count():
    base, listed = shop({"treatment": 0, "control": 0}, on_list_date=100)
    result = campaign.lift(listed, base)
    assert result.groups["buyers"].sum() == 0
    # Asking to start on the list date is moved to the day after.
    early = campaign.lift(listed, base, since=LIST_DATE - pd.Timedelta(days=5))
    assert early.since == LIST_DATE + pd.Timedelta(days=1) and early.groups["buyers"].sum() == 0


def test_guard_rails_warn_and_refuse():
    base, listed = shop({"treatment": 5, "control": 1}, n=40)
    result = campaign.lift(listed, base, until=pd.Timestamp("2024-03-05"))
    text = " ".join(result.warnings)
    assert "Only 4 days" in text and "fewer than 100 customers" in text
    assert "would be detected" in text
    missing = pd.concat(
        [listed, pd.DataFrame([("ghost", "control", LIST_DATE)], columns=listed.columns)]
    )
    assert any(
        "1 customers of the list are not" in w for w in campaign.lift(missing, base).warnings
    )
    with pytest.raises(LensError, match="no group column. Expected columns: customer_id, group"):
        campaign.lift(listed.drop(columns="group"), base)
    with pytest.raises(LensError, match="before the campaign's first day"):
        campaign.lift(listed.assign(list_date=pd.Timestamp("2024-06-01")), base)


def big_list(n: int = 10_000) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "stage": rng.choice(["Loyal", "At risk", "Inactive", "New"], n, p=[0.1, 0.2, 0.6, 0.1]),
            "rfm_segment": rng.choice(["Champions", "Lost", "Promising"], n),
        }
    )


def test_control_share_seed_and_strata():
    rows = big_list()
    out = campaign.with_control(rows, 0.2, seed=7, list_date=LIST_DATE)
    control = out["group"] == "control"
    assert abs(control.mean() - 0.2) <= 0.02
    assert set(out["list_date"]) == {LIST_DATE}
    again = campaign.with_control(rows, 0.2, seed=7, list_date=LIST_DATE)
    assert out["group"].equals(again["group"])  # same seed, same groups
    other = campaign.with_control(rows, 0.2, seed=8, list_date=LIST_DATE)
    assert not out["group"].equals(other["group"])
    # Every stratum (stage x segment) gets its share: both groups look alike.
    by_stratum = out.assign(control=control).groupby(["stage", "rfm_segment"])["control"]
    assert ((by_stratum.mean() - 0.2).abs() <= 0.06).all()
    assert (by_stratum.size() > 50).all()
    with pytest.raises(LensError, match="10% to 50%"):
        campaign.with_control(rows, 0.6, seed=1, list_date=LIST_DATE)

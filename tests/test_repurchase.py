"""Repurchase curve, cohorts and gaps on hand-built customers whose answer we can state.

Day 0 is 2024-01-01; the data's last purchase day is day 100 (2024-04-10).

    A  days 0, 10, 40       came back after 10 days (a 3rd purchase 30 days later)
    B  days 0, 0, 20        two orders on day 0 are one purchase: came back after 20, not 0
    C  day 0                not yet: watched 100 days (censored)
    D  days 60, 70          came back after 10 days
    E  day 95               not yet: watched 5 days
    G  day 100              not yet: watched 0 days

Kaplan-Meier on the days to a second purchase (censored customers still at risk on their
last watched day): durations 0c, 5c, 10, 10, 20, 100c.
    day 10: at risk A, B, C, D = 4, 2 come back: S = 1 - 2/4 = 0.5
    day 20: at risk B, C = 2, 1 comes back:      S = 0.5 x (1 - 1/2) = 0.25
So 75% came back within 30, 60 and 90 days (a plain count says 3 of 6 = 50%, because E and
G have hardly been watched). Nobody has been watched 180 days: unknown.
"""

import math

import numpy as np
import pandas as pd
import pytest

from analytics.ingest.io import load_orders
from analytics.ingest.orders import ReadOptions
from analytics.insights import repurchase as rp
from analytics.insights.customers import build_customer_base

DAY0 = pd.Timestamp("2024-01-01")
CUSTOMERS = {
    "A": [0, 10, 40],
    "B": [0, 0, 20],
    "C": [0],
    "D": [60, 70],
    "E": [95],
    "G": [100],
}


def orders_of(customers: dict) -> pd.DataFrame:
    rows = [(c, DAY0 + pd.Timedelta(days=d), 10.0) for c, days in customers.items() for d in days]
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])


@pytest.fixture  # built per test: mutmut credits the rules run here to every test using it
def result():
    return rp.repurchase(build_customer_base(orders_of(CUSTOMERS)))


def test_kaplan_meier_with_censored_customers(result):
    assert (result.customers, result.came_back, result.longest) == (6, 3, 100)
    curve = result.curve
    assert curve["day"].tolist() == [10, 20]
    assert curve["at_risk"].tolist() == [4, 2]
    assert curve["came_back"].tolist() == [2, 1]
    assert curve["share"].tolist() == pytest.approx([0.5, 0.75])
    at = result.to_json()["curve"]
    assert at == {"30": 0.75, "60": 0.75, "90": 0.75, "180": None, "365": None}


def test_the_band_is_greenwood_on_the_log_log_scale(result):
    # Day 20: Greenwood's sum d/(n(n-d)) = 2/(4x2) + 1/(2x1) = 0.75; S = 0.25.
    # On the log-log scale: log(-log S) +- 1.96 sqrt(0.75) / |log S|, back through exp(-exp()).
    s, v = 0.25, 0.75
    spread = 1.959963984540054 * math.sqrt(v) / abs(math.log(s))
    s_low = math.exp(-math.exp(math.log(-math.log(s)) + spread))
    s_high = math.exp(-math.exp(math.log(-math.log(s)) - spread))
    low, high = result.to_json()["curve_ci"]["30"]
    assert (low, high) == pytest.approx((1 - s_high, 1 - s_low), abs=1e-6)
    assert 0 < low < 0.75 < high < 1  # about [0.335, 0.991]: six customers tell little
    assert result.to_json()["curve_ci"]["180"] is None


def test_the_curve_never_falls_and_is_blank_past_the_longest_watch(result):
    at = rp.curve_at(result.curve, range(0, 131), result.longest)
    shares = at["share"].to_numpy()
    assert (np.diff(shares[:101]) >= 0).all()
    assert shares[9] == 0 and shares[10] == 0.5  # within 10 days: on day 10 itself
    # Nobody was watched past day 100: from day 101 the share and its band are missing
    # numbers (NaN), not a last value carried on.
    assert np.isnan(at.loc[101:, ["share", "low", "high"]].to_numpy()).all()


def test_cohort_cells_are_blank_until_every_customer_was_watched(result):
    cohorts = {c["cohort"]: c for c in result.to_json()["cohorts"]}
    # January: A, B, C, all watched 100 days; A and B came back within 30 days.
    jan = cohorts["2024-01"]
    assert jan["customers"] == 3
    assert jan["within"] == {
        "30": pytest.approx(2 / 3),
        "60": pytest.approx(2 / 3),
        "90": pytest.approx(2 / 3),
        "180": None,
        "365": None,
    }
    # March: D alone, watched 40 days: within 30 days 1 of 1; 60 days not yet known.
    assert cohorts["2024-03"]["within"]["30"] == 1.0
    assert cohorts["2024-03"]["within"]["60"] is None
    # April: E and G, G watched 0 days: every cell blank.
    assert cohorts["2024-04"]["customers"] == 2
    assert set(cohorts["2024-04"]["within"].values()) == {None}


def test_gaps_and_the_winback_timing(result):
    gaps = result.to_json()["gaps"]
    # 1st -> 2nd: 10, 20, 10 -> sorted 10, 10, 20; p80 at position 1.6 = 16, p90 at 1.8 = 18.
    assert gaps["first_to_second"] == {"count": 3, "median": 10.0, "p80": 16.0, "p90": 18.0}
    # All consecutive: A 10 and 30, B 20, D 10 -> 10, 10, 20, 30; p80 at 2.4 = 24, p90 27.
    assert gaps["between_purchases"] == {"count": 4, "median": 15.0, "p80": 24.0, "p90": 27.0}
    assert result.winback_days == 16
    assert "within 16 days" in rp.winback_sentence(16)
    # As the page and the PDF say it: a whole 80th percentile, and 3 customers back.
    assert result.winback_said() == rp.winback_sentence(16, 3, 16.0)
    assert "Only 3 customers have come back" in result.winback_said()


def test_a_reference_date_censors_there():
    # On 2024-03-31 (day 90): E and G have not bought yet, D's second purchase is in.
    base = build_customer_base(orders_of(CUSTOMERS))
    out = rp.repurchase(base, pd.Timestamp("2024-03-31")).to_json()
    assert out["customers"] == 4 and out["came_back"] == 3 and out["as_of"] == "2024-03-31"
    # durations 10, 20, 90c, 10: day 10 at risk 4, 2 back; day 20 at risk 2, 1 back.
    assert out["curve"]["60"] == 0.75 and out["curve"]["180"] is None


def test_nobody_came_back_yet():
    out = rp.repurchase(build_customer_base(orders_of({"a": [0], "b": [30]}))).to_json()
    assert out["curve"] == {"30": 0.0, "60": None, "90": None, "180": None, "365": None}
    assert out["gaps"]["first_to_second"]["median"] is None and out["winback_days"] is None


def test_a_voided_order_counts_nowhere():
    # v's only order is voided: v is no customer. w's voided order on day 5 would have made
    # a second purchase 5 days after the first; without it w has not come back.
    csv = (
        "order,customer,date,amount,status\n"
        "1,w,2024-01-01,10,paid\n"
        "2,w,2024-01-06,10,voided\n"
        "3,v,2024-01-02,10,void\n"
        "4,x,2024-01-01,10,paid\n"
        "5,x,2024-01-31,10,paid\n"
    )
    log = load_orders(csv.encode(), "o.csv", ReadOptions(), today=pd.Timestamp("2025-01-01"))
    out = rp.repurchase(build_customer_base(log.orders)).to_json()
    assert out["customers"] == 2 and out["came_back"] == 1
    assert out["gaps"]["first_to_second"]["median"] == 30.0
    # durations: w 30c, x 30: day 30 at risk 2, 1 back: S = 0.5
    assert out["curve"]["30"] == 0.5


def test_the_existing_base_is_left_out():
    """With the first month's customers left out from 2024-03-01 (day 60): D (first purchase
    on that very day), E and G remain; D came back."""
    from analytics.insights.cohorts import ExistingBase

    existing = ExistingBase("2024-02", 3, 5.0, DAY0 + pd.Timedelta(days=60))
    base = build_customer_base(orders_of(CUSTOMERS))
    out = rp.repurchase(base, existing=existing).to_json()
    assert out["customers"] == 3 and out["came_back"] == 1
    assert out["left_out"] == existing.sentence() + " They are left out."
    assert out["band"] == rp.BAND
    assert rp.repurchase(base).to_json()["left_out"] is None
    # On 2024-03-31 (day 90) as well: E and G have not bought yet, D alone remains.
    out = rp.repurchase(base, pd.Timestamp("2024-03-31"), existing).to_json()
    assert out["customers"] == 1 and out["came_back"] == 1


def test_one_purchase_or_none_before_the_reference_date():
    base = build_customer_base(orders_of({"a": [0]}))
    assert rp.repurchase(base).customers == 1
    with pytest.raises(rp.LensError) as error:
        rp.repurchase(base, DAY0 - pd.Timedelta(days=1))
    assert str(error.value) == "There are no purchases on or before the reference date."


def test_everyone_at_risk_came_back_on_the_day():
    # Two customers, both back after 10 days: the share is 1, and so is its band.
    curve = rp.km_curve(np.array([10, 10]), np.array([True, True]))
    assert curve[["share", "low", "high"]].to_numpy().tolist() == [[1.0, 1.0, 1.0]]


def test_cohorts_on_their_horizon_days():
    """January's cohort (A, B, C; newest first purchase day 0) by day 10: A (back after
    exactly 10) of 3; by day 100, exactly how long the newest was watched: A and B, 2 of 3.
    March's (D, day 60) at 100 days has not been watched long enough: None."""
    p = rp.purchases(build_customer_base(orders_of(CUSTOMERS)))
    table = rp.cohort_table(p, horizons=(10, 100)).set_index("cohort")
    assert table.loc["2024-01", 10] == pytest.approx(1 / 3)
    assert table.loc["2024-01", 100] == pytest.approx(2 / 3)
    assert np.isnan(table.loc["2024-03", 100])


def test_fractional_percentiles_are_kept_and_the_timing_rounded_up():
    # 10, 10, 10, 11: the 80th percentile at position 2.4 is 10.4, the 90th at 2.7 is 10.7.
    gaps = np.array([10, 10, 10, 11])
    assert rp.gap_stats(gaps) == {"count": 4, "median": 10.0, "p80": 10.4, "p90": 10.7}
    assert rp.winback_days(gaps) == 11
    assert rp.gap_stats(np.array([])) == {"count": 0, "median": None, "p80": None, "p90": None}
    assert rp.winback_sentence(None) == (
        "No customer has come back yet, so there is no win-back timing to suggest."
    )
    # These four gaps: 10.4 rounded up to 11, said so, and four customers are a handful.
    said = rp.winback_sentence(11, 4, 10.4)
    assert said == (
        "Most who come back do so within 11 days: 80% of second purchases came within 11 days "
        "of the first. That is the 80th percentile, 10.4 days, rounded up. Only 4 customers "
        "have come back so far: take it as a rough guide."
    )
    assert rp.winback_sentence(16, 1, 16.0).endswith(
        "Only 1 customer has come back so far: take it as a rough guide."
    )
    many = rp.winback_sentence(16, rp.FEW_BACK, 16.0)  # a whole day, and enough customers
    assert many == rp.winback_sentence(16) and "rounded" not in many

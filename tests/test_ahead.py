"""Revenue ahead (analytics/value/ahead.py) against lifetimes' own formulas at the same
parameters, and day counts worked out on the calendar.

The shop: the data ends on 10 March 2024 (day 0 below is that day).
    old   first order 2023-10-05: month 3 of October's cohort ended 31 January: nothing ahead
    jan   first order 2024-01-15: month 3 ends 30 April (51 days ahead), month 6 31 July (143),
          month 12 31 January 2025 (327)
    new   one order on 10 March 2024, the last day: x = t_x = T = 0
and 300 customers drawn at random (the model needs them to be fitted), who buy on and off.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter

from analytics.errors import LensError
from analytics.insights import payback
from analytics.insights.customers import build_customer_base, summarise
from analytics.value import ahead, clv, predictive

END = pd.Timestamp("2024-03-10")


@pytest.fixture(scope="module")
def shop():
    rng = np.random.default_rng(7)
    rows = [
        ("old", "2023-10-05", 30.0),
        ("old", "2023-11-20", 50.0),
        ("jan", "2024-01-15", 20.0),
        ("jan", "2024-02-01", 40.0),
        ("jan", "2024-02-20", 60.0),
        ("new", "2024-03-10", 25.0),
    ]
    start = pd.Timestamp("2023-06-01")
    for i in range(300):
        day = start + pd.Timedelta(days=int(rng.integers(0, 250)))
        rate = rng.gamma(1.0, 1 / 30)  # orders per day
        leave = rng.beta(1.0, 4.0)  # chance to leave after each order
        scale = rng.gamma(2.0, 5.0)  # this customer's spend per order: gamma(4, scale)
        while day <= END:
            rows.append((f"r{i}", day.strftime("%Y-%m-%d"), float(rng.gamma(4, scale))))
            if rng.random() < leave:  # leaves after this order
                break
            day += pd.Timedelta(days=1 + int(rng.exponential(1 / rate)))
    orders = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    orders["order_date"] = pd.to_datetime(orders["order_date"])
    orders["order_id"] = [str(i) for i in range(len(orders))]
    base = build_customer_base(orders)
    summary = summarise(base)
    model = clv.fit(summary, "bgnbd")
    assert model.spend.method == "Gamma-Gamma" and not model.cannot_tell_dropout
    return base, summary, model


FITTERS = {"bgnbd": BetaGeoFitter, "mbgnbd": ModifiedBetaGeoFitter, "pareto": ParetoNBDFitter}


def _lifetimes(model, params=None, spend_params=None):
    """lifetimes' own purchase model and Gamma-Gamma, given our fitted parameters."""
    purchases = FITTERS[model.model]()
    names = clv.PURCHASE_PARAMS[model.model].split()
    purchases.params_ = pd.Series(params or model.params)[names]
    spend = GammaGammaFitter()
    spend.params_ = pd.Series(spend_params or model.spend.params)[["p", "q", "v"]]
    return purchases, spend


def _purchases(model, summary, days, params=None):
    """lifetimes: expected purchases in ``days`` (per customer and horizon), 0 for 0 days."""
    purchases = _lifetimes(model, params)[0]
    x, t_x, age = (summary[c].to_numpy(dtype=float) for c in ["frequency", "recency", "T"])
    out = np.zeros(days.shape)
    for h in range(days.shape[1]):
        n = purchases.conditional_expected_number_of_purchases_up_to_time(days[:, h], x, t_x, age)
        out[:, h] = np.where(days[:, h] > 0, n, 0)
    return out


def _theirs(model, summary, days, params=None, spend_params=None):
    """Expected purchases x lifetimes' Gamma-Gamma expected spend (a one-time buyer gets the
    population mean p v / (q - 1): the formula at frequency 0)."""
    spend = _lifetimes(model, spend_params=spend_params)[1]
    f, m = summary["frequency"], summary["monetary_value"]
    gg = spend.conditional_expected_average_profit(f, m).to_numpy(dtype=float)
    return _purchases(model, summary, days, params) * gg[:, None]


def _days(base):
    """Days from the data's end to the end of month 3, 6 and 12 of each customer's cohort."""
    out = np.zeros((base.n_customers, 3))
    for i, who in enumerate(base.ids):
        first = summarise(base).loc[who, "first_order"]
        for j, h in enumerate((3, 6, 12)):
            end = (first.to_period("M") + h).to_timestamp(how="end").normalize()
            out[i, j] = max((end - END).days, 0)
    return out


def test_days_ahead_follow_the_calendar(shop):
    base, summary, model = shop
    result = ahead.revenue_ahead(model, base)
    at = {who: base.ids.get_loc(who) for who in ("old", "jan", "new")}
    # old: month 3 (January) is over; month 6 ends 30 April 2024 (51 days), month 12 31
    # October 2024 (235 days).
    assert result.mean[at["old"], 0] == 0 and result.variance[at["old"], 0] == 0
    assert not result.gradient[at["old"], 0].any()
    assert (result.mean[at["old"], 1:] > 0).all()
    days = _days(base)
    assert days[at["old"]].tolist() == [0, 51, 235]
    assert days[at["jan"]].tolist() == [51, 143, 327]
    # March 2024's cohort: month 3 ends 30 June (112 days), 6: 30 September, 12: 31 March 2025
    assert days[at["new"]].tolist() == [112, 204, 386]
    assert (result.mean[at["jan"]] > 0).all()


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "pareto"])
def test_mean_is_lifetimes_purchases_times_gamma_gamma_spend(shop, name):
    base, summary, model = shop
    if name != "bgnbd":
        model = clv.fit(summary, name)
    result = ahead.revenue_ahead(model, base)
    theirs = _theirs(model, summary, _days(base))
    ok = np.isfinite(theirs)  # lifetimes' hypergeometric series can fail to converge
    assert ok.mean() > 0.95
    assert result.mean[ok] == pytest.approx(theirs[ok], rel=1e-6, abs=1e-9)


def test_the_summary_given_is_the_one_used(shop):
    """With every spend per order doubled in the summary given, the expected spend is
    lifetimes' Gamma-Gamma at those figures."""
    base, summary, model = shop
    doubled = summary.assign(monetary_value=2 * summary["monetary_value"])
    result = ahead.revenue_ahead(model, base, doubled)
    theirs = _theirs(model, doubled, _days(base))
    assert result.mean == pytest.approx(theirs, rel=1e-6, abs=1e-9)
    assert not np.allclose(result.mean, _theirs(model, summary, _days(base)))


def test_variance_of_a_new_customer_is_that_of_the_unconditional_count(shop):
    """A customer whose only order is on the last day (x = t_x = T = 0) is alive for sure,
    and the count in the next t days has the BG/NBD's unconditional distribution
    P(N(t) = n): the variance is spend^2 x (sum n^2 P(n) - (sum n P(n))^2)."""
    base, summary, model = shop
    result = ahead.revenue_ahead(model, base)
    i = base.ids.get_loc("new")
    purchases, spend = _lifetimes(model)
    gg = spend.conditional_expected_average_profit(
        summary["frequency"].iloc[[i]], summary["monetary_value"].iloc[[i]]
    ).iloc[0]
    # Month 3 only (112 days): at 204 and 386 days more than 1e-8 of the chance lies past
    # 150 purchases, where lifetimes' formula overflows.
    for j, t in enumerate([112]):
        n = np.arange(150)
        p = np.array([purchases.probability_of_n_purchases_up_to_time(t, k) for k in n])
        assert p.sum() == pytest.approx(1, abs=1e-8)
        mean, second = (n * p).sum(), (n**2 * p).sum()
        assert result.mean[i, j] == pytest.approx(gg * mean, rel=1e-6)
        assert result.variance[i, j] == pytest.approx(gg**2 * (second - mean**2), rel=1e-4)


def test_variance_of_a_repeat_buyer(shop):
    """jan: x = 2 repeat purchases, t_x = 36, T = 55 days. BG/NBD: alive with lifetimes'
    P(alive); if alive, the rate is Gamma(r + x, alpha + T) and the drop-out chance
    Beta(a, b + x), so the count in the next 51 days is that of a new customer with those
    parameters. Variance: spend^2 x (P E'[N^2] - (P E'[N])^2)."""
    base, summary, model = shop
    result = ahead.revenue_ahead(model, base)
    i = base.ids.get_loc("jan")
    x, t_x, age = (summary[c].iloc[i] for c in ["frequency", "recency", "T"])
    assert (x, t_x, age) == (2, 36, 55)
    purchases, spend = _lifetimes(model)
    alive = purchases.conditional_probability_alive(x, t_x, age)
    posterior = BetaGeoFitter()
    r, alpha, a, b = (model.params[k] for k in ["r", "alpha", "a", "b"])
    posterior.params_ = pd.Series({"r": r + x, "alpha": alpha + age, "a": a, "b": b + x})
    n = np.arange(150)
    p = np.array([posterior.probability_of_n_purchases_up_to_time(51, k) for k in n])
    assert p.sum() == pytest.approx(1, abs=1e-8)
    gg = spend.conditional_expected_average_profit(
        summary["frequency"].iloc[[i]], summary["monetary_value"].iloc[[i]]
    ).iloc[0]
    mean, second = alive * (n * p).sum(), alive * (n**2 * p).sum()
    assert result.mean[i, 0] == pytest.approx(gg * mean, rel=1e-6)
    assert result.variance[i, 0] == pytest.approx(gg**2 * (second - mean**2), rel=1e-4)


def test_variance_under_pareto_nbd_from_lifetimes_distribution(shop):
    """Pareto/NBD: lifetimes gives P(N = n | x, t_x, T) in the next t days (alive or not);
    the variance is spend^2 x (sum n^2 P(n) - (sum n P(n))^2). For jan, new and r10 at
    month 3, old at month 6 (its month 3 is over)."""
    base, summary, model = shop
    model = clv.fit(summary, "pareto")
    result = ahead.revenue_ahead(model, base)
    purchases, spend = _lifetimes(model)
    gg = spend.conditional_expected_average_profit(
        summary["frequency"], summary["monetary_value"]
    ).to_numpy(dtype=float)
    days = _days(base)
    for who, h in [("jan", 0), ("new", 0), ("r10", 0), ("old", 1)]:
        i = base.ids.get_loc(who)
        x, t_x, age = (summary[c].iloc[i] for c in ["frequency", "recency", "T"])
        t = days[i, h]
        assert t > 0
        n = np.arange(150)
        p = np.array(
            [
                purchases.conditional_probability_of_n_purchases_up_to_time(k, t, x, t_x, age)
                for k in n
            ]
        )
        assert p.sum() == pytest.approx(1, abs=1e-8), who
        mean, second = (n * p).sum(), (n**2 * p).sum()
        assert result.mean[i, h] == pytest.approx(gg[i] * mean, rel=1e-5), who
        assert result.variance[i, h] == pytest.approx(gg[i] ** 2 * (second - mean**2), rel=1e-4)


def test_gradient_is_the_change_per_log_parameter(shop):
    """Columns: r, alpha, a, b of the purchase model, then p, q, v of the spend model; each
    against central differences of lifetimes' figures; the covariance is the two models'
    blocks, side by side."""
    base, summary, model = shop
    result = ahead.revenue_ahead(model, base)
    days = _days(base)
    h = 1e-5
    columns = []
    for k in ["r", "alpha", "a", "b"]:
        up = {**model.params, k: model.params[k] * np.exp(h)}
        down = {**model.params, k: model.params[k] * np.exp(-h)}
        columns.append(_theirs(model, summary, days, up) - _theirs(model, summary, days, down))
    for k in "pqv":
        up = {**model.spend.params, k: model.spend.params[k] * np.exp(h)}
        down = {**model.spend.params, k: model.spend.params[k] * np.exp(-h)}
        plus = _theirs(model, summary, days, spend_params=up)
        columns.append(plus - _theirs(model, summary, days, spend_params=down))
    numeric = np.stack(columns, axis=2) / (2 * h)
    assert result.gradient.shape == (base.n_customers, 3, 7)
    scale = np.abs(numeric).max()
    assert np.abs(result.gradient - numeric).max() < 1e-3 * scale
    assert result.covariance.shape == (7, 7)
    assert np.array_equal(result.covariance[:4, :4], model.log_covariance)
    assert np.array_equal(result.covariance[4:, 4:], model.spend.log_covariance)
    assert not result.covariance[:4, 4:].any() and not result.covariance[4:, :4].any()
    assert result.notes == ()


def test_without_gamma_gamma_only_the_purchase_model_is_uncertain(shop):
    """The shrunk average has no covariance: four gradient columns and the purchase block."""
    base, summary, model = shop
    shrunk = clv.SpendModel(clv.SHRUNK_AVERAGE, {}, model.spend.shop_mean)
    plain = clv.ClvModel(**{**model.__dict__, "spend": shrunk})
    result = ahead.revenue_ahead(plain, base)
    assert result.gradient.shape == (base.n_customers, 3, 4)
    assert np.array_equal(result.covariance, model.log_covariance)
    # The spend per order: (f m + k shop mean) / (f + k), as the shrunk average says.
    f, m = summary["frequency"].to_numpy(), summary["monetary_value"].to_numpy()
    k = clv.SHRINK_ORDERS
    per_order = (f * m + k * model.spend.shop_mean) / (f + k)
    purchases = _purchases(model, summary, _days(base))
    assert result.mean == pytest.approx(purchases * per_order[:, None], rel=1e-6, abs=1e-9)


def test_a_model_that_cannot_tell_dropout_says_so(shop):
    base, summary, model = shop
    unsure = clv.ClvModel(
        **{**model.__dict__, "cannot_tell_dropout": True, "warnings": ("Say this.", "Not this.")}
    )
    assert ahead.revenue_ahead(unsure, base).notes == ("Say this.",)


def test_payback_table_without_a_model_says_why(shop):
    base, _, _ = shop
    spend = pd.DataFrame({"month": ["2024-01"], "spend": [100.0]})

    def cannot():
        raise LensError("Only one-time buyers.")

    given = payback.Ahead(
        np.full((base.n_customers, 3), 2.0),
        np.zeros((base.n_customers, 3)),
        np.zeros((base.n_customers, 3, 1)),
        np.zeros((1, 1)),
    )
    with_model = ahead.payback_table(base, spend, 0.5, lambda: given)
    # The model's figures are used: month 3 of January's cohort is not over (30 April), so
    # its LTV:CAC is 50% x (its customers' revenue so far + 2 each) over its spend, 100.
    summary = summarise(base)
    january = summary[summary["first_order"].dt.strftime("%Y-%m") == "2024-01"]
    assert len(january) > 1
    cohort = with_model.cohorts.table.set_index("cohort").loc["2024-01"]
    ltv = 0.5 * (january["revenue"].sum() + 2 * len(january)) / 100
    assert cohort["ltv_cac_3"] == pytest.approx(ltv) and cohort["ltv_cac_3_predicted"]
    result = ahead.payback_table(base, spend, 0.5, cannot)
    assert result.warnings[0] == (
        "Months not over yet have no predicted LTV:CAC: Only one-time buyers."
    )
    plain = payback.payback_table(base, spend, 0.5, None)
    assert result.warnings[1:] == plain.warnings
    pd.testing.assert_frame_equal(result.cohorts.table, plain.cohorts.table)


def test_one_day_ahead_is_counted(shop):
    """A shop whose data end on 29 April 2024: a January customer's month 3 ends the next
    day, 30 April. One day ahead: lifetimes' expected purchases in 1 day x spend, and a
    variance near that mean (a count this rare is nearly 0 or 1), not left at 0."""
    _, _, model = shop
    orders = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "order_date": pd.to_datetime(["2024-01-10", "2024-03-01", "2024-04-29"]),
            "amount": [20.0, 30.0, 10.0],
            "order_id": ["1", "2", "3"],
        }
    )
    base = build_customer_base(orders)
    summary = summarise(base)
    result = ahead.revenue_ahead(model, base)
    i = base.ids.get_loc("a")
    days = np.array([[1.0, 93, 277]])  # to 30 April, 31 July, 31 January 2025
    theirs = _theirs(model, summary.iloc[[i]], days)[0]
    assert result.mean[i] == pytest.approx(theirs, rel=1e-6)
    purchases = _purchases(model, summary.iloc[[i]], days)[0, 0]
    assert 0 < purchases < 0.1
    spend = theirs[0] / purchases
    assert result.variance[i, 0] == pytest.approx(spend**2 * purchases, rel=0.1)


def test_a_spend_model_that_cannot_say_falls_back_to_the_shop_mean(shop):
    """A Gamma-Gamma whose p is missing (NaN) says nothing for anyone: each customer's spend
    is the shop's mean, and moving p, q or v changes nothing (still NaN, still the shop's
    mean): the three spend columns of the gradient are 0."""
    base, summary, model = shop
    spend = dataclasses.replace(model.spend, params={**model.spend.params, "p": np.nan})
    assert np.isnan(spend.expected(summary["frequency"], summary["monetary_value"])).all()
    broken = dataclasses.replace(model, spend=spend)
    result = ahead.revenue_ahead(broken, base)
    purchases = _purchases(model, summary, _days(base))
    assert result.mean == pytest.approx(purchases * spend.shop_mean, rel=1e-6, abs=1e-9)
    assert result.gradient.shape[2] == 7 and not result.gradient[:, :, 4:].any()
    assert result.gradient[:, :, :4].any()


def test_the_second_moment_sums_up_to_the_cap(shop, monkeypatch):
    """With the cap at 3 purchases, E[N^2] is P(alive) x sum over n = 1, 2, 3 of
    (2n - 1) P(N >= n | alive): for jan (see test_variance_of_a_repeat_buyer) with the
    posterior's distribution, the variance is spend^2 x (that - mean^2)."""
    base, summary, model = shop
    monkeypatch.setattr(predictive, "MAX_PURCHASES", 3)
    result = ahead.revenue_ahead(model, base)
    i = base.ids.get_loc("jan")
    x, t_x, age = 2, 36, 55
    purchases, spend = _lifetimes(model)
    alive = purchases.conditional_probability_alive(x, t_x, age)
    posterior = BetaGeoFitter()
    r, alpha, a, b = (model.params[k] for k in ["r", "alpha", "a", "b"])
    posterior.params_ = pd.Series({"r": r + x, "alpha": alpha + age, "a": a, "b": b + x})
    p = np.array([posterior.probability_of_n_purchases_up_to_time(51, k) for k in range(3)])
    at_least = 1 - np.cumsum(p)  # P(N >= 1), P(N >= 2), P(N >= 3)
    second = alive * (1 * at_least[0] + 3 * at_least[1] + 5 * at_least[2])
    gg = spend.conditional_expected_average_profit(
        summary["frequency"].iloc[[i]], summary["monetary_value"].iloc[[i]]
    ).iloc[0]
    mean = result.mean[i, 0] / gg
    assert result.variance[i, 0] == pytest.approx(gg**2 * (second - mean**2), rel=1e-6)

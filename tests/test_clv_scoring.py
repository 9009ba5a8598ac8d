"""Scoring with a fitted model (analytics/value/clv.py, from :func:`clv.purchases` to
:func:`clv.score_table`), fast: the model's parameters and their covariance are set by hand,
so each figure follows from the formulas of analytics/value/predictive.py (checked against
the papers in tests/test_predictive.py) and sums stated here.

Customers (frequency x = repeat purchase days, recency t_x, age T in days, spend per order):
    a   3 repeat days, last 10 days ago, age 120, 50 a repeat order
    b   the same history as a (scored once, shown twice), 20 a repeat order
    c   one-time buyer 200 days ago (spend 0: no repeat order)
    d   1 repeat day, last 150 days ago, age 300, 80
    e   8 repeat days, last on the last day, age 400, 30
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import expit

from analytics.value import clv, predictive

END = pd.Timestamp("2024-06-30")
BG = {"r": 1.0, "alpha": 30.0, "a": 2.0, "b": 18.0}  # a > 1: a finite mean of 1 / p
SPEND = {"p": 6.0, "q": 4.0, "v": 15.0}  # the shop's mean spend per order: 6 x 15 / 3 = 30
X = np.array([3.0, 3.0, 0.0, 1.0, 8.0])
TX = np.array([110.0, 110.0, 0.0, 150.0, 400.0])
AGE = np.array([120.0, 120.0, 200.0, 300.0, 400.0])
M = np.array([50.0, 20.0, 0.0, 80.0, 30.0])


def _summary():
    frame = pd.DataFrame({"frequency": X, "recency": TX, "T": AGE, "monetary_value": M})
    frame.index = pd.Index(list("abcde"), name="customer_id")
    frame["largest_repeat"] = [60.0, 20.0, 0.0, 500.0, 40.0]
    return frame


def _model(name="mbgnbd", params=None, spend=True, covariance=0.01):
    params = params or (
        BG if name != "pareto" else {"r": 1.0, "alpha": 30.0, "s": 1.0, "beta": 90.0}
    )
    model = (
        clv.SpendModel(clv.GAMMA_GAMMA, SPEND, 30.0, np.eye(3) * 0.04)
        if spend
        else clv.SpendModel(clv.SHRUNK_AVERAGE, {"shop_mean": 30.0}, 30.0)
    )
    return clv.ClvModel(
        model=name,
        fitter=None,
        params=params,
        log_covariance=np.eye(4) * covariance,
        penalizer=0.0,
        spend=model,
        customers=5,
        repeat_buyers=4,
        frequency_spend_correlation=0.0,
        history_months=400 / 30,
    )


def _gg(x, m):
    """Gamma-Gamma's conditional mean: (1 - w) 30 + w m, w = 6x / (6x + 3)."""
    w = 6 * x / (6 * x + 3)
    return (1 - w) * 30 + w * m


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "pareto"])
def test_purchases_are_p_alive_times_the_purchases_if_alive(name):
    model = _model(name)
    rows = np.column_stack([X, TX, AGE])
    got = clv.predict_purchases(model, _summary(), 90)
    alive = predictive.p_alive(name, model.params, X, TX, AGE)
    mean = predictive.purchases_if_alive(name, model.params, X, AGE, 90)
    assert got.days == 90 and got.alive == pytest.approx(alive)
    assert got.expected == pytest.approx(alive * mean, rel=1e-9)
    # a and b share one history: the same figures.
    assert got.expected[0] == got.expected[1] and got.low[0] == got.low[1]
    # The variance from the distribution: with P(alive) = pi and P(N >= n | active) = S_n,
    # E[N^2] = pi sum (2n - 1) S_n and Var = E[N^2] - E[N]^2.
    tail = np.column_stack([predictive.at_least(name, model.params, X, AGE, 90, n) for n in
                            range(1, 60)])  # fmt: skip
    second = alive * (tail * (2 * np.arange(1, 60) - 1)).sum(axis=1)
    assert got.variance == pytest.approx(second - (alive * mean) ** 2, rel=1e-5)
    # The 80% range: the 10th and 90th percentiles, the number of n with pi S_n above 0.9 and
    # above 0.1.
    assert list(got.low) == list((alive[:, None] * tail > 0.9).sum(axis=1))
    assert list(got.high) == list((alive[:, None] * tail > 0.1).sum(axis=1))
    assert got.high.max() > got.low.min()
    # purchases() on the unique rows with what is already known gives the same.
    unique = np.unique(rows, axis=0)
    same = clv.purchases(model, unique, 90)
    again = clv.purchases(model, unique, 90, alive=same.alive, mean=None)
    assert again.expected == pytest.approx(same.expected)


def test_a_certain_customer_buys_as_a_poisson_process():
    # Modified BG/NBD with r huge and alpha = 10 r: each active customer buys at 0.1 a day
    # (a Poisson process), and with a / (a + b) = 2e-7 almost nobody leaves. Seen on the
    # last day with x = 5: P(alive) = (b + x) / (a + b + x) = 1 (to 2e-7). In 20 days N ~
    # Poisson(2): mean 2, variance 2, 10th percentile 0 (P(N = 0) = 0.135 > 0.1), 90th
    # percentile 4 (P(N <= 3) = 0.857, P(N <= 4) = 0.947).
    params = {"r": 1e7, "alpha": 1e8, "a": 2.0, "b": 1e7}
    got = clv.purchases(_model("mbgnbd", params), np.array([[5.0, 50.0, 50.0]]), 20)
    assert got.alive[0] == pytest.approx(1) and got.expected[0] == pytest.approx(2, rel=1e-5)
    assert got.variance[0] == pytest.approx(2, rel=1e-4)
    assert (got.low[0], got.high[0]) == (0, 4)
    assert (stats.poisson(2).ppf(0.1), stats.poisson(2).ppf(0.9)) == (0, 4)


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd"])
def test_the_chance_to_order_by_hand(name):
    model = _model(name)
    # c, a one-time buyer of 200 days: BG/NBD keeps them surely alive; either way, if active
    # the chance of a purchase in 60 days is 1 - ((alpha + T) / (alpha + T + 60))^r = 1 -
    # 230 / 290 (r = 1).
    alive = predictive.p_alive(name, BG, [0.0], [0.0], [200.0])[0]
    assert alive == (1.0 if name == "bgnbd" else pytest.approx(1 / (1 + 2 / 18 * 230 / 30)))
    chance = clv.predict_order_chance(model, _summary(), 60)
    assert chance[2] == pytest.approx(alive * (1 - 230 / 290))
    # e, seen on the last day with 8 repeat days: P(alive) = (b + x - 1) / (a + b + x - 1)
    # = 25 / 27 (BG), 26 / 28 (modified), and 1 - (430 / 490)^9 if active.
    sure = 25 / 27 if name == "bgnbd" else 26 / 28
    assert chance[4] == pytest.approx(sure * (1 - (430 / 490) ** 9))
    rows = np.column_stack([X, TX, AGE])
    assert clv.prob_order_within(model, 60, rows) == pytest.approx(chance)
    # A history no model can read gives a chance of 0, never nan.
    odd = clv.prob_order_within(model, 60, np.array([[3.0, np.inf, np.inf]]))
    assert odd.tolist() == [0.0]


def test_the_range_of_p_alive_from_the_parameters_uncertainty():
    # The delta method by hand: the log-odds of P(alive) (BG/NBD, x > 0) is log((b + x - 1)
    # / a) - (r + x) log((alpha + T) / (alpha + t_x)); its slopes in the log-parameters,
    # times the covariance (0.01 each, independent), give its sd; the range is expit(odds
    # -/+ 1.2816 sd).
    model = _model("bgnbd")
    h = clv.histories_of(model, _summary())
    r, alpha, a, b = BG.values()
    for i in (0, 3, 4):
        x, t_x, T = X[i], TX[i], AGE[i]
        odds = np.log((b + x - 1) / a) - (r + x) * np.log((alpha + T) / (alpha + t_x))
        slopes = [
            -r * np.log((alpha + T) / (alpha + t_x)),
            -(r + x) * alpha * (1 / (alpha + T) - 1 / (alpha + t_x)),
            -1.0,
            b / (b + x - 1),
        ]
        sd = np.sqrt(0.01 * np.sum(np.square(slopes)))
        row = h.table.iloc[i]
        assert row["p_alive"] == pytest.approx(expit(odds), rel=1e-9)
        assert row["p_alive_low"] == pytest.approx(expit(odds - clv.Z80 * sd), rel=1e-3)
        assert row["p_alive_high"] == pytest.approx(expit(odds + clv.Z80 * sd), rel=1e-3)
    # c: a one-time buyer is surely alive for BG/NBD: no range (1 to 1).
    assert h.table.loc["c", ["p_alive", "p_alive_low", "p_alive_high"]].tolist() == [1, 1, 1]
    # No uncertainty: the range is the figure.
    none = clv.histories_of(_model("bgnbd", covariance=0.0), _summary()).table
    assert none["p_alive_low"].tolist() == pytest.approx(none["p_alive"].tolist())


def test_what_does_not_move_with_the_horizon():
    model = _model("mbgnbd")
    h = clv.histories_of(model, _summary(), END)
    alive = predictive.p_alive("mbgnbd", BG, X, TX, AGE)
    for days in (30, 90, 365):
        ahead = predictive.purchases_if_alive("mbgnbd", BG, X, AGE, days)
        assert h.table[f"purchases_{days}d"].tolist() == pytest.approx(alive * ahead, rel=1e-9)
    # Gamma-Gamma per customer; c has no repeat order: the shop's mean, 30.
    assert h.table["expected_spend"].tolist() == pytest.approx(_gg(X, M).tolist())
    assert h.table["expected_spend"]["c"] == pytest.approx(30.0)
    # The curve: purchases if active by the end of each 30-day month, 0 at month 0.
    assert h.curve.shape == (len(h.pairs), clv.CURVE_MONTHS + 1) and (h.curve[:, 0] == 0).all()
    assert h.curve[:, 7] == pytest.approx(
        predictive.purchases_if_alive("mbgnbd", BG, h.pairs[:, 0], h.pairs[:, 1], 210)
    )
    # Median wait to the next order if active: the rate is Gamma(r + x, alpha + T), so
    # P(no order in w days) = ((alpha + T) / (alpha + T + w))^(r + x) = 1/2 gives
    # w = (alpha + T)(2^(1 / (r + x)) - 1): a: 150 x (2^(1/4) - 1) = 28.4 -> 28 days;
    # d: 330 x (2^(1/2) - 1) = 136.7 -> 137; e: 430 x (2^(1/9) - 1) = 34.3 -> 34.
    # c (no repeat order) has no rhythm yet: no date.
    dates = h.table["next_order_if_active"]
    assert dates["a"] == END + pd.Timedelta(days=28) and dates["b"] == dates["a"]
    assert dates["d"] == END + pd.Timedelta(days=137)
    assert dates["e"] == END + pd.Timedelta(days=34) and pd.isna(dates["c"])
    assert "next_order_if_active" not in clv.histories_of(model, _summary()).table
    # An active customer so slow that the median is beyond ten years: ten years.
    slow = _model("mbgnbd", {**BG, "alpha": 1e6})
    far = clv.histories_of(slow, _summary(), END).table["next_order_if_active"]
    assert far["a"] == END + pd.Timedelta(days=3650)
    # The spend at each moved spend parameter (3 of them), none without a fitted spend model.
    assert len(h.moved_spend) == 3 and len(h.moved_alive) == 4
    assert clv.histories_of(_model(spend=False), _summary()).moved_spend == []


def test_a_missing_spend_is_the_shops_mean():
    # A customer whose spend is unknown (nan) gets the shop's mean, 30, not nan.
    summary = _summary()
    summary.loc["d", "monetary_value"] = np.nan
    table = clv.histories_of(_model(), summary).table
    assert table["expected_spend"]["d"] == 30.0


@pytest.mark.parametrize("months", [12, 40])
def test_the_forecast_over_a_horizon(months):
    model = _model("mbgnbd")
    fc = clv.forecast(model, _summary(), months, END)
    days = months * 30
    alive = predictive.p_alive("mbgnbd", BG, X, TX, AGE)
    mean = predictive.purchases_if_alive("mbgnbd", BG, X, AGE, days)
    assert fc.table["purchases"].tolist() == pytest.approx(alive * mean, rel=1e-9)
    # Month by month: the increments of the curve, which add up to the horizon's mean.
    assert fc.monthly.shape == (len(fc.pairs), months)
    assert fc.monthly.sum(axis=1)[fc.pair][fc.row] == pytest.approx(mean, rel=1e-9)
    assert fc.monthly[:, 4] == pytest.approx(
        predictive.purchases_if_alive("mbgnbd", BG, fc.pairs[:, 0], fc.pairs[:, 1], 150)
        - predictive.purchases_if_alive("mbgnbd", BG, fc.pairs[:, 0], fc.pairs[:, 1], 120)
    )
    # The range of purchases sits before the spend, as the Value page shows it.
    columns = list(fc.table.columns)
    at = columns.index("purchases")
    assert columns[at : at + 4] == [
        "purchases",
        "purchases_low",
        "purchases_high",
        "expected_spend",
    ]
    direct = clv.predict_purchases(model, _summary(), days)
    assert fc.table["purchases_low"].tolist() == direct.low.tolist()
    assert fc.table["purchases_high"].tolist() == direct.high.tolist()
    # Kept histories give the same forecast.
    kept = clv.forecast(model, _summary(), months, END, clv.histories_of(model, _summary(), END))
    pd.testing.assert_frame_equal(kept.table, fc.table)
    assert fc.months == months


def _total(model, params=None, spend_params=None, months=12):
    """Sum of expected purchases x spend over the customers, at other parameters."""
    params = params or model.params
    alive = predictive.p_alive(model.model, params, X, TX, AGE)
    mean = predictive.purchases_if_alive(model.model, params, X, AGE, months * 30)
    spend = model.spend.expected(X, M, spend_params)
    return np.sum(alive * mean * np.nan_to_num(spend, nan=30.0))


@pytest.mark.parametrize("name", ["bgnbd", "pareto"])
def test_sensitivities_are_the_slopes_of_the_log_total(name):
    model = _model(name)
    fc = clv.forecast(model, _summary(), 12)
    names = clv.PURCHASE_PARAMS[name].split()
    # Central differences in each log-parameter, a step 100 times the module's.
    h = 1e-2
    for i, key in enumerate(names):
        up = _total(model, {**model.params, key: model.params[key] * np.exp(h)})
        down = _total(model, {**model.params, key: model.params[key] * np.exp(-h)})
        assert fc.sensitivity[i] == pytest.approx((np.log(up) - np.log(down)) / (2 * h), abs=2e-3)
    for i, key in enumerate("pqv"):
        up = _total(model, spend_params={**SPEND, key: SPEND[key] * np.exp(h)})
        down = _total(model, spend_params={**SPEND, key: SPEND[key] * np.exp(-h)})
        want = (np.log(up) - np.log(down)) / (2 * h)
        assert fc.spend_sensitivity[i] == pytest.approx(want, abs=2e-3)


def test_no_sensitivity_without_a_total():
    # Nobody spends anything: the total is 0, there is no slope to take.
    summary = _summary()
    summary["monetary_value"] = 0.0
    model = _model(spend=False)
    zero = clv.SpendModel(clv.SHRUNK_AVERAGE, {"shop_mean": 0.0}, 0.0)
    model = clv.ClvModel(**{**model.__dict__, "spend": zero})
    fc = clv.forecast(model, summary, 12)
    assert fc.sensitivity.tolist() == [0, 0, 0, 0] and fc.spend_sensitivity.tolist() == []
    # Gamma-Gamma with a shop mean of 0 (v tiny) and no spend: the spend slopes are 0 too.
    tiny = clv.SpendModel(clv.GAMMA_GAMMA, {**SPEND, "v": 0.0}, 0.0, np.eye(3))
    model = clv.ClvModel(**{**model.__dict__, "spend": tiny})
    fc = clv.forecast(model, summary, 12)
    assert fc.spend_sensitivity.tolist() == [0, 0, 0]


def test_clv_discounts_each_month_and_takes_the_margin():
    model = _model("mbgnbd")
    fc = clv.forecast(model, _summary(), 12)
    alive = predictive.p_alive("mbgnbd", BG, X, TX, AGE)
    spend = _gg(X, M)
    months = [predictive.purchases_if_alive("mbgnbd", BG, X, AGE, 30 * m) for m in range(13)]
    monthly = np.diff(np.array(months), axis=0)  # month m's purchases if active
    # 1% a month: month m's purchases are worth 1 / 1.01^m; margin 40%.
    want = alive * (monthly / 1.01 ** np.arange(1, 13)[:, None]).sum(axis=0) * spend * 0.4
    assert clv.clv(fc, 12, 0.01, 0.4) == pytest.approx(want, rel=1e-9)
    # No discount: expected purchases x spend; a shorter horizon reads the first months.
    assert clv.clv(fc, 12, 0.0) == pytest.approx(alive * months[12] * spend, rel=1e-9)
    assert clv.clv(fc, 3, 0.0) == pytest.approx(alive * months[3] * spend, rel=1e-9)
    # A horizon longer than the forecast's is cut to it.
    assert clv.clv(fc, 24, 0.0) == pytest.approx(clv.clv(fc, 12, 0.0))


def test_the_range_of_each_customers_value():
    model = _model("mbgnbd")
    fc = clv.forecast(model, _summary(), 12)
    values = clv.clv(fc, 12, 0.01, 0.5)
    low, high = clv.clv_range(fc, values)
    # Each purchase is worth value / expected purchases: low and high purchases at that worth.
    worth = values / fc.table["purchases"].to_numpy()
    assert low == pytest.approx(worth * fc.table["purchases_low"].to_numpy())
    assert high == pytest.approx(worth * fc.table["purchases_high"].to_numpy())
    # Nothing expected: nothing per purchase (not nan).
    fc.table["purchases"] = 0.0
    assert clv.clv_range(fc, values)[1].tolist() == [0, 0, 0, 0, 0]


def test_the_interval_of_the_total_by_hand():
    # One customer: value 100 from 2 expected purchases (50 each), variance 0.04 purchases^2
    # -> chance part 0.04 x 50^2 = 100. Parameters: sensitivity 1 in r with variance 0.01
    # -> 100^2 x 0.01 = 100; spend: slope 0.5 in p with variance 0.04 -> 100^2 x 0.01 = 100.
    model = _model(covariance=0.01)
    table = pd.DataFrame({"purchases": [2.0]})
    horizon = clv.Purchases(
        360, np.ones(1), np.full(1, 2.0), np.zeros(1), np.ones(1), np.full(1, 0.04)
    )
    fc = clv.Forecast(
        12, np.zeros(1, dtype=int), np.zeros((1, 2)), np.zeros(1, dtype=int), np.ones(1),
        np.ones((1, 12)), horizon, np.array([1.0, 0, 0, 0]), np.array([0.5, 0, 0]), table,
    )  # fmt: skip
    low, high = clv.total_interval(model, fc, np.array([100.0]))
    sd = np.sqrt(300.0)
    assert (low, high) == pytest.approx((100 - clv.Z80 * sd, 100 + clv.Z80 * sd))
    # Without a fitted spend model its part is left out: sd = sqrt(200).
    plain = clv.ClvModel(**{**model.__dict__, "spend": _model(spend=False).spend})
    low, high = clv.total_interval(plain, fc, np.array([100.0]))
    assert (low, high) == pytest.approx(
        (100 - clv.Z80 * np.sqrt(200), 100 + clv.Z80 * np.sqrt(200))
    )
    # A range wider than the total stops at 0.
    wide = clv.ClvModel(**{**model.__dict__, "log_covariance": np.eye(4) * 4.0})
    assert clv.total_interval(wide, fc, np.array([100.0]))[0] == 0.0


def test_the_score_table_and_a_rescore():
    model = _model("mbgnbd")
    summary = _summary()
    fc = clv.forecast(model, summary, 12, END)
    settings = clv.Settings(months=12, discount_rate=0.02, margin=0.5, churn_days=60)
    table = clv.score_table(model, fc, summary, settings, limit=100.0)
    values = clv.clv(fc, 12, 0.02, 0.5)
    assert table["clv"].tolist() == pytest.approx(values.tolist())
    low, high = clv.clv_range(fc, values)
    assert table["clv_low"].tolist() == pytest.approx(low.tolist())
    assert table["clv_high"].tolist() == pytest.approx(high.tolist())
    # No order in the 360 days: 1 - P(alive) x P(an order | active).
    some = predictive.at_least("mbgnbd", BG, X, AGE, 360, 1)
    assert table["p_no_order"].tolist() == pytest.approx((1 - fc.table["p_alive"] * some).tolist())
    # The churn columns: the chance within 60 days, its band, and d's 500 order (above the
    # limit of 100, and all of its 80 x 1 repeat spend) flags it.
    chance = clv.predict_order_chance(model, summary, 60)
    assert table["chance_to_order"].tolist() == pytest.approx(chance.tolist())
    assert list(table["churn_risk"]) == list(clv.churn_band(chance))
    assert table["outlier"].tolist() == [False, False, False, True, False]
    assert list(table.index) == list("abcde")
    # Kept churn columns give the same table; another discount and margin: a rescore.
    churn = clv.churn_columns(model, fc, summary, 60, 100.0)
    pd.testing.assert_frame_equal(
        clv.score_table(model, fc, summary, settings, 100.0, churn), table
    )
    other = clv.Settings(months=12, discount_rate=0.0, margin=1.0, churn_days=60)
    again = clv.rescore(table, fc, other)
    assert again["clv"].tolist() == pytest.approx(clv.clv(fc, 12, 0.0, 1.0).tolist())
    pd.testing.assert_frame_equal(again, clv.score_table(model, fc, summary, other, 100.0))


def test_pareto_chance_to_order_and_never_above_one():
    # Pareto/NBD: P(alive) x P(an order in 60 days | active), the latter integrated over the
    # lifetime (tests/test_predictive.py).
    model = _model("pareto")
    chance = clv.predict_order_chance(model, _summary(), 60)
    alive = predictive.p_alive("pareto", model.params, X, TX, AGE)
    some = predictive.at_least("pareto", model.params, X, AGE, 60, 1)
    assert chance == pytest.approx(alive * some, rel=1e-12)
    # Buyers of 100 a day seen on the last day, over ten years: an order is certain, and a
    # chance is at most 1 (the quadrature alone gives 1 + 4e-15).
    sure = _model("pareto", {"r": 100.0, "alpha": 1.0, "s": 3.0, "beta": 1000.0})
    got = clv.prob_order_within(sure, 3650, np.array([[5.0, 10.0, 10.0], [50.0, 100.0, 100.0]]))
    assert got.max() <= 1.0 and got == pytest.approx([1.0, 1.0])
    # A history with no age (missing) has no chance to order: 0, not nan or 100%.
    assert clv.prob_order_within(_model(), 60, np.array([[3.0, np.nan, np.nan]])).tolist() == [0]


def test_sensitivities_do_not_depend_on_the_currency_unit():
    # The slopes are of the log of the total: spend in thousandths (a total below 1) gives
    # the same slopes as spend in units.
    summary = _summary()
    model = _model("mbgnbd")
    base = clv.forecast(model, summary, 12)
    small = summary.assign(monetary_value=summary["monetary_value"] / 1000)
    tiny = clv.SpendModel(clv.GAMMA_GAMMA, {**SPEND, "v": 15.0 / 1000}, 0.03, np.eye(3) * 0.04)
    model = clv.ClvModel(**{**model.__dict__, "spend": tiny})
    fc = clv.forecast(model, small, 12)
    assert float(np.sum(fc.table["purchases"] * fc.table["expected_spend"])) < 1
    assert fc.sensitivity == pytest.approx(base.sensitivity, rel=1e-6)
    assert fc.spend_sensitivity == pytest.approx(base.spend_sensitivity, rel=1e-6)


def test_details_of_the_forecasts_pieces():
    model = _model("mbgnbd")
    summary = _summary()
    fc = clv.forecast(model, summary, 12)
    # The churn columns are per customer, indexed like the summary.
    churn = clv.churn_columns(model, fc, summary, 60, 100.0)
    assert list(churn.index) == list("abcde") and churn.index.name == "customer_id"
    # The default discount is the Value page's, 1% a month.
    assert clv.clv(fc, 12) == pytest.approx(clv.clv(fc, 12, clv.Settings().discount_rate))
    assert clv.Settings().discount_rate == 0.01
    # purchases() says the horizon it is for.
    assert clv.purchases(model, np.column_stack([X, TX, AGE]), 45).days == 45
    # A rescore at another margin: half the margin, half the value.
    table = clv.score_table(model, fc, summary, clv.Settings(margin=1.0), 100.0)
    half = clv.rescore(table, fc, clv.Settings(margin=0.5))
    assert half["clv"].tolist() == pytest.approx((table["clv"] / 2).tolist())
    # The total's interval on a real forecast: the chance part from each customer's
    # variance, the parameters' part from the slopes (formula in the hand-made test above).
    values = clv.clv(fc, 12)
    total = values.sum()
    per = values / fc.table["purchases"].to_numpy()
    chance = np.sum(fc.horizon.variance[fc.row] * per**2)
    relative = fc.sensitivity @ model.log_covariance @ fc.sensitivity
    relative += fc.spend_sensitivity @ model.spend.log_covariance @ fc.spend_sensitivity
    sd = np.sqrt(total**2 * relative + chance)
    low, high = clv.total_interval(model, fc, values)
    assert (low, high) == pytest.approx((max(total - clv.Z80 * sd, 0), total + clv.Z80 * sd))
    assert high > total


def test_a_range_stays_put_where_a_moved_chance_rounds_to_certainty():
    # Two histories at the edge of floating point, each with one parameter whose small move
    # (the slope's step) rounds P(alive) to exactly 1 or 0, though the fitted one is not:
    # a customer all but surely still there (a / (a + b) = 1.7e-16: nobody leaves; P(alive)
    # 1 - 2e-16, b moved gives 1.0), and one all but surely gone (a year silent at 214
    # orders a month: P(alive) 6e-309, r moved gives 0.0). With the parameters known to 10%
    # (log-variance 0.01), the delta method's log-odds sd is about 0.1 x the slopes' size:
    # the ranges stay at the figures, not 0% to 100%.
    sure = {"r": 1.0, "alpha": 30.0, "a": 1.5543277776752805e-15, "b": 9.0}
    gone = {"r": 214.3, "alpha": 30.0, "a": 1.0, "b": 9.0}
    for params, history in ((sure, (5.0, 100.0, 100.0)), (gone, (5.0, 10.0, 1000.0))):
        summary = pd.DataFrame([history], columns=["frequency", "recency", "T"])
        summary["monetary_value"] = 10.0
        table = clv.histories_of(_model("mbgnbd", params), summary).table
        alive, low, high = table[["p_alive", "p_alive_low", "p_alive_high"]].to_numpy()[0]
        assert 0 < alive < 1 and low <= alive <= high
        assert high - low < 1e-9

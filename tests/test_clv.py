"""CLV models against published CDNOW figures and lifetimes itself; backtest by hand."""

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

from analytics.errors import LensError
from analytics.ingest.io import CDNOW_NAME, DEMO_ORDERS, load_dataset
from analytics.insights import lifecycle
from analytics.insights.customers import build_customer_base, summarise
from analytics.value import backtest, clv, fitters, histories, paretonbd, propensity


@pytest.fixture(scope="module")
def cdnow_weeks():
    """The 2,357-customer CDNOW sample in weeks, as in Fader, Hardie and Lee (2005)."""
    return load_cdnow_summary_data_with_monetary_value()


@pytest.fixture(scope="module")
def cdnow_base():
    return build_customer_base(load_dataset(CDNOW_NAME)[0].orders)


@pytest.fixture(scope="module")
def demo_base():
    return build_customer_base(load_dataset("demo_orders.csv", DEMO_ORDERS.read_bytes())[0].orders)


def test_bgnbd_and_gamma_gamma_match_the_published_cdnow_figures(cdnow_weeks):
    model = clv.fit(cdnow_weeks, "bgnbd")
    assert len(cdnow_weeks) == 2357 and model.penalizer == 0
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert model.params == pytest.approx(published, abs=0.0015)
    assert model.spend.method == "Gamma-Gamma"
    assert model.spend.params == pytest.approx({"p": 6.25, "q": 3.74, "v": 15.44}, abs=0.01)


def test_weighted_fit_on_unique_rows_equals_the_plain_fit(cdnow_weeks):
    plain = BetaGeoFitter().fit(cdnow_weeks["frequency"], cdnow_weeks["recency"], cdnow_weeks["T"])
    ours = clv.fit(cdnow_weeks, "bgnbd")
    assert ours.params == pytest.approx(plain.params_.to_dict(), rel=1e-4)
    repeat = cdnow_weeks[cdnow_weeks["frequency"] > 0]
    spend = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    assert ours.spend.params == pytest.approx(spend.params_.to_dict(), rel=1e-4)
    unique, counts, row = histories.unique_rows(cdnow_weeks)
    assert len(unique) < len(cdnow_weeks) and counts.sum() == len(cdnow_weeks)
    assert np.array_equal(unique[row], cdnow_weeks[["frequency", "recency", "T"]].to_numpy())


def test_clv_equals_lifetimes_customer_lifetime_value(cdnow_base):
    summary = cdnow_base.summary
    model = clv.fit(summary, "bgnbd")
    fc = clv.forecast(model, summary, 12, cdnow_base.data_end)
    ours = clv.clv(fc, 12, discount_rate=0.01, margin=1.0)
    f, r, t, m = (summary[c] for c in ["frequency", "recency", "T", "monetary_value"])
    bgf = BetaGeoFitter().fit(f.to_numpy(), r.to_numpy(), t.to_numpy())
    repeat = summary[(f > 0) & (m > 0)]
    ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    theirs = ggf.customer_lifetime_value(bgf, f, r, t, m, time=12, discount_rate=0.01, freq="D")
    assert ours == pytest.approx(theirs.to_numpy(), rel=1e-4, abs=1e-6)
    # Margin scales profit linearly; a higher discount rate lowers it; shorter horizon too.
    assert clv.clv(fc, 12, 0.01, 0.4) == pytest.approx(0.4 * ours)
    assert clv.clv(fc, 12, 0.05, 1.0).sum() < ours.sum()
    assert clv.clv(fc, 6, 0.01, 1.0).sum() < ours.sum()
    assert np.isfinite(fc.table.select_dtypes("number").to_numpy()).all()
    nxt = fc.table["next_order_if_active"]
    assert nxt.isna().to_numpy().tolist() == (summary["frequency"] == 0).tolist()
    assert (nxt.dropna() > cdnow_base.data_end).all()
    # A customer with x repeat purchases waits (alpha + T) (2 ** (1 / (r + x)) - 1) days.
    one = summary.index[summary["frequency"] == 3][0]
    r, alpha = model.params["r"], model.params["alpha"]
    wait = (alpha + summary.loc[one, "T"]) * (2 ** (1 / (r + 3)) - 1)
    assert (nxt[one] - cdnow_base.data_end).days == round(wait)


def test_order_chance_agrees_with_expected_purchases_for_short_spans(cdnow_base):
    """For a very short span P(at least one order) and E[orders] must coincide."""
    model = clv.fit(cdnow_base.summary, "bgnbd")
    chance = clv.predict_order_chance(model, cdnow_base.summary, 0.001)
    expected = clv.predict_purchases(model, cdnow_base.summary, 0.001).expected
    assert chance == pytest.approx(expected, rel=1e-3, abs=1e-9)
    year = clv.predict_order_chance(model, cdnow_base.summary, 365)
    assert ((year >= chance) & (year <= 1)).all()


def test_only_one_time_buyers_get_a_clear_message():
    summary = pd.DataFrame(
        {"frequency": 0.0, "recency": 0.0, "T": np.arange(100.0), "monetary_value": 0.0}
    )
    with pytest.raises(LensError, match="repeat buyers"):
        clv.fit(summary)


def test_convergence_failure_retries_with_a_penalizer(cdnow_weeks, monkeypatch):
    real = fitters.FITTERS["bgnbd"]

    class Stubborn(real):
        def fit(self, *args, **kwargs):
            if self.penalizer_coef == 0:
                raise RuntimeError("did not converge")
            return super().fit(*args, **kwargs)

    monkeypatch.setitem(fitters.FITTERS, "bgnbd", Stubborn)
    model = clv.fit(cdnow_weeks, "bgnbd")
    assert model.penalizer == clv.RETRY_PENALIZER
    assert any("penalizer" in w for w in model.warnings)


def test_spend_falls_back_when_gamma_gamma_gives_q_below_one(cdnow_weeks, monkeypatch):
    class BadQ(fitters.SpendFitter):
        def fit(self, *args, **kwargs):
            super().fit(*args, **kwargs)
            self.params_["q"] = 0.8
            return self

    monkeypatch.setattr(fitters, "SpendFitter", BadQ)
    model = clv.fit(cdnow_weeks)
    assert model.spend.method == "shrunk average"
    assert any("q = 0.80" in w for w in model.warnings)
    mean = model.spend.shop_mean
    # Two orders at 10 with a shop mean of `mean`: (2 x 10 + 2 x mean) / 4.
    assert model.spend.expected(np.array([2.0]), np.array([10.0]))[0] == pytest.approx(
        (20 + 2 * mean) / 4
    )
    assert model.spend.expected(np.array([0.0]), np.array([0.0]))[0] == pytest.approx(mean)


def test_backtest_sentence_never_prints_nan():
    result = backtest.Backtest(
        "bgnbd",
        pd.Timestamp("2024-01-31"),
        pd.Timestamp("2024-03-31"),
        60,
        12,
        {
            "predicted_orders": 3.2,
            "actual_orders": 0,
            "predicted_revenue": 50.0,
            "actual_revenue": 0.0,
            "mae_orders": 0.27,
            "aggregate_error_pct": float("nan"),
            "revenue_error_pct": float("nan"),
            "coverage": 0.8,
        },
        pd.DataFrame(),
        pd.DataFrame(),
        None,
    )
    text = result.sentence()
    assert "nan" not in text.lower() and "no real ones to compare" in text
    assert "next 60 days (12 customers)" in text
    # Coverage alone does not make the ranges trustworthy: the aggregate cannot be compared.
    assert "Whether the ranges hold cannot be told" in text and "can be trusted" not in text


def test_holdout_activity_by_hand():
    orders = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c"],
            "order_date": pd.to_datetime(
                ["2024-01-01", "2024-03-01", "2024-03-01", "2024-05-01", "2024-01-10", "2024-04-01"]
            ),
            "amount": [10.0, 5.0, 7.0, 20.0, 30.0, 40.0],
            "order_id": list("123456"),
        }
    )
    base = build_customer_base(orders)
    held = backtest.holdout_activity(base, pd.Timestamp("2024-02-15"), 120)
    # c's first order is after the split: not in the calibration set.
    assert held.to_dict("index") == {
        "a": {"actual_orders": 2, "actual_revenue": 32.0},  # 2 purchase days, 3 orders
        "b": {"actual_orders": 0, "actual_revenue": 0.0},
    }
    end, days = backtest.split(base)
    assert days == round(121 * 0.25) and end == pd.Timestamp("2024-05-01") - pd.Timedelta(days=30)
    with pytest.raises(LensError, match="holdout"):
        backtest.split(base, 2)


def test_backtest_and_model_comparison_on_cdnow(cdnow_base):
    result = backtest.run(cdnow_base, "bgnbd")
    totals = result.totals
    assert totals["actual_orders"] == result.deciles["actual_orders"].sum()
    assert result.deciles["customers"].sum() == result.customers
    assert abs(totals["aggregate_error_pct"]) < 15  # BG/NBD tracks CDNOW closely
    # The top decile of predicted value holds far more real revenue than the bottom one.
    assert result.deciles["actual_revenue"].iloc[0] > 10 * result.deciles["actual_revenue"].iloc[-1]
    table, best, runs = backtest.compare(cdnow_base)
    assert runs["bgnbd"].totals == result.totals
    assert (
        best in clv.MODELS
        and table.loc[clv.MODELS[best], "mae_orders"] == table["mae_orders"].min()
    )


def test_challenger_beats_chance_on_the_same_holdout(demo_base):
    index = lifecycle.prepare(demo_base)
    run = backtest.run(demo_base, "bgnbd")
    result = propensity.challenge(index, run.calibration_end, 90, run.fitted)
    assert 0.6 < result.roc_auc_model <= 1 and 0.6 < result.roc_auc_clv <= 1
    assert result.lift_model > 1.5
    assert set(result.calibration["model"]) == {"Classifier", "BG/NBD"}


def test_gamma_gamma_on_homogeneous_spend_keeps_the_population_mean():
    """Spend drawn from one distribution for everyone: q is huge or runs off on a flat
    ridge; either way the fit is kept and expected spend stays near the population mean."""
    rng = np.random.default_rng(3)
    frequency = rng.integers(1, 6, 3000).astype(float)
    monetary = np.array([rng.gamma(4, 20, int(f)).mean() for f in frequency])
    summary = pd.DataFrame(
        {"frequency": frequency, "recency": frequency * 30, "T": 400.0, "monetary_value": monetary}
    )
    model = clv.fit(summary)
    assert model.spend.method == "Gamma-Gamma"
    expected = model.spend.expected(frequency, monetary)
    assert np.allclose(expected, expected.mean(), rtol=0.1)
    assert expected.mean() == pytest.approx(80, rel=0.05)  # the mean of gamma(4, 20)


def test_unique_rows_match_numpy():
    rows = np.random.default_rng(1).integers(0, 4, (500, 3)).astype(float) / 2
    unique, counts, inverse = histories.unique(rows)
    ref, ref_inverse, ref_counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    assert np.array_equal(unique, ref) and np.array_equal(counts, ref_counts)
    assert np.array_equal(unique[inverse], rows) and np.array_equal(inverse, ref_inverse.ravel())


def test_average_by_keeps_the_largest_groups(monkeypatch):
    values = pd.Series([1.0, 3.0, 10.0, 20.0, 5.0], index=list("abcde"))
    groups = pd.Series(["x", "x", "y", "y", "z"], index=list("edcba"))  # aligned by index
    # e=x, d=x, c=y, b=y, a=z: x = (5 + 20) / 2, y = (10 + 3) / 2, z = 1.
    out = clv.average_by(values, groups)["clv"]
    assert list(out.items()) == [("x", 12.5), ("y", 6.5), ("z", 1.0)]
    monkeypatch.setattr(clv, "TOP_GROUPS", 2)
    assert list(clv.average_by(values, groups)["clv"].index) == ["x", "y"]  # z is smallest
    backwards = pd.Series(
        ["2024-Q2", "2024-Q2", "2024-Q1", "2024-Q1", "2023-Q4"], index=list("abcde")
    )
    assert list(clv.average_by(values, backwards, chronological=True).index) == [
        "2024-Q1",
        "2024-Q2",
    ]


def test_average_by_on_coded_groups_equals_on_their_labels():
    """The Value page codes each customer's group once (a categorical) so that a slider step
    does not hash a million labels: the same table, groups tied in size included."""
    rng = np.random.default_rng(3)
    index = pd.Index([f"c{i}" for i in range(3000)])
    values = pd.Series(rng.gamma(1, 40, 3000), index=index)
    labels = pd.Series(rng.choice([f"{y}Q{q}" for y in range(2019, 2025) for q in "1234"], 3000))
    labels.index = index[::-1]  # aligned by the customer index, not by position
    labels.iloc[::50] = None  # customers without a group are left out
    tied = pd.Series(np.repeat([f"g{i:02d}" for i in range(20)], 150), index=index)  # all 150
    for groups in (labels, tied):
        for chronological in (False, True):
            coded = clv.average_by(values, groups.astype("category"), chronological)
            plain = clv.average_by(values, groups, chronological)
            pd.testing.assert_frame_equal(coded, plain, check_exact=True)
            assert len(plain) == clv.TOP_GROUPS


def test_challenger_says_why_when_nobody_orders_in_the_holdout():
    days = pd.date_range("2024-01-01", "2024-06-30", freq="7D")
    # Half the customers buy until June, the other half stop in March.
    rows = [(f"c{i}", d) for i in range(40) for d in days[i % 5 :: 5] if i < 20 or d.month < 4]
    rows += [("late", pd.Timestamp("2024-12-31"))]  # a newcomer stretches the data to Dec
    orders = pd.DataFrame(rows, columns=["customer_id", "order_date"]).assign(amount=10.0)
    orders["order_id"] = [str(i) for i in range(len(orders))]
    index = lifecycle.prepare(build_customer_base(orders))
    fitted = clv.fit(summarise(index.base, pd.Timestamp("2024-07-31")))
    with pytest.raises(LensError, match="No customer ordered in the 90 days after"):
        propensity.challenge(index, pd.Timestamp("2024-07-31"), 90, fitted)


def test_the_model_view_says_the_published_cdnow_parameters_in_plain_words():
    """BG/NBD on CDNOW (Fader, Hardie & Lee 2005), in weeks: r 0.243, alpha 4.414, a 0.793,
    b 2.426. In days alpha is 30.9: an active customer orders every 30.9 / 0.243 = 127 days
    (2.9 a year); a / (a + b) = 0.793 / 3.219 = 25% stop after each purchase. Gamma-Gamma
    (Fader, Hardie & Lee 2005b): p 6.25, q 3.74, v 15.44 -> 6.25 x 15.44 / 2.74 = 35.22."""
    words = clv.in_plain_words(
        "bgnbd",
        {"r": 0.243, "alpha": 4.414 * 7, "a": 0.793, "b": 2.426},
        {"p": 6.25, "q": 3.74, "v": 15.44},
    )
    assert words[0] == (
        "While still buying, the average customer orders about every 127 days "
        "(2.9 purchases a year)."
    )
    assert words[1] == "After each purchase, 25% of customers on average stop for good."
    assert words[2] == "A repeat purchase brings 35.22 on average across customers."
    # Pareto/NBD on CDNOW (published: r 0.55, alpha 10.58, s 0.61, beta 11.67, weeks):
    # 11.67 x 7 / 0.61 = 134 days at the average leaving rate.
    pareto = clv.in_plain_words("pareto", {"r": 0.55, "alpha": 74.06, "s": 0.61, "beta": 81.69}, {})
    assert pareto[1].startswith("At the average leaving rate a customer stays about 134 days")


def test_pareto_nbd_matches_the_published_cdnow_figures(cdnow_weeks):
    """Pareto/NBD on the 2,357-customer CDNOW sample in weeks (Fader, Hardie and Lee 2005,
    "RFM and CLV", and note 009): r 0.55, alpha 10.58, s 0.61, beta 11.67."""
    model = clv.fit(cdnow_weeks, "pareto")
    assert model.penalizer == 0
    published = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}
    assert model.params == pytest.approx(published, abs=0.005)  # the paper's two decimals
    # lifetimes' own fit (Nelder-Mead, no gradient) reaches no better likelihood.
    x, t_x, T = (cdnow_weeks[c].to_numpy() for c in ["frequency", "recency", "T"])
    theirs = ParetoNBDFitter().fit(x, t_x, T)
    ours_ll = ParetoNBDFitter._conditional_log_likelihood(
        np.array([model.params[k] for k in ("r", "alpha", "s", "beta")]), x, t_x, T
    ).sum()
    theirs_ll = ParetoNBDFitter._conditional_log_likelihood(
        theirs.params_.to_numpy(), x, t_x, T
    ).sum()
    assert ours_ll >= theirs_ll - 1e-6


def test_pareto_likelihood_and_gradient_equal_the_closed_form(cdnow_weeks):
    """The integral form (tanh-sinh quadrature) against lifetimes' hypergeometric closed
    form, at the published optimum and at parameters far from it; the gradient against
    central differences of the closed form."""
    x, t_x, T = (cdnow_weeks[c].to_numpy(dtype=float) for c in ["frequency", "recency", "T"])
    rng = np.random.default_rng(0)
    points = [(0.55, 10.58, 0.61, 11.67), (0.2, 1.0, 2.0, 50.0), (3.0, 100.0, 0.1, 0.5)]
    points += [tuple(np.exp(rng.normal(0, 1.5, 4))) for _ in range(8)]
    closed = ParetoNBDFitter._conditional_log_likelihood
    for point in points:
        params = np.array(point)
        ll, grad = paretonbd.log_likelihood(params, x, t_x, T)
        assert ll == pytest.approx(closed(params, x.astype(int), t_x, T), abs=1e-10), point
        for i in range(4):
            step = np.zeros(4)
            step[i] = 1e-6 * params[i]
            up, down = closed(params + step, x, t_x, T), closed(params - step, x, t_x, T)
            numeric = (up - down) / (2 * step[i])
            assert grad[:, i] == pytest.approx(numeric, rel=1e-5, abs=1e-6), (point, i)


def test_pareto_predictions_equal_lifetimes_at_the_same_parameters(cdnow_base):
    """Per customer, in days: P(alive) and expected purchases from our fit against a plain
    lifetimes ParetoNBDFitter given the same parameters."""
    summary = cdnow_base.summary
    model = clv.fit(summary, "pareto")
    plain = ParetoNBDFitter()
    plain.params_ = pd.Series(model.params)[["r", "alpha", "s", "beta"]]
    x, t_x, T = (summary[c].to_numpy() for c in ["frequency", "recency", "T"])
    fc = clv.forecast(model, summary, 12)
    alive = np.asarray(plain.conditional_probability_alive(x, t_x, T), dtype=float)
    ok = np.isfinite(alive)
    assert ok.mean() > 0.99
    assert fc.table["p_alive"].to_numpy()[ok] == pytest.approx(alive[ok], abs=1e-9)
    expected = plain.conditional_expected_number_of_purchases_up_to_time(90, x, t_x, T)
    ok = np.isfinite(expected)
    assert fc.table["purchases_90d"].to_numpy()[ok] == pytest.approx(expected[ok], rel=1e-8)


@pytest.mark.parametrize("sample", ["weeks", "days"])
def test_default_model_matches_plain_lifetimes_on_cdnow(cdnow_weeks, cdnow_base, sample):
    """Our Modified BG/NBD (weighted unique rows, exact gradient) against plain lifetimes'
    ModifiedBetaGeoFitter on one row per customer: the same optimum and predictions."""
    summary = cdnow_weeks if sample == "weeks" else cdnow_base.summary
    x, t_x, T = (summary[c].to_numpy() for c in ["frequency", "recency", "T"])
    plain = ModifiedBetaGeoFitter().fit(x, t_x, T)
    ours = clv.fit(summary, "mbgnbd")
    assert ours.model == clv.DEFAULT_MODEL and ours.penalizer == 0
    assert ours.params == pytest.approx(plain.params_.to_dict(), rel=1e-3)
    horizon = 39 if sample == "weeks" else 273  # the 39-week holdout of the papers
    mine = clv.predict_purchases(ours, summary, horizon).expected
    theirs = plain.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, T)
    assert mine == pytest.approx(np.asarray(theirs), rel=1e-3, abs=1e-6)
    alive = np.asarray(plain.conditional_probability_alive(x, t_x, T))
    assert clv.forecast(ours, summary, 12).table["p_alive"].to_numpy() == pytest.approx(
        alive, abs=1e-3
    )


def test_pareto_warm_start_ends_at_the_same_optimum(cdnow_base, monkeypatch):
    cold = clv.fit(cdnow_base.summary, "pareto").params
    monkeypatch.setattr(fitters, "WARM_START", 2000)  # 23,502 customers > 4 x 2,000
    warm = clv.fit(cdnow_base.summary, "pareto").params
    assert warm == pytest.approx(cold, rel=1e-4)


@pytest.mark.parametrize("model", list(clv.MODELS))
def test_distribution_by_recurrence_equals_the_incomplete_beta_per_n(cdnow_base, model):
    """P(N >= n) built step by step (DLMF 8.17.20) against scipy's betainc for each n, as
    at_least computes it, on CDNOW's distinct (frequency, age) pairs over a year; pairs whose
    tail fell below TAIL are cut to 0 (so within TAIL)."""
    from analytics.value import predictive

    fitted = clv.fit(cdnow_base.summary, model)
    unique, _, _ = histories.unique_rows(cdnow_base.summary)
    pairs, _ = histories.pairs(unique)
    x, T = pairs[:, 0], pairs[:, 1]
    tail, _ = predictive.purchase_distribution(model, fitted.params, x, T, 365)
    assert tail.shape[1] > 50  # the heavy buyers reach far
    columns = range(1, tail.shape[1] + 1)
    ref = np.column_stack(
        [predictive.at_least(model, fitted.params, x, T, 365, n) for n in columns]
    )
    kept = tail > 0
    assert np.abs(tail - ref)[kept].max() < 1e-11
    assert np.abs(tail - ref)[~kept].max() <= predictive.TAIL


def test_gamma_gamma_gradient_written_out_equals_autograds(cdnow_weeks):
    """The spend model's likelihood in numpy (fitters.gamma_gamma_objective) against
    lifetimes' own under autograd: value and gradient, with and without a penalty."""
    from autograd import value_and_grad

    repeat = cdnow_weeks[cdnow_weeks["frequency"] > 0]
    x, m = (repeat[c].to_numpy(dtype=float) for c in ["frequency", "monetary_value"])
    weights = np.arange(len(x)) % 3 + 1.0
    theirs = value_and_grad(GammaGammaFitter._negative_log_likelihood)
    for log_params in ([1.8, 1.3, 2.5], [0.1, 0.1, 0.1], [-1.0, 2.0, 3.0]):
        for penalizer in (0.0, 0.01):
            value, gradient = fitters.gamma_gamma_objective(
                np.array(log_params), x, m, weights, penalizer
            )
            expected = theirs(np.array(log_params), x, m, weights, penalizer)
            assert value == pytest.approx(expected[0], rel=1e-12)
            assert gradient == pytest.approx(np.asarray(expected[1]), rel=1e-10, abs=1e-12)


def test_shared_spend_fit_and_calibration_give_the_same_figures(demo_base):
    """The spend model fitted once and given to every purchase model, and a backtest's
    calibration made once for every model: the same figures as each fitted alone."""
    summary = summarise(demo_base, demo_base.data_end)
    shared = clv.fit_spend(summary)
    for model in ("bgnbd", "pareto"):
        assert clv.fit(summary, model, shared).params == clv.fit(summary, model).params
        once, alone = clv.fit(summary, model, shared).spend, clv.fit(summary, model).spend
        assert once.params == alone.params
        assert np.array_equal(once.log_covariance, alone.log_covariance)
    prepared = backtest.calibrate(demo_base)
    alone, reused = (
        backtest.run(demo_base, "mbgnbd"),
        backtest.run(demo_base, "mbgnbd", None, prepared),
    )
    assert alone.totals == reused.totals and alone.ranking == reused.ranking


def test_rescore_for_another_discount_and_margin_equals_scoring_afresh(demo_base):
    """The Value page scores once per horizon and redoes only the CLV columns when the
    discount or the margin moves: the same table as scoring afresh."""
    summary = summarise(demo_base, demo_base.data_end)
    model = clv.fit(summary, "mbgnbd")
    fc = clv.forecast(model, summary, 12, demo_base.data_end)
    limit = clv.outlier_limit(demo_base, demo_base.data_end)
    first = clv.score_table(model, fc, summary, clv.Settings(12, 0.0, 1.0, 90), limit)
    wanted = clv.Settings(12, 0.03, 0.4, 90)
    pd.testing.assert_frame_equal(
        clv.rescore(first, fc, wanted), clv.score_table(model, fc, summary, wanted, limit)
    )


def test_a_horizon_step_reuses_what_does_not_move_with_the_horizon(demo_base):
    """The Value page keeps each model's horizon-free scores (clv.histories_of) and redoes
    only what depends on the horizon: kept histories give the same forecast as a forecast
    afresh, and every column equals the model's predictions made on their own."""
    summary, end = summarise(demo_base, demo_base.data_end), demo_base.data_end
    for name in clv.MODELS:
        model = clv.fit(summary, name)
        known = clv.histories_of(model, summary, end)
        shared = known.table.copy()
        before = clv.forecast(model, summary, 12, end, known)  # the step before
        clv.score_table(model, before, summary, clv.Settings(12), np.inf)
        kept, afresh = (clv.forecast(model, summary, 13, end, k) for k in (known, None))
        pd.testing.assert_frame_equal(known.table, shared)  # the kept part is never written
        pd.testing.assert_frame_equal(kept.table, afresh.table, check_exact=True)
        assert np.array_equal(kept.sensitivity, afresh.sensitivity)
        assert np.array_equal(kept.spend_sensitivity, afresh.spend_sensitivity)
        values = clv.clv(kept, 13, 0.01, 0.5)
        assert clv.total_interval(model, kept, values) == clv.total_interval(model, afresh, values)
        horizon = clv.predict_purchases(model, summary, 13 * clv.DAYS_PER_MONTH)
        assert np.array_equal(kept.table["purchases"], horizon.expected)
        assert np.array_equal(kept.table["purchases_low"], horizon.low)
        assert np.array_equal(kept.table["purchases_high"], horizon.high)
        assert np.array_equal(kept.table["p_alive"], horizon.alive)
        for days in (30, 90, 365):
            alone = clv.predict_purchases(model, summary, days).expected
            assert kept.table[f"purchases_{days}d"].to_numpy() == pytest.approx(alone, rel=1e-12)
        limit, settings = clv.outlier_limit(demo_base, end), clv.Settings(13, 0.01, 0.5, 60)
        churn = clv.churn_columns(model, known, summary, 60, limit)  # kept per churn horizon
        pd.testing.assert_frame_equal(
            clv.score_table(model, kept, summary, settings, limit, churn),
            clv.score_table(model, afresh, summary, settings, limit),
            check_exact=True,
        )
    longer = clv.forecast(model, summary, 40, end, known)  # beyond the kept curve
    horizon = clv.predict_purchases(model, summary, 40 * clv.DAYS_PER_MONTH)
    assert np.array_equal(longer.table["purchases"], horizon.expected)
    assert np.array_equal(longer.monthly[:, :13], kept.monthly)


def test_clv_by_stage_on_codes_equals_the_lifecycle_average(demo_base):
    rng = np.random.default_rng(0)
    stages = pd.Series(pd.Categorical.from_codes(rng.integers(1, 4, 500), lifecycle.STAGES))
    values = pd.Series(rng.gamma(1, 50, 500), name="clv")
    for statistic in ("mean", "median"):
        pd.testing.assert_series_equal(
            lifecycle.average_by_stage(values, stages, statistic),  # on the codes
            lifecycle.average_by_stage(values, stages.astype(str), statistic),  # on labels
        )

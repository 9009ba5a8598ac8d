"""The rules of analytics/value/clv.py around the model fit, fast and without a real fit:
the fitters are replaced by stand-ins whose parameters are set by hand, so each answer below
follows from the inputs (the real fits are checked on CDNOW in tests/test_clv.py).

Histories are (frequency x = repeat purchase days, recency t_x, age T) in days.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from analytics.errors import LensError
from analytics.insights.customers import build_customer_base
from analytics.value import clv, fitters

BG = {"r": 1.0, "alpha": 30.0, "a": 1.0, "b": 9.0}


class Fitted:
    """What a fitter leaves behind: params_ and log_covariance_."""

    def __init__(self, params: dict, size: int):
        self.params_ = pd.Series(params, dtype="float64")
        self.log_covariance_ = np.eye(size) * 0.01


def _summary(rows):
    """A per-customer table from (frequency, recency, T, monetary_value) rows."""
    frame = pd.DataFrame(rows, columns=["frequency", "recency", "T", "monetary_value"])
    frame.index = [f"c{i}" for i in range(len(frame))]
    return frame


def _shop(repeat=12, once=28):
    """``repeat`` customers with 2 repeat days (spend 20, 40, 60, ... per order: spend varies,
    frequency does not) and ``once`` one-time buyers, 300 days old at most."""
    rows = [(2, 100 + i, 200 + i, 20.0 * (1 + i % 3)) for i in range(repeat)]
    rows += [(0, 0, 50 + i, 0.0) for i in range(once)]
    return _summary(rows)


@pytest.fixture
def stand_ins(monkeypatch):
    """Replace both fitters; record what they were given; they warn as lifetimes does on a
    bad fit."""
    seen = {"purchases": [], "spend": []}

    def purchases(model, unique, counts, penalizer):
        seen["purchases"].append((model, unique, counts, penalizer))
        warnings.warn("overflow", RuntimeWarning, stacklevel=1)
        names = clv.PURCHASE_PARAMS[model].split()
        values = BG if model != "pareto" else {"r": 1.0, "alpha": 30.0, "s": 1.0, "beta": 50.0}
        seen["fitted"] = Fitted({k: values[k] for k in names}, 4)
        return seen["fitted"]

    def spend(frequency, monetary, counts):
        seen["spend"].append((frequency, monetary, counts))
        return Fitted({"p": 6.0, "q": 4.0, "v": 15.0}, 3)

    monkeypatch.setattr(fitters, "fit_purchases", purchases)
    monkeypatch.setattr(fitters, "fit_spend", spend)
    return seen


def test_gamma_gamma_expected_spend_is_the_weighted_mean_of_the_shop_and_the_customer():
    # p = 6, q = 4, v = 15: the shop's mean spend per order p v / (q - 1) = 30. A customer with
    # 2 repeat orders at 50: weight p x / (p x + q - 1) = 12 / 15 = 0.8 -> 0.2 x 30 + 0.8 x 50
    # = 46; with none, the shop's mean, 30.
    model = clv.SpendModel(clv.GAMMA_GAMMA, {"p": 6.0, "q": 4.0, "v": 15.0}, 99.0)
    assert model.expected([2, 0], [50.0, 0.0]) == pytest.approx([46.0, 30.0])
    # Other parameters given: p = 1, q = 3, v = 40 -> mean 20, weight 2 / 4 -> 35.
    moved = model.expected([2], [50.0], {"p": 1.0, "q": 3.0, "v": 40.0})
    assert moved == pytest.approx([35.0])
    # The fallback: the observed average shrunk as if 2 more orders at the shop's mean of 30:
    # (2 x 50 + 2 x 30) / 4 = 40; with no repeat order, the shop's mean.
    fallback = clv.SpendModel(clv.SHRUNK_AVERAGE, {"shop_mean": 30.0}, 30.0)
    assert fallback.expected([2, 0], [50.0, 0.0]) == pytest.approx([40.0, 30.0])


def test_too_little_history_is_said_with_the_counts():
    # 29 customers (12 repeat buyers): one short of 30.
    with pytest.raises(LensError) as said:
        clv.fit(_shop(12, 17))
    assert str(said.value) == (
        "Not enough history to predict value: the model needs at least 30 customers and 10 "
        "who ordered on two different days; this data has 29 customers and 12 repeat buyers. "
        "Load a longer export, or move the reference date later."
    )
    # 30 customers but 9 repeat buyers: one short of 10.
    with pytest.raises(LensError, match="has 30 customers and 9 repeat buyers"):
        clv.fit(_shop(9, 21))
    with pytest.raises(LensError) as said:
        clv.fit(_shop(), "bgnbdx")
    assert str(said.value) == "Unknown model 'bgnbdx': choose one of mbgnbd, bgnbd, pareto."


def test_one_repeat_day_makes_a_repeat_buyer(stand_ins):
    # 10 customers who ordered on exactly two days (frequency 1) and 20 one-time buyers:
    # enough (30 and 10), and 10 repeat buyers.
    rows = [(1, 30, 60 + i, 10.0 + i) for i in range(10)] + [(0, 0, 50, 0.0)] * 20
    model = clv.fit(_summary(rows), "bgnbd")
    assert model.repeat_buyers == 10 and model.customers == 30
    with pytest.raises(LensError, match="has 29 customers and 9 repeat buyers"):
        clv.fit(_summary(rows[1:]), "bgnbd")


def test_the_fit_keeps_what_the_user_should_know(stand_ins):
    summary = _shop(10, 20)  # exactly enough: 30 customers, 10 repeat buyers
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = clv.fit(summary, "bgnbd")
    assert not caught  # the fitters' warnings are not shown to anyone
    ((name, unique, counts, penalizer),) = stand_ins["purchases"]
    # 10 distinct repeat histories and 20 distinct one-time buyers, each once: 30 rows.
    assert name == "bgnbd" and penalizer == 0.0 and len(unique) == 30 and counts.sum() == 30
    assert model.params == BG and model.penalizer == 0.0 and model.model == "bgnbd"
    assert model.fitter is stand_ins["fitted"]
    assert model.name == "BG/NBD" and model.reason == clv.MODEL_REASONS["bgnbd"]
    assert model.customers == 30 and model.repeat_buyers == 10
    assert np.array_equal(model.log_covariance, np.eye(4) * 0.01)
    # The oldest customer is 209 days old: 209 / 30 months of history.
    assert model.history_months == pytest.approx(209 / 30)
    # Spend: 10 repeat buyers, their (2, spend) pairs fitted once each with their count:
    # spend 20 x 4, 40 x 3, 60 x 3 -> (2, 20) 4, (2, 40) 3, (2, 60) 3.
    ((frequency, monetary, weights),) = stand_ins["spend"]
    assert list(frequency) == [2, 2, 2] and list(monetary) == [20, 40, 60]
    assert list(weights) == [4, 3, 3]
    assert model.spend.method == clv.GAMMA_GAMMA and model.spend.params == {
        "p": 6.0,
        "q": 4.0,
        "v": 15.0,
    }
    # The shop's mean spend per repeat order: (4 x 20 + 3 x 40 + 3 x 60) / 10 = 38.
    assert model.spend.shop_mean == pytest.approx(38.0)
    # Every repeat buyer has 2 repeat days: no spread, no correlation to speak of.
    assert np.isnan(model.frequency_spend_correlation)
    # a / (a + b) = 10% leave after a purchase and the buyers are not all alive: a model that
    # can tell, with nothing to warn about.
    assert not model.cannot_tell_dropout and model.warnings == ()


def test_the_fit_reuses_a_given_spend_model(stand_ins):
    given = (clv.SpendModel(clv.SHRUNK_AVERAGE, {"shop_mean": 5.0}, 5.0), 0.5, ["spend note"])
    model = clv.fit(_shop(), "mbgnbd", spend=given)
    assert stand_ins["spend"] == [] and model.spend is given[0]
    assert model.frequency_spend_correlation == 0.5 and model.warnings == ("spend note",)


def test_a_failed_fit_is_retried_with_a_penalty_and_said(monkeypatch):
    calls = []

    def flaky(model, unique, counts, penalizer):
        calls.append(penalizer)
        if penalizer == 0.0:
            raise RuntimeError("did not converge")
        return Fitted(BG, 4)

    monkeypatch.setattr(fitters, "fit_purchases", flaky)
    spend = (clv.SpendModel(clv.SHRUNK_AVERAGE, {"shop_mean": 5.0}, 5.0), 0.0, [])
    model = clv.fit(_shop(), "mbgnbd", spend=spend)
    assert calls == [0.0, clv.RETRY_PENALIZER] and model.penalizer == clv.RETRY_PENALIZER
    assert model.warnings == (
        "Modified BG/NBD did not converge without a penalty; refitted with a small penalizer "
        "(0.001), which pulls the parameters slightly toward zero.",
    )


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
def test_parameters_that_are_not_positive_and_finite_are_a_failed_fit(monkeypatch, bad):
    tries = []

    def odd(model, unique, counts, penalizer):
        tries.append(penalizer)
        return Fitted({**BG, "b": bad} if penalizer == 0.0 else BG, 4)

    monkeypatch.setattr(fitters, "fit_purchases", odd)
    spend = (clv.SpendModel(clv.SHRUNK_AVERAGE, {"shop_mean": 5.0}, 5.0), 0.0, [])
    assert clv.fit(_shop(), "bgnbd", spend=spend).penalizer == clv.RETRY_PENALIZER
    assert tries == [0.0, clv.RETRY_PENALIZER]


def test_a_model_that_cannot_be_fitted_shows_no_value(monkeypatch):
    def broken(model, unique, counts, penalizer):
        raise RuntimeError("singular")

    monkeypatch.setattr(fitters, "fit_purchases", broken)
    spend = (clv.SpendModel(clv.SHRUNK_AVERAGE, {"shop_mean": 5.0}, 5.0), 0.0, [])
    with pytest.raises(LensError) as said:
        clv.fit(_shop(), "pareto", spend=spend)
    assert str(said.value) == (
        "The Pareto/NBD model could not be fitted on this data, even with a penalty, so no "
        "predicted value is shown. Try another model, or a longer export."
    )


def test_spend_falls_back_to_the_shrunk_average_with_few_repeat_buyers(stand_ins):
    # 9 repeat buyers with a spend (and one with spend 0, which does not count): fallback.
    f = [3, 1, 2, 2, 3, 1, 1, 2, 3]
    rows = [(f[i], 10, 20, 10.0 * (i + 1)) for i in range(9)] + [(2, 5, 9, 0.0)]
    spend, corr, notes = clv.fit_spend(_summary(rows + [(0, 0, 5, 0.0)] * 5))
    assert stand_ins["spend"] == [] and spend.method == clv.SHRUNK_AVERAGE
    # Mean of 10, 20, ..., 90 = 50.
    assert spend.shop_mean == pytest.approx(50.0) and spend.params == {"shop_mean": 50.0}
    assert spend.log_covariance is None
    assert notes == [
        "Too few repeat buyers for the spend model. Expected spend per order is each "
        "customer's observed average, shrunk toward the shop mean (50.00) as if 2 more "
        "orders at that mean."
    ]
    # The deviations of f from its mean 2 (+1, -1, 0, 0, +1, -1, -1, 0, +1) times those of
    # spend from 50 (-40, -30, ..., 40): -40 + 30 + 0 + 0 + 0 - 10 - 20 + 0 + 40 = 0: no
    # correlation, no note about it.
    assert corr == pytest.approx(0.0, abs=1e-12)


def test_spend_with_no_repeat_buyer_at_all():
    spend, corr, notes = clv.fit_spend(_summary([(0, 0, 5, 0.0)] * 3))
    assert spend.shop_mean == 0.0 and spend.method == clv.SHRUNK_AVERAGE and np.isnan(corr)
    assert "shop mean (0.00)" in notes[0]


def test_spend_is_learnt_from_repeat_orders_of_any_size(stand_ins):
    # Repeat buyers with 1, 2 and 3 repeat days spending 0.50, 1.00 and 1.50 an order: all
    # three count (one repeat day is a repeat buyer; half a unit is a spend), so the shop's
    # mean is 1.00, and the spend rises with the orders: correlation +1, said. A one-time
    # buyer's 100 is not a repeat order: left out.
    rows = [(1, 5, 9, 0.5), (2, 5, 9, 1.0), (3, 5, 9, 1.5), (0, 0, 5, 100.0)]
    spend, corr, notes = clv.fit_spend(_summary(rows))
    assert spend.shop_mean == pytest.approx(1.0) and corr == pytest.approx(1.0)
    assert notes[0].startswith("Spend per order and number of orders are correlated (+1.00)")
    assert "shop mean (1.00)" in notes[1]


def test_a_link_of_exactly_0_3_is_not_said(stand_ins):
    # Frequencies 2 5 3 4 1 1 2 against spend 10 10 40 50 60 30 30: by hand (fractions), the
    # covariance is -360/7 and the squared deviations 96/7 and 15000/7, so the correlation is
    # -360 / sqrt(96 x 15000) = -0.3 exactly: not above 0.3 in size, nothing said.
    f, m = [2, 5, 3, 4, 1, 1, 2], [10, 10, 40, 50, 60, 30, 30]
    rows = [(x, 10, 20, float(v)) for x, v in zip(f, m, strict=True)]
    _, corr, notes = clv.fit_spend(_summary(rows))
    assert corr == -0.3 and not any("correlated" in note for note in notes)


def test_a_strong_link_of_orders_and_spend_is_said(stand_ins):
    # Spend per order rises with the number of repeat days exactly: correlation +1.
    rows = [(x, 10, 20, 10.0 * x) for x in range(1, 13)]
    spend, corr, notes = clv.fit_spend(_summary(rows))
    assert corr == pytest.approx(1.0) and spend.method == clv.GAMMA_GAMMA
    assert notes == [
        "Spend per order and number of orders are correlated (+1.00); the spend model "
        "(Gamma-Gamma) assumes they are not, so expected spend may be biased."
    ]
    # ... and falling: -1, said as well.
    rows = [(x, 10, 20, 200.0 - 10.0 * x) for x in range(1, 13)]
    assert clv.fit_spend(_summary(rows))[1] == pytest.approx(-1.0)
    assert "correlated (-1.00)" in clv.fit_spend(_summary(rows))[2][0]
    # Two repeat buyers only: too few to correlate.
    assert np.isnan(clv.fit_spend(_summary(rows[:2]))[1])
    # One spend for everybody: no spread, no correlation.
    rows = [(x, 10, 20, 10.0) for x in range(1, 13)]
    assert np.isnan(clv.fit_spend(_summary(rows))[1])


@pytest.mark.parametrize(
    ("outcome", "why"),
    [
        (RuntimeError("no"), "did not converge"),
        ({"p": 6.0, "q": 0.8, "v": 15.0}, "gave q = 0.80 (needs > 1)"),
        ({"p": 6.0, "q": 1.0, "v": 15.0}, "gave q = 1.00 (needs > 1)"),
        ({"p": np.nan, "q": 4.0, "v": 15.0}, "gave q = 4.00 (needs > 1)"),
    ],
)
def test_a_spend_model_that_fails_falls_back_and_says_why(monkeypatch, outcome, why):
    def spend(frequency, monetary, counts):
        if isinstance(outcome, Exception):
            raise outcome
        return Fitted(outcome, 3)

    monkeypatch.setattr(fitters, "fit_spend", spend)
    model, _, notes = clv.fit_spend(_shop())
    assert model.method == clv.SHRUNK_AVERAGE and model.shop_mean == pytest.approx(40.0)
    assert notes == [
        f"The spend model (Gamma-Gamma) {why}: spend per order is not gamma-like here (e.g. "
        "two price tiers). Expected spend per order is each customer's observed average, "
        "shrunk toward the shop mean (40.00) as if 2 more orders at that mean."
    ]


def test_a_spend_model_with_q_just_above_one_is_kept(monkeypatch):
    # q = 1.5 > 1: the mean spend p v / (q - 1) is finite: Gamma-Gamma is used.
    monkeypatch.setattr(
        fitters, "fit_spend", lambda f, m, c: Fitted({"p": 6.0, "q": 1.5, "v": 15.0}, 3)
    )
    model, _, notes = clv.fit_spend(_shop())
    assert model.method == clv.GAMMA_GAMMA and notes == []


def test_a_fitted_spend_model_keeps_its_parameters_and_curvature(stand_ins):
    model, _, notes = clv.fit_spend(_shop())
    assert model.method == clv.GAMMA_GAMMA and notes == []
    assert model.params == {"p": 6.0, "q": 4.0, "v": 15.0} and model.shop_mean == 40.0
    assert np.array_equal(model.log_covariance, np.eye(3) * 0.01)
    assert all(type(v) is float for v in model.params.values())


def _dropout(model, params, histories, counts):
    return clv._cannot_tell_dropout(
        model, params, np.array(histories, dtype=float), np.array(counts, dtype=float)
    )


def test_dropout_cannot_be_told_when_nearly_everyone_is_surely_still_a_customer():
    # Modified BG/NBD, a = 1, b = 9 (10% leave after a purchase). Seen last at T (no silence):
    # P(alive) = (b + x) / (a + b + x): x = 100 -> 109 / 110 = 0.991, sure (> 0.99); a one-
    # time buyer silent for a year at one purchase a day (r / alpha = 1) is surely gone.
    params = {"r": 10.0, "alpha": 10.0, "a": 1.0, "b": 9.0}
    sure, gone = (100, 50, 50), (0, 0, 365)
    # 90 of 100 sure: nearly everyone (>= 90%), though the average P(alive) is 0.89.
    assert _dropout("mbgnbd", params, [sure, gone], [90, 10])
    assert not _dropout("mbgnbd", params, [sure, gone], [89, 11])


def test_surely_means_above_99_percent_and_one_customer_weighs_all():
    params = {"r": 10.0, "alpha": 10.0, "a": 1.0, "b": 9.0}
    # x = 90 seen at T: P(alive) = 99 / 100, exactly 99%: not above, so 90 of 100 of them is
    # not "nearly everyone sure" (and the average, 0.891, is below 95%).
    assert not _dropout("mbgnbd", params, [(90, 40, 40), (0, 0, 365)], [90, 10])
    # One customer alone, surely alive (x = 100: 0.991): everyone.
    assert _dropout("mbgnbd", params, [(100, 40, 40)], [1])
    # Exactly 1% leave after a purchase (a / (a + b) = 1 / 100): not below 1%, so with
    # everyone gone the model can tell.
    gone = [(1, 0, 365), (3, 10, 365)]
    assert not _dropout("mbgnbd", {**params, "b": 99.0}, gone, [5, 5])


def test_dropout_cannot_be_told_when_the_average_customer_is_mostly_alive():
    params = {"r": 10.0, "alpha": 10.0, "a": 1.0, "b": 9.0}
    # At the line: seen at T, x = 1 gives 10 / 11 and x = 12 gives 21 / 22; one of the first
    # and nine of the second average 1/11 + 189/220 = 209/220 = 95% exactly: mostly alive.
    assert _dropout("mbgnbd", params, [(1, 40, 40), (12, 40, 40)], [1, 9])
    # x = 15 seen at T: P(alive) = 24 / 25 = 0.96 for everyone, nobody above 0.99: the average
    # is above 95%. x = 5: 14 / 15 = 0.93, below.
    assert _dropout("mbgnbd", params, [(15, 40, 40)], [7])
    assert not _dropout("mbgnbd", params, [(5, 40, 40)], [7])


def test_dropout_cannot_be_told_when_almost_nobody_leaves_after_a_purchase():
    # Everyone silent for a year: surely gone, whatever the chance to leave; a / (a + b) =
    # 1 / 201 < 1% -> cannot tell; 1 / 51 (2%) can.
    gone = [(1, 0, 365), (3, 10, 365)]
    assert _dropout("mbgnbd", {"r": 10.0, "alpha": 10.0, "a": 1.0, "b": 200.0}, gone, [5, 5])
    assert not _dropout("mbgnbd", {"r": 10.0, "alpha": 10.0, "a": 1.0, "b": 50.0}, gone, [5, 5])


def test_bg_nbd_judges_dropout_on_repeat_buyers_only():
    # BG/NBD: one-time buyers are surely alive by the model's own rule (P(alive) = 1), so
    # they say nothing; 95 of them and 5 repeat buyers who are gone: the model can tell.
    params = {"r": 10.0, "alpha": 10.0, "a": 1.0, "b": 9.0}
    rows, counts = [(0, 0, 365), (3, 10, 365)], [95, 5]
    assert not _dropout("bgnbd", params, rows, counts)
    # The modified model judges them too (and finds them gone): the same.
    assert not _dropout("mbgnbd", params, rows, counts)
    # BG/NBD with one repeat day, seen at T: P(alive) = b / (a + b) = 24 / 25 = 0.96 with
    # a = 1, b = 24: they are judged, and mostly alive (4% leave after a purchase).
    assert _dropout("bgnbd", {**params, "b": 24.0}, [(1, 50, 50)], [10])
    # Only one-time buyers: BG/NBD has no one to judge, so only a / (a + b) speaks (10%).
    assert not _dropout("bgnbd", params, [(0, 0, 365)], [9])
    assert _dropout("bgnbd", {**params, "b": 999.0}, [(0, 0, 365)], [9])


def test_pareto_dropout_is_the_share_expected_to_leave_within_the_history():
    # Leaving rate mu ~ Gamma(s = 1, beta): the share gone within the longest history (T = 5
    # days) is 1 - beta / (beta + 5): beta = 1000 -> 0.5% (cannot tell); beta = 100 -> 4.8%.
    gone = [(0, 0, 5), (1, 0, 5)]
    for beta, expect in ((1000.0, True), (100.0, False)):
        params = {"r": 100.0, "alpha": 1.0, "s": 1.0, "beta": beta}
        assert _dropout("pareto", params, gone, [5, 5]) is expect
    # beta = 500: 1 - 500 / 505 = 0.99% with s = 1 (cannot tell); with s = 2 the share is
    # 1 - (500 / 505)^2 = 1.97% (can tell).
    params = {"r": 100.0, "alpha": 1.0, "s": 1.0, "beta": 500.0}
    assert _dropout("pareto", params, gone, [5, 5])
    assert not _dropout("pareto", {**params, "s": 2.0}, gone, [5, 5])


def test_a_model_that_cannot_tell_dropout_says_so_first(stand_ins, monkeypatch):
    # Everybody a repeat buyer seen on the last day: at a = 1, b = 9 P(alive) = (9 + x) / (10
    # + x) = 11 / 12 = 0.92 < 95% for x = 2; with b = 99, 101 / 102 > 0.99 for all.
    def nobody_leaves(model, unique, counts, penalizer):
        return Fitted({**BG, "b": 99.0}, 4)

    monkeypatch.setattr(fitters, "fit_purchases", nobody_leaves)
    summary = _summary([(2, 300, 300, 20.0 + i) for i in range(40)])
    model = clv.fit(summary, "mbgnbd")
    assert model.cannot_tell_dropout
    assert model.warnings[0] == clv.cannot_tell_sentence(10.0)
    assert model.warnings[0].startswith("With 10 months of history the model sees almost no")


def test_a_bg_nbd_fit_judges_dropout_on_its_repeat_buyers(monkeypatch):
    # a = 2, b = 198 (1% leave after a purchase: not below 1%). 300 one-time buyers of a day
    # and 10 repeat buyers silent for a year. BG/NBD judges only the repeat buyers, who are
    # gone (P(alive) 1 / (1 + 2 / 200 x (395 / 40)^4) = 0.01): it can tell. (Judged as the
    # modified model would, the one-time buyers' 0.99 would make the average 0.96.)
    monkeypatch.setattr(
        fitters, "fit_purchases", lambda *a: Fitted({**BG, "a": 2.0, "b": 198.0}, 4)
    )
    rows = [(3, 10, 365, 20.0 + i) for i in range(10)] + [(0, 0, 1, 0.0)] * 300
    spend = (clv.SpendModel(clv.SHRUNK_AVERAGE, {"shop_mean": 5.0}, 5.0), 0.0, [])
    assert not clv.fit(_summary(rows), "bgnbd", spend=spend).cannot_tell_dropout
    assert clv.fit(_summary(rows), "mbgnbd", spend=spend).cannot_tell_dropout


def test_cannot_tell_sentence_rounds_the_months():
    assert clv.cannot_tell_sentence(14.6) == (
        "With 15 months of history the model sees almost no customers leaving; use the "
        "lifecycle stages for churn. Its chance-still-a-customer and value figures assume "
        "nearly everyone stays."
    )


def test_the_parameters_in_plain_words():
    # r / alpha = 2 / 60 a day: every 30 days, 365 x 2 / 60 = 12.2 a year; a / (a + b) =
    # 1 / 4; p v / (q - 1) = 6 x 15 / 3 = 30.
    spend = {"p": 6.0, "q": 4.0, "v": 15.0}
    lines = clv.in_plain_words("bgnbd", {"r": 2.0, "alpha": 60.0, "a": 1.0, "b": 3.0}, spend)
    assert lines == [
        "While still buying, the average customer orders about every 30 days (12.2 purchases "
        "a year).",
        "After each purchase, 25% of customers on average stop for good.",
        "A repeat purchase brings 30.00 on average across customers.",
    ]
    # Pareto/NBD: beta / s = 100 / 2 = 50 days; spend said with the caller's money format.
    pareto = {"r": 2.0, "alpha": 60.0, "s": 2.0, "beta": 100.0}
    lines = clv.in_plain_words("pareto", pareto, spend, money=lambda v: f"${v:,.0f}")
    assert lines[1] == "At the average leaving rate a customer stays about 50 days before " + (
        "stopping for good."
    )
    assert lines[2] == "A repeat purchase brings $30 on average across customers."
    # No Gamma-Gamma (the fallback's parameters, or q <= 1): nothing said about spend.
    assert len(clv.in_plain_words("pareto", pareto, {"shop_mean": 30.0})) == 2
    assert len(clv.in_plain_words("pareto", pareto, {**spend, "q": 1.0})) == 2
    assert len(clv.in_plain_words("pareto", pareto, {"p": 6.0, "q": 4.0})) == 2
    # r / alpha = 1 / 10: 36.5 purchases a year; q = 1.5: 6 x 15 / 0.5 = 180 a purchase.
    lines = clv.in_plain_words(
        "bgnbd", {"r": 1.0, "alpha": 10.0, "a": 1.0, "b": 3.0}, {**spend, "q": 1.5}
    )
    assert lines[0].endswith("every 10 days (36.5 purchases a year).")
    assert lines[2] == "A repeat purchase brings 180.00 on average across customers."
    big = clv.in_plain_words("bgnbd", {"r": 1.0, "alpha": 2000.0, "a": 1.0, "b": 1.0}, {})
    assert big[0].startswith("While still buying, the average customer orders about every 2,000")


def test_churn_risk_bands_by_hand():
    # high below 20%, medium from 20% to below 50%, low from 50%.
    bands = clv.churn_band(np.array([0.0, 0.19, 0.2, 0.49, 0.5, 1.0]))
    assert list(bands) == ["high", "high", "medium", "medium", "low", "low"]
    assert list(bands.categories) == ["low", "medium", "high"]


def test_outlier_limit_and_outliers_by_hand():
    orders = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-03", "2024-02-01"]),
            "amount": [10.0, 20.0, 1000.0, 5000.0],
            "order_id": ["1", "2", "3", "4"],
        }
    )
    base = build_customer_base(orders)
    # Up to 10 January: 10, 20, 1000; the 99.9th percentile by linear interpolation: index
    # 0.999 x 2 = 1.998 -> 20 + 0.998 x 980 = 998.04. The 5000 of February is after the end.
    assert clv.outlier_limit(base, pd.Timestamp("2024-01-10")) == pytest.approx(998.04)
    assert clv.outlier_limit(base, pd.Timestamp("2024-01-01")) == pytest.approx(10.0)
    assert clv.outlier_limit(base, pd.Timestamp("2023-12-31")) == float("inf")
    # Largest repeat order above the limit of 100 and at least half the repeat spend (x m).
    summary = pd.DataFrame(
        {
            "largest_repeat": [500.0, 500.0, 50.0, 100.0],
            "frequency": [2, 3, 1, 1],
            "monetary_value": [500.0, 400.0, 50.0, 100.0],
        }
    )
    # 500 of 1000: half, an outlier; 500 of 1200: less than half; 50 and 100 not above 100.
    assert list(clv.outliers(summary, 100.0)) == [True, False, False, False]


def test_a_mean_pulled_up_by_a_few():
    assert clv.dominated([1, 1, 1, 10])  # mean 3.25 > 2 x median 1
    assert not clv.dominated([1, 1, 1, 5])  # mean 2 = 2 x 1: not over twice
    assert clv.dominated([1, 1, 1, 6])  # mean 2.25: over twice, under three times
    assert not clv.dominated([])
    assert clv.dominated([-1, -1, 5])  # median below 0 counts as 0: mean 1 > 0
    assert not clv.dominated([-3, -3, 1])


def test_alive_grid_by_hand():
    # 11 customers, 0, 10, ..., 100 days since their last purchase: the deciles are 0, 10,
    # ..., 100, so band k holds [10k, 10k + 10), and 100 joins the last band (90-100).
    since = np.arange(0, 101, 10)
    summary = pd.DataFrame({"frequency": [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 30]})
    summary["recency"], summary["T"] = 5, 5 + since
    alive = np.linspace(1.0, 0.0, 11)
    grid = clv.alive_grid(summary, alive)
    assert list(grid["days_since_last"].astype(str))[:3] == ["0-10", "10-20", "20-30"]
    last = grid[grid["days_since_last"] == "90-100"]
    # 12 and 30 repeat purchases are capped at 10: one cell of 2, mean (0.1 + 0) / 2.
    assert list(last["repeat_purchases"]) == [10] and list(last["customers"]) == [2]
    assert last["p_alive"].iloc[0] == pytest.approx(0.05)
    assert grid["customers"].sum() == 11 and len(grid) == 10
    # With cap 5, frequencies 5, 6, 7, 8 fall in one row each band (bands differ).
    assert grid["repeat_purchases"].max() == 10
    assert clv.alive_grid(summary, alive, cap=5)["repeat_purchases"].max() == 5


def test_alive_grid_with_two_distinct_silences():
    # Ten customers last seen 0 days ago and one 100 days ago: every decile is 0 but the top
    # one (100), so one band, 0-100, holds all eleven.
    summary = pd.DataFrame({"frequency": [1] * 11, "recency": [5] * 11})
    summary["T"] = [5] * 10 + [105]
    grid = clv.alive_grid(summary, np.full(11, 0.5))
    assert list(grid["days_since_last"].astype(str)) == ["0-100"]
    assert grid["customers"].tolist() == [11] and grid["repeat_purchases"].tolist() == [1]
    assert type(grid["repeat_purchases"].tolist()[0]) is int  # whole purchases on the axis


def test_alive_grid_when_everybody_was_last_seen_the_same_day_ago():
    # One distinct number of days since the last purchase: one band named by it, no crash.
    summary = pd.DataFrame({"frequency": [0, 1, 1], "recency": [0, 10, 20], "T": [30, 40, 50]})
    grid = clv.alive_grid(summary, np.array([0.2, 0.4, 0.8]))
    assert list(grid["days_since_last"].astype(str)) == ["30", "30"]
    assert list(grid["customers"]) == [1, 2] and list(grid["p_alive"]) == pytest.approx([0.2, 0.6])


def test_average_by_keeps_the_largest_groups_in_order(monkeypatch):
    monkeypatch.setattr(clv, "TOP_GROUPS", 2)
    values = pd.Series([10.0, 20.0, 30.0, 50.0, 70.0, 100.0, np.nan], index=list("abcdefg"))
    # Groups: x = a, b, c (mean 20, 3 customers); y = d, e (mean 60, 2); z = f (100, 1); g's
    # value is missing and h has no value: left out. The 2 largest: x and y, by average y
    # first, in label order x first.
    groups = pd.Series(list("xxxyyzz") + ["x"], index=list("abcdefgh"))
    top = clv.average_by(values, groups)
    assert list(top.index) == ["y", "x"] and list(top["clv"]) == [60.0, 20.0]
    assert top.index.name == "group" and list(top.columns) == ["clv"]
    assert list(clv.average_by(values, groups, chronological=True).index) == ["x", "y"]
    # A category nobody is in is not a group.
    unused = groups.astype(pd.CategoricalDtype(["x", "y", "z", "w"]))
    monkeypatch.setattr(clv, "TOP_GROUPS", 15)
    assert list(clv.average_by(values, unused, True).index) == ["x", "y", "z"]
    monkeypatch.setattr(clv, "TOP_GROUPS", 2)
    # Coded groups give the same table as their labels.
    for chronological in (False, True):
        pd.testing.assert_frame_equal(
            clv.average_by(values, groups.astype("category"), chronological),
            clv.average_by(values, groups, chronological),
        )
    months = pd.Series(pd.PeriodIndex(["2024-03"] * 3 + ["2024-01"] * 4, freq="M"))
    months.index = list("abcdefg")
    coded = clv.average_by(values, months.astype("category"), chronological=True)
    pd.testing.assert_frame_equal(coded, clv.average_by(values, months, chronological=True))
    # 2024-01: d, e, f (g missing): (50 + 70 + 100) / 3; 2024-03: 20.
    assert [str(p) for p in coded.index] == ["2024-01", "2024-03"]
    assert coded["clv"].tolist() == pytest.approx([220 / 3, 20.0])


def test_no_fitter_reaches_lifetimes_own_fit_which_prints_its_report():
    """lifetimes prints its optimiser's report (on stdout) only in its own ``_fit``; every
    fitter here replaces it, so the fits need not redirect stdout, which would be the whole
    process's while the app fits in threads."""
    from lifetimes.fitters import BaseFitter

    for fitter in (fitters.BetaGeo, fitters.ModifiedBetaGeo, fitters.SpendFitter):
        assert fitter._fit is fitters._Robust._fit is not BaseFitter._fit
    # Pareto/NBD's own fit (this module's) minimises without calling lifetimes' _fit.
    assert fitters.ParetoNBD.fit.__module__ == fitters.__name__
    assert "_fit" not in fitters.ParetoNBD.fit.__code__.co_names

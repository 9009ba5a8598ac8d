"""The backtest (analytics/value/backtest.py) on a shop small enough to count by hand.

The shop's orders run from 1 January to 1 May 2024 (121 days); a 30-day holdout (the
default: round(121 x 25%)) starts after 1 April. By customer (calibration to 1 April, then
the holdout 2 April - 1 May):
    a  1 Jan 10; 1 Mar 5 + 7 (one day) | 10 Apr 20 + 4 (one day), 20 Apr 6
       frequency 1, recency 60, T 91, spend 22, repeat spend 12 | 2 purchase days, 30
    b  15 Jan 30                       | nothing        frequency 0, T 77
    c  1 Feb 40; 1 Apr 10              | 1 May 50       frequency 1, recency 60, T 60
    d  -                               | 15 Apr 99      first order after the split: not judged
    e  10, 20, 30 Mar 8 each           | 2 Apr 12       frequency 2, recency 20, T 22
    f  1 Jan 5                         | nothing        frequency 0, T 91
    g  1-9 Mar 1 each                  | nothing        frequency 8, recency 8, T 31

The model is replaced by a stand-in whose predictions are set here, so that every total
below follows by hand; one test fits the real model on a larger shop.
"""

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analytics.errors import LensError
from analytics.insights.customers import build_customer_base
from analytics.value import backtest, clv, scorecard, verdict

ORDERS = [
    ("a", "2024-01-01", 10.0),
    ("a", "2024-03-01", 5.0),
    ("a", "2024-03-01", 7.0),
    ("a", "2024-04-10", 20.0),
    ("a", "2024-04-10", 4.0),
    ("a", "2024-04-20", 6.0),
    ("b", "2024-01-15", 30.0),
    ("c", "2024-02-01", 40.0),
    ("c", "2024-04-01", 10.0),
    ("c", "2024-05-01", 50.0),
    ("d", "2024-04-15", 99.0),
    ("e", "2024-03-10", 8.0),
    ("e", "2024-03-20", 8.0),
    ("e", "2024-03-30", 8.0),
    ("e", "2024-04-02", 12.0),
    ("f", "2024-01-01", 5.0),
    *(("g", f"2024-03-0{day}", 1.0) for day in range(1, 10)),
]
CAL_END = pd.Timestamp("2024-04-01")
# The stand-in's expected purchases in the holdout and 80% ranges, per customer.
# (d is judged only when the split comes after its first order.)
EXPECTED = {"a": 1.5, "b": 0.2, "c": 0.5, "e": 2.0, "f": 0.2, "g": 0.3, "d": 0.0}
RANGES = {"a": (2, 2), "b": (0, 1), "c": (0, 0), "e": (2, 4), "f": (0, 0), "g": (0, 1),
          "d": (0, 0)}  # fmt: skip
# Actual holdout purchase days and revenue, by hand (see above).
ACTUAL = {"a": (2, 30.0), "b": (0, 0.0), "c": (1, 50.0), "e": (1, 12.0), "f": (0, 0.0),
          "g": (0, 0.0)}  # fmt: skip


@pytest.fixture(scope="module")
def base():
    orders = pd.DataFrame(ORDERS, columns=["customer_id", "order_date", "amount"])
    orders["order_date"] = pd.to_datetime(orders["order_date"])
    orders["order_id"] = [str(i) for i in range(len(orders))]
    return build_customer_base(orders)


class StandIn:
    """The model: spend per order is the customer's repeat spend + 10 (a: 22, b: 10, c: 20,
    e: 18, f: 10, g: 11), purchases as set above."""

    def __init__(self, calls):
        self.calls = calls
        self.spend = SimpleNamespace(expected=lambda f, m: np.asarray(m, dtype=float) + 10)

    def predict(self, model, summary, days):
        self.calls.append(("predict", model, days, summary))
        ids = list(summary.index)
        return SimpleNamespace(
            expected=np.array([EXPECTED[i] for i in ids]),
            low=np.array([RANGES[i][0] for i in ids]),
            high=np.array([RANGES[i][1] for i in ids]),
        )


@pytest.fixture
def stand_in(monkeypatch):
    calls = []
    model = StandIn(calls)

    def fit(summary, name, spend):
        calls.append(("fit", name, spend, summary))
        return model

    monkeypatch.setattr(clv, "fit", fit)
    monkeypatch.setattr(clv, "fit_spend", lambda summary: ("spend fitted on", len(summary)))
    monkeypatch.setattr(clv, "predict_purchases", model.predict)
    return calls


def test_split_by_hand():
    # 121 days of orders: the last 25% is 30.25, rounded to 30; 123 days: 30.75, to 31.
    assert backtest.split(SimpleNamespace(first_day=0, last_day=121)) == (
        pd.Timestamp("1970-01-01") + pd.Timedelta(days=91),
        30,
    )
    assert backtest.split(SimpleNamespace(first_day=10, last_day=133))[1] == 31
    # A holdout given: whole days; at least 7 held out and 30 left to learn from.
    span = SimpleNamespace(first_day=0, last_day=100)
    assert backtest.split(span, 7) == (pd.Timestamp("1970-01-01") + pd.Timedelta(days=93), 7)
    assert backtest.split(span, 70.9)[1] == 70
    for days in (6, 71):
        with pytest.raises(LensError) as error:
            backtest.split(span, days)
        assert str(error.value) == (
            f"A holdout of {days} days does not fit this data (100 days of orders): the "
            "backtest needs at least 7 days held out and 30 days to learn from."
        )


def test_holdout_activity_by_hand(base):
    held = backtest.holdout_activity(base, CAL_END, 30)
    # Only customers with an order by 1 April (not d); c's 1 April order is calibration, its
    # 1 May order (the holdout's last day) holdout; a's two orders on 10 April one day.
    assert held.index.name == "customer_id"
    assert held.to_dict("index") == {
        k: {"actual_orders": n, "actual_revenue": r} for k, (n, r) in ACTUAL.items()
    }
    shorter = backtest.holdout_activity(base, CAL_END, 29)  # to 30 April: not c's 1 May
    assert shorter.loc["c"].to_dict() == {"actual_orders": 0, "actual_revenue": 0.0}
    # Split a day later: c's 1 April order not held out either, e's 2 April one not.
    later = backtest.holdout_activity(base, pd.Timestamp("2024-04-02"), 29)
    assert later.loc["e", "actual_orders"] == 0 and later.loc["c", "actual_orders"] == 1


def test_calibrate_by_hand(base):
    prepared = backtest.calibrate(base)
    assert (prepared.end, prepared.days) == (CAL_END, 30)
    assert set(prepared.summary.index) == set(ACTUAL)
    assert prepared.summary.loc["a", ["frequency", "recency", "T"]].tolist() == [1, 60, 91]
    assert prepared.actual.loc["e"].tolist() == [1, 12.0]
    # Four repeat buyers (a, c, e, g), too few for Gamma-Gamma: the shrunk average.
    assert prepared.spend[0].method == clv.SHRUNK_AVERAGE
    assert backtest.calibrate(base, 40).days == 40


@pytest.fixture
def result(base, stand_in):
    return backtest.run(base, "bgnbd")


def test_run_totals_by_hand(result, stand_in):
    t = result.totals
    # Orders: 1.5 + 0.2 + 0.5 + 2 + 0.2 + 0.3 = 4.7 predicted, 2 + 1 + 1 = 4 real: +17.5%.
    assert t["predicted_orders"] == pytest.approx(4.7) and t["actual_orders"] == 4
    assert isinstance(t["actual_orders"], int)
    assert t["aggregate_error_pct"] == pytest.approx(17.5)
    # Revenue: 1.5 x 22 + 0.2 x 10 + 0.5 x 20 + 2 x 18 + 0.2 x 10 + 0.3 x 11 = 86.3 predicted,
    # 30 + 50 + 12 = 92 real: -6.196%.
    assert t["predicted_revenue"] == pytest.approx(86.3) and t["actual_revenue"] == 92.0
    assert t["revenue_error_pct"] == pytest.approx(100 * (86.3 - 92) / 92)
    # Absolute errors 0.5, 0.2, 0.5, 1, 0.2, 0.3: mean 2.7 / 6 = 0.45.
    assert t["mae_orders"] == pytest.approx(0.45)
    # Inside the range: a (2 in [2, 2], both ends), b, f (0 in [0, 0]), g; not c (1 above
    # [0, 0]) nor e (1 below [2, 4]): 4 of 6.
    assert t["coverage"] == pytest.approx(4 / 6)
    assert set(t) == {
        "predicted_orders", "actual_orders", "predicted_revenue", "actual_revenue",
        "mae_orders", "coverage", "aggregate_error_pct", "revenue_error_pct",
    }  # fmt: skip
    # Fitted on the summary at 1 April with the shared spend model, asked for 30 days.
    (_, name, spend, summary), (_, fitted, days, asked) = stand_in
    assert name == "bgnbd" and spend == ("spend fitted on", 6) and days == 30
    assert summary.loc["c", "T"] == 60 and asked is summary and fitted is result.fitted
    assert result.model == "bgnbd" and result.customers == 6 and result.holdout_days == 30
    assert result.calibration_end == CAL_END
    assert result.holdout_end == pd.Timestamp("2024-05-01")
    assert result.fit_start == pd.Timestamp("2024-01-01")


def test_run_deciles_and_frequency_groups_by_hand(result):
    # Predicted revenue: e 36, a 33, c 10, g 3.3, b 2, f 2 -> ranks 1 to 6 (b before f, as
    # listed: ties by position), decile ceil(10 rank / 6) = 2, 4, 5, 7, 9, 10.
    d = result.deciles
    assert list(d.index) == [2, 4, 5, 7, 9, 10] and list(d.columns) == [
        "customers", "predicted_orders", "actual_orders", "predicted_revenue", "actual_revenue"
    ]  # fmt: skip
    assert d["customers"].tolist() == [1] * 6
    assert d["predicted_revenue"].tolist() == pytest.approx([36, 33, 10, 3.3, 2, 2])
    assert d["actual_revenue"].tolist() == [12, 30, 50, 0, 0, 0]
    assert d["actual_orders"].tolist() == [1, 2, 1, 0, 0, 0]
    assert d["predicted_orders"].tolist() == pytest.approx([2, 1.5, 0.5, 0.3, 0.2, 0.2])
    # Frequency groups: 0 (b, f), 1 (a, c), 2 (e), 7 and more (g, 8 repeat days).
    f = result.by_frequency
    assert list(f.index) == [0, 1, 2, 7]
    assert f["customers"].tolist() == [2, 2, 1, 1]
    assert f["actual"].tolist() == [0, 1.5, 1, 0]
    assert f["predicted"].tolist() == pytest.approx([0.2, 1.0, 2.0, 0.3])


def test_run_judges_each_customer_by_hand(result):
    judged = result.judged
    assert list(judged.columns) == scorecard.COLUMNS
    # Days since the last order at 1 April: T - recency; past spend: revenue to 1 April.
    assert judged["days_since_last"].to_dict() == {
        "a": 31, "b": 77, "c": 0, "e": 2, "f": 91, "g": 23
    }  # fmt: skip
    assert judged["past_spend"].to_dict() == {
        "a": 22, "b": 30, "c": 50, "e": 24, "f": 5, "g": 9
    }  # fmt: skip
    # The buyers (a, c, e) were all predicted more orders than the others: AUC 1. Sorting by
    # days since the last order misranks one pair of nine (a, 31 days, below g, 23 days).
    assert result.ranking["model"]["auc"] == 1.0
    assert result.ranking["days_since_last_order"]["auc"] == pytest.approx(8 / 9)
    assert "challenger" not in result.ranking
    # A challenger that gave a, c and e the higher chance: picks every buyer; one that knew
    # only a (the others missing: no chance) ranks c and e among the rest.
    perfect = result.with_challenger(pd.Series({"a": 0.9, "c": 0.8, "e": 0.7, "b": 0.1}))
    assert perfect.ranking["challenger"]["auc"] == 1.0 and perfect.totals == result.totals
    partial = result.with_challenger(pd.Series({"a": 0.9}))
    # a beats the 3 others; c and e tie with them (0): (3 + 6 x 1/2) / 9 pairs.
    assert partial.ranking["challenger"]["auc"] == pytest.approx(2 / 3)


def test_run_in_words(result):
    text = result.sentence(money=lambda v: f"${v:.2f}")
    assert text.startswith(
        "Fitted on orders to 01 Apr 2024 and asked for the next 30 days (6 customers), the "
        "model predicted 5 orders against 4 real (+17.5%) and revenue $86.30 against $92.00 "
        "(-6.2%); mean absolute error 0.45 orders per customer. The ranges cannot be trusted "
        "as they stand: only 67% of customers landed inside their 80% range"
    )
    # The holdout (April, May) has May, which January to 1 April does not.
    assert text.endswith(result.season_note()) and "The holdout covers May" in text
    assert result.sentence().count("86 against 92") == 1  # the default money: whole numbers
    words = result.verdict_sentence()
    assert words.startswith("Backtest: revenue 6% under what happened. The ranges cannot")
    assert words.endswith("a seasonal peak or dip there was never learnt, so part of the "
                          "backtest's error may be the season's, and a forecast over those "
                          "months carries the same risk.")  # fmt: skip
    assert result.ranking_sentence() == scorecard.sentence(result.ranking) != ""


def test_run_summary(result):
    s = result.summary()
    assert s["model"] == "bgnbd" and s["customers"] == 6
    assert (s["holdout_start"], s["holdout_end"]) == ("2024-04-02", "2024-05-01")
    assert s["actual_orders"] == 4 and s["coverage"] == pytest.approx(4 / 6)
    assert s["ranking"] is result.ranking and s["ranking_sentence"] == result.ranking_sentence()
    assert s["deciles"][0] == {
        "decile": 2, "customers": 1, "predicted_orders": 2.0, "actual_orders": 1,
        "predicted_revenue": 36.0, "actual_revenue": 12.0,
    }  # fmt: skip
    assert len(s["deciles"]) == 6 and s["verdict"] == result.verdict_sentence()
    # Deciles and frequency groups are whole numbers as written (the command's JSON, a
    # table's labels): "2", not "2.0".
    assert json.dumps(s["deciles"][0]).startswith('{"decile": 2, "customers": 1,')
    assert [str(g) for g in result.by_frequency.index] == ["0", "1", "2", "7"]


def test_total_range_reads_this_backtests_bias(result):
    # Real holdout revenue was 92 / 86.3 of the predicted: a total of 100 (80 to 120) is
    # moved up by that much, its range widened by the spread of the customers' misses.
    rho, se = verdict.bias(result.judged)
    assert rho == pytest.approx(92 / 86.3) and se > 0
    low, high = result.total_range(100.0, 80.0, 120.0)
    assert (low, high) == verdict.total_range(100.0, 80.0, 120.0, rho, se)
    assert low < 80 and high > 100 * rho + 20 * rho


def test_a_backtest_without_fit_start_or_ranking_says_no_season_or_ranking(result):
    from dataclasses import replace

    bare = replace(result, fit_start=None, ranking={})
    assert bare.season_note() == "" and bare.ranking_sentence() == ""
    assert bare.verdict_sentence() == verdict.sentence(result.totals)
    assert "The holdout covers" not in bare.sentence()
    assert bare.sentence().endswith(" " + verdict.trust(result.totals))
    # A fit that starts in the same months as the holdout: no season to warn of.
    same = replace(result, fit_start=pd.Timestamp("2023-04-01"))
    assert same.season_note() == "" and same.sentence().endswith(verdict.trust(result.totals))
    # Fitted to 31 March, the holdout (1 to 30 April) is all in April, which January to
    # March does not contain; fitted to 1 April, it has seen a day of April.
    march = replace(result, calibration_end=pd.Timestamp("2024-03-31"))
    march = replace(march, holdout_end=pd.Timestamp("2024-04-30"))
    assert march.season_note().startswith("The holdout covers April, which the fitting ")
    assert replace(march, calibration_end=CAL_END).season_note() == ""


def test_no_real_orders_to_compare_is_said_in_words(result):
    from dataclasses import replace

    nothing = {"aggregate_error_pct": float("nan"), "revenue_error_pct": float("nan")}
    text = replace(result, totals={**result.totals, **nothing}).sentence()
    assert "4 real (no real ones to compare) and revenue 86 against 92 (no real ones to " in text
    assert "nan" not in text.lower()


def test_error_pct_by_hand():
    assert backtest._error_pct(5.0, 4.0) == 25.0
    assert backtest._error_pct(3.0, 6.0) == -50.0
    assert np.isnan(backtest._error_pct(3.0, 0.0))


def test_run_on_a_short_holdout_prepared_or_not(base, stand_in):
    # 7 days from 25 April: d (first order 15 April) is judged too; only c's 1 May order is
    # real.
    r = backtest.run(base, "mbgnbd", 7)
    assert r.holdout_days == 7 and r.calibration_end == pd.Timestamp("2024-04-24")
    assert r.customers == 7 and r.model == "mbgnbd"
    assert r.totals["actual_orders"] == 1 and r.totals["actual_revenue"] == 50.0
    # Prepared beforehand: the same figures.
    prepared = backtest.calibrate(base, 7)
    again = backtest.run(base, "mbgnbd", None, prepared)
    assert again.totals == r.totals and again.holdout_days == 7
    assert again.deciles.equals(r.deciles) and again.judged.equals(r.judged)


class Done:
    def __init__(self, mae):
        self.totals = {
            "mae_orders": mae,
            "aggregate_error_pct": 10 * mae,
            "revenue_error_pct": -10 * mae,
            "coverage": mae / 2,
        }


@pytest.fixture
def runs(base, monkeypatch):
    """compare's calls to calibrate and run, with run's answers set per model."""
    calls, answers = [], {"mbgnbd": Done(0.5), "bgnbd": Done(0.4), "pareto": Done(0.6)}

    def calibrate(shop, holdout_days):
        assert shop is base
        calls.append(("calibrate", holdout_days))
        return "prepared"

    def run(shop, model, holdout_days, prepared):
        assert shop is base
        calls.append((model, holdout_days, prepared))
        answer = answers[model]
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(backtest, "calibrate", calibrate)
    monkeypatch.setattr(backtest, "run", run)
    return calls, answers


def test_compare_recommends_the_lowest_error(base, runs):
    calls, answers = runs
    table, best, done = backtest.compare(base, 30)
    assert best == "bgnbd"  # mean absolute errors 0.5, 0.4, 0.6
    assert list(table.index) == ["Modified BG/NBD", "BG/NBD", "Pareto/NBD"]
    assert table.loc["BG/NBD"].to_dict() == {
        "mae_orders": 0.4, "aggregate_error_pct": 4.0, "revenue_error_pct": -4.0,
        "coverage": 0.2,
    }  # fmt: skip
    assert done == answers
    # One calibration, shared by the three models, the holdout passed on.
    assert calls == [
        ("calibrate", 30),
        ("mbgnbd", 30, "prepared"),
        ("bgnbd", 30, "prepared"),
        ("pareto", 30, "prepared"),
    ]


def test_compare_reuses_what_is_done_and_leaves_pareto_out_when_large(base, runs, monkeypatch):
    calls, answers = runs
    done = {"mbgnbd": Done(0.3)}
    monkeypatch.setattr(clv, "PARETO_COMPARE_LIMIT", 5)  # 7 customers: above it
    table, best, out = backtest.compare(base, None, done)
    assert best == "mbgnbd" and out["mbgnbd"] is done["mbgnbd"] and out["bgnbd"] is answers["bgnbd"]
    assert done == {"mbgnbd": done["mbgnbd"]}  # the caller's dict untouched
    assert calls == [("calibrate", None), ("bgnbd", None, "prepared")]
    assert table.loc["Pareto/NBD", "problem"] == (
        "left out above 5 customers (its fit and forecast take the longest); choose it as the "
        "model to backtest it alone"
    )
    assert np.isnan(table.loc["Pareto/NBD", "mae_orders"]) and "pareto" not in out
    # Exactly at the limit it is compared; done already, it is reused above it too.
    calls.clear()
    monkeypatch.setattr(clv, "PARETO_COMPARE_LIMIT", 7)
    assert "pareto" in backtest.compare(base, None, done)[2]
    monkeypatch.setattr(clv, "PARETO_COMPARE_LIMIT", 5)
    calls.clear()
    every = {m: Done(0.1 * (i + 1)) for i, m in enumerate(clv.MODELS)}
    table, best, out = backtest.compare(base, None, every)
    assert calls == [] and out == every and best == "mbgnbd" and "problem" not in table


def test_compare_lists_a_model_that_cannot_be_fitted(base, runs):
    calls, answers = runs
    answers["mbgnbd"] = LensError("The Modified BG/NBD model could not be fitted.")
    table, best, out = backtest.compare(base)
    assert best == "bgnbd" and set(out) == {"bgnbd", "pareto"}
    problem = table.loc["Modified BG/NBD", "problem"]
    assert problem == "The Modified BG/NBD model could not be fitted."
    assert calls[0] == ("calibrate", None) and len(calls) == 4
    # Every model failing: the first one's reason, as an error for people.
    for model in answers:
        answers[model] = LensError(f"{model} failed")
    with pytest.raises(LensError, match="^mbgnbd failed$"):
        backtest.compare(base)


def test_a_real_fit_backtested():
    """The real model on 100 customers who never leave, each buying at a rate drawn from a
    gamma of shape 2 and mean 1 in 20 days: the fit finds those rates (r near 2, alpha near
    40 days), nobody leaving (a near 0), and its predicted holdout orders are within 15% of
    the real ones, its ranges hold."""
    rng = np.random.default_rng(4)
    rows = []
    for i in range(100):
        first = int(rng.integers(0, 60))
        rate = rng.gamma(2.0, 1 / 40)  # purchases a day
        days = first + np.cumsum(rng.exponential(1 / rate, 60)).astype(int)
        for day in [first, *days[days <= 240]]:
            rows.append((f"c{i}", pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(day)), 20.0))
    orders = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    orders["order_id"] = [str(i) for i in range(len(orders))]
    result = backtest.run(build_customer_base(orders), "bgnbd", 60)
    params = result.fitted.params
    assert result.customers == 100 and result.fitted.model == "bgnbd"
    assert 1.2 < params["r"] < 3 and 15 < params["alpha"] / params["r"] < 25
    assert params["a"] / (params["a"] + params["b"]) < 0.01
    assert abs(result.totals["aggregate_error_pct"]) < 15
    assert result.totals["coverage"] >= 0.7

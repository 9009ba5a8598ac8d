"""The challenger's rules (analytics/value/propensity.py) on hand-built customers whose answer
we can state.

Reference day t = 2024-07-01; "t-60" is 60 days before it. Amounts in brackets.

    a  t-60 (10), t-50 (20), t-10 (30), t+30 (1)   gaps 10 and 40: own median 25
    b  t-29 (50), t+31 (1)
    d  t-180 (5), t-70 (7)                          gap 110
    e  t-300 (4)                                    the data's first order
    c  t+5 (9)                                      not a customer yet at t

At t the gaps between consecutive orders so far are 10, 40 and 110: the shop's median gap is
40. With the features' window (180 days) and at-risk factor (1.5):
    a  3 orders in (t-180, t], last 10 days ago <= 1.5 x 25 (own median, 3+ orders): Loyal
    b  1 order, in the window: New (expected gap: the shop's 40)
    d  t-180 is not inside (t-180, t]: 1 order in the window; 70 days since the last
       > 1.5 x 40 = 60 (shop median, fewer than 3 orders): At risk
    e  no order in the window: Inactive
"""

import numpy as np
import pandas as pd
import pytest

from analytics.errors import LensError
from analytics.insights import lifecycle
from analytics.insights.customers import build_customer_base, summarise
from analytics.value import clv, propensity

T = pd.Timestamp("2024-07-01")
ORDERS = {
    "a": [(-60, 10.0), (-50, 20.0), (-10, 30.0), (30, 1.0)],
    "b": [(-29, 50.0), (31, 1.0)],
    "d": [(-180, 5.0), (-70, 7.0)],
    "e": [(-300, 4.0)],
    "c": [(5, 9.0)],
}


def _index(orders: dict) -> lifecycle.LifecycleIndex:
    rows = [
        (who, T + pd.Timedelta(days=day), amount)
        for who, days in orders.items()
        for day, amount in days
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    frame["order_id"] = [str(i) for i in range(len(frame))]
    return lifecycle.prepare(build_customer_base(frame))


@pytest.fixture(scope="module")
def index():
    return _index(ORDERS)


def test_features_at_the_reference_day(index):
    out = propensity.features(index, T)
    assert list(out.index) == ["a", "b", "d", "e"]  # c has no order by t
    stage = {code: name for name, code in lifecycle._CODE.items()}
    # frequency: repeat purchase days; recency: first to last; T: first to t.
    expected = {
        #    freq recency  T  mon   orders revenue since window stage      gap
        "a": (2, 50, 60, 25.0, 3, 60.0, 10, 3, "Loyal", 25.0),  # mon: (20 + 30) / 2
        "b": (0, 0, 29, 0.0, 1, 50.0, 29, 1, "New", 40.0),  # no repeat: 0
        "d": (1, 110, 180, 7.0, 2, 12.0, 70, 1, "At risk", 40.0),
        "e": (0, 0, 300, 0.0, 1, 4.0, 300, 0, "Inactive", 40.0),
    }
    for who, (f, rec, age, mon, n, rev, since, window, name, gap) in expected.items():
        row = out.loc[who]
        assert (row["frequency"], row["recency"], row["T"]) == (f, rec, age), who
        assert row["monetary_value"] == pytest.approx(mon), who
        assert (row["orders"], row["revenue"]) == (n, pytest.approx(rev)), who
        assert row["days_since_last"] == since, who
        assert row["orders_last_180d"] == window, who
        assert stage[row["stage"]] == name, who
        assert row["expected_gap"] == gap, who


def test_a_missing_expected_gap_is_minus_one(index):
    """On t-181 only e has ordered, once: no gap anywhere, so no shop median (NaN) -> -1."""
    out = propensity.features(index, T - pd.Timedelta(days=181))
    assert list(out.index) == ["e"]
    assert out.loc["e", "expected_gap"] == -1


def test_orders_after_counts_the_days_after_the_day_up_to_the_horizon(index):
    # After t: a's t+30 is inside (t, t+30]; b's t+31 is not; c was no customer at t.
    later = propensity.orders_after(index, T, 30)
    assert later.to_dict() == {"a": True, "b": False, "d": False, "e": False}
    assert later.index.name == "customer_id"
    assert propensity.orders_after(index, T, 31).to_dict() == {
        "a": True,
        "b": True,
        "d": False,
        "e": False,
    }
    # From t-29: b's own order that day is not "after"; a's t-10 is the horizon's last day.
    day = T - pd.Timedelta(days=29)
    assert propensity.orders_after(index, day, 19).to_dict() == {
        "a": True,
        "b": False,
        "d": False,
        "e": False,
    }
    assert not propensity.orders_after(index, day, 18).any()


def test_train_needs_history_before_its_period_and_two_behaviours(index):
    first = T - pd.Timedelta(days=300)  # the data's first day
    with pytest.raises(LensError, match="Not enough history before"):
        propensity.train(index, first + pd.Timedelta(days=90), 90)  # starts on the first day
    # One day later: only e has ordered by the start, and e never orders again.
    with pytest.raises(LensError) as error:
        propensity.train(index, first + pd.Timedelta(days=91), 90)
    assert str(error.value) == (
        "Every customer behaved the same in the training period: nothing to learn."
    )


def test_train_learns_who_orders_again():
    """40 customers order every 10 days up to t, 40 stopped 200 days before t. Trained on the
    90 days up to t: the first group orders again in that period and the second does not, so
    at t the classifier ranks every regular above every customer who stopped."""
    orders = {f"r{i}": [(-400 + i + 10 * k, 10.0) for k in range(40)] for i in range(40)}
    orders |= {f"s{i}": [(-400 + i + 10 * k, 10.0) for k in range(20)] for i in range(40)}
    index = _index(orders)
    model = propensity.train(index, T, 90)
    chance = model.predict_proba(propensity.features(index, T).to_numpy())[:, 1]
    regular = np.array([name.startswith("r") for name in propensity.features(index, T).index])
    assert chance[regular].min() > 0.5 > chance[~regular].max()


def test_train_limit_keeps_a_sample(monkeypatch):
    """Above the limit the classifier learns from that many customers only."""
    orders = {f"r{i}": [(-400 + i + 10 * k, 10.0) for k in range(40)] for i in range(30)}
    orders |= {f"s{i}": [(-400 + i + 10 * k, 10.0) for k in range(20)] for i in range(30)}
    index = _index(orders)
    from sklearn.ensemble import HistGradientBoostingClassifier

    seen = []
    real = HistGradientBoostingClassifier.fit
    monkeypatch.setattr(
        HistGradientBoostingClassifier, "fit", lambda m, x, y: seen.append(x) or real(m, x, y)
    )
    for limit in (50, 60, 59):  # 60 customers by t - 90
        monkeypatch.setattr(propensity, "TRAIN_LIMIT", limit)
        propensity.train(index, T, 90)
    assert [len(x) for x in seen] == [50, 60, 59]
    # Every customer's features differ (r_i and s_i start on day i, and by t - 90 the s have
    # stopped): a sample of distinct customers has distinct rows, none drawn twice.
    assert len(np.unique(seen[1], axis=0)) == 60
    assert len(np.unique(seen[0], axis=0)) == 50 and len(np.unique(seen[2], axis=0)) == 59
    # The sample is seeded: the same data gives the same sample, and the same model.
    monkeypatch.setattr(propensity, "TRAIN_LIMIT", 50)
    again = propensity.train(index, T, 90)
    assert np.array_equal(seen[-1], seen[0])
    x = propensity.features(index, T).to_numpy()
    assert np.array_equal(again.predict_proba(x), propensity.train(index, T, 90).predict_proba(x))


def test_lift_is_the_top_tenth_rate_over_the_overall_rate():
    # 20 customers, 5 ordered (rate 0.25). The top tenth is 2 customers: the best-scored
    # ordered, the second did not: 0.5 / 0.25 = 2.
    y = np.zeros(20)
    y[[0, 5, 6, 7, 8]] = 1
    score = np.linspace(0, 1, 20)[::-1].copy()  # customer 0 best, then 1, 2, ...
    assert propensity._lift(y, score) == pytest.approx(2.0)
    # Equal scores: the first customers in order are taken (0 and 1 again).
    assert propensity._lift(y, np.ones(20)) == pytest.approx(2.0)
    # Fewer than 10 customers: the top tenth is still one customer (ordered: 1 / 0.4), not
    # two (1 ordered of 2: 0.5 / 0.4).
    assert propensity._lift(np.array([1.0, 0, 1, 0, 0]), np.arange(5.0)[::-1]) == 2.5
    assert np.isnan(propensity._lift(np.zeros(20), score))  # nobody ordered: no lift


def test_lift_breaks_ties_by_customer_order_on_large_tables():
    """1,000 customers, 200 tied at the top score; the top tenth (100) is the first 100 of
    them, who all ordered (the next 100 did not): 1 / 0.1 = 10, however the tie is sorted
    (numpy's default quicksort is not stable on a table this size)."""
    y = np.zeros(1000)
    score = np.zeros(1000)
    tied = np.random.default_rng(1).choice(1000, 200, replace=False)
    tied.sort()
    score[tied] = 1
    y[tied[:100]] = 1
    assert propensity._lift(y, score) == 10


def _shop():
    """60 regulars (every 10 days to t) and 60 who stopped 200 days before t; the data end
    at t + 90 with one late order. Regulars keep ordering after t, the others do not."""
    orders = {f"r{i}": [(-400 + i % 10 + 10 * k, 10.0) for k in range(49)] for i in range(60)}
    orders |= {f"s{i}": [(-400 + i % 10 + 10 * k, 10.0) for k in range(20)] for i in range(60)}
    orders["late"] = [(90, 10.0)]
    return _index(orders)


def test_challenge_on_a_clear_shop():
    """Both models see who stopped: each ranks every regular first (ROC AUC 1), the top
    tenth are all regulars (lift 1 / 0.5 = 2), and a tie goes to the CLV model."""
    index = _shop()
    fitted = clv.fit(summarise(index.base, T), "bgnbd")
    result = propensity.challenge(index, T, 90, fitted)
    assert result.horizon == 90
    assert result.roc_auc_model == 1.0 and result.roc_auc_clv == 1.0
    assert result.lift_model == 2.0 and result.lift_clv == 2.0
    assert result.winner == "BG/NBD"
    assert set(result.calibration["model"]) == {"Classifier", "BG/NBD"}
    # Observed in the classifier's top bin: regulars only; in its bottom bin: nobody orders.
    ours = result.calibration[result.calibration["model"] == "Classifier"]
    assert ours["observed"].iloc[-1] == 1.0 and ours["observed"].iloc[0] == 0.0
    assert list(result.chance.index) == list(propensity.features(index, T).index)
    assert (result.chance[[f"r{i}" for i in range(60)]] > 0.5).all()


def test_challenge_needs_the_whole_held_out_period():
    index = _shop()  # data end: t + 90
    fitted = clv.fit(summarise(index.base, T), "bgnbd")
    with pytest.raises(LensError) as error:
        propensity.challenge(index, T, 91, fitted)
    assert str(error.value) == (
        "The held-out period is shorter than 91 days: shorten the horizon or hold out more days."
    )


def test_challenge_says_why_when_nobody_orders():
    """Regulars order every 10 days up to t, others stopped long ago; a newcomer at t + 100
    stretches the data. In (t, t + 90] nobody who had ordered by t orders."""
    orders = {f"r{i}": [(d, 10.0) for d in range(-400 + i % 10, 1, 10)] for i in range(40)}
    orders |= {f"s{i}": [(-300, 10.0), (-280, 10.0)] for i in range(10)}
    orders["late"] = [(100, 10.0)]
    index = _index(orders)
    fitted = clv.fit(summarise(index.base, T), "bgnbd")
    with pytest.raises(LensError) as error:
        propensity.challenge(index, T, 90, fitted)
    assert str(error.value) == (
        "No customer ordered in the 90 days after 01 Jul 2024: the challenger cannot be judged "
        "on that."
    )


def test_challenge_says_why_when_everyone_orders():
    # Regulars order every 10 days up to t + 30, the data's end; ten others ordered at t-100
    # and come back at t+10. In training, (t-30, t], the returners did not order; after t
    # everyone does.
    orders = {f"r{i}": [(d, 10.0) for d in range(-400 + i % 10, 31, 10)] for i in range(40)}
    orders |= {f"b{i}": [(-100, 10.0), (10, 10.0)] for i in range(10)}
    index = _index(orders)
    fitted = clv.fit(summarise(index.base, T), "bgnbd")
    with pytest.raises(LensError, match="Every customer ordered in the 30 days after 01 Jul"):
        propensity.challenge(index, T, 30, fitted)


class _Scores:
    """A classifier whose chances are given, in the features' row order."""

    def __init__(self, chance):
        self.chance = np.asarray(chance)

    def predict_proba(self, x):
        assert len(x) == len(self.chance)
        return np.column_stack([1 - self.chance, self.chance])


def test_challenge_judges_given_scores(monkeypatch):
    """The two models' scores are set by hand, so every figure can be worked out.

    _shop's 120 customers at t: 60 regulars order in (t, t + 90], 60 do not. Rank the
    stoppers 0-59 and the regulars 60-119 (in the features' order); the classifier scores
    ((rank + 1) / 120)^2, the CLV model the same but with the lowest regular and the highest
    stopper swapped.
    - ROC AUC: the classifier puts every regular first: 1; the CLV model misorders one pair
      of the 60 x 60: 3,599 / 3,600. The classifier wins.
    - Lift: the top tenth (12) are regulars for both: 1 / 0.5 = 2.
    - Calibration: ten bins of 12 customers by quantile; bin k holds ranks 12k to 12k + 11:
      predicted = their mean score, observed = 0 for bins 0-4 (stoppers), 1 for bins 5-9.
    """
    index = _shop()
    names = propensity.features(index, T).index
    regular = np.array([n.startswith("r") for n in names])
    rank = np.empty(len(names), dtype=int)
    rank[~regular] = np.arange(60)
    rank[regular] = np.arange(60, 120)
    ours = ((rank + 1) / 120) ** 2
    low_regular, high_stopper = np.flatnonzero(rank == 60)[0], np.flatnonzero(rank == 59)[0]
    theirs = ours.copy()
    theirs[[low_regular, high_stopper]] = theirs[[high_stopper, low_regular]]
    monkeypatch.setattr(propensity, "train", lambda *args: _Scores(ours))
    monkeypatch.setattr(clv, "predict_order_chance", lambda fitted, x, days: theirs)

    class Fitted:
        name = "BG/NBD"

    result = propensity.challenge(index, T, 90, Fitted())
    assert result.roc_auc_model == 1.0
    assert result.roc_auc_clv == pytest.approx(3599 / 3600, abs=1e-12)
    assert result.winner == "classifier"
    assert result.lift_model == 2.0 and result.lift_clv == 2.0
    calibration = result.calibration
    assert list(calibration.columns) == ["model", "predicted", "observed"]
    assert list(calibration.index) == list(range(20))  # one table: rows numbered afresh
    mine = calibration[calibration["model"] == "Classifier"]
    expected = [np.mean(((np.arange(12 * k, 12 * k + 12) + 1) / 120) ** 2) for k in range(10)]
    assert mine["predicted"].to_numpy() == pytest.approx(expected, rel=1e-12)
    assert mine["observed"].tolist() == [0.0] * 5 + [1.0] * 5
    assert (calibration["model"] == "BG/NBD").sum() == 10
    assert result.chance.to_dict() == dict(zip(names, ours, strict=True))


def test_the_classifier_gives_the_same_chances_run_to_run():
    """Above 10,000 customers the classifier holds back a random tenth of them to know when
    to stop learning; that draw is seeded, so training twice on the same 10,500 customers
    (each with a first order 100 to 400 days before t, then up to 3 more on random days)
    gives the same chances, to the last digit: the page shows the same figures on every
    visit."""
    rng = np.random.default_rng(3)
    counts = rng.integers(1, 5, 10_500)
    who = np.repeat([f"c{i}" for i in range(len(counts))], counts)
    days = rng.integers(0, 400, len(who))
    days[np.r_[0, np.cumsum(counts)[:-1]]] = rng.integers(100, 400, len(counts))
    frame = pd.DataFrame(
        {
            "customer_id": who,
            "order_date": T - pd.to_timedelta(days, unit="D"),
            "amount": 10.0,
            "order_id": np.arange(len(who)).astype(str),
        }
    )
    index = lifecycle.prepare(build_customer_base(frame))
    assert len(propensity.features(index, T - pd.Timedelta(days=90))) == 10_500  # all learn
    x = propensity.features(index, T).to_numpy()
    first = propensity.train(index, T, 90).predict_proba(x)
    assert np.array_equal(first, propensity.train(index, T, 90).predict_proba(x))

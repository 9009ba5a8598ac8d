"""The ranking scorecard: AUC and Gini on rankings whose values are stated by hand, the rules'
AUCs on CDNOW against scikit-learn, and the backtest, CLI and sentence that carry them."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from analytics.ingest.io import CDNOW_NAME, load_dataset
from analytics.insights.customers import build_customer_base
from analytics.value import backtest, scorecard


@pytest.fixture(scope="module")
def cdnow_run():
    base = build_customer_base(load_dataset(CDNOW_NAME)[0].orders)
    return backtest.run(base, "bgnbd")


def test_auc_by_hand_with_ties():
    # Buyers score 3 and 1, non-buyers 2 and 2: of the 4 (buyer, non-buyer) pairs the buyer
    # is above twice -> 2 / 4.
    assert scorecard.auc([3, 1, 2, 2], [True, True, False, False]) == 0.5
    # A buyer at 2 against non-buyers at 2 (tie: half) and 1 (above): 1.5 / 2.
    assert scorecard.auc([2, 2, 1], [True, False, False]) == 0.75
    # Everyone tied: a coin toss; a perfect order: 1; reversed: 0.
    assert scorecard.auc([5, 5, 5, 5], [True, False, True, False]) == 0.5
    assert scorecard.auc([4, 3, 2, 1], [True, True, False, False]) == 1.0
    assert scorecard.auc([1, 2, 3, 4], [True, True, False, False]) == 0.0
    assert np.isnan(scorecard.auc([1, 2], [True, True]))  # no non-buyer to compare with


def test_gini_by_hand_with_ties():
    revenue = [10.0, 0.0, 0.0, 0.0]
    # The perfect order's cumulative shares are 1, 1, 1, 1: 4/4 - 5/8 = 3/8, so it scores 1;
    # reversed, 0, 0, 0, 1: 1/4 - 5/8 = -3/8 -> -1.
    assert scorecard.gini([4, 3, 2, 1], revenue) == pytest.approx(1.0)
    assert scorecard.gini([1, 2, 3, 4], revenue) == pytest.approx(-1.0)
    # All tied: each credited 2.5, shares .25, .5, .75, 1: 2.5/4 - 5/8 = 0.
    assert scorecard.gini([7, 7, 7, 7], revenue) == pytest.approx(0.0)
    # The buyer tied with one other at the top: 5, 5, 0, 0 -> shares .5, 1, 1, 1:
    # 3.5/4 - 5/8 = 1/4, over 3/8 = 2/3.
    assert scorecard.gini([2, 2, 1, 1], revenue) == pytest.approx(2 / 3)
    # Two spenders, 6 and 2 (total 8), ranked 6 second: order 0, 6, 2, 0 by the score gives
    # shares 0, .75, 1, 1: 2.75/4 - 5/8 = 1/16; perfect 6, 2, 0, 0: .75, 1, 1, 1: 3.75/4 -
    # 5/8 = 5/16 -> 1/5.
    assert scorecard.gini([4, 3, 2, 1], [0.0, 6.0, 2.0, 0.0]) == pytest.approx(0.2)
    assert np.isnan(scorecard.gini([1, 2, 3], [0.0, 0.0, 0.0]))


def test_rules_aucs_on_cdnow_match_scikit_learn(cdnow_run):
    judged = cdnow_run.judged
    buys = judged["actual_orders"] > 0
    ranking = cdnow_run.ranking
    assert ranking["days_since_last_order"]["auc"] == pytest.approx(
        roc_auc_score(buys, -judged["days_since_last"]), abs=1e-12
    )
    assert ranking["past_spend"]["auc"] == pytest.approx(
        roc_auc_score(buys, judged["past_spend"]), abs=1e-12
    )
    assert ranking["model"]["auc"] == pytest.approx(
        roc_auc_score(buys, judged["predicted_orders"]), abs=1e-12
    )
    # For a 0/1 amount the normalized Gini is 2 AUC - 1 (ties handled the same way).
    assert scorecard.gini(-judged["days_since_last"], buys.astype(float)) == pytest.approx(
        2 * roc_auc_score(buys, -judged["days_since_last"]) - 1, abs=1e-9
    )
    # Who is judged: every customer with a first purchase before the holdout.
    assert len(judged) == cdnow_run.customers
    # On CDNOW both the model and the rules rank far better than chance, and
    # recency alone comes close to the model (Wübben and Wangenheim 2008).
    assert ranking["model"]["auc"] > 0.75 and ranking["model"]["gini"] > 0.6
    assert abs(ranking["model"]["auc"] - ranking["days_since_last_order"]["auc"]) < 0.05


def _ranking(model_auc, rule_auc, model_gini, rule_gini):
    return {
        "model": {"auc": model_auc, "gini": model_gini},
        "days_since_last_order": {"auc": rule_auc, "gini": 0.1},
        "past_spend": {"auc": 0.5, "gini": rule_gini},
    }


def test_the_sentence_follows_the_numbers():
    text = scorecard.sentence(_ranking(0.77, 0.77, 0.71, 0.64))
    assert text == (
        "To pick who will buy, sorting by days since last order does as well as the model "
        "here (AUC 0.77 vs 0.77); to pick who will spend most, the model is better than "
        f"sorting by past spend (Gini 0.71 vs 0.64). ({scorecard.READING})"
    )
    text = scorecard.sentence(_ranking(0.70, 0.80, 0.60, 0.61))
    assert "sorting by days since last order does better than the model here (AUC 0.80 vs" in text
    assert "sorting by past spend does as well as the model here (Gini 0.61 vs 0.60)" in text
    assert scorecard.best(_ranking(0.70, 0.80, 0.6, 0.61), "auc") == "days_since_last_order"
    assert scorecard.best(_ranking(0.70, 0.80, 0.6, 0.61), "gini") == "model"  # within 0.02
    nobody = scorecard.sentence(_ranking(float("nan"), float("nan"), 0.5, 0.5))
    assert "cannot tell" in nobody and "nan" not in nobody


def test_challenger_is_scored_beside_the_rules(cdnow_run):
    judged = cdnow_run.judged
    # A challenger that knows the answer ranks perfectly on "buys".
    oracle = pd.Series((judged["actual_orders"] > 0).astype(float), index=judged.index)
    ranked = cdnow_run.with_challenger(oracle).ranking
    assert ranked["challenger"]["auc"] == 1.0
    assert ranked["model"] == cdnow_run.ranking["model"]
    summary = cdnow_run.summary()
    assert set(summary["ranking"]) == {"model", "days_since_last_order", "past_spend"}
    assert len(summary["deciles"]) == 10 and summary["ranking_sentence"].startswith("To pick")


def test_every_ranking_of_four_customers_by_hand():
    """a and c bought (2 and 1 orders; 100 and 20 in revenue), b and d did not.

    - model: expected orders 1.5, .2, .9, .1 put both buyers above both non-buyers: AUC 1.
      Expected revenue 80, 30, 10, 5 takes 100, 0, 20, 0: cumulative 100, 100, 120, 120
      (440 / 480 - 5/8 = 0.2917) against the perfect 100, 120, 120, 120 (0.3333): 0.875.
    - days since last order 10, 5, 300, 200 (fewer first): b, a, d, c. Of the four
      (buyer, non-buyer) pairs only a above d: AUC 0.25; revenue 0, 100, 0, 20: 0.125.
    - past spend 50, 50, 10, 0: a and b tied (half), a above d, c below b, c above d: 2.5 / 4
      = 0.625; the tie credits a and b 50 each: 50, 50, 20, 0: 0.5625.
    - the challenger's chances .8 (a) and .9 (c); b and d have none (0), and "zz" is not
      judged: AUC 1; revenue in its order 20, 100, then b and d: 0.5.
    """
    judged = pd.DataFrame(
        {
            "actual_orders": [2, 0, 1, 0],
            "actual_revenue": [100.0, 0.0, 20.0, 0.0],
            "predicted_orders": [1.5, 0.2, 0.9, 0.1],
            "predicted_revenue": [80.0, 30.0, 10.0, 5.0],
            "days_since_last": [10, 5, 300, 200],
            "past_spend": [50.0, 50.0, 10.0, 0.0],
        },
        index=list("abcd"),
    )
    challenger = pd.Series({"c": 0.9, "a": 0.8, "zz": 1.0})
    ranking = scorecard.rank(judged, challenger)
    assert list(ranking) == ["model", "days_since_last_order", "past_spend", "challenger"]
    expected = {
        "model": (1.0, 0.875),
        "days_since_last_order": (0.25, 0.125),
        "past_spend": (0.625, 0.5625),
        "challenger": (1.0, 0.5),
    }
    for name, (auc, gini) in expected.items():
        assert ranking[name]["auc"] == pytest.approx(auc), name
        assert ranking[name]["gini"] == pytest.approx(gini), name
    assert "challenger" not in scorecard.rank(judged)
    words = scorecard.best_words(ranking)  # 0.875 is 0.87499... in floats: 0.87 or 0.88
    assert words.startswith(
        "In the backtest, the model ranked best at picking who will spend most (Gini: the model 0.8"
    )
    assert words.endswith(
        ", days since last order 0.12, past spend 0.56, the challenger 0.50; 1 is a perfect "
        "ranking, 0 no better than chance)."
    )
    assert scorecard.best_words(ranking, "auc").startswith(
        "In the backtest, the model ranked best at picking who will buy (AUC: the model 1.00,"
    )
    table = scorecard.table(ranking)
    assert table["ranking"].tolist() == [
        "The model",
        "The challenger",
        "Days since last order",
        "Past spend",
    ]
    assert table["auc"].tolist() == pytest.approx([1.0, 1.0, 0.25, 0.625])
    assert table["gini"].tolist() == pytest.approx([0.875, 0.5, 0.125, 0.5625])


def test_best_and_its_words_at_the_edges():
    def two(model, rule):
        return {"model": {"auc": model}, "past_spend": {"auc": rule}}

    assert scorecard.best(two(0.60, 0.61), "auc") == "model"  # within 0.02: the model
    assert scorecard.best(two(0.60, 0.63), "auc") == "past_spend"
    assert scorecard.best(two(float("nan"), 0.7), "auc") == "past_spend"
    assert scorecard.best(two(float("nan"), float("nan")), "auc") == "model"
    # No model figure: the best rule wins however low it is (Gini runs down to -1).
    assert scorecard.best(two(float("nan"), -0.99), "auc") == "past_spend"
    assert scorecard.best_words({}) == ""
    nan = {"model": {"gini": float("nan")}}
    assert scorecard.best_words(nan) == ""
    # Better by more than 0.02, within it, or worse by more: the three clauses.
    text = scorecard.sentence(_ranking(0.80, 0.77, 0.60, 0.63))
    assert text.startswith("To pick who will buy, the model is better than sorting by days")
    assert text.endswith(
        "sorting by past spend does better than the model here (Gini 0.63 vs 0.60): rank by "
        "it for that. (AUC and Gini: 1 is a perfect ranking; 0.5 (AUC) and 0 (Gini) no better "
        "than chance.)"
    )
    # The better rule of the two is the one compared with.
    rules = {
        "model": {"auc": 0.7, "gini": 0.5},
        "days_since_last_order": {"auc": 0.6, "gini": 0.55},
        "past_spend": {"auc": 0.75, "gini": 0.3},
    }
    assert scorecard.sentence(rules) == (
        "To pick who will buy, sorting by past spend does better than the model here (AUC "
        "0.75 vs 0.70): rank by it for that; to pick who will spend most, sorting by days since "
        "last order does better than the model here (Gini 0.55 vs 0.50): rank by it for "
        f"that. ({scorecard.READING})"
    )


def test_one_customer_or_nobody_spending_has_no_gini():
    assert np.isnan(scorecard.gini([1.0], [5.0]))
    assert np.isnan(scorecard.auc([1.0, 2.0], [False, False]))
    assert scorecard.auc(np.array([0.3, 0.1]), np.array([1, 0])) == 1.0


def test_two_customers_and_equal_spend():
    # Two customers, 0.5 and 0 spent, ranked right: the perfect order, 1 (under one unit of
    # money still counts). Both spent the same: every order is perfect, no Gini to give.
    assert scorecard.gini([2, 1], [0.5, 0.0]) == pytest.approx(1.0)
    assert scorecard.gini([1, 2], [0.5, 0.0]) == pytest.approx(-1.0)
    assert np.isnan(scorecard.gini([1, 2], [5.0, 5.0]))


def test_exactly_0_02_apart_is_within_it():
    """'Within 0.02' includes 0.02 itself: 0.52 or 0.48 against 0.50 (sums exact in binary:
    0.50 + 0.02 is 0.52) do as well as each other, and the model stays the best."""
    text = scorecard.sentence(_ranking(0.52, 0.50, 0.48, 0.50))
    assert text == (
        "To pick who will buy, sorting by days since last order does as well as the model "
        "here (AUC 0.50 vs 0.52); to pick who will spend most, sorting by past spend does as "
        f"well as the model here (Gini 0.50 vs 0.48). ({scorecard.READING})"
    )
    assert scorecard.best({"model": {"auc": 0.48}, "past_spend": {"auc": 0.50}}, "auc") == "model"


def test_a_missing_score_ranks_below_every_other():
    # Buyer at nan against non-buyers at 1 and 2: ranked last, below both -> AUC 0; the same
    # customers with the buyer scored 0 give the same answer, in AUC and in Gini.
    assert scorecard.auc([np.nan, 1, 2], [True, False, False]) == 0.0
    assert scorecard.auc([np.nan, 1, 2], [False, True, False]) == 0.5
    revenue = [0.0, 6.0, 2.0]
    assert scorecard.gini([np.nan, 2, 1], revenue) == scorecard.gini([0, 2, 1], revenue) == 1.0
    assert scorecard.gini([2, np.nan, 1], revenue) == pytest.approx(
        scorecard.gini([2, 0, 1], revenue)
    )


def test_buys_given_as_order_counts_and_a_challenger_without_a_chance():
    # Order counts read as bought or not: 3 orders is one buyer, ranked first -> AUC 1 (read
    # as a count, the 3 would be three buyers out of three customers, and the AUC nan).
    assert scorecard.auc([2, 1, 0], [3, 0, 0]) == 1.0
    # A customer the challenger gives no chance counts as a chance of 0: a (a buyer, not in the
    # challenger) ties with b (0, a non-buyer): half a pair -> AUC 0.5, not 0.
    judged = pd.DataFrame(
        {
            "actual_orders": [1, 0],
            "actual_revenue": [10.0, 0.0],
            "predicted_orders": [0.5, 0.1],
            "predicted_revenue": [5.0, 1.0],
            "days_since_last": [1, 2],
            "past_spend": [1.0, 0.0],
        },
        index=["a", "b"],
    )
    chance = scorecard.rank(judged, pd.Series({"b": 0.0}))["challenger"]
    assert chance["auc"] == 0.5
    assert chance["gini"] == pytest.approx(0.0)  # tied: each credited 5 of the 10

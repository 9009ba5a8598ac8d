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
        "sorting by past spend (Gini 0.71 vs 0.64)."
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

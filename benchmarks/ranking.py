"""Can the model rank better than a rule of thumb? What was tried, on the backtest's holdout.

    python benchmarks/ranking.py

Issue 28 asks to try, honestly, what could make the model rank better than days since the
last order or past spend: the challenger fed with the models' outputs and the rules as
features, and other purchase models. Two shops: CDNOW (23,502 customers, 18 months) and the
one-year invoice log of tests/shops.py (4,338 customers, like the UK log).

Honest means in time, never tuned on the holdout that scores it: the backtest splits at
``d`` (calibration end) with a holdout of H days. Blends learn at ``d - H`` (features from
the orders up to ``d - H``, the answer in ``(d - H, d]``, all before the holdout), then score
with features at ``d`` on the holdout. Every ranking is scored on the same customers with
:mod:`analytics.value.scorecard` (AUC for "buys", normalized Gini for "spend").
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.ingest.io import CDNOW_NAME, load_dataset, load_orders  # noqa: E402
from analytics.insights.customers import build_customer_base, summarise  # noqa: E402
from analytics.value import backtest, clv, scorecard  # noqa: E402


def features(base, end: pd.Timestamp, days: int, model: str) -> pd.DataFrame:
    """The rules and the model's outputs at ``end`` for the next ``days`` (model fitted on the
    orders up to ``end`` only)."""
    summary = summarise(base, end)
    fitted = clv.fit(summary, model)
    predicted = clv.predict_purchases(fitted, summary, days)
    spend = fitted.spend.expected(summary["frequency"], summary["monetary_value"])
    return pd.DataFrame(
        {
            "days_since_last": (summary["T"] - summary["recency"]).to_numpy(),
            "past_spend": summary["revenue"].to_numpy(),
            "frequency": summary["frequency"].to_numpy(),
            "T": summary["T"].to_numpy(),
            "monetary_value": summary["monetary_value"].to_numpy(),
            "p_alive": predicted.alive,
            "expected_orders": predicted.expected,
            "expected_revenue": predicted.expected * np.asarray(spend),
        },
        index=summary.index,
    )


def blends(base, result: backtest.Backtest, model: str) -> dict[str, tuple]:
    """Rankings learnt at d - H and applied at d: (score for buys, score for spend)."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    days, d = result.holdout_days, result.calibration_end
    before = d - pd.Timedelta(days=days)
    train_x = features(base, before, days, model)
    answer = backtest.holdout_activity(base, before, days).reindex(train_x.index)
    test_x = features(base, d, days, model).reindex(result.judged.index)
    out = {}
    for name, columns in {
        "boosting on the rules": ["days_since_last", "past_spend", "frequency", "T"],
        "boosting on the rules and the model's outputs": list(train_x.columns),
    }.items():
        buy = HistGradientBoostingClassifier(max_iter=200, random_state=0)
        buy.fit(train_x[columns], answer["actual_orders"] > 0)
        spend = HistGradientBoostingRegressor(max_iter=200, random_state=0, loss="poisson")
        spend.fit(train_x[columns], answer["actual_revenue"].clip(lower=0))
        out[name] = (buy.predict_proba(test_x[columns])[:, 1], spend.predict(test_x[columns]))
    # No learning at all: the average of the model's rank and the best rule's rank.
    judged = result.judged
    rank = lambda v: pd.Series(np.asarray(v, dtype=float)).rank(pct=True).to_numpy()  # noqa: E731
    out["average rank of the model and the rules"] = (
        (rank(judged["predicted_orders"]) + rank(-judged["days_since_last"])) / 2,
        (rank(judged["predicted_revenue"]) + rank(judged["past_spend"])) / 2,
    )
    return out


def shop(label: str, base) -> dict:
    rows = {}
    for model in clv.MODELS:
        result = backtest.run(base, model)
        for name, scores in result.ranking.items():
            key = scorecard.LABELS[name] + ("" if name != "model" else f" ({clv.MODELS[model]})")
            rows[key] = scores
        if model == clv.DEFAULT_MODEL:
            buys = result.judged["actual_orders"].to_numpy() > 0
            revenue = result.judged["actual_revenue"].to_numpy()
            for name, (for_buys, for_spend) in blends(base, result, model).items():
                rows[name] = {
                    "auc": scorecard.auc(for_buys, buys),
                    "gini": scorecard.gini(for_spend, revenue),
                }
            holdout = f"{result.holdout_days} days from {result.calibration_end:%d %b %Y}"
    return {"shop": label, "holdout": holdout, "rankings": rows}


def table(outcome: dict) -> str:
    lines = [f"**{outcome['shop']}**, holdout {outcome['holdout']}", ""]
    lines += [
        "| ranking | picks who buys (AUC) | picks who spends most (Gini) |",
        "|---|---:|---:|",
    ]
    for name, s in outcome["rankings"].items():
        lines.append(f"| {name} | {s['auc']:.3f} | {s['gini']:.3f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    from tests.shops import one_year_invoices

    cdnow = build_customer_base(load_dataset(CDNOW_NAME)[0].orders)
    log = load_orders(one_year_invoices(n_customers=4338).to_csv(index=False).encode(), "i.csv")
    outcomes = [shop("CDNOW", cdnow), shop("one-year invoice log", build_customer_base(log.orders))]
    print(json.dumps(outcomes, indent=1))
    for outcome in outcomes:
        print(table(outcome) + "\n")

"""What each customer is likely to be worth, and how far to trust it.

In: the per-customer summary at a reference date (insights.customers).
Out: fitted CLV models (BG/NBD, Modified BG/NBD, Pareto/NBD with Gamma-Gamma), forecasts
with 80% ranges, per-customer scores, the backtest with its ranking scorecard and its verdict
(carried beside every CLV figure), and the challenger.

Start with clv.py (fit, forecast, score_table); fitters.py holds the likelihoods (paretonbd.py
Pareto/NBD's, with its exact gradient).
"""

__all__ = [
    "clv",
    "histories",
    "fitters",
    "paretonbd",
    "predictive",
    "backtest",
    "scorecard",
    "verdict",
    "propensity",
]

"""How well the model ranks customers, against rules of thumb a spreadsheet can sort by.

Wübben and Wangenheim (Journal of Marketing, 2008) found that days since the last purchase,
or past spend, pick who will buy and who will spend most about as well as BG/NBD and
Pareto/NBD. So the backtest scores the model's ranking beside those rules, on the same
holdout:

- **Who is judged:** the customers whose first purchase falls before the holdout.
- **"Buys"** = at least one purchase day inside the holdout; scored by the AUC: the chance
  that a customer who bought is ranked above one who did not (Mann-Whitney; tied scores count
  half). 0.5 is a coin toss, 1 a perfect ranking.
- **"Spend"** = holdout revenue; scored by the normalized Gini: the area between the Lorenz
  curve of holdout revenue (customers taken in the ranking's order) and the diagonal, divided
  by the same area for the perfect order (by real holdout revenue). 1 = the perfect order,
  0 = no better than chance. Customers with the same score are taken as one group, each
  credited with the group's average revenue: the expected curve over every order of the tie.
- **Rankings:** the model (expected purchases for "buys", expected revenue for "spend"),
  the challenger when computed (its chance to order, for both), days since the last
  purchase at the holdout's start (fewer is better) and past spend before the holdout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LABELS = {
    "model": "the model",
    "challenger": "the challenger",
    "days_since_last_order": "days since last order",
    "past_spend": "past spend",
}
RULES = ["days_since_last_order", "past_spend"]  # the rules of thumb
COLUMNS = [
    "actual_orders",
    "actual_revenue",
    "predicted_orders",
    "predicted_revenue",
    "days_since_last",
    "past_spend",
]
# How to read the figures, said beside them (a marketer need not know AUC or Gini).
SCALES = {
    "auc": "1 is a perfect ranking, 0.5 no better than chance",
    "gini": "1 is a perfect ranking, 0 no better than chance",
}
READING = "AUC and Gini: 1 is a perfect ranking; 0.5 (AUC) and 0 (Gini) no better than chance."
SAME = 0.02  # AUCs or Ginis at most this far apart count as "as well"


class Ties:
    """A score's customers in ascending order of score, and where each run of equal scores
    starts in that order: the one sort both metrics read (the order within a run does not
    matter, since tied scores share their rank and their revenue). A missing score ranks
    below every other."""

    def __init__(self, score):
        score = np.asarray(score, dtype="float64")
        self.order = np.argsort(np.where(np.isnan(score), -np.inf, score))
        ordered = score[self.order]
        self.starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        self.sizes = np.diff(np.r_[self.starts, len(score)])

    def sums(self, values) -> np.ndarray:
        """``values`` added up per run of tied scores, in ascending order of score."""
        return np.add.reduceat(np.asarray(values, dtype="float64")[self.order], self.starts)


def auc(score, positive, ties: Ties | None = None) -> float:
    """Mann-Whitney AUC of ``score`` for the boolean ``positive``, ties counted half (nan
    when everyone or no one is positive). ``ties``: ``Ties(score)``, when already made."""
    positive = np.asarray(positive, dtype=bool)
    n1 = int(positive.sum())
    n0 = len(positive) - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    ties = Ties(score) if ties is None else ties
    mean_rank = ties.starts + (ties.sizes + 1) / 2  # ties share their mean rank (from 1)
    rank_sum = float(ties.sums(positive) @ mean_rank)
    return (rank_sum - n1 * (n1 + 1) / 2) / (n1 * n0)


def _lorenz_gini(ordered: np.ndarray) -> float:
    """Area between the cumulative share of ``ordered`` values and the diagonal (x 1/n)."""
    n, total = len(ordered), ordered.sum()
    return float(np.cumsum(ordered).sum() / (total * n) - (n + 1) / (2 * n))


def gini(score, value, ties: Ties | None = None, perfect: float | None = None) -> float:
    """Normalized Gini of ``score`` for the amounts ``value`` (higher score = expected to be
    worth more); ties averaged within tied groups (nan when no value to order).
    ``ties``: ``Ties(score)``; ``perfect``: the perfect order's area; when already made."""
    value = np.asarray(value, dtype="float64")
    if len(value) < 2 or not value.sum() > 0:
        return float("nan")
    ties = Ties(score) if ties is None else ties
    averaged = np.repeat(ties.sums(value) / ties.sizes, ties.sizes)[::-1]  # highest first
    perfect = _lorenz_gini(np.sort(value)[::-1]) if perfect is None else perfect
    return _lorenz_gini(averaged) / perfect if perfect > 0 else float("nan")


def rank(judged: pd.DataFrame, challenger: pd.Series | None = None) -> dict:
    """AUC ("buys") and normalized Gini ("spend") per ranking, as {name: {auc, gini}}.

    ``judged`` has one row per customer judged: ``actual_orders``, ``actual_revenue``,
    ``predicted_orders``, ``predicted_revenue``, ``days_since_last`` (at the holdout's
    start) and ``past_spend``; ``challenger`` its chance to order, by customer id.
    A rule of thumb ranks by one score for both, so it is sorted once.
    """
    column = lambda name: judged[name].to_numpy(dtype="float64")  # noqa: E731
    buys = column("actual_orders") > 0
    revenue = column("actual_revenue")
    since = Ties(-column("days_since_last"))
    spent = Ties(column("past_spend"))
    scores = {
        "model": (Ties(column("predicted_orders")), Ties(column("predicted_revenue"))),
        "days_since_last_order": (since, since),
        "past_spend": (spent, spent),
    }
    if challenger is not None:
        chance = Ties(challenger.reindex(judged.index).fillna(0.0).to_numpy(dtype="float64"))
        scores["challenger"] = (chance, chance)
    perfect = _lorenz_gini(np.sort(revenue)[::-1]) if revenue.sum() > 0 else None
    return {
        name: {
            "auc": auc(None, buys, for_buys),
            "gini": gini(None, revenue, for_spend, perfect),
        }
        for name, (for_buys, for_spend) in scores.items()
    }


def best(ranking: dict, metric: str) -> str:
    """The ranking with the highest ``metric``; the model when it is within :data:`SAME` of
    the best (a tie goes to what the page already shows)."""
    known = {k: v[metric] for k, v in ranking.items() if np.isfinite(v[metric])}
    if not known:
        return "model"
    top = max(known, key=known.get)
    return "model" if "model" in known and known["model"] >= known[top] - SAME else top


def best_words(ranking: dict, metric: str = "gini") -> str:
    """Which ranking the backtest found best, for the caption of a ranked list."""
    if not ranking:
        return ""
    task = "who will spend most" if metric == "gini" else "who will buy"
    figures = ", ".join(
        f"{LABELS[k]} {v[metric]:.2f}" for k, v in ranking.items() if np.isfinite(v[metric])
    )
    if not figures:
        return ""
    name = "Gini" if metric == "gini" else "AUC"
    return (
        f"In the backtest, {LABELS[best(ranking, metric)]} ranked best at picking {task} "
        f"({name}: {figures}; {SCALES[metric]})."
    )


def _clause(ranking: dict, metric: str, task: str) -> str:
    name = "AUC" if metric == "auc" else "Gini"
    model = ranking["model"][metric]
    rules = {k: ranking[k][metric] for k in RULES if np.isfinite(ranking[k][metric])}
    if not np.isfinite(model) or not rules:
        return f"{task}, the holdout cannot tell (nobody or everybody ordered in it)"
    rule = max(rules, key=rules.get)
    figures = f"{name} {model:.2f} vs {rules[rule]:.2f}"
    if model > rules[rule] + SAME:
        return f"{task}, the model is better than sorting by {LABELS[rule]} ({figures})"
    if model >= rules[rule] - SAME:
        return (
            f"{task}, sorting by {LABELS[rule]} does as well as the model here "
            f"({name} {rules[rule]:.2f} vs {model:.2f})"
        )
    return (
        f"{task}, sorting by {LABELS[rule]} does better than the model here "
        f"({name} {rules[rule]:.2f} vs {model:.2f}): rank by it for that"
    )


def sentence(ranking: dict) -> str:
    """The scorecard in one plain sentence, chosen by the numbers."""
    buys = _clause(ranking, "auc", "To pick who will buy")
    spend = _clause(ranking, "gini", "to pick who will spend most")
    return f"{buys}; {spend}. ({READING})"


HEADERS = {
    "ranking": "Ranking",
    "auc": "Picks who buys (AUC)",
    "gini": "Picks who spends most (Gini)",
}
HELPS = {
    "auc": "The chance that a customer who bought in the holdout is ranked above one who "
    "did not: 0.5 is a coin toss, 1 a perfect ranking.",
    "gini": "How much of the holdout's revenue the ranking puts first, against the perfect "
    "order (1) and a random one (0).",
}
EXPLAINED = (
    "Scored on the customers with a first order before the holdout. The rules of thumb are "
    "what anyone can sort a spreadsheet by; a model is worth its complexity when it ranks "
    "better than them."
)


def table(ranking: dict) -> pd.DataFrame:
    """One row per ranking (model first, then the challenger, then the rules)."""
    order = [k for k in LABELS if k in ranking]
    return pd.DataFrame(
        {
            "ranking": [LABELS[k][0].upper() + LABELS[k][1:] for k in order],
            "auc": [ranking[k]["auc"] for k in order],
            "gini": [ranking[k]["gini"] for k in order],
        }
    )

"""The challenger: a gradient-boosted classifier of "orders again within H days".

Trained the honest way, in time: features at ``d - H`` with the answer seen in
``(d - H, d]``, then applied at ``d``. In the backtest ``d`` is the calibration end and
the answer is the held-out period, the same one the CLV model is judged on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.errors import LensError
from analytics.insights import lifecycle
from analytics.insights.customers import positions, summarise, to_days
from analytics.insights.lifecycle import LifecycleIndex
from analytics.value import clv

HORIZON_DEFAULT = 90
FEATURE_WINDOW = 180  # the lifecycle stage used as a feature: default window and factor
FEATURE_FACTOR = 1.5
TRAIN_LIMIT = 200_000  # customers the classifier learns from at most


def features(index: LifecycleIndex, day: pd.Timestamp) -> pd.DataFrame:
    """RFM and lifecycle features at ``day`` for the customers with an order by then."""
    summary = summarise(index.base, day)
    snap = lifecycle.snapshot(index, day, FEATURE_WINDOW, FEATURE_FACTOR)
    has = snap.n > 0
    frame = summary[["frequency", "recency", "T", "monetary_value", "orders", "revenue"]].copy()
    frame["days_since_last"] = frame["T"] - frame["recency"]
    frame["orders_last_180d"] = snap.in_window[has]
    frame["stage"] = snap.codes[has]
    frame["expected_gap"] = np.nan_to_num(snap.expected_gap[has], nan=-1)
    return frame


def orders_after(index: LifecycleIndex, day: pd.Timestamp, horizon: int) -> pd.Series:
    """Per customer with an order by ``day``: ordered again in ``(day, day + horizon]``."""
    base = index.base
    start = int(to_days(np.datetime64(day, "D")))
    kept = positions(base, day)
    inside = (base.day > start) & (base.day <= start + horizon)
    later = np.bincount(base.code[inside], minlength=base.n_customers) > 0
    return pd.Series(later[kept], index=pd.Index(base.ids[kept], name="customer_id"))


def train(index: LifecycleIndex, day: pd.Timestamp, horizon: int):
    """A classifier trained on what happened in the ``horizon`` days up to ``day``."""
    start = pd.Timestamp(day) - pd.Timedelta(days=horizon)
    if start <= index.base.data_start:
        raise LensError(f"Not enough history before {day:%d %b %Y} to train on {horizon} days.")
    x, y = features(index, start), orders_after(index, start, horizon)
    if y.nunique() < 2:
        raise LensError("Every customer behaved the same in the training period: nothing to learn.")
    from sklearn.ensemble import HistGradientBoostingClassifier  # only when a model trains

    x, y = x.to_numpy(), y.to_numpy()
    if len(x) > TRAIN_LIMIT:  # a seeded sample: same model quality, a fraction of the time
        keep = np.random.default_rng(0).choice(len(x), TRAIN_LIMIT, replace=False)
        x, y = x[keep], y[keep]
    model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, random_state=0)
    return model.fit(x, y)


@dataclass(frozen=True)
class Challenge:
    horizon: int
    roc_auc_model: float
    roc_auc_clv: float
    lift_model: float
    lift_clv: float
    calibration: pd.DataFrame  # model, predicted, observed
    winner: str  # "classifier" or the CLV model's name
    chance: pd.Series | None = None  # the classifier's chance to order, by customer id


def _lift(y: np.ndarray, score: np.ndarray) -> float:
    top = np.argsort(-score, kind="stable")[: max(1, len(score) // 10)]
    return float(y[top].mean() / y.mean()) if y.mean() else float("nan")


def challenge(
    index: LifecycleIndex, cal_end: pd.Timestamp, horizon: int, fitted: clv.ClvModel
) -> Challenge:
    """Classifier vs the CLV model's P(order within horizon), on the same held-out period.

    ``fitted`` is the CLV model fitted on the orders up to ``cal_end`` (the backtest's).
    """
    base = index.base
    if cal_end + pd.Timedelta(days=horizon) > base.data_end:
        raise LensError(
            f"The held-out period is shorter than {horizon} days: shorten the horizon or "
            "hold out more days."
        )
    classifier = train(index, cal_end, horizon)
    x, y = features(index, cal_end), orders_after(index, cal_end, horizon).to_numpy()
    if y.all() or not y.any():
        raise LensError(
            f"{'Every' if y.all() else 'No'} customer ordered in the {horizon} days after "
            f"{cal_end:%d %b %Y}: the challenger cannot be judged on that."
        )
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import roc_auc_score

    ours = classifier.predict_proba(x.to_numpy())[:, 1]
    theirs = clv.predict_order_chance(fitted, x, horizon)  # x holds the summary's columns
    curves = []
    for name, score in [("Classifier", ours), (fitted.name, theirs)]:
        observed, predicted = calibration_curve(y, score, n_bins=10, strategy="quantile")
        curves.append(pd.DataFrame({"model": name, "predicted": predicted, "observed": observed}))
    auc_ours, auc_theirs = roc_auc_score(y, ours), roc_auc_score(y, theirs)
    return Challenge(
        horizon=horizon,
        roc_auc_model=float(auc_ours),
        roc_auc_clv=float(auc_theirs),
        lift_model=_lift(y, ours),
        lift_clv=_lift(y, theirs),
        calibration=pd.concat(curves, ignore_index=True),
        winner="classifier" if auc_ours > auc_theirs else fitted.name,
        chance=pd.Series(ours, index=x.index),
    )

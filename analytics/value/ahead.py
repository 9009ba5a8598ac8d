"""What the value model expects each customer to bring after the data's end, up to the end of
month 3, 6 and 12 of their cohort: the predicted part of the payback page's LTV:CAC.

In: a fitted :class:`analytics.value.clv.ClvModel` and the customer base at the data's end.
Out: :class:`analytics.insights.payback.Ahead`, plain per-customer arrays that
:func:`analytics.insights.payback.payback_table` adds up per cohort.
:func:`payback_table` puts the two together for the Payback page, the PDF and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from analytics.errors import LensError
from analytics.insights import payback
from analytics.insights.cohorts import period_of
from analytics.insights.customers import EPOCH, CustomerBase, summarise
from analytics.insights.payback import HORIZONS, Ahead, PaybackResult
from analytics.value import clv, histories, predictive

STEP = 1e-4  # log-parameter step of the forward differences


def _expected(model: clv.ClvModel, params: dict, rows: np.ndarray) -> np.ndarray:
    """P(alive) x expected purchases if alive, per (x, t_x, T, days) row."""
    x, t_x, age, days = rows.T
    alive = predictive.p_alive(model.model, params, x, t_x, age)
    with np.errstate(all="ignore"):
        mean = predictive.purchases_if_alive(model.model, params, x, age, days)
    return np.nan_to_num(alive * mean)


def _second_moment(model: clv.ClvModel, rows: np.ndarray) -> np.ndarray:
    """E[N^2] of the purchases in each row's days: P(alive) x sum (2n - 1) P(N >= n | active)."""
    x, t_x, age, days = rows.T
    alive = predictive.p_alive(model.model, model.params, x, t_x, age)
    second = np.zeros(len(rows))
    active = np.arange(len(rows))
    with np.errstate(all="ignore"):
        for n in range(1, predictive.MAX_PURCHASES + 1):
            if not len(active):
                break
            tail = predictive.at_least(
                model.model, model.params, x[active], age[active], days[active], n
            )
            tail = np.nan_to_num(tail)
            second[active] += (2 * n - 1) * tail
            active = active[tail > predictive.TAIL]
    return alive * second


def revenue_ahead(
    model: clv.ClvModel, base: CustomerBase, summary: pd.DataFrame | None = None
) -> Ahead:
    """Per customer and horizon h: the expected revenue (margin 1) from the data's last day to
    the end of month h of their cohort, the variance of it from the customer's own buying,
    and its change per log-parameter (purchase model, then spend model).

    The model must be fitted at the data's end (``summary`` at that date, default
    :func:`~analytics.insights.customers.summarise` of ``base``). No discounting: the margin
    already earned is not discounted either.
    """
    summary = summarise(base) if summary is None else summary
    first_month = period_of(base.day[base.start], "month")
    ends = np.column_stack([first_month + h + 1 for h in HORIZONS])
    end_day = (np.asarray(ends, dtype="datetime64[M]").astype("datetime64[D]") - EPOCH).astype(
        np.int64
    ) - 1
    days = np.maximum(end_day - base.last_day, 0).astype("float64")  # customers x horizons
    history = summary[["frequency", "recency", "T"]].to_numpy(dtype="float64")
    n, n_h = days.shape
    rows = np.column_stack([np.repeat(history, n_h, axis=0), days.ravel()])
    wanted = rows[:, 3] > 0
    unique, _, which = histories.unique(rows[wanted])
    expected = _expected(model, model.params, unique)
    variance = np.maximum(_second_moment(model, unique) - expected**2, 0)
    spend = model.spend.expected(summary["frequency"], summary["monetary_value"])
    spend = np.repeat(np.nan_to_num(spend, nan=model.spend.shop_mean), n_h)[wanted]

    names = clv.PURCHASE_PARAMS[model.model].split()
    slopes = [
        (_expected(model, {**model.params, k: model.params[k] * np.exp(STEP)}, unique) - expected)
        / STEP
        for k in names
    ]
    columns = [slope[which] * spend for slope in slopes]
    covariance = [model.log_covariance]
    if model.spend.log_covariance is not None:
        f, m = summary["frequency"].to_numpy(), summary["monetary_value"].to_numpy()
        for k in "pqv":
            moved = {**model.spend.params, k: model.spend.params[k] * np.exp(STEP)}
            change = np.nan_to_num(model.spend.expected(f, m, moved), nan=model.spend.shop_mean)
            change = np.repeat(change, n_h)[wanted]
            columns.append(expected[which] * (change - spend) / STEP)
        covariance.append(model.spend.log_covariance)

    from scipy.linalg import block_diag

    mean = np.zeros(n * n_h)
    var = np.zeros(n * n_h)
    grad = np.zeros((n * n_h, len(columns)))
    mean[wanted] = expected[which] * spend
    var[wanted] = variance[which] * spend**2
    grad[wanted] = np.column_stack(columns)
    notes = (model.warnings[0],) if model.cannot_tell_dropout else ()
    return Ahead(
        mean.reshape(n, n_h),
        var.reshape(n, n_h),
        grad.reshape(n, n_h, len(columns)),
        block_diag(*covariance),
        notes,
    )


def payback_table(
    base: CustomerBase, spend: pd.DataFrame, margin: float, predict: Callable[[], Ahead]
) -> PaybackResult:
    """:func:`analytics.insights.payback.payback_table` with the value model's predictions
    from ``predict()`` (:func:`revenue_ahead`, made however the caller caches it). When the
    model cannot be fitted (LensError), months not over yet have no predicted LTV:CAC and the
    first warning says why."""
    try:
        later, notes = predict(), []
    except LensError as exc:
        later, notes = None, [f"Months not over yet have no predicted LTV:CAC: {exc}"]
    result = payback.payback_table(base, spend, margin, later)
    result.warnings[:0] = notes
    return result

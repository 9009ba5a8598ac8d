"""How accurate the CLV model was on this shop's own data, in business terms.

The data is split at a calibration end date: the model is fitted on the orders up to it
and asked to predict the held-out period after it; the predictions are then set against
what the same customers really did. "Orders" here are purchase days (several orders on one
day count once), which is what the model predicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.errors import LensError
from analytics.insights.customers import (
    CustomerBase,
    from_days,
    positions,
    purchase_day_starts,
    summarise,
    to_days,
)
from analytics.value import clv, scorecard, verdict

HOLDOUT_SHARE = 0.25
FREQUENCY_CAP = 7


def split(base: CustomerBase, holdout_days: int | None = None) -> tuple[pd.Timestamp, int]:
    """Calibration end and holdout length (default: the last 25% of the period)."""
    span = base.last_day - base.first_day
    days = int(round(span * HOLDOUT_SHARE)) if holdout_days is None else int(holdout_days)
    if days < 7 or days > span - 30:
        raise LensError(
            f"A holdout of {days} days does not fit this data ({span} days of orders): the "
            "backtest needs at least 7 days held out and 30 days to learn from."
        )
    return from_days(base.last_day - days), days


def holdout_activity(base: CustomerBase, cal_end: pd.Timestamp, days: int) -> pd.DataFrame:
    """Per customer with an order by ``cal_end``: purchase days and revenue after it."""
    end = int(to_days(np.datetime64(cal_end, "D")))
    kept = positions(base, cal_end)
    after = (base.day > end) & (base.day <= end + days)
    code = base.code[after]
    starts = purchase_day_starts(code, base.day[after])
    purchases = np.bincount(code[starts], minlength=base.n_customers)
    revenue = np.bincount(code, weights=base.amount[after], minlength=base.n_customers)
    return pd.DataFrame(
        {"actual_orders": purchases[kept], "actual_revenue": revenue[kept]},
        index=pd.Index(base.ids[kept], name="customer_id"),
    )


@dataclass(frozen=True)
class Backtest:
    model: str
    calibration_end: pd.Timestamp
    holdout_end: pd.Timestamp
    holdout_days: int
    customers: int
    totals: dict
    deciles: pd.DataFrame
    by_frequency: pd.DataFrame
    fitted: clv.ClvModel  # the model fitted on the calibration period
    # How well each ranking picked who buys and who spends (analytics.value.scorecard), and
    # the customers judged (one row each, what the scorecard reads).
    ranking: dict = field(default_factory=dict)
    judged: pd.DataFrame | None = None
    fit_start: pd.Timestamp | None = None  # the first day of the orders it was fitted on

    def with_challenger(self, chance: pd.Series) -> Backtest:
        """The same backtest with the challenger's ranking (its chance to order, by
        customer id) scored beside the others."""
        from dataclasses import replace

        return replace(self, ranking=scorecard.rank(self.judged, chance))

    def season_note(self) -> str:
        if self.fit_start is None:
            return ""
        start = self.calibration_end + pd.Timedelta(days=1)
        return verdict.season_note(self.fit_start, start, self.holdout_end)

    def verdict_sentence(self) -> str:
        """The error, whether the ranges can be trusted, and the season, in plain words."""
        return verdict.sentence(self.totals, self.season_note())

    def total_range(self, total: float, low: float, high: float) -> tuple[float, float]:
        """A total's 80% range widened by this backtest's bias and spread."""
        return verdict.total_range(total, low, high, *verdict.bias(self.judged))

    def ranking_sentence(self) -> str:
        return scorecard.sentence(self.ranking) if self.ranking else ""

    def sentence(self, money=lambda v: f"{v:,.0f}") -> str:
        """The result in one plain sentence (the page and the PDF); ``money`` writes an
        amount in the shop's currency (the output layer's formatting)."""
        t = self.totals

        def error(pct: float) -> str:
            return f"{pct:+.1f}%" if np.isfinite(pct) else "no real ones to compare"

        return (
            f"Fitted on orders to {self.calibration_end:%d %b %Y} and asked for the next "
            f"{self.holdout_days} days ({self.customers:,} customers), the model predicted "
            f"{t['predicted_orders']:,.0f} orders against {t['actual_orders']:,} real "
            f"({error(t['aggregate_error_pct'])}) and revenue {money(t['predicted_revenue'])} "
            f"against {money(t['actual_revenue'])} ({error(t['revenue_error_pct'])}); mean "
            f"absolute error {t['mae_orders']:.2f} orders per customer. "
            f"{verdict.trust(t)}" + (f" {self.season_note()}" if self.season_note() else "")
        )

    def summary(self) -> dict:
        return {
            "model": self.model,
            "holdout_start": (self.calibration_end + pd.Timedelta(days=1)).date().isoformat(),
            "holdout_end": self.holdout_end.date().isoformat(),
            "customers": self.customers,
            **self.totals,
            "ranking": self.ranking,
            "ranking_sentence": self.ranking_sentence(),
            "deciles": self.deciles.reset_index().to_dict("records"),
            "verdict": self.verdict_sentence(),
        }


def _error_pct(predicted: float, actual: float) -> float:
    return 100 * (predicted - actual) / actual if actual else float("nan")


@dataclass(frozen=True)
class Calibration:
    """What every model's backtest shares: the split, the summary at its end, what
    customers really did after it, and the spend model fitted on the summary."""

    end: pd.Timestamp
    days: int
    summary: pd.DataFrame
    actual: pd.DataFrame
    spend: tuple


def calibrate(base: CustomerBase, holdout_days: int | None = None) -> Calibration:
    """The model-independent part of a backtest (:func:`run` takes it to skip it)."""
    cal_end, days = split(base, holdout_days)
    calibration = summarise(base, cal_end)
    actual = holdout_activity(base, cal_end, days)
    return Calibration(cal_end, days, calibration, actual, clv.fit_spend(calibration))


def run(
    base: CustomerBase,
    model: str = clv.DEFAULT_MODEL,
    holdout_days: int | None = None,
    prepared: Calibration | None = None,
) -> Backtest:
    """Fit on the calibration period, predict the holdout, compare with what happened.
    ``prepared``: :func:`calibrate` of the same base and holdout, when already made."""
    prepared = calibrate(base, holdout_days) if prepared is None else prepared
    cal_end, days, calibration, actual = (
        prepared.end, prepared.days, prepared.summary, prepared.actual
    )  # fmt: skip
    fitted = clv.fit(calibration, model, prepared.spend)
    predicted = clv.predict_purchases(fitted, calibration, days)
    # Arrays, not Series: numpy probing a Series with a million text labels for its array
    # interface builds a hash table of the labels (0.1-0.2 s each time at 1M customers).
    spend = fitted.spend.expected(
        calibration["frequency"].to_numpy(), calibration["monetary_value"].to_numpy()
    )
    frame = actual.assign(
        predicted_orders=predicted.expected,
        predicted_revenue=predicted.expected * spend,
        frequency=calibration["frequency"].to_numpy(),
        days_since_last=(calibration["T"] - calibration["recency"]).to_numpy(),
        past_spend=calibration["revenue"].to_numpy(),
    )
    totals = {
        "predicted_orders": float(frame["predicted_orders"].sum()),
        "actual_orders": int(frame["actual_orders"].sum()),
        "predicted_revenue": float(frame["predicted_revenue"].sum()),
        "actual_revenue": float(frame["actual_revenue"].sum()),
        "mae_orders": float((frame["predicted_orders"] - frame["actual_orders"]).abs().mean()),
        # Share of customers whose real holdout orders fell inside their 80% range.
        "coverage": float(
            np.mean(
                (frame["actual_orders"] >= predicted.low)
                & (frame["actual_orders"] <= predicted.high)
            )
        ),
    }
    totals["aggregate_error_pct"] = _error_pct(totals["predicted_orders"], totals["actual_orders"])
    totals["revenue_error_pct"] = _error_pct(totals["predicted_revenue"], totals["actual_revenue"])
    # Deciles of predicted value: 1 = the tenth the model expected to be worth most.
    rank = frame["predicted_revenue"].rank(method="first", ascending=False)
    frame["decile"] = np.ceil(10 * rank / len(frame)).astype(int)
    sums = ["predicted_orders", "actual_orders", "predicted_revenue", "actual_revenue"]
    deciles = frame.groupby("decile")[sums].sum()
    deciles.insert(0, "customers", frame.groupby("decile").size())
    frame["frequency_group"] = np.minimum(frame["frequency"], FREQUENCY_CAP).astype(int)
    by_frequency = frame.groupby("frequency_group").agg(
        customers=("actual_orders", "size"),
        actual=("actual_orders", "mean"),
        predicted=("predicted_orders", "mean"),
    )
    return Backtest(
        model=model,
        calibration_end=cal_end,
        holdout_end=base.data_end,
        holdout_days=days,
        customers=len(frame),
        totals=totals,
        deciles=deciles,
        by_frequency=by_frequency,
        fitted=fitted,
        ranking=scorecard.rank(frame),
        judged=frame[scorecard.COLUMNS],
        fit_start=base.data_start,
    )


def compare(
    base: CustomerBase, holdout_days: int | None = None, done: dict[str, Backtest] | None = None
) -> tuple[pd.DataFrame, str, dict[str, Backtest]]:
    """Backtest every model; the recommended one has the lowest mean absolute error per
    customer on holdout orders. Models that cannot be fitted are listed with the reason.
    ``done`` holds backtests already run (same holdout), which are reused."""
    rows, runs = {}, dict(done or {})
    prepared = None  # shared by every model run here
    for model, name in clv.MODELS.items():
        slow = model == "pareto" and base.n_customers > clv.PARETO_COMPARE_LIMIT
        if slow and model not in runs:
            rows[name] = {
                "problem": f"left out above {clv.PARETO_COMPARE_LIMIT:,} customers (its fit "
                "and forecast take the longest); choose it as the model to backtest it alone"
            }
            continue
        try:
            if model not in runs:
                prepared = prepared or calibrate(base, holdout_days)
                runs[model] = run(base, model, holdout_days, prepared)
            result = runs[model]
        except LensError as exc:
            rows[name] = {"problem": str(exc)}
            continue
        rows[name] = {
            k: result.totals[k]
            for k in ["mae_orders", "aggregate_error_pct", "revenue_error_pct", "coverage"]
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    if not runs:
        raise LensError(next(iter(rows.values()))["problem"])
    best = table["mae_orders"].idxmin()
    return table, next(k for k, v in clv.MODELS.items() if v == best), runs

"""The backtest's verdict, carried beside every CLV figure.

A forecast's own range counts only the chance in buying and the parameters' uncertainty; it
says nothing of how far the model was off on this shop. The backtest measures that (the
model refitted on older orders and asked for the newer ones), so:

- **Its error goes beside the figure**: "backtest: revenue 44% under what happened".
- **The total's range includes it** (:func:`total_range`). The backtest gives the ratio of
  real to predicted holdout revenue, rho, and its standard error (the ratio estimator's:
  sqrt(sum (real_i - rho predicted_i)^2) / sum predicted_i over the customers judged). The
  range is the smallest one that holds both the model's own 80% range and the total
  corrected by rho with an 80% range from both spreads (rho's, and the model's own scaled by
  rho). An unbiased model (rho near 1) keeps its range; a biased one gets a wider range, on
  the side the backtest points to. A model that predicted under a tenth of what happened
  (rho above :data:`RHO_LIMIT`) cannot be corrected by a ratio: its total gets no upper end
  (infinity; "or more" after its low end on screen, null in JSON), never a multiple of a
  near-zero guess.
- **"The ranges can be trusted"** only when per-customer coverage is within
  :data:`COVERAGE` and the aggregate revenue error within :data:`AGGREGATE_BOUND`; otherwise
  the sentence says which fails and what it means for a budget (:func:`trust`).
- **Seasons** (:func:`season_note`): when the holdout covers calendar months the fitting
  period does not contain, its error may be the season's rather than the model's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COVERAGE = (0.7, 0.9)  # share of customers inside their 80% range of orders
AGGREGATE_BOUND = 15.0  # % error of the holdout's total revenue
NO_BACKTEST = "no backtest could be run"  # said where a verdict would be
Z80 = 1.2815515655446004
RHO_LIMIT = 10.0  # real / predicted holdout revenue beyond this: no upper end to the total


def error_pct(totals: dict) -> tuple[float, str]:
    """The backtest's aggregate error in % and what it is on: revenue, or orders when the
    holdout had no revenue to compare with."""
    revenue = totals.get("revenue_error_pct", float("nan"))
    if np.isfinite(revenue):
        return float(revenue), "revenue"
    return float(totals.get("aggregate_error_pct", float("nan"))), "orders"


def error_words(totals: dict, short: bool = False) -> str:
    """ "backtest: revenue 44% under what happened" (or over, or "on target"); ``short``
    leaves out "what happened" (a KPI tile's line)."""
    pct, what = error_pct(totals)
    if not np.isfinite(pct):
        return (
            "backtest: nothing to compare"
            if short
            else ("backtest: no real orders in its holdout to compare with")
        )
    if abs(pct) <= 0.5:  # 0.5 prints as 0% (half to even): on target, never "0% over"
        return f"backtest: {what} on target"
    words = f"backtest: {what} {abs(pct):.0f}% {'under' if pct < 0 else 'over'}"
    return words if short else f"{words} what happened"


def bias(judged: pd.DataFrame | None) -> tuple[float, float]:
    """rho = real / predicted holdout revenue and its standard error (1, 0 when unknown)."""
    if judged is None or not len(judged):
        return 1.0, 0.0
    real = judged["actual_revenue"].to_numpy(dtype="float64")
    predicted = judged["predicted_revenue"].to_numpy(dtype="float64")
    total = predicted.sum()
    if not total > 0:
        return 1.0, 0.0
    rho = real.sum() / total
    return float(rho), float(np.sqrt(np.sum((real - rho * predicted) ** 2)) / total)


def total_range(total: float, low: float, high: float, rho: float, se: float):
    """The total's 80% range with the backtest's bias and spread (see the module's text)."""
    if not rho <= RHO_LIMIT:
        return float(max(low, 0.0)), float("inf")
    half = (high - low) / 2
    corrected = total * rho
    spread = np.sqrt((Z80 * se * total) ** 2 + (rho * half) ** 2)
    return (
        float(max(min(low, corrected - spread), 0.0)),
        float(max(high, corrected + spread)),
    )


def trust(totals: dict) -> str:
    """Whether the ranges can be trusted, reading both the per-customer coverage and the
    aggregate error; otherwise which fails and what that means for a budget."""
    coverage = totals.get("coverage", float("nan"))
    pct, what = error_pct(totals)
    problems = []
    if np.isfinite(coverage) and coverage < COVERAGE[0]:
        problems.append(
            f"only {coverage:.0%} of customers landed inside their 80% range of orders (at "
            f"least {COVERAGE[0]:.0%} expected): the ranges are too narrow"
        )
    if np.isfinite(pct) and abs(pct) > AGGREGATE_BOUND:
        budget = (
            "a budget set on the predicted total would be too small by about that much"
            if pct < 0
            else "a budget set on the predicted total would pay for revenue that may not come"
        )
        problems.append(
            f"the total {what} came out {abs(pct):.0f}% {'under' if pct < 0 else 'over'} what "
            f"happened (more than {AGGREGATE_BOUND:.0f}% off): {budget}"
        )
    if problems:
        return "The ranges cannot be trusted as they stand: " + "; ".join(problems) + "."
    if not np.isfinite(coverage) or not np.isfinite(pct):
        return "Whether the ranges hold cannot be told: the holdout has nothing to compare."
    cautious = (
        " (on the cautious side: whole orders make a range hold at least 80%)"
        if coverage > COVERAGE[1]
        else ""
    )
    return (
        f"The ranges can be trusted: {coverage:.0%} of customers landed inside their 80% "
        f"range{cautious} and the total {what} was {abs(pct):.0f}% off (within "
        f"{AGGREGATE_BOUND:.0f}%)."
    )


def _months(start: pd.Timestamp, end: pd.Timestamp) -> list[int]:
    return sorted(set(pd.period_range(start, end, freq="M").month))


def season_note(fit_start, holdout_start, holdout_end) -> str:
    """A warning when the holdout covers calendar months that the fitting period does not
    contain (e.g. the last 3 months of a 12-month log), else ""."""
    fit_end = pd.Timestamp(holdout_start) - pd.Timedelta(days=1)
    if pd.Timestamp(fit_start) > fit_end:
        return ""
    seen = set(_months(pd.Timestamp(fit_start), fit_end))
    held = _months(pd.Timestamp(holdout_start), pd.Timestamp(holdout_end))
    missing = [m for m in held if m not in seen]
    if not missing:
        return ""
    names = ", ".join(pd.Timestamp(2000, m, 1).strftime("%B") for m in missing)
    return (
        f"The holdout covers {names}, which the fitting period "
        f"({pd.Timestamp(fit_start):%b %Y} – {fit_end:%b %Y}) does not contain: a seasonal "
        "peak or dip there was never learnt, so part of the backtest's error may be the "
        "season's, and a forecast over those months carries the same risk."
    )


def sentence(totals: dict, note: str = "") -> str:
    """The verdict in one sentence group: the error, whether the ranges hold, the season."""
    words = error_words(totals)
    return f"{words[0].upper()}{words[1:]}. {trust(totals)}" + (f" {note}" if note else "")

"""Customer lifetime value and churn risk: BG/NBD-family models + Gamma-Gamma (lifetimes).

lifetimes itself is imported only by :mod:`analytics.fitters`, on the first fit, so that
commands and pages that fit no model do not pay for it. Time is counted in days (frequency =
distinct purchase days - 1, recency and T in days, as in :func:`analytics.customers.summarise`); a
"month" in a CLV horizon is 30 days, as in lifetimes' ``customer_lifetime_value``.

- :func:`fit` fits a purchase model on the unique (frequency, recency, T) rows with weights
  (the same likelihood as one row per customer, a fraction of the work), and a spend model.
- :func:`forecast` scores every customer once per fit and horizon; :func:`clv` turns it into
  money for any discount rate and margin without touching the model again.
- :mod:`analytics.backtest` splits the data in time, fits on the first part and compares
  the predictions with what customers really did in the held-out part.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.errors import LensError

MODELS = {"bgnbd": "BG/NBD", "mbgnbd": "Modified BG/NBD", "pareto": "Pareto/NBD"}
DAYS_PER_MONTH = 30
RETRY_PENALIZER = 0.001
MIN_CUSTOMERS = 30
MIN_REPEAT_BUYERS = 10
PARETO_START = np.random.default_rng(0).normal(1.0, 0.05, 4)
PARETO_COMPARE_LIMIT = 200_000  # customers; above, its Nelder-Mead fit takes minutes
GAMMA_GAMMA, SHRUNK_AVERAGE = "Gamma-Gamma", "shrunk average"  # the two spend models
SHRINK_ORDERS = 2  # fallback spend: observed average shrunk as if 2 orders at the shop mean
PARAM_MEANINGS = {
    "r": "shape of how often customers buy (with alpha)",
    "alpha": "scale of the time between purchases, in days (with r)",
    "a": "shape of the chance to stop after a purchase (with b)",
    "b": "shape of the chance to stop after a purchase (with a)",
    "s": "shape of how long customers stay (with beta)",
    "beta": "scale of how long customers stay, in days (with s)",
    "p": "shape of each customer's spend per order",
    "q": "shape of how spend varies between customers (must be above 1)",
    "v": "scale of how spend varies between customers",
}


@contextlib.contextmanager
def _quiet():
    """lifetimes prints the optimiser's report on failure and warns on overflow."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            yield


@dataclass(frozen=True)
class SpendModel:
    """Expected spend per order: Gamma-Gamma, or the shrunk observed average as fallback."""

    method: str  # GAMMA_GAMMA or SHRUNK_AVERAGE
    params: dict
    shop_mean: float

    def expected(self, frequency: np.ndarray, monetary: np.ndarray) -> np.ndarray:
        frequency = np.asarray(frequency, dtype="float64")
        monetary = np.asarray(monetary, dtype="float64")
        if self.method == GAMMA_GAMMA:
            p, q, v = (self.params[k] for k in "pqv")
            # Gamma-Gamma's conditional mean, written out (lifetimes' takes Series only).
            weight = p * frequency / (p * frequency + q - 1)
            return (1 - weight) * (v * p / (q - 1)) + weight * monetary
        return (frequency * monetary + SHRINK_ORDERS * self.shop_mean) / (frequency + SHRINK_ORDERS)


@dataclass(frozen=True)
class ClvModel:
    """A fitted purchase model and spend model, with what the user should know about them."""

    model: str
    fitter: object
    params: dict
    penalizer: float
    spend: SpendModel
    customers: int
    repeat_buyers: int
    frequency_spend_correlation: float
    warnings: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return MODELS[self.model]


def _unique_rows(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique (frequency, recency, T) rows, their counts, and each customer's row."""
    rows = summary[["frequency", "recency", "T"]].to_numpy(dtype="float64")
    if np.all(rows == np.round(rows)) and rows.min(initial=0) >= 0 and rows.max(initial=0) < 2**20:
        # Whole days: one int64 key per customer sorts far faster than rows of floats.
        whole = rows.astype(np.int64)
        key = (whole[:, 0] << 40) | (whole[:, 1] << 20) | whole[:, 2]
        _, first, inverse, counts = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
        return rows[first], counts, inverse
    return _unique(rows)


def _unique(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique rows (sorted), their counts, and each row's unique row; a lexsort is several
    times faster than ``np.unique(axis=0)``."""
    order = np.lexsort(rows.T[::-1])
    ordered = rows[order]
    new = np.ones(len(rows), dtype=bool)
    new[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    starts = np.flatnonzero(new)
    inverse = np.empty(len(rows), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[starts], np.diff(np.append(starts, len(rows))), inverse


def _check_enough(summary: pd.DataFrame) -> None:
    repeat = int((summary["frequency"] > 0).sum())
    if len(summary) < MIN_CUSTOMERS or repeat < MIN_REPEAT_BUYERS:
        raise LensError(
            f"Not enough history to predict value: the model needs at least {MIN_CUSTOMERS} "
            f"customers and {MIN_REPEAT_BUYERS} who ordered on two different days; this data "
            f"has {len(summary):,} customers and {repeat:,} repeat buyers. Load a longer "
            "export, or move the reference date later."
        )


def _fit_purchases(model: str, summary: pd.DataFrame) -> tuple[object, float, list[str]]:
    from analytics.fitters import FITTERS

    unique, counts, _ = _unique_rows(summary)
    notes = []
    for penalizer in (0.0, RETRY_PENALIZER):
        fitter = FITTERS[model](penalizer_coef=penalizer)
        try:
            # lifetimes starts Pareto/NBD from an unseeded random draw; a seeded draw from
            # the same distribution makes the fit repeatable.
            start = {"initial_params": PARETO_START} if model == "pareto" else {}
            with _quiet():
                fitter.fit(
                    unique[:, 0].astype(int), unique[:, 1], unique[:, 2], weights=counts, **start
                )
            params = fitter.params_.to_numpy()
            if np.all(np.isfinite(params)) and np.all(params > 0):
                return fitter, penalizer, notes
        except Exception:  # noqa: BLE001 - ConvergenceError, singular Hessian, overflow
            pass
        notes.append(
            f"{MODELS[model]} did not converge without a penalty; refitted with a small "
            f"penalizer ({RETRY_PENALIZER}), which pulls the parameters slightly toward zero."
        )
    raise LensError(
        f"The {MODELS[model]} model could not be fitted on this data, even with a penalty. "
        "Try another model, or a longer export."
    )


def _fit_spend(summary: pd.DataFrame) -> tuple[SpendModel, float, list[str]]:
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    shop_mean = float(repeat["monetary_value"].mean()) if len(repeat) else 0.0
    corr = (
        float(np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1])
        if len(repeat) > 2 and repeat["frequency"].std() > 0 and repeat["monetary_value"].std() > 0
        else float("nan")
    )
    notes = []
    if abs(corr) > 0.3:
        notes.append(
            f"Spend per order and number of orders are correlated ({corr:+.2f}); Gamma-Gamma "
            "assumes they are not, so expected spend may be biased."
        )
    fallback = SpendModel(SHRUNK_AVERAGE, {"shop_mean": shop_mean}, shop_mean)
    if len(repeat) < MIN_REPEAT_BUYERS:
        return fallback, corr, notes
    from analytics.fitters import SpendFitter

    fitter = SpendFitter(penalizer_coef=0.0)
    # Equal (frequency, spend) rows are common (one repeat order at a usual price): fit each
    # once with its count as weight, the same likelihood as one row per customer.
    pairs, counts, _ = _unique(repeat[["frequency", "monetary_value"]].to_numpy(dtype="float64"))
    try:
        with _quiet():
            fitter.fit(pairs[:, 0], pairs[:, 1], weights=counts)
        params = {k: float(v) for k, v in fitter.params_.items()}
    except Exception:  # noqa: BLE001 - ConvergenceError and friends
        params = None
    if params is None or not all(np.isfinite(list(params.values()))) or params["q"] <= 1:
        why = "did not converge" if params is None else f"gave q = {params['q']:.2f} (needs > 1)"
        notes.append(
            f"Gamma-Gamma {why}: spend per order is not gamma-like here (e.g. two price "
            f"tiers). Expected spend is each customer's observed average, shrunk toward the "
            f"shop mean ({shop_mean:,.2f}) as if {SHRINK_ORDERS} more orders at that mean."
        )
        return fallback, corr, notes
    return SpendModel(GAMMA_GAMMA, params, shop_mean), corr, notes


def fit(summary: pd.DataFrame, model: str = "bgnbd") -> ClvModel:
    """Fit the purchase model and the spend model on a per-customer summary.

    ``summary`` needs ``frequency``, ``recency``, ``T`` and ``monetary_value`` (see
    :func:`analytics.customers.summarise`). Raises LensError when the data is too thin.
    """
    if model not in MODELS:
        raise LensError(f"Unknown model '{model}': choose one of {', '.join(MODELS)}.")
    _check_enough(summary)
    fitter, penalizer, notes = _fit_purchases(model, summary)
    spend, corr, spend_notes = _fit_spend(summary)
    return ClvModel(
        model=model,
        fitter=fitter,
        params={k: float(v) for k, v in fitter.params_.items()},
        penalizer=penalizer,
        spend=spend,
        customers=len(summary),
        repeat_buyers=int((summary["frequency"] > 0).sum()),
        frequency_spend_correlation=corr,
        warnings=tuple(notes + spend_notes),
    )


# --- scoring ---------------------------------------------------------------------------------


def _expected_purchases(model: ClvModel, days, rows: np.ndarray) -> np.ndarray:
    with _quiet():
        out = model.fitter.conditional_expected_number_of_purchases_up_to_time(
            days, rows[:, 0], rows[:, 1], rows[:, 2]
        )
    return np.nan_to_num(np.asarray(out, dtype="float64"), nan=0.0, posinf=0.0)


def _p_alive(model: ClvModel, rows: np.ndarray) -> np.ndarray:
    with _quiet():
        out = model.fitter.conditional_probability_alive(rows[:, 0], rows[:, 1], rows[:, 2])
    return np.clip(np.nan_to_num(np.asarray(out, dtype="float64"), nan=0.0), 0, 1)


def _no_purchase_if_active(model: ClvModel, days: float, rows: np.ndarray) -> np.ndarray:
    """P(no purchase in the next ``days`` | still active): the posterior purchase rate is
    Gamma(r + x, alpha + T), so this is ((alpha + T) / (alpha + T + days)) ** (r + x)."""
    r, alpha = model.params["r"], model.params["alpha"]
    return ((alpha + rows[:, 2]) / (alpha + rows[:, 2] + days)) ** (r + rows[:, 0])


def predict_purchases(model: ClvModel, summary: pd.DataFrame, days: float) -> np.ndarray:
    """Expected purchases in the next ``days`` for each customer of ``summary``."""
    unique, _, row = _unique_rows(summary)
    return _expected_purchases(model, days, unique)[row]


def predict_order_chance(model: ClvModel, summary: pd.DataFrame, days: float) -> np.ndarray:
    """P(at least one purchase in the next ``days``) for each customer of ``summary``."""
    unique, _, row = _unique_rows(summary)
    return prob_order_within(model, days, unique)[row]


def prob_order_within(model: ClvModel, days: float, rows: np.ndarray) -> np.ndarray:
    """P(at least one purchase in the next ``days``) per (frequency, recency, T) row.

    BG/NBD and its modified form drop customers only right after a purchase, so no purchase
    means: inactive, or active and no purchase (exact). Pareto/NBD uses lifetimes' own
    conditional probability of zero purchases.
    """
    if model.model == "pareto":
        with _quiet():
            none = model.fitter.conditional_probability_of_n_purchases_up_to_time(
                0, days, rows[:, 0], rows[:, 1], rows[:, 2]
            )
        none = np.asarray(none, dtype="float64")
    else:
        alive = _p_alive(model, rows)
        none = (1 - alive) + alive * _no_purchase_if_active(model, days, rows)
    return np.clip(np.nan_to_num(1 - none, nan=0.0), 0, 1)


@dataclass(frozen=True)
class Forecast:
    """Per customer (rows of the summary it was made from) what the model expects.

    ``monthly`` holds, per unique (frequency, recency, T) row, the expected purchases in each
    30-day month of the horizon; ``row`` maps each customer to its unique row; ``table`` has
    one row per customer (indexed like the summary).
    """

    row: np.ndarray
    monthly: np.ndarray
    table: pd.DataFrame


def forecast(
    model: ClvModel, summary: pd.DataFrame, months: int, end: pd.Timestamp | None = None
) -> Forecast:
    """Score every customer of ``summary``: P(alive), expected purchases, spend, next order.

    ``end`` is the date the summary runs to (for the next-order date); the CLV itself comes
    from :func:`clv`.
    """
    unique, _, row = _unique_rows(summary)
    cumulative = np.zeros((len(unique), months + 1))  # nothing is expected in 0 days
    for m in range(1, months + 1):
        cumulative[:, m] = _expected_purchases(model, m * DAYS_PER_MONTH, unique)
    monthly = np.diff(cumulative, axis=1)
    spend = model.spend.expected(
        summary["frequency"].to_numpy(), summary["monetary_value"].to_numpy()
    )
    table = pd.DataFrame(index=summary.index)
    table["p_alive"] = _p_alive(model, unique)[row]
    for days in (30, 90, 365):
        month = days // DAYS_PER_MONTH
        known = days % DAYS_PER_MONTH == 0 and month <= months  # already on the curve
        ahead = cumulative[:, month] if known else _expected_purchases(model, days, unique)
        table[f"purchases_{days}d"] = ahead[row]
    table["expected_spend"] = np.nan_to_num(spend, nan=model.spend.shop_mean)
    if end is not None:
        # Median days to the next purchase if still active: in all three models the purchase
        # rate given the history is Gamma(r + x, alpha + T); solve no-purchase chance = 1/2.
        r, alpha = model.params["r"], model.params["alpha"]
        wait = (alpha + unique[:, 2]) * (2 ** (1 / (r + unique[:, 0])) - 1)
        # One-time buyers have no rhythm of their own yet: no date rather than a guess.
        wait = np.where(unique[:, 0] > 0, np.round(np.minimum(wait, 3650)), np.nan)[row]
        table["next_order_if_active"] = pd.Timestamp(end) + pd.to_timedelta(wait, unit="D")
    return Forecast(row, monthly, table)


def clv(fc: Forecast, months: int, discount_rate: float = 0.01, margin: float = 1.0) -> np.ndarray:
    """CLV per customer over ``months`` 30-day months, on profit (spend x margin).

    Month ``i``'s expected purchases are discounted by ``(1 + discount_rate) ** i``, as in
    lifetimes' ``customer_lifetime_value``.
    """
    months = min(months, fc.monthly.shape[1])
    factors = (1 + discount_rate) ** -np.arange(1, months + 1)
    purchases = fc.monthly[:, :months] @ factors
    return purchases[fc.row] * fc.table["expected_spend"].to_numpy() * margin


CHURN_BANDS = ["low", "medium", "high"]


def churn_band(p_order: np.ndarray) -> pd.Categorical:
    """Churn risk from the chance of ordering in the horizon: high < 20% <= medium < 50%."""
    codes = np.where(p_order < 0.2, 2, np.where(p_order < 0.5, 1, 0))
    return pd.Categorical.from_codes(codes, CHURN_BANDS)


def alive_grid(summary: pd.DataFrame, p_alive: np.ndarray, cap: int = 10) -> pd.DataFrame:
    """Mean P(alive) by repeat purchases (capped) and days since last purchase (10 bands)."""
    since = (summary["T"] - summary["recency"]).to_numpy()
    edges = np.unique(np.quantile(since, np.linspace(0, 1, 11)))
    band = np.clip(np.searchsorted(edges, since, side="right") - 1, 0, max(len(edges) - 2, 0))
    labels = [f"{edges[i]:.0f}-{edges[i + 1]:.0f}" for i in range(max(len(edges) - 1, 1))]
    frame = pd.DataFrame(
        {
            "repeat_purchases": np.minimum(summary["frequency"].to_numpy(), cap).astype(int),
            "days_since_last": pd.Categorical.from_codes(band, labels) if len(edges) > 1 else "0",
            "p_alive": p_alive,
        }
    )
    grid = frame.groupby(["repeat_purchases", "days_since_last"], observed=True)
    return grid["p_alive"].agg(p_alive="mean", customers="size").reset_index()


TOP_GROUPS = 15


def average_by(values: pd.Series, groups: pd.Series, chronological: bool = False) -> pd.DataFrame:
    """Mean of ``values`` per group (aligned on the customer index): the largest
    :data:`TOP_GROUPS` groups, by average (or in label order when ``chronological``)."""
    frame = pd.DataFrame({"value": values, "group": groups.reindex(values.index)})
    stats = frame.dropna().groupby("group", observed=True)["value"].agg(["mean", "size"])
    top = stats.nlargest(TOP_GROUPS, "size")
    top = top.sort_index() if chronological else top.sort_values("mean", ascending=False)
    return top["mean"].rename("clv").rename_axis("group").to_frame()

"""Customer lifetime value and churn risk: BG/NBD-family models + Gamma-Gamma (lifetimes).

lifetimes is imported only by :mod:`analytics.value.fitters`, on the first fit. Time is in
days (frequency = distinct purchase days - 1, recency and T in days, as in
:func:`analytics.insights.customers.summarise`); a "month" of a CLV horizon is 30 days.

- :func:`fit` fits a purchase model on the unique (frequency, recency, T) rows with weights
  (the same likelihood as one row per customer, a fraction of the work), and a spend model.
- :func:`forecast` scores every customer once per fit and horizon; :func:`clv` turns it into
  money for any discount rate and margin without touching the model again.
- :mod:`analytics.value.backtest` fits on older orders and checks the newer ones.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.errors import LensError
from analytics.insights.customers import CustomerBase, to_days
from analytics.value import histories, predictive

MODELS = {"mbgnbd": "Modified BG/NBD", "bgnbd": "BG/NBD", "pareto": "Pareto/NBD"}
DEFAULT_MODEL = "mbgnbd"
# Why each model, in one line (the model picker's help, the Model view, the CLI's
# model_reason and the README say the same).
MODEL_REASONS = {
    "mbgnbd": "Modified BG/NBD (the default): a customer may leave right after any purchase, "
    "the first one included, so a one-time buyer's chance of still being a customer falls "
    "the longer they stay away; as fast to fit as BG/NBD.",
    "bgnbd": "BG/NBD: a customer can only leave after a repeat purchase, so every one-time "
    "buyer counts as surely still a customer (100%), however long ago they ordered.",
    "pareto": "Pareto/NBD: a customer may leave at any moment; the slowest to fit on large data.",
}
DAYS_PER_MONTH = 30
CURVE_MONTHS = 36  # the Value page's longest horizon: a shorter one reads the kept curve
RETRY_PENALIZER = 0.001
MIN_CUSTOMERS = 30
MIN_REPEAT_BUYERS = 10
PARETO_COMPARE_LIMIT = 200_000  # customers; above, comparisons leave out the slowest model
GAMMA_GAMMA, SHRUNK_AVERAGE = "Gamma-Gamma", "shrunk average"  # the two spend models
SHRINK_ORDERS = 2  # fallback spend: observed average shrunk as if 2 orders at the shop mean
INTERVAL = 0.8  # every range is an 80% range
Z80 = 1.2815515655446004  # the normal 90th percentile: a symmetric 80% interval
# Drop-out cannot be told when, among the customers the model can judge, nearly everyone is
# almost surely still a customer, or the average P(alive) is near 1, or the chance to leave after
# a purchase is almost nil (average P(alive): CDNOW, demo, benchmarks 0.4-0.6; wholesale 0.98).
SURE_ALIVE, NEARLY_EVERYONE, MOSTLY_ALIVE, TINY_DROPOUT = 0.99, 0.9, 0.95, 0.01
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
PURCHASE_PARAMS = {"bgnbd": "r alpha a b", "mbgnbd": "r alpha a b", "pareto": "r alpha s beta"}


# lifetimes prints its optimiser's report only in its own fit, which every fitter here replaces
# (analytics/value/fitters.py), so stdout is left alone: a redirect is the whole process's, and
# the app fits in threads beside other work (a command's JSON went into another's redirect).
@contextlib.contextmanager
def _quiet():  # lifetimes and scipy warn on overflow
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            yield


@dataclass(frozen=True)
class SpendModel:
    """Expected spend per order: Gamma-Gamma, or the shrunk observed average as fallback."""

    method: str  # GAMMA_GAMMA or SHRUNK_AVERAGE
    params: dict
    shop_mean: float
    log_covariance: np.ndarray | None = None  # of log p, log q, log v (Gamma-Gamma only)

    def expected(self, frequency, monetary, params: dict | None = None) -> np.ndarray:
        frequency = np.asarray(frequency, dtype="float64")
        monetary = np.asarray(monetary, dtype="float64")
        if self.method == GAMMA_GAMMA:
            p, q, v = ((params or self.params)[k] for k in "pqv")
            # Gamma-Gamma's conditional mean, written out (lifetimes' takes Series only).
            weight = p * frequency / (p * frequency + q - 1)
            return (1 - weight) * (v * p / (q - 1)) + weight * monetary
        return (frequency * monetary + SHRINK_ORDERS * self.shop_mean) / (frequency + SHRINK_ORDERS)


@dataclass(frozen=True)
class ClvModel:
    """A fitted purchase model and spend model, with what the user should know about them.

    ``cannot_tell_dropout`` is set when the data shows almost nobody leaving (see
    :func:`fit`): then the model's churn and value figures are shown only beside that
    warning, which is the first of ``warnings``.
    """

    model: str
    fitter: object
    params: dict
    log_covariance: np.ndarray  # of the purchase model's log-parameters (Laplace)
    penalizer: float
    spend: SpendModel
    customers: int
    repeat_buyers: int
    frequency_spend_correlation: float
    history_months: float
    cannot_tell_dropout: bool = False
    warnings: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return MODELS[self.model]

    @property
    def reason(self) -> str:
        return MODEL_REASONS[self.model]


def _check_enough(summary: pd.DataFrame) -> None:
    repeat = int((summary["frequency"] > 0).sum())
    if len(summary) < MIN_CUSTOMERS or repeat < MIN_REPEAT_BUYERS:
        raise LensError(
            f"Not enough history to predict value: the model needs at least {MIN_CUSTOMERS} "
            f"customers and {MIN_REPEAT_BUYERS} who ordered on two different days; this data "
            f"has {len(summary):,} customers and {repeat:,} repeat buyers. Load a longer "
            "export, or move the reference date later."
        )


def _fit_purchases(model: str, unique: np.ndarray, counts: np.ndarray):
    from analytics.value.fitters import fit_purchases

    notes = []
    for penalizer in (0.0, RETRY_PENALIZER):
        try:
            with _quiet():
                fitter = fit_purchases(model, unique, counts, penalizer)
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
        f"The {MODELS[model]} model could not be fitted on this data, even with a penalty, "
        "so no predicted value is shown. Try another model, or a longer export."
    )


def fit_spend(summary: pd.DataFrame) -> tuple[SpendModel, float, list[str]]:
    """The spend model, the correlation of repeat purchases with spend per order, and notes
    (the same for every purchase model; plain arrays: a 1M-label Series is slow to probe)."""
    f, m = (summary[c].to_numpy(dtype="float64") for c in ("frequency", "monetary_value"))
    repeat = pd.DataFrame({"frequency": f, "monetary_value": m})[(f > 0) & (m > 0)]
    shop_mean = float(repeat["monetary_value"].mean()) if len(repeat) else 0.0
    corr = (
        float(np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1])
        if len(repeat) > 2 and repeat["frequency"].std() > 0 and repeat["monetary_value"].std() > 0
        else float("nan")
    )
    notes = []
    if abs(corr) > 0.3:
        notes.append(
            f"Spend per order and number of orders are correlated ({corr:+.2f}); the spend "
            "model (Gamma-Gamma) assumes they are not, so expected spend may be biased."
        )
    fallback = SpendModel(SHRUNK_AVERAGE, {"shop_mean": shop_mean}, shop_mean)
    fallback_note = (
        "Expected spend per order is each customer's observed average, shrunk toward the "
        f"shop mean ({shop_mean:,.2f}) as if {SHRINK_ORDERS} more orders at that mean."
    )
    if len(repeat) < MIN_REPEAT_BUYERS:
        return (
            fallback,
            corr,
            [*notes, f"Too few repeat buyers for the spend model. {fallback_note}"],
        )
    from analytics.value.fitters import fit_spend

    # Equal (frequency, spend) rows are common (one repeat order at a usual price): fit each
    # once with its count as weight, the same likelihood as one row per customer.
    pairs, counts, _ = histories.unique(
        repeat[["frequency", "monetary_value"]].to_numpy(dtype="float64")
    )
    try:
        with _quiet():
            fitter = fit_spend(pairs[:, 0], pairs[:, 1], counts)
        params = {k: float(v) for k, v in fitter.params_.items()}
    except Exception:  # noqa: BLE001 - ConvergenceError and friends
        params = None
    if params is None or not all(np.isfinite(list(params.values()))) or params["q"] <= 1:
        why = "did not converge" if params is None else f"gave q = {params['q']:.2f} (needs > 1)"
        notes.append(
            f"The spend model (Gamma-Gamma) {why}: spend per order is not gamma-like here "
            f"(e.g. two price tiers). {fallback_note}"
        )
        return fallback, corr, notes
    return SpendModel(GAMMA_GAMMA, params, shop_mean, fitter.log_covariance_), corr, notes


def _cannot_tell_dropout(model: str, params: dict, unique: np.ndarray, counts: np.ndarray):
    """True when the fit sees almost nobody leave (see :data:`SURE_ALIVE`)."""
    alive = predictive.p_alive(model, params, unique[:, 0], unique[:, 1], unique[:, 2])
    judged = unique[:, 0] > 0 if model == "bgnbd" else np.ones(len(unique), dtype=bool)
    weight = counts[judged] / max(counts[judged].sum(), 1)
    sure = np.sum(weight * (alive[judged] > SURE_ALIVE))
    average = np.sum(weight * alive[judged])
    if model == "pareto":
        # Share expected to leave within the history seen, for an average customer.
        span = unique[:, 2].max(initial=0)
        leaving = 1 - (params["beta"] / (params["beta"] + span)) ** params["s"]
    else:
        leaving = params["a"] / (params["a"] + params["b"])
    return bool(sure >= NEARLY_EVERYONE or average >= MOSTLY_ALIVE or leaving < TINY_DROPOUT)


def cannot_tell_sentence(history_months: float) -> str:
    return (
        f"With {history_months:.0f} months of history the model sees almost no customers "
        "leaving; use the lifecycle stages for churn. Its chance-still-a-customer and value "
        "figures assume nearly everyone stays."
    )


def in_plain_words(model: str, params: dict, spend: dict, money=lambda v: f"{v:,.2f}") -> list:
    """What the fitted parameters say about the shop's customers, in sentences (days).

    The purchase rate of an active customer is gamma(r, alpha) distributed, so the average
    rate is r / alpha a day; BG/NBD's chance to stop after a purchase is beta(a, b), average
    a / (a + b); Pareto/NBD's leaving rate is gamma(s, beta), average s / beta a day;
    Gamma-Gamma's average spend per order across customers is p v / (q - 1)."""
    r, alpha = params["r"], params["alpha"]
    lines = [
        f"While still buying, the average customer orders about every {alpha / r:,.0f} days "
        f"({365 * r / alpha:.1f} purchases a year)."
    ]
    if model == "pareto":
        stay = params["beta"] / params["s"]
        lines.append(
            f"At the average leaving rate a customer stays about {stay:,.0f} days before "
            "stopping for good."
        )
    else:
        stop = params["a"] / (params["a"] + params["b"])
        lines.append(f"After each purchase, {stop:.0%} of customers on average stop for good.")
    if {"p", "q", "v"} <= set(spend) and spend["q"] > 1:
        average = spend["p"] * spend["v"] / (spend["q"] - 1)
        lines.append(f"A repeat purchase brings {money(average)} on average across customers.")
    return lines


def fit(summary: pd.DataFrame, model: str = DEFAULT_MODEL, spend=None) -> ClvModel:
    """Fit the purchase model and the spend model on a per-customer summary.

    ``summary`` needs ``frequency``, ``recency``, ``T`` and ``monetary_value`` (see
    :func:`analytics.insights.customers.summarise`); ``spend``: :func:`fit_spend` of it, if
    already fitted. Raises LensError when the data is too thin or the model cannot be fitted.
    """
    if model not in MODELS:
        raise LensError(f"Unknown model '{model}': choose one of {', '.join(MODELS)}.")
    _check_enough(summary)
    unique, counts, _ = histories.unique_rows(summary)
    fitter, penalizer, notes = _fit_purchases(model, unique, counts)
    spend, corr, spend_notes = fit_spend(summary) if spend is None else spend
    params = {k: float(v) for k, v in fitter.params_.items()}
    history = float(unique[:, 2].max(initial=0)) / DAYS_PER_MONTH
    degenerate = _cannot_tell_dropout(model, params, unique, counts)
    first = [cannot_tell_sentence(history)] if degenerate else []
    return ClvModel(
        model=model,
        fitter=fitter,
        params=params,
        log_covariance=fitter.log_covariance_,
        penalizer=penalizer,
        spend=spend,
        customers=len(summary),
        repeat_buyers=int((summary["frequency"] > 0).sum()),
        frequency_spend_correlation=corr,
        history_months=history,
        cannot_tell_dropout=degenerate,
        warnings=tuple(first + notes + spend_notes),
    )


# --- scoring ---------------------------------------------------------------------------------


STEP = 1e-4  # forward differences of the log-parameters


def _vary(params: dict, names: list[str], i: int, step: float) -> dict:
    """The parameters with the i-th log-parameter moved by ``step``."""
    return {**params, names[i]: params[names[i]] * np.exp(step)}


def _alive_range(model: ClvModel, alive: np.ndarray, moved: list):
    """80% range of P(alive) from the parameters' uncertainty: the delta method on the
    log-odds, with the fit's curvature (Laplace approximation). ``moved``: P(alive) with
    each log-parameter moved by :data:`STEP`."""
    with np.errstate(all="ignore"):
        odds = np.log(alive) - np.log1p(-alive)
        slopes = [(np.log(p) - np.log1p(-p) - odds) / STEP for p in moved]
        slope = np.nan_to_num(np.column_stack(slopes), nan=0.0, posinf=0.0, neginf=0.0)
        sd = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", slope, model.log_covariance, slope), 0))
        low, high = 1 / (1 + np.exp(Z80 * sd - odds)), 1 / (1 + np.exp(-odds - Z80 * sd))
    sure = ~np.isfinite(odds)  # exactly 0 or 1 (BG/NBD one-time buyers): no range to draw
    return np.where(sure, alive, low), np.where(sure, alive, high)


@dataclass(frozen=True)
class Purchases:
    """What the purchase model says of each unique history for the next ``days``."""

    days: float
    alive: np.ndarray  # P(alive) per unique history
    expected: np.ndarray  # expected purchases per unique history
    low: np.ndarray  # 80% range of the number of purchases (10th and 90th percentiles)
    high: np.ndarray
    variance: np.ndarray


def purchases(
    model: ClvModel, unique: np.ndarray, days: float, pairs=None, alive=None, mean=None
) -> Purchases:
    """The predictive distribution of each history's purchases in the next ``days``: the
    customer's own buying rate and whether they are still a customer (both as the model
    infers them from the history) and the chance in buying, at the fitted parameters.
    ``pairs`` (:func:`histories.pairs` of ``unique``), ``alive`` and ``mean`` (purchases if
    active per pair) when already known."""
    pairs, pair = histories.pairs(unique) if pairs is None else pairs
    if alive is None:
        alive = predictive.p_alive(model.model, model.params, *unique.T)
    with np.errstate(all="ignore"):
        if mean is None:
            mean = predictive.purchases_if_alive(
                model.model, model.params, pairs[:, 0], pairs[:, 1], days
            )
        tail, second = predictive.purchase_distribution(
            model.model, model.params, pairs[:, 0], pairs[:, 1], days
        )
    low, high = (predictive.percentile_counts(alive, tail, pair, q) for q in predictive.LEVELS)
    expected = alive * mean[pair]
    variance = np.maximum(alive * second[pair] - expected**2, 0)
    return Purchases(days, alive, expected, low, high, variance)


def predict_purchases(model: ClvModel, summary: pd.DataFrame, days: float) -> Purchases:
    """:func:`purchases` per customer of ``summary`` (rows in its order)."""
    unique, _, row = histories.unique_rows(summary)
    p = purchases(model, unique, days)
    return Purchases(days, p.alive[row], p.expected[row], p.low[row], p.high[row], p.variance[row])


def prob_order_within(model: ClvModel, days: float, rows: np.ndarray) -> np.ndarray:
    """P(at least one purchase in the next ``days``) per (frequency, recency, T) row."""
    alive = predictive.p_alive(model.model, model.params, *rows.T)
    return _order_chance(model, days, alive, *histories.pairs(rows))


def _order_chance(model: ClvModel, days: float, alive, pairs, pair) -> np.ndarray:
    """P(alive) x P(at least one purchase | active), the latter once per (frequency, T)."""
    with np.errstate(all="ignore"):
        some = predictive.at_least(model.model, model.params, pairs[:, 0], pairs[:, 1], days, 1)
    return np.clip(np.nan_to_num(alive * some[pair], nan=0.0), 0, 1)


def predict_order_chance(model: ClvModel, summary: pd.DataFrame, days: float) -> np.ndarray:
    """P(at least one purchase in the next ``days``) for each customer of ``summary``."""
    unique, _, row = histories.unique_rows(summary)
    return prob_order_within(model, days, unique)[row]


@dataclass(frozen=True)
class Forecast:
    """Per customer (rows of the summary it was made from) what the model expects over a
    horizon of ``months`` 30-day months.

    ``monthly`` holds, per (frequency, T) pair, the expected purchases in each month if still
    active; ``alive`` and ``pair`` (an index into ``pairs``, the distinct (frequency, T))
    are per unique (frequency, recency, T) history; ``row``
    maps each customer to its history; ``table`` has one row per customer (indexed like the
    summary); ``horizon`` is the predictive distribution over the whole horizon;
    ``sensitivity`` and ``spend_sensitivity`` the change of log(total expected spend) per
    log-parameter of the purchase and spend models.
    """

    months: int
    row: np.ndarray
    pairs: np.ndarray
    pair: np.ndarray
    alive: np.ndarray
    monthly: np.ndarray
    horizon: Purchases
    sensitivity: np.ndarray
    spend_sensitivity: np.ndarray
    table: pd.DataFrame


@dataclass(frozen=True)
class Histories:
    """What does not move with the horizon, once per model and summary (a horizon step redoes
    only the rest): ``table`` the forecast's horizon-free columns, ``spend_raw`` the spend
    before the shop's mean fills a gap, ``moved_*`` P(alive), spend at log-parameter + STEP."""

    unique: np.ndarray
    row: np.ndarray
    pairs: np.ndarray
    pair: np.ndarray
    alive: np.ndarray
    table: pd.DataFrame
    spend_raw: np.ndarray
    moved_alive: list
    moved_spend: list
    curve: np.ndarray  # per pair, purchases if active by the end of month 0..CURVE_MONTHS


def histories_of(model: ClvModel, summary: pd.DataFrame, end=None) -> Histories:
    """The horizon-free part of :func:`forecast` (see :class:`Histories`)."""
    unique, _, row = histories.unique_rows(summary)
    pairs, pair = histories.pairs(unique)
    name, params = model.model, model.params
    names = PURCHASE_PARAMS[name].split()
    with np.errstate(all="ignore"):
        alive, moved = predictive.p_alive_moved(name, params, names, STEP, *unique.T)
    low, high = _alive_range(model, alive, moved)
    table = pd.DataFrame({"p_alive": alive[row], "p_alive_low": low[row]}, index=summary.index)
    table["p_alive_high"] = high[row]
    curve = _curve(model, pairs, CURVE_MONTHS)
    with np.errstate(all="ignore"):
        year = predictive.purchases_if_alive(name, params, pairs[:, 0], pairs[:, 1], 365)
    for days, ahead in ((30, curve[:, 1]), (90, curve[:, 3]), (365, year)):
        table[f"purchases_{days}d"] = (alive * ahead[pair])[row]
    f = summary["frequency"].to_numpy(dtype="float64")
    m = summary["monetary_value"].to_numpy(dtype="float64")
    raw = np.asarray(model.spend.expected(f, m), dtype="float64")
    table["expected_spend"] = np.nan_to_num(raw, nan=model.spend.shop_mean)
    if end is not None:
        # Median days to the next purchase if still active: in all three models the purchase
        # rate given the history is Gamma(r + x, alpha + T); solve no-purchase chance = 1/2.
        r, alpha = params["r"], params["alpha"]
        wait = (alpha + unique[:, 2]) * (2 ** (1 / (r + unique[:, 0])) - 1)
        # One-time buyers have no rhythm of their own yet: no date rather than a guess.
        wait = np.where(unique[:, 0] > 0, np.round(np.minimum(wait, 3650)), np.nan)[row]
        table["next_order_if_active"] = pd.Timestamp(end) + pd.to_timedelta(wait, unit="D")
    spend, moved_spend = model.spend, []
    if spend.log_covariance is not None:
        moved_spend = [
            spend.expected(f, m, _vary(spend.params, list("pqv"), i, STEP)) for i in range(3)
        ]
    return Histories(unique, row, pairs, pair, alive, table, raw, moved, moved_spend, curve)


def _curve(model: ClvModel, pairs: np.ndarray, months: int) -> np.ndarray:
    """Expected purchases if active by the end of each 30-day month 0..``months``, per pair."""
    cumulative = np.zeros((len(pairs), months + 1))  # nothing is expected in 0 days
    with np.errstate(all="ignore"):
        for m in range(1, months + 1):
            cumulative[:, m] = predictive.purchases_if_alive(
                model.model, model.params, pairs[:, 0], pairs[:, 1], m * DAYS_PER_MONTH
            )
    return cumulative


def forecast(
    model: ClvModel,
    summary: pd.DataFrame,
    months: int,
    end: pd.Timestamp | None = None,
    known: Histories | None = None,
) -> Forecast:
    """Score every customer of ``summary``: P(alive) with its range, expected purchases
    (30, 90, 365 days and the horizon, with its range), spend, next order.

    ``end`` is the date the summary runs to (for the next-order date); the CLV itself comes
    from :func:`clv`. ``known``: :func:`histories_of` the same model, summary and end, when
    kept (then only what depends on ``months`` is computed).
    """
    h = histories_of(model, summary, end) if known is None else known
    row, pairs, pair, alive = h.row, h.pairs, h.pair, h.alive
    cumulative = (
        h.curve[:, : months + 1] if months <= CURVE_MONTHS else _curve(model, pairs, months)
    )
    days, mean = months * DAYS_PER_MONTH, cumulative[:, months]
    horizon = purchases(model, h.unique, days, (pairs, pair), alive, mean)
    table = h.table.copy(deep=False)  # copy-on-write: the kept columns are shared, not copied
    at = table.columns.get_loc("expected_spend")
    for i, column in enumerate(["purchases", "purchases_low", "purchases_high"]):
        table.insert(at + i, column, (horizon.expected, horizon.low, horizon.high)[i][row])
    spend = table["expected_spend"].to_numpy()
    weight = np.bincount(row, weights=spend, minlength=len(h.unique))
    sensitivity = _sensitivity(model, h, weight, days, mean)
    spend_sensitivity = _spend_sensitivity(h, table["purchases"].to_numpy())
    return Forecast(
        months, row, pairs, pair, alive, np.diff(cumulative, axis=1), horizon, sensitivity,
        spend_sensitivity, table,
    )  # fmt: skip


def _sensitivity(model, h: Histories, weight, days, mean) -> np.ndarray:
    """d log(sum of expected purchases x spend) / d log-parameter, by forward differences
    (``mean``: the purchases if active per pair at the fitted parameters)."""
    names = PURCHASE_PARAMS[model.model].split()

    def total(params, alive, mean=None):
        with np.errstate(all="ignore"):
            if mean is None:
                mean = predictive.purchases_if_alive(
                    model.model, params, h.pairs[:, 0], h.pairs[:, 1], days
                )
        return float(np.nansum(alive * mean[h.pair] * weight))

    base = total(model.params, h.alive, mean)
    if not base > 0:
        return np.zeros(len(names))
    return np.array(
        [
            (total(_vary(model.params, names, i, STEP), h.moved_alive[i]) / base - 1) / STEP
            for i in range(len(names))
        ]
    )


def _spend_sensitivity(h: Histories, weight) -> np.ndarray:
    """d log(sum of expected purchases x spend) / d log-parameter of the spend model."""
    if not h.moved_spend:
        return np.zeros(0)
    base = float(np.sum(weight * h.spend_raw))
    if not base > 0:
        return np.zeros(3)
    return np.array([(float(np.sum(weight * moved)) / base - 1) / STEP for moved in h.moved_spend])


def clv(fc: Forecast, months: int, discount_rate: float = 0.01, margin: float = 1.0) -> np.ndarray:
    """CLV per customer over ``months`` 30-day months, on profit (spend x margin).

    Month ``i``'s expected purchases are discounted by ``(1 + discount_rate) ** i``, as in
    lifetimes' ``customer_lifetime_value``.
    """
    months = min(months, fc.monthly.shape[1])
    factors = (1 + discount_rate) ** -np.arange(1, months + 1)
    purchases = fc.alive * (fc.monthly[:, :months] @ factors)[fc.pair]
    return purchases[fc.row] * fc.table["expected_spend"].to_numpy() * margin


def _per_purchase(fc: Forecast, values: np.ndarray) -> np.ndarray:
    """Each customer's expected (discounted, margin-weighted) value of one purchase."""
    expected = fc.table["purchases"].to_numpy()
    with np.errstate(all="ignore"):
        return np.where(expected > 0, np.asarray(values, dtype="float64") / expected, 0.0)


def clv_range(fc: Forecast, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """80% range of each customer's value over the forecast's horizon: the range of their
    number of purchases, each at their expected value per purchase."""
    per_purchase = _per_purchase(fc, values)
    low, high = fc.table["purchases_low"].to_numpy(), fc.table["purchases_high"].to_numpy()
    return per_purchase * low, per_purchase * high


def total_interval(model: ClvModel, fc: Forecast, values: np.ndarray) -> tuple[float, float]:
    """80% interval of the total CLV: the parameters' uncertainty (delta method with the
    fits' curvature, purchase and spend models) plus the chance in each customer's buying
    (the sum of their variances), as a normal interval around the total."""
    values = np.asarray(values, dtype="float64")
    total = float(values.sum())
    relative = float(fc.sensitivity @ model.log_covariance @ fc.sensitivity)
    if model.spend.log_covariance is not None:
        slope = fc.spend_sensitivity
        relative += float(slope @ model.spend.log_covariance @ slope)
    chance = float(np.sum(fc.horizon.variance[fc.row] * _per_purchase(fc, values) ** 2))
    sd = np.sqrt(total**2 * max(relative, 0) + chance)
    return max(total - Z80 * sd, 0.0), total + Z80 * sd


CHURN_BANDS = ["low", "medium", "high"]


def churn_band(p_order: np.ndarray) -> pd.Categorical:
    """Churn risk from the chance of ordering in the horizon: high < 20% <= medium < 50%."""
    codes = np.where(p_order < 0.2, 2, np.where(p_order < 0.5, 1, 0))
    return pd.Categorical.from_codes(codes, CHURN_BANDS)


OUTLIER_PERCENTILE = 99.9
OUTLIER_SHARE = 0.5


def outlier_limit(base: CustomerBase, end: pd.Timestamp) -> float:
    """The shop's 99.9th percentile of order amounts, orders up to ``end``."""
    amounts = base.amount[base.day <= int(to_days(np.datetime64(end, "D")))]
    return float(np.percentile(amounts, OUTLIER_PERCENTILE)) if len(amounts) else float("inf")


def outliers(summary: pd.DataFrame, limit: float) -> np.ndarray:
    """Customers whose expected spend rests on one order far above the shop's: a repeat
    purchase day above ``limit`` (:func:`outlier_limit`) that makes at least half of the
    spend their expected spend is learnt from (repeat purchases)."""
    largest = summary["largest_repeat"].to_numpy()
    repeat_spend = (summary["frequency"] * summary["monetary_value"]).to_numpy()
    return (largest > limit) & (largest >= OUTLIER_SHARE * repeat_spend)


@dataclass(frozen=True)
class Settings:
    """The Value page's what-if settings (the CLI's defaults are the same)."""

    months: int = 12
    discount_rate: float = 0.01  # per month
    margin: float = 1.0
    churn_days: int = 90


def score_table(
    model: ClvModel, fc: Forecast, summary: pd.DataFrame, settings: Settings, limit: float,
    churn: pd.DataFrame | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Every prediction per customer (index like ``summary``), with its 80% range: the one
    table the Value page, the exports, the CLI and the PDF read. ``limit``: the outlier
    threshold (:func:`outlier_limit`); ``churn``: :func:`churn_columns`, when kept."""
    table = fc.table.copy(deep=False)  # copy-on-write: new columns only
    values = clv(fc, settings.months, settings.discount_rate, settings.margin)
    table["clv"] = values
    table["clv_low"], table["clv_high"] = clv_range(fc, values)
    # Why a range can be one figure (0 - 0): most likely no order at all in the horizon.
    some = _order_chance(model, settings.months * DAYS_PER_MONTH, fc.alive, fc.pairs, fc.pair)
    table["p_no_order"] = 1 - some[fc.row]
    if churn is None:
        churn = churn_columns(model, fc, summary, settings.churn_days, limit)
    for column in churn:
        table[column] = churn[column].array
    return table


def churn_columns(model: ClvModel, fc, summary: pd.DataFrame, days: int, limit: float):
    """What does not move with the CLV horizon: the chance to order within ``days``, its
    churn risk band and the outlier flag, per customer (``fc``: a Forecast or Histories)."""
    chance = _order_chance(model, days, fc.alive, fc.pairs, fc.pair)[fc.row]
    columns = {"chance_to_order": chance, "churn_risk": churn_band(chance)}
    return pd.DataFrame(columns | {"outlier": outliers(summary, limit)}, index=summary.index)


def rescore(table: pd.DataFrame, fc: Forecast, settings: Settings) -> pd.DataFrame:
    """:func:`score_table`'s table for another discount rate and margin (CLV and range)."""
    values = clv(fc, settings.months, settings.discount_rate, settings.margin)
    low, high = clv_range(fc, values)
    return table.assign(clv=values, clv_low=low, clv_high=high)


def dominated(values: np.ndarray) -> bool:
    """A mean pulled up by a few: over twice the median (then the median is shown too)."""
    values = np.asarray(values, dtype="float64")
    return bool(len(values) and np.mean(values) > 2 * max(np.median(values), 0))


def alive_grid(summary: pd.DataFrame, p_alive: np.ndarray, cap: int = 10) -> pd.DataFrame:
    """Mean P(alive) by repeat purchases (capped) and days since last purchase (10 bands)."""
    since = (summary["T"] - summary["recency"]).to_numpy()
    edges = np.unique(np.quantile(since, np.linspace(0, 1, 11)))
    band = np.clip(np.searchsorted(edges, since, side="right") - 1, 0, max(len(edges) - 2, 0))
    labels = [f"{edges[i]:.0f}-{edges[i + 1]:.0f}" for i in range(len(edges) - 1)]
    one = f"{edges[0]:.0f}"  # everybody last seen the same number of days ago: one band
    frame = pd.DataFrame(
        {
            "repeat_purchases": np.minimum(summary["frequency"].to_numpy(), cap).astype(int),
            "days_since_last": pd.Categorical.from_codes(band, labels) if len(edges) > 1 else one,
            "p_alive": p_alive,
        }
    )
    grid = frame.groupby(["repeat_purchases", "days_since_last"], observed=True)
    return grid["p_alive"].agg(p_alive="mean", customers="size").reset_index()


TOP_GROUPS = 15


def average_by(values: pd.Series, groups: pd.Series, chronological: bool = False) -> pd.DataFrame:
    """Mean of ``values`` per group (aligned on the customer index; coded or not): the largest
    :data:`TOP_GROUPS` groups, by average (or in label order when ``chronological``)."""
    frame = pd.DataFrame({"value": values, "group": groups.reindex(values.index)})
    stats = frame.dropna().groupby("group", observed=True)["value"].agg(["mean", "size"])
    if isinstance(stats.index, pd.CategoricalIndex):  # the labels as they would be uncoded
        stats.index = stats.index.astype(stats.index.categories.dtype)
    top = stats.nlargest(TOP_GROUPS, "size")
    top = top.sort_index() if chronological else top.sort_values("mean", ascending=False)
    return top["mean"].rename("clv").rename_axis("group").to_frame()

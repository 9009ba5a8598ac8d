"""What a fitted purchase model predicts for one customer history, written out for speed.

The BG/NBD, Modified BG/NBD and Pareto/NBD formulas (Fader, Hardie and Lee 2005; Batislam
et al. 2007; Fader and Hardie 2005 note 009), split in two:

- :func:`p_alive` depends on the whole history (frequency ``x``, recency ``t_x``, age ``T``);
- everything else depends only on ``x`` and ``T`` and the horizon ``t``: given that the
  customer is still active, the purchase rate is Gamma(r + x, alpha + T) and (BG family) the
  chance to leave after a purchase is Beta(a, b'), b' = b + x (+ 1 for the modified model,
  which also lets customers leave right after their first purchase); (Pareto/NBD) the
  drop-out rate is Gamma(s, beta + T).

So the expensive hypergeometric and incomplete-beta functions run once per distinct
(frequency, age) pair (a few thousand) rather than once per customer history (hundreds of
thousands): expected purchases = P(alive) x :func:`purchases_if_alive`, and the whole
distribution of the number of purchases in the horizon is P(alive) x :func:`at_least`.
Pareto/NBD's P(alive) comes from the likelihood's integral (:mod:`analytics.value.paretonbd`),
not from its hypergeometric closed form, whose series crawls when drop-out cannot be told.
Every time is in days. lifetimes' own methods give the same numbers (tests/test_clv.py).
scipy is imported in the functions, so that importing this module costs nothing.
"""

from __future__ import annotations

import numpy as np

LEVELS = (0.1, 0.9)  # an 80% range: the 10th and 90th percentiles
TAIL = 1e-7  # the distribution of purchases is summed until P(N >= n) falls below this
MAX_PURCHASES = 2000
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(24)  # Pareto/NBD: lifetime quadrature


def _bg_b(model: str, params: dict, x):
    """b' of the posterior Beta(a, b') of the drop-out chance of an active customer."""
    return params["b"] + x + (1.0 if model == "mbgnbd" else 0.0)


def p_alive(model: str, params: dict, x, t_x, T) -> np.ndarray:
    """P(the customer is still active at T) given x repeat purchases, the last at t_x."""
    from scipy.special import expit

    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    r, alpha = params["r"], params["alpha"]
    with np.errstate(all="ignore"):
        if model == "pareto":
            from analytics.value.paretonbd import p_alive as pareto_alive

            values = (r, alpha, params["s"], params["beta"])
            return _probability(pareto_alive(values, x, t_x, T))
        a = params["a"]
        # BG/NBD: the number of drop-out chances so far is x (none without a repeat);
        # modified: x + 1 (one right after the first purchase).
        b = params["b"] + (np.maximum(x, 1) - 1 if model == "bgnbd" else x)
        log_odds = np.log(a) - np.log(b) + (r + x) * np.log((alpha + T) / (alpha + t_x))
        out = expit(-log_odds)
        if model == "bgnbd":
            out = np.where(x == 0, 1.0, out)
    return _probability(out)


def p_alive_moved(model: str, params: dict, names: list[str], step: float, x, t_x, T):
    """P(alive), and P(alive) with each log-parameter of ``names`` moved by ``step`` (the
    forward differences of the ranges). Pareto/NBD's come from the exact derivatives of its
    log-odds, moved to first order: one pass of its quadrature instead of one per parameter
    (its histories at 1M customers: 4.1-4.4 s -> 1.9 s); the other models' are cheap as they are."""
    if model != "pareto":
        return p_alive(model, params, x, t_x, T), [
            p_alive(model, {**params, name: params[name] * np.exp(step)}, x, t_x, T)
            for name in names
        ]
    from scipy.special import expit

    from analytics.value.paretonbd import p_alive_slopes

    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    values = tuple(params[name] for name in ("r", "alpha", "s", "beta"))
    odds, slopes = p_alive_slopes(values, x, t_x, T)
    order = [("r", "alpha", "s", "beta").index(name) for name in names]
    with np.errstate(all="ignore"):
        return _probability(expit(odds)), [
            _probability(expit(odds + step * slopes[:, i])) for i in order
        ]


def _probability(p: np.ndarray) -> np.ndarray:
    return np.clip(np.nan_to_num(p, nan=0.0), 0, 1)


def purchases_if_alive(model: str, params: dict, x, T, t) -> np.ndarray:
    """Expected purchases in the next ``t`` days of a customer still active at ``T``."""
    from scipy.special import hyp2f1

    x, T = np.asarray(x, dtype="float64"), np.asarray(T, dtype="float64")
    r, alpha = params["r"], params["alpha"]
    with np.errstate(all="ignore"):
        if model == "pareto":
            s, beta = params["s"], params["beta"]
            rate = (r + x) / (alpha + T)
            if abs(s - 1) < 1e-8:  # the limit of the formula below at s = 1
                return rate * (beta + T) * np.log1p(t / (beta + T))
            survive = ((beta + T) / (beta + T + t)) ** (s - 1)
            return rate * (beta + T) / (s - 1) * (1 - survive)
        a = params["a"]
        b = _bg_b(model, params, x)
        big_a, c, z = r + x, a + b - 1, t / (alpha + T + t)
        ln_hyp = np.log(hyp2f1(big_a, b, c, z))
        # Where 2F1 overflows, Euler's transformation gives the same value (as lifetimes does).
        alt = np.log(hyp2f1(c - big_a, c - b, c, z)) + (c - big_a - b) * np.log(1 - z)
        ln_hyp = np.where(np.isinf(ln_hyp), alt, ln_hyp)
        out = c / (a - 1) * (1 - np.exp(ln_hyp + big_a * np.log((alpha + T) / (alpha + T + t))))
    failed = ~np.isfinite(out)
    if failed.any():  # both forms of 2F1 fail (c = a + b' - 1 below 0, an overflow), or a = 1
        rows = np.broadcast_arrays(x, T, b, t, failed)
        out[failed] = _if_alive_by_quadrature(r, alpha, a, *(v[rows[4]] for v in rows[:4]))
    return out


def _if_alive_by_quadrature(r, alpha, a, x, T, b, t) -> np.ndarray:
    """E[purchases in t | active at T] (BG family) as its integral over the drop-out chance
    p ~ Beta(a, b'): the mean of (1 - ((alpha + T) / (alpha + T + p t))^(r + x)) / p, per
    distinct row (the same integral tests/test_predictive.py checks the closed form with)."""
    import math

    from scipy import integrate
    from scipy.special import betaln

    unique, back = np.unique(np.column_stack([x, T, b, t]), axis=0, return_inverse=True)
    values = np.empty(len(unique))
    for i, (xi, ti, bi, hi) in enumerate(unique):
        shape, step, norm = r + xi, hi / (alpha + ti), betaln(a, bi)

        def mean_part(p, shape=shape, step=step, bi=bi, norm=norm):  # quadpack: 0 < p < 1
            lost = -math.expm1(-shape * math.log1p(p * step)) / p
            return lost * math.exp((a - 1) * math.log(p) + (bi - 1) * math.log1p(-p) - norm)

        # full_output: quadpack's best, without a warning when it says it could do no better
        values[i] = integrate.quad(mean_part, 0, 1, full_output=1)[0]
    return values[back.ravel()]


def _rate_at_least(n, x, T, t, params: dict):
    """P(at least n purchase chances in t days) for a Gamma(r + x, alpha + T) rate."""
    from scipy.special import betainc

    return betainc(n, params["r"] + x, t / (params["alpha"] + T + t))


def at_least(model: str, params: dict, x, T, t, n: int) -> np.ndarray:
    """P(at least ``n`` >= 1 purchases in the next ``t`` days | still active at ``T``)."""
    from scipy.special import gammaln

    x, T = np.asarray(x, dtype="float64"), np.asarray(T, dtype="float64")
    if model != "pareto":
        # Purchases come at the (gamma-mixed Poisson) rate, and after each one the customer
        # stays with chance 1 - p: reaching n purchases means n chances and n - 1 stays.
        a, b = params["a"], _bg_b(model, params, x)
        stay = np.exp(gammaln(b + n - 1) + gammaln(a + b) - gammaln(b) - gammaln(a + b + n - 1))
        return _rate_at_least(n, x, T, t, params) * stay
    # Pareto/NBD: the customer stays active for an exponential time with a Gamma(s, beta + T)
    # rate; buying goes on until then. Integrate over the time they stay, within t.
    s, beta = params["s"], params["beta"]
    tau = (_NODES[:, None] + 1) * t / 2  # nodes x customers
    survive = ((beta + T) / (beta + T + tau)) ** s
    density = s / (beta + T + tau) * survive
    within = (_WEIGHTS[:, None] * t / 2 * density * _rate_at_least(n, x, T, tau, params)).sum(0)
    stays = ((beta + T) / (beta + T + t)) ** s * _rate_at_least(n, x, T, t, params)
    return within + stays


def purchase_distribution(model: str, params: dict, x, T, t) -> tuple[np.ndarray, np.ndarray]:
    """P(N >= n | active) for n = 1, 2, ... per (x, T) pair, as a (pairs x n) matrix, summed
    until every pair's tail is below :data:`TAIL`, and E[N^2 | active] per pair.

    The same numbers as :func:`at_least` for each n, without an incomplete beta function
    per n: the chance of at least n purchase chances, I_z(n, r + x), follows from the one
    for n - 1 by I_z(n + 1, b) = I_z(n, b) - z^n (1 - z)^b / (n B(n, b)) (DLMF 8.17.20),
    each term the previous times z (n + b) / (n + 1), kept in logs; BG's chance to stay
    through n - 1 purchases likewise, times (b' + n - 1) / (a + b' + n - 1) per step. For
    Pareto/NBD the terms are those at the quadrature's nodes and at t, weighted as in
    :func:`at_least`."""
    x, T = np.asarray(x, dtype="float64"), np.asarray(T, dtype="float64")
    rate_shape, alpha = params["r"] + x, params["alpha"]
    if model == "pareto":
        s, beta = params["s"], params["beta"]
        tau = np.broadcast_to((_NODES[:, None] + 1) * t / 2, (len(_NODES), len(x)))
        density = s / (beta + T + tau) * ((beta + T) / (beta + T + tau)) ** s
        weight = np.vstack(
            [_WEIGHTS[:, None] * t / 2 * density, ((beta + T) / (beta + T + t)) ** s]
        )
        span = np.vstack([tau, np.full((1, len(x)), float(t))])
        a, b_stay, stay = None, None, None
    else:
        a, b_stay = params["a"], _bg_b(model, params, x)
        weight, span, stay = np.ones((1, len(x))), np.full((1, len(x)), float(t)), np.ones(len(x))
    with np.errstate(all="ignore"):
        log_z = np.log(span / (alpha + T + span))
        log_rest = np.log1p(-span / (alpha + T + span))
        chances = -np.expm1(rate_shape * log_rest)  # I_z(1, b) = 1 - (1 - z)^b
        log_term = log_z + rate_shape * log_rest + np.log(rate_shape)
    columns, second = [], np.zeros(len(x))
    active = np.arange(len(x))
    for n in range(1, MAX_PURCHASES + 1):
        found = (weight * chances).sum(0) * (1.0 if stay is None else stay)
        column = np.zeros(len(x))
        column[active] = found
        columns.append(column)
        second += (2 * n - 1) * column
        keep = found > TAIL
        active = active[keep]
        if not len(active):
            break
        weight, chances, log_term, log_z = (v[:, keep] for v in (weight, chances, log_term, log_z))
        rate_shape = rate_shape[keep]
        chances = np.maximum(chances - np.exp(log_term), 0.0)
        with np.errstate(all="ignore"):
            log_term = log_term + log_z + np.log(n + rate_shape) - np.log(n + 1)
        if stay is not None:
            b_stay = b_stay[keep]
            stay = stay[keep] * (b_stay + n - 1) / (a + b_stay + n - 1)
    # Stacked as rows and transposed: each n is one contiguous column, read fast n by n.
    return np.vstack(columns).T if columns else np.zeros((len(x), 0)), second


def percentile_counts(alive: np.ndarray, tail: np.ndarray, pair: np.ndarray, level: float):
    """The ``level`` percentile of the number of purchases per history: the number of n >= 1
    with P(N >= n) = alive x tail[pair, n] above 1 - level. The tail never grows with n (in
    floating point too: each term is the previous one less a positive amount, or times a
    factor below 1), so a history below the line at n stays below: only those still above
    are looked at again."""
    count = np.zeros(len(alive), dtype=np.int64)
    rows = np.arange(len(alive))
    for n in range(tail.shape[1]):
        column = tail[:, n]
        if column.max(initial=0) * alive.max(initial=0) <= 1 - level:
            break
        rows = rows[alive[rows] * column[pair[rows]] > 1 - level]
        if not len(rows):
            break
        count[rows] += 1
    return count

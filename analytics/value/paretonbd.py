"""The Pareto/NBD log-likelihood and its exact gradient, for a fast maximum-likelihood fit.

lifetimes writes the likelihood with Gauss's hypergeometric function (Fader and Hardie 2005,
note 009, eq. 18-20), whose derivatives in its parameters have no closed form, so it fits by
Nelder-Mead without gradients (minutes on large data). Here the same likelihood is written as
the integral it comes from, over the moment tau (between the last purchase t_x and the age T)
at which the customer dropped out:

    L = G(r + x) / G(r) alpha^r beta^s [ (alpha + T)^-(r + x) (beta + T)^-s
                                          + s I ],
    I = integral from t_x to T of (alpha + tau)^-(r + x) (beta + tau)^-(s + 1) dtau.

Its gradient is the derivative under the integral sign, written out (:func:`log_likelihood`):
d I / d alpha = -(r + x) integral f / (alpha + tau), d I / d r = -integral log(alpha + tau) f,
and the same for beta and s. Every integral is taken with the same rule: in w = log(c + tau)
(c = the smaller of alpha and beta), mapped so that the integrand's decay at t_x becomes
flat, then tanh-sinh quadrature (61 nodes), which keeps its accuracy where the integrand is
steep at one end. Against lifetimes' closed form the log-likelihood agrees to about 1e-13 on
CDNOW over a wide range of parameters (tests/test_clv.py), so the value and its gradient are
those of the published likelihood, to rounding. A cold fit first runs BFGS on a 17-node rule
(within about 1e-5 per customer) to come near the optimum, then finishes on the 61-node one
(:mod:`analytics.value.fitters`); rows go through in blocks of :data:`CHUNK`.

Pure numpy and scipy.special (imported in the functions); the fitter is in
:mod:`analytics.value.fitters`.
"""

from __future__ import annotations

import numpy as np


def tanh_sinh(step: float, half: int) -> tuple[np.ndarray, np.ndarray]:
    """Tanh-sinh nodes on (0, 1) and the logs of their weights (``2 half + 1`` nodes)."""
    j = np.arange(-half, half + 1) * step
    u = np.pi / 2 * np.sinh(j)
    return (np.tanh(u) + 1) / 2, np.log(step * np.pi / 4 * np.cosh(j) / np.cosh(u) ** 2)


# The rule every figure uses: 61 nodes, the log-likelihood within about 1e-13 of the closed
# form. COARSE (17 nodes, within about 1e-5 per customer) only brings the fit near its
# optimum, which is then found on FINE (analytics.value.fitters).
FINE = tanh_sinh(0.1, 30)
COARSE = tanh_sinh(0.25, 8)


def _quadrature(params, x, t_x, T, rule=FINE):
    """Per row: log of each node's contribution to I (nodes x rows), and alpha + tau and
    beta + tau at the nodes with their logs."""
    r, alpha, s, beta = params
    big_a, big_b = r + x, s + 1
    c = min(alpha, beta)
    w0, w1 = np.log(c + t_x), np.log(c + T)
    e0 = c + t_x
    # The integrand's rate of decay in w at t_x; the map below makes exp(-k w) flat.
    k = np.maximum(big_a * e0 / (alpha - c + e0) + big_b * e0 / (beta - c + e0) - 1, 1e-3)
    span = -np.expm1(-k * (w1 - w0))
    nodes, log_weights = rule
    stretch = np.log1p(-span * nodes[:, None])  # once, for w and for dw
    stretch /= -k
    # w = w0 + stretch; dw = span / k exp(k stretch) dy; tau = exp(w) - c
    log_term = np.log(span / k) + k * stretch + w0 + stretch  # log dw + w
    exp_w = np.exp(stretch)
    exp_w *= e0
    a = exp_w + (alpha - c)
    b = exp_w
    b += beta - c
    log_a, log_b = np.log(a), np.log(b)
    log_term += log_weights[:, None]
    log_term -= big_a * log_a
    log_term -= big_b * log_b
    return log_term, log_a, log_b, a, b


# Rows per block: the quadrature works on (nodes x rows) arrays, which for a few thousand
# rows stay in the processor's cache; on 200,000 rows at once it ran 7-12 times slower.
CHUNK = 2048


def _chunked(func, x, t_x, T, *args):
    """``func`` on blocks of :data:`CHUNK` rows, the results joined."""
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    if len(x) <= CHUNK:
        return func(x, t_x, T, *args)
    parts = [
        func(x[i : i + CHUNK], t_x[i : i + CHUNK], T[i : i + CHUNK], *args)
        for i in range(0, len(x), CHUNK)
    ]
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(p) for p in zip(*parts, strict=True))
    return np.concatenate(parts)


def log_likelihood(params, x, t_x, T, rule=FINE) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the Pareto/NBD log-likelihood and its gradient in (r, alpha, s, beta)
    (rows x 4). Time in any unit, the same for t_x, T, alpha and beta; ``rule``: the
    quadrature's nodes and log-weights."""
    return _chunked(lambda *a: _log_likelihood(params, *a, rule), x, t_x, T)


def _log_likelihood(params, x, t_x, T, rule):
    from scipy.special import gammaln, psi

    r, alpha, s, beta = params
    log_c = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    log_at, log_bt = np.log(alpha + T), np.log(beta + T)
    log_e = -(r + x) * log_at - s * log_bt  # still active at T
    with np.errstate(all="ignore"):
        log_term, log_a, log_b, a, b = _quadrature(params, x, t_x, T, rule)
        if not np.isfinite(log_term).all():
            log_term = np.where(np.isfinite(log_term), log_term, -np.inf)
    shift = np.maximum(log_e, log_term.max(axis=0))  # against underflow
    e = np.exp(log_e - shift)
    log_term -= shift
    term = np.exp(log_term, out=log_term)
    integral = term.sum(0)
    inner = e + s * integral
    ll = log_c + shift + np.log(inner)
    col = lambda u, v: np.einsum("ij,ij->j", u, v)  # noqa: E731 - sum over the nodes
    d_inner = np.column_stack(
        [
            -log_at * e - s * col(log_a, term),
            -(r + x) / (alpha + T) * e - s * (r + x) * col(np.reciprocal(a, out=a), term),
            -log_bt * e + integral - s * col(log_b, term),
            -s / (beta + T) * e - s * (s + 1) * col(np.reciprocal(b, out=b), term),
        ]
    )
    d_c = np.column_stack(
        [
            psi(r + x) - psi(r) + np.log(alpha),
            np.full(len(x), r / alpha),
            np.full(len(x), np.log(beta)),
            np.full(len(x), s / beta),
        ]
    )
    return ll, d_c + d_inner / inner[:, None]


def p_alive(params, x, t_x, T) -> np.ndarray:
    """P(still active at T | x, t_x, T): the likelihood's part where the customer is still
    active, (alpha + T)^-(r + x) (beta + T)^-s, over the whole; the same integral I, so the
    same accuracy, and no hypergeometric function (whose series crawls when s and beta run
    off together, as when nobody is seen leaving)."""
    from scipy.special import expit

    return expit(_chunked(lambda *a: _alive_log_odds(params, *a), x, t_x, T))


def p_alive_slopes(params, x, t_x, T) -> tuple[np.ndarray, np.ndarray]:
    """The log-odds of :func:`p_alive` and their derivatives in the log-parameters (rows x 4),
    from one pass of the quadrature. The log-odds are log E - log(s I), E the still-active
    part; I's derivatives are written as in :func:`log_likelihood`. A row whose odds do not
    move (no integral: t_x = T) gets slopes of 0."""
    return _chunked(lambda *a: _alive_log_odds(params, *a, slopes=True), x, t_x, T)


def _alive_log_odds(params, x, t_x, T, slopes: bool = False):
    r, alpha, s, beta = params
    log_at, log_bt = np.log(alpha + T), np.log(beta + T)
    log_e = -(r + x) * log_at - s * log_bt
    with np.errstate(all="ignore"):
        log_term, log_a, log_b, a, b = _quadrature(params, x, t_x, T)
        log_term = np.where(np.isfinite(log_term), log_term, -np.inf)
        top = log_term.max(axis=0)
        top = np.where(np.isfinite(top), top, 0.0)  # a row with no integral (t_x = T)
        term = np.exp(log_term - top)
        integral = term.sum(axis=0)
        odds = log_e - (np.log(s) + np.log(integral) + top)
        if not slopes:
            return odds
        # The mean of u under the integrand, over the nodes: d log I = -mean(d log f).
        mean = lambda u: np.einsum("ij,ij->j", u, term) / integral  # noqa: E731
        out = np.column_stack(
            [
                r * (mean(log_a) - log_at),
                alpha * (r + x) * (mean(np.reciprocal(a, out=a)) - 1 / (alpha + T)),
                s * (mean(log_b) - log_bt) - 1,
                beta * ((s + 1) * mean(np.reciprocal(b, out=b)) - s / (beta + T)),
            ]
        )
    return odds, np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)


def objective(log_params, x, t_x, T, weights, penalizer: float = 0.0, rule=FINE):
    """Mean negative log-likelihood (weighted rows) and its gradient in the log-parameters,
    with lifetimes' penalty (``penalizer`` x the sum of squared parameters, per row)."""
    params = np.exp(log_params)
    ll, grad = log_likelihood(params, x, t_x, T, rule)
    total = weights.sum()
    value = -np.dot(weights, ll) / total + penalizer * np.sum(params**2) / len(weights)
    gradient = -(weights @ grad) / total + 2 * penalizer * params / len(weights)
    if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
        return np.inf, np.zeros_like(log_params)
    return value, gradient * params

"""lifetimes' fitters as Lifecycle Lens uses them: the only module that imports lifetimes.

Imported on the first fit (see :mod:`analytics.value.clv`), so that a command or a page that fits
no model never loads lifetimes, autograd or scipy's optimisers.

The likelihoods are lifetimes' own; what changes is how they are minimised:

- **Robustly.** lifetimes runs BFGS once and calls anything short of its strict gradient
  tolerance a failure, so the same data fits or fails depending on rounding (one row per
  customer or unique rows with weights). Here a BFGS stop on "precision loss" is polished
  with Newton steps on the exact gradient and its finite-difference Hessian, then, if
  still not converged, BFGS starts again from other points; a fit is accepted when the
  gradient of the mean log-likelihood is below :data:`GRADIENT_TOLERANCE` (scipy's own
  default), and the best accepted fit wins.
- **With its curvature.** The Hessian of the mean negative log-likelihood at the optimum
  (finite differences of the exact gradient) gives the covariance of the log-parameters,
  ``inv(H) / customers`` (the Laplace approximation), from which :mod:`analytics.value.clv`
  draws its ranges.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from autograd import value_and_grad
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
from lifetimes.utils import ConvergenceError, _scale_time
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

# One BLAS thread for the whole process from the moment this module is imported: the fits'
# products are matrix-vector ones, which threads hardly speed up, and on a shared server
# whose cores are busy OpenBLAS's waiting threads made one 600,000-row dot product 80 times
# slower (median 36 ms against 0.45 ms on one thread, load average 8 on 2 cores).
threadpool_limits(limits=1, user_api="blas")

GRADIENT_TOLERANCE = 1e-5
RESTARTS = (-1.0, 1.5)  # other starting points, log-parameters all equal to these
STEP = 1e-4  # finite-difference step on the log-parameters
WARM_START = 50_000  # customers in a first, rough fit that starts the fit on large data
# Pareto/NBD starts from log-parameters 0 (every parameter 1, in scaled time), near where
# lifetimes starts it.
PARETO_START = np.zeros(4)


def hessian(gradient, x: np.ndarray, args=()) -> np.ndarray:
    """Symmetric central-difference Hessian of a function given its exact gradient."""
    h = np.empty((len(x), len(x)))
    for i in range(len(x)):
        e = np.zeros(len(x))
        e[i] = STEP
        h[:, i] = (gradient(x + e, *args) - gradient(x - e, *args)) / (2 * STEP)
    return (h + h.T) / 2


def value_hessian(f, x: np.ndarray, step: float = 1e-3) -> np.ndarray:
    """Central second differences of a function's value (1 + 2n + 2n(n - 1) calls)."""
    n, f0 = len(x), f(x)
    e = np.eye(n) * step
    h = np.empty((n, n))
    for i in range(n):
        h[i, i] = (f(x + e[i]) - 2 * f0 + f(x - e[i])) / step**2
        for j in range(i):
            h[i, j] = h[j, i] = (
                f(x + e[i] + e[j]) - f(x + e[i] - e[j]) - f(x - e[i] + e[j]) + f(x - e[i] - e[j])
            ) / (4 * step**2)
    return h


def covariance(h: np.ndarray, customers: float) -> np.ndarray:
    """Covariance of the log-parameters from the Hessian of the mean negative
    log-likelihood. Directions where the likelihood is flat (a ridge: the data cannot tell
    those parameters apart) are left out, as a pseudo-inverse does; predictions hardly move
    along them, and the model's warnings say when drop-out cannot be told."""
    if not np.all(np.isfinite(h)):
        return np.zeros_like(h)  # no curvature to read: ranges from the chance in buying only
    return np.linalg.pinv(h, rcond=1e-10, hermitian=True) / customers


def minimise(objective, x0: np.ndarray, args=(), tol: float = 1e-7, **options):
    """Minimise ``objective`` (returning value and gradient) from ``x0``, then polish or
    restart as described in the module docstring. Returns the optimum and its value, or
    raises ConvergenceError."""
    gradient = lambda x, *a: objective(x, *a)[1]  # noqa: E731
    best = None
    for start in (x0, *(np.full(len(x0), v) for v in RESTARTS)):
        out = minimize(
            objective, start, args=args, jac=True, method="BFGS", tol=tol, options=options
        )
        if not out.success and np.all(np.isfinite(out.x)):
            out = minimize(
                objective,
                out.x,
                args=args,
                jac=True,
                hess=lambda x, *a: hessian(gradient, x, a),
                method="trust-exact",
                options={"gtol": GRADIENT_TOLERANCE, "maxiter": 50},
            )
        converged = (
            np.all(np.isfinite(out.x))
            and np.isfinite(out.fun)
            and (out.success or np.max(np.abs(out.jac)) < GRADIENT_TOLERANCE)
        )
        if converged and (best is None or out.fun < best.fun):
            best = out
        if best is not None:
            break
        options = {k: v for k, v in options.items() if k != "hess_inv0"}  # for x0 only
    if best is None:
        raise ConvergenceError("The model did not converge.")
    return best.x, best.fun


class _Robust:
    """A lifetimes fitter minimised by :func:`minimise`, keeping its curvature (unless
    ``curvature`` is given: the mean curvature per customer read elsewhere)."""

    curvature = None

    def _fit(self, args, initial_params, params_size, disp, tol=1e-7, bounds=None, **kwargs):
        x0 = 0.1 * np.ones(params_size) if initial_params is None else initial_params
        objective = self._objective()
        x, fun = minimise(objective, np.asarray(x0, dtype="float64"), args, tol, **kwargs)
        if self.curvature is None:
            self.hessian_ = hessian(lambda y, *a: objective(y, *a)[1], x, args)
        else:
            self.hessian_ = self.curvature
        self.log_covariance_ = covariance(self.hessian_, float(np.sum(args[-2])))
        return x, fun, None

    def _objective(self):
        """The mean negative log-likelihood with its gradient (autograd's, by default)."""
        return value_and_grad(self._negative_log_likelihood)

    # lifetimes' standard errors rest on its own Hessian; Lifecycle Lens uses
    # log_covariance_ instead.
    def _compute_variance_matrix(self):
        return None

    def _compute_standard_errors(self):
        return None

    def _compute_confidence_intervals(self):
        return None


def _distinct(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of ``x`` and each row's position among them (whole numbers, as
    frequencies are, without a sort)."""
    whole = x.astype(np.int64)
    if len(x) and np.array_equal(whole, x) and 0 <= whole.min() and whole.max() < 100_000:
        return np.arange(whole.max() + 1, dtype="float64"), whole
    return np.unique(x, return_inverse=True)


def gamma_gamma_objective(log_params, x, m, weights, penalizer):
    """lifetimes' GammaGammaFitter._negative_log_likelihood (mean over weighted rows, its
    penalty) and its exact gradient in the log-parameters (log p, log q, log v)."""
    from scipy.special import gammaln, psi

    params = np.exp(np.asarray(log_params, dtype="float64"))
    p, q, v = params
    px = p * x
    log_xmv, log_m, log_x = np.log(x * m + v), np.log(m), np.log(x)
    # The special functions depend on the frequency only: once per distinct frequency.
    counts, at = _distinct(x)
    gamma_part = (gammaln(p * counts + q) - gammaln(p * counts))[at]
    psi_pxq, psi_px = psi(p * counts + q)[at], psi(p * counts)[at]
    ll = gamma_part - gammaln(q) + q * np.log(v) + (px - 1) * log_m + px * log_x
    ll -= (px + q) * log_xmv
    total = weights.sum()
    value = -np.dot(weights, ll) / total + penalizer * np.sum(params**2)
    d_p = x * (psi_pxq - psi_px + log_m + log_x - log_xmv)
    d_q = psi_pxq - psi(q) + np.log(v) - log_xmv
    d_v = q / v - (px + q) / (x * m + v)
    grad = -np.array([weights @ d_p, weights @ d_q, weights @ d_v]) / total
    grad = (grad + 2 * penalizer * params) * params
    if not np.isfinite(value) or not np.all(np.isfinite(grad)):
        return np.inf, np.zeros(3)
    return value, grad


class BetaGeo(_Robust, BetaGeoFitter):
    pass


class ModifiedBetaGeo(_Robust, ModifiedBetaGeoFitter):
    pass


class SpendFitter(_Robust, GammaGammaFitter):
    """Gamma-Gamma. When spend hardly varies between customers, q and v grow together
    without bound on a flat ridge; the expected spend v p / (q - 1) is still well defined
    there, and the gradient test accepts such a stop.

    Its likelihood is lifetimes' own, with the gradient written out in numpy (autograd's
    tape costs seconds per evaluation on a million customers)."""

    def _objective(self):
        return gamma_gamma_objective


class ParetoNBD(ParetoNBDFitter):
    """Pareto/NBD by maximum likelihood with its exact gradient
    (:mod:`analytics.value.paretonbd`), minimised by :func:`minimise` as the other models
    are, in lifetimes' scaled time (the largest age is 1, so that its penalty means the same);
    lifetimes' own fit is Nelder-Mead without gradients. Its curvature is the Hessian of the
    mean log-likelihood in log-parameters (finite differences of the exact gradient), the
    same in any time unit."""

    curvature = None

    def fit(self, frequency, recency, T, weights=None, initial_params=None, **options):
        from analytics.value.paretonbd import objective

        x, t_x, age = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
        w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype="float64")
        self._scale = _scale_time(age)
        args = (x, t_x * self._scale, age * self._scale, w, self.penalizer_coef)
        x0 = PARETO_START if initial_params is None else np.asarray(initial_params, dtype=float)
        if initial_params is None:  # a cold start: near the optimum on the coarse rule first
            x0, options = _coarse_start(objective, x0, args, options)
        log_params, fun = minimise(objective, x0, args, **options)
        if self.curvature is None:
            self.hessian_ = hessian(lambda y, *a: objective(y, *a)[1], log_params, args)
        else:
            self.hessian_ = self.curvature
        self.log_covariance_ = covariance(self.hessian_, w.sum())
        self._negative_log_likelihood_ = fun
        params = np.exp(log_params) / np.array([1, self._scale, 1, self._scale])
        self.params_ = pd.Series(params, index=["r", "alpha", "s", "beta"])
        self.predict = self.conditional_expected_number_of_purchases_up_to_time
        return self


def _coarse_start(objective, x0: np.ndarray, args: tuple, options: dict):
    """Pareto/NBD's start for the fit on the fine quadrature: BFGS on the coarse rule (17
    nodes instead of 61, the likelihood within about 1e-5 per customer), stopped at a loose
    tolerance, with its inverse Hessian as the fine BFGS's first guess of the curvature. The
    fine fit then takes a few steps and ends where a cold fine fit would (the same
    likelihood, the same tolerance); without a usable coarse result it starts cold."""
    from analytics.value.paretonbd import COARSE

    out = minimize(objective, x0, args=(*args, COARSE), jac=True, method="BFGS", tol=1e-7)
    guess = np.asarray(out.hess_inv)
    usable = np.all(np.isfinite(out.x)) and np.isfinite(out.fun) and np.all(np.isfinite(guess))
    if not usable or np.any(np.linalg.eigvalsh((guess + guess.T) / 2) <= 0):
        return x0, options
    return out.x, {**options, "hess_inv0": (guess + guess.T) / 2}


FITTERS = {"bgnbd": BetaGeo, "mbgnbd": ModifiedBetaGeo, "pareto": ParetoNBD}
TIME_PARAMS = {"bgnbd": [1], "mbgnbd": [1], "pareto": [1, 3]}  # parameters in time units


def fit_purchases(model: str, unique: np.ndarray, counts: np.ndarray, penalizer: float):
    """Fit a purchase model on unique (frequency, recency, T) rows with their counts.

    On large data every model starts from a rough fit on a random :data:`WARM_START`
    customers (their counts thinned at random), with that fit's inverse Hessian as BFGS's
    first guess of the curvature: the full fit then needs a few steps instead of dozens,
    and ends at the same optimum (it is the same likelihood and the same tolerance). The
    curvature per customer is then read on that random sample (at 50,000 customers its
    error is well under 1%), which saves the full data's most expensive step.
    """
    x, t_x, age = unique[:, 0].astype(int), unique[:, 1], unique[:, 2]
    start, curvature = {}, None
    if counts.sum() > 4 * WARM_START:
        thinned = np.random.default_rng(0).binomial(counts, WARM_START / counts.sum())
        keep = thinned > 0
        try:
            rough = FITTERS[model](penalizer_coef=penalizer)
            rough.fit(x[keep], t_x[keep], age[keep], weights=thinned[keep])
            log_params = np.log(rough.params_.to_numpy(dtype="float64"))
            # alpha (and Pareto/NBD's beta) in the full fit's time unit
            log_params[TIME_PARAMS[model]] += np.log(_scale_time(age))
            start = {"initial_params": log_params}
            if np.all(np.linalg.eigvalsh(rough.hessian_) > 1e-8):
                guess = np.linalg.inv(rough.hessian_)
                start["hess_inv0"] = (guess + guess.T) / 2
                curvature = rough.hessian_
        except ConvergenceError:
            start = {}
    fitter = FITTERS[model](penalizer_coef=penalizer)
    fitter.curvature = curvature
    try:
        return fitter.fit(x, t_x, age, weights=counts, **start)
    except (ConvergenceError, ValueError):
        if not start:
            raise
    return FITTERS[model](penalizer_coef=penalizer).fit(x, t_x, age, weights=counts)


def fit_spend(frequency: np.ndarray, monetary: np.ndarray, counts: np.ndarray) -> SpendFitter:
    """Gamma-Gamma on distinct (frequency, spend) rows with their counts. (A warm start on a
    sample, as :func:`fit_purchases` does, saved 10% at 1M customers once the gradient was
    written out, and would read the curvature on the sample: left out.)"""
    return SpendFitter(penalizer_coef=0.0).fit(frequency, monetary, weights=counts)

"""The fitters (analytics/value/fitters.py) on functions whose answers are known by hand, on
lifetimes' own likelihoods, and on the 2,357-customer CDNOW sample in weeks against the
figures published for it: Fader, Hardie and Lee (2005) for BG/NBD (r 0.243, alpha 4.414,
a 0.793, b 2.426), Fader and Hardie's note 009 for Pareto/NBD (r 0.55, alpha 10.58, s 0.61,
beta 11.67) and note 025 for Gamma-Gamma (p 6.25, q 3.74, v 15.44). Each fit takes well
under a second.
"""

import numpy as np
import pandas as pd
import pytest
from lifetimes import (
    BetaGeoFitter,
    GammaGammaFitter,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
)
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value
from lifetimes.utils import ConvergenceError

from analytics.value import fitters, paretonbd

BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PARETO = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}
SPEND = {"p": 6.25, "q": 3.74, "v": 15.44}


@pytest.fixture(scope="module")
def weeks():
    d = load_cdnow_summary_data_with_monetary_value()
    return tuple(d[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))


@pytest.fixture(scope="module")
def repeat():
    d = load_cdnow_summary_data_with_monetary_value()
    d = d[d["frequency"] > 0]
    return d["frequency"].to_numpy(dtype="float64"), d["monetary_value"].to_numpy(dtype="float64")


@pytest.fixture(scope="module")
def pareto(weeks):
    return fitters.ParetoNBD().fit(*weeks)


def _grad(y, c):
    """The gradient of f(y) = c (y0^2 y1 + 3 y1^2 + 2 y0): c (2 y0 y1 + 2, y0^2 + 6 y1)."""
    return c * np.array([2 * y[0] * y[1] + 2, y[0] ** 2 + 6 * y[1]])


def test_hessian_from_a_gradient_by_hand():
    # The Hessian of f above is c [[2 y1, 2 y0], [2 y0, 6]]; at (1.5, -2) with c = 3 it is
    # [[-12, 9], [9, 18]]. The gradient is quadratic: central differences are exact.
    h = fitters.hessian(_grad, np.array([1.5, -2.0]), (3.0,))
    assert h == pytest.approx(np.array([[-12.0, 9.0], [9.0, 18.0]]), abs=1e-7)
    # A field that is no gradient, (y1, 0): its Jacobian [[0, 1], [0, 0]] made symmetric.
    h = fitters.hessian(lambda y: np.array([y[1], 0.0]), np.array([0.3, 0.7]))
    assert h == pytest.approx(np.array([[0.0, 0.5], [0.5, 0.0]]), abs=1e-9)
    # Of a cubic's gradient (y0^3, 0) at 0 the central difference is ((h^3 - (-h)^3) / 2h) =
    # h^2 with the step h = 1e-4: 1e-8.
    h = fitters.hessian(lambda y: np.array([y[0] ** 3, 0.0]), np.zeros(2))
    assert h[0, 0] == pytest.approx(fitters.STEP**2, rel=1e-6) and h[0, 0] == pytest.approx(1e-8)


def test_value_hessian_by_hand():
    # f = y0^2 + 3 y0 y1 + 2 y1^2 + y1 y2 - 5 y2^2 - y0:
    # its Hessian is [[2, 3, 0], [3, 4, 1], [0, 1, -10]].
    def f(y):
        return y[0] ** 2 + 3 * y[0] * y[1] + 2 * y[1] ** 2 + y[1] * y[2] - 5 * y[2] ** 2 - y[0]

    h = fitters.value_hessian(f, np.array([0.4, -1.1, 2.0]))
    want = np.array([[2.0, 3.0, 0.0], [3.0, 4.0, 1.0], [0.0, 1.0, -10.0]])
    assert h == pytest.approx(want, abs=1e-6)
    # y0^4 at 0: the second difference is (h^4 - 0 + h^4) / h^2 = 2 h^2, and y0^3 y1 at 0:
    # (h^4 + h^4 + h^4 + h^4) / 4h^2 = h^2; the default step is 1e-3, here also 0.1.
    quartic = fitters.value_hessian(lambda y: y[0] ** 4 + y[0] ** 3 * y[1], np.zeros(2))
    assert quartic == pytest.approx(np.array([[2e-6, 1e-6], [1e-6, 0.0]]), abs=1e-12)
    coarse = fitters.value_hessian(lambda y: y[0] ** 4 + y[0] ** 3 * y[1], np.zeros(2), step=0.1)
    assert coarse == pytest.approx(np.array([[0.02, 0.01], [0.01, 0.0]]), abs=1e-12)


def test_covariance_is_the_inverse_curvature_per_customer():
    # diag(2, 4) over 10 customers: 1 / 20 and 1 / 40.
    cov = fitters.covariance(np.diag([2.0, 4.0]), 10.0)
    assert cov == pytest.approx(np.diag([0.05, 0.025]), abs=1e-15)
    # A ridge: [[1, 1], [1, 1]] has eigenvalue 2 along (1, 1) / sqrt 2 and 0 across it; the
    # pseudo-inverse keeps 1/2 along the ridge's normal: [[1/4, 1/4], [1/4, 1/4]].
    cov = fitters.covariance(np.ones((2, 2)), 1.0)
    assert cov == pytest.approx(np.full((2, 2), 0.25), abs=1e-12)
    # A direction 1e-12 as curved as the other (below rcond 1e-10) counts as flat; 1e-8 not.
    assert fitters.covariance(np.diag([1.0, 1e-12]), 2.0) == pytest.approx(
        np.diag([0.5, 0.0]), abs=1e-12
    )
    assert fitters.covariance(np.diag([1.0, 1e-8]), 1.0)[1, 1] == pytest.approx(1e8)
    # No curvature to read: no spread at all, never NaN.
    bad = np.array([[1.0, np.nan], [np.nan, 1.0]])
    assert np.array_equal(fitters.covariance(bad, 5.0), np.zeros((2, 2)))
    inf = np.array([[np.inf, 0.0], [0.0, 1.0]])
    assert np.array_equal(fitters.covariance(inf, 5.0), np.zeros((2, 2)))


def _bowl(x, c):
    """sum (x - c)^2: its minimum 0 at c."""
    return float(np.sum((x - c) ** 2)), 2 * (x - c)


def _rosenbrock(x):
    """(1 - x0)^2 + 100 (x1 - x0^2)^2: its minimum 0 at (1, 1), a long curved valley."""
    value = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
    grad = np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])
    return value, grad


def test_minimise_finds_a_known_minimum():
    c = np.array([2.0, -3.0, 0.5])
    x, fun = fitters.minimise(_bowl, np.zeros(3), (c,))
    assert x == pytest.approx(c, abs=1e-6) and fun == pytest.approx(0, abs=1e-10)
    x, fun = fitters.minimise(_rosenbrock, np.array([-1.2, 1.0]))
    assert x == pytest.approx([1, 1], abs=1e-4) and fun < 1e-8


def test_minimise_polishes_a_stopped_bfgs_with_newton_steps():
    # One BFGS step cannot cross Rosenbrock's valley from (-1.2, 1): BFGS stops unconverged
    # (from every start), and the Newton steps on the exact gradient end at (1, 1).
    x, fun = fitters.minimise(_rosenbrock, np.array([-1.2, 1.0]), maxiter=1)
    assert x == pytest.approx([1, 1], abs=1e-4) and fun < 1e-8


def _valley(x, d, c):
    """sum d (x - c)^2 / 2 in 80 dimensions, its curvatures d from 1 to 1e6."""
    return float(np.sum(d * (x - c) ** 2) / 2), d * (x - c)


def test_minimise_polishes_an_ill_conditioned_valley_with_newton_steps():
    # BFGS stopped after 2 steps cannot learn 80 curvatures spread over six orders of
    # magnitude (nor in 50 more); Newton steps on the exact curvature land on c at once.
    d, c = np.logspace(0, 6, 80), np.linspace(-1, 1, 80)
    x, fun = fitters.minimise(_valley, np.zeros(80), (d, c), maxiter=2)
    assert x == pytest.approx(c, abs=1e-6) and fun == pytest.approx(0, abs=1e-10)


def _quartic(x, c):
    """(x - c)^4: each Newton step closes only a third of the distance to c."""
    return float(np.sum((x - c) ** 4)), 4 * (x - c) ** 3


def test_minimise_gives_up_after_fifty_newton_steps():
    # With BFGS given no step (maxiter 0), the Newton steps start from 0, -1 and 1.5. To
    # bring the gradient 4 d^3 below 1e-5 (d < 0.0136) from a distance of 13,000 they need
    # 50 steps (trust region included; counted with scipy's own trust-exact), from 14,000
    # 51: past the 50 allowed, a fit that does not converge rather than one that runs on.
    x, _ = fitters.minimise(_quartic, np.zeros(1), (13_000.0,), maxiter=0)
    assert x == pytest.approx([13_000], abs=0.0136)
    with pytest.raises(ConvergenceError):
        fitters.minimise(_quartic, np.zeros(1), (14_000.0,), maxiter=0)


def test_minimise_accepts_a_gradient_only_below_the_tolerance():
    # A value no step can improve (it never changes), its gradient (g, 0): kept where it
    # stands when g is below 1e-5, refused at 1e-5 itself.
    x, fun = fitters.minimise(lambda y: (1.0, np.array([0.99e-5, 0.0])), np.zeros(2))
    assert np.array_equal(x, np.zeros(2)) and fun == 1.0
    with pytest.raises(ConvergenceError):
        fitters.minimise(lambda y: (1.0, np.array([1e-5, 0.0])), np.zeros(2))


def _cliff(x):
    """(x + 1/2)^2 summed, defined only where every x < 1/2: the start 1 is off the edge."""
    if np.any(x >= 0.5):
        return np.inf, np.zeros(len(x))
    return _bowl(x, -0.5)


def test_minimise_restarts_elsewhere_when_the_start_fails():
    # From 1 the value is infinite (no fit); the first restart, every log-parameter -1, is on
    # the defined side and ends at -1/2.
    x, fun = fitters.minimise(_cliff, np.ones(2))
    assert x == pytest.approx([-0.5, -0.5], abs=1e-6) and fun == pytest.approx(0, abs=1e-10)
    # With a guess of the inverse curvature (the bowl's own, I / 2) for the first start.
    x, _ = fitters.minimise(_cliff, np.ones(2), hess_inv0=np.eye(2) / 2)
    assert x == pytest.approx([-0.5, -0.5], abs=1e-6)


def _wells(x):
    """(x^2 - 1)^2 + 0.3 x: a shallow minimum near +0.96 (0.29) and a deeper one near -1.04."""
    return float((x[0] ** 2 - 1) ** 2 + 0.3 * x[0]), np.array([4 * x[0] * (x[0] ** 2 - 1) + 0.3])


def test_minimise_keeps_the_first_fit_that_converges():
    # Started near the shallow minimum it stays there: the restarts are only for a failed fit
    # (a warm start near the optimum must not be thrown away for another basin).
    x, fun = fitters.minimise(_wells, np.array([0.9]))
    assert 0.9 < x[0] < 1 and fun == pytest.approx(_wells(x)[0]) and fun > 0.2


def test_minimise_says_when_nothing_converges():
    with pytest.raises(ConvergenceError) as error:
        fitters.minimise(lambda x: (np.inf, np.zeros(len(x))), np.zeros(2))
    assert str(error.value) == "The model did not converge."  # as lifetimes' own begins


def test_a_stop_on_a_flat_ridge_is_accepted():
    """Spend per order drawn from one gamma(4, 20) for all 500 customers: Gamma-Gamma's q and
    v run off together on a flat ridge. Here BFGS stops on precision loss and so do the
    Newton steps, with the gradient below 1e-5 in every direction (its length just above):
    the stop is kept, and the expected spend is the population's mean, 80."""
    rng = np.random.default_rng(131)
    frequency = rng.integers(1, 6, 500).astype(float)
    monetary = np.array([rng.gamma(4, 20, int(f)).mean() for f in frequency])
    fitted = fitters.fit_spend(frequency, monetary, np.ones(500))
    p, q, v = fitted.params_
    assert q > 1000 and p * v / (q - 1) == pytest.approx(80, rel=0.05)


def test_distinct_positions_give_back_every_value():
    for x in (
        np.array([3.0, 0.0, 3.0, 1.0, 7.0]),
        np.array([1.5, 0.5, 1.5]),
        np.array([2.0, -1.0, 2.0]),
        np.array([100_000.0, 1.0, 100_000.0]),
    ):
        values, at = fitters._distinct(x)
        assert np.array_equal(values[at], x)
    values, at = fitters._distinct(np.array([], dtype="float64"))
    assert len(values) == 0 and len(at) == 0


M = np.array([12.5, 30.0, 8.25, 55.0, 19.0])
X = np.array([1.0, 4.0, 2.0, 1.0, 9.0])
W = np.array([3.0, 1.0, 2.0, 1.0, 5.0])


@pytest.mark.parametrize("point", [(6.25, 3.74, 15.44), (0.8, 1.5, 40.0), (20.0, 9.0, 2.0)])
@pytest.mark.parametrize("penalizer", [0.0, 0.1])
def test_gamma_gamma_objective_equals_lifetimes_with_its_gradient(point, penalizer):
    log_params = np.log(point)
    value, grad = fitters.gamma_gamma_objective(log_params, X, M, W, penalizer)
    theirs = GammaGammaFitter._negative_log_likelihood(log_params, X, M, W, penalizer)
    assert value == pytest.approx(theirs, rel=1e-12)
    # Weights are repeated rows: row i written W[i] times, each with weight 1.
    rows = np.repeat(np.arange(5), W.astype(int))
    plain = fitters.gamma_gamma_objective(log_params, X[rows], M[rows], np.ones(len(rows)), 0)
    assert plain[0] + penalizer * np.sum(np.exp(log_params) ** 2) == pytest.approx(value)
    for i in range(3):
        step = np.zeros(3)
        step[i] = 1e-6
        up = GammaGammaFitter._negative_log_likelihood(log_params + step, X, M, W, penalizer)
        down = GammaGammaFitter._negative_log_likelihood(log_params - step, X, M, W, penalizer)
        assert grad[i] == pytest.approx((up - down) / 2e-6, rel=1e-5, abs=1e-8)


def test_gamma_gamma_objective_with_fractional_frequencies_equals_lifetimes():
    x = np.array([0.5, 2.25, 0.5, 3.0])
    log_params = np.log([2.0, 3.0, 10.0])
    value, _ = fitters.gamma_gamma_objective(log_params, x, M[:4], np.ones(4), 0.0)
    theirs = GammaGammaFitter._negative_log_likelihood(log_params, x, M[:4], np.ones(4), 0.0)
    assert value == pytest.approx(theirs, rel=1e-12)


def test_gamma_gamma_objective_says_infinite_where_undefined():
    # A spend of 0 has no log: the likelihood is undefined, which the optimiser must avoid.
    m = np.array([10.0, 0.0])
    value, grad = fitters.gamma_gamma_objective(np.log([6.0, 4.0, 15.0]), X[:2], m, W[:2], 0.0)
    assert value == np.inf and np.array_equal(grad, np.zeros(3))
    # A finite value (lifetimes' is 706.7) with a gradient that overflows: q = e^-700 puts
    # psi(q) near -1e304, and 100,000 customers a row take the weighted sum past the largest
    # float. No step can be taken from there: undefined too.
    lp = np.array([np.log(6.0), -700.0, np.log(15.0)])
    many = np.array([1e5, 1e5])
    assert np.isfinite(GammaGammaFitter._negative_log_likelihood(lp, X[:2], M[:2], many, 0.0))
    value, grad = fitters.gamma_gamma_objective(lp, X[:2], M[:2], many, 0.0)
    assert value == np.inf and np.array_equal(grad, np.zeros(3))
    # Infinite value and gradient (v overflows): undefined.
    huge = np.log([6.0, 4.0, 1e308]) + np.array([0.0, 0.0, 1.0])
    value, grad = fitters.gamma_gamma_objective(huge, X[:2], M[:2], W[:2], 0.0)
    assert value == np.inf and np.array_equal(grad, np.zeros(3))


def test_bgnbd_matches_the_published_cdnow_figures_with_its_curvature(weeks):
    fitted = fitters.BetaGeo().fit(*weeks)
    params = fitted.params_.to_dict()
    assert params == pytest.approx(BGNBD, abs=0.0015)
    assert fitted.variance_matrix_ is None and fitted.standard_errors_ is None
    assert fitted.confidence_intervals_ is None
    # The curvature is that of lifetimes' own mean negative log-likelihood at the optimum, in
    # log-parameters (scaled time, as the fit); its inverse over 2,357 customers the covariance.
    x, t_x, age = weeks
    scale = 1 / age.max()
    at = np.log([params["r"], params["alpha"] * scale, params["a"], params["b"]])

    def nll(y):
        return BetaGeoFitter._negative_log_likelihood(
            y, x.astype(int), t_x * scale, age * scale, np.ones(len(x)), 0.0
        )

    curvature = fitters.value_hessian(nll, at)
    assert fitted.hessian_ == pytest.approx(curvature, rel=2e-3, abs=1e-4)
    assert fitted.log_covariance_ == pytest.approx(np.linalg.inv(curvature) / 2357, rel=1e-2)


def test_bgnbd_in_days_scales_only_the_rate(weeks):
    # The same customers measured in days: alpha (a time) is 7 times larger, the rest equal.
    x, t_x, age = weeks
    days = fitters.BetaGeo().fit(x, 7 * t_x, 7 * age).params_
    want = {**BGNBD, "alpha": 7 * BGNBD["alpha"]}
    assert days.to_dict() == pytest.approx(want, rel=5e-3)


def test_weights_count_customers(weeks):
    # Every customer counted twice: the same optimum, the same curvature per customer, half
    # the covariance (twice the customers).
    once = fitters.BetaGeo().fit(*weeks)
    twice = fitters.BetaGeo().fit(*weeks, weights=np.full(len(weeks[0]), 2.0))
    assert twice.params_.to_numpy() == pytest.approx(once.params_.to_numpy(), rel=1e-6)
    assert twice.log_covariance_ == pytest.approx(once.log_covariance_ / 2, rel=1e-4)


def test_a_given_curvature_is_kept(weeks):
    curvature = np.diag([1.0, 2.0, 4.0, 8.0])
    fitter = fitters.BetaGeo()
    fitter.curvature = curvature
    fitted = fitter.fit(*weeks)
    assert fitted.params_.to_dict() == pytest.approx(BGNBD, abs=0.0015)
    assert fitted.hessian_ is curvature
    assert fitted.log_covariance_ == pytest.approx(np.diag([1, 0.5, 0.25, 0.125]) / 2357)


def test_modified_bgnbd_equals_plain_lifetimes_on_cdnow(weeks):
    ours = fitters.ModifiedBetaGeo().fit(*weeks).params_
    theirs = ModifiedBetaGeoFitter().fit(*weeks).params_
    assert ours.to_numpy() == pytest.approx(theirs.to_numpy(), rel=1e-4)


def test_a_penalty_pulls_the_parameters_toward_zero(weeks):
    free = fitters.BetaGeo().fit(*weeks).params_
    penalised = fitters.BetaGeo(penalizer_coef=0.1).fit(*weeks).params_
    theirs = BetaGeoFitter(penalizer_coef=0.1).fit(*weeks).params_
    assert penalised.to_numpy() == pytest.approx(theirs.to_numpy(), rel=1e-3)
    assert penalised["a"] < free["a"] and penalised["b"] < free["b"]


def test_pareto_nbd_matches_the_published_cdnow_figures(weeks, pareto):
    assert pareto.params_.to_dict() == pytest.approx(PARETO, abs=0.006)
    assert list(pareto.params_.index) == ["r", "alpha", "s", "beta"]
    # Its value is lifetimes' closed-form negative log-likelihood at the optimum (in scaled
    # time: largest age 1), per customer: lifetimes divides the sum by the mean weight, 1.
    x, t_x, age = weeks
    scale = 1 / age.max()
    scaled = pareto.params_.to_numpy() * np.array([1, scale, 1, scale])
    closed = ParetoNBDFitter._negative_log_likelihood(
        scaled, x.astype(int), t_x * scale, age * scale, np.ones(len(x)), 0.0
    )
    assert pareto._negative_log_likelihood_ == pytest.approx(closed / len(x), rel=1e-8)
    # predict is the expected purchases of lifetimes' formula at the fitted parameters.
    theirs = ParetoNBDFitter()
    theirs.params_ = pareto.params_
    assert pareto.predict(10, 2, 30.0, 35.0) == pytest.approx(
        theirs.conditional_expected_number_of_purchases_up_to_time(10, 2, 30.0, 35.0)
    )
    # Its curvature: finite differences of the exact gradient, over 2,357 customers.
    grad = lambda y: paretonbd.objective(y, x, t_x * scale, age * scale, np.ones(len(x)))[1]  # noqa: E731
    curvature = fitters.hessian(grad, np.log(scaled))
    assert pareto.hessian_ == pytest.approx(curvature, rel=1e-6)
    assert pareto.log_covariance_ == pytest.approx(np.linalg.inv(curvature) / 2357, rel=1e-6)


def test_pareto_nbd_in_days_with_weights_and_a_given_start(weeks, pareto):
    # In days alpha and beta (times) are 7 times larger; r and s equal. Weights of 3 are
    # three customers each: the same optimum, a third of the covariance.
    x, t_x, age = weeks
    fitter = fitters.ParetoNBD()
    fitter.curvature = np.eye(4)
    days = fitter.fit(x, 7 * t_x, 7 * age, weights=np.full(len(x), 3.0))
    want = pareto.params_.to_numpy() * np.array([1, 7, 1, 7])
    assert days.params_.to_numpy() == pytest.approx(want, rel=1e-4)
    assert days.log_covariance_ == pytest.approx(np.eye(4) / (3 * 2357))
    # Started at the published optimum (log-parameters in scaled time) it ends at the same.
    scale = 1 / age.max()
    start = np.log(pareto.params_.to_numpy() * np.array([1, scale, 1, scale]))
    again = fitters.ParetoNBD().fit(x, t_x, age, initial_params=start + 0.3)
    assert again.params_.to_numpy() == pytest.approx(pareto.params_.to_numpy(), rel=1e-4)
    # A penalty as lifetimes reads it (5 x the sum of squared parameters in scaled time, on
    # the summed likelihood): its value at the penalised optimum is lifetimes' there, per
    # customer, and lower than at the free optimum; s and beta pulled toward zero.
    penalised = fitters.ParetoNBD(penalizer_coef=5.0).fit(x, t_x, age)

    def closed(params):
        scaled = params.to_numpy() * np.array([1, scale, 1, scale])
        ones = np.ones(len(x))
        nll = ParetoNBDFitter._negative_log_likelihood
        return nll(scaled, x.astype(int), t_x * scale, age * scale, ones, 5.0) / len(x)

    assert penalised._negative_log_likelihood_ == pytest.approx(closed(penalised.params_))
    assert closed(penalised.params_) < closed(pareto.params_) - 1e-4
    assert penalised.params_["s"] < 0.9 * PARETO["s"] and penalised.params_["beta"] < 0.8 * 11.67


def test_coarse_start_ends_near_the_optimum_with_its_curvature(weeks, pareto):
    x, t_x, age = weeks
    scale = 1 / age.max()
    args = (x, t_x * scale, age * scale, np.ones(len(x)), 0.0)
    optimum = np.log(pareto.params_.to_numpy() * np.array([1, scale, 1, scale]))
    start, options = fitters._coarse_start(paretonbd.objective, np.zeros(4), args, {"a": 1})
    # The coarse rule's optimum is within about 1e-5 per customer of the fine one's.
    assert start == pytest.approx(optimum, abs=0.05)
    guess = options.pop("hess_inv0")
    assert options == {"a": 1}
    assert np.array_equal(guess, guess.T) and np.all(np.linalg.eigvalsh(guess) > 0)
    # BFGS's guess of the inverse curvature is close to the real one, here on the diagonal.
    real = np.linalg.inv(pareto.hessian_)
    assert np.diag(guess) == pytest.approx(np.diag(real), rel=0.5)
    # Nowhere defined: no usable coarse result, the cold start and options as they were.
    nothing = lambda y, *a: (np.inf, np.zeros(4))  # noqa: E731
    start, options = fitters._coarse_start(nothing, np.ones(4), args, {"a": 1})
    assert np.array_equal(start, np.ones(4)) and options == {"a": 1}


def _unique(weeks):
    rows = np.column_stack(weeks)
    return np.unique(rows, axis=0, return_counts=True)


@pytest.mark.parametrize("model", ["bgnbd", "pareto"])
def test_fit_purchases_on_unique_rows_and_warm_start(weeks, model, monkeypatch):
    unique, counts = _unique(weeks)
    published = BGNBD if model == "bgnbd" else PARETO
    cold = fitters.fit_purchases(model, unique, counts, 0.0)
    assert cold.params_.to_dict() == pytest.approx(published, abs=0.006)
    calls = []

    class Spy(fitters.FITTERS[model]):
        def fit(self, *args, **kwargs):
            calls.append((args, kwargs, self))
            return super().fit(*args, **kwargs)

    monkeypatch.setitem(fitters.FITTERS, model, Spy)
    monkeypatch.setattr(fitters, "WARM_START", 200)  # 2,357 customers > 4 x 200
    warm = fitters.fit_purchases(model, unique, counts, 0.0)
    assert warm.params_.to_numpy() == pytest.approx(cold.params_.to_numpy(), rel=1e-4)
    (rough_args, rough, rough_fitter), (_, full, _) = calls
    # The rough fit: about 200 customers (a binomial draw of 2,357 at 200 / 2,357).
    assert 150 < rough["weights"].sum() < 250 and np.all(rough["weights"] > 0)
    assert len(rough_args[0]) == len(rough["weights"]) < len(unique)
    # The full fit starts at the rough fit's parameters in its own time unit (scaled: the
    # largest age of all 2,357 is 1; alpha, and Pareto/NBD's beta, are times), with the
    # rough fit's curvature per customer and its inverse as BFGS's first guess.
    scale = 1 / weeks[2].max()
    times = [1, 3] if model == "pareto" else [1]
    start = np.log(rough_fitter.params_.to_numpy())
    start[times] += np.log(scale)
    assert full["initial_params"] == pytest.approx(start, rel=1e-12)
    assert warm.hessian_ is rough_fitter.hessian_
    assert full["hess_inv0"] == pytest.approx(np.linalg.inv(warm.hessian_), rel=1e-9)
    assert np.array_equal(full["hess_inv0"], full["hess_inv0"].T)
    assert warm.log_covariance_ == pytest.approx(np.linalg.pinv(warm.hessian_) / 2357)


def test_fit_purchases_falls_back_to_a_cold_fit(weeks, monkeypatch):
    unique, counts = _unique(weeks)
    monkeypatch.setattr(fitters, "WARM_START", 200)
    starts = []

    class RoughFails(fitters.BetaGeo):
        def fit(self, *args, **kwargs):
            starts.append(kwargs.get("initial_params"))
            if len(starts) == 1:
                raise ConvergenceError("rough")
            return super().fit(*args, **kwargs)

    monkeypatch.setitem(fitters.FITTERS, "bgnbd", RoughFails)
    fitted = fitters.fit_purchases("bgnbd", unique, counts, 0.0)
    assert fitted.params_.to_dict() == pytest.approx(BGNBD, abs=0.0015)
    assert starts[1] is None and fitted.curvature is None  # a cold fit, its own curvature

    for error in (ConvergenceError("full"), ValueError("full")):
        starts.clear()

        class FullFails(fitters.BetaGeo):
            def fit(self, *args, failure=error, **kwargs):
                starts.append(kwargs.get("initial_params"))
                if len(starts) == 2:
                    raise failure
                return super().fit(*args, **kwargs)

        monkeypatch.setitem(fitters.FITTERS, "bgnbd", FullFails)
        fitted = fitters.fit_purchases("bgnbd", unique, counts, 0.0)
        assert fitted.params_.to_dict() == pytest.approx(BGNBD, abs=0.0015)
        assert starts[1] is not None and starts[2] is None and len(starts) == 3


def test_fit_purchases_without_a_warm_start_raises_its_failure(weeks, monkeypatch):
    unique, counts = _unique(weeks)

    class Fails(fitters.BetaGeo):
        def fit(self, *args, **kwargs):
            raise ConvergenceError("never")

    monkeypatch.setitem(fitters.FITTERS, "bgnbd", Fails)
    with pytest.raises(ConvergenceError, match="never"):
        fitters.fit_purchases("bgnbd", unique, counts, 0.0)


def test_fit_purchases_keeps_the_penalty(weeks):
    unique, counts = _unique(weeks)
    fitted = fitters.fit_purchases("bgnbd", unique, counts, 0.1)
    theirs = BetaGeoFitter(penalizer_coef=0.1).fit(*weeks).params_
    assert fitted.penalizer_coef == 0.1
    assert fitted.params_.to_numpy() == pytest.approx(theirs.to_numpy(), rel=1e-3)


def test_fit_spend_matches_the_published_cdnow_figures(repeat):
    pairs, counts = np.unique(np.column_stack(repeat), axis=0, return_counts=True)
    fitted = fitters.fit_spend(pairs[:, 0], pairs[:, 1], counts)
    assert isinstance(fitted, fitters.SpendFitter) and fitted.penalizer_coef == 0
    assert fitted.params_.to_dict() == pytest.approx(SPEND, abs=0.01)
    assert fitted.log_covariance_.shape == (3, 3)
    assert np.all(np.linalg.eigvalsh(fitted.log_covariance_) > 0)
    # Over 946 repeat buyers (the counts' total), not the distinct pairs.
    assert counts.sum() == 946 and len(pairs) < 946
    assert fitted.log_covariance_ == pytest.approx(np.linalg.inv(fitted.hessian_) / 946)
    assert isinstance(fitted.params_, pd.Series)


def test_fit_passes_its_tolerance_and_options_to_the_optimiser(weeks):
    # A loose tolerance (1e-2 on the gradient) stops short of the optimum: a worse fit.
    tight = fitters.BetaGeo().fit(*weeks)
    loose = fitters.BetaGeo().fit(*weeks, tol=1e-2)
    # (0.25071 against 0.25027 per customer: BFGS stops after 12 steps instead of 29.)
    assert loose._negative_log_likelihood_ > tight._negative_log_likelihood_ + 1e-4
    # scipy's options arrive: it refuses a first guess of the curvature that is not
    # positive definite (lifetimes' fit passes its keywords on as the optimiser's options).
    with pytest.raises(ValueError, match="positive definite"):
        fitters.BetaGeo().fit(*weeks, hess_inv0=-np.eye(4))
    with pytest.raises(ValueError, match="positive definite"):
        fitters.ParetoNBD().fit(*weeks, initial_params=np.zeros(4), hess_inv0=-np.eye(4))


def test_coarse_start_on_a_bowl_by_hand():
    # 100 (y - 3)^2 in one dimension (the quadrature rule, the last argument, ignored): its
    # minimum 3, its curvature 200, so its inverse curvature 1/200.
    def bowl(y, c, rule):
        return float(100 * np.sum((y - c) ** 2)), 200 * (y - c)

    start, options = fitters._coarse_start(bowl, np.zeros(1), (np.array([3.0]),), {})
    assert start == pytest.approx([3.0], abs=1e-6)
    assert options["hess_inv0"] == pytest.approx(np.array([[0.005]]), rel=1e-6)


def test_warm_start_only_above_four_times_the_sample(weeks, monkeypatch):
    unique, counts = _unique(weeks)
    calls = []

    class Count(fitters.BetaGeo):
        def fit(self, *args, **kwargs):
            calls.append(kwargs.get("weights").sum())
            return super().fit(*args, **kwargs)

    monkeypatch.setitem(fitters.FITTERS, "bgnbd", Count)
    monkeypatch.setattr(fitters, "WARM_START", 2357 / 4)  # exactly 4 x: a cold fit alone
    fitters.fit_purchases("bgnbd", unique, counts, 0.0)
    assert calls == [2357]
    calls.clear()
    monkeypatch.setattr(fitters, "WARM_START", 589)  # 2,357 > 2,356: a rough fit first
    first = fitters.fit_purchases("bgnbd", unique, counts, 0.0)
    assert len(calls) == 2 and calls[1] == 2357 and 480 < calls[0] < 700
    # The same data, the same sample: the same fit and the same ranges every time.
    again = fitters.fit_purchases("bgnbd", unique, counts, 0.0)
    assert np.array_equal(again.log_covariance_, first.log_covariance_)
    assert np.array_equal(again.params_.to_numpy(), first.params_.to_numpy())


@pytest.mark.parametrize("flat", [1e-8, -1.0])
def test_a_flat_rough_curvature_is_not_used(weeks, monkeypatch, flat):
    # A rough fit whose curvature has a direction as flat as 1e-8 (or bent the wrong way):
    # neither its inverse as a first guess nor its curvature per customer; the full fit
    # reads its own.
    unique, counts = _unique(weeks)
    monkeypatch.setattr(fitters, "WARM_START", 200)
    calls = []

    class Flat(fitters.BetaGeo):
        def fit(self, *args, **kwargs):
            calls.append(kwargs)
            fitted = super().fit(*args, **kwargs)
            if len(calls) == 1:
                fitted.hessian_ = np.diag([flat, 1.0, 1.0, 1.0])
            return fitted

    monkeypatch.setitem(fitters.FITTERS, "bgnbd", Flat)
    fitted = fitters.fit_purchases("bgnbd", unique, counts, 0.0)
    assert "initial_params" in calls[1] and "hess_inv0" not in calls[1]
    assert fitted.curvature is None and fitted.hessian_[0, 0] != flat
    assert fitted.params_.to_dict() == pytest.approx(BGNBD, abs=0.0015)

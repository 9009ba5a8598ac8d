"""The Pareto/NBD likelihood by quadrature (analytics/value/paretonbd.py) against lifetimes'
closed form (Fader and Hardie, note 009) on small hand-made histories: fast, no fit.

Histories (x repeat purchases, last at t_x, age T), in weeks: a one-time buyer, a buyer seen
last long ago, one seen last at T (no time to have left: the integral is empty), and a
heavy buyer; plus 40 drawn at random.
"""

import numpy as np
import pandas as pd
import pytest
from lifetimes import ParetoNBDFitter

from analytics.value import paretonbd

CLOSED = ParetoNBDFitter._conditional_log_likelihood
POINTS = [(0.55, 10.58, 0.61, 11.67), (0.2, 1.0, 2.0, 50.0), (3.0, 100.0, 0.1, 0.5)]


def _histories():
    rng = np.random.default_rng(5)
    x = np.r_[0, 2, 3, 25, rng.integers(0, 15, 40)].astype(float)
    age = np.r_[30.0, 70.0, 40.0, 78.0, rng.uniform(1, 78, 40)]
    t_x = np.r_[0.0, 5.0, 40.0, 70.0, age[4:] * rng.uniform(0, 1, 40)]
    t_x[4:][x[4:] == 0] = 0
    return x, t_x, age


def test_tanh_sinh_integrates_on_zero_one():
    """Nodes inside (0, 1), symmetric about 1/2; the weights integrate 1, x^2 (1/3) and
    1 / sqrt(x) (2, steep at 0, where tanh-sinh keeps its accuracy)."""
    rules = [((0.1, 30), paretonbd.FINE, 1e-12, 1e-6), ((0.25, 8), paretonbd.COARSE, 1e-5, 5e-3)]
    for (step, half), rule, tol, steep in rules:
        nodes, log_w = paretonbd.tanh_sinh(step, half)
        assert np.array_equal(nodes, rule[0]) and np.array_equal(log_w, rule[1])
        w = np.exp(log_w)
        assert ((nodes > 0) & (nodes < 1)).all()
        assert nodes == pytest.approx(1 - nodes[::-1], abs=1e-15)
        assert w.sum() == pytest.approx(1, abs=tol)
        assert (w * nodes**2).sum() == pytest.approx(1 / 3, abs=tol)
        assert (w / np.sqrt(nodes)).sum() == pytest.approx(2, abs=steep)
        assert len(nodes) == 2 * half + 1
    # The rule's first node by hand: j = -half x step, u = pi / 2 sinh(j), (tanh(u) + 1) / 2,
    # weight step pi / 4 cosh(j) / cosh(u)^2.
    nodes, log_w = paretonbd.tanh_sinh(0.5, 2)
    u = np.pi / 2 * np.sinh(-1.0)
    assert nodes[0] == pytest.approx((np.tanh(u) + 1) / 2, rel=1e-12)
    assert np.exp(log_w[0]) == pytest.approx(0.5 * np.pi / 4 * np.cosh(1.0) / np.cosh(u) ** 2)
    assert nodes[2] == 0.5 and np.exp(log_w[2]) == pytest.approx(0.5 * np.pi / 4)


@pytest.mark.parametrize("point", POINTS)
def test_log_likelihood_and_gradient_equal_the_closed_form(point):
    x, t_x, age = _histories()
    params = np.array(point)
    ll, grad = paretonbd.log_likelihood(params, x, t_x, age)
    assert ll == pytest.approx(CLOSED(params, x.astype(int), t_x, age), abs=1e-10)
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-6 * params[i]
        up, down = CLOSED(params + step, x, t_x, age), CLOSED(params - step, x, t_x, age)
        assert grad[:, i] == pytest.approx((up - down) / (2 * step[i]), rel=1e-5, abs=1e-6), i
    # The coarse rule: within about 1e-5 per customer.
    coarse = paretonbd.log_likelihood(params, x, t_x, age, paretonbd.COARSE)[0]
    assert np.abs(coarse - ll).max() < 1e-4


def test_blocks_of_rows_give_the_same_figures(monkeypatch):
    """44 rows in blocks of 5 (the last one of 4): each row's figures as the closed form's."""
    x, t_x, age = _histories()
    params = np.array(POINTS[0])
    whole = paretonbd.p_alive_slopes(params, x, t_x, age)
    monkeypatch.setattr(paretonbd, "CHUNK", 5)
    for part, all_at_once in zip(paretonbd.p_alive_slopes(params, x, t_x, age), whole, strict=True):
        assert np.array_equal(part, all_at_once)
    ll, grad = paretonbd.log_likelihood(params, x, t_x, age)
    assert ll.shape == (44,) and grad.shape == (44, 4)
    assert ll == pytest.approx(CLOSED(params, x, t_x, age), abs=1e-10)
    alive = paretonbd.p_alive(params, x, t_x, age)
    assert alive.shape == (44,)
    assert alive == pytest.approx(_their_alive(params, x, t_x, age), abs=1e-9)


def _their_alive(params, x, t_x, age):
    fitter = ParetoNBDFitter()
    fitter.params_ = pd.Series(dict(zip(["r", "alpha", "s", "beta"], params, strict=True)))
    return np.asarray(fitter.conditional_probability_alive(x, t_x, age), dtype=float)


@pytest.mark.parametrize("point", POINTS)
def test_p_alive_equals_lifetimes(point):
    x, t_x, age = _histories()
    params = np.array(point)
    ours = paretonbd.p_alive(params, x, t_x, age)
    assert ours == pytest.approx(_their_alive(params, x, t_x, age), abs=1e-9)
    assert ours[2] == 1.0  # last seen at T: no time to have left


@pytest.mark.parametrize("point", POINTS)
def test_p_alive_slopes_are_lifetimes_log_odds_derivatives(point):
    """The log-odds of P(alive) (lifetimes' closed form) and their derivatives in the
    log-parameters, against central differences of lifetimes' own P(alive); the row last seen
    at T (P(alive) 1 at any parameters) gets slopes of 0."""
    x, t_x, age = _histories()
    params = np.array(point)

    def their_odds(p):
        alive = _their_alive(p, x, t_x, age)
        return np.log(alive) - np.log1p(-alive)

    odds, slopes = paretonbd.p_alive_slopes(params, x, t_x, age)
    keep = np.arange(len(x)) != 2
    assert odds[keep] == pytest.approx(their_odds(params)[keep], abs=1e-7)
    assert slopes.shape == (44, 4) and not slopes[2].any()
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-5
        up, down = their_odds(params * np.exp(step)), their_odds(params * np.exp(-step))
        assert slopes[keep, i] == pytest.approx(((up - down) / 2e-5)[keep], rel=1e-4, abs=1e-6)


def test_objective_is_the_weighted_mean_with_lifetimes_penalty():
    """Value: - sum(w ll) / sum(w) + penalizer x sum(params^2) / rows; gradient in the
    log-parameters against central differences of that, with the closed form."""
    x, t_x, age = _histories()
    weights = np.arange(1.0, 45.0)
    log_params = np.log(POINTS[1])

    def theirs(lp, penalizer):
        p = np.exp(lp)
        ll = CLOSED(p, x, t_x, age)
        return -np.dot(weights, ll) / weights.sum() + penalizer * np.sum(p**2) / len(weights)

    for penalizer in (0.0, 0.3):
        value, gradient = paretonbd.objective(log_params, x, t_x, age, weights, penalizer)
        assert value == pytest.approx(theirs(log_params, penalizer), abs=1e-10)
        for i in range(4):
            step = np.zeros(4)
            step[i] = 1e-6
            numeric = theirs(log_params + step, penalizer) - theirs(log_params - step, penalizer)
            assert gradient[i] == pytest.approx(numeric / 2e-6, rel=1e-5, abs=1e-8), i
    # No penalty unless asked for.
    default = paretonbd.objective(log_params, x, t_x, age, weights)[0]
    assert default == pytest.approx(theirs(log_params, 0.0), abs=1e-10)
    coarse = paretonbd.objective(log_params, x, t_x, age, weights, 0.0, paretonbd.COARSE)[0]
    assert coarse != paretonbd.objective(log_params, x, t_x, age, weights)[0]
    assert coarse == pytest.approx(theirs(log_params, 0.0), abs=1e-4)


def test_objective_off_the_map_is_infinite_with_no_slope():
    """Parameters so large the likelihood overflows: the optimiser is told +inf, slope 0."""
    x, t_x, age = _histories()
    value, gradient = paretonbd.objective(np.full(4, 800.0), x, t_x, age, np.ones(44))
    assert value == np.inf and np.array_equal(gradient, np.zeros(4))


def test_rows_far_apart_in_size_keep_their_own_scale():
    """A one-time buyer beside two buyers of 2,000 purchases (one gone quiet at week 40, one
    seen at week 77 of 78): their terms are e^-9000 or so, the first's about e^-1. Each row is
    scaled on its own, so none underflows: the figures stay the closed form's, and the quiet
    heavy buyer's P(alive) is 0 (to the last digit), the recent one's 4.5e-7, not 1."""
    x, t_x, age = np.array([0.0, 2000, 2000]), np.array([0.0, 40, 77]), np.array([30.0, 78, 78])
    params = np.array(POINTS[0])
    ll = paretonbd.log_likelihood(params, x, t_x, age)[0]
    assert ll == pytest.approx(CLOSED(params, x, t_x, age), rel=1e-12)
    alive = paretonbd.p_alive(params, x, t_x, age)
    assert alive == pytest.approx(_their_alive(params, x, t_x, age), rel=1e-6, abs=1e-12)
    assert alive[1] < 1e-12 and 1e-7 < alive[2] < 1e-6

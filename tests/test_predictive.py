"""The written-out predictions of analytics/value/predictive.py at set parameters (no fit),
against the papers' closed forms and against integrals over the model's own story, taken by
scipy's adaptive quadrature rather than the module's hypergeometric functions:

- BG/NBD (Fader, Hardie and Lee 2005, eq. 10 and P(alive)) and the modified BG/NBD (Batislam
  et al. 2007): an active customer buys at rate lambda ~ Gamma(r + x, alpha + T) and leaves
  after each purchase with chance p ~ Beta(a, b'), b' = b + x (+ 1 modified), so given
  lambda and p the expected purchases in t are (1 - exp(-lambda p t)) / p (FHL eq. 7).
- Pareto/NBD: the same rate, and a lifetime ~ Exp(mu), mu ~ Gamma(s, beta + T).

A history is (x repeat purchases, the last t_x days after the first, age T days).
"""

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import hyp2f1

from analytics.value import predictive

BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # FHL 2005 on CDNOW (weeks)
PARETO = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}  # Fader & Hardie, CDNOW
# (x, t_x, T): a one-time buyer, one seen last long ago, one seen last at T, a heavy buyer,
# one with a single repeat purchase.
X = np.array([0.0, 2.0, 3.0, 25.0, 1.0])
TX = np.array([0.0, 5.0, 40.0, 70.0, 7.0])
AGE = np.array([30.0, 70.0, 40.0, 78.0, 60.0])


def _bg_alive(params, x, t_x, T, modified):
    """FHL 2005: 1 / (1 + a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)) for x > 0
    and 1 for x = 0; Batislam 2007 (modified): b + x in place of b + x - 1, for every x."""
    r, alpha, a, b = (params[k] for k in "r alpha a b".split())
    odds = ((alpha + T) / (alpha + t_x)) ** (r + x)
    if modified:
        return 1 / (1 + a / (b + x) * odds)
    return 1.0 if x == 0 else 1 / (1 + a / (b + x - 1) * odds)


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd"])
def test_bg_p_alive_equals_the_papers_formula(model):
    got = predictive.p_alive(model, BG, X, TX, AGE)
    want = [_bg_alive(BG, *h, model == "mbgnbd") for h in zip(X, TX, AGE, strict=True)]
    assert got == pytest.approx(want, rel=1e-12)
    # BG/NBD: a one-time buyer never had the chance to leave; modified: they had one.
    assert bool(got[0] == 1.0) is (model == "bgnbd")


def test_p_alive_of_a_customer_just_seen_is_the_chance_not_to_have_left_at_that_purchase():
    # t_x = T: no silence since. BG/NBD: 1 / (1 + a / (b + x - 1)) = (b + x - 1) / (a + b +
    # x - 1), the mean chance to stay after each of x purchases but the one just made;
    # with a = 1, b = 3, x = 2: 4 / 5.
    params = {"r": 1.0, "alpha": 2.0, "a": 1.0, "b": 3.0}
    assert predictive.p_alive("bgnbd", params, [2], [10], [10])[0] == pytest.approx(0.8)
    assert predictive.p_alive("mbgnbd", params, [2], [10], [10])[0] == pytest.approx(5 / 6)
    # Pareto/NBD: seen at T, nobody can have left yet.
    assert predictive.p_alive("pareto", PARETO, [4], [50], [50])[0] == pytest.approx(1)


def _pareto_alive(params, x, t_x, T):
    """P(alive) as the ratio of the likelihood's 'still alive at T' part to the whole:
    integrate over mu ~ Gamma(s, beta) and lambda ~ Gamma(r, alpha) given the history."""
    r, alpha, s, beta = (params[k] for k in "r alpha s beta".split())

    def part(upper, lo=None):
        # E over lambda, mu of lambda^x exp(-lambda tau) mu-weights, tau = T (alive) or a death
        # time in (t_x, T): lambda integrates out to a constant times (alpha + tau)^-(r + x),
        # mu by quadrature.
        def over_mu(mu):
            g = stats.gamma.pdf(mu, s, scale=1 / beta)
            if lo is None:
                return g * np.exp(-mu * T)

            def over_tau(tau):
                # relative to the 'alive' part's lambda factor, to stay within float range
                lam = ((alpha + T) / (alpha + tau)) ** (r + x)
                return mu * np.exp(-mu * tau) * lam

            return g * integrate.quad(over_tau, lo, upper)[0]

        return integrate.quad(over_mu, 0, np.inf, limit=200)[0]

    alive = part(T)
    return alive / (alive + part(T, t_x))


def test_pareto_p_alive_equals_the_integral_of_the_likelihood():
    got = predictive.p_alive("pareto", PARETO, X, TX, AGE)
    want = [_pareto_alive(PARETO, *h) for h in zip(X, TX, AGE, strict=True)]
    assert got == pytest.approx(want, rel=1e-6)
    assert ((got > 0) & (got <= 1)).all()


def test_p_alive_is_a_chance_even_where_the_formula_breaks_down():
    # A history of an impossible age (T = inf) gives nan in the formula: shown as 0, never nan.
    for model, params in (("bgnbd", BG), ("mbgnbd", BG), ("pareto", PARETO)):
        got = predictive.p_alive(model, params, [3.0], [np.inf], [np.inf])
        assert got[0] == 0.0


def _bg_if_alive(params, x, T, t, modified):
    """E[purchases in t | active at T] = E over p ~ Beta(a, b') of (1 - E_lambda exp(-lambda
    p t)) / p, with E_lambda exp(-lambda p t) = ((alpha + T) / (alpha + T + p t))^(r + x)."""
    r, alpha, a, b = (params[k] for k in "r alpha a b".split())
    b2 = b + x + (1 if modified else 0)

    def f(p):
        gone = 1 - ((alpha + T) / (alpha + T + p * t)) ** (r + x)
        return gone / p * stats.beta.pdf(p, a, b2)

    return integrate.quad(f, 0, 1, limit=200)[0]


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd"])
def test_bg_purchases_if_alive_equal_the_integral_over_the_dropout_chance(model):
    for t in (30.0, 365.0):
        got = predictive.purchases_if_alive(model, BG, X, AGE, t)
        want = [_bg_if_alive(BG, x, T, t, model == "mbgnbd") for x, T in zip(X, AGE, strict=True)]
        assert got == pytest.approx(want, rel=1e-7)


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd"])
def test_bg_purchases_if_alive_at_a_equal_to_one(model):
    # The closed form divides by a - 1; the integral over p ~ Beta(1, b') has no such edge.
    params = BG | {"a": 1.0}
    got = predictive.purchases_if_alive(model, params, X, AGE, 90.0)
    want = [
        _bg_if_alive(params, x, T, 90.0, model == "mbgnbd") for x, T in zip(X, AGE, strict=True)
    ]
    assert got == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize(
    "model, params, x, T, t",
    [
        # a + b' - 1 below 0 (a one-time buyer, a + b < 1): scipy's 2F1 gives nan both ways
        ("bgnbd", {"r": 0.5, "alpha": 4.0, "a": 0.2, "b": 0.3}, 0.0, 10.0, 30.0),
        ("bgnbd", {"r": 0.5, "alpha": 4.0, "a": 0.01, "b": 0.05}, 0.0, 10.0, 30.0),
        # 400 purchase days in 400 days, 10,000 days ahead: both forms overflow
        ("mbgnbd", {"r": 0.5, "alpha": 0.5, "a": 0.5, "b": 0.05}, 400.0, 400.0, 1e4),
    ],
)
def test_bg_purchases_if_alive_where_both_closed_forms_fail(model, params, x, T, t):
    # The answer is the integral over the drop-out chance, never 0 (a customer who buys and
    # has not left buys again in expectation).
    got = predictive.purchases_if_alive(model, params, [x], [T], t)
    want = _bg_if_alive(params, x, T, t, model == "mbgnbd")
    assert got[0] > 0.1 and got[0] == pytest.approx(want, rel=1e-4)


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd"])
def test_the_closed_form_answers_ordinary_histories_without_the_integral(model, monkeypatch):
    # The integral is the fallback, one quadrature per distinct history: at a million
    # customers it must stay the exception. Ordinary histories (one younger than alpha among
    # them), and an overflow that Euler's transformation handles, never reach it.
    def refuse(*args):
        raise AssertionError("the closed form failed")

    monkeypatch.setattr(predictive, "_if_alive_by_quadrature", refuse)
    for t in (30.0, 365.0):
        assert (predictive.purchases_if_alive(model, BG, [*X, 0.0], [*AGE, 2.0], t) > 0).all()
    params = {"r": 0.5, "alpha": 4.0, "a": 1.5, "b": 2.0}
    assert predictive.purchases_if_alive(model, params, [400.0], [10.0], 126.0)[0] > 0


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd"])
def test_bg_purchases_if_alive_where_the_hypergeometric_overflows(model):
    # 400 repeat purchases in 10 days, 126 days ahead: 2F1(r + x, b', c; z) at z = 126 / 140
    # = 0.9 grows like (1 - z)^(c - r - x - b') = 0.1^-399, beyond a float: Euler's
    # transformation must give the same value as the integral.
    params = {"r": 0.5, "alpha": 4.0, "a": 1.5, "b": 2.0}
    b2 = 402.0 + (model == "mbgnbd")
    assert np.isinf(hyp2f1(400.5, b2, 1.5 + b2 - 1, 0.9))
    got = predictive.purchases_if_alive(model, params, [400.0], [10.0], 126.0)
    want = _bg_if_alive(params, 400.0, 10.0, 126.0, model == "mbgnbd")
    assert got[0] == pytest.approx(want, rel=1e-6)


def test_never_more_purchases_than_a_customer_who_never_leaves():
    # Whatever the chance to leave, an active customer buys no more than one who never
    # leaves: (r + x) t / (alpha + T) on average. At a = 1 the formula's c / (a - 1) is
    # infinite (a removable singularity); a one-time buyer's figure must still stay within
    # 0.243 x 5 / 34.414 = 0.035 in 5 days, and in 30 days from a 40-day age 0.243 x 30 /
    # 44.414 = 0.16.
    params = {**BG, "a": 1.0}
    got = predictive.purchases_if_alive("bgnbd", params, [0.0], [30.0], 5.0)
    assert 0 <= got[0] <= 0.243 * 5 / 34.414
    got = predictive.purchases_if_alive("bgnbd", params, [0.0], [40.0], 30.0)
    assert 0 <= got[0] <= 0.243 * 30 / 44.414
    ordinary = predictive.purchases_if_alive("bgnbd", BG, X, AGE, 30.0)
    assert (ordinary <= (BG["r"] + X) * 30 / (BG["alpha"] + AGE)).all()


def test_no_horizon_brings_no_purchase_even_where_the_formula_breaks_down():
    # a = 1 makes the formula's c / (a - 1) infinite (a removable singularity); with no
    # horizon (t = 0) the bracket is 0 and the product nan: still no purchase, 0.
    params = {**BG, "a": 1.0}
    got = predictive.purchases_if_alive("bgnbd", params, [0.0, 3.0], [30.0, 40.0], 0.0)
    assert got.tolist() == [0.0, 0.0]


def _pareto_if_alive(params, x, T, t):
    """E[lambda] E[(1 - exp(-mu t)) / mu]: rate times expected active time within t."""
    r, alpha, s, beta = (params[k] for k in "r alpha s beta".split())

    def f(mu):
        return -np.expm1(-mu * t) / mu * stats.gamma.pdf(mu, s, scale=1 / (beta + T))

    return (r + x) / (alpha + T) * integrate.quad(f, 0, np.inf, limit=200)[0]


@pytest.mark.parametrize("s", [0.61, 1.0, 1.0 + 1e-9, 1.0 + 1e-6, 2.5])
def test_pareto_purchases_if_alive_equal_rate_times_expected_active_time(s):
    params = {**PARETO, "s": s}
    for t in (30.0, 365.0):
        got = predictive.purchases_if_alive("pareto", params, X, AGE, t)
        want = [_pareto_if_alive(params, x, T, t) for x, T in zip(X, AGE, strict=True)]
        assert got == pytest.approx(want, rel=1e-6)


def _nb_at_least(n, params, x, T, t):
    """P(at least n purchase chances in t) at a Gamma(r + x, alpha + T) rate: a negative
    binomial with r + x successes and success chance (alpha + T) / (alpha + T + t)."""
    if t == 0:
        return 0.0
    return stats.nbinom(params["r"] + x, (params["alpha"] + T) / (params["alpha"] + T + t)).sf(
        n - 1
    )


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd"])
def test_bg_chance_of_at_least_n_purchases(model):
    # n purchases need n chances and n - 1 stays, each stay b'/(a + b') then (b' + 1)/(a +
    # b' + 1), ... (the mean of (1 - p)^(n - 1) under Beta(a, b')).
    t = 90.0
    b2 = BG["b"] + X + (1 if model == "mbgnbd" else 0)
    for n in (1, 2, 3, 5):
        stay = np.prod([(b2 + k) / (BG["a"] + b2 + k) for k in range(n - 1)], axis=0)
        want = np.array([_nb_at_least(n, BG, x, T, t) for x, T in zip(X, AGE, strict=True)])
        want = want * stay
        got = predictive.at_least(model, BG, X, AGE, t, n)
        assert got == pytest.approx(want, rel=1e-9)
    # n = 1: no stay needed, one minus the chance of no purchase chance.
    none = ((BG["alpha"] + AGE) / (BG["alpha"] + AGE + t)) ** (BG["r"] + X)
    assert predictive.at_least(model, BG, X, AGE, t, 1) == pytest.approx(1 - none)


def _pareto_at_least(n, params, x, T, t):
    """Still active after t (chance ((beta + T) / (beta + T + t))^s) and n chances within t,
    or leaving at u < t (density s / (beta + T + u) ((beta + T) / (beta + T + u))^s) with n
    chances before u."""
    s, beta = params["s"], params["beta"]

    def density(u):
        return s / (beta + T + u) * ((beta + T) / (beta + T + u)) ** s

    left = integrate.quad(lambda u: density(u) * _nb_at_least(n, params, x, T, u), 0, t)[0]
    return ((beta + T) / (beta + T + t)) ** s * _nb_at_least(n, params, x, T, t) + left


def test_pareto_chance_of_at_least_n_purchases():
    for t in (30.0, 365.0):
        for n in (1, 2, 4):
            want = [_pareto_at_least(n, PARETO, x, T, t) for x, T in zip(X, AGE, strict=True)]
            got = predictive.at_least("pareto", PARETO, X, AGE, t, n)
            assert got == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "pareto"])
def test_distribution_equals_at_least_per_n_and_sums_to_the_mean(model):
    params = PARETO if model == "pareto" else BG
    t = 365.0
    tail, second = predictive.purchase_distribution(model, params, X, AGE, t)
    assert tail.shape[0] == len(X)
    for n in range(1, tail.shape[1] + 1):
        want = predictive.at_least(model, params, X, AGE, t, n)
        # A history's column is cut (0 after) once its tail is below TAIL.
        cut = tail[:, n - 1] == 0
        assert tail[~cut, n - 1] == pytest.approx(want[~cut], rel=1e-6, abs=1e-12)
        assert (want[cut] <= predictive.TAIL).all()
    # Where a history's column is cut, its tail is below TAIL; before, above.
    last = (tail > predictive.TAIL).sum(axis=1)
    assert (tail[np.arange(len(X)), np.maximum(last - 1, 0)] > predictive.TAIL).all()
    assert (tail[:, -1] <= predictive.TAIL).any()
    # E[N] = sum of P(N >= n); E[N^2] = sum of (2n - 1) P(N >= n); both by the pmf.
    mean = predictive.purchases_if_alive(model, params, X, AGE, t)
    assert tail.sum(axis=1) == pytest.approx(mean, rel=1e-5)
    pmf = -np.diff(np.hstack([np.ones((len(X), 1)), tail, np.zeros((len(X), 1))]), axis=1)
    n = np.arange(pmf.shape[1])
    assert second == pytest.approx((pmf * n**2).sum(axis=1), rel=1e-9)
    assert (second >= mean**2).all()  # a variance is never negative


def test_distribution_of_a_certain_purchase():
    # Modified BG/NBD with r huge and alpha = r / 10 (nearly exactly 0.1 a day) and almost no
    # chance to leave (a tiny): in 10 days N is about Poisson(1), P(N >= 1) = 1 - 1/e,
    # P(N >= 2) = 1 - 2/e, E[N^2] = 2.
    params = {"r": 1e7, "alpha": 1e8, "a": 1e-9, "b": 1.0}
    tail, second = predictive.purchase_distribution("mbgnbd", params, [0.0], [0.0], 10.0)
    assert tail[0, :2] == pytest.approx([1 - 1 / np.e, 1 - 2 / np.e], rel=1e-5)
    assert second[0] == pytest.approx(2, rel=1e-5)
    assert tail.shape == (1, (tail[0] > predictive.TAIL).sum() + 1)


def test_distribution_stops_at_the_last_purchase_counted():
    # 20,000 repeat purchases in 10 days, a year ahead: thousands expected, the tail above
    # TAIL far past MAX_PURCHASES: cut there.
    params = {"r": 1.0, "alpha": 1.0, "a": 1e-3, "b": 1.0}
    tail, second = predictive.purchase_distribution("bgnbd", params, [2e4], [10.0], 365.0)
    assert tail.shape == (1, predictive.MAX_PURCHASES)
    assert tail[0, -1] > 0.5
    assert second[0] == pytest.approx(((2 * np.arange(1, tail.shape[1] + 1) - 1) * tail[0]).sum())


def test_distribution_of_no_history_and_no_horizon():
    for model, params in (("bgnbd", BG), ("pareto", PARETO)):
        tail, second = predictive.purchase_distribution(model, params, [], [], 30.0)
        assert tail.shape == (0, 0) or tail.shape[0] == 0
        tail, second = predictive.purchase_distribution(model, params, X, AGE, 0.0)
        assert (tail == 0).all() and (second == 0).all()


def test_percentiles_by_hand():
    # Two (x, T) pairs: P(N >= n | alive) 0.9, 0.5, 0.2, 0.05 and 0.6, 0.3, 0, 0. Three
    # histories: sure alive on pair 0, half alive on pair 0, sure alive on pair 1.
    tail = np.array([[0.9, 0.5, 0.2, 0.05], [0.6, 0.3, 0.0, 0.0]])
    pair = np.array([0, 0, 1])
    alive = np.array([1.0, 0.4, 1.0])
    # The level-q percentile: the number of n with P(N >= n) > 1 - q.
    # q = 0.9 (line 0.1): [0.9 0.5 0.2] -> 3; [0.36 0.2 0.08 0.02] -> 2; [0.6 0.3] -> 2.
    assert list(predictive.percentile_counts(alive, tail, pair, 0.9)) == [3, 2, 2]
    # q = 0.45 (line 0.55): 0.9 -> 1; 0 (0.36); 0.6 -> 1.
    assert list(predictive.percentile_counts(alive, tail, pair, 0.45)) == [1, 0, 1]
    # q = 0.05 (line 0.95): nothing above -> 0 everywhere.
    assert list(predictive.percentile_counts(alive, tail, pair, 0.05)) == [0, 0, 0]
    # q = 0.99 (line 0.01): 4, 4 (0.02 > 0.01), 2.
    assert list(predictive.percentile_counts(alive, tail, pair, 0.99)) == [4, 4, 2]
    # A customer half likely to be still active and then surely buying: P(N = 0) = 1/2, so
    # the median is 0 (the smallest k with P(N <= k) >= 1/2); one surely buying: 1.
    tail2 = np.array([[1.0], [0.9]])
    half = predictive.percentile_counts(np.array([0.5, 1.0]), tail2, np.array([0, 1]), 0.5)
    assert list(half) == [0, 1]
    # A history left behind at n = 1 while another pair's column is still high at n = 2:
    # line 0.1; a: 0.9 then 0.05 -> 1; b: 0.05 x 0.9 = 0.045 -> 0.
    tail2 = np.array([[0.9, 0.05], [0.9, 0.9]])
    counts = predictive.percentile_counts(np.array([1.0, 0.05]), tail2, np.array([0, 1]), 0.9)
    assert list(counts) == [1, 0]
    # Nobody alive: nothing above any line; no history at all: nothing to count.
    assert list(predictive.percentile_counts(np.zeros(3), tail, pair, 0.9)) == [0, 0, 0]
    empty = predictive.percentile_counts(np.zeros(0), tail, np.zeros(0, dtype=int), 0.9)
    assert len(empty) == 0
    # ... with the tail of no history at all, as purchase_distribution gives it.
    none, _ = predictive.purchase_distribution("bgnbd", BG, [], [], 30.0)
    empty = predictive.percentile_counts(np.zeros(0), none, np.zeros(0, dtype=int), 0.9)
    assert len(empty) == 0


@pytest.mark.parametrize("model", ["pareto", "bgnbd", "mbgnbd"])
def test_p_alive_moved_is_p_alive_at_each_moved_parameter(model):
    """The ranges' forward differences: P(alive), and P(alive) with each log-parameter moved
    by the step. Pareto/NBD's come from the exact slopes of its log-odds, so they are within
    about step^2 of P(alive) at the moved parameter; the BG models' are computed there. The
    order of the names is kept."""
    params = PARETO if model == "pareto" else BG
    names = list(params)[::-1]
    scaled = {k: v * 7 if k in ("alpha", "beta") else v for k, v in params.items()}  # days
    alive, moved = predictive.p_alive_moved(model, scaled, names, 1e-4, X, TX * 7, AGE * 7)
    assert np.array_equal(alive, predictive.p_alive(model, scaled, X, TX * 7, AGE * 7))
    assert len(moved) == 4
    for name, shifted in zip(names, moved, strict=True):
        at = {**scaled, name: scaled[name] * np.exp(1e-4)}
        exact = predictive.p_alive(model, at, X, TX * 7, AGE * 7)
        tolerance = 1e-9 if model == "pareto" else 0
        assert np.abs(shifted - exact).max() <= tolerance, name
        assert np.abs(exact - alive).max() > 1e-7, name  # the parameter does move it


def test_pareto_moved_p_alive_is_the_log_odds_moved_along_their_slopes():
    """Pareto/NBD's moved P(alive) are exactly expit(log-odds + step x slope), from one pass
    of its quadrature (paretonbd.p_alive_slopes), not P(alive) recomputed at each parameter."""
    from scipy.special import expit

    from analytics.value import paretonbd

    scaled = {k: v * 7 if k in ("alpha", "beta") else v for k, v in PARETO.items()}  # days
    odds, slopes = paretonbd.p_alive_slopes(tuple(scaled.values()), X, TX * 7, AGE * 7)
    alive, moved = predictive.p_alive_moved("pareto", scaled, ["s", "r"], 1e-4, X, TX * 7, AGE * 7)
    assert np.array_equal(alive, expit(odds))
    assert np.array_equal(moved[0], expit(odds + 1e-4 * slopes[:, 2]))
    assert np.array_equal(moved[1], expit(odds + 1e-4 * slopes[:, 0]))

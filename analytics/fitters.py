"""lifetimes' fitters as Lifecycle Lens uses them: the only module that imports lifetimes.

Imported on the first fit (see :mod:`analytics.clv`), so that a command or a page that fits
no model never loads lifetimes, autograd or scipy.
"""

from __future__ import annotations

import numpy as np
from autograd import value_and_grad
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
from lifetimes.utils import ConvergenceError
from scipy.optimize import minimize

FLAT_GRADIENT = 1e-4


class _NoStandardErrors:
    """A lifetimes fitter minus the Hessian it computes after converging.

    lifetimes uses that Hessian only for standard errors and confidence intervals, which
    Lifecycle Lens does not show; it is half of a fit's time on a million customers. The
    optimisation itself is lifetimes' own (BFGS on its autograd likelihood), unchanged.
    """

    accept_flat_optimum = False

    def _fit(self, args, initial_params, params_size, disp, tol=1e-7, bounds=None, **kwargs):
        x0 = 0.1 * np.ones(params_size) if initial_params is None else initial_params
        output = minimize(
            value_and_grad(self._negative_log_likelihood),
            jac=True,
            method=None,
            tol=tol,
            x0=x0,
            args=args,
            options={"disp": disp, **kwargs},
            bounds=bounds,
        )
        flat = output.status == 2 and np.max(np.abs(output.jac)) < FLAT_GRADIENT
        if not (output.success or (flat and self.accept_flat_optimum)):
            raise ConvergenceError("The model did not converge.")
        return output.x, output.fun, None

    def _compute_variance_matrix(self):
        return None

    def _compute_standard_errors(self):
        return None

    def _compute_confidence_intervals(self):
        return None


class BetaGeo(_NoStandardErrors, BetaGeoFitter):
    pass


class ModifiedBetaGeo(_NoStandardErrors, ModifiedBetaGeoFitter):
    pass


class SpendFitter(_NoStandardErrors, GammaGammaFitter):
    """Gamma-Gamma. When spend hardly varies between customers, q and v grow together
    without bound and BFGS stops on "precision loss" on a flat ridge; the expected spend
    v p / (q - 1) is still well defined there, so a stop with a gradient below
    FLAT_GRADIENT is accepted (lifetimes would call it a failure at random)."""

    accept_flat_optimum = True


# Pareto/NBD keeps lifetimes' own fit (Nelder-Mead, its own code path).
FITTERS = {"bgnbd": BetaGeo, "mbgnbd": ModifiedBetaGeo, "pareto": ParetoNBDFitter}

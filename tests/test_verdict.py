"""The backtest's verdict beside the figure: error words, the widened total range, when the
ranges can be trusted, and the season warning, on hand-built numbers."""

import numpy as np
import pandas as pd
import pytest

from analytics.output import present
from analytics.value import backtest, verdict


def _judged(real):
    real = np.asarray(real, dtype="float64")
    return pd.DataFrame({"actual_revenue": real, "predicted_revenue": np.full(len(real), 100.0)})


def test_a_biased_models_total_range_widens():
    # The model's own range around a total of 1,000: 900 - 1,100.
    own = (1000.0, 900.0, 1100.0)
    # Unbiased: 100 customers predicted 100 each, each really spent 100: rho 1, no spread.
    rho, se = verdict.bias(_judged([100.0] * 100))
    assert (rho, se) == (1.0, 0.0)
    assert verdict.total_range(*own, rho, se) == (900.0, 1100.0)
    # 44% under what happened, exactly: rho = 0.56; corrected 560, its own half-width
    # 100 x 0.56 = 56: the range runs from 504 to 1,100.
    rho, se = verdict.bias(_judged([56.0] * 100))
    assert rho == pytest.approx(0.56) and se == pytest.approx(0.0)
    assert verdict.total_range(*own, rho, se) == pytest.approx((504.0, 1100.0))
    # The same bias with spread: half spent 0, half 112. Residuals +-56 -> se = sqrt(100 x
    # 56^2) / 10,000 = 0.056; half-width sqrt((1.2816 x 0.056 x 1,000)^2 + 56^2) = 91.03.
    rho, se = verdict.bias(_judged([0.0, 112.0] * 50))
    assert rho == pytest.approx(0.56) and se == pytest.approx(0.056)
    low, high = verdict.total_range(*own, rho, se)
    assert low == pytest.approx(560 - 91.03, abs=0.01) and high == 1100.0
    # Over-prediction widens the top instead: rho 1.3 -> 1,300 +- 130.
    assert verdict.total_range(*own, 1.3, 0.0) == pytest.approx((900.0, 1430.0))


def test_the_backtest_widens_the_total_it_checks():
    result = backtest.Backtest(
        "mbgnbd",
        pd.Timestamp("2024-01-31"),
        pd.Timestamp("2024-03-31"),
        60,
        100,
        {"revenue_error_pct": 78.6, "coverage": 0.9},
        pd.DataFrame(),
        pd.DataFrame(),
        None,
        judged=_judged([56.0] * 100),
    )
    assert result.total_range(1000.0, 900.0, 1100.0) == pytest.approx((504.0, 1100.0))


def test_error_words():
    assert verdict.error_words({"revenue_error_pct": -44.2}) == (
        "backtest: revenue 44% under what happened"
    )
    assert verdict.error_words({"revenue_error_pct": 18.0}) == (
        "backtest: revenue 18% over what happened"
    )
    # No holdout revenue: the orders' error instead.
    assert verdict.error_words(
        {"revenue_error_pct": float("nan"), "aggregate_error_pct": -25.0}
    ) == ("backtest: orders 25% under what happened")


def test_ranges_are_trusted_only_when_coverage_and_aggregate_both_hold():
    # The invoice log of the issue: 90% inside their range, yet revenue 44% under.
    text = verdict.trust({"coverage": 0.9, "revenue_error_pct": -44.0})
    assert text.startswith("The ranges cannot be trusted")
    assert "44% under" in text and "too small" in text and "too narrow" not in text
    text = verdict.trust({"coverage": 0.6, "revenue_error_pct": 5.0})
    assert "cannot be trusted" in text and "too narrow" in text and "% under" not in text
    text = verdict.trust({"coverage": 0.6, "revenue_error_pct": 30.0})
    assert "too narrow" in text and "30% over" in text and "may not come" in text
    assert verdict.trust({"coverage": 0.8, "revenue_error_pct": -10.0}).startswith(
        "The ranges can be trusted: 80% of customers"
    )
    # Bounds inclusive: 70% coverage and 15% off still pass.
    assert "can be trusted" in verdict.trust({"coverage": 0.7, "revenue_error_pct": 15.0})
    unknown = verdict.trust({"coverage": 0.8, "revenue_error_pct": float("nan")})
    assert "cannot be told" in unknown and "nan" not in unknown


def test_season_warning():
    # A 12-month log with the last 3 months held out: October - December never fitted.
    note = verdict.season_note(
        pd.Timestamp("2011-01-01"), pd.Timestamp("2011-10-01"), pd.Timestamp("2011-12-31")
    )
    assert note.startswith("The holdout covers October, November, December, which the fitting")
    assert "(Jan 2011 – Sep 2011)" in note
    # 18 months with the last 4 held out: those months were seen the year before.
    assert (
        verdict.season_note(
            pd.Timestamp("1997-01-01"), pd.Timestamp("1998-03-01"), pd.Timestamp("1998-06-30")
        )
        == ""
    )


def test_every_aggregate_of_clv_carries_the_backtests_error():
    """On the demo: the Value page's total (its delta), CLV per stage and per group, and
    the Segments page's CLV per stage and segment all say the backtest's error."""
    import re

    from tests.conftest import app_test

    at = app_test()
    at.run()
    at.switch_page("app_pages/value.py").run()
    assert not at.exception
    total = next(m for m in at.metric if m.label.startswith("Predicted CLV"))
    words = total.delta + " what happened"  # the tile's short line, said in full below
    assert re.fullmatch(r"backtest: revenue \d+% (under|over) what happened", words)
    said = [c.value for c in at.caption if words[1:] in c.value]
    assert len(said) >= 2  # under CLV per stage and under CLV per group
    at.switch_page("app_pages/segments.py").run()
    at.segmented_control(key="sg_view").set_value("Stage × segment").run()
    assert not at.exception
    assert any(c.value.startswith("B" + words[1:]) for c in at.caption)


def test_error_words_short_and_at_the_edges():
    """Up to half a percent is on target (exactly 0.5% would print as '0% over': Python
    rounds half to even); the tile's short line leaves out 'what happened'; with no real
    revenue nor orders there is nothing to compare."""
    assert verdict.error_words({"revenue_error_pct": 0.49}) == "backtest: revenue on target"
    assert verdict.error_words({"revenue_error_pct": 0.5}) == "backtest: revenue on target"
    assert verdict.error_words({"revenue_error_pct": -0.5}) == "backtest: revenue on target"
    assert verdict.error_words({"revenue_error_pct": -0.49}) == "backtest: revenue on target"
    assert verdict.error_words({"revenue_error_pct": 1.6}) == (
        "backtest: revenue 2% over what happened"
    )
    assert verdict.error_words({"revenue_error_pct": -44.2}, short=True) == (
        "backtest: revenue 44% under"
    )
    assert verdict.error_words({}, short=True) == "backtest: nothing to compare"
    assert verdict.error_words({}) == "backtest: no real orders in its holdout to compare with"
    assert verdict.error_pct({"aggregate_error_pct": 12.0}) == (12.0, "orders")


def test_no_judged_customers_means_no_bias():
    assert verdict.bias(None) == (1.0, 0.0)
    assert verdict.bias(_judged([])) == (1.0, 0.0)
    nothing_predicted = pd.DataFrame({"actual_revenue": [50.0], "predicted_revenue": [0.0]})
    assert verdict.bias(nothing_predicted) == (1.0, 0.0)


def test_a_total_range_never_goes_below_zero():
    # Own range 0 - 300 around 100; rho 0.1 with se 0.5: corrected 10, half-width
    # sqrt((1.2816 x 0.5 x 100)^2 + (0.1 x 150)^2) = 65.8, so the low end would be -55.8: 0.
    low, high = verdict.total_range(100.0, 0.0, 300.0, 0.1, 0.5)
    assert low == 0.0 and high == 300.0
    # rho 2, se 0.1 around 100 (own 80 - 120): corrected 200, half-width
    # sqrt((1.2816 x 0.1 x 100)^2 + (2 x 20)^2) = sqrt(12.816^2 + 40^2) = 42.00.
    low, high = verdict.total_range(100.0, 80.0, 120.0, 2.0, 0.1)
    assert low == 80.0 and high == pytest.approx(200 + 42.003, abs=0.01)


def test_trust_when_cautious_or_unknown():
    cautious = verdict.trust({"coverage": 0.95, "revenue_error_pct": 3.0})
    assert cautious == (
        "The ranges can be trusted: 95% of customers landed inside their 80% range (on the "
        "cautious side: whole orders make a range hold at least 80%) and the total revenue "
        "was 3% off (within 15%)."
    )
    # 90% exactly is not above the band: no caution.
    assert "cautious" not in verdict.trust({"coverage": 0.9, "revenue_error_pct": 3.0})
    assert "cannot be told" in verdict.trust({"revenue_error_pct": 3.0})
    # Just outside either bound fails: 69% coverage, 15.5% off.
    assert "cannot be trusted" in verdict.trust({"coverage": 0.69, "revenue_error_pct": 1.0})
    assert "cannot be trusted" in verdict.trust({"coverage": 0.8, "revenue_error_pct": -15.5})


def test_season_note_edges_and_the_sentence():
    # No fitting period before the holdout: nothing to compare, no note.
    assert verdict.season_note("2024-03-01", "2024-03-01", "2024-05-31") == ""
    # One month fitted (February), March held out.
    note = verdict.season_note("2024-02-01", "2024-03-01", "2024-03-31")
    assert note.startswith("The holdout covers March, which the fitting period (Feb 2024 – Feb")
    text = verdict.sentence({"coverage": 0.8, "revenue_error_pct": -10.0}, note="Note.")
    assert text == (
        "Backtest: revenue 10% under what happened. The ranges can be trusted: 80% of customers "
        "landed inside their 80% range and the total revenue was 10% off (within 15%). Note."
    )
    assert verdict.sentence({"coverage": 0.8, "revenue_error_pct": -10.0}).endswith("15%).")


def test_the_words_in_full():
    assert verdict.error_words({"revenue_error_pct": 1.0}) == (
        "backtest: revenue 1% over what happened"
    )
    assert verdict.error_words({"revenue_error_pct": 0.6}) == (
        "backtest: revenue 1% over what happened"
    )
    # A predicted total under 1 still has a bias: 1 really spent against 0.5 predicted.
    one = pd.DataFrame({"actual_revenue": [1.0], "predicted_revenue": [0.5]})
    assert verdict.bias(one) == (2.0, 0.0)
    both = verdict.trust({"coverage": 0.5, "revenue_error_pct": -20.0})
    assert both == (
        "The ranges cannot be trusted as they stand: only 50% of customers landed inside their "
        "80% range of orders (at least 70% expected): the ranges are too narrow; the total "
        "revenue came out 20% under what happened (more than 15% off): a budget set on the "
        "predicted total would be too small by about that much."
    )
    assert verdict.trust({"coverage": 0.8, "revenue_error_pct": 20.0}) == (
        "The ranges cannot be trusted as they stand: the total revenue came out 20% over what "
        "happened (more than 15% off): a budget set on the predicted total would pay for "
        "revenue that may not come."
    )
    assert verdict.trust({"coverage": 0.8}) == (
        "Whether the ranges hold cannot be told: the holdout has nothing to compare."
    )


def test_season_note_in_full_and_at_its_days():
    # One day of fitting (29 February) is a fitting period: March was never in it.
    assert verdict.season_note("2024-02-29", "2024-03-01", "2024-03-31") == (
        "The holdout covers March, which the fitting period (Feb 2024 – Feb 2024) does not "
        "contain: a seasonal peak or dip there was never learnt, so part of the backtest's "
        "error may be the season's, and a forecast over those months carries the same risk."
    )
    # A holdout from 2 March: the fitting period ends on 1 March and so contains March.
    assert verdict.season_note("2024-02-01", "2024-03-02", "2024-03-31") == ""


def test_a_model_that_predicted_almost_nothing_leaves_the_total_without_an_upper_end():
    # Found in a marketer's walk: a lapsed shop's backtest predicted ~1e-15 of revenue against
    # 8 real orders, and rho = real / predicted made the range run to 2.9e20.
    judged = pd.DataFrame({"actual_revenue": [120.0, 80.0], "predicted_revenue": [1e-16, 2e-16]})
    rho, se = verdict.bias(judged)
    assert rho > verdict.RHO_LIMIT
    assert verdict.total_range(366.0, 0.0, 290.0, rho, se) == (0.0, float("inf"))
    # Just within the limit: still a finite, widened range on the side the backtest points to.
    low, high = verdict.total_range(100.0, 80.0, 120.0, verdict.RHO_LIMIT, 0.0)
    assert (low, high) == pytest.approx((80.0, 1000.0 + 200.0))
    assert present.total_span(0.0, float("inf"), lambda v: f"€{v:,.0f}") == "€0 or more"
    assert present.total_span(80.0, 1200.0, lambda v: f"€{v:,.0f}") == "€80 – €1,200"

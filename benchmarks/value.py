"""The Value page's work at scale: first open, each control, a model change, the backtest.

    python benchmarks/value.py 1000000        # prints JSON and a Markdown table

Times the analytics the page calls (what its cached wrappers run), on the synthetic shop of
benchmarks/generate.py, and, in the same run, the plain way for the first open: plain
lifetimes (ModifiedBetaGeoFitter and GammaGammaFitter on one row per customer, then
``customer_lifetime_value`` over 12 months), which gives no ranges. Pareto/NBD's fit
(maximum likelihood with its exact gradient, on distinct histories) is timed beside lifetimes'
ParetoNBDFitter (Nelder-Mead on one row per customer) up to ``pareto_limit`` customers. Each
step once (the machine is shared; the ratio to the plain way in the same run is what holds).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import shop_files  # noqa: E402

from analytics.ingest.io import load_orders  # noqa: E402
from analytics.insights.customers import build_customer_base, summarise  # noqa: E402
from analytics.value import backtest, clv  # noqa: E402


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def first_open(base, end, model, settings):
    summary = summarise(base, end)
    fitted = clv.fit(summary, model)
    fc = clv.forecast(fitted, summary, settings.months, end)
    table = clv.score_table(fitted, fc, summary, settings, clv.outlier_limit(base, end))
    interval = clv.total_interval(fitted, fc, table["clv"].to_numpy())
    return summary, fitted, fc, table, interval


def plain_first_open(summary):
    from lifetimes import GammaGammaFitter, ModifiedBetaGeoFitter

    f, r, t, m = (summary[c].to_numpy() for c in ["frequency", "recency", "T", "monetary_value"])
    with contextlib.redirect_stdout(io.StringIO()):
        mbg = ModifiedBetaGeoFitter().fit(f, r, t)
        repeat = (f > 0) & (m > 0)
        gg = GammaGammaFitter().fit(f[repeat], m[repeat])
        value = gg.customer_lifetime_value(
            mbg, pd.Series(f), pd.Series(r), pd.Series(t), pd.Series(m), time=12, freq="D"
        )
    return float(value.sum())


def plain_pareto_fit(summary) -> dict:
    """lifetimes' ParetoNBDFitter as it comes: one row per customer, Nelder-Mead."""
    from lifetimes import ParetoNBDFitter

    f, r, t = (summary[c].to_numpy() for c in ["frequency", "recency", "T"])
    with contextlib.redirect_stdout(io.StringIO()):
        return ParetoNBDFitter().fit(f, r, t).params_.to_dict()


def run(n_customers: int, seed: int = 1, pareto_limit: int = 50_000) -> dict:
    warnings.simplefilter("ignore")
    import lifetimes  # noqa: F401

    import analytics.value.fitters  # noqa: F401 - load lifetimes, autograd, scipy before timing

    parquet = shop_files(n_customers, seed)[0]
    base = build_customer_base(load_orders(parquet.read_bytes(), parquet.name).orders)
    end = base.data_end
    default = clv.Settings()
    out = {"customers": base.n_customers}
    t, (summary, fitted, fc, table, interval) = timed(
        lambda: first_open(base, end, clv.DEFAULT_MODEL, default)
    )
    out["first_open"] = t
    t, plain_total = timed(lambda: plain_first_open(summary))
    out["plain_first_open"] = t
    out["same_total"] = bool(abs(plain_total - table["clv"].sum()) <= 1e-3 * abs(plain_total))
    limit = clv.outlier_limit(base, end)
    for name, changed in [
        ("discount_or_margin", clv.Settings(12, 0.02, 0.5, 90)),
        ("churn_horizon", clv.Settings(12, 0.01, 1.0, 120)),
    ]:
        out[name] = timed(lambda s=changed: clv.score_table(fitted, fc, summary, s, limit))[0]

    known = clv.histories_of(fitted, summary, end)  # the app keeps it once per model

    def horizon():
        fc13 = clv.forecast(fitted, summary, 13, end, known)
        return clv.score_table(fitted, fc13, summary, clv.Settings(13), limit)

    out["horizon"] = timed(horizon)[0]

    def model_change():  # the summary is cached per reference date in the app
        other = clv.fit(summary, "bgnbd")
        fc_other = clv.forecast(other, summary, default.months, end)
        table = clv.score_table(other, fc_other, summary, default, limit)
        return clv.total_interval(other, fc_other, table["clv"].to_numpy())

    out["model_change"] = timed(model_change)[0]
    out["backtest"] = timed(lambda: backtest.run(base))[0]
    out["pareto_first_open"] = timed(lambda: first_open(base, end, "pareto", default))[0]
    out["pareto_fit"], ours = timed(lambda: clv.fit(summary, "pareto"))
    if n_customers <= pareto_limit:
        out["plain_pareto_fit"], theirs = timed(lambda: plain_pareto_fit(summary))
        out["pareto_params"] = {"ours": ours.params, "lifetimes": theirs}
    out["total_clv"] = float(table["clv"].sum())
    out["total_clv_interval"] = [float(v) for v in interval]
    return out


TARGETS = {  # the ceilings at 1M customers, in seconds
    "first_open": 8,
    "discount_or_margin": 2,
    "churn_horizon": 2,
    "horizon": 2,
    "model_change": 8,
    "pareto_first_open": 30,
}


def table(result: dict) -> str:
    rows = [
        "| step | customers | seconds | target at 1M | ratio to plain first open |",
        "|---|---:|---:|---:|---:|",
    ]
    plain = result["plain_first_open"]
    for key in [
        "first_open",
        "discount_or_margin",
        "churn_horizon",
        "horizon",
        "model_change",
        "backtest",
        "pareto_first_open",
    ]:
        if key in result:
            rows.append(
                f"| {key.replace('_', ' ')} | {result['customers']:,} | {result[key]:.2f} | "
                f"{TARGETS.get(key, '')} | {result[key] / plain:.2f} |"
            )
    if "plain_pareto_fit" in result:
        rows.append(
            f"| Pareto/NBD fit: ours {result['pareto_fit']:.2f} s, lifetimes "
            f"{result['plain_pareto_fit']:.2f} s | {result['customers']:,} | "
            f"{result['pareto_fit']:.2f} | | "
            f"{result['pareto_fit'] / result['plain_pareto_fit']:.3f} of lifetimes' |"
        )
    rows.append(
        f"| plain lifetimes first open (MBG/NBD + Gamma-Gamma + CLV, no ranges) | "
        f"{result['customers']:,} | {plain:.2f} | | 1.00 |"
    )
    return "\n".join(rows)


if __name__ == "__main__":
    result = run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
    print(json.dumps(result, indent=1))
    print(table(result))

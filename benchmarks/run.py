"""Time each stage against the plain pandas / plain lifetimes way, in the same run.

    python benchmarks/run.py                      # 10k, 100k and 1M customers
    python benchmarks/run.py --sizes 10000 --json out.json

Prints JSON and writes benchmarks/RESULTS.md (the table the README links to). Each figure
is the best of ``--repeat`` runs; ratios compare with the plain way measured in the same
run, since the machine is shared and noisy. Peak memory (tracemalloc) is measured in a
separate, untimed pass.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from analytics.ingest.io import load_orders  # noqa: E402
from analytics.ingest.sources import Location, load_location  # noqa: E402
from analytics.insights import cohorts, lifecycle, rfm, segments  # noqa: E402
from analytics.insights.customers import build_customer_base  # noqa: E402
from analytics.output import report  # noqa: E402
from analytics.value import clv  # noqa: E402
from benchmarks import startup  # noqa: E402
from benchmarks.generate import shop_files  # noqa: E402

SUMMARY = ["frequency", "recency", "T", "monetary_value"]
KEPT = "<!-- Below: written by hand and by the other benchmarks; run.py keeps it. -->\n"
PLAIN_EVOLUTION_LIMIT = 100_000  # above this, the plain evolution is one snapshot x 36


def best(func, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def peak_mb(func) -> float:
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return round(peak / 1e6, 1)


# --- the plain ways --------------------------------------------------------------------------


def plain_summary(orders: pd.DataFrame) -> pd.DataFrame:
    from lifetimes.utils import summary_data_from_transaction_data

    return summary_data_from_transaction_data(orders, "customer_id", "order_date", "amount")


def plain_clean(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.assign(order_date=pd.to_datetime(frame["order_date"]).dt.normalize())
    return frame[~frame["status"].isin(["cancelled", "refunded"]) & (frame["amount"] > 0)]


def plain_stages(orders: pd.DataFrame, t: pd.Timestamp, window: int, k: float) -> pd.Series:
    """The stage rules written the usual pandas way (groupby per customer)."""
    o = orders[orders["order_date"] <= t].sort_values(["customer_id", "order_date"])
    o = o.assign(gap=o.groupby("customer_id")["order_date"].diff().dt.days)
    g = o.groupby("customer_id")
    n, last = g.size(), g["order_date"].max()
    prev = g["order_date"].nth(-2).groupby(o.loc[g["order_date"].nth(-2).index, "customer_id"])
    prev = prev.max().reindex(n.index)
    in_window = (
        o[o["order_date"] > t - pd.Timedelta(days=window)].groupby("customer_id").size()
    ).reindex(n.index, fill_value=0)
    expected = g["gap"].median().where(n >= 3, o["gap"].median())
    since = (t - last).dt.days
    stage = pd.Series("Active", index=n.index)
    stage[(in_window == 1) & (n >= 2) & ((last - prev).dt.days > window)] = "Reactivated"
    stage[in_window >= 2] = "Loyal"
    stage[(n >= 2) & (since > k * expected)] = "At risk"
    stage[n == 1] = "New"
    stage[in_window == 0] = "Inactive"
    return stage.value_counts()


def plain_cohorts(orders: pd.DataFrame) -> pd.DataFrame:
    """Monthly retention the usual pandas way (complete periods only, as ours)."""
    month = orders["order_date"].dt.to_period("M")
    first = month.groupby(orders["customer_id"]).transform("min")
    k = (month - first).apply(lambda offset: offset.n)
    active = orders.assign(cohort=first, k=k).groupby(["cohort", "k"])["customer_id"].nunique()
    sizes = active.xs(0, level="k")
    return active.unstack("k").div(sizes, axis=0)


def plain_sensitivity(orders: pd.DataFrame, t: pd.Timestamp) -> list[float]:
    last = orders[orders["order_date"] <= t].groupby("customer_id")["order_date"].max()
    since = (t - last).dt.days
    return [float((since >= w).mean()) for w in range(30, 731, 5)]


def plain_rfm(orders: pd.DataFrame, t: pd.Timestamp) -> pd.DataFrame:
    upto = orders[orders["order_date"] <= t]
    per = upto.groupby("customer_id").agg(
        last=("order_date", "max"), orders=("order_date", "size"), revenue=("amount", "sum")
    )

    def score(values: pd.Series) -> pd.Series:
        return 1 + (5 * (values.rank(method="min") - 1) // len(values)).astype(int)

    days = (t - per["last"]).dt.days
    revenue = per["revenue"].round(2)  # the documented rule: revenue in cents
    return pd.DataFrame({"R": score(-days), "F": score(per["orders"]), "M": score(revenue)})


def plain_clv(summary: pd.DataFrame, penalizer: float) -> tuple[dict, float]:
    """lifetimes the documented way: one row per customer, CLV over 12 months of 30 days."""
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    f, r, t, m = (summary[c] for c in ["frequency", "recency", "T", "monetary_value"])
    bgf = BetaGeoFitter(penalizer_coef=penalizer).fit(f.to_numpy(), r.to_numpy(), t.to_numpy())
    repeat = summary[(f > 0) & (m > 0)]
    ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    value = ggf.customer_lifetime_value(bgf, f, r, t, m, time=12, discount_rate=0.01, freq="D")
    return bgf.params_.to_dict(), float(value.sum())


def ours_clv(summary: pd.DataFrame) -> tuple[clv.ClvModel, float]:
    fitted = clv.fit(summary, "bgnbd")
    fc = clv.forecast(fitted, summary, 12)
    return fitted, float(clv.clv(fc, 12, 0.01, 1.0).sum()), fc


# --- one size --------------------------------------------------------------------------------


def run_size(n_customers: int, repeat: int, seed: int = 1, load_only: bool = False) -> dict:
    import lifetimes.utils  # noqa: F401 - imported before timing, like analytics

    parquet, csv = shop_files(n_customers, seed)
    pq_bytes, csv_bytes = parquet.read_bytes(), csv.read_bytes()
    out: dict = {"customers": n_customers}

    def ours_parquet():
        log = load_orders(pq_bytes, parquet.name)
        return log, build_customer_base(log.orders)

    def ours_csv():
        log = load_orders(csv_bytes, csv.name)
        return log, build_customer_base(log.orders)

    def ours_parquet_path():  # the file read where it lies, by DuckDB
        log = load_location(Location("parquet", str(parquet)))
        return log, build_customer_base(log.orders)

    def plain_parquet():
        orders = plain_clean(pd.read_parquet(parquet))
        return plain_summary(orders)

    def plain_csv():
        orders = plain_clean(pd.read_csv(csv))
        return plain_summary(orders)

    t_ours, (log, base) = best(ours_parquet, repeat)
    t_plain, plain = best(plain_parquet, 1)
    ours = base.summary[SUMMARY]
    same = np.allclose(ours.to_numpy(), plain.loc[ours.index.astype(plain.index.dtype)][SUMMARY])
    out["orders"] = len(log.orders)
    out["load_clean_summary_parquet"] = _row(t_ours, t_plain, same, peak_mb(ours_parquet))
    t_ours, (_, direct) = best(ours_parquet_path, repeat)
    t_plain_again, _ = best(plain_parquet, 1)  # the plain way again, next to ours
    t_plain = min(t_plain, t_plain_again)
    theirs = plain.loc[direct.summary.index.astype(plain.index.dtype)][SUMMARY]
    same_direct = np.allclose(direct.summary[SUMMARY].to_numpy(), theirs)
    out["load_clean_summary_parquet_duckdb"] = _row(
        t_ours, t_plain, same_direct, peak_mb(ours_parquet_path)
    ) | {"ratio_to_plain": round(t_ours / t_plain, 2)}
    t_ours, _ = best(ours_csv, repeat)
    t_plain, _ = best(plain_csv, 1)
    out["load_clean_summary_csv"] = _row(t_ours, t_plain, same, peak_mb(ours_csv))
    if load_only:
        return out

    orders = log.orders.assign(customer_id=log.orders["customer_id"].astype("str"))
    t_prep, index = best(lambda: lifecycle.prepare(base), 1)
    out["lifecycle_prepare_once"] = {"seconds": round(t_prep, 3)}
    t = base.data_end
    t_ours, snap = best(lambda: lifecycle.snapshot(index, t, 180, 1.5), max(repeat, 3))
    t_plain, counts = best(lambda: plain_stages(orders, t, 180, 1.5), 1)
    ours_counts = lifecycle.stage_counts(snap).dropna()
    same = all(int(ours_counts[s]) == int(counts.get(s, 0)) for s in ours_counts.index)
    out["stage_assignment"] = _row(t_ours, t_plain, same)

    dates = lifecycle.snapshot_dates(index)
    t_ours, _ = best(lambda: lifecycle.evolution(index, 180, 1.5), repeat)
    if n_customers <= PLAIN_EVOLUTION_LIMIT:
        t_plain, _ = best(lambda: [plain_stages(orders, d, 180, 1.5) for d in dates], 1)
        estimated = False
    else:
        t_plain, estimated = t_plain * len(dates), True
    out["evolution"] = _row(t_ours, t_plain, None) | {
        "snapshots": len(dates),
        "plain_estimated": estimated,
    }

    t_ours, table = best(lambda: cohorts.cohort_table(base, "month", "retention"), max(repeat, 3))
    t_plain, plain_table = best(lambda: plain_cohorts(orders), 1)
    complete = table.values.notna().to_numpy()
    theirs = plain_table.reindex(columns=table.values.columns).to_numpy()[: len(complete)]
    same = np.allclose(table.values.to_numpy()[complete], np.nan_to_num(theirs)[complete])
    out["cohort_matrix"] = _row(t_ours, t_plain, same)

    t_ours, curve = best(lambda: lifecycle.window_sensitivity(index, snap), max(repeat, 3))
    t_plain, plain_curve = best(lambda: plain_sensitivity(orders, t), 1)
    same = np.allclose(curve["share_inactive"].to_numpy(), plain_curve)
    out["sensitivity_curve"] = _row(t_ours, t_plain, same)

    def ours_rfm():
        return rfm.score(rfm.customer_facts(index, snap))

    t_ours, scores = best(ours_rfm, max(repeat, 3))
    t_plain, theirs = best(lambda: plain_rfm(orders, t), 1)
    mine = scores[["R", "F", "M"]].set_axis(base.ids[scores.index])
    same = mine.equals(theirs.loc[mine.index].astype(mine.dtypes.to_dict()))
    out["rfm_scoring"] = _row(t_ours, t_plain, same)

    table = segments.customer_table(index, snap)
    pick = segments.SegmentFilter(stages=("Loyal", "At risk"), days_since=(0, 400))
    t_ours, mask = best(lambda: segments.select(table, pick), max(repeat, 3))
    t_plain, chosen = best(
        lambda: table.query("stage in ['Loyal', 'At risk'] and 0 <= days_since_last_order <= 400"),
        1,
    )
    out["segment_filter"] = _row(t_ours, t_plain, int(mask.sum()) == len(chosen))

    summary = base.summary
    t_ours, (fitted, total, fc) = best(lambda: ours_clv(summary), 1)
    why = None
    try:
        t_plain, (params, plain_total) = best(lambda: plain_clv(summary, fitted.penalizer), 1)
    except Exception as exc:  # noqa: BLE001 - plain lifetimes gave up (ConvergenceError)
        t_plain, same = float("nan"), None
        why = f"plain lifetimes could not fit ({type(exc).__name__}: {str(exc).strip()[:80]})"
    else:
        values = [params[k] for k in fitted.params]
        same = np.allclose(list(fitted.params.values()), values, rtol=1e-3)
        same = same and abs(total - plain_total) <= 1e-3 * abs(plain_total)
    out["clv_fit_score"] = _row(t_ours, t_plain, same, not_compared=why) | {
        "penalizer": fitted.penalizer
    }
    t_ours, _ = best(lambda: clv.clv(fc, 12, 0.02, 0.5), max(repeat, 3))
    out["clv_rescore"] = _row(t_ours, t_plain, None)

    settings = report.ReportSettings("benchmark", t, 180, 1.5)
    t_ours, _ = best(lambda: report.build(index, settings), 1)
    out["pdf_report"] = {"seconds": round(t_ours, 3)}

    # Peak memory of each stage, traced in a separate run (tracing slows the timed ones).
    traced = {
        "lifecycle_prepare_once": lambda: lifecycle.prepare(base),
        "stage_assignment": lambda: lifecycle.snapshot(index, t, 180, 1.5),
        "evolution": lambda: lifecycle.evolution(index, 180, 1.5),
        "cohort_matrix": lambda: cohorts.cohort_table(base, "month", "retention"),
        "sensitivity_curve": lambda: lifecycle.window_sensitivity(index, snap),
        "rfm_scoring": ours_rfm,
        "segment_filter": lambda: segments.select(table, pick),
        "clv_fit_score": lambda: ours_clv(summary),
        "clv_rescore": lambda: clv.clv(fc, 12, 0.02, 0.5),
        "pdf_report": lambda: report.build(index, settings),
    }
    for stage, func in traced.items():
        out[stage]["peak_mb"] = peak_mb(func)
    return out


def _row(
    ours: float,
    plain: float,
    same: bool | None,
    peak: float | None = None,
    not_compared: str | None = None,
) -> dict:
    """One stage's figures; ``not_compared`` says why a stage has no "same numbers" check."""
    row = {
        "seconds": round(ours, 4),
        "plain_seconds": round(plain, 3),
        "speedup": round(plain / ours, 1) if ours and np.isfinite(plain) else None,
    }
    if same is not None:
        row["same_numbers"] = bool(same)
    if not_compared:
        row["not_compared"] = not_compared
    if peak is not None:
        row["peak_mb"] = peak
    return row


STAGE_NAMES = {
    "load_clean_summary_parquet": "Parquet load + clean + summary (vs pandas + lifetimes)",
    "load_clean_summary_parquet_duckdb": "Parquet path read by DuckDB + clean + summary "
    "(vs pandas + lifetimes)",
    "load_clean_summary_csv": "CSV load + clean + summary (vs pandas + lifetimes)",
    "lifecycle_prepare_once": "Lifecycle preparation, once per dataset",
    "stage_assignment": "Stage assignment for one (t, W, k) (vs pandas groupby)",
    "evolution": "Evolution, monthly snapshots (vs pandas groupby per snapshot)",
    "cohort_matrix": "Monthly cohort retention matrix (vs pandas groupby)",
    "sensitivity_curve": "Window sensitivity curve, 141 windows (vs pandas loop)",
    "rfm_scoring": "RFM scores (vs pandas groupby + rank)",
    "segment_filter": "Segment-builder filter (vs DataFrame.query)",
    "clv_fit_score": "CLV fit + score, BG/NBD + Gamma-Gamma, 12 months (vs plain lifetimes)",
    "clv_rescore": "CLV re-score after a discount/margin change (vs plain lifetimes refit)",
    "pdf_report": "PDF management report",
}


def table(results: list[dict]) -> str:
    lines = [
        "| Stage | Customers | Orders | Ours (s) | Plain (s) | Speed-up | Same numbers | Peak MB |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for res in results:
        for key, name in STAGE_NAMES.items():
            row = res[key]
            plain = row.get("plain_seconds", "")
            if row.get("plain_estimated"):
                plain = f"~{plain} (1 snapshot x {row['snapshots']})"
            speed = f"{row['speedup']}x" if row.get("speedup") else ""
            same = {True: "yes", False: "NO", None: ""}[row.get("same_numbers")]
            if row.get("not_compared"):
                same = f"not compared: {row['not_compared']}"
            lines.append(
                f"| {name} | {res['customers']:,} | {res['orders']:,} | {row['seconds']} | "
                f"{plain} | {speed} | {same} | {row.get('peak_mb', '')} |"
            )
    return "\n".join(lines)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1, help="the synthetic shop's seed")
    parser.add_argument("--json", help="also write the JSON here")
    parser.add_argument("--no-table", action="store_true", help="do not write RESULTS.md")
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="only the three loading rows (implies --no-table and --no-startup)",
    )
    parser.add_argument(
        "--no-startup", action="store_true", help="skip the command-line start-up timings"
    )
    args = parser.parse_args(argv)
    if args.load_only:
        args.no_table = args.no_startup = True
    results = [run_size(n, args.repeat, args.seed, args.load_only) for n in args.sizes]
    report = {
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, "
        f"Python {platform.python_version()}, pandas {pd.__version__}",
        "results": results,
    }
    if not (args.no_table or args.no_startup):  # whole processes: only for the written table
        report["startup"] = startup.measure()
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    if not args.no_table:
        results_md = HERE / "RESULTS.md"
        kept = results_md.read_text().partition(KEPT)[2] if results_md.exists() else ""
        results_md.write_text(
            f"# Benchmark results\n\nMachine: {report['machine']}. Generated by "
            f"`python benchmarks/run.py --sizes {' '.join(map(str, args.sizes))}`.\n\n"
            + table(results)
            + "\n"
            + (
                "\n## Command-line start-up (demo shop, median of 5 runs)\n\n"
                + startup.table(report["startup"])
                + "\n"
                if "startup" in report
                else ""
            )
            + (f"\n{KEPT}{kept}" if kept else "")
        )
    return report


if __name__ == "__main__":
    main()

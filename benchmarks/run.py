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

from analytics import cohorts, lifecycle  # noqa: E402
from analytics.customers import build_customer_base  # noqa: E402
from analytics.io import load_orders  # noqa: E402
from benchmarks.generate import shop_files  # noqa: E402

SUMMARY = ["frequency", "recency", "T", "monetary_value"]
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


# --- one size --------------------------------------------------------------------------------


def run_size(n_customers: int, repeat: int) -> dict:
    import lifetimes.utils  # noqa: F401 - imported before timing, like analytics

    parquet, csv = shop_files(n_customers)
    pq_bytes, csv_bytes = parquet.read_bytes(), csv.read_bytes()
    out: dict = {"customers": n_customers}

    def ours_parquet():
        log = load_orders(pq_bytes, parquet.name)
        return log, build_customer_base(log.orders)

    def ours_csv():
        log = load_orders(csv_bytes, csv.name)
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
    t_ours, _ = best(ours_csv, repeat)
    t_plain, _ = best(plain_csv, 1)
    out["load_clean_summary_csv"] = _row(t_ours, t_plain, same, peak_mb(ours_csv))

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
    return out


def _row(ours: float, plain: float, same: bool | None, peak: float | None = None) -> dict:
    row = {
        "seconds": round(ours, 4),
        "plain_seconds": round(plain, 3),
        "speedup": round(plain / ours, 1) if ours else None,
    }
    if same is not None:
        row["same_numbers"] = bool(same)
    if peak is not None:
        row["peak_mb"] = peak
    return row


STAGE_NAMES = {
    "load_clean_summary_parquet": "Parquet load + clean + summary (vs pandas + lifetimes)",
    "load_clean_summary_csv": "CSV load + clean + summary (vs pandas + lifetimes)",
    "lifecycle_prepare_once": "Lifecycle preparation, once per dataset",
    "stage_assignment": "Stage assignment for one (t, W, k) (vs pandas groupby)",
    "evolution": "Evolution, monthly snapshots (vs pandas groupby per snapshot)",
    "cohort_matrix": "Monthly cohort retention matrix (vs pandas groupby)",
    "sensitivity_curve": "Window sensitivity curve, 141 windows (vs pandas loop)",
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
            lines.append(
                f"| {name} | {res['customers']:,} | {res['orders']:,} | {row['seconds']} | "
                f"{plain} | {speed} | {same} | {row.get('peak_mb', '')} |"
            )
    return "\n".join(lines)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", help="also write the JSON here")
    parser.add_argument("--no-table", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args(argv)
    results = [run_size(n, args.repeat) for n in args.sizes]
    report = {
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, "
        f"Python {platform.python_version()}, pandas {pd.__version__}",
        "results": results,
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    if not args.no_table:
        (HERE / "RESULTS.md").write_text(
            f"# Benchmark results\n\nMachine: {report['machine']}. Generated by "
            f"`python benchmarks/run.py --sizes {' '.join(map(str, args.sizes))}`.\n\n"
            + table(results)
            + "\n"
        )
    return report


if __name__ == "__main__":
    main()

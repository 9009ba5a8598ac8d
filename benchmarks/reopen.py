"""Reopening a kept dataset (a reload, a link) against the Parquet path's own first load.

    python benchmarks/reopen.py                      # 1M customers (about 3.5M orders)
    python benchmarks/reopen.py --customers 100000 --repeat 3

The first load is what the app does with a Parquet file read where it lies: DuckDB reads and
cleans it (the rules), then the customer base and the lifecycle index are built, and the
dataset is kept (the order log, then the base's and the index's arrays). Reopening is what a
reload or a link does on a fresh server: the kept order log read back (no rules), the base and
the index taken from the kept arrays, memory-mapped. Each reopen runs in a process of its own
(nothing cached in memory, libraries imported as a server has them; the files are in the
page cache, as on a server that kept them).
Both are checked to give the same customer base and stage counts. The machine's load average
is printed before and after: the ratio in the same run is the figure, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

KEY = "0123456789abcdef0123456789abcdef"
REOPEN = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
import pyarrow.feather, pyarrow.parquet  # a server has them loaded already (Streamlit does)
from benchmarks.reopen import reopen
print(json.dumps(reopen(Path(sys.argv[1]), sys.argv[2])))
"""


def first_load(parquet: Path, folder: Path) -> dict:
    """Read, clean, base, index (timed), then keep all of it (timed apart)."""
    from analytics.access.store import Store
    from analytics.ingest.sources import Location, load_location
    from analytics.insights.customers import base_arrays, build_customer_base
    from analytics.insights.lifecycle import index_arrays, prepare

    out = {}
    start = time.perf_counter()
    log = load_location(Location("parquet", str(parquet)))
    out["read_clean"] = time.perf_counter() - start
    base = build_customer_base(log.orders)
    out["read_clean_base"] = time.perf_counter() - start
    index = prepare(base)
    out["read_clean_base_index"] = time.perf_counter() - start
    store = Store(folder, 10**11)
    mark = time.perf_counter()
    store.save(KEY, {"label": "Upload"}, log, None)
    out["keep_orders"] = time.perf_counter() - mark
    mark = time.perf_counter()
    store.save_arrays(KEY, "base", base_arrays(base))
    store.save_arrays(KEY, "lifecycle", index_arrays(index))
    out["keep_arrays"] = time.perf_counter() - mark
    mark = time.perf_counter()  # how the order log was kept before (Parquet), for comparison
    log.orders.to_parquet(folder / "orders-as-before.parquet", index=False)
    out["keep_orders_as_parquet_before"] = time.perf_counter() - mark
    out["answer"] = _answer(base, index)
    return out


def reopen(folder: Path, how: str) -> dict:
    """Open the kept dataset: with its kept arrays (``kept``) or building them (``rebuild``,
    as before this change and for a folder kept by an older app)."""
    from analytics.access.store import Store
    from analytics.insights.customers import base_from_arrays, build_customer_base
    from analytics.insights.lifecycle import index_from_arrays, prepare

    store = Store(folder, 10**11)
    start = time.perf_counter()
    log = store.load(KEY).log
    read = time.perf_counter() - start
    if how == "kept":
        base = base_from_arrays(log.orders, store.arrays(KEY, "base"))
        index = index_from_arrays(base, store.arrays(KEY, "lifecycle"))
    else:
        base = build_customer_base(log.orders)
        index = prepare(base)
    total = time.perf_counter() - start
    return {"read": read, "total": total, "answer": _answer(base, index)}


def _answer(base, index) -> dict:
    """What the Lifecycle page first shows: customers, revenue, stage counts at the end."""
    from analytics.insights import lifecycle as lc

    counts = lc.stage_counts(lc.snapshot(index, base.data_end, 180, 1.5)).dropna()
    return {
        "customers": int(base.n_customers),
        "revenue": round(float(base.summary["revenue"].sum()), 2),
        "stages": {k: int(v) for k, v in counts.items()},
    }


def _in_process(folder: Path, how: str) -> dict:
    run = subprocess.run(
        [sys.executable, "-c", REOPEN, str(folder), how, str(HERE.parent)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout.splitlines()[-1])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from benchmarks.generate import shop_files

    parquet, _ = shop_files(args.customers)
    result = {"customers": args.customers, "load_average_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="lens-reopen-") as tmp:
        firsts = []
        for i in range(args.repeat):  # a new folder each time: keeping is part of the load
            firsts.append(first_load(parquet, Path(tmp) / str(i)))
        folder = Path(tmp) / "0"
        kept = [_in_process(folder, "kept") for _ in range(args.repeat)]
        rebuilt = [_in_process(folder, "rebuild") for _ in range(args.repeat)]
        size = sum(f.stat().st_size for f in (folder / KEY).iterdir())
    first = {k: min(f[k] for f in firsts) for k in firsts[0] if k != "answer"}
    result["first_load_s"] = {k: round(v, 3) for k, v in first.items()}
    result["reopen_kept_s"] = round(min(r["total"] for r in kept), 3)
    result["reopen_kept_read_s"] = round(min(r["read"] for r in kept), 3)
    result["reopen_rebuilt_s"] = round(min(r["total"] for r in rebuilt), 3)
    result["kept_mb"] = round(size / 1e6, 1)
    result["same_answer"] = all(r["answer"] == firsts[0]["answer"] for r in kept + rebuilt + firsts)
    result["answer"] = firsts[0]["answer"]
    full = first["read_clean_base_index"]
    result["ratio_reopen_to_first_load"] = round(result["reopen_kept_s"] / full, 3)
    result["ratio_reopen_to_read_and_base"] = round(
        result["reopen_kept_s"] / first["read_clean_base"], 3
    )
    result["ratio_rebuilt_to_first_load"] = round(result["reopen_rebuilt_s"] / full, 3)
    result["keeping_share_of_first_load"] = round(
        (first["keep_orders"] + first["keep_arrays"]) / full, 3
    )
    result["keeping_before_share_of_first_load"] = round(
        first["keep_orders_as_parquet_before"] / full, 3
    )
    result["load_average_after"] = os.getloadavg()
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()

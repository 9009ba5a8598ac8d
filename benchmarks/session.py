"""Memory of one app session: a shop uploaded, then the Lifecycle page rerun as sliders move.

    python benchmarks/session.py                      # 1M customers (about 3.5M orders)
    python benchmarks/session.py --customers 100000 --file csv

Runs in a process of its own, and does what the app does with what the app caches: the Parquet
(or CSV) file's bytes loaded as an upload, the customer base and the lifecycle index built
once, then every view of the Lifecycle page (stage mix, funnel, evolution by month,
transitions, what-if curve, win-back list, members) at each inactivity window and at-risk
factor. A thread samples the process's resident memory every 5 ms: the peak is what the server
must hold for this session, engines included (Streamlit's own memory, once per server, comes
on top). The plain way (pandas reads the file, drops cancelled and refunded orders, lifetimes'
summary_data_from_transaction_data) is measured in its own process in the same run, reading
the Parquet file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

WINDOWS = (90, 180, 365)
FACTORS = (1.5, 2.0, 3.0)
PLAIN = """
import sys
import pandas as pd
from benchmarks.run import plain_clean, plain_summary
from benchmarks.session import Sampler
with Sampler() as sampler:
    plain_summary(plain_clean(pd.read_parquet(sys.argv[1])))
print(sampler.peak_gb)
"""


def resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


class Sampler:
    """The peak resident memory while the block runs, sampled every 5 ms."""

    def __init__(self):
        self.peak = resident_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, resident_bytes())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, resident_bytes())

    @property
    def peak_gb(self) -> float:
        return round(self.peak / 1e9, 2)


def session(path: Path) -> dict:
    """One session on the file, in this process: the peak and resident memory of each phase."""
    import pandas as pd

    from analytics.ingest.io import load_orders
    from analytics.insights import lifecycle as lc
    from analytics.insights.customers import build_customer_base

    out = {}
    start = time.perf_counter()
    with Sampler() as sampler:
        log = load_orders(path.read_bytes(), path.name)
        base = build_customer_base(log.orders)
        index = lc.prepare(base)
    out["load"] = {
        "seconds": round(time.perf_counter() - start, 1),
        "peak_gb": sampler.peak_gb,
        "resident_after_gb": round(resident_bytes() / 1e9, 2),
        "customers": base.n_customers,
        "orders": len(log.orders),
    }
    start = time.perf_counter()
    end = base.data_end
    with Sampler() as sampler:
        for window in WINDOWS:
            for factor in FACTORS:
                snap = lc.snapshot(index, end, window, factor)
                lc.stage_mix(index, snap, window)
                lc.funnel(index, snap)
                lc.evolution(index, window, factor, "month")
                lc.transitions(index, end - pd.DateOffset(months=3), end, window, factor)
                lc.window_sensitivity(index, snap)
                lc.suggested_window(index, snap)
                lc.winback(index, snap)
                lc.members(index, snap)
    out["lifecycle_reruns"] = {
        "seconds": round(time.perf_counter() - start, 1),
        "reruns": len(WINDOWS) * len(FACTORS),
        "peak_gb": sampler.peak_gb,
        "resident_after_gb": round(resident_bytes() / 1e9, 2),
    }
    out["peak_gb"] = max(out["load"]["peak_gb"], out["lifecycle_reruns"]["peak_gb"])
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--file", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from benchmarks.generate import shop_files

    parquet, csv = shop_files(args.customers)
    if args.in_process:
        result = session(parquet if args.file == "parquet" else csv)
        print(json.dumps(result))
        return result
    root = HERE.parent
    ours = subprocess.run(
        [sys.executable, __file__, "--customers", str(args.customers), "--file", args.file]
        + ["--in-process"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    ours = json.loads(ours.stdout.splitlines()[-1])
    result = {"customers": args.customers, "file": args.file, "ours": ours}
    plain = subprocess.run(
        [sys.executable, "-c", PLAIN, str(parquet)],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    result["plain_load_summary_peak_gb"] = float(plain.stdout.splitlines()[-1])
    result["ratio"] = round(result["ours"]["peak_gb"] / result["plain_load_summary_peak_gb"], 2)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()

"""End to end at scale: `python -m analytics lifecycle` on a Parquet dataset of several files.

    python benchmarks/scale.py                       # 10M customers (about 35M orders)
    python benchmarks/scale.py --customers 1000000   # a quicker look

The dataset is made once, in parts of one million customers (benchmarks/cache/lake_v2_N/,
ignored by git). Each way runs as its own process, timed from outside, its peak memory the
process's maximum resident set (what the machine must hold, engines included). The plain way
(pandas reads the folder, drops cancelled and refunded orders, lifetimes'
summary_data_from_transaction_data) runs in the same run, under an address-space limit so
that running out of memory is recorded, not a machine brought down. Prints JSON; --markdown
adds the table for RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import CACHE, VERSION, make_shop  # noqa: E402

PART = 1_000_000  # customers per file
PLAIN = """
import sys
import pandas as pd
from benchmarks.run import plain_clean, plain_summary
orders = plain_clean(pd.read_parquet(sys.argv[1]))
summary = plain_summary(orders)
print(len(summary))
"""


def lake(customers: int) -> Path:
    """The dataset's folder, made on first use: one file per million customers."""
    folder = CACHE / f"lake_v{VERSION}_{customers}"
    done = folder / "_complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for i, start in enumerate(range(0, customers, PART)):
        size = min(PART, customers - start)
        frame = make_shop(size, seed=100 + i)
        # Customer and order ids unique across parts.
        number = frame["customer_id"].str[1:].astype("int64") + start * 10
        frame["customer_id"] = "C" + number.astype("str")
        frame["order_id"] = f"P{i}-" + frame["order_id"]
        frame.to_parquet(folder / f"part-{i:03d}.parquet", index=False)
    done.write_text("ok")
    return folder


def measure(argv: list[str], limit_gb: float | None = None) -> dict:
    """Wall seconds and peak resident memory of one process (GNU time's %M), and whether
    it finished."""

    def limit():
        if limit_gb:
            size = int(limit_gb * 1e9)
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "PEAK_KB %M", *argv],
        cwd=ROOT,
        capture_output=True,
        preexec_fn=limit,
    )
    seconds = time.perf_counter() - start
    err = done.stderr.decode()
    peak_kb = int(err.rsplit("PEAK_KB", 1)[1].split()[0]) if "PEAK_KB" in err else 0
    err = err.rsplit("PEAK_KB", 1)[0].strip()
    return {
        "seconds": round(seconds, 1),
        "peak_gb": round(peak_kb / 1e6, 2),
        "ok": done.returncode == 0,
        "error": None if done.returncode == 0 else err[-300:],
        "stdout": done.stdout.decode()[:2000],
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000_000)
    parser.add_argument("--plain-limit-gb", type=float, default=16.0)
    parser.add_argument("--no-plain", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    folder = lake(args.customers)
    files = sorted(folder.glob("*.parquet"))
    ours = measure([sys.executable, "-m", "analytics", "lifecycle", str(folder)])
    result = {
        "customers": args.customers,
        "files": len(files),
        "bytes": sum(f.stat().st_size for f in files),
        "ours": ours,
    }
    if ours["ok"]:
        stages = json.loads(ours.pop("stdout"))
        result["customers_with_orders"] = stages["customers"]
    if not args.no_plain:
        plain = measure([sys.executable, "-c", PLAIN, str(folder)], args.plain_limit_gb)
        plain.pop("stdout")
        result["plain"] = plain | {"limit_gb": args.plain_limit_gb}
    text = json.dumps(result, indent=2)
    print(text)
    if args.markdown:
        print(table(result))
    return result


def table(result: dict) -> str:
    ours, plain = result["ours"], result.get("plain")
    lines = [
        "| Way | Seconds | Peak memory (GB) | Finished |",
        "|---|---:|---:|---|",
        f"| `python -m analytics lifecycle FOLDER` | {ours['seconds']} | {ours['peak_gb']} | "
        f"{'yes' if ours['ok'] else 'NO: ' + str(ours['error'])[:80]} |",
    ]
    if plain:
        how = "yes" if plain["ok"] else f"no: ran out of its {plain['limit_gb']:g} GB"
        if not plain["ok"] and "MemoryError" not in (plain["error"] or ""):
            how = "no: " + str(plain["error"])[-80:]
        lines.append(
            "| plain pandas read + clean + lifetimes summary | "
            f"{plain['seconds']} | {plain['peak_gb']} | {how} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

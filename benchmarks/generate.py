"""Synthetic shops for benchmarks: N customers with about 3 orders each, cached on disk.

    python benchmarks/generate.py 10000 100000 1000000

Files go to benchmarks/cache/shop_<N>.parquet and .csv (ignored by git). Deterministic.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

CACHE = Path(__file__).resolve().parent / "cache"
START = np.datetime64("2022-01-01", "D")
DAYS = 3 * 365


def make_shop(n_customers: int, seed: int = 1) -> pd.DataFrame:
    """Orders of a shop with ``n_customers`` buyers (geometric order counts, mean 3)."""
    rng = np.random.default_rng(seed)
    counts = rng.geometric(1 / 3, n_customers)
    code = np.repeat(np.arange(n_customers), counts)
    first = rng.integers(0, DAYS, n_customers)
    offsets = rng.exponential(60, len(code)).astype(np.int64)
    # Each order after the first comes some days after the previous one.
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    offsets[starts] = 0
    day = first[code] + np.cumsum(offsets) - np.repeat(np.cumsum(offsets)[starts], counts)
    keep = day < DAYS
    code, day = code[keep], day[keep]
    n = len(code)
    status = rng.choice(
        ["paid", "paid", "paid", "paid", "cancelled", "refunded"],
        n,
        p=[0.5, 0.2, 0.15, 0.1, 0.03, 0.02],
    )
    return pd.DataFrame(
        {
            "order_id": np.char.add("O", np.arange(n).astype(str)),
            "customer_id": np.char.add("C", (code + 1_000_000).astype(str)),
            "order_date": (START + day).astype("datetime64[s]")
            + rng.integers(0, 86_400, n).astype("timedelta64[s]"),
            "amount": np.round(rng.gamma(3.0, 25.0, n), 2),
            "status": status,
        }
    )


def shop_files(n_customers: int) -> tuple[Path, Path]:
    """Paths of the cached Parquet and CSV files, made on first use."""
    CACHE.mkdir(exist_ok=True)
    parquet, csv = CACHE / f"shop_{n_customers}.parquet", CACHE / f"shop_{n_customers}.csv"
    if not (parquet.exists() and csv.exists()):
        frame = make_shop(n_customers)
        frame.to_parquet(parquet, index=False)
        frame.to_csv(csv, index=False, date_format="%Y-%m-%d %H:%M:%S")
    return parquet, csv


if __name__ == "__main__":
    for size in [int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000]:
        p, c = shop_files(size)
        print(
            f"{size:,} customers: {p.stat().st_size / 1e6:.0f} MB parquet, "
            f"{c.stat().st_size / 1e6:.0f} MB csv"
        )

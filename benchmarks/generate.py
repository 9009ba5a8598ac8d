"""Synthetic shops for benchmarks: N customers with about 3.6 orders each, cached on disk.

    python benchmarks/generate.py 10000 100000 1000000

Files go to benchmarks/cache/shop_v2_<N>_<seed>.parquet and .csv (ignored by git). Deterministic.
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
    """Orders of a shop with ``n_customers`` buyers, drawn from the models' own story.

    BG/NBD for purchases (each customer buys at a gamma-distributed rate and may leave after
    each purchase with a beta-distributed chance) and Gamma-Gamma for spend (each customer's
    own average spend varies between customers). Drop-out and spend both vary, so plain
    lifetimes' fits converge on it: benchmarks compare like with like. About 3.6 orders per
    customer over three years, before cancelled and refunded ones.
    """
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.9, 1 / 60, n_customers)  # purchases per day while active
    leave = rng.beta(1.0, 3.0, n_customers)  # chance to leave after each purchase
    spend_scale = rng.gamma(3.0, 1 / 37.5, n_customers)  # Gamma-Gamma's nu: q=3, v=37.5
    counts = np.minimum(rng.geometric(np.maximum(leave, 1e-3)), 60)
    code = np.repeat(np.arange(n_customers), counts)
    first = rng.integers(0, DAYS, n_customers)
    waits = rng.exponential(1.0, len(code)) / rate[code]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    waits[starts] = 0  # the first order is on the first day
    elapsed = np.cumsum(waits)
    day = (first[code] + elapsed - np.repeat(elapsed[starts], counts)).astype(np.int64)
    keep = day < DAYS
    code, day = code[keep], day[keep]
    amount = rng.gamma(4.0, 1.0 / spend_scale[code])  # p=4: mean spend p v / (q - 1) = 75
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
            "amount": np.round(amount, 2),
            "status": status,
        }
    )


VERSION = 2  # bump when make_shop changes, so no stale cache is read


def shop_files(n_customers: int, seed: int = 1) -> tuple[Path, Path]:
    """Paths of the cached Parquet and CSV files, made on first use."""
    CACHE.mkdir(exist_ok=True)
    stem = CACHE / f"shop_v{VERSION}_{n_customers}_{seed}"
    parquet, csv = stem.with_suffix(".parquet"), stem.with_suffix(".csv")
    if not (parquet.exists() and csv.exists()):
        frame = make_shop(n_customers, seed)
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

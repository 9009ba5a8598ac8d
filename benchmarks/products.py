"""Products and timing at scale: reading line items, then repurchase and products.

    python benchmarks/products.py 1000000        # prints JSON and a Markdown table

The shop of benchmarks/generate.py (same seed, same orders) with line items: each order
holds 1 to 5 lines (1 + Poisson(1.3), about 2.3 on average), products drawn from 5,000 with a
Zipf-like popularity (weight 1 / rank^1.1), written Shopify-style: one row per line, the
order's fields and total repeated on each. Times, once each (the machine is shared; the
ratios to the plain way in the same run are what holds):

- reading: the line-item file with products, the same file with the product column left
  unmapped, and the one-row-per-order file of the same orders (all Parquet bytes, through
  ``load_orders``, the upload path);
- after load: ``repurchase.repurchase`` and the products views (``products.prepare``,
  ``first_products``, ``what_next`` for the top first product, ``journeys``), each against a
  plain pandas way (groupby per customer and merges), with the same numbers checked.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.ingest.io import load_orders  # noqa: E402
from analytics.ingest.orders import ReadOptions  # noqa: E402
from analytics.insights import products, repurchase  # noqa: E402
from analytics.insights.customers import build_customer_base  # noqa: E402
from benchmarks.generate import CACHE, make_shop, shop_files  # noqa: E402

N_PRODUCTS = 5000
VERSION = 1


def with_lines(orders: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed + 100)
    per_order = np.minimum(1 + rng.poisson(1.3, len(orders)), 5)
    rows = np.repeat(np.arange(len(orders)), per_order)
    weight = 1 / np.arange(1, N_PRODUCTS + 1) ** 1.1
    product = rng.choice(N_PRODUCTS, len(rows), p=weight / weight.sum())
    names = np.char.add("Product ", np.char.zfill(np.arange(N_PRODUCTS).astype(str), 4))
    lines = orders.iloc[rows].reset_index(drop=True)
    lines["product"] = names[product]
    return lines


def line_file(n_customers: int, seed: int = 1) -> Path:
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"lines_v{VERSION}_{n_customers}_{seed}.parquet"
    if not path.exists():
        with_lines(make_shop(n_customers, seed), seed).to_parquet(path, index=False)
    return path


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def best(func, repeat: int = 2):
    runs = [timed(func) for _ in range(repeat)]
    return min(t for t, _ in runs), runs[-1][1]


# --- the plain pandas ways -------------------------------------------------------------------


def plain_purchases(orders: pd.DataFrame) -> pd.DataFrame:
    """One row per customer and day, ranked per customer (groupby)."""
    days = orders[["customer_id", "order_date"]].drop_duplicates()
    days = days.sort_values(["customer_id", "order_date"])
    days["rank"] = days.groupby("customer_id", observed=True).cumcount()
    return days


def plain_repurchase(orders: pd.DataFrame) -> dict:
    """Kaplan-Meier and the gaps the plain pandas way: pivot of 1st and 2nd purchase days,
    then value counts of durations."""
    days = plain_purchases(orders)
    end = days["order_date"].max()
    firsts = days[days["rank"] < 2].pivot(index="customer_id", columns="rank", values="order_date")
    back = firsts[1].notna()
    duration = ((firsts[1].where(back, end)) - firsts[0]).dt.days
    events = duration[back].value_counts().sort_index()
    at_risk = pd.Series([(duration >= d).sum() for d in events.index], index=events.index)
    survival = (1 - events / at_risk).cumprod()
    curve = {
        str(h): float(1 - survival[survival.index <= h].iloc[-1]) if h <= duration.max() else None
        for h in repurchase.HORIZONS
    }
    gaps = days.groupby("customer_id", observed=True)["order_date"].diff().dt.days.dropna()
    return {"curve": curve, "between_median": float(gaps.median())}


def plain_products(orders: pd.DataFrame, lines: pd.DataFrame) -> dict:
    """Customers per first product and what comes after the top one, with merges."""
    days = plain_purchases(orders)
    ranked = lines.merge(days, on=["customer_id", "order_date"])
    first = ranked[ranked["rank"] == 0]
    per_product = first.groupby("product", observed=True)["customer_id"].nunique()
    top = per_product.sort_values(ascending=False, kind="stable").index[0]
    holders = first.loc[first["product"] == top, "customer_id"].unique()
    second = ranked[ranked["rank"] == 1]
    theirs = second[second["customer_id"].isin(holders)]
    after = theirs.groupby("product", observed=True)["customer_id"].nunique()
    return {
        "customers": per_product[per_product > 0].astype(int).to_dict(),
        "after": str(top),
        "next": after[after > 0].astype(int).to_dict(),
    }


def ours_products(base, lines) -> tuple:
    idx = products.prepare(base, lines)
    table = products.first_products(idx, base)
    top = str(table["product"].iloc[0])
    n, nxt = products.what_next(idx, top)
    paths = products.journeys(idx)
    return table, top, nxt, paths


def main(n_customers: int) -> dict:
    parquet, _ = shop_files(n_customers)
    order_bytes = parquet.read_bytes()
    line_bytes = line_file(n_customers).read_bytes()
    today = pd.Timestamp("2030-01-01")
    unmapped = ReadOptions(mapping={"product": None})
    # Twice each, the better kept: the first run of a file shape compiles its SQL (kept on
    # disk for later runs, see analytics/ingest/runner.py).
    read_orders = best(lambda: load_orders(order_bytes, "orders.parquet", today=today))[0]
    read_folded = best(lambda: load_orders(line_bytes, "lines.parquet", unmapped, today))[0]
    read_lines, log = best(lambda: load_orders(line_bytes, "lines.parquet", today=today))
    base = build_customer_base(log.orders)
    ours_again, again = timed(lambda: repurchase.repurchase(base))
    plain_again, plain = timed(lambda: plain_repurchase(log.orders))
    curve = again.to_json()["curve"]  # rounded to 6 decimals, as the CLI prints it
    plain_curve = {k: (None if v is None else round(v, 6)) for k, v in plain["curve"].items()}
    ours_prod, (table, top, nxt, paths) = timed(lambda: ours_products(base, log.lines))
    plain_prod, plain_p = timed(lambda: plain_products(log.orders, log.lines))
    same_products = (
        top == plain_p["after"]
        and dict(zip(table["product"], table["customers"], strict=True)) == plain_p["customers"]
        and dict(zip(nxt["product"], nxt["customers"], strict=True)) == plain_p["next"]
    )
    return {
        "customers": base.n_customers,
        "orders": len(log.orders),
        "line_rows": log.report.lines["line_rows"],
        "purchase_product_rows": len(log.lines),
        "products": log.report.lines["products"],
        "read_orders_file": round(read_orders, 2),
        "read_line_file_without_products": round(read_folded, 2),
        "read_line_file_with_products": round(read_lines, 2),
        "repurchase": round(ours_again, 3),
        "repurchase_plain": round(plain_again, 3),
        "repurchase_same_numbers": curve == plain_curve
        and float(np.median(again.gaps_between)) == plain["between_median"],
        "products_views": round(ours_prod, 3),
        "products_plain": round(plain_prod, 3),
        "products_same_numbers": bool(same_products),
        "journeys": len(paths),
    }


def table(r: dict) -> str:
    def ratio(a, b):
        return f"{a / b:.2f}"

    rows = [
        ("read the one-row-per-order file", r["read_orders_file"], "", "1.00"),
        (
            "read the line-item file, product column unmapped",
            r["read_line_file_without_products"],
            "",
            ratio(r["read_line_file_without_products"], r["read_orders_file"]),
        ),
        (
            "read the line-item file with products",
            r["read_line_file_with_products"],
            "1.5x reading orders",
            ratio(r["read_line_file_with_products"], r["read_orders_file"]),
        ),
        ("repurchase (after load)", r["repurchase"], "1 s", ""),
        ("repurchase, plain pandas", r["repurchase_plain"], "", ""),
        ("products views (after load)", r["products_views"], "3 s", ""),
        ("products, plain pandas", r["products_plain"], "", ""),
    ]
    out = ["| step | seconds | target | ratio to reading orders |", "|---|---:|---:|---:|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(out)


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    result = main(size)
    print(json.dumps(result, indent=2))
    print(table(result))

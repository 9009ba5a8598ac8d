"""What they buy: first products, what comes next, product journeys, first product per customer.

Works from the order log's line table (one row per customer, day and product of the kept
orders; see :func:`analytics.ingest.orders.lines_frame`) and the purchases of
:mod:`analytics.insights.repurchase` (a customer's orders on one calendar day). A purchase's
products are the products of all its orders together.

- **First products**: for each product in first purchases, the customers whose first
  purchase holds it; their 90-day repeat rate (a second purchase within 90 days of the first)
  over those watched at least 90 days (reference date >= first purchase + 90), with a 95%
  Wilson interval; their revenue per customer within 365 days of the first purchase (the
  first purchase included), over those watched at least 365 days. A group whose interval
  holds the shop's own 90-day repeat rate (all customers watched 90 days) is marked: it is
  too small, or too ordinary, to tell from the shop's average.
- **What comes next** after product A: among customers whose first purchase holds A and who
  made a second purchase, the share whose second purchase holds B; the **lift** is that share
  divided by B's share among all second purchases (all customers with a second purchase).
  Sorted by customers.
- **Product journeys**: the path of each customer who came back, purchase by purchase up to
  the 4th. A purchase of several products is named by its **main product**: the one held by
  the most purchases of the shop (ties: the first name in the shop's order); a purchase with no
  line item is "(no product)". The most common paths, and "Other" for the rest.
- **First product** per customer (cohorts by first product): the main product of the first
  purchase.

Everything is vectorised: a sort of the lines, bincounts and one ``np.unique`` over paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from analytics.errors import LensError
from analytics.insights.customers import CustomerBase, from_days, to_days
from analytics.insights.repurchase import Purchases, purchases

Z95 = 1.959963984540054
REPEAT_DAYS = 90
REVENUE_DAYS = 365
JOURNEY_STEPS = 4
NO_PRODUCT = "(no product)"
OTHER = "Other"
NEEDS = (
    "These views need a product column (a line item's name or SKU): Shopify's 'Lineitem name', "
    "WooCommerce's 'Item Name', an invoice log's 'Description' or 'StockCode', or any column "
    "mapped as Product."
)


@dataclass(frozen=True)
class ProductIndex:
    """The once-per-dataset work: each line's purchase rank, each purchase's main product.

    Attributes
    ----------
    names:
        Product names, by product code.
    line_code, line_rank, line_product:
        Per line (customer, day, product on or before the reference date): the customer's
        position in the base, the rank of the purchase it belongs to, the product code.
    main:
        Per purchase of ``p``: its main product's code, -1 without a line.
    popularity:
        Per product: purchases that hold it.
    """

    p: Purchases
    n_base: int  # customers in the base (positions 0 .. n_base - 1)
    names: pd.Index
    line_code: np.ndarray
    line_rank: np.ndarray
    line_product: np.ndarray
    main: np.ndarray
    popularity: np.ndarray

    @property
    def n_customers(self) -> int:
        return len(self.p.first)

    def code_of(self, product: str) -> int:
        where = np.flatnonzero(self.names == product)
        if len(where) == 0:
            known = ", ".join(self.names[np.argsort(-self.popularity)][:5])
            raise LensError(f"No product is called '{product}': for example {known}.")
        return int(where[0])

    def first_holds(self, code: int) -> np.ndarray:
        """Per customer position in the base: does the first purchase hold the product?"""
        out = np.zeros(self.n_base, dtype=bool)
        who, what = self.lines_of(0)
        out[who[what == code]] = True
        return out

    def lines_of(self, rank: int) -> tuple[np.ndarray, np.ndarray]:
        """The lines of customers' 1st (``rank`` 0) or 2nd (1) purchases: customer position
        and product code, in line order. Picked once per index: the page asks again for each
        product chosen (a pass over every line at 1M customers otherwise)."""
        return self._first_lines if rank == 0 else self._second_lines

    # cached_property writes past the frozen dataclass's __setattr__; the arrays are shared,
    # so they are made read-only.
    @cached_property
    def _first_lines(self) -> tuple[np.ndarray, np.ndarray]:
        return self._pick_rank(0)

    @cached_property
    def _second_lines(self) -> tuple[np.ndarray, np.ndarray]:
        return self._pick_rank(1)

    def _pick_rank(self, rank: int) -> tuple[np.ndarray, np.ndarray]:
        pick = self.line_rank == rank
        who, what = self.line_code[pick], self.line_product[pick]
        who.flags.writeable = what.flags.writeable = False
        return who, what

    @cached_property
    def second_counts(self) -> np.ndarray:
        """Per product: the lines of 2nd purchases that hold it (lines are one per customer,
        day and product: the customers whose 2nd purchase holds it)."""
        out = np.bincount(self.lines_of(1)[1], minlength=len(self.names))
        out.flags.writeable = False
        return out


def prepare(
    base: CustomerBase,
    lines: pd.DataFrame | None,
    end: pd.Timestamp | None = None,
    first_from: pd.Timestamp | None = None,
) -> ProductIndex:
    """Match each line to its purchase (on or before ``end``; of the customers whose first
    purchase is on or after ``first_from``, see :func:`repurchase.purchases`); the main
    product of each purchase."""
    if lines is None or lines.empty:
        raise LensError(NEEDS)
    p = purchases(base, end, first_from)
    customer = lines["customer_id"]
    codes = customer.cat.codes.to_numpy().astype(np.int64)
    if not customer.cat.categories.equals(base.ids):  # e.g. read back from elsewhere
        codes = np.asarray(base.ids.get_indexer(customer.cat.categories))[codes]
    day = to_days(lines["order_date"].to_numpy())
    product = lines["product"]
    names = pd.Index(product.cat.categories.astype("str"))
    product_code = product.cat.codes.to_numpy().astype(np.int64)
    keep = (codes >= 0) & (product_code >= 0) & (day <= p.end)
    codes, day, product_code = codes[keep], day[keep], product_code[keep]
    # Each line's purchase: the (customer, day) pair, found among the sorted purchases.
    low = int(min(p.day.min(), day.min() if len(day) else p.end))
    span = p.end - low + 1
    purchase_key = p.code * span + (p.day - low)
    line_key = codes * span + (day - low)
    at = np.searchsorted(purchase_key, line_key)
    at = np.minimum(at, len(purchase_key) - 1)
    matched = purchase_key[at] == line_key
    at, product_code = at[matched], product_code[matched]
    popularity = np.bincount(product_code, minlength=len(names))
    # The main product: the most popular one of the purchase (ties: the lowest code).
    order = np.argsort(-popularity, kind="stable")
    rank_of = np.empty(len(names), dtype=np.int64)
    rank_of[order] = np.arange(len(names))
    best = np.full(len(p.code), len(names), dtype=np.int64)
    np.minimum.at(best, at, rank_of[product_code])
    main = np.where(best < len(names), order[np.minimum(best, len(names) - 1)], -1)
    return ProductIndex(
        p,
        base.n_customers,
        names,
        p.code[at],
        p.rank[at],
        product_code,
        main.astype(np.int64),
        popularity,
    )


def wilson(k: np.ndarray, n: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of k successes in n (NaN where n is 0).

    With no success the interval starts at 0 exactly, and with n of n it ends at 1 exactly:
    the formula gives them only to rounding (1e-17 above 0, or below 1), which would tell a
    group from a shop whose rate is 0 or 1 when it holds it."""
    k, n = np.asarray(k, dtype="float64"), np.asarray(n, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        share = k / n
        denom = 1 + z**2 / n
        centre = (share + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(share * (1 - share) / n + z**2 / (4 * n**2))
    some = n > 0
    return (
        np.where(some & (k == 0), 0.0, centre - half),
        np.where(some & (k == n), 1.0, centre + half),
    )


def _per_customer(idx: ProductIndex, base: CustomerBase) -> dict[str, np.ndarray]:
    """Per customer position in the base: first day, came back within 90 days, watched 90
    and 365 days, revenue within 365 days of the first purchase."""
    p, n = idx.p, base.n_customers
    first = np.full(n, -1, dtype=np.int64)
    second = np.full(n, -1, dtype=np.int64)
    first[p.customers], second[p.customers] = p.first, p.second
    has = first >= 0
    watched = np.where(has, p.end - first, -1)
    within = (base.day - first[base.code] <= REVENUE_DAYS) & (base.day <= p.end)
    revenue = np.bincount(base.code, weights=base.amount * within, minlength=n)
    back90 = (second >= 0) & (second - first <= REPEAT_DAYS)
    return {
        "has": has,
        "watched90": watched >= REPEAT_DAYS,
        "watched365": watched >= REVENUE_DAYS,
        "back90": back90,
        "revenue": revenue,
    }


def shop_repeat_90(idx: ProductIndex, base: CustomerBase) -> tuple[float, int]:
    """The shop's 90-day repeat rate over all customers watched 90 days, and their number."""
    c = _per_customer(idx, base)
    n = int(c["watched90"].sum())
    return (float(c["back90"][c["watched90"]].mean()) if n else np.nan), n


def first_products(idx: ProductIndex, base: CustomerBase) -> pd.DataFrame:
    """One row per product in first purchases, most customers first (see the module)."""
    c = _per_customer(idx, base)
    who, what = idx.lines_of(0)
    size = len(idx.names)

    def count(mask: np.ndarray, weights=None) -> np.ndarray:
        w = None if weights is None else weights[who][mask[who]]
        return np.bincount(what[mask[who]], weights=w, minlength=size)

    customers = count(c["has"])
    watched90 = count(c["watched90"])
    back90 = count(c["watched90"] & c["back90"])
    watched365 = count(c["watched365"])
    revenue = count(c["watched365"], c["revenue"])
    low, high = wilson(back90, watched90)
    shop, _ = shop_repeat_90(idx, base)
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pd.DataFrame(
            {
                "product": idx.names,
                "customers": customers,
                "watched_90": watched90,
                "repeat_90": back90 / watched90,
                "repeat_90_low": low,
                "repeat_90_high": high,
                "watched_365": watched365,
                "revenue_12m_per_customer": revenue / watched365,
            }
        )
    table["unclear"] = ~((table["repeat_90_low"] > shop) | (table["repeat_90_high"] < shop))
    table = table[table["customers"] > 0]
    return table.sort_values(["customers", "product"], ascending=[False, True]).reset_index(
        drop=True
    )


def what_next(idx: ProductIndex, after: str) -> tuple[int, pd.DataFrame]:
    """Customers whose first purchase holds ``after`` and who made a second purchase, and per
    product B of their second purchases: customers, share, lift (see the module)."""
    code = idx.code_of(after)
    holds = idx.first_holds(code)
    came_back = np.zeros(idx.n_base, dtype=bool)
    came_back[idx.p.customers] = idx.p.came_back
    base_n = int((holds & came_back).sum())
    all_n = int(idx.p.came_back.sum())
    who, what = idx.lines_of(1)
    everyone = idx.second_counts
    theirs = np.bincount(what[holds[who]], minlength=len(idx.names))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = theirs / base_n if base_n else np.full(len(theirs), np.nan)
        overall = everyone / all_n if all_n else np.full(len(theirs), np.nan)
        lift = share / overall
    table = pd.DataFrame({"product": idx.names, "customers": theirs, "share": share, "lift": lift})
    table = table[table["customers"] > 0]
    table = table.sort_values(["customers", "product"], ascending=[False, True])
    return base_n, table.reset_index(drop=True)


def journeys(idx: ProductIndex, top: int = 10) -> pd.DataFrame:
    """The most common paths of main products, 1st to 4th purchase, of customers who came
    back; ``steps`` lists the path (as many steps as purchases, up to 4), "Other" the rest."""
    p = idx.p
    keep = p.rank < JOURNEY_STEPS
    customers_back = p.customers[p.came_back]
    if len(customers_back) == 0:
        return pd.DataFrame({"steps": pd.Series([], dtype=object), "customers": []})
    slot = np.searchsorted(customers_back, p.code[keep])
    found = (slot < len(customers_back)) & (
        customers_back[np.minimum(slot, len(customers_back) - 1)] == p.code[keep]
    )
    grid = np.full((len(customers_back), JOURNEY_STEPS), -2, dtype=np.int64)  # -2: no purchase
    grid[slot[found], p.rank[keep][found]] = idx.main[keep][found]
    paths, counts = np.unique(grid, axis=0, return_counts=True)
    order = np.lexsort((np.arange(len(counts)), -counts))
    names = np.append(idx.names.to_numpy(dtype=object), NO_PRODUCT)
    rows = []
    for i in order[:top]:  # a handful of paths, not customers
        steps = [str(names[s]) for s in paths[i] if s != -2]
        rows.append({"steps": steps, "customers": int(counts[i])})
    rest = int(counts[order[top:]].sum())
    if rest:
        rows.append({"steps": [OTHER], "customers": rest})
    return pd.DataFrame(rows)


def first_product(idx: ProductIndex, base: CustomerBase) -> pd.Series:
    """Per customer id: the main product of the first purchase (missing without a line)."""
    first = idx.p.rank == 0
    main = idx.main[first]
    names = np.append(idx.names.to_numpy(dtype=object), None)
    return pd.Series(names[main], index=base.ids[idx.p.customers], name="first_product")


def not_back(idx: ProductIndex, base: CustomerBase, product: str, days: int) -> pd.DataFrame:
    """A win-back list: customers whose first purchase holds ``product``, with no second
    purchase by the reference date, and more than ``days`` days since the first purchase
    (the 80th-percentile gap on the page), the most recently past it first: the likeliest to
    come back, where a win-back email is still in time; the longest waiting last."""
    p = idx.p
    holds = idx.first_holds(idx.code_of(product))
    waited = p.end - p.first
    pick = holds[p.customers] & ~p.came_back & (waited > days)
    where = p.customers[pick]
    rows = pd.DataFrame(
        {
            "customer_id": base.ids[where],
            "email": base.email[where],
            "first_order": from_days(p.first[pick]),
            "days_since_first_order": waited[pick],
        }
    )
    return rows.sort_values("days_since_first_order", kind="stable").reset_index(drop=True)


def to_json(
    idx: ProductIndex,
    base: CustomerBase,
    after: str | None,
    top: int,
    left_out: str | None = None,
) -> dict:
    """The CLI's ``products`` answer: first products, what comes next, journeys
    (``left_out``: the sentence naming customers left out, as in :mod:`repurchase`)."""
    table = first_products(idx, base)
    if table.empty:
        raise LensError("No first purchase names a product: " + NEEDS)
    after = after or str(table["product"].iloc[0])
    n, nxt = what_next(idx, after)
    shop, watched = shop_repeat_90(idx, base)

    def num(v):
        return None if pd.isna(v) else round(float(v), 6)

    return {
        "as_of": str(np.datetime64(idx.p.end, "D")),
        "left_out": left_out,
        "customers": idx.n_customers,
        "shop_repeat_90": num(shop),
        "shop_watched_90": watched,
        "first_products": [
            {
                "product": r["product"],
                "customers": int(r["customers"]),
                "watched_90": int(r["watched_90"]),
                "repeat_90": num(r["repeat_90"]),
                "repeat_90_ci": None
                if pd.isna(r["repeat_90"])
                else [num(r["repeat_90_low"]), num(r["repeat_90_high"])],
                "watched_365": int(r["watched_365"]),
                "revenue_12m_per_customer": num(r["revenue_12m_per_customer"]),
                "unclear": bool(r["unclear"]),
            }
            for r in table.head(top).to_dict("records")
        ],
        "next": {
            "after": after,
            "customers": n,
            "products": [
                {
                    "product": r["product"],
                    "customers": int(r["customers"]),
                    "share": num(r["share"]),
                    "lift": num(r["lift"]),
                }
                for r in nxt.head(top).to_dict("records")
            ],
        },
        "journeys": journeys(idx, top).to_dict("records"),
    }

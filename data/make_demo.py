"""Make the bundled demo shop: data/demo_orders.csv, data/demo_contacts.csv and
data/demo_spend.csv (monthly marketing spend per channel).

Deterministic (fixed seed). About 5,000 contacts, 3,500 of whom buy, and about 15,000
orders over three years, following buy-till-you-die behaviour: each customer buys at their
own Poisson rate (higher in November and December) until they drop out, with a chance of
dropping out after every purchase. Acquisition channels differ in how often people buy.
A few cancelled, refunded and guest orders are included so the quality report has work.
Each order names one product (the Products and timing page): what a customer buys first
leans on how loyal they turn out to be, and what comes next on what came before, so the
page has something to find.

    python data/make_demo.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240601
START = pd.Timestamp("2022-11-01")
END = pd.Timestamp("2025-10-31")
N_CONTACTS = 5_000
N_BUYERS = 3_500
# channel: (share of contacts, purchase-rate multiplier)
CHANNELS = {
    "Search": (0.30, 1.0),
    "Email": (0.20, 1.4),
    "Social": (0.25, 0.7),
    "Referral": (0.10, 1.3),
    "Marketplace": (0.15, 0.8),
}
COUNTRIES = {"France": 0.45, "Belgium": 0.15, "Germany": 0.15, "Spain": 0.15, "Italy": 0.10}
SEASON = np.array([0.8, 0.8, 0.9, 0.9, 1.0, 0.9, 0.8, 0.8, 1.0, 1.1, 1.6, 1.9])


def make(seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (orders, contacts) for the demo shop."""
    rng = np.random.default_rng(seed)
    span = (END - START).days
    # Contacts arrive a little faster over time (a growing shop).
    created = START + pd.to_timedelta(np.sort(span * rng.beta(1.3, 1.0, N_CONTACTS)), unit="D")
    created = created.normalize()
    channel = rng.choice(list(CHANNELS), N_CONTACTS, p=[v[0] for v in CHANNELS.values()])
    country = rng.choice(list(COUNTRIES), N_CONTACTS, p=list(COUNTRIES.values()))
    ids = np.array([f"C{10001 + i}" for i in range(N_CONTACTS)])
    emails = np.array([f"customer{10001 + i}@example.com" for i in range(N_CONTACTS)])
    buyers = np.sort(rng.choice(N_CONTACTS, N_BUYERS, replace=False))

    rows = []
    order_no = 100_000
    for i in buyers:
        # First order: the sign-up day or some days after.
        first = created[i] + pd.Timedelta(days=int(rng.exponential(12)))
        if first > END:
            first = created[i]
        rate = rng.gamma(0.9, 1 / 45) * CHANNELS[channel[i]][1]  # purchases per day
        dropout = rng.beta(1.1, 4.5)
        mean_spend = rng.gamma(4.0, 18.0) + 15
        day = first
        alive = True
        while alive and day <= END:
            amount = round(float(rng.gamma(6.0, mean_spend / 6.0)), 2)
            order_no += 1
            rows.append((f"SO-{order_no}", ids[i], emails[i], day, amount))
            if rng.random() < dropout:
                alive = False
                break
            # Next purchase: thinning of a Poisson process by the month's season factor.
            while True:
                gap = min(rng.exponential(1 / (rate * SEASON.max())), span + 1.0)
                day = day + pd.Timedelta(days=max(1, int(round(gap))))
                if day > END or rng.random() < SEASON[day.month - 1] / SEASON.max():
                    break
    orders = pd.DataFrame(
        rows, columns=["order_id", "customer_id", "email", "order_date", "amount"]
    )
    orders["status"] = rng.choice(
        ["completed", "cancelled", "refunded"], len(orders), p=[0.95, 0.03, 0.02]
    )
    position = {c: k for k, c in enumerate(ids)}
    orders["channel"] = [channel[position[c]] for c in orders["customer_id"]]
    orders["country"] = [country[position[c]] for c in orders["customer_id"]]
    # Guest checkouts: orders with no customer id or email.
    guests = orders.sample(60, random_state=seed).assign(
        customer_id="", email="", order_id=lambda d: d["order_id"] + "-G"
    )
    orders = pd.concat([orders, guests]).sort_values(["order_date", "order_id"], kind="stable")
    orders["order_date"] = orders["order_date"].dt.strftime("%Y-%m-%d")
    contacts = pd.DataFrame(
        {
            "customer_id": ids,
            "email": emails,
            "created_at": created.strftime("%Y-%m-%d"),
            "channel": channel,
            "country": country,
            "accepts_marketing": np.where(rng.random(N_CONTACTS) < 0.7, "yes", "no"),
        }
    )
    return orders.reset_index(drop=True), contacts


# The shop's catalogue. A first purchase is drawn from FIRST by how many orders the customer
# will make in all (one, two, three or more); a later one from NEXT, by the product before.
PRODUCTS = [
    "Starter kit",
    "Refill pack",
    "Gift box",
    "Travel mug",
    "Sampler",
    "Sale bundle",
    "Grinder",
    "Subscription box",
]
FIRST = {  # weights over PRODUCTS
    1: [2, 1, 4, 2, 3, 5, 1, 0.5],
    2: [3, 2, 3, 2, 3, 3, 1, 1],
    3: [5, 2, 1, 2, 3, 1, 2, 4],
}
NEXT = {
    "Starter kit": [0.5, 6, 0.5, 1, 1, 0.5, 2, 2],
    "Refill pack": [0.5, 6, 0.5, 1, 1, 0.5, 1, 2],
    "Gift box": [1, 1, 3, 2, 2, 2, 0.5, 0.5],
    "Travel mug": [1, 3, 1, 0.5, 1, 1, 1, 1],
    "Sampler": [3, 2, 1, 1, 1, 1, 1, 2],
    "Sale bundle": [1, 1, 1, 1, 1, 4, 0.5, 0.5],
    "Grinder": [1, 4, 0.5, 1, 1, 0.5, 0.5, 2],
    "Subscription box": [0.5, 2, 0.5, 0.5, 0.5, 0.5, 0.5, 6],
}


def add_products(orders: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """The orders with a ``product`` column, drawn with a generator of its own, so every
    other column is the same as without products."""
    rng = np.random.default_rng(seed + 2)
    made = orders["customer_id"].map(orders["customer_id"].value_counts())
    product, before = [], {}
    for customer, count in zip(orders["customer_id"], made, strict=True):
        last = before.get(customer)
        weights = np.array(NEXT[last] if last else FIRST[min(int(count), 3)], dtype=float)
        pick = PRODUCTS[rng.choice(len(PRODUCTS), p=weights / weights.sum())]
        if customer:  # a guest's order starts no history
            before[customer] = pick
        product.append(pick)
    return orders.assign(product=product)


# What winning one customer costs per channel (euros), for the demo's spend file; the shop
# also pays a monthly brand budget that no channel owns (shared by the payback page).
CHANNEL_CAC = {"Search": 190, "Email": 25, "Social": 290, "Referral": 70, "Marketplace": 120}
BRAND_BUDGET = 1500


def make_spend(orders: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """Monthly marketing spend per channel (data/demo_spend.csv): each channel's new
    customers x its cost per customer, with +-15% noise, plus the brand budget (no channel)."""
    rng = np.random.default_rng(seed + 1)
    kept = orders[orders["status"].eq("completed")] if "status" in orders else orders
    first = kept.sort_values("order_date").groupby("customer_id").first()
    month = pd.to_datetime(first["order_date"]).dt.strftime("%Y-%m")
    new = first.groupby([month, first["channel"]]).size().rename("new").reset_index()
    new.columns = ["month", "channel", "new"]
    cost = new["channel"].map(CHANNEL_CAC) * new["new"] * rng.lognormal(0, 0.15, len(new))
    channelled = new.assign(spend=cost.round(-1))[["month", "channel", "spend"]]
    brand = pd.DataFrame({"month": sorted(new["month"].unique()), "channel": ""})
    brand["spend"] = (BRAND_BUDGET * rng.lognormal(0, 0.1, len(brand))).round(-1)
    spend = pd.concat([channelled, brand]).sort_values(["month", "channel"], ignore_index=True)
    return spend.astype({"spend": "int64"})  # whole currency units, written without ".0"


def main() -> None:
    orders, contacts = make()
    orders = add_products(orders)
    here = Path(__file__).resolve().parent
    orders.to_csv(here / "demo_orders.csv", index=False)
    contacts.to_csv(here / "demo_contacts.csv", index=False)
    make_spend(orders).to_csv(here / "demo_spend.csv", index=False)
    print(
        f"{len(orders):,} order rows, {orders['customer_id'].nunique():,} customers, "
        f"{len(contacts):,} contacts"
    )


if __name__ == "__main__":
    main()

"""RFM scores, the named RFM segments and hero customers, at a reference date.

Scores use the customers with an order on or before the reference date ``t``:

- **R** (recency): days from the last order to ``t``; fewer days score higher.
- **F** (frequency): orders on or before ``t``.
- **M** (monetary): revenue on or before ``t``, in cents (so equal revenues tie).

Each score is ``1 + floor(5 x share of customers with a strictly worse value)``: quintiles
in which equal values always get the same score (so when 60% of customers have one order,
they all get F = 1 and the next score given is F = 4). ``FM`` is the mean of F and M,
rounded up. The segment comes from the (R, FM) cell of :data:`SEGMENT_GRID`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.insights.lifecycle import LifecycleIndex, Snapshot

SEGMENTS = [
    "Champions",
    "Regulars",
    "Potential regulars",
    "First-timers",
    "Promising",
    "Need attention",
    "About to sleep",
    "Slipping away",
    "Cannot lose them",
    "Hibernating",
    "Lost",
]
SEGMENT_RULES = {
    "Champions": "R 5 and FM 4-5: bought recently, often, and spend the most.",
    "Regulars": "R 3-4 and FM 4-5: buy often and spend well, a little less recently.",
    "Potential regulars": "R 4-5 and FM 2-3: recent customers with average frequency and spend.",
    "First-timers": "R 5 and FM 1: bought very recently, once or for little.",
    "Promising": "R 4 and FM 1: recent, but little bought so far.",
    "Need attention": "R 3 and FM 3: average on every score.",
    "About to sleep": "R 3 and FM 1-2: below average recency, frequency and spend.",
    "Slipping away": "R 1-2 and FM 3-4: spent well and often, but long ago.",
    "Cannot lose them": "R 1-2 and FM 5: among the best customers, but not seen for long.",
    "Hibernating": "R 2 and FM 1-2: last order long ago, few orders, low spend.",
    "Lost": "R 1 and FM 1-2: the lowest recency, few orders, low spend.",
}
# SEGMENT_GRID[R - 1][FM - 1] -> segment name.
SEGMENT_GRID = [
    ["Lost", "Lost", "Slipping away", "Slipping away", "Cannot lose them"],
    ["Hibernating", "Hibernating", "Slipping away", "Slipping away", "Cannot lose them"],
    ["About to sleep", "About to sleep", "Need attention", "Regulars", "Regulars"],
    [
        "Promising",
        "Potential regulars",
        "Potential regulars",
        "Regulars",
        "Regulars",
    ],
    ["First-timers", "Potential regulars", "Potential regulars", "Champions", "Champions"],
]
_GRID_CODES = np.array([[SEGMENTS.index(s) for s in row] for row in SEGMENT_GRID], dtype=np.int8)
HERO_DEFAULT_PCT = 5.0


def quintile_scores(values: np.ndarray) -> np.ndarray:
    """Scores 1-5, higher for higher values; equal values always get equal scores."""
    values = np.asarray(values)
    if not len(values):
        return np.zeros(0, dtype=np.int8)
    if values.dtype.kind in "iu" and np.ptp(values) < 10 * len(values):
        # Whole numbers in a short range (orders, days): count instead of sorting.
        shifted = values - values.min()
        counts = np.bincount(shifted)
        below = (np.cumsum(counts) - counts)[shifted]
    else:
        below = np.searchsorted(np.sort(values), values, side="left")
    return (1 + (5 * below) // len(values)).astype(np.int8)


def customer_facts(index: LifecycleIndex, snap: Snapshot) -> pd.DataFrame:
    """Recency (days), orders and revenue on or before ``t`` for customers with an order.

    Rows are the customers with an order by ``t``, in the same order as
    :func:`analytics.insights.lifecycle.members`; the index is the customer position.
    """
    base = index.base
    valid = np.flatnonzero(snap.codes >= 0)
    start, n = base.start[valid], snap.n[valid]
    return pd.DataFrame(
        {
            "recency_days": snap.day - base.day[start + n - 1],
            "orders": n,
            # In cents: running sums differ in the last bits, and equal revenues must tie.
            "revenue": np.round(index.cum_amount[start + n] - index.cum_amount[start], 2),
        },
        index=valid,
    )


def score(facts: pd.DataFrame) -> pd.DataFrame:
    """R, F, M and FM scores and the RFM segment for each row of :func:`customer_facts`."""
    r = quintile_scores(-facts["recency_days"].to_numpy(dtype=np.int64))
    f = quintile_scores(facts["orders"].to_numpy())
    m = quintile_scores(facts["revenue"].to_numpy())
    fm = (f.astype(np.int16) + m + 1) // 2
    segment = _GRID_CODES[r - 1, fm - 1] if len(r) else np.zeros(0, dtype=np.int8)
    return pd.DataFrame(
        {
            "R": r,
            "F": f,
            "M": m,
            "FM": fm.astype(np.int8),
            "rfm_segment": pd.Categorical.from_codes(segment, SEGMENTS),
        },
        index=facts.index,
    )


def hero_mask(revenue: np.ndarray, top_pct: float = HERO_DEFAULT_PCT) -> np.ndarray:
    """Hero customers: the top ``top_pct`` % by revenue (rounded up to whole customers).

    Customers tied with the last one in are heroes too; nobody with zero or negative revenue
    is a hero.
    """
    revenue = np.asarray(revenue, dtype="float64")
    n_top = int(np.ceil(len(revenue) * top_pct / 100))
    if n_top <= 0:
        return np.zeros(len(revenue), dtype=bool)
    threshold = np.partition(revenue, len(revenue) - n_top)[len(revenue) - n_top]
    return (revenue >= threshold) & (revenue > 0)


def hero_summary(revenue: np.ndarray, hero: np.ndarray) -> dict:
    """How much the heroes weigh: count, share of customers and revenue, spend multiple."""
    revenue = np.asarray(revenue, dtype="float64")
    total = revenue.sum()
    n = len(revenue)
    heroes = int(hero.sum())
    hero_revenue = float(revenue[hero].sum())
    average = total / n if n else np.nan
    return {
        "heroes": heroes,
        "share_of_customers": heroes / n if n else np.nan,
        "revenue": hero_revenue,
        "share_of_revenue": hero_revenue / total if total > 0 else np.nan,
        "times_average": (hero_revenue / heroes) / average if heroes and average > 0 else np.nan,
    }


def segment_grid(scores: pd.DataFrame, revenue: pd.Series) -> pd.DataFrame:
    """One row per (R, FM) cell: segment, customers, share of customers and of revenue."""
    cells = pd.DataFrame({"R": scores["R"], "FM": scores["FM"], "revenue": revenue})
    grid = cells.groupby(["R", "FM"]).agg(customers=("revenue", "size"), revenue=("revenue", "sum"))
    full = pd.MultiIndex.from_product([range(1, 6), range(1, 6)], names=["R", "FM"])
    grid = grid.reindex(full, fill_value=0).reset_index()
    grid["segment"] = np.array(SEGMENTS)[_GRID_CODES[grid["R"] - 1, grid["FM"] - 1]]
    total_customers, total_revenue = grid["customers"].sum(), grid["revenue"].sum()
    grid["share_customers"] = grid["customers"] / total_customers if total_customers else 0.0
    grid["share_revenue"] = grid["revenue"] / total_revenue if total_revenue else 0.0
    return grid


def segment_sizes(scores: pd.DataFrame, revenue: pd.Series) -> pd.DataFrame:
    """Per segment (in :data:`SEGMENTS` order): customers, revenue and their shares."""
    table = pd.DataFrame({"segment": scores["rfm_segment"], "revenue": revenue})
    sizes = table.groupby("segment", observed=False).agg(
        customers=("revenue", "size"), revenue=("revenue", "sum")
    )
    sizes = sizes.reindex(SEGMENTS, fill_value=0)
    total_c, total_r = sizes["customers"].sum(), sizes["revenue"].sum()
    sizes["share_customers"] = sizes["customers"] / total_c if total_c else 0.0
    sizes["share_revenue"] = sizes["revenue"] / total_r if total_r else 0.0
    sizes.index.name = "segment"
    return sizes

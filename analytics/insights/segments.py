"""One row per customer at a reference date, and the segment builder's filters over it.

The table joins what the other modules know about a customer: lifecycle stage, RFM scores
and segment, hero flag, acquisition attributes and, when a model is fitted, CLV and P(alive).
A filter is a handful of vectorised comparisons over it, cheap enough for every click.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.insights import lifecycle, rfm
from analytics.insights.customers import CustomerBase, positions
from analytics.insights.lifecycle import LifecycleIndex, Snapshot

EXPORT_COLUMNS = [
    "customer_id",
    "email",
    "stage",
    "R",
    "F",
    "M",
    "rfm_segment",
    "hero",
    "orders",
    "revenue",
    "first_order",
    "last_order",
    "days_since_last_order",
    "channel",
    "country",
    "clv",
    "clv_low",
    "clv_high",
    "p_no_order",
    "p_alive",
    "p_alive_low",
    "p_alive_high",
    "churn_risk",
    "outlier",
]
SCORE_COLUMNS = EXPORT_COLUMNS[EXPORT_COLUMNS.index("clv") :]
FILTER_ATTRIBUTES = ["channel", "country"]


def customer_table(
    index: LifecycleIndex,
    snap: Snapshot,
    hero_pct: float = rfm.HERO_DEFAULT_PCT,
    scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Customers with an order by ``t``: stage, RFM, hero flag, attributes and model scores.

    ``scores`` (optional) is indexed by customer position and may hold ``clv``, ``p_alive``
    and ``churn_risk`` (see :mod:`analytics.value.clv`); customers it lacks get blanks.
    """
    table = lifecycle.members(index, snap)
    facts = rfm.customer_facts(index, snap)
    kept = facts.index.to_numpy()  # customer positions
    table.index = kept
    table = table.join(rfm.score(facts))
    table["hero"] = rfm.hero_mask(facts["revenue"].to_numpy(), hero_pct)
    attributes = index.base.first_attributes
    for col in FILTER_ATTRIBUTES:
        if col in attributes and attributes[col].notna().any():
            table[col] = attributes[col].to_numpy()[kept]
    if scores is not None:
        table = table.join(scores.reindex(kept))
    return table


@dataclass(frozen=True)
class SegmentFilter:
    """What the segment builder combines; an empty choice means "no filter on this"."""

    stages: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    hero_only: bool = False
    days_since: tuple[int, int] | None = None
    clv: tuple[float, float] | None = None
    p_alive: tuple[float, float] | None = None
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()


def select(table: pd.DataFrame, chosen: SegmentFilter) -> np.ndarray:
    """Boolean mask of the customers matching every part of the filter."""
    mask = np.ones(len(table), dtype=bool)
    if chosen.stages:
        mask &= table["stage"].isin(chosen.stages).to_numpy()
    if chosen.segments:
        mask &= table["rfm_segment"].isin(chosen.segments).to_numpy()
    if chosen.hero_only:
        mask &= table["hero"].to_numpy()
    ranges = [("days_since_last_order", chosen.days_since)]
    ranges += [("clv", chosen.clv), ("p_alive", chosen.p_alive)]
    for col, bounds in ranges:
        if bounds is not None and col in table:
            values = table[col].to_numpy(dtype="float64")
            mask &= (values >= bounds[0]) & (values <= bounds[1])
    for col, values in chosen.attributes:
        if values and col in table:
            mask &= table[col].isin(values).to_numpy()
    return mask


def summary(table: pd.DataFrame, mask: np.ndarray) -> dict:
    """Size and revenue of a selection, and its share of all customers and revenue."""
    revenue = table["revenue"].to_numpy(dtype="float64")
    total = revenue.sum()
    chosen = int(mask.sum())
    chosen_revenue = float(revenue[mask].sum())
    return {
        "customers": chosen,
        "share_customers": chosen / len(table) if len(table) else np.nan,
        "revenue": chosen_revenue,
        "share_revenue": chosen_revenue / total if total > 0 else np.nan,
    }


def export_table(table: pd.DataFrame, mask: np.ndarray | None = None) -> pd.DataFrame:
    """The campaign list: the export columns this data has, one row per chosen customer."""
    rows = table if mask is None else table[mask]
    return rows[[c for c in EXPORT_COLUMNS if c in rows]].reset_index(drop=True)


def cross_table(table: pd.DataFrame) -> pd.DataFrame:
    """Customers per lifecycle stage (rows; prospects have no orders, so no RFM) and RFM
    segment (columns)."""
    counts = pd.crosstab(table["stage"], table["rfm_segment"], dropna=False)
    counts = counts.drop(index="Prospect", errors="ignore")
    return counts.rename_axis(index="Lifecycle stage", columns="RFM segment")


def average_by_stage_and_segment(table: pd.DataFrame, value: str = "clv") -> pd.DataFrame:
    """Mean of ``value`` per lifecycle stage (rows, lifecycle order) and RFM segment
    (columns, in :data:`rfm.SEGMENTS` order); NaN where no customer is in both."""
    means = table.pivot_table(value, "stage", "rfm_segment", aggfunc="mean", observed=True)
    rows = [s for s in lifecycle.STAGES if s in means.index]
    columns = [s for s in rfm.SEGMENTS if s in means.columns]
    return means.reindex(index=rows, columns=columns).rename_axis(
        index="Lifecycle stage", columns="RFM segment"
    )


def value_scores(base: CustomerBase, day: pd.Timestamp, scores: pd.DataFrame) -> pd.DataFrame:
    """The model's scores per customer position, for :func:`customer_table`.

    ``scores`` is :func:`analytics.value.clv.score_table` at ``day`` (rows: the customers with an
    order by then, in the order of :func:`analytics.insights.customers.summarise`)."""
    table = scores[SCORE_COLUMNS].copy()
    table.index = positions(base, day)
    return table

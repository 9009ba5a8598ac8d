"""Cohort retention and revenue, by period of first order or by an acquisition attribute.

Period ``k`` of a customer is the k-th period (month, week or quarter) after the period of
their first order. A period that is not over at the data's end is *incomplete*: it never
counts, so it can never look like a drop. Each cell (group, k) is computed over the
customers for whom period k is complete ("eligible"), which for date cohorts is all of the
cohort or none of it. Everything is a few bincounts over the sorted order arrays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analytics.insights.customers import EPOCH, CustomerBase, from_days

PERIODS = ["month", "week", "quarter"]
# In plain words; the columns of every table and chart count periods since the first order.
METRICS = {
    "retention": "Share of the cohort who ordered in each period",
    "rolling": "Share of the cohort still ordering then or later",
    "revenue": "Revenue of the cohort",
    "cumulative_revenue_per_customer": "Revenue per customer so far (historic LTV)",
    "net_revenue_retention": "Revenue kept vs the first period (net revenue retention)",
}
UNKNOWN = "(unknown)"
OTHER = "Other"  # the groups past the largest TOP_GROUPS, together
TOP_GROUPS = 15
# An average point needs at least this many cohorts and customers behind it; below that
# one small cohort decides it, and the curve stops (both adjustable on the page).
MIN_COHORTS, MIN_CUSTOMERS = 3, 100
# ... and at least this share of the customers of its first point: past that, a few old
# cohorts would be presented as the shop's average.
MIN_SHARE = 0.25
SMALL_COHORT = 30  # customers: one of them moves a share by more than 3 points
# period_of converts each day of the span once, then looks the days up, when there are at
# least this many and four times as many as the span's days (numpy's day-to-month
# conversion takes 35 ms a million days; the lookup 5 ms).
LOOKUP_FROM = 4_000


def period_of(days: np.ndarray, period: str) -> np.ndarray:
    """Period number of each day: months or quarters since 1970, or Monday-weeks."""
    if period == "week":
        return (days + 3) // 7  # 1970-01-01 was a Thursday: weeks start on Monday
    days = np.asarray(days)
    if len(days) >= LOOKUP_FROM:
        low = int(days.min())
        span = int(days.max()) - low + 1
        if span <= len(days) // 4:
            return period_of(np.arange(low, low + span), period)[days - low]
    months = (EPOCH + days).astype("datetime64[M]").astype(np.int64)
    return months // 3 if period == "quarter" else months


def period_start(number: np.ndarray, period: str) -> pd.DatetimeIndex:
    if period == "week":
        return from_days(number * 7 - 3)
    months = number * 3 if period == "quarter" else number
    return pd.DatetimeIndex(np.asarray(months, dtype="datetime64[M]").astype("datetime64[us]"))


def period_label(number: np.ndarray, period: str) -> list[str]:
    starts = period_start(number, period)
    if period == "month":
        return [f"{d:%Y-%m}" for d in starts]
    if period == "quarter":
        return [f"{d.year}-Q{(d.month - 1) // 3 + 1}" for d in starts]
    return [f"{d:%Y-%m-%d}" for d in starts]


def last_complete_period(last_day: int, period: str) -> int:
    """The last period that is over on the data's last day."""
    current = int(period_of(np.array([last_day]), period)[0])
    next_day = int(period_of(np.array([last_day + 1]), period)[0])
    return current if next_day > current else current - 1


@dataclass(frozen=True)
class CohortTable:
    """One metric per (group, period k); NaN where period k is not complete."""

    values: pd.DataFrame
    size: pd.Series  # customers per group
    eligible: pd.DataFrame  # customers whose period k is complete
    period: str
    metric: str
    average: pd.Series  # the weighted average over groups, per k (NaN where too few)
    support: pd.DataFrame  # per k: the cohorts and customers behind the average
    same_cohorts: bool = False  # every average point follows the same customers

    @property
    def small(self) -> pd.Series:
        """Cohorts too small to read one cell on its own (fewer than SMALL_COHORT)."""
        return self.size < SMALL_COHORT


def cohort_table(
    base: CustomerBase,
    period: str = "month",
    metric: str = "retention",
    groups: pd.Series | None = None,
    first_from: pd.Timestamp | None = None,
    first_to: pd.Timestamp | None = None,
    min_size: int = 1,
    min_cohorts: int = MIN_COHORTS,
    min_customers: int = MIN_CUSTOMERS,
) -> CohortTable:
    """The cohort matrix for one metric.

    Parameters
    ----------
    groups:
        Per customer id, an attribute to group by (channel, country, ...) instead of the
        period of the first order; missing values form the group "(unknown)".
    first_from, first_to:
        Only customers whose first order falls in this date range.
    min_size:
        Groups with fewer customers are left out.
    min_cohorts, min_customers:
        The weighted average is shown only where at least this many cohorts and customers
        stand behind it. For the cumulative revenue per customer it follows one set of
        customers at every point (those whose last shown period is complete), so it can
        only grow; older cohorts never drop out of it half-way.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}")
    first_day = base.day[base.start]
    first_p = period_of(first_day, period)
    last = last_complete_period(base.last_day, period)
    horizon = last - first_p  # last complete k per customer (-1: not even period 0)
    chosen = np.ones(base.n_customers, dtype=bool)
    if first_from is not None:
        chosen &= first_day >= int(np.datetime64(pd.Timestamp(first_from).date(), "D").astype(int))
    if first_to is not None:
        chosen &= first_day <= int(np.datetime64(pd.Timestamp(first_to).date(), "D").astype(int))

    if groups is None:
        names, group = np.unique(first_p, return_inverse=True)
        labels = period_label(names, period)
    else:
        values = groups.reindex(base.ids).astype("str").fillna(UNKNOWN).to_numpy()
        labels, group = _groups_in_reading_order(values, chosen)
    n_groups = len(labels)
    width = max(int(horizon[chosen].max()) + 1, 1) if chosen.any() else 1

    # Per order: its k, and whether that period is complete for its customer.
    k = period_of(base.day, period) - first_p[base.code]
    counted = chosen[base.code] & (k <= horizon[base.code])
    cust = chosen & (horizon >= 0)  # customers with at least period 0 complete

    def grid(cells: np.ndarray, weights=None) -> np.ndarray:
        flat = np.bincount(cells, weights=weights, minlength=n_groups * (width + 1))
        return flat.reshape(n_groups, width + 1)[:, :width]

    def ranges(upto: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Add ``weights`` of each chosen customer to its group's cells k = 0..upto."""
        g, top, w = group[cust], np.minimum(upto[cust], width - 1), weights[cust]
        keep = top >= 0
        g, top, w = g[keep], top[keep], w[keep]
        cells = np.concatenate([g * (width + 1), g * (width + 1) + top + 1])
        return np.cumsum(grid(cells, np.concatenate([w, -w])), axis=1)

    ones = np.ones(base.n_customers)
    eligible = ranges(horizon, ones)
    order_cells = group[base.code[counted]] * (width + 1) + k[counted]
    if metric == "retention":
        # One count per customer and period: orders are sorted by customer, then day.
        o = np.flatnonzero(counted)
        new = np.ones(len(o), dtype=bool)
        new[1:] = (base.code[o][1:] != base.code[o][:-1]) | (k[o][1:] != k[o][:-1])
        numerator, denominator = grid(order_cells[new]), eligible
    elif metric == "rolling":
        last_k = np.full(base.n_customers, -1, dtype=np.int64)
        np.maximum.at(last_k, base.code[counted], k[counted])
        numerator, denominator = ranges(last_k, ones), eligible
    elif metric == "revenue":
        numerator, denominator = grid(order_cells, base.amount[counted]), None
    elif metric == "cumulative_revenue_per_customer" and groups is None:
        # A cohort's customers share one horizon: the base is the cohort's customers, and
        # each order counts from its own k up to that horizon.
        c = base.code[counted]
        g, top = group[c], np.minimum(horizon[c], width - 1)
        cells = np.concatenate([g * (width + 1) + k[counted], g * (width + 1) + top + 1])
        amounts = base.amount[counted]
        numerator = np.cumsum(grid(cells, np.concatenate([amounts, -amounts])), axis=1)
        denominator = eligible
    elif metric == "cumulative_revenue_per_customer":
        # A group (a channel, a country) mixes customers won at different times. A running
        # total per customer must keep one base along its row, or it can fall: each row
        # follows the group's customers watched at least as long as half of the group, and
        # stops there.
        size0 = eligible[:, 0]
        reach = (eligible * 2 >= np.maximum(size0, 1)[:, None]).sum(axis=1) - 1
        member = cust & (horizon >= reach[group])
        o = counted & member[base.code] & (k <= reach[group[base.code]])
        cells = group[base.code[o]] * (width + 1) + k[o]
        numerator = np.cumsum(grid(cells, base.amount[o]), axis=1)
        followed = np.bincount(group[member], minlength=n_groups).astype(float)
        within = np.arange(width)[None, :] <= reach[:, None]
        eligible = denominator = np.where(within, followed[:, None], 0.0)
    else:  # net revenue retention, over the customers whose period k is complete
        at_zero = counted & (k == 0)
        first_revenue = np.bincount(
            base.code[at_zero], weights=base.amount[at_zero], minlength=base.n_customers
        )
        numerator = grid(order_cells, base.amount[counted])
        denominator = ranges(horizon, first_revenue)

    if groups is not None and metric != "cumulative_revenue_per_customer":
        # An attribute's row mixes customers won at different times: its late periods would
        # rest on its earliest few. A row stops where fewer than half of its customers have
        # been watched that long (the rule of the running total above).
        watched = eligible * 2 >= np.maximum(eligible[:, :1], 1)
        numerator, eligible = np.where(watched, numerator, 0), np.where(watched, eligible, 0)
        denominator = None if denominator is None else np.where(watched, denominator, 0)
    size = np.bincount(group[chosen], minlength=n_groups)
    keep = size >= max(min_size, 1)
    numerator, eligible = numerator[keep], eligible[keep]
    denominator = denominator[keep] if denominator is not None else None
    with np.errstate(invalid="ignore", divide="ignore"):
        if denominator is None:  # revenue: the mean over groups with period k complete
            values = numerator.astype(float)
            average = numerator.sum(axis=0) / (eligible > 0).sum(axis=0)
        else:  # shares and ratios: weighted by the groups' denominators
            values = numerator / denominator
            average = numerator.sum(axis=0) / denominator.sum(axis=0)
    values = np.where(eligible > 0, values, np.nan)
    cohorts_at, customers_at = (eligible > 0).sum(axis=0), eligible.sum(axis=0)
    enough = (cohorts_at >= max(min_cohorts, 1)) & (customers_at >= max(min_customers, 1))
    enough &= customers_at >= MIN_SHARE * (customers_at[0] if len(customers_at) else 0)
    average = np.where(enough, average, np.nan)
    same = metric == "cumulative_revenue_per_customer"
    if same:
        average = np.full(width, np.nan)
        reach = np.flatnonzero(enough)
        if len(reach):
            last_k = int(reach.max())
            followed = cust & keep[group] & (horizon >= last_k)
            cohorts_at = np.where(np.arange(width) <= last_k, len(np.unique(group[followed])), 0)
            customers_at = np.where(np.arange(width) <= last_k, followed.sum(), 0)
            o = counted & followed[base.code] & (k <= last_k)
            per_k = np.bincount(k[o], weights=base.amount[o], minlength=last_k + 1)
            average[: last_k + 1] = np.cumsum(per_k) / followed.sum()
    index = pd.Index(np.asarray(labels, dtype=object)[keep], name="cohort")
    columns = pd.RangeIndex(width, name="k")
    support = pd.DataFrame({"cohorts": cohorts_at, "customers": customers_at}, index=columns)
    return CohortTable(
        values=pd.DataFrame(values, index=index, columns=columns),
        size=pd.Series(size[keep], index=index, name="size"),
        eligible=pd.DataFrame(eligible, index=index, columns=columns),
        period=period,
        metric=metric,
        average=pd.Series(average, index=columns, name="average"),
        support=support.astype("int64"),
        same_cohorts=same,
    )


# A shop's export starts on some day, not when the shop did: customers who were already
# buying show up as new in the data's first weeks. Their first month is "already there" when
# its new customers arrive at least this many times faster (a day) than in the months after.
EXISTING_RATIO = 3.0
EXISTING_LATER_MONTHS = 6  # the months whose median rate is the usual one
EXISTING_MIN_CUSTOMERS = 30


@dataclass(frozen=True)
class ExistingBase:
    """The data's first month, when its first purchases look like the shop's existing base."""

    month: str  # YYYY-MM
    customers: int  # first purchases in that month
    ratio: float  # their rate a day over the usual rate of the next months
    until: pd.Timestamp  # the first day after that month: cohorts start here when left out

    def sentence(self) -> str:
        return (
            f"The data's first month ({self.month}) has {self.customers:,} first purchases, "
            f"{self.ratio:.1f} times the usual rate of new customers of the months after: most "
            "were probably customers already before the data starts, not new ones."
        )


def existing_base(base: CustomerBase) -> ExistingBase | None:
    """The first month's customers when they look already there (the README's rule): new
    customers a day in the data's first calendar month (from its first day) at least
    EXISTING_RATIO times the median rate a day of the next EXISTING_LATER_MONTHS complete
    months, and at least EXISTING_MIN_CUSTOMERS of them. None otherwise."""
    month = period_of(base.day[base.start], "month")
    first = int(period_of(np.array([base.first_day]), "month")[0])
    complete = last_complete_period(base.last_day, "month")
    later = np.arange(first + 1, min(first + EXISTING_LATER_MONTHS, complete) + 1)
    if len(later) < 2:
        return None
    counts = np.bincount(month - first, minlength=int(later.max() - first) + 1)
    starts = period_start(np.arange(first, later.max() + 2), "month").to_numpy() - EPOCH
    days = np.diff(starts.astype("timedelta64[D]").astype(np.int64))
    days[0] -= base.first_day - int(starts[0].astype("timedelta64[D]").astype(np.int64))
    rates = counts[: len(days)] / days
    usual = float(np.median(rates[1:]))
    if counts[0] < EXISTING_MIN_CUSTOMERS or usual <= 0 or rates[0] < EXISTING_RATIO * usual:
        return None
    label = period_label(np.array([first]), "month")[0]
    until = period_start(np.array([first + 1]), "month")[0]
    return ExistingBase(label, int(counts[0]), float(rates[0] / usual), until)


def _groups_in_reading_order(values: np.ndarray, chosen: np.ndarray) -> tuple[list, np.ndarray]:
    """Group labels and each customer's group: the TOP_GROUPS largest groups (of the chosen
    customers), the rest as "Other"; in the order a person reads them ("Item 2" before
    "Item 10"), with "Other" and "(unknown)" last."""
    sizes = pd.Series(values[chosen]).value_counts()
    if len(sizes.drop(UNKNOWN, errors="ignore")) > TOP_GROUPS:
        top = sizes.drop(UNKNOWN, errors="ignore").index[:TOP_GROUPS]
        values = np.where(np.isin(values, [*top, UNKNOWN]), values, OTHER)
    names, group = np.unique(values, return_inverse=True)

    def reading(name: str):
        last = name in (OTHER, UNKNOWN)
        parts = [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", name) if p]
        return (last, name == UNKNOWN, [(isinstance(p, int), p) for p in parts])

    order = sorted(range(len(names)), key=lambda i: reading(str(names[i])))
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return [names[i] for i in order], rank[group]


def last_cohorts(table: CohortTable, rows: int) -> CohortTable:
    """The table's most recent ``rows`` cohorts (the support of its average unchanged)."""
    keep = table.values.index[-rows:]
    return replace(
        table,
        values=table.values.loc[keep].dropna(axis=1, how="all"),
        size=table.size.loc[keep],
        eligible=table.eligible.loc[keep],
    )


def first_periods(table: CohortTable, periods: int) -> CohortTable:
    """The table's first ``periods`` periods since the first order (k = 0 .. periods - 1)."""
    keep = table.values.columns[:periods]
    return replace(
        table,
        values=table.values[keep],
        eligible=table.eligible[keep],
        average=table.average.iloc[:periods],
        support=table.support.iloc[:periods],
    )


def to_records(table: CohortTable) -> list[dict]:
    """``[{cohort, size, values}]`` with None for incomplete periods (for JSON)."""
    return [
        {
            "cohort": str(name),
            "size": int(table.size[name]),
            "values": [None if pd.isna(v) else round(float(v), 6) for v in row],
        }
        for name, row in table.values.iterrows()
    ]


ATTRIBUTE_LABELS = {
    "channel": "Channel",
    "country": "Country",
    "discount_code": "First discount code",
    "category": "First product category",
}


BY_FIRST_PERIOD = "Period of first order"  # cohorts by date, the default grouping


FIRST_PRODUCT = "First product"


def acquisition_attributes(
    base: CustomerBase,
    contacts: pd.DataFrame | None = None,
    first_products: pd.Series | None = None,
) -> dict[str, pd.Series]:
    """Attributes cohorts can be split by: from each customer's first order, contacts, or
    (with line items) the main product of the first purchase
    (:func:`analytics.insights.products.first_product`)."""
    out = {}
    for col, series in base.first_attributes.items():
        if series.notna().any():
            out[f"{ATTRIBUTE_LABELS.get(col, col)} (first order)"] = series
    if contacts is not None:
        keyed = contacts.set_index("customer_id")
        for col in ["channel", "country"]:
            if col in keyed and keyed[col].notna().any():
                out[f"{ATTRIBUTE_LABELS[col]} (contacts file)"] = keyed[col]
    if first_products is not None and first_products.notna().any():
        out[FIRST_PRODUCT] = first_products
    return out

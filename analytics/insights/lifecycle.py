"""Lifecycle stages at any reference date, and everything built on them.

The rules (first match wins), for reference date ``t``, inactivity window ``W`` days and
at-risk factor ``k``, using only orders on or before ``t``:

1. Prospect: a known contact with no order on or before ``t``.
2. Inactive: has ordered, but no order in ``(t-W, t]``.
3. New: exactly one order ever, and it is in the window.
4. At risk: two or more orders ever, an order in the window, and days since the last order
   above ``k`` times the expected gap (own median gap between consecutive orders with at
   least 3 orders, else the shop-wide median gap of all orders on or before ``t``).
5. Loyal: two or more orders in the window.
6. Reactivated: exactly one order in the window, more than ``W`` days after the previous.
7. Active: everyone else with an order in the window.

:func:`prepare` does the per-dataset work once; every other function is vectorised over
customers and cheap enough to run on each slider move.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.insights.customers import (
    CustomerBase,
    check_arrays,
    from_days,
    purchase_day_starts,
    to_days,
)

STAGES = ["Prospect", "New", "Active", "Loyal", "At risk", "Inactive", "Reactivated"]
BUYER_STAGES = STAGES[1:]  # the stages of customers who have ordered (not prospects)
STAGE_RULES = {
    "Prospect": "A known contact with no order on or before the reference date "
    "(needs a contacts file).",
    "Inactive": "Has ordered, but no order in the inactivity window before the reference date.",
    "New": "Exactly one order ever, and it is in the window.",
    "At risk": "Two or more orders ever, an order in the window, but the days since the last "
    "order exceed the at-risk factor times their expected gap (their own median gap between "
    "orders with 3+ orders, otherwise the shop-wide median gap).",
    "Loyal": "Two or more orders in the window.",
    "Reactivated": "Exactly one order in the window, placed more than the window's length "
    "after the previous order (lapsed, then came back).",
    "Active": "Everyone else with an order in the window.",
}
RULE_ORDER = ["Prospect", "Inactive", "New", "At risk", "Loyal", "Reactivated", "Active"]
NOT_YET = "Not yet a customer"
_CODE = {name: i for i, name in enumerate(STAGES)}
OWN_GAP_HISTORY = 500


def _first_match_table() -> np.ndarray:
    """Stage code for each combination of rule bits: has an order (bit 5), then Inactive,
    New, At risk, Loyal, Reactivated (bits 4 to 0); the first rule that holds wins."""
    table = np.full(64, -1, dtype=np.int8)
    for bits in range(32, 64):
        for bit, name in zip([4, 3, 2, 1, 0], RULE_ORDER[1:6], strict=True):
            if bits >> bit & 1:
                table[bits] = _CODE[name]
                break
        else:
            table[bits] = _CODE["Active"]
    table.flags.writeable = False
    return table


_FIRST_MATCH = _first_match_table()  # own median gap over at most this many most recent gaps


@dataclass(frozen=True)
class LifecycleIndex:
    """Per-dataset arrays that make a stage assignment a handful of vectorised steps.

    Besides the customer-sorted arrays of the base, the orders are also kept sorted by day:
    the orders on or before any date are then a prefix, counted per customer with one
    sequential bincount (much cheaper than a binary search per customer).
    """

    base: CustomerBase
    gap: np.ndarray  # per order: days since the customer's previous order (-1 for the first)
    own_median: np.ndarray  # per order: median of the customer's gaps up to this order
    cum_amount: np.ndarray  # running revenue over the sorted orders, with a leading 0
    day_by_day: np.ndarray  # order days, ascending
    code_by_day: np.ndarray  # the customer of each of those orders
    gap_by_day: np.ndarray  # their gaps (-1 for first orders)
    gap_counts: np.ndarray | None  # [day - first day, gap]: gaps of orders up to that day
    contact_pos: np.ndarray | None  # per contact: customer position, -1 if never ordered
    contact_day: np.ndarray | None  # per contact: sign-up day (very negative if unknown)

    @property
    def has_contacts(self) -> bool:
        return self.contact_pos is not None


def prepare(base: CustomerBase, contacts: pd.DataFrame | None = None) -> LifecycleIndex:
    """The once-per-dataset work: gaps, running median gaps, orders sorted by day."""
    first = np.zeros(len(base.code), dtype=bool)
    first[base.start[base.count > 0]] = True
    gap = np.where(first, -1, base.day - np.roll(base.day, 1))
    own = _running_median_gaps(gap.astype("float64"), base.start, base.count)
    by_day = np.argsort(base.day, kind="stable")
    contact_pos = contact_day = None
    if contacts is not None:
        position = pd.Series(np.arange(base.n_customers), index=base.ids)
        contact_pos = contacts["customer_id"].map(position).fillna(-1).to_numpy(dtype=np.int64)
        created = contacts["created_at"]
        contact_day = np.where(created.isna(), np.iinfo(np.int64).min // 2, to_days(created))
    return LifecycleIndex(
        base=base,
        gap=gap,
        own_median=own,
        cum_amount=np.concatenate([[0.0], np.cumsum(base.amount)]),
        day_by_day=base.day[by_day],
        code_by_day=base.code[by_day],
        gap_by_day=gap[by_day],
        gap_counts=_gap_counts_by_day(base, gap),
        contact_pos=contact_pos,
        contact_day=contact_day,
    )


INDEX_ARRAYS = ("gap", "own_median", "cum_amount", "day_by_day", "code_by_day", "gap_by_day")
OPTIONAL_ARRAYS = ("gap_counts", "contact_pos", "contact_day")  # None is not kept


def index_arrays(index: LifecycleIndex) -> dict[str, np.ndarray]:
    """The index's arrays, which :func:`index_from_arrays` takes back (a kept dataset
    stores them, so a reopen skips :func:`prepare`)."""
    arrays = {name: getattr(index, name) for name in INDEX_ARRAYS + OPTIONAL_ARRAYS}
    return {name: array for name, array in arrays.items() if array is not None}


def index_from_arrays(
    base: CustomerBase, arrays: dict[str, np.ndarray], contacts: pd.DataFrame | None = None
) -> LifecycleIndex:
    """The index :func:`index_arrays` described, on this base; ValueError when the arrays
    do not fit the base and contacts (then :func:`prepare` it again)."""
    orders = len(base.code)
    sizes = dict.fromkeys(INDEX_ARRAYS, orders) | {"cum_amount": orders + 1}
    contact_rows = None if contacts is None else len(contacts)
    if contact_rows is not None:
        sizes |= {"contact_pos": contact_rows, "contact_day": contact_rows}
    elif "contact_pos" in arrays or "contact_day" in arrays:
        raise ValueError("kept with contacts, opened without")
    check_arrays(arrays, sizes, floats=("own_median", "cum_amount"))
    counts = arrays.get("gap_counts")
    days = base.last_day - base.first_day + 1
    if counts is not None and (counts.ndim != 2 or counts.shape[0] != days):
        raise ValueError("the kept gap table does not fit this customer base")
    return LifecycleIndex(
        base=base, **{name: arrays.get(name) for name in INDEX_ARRAYS + OPTIONAL_ARRAYS}
    )


MAX_GAP_TABLE = 30_000_000  # cells; a 10-year shop needs about 13 million


def _gap_counts_by_day(base: CustomerBase, gap: np.ndarray) -> np.ndarray | None:
    """For every day of the data, how many gaps of each length the orders up to it have.

    Makes the shop-wide median gap at any reference date a lookup of one row. None when
    the table would be too large (then the median is counted at each date).
    """
    days = base.last_day - base.first_day + 1
    longest = int(gap.max()) + 1 if len(gap) else 1
    if days * longest > MAX_GAP_TABLE:
        return None
    has = gap >= 0
    cells = (base.day[has] - base.first_day) * longest + gap[has]
    counts = np.bincount(cells, minlength=days * longest).reshape(days, longest)
    return np.cumsum(counts, axis=0, dtype=np.int32)


def _running_median_gaps(gap: np.ndarray, start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """For each order, the median of the customer's gaps up to and including that order.

    A loop over order rank (not over customers): rank ``r`` takes the median of gaps 1..r
    for every customer with more than ``r`` orders at once.
    """
    out = np.full(len(gap), np.nan)
    for rank in range(1, int(count.max()) if len(count) else 0):
        sel = start[count > rank]
        first_gap = max(1, rank - OWN_GAP_HISTORY + 1)
        idx = sel[:, None] + np.arange(first_gap, rank + 1)
        out[sel + rank] = np.median(gap[idx], axis=1)
    return out


@dataclass(frozen=True)
class Snapshot:
    """Per-customer state at one reference date (positions into the customer arrays)."""

    day: int
    n: np.ndarray  # orders on or before t
    in_window: np.ndarray  # orders in (t-W, t]
    codes: np.ndarray  # stage code per customer, -1 if no order yet
    expected_gap: np.ndarray
    shop_gap: float
    prospects: int | None  # None without contacts


class _Counter:
    """Orders per customer on or before a day.

    Moving the day forward only counts the orders in between, so a series of increasing
    dates (the evolution) touches every order once.
    """

    def __init__(self, index: LifecycleIndex):
        self.index = index
        self.pos = 0
        self.n = np.zeros(index.base.n_customers, dtype=np.int64)

    def advance(self, day: int) -> _Counter:
        index = self.index
        pos = int(np.searchsorted(index.day_by_day, day, side="right"))
        if pos < self.pos:  # going back: start again from the first order
            self.__init__(index)
        if pos > self.pos:
            codes = index.code_by_day[self.pos : pos]
            self.n += np.bincount(codes, minlength=len(self.n))
            self.pos = pos
        return self


def _median_of_counts(counts: np.ndarray) -> float:
    """The median of values given as counts per value (mean of the two middle ones if even)."""
    total = int(counts.sum())
    if not total:
        return np.nan
    ranks = np.cumsum(counts)
    low = int(np.searchsorted(ranks, (total - 1) // 2, side="right"))
    high = int(np.searchsorted(ranks, total // 2, side="right"))
    return (low + high) / 2


def snapshot(index: LifecycleIndex, t, window: int, at_risk_factor: float) -> Snapshot:
    """Stage of every customer at reference date ``t`` (vectorised over customers)."""
    base = index.base
    day = int(to_days(np.datetime64(pd.Timestamp(t).date(), "D")))
    # Sequential passes over the customer-sorted orders: cheaper than the day-sorted ones
    # (whose customers jump around memory) when there is a single date.
    upto = base.day <= day
    n = np.bincount(base.code[upto], minlength=base.n_customers)
    before = np.bincount(base.code[base.day <= day - window], minlength=base.n_customers)
    shop_gap = _shop_median_gap(index, day)
    return _assign(index, day, n, before, shop_gap, window, at_risk_factor)


def _shop_median_gap(index: LifecycleIndex, day: int) -> float:
    """Median of all gaps between consecutive orders on or before ``day``."""
    base = index.base
    if day < base.first_day:
        return np.nan
    if index.gap_counts is not None:
        return _median_of_counts(index.gap_counts[min(day, base.last_day) - base.first_day])
    gaps = index.gap_by_day[: np.searchsorted(index.day_by_day, day, side="right")]
    return _median_of_counts(np.bincount(gaps[gaps >= 0]))


def _assign(
    index: LifecycleIndex,
    day: int,
    n: np.ndarray,
    before: np.ndarray,
    shop_gap: float,
    window: int,
    at_risk_factor: float,
) -> Snapshot:
    """The stage rules, given the order counts on ``day`` and on ``day - window``."""
    base = index.base
    in_window = n - before
    last_pos = base.start + np.maximum(n - 1, 0)
    last = base.day[last_pos]
    prev = base.day[base.start + np.maximum(n - 2, 0)]
    expected = np.where(n >= 3, index.own_median[last_pos], shop_gap)
    since = day - last
    has = n > 0
    # First match wins: each rule is one bit, and a 64-entry table maps bits to the stage.
    bits = has.view(np.int8) << 5
    bits |= (has & (in_window == 0)).view(np.int8) << 4
    bits |= (n == 1).view(np.int8) << 3
    bits |= ((n >= 2) & (since > at_risk_factor * expected)).view(np.int8) << 2
    bits |= (in_window >= 2).view(np.int8) << 1
    bits |= ((in_window == 1) & (n >= 2) & (last - prev > window)).view(np.int8)
    codes = _FIRST_MATCH[bits]
    prospects = int(_prospect_mask(index, day).sum()) if index.has_contacts else None
    return Snapshot(day, n.copy(), in_window, codes, expected, shop_gap, prospects)


def _prospect_mask(index: LifecycleIndex, day: int) -> np.ndarray:
    """Per contact: signed up by ``day`` and no order on or before it."""
    base = index.base
    pos = index.contact_pos
    first_day = np.where(pos >= 0, base.day[base.start[np.maximum(pos, 0)]], np.iinfo(np.int64).max)
    return (index.contact_day <= day) & (first_day > day)


def stage_counts(snap: Snapshot) -> pd.Series:
    """Customers per stage in lifecycle order; Prospect is NaN without contacts."""
    counts = np.bincount(snap.codes[snap.codes >= 0], minlength=len(STAGES)).astype("float64")
    counts[_CODE["Prospect"]] = np.nan if snap.prospects is None else snap.prospects
    return pd.Series(counts, index=pd.Index(STAGES, name="stage"), name="customers")


# Every stage share has this one base; prospects (no order yet) are counted, not shared.
SHARE_BASE = "customers who have ordered"


def share_of_buyers(counts: pd.Series) -> pd.Series:
    """Each stage's customers over the customers who have ordered (:data:`SHARE_BASE`);
    Prospect gets no share (it is not part of that base)."""
    buyers = counts.drop("Prospect", errors="ignore").sum(skipna=True)
    shares = counts / buyers if buyers else counts * np.nan
    return shares.where(shares.index != "Prospect")


def stage_mix(index: LifecycleIndex, snap: Snapshot, window: int) -> pd.DataFrame:
    """Per stage: customers, share of the customers who have ordered, revenue and orders in
    the window, average order value."""
    base = index.base
    valid = snap.codes >= 0
    end = base.start + snap.n
    begin = end - snap.in_window
    revenue = index.cum_amount[end] - index.cum_amount[begin]
    codes = snap.codes[valid]
    table = pd.DataFrame({"customers": stage_counts(snap)})
    table["revenue_in_window"] = np.bincount(codes, weights=revenue[valid], minlength=len(STAGES))
    table["orders_in_window"] = np.bincount(
        codes, weights=snap.in_window[valid], minlength=len(STAGES)
    )
    table["share"] = share_of_buyers(table["customers"])
    with np.errstate(invalid="ignore", divide="ignore"):
        table["avg_order_value"] = table["revenue_in_window"] / table["orders_in_window"]
    if snap.prospects is None:
        table.loc["Prospect", ["revenue_in_window", "orders_in_window"]] = np.nan
    return table[["customers", "share", "revenue_in_window", "orders_in_window", "avg_order_value"]]


def members(index: LifecycleIndex, snap: Snapshot) -> pd.DataFrame:
    """One row per customer with an order by ``t``: stage and the facts behind it."""
    base = index.base
    valid = np.flatnonzero(snap.codes >= 0)
    start, n = base.start[valid], snap.n[valid]
    last = base.day[start + n - 1]
    revenue = index.cum_amount[start + n] - index.cum_amount[start]
    expected = snap.expected_gap[valid]
    next_day = np.where(np.isnan(expected), -1, last + np.round(np.nan_to_num(expected)))
    return pd.DataFrame(
        {
            "customer_id": base.ids[valid],
            "email": base.email[valid],
            "stage": pd.Categorical.from_codes(snap.codes[valid], STAGES),
            "first_order": from_days(base.day[start]),
            "last_order": from_days(last),
            "orders": n,
            "orders_in_window": snap.in_window[valid],
            "revenue": revenue.round(2),
            "days_since_last_order": snap.day - last,
            "expected_gap_days": expected,
            "expected_next_order": from_days(next_day.astype("int64")),
        }
    )


def winback(
    index: LifecycleIndex, snap: Snapshot, clv_values: pd.Series | None = None
) -> pd.DataFrame:
    """The At-risk customers, most valuable first, with how late they are.

    ``days_overdue`` = days since the last order - the expected gap (rule 4), so it counts
    the days since the customer was expected back; At risk means it is positive. Value is
    ``clv_values`` (per customer position, once the model is fitted), else revenue to date.

    Left out: customers whose days since the last order are within their own usual gap
    between purchase days (``usual_gap_days``: days from the first to the last purchase day
    over the purchase days - 1), who are not late by their own rhythm (several orders on one
    day pull the median gap of rule 4 down to a few days for a large account). How many is
    in ``attrs["within_usual_gap"]``.
    """
    people = members(index, snap).set_axis(np.flatnonzero(snap.codes >= 0))
    late = people[people["stage"] == "At risk"].copy()
    late.insert(
        2,
        "days_overdue",
        (late["days_since_last_order"] - late["expected_gap_days"].round()).astype("int64"),
    )
    base = index.base
    where = late.index.to_numpy()
    start, n = base.start[where], snap.n[where]
    new_day = np.r_[0, np.cumsum(index.gap != 0)]  # a first order's gap is -1
    days = new_day[start + n] - new_day[start]
    span = base.day[start + n - 1] - base.day[start]
    with np.errstate(all="ignore"):
        usual = np.where(days > 1, span / (days - 1), np.nan)
    late["usual_gap_days"] = np.round(usual, 1)
    within = late["days_since_last_order"].to_numpy() <= usual  # False where nan
    late = late[~within]
    value = "revenue"
    if clv_values is not None:
        late.insert(2, "clv", clv_values.reindex(late.index).to_numpy())
        value = "clv"
    late = late.sort_values([value, "days_overdue"], ascending=[False, False], kind="stable")
    late = late.drop(columns=["stage", "orders_in_window"]).reset_index(drop=True)
    late.attrs["within_usual_gap"] = int(within.sum())
    return late


def prospects(index: LifecycleIndex, snap: Snapshot, contacts: pd.DataFrame) -> pd.DataFrame:
    """The contacts who are prospects at ``t``."""
    mask = _prospect_mask(index, snap.day)
    return contacts.loc[mask, ["customer_id", "email", "created_at"]].assign(stage="Prospect")


# --- over time ------------------------------------------------------------------------------


def snapshot_dates(index: LifecycleIndex, freq: str = "month") -> pd.DatetimeIndex:
    """Ends of each month (or week) from the first order to the data's end, plus the end."""
    start, end = index.base.data_start, index.base.data_end
    rule = "ME" if freq == "month" else "W-SUN"
    dates = pd.date_range(start, end, freq=rule)
    if len(dates) == 0 or dates[-1] != end:
        dates = dates.append(pd.DatetimeIndex([end]))
    return dates


def evolution(
    index: LifecycleIndex, window: int, at_risk_factor: float, freq: str = "month"
) -> pd.DataFrame:
    """Stage counts at the end of each month (or week): columns date, stage, customers."""
    frames = []
    upto, before = _Counter(index), _Counter(index)
    for date in snapshot_dates(index, freq):
        day = int(to_days(np.datetime64(date.date(), "D")))
        before.advance(day - window)
        upto.advance(day)
        shop_gap = _shop_median_gap(index, day)
        snap = _assign(index, day, upto.n, before.n, shop_gap, window, at_risk_factor)
        counts = stage_counts(snap)
        frames.append(
            pd.DataFrame({"date": date, "stage": counts.index, "customers": counts.values})
        )
    out = pd.concat(frames, ignore_index=True)
    return out.dropna(subset=["customers"])


def transitions(
    index: LifecycleIndex, date_from, date_to, window: int, at_risk_factor: float
) -> pd.DataFrame:
    """Customers by stage at ``date_from`` (rows) and at ``date_to`` (columns).

    Covers everyone with an order by ``date_to``. Those without an order at ``date_from``
    are in the row Prospect when they were a known contact then, else "Not yet a customer".
    ``attrs["prospects_then"]``: every prospect at ``date_from`` (None without contacts),
    the base of the Prospect row.
    """
    a = snapshot(index, date_from, window, at_risk_factor)
    b = snapshot(index, date_to, window, at_risk_factor)
    rows = STAGES + [NOT_YET]
    from_codes = np.where(a.codes >= 0, a.codes, rows.index(NOT_YET))
    if index.has_contacts:
        known = np.zeros(index.base.n_customers, dtype=bool)
        pos = index.contact_pos
        known[pos[(pos >= 0) & (index.contact_day <= a.day)]] = True
        from_codes = np.where((a.codes < 0) & known, _CODE["Prospect"], from_codes)
    keep = b.codes >= 0
    flat = np.bincount(
        from_codes[keep] * len(STAGES) + b.codes[keep], minlength=len(rows) * len(STAGES)
    )
    matrix = pd.DataFrame(
        flat.reshape(len(rows), len(STAGES)),
        index=pd.Index(rows, name="from"),
        columns=pd.Index(STAGES, name="to"),
    ).drop(columns="Prospect")
    matrix = matrix.loc[matrix.sum(axis=1) > 0]
    matrix.attrs["prospects_then"] = a.prospects
    return matrix


def row_shares(matrix: pd.DataFrame) -> pd.DataFrame:
    totals = matrix.sum(axis=1).replace(0, np.nan)
    return matrix.div(totals, axis=0)


# --- funnel, gaps, what-if -----------------------------------------------------------------


def purchase_ranks(index: LifecycleIndex, snap: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    """Per customer, the purchases on or before ``t`` (a purchase: a customer's orders on one
    calendar day); and per such purchase, in the order log's order (by customer, then day),
    its rank (0 = first) and its days since the previous purchase (-1 for a first)."""
    base = index.base
    where = np.flatnonzero(purchase_day_starts(base.code, base.day) & (base.day <= snap.day))
    code = base.code[where]
    counts = np.bincount(code, minlength=base.n_customers)
    first = np.cumsum(counts) - counts  # each customer's first purchase among them
    rank = np.arange(len(where)) - first[code]
    days = base.day[where]
    gap = np.full(len(where), -1, dtype=np.int64)
    gap[1:] = np.where(code[1:] == code[:-1], days[1:] - days[:-1], -1)
    return counts, np.stack([rank, gap])


def repeat_share(funnel_table: pd.DataFrame) -> float:
    """Repeat customers (purchases on two or more days by ``t``) among the customers who have
    ordered: the one repeat rate of the app, counted as the value models count. Read from
    :func:`funnel`'s table (its 2nd purchase step over its 1st), so one pass counts both."""
    customers = funnel_table.set_index("step")["customers"]
    return float(customers["2nd purchase"] / max(int(customers["1st purchase"]), 1))


def funnel(index: LifecycleIndex, snap: Snapshot) -> pd.DataFrame:
    """Contacts -> 1st purchase -> 2nd -> 3rd -> 4th+, with conversion and median days.

    A purchase is a customer's orders on one calendar day, as the value models count: two
    orders on one day are one purchase, so "came back" always means another day."""
    steps = ["1st purchase", "2nd purchase", "3rd purchase", "4th+ purchase"]
    purchases, (rank, gap) = purchase_ranks(index, snap)
    reached = [int((purchases >= k).sum()) for k in (1, 2, 3, 4)]
    medians = [np.nan]
    for r in (1, 2, 3):
        sel = rank == r if r < 3 else rank >= 3
        medians.append(float(np.median(gap[sel])) if sel.any() else np.nan)
    names, counts = steps, reached
    if snap.prospects is not None:
        names = ["Contacts", *steps]
        counts = [snap.prospects + reached[0], *reached]
        medians = [np.nan, *medians]
    table = pd.DataFrame({"step": names, "customers": counts, "median_days_from_previous": medians})
    previous = table["customers"].shift(1)
    table["conversion_from_previous"] = table["customers"] / previous.replace(0, np.nan)
    return table


def funnel_sentences(funnel: pd.DataFrame) -> list[str]:
    """Plain-language reading of each funnel step."""
    lines = []
    rows = funnel.to_dict("records")
    for prev, row in zip(rows, rows[1:], strict=False):
        if pd.isna(row["conversion_from_previous"]):
            continue
        if prev["step"] == "Contacts":
            lines.append(f"{row['conversion_from_previous']:.0%} of contacts made a 1st purchase.")
            continue
        days = row["median_days_from_previous"]
        after = f", after {days:.0f} days (median)" if pd.notna(days) else ""
        lines.append(
            f"{row['conversion_from_previous']:.0%} of customers with a {prev['step']} came back "
            f"for a {row['step'].replace('4th+', '4th')}{after}."
        )
    return lines


def observed_gaps(index: LifecycleIndex, snap: Snapshot) -> np.ndarray:
    """Days between consecutive orders, for orders on or before ``t``."""
    upto = np.searchsorted(index.day_by_day, snap.day, side="right")
    gaps = index.gap_by_day[:upto]
    return gaps[gaps >= 0].astype("float64")


def suggested_window(index: LifecycleIndex, snap: Snapshot, percentile: float = 90) -> float:
    """The window that covers ``percentile`` % of observed repeat-purchase gaps."""
    gaps = observed_gaps(index, snap)
    return float(np.percentile(gaps, percentile)) if len(gaps) else np.nan


def window_sensitivity(
    index: LifecycleIndex, snap: Snapshot, windows=range(30, 731, 5)
) -> pd.DataFrame:
    """Share of customers who would be Inactive for each window length."""
    base = index.base
    has = snap.n > 0
    last = base.day[base.start[has] + snap.n[has] - 1]
    since = np.sort(snap.day - last)
    windows = np.asarray(list(windows))
    inactive = len(since) - np.searchsorted(since, windows, side="left")
    share = inactive / len(since) if len(since) else np.full(len(windows), np.nan)
    return pd.DataFrame(
        {"window_days": windows, "inactive_customers": inactive, "share_inactive": share}
    )


def compare(current: pd.Series, baseline: pd.Series) -> pd.DataFrame:
    """Stage counts side by side with deltas."""
    table = pd.DataFrame({"baseline": baseline, "current": current})
    table["change"] = table["current"] - table["baseline"]
    return table


def average_by_stage(values: pd.Series, stages: pd.Series, statistic: str = "mean") -> pd.Series:
    """Mean (or ``statistic``, e.g. "median") of ``values`` per lifecycle stage of the
    customers who have ordered (New to Reactivated, in lifecycle order; NaN for a stage
    nobody is in). Prospects have no orders, so they have no row. Grouped by position, not
    by index; stages kept as a Categorical are grouped on their codes (no label hashed)."""
    means = values.groupby(stages.array, observed=True).agg(statistic)
    means.index = means.index.astype(str)
    return means.reindex(BUYER_STAGES).rename_axis("stage").rename(values.name)


@dataclass(frozen=True)
class Change:
    """How the stage counts moved between two reference dates."""

    since: pd.Timestamp
    until: pd.Timestamp
    before: pd.Series  # customers per stage at ``since`` (New to Reactivated)
    after: pd.Series  # ... and at ``until``

    @property
    def biggest(self) -> str:
        """The stage whose number of customers moved most (the first in lifecycle order
        on a tie)."""
        return str((self.after - self.before).abs().idxmax())

    def sentence(self) -> str:
        stage = self.biggest
        old, new = int(self.before[stage]), int(self.after[stage])
        buyers_old, buyers_new = int(self.before.sum()), int(self.after.sum())
        if old == new:
            return f"No stage count moved since {self.since:%d %b %Y} (same settings)."
        verb = "rose" if new > old else "fell"
        return (
            f"Since {self.since:%d %b %Y}, {stage} {verb} from {old:,} to {new:,} customers "
            f"({new - old:+,}), the largest move of any stage; customers who have ordered went "
            f"from {buyers_old:,} to {buyers_new:,}."
        )


def change_since(
    index: LifecycleIndex, t, window: int, at_risk_factor: float, months: int = 1
) -> Change | None:
    """Stage counts at ``t`` and ``months`` earlier with the same settings; None when the
    data does not reach back that far."""
    until = pd.Timestamp(t).normalize()
    since = until - pd.DateOffset(months=months)
    if since < index.base.data_start:
        return None
    counts = [
        stage_counts(snapshot(index, day, window, at_risk_factor)).drop("Prospect")
        for day in (since, until)
    ]
    return Change(since, until, counts[0], counts[1])

"""The one pass over orders: a per-customer table and the sorted order arrays behind it.

Everything later (stages at any date, cohorts, RFM, CLV) works from :class:`CustomerBase`
with vectorised numpy over customers, never a loop over customers or orders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.errors import LensError

EPOCH = np.datetime64("1970-01-01", "D")
ATTRIBUTES = ["channel", "country", "discount_code", "category"]


def to_days(dates) -> np.ndarray:
    """Datetimes -> whole days since 1970-01-01 (int64)."""
    return np.asarray(dates, dtype="datetime64[D]").astype("int64")


def from_days(days) -> pd.DatetimeIndex | pd.Timestamp:
    """Whole days since 1970-01-01 -> timestamps (NaT where the day is negative)."""
    arr = np.asarray(days)
    if arr.ndim == 0:
        return pd.Timestamp(EPOCH + int(arr))
    stamps = (EPOCH + arr.astype("int64")).astype("datetime64[us]")
    return pd.DatetimeIndex(np.where(arr >= 0, stamps, np.datetime64("NaT")))


@dataclass(frozen=True)
class CustomerBase:
    """Orders sorted by (customer, day), with each customer's slice, and the summary.

    Attributes
    ----------
    ids, email:
        Per customer (position ``c``): the customer key (an index) and email (or missing).
    code, day, amount:
        Per order, sorted by customer then day: customer position, day number, amount.
    start, count:
        Per customer: position of the first order in the sorted arrays, number of orders.
    first_rows:
        Per customer: the row of its first order in the order log (where its email and
        first-order attributes come from).
    summary:
        Per customer table at the end of the data (see :func:`summarise`).
    """

    ids: pd.Index
    email: np.ndarray
    code: np.ndarray
    day: np.ndarray
    amount: np.ndarray
    start: np.ndarray
    count: np.ndarray
    first_attributes: pd.DataFrame
    summary: pd.DataFrame
    first_day: int
    last_day: int
    first_rows: np.ndarray | None = None  # per customer: its first order's row in the log

    @property
    def n_customers(self) -> int:
        return len(self.ids)

    @property
    def data_start(self) -> pd.Timestamp:
        return from_days(self.first_day)

    @property
    def data_end(self) -> pd.Timestamp:
        return from_days(self.last_day)


def build_customer_base(orders: pd.DataFrame) -> CustomerBase:
    """The one expensive pass: factorise customers, sort orders, summarise."""
    ids, codes = _customers(orders)
    days = to_days(orders["order_date"].to_numpy())
    if _sorted(codes, days):  # the engine's order log comes sorted: no copies, no sort
        order = None
        code, day = codes.astype(np.int64), days
        amount = orders["amount"].to_numpy(dtype="float64")
    else:
        order = np.lexsort((days, codes))
        code = codes[order].astype(np.int64)
        day = days[order]
        amount = orders["amount"].to_numpy(dtype="float64")[order]
    count = np.bincount(code, minlength=len(ids))
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    first_rows = start if order is None else order[start]
    base = _assemble(orders, ids, code, day, amount, start, count, first_rows)
    object.__setattr__(base, "summary", summarise(base))
    return base


def _customers(orders: pd.DataFrame) -> tuple[pd.Index, np.ndarray]:
    """The customers' ids (an index) and each order's customer position."""
    if orders.empty:
        raise LensError("There are no orders to analyse.")
    customer = orders["customer_id"]
    if isinstance(customer.dtype, pd.CategoricalDtype):  # codes from the order log: no hashing
        codes, ids = customer.cat.codes.to_numpy(), customer.cat.categories
    else:
        codes, ids = pd.factorize(customer, sort=False)
    return pd.Index(ids, name=None), codes  # text ids stay Arrow text, not Python objects


def _assemble(orders, ids, code, day, amount, start, count, first_rows) -> CustomerBase:
    """The base around its arrays (its summary comes after)."""

    def firsts(column: str) -> np.ndarray:  # each customer's first order's value
        return orders[column].iloc[first_rows].to_numpy()

    email = firsts("email") if "email" in orders else np.full(len(ids), None)
    attrs = pd.DataFrame(
        {a: firsts(a) for a in ATTRIBUTES if a in orders}, index=ids.rename("customer_id")
    )
    return CustomerBase(
        ids=ids,
        email=email,
        code=code,
        day=day,
        amount=amount,
        start=start,
        count=count,
        first_attributes=attrs,
        summary=pd.DataFrame(),
        first_day=int(day.min()),
        last_day=int(day.max()),
        first_rows=first_rows,
    )


def as_of(base: CustomerBase, end) -> CustomerBase:
    """The base as it stood at the end of day ``end``, the reference date taken as today: the
    orders on or before it, the customers who had ordered by then (in the same order, with
    the same first orders), and ``end`` as the data's last day. Every figure made from it
    (cohorts, payback, a backtest) sees no order after the reference date. The base itself
    when ``end`` is on or after its last day."""
    end_day = int(to_days(np.datetime64(pd.Timestamp(end).date(), "D")))
    if end_day >= base.last_day:
        return base
    if end_day < base.first_day:
        raise LensError(f"No order on or before {pd.Timestamp(end):%d %b %Y}.")
    keep = base.day <= end_day  # a prefix of each customer's orders (sorted by day)
    per_customer = np.bincount(base.code[keep], minlength=base.n_customers)
    kept = np.flatnonzero(per_customer)
    number = np.full(base.n_customers, -1, dtype=np.int64)
    number[kept] = np.arange(len(kept))
    count = per_customer[kept]
    out = CustomerBase(
        ids=base.ids[kept],
        email=base.email[kept],
        code=number[base.code[keep]],
        day=base.day[keep],
        amount=base.amount[keep],
        start=np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64),
        count=count,
        first_attributes=base.first_attributes.iloc[kept],
        summary=pd.DataFrame(),
        first_day=base.first_day,
        last_day=end_day,
        first_rows=None if base.first_rows is None else base.first_rows[kept],
    )
    object.__setattr__(out, "summary", summarise(out))
    return out


BASE_ARRAYS = ("code", "day", "amount", "start", "count", "first_rows")


def base_arrays(base: CustomerBase) -> dict[str, np.ndarray]:
    """What :func:`base_from_arrays` needs to give this base back without its pass over
    the orders (a kept dataset stores them): its arrays and its summary's, per customer."""
    arrays = {name: getattr(base, name) for name in BASE_ARRAYS}
    if any(a is None for a in arrays.values()):
        raise ValueError("a base made without its first rows")
    table, at = base.summary, positions(base)
    for name, column in (
        ("orders", "orders"),
        ("revenue", "revenue"),
        ("purchase_days", "purchase_days"),
        ("largest_repeat", "largest_repeat"),
        ("monetary", "monetary_value"),
        ("first_day", "first_order"),
        ("last_day", "last_order"),
    ):
        values = table[column].to_numpy()
        if column.endswith("_order"):
            values, empty = to_days(values), -1
        else:
            empty = 0
        full = np.full(base.n_customers, empty, dtype=values.dtype)
        full[at] = values
        arrays[name] = full
    return arrays


def check_arrays(arrays: dict, sizes: dict[str, int], floats=()) -> None:
    """Raise ValueError unless each named array is there, one-dimensional of its size, and
    of floats when named in ``floats``, of integers otherwise (kept arrays are checked before
    they are trusted)."""
    for name, size in sizes.items():
        array = arrays.get(name)
        kind = "f" if name in floats else "i"
        if array is None or array.shape != (size,) or array.dtype.kind != kind:
            raise ValueError(f"the kept array {name} does not fit these orders")


def base_from_arrays(orders: pd.DataFrame, arrays: dict[str, np.ndarray]) -> CustomerBase:
    """The base :func:`base_arrays` described, for these orders, with no pass over them.
    Raises ValueError when the arrays do not fit the orders (then build it again)."""
    ids, _ = _customers(orders)
    n, m = len(ids), len(orders)
    sizes = {name: m if name in ("code", "day", "amount") else n for name in BASE_ARRAYS}
    sizes |= dict.fromkeys(SUMMARY_ARRAYS, n)
    check_arrays(arrays, sizes, floats=("amount", "revenue", "largest_repeat", "monetary"))
    a = arrays
    base = _assemble(
        orders, ids, a["code"], a["day"], a["amount"], a["start"], a["count"], a["first_rows"]
    )
    object.__setattr__(base, "summary", _summary_table(base, a, base.last_day))
    return base


def _sorted(codes: np.ndarray, days: np.ndarray) -> bool:
    """Orders already sorted by customer, then day (every customer has an order)?"""
    if len(codes) == 0 or codes[0] != 0:
        return False
    step = np.diff(codes)
    return bool(((step == 1) | ((step == 0) & (days[1:] >= days[:-1]))).all())


def purchase_day_starts(code: np.ndarray, day: np.ndarray) -> np.ndarray:
    """In orders sorted by customer then day: True at each customer's first order of a day."""
    new_day = np.ones(len(code), dtype=bool)
    new_day[1:] = (code[1:] != code[:-1]) | (day[1:] != day[:-1])
    return new_day


def positions(base: CustomerBase, end: pd.Timestamp | None = None) -> np.ndarray:
    """Positions of the customers :func:`summarise` keeps (an order on or before ``end``)."""
    end_day = base.last_day if end is None else int(to_days(np.datetime64(end, "D")))
    return np.flatnonzero(np.bincount(base.code[base.day <= end_day], minlength=base.n_customers))


def summarise(base: CustomerBase, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Per-customer table of the orders on or before ``end`` (default: the data's last day).

    Columns: ``email``, ``first_order``, ``last_order``, ``orders``, ``purchase_days``,
    ``revenue``, and the lifetimes-style ``frequency`` (distinct purchase days - 1),
    ``recency`` (days from first to last purchase day), ``T`` (days from first purchase to
    ``end``) and ``monetary_value`` (mean spend per repeat purchase day, first day excluded;
    0 without repeat) and ``largest_repeat`` (the largest of those repeat purchase days' spend,
    0 without repeat). Customers with no order by ``end`` are left out.
    """
    end_day = base.last_day if end is None else int(to_days(np.datetime64(end, "D")))
    if end_day == base.last_day and len(base.summary.columns):
        return base.summary  # the base's own table (read only: it is shared), made once
    return _summary_table(base, _summary_arrays(base, end_day), end_day)


SUMMARY_ARRAYS = (
    "orders", "revenue", "purchase_days", "largest_repeat", "first_day", "last_day", "monetary"
)  # fmt: skip


def _summary_arrays(base: CustomerBase, end_day: int) -> dict[str, np.ndarray]:
    """The per-order work of :func:`summarise`: one array per customer for each of
    :data:`SUMMARY_ARRAYS` (what a kept dataset stores, so a reopen skips this pass)."""
    code, day, amount = base.code, base.day, base.amount
    if end_day < base.last_day:  # copies only when some orders come after the end
        keep = day <= end_day
        code, day, amount = code[keep], day[keep], amount[keep]
    n = base.n_customers
    orders = np.bincount(code, minlength=n)
    revenue = np.bincount(code, weights=amount, minlength=n)
    # Purchase days: runs of equal (customer, day) in the sorted arrays.
    day_pos = np.flatnonzero(purchase_day_starts(code, day))
    day_code = code[day_pos]
    day_total = np.add.reduceat(amount, day_pos) if len(day_pos) else np.zeros(0)
    purchase_days = np.bincount(day_code, minlength=n)
    first_of_customer = np.ones(len(day_pos), dtype=bool)
    first_of_customer[1:] = day_code[1:] != day_code[:-1]
    repeat_spend = np.bincount(
        day_code[~first_of_customer], weights=day_total[~first_of_customer], minlength=n
    )
    largest_repeat = np.zeros(n)
    np.maximum.at(largest_repeat, day_code[~first_of_customer], day_total[~first_of_customer])
    first_day = np.full(n, -1, dtype=np.int64)
    last_day = np.full(n, -1, dtype=np.int64)
    first_day[day_code[first_of_customer]] = day[day_pos[first_of_customer]]
    last_of_customer = np.ones(len(day_pos), dtype=bool)
    last_of_customer[:-1] = day_code[1:] != day_code[:-1]
    last_day[day_code[last_of_customer]] = day[day_pos[last_of_customer]]
    frequency = np.maximum(purchase_days - 1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_spend / np.maximum(frequency, 1), 0.0)
    return {
        "orders": orders,
        "revenue": revenue,
        "purchase_days": purchase_days,
        "largest_repeat": largest_repeat,
        "first_day": first_day,
        "last_day": last_day,
        "monetary": monetary,
    }


def _summary_table(base: CustomerBase, arrays: dict[str, np.ndarray], end_day: int):
    first_day, last_day = arrays["first_day"], arrays["last_day"]
    purchase_days = arrays["purchase_days"]
    frequency = np.maximum(purchase_days - 1, 0)
    table = pd.DataFrame(
        {
            "email": base.email,
            "first_order": from_days(first_day),
            "last_order": from_days(last_day),
            "orders": arrays["orders"],
            "purchase_days": purchase_days,
            "revenue": arrays["revenue"],
            "frequency": frequency.astype("float64"),
            "recency": (last_day - first_day).astype("float64"),
            "T": (end_day - first_day).astype("float64"),
            "monetary_value": arrays["monetary"],
            "largest_repeat": arrays["largest_repeat"],
        },
        index=base.ids.rename("customer_id"),
    )
    has = arrays["orders"] > 0
    return table if has.all() else table[has]

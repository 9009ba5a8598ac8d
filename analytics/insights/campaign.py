"""Did the campaign work? A control group in every list, and the lift measured later.

A campaign list gets a random **control group** (10-50%, default 20%): those customers are
not contacted. Later, with newer order data, :func:`lift` compares what the two groups did
after the list date. The groups were drawn at random, so a difference between them is the
campaign's effect plus chance; the 95% intervals say how large chance can be.

- The draw is seeded and stratified by lifecycle stage and RFM segment (when the list has
  them): within each stratum a share of the customers, rounded at random so the expected
  share is exact, goes to control.
- Conversion: two-proportion (Wald) interval for the difference. Revenue per customer:
  Welch's interval (unequal variances, t with Welch-Satterthwaite degrees of freedom).
- Only orders after the list date count (from the next day, or ``since``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.errors import LensError
from analytics.insights.customers import CustomerBase, from_days, to_days

TREATMENT, CONTROL = "treatment", "control"
CONTROL_DEFAULT, CONTROL_RANGE = 0.2, (0.1, 0.5)
STRATA = ["stage", "rfm_segment"]
LIST_COLUMNS = ["customer_id", "group", "list_date"]
MIN_GROUP = 100  # customers per group below which a result is flagged as too thin
MIN_DAYS = 14  # days of data after the list date below which a result is flagged
Z95, Z80 = 1.959964, 0.841621  # two-sided 95%; 80% power


def with_control(
    rows: pd.DataFrame, share: float, seed: int, list_date: pd.Timestamp
) -> pd.DataFrame:
    """The list with a ``group`` column (treatment or control) and ``list_date``."""
    low, high = CONTROL_RANGE
    if not low <= share <= high:
        raise LensError(f"The control group must be {low:.0%} to {high:.0%} of the list.")
    rng = np.random.default_rng(seed)
    strata = [c for c in STRATA if c in rows]
    frame = rows.reset_index(drop=True)
    keys = (
        frame[strata].astype("str").agg("|".join, axis=1)
        if strata
        else pd.Series("", index=frame.index)
    )
    order = pd.Series(rng.random(len(frame)), index=frame.index)
    rank = order.groupby(keys).rank(method="first")  # a random order within each stratum
    size = keys.map(keys.value_counts())
    wanted = size * share
    # Random rounding per stratum: the expected control share is exactly ``share``.
    extra = pd.Series(rng.random(len(size)), index=size.index).groupby(keys).transform("first")
    count = np.floor(wanted) + (extra < wanted - np.floor(wanted))
    out = frame.copy()
    out.insert(0, "group", np.where(rank <= count, CONTROL, TREATMENT))
    out.insert(1, "list_date", pd.Timestamp(list_date).normalize())
    return out


def definition(source: str, settings: str, share: float, seed: int, what: str) -> dict:
    """What the list is, for the file's definition line or sheet."""
    return {
        "list": what,
        "source": source,
        "settings": settings,
        "control_share": share,
        "seed": seed,
        "strata": " and ".join(STRATA),
        "send to": "the treatment rows only",
    }


@dataclass(frozen=True)
class Lift:
    since: pd.Timestamp
    until: pd.Timestamp
    groups: pd.DataFrame  # per group: customers, buyers, conversion, orders, revenue, ...
    conversion_diff: float
    conversion_diff_ci: tuple[float, float]
    revenue_per_customer_diff: float
    revenue_per_customer_diff_ci: tuple[float, float]
    incremental_revenue: float
    incremental_revenue_ci: tuple[float, float]
    daily: pd.DataFrame  # day, group, cumulative conversion
    warnings: list[str] = field(default_factory=list)
    name: str = "campaign list"  # the list's file name, for titles

    def sentence(self) -> str:
        """One plain sentence: the effect, and whether chance alone could explain it."""
        t, c = self.groups.loc[TREATMENT], self.groups.loc[CONTROL]
        low, high = self.conversion_diff_ci
        points = f"{100 * self.conversion_diff:+.1f} points"
        interval = f"95% interval {100 * low:+.1f} to {100 * high:+.1f}"
        head = (
            f"{t['conversion']:.1%} of the treatment group ordered between {self.since:%d %b %Y} "
            f"and {self.until:%d %b %Y}, against {c['conversion']:.1%} of the control group "
            f"({points}, {interval})."
        )
        if low > 0:
            return head + " The campaign made more customers order: chance alone would not."
        if high < 0:
            return head + " Fewer contacted customers ordered: chance alone would not do that."
        return head + " The difference could be chance: it is not distinguishable from zero."

    def to_dict(self) -> dict:
        def group(name: str) -> dict:
            row = self.groups.loc[name]
            return {
                "customers": int(row["customers"]),
                "buyers": int(row["buyers"]),
                "conversion": float(row["conversion"]),
                "orders": int(row["orders"]),
                "revenue": float(row["revenue"]),
                "revenue_per_customer": float(row["revenue_per_customer"]),
            }

        return {
            "since": self.since.date().isoformat(),
            "until": self.until.date().isoformat(),
            TREATMENT: group(TREATMENT),
            CONTROL: group(CONTROL),
            "conversion_diff": self.conversion_diff,
            "conversion_diff_ci": list(self.conversion_diff_ci),
            "revenue_per_customer_diff": self.revenue_per_customer_diff,
            "revenue_per_customer_diff_ci": list(self.revenue_per_customer_diff_ci),
            "incremental_revenue": self.incremental_revenue,
            "incremental_revenue_ci": list(self.incremental_revenue_ci),
            "sentence": self.sentence(),
            "warnings": self.warnings,
        }


def read_list(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Check a campaign list read back from its file: the columns, groups and list date."""
    columns = {str(c).strip().lower(): c for c in frame.columns}
    missing = [c for c in LIST_COLUMNS if c not in columns]
    if missing:
        named = " or ".join([", ".join(missing[:-1]), missing[-1]] if len(missing) > 1 else missing)
        raise LensError(
            f"This is not a campaign list with a control group: it has no {named} "
            f"column. Expected columns: {', '.join(LIST_COLUMNS)} (export a list with a "
            "control group first)."
        )
    rows = pd.DataFrame({c: frame[columns[c]] for c in LIST_COLUMNS}).dropna(subset=["customer_id"])
    rows["customer_id"] = rows["customer_id"].astype("str").str.strip()
    rows["group"] = rows["group"].astype("str").str.strip().str.lower()
    odd = sorted(set(rows["group"]) - {TREATMENT, CONTROL})
    if odd:
        raise LensError(
            f"The group column must say treatment or control; it also says {', '.join(odd[:3])}."
        )
    dates = pd.to_datetime(rows["list_date"], errors="coerce").dropna().dt.normalize().unique()
    if len(dates) != 1:
        raise LensError("The list_date column must hold one date (the day the list was made).")
    return rows.drop_duplicates("customer_id"), pd.Timestamp(dates[0])


def lift(
    frame: pd.DataFrame,
    base: CustomerBase,
    since: pd.Timestamp | None = None,
    until: pd.Timestamp | None = None,
    name: str = "campaign list",
) -> Lift:
    """Treatment vs control after the list date, from the orders in ``base``."""
    rows, list_date = read_list(frame)
    since = pd.Timestamp(since).normalize() if since is not None else list_date + pd.DateOffset(1)
    since = max(since, list_date + pd.DateOffset(1))  # never the list date or before
    until = pd.Timestamp(until).normalize() if until is not None else base.data_end
    warnings = []
    if until < since:
        raise LensError(
            f"The order data ends on {base.data_end:%d %b %Y}, before the campaign's first day "
            f"({since:%d %b %Y}): load newer orders to measure it."
        )
    if (until - since).days + 1 < MIN_DAYS:
        warnings.append(
            f"Only {(until - since).days + 1} days of orders after the list date: most "
            "customers have not had time to answer yet. Measure again later."
        )
    position = pd.Series(np.arange(base.n_customers), index=pd.Index(base.ids).astype("str"))
    where = rows["customer_id"].map(position)
    if where.isna().any():
        warnings.append(
            f"{int(where.isna().sum()):,} customers of the list are not in this order data "
            "(they count as not having ordered). Check that it is the same shop."
        )
    code = base.code
    first, last = int(to_days(np.datetime64(since, "D"))), int(to_days(np.datetime64(until, "D")))
    inside = (base.day >= first) & (base.day <= last)
    orders = np.bincount(code[inside], minlength=base.n_customers)
    revenue = np.bincount(code[inside], weights=base.amount[inside], minlength=base.n_customers)
    # Each customer's first order day inside the period (for the daily curve).
    first_day = np.full(base.n_customers, np.iinfo(np.int64).max)
    np.minimum.at(first_day, code[inside], base.day[inside])
    known = where.notna().to_numpy()
    pos = where.fillna(0).astype("int64").to_numpy()
    rows = rows.assign(
        orders=np.where(known, orders[pos], 0),
        revenue=np.where(known, revenue[pos], 0.0),
        first_day=np.where(known, first_day[pos], np.iinfo(np.int64).max),
    )
    groups = _group_figures(rows)
    for group in (TREATMENT, CONTROL):
        if groups.loc[group, "customers"] == 0:
            raise LensError(f"The list has no {group} customers: nothing to compare.")
    t, c = groups.loc[TREATMENT], groups.loc[CONTROL]
    diff = t["conversion"] - c["conversion"]
    se = math.sqrt(
        t["conversion"] * (1 - t["conversion"]) / t["customers"]
        + c["conversion"] * (1 - c["conversion"]) / c["customers"]
    )
    spend_diff, spend_ci = _welch(
        rows.loc[rows["group"] == TREATMENT, "revenue"].to_numpy(),
        rows.loc[rows["group"] == CONTROL, "revenue"].to_numpy(),
    )
    n_t = int(t["customers"])
    if min(t["customers"], c["customers"]) < MIN_GROUP:
        pooled = (t["buyers"] + c["buyers"]) / (t["customers"] + c["customers"])
        detectable = (Z95 + Z80) * math.sqrt(
            max(pooled * (1 - pooled), 1e-12) * (1 / t["customers"] + 1 / c["customers"])
        )
        warnings.append(
            f"A group has fewer than {MIN_GROUP} customers: too few to conclude much. With "
            f"these sizes only a difference in conversion of about {100 * detectable:.1f} "
            "percentage points or more "
            "would be detected (80% of the time)."
        )
    return Lift(
        since=since,
        until=until,
        groups=groups,
        conversion_diff=float(diff),
        conversion_diff_ci=(float(diff - Z95 * se), float(diff + Z95 * se)),
        revenue_per_customer_diff=spend_diff,
        revenue_per_customer_diff_ci=spend_ci,
        incremental_revenue=spend_diff * n_t,
        incremental_revenue_ci=(spend_ci[0] * n_t, spend_ci[1] * n_t),
        daily=_daily(rows, first, last),
        warnings=warnings,
        name=name,
    )


def _group_figures(rows: pd.DataFrame) -> pd.DataFrame:
    grouped = rows.groupby("group")
    out = pd.DataFrame(
        {
            "customers": grouped.size(),
            "buyers": grouped["orders"].apply(lambda o: int((o > 0).sum())),
            "orders": grouped["orders"].sum(),
            "revenue": grouped["revenue"].sum(),
        }
    ).reindex([TREATMENT, CONTROL], fill_value=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["conversion"] = out["buyers"] / out["customers"]
        out["revenue_per_customer"] = out["revenue"] / out["customers"]
    return out[["customers", "buyers", "conversion", "orders", "revenue", "revenue_per_customer"]]


def _welch(a: np.ndarray, b: np.ndarray) -> tuple[float, tuple[float, float]]:
    """Difference of means a - b and its 95% Welch interval."""
    from scipy.stats import t as student  # only when a lift is measured

    diff = float(a.mean() - b.mean())
    va, vb = (
        (a.var(ddof=1) / len(a) if len(a) > 1 else 0.0),
        (b.var(ddof=1) / len(b) if len(b) > 1 else 0.0),
    )
    se = math.sqrt(va + vb)
    if se == 0:
        return diff, (diff, diff)
    df = (va + vb) ** 2 / (
        (va**2 / (len(a) - 1) if len(a) > 1 else 0) + (vb**2 / (len(b) - 1) if len(b) > 1 else 0)
    )
    q = float(student.ppf(0.975, df))
    return diff, (diff - q * se, diff + q * se)


def _daily(rows: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Each group's share of customers who have ordered by each day of the period."""
    days = np.arange(first, last + 1)
    frames = []
    for name in (TREATMENT, CONTROL):
        firsts = np.sort(rows.loc[rows["group"] == name, "first_day"].to_numpy())
        share = np.searchsorted(firsts, days, side="right") / max(len(firsts), 1)
        frames.append(
            pd.DataFrame(
                {
                    "day": from_days(days),
                    "group": name,
                    "conversion": share,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)

"""When customers come back: the repurchase curve, repurchase by cohort, time between purchases.

A **purchase** is what the rest of the app counts: a customer's kept orders on one calendar
day (:func:`analytics.insights.customers.purchase_day_starts`); cancelled, voided and refunded
orders never reach the order log, so they count nowhere.

- **Repurchase curve**: Kaplan-Meier on the days from the first to the second purchase. A
  customer who has not come back is censored at the reference date (the data's last purchase
  day unless an earlier date is chosen) and is still at risk on that day, so recent customers
  count for the days they have been watched. The share who came back within D days is
  ``1 - S(D)``, which never falls. Its 95% band is Greenwood's variance on the log-log scale
  (the "exponential Greenwood" band, as lifelines draws it), turned into shares: it stays
  between 0 and 1. Past the longest time anyone has been watched the curve is unknown (None).
- **Repurchase by cohort** (month of the first purchase): the share of the cohort with a second
  purchase within D days of their first, filled only when every customer of the cohort has
  been watched D days (reference date >= first purchase + D), else None.
- **Time between purchases**: days from the 1st to the 2nd purchase, and between all
  consecutive purchases; median, 80th and 90th percentiles (numpy's default, linear
  interpolation). The 80th percentile from 1st to 2nd, rounded up, is the win-back timing:
  "most who come back do so within N days".

Everything is a few sorts and bincounts over the customer-sorted order arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from analytics.errors import LensError
from analytics.insights.cohorts import ExistingBase, period_label, period_of
from analytics.insights.customers import CustomerBase, purchase_day_starts, to_days

HORIZONS = (30, 60, 90, 180, 365)  # days after the first purchase
Z95 = 1.959963984540054
BAND = "95% band: Greenwood's variance on the log-log scale (exponential Greenwood)"
WINBACK_PERCENTILE = 80


@dataclass(frozen=True)
class Purchases:
    """Each customer's purchases (orders on one calendar day) on or before the reference date.

    Attributes
    ----------
    code, day:
        Per purchase, sorted by customer then day: the customer's position in the base, the day.
    rank:
        Per purchase: 0 for the customer's first, 1 for the second, ...
    first, second:
        Per customer who has purchased (``customers`` positions): the first purchase day and
        the second (-1 when there is none yet).
    end:
        The reference date's day number: customers are watched until that day.
    """

    code: np.ndarray
    day: np.ndarray
    rank: np.ndarray
    customers: np.ndarray
    first: np.ndarray
    second: np.ndarray
    end: int

    @property
    def came_back(self) -> np.ndarray:
        return self.second >= 0

    @property
    def gaps_first_to_second(self) -> np.ndarray:
        return (self.second - self.first)[self.came_back]

    @property
    def gaps_between(self) -> np.ndarray:
        """Days between each purchase and the customer's previous one (all of them)."""
        later = self.rank > 0
        return (self.day[1:] - self.day[:-1])[later[1:]]


def purchases(
    base: CustomerBase, end: pd.Timestamp | None = None, first_from: pd.Timestamp | None = None
) -> Purchases:
    """The purchases on or before ``end`` (default: the data's last purchase day); with
    ``first_from``, only of the customers whose first purchase is on or after it (those of
    the data's first month left out when they look already there before the data starts:
    their first purchase in the data is not their first)."""
    end_day = base.last_day if end is None else int(to_days(np.datetime64(end, "D")))
    starts = purchase_day_starts(base.code, base.day) & (base.day <= end_day)
    if first_from is not None:
        from_day = int(to_days(np.datetime64(pd.Timestamp(first_from).date(), "D")))
        first_day = base.day[base.start]  # every customer's first order day
        starts &= first_day[base.code] >= from_day
    where = np.flatnonzero(starts)
    if len(where) == 0:
        raise LensError("There are no purchases on or before the reference date.")
    code, day = base.code[where], base.day[where]
    new_customer = np.ones(len(code), dtype=bool)
    new_customer[1:] = code[1:] != code[:-1]
    heads = np.flatnonzero(new_customer)
    rank = np.arange(len(code)) - np.repeat(heads, np.diff(np.append(heads, len(code))))
    second = np.full(len(heads), -1, dtype=np.int64)
    has_second = np.flatnonzero(rank == 1)
    second[np.searchsorted(heads, has_second, side="right") - 1] = day[has_second]
    return Purchases(code, day, rank, code[heads], day[heads], second, end_day)


def km_curve(durations: np.ndarray, came_back: np.ndarray) -> pd.DataFrame:
    """Kaplan-Meier of the days to a second purchase, one row per day with a comeback.

    ``durations``: per customer, days from the first purchase to the second (came back) or to
    the reference date (not yet, censored: still at risk on that day). Columns: ``day``,
    ``at_risk`` (durations >= day), ``came_back`` (that day), ``share`` (``1 - S(day)``) and its
    band ``low``/``high`` (see the module's docstring).
    """
    durations = np.asarray(durations, dtype=np.int64)
    came_back = np.asarray(came_back, dtype=bool)
    days, events = np.unique(durations[came_back], return_counts=True)
    ordered = np.sort(durations)
    at_risk = len(ordered) - np.searchsorted(ordered, days, side="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - events / at_risk)
        greenwood = np.cumsum(events / (at_risk * (at_risk - events)))
        log_s = np.log(survival)
        spread = Z95 * np.sqrt(greenwood) / np.abs(log_s)
        centre = np.log(-log_s)
        s_low = np.exp(-np.exp(centre + spread))
        s_high = np.exp(-np.exp(centre - spread))
    point = (survival <= 0) | (survival >= 1) | ~np.isfinite(spread)
    s_low = np.where(point, survival, s_low)
    s_high = np.where(point, survival, s_high)
    return pd.DataFrame(
        {
            "day": days,
            "at_risk": at_risk,
            "came_back": events,
            "share": 1.0 - survival,
            "low": 1.0 - s_high,
            "high": 1.0 - s_low,
        }
    )


def curve_at(curve: pd.DataFrame, days, longest: int) -> pd.DataFrame:
    """The curve's share and band at each of ``days`` (a step function: the last comeback day
    at or before it); None past ``longest``, the longest time anyone has been watched."""
    days = np.asarray(list(days), dtype=np.int64)
    step = np.searchsorted(curve["day"].to_numpy(), days, side="right") - 1
    out = pd.DataFrame({"day": days})
    for col in ("share", "low", "high"):
        values = np.concatenate([[0.0], curve[col].to_numpy()])[step + 1]
        out[col] = np.where(days <= longest, values, np.nan)
    return out


@dataclass(frozen=True)
class Repurchase:
    """Everything the page, the PDF and the CLI show about coming back."""

    customers: int
    came_back: int
    end: int
    longest: int  # the longest time any customer has been watched, in days
    curve: pd.DataFrame  # km_curve
    at_horizons: pd.DataFrame  # curve_at HORIZONS
    cohorts: pd.DataFrame  # cohort_table
    gaps_first: np.ndarray
    gaps_between: np.ndarray
    left_out: str | None = None  # the sentence saying which customers were left out

    def gap_summary(self) -> dict:
        """The gaps' median, 80th and 90th percentiles (a fresh copy on every call)."""
        return {what: dict(stats) for what, stats in self._gap_summary.items()}

    # Worked out once per result: the page asks on every rerun (percentiles of millions of
    # gaps at 1M customers); cached_property writes past the frozen dataclass's __setattr__.
    @cached_property
    def _gap_summary(self) -> dict:
        return {
            "first_to_second": gap_stats(self.gaps_first),
            "between_purchases": gap_stats(self.gaps_between),
        }

    @cached_property
    def winback_days(self) -> int | None:
        return winback_days(self.gaps_first)

    def winback_said(self) -> str:
        """The win-back timing in words, as the page and the PDF say it (see
        :func:`winback_sentence`)."""
        p80 = self._gap_summary["first_to_second"]["p80"]
        return winback_sentence(self.winback_days, self.came_back, p80)

    def to_json(self) -> dict:
        def key(day) -> str:
            return str(int(day))

        def num(v):
            return None if pd.isna(v) else round(float(v), 6)

        rows = self.at_horizons.to_dict("records")
        return {
            "as_of": str(np.datetime64(self.end, "D")),
            "left_out": self.left_out,
            "customers": self.customers,
            "came_back": self.came_back,
            "curve": {key(r["day"]): num(r["share"]) for r in rows},
            "curve_ci": {
                key(r["day"]): None if pd.isna(r["share"]) else [num(r["low"]), num(r["high"])]
                for r in rows
            },
            "band": BAND,
            "cohorts": [
                {
                    "cohort": r["cohort"],
                    "customers": int(r["customers"]),
                    "within": {key(d): num(r[d]) for d in HORIZONS},
                }
                for r in self.cohorts.to_dict("records")
            ],
            "gaps": self.gap_summary(),
            "winback_days": self.winback_days,
        }


_GAP_KEYS = ("median", "p80", "p90")
FEW_BACK = 30  # fewer second purchases than this: the win-back timing is a rough guide


def gap_stats(gaps: np.ndarray) -> dict:
    """Median, 80th and 90th percentiles (numpy's default interpolation); None when empty."""
    if len(gaps) == 0:
        return {"count": 0, "median": None, "p80": None, "p90": None}
    p50, p80, p90 = np.percentile(gaps, [50, 80, 90])
    # rounded to 1e-6 so that interpolation's float noise (24.000000000000004) never shows
    return {
        "count": len(gaps),
        **{k: round(float(v), 6) for k, v in zip(_GAP_KEYS, (p50, p80, p90), strict=True)},
    }


def winback_days(gaps_first: np.ndarray) -> int | None:
    """The 80th percentile of days from the 1st to the 2nd purchase, rounded up to a day."""
    if len(gaps_first) == 0:
        return None
    return int(math.ceil(round(float(np.percentile(gaps_first, WINBACK_PERCENTILE)), 6)))


def winback_sentence(
    days: int | None, came_back: int | None = None, p80: float | None = None
) -> str:
    """The win-back timing in words: with the 80th percentile it rounds up (``p80``) when
    that is not a whole day, and, with fewer than :data:`FEW_BACK` customers back, that the
    figure rests on a handful."""
    if days is None:
        return "No customer has come back yet, so there is no win-back timing to suggest."
    sentence = (
        f"Most who come back do so within {days} days: {WINBACK_PERCENTILE}% of second "
        f"purchases came within {days} days of the first."
    )
    if p80 is not None and p80 != days:
        sentence += f" That is the 80th percentile, {p80:,.1f} days, rounded up."
    if came_back is not None and came_back < FEW_BACK:
        sentence += (
            f" Only {came_back:,} {'customer has' if came_back == 1 else 'customers have'} "
            "come back so far: take it as a rough guide."
        )
    return sentence


def cohort_table(p: Purchases, horizons=HORIZONS) -> pd.DataFrame:
    """Per month of first purchase: customers, and per horizon D the share of the cohort with
    a second purchase within D days, or NaN unless every customer has been watched D days."""
    month = period_of(p.first, "month")
    numbers, cohort = np.unique(month, return_inverse=True)
    size = np.bincount(cohort, minlength=len(numbers))
    newest = np.full(len(numbers), np.iinfo(np.int64).min)
    np.maximum.at(newest, cohort, p.first)
    gap = np.where(p.came_back, p.second - p.first, np.iinfo(np.int64).max)
    table = pd.DataFrame({"cohort": period_label(numbers, "month"), "customers": size})
    for d in horizons:
        within = np.bincount(cohort, weights=gap <= d, minlength=len(numbers)) / size
        table[d] = np.where(p.end - newest >= d, within, np.nan)
    return table


def repurchase(
    base: CustomerBase,
    end: pd.Timestamp | None = None,
    existing: ExistingBase | None = None,
) -> Repurchase:
    """The repurchase curve, cohorts and gaps of the purchases on or before ``end``; with
    ``existing`` (:func:`analytics.insights.cohorts.existing_base`), its customers left out."""
    p = purchases(base, end, existing.until if existing else None)
    came_back = p.came_back
    durations = np.where(came_back, p.second - p.first, p.end - p.first)
    curve = km_curve(durations, came_back)
    longest = int(durations.max())
    return Repurchase(
        customers=len(p.first),
        came_back=int(came_back.sum()),
        end=p.end,
        longest=longest,
        curve=curve,
        at_horizons=curve_at(curve, HORIZONS, longest),
        cohorts=cohort_table(p),
        gaps_first=p.gaps_first_to_second,
        gaps_between=p.gaps_between,
        left_out=f"{existing.sentence()} They are left out." if existing else None,
    )

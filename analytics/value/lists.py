"""Customer lists a marketer can send: each row says why it is there, in its own numbers.

- :func:`reasons`: why the lifecycle stage and the model's chance still a customer disagree,
  per customer (their own rhythm, their days since the last order), never one sentence for
  a whole group.
- :func:`disagreements`: the customers whose stage and chance still a customer disagree
  strongly, by rule (:data:`DISAGREEMENTS`).
- :func:`outlier_totals` and :func:`outlier_line`: the part of a total that rests on one
  order above the shop's 99.9th percentile, on a line of its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WITHIN = 1.5  # days since the last order up to 1.5 x the usual gap: "within their rhythm"


def usual_gap(summary: pd.DataFrame) -> np.ndarray:
    """Each customer's average days between purchase days (nan for one-time buyers)."""
    frequency = summary["frequency"].to_numpy(dtype="float64")
    with np.errstate(all="ignore"):
        return np.where(frequency > 0, summary["recency"].to_numpy() / frequency, np.nan)


def reasons(summary: pd.DataFrame, p_alive: pd.Series, expects_back: pd.Series) -> pd.Series:
    """Why each listed customer's stage and the model disagree, in their own figures.

    ``expects_back`` is True where the model expects a customer back despite an inactive
    stage, False where it thinks an active customer has left (index: the listed customers,
    a subset of ``summary``'s).
    """
    rows = summary.loc[expects_back.index]
    gap = usual_gap(rows)
    since = (rows["T"] - rows["recency"]).to_numpy()
    alive = p_alive.reindex(expects_back.index).to_numpy()
    back = expects_back.to_numpy(dtype=bool)
    out = []
    for g, d, a, b, days in zip(gap, since, alive, back, rows["frequency"] + 1, strict=True):
        chance = f"{a:.0%} chance still a customer"
        if not np.isfinite(g):
            out.append(
                f"One order only, {d:,.0f} days ago: no rhythm of their own to judge by, so "
                f"the {chance} is the shop's average for a one-time buyer that long ago."
                if b
                else f"One order only, {d:,.0f} days ago, and the model lets one-time buyers "
                f"leave soon after: {chance}."
            )
        elif d <= WITHIN * g:
            out.append(
                f"{days:,.0f} purchase days, about every {g:,.0f} days; the last {d:,.0f} days "
                f"ago is within their own rhythm ({chance})."
                if b
                else f"About every {g:,.0f} days over {days:,.0f} purchase days and the last "
                f"{d:,.0f} days ago, within their rhythm; the {chance} comes from how many "
                "of the shop's customers leave after each purchase."
            )
        else:
            out.append(
                f"{days:,.0f} purchase days, about every {g:,.0f} days, and {d:,.0f} days "
                f"since the last ({d / g:.1f} x their usual gap), yet {chance}: the model sees "
                "few customers leave in this shop. Check before writing them off."
                if b
                else f"Used to order about every {g:,.0f} days; {d:,.0f} days since the last "
                f"({d / g:.1f} x their usual gap): {chance}. A win-back may come too late."
            )
    return pd.Series(out, index=expects_back.index, name="why", dtype="object")


def outlier_totals(values: pd.Series, outlier: pd.Series) -> dict:
    """The total CLV, the part of it from one-order outliers (see
    :func:`analytics.value.clv.outliers`), their number, and the total without them."""
    values = np.asarray(values, dtype="float64")
    flagged = np.asarray(outlier, dtype=bool)
    total, part = float(values.sum()), float(values[flagged].sum())
    return {
        "total": total,
        "outliers": part,
        "customers": int(flagged.sum()),
        "without": total - part,
    }


def outlier_line(totals: dict, money, left_out: bool = False) -> str:
    """ "Of which one-order outliers: ..." (or, once left out, what was left out)."""
    who = (
        f"{totals['customers']:,} customer{'s' if totals['customers'] != 1 else ''} whose "
        "expected spend rests on one order above the shop's 99.9th percentile"
    )
    if left_out:
        return f"Left out: one-order outliers worth {money(totals['outliers'])} ({who})."
    return (
        f"Of which one-order outliers: predicted CLV {money(totals['outliers'])} ({who}); "
        f"without them {money(totals['without'])}."
    )


# Where the lifecycle stage (a rule on days since the last order) and the model's P(alive)
# (the customer's own rhythm) disagree strongly: (stages, P(alive) test, what it means).
DISAGREEMENTS = [
    (
        ("Inactive",),
        "above",
        0.8,
        "No order within the inactivity window, yet the model expects them back: they have "
        "always ordered rarely, so a long gap is normal for them. Check before writing them off.",
    ),
    (
        ("Active", "Loyal"),
        "below",
        0.2,
        "Ordered within the inactivity window, yet the model thinks they have left: they "
        "used to order far more often than they have lately. A win-back may come too late.",
    ),
]


def disagreements(stage: pd.Series, p_alive: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Customers whose stage and P(alive) disagree strongly (see :data:`DISAGREEMENTS`).

    Returns one row per rule (stage, model says, customers, out of, why) and, per
    customer in any rule, the rule's label (for the downloadable list).
    """
    rows, label = [], pd.Series(pd.NA, index=stage.index, dtype="object")
    for stages, side, threshold, why in DISAGREEMENTS:
        in_stage = stage.isin(stages).to_numpy()
        model_says = p_alive.to_numpy() > threshold if side == "above" else p_alive < threshold
        hit = in_stage & np.asarray(model_says)
        name = f"{' or '.join(stages)}, yet chance still a customer {side} {threshold:.0%}"
        label[hit] = name
        rows.append(
            {
                "disagreement": name,
                "customers": int(hit.sum()),
                "out_of": int(in_stage.sum()),
                "why": why,
            }
        )
    return pd.DataFrame(rows), label.dropna()

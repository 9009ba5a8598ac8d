"""What the Products and timing page, the PDF and the lists show: the repurchase curve chart
and the page's tables in the words of the README (Products and timing)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.insights.repurchase import HORIZONS, Repurchase, curve_at
from analytics.output.charts import ACCENT, finish

CURVE_DAYS = 730  # the chart's longest reach: two years after the first purchase


def curve_points(result: Repurchase, days: int = CURVE_DAYS) -> pd.DataFrame:
    """The curve and its band on every day from 0 to the longest watched time (at most
    ``days``)."""
    reach = max(min(result.longest, days), 1)
    return curve_at(result.curve, range(0, reach + 1), result.longest).dropna()


def repurchase_curve(result: Repurchase, title: str, subtitle: str, height: int = 320) -> alt.Chart:
    """Share who came back within D days (Kaplan-Meier, a step line) with its 95% band."""
    data = curve_points(result)
    x = alt.X("day:Q", title="Days since the first purchase")
    band = (
        alt.Chart(data)
        .mark_area(color=ACCENT, opacity=0.18, interpolate="step-after")
        .encode(x=x, y=alt.Y("low:Q"), y2="high:Q")
    )
    line = (
        alt.Chart(data)
        .mark_line(color=ACCENT, strokeWidth=2.5, interpolate="step-after")
        .encode(
            x=x,
            y=alt.Y(
                "share:Q",
                title="Made a 2nd purchase, share of customers",
                axis=alt.Axis(format="%"),
            ),
            tooltip=[
                alt.Tooltip("day:Q", title="within days"),
                alt.Tooltip("share:Q", format=".1%", title="share"),
                alt.Tooltip("low:Q", format=".1%", title="95% band from"),
                alt.Tooltip("high:Q", format=".1%", title="to"),
            ],
        )
    )
    return finish(band + line, title, subtitle, height)


def so_far_sentence(result: Repurchase) -> str:
    """How many have come back so far, and why the curve can rise above that share."""
    share = result.came_back / max(result.customers, 1)
    # The base, when it is not every customer (the repeat rate elsewhere counts everyone).
    base = " counted here (the data's first month left out)" if result.left_out else ""
    return (
        f"So far {result.came_back:,} of the {result.customers:,} customers{base} "
        f"({share:.0%}) have made a 2nd purchase. The curve can rise above that share: it does "
        "not count a recent customer as one who never came back, so it estimates the share once "
        "everyone has been watched that long."
    )


def horizons_table(result: Repurchase) -> pd.DataFrame:
    """The curve at 30, 60, 90, 180 and 365 days, with the band."""
    at = result.at_horizons
    return pd.DataFrame(
        {
            "within_days": at["day"],
            "share": at["share"],
            "band_low": at["low"],
            "band_high": at["high"],
        }
    )


HORIZON_LABELS = {d: f"within {d} days" for d in HORIZONS}


def cohort_frame(result: Repurchase) -> pd.DataFrame:
    """Repurchase by month of first purchase; blank until every customer was watched."""
    return result.cohorts.rename(columns=HORIZON_LABELS).set_index("cohort")


def gaps_frame(result: Repurchase) -> pd.DataFrame:
    rows = []
    for what, stats in [
        ("1st to 2nd purchase", result.gap_summary()["first_to_second"]),
        ("between all purchases", result.gap_summary()["between_purchases"]),
    ]:
        rows.append({"days": what, **stats})
    return pd.DataFrame(rows).rename(
        columns={"count": "gaps", "p80": "80th pct", "p90": "90th pct"}
    )


def first_products_frame(table: pd.DataFrame) -> pd.DataFrame:
    """First products as the page shows them (the interval as one column of words)."""
    band = [
        "" if pd.isna(lo) else f"{lo:.0%} – {hi:.0%}"
        for lo, hi in zip(table["repeat_90_low"], table["repeat_90_high"], strict=True)
    ]
    return pd.DataFrame(
        {
            "product": table["product"],
            "customers": table["customers"],
            "repeat_90": table["repeat_90"],
            "repeat_90_band": band,
            "watched_90": table["watched_90"],
            "revenue_12m_per_customer": table["revenue_12m_per_customer"],
            "unclear": table["unclear"],
        }
    )


FIRST_LABELS = {
    "product": "First product",
    "customers": "Customers",
    "repeat_90": "Back within 90 days",
    "repeat_90_band": "95% interval",
    "watched_90": "Watched 90 days",
    "revenue_12m_per_customer": "Revenue per customer, 12 months",
    "unclear": "Can't tell from average",
}
FIRST_KINDS = {"repeat_90": "share", "revenue_12m_per_customer": "money"}


def journey_frame(paths: pd.DataFrame) -> pd.DataFrame:
    """Journeys as a stepped table: one column per purchase, blank where the path ends."""
    steps = ["1st purchase", "2nd purchase", "3rd purchase", "4th purchase"]
    rows = []
    for r in paths.to_dict("records"):
        cells = list(r["steps"]) + [""] * (len(steps) - len(r["steps"]))
        rows.append({**dict(zip(steps, cells, strict=True)), "customers": r["customers"]})
    return pd.DataFrame(rows, columns=[*steps, "customers"])

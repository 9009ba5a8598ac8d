"""What people read of the payback figures: the payback chart, the LTV:CAC bars and the
tables' words ("predicted", the 80% range). Used by the Payback page and the PDF."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analytics.insights.payback import HORIZONS, Payback
from analytics.output import charts, present

PREDICTED = "predicted"


def ltv_text(value, low, high, predicted: bool) -> str:
    """An LTV:CAC ratio in words: '2.4', '2.4 predicted (80%: 2.1-2.7)', or
    '2.4 predicted, no range'; blank when there is none."""
    if pd.isna(value):
        return "n/a (not enough data yet)" if predicted else ""
    if not predicted:
        return f"{value:.2f}"
    if pd.isna(low) or pd.isna(high):
        return f"{value:.2f} {PREDICTED}, no range"
    return f"{value:.2f} {PREDICTED} (80%: {low:.2f}–{high:.2f})"


def any_predicted(part: Payback) -> bool:
    """Whether any LTV:CAC figure of the cohorts (or their overall) is a prediction."""
    columns = [f"ltv_cac_{h}_predicted" for h in HORIZONS]
    return bool(part.table[columns].to_numpy().any() or part.overall[columns].to_numpy().any())


def model_note(model_name: str, check: str) -> str:
    """Said beside predicted figures: the model that predicts them, its backtest's verdict
    (``check``: :func:`analytics.value.verdict.error_words`, or why there is none) and what
    their 80% ranges leave out."""
    return (
        f"Predicted parts come from the value model ({model_name}; {check}). Their 80% "
        "ranges count the model's own uncertainty, not the backtest's error: read them with it."
    )


def cohort_rows(part: Payback, by: str = "cohort", overall: bool = False) -> pd.DataFrame:
    """One row per cohort (or channel): new customers, spend, CAC, payback month, LTV:CAC
    in words, and the margin per customer by month (the last one marked when partial)."""
    table = part.overall if overall else part.table
    margin = part.overall_margin if overall else part.margin
    index = table[by].astype(str).to_numpy()
    if by == "cohort" and "channel" in table and not overall:
        index = (table["cohort"] + " · " + table["channel"]).to_numpy()
    rows = pd.DataFrame(index=pd.Index(index, name=by))
    rows["new customers"] = table["new_customers"].to_numpy()
    rows["spend"] = table["spend"].to_numpy()
    rows["CAC"] = table["cac"].to_numpy()
    rows["payback month"] = [
        "" if pd.isna(k) else ("0 (first month)" if k == 0 else str(int(k)))
        for k in table["payback_month"]
    ]
    for h in HORIZONS:
        rows[f"LTV:CAC {h} months"] = [
            ltv_text(*values)
            for values in table[
                [f"ltv_cac_{h}{s}" for s in ("", "_low", "_high", "_predicted")]
            ].itertuples(index=False, name=None)
        ]
    width = margin.shape[1]
    for k in range(width):
        rows[f"month {k}"] = margin.iloc[:, k].to_numpy()
    return rows


def curve(part: Payback, name: str) -> pd.DataFrame:
    """The margin per customer of one cohort by month, with the CAC and the partial mark."""
    values = part.margin.loc[name].dropna()
    cac = float(part.table.set_index(part.margin.index)["cac"].loc[name])
    last = len(values) - 1
    return pd.DataFrame(
        {
            "month": values.index.astype(int),
            "margin": values.to_numpy(),
            "cac": cac,
            "point": np.where(
                (np.arange(len(values)) == last) & part.partial, "partial month", "month over"
            ),
        }
    )


def payback_chart(
    data: pd.DataFrame, title: str, subtitle: str, currency: str | None = None
) -> alt.Chart:
    """Cumulative margin per customer (line) against the CAC (dashed): payback where they
    cross."""
    money = present.money_title("Margin per customer, cumulative", currency)
    fmt = ",.2f"  # the axis title names the currency
    x = alt.X(
        "month:Q",
        title="Months since the first purchase (0 = its month)",
        axis=alt.Axis(tickMinStep=1),
    )
    line = (
        alt.Chart(data)
        .mark_line(color=charts.ACCENT, point=False)
        .encode(x=x, y=alt.Y("margin:Q", title=money))
    )
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=60, color=charts.ACCENT)
        .encode(
            x=x,
            y="margin:Q",
            shape=alt.Shape("point:N", title=None, scale=alt.Scale(range=["circle", "triangle"])),
            tooltip=[
                alt.Tooltip("month:Q", title="Month"),
                alt.Tooltip("margin:Q", title="Margin per customer", format=fmt),
                alt.Tooltip("cac:Q", title="CAC", format=fmt),
                alt.Tooltip("point:N", title="Month"),
            ],
        )
    )
    rule = (
        alt.Chart(data.head(1))
        .mark_rule(color="#c0392b", strokeDash=[6, 4], size=2)
        .encode(y="cac:Q")
    )
    label = (
        alt.Chart(data.head(1))
        .mark_text(align="left", dx=4, dy=-8, color="#c0392b")
        .encode(x=alt.value(0), y="cac:Q", text=alt.value("CAC"))
    )
    return charts.finish(alt.layer(rule, label, line, points), title, subtitle)


OPACITY = {"realized": 1.0, PREDICTED: 0.45}  # a predicted bar is paler


def ltv_bars(frame: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """LTV:CAC per row (``name``, ``ratio``, ``low``, ``high``, ``kind``), with the 80% range
    of predicted values as a whisker and the 1.0 line (the spend back)."""
    base = alt.Chart(frame)
    y = alt.Y("name:N", title=None, sort=None)
    # The legend names only the kinds the bars show (all predicted: no "realized" swatch).
    shown = [kind for kind in OPACITY if kind in set(frame["kind"])]
    bars = base.mark_bar(color=charts.ACCENT).encode(
        y=y,
        x=alt.X("ratio:Q", title="LTV:CAC (margin per customer / CAC)"),
        opacity=alt.Opacity(
            "kind:N",
            legend=alt.Legend(title=None, values=shown),
            scale=alt.Scale(domain=list(OPACITY), range=list(OPACITY.values())),
        ),
        tooltip=[
            alt.Tooltip("name:N", title=""),
            alt.Tooltip("ratio:Q", title="LTV:CAC", format=".2f"),
            alt.Tooltip("low:Q", title="80% range from", format=".2f"),
            alt.Tooltip("high:Q", title="to", format=".2f"),
            alt.Tooltip("kind:N", title=""),
        ],
    )
    whiskers = base.mark_rule(color="#333").encode(y=y, x="low:Q", x2="high:Q")
    one = (
        alt.Chart(pd.DataFrame({"x": [1.0]}))
        .mark_rule(color="#c0392b", strokeDash=[6, 4])
        .encode(x="x:Q")
    )
    height = max(22 * len(frame), 80)
    return charts.finish(alt.layer(bars, whiskers, one), title, subtitle, height=height)


def ltv_frame(table: pd.DataFrame, by: str, h: int = 12) -> pd.DataFrame:
    """The rows of :func:`ltv_bars` from a payback table (or overall) at month ``h``."""
    return pd.DataFrame(
        {
            "name": table[by].astype(str).to_numpy(),
            "ratio": table[f"ltv_cac_{h}"].to_numpy(),
            "low": table[f"ltv_cac_{h}_low"].to_numpy(),
            "high": table[f"ltv_cac_{h}_high"].to_numpy(),
            "kind": np.where(table[f"ltv_cac_{h}_predicted"], "predicted", "realized"),
        }
    ).dropna(subset=["ratio"])

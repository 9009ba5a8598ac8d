"""What people read of the cohort figures: the cohort heatmap (every cell with its number
where it fits) and the cohort curves with the weighted average. Used by the Cohorts page and
the PDF."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analytics.output import present
from analytics.output.charts import WIDTH, finish

SHARE_METRICS = {"retention", "rolling", "net_revenue_retention"}
CHAR_WIDTH = 0.62  # a digit or % at font size f is about 0.62 f px wide (Helvetica, Arial)
MIN_CELL_FONT = 7  # below this, cell labels are left out: the colour and tooltip remain


def text_px(text: str, size: float) -> float:
    """Approximate width in px of ``text`` at font ``size``."""
    return CHAR_WIDTH * size * len(text)


def cell_font(cell_width: float, cell_height: float, labels, largest: float = 11) -> float:
    """The largest font (at most ``largest``) at which every label fits inside its cell
    with 2 px either side; 0 when even the smallest readable font would not fit."""
    longest = max((len(str(label)) for label in labels), default=0)
    if longest == 0:
        return 0.0
    size = min(largest, (cell_width - 4) / (CHAR_WIDTH * longest), 0.8 * cell_height)
    return float(size) if size >= MIN_CELL_FONT else 0.0


def plot_width(row_labels, width: int = WIDTH) -> float:
    """The plot's width once the y axis labels (12 px) and title have taken their room."""
    longest = max((len(str(label)) for label in row_labels), default=0)
    return width - text_px("x" * longest, 12) - 30


def cohort_heatmap(
    table, title: str, subtitle: str, max_labelled_cells: int = 400, currency: str | None = None
) -> alt.Chart:
    """Cohorts (rows, with their size) by period k (columns); blank where k is incomplete."""
    values = table.values
    # Small cohorts are marked: one of their customers moves a share by several points.
    rows = [
        f"{name}  ·  {size:,}" + ("  (small)" if small else "")
        for (name, size), small in zip(table.size.items(), table.small, strict=True)
    ]
    data = values.set_axis(rows).rename_axis("cohort").stack(future_stack=True)
    data = data.rename("value").reset_index()
    share = table.metric in SHARE_METRICS
    data["label"] = [
        "" if pd.isna(v) else (f"{v:.0%}" if share else f"{v:,.0f}") for v in data["value"]
    ]
    later = values.iloc[:, 1:] if values.shape[1] > 1 else values
    top = float(np.nanmax(later.to_numpy())) if np.isfinite(later.to_numpy()).any() else 1.0
    scale = alt.Scale(scheme="blues", domain=[0, top if top > 0 else 1], clamp=True)
    fmt = ".0%" if share else ",.0f"
    # The shades follow the later periods: the first one (100% of a cohort) is off the scale.
    shade = f"Shade from {table.period} 1" if values.shape[1] > 1 else None
    base = alt.Chart(data).encode(
        x=alt.X(
            "k:O",
            title=f"{table.period.capitalize()}s since first order",
            axis=alt.Axis(labelAngle=0),
        ),
        y=alt.Y("cohort:N", sort=rows, title="Cohort  ·  customers"),
    )
    heat = base.mark_rect().encode(
        color=alt.Color(
            "value:Q",
            scale=scale,
            title=currency if table.metric in MONEY_METRICS else shade,
            legend=alt.Legend(format=fmt, labelOverlap="greedy"),
        ),
        tooltip=["cohort", "k", alt.Tooltip("value:Q", format=fmt)],
    )
    chart = heat
    height = max(160, min(22 * len(rows), 900))
    size = cell_font(
        plot_width(rows) / max(values.shape[1], 1), height / max(len(rows), 1), data["label"]
    )
    if values.size <= max_labelled_cells and size:
        # Numbers where the cells are wide enough for them (not on a phone's ~230 px plot).
        longest = int(data["label"].str.len().max()) if len(data) else 0
        needed = values.shape[1] * (CHAR_WIDTH * size * longest + 4)
        text = base.mark_text(
            fontSize=size, opacity=alt.expr(f"width < {needed:.0f} ? 0 : 1")
        ).encode(
            text="label:N",
            color=alt.condition(
                f"datum.value > {top * 0.6}", alt.value("white"), alt.value("#222")
            ),
        )
        chart = heat + text
    return finish(chart, title, subtitle, height=height)


def cohort_lines(
    table, chosen: list[str], title: str, subtitle: str, currency: str | None = None
) -> alt.Chart:
    """Chosen cohorts as lines over k, and the weighted average as a thick dark line."""
    values = table.values.loc[[c for c in chosen if c in table.values.index]]
    # Small cohorts are marked in the legend, as in the heat map's rows.
    values = values.rename(index=lambda c: f"{c} (small)" if table.small.get(c, False) else c)
    # Blank cells dropped (pandas keeps them when stacking): the x axis ends where a line does.
    data = values.rename_axis("cohort").stack().dropna().rename("value").reset_index()
    average = (
        pd.concat([table.average.rename("value"), table.support], axis=1)
        .dropna(subset=["value"])
        .reset_index()
        .assign(cohort=AVERAGE)
    )
    names = [str(c) for c in values.index]
    palette = [COHORT_COLOURS[i % len(COHORT_COLOURS)] for i in range(len(names))]
    colour = alt.Color(  # the average in the legend too, in its own dark colour
        "cohort:N",
        title="Cohort",
        scale=alt.Scale(domain=[*names, AVERAGE], range=[*palette, "#222"]),
    )
    share = table.metric in SHARE_METRICS
    y_title = METRIC_TITLES.get(table.metric, table.metric)
    y = alt.Y(
        "value:Q",
        title=present.money_title(y_title, currency) if table.metric in MONEY_METRICS else y_title,
        axis=alt.Axis(format=".0%" if share else ",.0f"),
    )
    x = alt.X(
        "k:Q", title=f"{table.period.capitalize()}s since first order", axis=alt.Axis(tickMinStep=1)
    )
    lines = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=1.5, opacity=0.8)
        .encode(x=x, y=y, color=colour, tooltip=["cohort", "k", "value"])
    )
    avg = (
        alt.Chart(average)
        .mark_line(strokeWidth=3.5)
        .encode(
            x=x,
            y=y,
            color=colour,
            tooltip=[
                "k",
                alt.Tooltip("value:Q", title="weighted average", format=".3~f"),
                alt.Tooltip("cohorts:Q", title="cohorts behind it"),
                alt.Tooltip("customers:Q", title="customers behind it", format=","),
            ],
        )
    )
    return finish(lines + avg, title, subtitle)


AVERAGE = "Weighted average"
COHORT_COLOURS = [  # Vega's tableau10, as the cohorts had before the average joined the legend
    "#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b",
    "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac",
]  # fmt: skip
METRIC_TITLES = {
    "retention": "Share who ordered",
    "rolling": "Share who ordered then or later",
    "revenue": "Revenue",
    "cumulative_revenue_per_customer": "Revenue per customer so far",
    "net_revenue_retention": "Revenue vs the first period",
}
MONEY_METRICS = {"revenue", "cumulative_revenue_per_customer"}

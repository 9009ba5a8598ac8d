"""Altair chart builders: DataFrame in, titled chart out, one palette for the stages.

Every chart carries a title (the subject) and a subtitle (data and settings), so a
screenshot pasted into a slide explains itself. Charts get aggregated data only.
"""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd

from analytics.insights.lifecycle import STAGES
from analytics.output import present

# Altair checks every chart part against the Vega-Lite schema as it is made, about 40% of the
# time a page spends building its charts on each rerun (a slider step redraws them all). The
# charts are built by this module only and tests/test_charts.py validates each one.
alt.utils.schemapi.DEBUG_MODE = False

STAGE_COLORS = {
    "Prospect": "#aab4c3",
    "New": "#7fb8ea",
    "Active": "#2f6db5",
    "Loyal": "#1b8a5a",
    "At risk": "#f0a202",
    "Inactive": "#c8553d",
    "Reactivated": "#8e5bb5",
}
# Churn risk bands, coloured as their stages read: low like Loyal, medium like At risk,
# high like Inactive.
RISK_COLORS = {
    "low": STAGE_COLORS["Loyal"],
    "medium": STAGE_COLORS["At risk"],
    "high": STAGE_COLORS["Inactive"],
}
ACCENT = "#2f6db5"
PNG_PADDING = 16  # pixels around a downloaded chart, so no title touches the edge
WIDTH = 720
SUBTITLE_CHARACTERS = 105  # at 12 px, about the chart's width


def png(chart: alt.Chart, scale: float = 2) -> bytes:
    """A chart as PNG bytes (vl-convert, loaded on the first PNG; no browser needed)."""
    import vl_convert

    drawn = written_out(spec(chart))  # a title longer than the chart wraps to fit it
    drawn["padding"] = PNG_PADDING
    return vl_convert.vegalite_to_png(drawn, scale=scale)


def spec(chart: alt.Chart) -> dict:
    """The Vega-Lite spec with its data inline (charts get aggregated data, but a weekly
    cohort grid can pass Altair's 5,000-row guard)."""
    with alt.data_transformers.disable_max_rows():
        return chart.to_dict(validate=False)  # built by our own code: checked by the tests


def stage_scale(stages: list[str] | None = None) -> alt.Scale:
    names = stages or STAGES
    return alt.Scale(domain=names, range=[STAGE_COLORS[s] for s in names])


def wrap(text: str, width: int = SUBTITLE_CHARACTERS) -> list[str]:
    """Split a " · "-separated subtitle into lines that fit the chart's width."""
    lines: list[str] = []
    for part in text.split(" · "):
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return lines


NARROW_LETTERS = {"text": 24, "subtitle": 50}  # per line on a phone's ~330 px chart
# A plot narrower than this (Vega's ``width`` signal) draws short labels: a phone's is ~230 px.
NARROW_PLOT = 230
NARROW = "width < 460"
LETTER = 0.55  # a letter at font size f is about 0.55 f px wide (Helvetica, Arial)


def _words(lines: list[str], width: int) -> list[str]:
    """Lines cut between words to at most ``width`` letters (a longer word stays whole)."""
    out: list[str] = []
    for line in lines:
        for part in wrap(line, width):
            words = part.split(" ")
            out.append(words[0])
            for word in words[1:]:
                if len(out[-1]) + 1 + len(word) <= width:
                    out[-1] += " " + word
                else:
                    out.append(word)
    return out


# Chart widths (px) at which a title too long for the chart is wrapped anew: a half-width
# column or a laptop's narrower window gets lines that fill it, a phone (below the last)
# the :data:`NARROW_LETTERS` lines.
TIERS = (800, 600, 450)


def responsive(drawn: dict) -> dict:
    """A chart's spec whose title and subtitle wrap where the chart is narrower than they are
    long (a phone would cut them): Vega picks the lines by the chart's width as it draws,
    the widest that fit. The downloaded PNG and the PDF (:func:`png`) have one width: their
    lines are written out (:func:`written_out`)."""
    title = drawn.get("title")
    if not isinstance(title, dict) or "width" not in drawn:
        return drawn
    parts = _title_parts(title)
    needed = max(_length(lines, size) for size, lines in parts.values())
    out = dict(title)
    for part, (size, lines) in parts.items():
        # From the narrowest up: a phone's lines, then each tier's, then the wide lines.
        choice = json.dumps(_words(lines, NARROW_LETTERS[part]), ensure_ascii=False)
        for tier in sorted(t for t in TIERS if t < needed):
            fit = _words(lines, int(tier / (size * LETTER)))
            choice = f"(width < {tier} ? {choice} : {json.dumps(fit, ensure_ascii=False)})"
        wide = json.dumps(title.get(part, _NO_TITLE[part]), ensure_ascii=False)
        choice = f"width < {needed:.0f} ? {choice} : {wide}"
        out[part] = {"expr": choice}
    return {**drawn, "title": out}


_NO_TITLE = {"text": "", "subtitle": []}  # a part the title does not give


def _title_parts(title: dict) -> dict[str, tuple[float, list[str]]]:
    """Per part of a chart's title (text, subtitle): its font size and its lines."""
    sizes = {"text": title.get("fontSize", 18), "subtitle": title.get("subtitleFontSize", 12)}
    out = {}
    for part, size in sizes.items():
        text = title.get(part, _NO_TITLE[part])
        out[part] = (size, [text] if isinstance(text, str) else list(text))
    return out


def _length(lines: list[str], size: float) -> float:
    """Pixels the longest of ``lines`` takes at font size ``size``."""
    return max((len(x) for x in lines), default=0) * size * LETTER


# Pixels left of the plot in a picture: the y axis' labels and title (the plot's width is
# what the page's lines are cut to, :func:`responsive`).
AXIS_ROOM = 90


def written_out(drawn: dict) -> dict:
    """A chart's spec whose title and subtitle are cut into the lines that fit its plot, as
    plain lines: a picture has one width. (Vega lays out a title given as an expression as
    one line, so the first of its lines was cut off the top of a PNG.)"""
    title = drawn.get("title")
    if not isinstance(title, dict) or "width" not in drawn:
        return drawn
    plot = drawn["width"] - AXIS_ROOM
    out = dict(title)
    for part, (size, lines) in _title_parts(title).items():
        if _length(lines, size) > plot:
            out[part] = _words(lines, int(plot / (size * LETTER)))
    return {**drawn, "title": out}


def finish(chart: alt.Chart, title: str, subtitle: str | list[str], height: int = 320) -> alt.Chart:
    """Title, subtitle and the slide-friendly look shared by every chart."""
    if isinstance(subtitle, str):
        subtitle = wrap(subtitle)
    return (
        chart.properties(
            title=alt.TitleParams(
                title,
                subtitle=subtitle,
                anchor="start",
                fontSize=18,
                subtitleFontSize=12,
                subtitleColor="#555",
                offset=12,
            ),
            width=WIDTH,
            height=height,
            # Fit the width only: the plot keeps its height below the title and axes
            # (a chart that must fit both squeezes small bar charts flat).
            autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
        )
        # Labels that would overlap are thinned out: every other one, then every fourth...
        # (parity keeps them evenly spaced, as people read a time axis).
        .configure_axis(
            labelFontSize=12,
            titleFontSize=13,
            grid=False,
            labelOverlap="parity",
            labelSeparation=6,
        )
        # An axis title longer than its axis ends in "…" (on a phone it would push the
        # whole chart off the left edge).
        .configure_axisX(titleLimit=alt.expr("width"))
        .configure_axisY(titleLimit=alt.expr("height"))
        # A long legend wraps to three entries a line on a narrow screen.
        .configure_legend(
            labelFontSize=12,
            titleFontSize=12,
            orient="bottom",
            columns=alt.expr(f"{NARROW} ? 3 : 0"),
        )
        .configure_view(stroke=None)
    )


def stage_bars(mix: pd.DataFrame, title: str, subtitle: str, height_per_row: int = 40) -> alt.Chart:
    """Customers per stage, in lifecycle order, labelled with count and share (of the
    customers who have ordered, as the subtitle says; prospects have a count only)."""
    data = mix.reset_index().dropna(subset=["customers"])
    data["label"] = [
        f"{int(c):,}" if pd.isna(s) else f"{int(c):,} ({s:.0%})"
        for c, s in zip(data["customers"], data["share"], strict=False)
    ]
    order = [s for s in STAGES if s in set(data["stage"])]
    tooltip = [
        "stage",
        alt.Tooltip("customers:Q", format=","),
        alt.Tooltip("share:Q", format=".1%"),
    ]
    colour = alt.Color("stage:N", scale=stage_scale(order), legend=None)
    return labelled_bars(
        data, "stage", "customers", "Customers", colour, tooltip, height_per_row, title, subtitle
    )


def labelled_bars(
    data: pd.DataFrame,
    y: str,
    x: str,
    x_title: str | None,
    colour,
    tooltip: list,
    row_height: int,
    title: str,
    subtitle: str,
    x_format: str | None = None,
) -> alt.Chart:
    """Horizontal bars in the data's row order, each labelled with its ``label`` column (its
    ``short`` column, when there is one, on a narrow screen such as a phone's)."""
    if "short" not in data:
        data = data.assign(short=data["label"])
    low = min(0.0, float(data[x].min())) if len(data) else 0.0
    wide_top = _room(data[x], data["label"], WIDTH - 140)  # less the category labels
    narrow_top = _room(data[x], data["short"], NARROW_PLOT)
    base = alt.Chart(data).encode(
        y=alt.Y(f"{y}:N", sort=list(data[y]), title=None, axis=alt.Axis(labelFontSize=13)),
        x=alt.X(
            f"{x}:Q",
            title=x_title,
            axis=alt.Axis(
                format=x_format or alt.Undefined, tickCount=6, tickMinStep=_whole_step(data[x])
            ),
            scale=alt.Scale(domain=alt.expr(f"[{low}, {NARROW} ? {narrow_top} : {wide_top}]")),
        ),
    )
    bars = base.mark_bar(cornerRadiusEnd=3).encode(color=colour, tooltip=tooltip)
    text = (
        base.transform_calculate(shown=f"{NARROW} ? datum.short : datum.label")
        .mark_text(align="left", dx=4, fontSize=12)
        .encode(text=alt.Text("shown:N"))
    )
    return finish(bars + text, title, subtitle, height=max(120, row_height * len(data)))


def _whole_step(values: pd.Series):
    """Ticks a whole unit apart at least, for whole numbers (counts): a small shop's axis
    never shows 0.5 customer."""
    whole = len(values) and bool((values.dropna() % 1 == 0).all())
    return 1 if whole else alt.Undefined


def _room(values: pd.Series, labels: pd.Series, plot: float) -> float:
    """The top of the value axis that leaves room right of each bar for its label (about
    6.5 px a letter at 12 px, at most 60% of the plot)."""
    label_px = np.minimum(6.5 * labels.str.len().to_numpy() + 10, 0.6 * plot)
    needed = values.to_numpy(dtype="float64") * plot / (plot - label_px)
    return float(needed.max()) if len(values) and needed.max() > 0 else 1.0


def evolution_area(evo: pd.DataFrame, title: str, subtitle: str, height: int = 320) -> alt.Chart:
    """Stacked areas of stage counts over time."""
    order = [s for s in STAGES if s in set(evo["stage"])]
    data = evo.assign(order=evo["stage"].map({s: i for i, s in enumerate(order)}))
    chart = (
        alt.Chart(data)
        .mark_area(opacity=0.9)
        .encode(
            x=alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0)),
            y=alt.Y("customers:Q", stack="zero", title="Customers"),
            color=alt.Color("stage:N", scale=stage_scale(order), sort=order, title="Stage"),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("date:T", format="%d %b %Y"),
                "stage",
                alt.Tooltip("customers:Q", format=","),
            ],
        )
    )
    return finish(chart, title, subtitle, height=height)


def funnel_bars(funnel: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    data = funnel.copy()
    data["label"] = [
        f"{c:,}"
        + (f" · {r:.0%} of previous" if pd.notna(r) else "")
        + (f" · {d:.0f} days median" if pd.notna(d) else "")
        for c, r, d in zip(
            data["customers"],
            data["conversion_from_previous"],
            data["median_days_from_previous"],
            strict=False,
        )
    ]
    tooltip = ["step", alt.Tooltip("customers:Q", format=",")]
    colour = alt.value(ACCENT)
    return labelled_bars(
        data, "step", "customers", "Customers", colour, tooltip, 45, title, subtitle
    )


def transition_heatmap(
    counts: pd.DataFrame, shares: pd.DataFrame, title: str, subtitle: str
) -> alt.Chart:
    data = counts.stack().rename("customers").reset_index()
    data["share"] = (
        shares.stack().reindex(pd.MultiIndex.from_frame(data[["from", "to"]])).to_numpy()
    )
    data["label"] = [
        f"{s:.0%}" if pd.notna(s) and c else ""
        for c, s in zip(data["customers"], data["share"], strict=False)
    ]
    rows, cols = list(counts.index), list(counts.columns)
    base = alt.Chart(data).encode(
        x=alt.X(
            "to:N",
            sort=cols,
            title="Stage at the second date",
            axis=alt.Axis(labelAngle=0, orient="top"),
        ),
        y=alt.Y("from:N", sort=rows, title="Stage at the first date"),
    )
    heat = base.mark_rect().encode(
        color=alt.Color(
            "share:Q",
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            title="Share of row",
            legend=alt.Legend(format="%", labelOverlap="greedy"),
        ),
        tooltip=[
            "from",
            "to",
            alt.Tooltip("customers:Q", format=","),
            alt.Tooltip("share:Q", format=".1%"),
        ],
    )
    text = base.mark_text(fontSize=12).encode(
        text="label:N",
        color=alt.condition("datum.share > 0.55", alt.value("white"), alt.value("#222")),
    )
    return finish(heat + text, title, subtitle, height=42 * len(rows))


def sensitivity_line(
    curve: pd.DataFrame, window: int, suggested: float, percentile: float, title: str, subtitle: str
) -> alt.Chart:
    line = (
        alt.Chart(curve)
        .mark_line(color=ACCENT, strokeWidth=2.5)
        .encode(
            x=alt.X("window_days:Q", title="Inactivity window (days)"),
            y=alt.Y(
                "share_inactive:Q",
                title="Inactive, share of customers who have ordered",
                axis=alt.Axis(format="%"),
            ),
            tooltip=["window_days", alt.Tooltip("share_inactive:Q", format=".1%")],
        )
    )
    labels = [f"Current window ({window} days)", f"Covers {percentile:g}% of repeat gaps"]
    marks = pd.DataFrame({"window_days": [window, suggested], "what": labels}).dropna()
    scale = alt.Scale(domain=labels, range=["#333", STAGE_COLORS["At risk"]])
    rules = (
        alt.Chart(marks)
        .mark_rule(strokeDash=[5, 3], strokeWidth=2)
        .encode(x="window_days:Q", color=alt.Color("what:N", scale=scale, title=None))
    )
    return finish(line + rules, title, subtitle)


def histogram(
    values: np.ndarray, x_title: str, title: str, subtitle: str, bins: int = 40
) -> alt.Chart:
    """A histogram computed here (the chart gets the bins, never the raw values)."""
    values = np.asarray(values, dtype="float64")
    values = values[np.isfinite(values)]
    if len(values):
        top = np.percentile(values, 99)
        counts, edges = np.histogram(np.clip(values, None, top), bins=bins)
    else:
        counts, edges = np.zeros(0, dtype=int), np.zeros(1)
    data = pd.DataFrame({"start": edges[:-1], "end": edges[1:], "count": counts})
    chart = (
        alt.Chart(data)
        .mark_bar(color=ACCENT)
        .encode(
            x=alt.X("start:Q", bin="binned", title=f"{x_title} (last bar includes the top 1%)"),
            x2="end:Q",
            y=alt.Y("count:Q", title="Count", axis=alt.Axis(tickMinStep=1)),
            tooltip=[
                alt.Tooltip("start:Q", format=".0f"),
                alt.Tooltip("end:Q", format=".0f"),
                "count",
            ],
        )
    )
    return finish(chart, title, subtitle, height=260)


def segment_map(grid: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """The RFM grid: recency score (rows) by frequency-monetary score (columns).

    Each cell names its segment and shows its customers and share of revenue; the shade is
    the share of customers.
    """
    data = grid.copy()
    data["line1"] = data["segment"]
    data["line2"] = [  # a segment with some revenue never reads "0%"
        f"{c:,} · {present.some_share(r)} of revenue"
        for c, r in zip(data["customers"], data["share_revenue"], strict=False)
    ]
    top = max(float(data["share_customers"].max()), 0.01)
    base = alt.Chart(data).encode(
        x=alt.X("FM:O", title="Frequency + monetary score (FM)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("R:O", sort="descending", title="Recency score (R)"),
    )
    heat = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "share_customers:Q",
            scale=alt.Scale(scheme="blues", domain=[0, top]),
            title="Share of customers",
            legend=alt.Legend(format=".0%", labelOverlap="greedy"),
        ),
        tooltip=[
            "segment",
            "R",
            "FM",
            alt.Tooltip("customers:Q", format=","),
            alt.Tooltip("share_customers:Q", format=".1%"),
            alt.Tooltip("share_revenue:Q", format=".1%"),
        ],
    )
    ink = alt.condition(
        f"datum.share_customers > {top * 0.6}", alt.value("white"), alt.value("#222")
    )
    # On a narrow screen a cell holds its count only; the bars below name every segment.
    wide, narrow = alt.expr(f"{NARROW} ? 0 : 1"), alt.expr(f"{NARROW} ? 1 : 0")
    name = base.mark_text(dy=-8, fontSize=12, fontWeight="bold", opacity=wide).encode(
        text="line1:N", color=ink
    )
    facts = base.mark_text(dy=9, fontSize=11, opacity=wide).encode(text="line2:N", color=ink)
    count = base.mark_text(fontSize=12, opacity=narrow).encode(
        text=alt.Text("customers:Q", format=","), color=ink
    )
    return finish(heat + name + facts + count, title, subtitle, height=380)


def segment_bars(sizes: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Customers per RFM segment, labelled with their share of customers and revenue."""
    data = sizes.reset_index()
    data["label"] = [
        f"{c:,} · {present.some_share(sc)} of customers · {present.some_share(sr)} of revenue"
        for c, sc, sr in zip(
            data["customers"], data["share_customers"], data["share_revenue"], strict=False
        )
    ]
    data["short"] = [
        f"{c:,} · {present.some_share(sr)} of revenue"
        for c, sr in zip(data["customers"], data["share_revenue"], strict=False)
    ]
    tooltip = [
        "segment",
        alt.Tooltip("customers:Q", format=","),
        alt.Tooltip("share_revenue:Q", format=".1%"),
    ]
    colour = alt.value(ACCENT)
    return labelled_bars(
        data, "segment", "customers", "Customers", colour, tooltip, 30, title, subtitle
    )


def value_bars(
    data: pd.DataFrame,
    category: str,
    value: str,
    title: str,
    subtitle: str,
    fmt: str = ",.0f",
    currency: str | None = None,
    labels: list[str] | None = None,
) -> alt.Chart:
    """One bar per category (lifecycle stages keep their colours), labelled with the value
    (money in ``currency`` when given, or the caller's ``labels``, one per row)."""
    data = data.reset_index()
    if labels is not None:
        data["label"] = labels
    elif currency is not None:
        data["label"] = [present.money(v, currency) for v in data[value]]
    else:
        data["label"] = [format(v, fmt) if pd.notna(v) else "" for v in data[value]]
    data = data[[category, value, "label"]].dropna(subset=[value])
    order = list(data[category])
    if set(order) <= set(STAGES):
        colour = alt.Color(f"{category}:N", scale=stage_scale(order), legend=None)
    elif set(order) <= set(RISK_COLORS):
        risks = alt.Scale(domain=order, range=[RISK_COLORS[r] for r in order])
        colour = alt.Color(f"{category}:N", scale=risks, legend=None)
    else:
        colour = alt.ColorValue(ACCENT)
    # Channel objects rather than shorthand or dicts: Altair then skips a schema lookup per
    # channel (about a quarter of building these charts on each rerun), the same spec.
    tooltip = [
        alt.Tooltip(category),
        alt.Tooltip("label:N", title=present.money_title(value, currency)),
    ]
    x_title = currency or None  # the title says what; the axis says in which currency
    return labelled_bars(data, category, value, x_title, colour, tooltip, 32, title, subtitle, fmt)


def range_points(
    data: pd.DataFrame,
    label: str,
    value: str,
    low: str,
    high: str,
    x_title: str,
    title: str,
    subtitle: str,
    note: str | None = None,
) -> alt.Chart:
    """One row per item (in the given order): its value as a dot and its 80% range as a
    bar from ``low`` to ``high``; ``note``, a text column, joins the tooltip."""
    data = data[[label, value, low, high] + ([note] if note else [])].reset_index(drop=True)
    y = alt.Y(f"{label}:N", sort=list(data[label]), title=None)
    tooltip = [alt.Tooltip(label)]  # channel objects: see value_bars
    tooltip += [alt.Tooltip(f"{c}:Q", format=",.0f") for c in (value, low, high)]
    tooltip += [alt.Tooltip(f"{note}:N", title="Why one figure")] if note else []
    bars = (
        alt.Chart(data)
        .mark_rule(strokeWidth=6, color="#9dbbe0")
        .encode(x=alt.X(f"{low}:Q", title=x_title), x2=alt.X2(high), y=y, tooltip=tooltip)
    )
    dots = (
        alt.Chart(data)
        .mark_point(filled=True, size=70, color="#1f3b63")
        .encode(x=alt.X(f"{value}:Q"), y=y, tooltip=tooltip)
    )
    return finish(alt.layer(bars, dots), title, subtitle, height=max(160, 22 * len(data)))


def predicted_vs_actual(
    data: pd.DataFrame,
    x: str,
    x_title: str,
    y_title: str,
    title: str,
    subtitle: str,
    kind: str = "bar",
) -> alt.Chart:
    """Predicted and actual side by side per ``x`` (columns ``predicted`` and ``actual``)."""
    long = data.reset_index().melt(
        id_vars=[x], value_vars=["predicted", "actual"], var_name="series", value_name="value"
    )
    colour = alt.Color(
        "series:N",
        scale=alt.Scale(domain=["predicted", "actual"], range=["#9dbbe0", "#1f3b63"]),
        title=None,
    )
    encode = {
        "x": alt.X(f"{x}:O", title=x_title, axis=alt.Axis(labelAngle=0)),
        "y": alt.Y("value:Q", title=y_title),
        "color": colour,
        "tooltip": [x, "series", alt.Tooltip("value:Q", format=",.2f")],
    }
    if kind == "bar":
        chart = alt.Chart(long).mark_bar().encode(xOffset="series:N", **encode)
    else:
        chart = alt.Chart(long).mark_line(point=True, strokeWidth=2.5).encode(**encode)
    return finish(chart, title, subtitle, height=280)


def calibration_lines(data: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Predicted vs observed share per model, with the diagonal of perfect calibration."""
    diagonal = (
        alt.Chart(pd.DataFrame({"p": [0.0, 1.0]}))
        .mark_line(color="#999", strokeDash=[4, 4])
        .encode(x="p:Q", y="p:Q")
    )
    lines = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X("predicted:Q", title="Predicted chance to order", axis=alt.Axis(format="%")),
            y=alt.Y("observed:Q", title="Share who really ordered", axis=alt.Axis(format="%")),
            color=alt.Color("model:N", title=None),
            tooltip=["model", alt.Tooltip("predicted:Q", format=".1%"), "observed"],
        )
    )
    return finish(diagonal + lines, title, subtitle, height=300)


def mean_heatmap(
    data: pd.DataFrame,
    x: str,
    y: str,
    value: str,
    title: str,
    subtitle: str,
    x_title: str | None = None,
    y_title: str | None = None,
) -> alt.Chart:
    """Mean of ``value`` per (x, y) cell, already aggregated by the caller."""
    x_order = (
        list(data[x].cat.categories)
        if isinstance(data[x].dtype, pd.CategoricalDtype)
        else "ascending"
    )
    data = data.assign(**{x: data[x].astype(str)}) if x_order != "ascending" else data
    chart = (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X(
                f"{x}:O",
                sort=x_order,
                title=x_title or x.replace("_", " ").capitalize(),
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y(f"{y}:O", title=y_title or y.replace("_", " ").capitalize(), sort="descending"),
            color=alt.Color(
                f"{value}:Q",
                scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]),
                title="Chance still a customer",
                legend=alt.Legend(format="%", labelOverlap="greedy"),
            ),
            tooltip=[x, y, alt.Tooltip(f"{value}:Q", format=".0%"), "customers"],
        )
    )
    return finish(chart, title, subtitle, height=300)


def lift_lines(daily: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Both campaign groups' cumulative conversion by day (treatment in the accent colour)."""
    scale = alt.Scale(domain=["treatment", "control"], range=[ACCENT, "#888888"])
    chart = (
        alt.Chart(daily)
        .mark_line(strokeWidth=2.5, interpolate="step-after")
        .encode(
            x=alt.X("day:T", title=None, axis=alt.Axis(format="%d %b", tickCount=8)),
            y=alt.Y("conversion:Q", title="Share who have ordered", axis=alt.Axis(format="%")),
            color=alt.Color("group:N", scale=scale, title="Group"),
            tooltip=[
                alt.Tooltip("day:T", format="%d %b %Y"),
                "group",
                alt.Tooltip("conversion:Q", format=".1%"),
            ],
        )
    )
    return finish(chart, title, subtitle)

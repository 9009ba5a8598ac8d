"""The management report: one PDF (fpdf2) with KPIs, charts and definitions.

Used by the app's "Download PDF report" button and by ``python -m analytics report``.
Charts are the app's own Altair charts, rendered to PNG by vl-convert (no browser).
A part that cannot be computed (no contacts, too little history for CLV) is replaced by
one line saying why, never by an empty or broken page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from analytics import backtest, clv, cohorts, lifecycle, rfm
from analytics.customers import summarise
from analytics.errors import LensError
from analytics.lifecycle import LifecycleIndex

COHORT_ROWS = 12


@dataclass(frozen=True)
class ReportSettings:
    name: str
    ref_date: pd.Timestamp
    window: int
    at_risk_factor: float
    model: str = clv.DEFAULT_MODEL
    horizon_months: int = 12

    def caption(self) -> str:
        return (
            f"{self.name} - reference date {self.ref_date:%d %b %Y} - inactivity window "
            f"{self.window} days - at-risk factor {self.at_risk_factor:g}"
        )


def kpis(snap: lifecycle.Snapshot, facts: pd.DataFrame, value: dict | None) -> dict:
    """The cover's figures at the reference date (``facts``: :func:`rfm.customer_facts`;
    ``value``: :func:`value_part`'s figures, None when no model could be fitted)."""
    shares = lifecycle.share_of_buyers(lifecycle.stage_counts(snap))
    customers = int((snap.n > 0).sum())
    revenue = float(facts["revenue"].sum())
    base = f"of the {customers:,} {lifecycle.SHARE_BASE}"
    if value is None:
        clv_tile = ("n/a", "no model could be fitted")
    elif value["cannot_tell"]:
        # Never alone: the figure carries the warning that the model cannot tell drop-out.
        clv_tile = (f"{value['total']:,.0f}*", "*model sees almost no one leave: see Value")
    else:
        clv_tile = (
            f"{value['total']:,.0f}",
            f"80% range {value['low']:,.0f} to {value['high']:,.0f}",
        )
    return {
        "Customers who have ordered": (f"{customers:,}", "by the reference date"),
        "Revenue to date": (f"{revenue:,.0f}", "their kept orders, refunds netted"),
        "Repeat rate": (f"{(snap.n >= 2).sum() / max(customers, 1):.0%}", base),
        "Loyal": (f"{shares['Loyal']:.0%}", base),
        "Inactive": (f"{shares['Inactive']:.0%}", base),
        "Predicted CLV": clv_tile,
    }


def value_part(index: LifecycleIndex, s: ReportSettings) -> tuple[dict | None, list[str]]:
    """Total CLV with its 80% range, and the lines that summarise the model, its warnings
    (the first says when drop-out cannot be told) and its backtest."""
    try:
        summary = summarise(index.base, s.ref_date)
        fitted = clv.fit(summary, s.model)
        fc = clv.forecast(fitted, summary, s.horizon_months)
        values = clv.clv(fc, s.horizon_months)
        low, high = clv.total_interval(fitted, fc, values)
    except LensError as exc:
        return None, [f"Customer value is not shown: {exc}"]
    total = float(values.sum())
    value = {"total": total, "low": low, "high": high, "cannot_tell": fitted.cannot_tell_dropout}
    lines = list(fitted.warnings[:1]) if fitted.cannot_tell_dropout else []
    lines.append(
        f"Predicted CLV over {s.horizon_months} months of 30 days ({fitted.name} for "
        f"purchases, {fitted.spend.method} for spend, 1%/month discount, revenue basis): "
        f"{total:,.0f} for {len(summary):,} customers (80% range {low:,.0f} to {high:,.0f}); "
        f"median per customer {np.median(values):,.0f}; average chance still a customer "
        f"{fc.table['p_alive'].mean():.0%}. {fitted.reason}"
    )
    lines += list(fitted.warnings[1:] if fitted.cannot_tell_dropout else fitted.warnings)
    try:
        result = backtest.run(index.base, s.model)
        lines.append(f"Backtest: {result.sentence()}")
    except LensError as exc:
        lines.append(f"The backtest could not be run, so the figures above are unchecked: {exc}")
    return value, lines


def build(index: LifecycleIndex, s: ReportSettings, lift=None) -> bytes:
    """The whole report as PDF bytes; with ``lift`` (a :class:`analytics.campaign.Lift`,
    the campaign result open in the app), a page of campaign results before the
    definitions."""
    from analytics import charts  # Altair, fpdf2 and vl-convert load only for a report
    from analytics.pdf import Pdf, tiles

    base = index.base
    snap = lifecycle.snapshot(index, s.ref_date, s.window, s.at_risk_factor)
    facts = rfm.customer_facts(index, snap)  # recency, orders, revenue: KPIs and RFM
    value, value_lines = value_part(index, s)
    pdf = Pdf(f"Lifecycle Lens - {s.name} - {s.ref_date:%d %b %Y}")
    pdf.alias_nb_pages()
    caption = s.caption()

    pdf.add_page()
    pdf.set_font("helvetica", "B", 24)
    pdf.cell(0, 14, "Customer lifecycle report", new_x="LMARGIN", new_y="NEXT")
    pdf.line_of_text(
        f"Data: {s.name}, orders {base.data_start:%d %b %Y} to {base.data_end:%d %b %Y}. "
        f"Reference date {s.ref_date:%d %b %Y}; inactivity window {s.window} days; at-risk "
        f"factor {s.at_risk_factor:g}. Report made on {date.today():%d %b %Y}.",
        size=11,
    )
    pdf.ln(3)
    tiles(pdf, kpis(snap, facts, value))
    if snap.prospects is None:
        pdf.line_of_text("Prospects are not counted: no contacts file was loaded.", size=9)
    mix = lifecycle.stage_mix(index, snap, s.window)
    buyers = int((snap.n > 0).sum())
    pdf.chart(
        charts.stage_bars(
            mix,
            f"Lifecycle stages on {s.ref_date:%d %b %Y}",
            f"{caption} · shares of the {buyers:,} {lifecycle.SHARE_BASE}",
        )
    )

    pdf.add_page()
    pdf.heading("How the stage mix moves")
    evo = lifecycle.evolution(index, s.window, s.at_risk_factor)
    pdf.chart(charts.evolution_area(evo, "Stage mix at the end of each month", caption))
    pdf.chart(
        charts.funnel_bars(
            lifecycle.funnel(index, snap), "Purchase funnel: how many come back", caption
        )
    )
    for sentence in lifecycle.funnel_sentences(lifecycle.funnel(index, snap)):
        pdf.line_of_text(sentence, size=9)

    pdf.add_page()
    pdf.heading("Who comes back: cohort retention")
    table = cohorts.cohort_table(base, "month", "retention")
    recent = _last_cohorts(table, COHORT_ROWS)
    pdf.chart(
        charts.cohort_heatmap(
            recent,
            f"Share of each monthly cohort ordering k months later (last {COHORT_ROWS} cohorts)",
            f"{s.name} - data to {base.data_end:%d %b %Y}; blank = month not over yet",
        )
    )
    pdf.heading("Customer value")
    for line in value_lines:
        pdf.line_of_text(line, size=10)

    pdf.add_page()
    pdf.heading("RFM segments and hero customers")
    scores = rfm.score(facts)
    sizes = rfm.segment_sizes(scores, facts["revenue"])
    pdf.chart(charts.segment_bars(sizes, "Customers and revenue per RFM segment", caption))
    heroes = rfm.hero_summary(
        facts["revenue"].to_numpy(), rfm.hero_mask(facts["revenue"].to_numpy())
    )
    if heroes["heroes"]:
        pdf.line_of_text(
            f"Hero customers: the top {rfm.HERO_DEFAULT_PCT:g}% by revenue ({heroes['heroes']:,} "
            f"customers) bring {heroes['share_of_revenue']:.0%} of revenue, "
            f"{heroes['times_average']:.1f} times what the average customer spends.",
            size=10,
        )

    if lift is not None:
        pdf.add_page()
        pdf.heading(f"Campaign results: {lift.name}")
        pdf.line_of_text(lift.sentence(), size=10)
        pdf.chart(
            charts.lift_lines(lift.daily, "Who ordered after the list date, by group", lift.name)
        )
        for label, row in lift.table().iterrows():
            cells = [v for v in row if v]
            pdf.line_of_text(f"{label}: " + " | ".join(cells), size=9)
        pdf.line_of_text(
            "Columns: treatment | control | difference | 95% interval. " + " ".join(lift.warnings),
            size=8,
        )

    pdf.add_page()
    pdf.heading("Definitions")
    pdf.line_of_text("Lifecycle stages (first match wins):", size=10, style="B")
    for stage in lifecycle.RULE_ORDER:
        pdf.line_of_text(f"{stage}: {lifecycle.STAGE_RULES[stage]}", size=9)
    pdf.ln(2)
    pdf.line_of_text(
        "RFM segments (R = recency, F = orders, M = revenue, each scored 1-5 in quintiles "
        "where equal values share a score; FM = (F + M) / 2 rounded up):",
        size=10,
        style="B",
    )
    for name in rfm.SEGMENTS:
        pdf.line_of_text(f"{name}: {rfm.SEGMENT_RULES[name]}", size=9)
    pdf.ln(2)
    pdf.line_of_text("Metrics:", size=10, style="B")
    for name, text in DEFINITIONS.items():
        pdf.line_of_text(f"{name}: {text}", size=9)
    return bytes(pdf.output())


def _last_cohorts(table: cohorts.CohortTable, rows: int) -> cohorts.CohortTable:
    keep = table.values.index[-rows:]
    return replace(
        table,
        values=table.values.loc[keep].dropna(axis=1, how="all"),
        size=table.size.loc[keep],
        eligible=table.eligible.loc[keep],
    )


DEFINITIONS = {
    "Customers who have ordered": "people with at least one kept order on or before the "
    "reference date. Every stage share in this report is a share of them; prospects (contacts "
    "with no order) are counted, never shared.",
    "Revenue to date": "sum of kept order amounts on or before the reference date (refunds "
    "netted, cancelled orders left out).",
    "Repeat rate": "share of the customers who have ordered with two or more orders.",
    "Loyal / Inactive": "customers in that stage divided by the customers who have ordered.",
    "Cohort retention": "share of a month's new customers who ordered in the k-th month after "
    "their first; months not over at the data's end are blank.",
    "Predicted CLV": "expected purchases per 30-day month (BG/NBD family) x expected spend per "
    "order (Gamma-Gamma), discounted 1% per month, summed over the horizon.",
    "P(alive)": "the model's probability that a customer has not silently stopped buying.",
    "Backtest error": "(predicted - real) / real over the held-out last quarter of the data.",
}

"""The management report: one PDF (fpdf2) with KPIs, charts and definitions.

Used by the app's "Download PDF report" button and by ``python -m analytics report``.
Charts are the app's own Altair charts, rendered to PNG by vl-convert (no browser).
A part that cannot be computed (no contacts, too little history for CLV) is replaced by
one line saying why, never by an empty or broken page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

import numpy as np
import pandas as pd

from analytics.errors import LensError
from analytics.ingest.orders import noun
from analytics.insights import cohorts, lifecycle, rfm
from analytics.insights.customers import CustomerBase, as_of
from analytics.insights.lifecycle import LifecycleIndex
from analytics.output import present
from analytics.value import backtest, clv, lists, verdict

COHORT_ROWS = 12


@dataclass(frozen=True)
class ReportSettings:
    name: str
    ref_date: pd.Timestamp
    window: int
    at_risk_factor: float
    model: str = clv.DEFAULT_MODEL
    horizon_months: int = 12
    currency: str | None = None  # ISO code the amounts are in; None: plain numbers
    discount_rate: float = 0.01  # per month, as set on the Value page
    margin: float = 1.0  # gross margin, as set on the Value page (1.0: revenue)
    leave_out_existing: bool = True  # the first month, when customers were already there
    hero_pct: float = rfm.HERO_DEFAULT_PCT  # heroes: the top % by revenue (Segments page)

    def value_basis(self) -> str:
        """What a CLV figure counts, in words: revenue, or margin at the analyst's rate."""
        what = "revenue" if self.margin >= 1 else f"gross margin at {self.margin:.0%} of revenue"
        return f"{what}, discounted {self.discount_rate * 100:g}% a month"

    def caption(self) -> str:
        return (
            f"{self.name} · reference date {self.ref_date:%d %b %Y} · inactivity window "
            f"{self.window} days · at-risk factor {self.at_risk_factor:g}"
        )


@dataclass
class Known:
    """Results the app has already computed for these settings (by the same functions),
    so the report does not compute them again. Anything left as None is computed."""

    fitted: object | None = None  # clv.fit on the summary at the reference date
    forecast: object | None = None  # clv.forecast of it over the report's horizon
    backtest: object | None = None  # backtest.run with the report's model
    evolution: pd.DataFrame | None = None  # lifecycle.evolution, monthly
    summary: pd.DataFrame | None = None  # summarise at the reference date


@dataclass
class ValuePart:
    """What the report says about customer value: the total (with its range when the model
    gives one), the lines of text, and the figures behind its chart."""

    total: float | None
    interval: tuple[float, float] | None
    lines: list[str]
    by_stage: pd.DataFrame | None = None  # per stage: customers, total and average CLV
    cannot_tell: bool = False  # drop-out cannot be told: the figure never stands alone
    warning: str = ""  # then, the sentence that says so
    check: str = ""  # the backtest's error, said beside the total ("backtest: revenue ...")


def _value_part(
    index: LifecycleIndex,
    s: ReportSettings,
    snap: lifecycle.Snapshot,
    known: Known,
    then: CustomerBase,
) -> ValuePart:
    """Customer value: the model, its total over the horizon and its backtest, in words
    (``then``: the base as of the reference date, whose summary the model is fitted on).

    The text of the report's value section is written here and only here."""
    money = partial(present.money, currency=s.currency)
    try:
        fitted, fc = known.fitted, known.forecast
        summary = known.summary if known.summary is not None else then.summary
        if fitted is None or fc is None:
            fitted = fitted if fitted is not None else clv.fit(summary, s.model)
            fc = clv.forecast(fitted, summary, s.horizon_months, s.ref_date)
        values = clv.clv(fc, s.horizon_months, s.discount_rate, s.margin)
        total = float(values.sum())
    except LensError as exc:
        return ValuePart(None, None, [f"Customer value is not shown: {exc}"])
    customers = fc.table.index  # the customers with an order by the reference date
    interval = clv.total_interval(fitted, fc, values)
    try:
        result = known.backtest
        if result is None:  # on the orders up to the reference date, as the Value page's
            result = backtest.run(then, s.model)
    except LensError as exc:
        result, unchecked = None, exc
    else:  # the total's range with the backtest's measured bias and spread
        interval = result.total_range(total, *interval)
    check = verdict.error_words(result.totals) if result is not None else ""
    warning = fitted.warnings[0] if fitted.cannot_tell_dropout else ""
    lines = [warning] if warning else []
    lines.append(
        f"Predicted CLV over {present.months(s.horizon_months)} of 30 days ({fitted.name} for "
        f"purchases, {fitted.spend.method} for spend; {s.value_basis()}): "
        f"{money(total)} for {len(customers):,} customers ({check + '; ' if check else ''}80% "
        f"range with the backtest's bias {present.total_span(*interval, money)}"
        "); median per customer "
        f"{money(float(np.median(values)))}; on average a {fc.table['p_alive'].mean():.0%} "
        f"chance that a customer is still buying (P(alive)). {fitted.reason}"
    )
    limit = clv.outlier_limit(index.base, s.ref_date)
    outliers = lists.outlier_totals(values, clv.outliers(summary, limit))
    if outliers["customers"]:
        lines.append(lists.outlier_line(outliers, money))
    lines += list(fitted.warnings[1:] if warning else fitted.warnings)
    if result is not None:
        said = present.with_caveat(
            result.sentence(money),
            fitted.cannot_tell_dropout,
            result.holdout_days,
            s.horizon_months,
        )
        lines.append(f"Backtest: {said}")
        lines.append(f"Ranking: {result.ranking_sentence()}")
    else:
        lines.append(
            f"The backtest could not be run, so the figures above are unchecked: {unchecked}"
        )
    stages = pd.Series(
        pd.Categorical.from_codes(snap.codes[snap.n > 0], lifecycle.STAGES), index=customers
    )
    values = pd.Series(np.asarray(values, dtype="float64"), index=customers, name="clv")
    by_stage = pd.DataFrame(
        {
            "customers": stages.value_counts().reindex(lifecycle.BUYER_STAGES),
            "total": values.groupby(stages.to_numpy(), observed=True).sum(),
            "average": lifecycle.average_by_stage(values, stages),
        }
    ).reindex(lifecycle.BUYER_STAGES)
    return ValuePart(
        total, interval, lines, by_stage.rename_axis("stage"), bool(warning), warning, check
    )


def _winback_words(late: pd.DataFrame) -> str:
    """The win-back list in one sentence, as the Lifecycle page's Win-back view counts it."""
    kept_out = late.attrs.get("within_usual_gap", 0)
    if late.empty and not kept_out:
        return "None of them is on the win-back list."
    words = (
        f"{len(late):,} of them are past their own usual gap between purchases: the win-back list"
    )
    if kept_out:
        words += f" ({kept_out:,} more are not late by their own rhythm yet)"
    return words + "."


def summary_figures(
    mix: pd.DataFrame,
    repeat_rate: float,
    value: ValuePart,
    change: lifecycle.Change | None,
    s: ReportSettings,
    late: pd.DataFrame,
) -> list[tuple[str, str, str]]:
    """Page 1: the five figures a manager reads first, each (figure, label, one sentence).
    ``late``: the win-back list (:func:`analytics.insights.lifecycle.winback`), as the
    Lifecycle page shows it.

    The predicted value comes with its 80% range; when the model cannot tell drop-out, its
    figure carries a star and the sentence says why (never a figure alone)."""
    money = partial(present.money, currency=s.currency)
    counts, shares = mix["customers"], mix["share"]
    buyers = int(counts.drop("Prospect").sum())
    order = shares.drop("Prospect").sort_values(ascending=False, kind="stable")
    mix_words = ", ".join(f"{stage} {shares[stage]:.0%}" for stage in order.index)
    prospects = (
        f"; plus {int(counts['Prospect']):,} prospects (contacts with no order yet)"
        if pd.notna(counts["Prospect"])
        else "; prospects are not counted: no contacts file was loaded"
    )
    at_risk = float(mix.loc["At risk", "revenue_in_window"])
    window_revenue = float(mix["revenue_in_window"].sum(skipna=True))
    figures = [
        (
            f"{buyers:,}",
            "Customers who have ordered, by stage",
            f"The base of every share in this report: {mix_words}{prospects}.",
        ),
        (
            f"{repeat_rate:.0%}",
            "Repeat rate",
            f"of the {buyers:,} {lifecycle.SHARE_BASE} bought on two or more different days "
            "(repeat customers).",
        ),
        (
            money(at_risk),
            "Revenue at risk",
            f"What the {int(counts['At risk']):,} At-risk customers spent in the last "
            f"{s.window} days ({at_risk / window_revenue if window_revenue else 0:.0%} of that "
            f"period's revenue). {_winback_words(late)}",
        ),
    ]
    if value.total is None:
        figures.append(("n/a", "Predicted CLV", "No model could be fitted: see Value."))
    else:
        low, high = (money(v) for v in value.interval)
        figures.append(
            (
                money(value.total) + ("*" if value.cannot_tell else ""),
                "Predicted CLV",
                f"Customer lifetime value: what today's customers are expected to bring "
                f"over the next {present.months(s.horizon_months)}, as {s.value_basis()} "
                f"({value.check + '; ' if value.check else ''}80% range with the backtest's "
                f"bias {present.span(low, high)})."
                + (f" *{value.warning}" if value.cannot_tell else ""),
            )
        )
    figures.append(
        (
            f"{change.biggest} "
            f"{int(change.after[change.biggest] - change.before[change.biggest]):+,}"
            if change is not None
            else "n/a",
            "Change since last month",
            change.sentence() if change else "The data does not reach back a month.",
        )
    )
    return figures


def build(
    index: LifecycleIndex,
    s: ReportSettings,
    lift=None,
    known: Known | Callable[[], Known] | None = None,
    progress: Callable[[float, str], None] | None = None,
    payback=None,
    lines: pd.DataFrame | None = None,
) -> bytes:
    """The whole report as PDF bytes.

    Page 1 is a summary a manager reads in 30 seconds (five figures, one sentence each, and
    the stage mix); the details flow after it. ``lift`` (a campaign ``Lift``,
    the campaign result open in the app) adds its results before the definitions. ``known``
    holds results the app already has, or is a call that gives them: it is called once the
    figures that do not rest on the model are computed, so the app can make the model's in
    other threads meanwhile. ``progress(fraction, what)`` hears each step.
    ``payback`` (a :class:`analytics.insights.payback.PaybackResult`, when spend is loaded)
    adds the payback section. ``lines`` (the order log's line items, when the data names
    products) adds the top first products to the repurchase section.
    """
    # Altair, fpdf2 and vl-convert load only for a report
    from analytics.output import charts, cohort_view
    from analytics.output.pdf import Pdf

    def step(fraction: float, what: str) -> None:
        if progress is not None:
            progress(fraction, what)

    money = partial(present.money, currency=s.currency)
    base = index.base
    # First every figure that does not rest on the value model (see ``known`` above).
    step(0.02, "Computing stages, cohorts and segments…")
    snap = lifecycle.snapshot(index, s.ref_date, s.window, s.at_risk_factor)
    facts = rfm.customer_facts(index, snap)  # recency, orders, revenue: RFM
    mix = lifecycle.stage_mix(index, snap, s.window)
    buyers = int((snap.n > 0).sum())
    change = lifecycle.change_since(index, s.ref_date, s.window, s.at_risk_factor)
    funnel = lifecycle.funnel(index, snap)
    repeat = lifecycle.repeat_share(funnel)
    late = lifecycle.winback(index, snap)
    existing = cohorts.existing_base(base) if s.leave_out_existing else None
    then = as_of(base, s.ref_date)  # no order after the reference date (the base at its end)
    table = cohorts.cohort_table(  # as they stood on the reference date, as on the page
        then,
        "month",
        "retention",
        first_from=existing.until if existing else None,
    )
    comeback = _repurchase_figures(index, s, lines, existing)
    scores = rfm.score(facts)
    sizes = rfm.segment_sizes(scores, facts["revenue"])
    revenue = facts["revenue"].to_numpy()
    heroes = rfm.hero_summary(revenue, rfm.hero_mask(revenue, s.hero_pct))
    if callable(known):
        step(0.25, "The value model, its backtest and the stages over time…")
        known = known()
    known = known or Known()
    step(0.4, "Fitting the value model…" if known.fitted is None else "Customer value…")
    value = _value_part(index, s, snap, known, then)
    step(0.45, "Page 1: the summary…")
    pdf = Pdf(f"Lifecycle Lens - {s.name} - {s.ref_date:%d %b %Y}")
    pdf.alias_nb_pages()
    caption = s.caption()

    pdf.add_page()
    pdf.set_font("helvetica", "B", 22)
    pdf.cell(0, 12, "Customer lifecycle report", new_x="LMARGIN", new_y="NEXT")
    currency = f" Amounts in {s.currency}." if s.currency else ""
    pdf.line_of_text(
        f"{s.name}: orders {present.period(base.data_start, base.data_end)}. Reference date "
        f"{s.ref_date:%d %b %Y}, inactivity window {s.window} days, at-risk factor "
        f"{s.at_risk_factor:g}.{currency} Made on {date.today():%d %b %Y}.",
        size=9,
    )
    pdf.ln(2)
    for figure in summary_figures(mix, repeat, value, change, s, late):
        pdf.figure(*figure)
    pdf.chart(
        charts.stage_bars(
            mix,
            f"Lifecycle stages on {s.ref_date:%d %b %Y}",
            f"{caption} · shares of the {buyers:,} {lifecycle.SHARE_BASE}",
            height_per_row=22,
        )
    )
    # Page 1 ends with the stage mix over time: a manager's one page has the trend too.
    step(0.55, "Stage mix over time and funnel…")
    evo = (
        known.evolution
        if known.evolution is not None
        else lifecycle.evolution(index, s.window, s.at_risk_factor)
    )
    if existing is not None:
        evo = evo[evo["date"] >= existing.until]
        pdf.line_of_text(
            f"{existing.sentence()} The stage mix over time below starts after that month; "
            "today's stages, the funnel and the repeat rate count every customer.",
            size=8,
        )
    evolution = charts.evolution_area(evo, "How the stage mix moves", caption, 105)
    pdf.chart(evolution, shrink=0.7)

    pdf.section(
        "How customers come back",
        charts.funnel_bars(funnel, "Purchase funnel: how many come back", caption),
    )
    for sentence in lifecycle.funnel_sentences(funnel):
        pdf.line_of_text(sentence, size=9)

    step(0.68, "Cohort retention…")
    recent = cohorts.last_cohorts(table, COHORT_ROWS)
    pdf.section(
        "Who comes back: cohort retention",
        cohort_view.cohort_heatmap(
            recent,
            f"Share of each monthly cohort ordering again (last {COHORT_ROWS} cohorts)",
            f"{s.name} · data to {then.data_end:%d %b %Y} (the reference date) · blank = "
            "month not over yet",
        ),
    )

    step(0.74, "Repurchase timing…")
    _repurchase_section(pdf, s, comeback)

    step(0.78, "Customer value…")
    pdf.heading("Customer value", keep=40)
    for line in value.lines:
        pdf.line_of_text(line, size=10)
    if value.by_stage is not None and value.cannot_tell:  # a figure that rests on the model
        pdf.line_of_text(
            "Predicted CLV per lifecycle stage is not shown: the model cannot tell who has "
            "stopped buying here; the lifecycle stages above say who has.",
            size=10,
        )
    elif value.by_stage is not None:
        pdf.ln(2)
        pdf.chart(
            charts.value_bars(
                value.by_stage,
                "stage",
                "total",
                f"Predicted CLV per lifecycle stage, next {present.months(s.horizon_months)}",
                f"{caption} · total of each stage, and per customer"
                + (f" · {value.check}" if value.check else ""),
                currency=s.currency,
                labels=[
                    f"{money(total)} · {money(average)} per customer"
                    for total, average in zip(
                        value.by_stage["total"], value.by_stage["average"], strict=True
                    )
                ],
            )
        )

    step(0.86, "RFM segments…")
    pdf.section(
        "RFM segments and hero customers",
        charts.segment_bars(
            sizes, "Customers and revenue per RFM segment", f"{caption} · shares of revenue to date"
        ),
    )
    if heroes["heroes"]:
        pdf.line_of_text(
            f"Hero customers: the top {s.hero_pct:g}% by revenue ({heroes['heroes']:,} "
            f"{noun(heroes['heroes'], 'customer', 'customers')}) bring "
            f"{heroes['share_of_revenue']:.0%} of revenue, "
            f"{heroes['times_average']:.1f} times what the average customer spends.",
            size=10,
        )

    if lift is not None:
        step(0.92, "Campaign results…")
        pdf.section(
            f"Campaign results: {lift.name}",
            charts.lift_lines(lift.daily, "Who ordered after the list date, by group", lift.name),
            lift.sentence(),
        )
        pdf.data_table(present.campaign_table(lift, s.currency))
        if lift.warnings:
            pdf.line_of_text(" ".join(lift.warnings), size=8)

    if payback is not None:
        step(0.94, "Payback…")
        _payback_section(pdf, payback, s, value.check or verdict.NO_BACKTEST)
    else:
        pdf.line_of_text(
            "Payback (CAC, payback month, LTV:CAC) is not in this report: no marketing spend "
            "was entered for this data (the Payback page takes it).",
            size=9,
        )

    step(0.96, "Definitions…")
    pdf.heading("Definitions", keep=40)
    paragraphs = [("B", "Lifecycle stages (first match wins)")]
    paragraphs += [
        ("", f"{stage}: {lifecycle.STAGE_RULES[stage]}") for stage in lifecycle.RULE_ORDER
    ]
    paragraphs.append(
        (
            "B",
            "RFM segments (R = recency, F = orders, M = revenue, each scored 1-5 in quintiles "
            "where equal values share a score; FM = (F + M) / 2 rounded up)",
        )
    )
    paragraphs += [("", f"{name}: {rfm.SEGMENT_RULES[name]}") for name in rfm.SEGMENTS]
    paragraphs.append(("B", "Figures"))
    paragraphs += [("", f"{name}: {text}") for name, text in DEFINITIONS.items()]
    pdf.columns_of_text(paragraphs)
    step(1.0, "Done")
    return bytes(pdf.output())


TOP_FIRST_PRODUCTS = 10


@dataclass
class _Comeback:
    """The repurchase section's figures: the curve and, with line items, the top first
    products (or the one line that says why they are not shown)."""

    result: object  # repurchase.repurchase's result
    products: pd.DataFrame | None
    missing: str = ""


def _repurchase_figures(
    index: LifecycleIndex, s: ReportSettings, lines: pd.DataFrame | None, existing
) -> _Comeback:
    from analytics.insights import products, repurchase

    result = repurchase.repurchase(index.base, s.ref_date, existing)
    if lines is None:
        return _Comeback(
            result,
            None,
            "First products are not in this report: the data names no product (a line "
            "item's name or SKU column).",
        )
    try:
        idx = products.prepare(index.base, lines, s.ref_date, existing.until if existing else None)
        table = products.first_products(idx, index.base).head(TOP_FIRST_PRODUCTS)
    except LensError as exc:
        return _Comeback(result, None, f"First products are not in this report: {exc}")
    return _Comeback(result, table)


def _repurchase_section(pdf, s: ReportSettings, comeback: _Comeback) -> None:
    """When they come back (the repurchase curve and the win-back timing) and, with line
    items, the top first products: the Products and timing page's figures."""
    from analytics.insights import repurchase
    from analytics.output import product_view as view
    from analytics.output.pdf import table_height

    result = comeback.result
    at = {int(r["day"]): r["share"] for r in result.at_horizons.to_dict("records")}
    known = [f"{at[d]:.0%} within {d} days" for d in repurchase.HORIZONS if pd.notna(at[d])]
    pdf.section(
        "When they come back: the repurchase curve",
        view.repurchase_curve(
            result,
            "Share of customers who made a 2nd purchase, by days since their 1st",
            f"{s.name} · purchases to {s.ref_date:%d %b %Y} · {result.customers:,} customers "
            "· Kaplan-Meier · shaded: 95% band",
            height=280,  # the page keeps room for the win-back timing and the first products
        ),
        "Came back (Kaplan-Meier, customers not back yet counted for the days watched): "
        + ("; ".join(known) or "no horizon watched yet")
        + f". {view.so_far_sentence(result)}"
        + (f" {result.left_out}" if result.left_out else ""),
    )
    pdf.line_of_text(
        f"{result.winback_said()} The inactivity window in this report is {s.window} days.",
        size=10,
    )
    if comeback.products is None:
        pdf.line_of_text(comeback.missing, size=9)
        return
    money = partial(present.money, currency=s.currency)
    shown = view.first_products_frame(comeback.products).set_index("product")
    frame = pd.DataFrame(
        {
            "customers": [f"{v:,}" for v in shown["customers"]],
            "back within 90 days": [
                "" if pd.isna(v) else f"{v:.0%} ({band})"
                for v, band in zip(shown["repeat_90"], shown["repeat_90_band"], strict=True)
            ],
            "revenue per customer, 12 months": [
                "" if pd.isna(v) else money(v) for v in shown["revenue_12m_per_customer"]
            ],
            "can't tell from average": ["yes" if v else "" for v in shown["unclear"]],
        },
        index=shown.index.rename("first product"),
    )
    pdf.heading(f"Top {len(frame)} first products", keep=table_height(frame, 8))
    pdf.data_table(frame, size=8)
    pdf.line_of_text(
        "Customers whose 1st purchase holds the product; back within 90 days over those "
        "watched 90 days (with its 95% interval: the range the true rate most likely lies in, "
        "wider for small groups); revenue within 365 days of the 1st purchase "
        "over those watched a year; can't tell from average: the interval holds the shop's own "
        "90-day rate (too few customers, or not different enough).",
        size=8,
    )


def _payback_section(pdf, result, s: ReportSettings, check: str) -> None:
    """Is acquisition paying off: the sentence, LTV:CAC by cohort and channel, warnings;
    ``check``: the value model's backtest verdict, said when a figure is predicted."""
    from analytics.insights import payback
    from analytics.output import payback_view as view

    money = partial(present.money, currency=s.currency)
    part = result.cohorts
    pdf.heading("Is acquisition paying off? Payback", keep=60)
    pdf.line_of_text(payback.sentence(result), size=10)
    overall = part.overall.iloc[0]
    pdf.line_of_text(
        f"{int(overall['new_customers']):,} new customers for {money(overall['spend'])}: CAC "
        f"{money(overall['cac'], decimals=2)}; gross margin {part.margin_rate:.0%}; LTV:CAC at "
        + ", ".join(
            f"{h} months "
            + view.ltv_text(
                *(overall[f"ltv_cac_{h}{x}"] for x in ("", "_low", "_high", "_predicted"))
            )
            for h in payback.HORIZONS
        )
        + ".",
        size=9,
    )
    caption = f"{s.name} · gross margin {part.margin_rate:.0%} · pale: predicted, 80% range"
    frame = view.ltv_frame(part.table, "cohort").tail(COHORT_ROWS)
    if len(frame):
        pdf.chart(view.ltv_bars(frame, "LTV:CAC at 12 months, last cohorts", caption))
    if result.channels is not None:
        per = result.channels.overall
        for _, row in per[per["new_customers"] > 0].iterrows():
            k = row["payback_month"]
            pdf.line_of_text(
                f"{row['channel']}: {int(row['new_customers']):,} new customers, CAC "
                f"{money(row['cac'], decimals=2)}, payback month "
                f"{'not yet' if pd.isna(k) else int(k)}, LTV:CAC at 12 months "
                + view.ltv_text(
                    *(row[f"ltv_cac_12{x}"] for x in ("", "_low", "_high", "_predicted"))
                ),
                size=9,
            )
    for warning in result.warnings:
        pdf.line_of_text(warning, size=8)
    if view.any_predicted(part):
        pdf.line_of_text(view.model_note(clv.MODELS[s.model], check), size=8)
    pdf.line_of_text(
        "CAC = a month's spend / its new customers. Margin per customer at month k = margin x "
        "the cohort's revenue in months 0..k / its new customers. Payback month: the first k "
        "where it reaches the CAC. LTV:CAC = margin per customer at 3, 6, 12 months / CAC; "
        "predicted where that month is not over (margin so far + the value model's expected "
        "margin). Overall figures weighted by new customers.",
        size=8,
    )


DEFINITIONS = {
    "Customers who have ordered": "people with at least one kept order on or before the "
    "reference date. Every stage share in this report is a share of them; prospects (contacts "
    "with no order) are counted, never shared.",
    "Revenue": "kept order amounts, as in the file: a refunded amount on an order is netted; "
    "cancelled orders and rows with a zero or negative amount (returns written as rows of "
    "their own) are left out, so the order a return belongs to still counts in full; amounts "
    "in several currencies are not converted.",
    "Repeat rate": "share of the customers who have ordered who bought on two or more different "
    "days (orders on one day are one purchase, as the value models count).",
    "Revenue at risk": "what the At-risk customers spent in the inactivity window before the "
    "reference date.",
    "Change since last month": "the stage counts on the reference date against one month "
    "earlier with the same settings; the stage that moved most is named.",
    "Cohort retention": "share of a month's new customers who ordered in the k-th month after "
    "their first; months not over at the data's end are blank.",
    "Predicted CLV": "expected purchases per 30-day month (BG/NBD family) x expected spend per "
    "order (Gamma-Gamma) x the gross margin, discounted per month at the rate set, summed over "
    "the horizon (margin, rate and horizon as on page 1).",
    "Chance still a customer (P(alive))": "the model's probability that a customer has not "
    "silently stopped buying.",
    "Backtest error": "(predicted - real) / real over the held-out period: the last 25% of "
    "the data's days (its dates are in the value section).",
}

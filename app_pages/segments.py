"""Segments page: RFM segments, hero customers, and campaign lists to download."""

import pandas as pd
import streamlit as st

from analytics.insights import rfm
from analytics.insights import segments as sg
from analytics.insights.lifecycle import BUYER_STAGES
from analytics.output import charts, present
from analytics.value import verdict
from ui import cache_insights, cache_value, controls, params, session, show
from ui.sidebar import settings

SHOWN = 5000  # rows drawn in the table; downloads hold every row
dataset = session.current_dataset()
s = settings()
st.title("RFM segments and hero customers")
controls.settings_line()
c1, c2 = controls.columns([1, 3])
hero_pct = controls.slider(c1, "Hero customers: top % by revenue", 1, 25, key="hero_pct")
scores, why_not = cache_value.value_scores(dataset, s)
currency = session.currency(dataset)
table = cache_insights.customer_table(dataset, s, hero_pct, scores)
subtitle = f"{dataset.label} · {s.caption()} · heroes = top {hero_pct}% by revenue"
c2.caption(subtitle)
if scores is None:
    c2.caption(f"No predicted CLV or chance still a customer here: {why_not}.")

with st.expander("How scores and segments are defined"):
    st.markdown(
        "Scored on the customers with an order on or before the reference date. "
        "**R** = days since the last order (fewer is better), **F** = number of orders, "
        "**M** = revenue. Each score is 1 + ⌊5 × share of customers with a "
        "strictly worse value⌋, so equal values always get equal scores. "
        "**FM** = (F + M) / 2 rounded up. "
        f"**Hero customers** are the top {hero_pct}% by revenue (customers tied with the last "
        "one included). **Revenue** on this page is revenue to date: every kept order on or "
        "before the reference date, not only the inactivity window's (the Lifecycle page's "
        "*revenue in window*); a share of revenue is of all customers' revenue to date."
    )
    for name in rfm.SEGMENTS:
        st.markdown(f"**{name}** — {rfm.SEGMENT_RULES[name]}")

view = params.segmented("View", params.VIEWS["sg_view"], key="sg_view")
rfm_scores = table[["R", "FM", "rfm_segment"]]

if view == "Segment map":
    grid = rfm.segment_grid(rfm_scores, table["revenue"])
    shares = f"{subtitle} · shares of revenue to date"
    show.chart(charts.segment_map(grid, "RFM segment map", shares), "segments_1")
    sizes = rfm.segment_sizes(rfm_scores, table["revenue"])
    show.chart(
        charts.segment_bars(sizes, "Customers and revenue per RFM segment", shares), "segments_2"
    )
    pick = controls.selectbox(st, "Campaign list of one segment", rfm.SEGMENTS, key="sg_pick")
    rows = sg.export_table(table, (table["rfm_segment"] == pick).to_numpy())
    st.caption(f"{len(rows):,} customers in {pick} on {s.ref_date:%d %b %Y}.")
    show.campaign_list(rows, f"{pick}_{s.ref_date:%Y%m%d}", "sg_list")

elif view == "Hero customers":
    heroes = rfm.hero_summary(table["revenue"].to_numpy(), table["hero"].to_numpy())
    m1, m2, m3 = st.columns(3)
    m1.metric("Hero customers", f"{heroes['heroes']:,}")
    m2.metric("Their share of revenue to date", f"{heroes['share_of_revenue']:.0%}")
    m3.metric("Spend vs the average customer", f"{heroes['times_average']:.1f}×")
    # A hero has bought: never a prospect.
    mix = table.loc[table["hero"], "stage"].value_counts().reindex(BUYER_STAGES)
    mix = mix.to_frame("customers")
    mix["share"] = mix["customers"] / max(heroes["heroes"], 1)
    mix.index.name = "stage"
    show.chart(
        charts.stage_bars(
            mix,
            f"Where the top {hero_pct}% customers stand today",
            f"{subtitle} · shares of the {heroes['heroes']:,} hero customers",
        ),
        "segments_3",
    )
    hero_rows = sg.export_table(table, table["hero"].to_numpy())
    hero_rows = hero_rows.sort_values("revenue", ascending=False)
    # Sorted by revenue, so revenue is read right after who the customer is.
    show.table(hero_rows, first=["customer_id", "email", "revenue", "orders", "stage"])
    show.campaign_list(hero_rows, f"hero_customers_{s.ref_date:%Y%m%d}", "hero_list")

elif view == "Stage × segment":
    st.markdown(f"**Customers per RFM segment and lifecycle stage** — {subtitle}")
    # Segments down, stages across: six columns fit a slide, ten would not.
    cross = sg.cross_table(table).T
    show.table(cross, height=show.all_rows(cross))
    st.caption(
        "The two views can disagree about one customer, and that is expected: a lifecycle "
        "stage applies fixed rules to time (the inactivity window, the customer's own rhythm), "
        "while an RFM segment ranks customers against each other. A weekly buyer quiet for "
        "three weeks can be a Champion by rank yet At risk by the clock."
    )
    if "clv" in table:
        months = present.months(cache_value.value_settings()[1].months)
        st.markdown(f"**Average predicted CLV ({months}) per RFM segment and lifecycle stage**")
        means = sg.average_by_stage_and_segment(table, "clv").T
        show.table(  # whole amounts: an average needs no cents, and a phone's columns are narrow
            means,
            kinds={c: "money" for c in means.columns},
            decimals={c: 0 for c in means.columns},
            height=show.all_rows(means),
        )
        result, unchecked = cache_value.checked(
            dataset, s.ref_date, cache_value.value_settings()[0]
        )
        if result is None:
            st.caption(unchecked)
        else:  # the backtest's verdict travels with every aggregate of CLV
            words = verdict.error_words(result.totals)
            st.caption(f"{words[0].upper()}{words[1:]} (the total, same model; see Value).")

else:
    if not controls.presenting():
        st.markdown("Combine filters; the count and revenue follow at once.")
    # Every filter goes with the link (ui/params.py): checked here against today's data.
    f1, f2 = controls.columns(2)
    params.options_only("sb_stages", BUYER_STAGES)
    stages = controls.multiselect(f1, "Lifecycle stages", BUYER_STAGES, key="sb_stages")
    params.options_only("sb_segments", rfm.SEGMENTS)
    chosen_segments = controls.multiselect(f2, "RFM segments", rfm.SEGMENTS, key="sb_segments")
    f3, f4 = controls.columns(2)
    longest = int(table["days_since_last_order"].max()) if len(table) else 0
    params.within("sb_days", 0, max(longest, 1))
    days = controls.slider(f3, "Days since last order", 0, max(longest, 1), key="sb_days")
    hero_only = controls.toggle(f4, f"Hero customers only (top {hero_pct}%)", key="sb_hero")
    attributes = []
    for col in sg.FILTER_ATTRIBUTES:
        if col in table:
            options = sorted(table[col].dropna().astype(str).unique())[:500]
            params.options_only(f"sb_{col}", options)
            label = col.capitalize() + " (first order)"
            picked = controls.multiselect(f4, label, options, key=f"sb_{col}")
            attributes.append((col, tuple(picked)))
    ranges = {}
    if "clv" in table:
        low = min(0.0, float(table["clv"].min()))  # refunds can make CLV negative
        top = max(float(table["clv"].max()), low + 1.0)
        params.within("sb_clv", low, top)
        ranges["clv"] = controls.slider(
            f3,
            "Predicted CLV",
            low,
            top,
            key="sb_clv",
            format=present.money_printf(currency, 0),
            shown=lambda v: present.span(
                present.money(v[0], currency), present.money(v[1], currency)
            ),
        )
        params.within("sb_alive", 0, 100)
        alive = controls.slider(  # in percent, as every share on the page is shown
            f3,
            present.CHANCE_STILL,
            0,
            100,
            key="sb_alive",
            format="%d%%",
            shown=lambda v: present.span(present.share(v[0] / 100), present.share(v[1] / 100)),
        )
        ranges["p_alive"] = (alive[0] / 100, alive[1] / 100)
    chosen = sg.SegmentFilter(
        stages=tuple(stages),
        segments=tuple(chosen_segments),
        hero_only=hero_only,
        days_since=days,
        attributes=tuple(attributes),
        **ranges,
    )
    mask = sg.select(table, chosen)
    result = sg.summary(table, mask)
    m1, m2, m3 = st.columns(3)
    m1.metric("Customers selected", f"{result['customers']:,}")
    m2.metric("Their revenue", present.money(result["revenue"], currency))
    share = result["share_revenue"]
    m3.metric(
        "Share of revenue to date",
        f"{share:.0%}" if result["customers"] and pd.notna(share) else "—",
    )
    chosen_rows = sg.export_table(table, mask)
    # On screen as on the Value page: each range as "low – high" in the shop's money or as
    # shares, why a range is one figure, and headers that name the CLV horizon.
    months = cache_value.value_settings()[1].months
    shown = chosen_rows.head(SHOWN)
    if "clv_low" in shown:
        shown = present.ranges(shown, currency, months)
    show.table(shown, labels=present.horizon_labels(months), key="sb_table")
    if len(chosen_rows) > SHOWN:
        st.caption(f"The first {SHOWN:,} rows are shown; the downloads hold all of them.")
    show.campaign_list(chosen_rows, f"segment_{s.ref_date:%Y%m%d}", "sb")

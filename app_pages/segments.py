"""Segments page: RFM segments, hero customers, and campaign lists to download."""

import pandas as pd
import streamlit as st

from analytics import charts, present, rfm
from analytics import segments as sg
from analytics.lifecycle import STAGES
from ui import params, show, state
from ui.sidebar import settings

SHOWN = 5000  # rows drawn in the table; downloads hold every row
dataset = state.current_dataset()
s = settings()
st.title("RFM segments and hero customers")
c1, c2 = st.columns([1, 3])
hero_pct = c1.slider("Hero customers: top % by revenue", 1, 25, key="hero_pct")
scores = state.model_scores(dataset, s)
table = state.customer_table(dataset, s, hero_pct, scores)
subtitle = f"{dataset.label} · {s.caption()} · heroes = top {hero_pct}% by revenue"
c2.caption(subtitle)
if scores is None:
    c2.caption("CLV and P(alive) appear here once the model is fitted on the Value page.")

with st.expander("How scores and segments are defined"):
    st.markdown(
        "Scored on the customers with an order on or before the reference date. "
        "**R** = days since the last order (fewer is better), **F** = number of orders, "
        "**M** = revenue (in cents). Each score is 1 + ⌊5 × share of customers with a "
        "strictly worse value⌋, so equal values always get equal scores. "
        "**FM** = (F + M) / 2 rounded up. "
        f"**Hero customers** are the top {hero_pct}% by revenue (customers tied with the last "
        "one included)."
    )
    for name in rfm.SEGMENTS:
        st.markdown(f"**{name}** — {rfm.SEGMENT_RULES[name]}")

view = params.segmented("View", params.VIEWS["sg_view"], key="sg_view")
rfm_scores = table[["R", "FM", "rfm_segment"]]

if view == "Segment map":
    grid = rfm.segment_grid(rfm_scores, table["revenue"])
    show.chart(charts.segment_map(grid, "RFM segment map", subtitle), "segments_1")
    sizes = rfm.segment_sizes(rfm_scores, table["revenue"])
    show.chart(
        charts.segment_bars(sizes, "Customers and revenue per RFM segment", subtitle), "segments_2"
    )
    pick = st.selectbox("Campaign list of one segment", rfm.SEGMENTS, key="sg_pick")
    rows = sg.export_table(table, (table["rfm_segment"] == pick).to_numpy())
    st.caption(f"{len(rows):,} customers in {pick} on {s.ref_date:%d %b %Y}.")
    show.campaign_list(rows, f"{pick}_{s.ref_date:%Y%m%d}", "sg_list")

elif view == "Hero customers":
    heroes = rfm.hero_summary(table["revenue"].to_numpy(), table["hero"].to_numpy())
    m1, m2, m3 = st.columns(3)
    m1.metric("Hero customers", f"{heroes['heroes']:,}")
    m2.metric("Their share of revenue", f"{heroes['share_of_revenue']:.0%}")
    m3.metric("Spend vs the average customer", f"{heroes['times_average']:.1f}×")
    mix = table.loc[table["hero"], "stage"].value_counts().reindex(STAGES).to_frame("customers")
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
    show.table(hero_rows)
    show.campaign_list(hero_rows, f"hero_customers_{s.ref_date:%Y%m%d}", "hero_list")

elif view == "Stage × segment":
    st.markdown(f"**Customers per lifecycle stage and RFM segment** — {subtitle}")
    show.table(sg.cross_table(table))
    st.caption(
        "The two views can disagree about one customer, and that is expected: a lifecycle "
        "stage applies fixed rules to time (the inactivity window, the customer's own rhythm), "
        "while an RFM segment ranks customers against each other. A weekly buyer quiet for "
        "three weeks can be a Champion by rank yet At risk by the clock."
    )
    if "clv" in table:
        st.markdown("**Average predicted CLV per lifecycle stage and RFM segment**")
        means = sg.average_by_stage_and_segment(table, "clv")
        show.table(means, kinds={c: "money" for c in means.columns})

else:
    st.markdown("Combine filters; the count and revenue follow at once.")
    f1, f2 = st.columns(2)
    stages = f1.multiselect("Lifecycle stages", STAGES[1:], key="sb_stages")
    chosen_segments = f2.multiselect("RFM segments", rfm.SEGMENTS, key="sb_segments")
    f3, f4 = st.columns(2)
    longest = int(table["days_since_last_order"].max()) if len(table) else 0
    days = f3.slider(
        "Days since last order", 0, max(longest, 1), (0, max(longest, 1)), key="sb_days"
    )
    hero_only = f4.toggle(f"Hero customers only (top {hero_pct}%)", key="sb_hero")
    attributes = []
    for col in sg.FILTER_ATTRIBUTES:
        if col in table:
            options = sorted(table[col].dropna().astype(str).unique())[:500]
            picked = f4.multiselect(col.capitalize() + " (first order)", options, key=f"sb_{col}")
            attributes.append((col, tuple(picked)))
    ranges = {}
    if "clv" in table:
        low = min(0.0, float(table["clv"].min()))  # refunds can make CLV negative
        top = max(float(table["clv"].max()), low + 1.0)
        ranges["clv"] = f3.slider("Predicted CLV", low, top, (low, top), key="sb_clv")
        ranges["p_alive"] = f3.slider("P(alive)", 0.0, 1.0, (0.0, 1.0), key="sb_alive")
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
    m2.metric("Their revenue", present.money(result["revenue"], state.currency(dataset)))
    share = result["share_revenue"]
    m3.metric(
        "Share of revenue", f"{share:.0%}" if result["customers"] and pd.notna(share) else "—"
    )
    chosen_rows = sg.export_table(table, mask)
    show.table(chosen_rows.head(SHOWN), key="sb_table")
    if len(chosen_rows) > SHOWN:
        st.caption(f"The first {SHOWN:,} rows are shown; the downloads hold all of them.")
    show.campaign_list(chosen_rows, f"segment_{s.ref_date:%Y%m%d}", "sb")

"""Lifecycle page: stage mix, funnel, evolution, transitions, what-if, win-back, members."""

import pandas as pd
import streamlit as st

from analytics.insights import lifecycle as lc
from analytics.output import charts, present
from analytics.value import clv, scorecard
from ui import cache_insights, cache_value, controls, params, session, show
from ui.sidebar import settings, window_button

dataset = session.current_dataset()
s = settings()
index = session.lifecycle_index(dataset)
snap = lc.snapshot(index, s.ref_date, s.window, s.at_risk_factor)
subtitle = f"{dataset.label} · {s.caption()}"

st.title("Customer lifecycle")
st.caption(subtitle)
controls.settings_line()
with st.expander("Stage definitions (first match wins)"):
    for stage in lc.RULE_ORDER:
        st.markdown(f"**{stage}** — {lc.STAGE_RULES[stage]}")
    st.caption(
        "Only orders on or before the reference date count. The window is the "
        f"{s.window} days ending on the reference date (an order exactly {s.window} days "
        "before is outside it). Gaps count calendar days between order dates."
    )

mix = lc.stage_mix(index, snap, s.window)
counts = mix["customers"]
cols = st.columns(len(lc.STAGES))
for col, stage in zip(cols, lc.STAGES, strict=False):
    value = counts[stage]
    col.metric(
        stage,
        "n/a" if pd.isna(value) else f"{int(value):,}",
        help="Needs a contacts file" if pd.isna(value) else lc.STAGE_RULES[stage],
    )

view = params.segmented("View", params.VIEWS["lc_view"], key="lc_view")

buyers = int(counts.drop("Prospect").sum())
if view == "Stage mix":
    show.chart(
        charts.stage_bars(
            mix,
            f"Lifecycle stages on {s.ref_date:%d %b %Y}",
            f"{subtitle} · shares of the {buyers:,} {lc.SHARE_BASE}",
        ),
        "lifecycle_1",
    )
    show.table(
        mix,
        helps={
            "share": f"Customers in the stage / the {buyers:,} {lc.SHARE_BASE}. Prospects "
            "have not ordered, so they have no share of that base."
        },
    )
    if snap.prospects is None:
        st.caption("Prospect is unavailable: load a contacts file on the Data page to see it.")
    else:
        contacts = buyers + int(counts["Prospect"])
        st.caption(
            f"Shares are of the {buyers:,} {lc.SHARE_BASE}. The {int(counts['Prospect']):,} "
            f"prospects are {counts['Prospect'] / max(contacts, 1):.0%} of all {contacts:,} "
            "known contacts."
        )

elif view == "Funnel":
    funnel = lc.funnel(index, snap)
    show.chart(
        charts.funnel_bars(funnel, "Purchase funnel: how many come back", subtitle), "lifecycle_2"
    )
    for line in lc.funnel_sentences(funnel):
        st.caption(line)

elif view == "Evolution":
    freq = params.segmented("Snapshot at the end of each", ["month", "week"], key="lc_freq")
    evo = cache_insights.evolution(dataset.source.key, index, s.window, s.at_risk_factor, freq)
    existing = cache_insights.left_out(dataset)
    if existing is not None:
        evo = evo[evo["date"] >= existing.until]
        st.caption(f"{existing.sentence()} This chart starts after it (see the sidebar).")
    show.chart(
        charts.evolution_area(
            evo,
            "How the stage mix moves over time",
            f"{subtitle} · stages at the end of each {freq}",
        ),
        "lifecycle_3",
    )

elif view == "Transitions":
    c1, c2 = controls.columns(2)
    default_from = max(dataset.base.data_start, s.ref_date - pd.DateOffset(months=3)).date()
    d1 = controls.date_input(
        c1,
        "First date",
        value=default_from,
        min_value=dataset.base.data_start.date(),
        max_value=s.ref_date.date(),
        key="tr_from",
    )
    d2 = controls.date_input(
        c2,
        "Second date",
        value=s.ref_date.date(),
        min_value=d1,
        max_value=dataset.base.data_end.date(),
        key="tr_to",
    )
    matrix = lc.transitions(index, d1, d2, s.window, s.at_risk_factor)
    shares = lc.row_shares(matrix)
    show.chart(
        charts.transition_heatmap(
            matrix,
            shares,
            f"Where customers moved between {d1:%d %b %Y} and {d2:%d %b %Y}",
            f"{subtitle} · share of each row (customers with an order by the second date)",
        ),
        "lifecycle_4",
    )
    show.table(matrix, labels={"from": "Stage at the first date"})
    st.caption(present.transition_rows(matrix))

elif view == "What-if":
    pinned = st.session_state.get("baseline")
    c1, c2 = controls.columns([1, 3])
    if controls.button(c1, "Pin current settings as baseline", key="pin_baseline"):
        st.session_state["baseline"] = pinned = s
    if pinned is not None:
        base_snap = lc.snapshot(index, pinned.ref_date, pinned.window, pinned.at_risk_factor)
        c2.caption(f"Baseline: {pinned.caption()}")
        show.table(lc.compare(counts, lc.stage_counts(base_snap)), kinds={"change": "signed"})
    elif not controls.presenting():
        c2.caption("Pin the current settings, then move the sliders to compare stage counts.")
    pct = controls.slider(
        st,
        "Suggest a window covering this share of repeat-purchase gaps (%)",
        50,
        99,
        90,
        key="suggest_pct",
    )
    suggested = lc.suggested_window(index, snap, pct)
    curve = lc.window_sensitivity(index, snap)
    show.chart(
        charts.sensitivity_line(
            curve,
            s.window,
            suggested,
            pct,
            "How many customers are inactive, by window length",
            f"{subtitle} · share of the {buyers:,} {lc.SHARE_BASE} · suggested window "
            f"{suggested:.0f} days",
        ),
        "lifecycle_5",
    )
    st.caption(
        f"{pct}% of the gaps between consecutive orders are {suggested:.0f} days or less: "
        f"a window of about {suggested:.0f} days treats a usual pause as still active. (The "
        "Products and timing page suggests another one: the time by which most second "
        "purchases have come, the win-back moment after a first purchase.)"
    )
    window_button(st, suggested, key="lc_use_window", why="The suggested window")

elif view == "Win-back":
    gaps = lc.observed_gaps(index, snap)
    show.chart(
        charts.histogram(
            gaps,
            "Days between consecutive orders",
            "How long customers wait between orders",
            subtitle,
        ),
        "lifecycle_6",
    )
    scores, why_not = cache_value.value_scores(dataset, s)
    model, chosen = cache_value.value_settings()  # the Value page's, as its scores are
    late = lc.winback(index, snap, None if scores is None else scores["clv"])
    value = "predicted CLV" if scores is not None else "revenue to date"
    if late.empty:
        st.markdown("**No at-risk customers** with these settings.")
    else:
        st.markdown(
            f"**{len(late):,} at-risk customers**, all past the day they usually order again "
            f"(half of them by more than {late['days_overdue'].median():,.0f} days). Contact "
            f"them now, the most valuable first (by {value})."
        )
    if scores is None:
        st.caption(f"Ranked by revenue to date, not by predicted CLV: {why_not}.")
    else:  # which model and horizon, and its backtest's verdict, beside the figure
        result, _ = cache_value.checked(dataset, s.ref_date, model)
        st.caption(
            f"Predicted CLV over {present.months(chosen.months)} ({clv.MODELS[model]}; "
            f"{cache_value.check_words(dataset, s.ref_date, model)}; set on the Value page)."
            + (f" {scorecard.best_words(result.ranking)}" if result is not None else "")
        )
    if late.attrs.get("within_usual_gap"):
        st.caption(
            f"{late.attrs['within_usual_gap']:,} At-risk customers are left out: their days "
            "since the last order are past the stage rule's expected gap (a median, which "
            "several orders on one day pull down) but within their usual gap (first to last "
            "purchase day over the gaps between purchase days), so they are not late by their "
            "own rhythm (they stay in the Members view)."
        )
    show.table(
        late.head(5000),
        labels=present.horizon_labels(chosen.months),
        first=[
            "customer_id",
            "email",
            "clv",
            "revenue",
            "days_overdue",
            "last_order",
            "expected_next_order",
            "orders",
        ],
    )
    show.campaign_list(late, f"winback_{s.ref_date:%Y%m%d}", "winback")

elif view == "Members":
    stage = controls.selectbox(
        st, "Stage", lc.STAGES, index=lc.STAGES.index("Loyal"), key="member_stage"
    )
    if stage == "Prospect":
        if dataset.contacts is None:
            st.info("Prospects need a contacts file: load one on the Data page.")
            people = pd.DataFrame()
        else:
            people = lc.prospects(index, snap, dataset.contacts.contacts)
    else:
        people = lc.members(index, snap).query("stage == @stage")
    who = "prospects (contacts with no order yet)" if stage == "Prospect" else "customers"
    st.markdown(f"**{len(people):,} {who}** in {stage} on {s.ref_date:%d %b %Y}")
    show.table(people.head(5000))
    show.campaign_list(people, f"{stage}_{s.ref_date:%Y%m%d}", "members")

"""Cohorts page: who comes back, for how long, and what they bring."""

import numpy as np
import streamlit as st

from analytics.insights.cohorts import BY_FIRST_PERIOD as BY_DATE
from analytics.insights.cohorts import (
    METRICS,
    MIN_COHORTS,
    MIN_CUSTOMERS,
    MIN_SHARE,
    PERIODS,
    SMALL_COHORT,
    acquisition_attributes,
    first_periods,
    last_cohorts,
)
from analytics.output import cohort_view, export
from ui import cache_insights, cache_products, controls, params, session, show
from ui.sidebar import settings

CURVE_DEFAULT = 6  # cohorts drawn on the curve until the user picks others
HEATMAP_ROWS = 26  # cohorts drawn: more rows than a slide can read
HEATMAP_PERIODS = 13  # periods drawn (0-12): wider, no cell can hold its number
dataset = session.current_dataset()
s = settings()
contacts = dataset.contacts.contacts if dataset.contacts is not None else None
attributes = acquisition_attributes(dataset.base, contacts, cache_products.first_product(dataset))

st.title("Cohort retention")
controls.settings_line()
c1, c2, c3 = controls.columns([1.2, 1.6, 1.4])
period = params.segmented("Period", list(PERIODS), key="co_period", container=c1)
metric = controls.selectbox(c2, "Show", list(METRICS), format_func=METRICS.get, key="co_metric")
if st.session_state.get("co_group") not in [BY_DATE, *attributes]:
    st.session_state["co_group"] = BY_DATE  # a link from a shop with other attributes
group_by = controls.selectbox(c3, "Cohorts by", [BY_DATE, *attributes], key="co_group")
c4, c5 = controls.columns([2, 1])
# The cohorts as they stood on the reference date: no order after it is seen.
start, end = dataset.base.data_start.date(), min(s.ref_date, dataset.base.data_end).date()
if st.session_state.get("co_range"):  # a range set at a later reference date: kept within
    st.session_state["co_range"] = tuple(
        min(max(d, start), end) for d in st.session_state["co_range"]
    )
span = controls.date_input(
    c4, "First orders between", value=(start, end), min_value=start, max_value=end, key="co_range"
)
min_size = controls.number_input(
    c5, "Minimum cohort size", min_value=1, value=1, step=5, key="co_min"
)
with controls.expander("What the average needs behind each point"):
    a1, a2 = controls.columns(2)
    min_cohorts = int(
        controls.number_input(
            a1, "Cohorts behind an average point", 1, value=MIN_COHORTS, key="co_avg_cohorts"
        )
    )
    min_customers = int(
        controls.number_input(
            a2,
            "Customers behind an average point",
            1,
            value=MIN_CUSTOMERS,
            step=50,
            key="co_avg_customers",
        )
    )
first_from, first_to = (span[0], span[1]) if len(span) == 2 else (span[0], end)
existing = cache_insights.left_out(dataset)
if existing is not None and first_from < existing.until.date():
    first_from = existing.until.date()
    st.info(
        f"{existing.sentence()} They are left out: cohorts start in the month after (the "
        "sidebar's switch keeps them).",
        icon=":material/history:",
    )

table = cache_insights.cohort_table(
    dataset,
    s.ref_date,
    period,
    metric,
    None if group_by == BY_DATE else group_by,
    first_from,
    first_to,
    int(min_size),
    min_cohorts,
    min_customers,
)
rows_are = "cohorts" if group_by == BY_DATE else "groups"  # a channel is no cohort in time
what = "acquisition " + group_by.lower() if group_by != BY_DATE else f"{period} of first order"
subtitle = (
    f"{dataset.name} · cohorts by {what}, first orders {first_from:%d %b %Y} – "
    f"{first_to:%d %b %Y} · data to {end:%d %b %Y}; blank = period not over yet"
)
if table.values.empty:
    st.info("No cohort matches these filters: widen the date range or lower the minimum size.")
    st.stop()

currency = session.currency(dataset)
# A slide holds about two years of rows: older cohorts stay in the table below.
drawn = last_cohorts(table, HEATMAP_ROWS) if len(table.values) > HEATMAP_ROWS else table
wide = drawn.values.shape[1] > HEATMAP_PERIODS
drawn = first_periods(drawn, HEATMAP_PERIODS) if wide else drawn
show.chart(
    cohort_view.cohort_heatmap(drawn, METRICS[metric], subtitle, currency=currency), "cohorts_1"
)
st.caption(
    f"Each row is a cohort with its number of customers; each column counts {period}s since "
    f"their first order (0 = the {period} of the first order, 1 = the next one). A {period} "
    "not over at the data's end is left blank, so it never shows as a drop."
    + (
        f" A {group_by.lower()} mixes customers won at different times: its row stops where "
        f"fewer than half of its customers have been watched that many {period}s."
        if group_by != BY_DATE
        else ""
    )
    + (
        " Column 0 of the share who ordered is 100%: every customer's first order is in it."
        if metric in ("retention", "rolling")
        else ""
    )
    + (
        f" \"Or later\" can only count the {period}s up to the data's end: a row's last "
        f"cells have fewer later {period}s to count, so they read low (the last one counts "
        f"that {period} alone). Compare cohorts at the same distance from the data's end, or "
        "use the share who ordered in each period."
        if metric == "rolling"
        else ""
    )
    + (
        " Drawn: "
        + (
            f"the {HEATMAP_ROWS} most recent of {len(table.values)} cohorts"
            if len(table.values) > HEATMAP_ROWS
            else f"all {len(table.values)} {rows_are}"
        )
        + f", {period}s 0–{drawn.values.shape[1] - 1}, so that on a wide screen every cell "
        "carries its number; 'The numbers' below has them all."
        if drawn is not table
        else ""
    )
)

names = list(table.values.index)
if len(names) <= CURVE_DEFAULT:
    default = names
elif group_by == BY_DATE:  # old to recent, evenly spaced: long and short lines (not the last,
    # whose first period may still be running; not a small one, whose line jumps)
    sized = [n for n in names[:-1] if not table.small[n]]
    pool = sized if len(sized) >= CURVE_DEFAULT else names[:-1]
    default = [pool[round(i)] for i in np.linspace(0, len(pool) - 1, CURVE_DEFAULT)]
else:  # the largest groups
    default = list(table.size.sort_values(ascending=False, kind="stable").index[:CURVE_DEFAULT])
picked = st.session_state.get("co_chosen")
if picked is None or not set(picked) <= set(names):  # new, or another period or grouping
    # Set here, not as the widget's default: Streamlit warns when a widget gets both.
    st.session_state["co_chosen"] = [n for n in picked or [] if n in names] or default
chosen = controls.multiselect(st, "Cohorts on the curve", names, key="co_chosen")
shown = table.support[table.average.notna()]
reach = (
    f"the average stops at {period} {shown.index.max()}, the last one with at least "
    f"{min_cohorts} cohorts, {min_customers:,} customers and {MIN_SHARE:.0%} of the first "
    "point's customers behind it"
    if len(shown)
    else f"no {period} has {min_cohorts} cohorts and {min_customers:,} customers behind it, "
    "so there is no average: lower the minimums"
)
show.chart(
    cohort_view.cohort_lines(
        table,
        chosen,
        f"{METRICS[metric]}: chosen cohorts and the weighted average",
        f"{subtitle} · {reach}",
        currency=currency,
    ),
    "cohorts_2",
)
if table.same_cohorts and len(shown):
    followed, everyone = int(shown["customers"].iloc[0]), int(table.size.sum())
    st.caption(
        f"The average follows the same {followed:,} customers ({followed / everyone:.0%} of "
        f"all {everyone:,} in the {rows_are}; those watched up to {period} "
        f"{shown.index.max()}, in {shown['cohorts'].iloc[0]} {rows_are}) at every point, so it "
        "can only grow."
    )
else:
    st.caption(
        f"Each point of the average is over the cohorts that have completed that {period} "
        "(the tooltip says how many cohorts and customers); cohorts marked (small) have "
        f"fewer than {SMALL_COHORT} customers."
    )

with st.expander("The numbers"):
    numbers = table.values.rename(columns=lambda k: f"{period} {k}")
    numbers.insert(0, "customers", table.size)
    kind = "share" if metric in cohort_view.SHARE_METRICS else "money"
    show.table(numbers, kinds={c: kind for c in numbers.columns[1:]})
    controls.download_button(
        st,
        "Download CSV",
        export.to_csv_bytes(numbers.reset_index()),
        file_name=f"cohorts_{metric}_{period}.csv",
        mime="text/csv",
        key="co_download",
    )

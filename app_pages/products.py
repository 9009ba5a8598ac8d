"""Products and timing page: when customers come back, and what they buy."""

import streamlit as st

from analytics import LensError
from analytics.output import product_view as view
from ui import cache_products, controls, session, show
from ui.sidebar import settings, window_button

SHOWN = 1000  # rows drawn of a list; its download holds every row
TOP_JOURNEYS = 10
dataset = session.current_dataset()
s = settings()
currency = session.currency(dataset)
end = f"{s.ref_date:%d %b %Y}"

st.title("Products and timing")
controls.settings_line()
st.caption(
    "A **purchase** is a customer's kept orders on one calendar day, as on every page: two "
    "orders on one day are one purchase. Customers who have not come back yet count for the "
    f"days they have been watched, up to the reference date ({end})."
)
again = cache_products.repurchase_timing(dataset, s.ref_date)
subtitle = f"{dataset.label} · purchases to {end} · {again.customers:,} customers"
if again.left_out:
    st.info(f"{again.left_out} (The sidebar's switch keeps them.)", icon=":material/history:")

st.subheader("Repurchase curve")
show.chart(
    cache_products.timing_chart(
        dataset,
        s.ref_date,
        "curve",
        "Share of customers who made a 2nd purchase, by days since their 1st",
        f"{subtitle} · Kaplan–Meier · shaded: 95% band",
    ),
    "repurchase_curve",
)
st.caption(
    view.so_far_sentence(again)
    + ("" if again.left_out else " (The first share is the Lifecycle funnel's 2nd step.)")
    + " Each day, the curve divides the customers who came back that day by those still "
    "waiting and watched that long (Kaplan–Meier). Shaded: its 95% band (Greenwood, log-log "
    f"scale). Drawn up to {min(again.longest, view.CURVE_DAYS):,} days"
    + (
        f" (two years; the longest anyone has been watched is {again.longest:,} days)."
        if again.longest > view.CURVE_DAYS
        else ", the longest time anyone has been watched."
    )
)
show.table(
    view.horizons_table(again),
    labels={"within_days": "Within days", "band_low": "95% band from", "band_high": "to"},
    kinds={"share": "share", "band_low": "share", "band_high": "share"},
    helps={"share": "Share of customers with a 2nd purchase within that many days."},
)

st.subheader("Repurchase by cohort")
cohorts = view.cohort_frame(again)
show.table(
    cohorts,
    kinds={label: "share" for label in view.HORIZON_LABELS.values()},
    labels={"cohort": "Month of 1st purchase"},
)
st.caption(
    "Each cell: the share of the month's new customers with a 2nd purchase within that many "
    "days of their 1st. Blank until every customer of the month has been watched that long."
)

st.subheader("Time between purchases")
left, right = st.columns(2)
gaps = again.gap_summary()["first_to_second"]
with left:
    # One decimal, as the table: the win-back timing below is this figure rounded up.
    p80 = f"80th percentile {gaps['p80']:,.1f} days" if gaps["p80"] is not None else "none yet"
    show.chart(
        cache_products.timing_chart(
            dataset,
            s.ref_date,
            "gaps",
            "Days from the 1st to the 2nd purchase",
            f"{dataset.label} · {again.came_back:,} customers who came back · {p80}",
        ),
        "days_to_second_purchase",
    )
with right:
    days_columns = ("median", "80th pct", "90th pct")  # days, to a tenth (interpolated)
    show.table(
        view.gaps_frame(again),
        kinds=dict.fromkeys(days_columns, "number"),
        decimals=dict.fromkeys(days_columns, 1),
    )
    days = again.winback_days
    st.info(again.winback_said(), icon=":material/schedule:")
    st.markdown(f"The **inactivity window** is now **{s.window} days**.")
    window_button(st, days, key="pt_use_window", why="The win-back timing")
    st.caption(
        "Another suggestion, on the Lifecycle page's What-if view, covers every gap between "
        "consecutive orders (a usual pause of a regular); this one is the moment after a first "
        "purchase by which most of those who come back have done so."
    )

st.subheader("What they buy")
try:
    cache_products.product_index(dataset, s.ref_date)  # says what column they need
    firsts = cache_products.first_products(dataset, s.ref_date)
except LensError as exc:
    st.info(str(exc), icon=":material/inventory_2:")
    st.stop()
if firsts.empty:
    st.info("No first purchase names a product.", icon=":material/inventory_2:")
    st.stop()
if dataset.log.report.lines:
    n = dataset.log.report.lines
    st.caption(f"{n['lines_kept']:,} line items of kept orders, {n['products']:,} products.")

st.markdown("#### First products")
show.table(
    view.first_products_frame(firsts),
    labels=view.FIRST_LABELS,
    kinds=view.FIRST_KINDS,
    currency=currency,
)
st.caption(
    "Customers whose 1st purchase holds the product (a purchase of two products counts for "
    "both). Back within 90 days: over those watched at least 90 days, with a 95% Wilson "
    "interval. Revenue per customer: their orders within 365 days of the 1st purchase, over "
    "those watched a year. Ticked: the interval holds the shop's own 90-day rate, so the "
    "group is too small (or too ordinary) to tell from the shop's average."
)

st.markdown("#### What comes next")
options = firsts["product"].head(200).tolist()
if st.session_state.get("pt_after") not in options:
    st.session_state["pt_after"] = options[0]  # another dataset: its top first product
after = controls.selectbox(st, "After a 1st purchase holding", options, key="pt_after")
n_after, nxt = cache_products.what_next(dataset, s.ref_date, after)
st.caption(
    f"{n_after:,} customer{'' if n_after == 1 else 's'} whose 1st purchase held {after} "
    "made a 2nd purchase. Share: of "
    "them, those whose 2nd purchase held the product. Lift: that share ÷ the product's share "
    "among all 2nd purchases (above 1: more likely after this product than after any)."
)
show.table(nxt.head(20), kinds={"share": "share", "lift": "number"})

st.markdown("#### Product journeys")
paths = cache_products.journeys(dataset, s.ref_date, TOP_JOURNEYS)
show.table(view.journey_frame(paths))
st.caption(
    "Customers who came back, by the path of their 1st to 4th purchases (as many as they "
    "made). A purchase of several products is named by its main product: the one in the "
    "most purchases of the shop. 'Other': every less common path."
)

st.markdown("#### Win-back list")
if days is not None:
    rows = cache_products.not_back(dataset, s.ref_date, after, days)
    st.caption(
        f"{len(rows):,} customer{'' if len(rows) == 1 else 's'} whose 1st purchase held "
        f"{after}, with no 2nd purchase yet, "
        f"more than {days} days (the win-back timing) after their 1st purchase; the most "
        "recently past it first (the likeliest to come back), the longest waiting last."
    )
    show.table(rows.head(SHOWN))  # the list as it downloads (its first rows)
    show.campaign_list(rows, f"First bought {after}, not back after {days} days", "pt_list")

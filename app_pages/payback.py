"""Payback page: is acquisition paying off? Spend in; CAC, payback month and LTV:CAC out."""

import pandas as pd
import streamlit as st

from analytics import LensError
from analytics.insights import payback
from analytics.output import payback_view as view
from analytics.output import present
from analytics.value import clv
from ui import cache_payback, cache_value, controls, session, show
from ui.sidebar import settings

dataset = session.current_dataset()
s = settings()
currency = session.currency(dataset)

st.title("Payback: is acquisition paying off?")
controls.settings_line()
# The same setting as the Value page's (one key): revenue is not margin, and a payback on
# revenue would make acquisition look paid for when it may not be.
margin_pct = controls.slider(
    controls.columns([1, 2])[0],
    "Gross margin (%)",
    5,
    100,
    step=5,
    key="clv_margin",
    help="The share of revenue left after the cost of goods: payback and LTV:CAC count margin, "
    "not revenue. The same setting as on the Value page.",
)
st.caption(
    "**CAC** = a month's marketing spend ÷ its new customers (customers whose first purchase "
    "falls in that month). **Margin per customer at month k** = gross margin × the cohort's "
    "revenue in months 0…k ÷ its new customers (month 0 = the first purchase's month). "
    "**Payback month**: the first month where that reaches the CAC. **LTV:CAC** at 3, 6 and "
    "12 months = margin per customer then ÷ CAC; for months not over yet, the margin so far "
    "plus the value model's expected margin, marked *predicted* with its 80% range. Overall "
    f"figures are weighted by new customers. Gross margin {margin_pct}%"
    + (
        " (at 100%, revenue counts as margin"
        + ("" if controls.presenting() else ": set your own above")
        + ")."
        if margin_pct == 100
        else "."
    )
)

key = dataset.source.key
kept = cache_payback.spend_table(dataset)
editor_key = f"pb_spend_{key[:16]}_{st.session_state.get('pb_version', 0)}"
edited = kept  # in presentation mode: the spend as entered, with no uploader or editor
if not controls.presenting():
    with st.expander("Marketing spend per month", expanded=kept.empty):
        upload = st.file_uploader(
            "Upload a spend file (CSV or Excel: month as YYYY-MM, spend, optional channel)",
            type=["csv", "xlsx", "xls"],
            key="pb_upload",
        )
        if upload is not None and st.session_state.get("pb_uploaded") != (key, upload.file_id):
            st.session_state["pb_uploaded"] = (key, upload.file_id)
            try:
                kept = cache_payback.read_upload(upload.getvalue(), upload.name)
                cache_payback.keep_spend(dataset, kept)
                st.session_state["pb_version"] = st.session_state.get("pb_version", 0) + 1
                st.rerun()
            except LensError as exc:
                st.error(f"{upload.name}: {exc}", icon=":material/error:")
        edited = st.data_editor(
            kept,
            num_rows="dynamic",
            key=editor_key,
            hide_index=True,
            column_config={
                "month": st.column_config.TextColumn("month (YYYY-MM)"),
                "channel": st.column_config.TextColumn("channel (blank: shared)"),
                "spend": st.column_config.TextColumn("spend"),
            },
        )
        cache_payback.keep_spend(dataset, edited)
        st.caption(
            "Kept with this dataset for this visit. Channels are matched to the channel of each "
            "customer's first order; spend with no channel is shared across the month's channels "
            "in proportion to their new customers."
        )

try:
    result = cache_payback.payback_of(dataset, s.ref_date, edited)
except LensError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()
if result is None:
    st.info("Enter the marketing spend per month above (or upload a file) to see the payback.")
    st.stop()
cohorts = result.cohorts

st.markdown(f"**{payback.sentence(result)}**")
for warning in result.warnings:
    st.warning(warning, icon=":material/info:")

overall = cohorts.overall.iloc[0]
m1, m2, m3, m4 = st.columns(4)
m1.metric("New customers", f"{int(overall['new_customers']):,}")
m2.metric("CAC, overall", present.money(overall["cac"], currency, 2))
k = overall["payback_month"]
m3.metric("Payback month, overall", "not yet" if pd.isna(k) else int(k))
ratio, low, high, predicted = (
    overall[f"ltv_cac_12{part}"] for part in ("", "_low", "_high", "_predicted")
)
m4.metric(
    "LTV:CAC at 12 months" + (", predicted" if predicted else ""),
    "n/a" if pd.isna(ratio) else f"{ratio:.2f}",
    help=view.ltv_text(ratio, low, high, predicted),
)
if view.any_predicted(cohorts):  # the range in view (not only on hover), with the verdict
    model = cache_value.value_settings()[0]
    said = f"LTV:CAC at 12 months, overall: {view.ltv_text(ratio, low, high, predicted)}. "
    st.caption(
        said
        + view.model_note(clv.MODELS[model], cache_value.check_words(dataset, s.ref_date, model))
    )

subtitle = f"{dataset.label} · gross margin {margin_pct}% · data to {result.data_end:%d %b %Y}" + (
    " (its last month is partial: ▲)" if cohorts.partial else ""
)
names = cohorts.table.loc[cohorts.table["new_customers"] > 0, "cohort"].tolist()
chosen = controls.selectbox(st, "Cohort", names, index=max(len(names) - 13, 0), key="pb_cohort")
show.chart(
    view.payback_chart(
        view.curve(cohorts, chosen),
        f"Cohort {chosen}: margin per customer against the CAC",
        subtitle,
        currency,
    ),
    "payback_cohort",
)

st.subheader("Every cohort")
rows = view.cohort_rows(cohorts)
money = {c: "money" for c in rows.columns if c.startswith("month ") or c in ("spend", "CAC")}
show.table(rows, kinds=money)

st.subheader("LTV:CAC at 12 months")


def ltv_chart(frame, title: str, name: str) -> None:
    if frame.empty:  # no model and no cohort old enough: nothing to draw
        st.info(f"{title}: none yet (no cohort is 12 months old and no model prediction).")
        return
    note = " · pale: predicted, with its 80% range · dashed: LTV = CAC"
    show.chart(view.ltv_bars(frame, title, subtitle + note), name)


ltv_chart(view.ltv_frame(cohorts.table, "cohort"), "LTV:CAC at 12 months by cohort", "pb_ltv")
if result.channels is not None:
    per = result.channels.overall
    ltv_chart(
        view.ltv_frame(per, "channel"),
        "LTV:CAC at 12 months by channel (first order's channel, weighted by new customers)",
        "pb_ltv_channels",
    )
    show.table(view.cohort_rows(result.channels, by="channel", overall=True), kinds=money)
    st.caption(
        "A channel's figure is predicted as soon as one of its cohorts has not reached that "
        "month: its margin so far plus what the model expects of those customers."
    )

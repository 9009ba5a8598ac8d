"""Value page: predicted CLV, P(alive), churn risk, and how accurate the model was."""

import pandas as pd
import streamlit as st

from analytics import LensError, charts, clv, cohorts, export, present, segments
from analytics import lifecycle as lc
from ui import controls, params, show, state
from ui.sidebar import settings

dataset = state.current_dataset()
currency = state.currency(dataset)
s = settings()
st.title("Customer value and churn risk")
controls.settings_line()
c1, c2, c3, c4, c5 = controls.columns([1.4, 1, 1, 1, 1])
model = controls.selectbox(
    c1,
    "Model",
    list(clv.MODELS),
    format_func=clv.MODELS.get,
    key="clv_model",
    help="BG/NBD (default): customers may stop right after a purchase. Modified BG/NBD: "
    "also right after the first, so one-time buyers are not surely alive. Pareto/NBD: at "
    "any time; its fit is much slower on large data.",
)
months = controls.slider(c2, "Horizon (months of 30 days)", 1, 36, key="clv_months")
discount = controls.slider(
    c3, "Discount rate per month (%)", 0.0, 5.0, step=0.1, key="clv_discount"
)
margin = controls.slider(c4, "Gross margin (%)", 5, 100, step=5, key="clv_margin")
horizon = controls.number_input(c5, "Churn horizon (days)", 30, 365, step=15, key="churn_days")
subtitle = (
    f"{dataset.label} · {clv.MODELS[model]} fitted on orders to {s.ref_date:%d %b %Y} · CLV over "
    f"{months} months of 30 days, {discount:g}%/month discount, {margin}% margin"
)
st.caption(subtitle)

try:
    fitted, fc = state.clv_forecast(dataset, s.ref_date, model, months)
except LensError as exc:
    st.warning(str(exc), icon=":material/info:")
    st.stop()
for note in fitted.warnings:
    st.warning(note, icon=":material/warning:")

summary = state.summary(dataset, s.ref_date)
table = fc.table.copy()
table["clv"] = clv.clv(fc, months, discount / 100, margin / 100)
snap = lc.snapshot(state.lifecycle_index(dataset), s.ref_date, s.window, s.at_risk_factor)
table["stage"] = pd.Categorical.from_codes(snap.codes[snap.n > 0], lc.STAGES)
table["chance_to_order"], churn_source = state.churn_chance(dataset, s.ref_date, model, horizon)
table["churn_risk"] = clv.churn_band(table["chance_to_order"].to_numpy())
scores = segments.value_scores(
    dataset.base, s.ref_date, table["clv"], table["p_alive"], table["chance_to_order"]
)
state.remember_scores(dataset, s.ref_date, scores, (model, months, discount, margin, horizon))

m1, m2, m3, m4 = st.columns(4)
m1.metric("Customers scored", f"{len(table):,}")
m2.metric(f"Predicted CLV, {months} months", present.money(table["clv"].sum(), currency))
m3.metric(
    "Chance still a customer, average",
    f"{table['p_alive'].mean():.0%}",
    help=present.COLUMNS["p_alive"].help,
)
m4.metric("Expected orders, next 90 days", f"{table['purchases_90d'].sum():,.0f}")

view = params.segmented("View", params.VIEWS["clv_view"], key="clv_view")

if view == "Value":
    show.chart(
        charts.histogram(
            table["clv"],
            present.money_title("Predicted CLV", currency),
            "How predicted value is spread",
            subtitle,
        ),
        "value_1",
    )
    by_stage = lc.average_by_stage(table["clv"], table["stage"])
    show.chart(
        charts.value_bars(
            by_stage.rename("clv").to_frame(),
            "stage",
            "clv",
            "Average CLV per stage",
            subtitle,
            currency=currency,
        ),
        "value_2",
    )
    groups = cohorts.acquisition_attributes(dataset.base)
    first = summary["first_order"].dt.to_period("Q").astype(str).rename("Cohort (quarter)")
    options = {"Cohort (quarter)": first, **groups}
    split = controls.selectbox(st, "Average CLV by", list(options), key="clv_group")
    by_group = clv.average_by(
        table["clv"], options[split], chronological=split == "Cohort (quarter)"
    )
    show.chart(
        charts.value_bars(
            by_group, "group", "clv", f"Average CLV by {split.lower()}", subtitle, currency=currency
        ),
        "value_3",
    )
    st.caption(f"The {clv.TOP_GROUPS} largest groups at most; quarters in time order.")
    st.markdown("**Top customers by predicted CLV**")
    show.table(table.nlargest(100, "clv"))
    controls.download_button(
        st,
        "Download every customer's scores (CSV)",
        lambda: export.to_csv_bytes(table.reset_index()),  # built on click
        file_name=f"customer_value_{s.ref_date:%Y%m%d}.csv",
        mime="text/csv",
        key="clv_download",
        on_click="ignore",  # see ui/show.py
    )

elif view == "Churn risk":
    show.chart(
        charts.histogram(
            table["p_alive"] * 100,
            "Chance still a customer (P(alive)), %",
            "Who is probably still a customer",
            subtitle,
        ),
        "value_4",
    )
    grid = clv.alive_grid(summary, table["p_alive"].to_numpy())
    show.chart(
        charts.mean_heatmap(
            grid,
            "days_since_last",
            "repeat_purchases",
            "p_alive",
            "Chance still a customer by repeat purchases and days since the last one",
            subtitle,
            "Days since the last purchase (10 bands of equal size)",
            "Repeat purchases (10 = 10 or more)",
        ),
        "value_5",
    )
    bands = table["churn_risk"].value_counts().reindex(clv.CHURN_BANDS).rename("customers")
    show.chart(
        charts.value_bars(
            bands.rename_axis("risk").to_frame(),
            "risk",
            "customers",
            f"Churn risk: chance to order within {horizon} days",
            f"{subtitle} · scored by {churn_source}",
        ),
        "value_6",
    )
    st.caption(
        f"Risk bands from the chance to order within {horizon} days, by {churn_source} (the "
        "better of the two in the backtest): high below 20%, medium 20–50%, low 50% or more."
    )
    leaving = table[table["churn_risk"] == "high"].sort_values("clv", ascending=False)
    st.markdown(f"**{len(leaving):,} customers at high risk**, most valuable first")
    show.table(leaving.head(100))
    show.campaign_list(leaving.reset_index(), f"high_churn_risk_{s.ref_date:%Y%m%d}", "churn")

elif view == "Backtest":
    try:
        compare, best, runs = state.backtests(dataset, model)
        result = runs[model]
    except LensError as exc:
        st.warning(str(exc))
        st.stop()
    st.markdown(result.sentence())
    bt_sub = (
        f"{dataset.label} · {clv.MODELS[result.model]} fitted to "
        f"{result.calibration_end:%d %b %Y}, holdout {result.holdout_days} days"
    )
    deciles = result.deciles.rename(
        columns={"predicted_revenue": "predicted", "actual_revenue": "actual"}
    )
    show.chart(
        charts.predicted_vs_actual(
            deciles,
            "decile",
            "Decile of predicted value (1 = top 10%)",
            "Holdout revenue: predicted vs real",
            bt_sub,
        ),
        "value_6",
    )
    show.chart(
        charts.predicted_vs_actual(
            result.by_frequency,
            "frequency_group",
            "Repeat purchases before the split (7 = 7+)",
            "Average holdout orders by past repeat purchases",
            bt_sub,
            kind="line",
        ),
        "value_7",
    )
    st.markdown(
        f"**Models compared** — recommended: **{clv.MODELS[best]}** (the smallest "
        f"{present.AVERAGE_MISS.lower()})"
    )
    show.table(compare.rename_axis("model"))
    try:
        duel = state.challenge(dataset, model, horizon)
    except LensError as exc:
        st.info(f"Challenger not run: {exc}")
    else:
        st.markdown(
            f"**Challenger** (gradient boosting on RFM and lifecycle features), ordering again "
            f"within {horizon} days. {present.RANKING}: {duel.roc_auc_model:.3f} vs "
            f"{duel.roc_auc_bgnbd:.3f} for {clv.MODELS[model]} (1 = perfect, 0.5 = chance). "
            f"{present.TOP_TENTH}: {duel.lift_model:.1f}× vs {duel.lift_bgnbd:.1f}×. "
            f"Better: **{duel.winner}**."
        )
        show.chart(
            charts.calibration_lines(duel.calibration, "Predicted vs real chance to order", bt_sub),
            "value_8",
        )

else:
    rows = [
        {"parameter": k, "value": round(v, 4), "meaning": clv.PARAM_MEANINGS.get(k, "")}
        for k, v in fitted.params.items()
    ]
    rows += [
        {"parameter": k, "value": round(v, 4), "meaning": clv.PARAM_MEANINGS.get(k, "")}
        for k, v in fitted.spend.params.items()
    ]
    show.table(pd.DataFrame(rows), labels={"meaning": "What it means"}, kinds={"value": "number"})
    st.markdown(
        f"Purchase model **{fitted.name}** on {fitted.customers:,} customers "
        f"({fitted.repeat_buyers:,} repeat buyers), {present.SMOOTHING} "
        f"{fitted.penalizer:g}. Spend model: **{fitted.spend.method}**. Correlation between "
        f"repeat purchases and spend per order: {fitted.frequency_spend_correlation:+.2f} "
        f"(the {present.SPEND_MODEL} assumes about 0)."
    )

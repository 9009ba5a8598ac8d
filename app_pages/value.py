"""Value page: predicted CLV with ranges, churn risk, and how accurate the model was."""

import pandas as pd
import streamlit as st

from analytics import LensError, charts, clv, cohorts, export, present, segments
from analytics import lifecycle as lc
from ui import controls, params, show, state
from ui.sidebar import settings

dataset = state.current_dataset()
currency = state.currency(dataset)
money = lambda v: present.money(v, currency)  # noqa: E731
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
    help=" ".join(clv.MODEL_REASONS.values()),
)
months = controls.slider(c2, "Horizon (months of 30 days)", 1, 36, key="clv_months")
discount = controls.slider(
    c3, "Discount rate per month (%)", 0.0, 5.0, step=0.1, key="clv_discount"
)
margin = controls.slider(c4, "Gross margin (%)", 5, 100, step=5, key="clv_margin")
horizon = controls.number_input(c5, "Churn horizon (days)", 30, 365, step=15, key="churn_days")
what_if = clv.Settings(months, discount / 100, margin / 100, int(horizon))
subtitle = (
    f"{dataset.label} · {clv.MODELS[model]} fitted on orders to {s.ref_date:%d %b %Y} · CLV over "
    f"{months} months of 30 days, {discount:g}%/month discount, {margin}% margin"
)
st.caption(subtitle)
if model == "pareto" and dataset.base.n_customers > clv.PARETO_COMPARE_LIMIT:
    st.info(
        f"Pareto/NBD is slow on {dataset.base.n_customers:,} customers: its fit can take "
        "several minutes. Modified BG/NBD is the quick choice.",
        icon=":material/hourglass:",
    )

try:
    fitted, table, (total_low, total_high) = state.clv_scores(dataset, s.ref_date, model, what_if)
except LensError as exc:
    st.warning(str(exc), icon=":material/info:")  # no value figure from a failed model
    st.stop()
if fitted.cannot_tell_dropout:  # the figures below are only shown beside this warning
    st.warning(fitted.warnings[0], icon=":material/warning:")
for note in fitted.warnings[1 if fitted.cannot_tell_dropout else 0 :]:
    st.warning(note, icon=":material/info:")
if model == "bgnbd":
    st.info(clv.MODEL_REASONS["bgnbd"], icon=":material/info:")

summary = state.summary(dataset, s.ref_date)
snap = lc.snapshot(state.lifecycle_index(dataset), s.ref_date, s.window, s.at_risk_factor)
table["stage"] = pd.Categorical.from_codes(snap.codes[snap.n > 0], lc.STAGES)
scores = segments.value_scores(dataset.base, s.ref_date, table)
state.remember_scores(dataset, s.ref_date, scores, (model, months, discount, margin, horizon))

star = "*" if fitted.cannot_tell_dropout else ""
m1, m2, m3, m4 = st.columns(4)
m1.metric("Customers scored", f"{len(table):,}")
m2.metric(
    f"Predicted CLV, {months} months",
    money(table["clv"].sum()) + star,
    help="The sum over every customer. *: see the warning above.",
)
m3.metric(
    "80% range of that total",
    present.span(*(present.symbol(currency) + show.compact(v) for v in (total_low, total_high))),
    help="The model's uncertainty about its parameters plus the chance in each customer's "
    "buying: 8 times in 10 the real total should fall in this range.",
)
m4.metric(
    "Chance still a customer, average",
    f"{table['p_alive'].mean():.0%}{star}",
    help=present.COLUMNS["p_alive"].help,
)
if clv.dominated(table["clv"]):
    st.caption(
        f"Average CLV per customer {money(table['clv'].mean())}, median "
        f"{money(table['clv'].median())}: a few customers pull the average up."
    )

view = params.segmented("View", params.VIEWS["clv_view"], key="clv_view")
shown = present.ranges(table, currency)
columns = ["customer_id", "stage", "clv", "clv_range", "p_alive", "p_alive_range", "purchases"]
columns += ["purchases_range", "expected_spend", "churn_risk", "outlier"]

if view == "Value":
    top = table.nlargest(20, "clv").reset_index()
    top["customer"] = top["customer_id"].astype(str) + top["outlier"].map({True: " ⚠", False: ""})
    show.chart(
        charts.range_points(
            top,
            "customer",
            "clv",
            "clv_low",
            "clv_high",
            present.money_title("Predicted CLV (dot) and its 80% range", currency),
            "The 20 customers with the highest predicted value",
            subtitle,
        ),
        "value_1",
    )
    st.caption("⚠ = expected spend rests on one order above the shop's 99.9th percentile.")
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
    if clv.dominated(table["clv"]):
        medians = lc.average_by_stage(table["clv"], table["stage"], "median").dropna()
        words = ", ".join(f"{k} {money(v)}" for k, v in medians.items())
        st.caption(f"Median CLV per stage (a few customers pull the averages up): {words}.")
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
    flagged = int(table["outlier"].sum())
    st.markdown(
        "**Top customers by predicted CLV** · "
        + (
            f"{flagged:,} flagged ⚠: their expected spend rests on one order above the "
            "shop's 99.9th percentile"
            if flagged
            else "no customer's value rests on one giant order"
        )
    )
    show.table(shown.nlargest(100, "clv").reset_index()[columns], first=columns)
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
            subtitle,
        ),
        "value_6",
    )
    st.caption(
        f"Risk bands from {fitted.name}'s chance to order within {horizon} days: high below "
        "20%, medium 20–50%, low 50% or more."
    )
    st.markdown("**Where the lifecycle stages and the model disagree**")
    rules, members = clv.disagreements(table["stage"], table["p_alive"])
    show.table(rules.drop(columns="why"), first=["disagreement"])
    for rule in rules.itertuples():
        st.caption(f"**{rule.disagreement}:** {rule.why}")
    st.caption(
        "The stages follow a rule on days since the last order (the inactivity window); the "
        "model's chance still a customer follows each customer's own rhythm."
    )
    listed = table.loc[members.index].assign(disagreement=members).reset_index()
    show.campaign_list(listed, f"stage_model_disagreements_{s.ref_date:%Y%m%d}", "disagree")
    leaving = shown[table["churn_risk"] == "high"].sort_values("clv", ascending=False)
    st.markdown(f"**{len(leaving):,} customers at high risk**, most valuable first")
    show.table(leaving.head(100).reset_index()[columns], first=columns)
    show.campaign_list(
        table.loc[leaving.index].reset_index(), f"high_churn_risk_{s.ref_date:%Y%m%d}", "churn"
    )

elif view == "Backtest":
    bar = st.progress(0.0, "Backtesting: refitting each model on the older orders…")
    try:
        compare, best, runs = state.backtests(
            dataset, model, lambda done, text: bar.progress(done, text)
        )
        result = runs[model]
    except (LensError, KeyError) as exc:
        bar.empty()
        st.error(f"The backtest could not be run, so the figures above are unchecked: {exc}")
        st.stop()
    bar.empty()
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
        with st.spinner("Training the challenger (gradient boosting)…"):
            duel = state.challenge(dataset, model, horizon)
    except LensError as exc:
        st.info(f"Challenger not run: {exc}")
    else:
        st.markdown(
            f"**Challenger** (gradient boosting on RFM and lifecycle features), ordering again "
            f"within {horizon} days. {present.RANKING}: {duel.roc_auc_model:.2f} vs "
            f"{duel.roc_auc_clv:.2f} for {clv.MODELS[model]} (1 = perfect, 0.5 = chance). "
            f"{present.TOP_TENTH}: {duel.lift_model:.1f}× vs {duel.lift_clv:.1f}×. Better at "
            f"ranking: **{duel.winner}**. Churn risk on this page comes from {fitted.name}."
        )
        show.chart(
            charts.calibration_lines(duel.calibration, "Predicted vs real chance to order", bt_sub),
            "value_8",
        )

else:
    st.markdown(f"**Why this model.** {fitted.reason}")
    rows = [
        {"parameter": k, "value": v, "meaning": clv.PARAM_MEANINGS.get(k, "")}
        for k, v in {**fitted.params, **fitted.spend.params}.items()
    ]
    show.table(pd.DataFrame(rows), labels={"meaning": "What it means"}, kinds={"value": "number"})
    st.markdown(
        f"Purchase model **{fitted.name}** on {fitted.customers:,} customers "
        f"({fitted.repeat_buyers:,} repeat buyers), {present.SMOOTHING} "
        f"{fitted.penalizer:g}. Spend model: **{fitted.spend.method}**. Correlation between "
        f"repeat purchases and spend per order: {fitted.frequency_spend_correlation:+.2f} "
        f"(the {present.SPEND_MODEL} assumes about 0). Ranges: 80%, from the fit's curvature "
        "(parameters) and the chance in buying (orders)."
    )

"""The Value page's four views (Value, Churn risk, Backtest, Model), drawn from the scores the
page computed once; the page itself keeps the controls and the headline figures."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analytics import LensError
from analytics.insights import cohorts
from analytics.insights import lifecycle as lc
from analytics.output import charts, export, present
from analytics.value import clv, lists, scorecard
from ui import cache_insights, cache_value, controls, show
from ui.session import Dataset


@dataclass(frozen=True)
class Shown:
    """What every view draws from: the dataset, the scores and how the page describes them."""

    dataset: Dataset
    model: str
    fitted: clv.ClvModel
    table: pd.DataFrame  # every customer's scores, with their stage
    summary: pd.DataFrame
    horizon: int  # churn horizon, days
    ref_date: pd.Timestamp
    subtitle: str
    currency: str | None
    check: str = ""  # the backtest's error, said beside every aggregate of CLV
    months: int = 12  # the CLV horizon
    best: str = ""  # which ranking the backtest found best at picking who spends most
    key: tuple = ()  # the dataset and every setting the table rests on (cache_value.memo)
    dominated: bool = False  # a few customers pull the average CLV up (clv.dominated)
    leave_out: bool = False  # one-order outliers left out of the table

    def money(self, value) -> str:
        return present.money(value, self.currency)

    def customers_key(self) -> tuple:
        """What decides which customers the table holds (not their scores): the dataset,
        the reference date and whether one-order outliers are left out."""
        return (self.dataset.source.key, self.ref_date, self.leave_out)

    def labels(self) -> dict[str, str]:
        """Headers that name their horizon: the CLV horizon's figures and the churn
        horizon's risk sit side by side in the customer tables."""
        return {
            **present.horizon_labels(self.months),
            "churn_risk": f"Churn risk, {self.horizon} days",
        }


COLUMNS = ["customer_id", "stage", "clv", "clv_range", "range_note", "p_no_order", "p_alive"]
COLUMNS += ["p_alive_range", "purchases", "purchases_range", "expected_spend", "churn_risk"]
COLUMNS += ["outlier"]


def known_view(v: Shown) -> None:
    """What is known when the model cannot tell who has left: revenue to date per stage and
    the customers ranked by it, never a figure that rests on the model."""
    table, summary = v.table, v.summary
    st.info(
        "Predicted CLV per customer, per stage and per group is not shown: the model cannot "
        "tell who has stopped buying here (see the warning above). Shown instead: what is "
        "known, revenue to date.",
        icon=":material/info:",
    )
    show.chart(
        charts.value_bars(
            lc.average_by_stage(summary["revenue"], table["stage"]).rename("revenue").to_frame(),
            "stage",
            "revenue",
            "Average revenue to date per stage",
            v.subtitle,
            currency=v.currency,
        ),
        "value_2",
    )
    st.markdown("**Top customers by revenue to date** (not by predicted CLV: see above)")
    known = summary[["revenue", "orders", "last_order"]].assign(stage=table["stage"])
    columns = ["customer_id", "stage", "revenue", "orders", "last_order"]
    show.table(known.nlargest(100, "revenue").reset_index()[columns], first=columns)


def value_view(v: Shown) -> None:
    """The most valuable customers, CLV per stage and per group, and the full table."""
    if v.fitted.cannot_tell_dropout:
        known_view(v)
        return
    dataset, table, summary, subtitle, currency, money = (
        v.dataset, v.table, v.summary, v.subtitle, v.currency, v.money
    )  # fmt: skip
    columns = COLUMNS

    # The top 100 once per settings; the top 20 are its first 20 (ties in the same order).
    top_rows = cache_value.memo("top_100_rows", v.key, lambda: table.nlargest(100, "clv"))

    def top_20():
        ranked = top_rows.nlargest(20, "clv")
        return ranked.assign(range_note=present.range_notes(ranked, currency, v.months))

    top = cache_value.memo("top_20", v.key, top_20).reset_index()
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
            note="range_note",
        ),
        "value_1",
    )
    if top["outlier"].any():
        st.caption("⚠ = expected spend rests on one order above the shop's 99.9th percentile.")
    by_stage = cache_value.memo(
        "clv_by_stage", v.key, lambda: lc.average_by_stage(table["clv"], table["stage"])
    )
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
    st.caption(f"{v.check[0].upper()}{v.check[1:]} (the total, same model).")
    if v.dominated:
        medians = cache_value.memo(
            "clv_median_by_stage",
            v.key,
            lambda: lc.average_by_stage(table["clv"], table["stage"], "median").dropna(),
        )
        words = ", ".join(f"{k} {money(v)}" for k, v in medians.items())
        st.caption(f"Median CLV per stage (a few customers pull the averages up): {words}.")
    groups = cohorts.acquisition_attributes(dataset.base)
    existing = cache_insights.left_out(dataset)

    def quarters():
        first = summary["first_order"].dt.to_period("Q").astype(str).rename("Cohort (quarter)")
        if existing is not None:  # not a cohort: the shop's base when the data starts
            first = first.where(summary["first_order"] >= existing.until)
        return first

    until = None if existing is None else existing.until
    first = cache_value.memo("quarters", (*v.customers_key(), until), quarters)
    if existing is not None:
        st.caption(f"{existing.sentence()} Left out of the averages by cohort.")
    options = {"Cohort (quarter)": first, **groups}
    split = controls.selectbox(st, "Average CLV by", list(options), key="clv_group")
    coded = cache_value.memo(  # each customer's group coded once, not hashed on every step
        "group_codes",
        (*v.customers_key(), until, split),
        lambda: options[split].astype("category"),
    )
    by_group = cache_value.memo(
        "clv_by_group",
        (*v.key, until, split),
        lambda: clv.average_by(table["clv"], coded, chronological=split == "Cohort (quarter)"),
    )
    show.chart(
        charts.value_bars(
            by_group, "group", "clv", f"Average CLV by {split.lower()}", subtitle, currency=currency
        ),
        "value_3",
    )
    st.caption(
        f"The {clv.TOP_GROUPS} largest groups at most; quarters in time order. "
        f"{v.check[0].upper()}{v.check[1:]} (the total, same model)."
    )
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
    top_100 = cache_value.memo(
        "top_100", v.key, lambda: present.ranges(top_rows, currency, v.months)
    )
    # "Why the range is one figure" only when one of these customers' range is.
    noted = [c for c in columns if c != "range_note" or top_100["range_note"].astype(bool).any()]
    show.table(top_100.reset_index()[noted], first=noted, labels=v.labels())
    if v.best:
        st.caption(v.best)
    controls.download_button(
        st,
        "Download every customer's scores (CSV)",
        lambda: export.to_csv_bytes(  # built on click
            table.assign(range_note=present.range_notes(table, currency, v.months)).reset_index()
        ),
        file_name=f"customer_value_{v.ref_date:%Y%m%d}.csv",
        mime="text/csv",
        key="clv_download",
        on_click="ignore",  # see ui/show.py
    )


def churn_view(v: Shown) -> None:
    """Who is probably still a customer, churn risk bands, and where stages and model disagree."""
    table, summary, horizon, fitted = v.table, v.summary, v.horizon, v.fitted
    # Neither the CLV horizon, the discount nor the margin moves these figures.
    subtitle = (
        f"{v.dataset.label} · {fitted.name} fitted on orders to {v.ref_date:%d %b %Y} · "
        f"churn horizon {horizon} days"
    )
    if fitted.cannot_tell_dropout:
        st.info(
            "Chance still a customer, churn risk and where the stages and the model disagree "
            "are not shown: the model cannot tell who has stopped buying here (see the warning "
            "above). The lifecycle stages say who has stopped ordering: the Lifecycle page "
            "lists the At-risk customers (win-back, ranked by revenue to date) and the "
            "Inactive ones.",
            icon=":material/info:",
        )
        return
    columns = COLUMNS
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
            "Days since the last purchase (10 bands, about a tenth of the customers each)",
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
        "20%, medium 20–50%, low 50% or more. This is not the chance still a customer: a "
        "customer who buys twice a year is probably still a customer, yet unlikely to order "
        f"in the next {horizon} days, so high risk can sit beside a high chance still a "
        "customer."
    )
    st.markdown("**Where the lifecycle stages and the model disagree**")
    rules, members = lists.disagreements(table["stage"], table["p_alive"])
    if rules["customers"].sum() == 0:  # a table of zeros says less than one sentence
        st.caption(
            "No strong disagreement here: "
            + "; ".join(f"{r.disagreement}: 0 of {r.out_of:,}" for r in rules.itertuples())
            + "."
        )
    else:
        show.table(rules.drop(columns="why"), first=["disagreement"])
        for rule in rules.itertuples():
            st.caption(f"**{rule.disagreement}:** {rule.why}")
    st.caption(
        "The stages follow a rule on days since the last order (the inactivity window); the "
        "model's chance still a customer follows each customer's own rhythm."
    )
    why = lists.reasons(summary, table["p_alive"], members.str.startswith("Inactive"))
    listed = table.loc[members.index].assign(disagreement=members, why=why).reset_index()
    if len(listed):
        st.caption("Each customer's own reason, from their rhythm and days since the last order:")
        show.table(listed.head(100), first=["customer_id", "stage", "disagreement", "why"])
    show.campaign_list(listed, f"stage_model_disagreements_{v.ref_date:%Y%m%d}", "disagree")
    leaving = table[table["churn_risk"] == "high"].sort_values("clv", ascending=False)
    st.markdown(f"**{len(leaving):,} customers at high risk**, most valuable first")
    shown = present.ranges(leaving.head(100), v.currency, v.months)
    show.table(shown.reset_index()[columns], first=columns, labels=v.labels())
    if v.best:
        st.caption(v.best)
    show.campaign_list(
        table.loc[leaving.index].reset_index(), f"high_churn_risk_{v.ref_date:%Y%m%d}", "churn"
    )


def backtest_view(v: Shown) -> None:
    """The model refitted on older orders and scored on the newer, against the other models
    and the challenger."""
    dataset, model, horizon, fitted = v.dataset, v.model, v.horizon, v.fitted
    bar = st.progress(0.0, "Backtesting: refitting each model on the older orders…")
    try:
        compare, best, runs = cache_value.backtests(
            dataset, v.ref_date, model, lambda done, text: bar.progress(done, text)
        )
        result = runs[model]
    except (LensError, KeyError) as exc:
        bar.empty()
        st.error(f"The backtest could not be run, so the figures above are unchecked: {exc}")
        st.stop()
    bar.empty()
    st.markdown(
        present.with_caveat(
            result.sentence(v.money), v.fitted.cannot_tell_dropout, result.holdout_days, v.months
        )
    )
    duel, no_duel = None, ""
    # The challenger trains a classifier (seconds to minutes): only when asked, so that the
    # backtest opens fast; once trained it is cached and joins the scorecard.
    if controls.toggle(
        st,
        f"Also train the challenger (gradient boosting on RFM and lifecycle features, "
        f"ordering again within {horizon} days)",
        key="bt_challenger",
    ):
        try:
            with st.spinner("Training the challenger (gradient boosting)…"):
                duel = cache_value.challenge(dataset, v.ref_date, model, horizon)
        except LensError as exc:
            no_duel = f"Challenger not run: {exc}"
    ranked = result if duel is None else result.with_challenger(duel.chance)
    st.markdown(f"**How well it ranks customers.** {ranked.ranking_sentence()}")
    show.table(
        scorecard.table(ranked.ranking),
        first=["ranking", "auc", "gini"],
        labels=scorecard.HEADERS,
        kinds={"auc": "number", "gini": "number"},
        helps=scorecard.HELPS,
    )
    st.caption(scorecard.EXPLAINED)
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
            present.money_title("Holdout revenue", v.currency),
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
            "Holdout orders per customer",
            "Average holdout orders by past repeat purchases",
            bt_sub,
            kind="line",
        ),
        "value_7",
    )
    st.markdown(
        f"**Models compared** — recommended: **{clv.MODELS[best]}** (the smallest "
        f"{present.AVERAGE_MISS.lower().replace(' (mean absolute error)', '')})"
    )
    show.table(compare.rename_axis("model"))
    st.markdown("**Predicted against real, by tenth of predicted value** (1 = the top 10%)")
    show.table(result.deciles.reset_index(), first=["decile"])
    if no_duel:
        st.info(no_duel)
    elif duel is not None:
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


def model_view(v: Shown) -> None:
    """The fitted parameters in words."""
    fitted = v.fitted
    st.markdown(f"**Why this model.** {fitted.reason}")
    words = clv.in_plain_words(fitted.model, fitted.params, fitted.spend.params, v.money)
    st.markdown("**What the model learned.** " + " ".join(words))
    rows = [
        {"meaning": clv.PARAM_MEANINGS.get(k, ""), "parameter": k, "value": value}
        for k, value in {**fitted.params, **fitted.spend.params}.items()
    ]
    st.caption("The parameters behind those sentences, for an analyst:")
    show.table(
        pd.DataFrame(rows),
        first=["meaning", "parameter", "value"],
        labels={"meaning": "What it means", "parameter": "Symbol"},
        kinds={"value": "number"},
    )
    st.markdown(
        f"Purchase model **{fitted.name}** on {fitted.customers:,} customers "
        f"({fitted.repeat_buyers:,} repeat buyers), {present.SMOOTHING} "
        f"{fitted.penalizer:g}. Spend model: **{fitted.spend.method}**. Correlation between "
        f"repeat purchases and spend per order: {fitted.frequency_spend_correlation:+.2f} "
        f"(the {present.SPEND_MODEL} assumes about 0). Ranges: 80%, from the fit's curvature "
        "(parameters) and the chance in buying (orders)."
    )

"""Value page: predicted CLV with ranges, churn risk, and how accurate the model was."""

import numpy as np
import pandas as pd
import streamlit as st

from analytics import LensError
from analytics.insights import lifecycle as lc
from analytics.output import present
from analytics.value import clv, lists, scorecard, verdict
from ui import cache_value, controls, params, session, show, threads, value_views
from ui.sidebar import settings

dataset = session.current_dataset()
currency = session.currency(dataset)
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
    f"{present.months(months)} of 30 days, {discount:g}%/month discount, {margin}% margin"
)
st.caption(subtitle)
if model == "pareto" and dataset.base.n_customers > clv.PARETO_COMPARE_LIMIT:
    st.info(
        f"Pareto/NBD is the slowest model on {dataset.base.n_customers:,} customers: its fit, "
        "forecast and backtest can take a minute. Modified BG/NBD is the quick choice.",
        icon=":material/hourglass:",
    )

# The model's backtest (its verdict goes beside every figure) shares nothing with the fit
# below: on a first open it runs in a second thread meanwhile (at once when it is cached).
checked = threads.beside(cache_value.checked, dataset, s.ref_date, model)
try:
    fitted, table, (total_low, total_high) = cache_value.clv_scores(
        dataset, s.ref_date, model, what_if
    )
except LensError as exc:
    st.warning(str(exc), icon=":material/info:")  # no value figure from a failed model
    st.stop()
if fitted.cannot_tell_dropout:  # the figures below are only shown beside this warning
    st.warning(fitted.warnings[0], icon=":material/warning:")
for note in fitted.warnings[1 if fitted.cannot_tell_dropout else 0 :]:
    st.warning(note, icon=":material/info:")
if model == "bgnbd":
    st.info(clv.MODEL_REASONS["bgnbd"], icon=":material/info:")

summary = cache_value.summary(dataset, s.ref_date)


def _stages():
    snap = lc.snapshot(session.lifecycle_index(dataset), s.ref_date, s.window, s.at_risk_factor)
    return pd.Categorical.from_codes(snap.codes[snap.n > 0], lc.STAGES)


stage_key = (dataset.source.key, s.ref_date, s.window, s.at_risk_factor)
table = table.assign(stage=cache_value.memo("stages", stage_key, _stages))  # the kept one unchanged

outliers = lists.outlier_totals(table["clv"], table["outlier"])
leave_out = outliers["customers"] > 0 and controls.toggle(
    st,
    "Leave out one-order outliers",
    key="clv_no_outliers",
    help="Customers whose expected spend rests on one order above the shop's 99.9th "
    "percentile: left out of every figure and list below.",
)
if leave_out:  # the range of the total without them, from the same forecast
    keep = ~table["outlier"].to_numpy()
    fc = cache_value.clv_forecast(dataset, s.ref_date, model, months)[1]
    values = np.where(keep, table["clv"].to_numpy(), 0.0)
    total_low, total_high = clv.total_interval(fitted, fc, values)
    table, summary = table[keep], summary[keep]
with st.spinner("Backtesting the model…"):  # shown only if it is still running
    result, unchecked = checked()
total = float(table["clv"].sum())
if result is not None:  # the total's range with the backtest's bias and spread
    total_low, total_high = result.total_range(total, total_low, total_high)
check = verdict.error_words(result.totals) if result is not None else "backtest: not run"
star = "*" if fitted.cannot_tell_dropout else ""
m1, m2, m3, m4 = st.columns(4)
m1.metric("Customers scored", f"{len(table):,}")
m2.metric(
    present.horizon_labels(months)["clv"],
    money(total) + star,
    delta=verdict.error_words(result.totals, short=True) if result is not None else check,
    delta_color="off",
    delta_arrow="off",
    help="The sum over every customer. *: see the warning above. Beside it, how far the "
    "same model was off when refitted on older orders and asked for the newer ones.",
)
m3.metric(
    "80% range of that total",
    present.total_span(total_low, total_high, lambda v: present.symbol(currency) + show.compact(v)),
    help="The model's uncertainty about its parameters plus the chance in each customer's "
    "buying, widened by how far off the model was in the backtest (its bias and spread). "
    "'Or more': in the backtest the model predicted under a tenth of what happened, so no "
    "multiple of its guess bounds the total from above.",
)
m4.metric(
    "Chance still a customer, average",
    f"{table['p_alive'].mean():.0%}{star}",
    help=present.COLUMNS["p_alive"].help,
)
if outliers["customers"]:
    st.caption(lists.outlier_line(outliers, money, left_out=leave_out))
st.caption(
    present.with_caveat(
        result.verdict_sentence(), fitted.cannot_tell_dropout, result.holdout_days, months
    )
    if result is not None
    else unchecked
)
key = (*stage_key, model, what_if, leave_out, currency)  # everything the table rests on
dominated = cache_value.memo("dominated", key, lambda: clv.dominated(table["clv"]))
if dominated:
    st.caption(
        f"Average CLV per customer {money(table['clv'].mean())}, median "
        f"{money(table['clv'].median())}: a few customers pull the average up."
    )

view = params.segmented("View", params.VIEWS["clv_view"], key="clv_view")

best = scorecard.best_words(result.ranking) if result is not None else ""
shown = value_views.Shown(
    dataset, model, fitted, table, summary, int(horizon), s.ref_date, subtitle, currency, check,
    months, best, key, dominated, leave_out,
)  # fmt: skip
{
    "Value": value_views.value_view,
    "Churn risk": value_views.churn_view,
    "Backtest": value_views.backtest_view,
}.get(view, value_views.model_view)(shown)

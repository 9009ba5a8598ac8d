"""Cached wrappers for the Value page and everything that uses the value model: the
per-customer summary, the fitted models and forecasts, the scores with their ranges, the
backtests and the challenger, each cached per dataset key and settings. Each entry lives an
hour at most, and the large ones (100-200 MB each at 1M customers) are few, so a server's
memory stays bounded while visitors try other reference dates and models."""

from __future__ import annotations

import threading

import pandas as pd
import streamlit as st

from analytics import LensError
from analytics.insights import segments
from analytics.insights.customers import summarise
from analytics.insights.lifecycle import prepare
from analytics.value import backtest, clv, propensity, verdict
from ui import memory
from ui.session import Dataset, base_as_of, lifecycle_index


@st.cache_resource(max_entries=2, ttl="1h", show_spinner="Summarising customers…")
@memory.roomily
def _summary(key, _base, ref_date):
    return summarise(_base, ref_date)


def summary(dataset: Dataset, ref_date) -> pd.DataFrame:
    """Per-customer summary at the reference date: one pass over the orders per date, not
    per slider move (read only: it is shared)."""
    return _summary(dataset.source.key, dataset.base, ref_date)


@st.cache_resource(max_entries=2, ttl="1h", show_spinner="Fitting the spend model…")
@memory.roomily
def _spend(key, _base, ref_date):
    return clv.fit_spend(_summary(key, _base, ref_date))  # the same for every model


@st.cache_resource(max_entries=6, ttl="1h", show_spinner="Fitting the value model…")
@memory.roomily
def _clv_fit(key, _base, ref_date, model):
    return clv.fit(_summary(key, _base, ref_date), model, _spend(key, _base, ref_date))


# What does not move with the horizon (P(alive) and its range, spend, next order): once
# per model, so that a horizon step redoes only the horizon's columns (~60 MB at 1M).
@st.cache_resource(max_entries=2, ttl="1h", show_spinner="Scoring every customer…")
@memory.roomily
def _histories(key, _base, _model, ref_date, model):
    return clv.histories_of(_model, _summary(key, _base, ref_date), ref_date)


# Few entries: a forecast holds a table of every customer, ~100 MB at 1M customers.
@st.cache_resource(max_entries=2, ttl="1h", show_spinner="Forecasting purchases…")
@memory.roomily
def _clv_forecast(key, _base, _model, ref_date, model, months):
    known = _histories(key, _base, _model, ref_date, model)
    return clv.forecast(_model, _summary(key, _base, ref_date), months, ref_date, known)


def clv_forecast(dataset: Dataset, ref_date, model: str, months: int):
    """The fitted model and its per-customer forecast at the reference date (cached)."""
    key = dataset.source.key
    _one_model(key, model)
    fitted = _clv_fit(key, dataset.base, ref_date, model)
    return fitted, _clv_forecast(key, dataset.base, fitted, ref_date, model, months)


@st.cache_resource(max_entries=4, ttl="1h", show_spinner="Backtesting every model…")
@memory.roomily
def _backtests(key, _base, _done, model, end):
    return backtest.compare(_base, None, _done)


def backtests(dataset: Dataset, ref_date, model: str, progress=None):
    """Every model's backtest on the orders up to the reference date, one model at a time
    (each cached; the chosen model's is shared with the churn challenger).
    ``progress(fraction, text)`` hears of each step."""
    key, base = dataset.source.key, base_as_of(dataset, ref_date)
    slow = base.n_customers > clv.PARETO_COMPARE_LIMIT  # compare leaves Pareto/NBD out then
    models = [m for m in clv.MODELS if m == model or not (m == "pareto" and slow)]
    done = {}
    for i, name in enumerate(models):
        if progress is not None:
            progress(i / len(models), f"Backtesting {clv.MODELS[name]} ({i + 1} of {len(models)})…")
        try:
            done[name] = backtest_one(key, base, name, None, base.data_end)
        except LensError:
            pass  # compare() lists it with the reason
    return _backtests(key, base, done, model, base.data_end)


# One entry: a shop's calibration summary and holdout (~100 MB at 1M customers).
@st.cache_resource(max_entries=1, ttl="1h", show_spinner="Splitting the orders for the backtest…")
@memory.roomily
def _calibration(key, _base, holdout_days, end):
    return backtest.calibrate(_base, holdout_days)  # the same for every model


# ``_base`` is the dataset's base as of ``end`` (session.base_as_of): the backtest's holdout
# ends on the reference date, and no later order is seen.
@st.cache_resource(max_entries=4, ttl="1h", show_spinner="Backtesting the model…")
@memory.roomily
def backtest_one(key, _base, model, holdout_days, end):
    return backtest.run(_base, model, holdout_days, _calibration(key, _base, holdout_days, end))


@st.cache_resource(max_entries=4, ttl="1h", show_spinner="Training the challenger…")
@memory.roomily
def _challenge(key, _dataset, _result, model, horizon, end):
    if end < _dataset.base.data_end:  # the lifecycle arrays of the orders up to the date
        contacts = _dataset.contacts.contacts if _dataset.contacts is not None else None
        index = prepare(base_as_of(_dataset, end), contacts)
    else:
        index = lifecycle_index(_dataset)
    return propensity.challenge(index, _result.calibration_end, horizon, _result.fitted)


def challenge(dataset: Dataset, ref_date, model: str, horizon: int):
    """Classifier vs the CLV model on the backtest's holdout (cached per model, horizon)."""
    base = base_as_of(dataset, ref_date)
    result = backtest_one(dataset.source.key, base, model, None, base.data_end)
    return _challenge(dataset.source.key, dataset, result, model, horizon, base.data_end)


# What does not move with the discount rate or the margin: scored once per horizon. One
# entry each (a table of every customer's scores is ~200 MB at 1M customers).
@st.cache_resource(max_entries=1, ttl="1h", show_spinner="Scoring every customer…")
@memory.roomily
def _scored(key, _base, _fitted, _fc, ref_date, model, months, days, _first):
    # Scored at the discount and margin of the first ask (``_first``), which a horizon step
    # then uses as it is; another discount or margin only rescores the CLV columns.
    summary = _summary(key, _base, ref_date)
    limit = _outlier_limit(key, _base, ref_date)
    churn = _churn(key, _base, _fitted, ref_date, model, days)
    return _first, clv.score_table(_fitted, _fc, summary, _first, limit, churn)


# Nor does the chance to order within the churn horizon move with the CLV horizon.
@st.cache_resource(max_entries=2, ttl="1h", show_spinner=False)
@memory.roomily
def _churn(key, _base, _fitted, ref_date, model, days):
    known = _histories(key, _base, _fitted, ref_date, model)
    limit = _outlier_limit(key, _base, ref_date)
    return clv.churn_columns(_fitted, known, _summary(key, _base, ref_date), days, limit)


@st.cache_resource(max_entries=4, ttl="1h", show_spinner=False)
def _outlier_limit(key, _base, ref_date):
    return clv.outlier_limit(_base, ref_date)  # a percentile over every order: once per date


@st.cache_resource(max_entries=1, ttl="1h", show_spinner="Scoring every customer…")
@memory.roomily
def _clv_scores(key, _base, _fitted, _fc, ref_date, model, months, discount, margin, days):
    settings = clv.Settings(months, discount, margin, days)
    first, scored = _scored(key, _base, _fitted, _fc, ref_date, model, months, days, settings)
    table = scored if first == settings else clv.rescore(scored, _fc, settings)
    return table, clv.total_interval(_fitted, _fc, table["clv"].to_numpy())


# A server keeps one model's per-customer tables per dataset (histories, forecasts, churn,
# scores: about 300 MB at 1M customers). Before another model's are made, the tables kept
# are let go, so that a switch never holds two models' at its peak (within 2 GB at 1M);
# going back to a model remakes its tables from its kept fit (about 2 s at 1M). The caches
# are cleared whole: they hold one or two entries, so little else is lost.
_PER_MODEL = (_histories, _clv_forecast, _churn, _scored, _clv_scores)
_kept_model: dict[str, str] = {}  # dataset key -> the model whose tables are kept
_kept_lock = threading.Lock()


def _one_model(key: str, model: str) -> None:
    with _kept_lock:
        before = _kept_model.get(key)
        _kept_model[key] = model
    if before is not None and before != model:
        for cached in _PER_MODEL:
            cached.clear()


@st.cache_resource(max_entries=32, ttl="1h", show_spinner=False)
def _memo(name, parts, _compute):
    return _compute()


def memo(name: str, parts: tuple, compute):
    """``compute()`` kept per ``name`` and ``parts`` (everything the result depends on:
    the dataset's key and settings), so that a rerun which changes none of them (another
    view, a control elsewhere) does not recompute a figure over every customer."""
    return _memo(name, repr(parts), compute)


def clv_scores(dataset: Dataset, ref_date, model: str, settings: clv.Settings):
    """The fitted model, every customer's scores with their ranges
    (:func:`analytics.value.clv.score_table`), and the 80% interval of the total CLV (cached)."""
    fitted, fc = clv_forecast(dataset, ref_date, model, settings.months)
    table, interval = _clv_scores(
        dataset.source.key,
        dataset.base,
        fitted,
        fc,
        ref_date,
        model,
        settings.months,
        settings.discount_rate,
        settings.margin,
        settings.churn_days,
    )
    return fitted, table, interval


def value_settings() -> tuple[str, clv.Settings]:
    """The Value page's model and settings as this session holds them (a link sets them
    too, so a colleague's fresh browser ranks with the sender's settings)."""
    state = st.session_state
    return state.get("clv_model", clv.DEFAULT_MODEL), clv.Settings(
        int(state.get("clv_months", 12)),
        float(state.get("clv_discount", 1.0)) / 100,
        float(state.get("clv_margin", 100)) / 100,
        int(state.get("churn_days", propensity.HORIZON_DEFAULT)),
    )


def value_scores(dataset: Dataset, settings) -> tuple[pd.DataFrame | None, str]:
    """The value model's scores per customer position, for the views that rank or show
    customers by predicted value, fitted here with the Value page's settings (never only
    after a visit to the Value page). ``(None, why)`` when the model cannot tell: the view
    then falls back to what is known and says why."""
    model, chosen = value_settings()
    try:
        fitted, table, _ = clv_scores(dataset, settings.ref_date, model, chosen)
    except LensError as exc:
        return None, f"the value model cannot be fitted on this data ({str(exc).rstrip('.')})"
    if fitted.cannot_tell_dropout:
        return None, "the value model cannot tell who has stopped buying here (see Value)"
    scores = segments.value_scores(dataset.base, settings.ref_date, table)
    scores.attrs["key"] = repr((model, chosen))
    return scores, ""


def checked(dataset: Dataset, ref_date, model: str):
    """The chosen model's backtest on the orders up to the reference date (cached, shared
    with the Backtest view), whose verdict goes beside every CLV figure; ``(None, why)`` when
    it cannot be run."""
    base = base_as_of(dataset, ref_date)
    try:
        return backtest_one(dataset.source.key, base, model, None, base.data_end), ""
    except LensError as exc:
        return None, f"No backtest could be run, so the value figures are unchecked: {exc}"


def check_words(dataset: Dataset, ref_date, model: str) -> str:
    """The chosen model's backtest verdict in words ("backtest: revenue 19% over what
    happened"), said beside any figure it predicts; or that none could be run."""
    result, _ = checked(dataset, ref_date, model)
    return verdict.error_words(result.totals) if result is not None else verdict.NO_BACKTEST

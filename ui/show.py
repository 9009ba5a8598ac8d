"""Charts on the page, each with its PNG download (2x, rendered by vl-convert on click).

Downloads built on click use ``on_click="ignore"``: a rerun on click can retire the button's
deferred file before the browser fetches it, leaving the download spinning forever.
"""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import streamlit as st

from analytics import campaign, charts, export
from ui import state
from ui.sidebar import settings


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def chart(figure: alt.Chart, name: str) -> None:
    """Draw a chart and offer it as a PNG, unless presentation mode hides the controls."""
    st.altair_chart(figure, theme=None)
    if st.session_state.get("presentation"):
        return
    slug = _slug(name)
    st.download_button(
        "PNG",
        lambda: charts.png(figure, scale=2),  # rendered only when clicked
        file_name=f"{slug}.png",
        mime="image/png",
        icon=":material/image:",
        key=f"png_{slug}",
        on_click="ignore",
        type="tertiary",
    )


def campaign_list(rows: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Excel downloads of a customer list, built only when clicked, optionally with
    a random control group (see analytics/campaign.py and the Campaigns page)."""
    if st.session_state.get("presentation"):
        return
    about = None
    if not rows.empty and st.toggle(
        "Keep a control group",
        key=f"{key}_control",
        help="A random part of the list that you do not contact, to measure the campaign's "
        "effect later on the Campaigns page.",
    ):
        c1, c2 = st.columns(2)
        low, high = (round(100 * v) for v in campaign.CONTROL_RANGE)
        share = c1.slider(
            "Control group (% of the list)",
            low,
            high,
            round(100 * campaign.CONTROL_DEFAULT),
            5,
            key=f"{key}_share",
        )
        seed = int(c2.number_input("Draw number", 1, 1_000_000, 1, key=f"{key}_seed"))
        s = settings()
        rows = campaign.with_control(rows, share / 100, seed, s.ref_date)
        about = campaign.definition(
            state.current_dataset().name, s.caption(), share / 100, seed, name
        )
        control = int((rows["group"] == campaign.CONTROL).sum())
        st.info(
            f"Send only to the treatment rows ({len(rows) - control:,} customers). The "
            f"{control:,} control rows are the customers you do not contact; keep the file, "
            "and upload it on the Campaigns page once newer orders are in.",
            icon=":material/campaign:",
        )
    slug = _slug(name)
    left, right = st.columns(2)
    left.download_button(
        "Download CSV",
        lambda: export.to_csv_bytes(rows, about),
        file_name=f"{slug}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        disabled=rows.empty,
    )
    too_long = len(rows) > export.EXCEL_MAX_ROWS
    right.download_button(
        "Download Excel",
        lambda: export.to_xlsx_bytes(rows, definition=about),
        file_name=f"{slug}.xlsx",
        key=f"{key}_xlsx",
        on_click="ignore",
        disabled=rows.empty or too_long,
        help=f"Excel holds at most {export.EXCEL_MAX_ROWS:,} rows: use CSV." if too_long else None,
    )


def compact(v: float) -> str:
    """A large figure in few characters for a metric: 412,345 -> 412k, 1,234,567 -> 1.23M."""
    for size, unit, start in ((1e9, "B", 1e9), (1e6, "M", 1e6), (1e3, "k", 1e4)):
        if abs(v) >= start:
            x = v / size
            return f"{x:.3g}{unit}" if abs(x) < 100 else f"{x:,.0f}{unit}"
    return f"{v:,.0f}"


def _money(v) -> str:
    return "" if pd.isna(v) else f"{v:,.0f}"


def _span(table: pd.DataFrame, column: str, fmt) -> list[str]:
    """A column's 80% range as "low–high" (columns ``<column>_low`` and ``<column>_high``)."""
    pairs = zip(table[f"{column}_low"], table[f"{column}_high"], strict=True)
    return ["" if pd.isna(a) else f"{fmt(a)}–{fmt(b)}" for a, b in pairs]


def value_table(table: pd.DataFrame) -> pd.DataFrame:
    """Customers' predictions in plain words, ranges as "low–high" (index: customer id)."""
    pct = lambda v: f"{v:.0%}"  # noqa: E731
    out = pd.DataFrame(index=table.index.rename("Customer"))
    out["Stage"] = table.get("stage")
    out["Predicted CLV"] = table["clv"].map(_money)
    out["CLV, 80% range"] = _span(table, "clv", _money)
    chance = table["p_alive"].map(pct)
    out["Chance still a customer (80% range)"] = chance + " (" + _span(table, "p_alive", pct) + ")"
    orders = table["purchases"].map(lambda v: f"{v:.1f}")
    spread = _span(table, "purchases", lambda v: f"{v:.0f}")
    out["Expected orders (80% range)"] = orders + " (" + pd.Series(spread, index=table.index) + ")"
    out["Spend per order"] = table["expected_spend"].map(_money)
    out["Churn risk"] = table["churn_risk"]
    out["One giant order"] = table["outlier"].map({True: "⚠ yes", False: ""})
    return out


def disagreement_table(rules: pd.DataFrame) -> pd.DataFrame:
    """The stage/model disagreements, counts with separators (the reasons go in captions)."""
    return pd.DataFrame(
        {
            "Where they disagree": rules["disagreement"],
            "Customers": rules["customers"].map("{:,}".format),
            "Out of, in those stages": rules["out_of"].map("{:,}".format),
        }
    )


def backtest_table(compare: pd.DataFrame) -> pd.DataFrame:
    """The models' backtest figures in plain words."""
    out = pd.DataFrame(index=compare.index.rename("Model"))
    if "mae_orders" in compare:
        out["Average error, orders per customer"] = compare["mae_orders"].map(
            lambda v: "" if pd.isna(v) else f"{v:.2f}"
        )
        for col, name in [
            ("aggregate_error_pct", "Total orders, error"),
            ("revenue_error_pct", "Total revenue, error"),
        ]:
            out[name] = compare[col].map(lambda v: "" if pd.isna(v) else f"{v:+.1f}%")
        out["Inside their 80% range"] = compare["coverage"].map(
            lambda v: "" if pd.isna(v) else f"{v:.0%}"
        )
    if "problem" in compare:
        out["Problem"] = compare["problem"].fillna("")
    return out


def parameter_table(fitted) -> pd.DataFrame:
    from analytics import clv

    params = {**fitted.params, **fitted.spend.params}
    return pd.DataFrame(
        [
            {"Parameter": k, "Value": f"{v:,.4g}", "Meaning": clv.PARAM_MEANINGS.get(k, "")}
            for k, v in params.items()
        ]
    )

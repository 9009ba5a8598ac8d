"""Charts on the page, each with its PNG download (2x, rendered by vl-convert on click).

Downloads built on click use ``on_click="ignore"``: a rerun on click can retire the button's
deferred file before the browser fetches it, leaving the download spinning forever.
"""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import streamlit as st

from analytics.insights import campaign
from analytics.output import charts, export, present
from ui import session
from ui.sidebar import settings


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def chart(figure: alt.Chart, name: str) -> None:
    """Draw a chart and offer it as a PNG, unless presentation mode hides the controls."""
    # A spec, not the chart: its title and subtitle wrap on a phone (charts.responsive), which
    # Altair's schema would not let a chart say.
    st.vega_lite_chart(charts.responsive(charts.spec(figure)), theme=None, width="stretch")
    if st.session_state.get("presentation"):
        return
    stem = slug(name)
    st.download_button(
        "PNG",
        lambda: charts.png(figure, scale=2),  # rendered only when clicked
        file_name=f"{stem}.png",
        mime="image/png",
        icon=":material/image:",
        key=f"png_{stem}",
        on_click="ignore",
        type="tertiary",
    )


def campaign_list(rows: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Excel downloads of a customer list, built only when clicked, optionally with
    a random control group (see analytics/insights/campaign.py and the Campaigns page)."""
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
        seed = int(
            c2.number_input(
                "Draw number",
                1,
                1_000_000,
                1,
                key=f"{key}_seed",
                help="Which random split into treatment and control: the same number gives the "
                "same split of the same list again; another number, another split.",
            )
        )
        s = settings()
        rows = campaign.with_control(rows, share / 100, seed, s.ref_date)
        about = campaign.definition(
            session.current_dataset().name, s.caption(), share / 100, seed, name
        )
        control = int((rows["group"] == campaign.CONTROL).sum())
        st.info(
            f"Send only to the treatment rows ({len(rows) - control:,} customers). The "
            f"{control:,} control rows are the customers you do not contact; keep the file, "
            "and upload it on the Campaigns page once newer orders are in.",
            icon=":material/campaign:",
        )
    stem = slug(name)
    left, right = st.columns(2)
    left.download_button(
        "Download CSV",
        lambda: export.to_csv_bytes(rows, about),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        disabled=rows.empty,
    )
    too_long = len(rows) > export.EXCEL_MAX_ROWS
    right.download_button(
        "Download Excel",
        lambda: export.to_xlsx_bytes(rows, definition=about),
        file_name=f"{stem}.xlsx",
        key=f"{key}_xlsx",
        on_click="ignore",
        disabled=rows.empty or too_long,
        help=f"Excel holds at most {export.EXCEL_MAX_ROWS:,} rows: use CSV." if too_long else None,
    )


def _column_config(spec: present.Column, currency: str | None):
    config = st.column_config
    help_text = spec.help or None
    if spec.kind == "money":
        return config.NumberColumn(
            spec.label, help=help_text, format=present.money_printf(currency, spec.decimals)
        )
    if spec.kind == "share":
        return config.NumberColumn(spec.label, help=help_text, format=f"%.{spec.decimals}f%%")
    if spec.kind in ("count", "score"):
        return config.NumberColumn(spec.label, help=help_text, format="%,d")
    if spec.kind == "signed":
        return config.NumberColumn(spec.label, help=help_text, format="%+,d")
    if spec.kind == "number":
        return config.NumberColumn(spec.label, help=help_text, format=f"%,.{spec.decimals}f")
    if spec.kind == "date":
        return config.DateColumn(spec.label, help=help_text, format="D MMM YYYY")
    if spec.kind == "flag":
        return config.CheckboxColumn(spec.label, help=help_text)
    return config.TextColumn(spec.label, help=help_text)


def table(
    frame: pd.DataFrame,
    first: list[str] | None = None,
    labels: dict[str, str] | None = None,
    kinds: dict[str, str] | None = None,
    helps: dict[str, str] | None = None,
    currency: str | None | bool = True,
    decimals: dict[str, int] | None = None,
    **kwargs,
) -> None:
    """Every table on screen: through :func:`analytics.output.present.readable` (human headers,
    money in the shop's currency, shares as %, dates without times, blanks as blanks)."""
    shown = present.readable(frame, first, labels, kinds, helps, decimals)
    money = session.currency() if currency is True else (currency or None)
    st.dataframe(
        shown.frame,
        hide_index=True,
        width="stretch",
        placeholder="",
        column_config={label: _column_config(spec, money) for label, spec in shown.columns.items()},
        **kwargs,
    )


def all_rows(frame: pd.DataFrame) -> int:
    """A table's height in pixels with every row in view (Streamlit's rows are 35 px): for
    tables meant to go on a slide whole."""
    return 35 * (len(frame) + 1) + 3


def compact(v: float) -> str:
    """A large figure in few characters for a metric: 412,345 -> 412k, 1,234,567 -> 1.23M."""
    for size, unit, start in ((1e9, "B", 1e9), (1e6, "M", 1e6), (1e3, "k", 1e4)):
        if abs(v) >= start:
            x = v / size
            return f"{x:.3g}{unit}" if abs(x) < 100 else f"{x:,.0f}{unit}"
    return f"{v:,.0f}"


# On a phone Streamlit stacks columns: seven KPI tiles would fill the screen before the first
# chart. Rows of metric tiles wrap three to a line there instead.
PHONE_CSS = """
<style>
@media (max-width: 640px) {
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"]) {
    flex-direction: row !important; flex-wrap: wrap !important; gap: 0.2rem 0.8rem !important;
  }
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"])
    > [data-testid="stColumn"] {
    min-width: calc(33% - 0.8rem) !important; flex: 1 1 calc(33% - 0.8rem) !important;
    width: auto !important;
  }
  [data-testid="stMetricValue"] { font-size: 1.45rem !important; }
  /* A tile's label and value wrap rather than end in "…" */
  [data-testid="stMetric"] .stMarkdownEllipsis, [data-testid="stMetric"] .stMarkdownEllipsis p {
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  }
  /* Room above a table for its toolbar (search, download, full screen), which a tap shows
     over whatever is above the table */
  [data-testid="stElementContainer"]:has(> [data-testid="stDataFrame"]) {
    margin-top: 2rem !important;
  }
}
</style>
"""


def phone_layout() -> None:
    """Once per run (app.py): on a phone, KPI tiles three to a line whose words wrap, and room
    above each table for its toolbar."""
    st.html(PHONE_CSS)

"""The one formatting layer: how a number, a date or a table reads on screen, in exports'
previews and in the PDF.

Pure Python (no streamlit). Machine column names (``p_alive``, ``days_since_last_order``)
stay in the code and in the export files; everything a person reads goes through here:
human column names with the technical name in the help, money in the shop's currency with
thousands separators, shares as %, dates without times, blanks as blanks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.ingest.orders import noun
from analytics.insights.lifecycle import NOT_YET

# ISO 4217 codes a shop export commonly carries, and the symbol written before the amount.
# A code without a symbol here is written as the code ("CHF 1,234").
SYMBOLS = {
    "EUR": "€",
    "USD": "$",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "CN¥",
    "INR": "₹",
    "KRW": "₩",
    "BRL": "R$",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "MXN": "MX$",
    "ILS": "₪",
    "TRY": "₺",
    "PLN": "zł",
}


def symbol(currency: str | None) -> str:
    """What stands before an amount: ``€``, ``$``, ``CHF `` (code and space), or nothing."""
    if not currency:
        return ""
    return SYMBOLS.get(currency, currency + " ")


def money(value, currency: str | None = None, decimals: int = 0, signed: bool = False) -> str:
    """``€12,346``, ``-$1,234.50``, ``CHF 900`` (``+€12`` when ``signed``); ``n/a`` for a
    missing value."""
    if value is None or pd.isna(value) or not np.isfinite(value):
        return "n/a"
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    return f"{sign}{symbol(currency)}{abs(value):,.{decimals}f}"


def span(low: str, high: str) -> str:
    """A range as people write it: ``€1,200 – €1,900``."""
    return f"{low} – {high}"


def total_span(low: float, high: float, write) -> str:
    """The total CLV's range, each end written by ``write``; a range with no upper end (the
    backtest's model predicted under a tenth of what happened, see
    :func:`analytics.value.verdict.total_range`) is its low end "or more"."""
    if not math.isfinite(high):
        return f"{write(low)} or more"
    return span(write(low), write(high))


def money_title(title: str, currency: str | None) -> str:
    """An axis or column title that names the currency: ``Revenue (EUR)``."""
    return f"{title} ({currency})" if currency else title


def money_printf(currency: str | None, decimals: int = 2) -> str:
    """A printf-style format for a table column (``€%,.2f``: symbol, separators)."""
    return symbol(currency).replace("%", "%%") + f"%,.{decimals}f"


def months(n: int) -> str:
    """'1 month', '12 months'."""
    return f"{n} month" if n == 1 else f"{n} months"


def horizon_labels(horizon_months: int) -> dict[str, str]:
    """Headers that name the CLV horizon, for every table of the model's figures."""
    over = months(horizon_months)
    return {
        "clv": f"Predicted CLV, {over}",
        "purchases": f"Expected orders, {over}",
        "p_no_order": f"Chance of no order in {over}",
    }


def with_caveat(verdict: str, cannot_tell: bool, holdout_days: int, horizon_months: int) -> str:
    """A backtest's verdict; when the model cannot tell who has left, followed by what so
    short a test cannot check."""
    if not cannot_tell:
        return verdict
    return (
        f"{verdict} That verdict covers the {holdout_days}-day holdout only: the model assumes "
        "nearly everyone stays, which so short a test cannot check. Over "
        f"{months(horizon_months)}, its figures are too high for every customer who stops buying."
    )


def transition_rows(matrix: pd.DataFrame) -> str:
    """What the transition table's rows hold beyond the stages: the prospects who ordered
    since (out of all prospects at the first date) and those not known then."""
    rows = matrix.sum(axis=1)
    prospects_then = matrix.attrs.get("prospects_then")
    said = [
        "Each row is the customers in that stage at the first date who have an order by the "
        "second; its shares add up to 100%."
    ]
    if "Prospect" in rows and pd.notna(prospects_then):  # contacts were loaded
        ordered = int(rows["Prospect"])
        said.append(
            f"Prospect: the {ordered:,} of the {int(prospects_then):,} prospects at the first "
            f"date ({ordered / max(prospects_then, 1):.0%}) who have ordered since; the others "
            "have not ordered and are not in the table."
        )
    if NOT_YET in rows:
        n = int(rows[NOT_YET])
        said.append(
            f"{NOT_YET}: {n:,} {noun(n, 'person', 'people')} whose first order "
            "came after the first date and who were not known contacts then."
        )
    return " ".join(said)


def share(value, decimals: int = 0) -> str:
    """``44%``; ``n/a`` for a missing value."""
    return "n/a" if value is None or pd.isna(value) else f"{value:.{decimals}%}"


def some_share(value: float) -> str:
    """A share as a whole %, except that a share above 0 never reads "0%": "<1%"."""
    return "<1%" if 0 < value < 0.005 else f"{value:.0%}"


def count(value) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{int(value):,}"


def period(start: pd.Timestamp, end: pd.Timestamp) -> str:
    return f"{start:%d %b %Y} – {end:%d %b %Y}"


def range_notes(table: pd.DataFrame, currency: str | None, horizon: int) -> list[str]:
    """Why a CLV range is one figure (low = high, usually 0 – 0 while the expected CLV is
    above 0): "82% chance of no order in 12 months; €90 expected from the 18% who order"."""
    value, none = table["clv"].to_numpy(), table["p_no_order"].to_numpy()
    equal = (table["clv_low"] == table["clv_high"]).to_numpy() & (value > 0) & (none < 1)
    notes = np.full(len(table), "", dtype=object)
    notes[equal] = [
        f"{p:.0%} chance of no order in {months(horizon)}; "
        f"{money(v / (1 - p), currency)} expected from the {1 - p:.0%} who order"
        for v, p in zip(value[equal], none[equal], strict=True)
    ]
    return list(notes)


def ranges(table: pd.DataFrame, currency: str | None = None, horizon: int = 12) -> pd.DataFrame:
    """The model's scores with each 80% range as one "low – high" text column
    (``clv_range``, ``p_alive_range``, ``purchases_range``) in place of its two ends, and
    ``range_note`` saying why where the CLV range is one figure."""
    out = table.copy()
    if "p_no_order" in out:
        out["range_note"] = range_notes(out, currency, horizon)
    formats = {
        "clv": lambda v: money(v, currency),
        "p_alive": share,
        "purchases": lambda v: f"{v:,.0f}",
    }
    for name, fmt in formats.items():
        if f"{name}_low" not in out:  # a table without this figure's range
            continue
        low, high = out.pop(f"{name}_low"), out.pop(f"{name}_high")
        out[f"{name}_range"] = [
            "" if pd.isna(a) else span(fmt(a), fmt(b)) for a, b in zip(low, high, strict=True)
        ]
    return out


# --- tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """How a column reads: its label, its kind and a help text (which names the technical
    term when the label is plain words).

    Kinds: ``text``, ``count`` (whole numbers, separators), ``money``, ``share`` (a fraction
    shown as %), ``date``, ``number`` (decimals), ``score`` (small whole numbers), ``flag``.
    """

    label: str
    kind: str = "text"
    help: str = ""
    decimals: int | None = None  # None: the kind's own (whole percent for a share, else 2)

    def __post_init__(self):
        if self.decimals is None:
            object.__setattr__(self, "decimals", 0 if self.kind == "share" else 2)


# Technical terms in plain words, the technical name kept in brackets for those who know it:
# one name per concept on every page, in the exports' preview and in the PDF.
CHANCE_STILL = "Chance still a customer (P(alive))"
RANKING = "How well the model ranks (ROC AUC)"
TOP_TENTH = "Hit rate of its top 10% vs average (top-decile lift)"
AVERAGE_MISS = "Average miss per customer (mean absolute error)"
SMOOTHING = "smoothing (penalizer)"
SPEND_MODEL = "spend model (Gamma-Gamma)"
COLUMNS: dict[str, Column] = {
    "customer_id": Column("Customer", help="The customer id in the export, else the email."),
    "email": Column("Email"),
    "stage": Column("Stage", help="Lifecycle stage on the reference date."),
    "rfm_segment": Column("RFM segment", help="Named from the R and FM scores."),
    "hero": Column("Hero customer", "flag", "In the top % of customers by revenue."),
    "group": Column("Group", help="treatment: contact them; control: do not."),
    "list_date": Column("List date", "date"),
    "clv": Column(
        "Predicted CLV",
        "money",
        "Predicted customer lifetime value over the chosen horizon (CLV).",
    ),
    "p_alive": Column(
        CHANCE_STILL,
        "share",
        "The model's chance that the customer has not silently stopped buying (P(alive)).",
        0,
    ),
    "churn_risk": Column(
        "Churn risk", help="High below a 20% chance to order within the churn horizon."
    ),
    "chance_to_order": Column(
        "Chance to order within the churn horizon", "share", "From the chosen model.", 0
    ),
    "revenue": Column(
        "Revenue to date",
        "money",
        "Kept orders, refunded amounts netted; return rows (negative amounts) are left out, "
        "not subtracted (see the Data page's quality report).",
    ),
    "orders": Column("Orders", "count", "Kept orders on or before the reference date."),
    "days_overdue": Column(
        "Days overdue", "count", "Days since the day they were expected to order again."
    ),
    "last_order": Column("Last order", "date"),
    "expected_next_order": Column(
        "Expected back", "date", "Last order plus their expected gap (the stage rules')."
    ),
    "days_since_last_order": Column("Days since last order", "count"),
    "first_order": Column("First order", "date"),
    "orders_in_window": Column("Orders in window", "count", "Orders in the inactivity window."),
    "expected_gap_days": Column(
        "Expected gap (days)",
        "number",
        "The stage rules' expected gap: their own median gap between orders (3 orders or "
        "more), else the shop's.",
        1,
    ),
    "usual_gap_days": Column(
        "Usual gap (days)",
        "number",
        "Their own rhythm: days from their first to their last purchase day over the gaps "
        "between purchase days (orders on one day are one purchase).",
        1,
    ),
    "channel": Column("Channel (first order)"),
    "country": Column("Country (first order)"),
    "created_at": Column("Sign-up date", "date"),
    "R": Column("R", "score", "Recency score, 1-5 (5 = ordered most recently)."),
    "F": Column("F", "score", "Frequency score, 1-5 (5 = most orders)."),
    "M": Column("M", "score", "Monetary score, 1-5 (5 = most revenue)."),
    "FM": Column("FM", "score", "(F + M) / 2 rounded up."),
    "customers": Column("Customers", "count"),
    "decile": Column("Tenth (1 = top)", "count"),
    "predicted_orders": Column("Predicted orders", "number", decimals=0),
    "actual_orders": Column("Real orders", "count"),
    "predicted_revenue": Column("Predicted revenue", "money", decimals=0),
    "actual_revenue": Column("Real revenue", "money", decimals=0),
    "share": Column("Share", "share", "Of the customers who have ordered.", 0),
    "revenue_in_window": Column(
        "Revenue in window", "money", "Orders in the inactivity window.", 0
    ),
    "avg_order_value": Column("Average order value", "money"),
    "baseline": Column("Baseline", "count", "Customers with the pinned settings."),
    "current": Column("Now", "count", "Customers with the current settings."),
    "change": Column("Change", "count"),
    "purchases_30d": Column("Expected orders, next 30 days", "number"),
    "purchases_90d": Column("Expected orders, next 90 days", "number"),
    "purchases_365d": Column("Expected orders, next 365 days", "number"),
    "expected_spend": Column("Expected spend per order", "money"),
    "purchases": Column(
        "Expected orders", "number", "Expected orders over the CLV horizon.", decimals=1
    ),
    "clv_range": Column(
        "CLV, 80% range", help="8 times in 10 the customer's value should fall in this range."
    ),
    "p_alive_range": Column(
        "Chance, 80% range", help="Chance still a customer: the model's uncertainty (P(alive))."
    ),
    "purchases_range": Column(
        "Orders, 80% range",
        help="8 times in 10 the customer's orders should fall in this range.",
    ),
    "p_no_order": Column(
        "Chance of no order",
        "share",
        "The chance that the customer places no order at all over the CLV horizon.",
    ),
    "range_note": Column(
        "Why the range is one figure",
        help="Where the 80% range's ends are equal (often 0 – 0): no order is the most likely "
        "outcome, and the expected CLV comes from the chance that they do order.",
    ),
    "outlier": Column(
        "One giant order",
        "flag",
        "Their expected spend rests on one order above the shop's 99.9th percentile.",
    ),
    "disagreement": Column("Where stage and model disagree"),
    "out_of": Column("Out of, in those stages", "count"),
    "why": Column("What it usually means"),
    "coverage": Column(
        "Inside their 80% range",
        "share",
        "Share of customers whose real holdout orders fell inside their 80% range (coverage).",
        0,
    ),
    "mae_orders": Column(
        "Average miss per customer in orders (mean absolute error)",
        "number",
        "Mean absolute error: how far the predicted holdout orders of a customer are from "
        "the real ones, on average.",
    ),
    "aggregate_error_pct": Column(
        "Error on total orders (%)", "number", "(predicted - real) / real, all customers.", 1
    ),
    "revenue_error_pct": Column(
        "Error on total revenue (%)", "number", "(predicted - real) / real, all customers.", 1
    ),
    "order_id": Column("Order"),
    "order_date": Column("Order date", "date"),
    "amount": Column("Amount", "money"),
    "discount_code": Column("Discount code"),
    "category": Column("Product category"),
    "accepts_marketing": Column("Accepts marketing"),
    "reason": Column("Reason"),
    "example rows": Column("Example rows", help="Row numbers in the file."),
    "model": Column("Model"),
    "cohort": Column("Cohort"),
    "step": Column("Step"),
}
# Customer lists: who first, then where they stand and what they are worth, then the rest.
PRIORITY = [
    "group",
    "customer_id",
    "email",
    "stage",
    "rfm_segment",
    "hero",
    "clv",
    "churn_risk",
    "p_alive",
    "days_overdue",
    "revenue",
    "orders",
    "last_order",
    "expected_next_order",
    "days_since_last_order",
]


@dataclass(frozen=True)
class Readable:
    """A table ready to show: human column names, and how each column reads."""

    frame: pd.DataFrame
    columns: dict[str, Column]


def _guess(name: str, values: pd.Series) -> Column:
    label = name.replace("_", " ").strip()
    label = label[:1].upper() + label[1:]
    if pd.api.types.is_bool_dtype(values.dtype):
        return Column(label, "flag")
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return Column(label, "date")
    if pd.api.types.is_integer_dtype(values.dtype):
        return Column(label, "count")
    if pd.api.types.is_numeric_dtype(values.dtype):
        whole = values.dropna()
        is_whole = len(whole) and np.all(np.mod(whole.to_numpy(dtype="float64"), 1) == 0)
        return Column(label, "count" if is_whole else "number")
    return Column(label)


def readable(
    frame: pd.DataFrame,
    first: list[str] | None = None,
    labels: dict[str, str] | None = None,
    kinds: dict[str, str] | None = None,
    helps: dict[str, str] | None = None,
    decimals: dict[str, int] | None = None,
) -> Readable:
    """The table as a person reads it.

    A meaningful index (named, or not a plain row number) becomes the first column. Columns
    named in ``first`` (default: :data:`PRIORITY`) come first, in that order. ``labels``,
    ``kinds``, ``helps`` and ``decimals`` override the registry for this table (by machine
    name). Dates lose their time of day; shares become percentages (0.4375 -> 43.75, shown
    "43.8%").
    """
    data = frame
    plain_rows = data.index.name is None and pd.api.types.is_integer_dtype(data.index.dtype)
    data = data.reset_index(drop=plain_rows)
    data.columns = [str(c) for c in data.columns]
    if first is None:  # customer lists read best in one order; other tables keep theirs
        first = PRIORITY if "customer_id" in data.columns else []
    order = [c for c in first if c in data.columns]
    data = data[order + [c for c in data.columns if c not in order]]
    labels, kinds, helps, decimals = labels or {}, kinds or {}, helps or {}, decimals or {}
    out: dict[str, pd.Series] = {}
    specs: dict[str, Column] = {}
    for name in data.columns:
        values = data[name]
        spec = COLUMNS.get(name) or _guess(name, values)
        if name in labels or name in kinds or name in helps or name in decimals:
            kind = kinds.get(name, spec.kind)
            places = spec.decimals if kind == spec.kind else Column(label="", kind=kind).decimals
            spec = Column(
                labels.get(name, spec.label),
                kind,
                helps.get(name, spec.help),
                decimals.get(name, places),
            )
        if spec.kind == "date":
            values = pd.to_datetime(values).dt.date.astype("object")
            values = values.where(values.notna(), None)
        elif spec.kind == "share":
            values = values.astype("float64") * 100
        elif isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype("str")
        out[spec.label] = values.reset_index(drop=True)
        specs[spec.label] = spec
    return Readable(pd.DataFrame(out), specs)


def campaign_table(result, currency: str | None = None) -> pd.DataFrame:
    """A campaign result's groups side by side, with the difference and its interval, as
    text (money in ``currency``)."""
    from analytics.insights.campaign import CONTROL, TREATMENT

    t, c = result.groups.loc[TREATMENT], result.groups.loc[CONTROL]
    conv_low, conv_high = result.conversion_diff_ci
    rpc_low, rpc_high = result.revenue_per_customer_diff_ci
    inc_low, inc_high = result.incremental_revenue_ci

    def cash(value, decimals=0, signed=False):
        return money(value, currency, decimals, signed)

    rows = [
        ("Customers", f"{t['customers']:,.0f}", f"{c['customers']:,.0f}", "", ""),
        ("Customers who ordered", f"{t['buyers']:,.0f}", f"{c['buyers']:,.0f}", "", ""),
        (
            "Conversion",
            f"{t['conversion']:.1%}",
            f"{c['conversion']:.1%}",
            f"{100 * result.conversion_diff:+.1f} points",
            span(f"{100 * conv_low:+.1f}", f"{100 * conv_high:+.1f} points"),
        ),
        ("Orders", f"{t['orders']:,.0f}", f"{c['orders']:,.0f}", "", ""),
        ("Revenue", cash(t["revenue"]), cash(c["revenue"]), "", ""),
        (
            "Revenue per customer",
            cash(t["revenue_per_customer"], 2),
            cash(c["revenue_per_customer"], 2),
            cash(result.revenue_per_customer_diff, 2, True),
            span(cash(rpc_low, 2, True), cash(rpc_high, 2, True)),
        ),
        (
            "Incremental revenue (all contacted)",
            "",
            "",
            cash(result.incremental_revenue, 0, True),
            span(cash(inc_low, 0, True), cash(inc_high, 0, True)),
        ),
    ]
    columns = ["Figure", "Treatment", "Control", "Difference", "95% interval"]
    return pd.DataFrame(rows, columns=columns).set_index("Figure")

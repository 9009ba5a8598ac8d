"""Raw table + column mapping -> a clean order log (one row per kept order) + quality report.

Every row that does not become a purchase is counted under one reason, with examples
(row numbers in the file), so nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from analytics.errors import LensError, MissingColumn
from analytics.formats import (
    FORMAT_LABELS,
    ORDER_ROLES,
    ROLE_LABELS,
    detect_format,
    preset,
    suggest_mapping,
)
from analytics.parsing import parse_amounts, parse_dates
from analytics.readers import DELIMITER_NAMES, ENCODING_NAMES, RawTable

PREVIEW_COLUMNS = ["order_id", "customer_id", "email", "order_date", "amount"]  # + attributes
PREVIEW = 200  # kept orders shown, with their ids, on the Data page
ATTRIBUTE_ROLES = ["channel", "country", "discount_code", "category"]


def attributes_of(roles: list[str]) -> list[str]:
    """The attribute roles among ``roles``, in ATTRIBUTE_ROLES' order."""
    return [role for role in ATTRIBUTE_ROLES if role in roles]


def preview_columns(roles: list[str]) -> list[str]:
    """The preview's columns for a table with these roles."""
    return [*PREVIEW_COLUMNS, *attributes_of(roles)]


# Reasons an order is left out, in the order they are checked (first match counts).
REASONS = {
    "bad_date": "Date missing or unreadable",
    "future": "Dated after the end of the data (in the future)",
    "cancelled": "Cancelled or voided",
    "refunded": "Fully refunded",
    "failed": "Payment failed or fraud",
    "guest": "No customer id or email (guest checkout)",
    "bad_amount": "Amount missing or unreadable",
    "not_positive": "Zero or negative amount (returns, corrections)",
    "unreadable_row": "Row could not be split into columns",
}
# Statuses, matched on the status trimmed, lower-cased, without WooCommerce's "wc-".
CANCELLED = r"cancel|annul|void|storn"
FAILED = r"fail|fraud|declin|echou|rejected"
REFUNDED = r"^(?:fully[ _-]?)?refunded$|^rembours[ée]+e?s?$|^retourn"
# Customer ids that mean "no customer" (a guest checkout).
MISSING_IDS = ["", "0", "-", "null", "none", "nan", "n/a", "na", "guest", "invite"]


@dataclass
class ReadOptions:
    """How to read an orders file; every field may stay at its automatic default."""

    format: str = "auto"  # auto, shopify, magento, woocommerce, generic
    date_order: str | None = None  # None (detect), "dayfirst" or "monthfirst"
    encoding: str | None = None
    sheet: str | None = None
    decimal: str | None = None  # None (detect), "," or "."
    mapping: dict[str, str | None] = field(default_factory=dict)  # role -> column overrides
    end_date: str | None = None  # orders after this date are left out; default: today
    currency: str | None = None  # the amounts' currency when the file names none (ISO code)


@dataclass
class QualityReport:
    """What happened to every row of the file."""

    rows_read: int
    orders_found: int
    orders_kept: int
    dropped: dict[str, int]
    examples: dict[str, list[int]]
    warnings: list[str]
    notes: list[str]
    # Row numbers in a file; order ids where rows have no number (a database table).
    examples_are: str = "rows"

    def dropped_table(self) -> pd.DataFrame:
        """One line per reason that left orders out, for display."""
        header = f"example {self.examples_are}"
        rows = [
            {
                "reason": REASONS.get(key, key),
                "orders": count,
                header: ", ".join(str(r) for r in self.examples.get(key, [])),
            }
            for key, count in self.dropped.items()
            if count
        ]
        return pd.DataFrame(rows, columns=["reason", "orders", header])

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class OrderLog:
    """The clean order log and everything the user should know about how it was made.

    ``orders`` has one row per kept order, sorted by customer then day, without order ids
    (they stay where the data was cleaned); ``preview`` is the first kept orders in the
    data's own order, with their ids.
    """

    orders: pd.DataFrame
    report: QualityReport
    format: str
    mapping: dict[str, str | None]
    columns: list[str]
    table_info: dict
    currency: str | None = None  # the file's currency (most orders), or None when unknown
    currencies: dict[str, int] = field(default_factory=dict)  # kept orders per currency
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)


def resolve_mapping(
    columns: list[str], options: ReadOptions, what: str = "file"
) -> tuple[str, dict[str, str | None]]:
    """The format and the role -> column mapping: suggested from the headers, then the user's
    choices (each checked against the columns)."""
    fmt = detect_format(columns) if options.format == "auto" else options.format
    if fmt not in FORMAT_LABELS:
        raise LensError(
            f"Unknown format '{fmt}': use auto, shopify, magento, woocommerce or generic."
        )
    mapping = suggest_mapping(columns, fmt)
    for role, col in options.mapping.items():
        if col is not None and col not in columns:
            raise LensError(
                f"There is no column '{col}' in this {what} for {ROLE_LABELS.get(role, role)}: "
                f"choose one of {', '.join(columns[:20])}."
            )
        mapping[role] = col
    _require(mapping, columns)
    return fmt, mapping


def build_order_log(
    raw: RawTable, options: ReadOptions | None = None, today: pd.Timestamp | None = None
) -> OrderLog:
    """Clean a raw table into an order log.

    The text of dates and amounts is parsed here (decimal commas, currency signs, day-first
    dates); every cleaning rule then runs in the embedded DuckDB (:mod:`analytics.engine`),
    the same rules as for a database. The log has one row per kept order: ``customer_id``
    (the customer id, else the email trimmed and lower-cased), ``email``, ``order_date``
    (the local calendar day), ``amount`` (net of partial refunds), plus any of ``channel``,
    ``country``, ``discount_code``, ``category`` the file carries (see :class:`OrderLog`).
    """
    options = options or ReadOptions()
    frame = raw.frame
    columns = list(frame.columns)
    fmt, mapping = resolve_mapping(columns, options)

    warnings: list[str] = []
    notes: list[str] = [f"Read as: {FORMAT_LABELS[fmt]}."]
    european = raw.delimiter == ";"
    roles = [role for role in ORDER_ROLES if mapping.get(role) and role != "currency"]
    rows = {"_row": np.arange(len(frame), dtype=np.int64) + raw.header_row + 1}
    amount_text = frame[mapping["amount"]].reset_index(drop=True)
    currency_text = _currency_text(
        frame[mapping["currency"]].reset_index(drop=True) if mapping.get("currency") else None,
        amount_text,
    )
    if currency_text is not None:
        rows["currency"] = currency_text
        roles.append("currency")
    amounts, mark = parse_amounts(amount_text, options.decimal)
    european = european or mark == ","
    rows["amount"] = _numbers(amounts)
    if "refunded" in roles:
        refunded = parse_amounts(frame[mapping["refunded"]].reset_index(drop=True), mark)[0]
        rows["refunded"] = _numbers(refunded.fillna(0.0))
    dates, reading = parse_dates(
        frame[mapping["order_date"]].reset_index(drop=True),
        options.date_order,
        prefer_dayfirst=european,
    )
    rows["order_date"] = pa.array(dates.dt.normalize(), type=pa.timestamp("us")).cast(pa.date32())
    if reading.ambiguous:
        how = "day-first (3 April)" if reading.order == "dayfirst" else "month-first (March 4)"
        warnings.append(
            "No date in the file tells day-first from month-first (e.g. 03/04/2022): dates "
            f"were read {how}. Change it under 'Date order' if that is wrong."
        )
    if reading.conflicting:
        warnings.append(
            f"{reading.conflicting} dates do not fit the {reading.order} order of the rest of "
            "the column and were left out as unreadable."
        )
    if mark == ",":
        notes.append("Amounts use a decimal comma.")
    for role in roles:
        if role not in rows:
            rows[role] = text_array(frame[mapping[role]])
    staged = pa.table(rows)

    from analytics.cleaning import clean  # the engine loads where orders are read
    from analytics.runner import CachedDuckDB

    end = end_day(options.end_date, today).date()
    statuses = refunded_statuses_of(fmt)
    run = CachedDuckDB(staged, {"roles": roles, "end": end, "refunded": statuses})
    try:
        cleaned = clean(run, roles, end, statuses)
    finally:
        run.close()
    notes += cleaned.notes
    warnings += cleaned.warnings
    dropped, examples = cleaned.dropped, cleaned.examples
    if raw.bad_rows:
        dropped["unreadable_row"] = len(raw.bad_rows)
        examples["unreadable_row"] = raw.bad_rows[:5]
        warnings.append(
            f"{len(raw.bad_rows)} rows did not have as many fields as the header and were "
            "skipped (a separator inside an unquoted value, or a damaged or cut-off file)."
        )
    currencies = currency_counts(cleaned.currencies, warnings)
    log = log_frame(cleaned.orders, cleaned.customers)
    require_orders(log, dropped, "file")
    report = QualityReport(
        rows_read=len(frame) + len(raw.bad_rows),
        orders_found=cleaned.orders_found,
        orders_kept=len(log),
        dropped={k: v for k, v in dropped.items() if v},
        examples=examples,
        warnings=warnings,
        notes=notes,
    )
    info = {
        "kind": raw.kind,
        "encoding": raw.encoding,
        "delimiter": raw.delimiter,
        "sheet": raw.sheet,
        "sheets": raw.sheets,
        "date_order": reading.order,
        "decimal": mark,
    }
    currency = next(iter(currencies), None) or options.currency
    preview = preview_frame(cleaned.preview)
    return OrderLog(log, report, fmt, mapping, columns, info, currency, currencies, preview)


def _require(mapping: dict, columns: list[str]) -> None:
    shown = ", ".join(columns[:15])
    if not mapping.get("order_date"):
        raise MissingColumn(
            f"No order date column found among: {shown}. Choose the order date column in the "
            "column mapping.",
            "--date",
        )
    if not mapping.get("amount"):
        raise MissingColumn(
            f"No amount column found among: {shown}. Choose the order total column in the "
            "column mapping.",
            "--amount",
        )
    if not mapping.get("customer_id") and not mapping.get("email"):
        raise MissingColumn(
            f"No customer id or email column found among: {shown}. Choose the customer column "
            "in the column mapping.",
            "--customer",
        )


def end_day(end_date: str | None, today: pd.Timestamp | None) -> pd.Timestamp:
    if end_date:
        try:
            return pd.Timestamp(end_date).normalize()
        except ValueError as exc:
            raise LensError(f"'{end_date}' is not a date: write it as YYYY-MM-DD.") from exc
    return (today or pd.Timestamp.today()).normalize()


def refunded_statuses_of(fmt: str) -> list[str]:
    """Statuses a preset's shop uses for a full refund (Magento: closed)."""
    chosen = preset(fmt)
    return chosen.refunded_statuses if chosen else []


def _numbers(values: pd.Series) -> pa.Array:
    """Floats as Arrow, NaN (unreadable) as null: the engine's SQL treats NaN as a number."""
    return pa.array(values.astype("float64"), type=pa.float64(), from_pandas=True)


def _currency_text(column: pd.Series | None, amounts: pd.Series) -> pa.Array | None:
    """The text the engine reads each row's currency from: the currency column, else the
    amounts when they are text ("€12", "12 EUR"); None when there is neither."""
    if column is None:
        if pd.api.types.is_numeric_dtype(amounts.dtype):
            return None
        column = amounts
    return text_array(column)


def currency_counts(counts: dict[str, int], warnings: list[str]) -> dict[str, int]:
    """Kept orders per currency, most first; several are a warning."""
    found = dict(sorted(((c, n) for c, n in counts.items() if n > 0), key=lambda cn: -cn[1]))
    if len(found) > 1:
        listed = ", ".join(
            f"{code} {n:,} order{'' if n == 1 else 's'}" for code, n in found.items()
        )
        warnings.append(
            f"Orders are in several currencies ({listed}). Their amounts were added up as they "
            "are, without conversion, so revenue and value mix currencies: export one "
            "currency at a time for true totals."
        )
    return found


def text_array(values: pd.Series) -> pa.Array:
    """A role's column as Arrow text (numbers and dates from typed files written as text)."""
    if not pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
        values = values.map(lambda v: v if isinstance(v, str) else str(v), na_action="ignore")
        values = values.astype("str").where(values.notna())
    return pa.array(values.reset_index(drop=True), type=pa.string(), from_pandas=True)


def require_orders(log: pd.DataFrame, dropped: dict[str, int], what: str) -> None:
    if log.empty:
        counted = ", ".join(f"{REASONS.get(k, k).lower()}: {v}" for k, v in dropped.items() if v)
        raise LensError(
            f"No usable order in this {what} ({counted or 'no rows'}). Check the column "
            "mapping and the date order."
        )


def _categorical(values: pa.ChunkedArray) -> pd.Series:
    """Arrow text -> pandas categorical (categories in order of first appearance)."""
    encoded = values.cast(pa.string()).dictionary_encode().to_pandas()
    if len(encoded.cat.categories) == 0:
        encoded = pd.Series(
            pd.Categorical.from_codes(
                np.full(len(encoded), -1), categories=pd.Index([], dtype="str")
            )
        )
    return encoded


def log_frame(orders: pa.Table, customers: pa.ChunkedArray) -> pd.DataFrame:
    """The engine's kept orders (sorted by customer, then day) as the order log: customers
    categorical with the engine's numbering as codes, attributes categorical."""
    keys = pd.Index(customers.to_pandas(), dtype="str").rename(None)
    out = pd.DataFrame(
        {
            "customer_id": pd.Categorical.from_codes(
                orders["_code"].to_numpy(), categories=keys, validate=False
            ),
            "email": _categorical(orders["email"]),
            "order_date": _dates(orders["order_date"]),
            "amount": orders["amount"].to_numpy().astype("float64"),
        }
    )
    for role in ATTRIBUTE_ROLES:
        if role in orders.column_names:
            out[role] = _categorical(orders[role])
    return out


def _dates(days: pa.ChunkedArray) -> np.ndarray:
    """Arrow dates as datetime64 (Python's dates stop at year 1; an Arrow date need not)."""
    return days.cast(pa.timestamp("us")).to_numpy().astype("datetime64[us]")


def preview_frame(preview: pa.Table) -> pd.DataFrame:
    """The engine's preview rows (see :class:`OrderLog`)."""
    dates = _dates(preview["order_date"])
    frame = preview.drop_columns("order_date").to_pandas()
    frame.insert(preview.column_names.index("order_date"), "order_date", dates)
    return frame


def read_as(log: OrderLog, currency: str | None) -> str:
    """How the file was read, in one line of plain words (the Data page's "Read as")."""
    info = log.table_info
    parts = [FORMAT_LABELS.get(log.format, log.format)]
    if info.get("kind") == "csv":
        separator = DELIMITER_NAMES.get(info["delimiter"], info["delimiter"])
        encoding = ENCODING_NAMES.get(info["encoding"], info["encoding"])
        parts.append(f"{encoding} text, {separator}-separated")
    if info.get("date_order") in ("dayfirst", "monthfirst"):
        parts.append("dates " + info["date_order"].replace("first", "-first"))
    if info.get("decimal") == ",":
        parts.append("decimal comma")
    if info.get("source"):
        parts.append(f"cleaned in {info['engine']}, where the data lives")
    parts.append(f"amounts in {currency}" if currency else "no currency named")
    return " · ".join(parts)

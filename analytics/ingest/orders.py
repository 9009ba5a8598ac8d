"""The clean order log and its quality report: what every source's reading comes out as.

Also the reading's shared pieces: the options, the column mapping, the reasons a row is
left out (every row that does not become a purchase is counted under one reason, with
examples, so nothing is dropped silently) and the order log's frame. The file path into it
is :mod:`analytics.ingest.files`; the database path is :mod:`analytics.ingest.sources`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from analytics.errors import LensError, MissingColumn
from analytics.ingest.formats import (
    FORMAT_LABELS,
    ROLE_LABELS,
    detect_format,
    preset,
    suggest_mapping,
)
from analytics.ingest.readers import DELIMITER_NAMES, ENCODING_NAMES

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
    product_key: str = "name"  # the product is its name, or "sku" (a name is used when mapped)


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
    # Line items, when the data names products: rows with a product, those of kept orders,
    # those left out with their orders, distinct products kept (empty without products).
    lines: dict[str, int] = field(default_factory=dict)

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
    # One row per purchase and product of the kept orders (see :func:`lines_frame`), or None
    # when the data names no product.
    lines: pd.DataFrame | None = None


PRODUCT_KEYS = ["name", "sku"]
UNSTAGED_ROLES = ("sku",)  # only chooses the product column; never a column of its own


def choose_product(mapping: dict[str, str | None], key: str) -> None:
    """The product column: the name, or the SKU when chosen or when there is no name."""
    if key not in PRODUCT_KEYS:
        raise LensError(f"Unknown product key '{key}': use name or sku.")
    if mapping.get("sku") and (key == "sku" or not mapping.get("product")):
        mapping["product"] = mapping["sku"]


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
    choose_product(mapping, options.product_key)
    return fmt, mapping


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
    """Arrow text, plain or dictionary-encoded -> pandas categorical (categories in order of
    first appearance)."""
    if pa.types.is_dictionary(values.type):
        return pd.Series(_appearing(values))
    encoded = values.cast(pa.string()).dictionary_encode().to_pandas()
    if len(encoded.cat.categories) == 0:
        encoded = pd.Series(
            pd.Categorical.from_codes(
                np.full(len(encoded), -1), categories=pd.Index([], dtype="str")
            )
        )
    return encoded


def _appearing(values: pa.ChunkedArray) -> pd.Categorical:
    """Dictionary-encoded Arrow text -> pandas categorical, its categories the values that
    appear, in order of first appearance, as from text (an upload's products, see
    :func:`lines_frame`: their first appearance settles ties between equally popular
    products)."""
    array = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    numbers = array.indices.to_numpy(zero_copy_only=False)
    order = pd.unique(numbers)
    place = np.zeros(len(array.dictionary), dtype=np.int32)
    place[order] = np.arange(len(order), dtype=np.int32)
    categories = pd.Index(array.dictionary.take(pa.array(order)).to_pandas(), dtype="str")
    return pd.Categorical.from_codes(place[numbers], categories=categories, validate=False)


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
            "amount": np.asarray(orders["amount"].to_numpy(), dtype="float64"),
        },
        copy=False,  # the columns are made for it (copying them took 0.2-0.3 s at 3.5M)
    )
    for role in ATTRIBUTE_ROLES:
        if role in orders.column_names:
            out[role] = _categorical(orders[role])
    return out


def lines_note(counts: dict[str, int]) -> str:
    """The quality report's line items in one sentence."""
    rows, kept, products = counts["line_rows"], counts["lines_kept"], counts["products"]
    left = counts["lines_left_out"]
    return (
        f"{rows:,} line {noun(rows, 'item names', 'items name')} a product: {kept:,} "
        f"{noun(kept, 'belongs', 'belong')} to kept orders ({products:,} "
        f"{noun(products, 'product', 'products')}); {left:,} {noun(left, 'was', 'were')} left "
        "out with their orders."
    )


def noun(n: int, one: str, many: str) -> str:
    """The word for a count of ``n``: one thing, or many."""
    return one if n == 1 else many


def lines_frame(lines: pa.Table | None, orders: pd.DataFrame) -> pd.DataFrame | None:
    """The engine's purchase products (``_code``, ``order_date``, ``product``; one row per
    customer, day and product, sorted) beside the order log: customers categorical on the
    order log's keys, products categorical (dictionary codes, not text per line), their
    categories in order of first appearance whether they come as text or as numbers."""
    if lines is None:
        return None
    product = _categorical(lines["product"])
    return pd.DataFrame(
        {
            "customer_id": pd.Categorical.from_codes(
                lines["_code"].to_numpy(), dtype=orders["customer_id"].dtype, validate=False
            ),
            "order_date": _dates(lines["order_date"]),
            "product": product,
        },
        copy=False,
    )


def _dates(days: pa.ChunkedArray) -> np.ndarray:
    """Arrow dates as datetime64 (Python's dates stop at year 1; an Arrow date need not)."""
    return days.cast(pa.timestamp("us")).to_numpy().astype("datetime64[us]", copy=False)


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
    if info.get("read_from"):  # a database's columns, fetched once and cleaned here
        parts.append(f"read from {info['read_from']}, cleaned in {info['engine']}")
    elif info.get("source"):
        parts.append(f"cleaned in {info['engine']}, where the data lives")
    parts.append(f"amounts in {currency}" if currency else "no currency named")
    return " · ".join(parts)

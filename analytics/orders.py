"""Raw table + column mapping -> a clean order log (one row per kept order) + quality report.

Every row that does not become a purchase is counted under one reason, with examples
(row numbers in the file), so nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from analytics.errors import LensError, MissingColumn
from analytics.formats import (
    FORMAT_LABELS,
    ORDER_ROLES,
    ROLE_LABELS,
    detect_format,
    preset,
    suggest_mapping,
)
from analytics.parsing import currency_of_text, parse_amounts, parse_dates
from analytics.readers import DELIMITER_NAMES, ENCODING_NAMES, RawTable

ORDER_LOG_COLUMNS = ["order_id", "customer_id", "email", "order_date", "amount"]
ATTRIBUTE_ROLES = ["channel", "country", "discount_code", "category"]

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
_CANCELLED = r"cancel|annul|void|storn"
_FAILED = r"fail|fraud|declin|echou|rejected"
_REFUNDED = r"^(?:fully[ _-]?)?refunded$|^rembours[ée]+e?s?$|^retourn"
_MISSING_IDS = {"", "0", "-", "null", "none", "nan", "n/a", "na", "guest", "invite"}


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

    def dropped_table(self) -> pd.DataFrame:
        """One line per reason that left orders out, for display."""
        rows = [
            {
                "reason": REASONS.get(key, key),
                "orders": count,
                "example rows": ", ".join(str(r) for r in self.examples.get(key, [])),
            }
            for key, count in self.dropped.items()
            if count
        ]
        return pd.DataFrame(rows, columns=["reason", "orders", "example rows"])

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class OrderLog:
    """The clean order log and everything the user should know about how it was made."""

    orders: pd.DataFrame
    report: QualityReport
    format: str
    mapping: dict[str, str | None]
    columns: list[str]
    table_info: dict
    currency: str | None = None  # the file's currency (most orders), or None when unknown
    currencies: dict[str, int] = field(default_factory=dict)  # kept orders per currency


def build_order_log(
    raw: RawTable, options: ReadOptions | None = None, today: pd.Timestamp | None = None
) -> OrderLog:
    """Clean a raw table into an order log.

    The log has one row per kept order: ``order_id``, ``customer_id`` (the customer id,
    else the email trimmed and lower-cased), ``email``, ``order_date`` (the local calendar
    day), ``amount`` (net of partial refunds), plus any of ``channel``, ``country``,
    ``discount_code``, ``category`` the file carries.
    """
    options = options or ReadOptions()
    frame = raw.frame
    columns = list(frame.columns)
    fmt = detect_format(columns) if options.format == "auto" else options.format
    if fmt not in FORMAT_LABELS:
        raise LensError(
            f"Unknown format '{fmt}': use auto, shopify, magento, woocommerce or generic."
        )
    mapping = suggest_mapping(columns, fmt)
    for role, col in options.mapping.items():
        if col is not None and col not in columns:
            raise LensError(
                f"There is no column '{col}' in this file for {ROLE_LABELS.get(role, role)}: "
                f"choose one of {', '.join(columns[:20])}."
            )
        mapping[role] = col
    _require(mapping, columns)

    warnings: list[str] = []
    notes: list[str] = [f"Read as: {FORMAT_LABELS[fmt]}."]
    european = raw.delimiter == ";"
    rows = pd.DataFrame(
        {"row": np.arange(len(frame)) + raw.header_row + 1}
        | {
            role: frame[mapping[role]].reset_index(drop=True)
            for role in ORDER_ROLES
            if mapping.get(role)
        }
    )

    if "currency" in rows:
        rows["currency"] = by_unique(rows["currency"], currency_of_text)
    elif not pd.api.types.is_numeric_dtype(rows["amount"].dtype):  # "€12", "12 EUR"
        named = by_unique(rows["amount"], currency_of_text)
        if named.notna().any():
            rows["currency"] = named
    amounts, mark = parse_amounts(rows["amount"], options.decimal)
    european = european or mark == ","
    rows["amount"] = amounts
    if "refunded" in rows:
        rows["refunded"] = parse_amounts(rows["refunded"], mark)[0].fillna(0.0)
    dates, reading = parse_dates(rows["order_date"], options.date_order, prefer_dayfirst=european)
    rows["order_date"] = dates.dt.normalize()
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

    rows = _fold_line_items(rows, notes, warnings)
    orders_found = len(rows)
    if "email" in rows:
        rows["email"] = clean_emails(rows["email"])
    rows["customer_id"] = _customer_key(rows)
    end = _end_date(options.end_date, today)
    reason = _reasons(rows, end, fmt)
    counts = np.bincount(reason[reason >= 0], minlength=len(REASONS))
    dropped = {key: int(n) for key, n in zip(REASONS, counts, strict=True)}
    row_numbers = rows["row"].to_numpy()
    examples = {
        key: row_numbers[reason == i][:5].tolist() for i, key in enumerate(REASONS) if counts[i]
    }
    needed = [c for c in rows.columns if c not in ("status", "cancelled_at", "order_key")]
    kept = rows.loc[reason < 0, needed]
    if "refunded" in kept:
        kept = kept.assign(amount=kept["amount"] - kept["refunded"])
        partial = int((kept["refunded"] > 0).sum())
        if partial:
            notes.append(f"{partial} partly refunded orders count net of the refunded amount.")
    if raw.bad_rows:
        dropped["unreadable_row"] = len(raw.bad_rows)
        examples["unreadable_row"] = raw.bad_rows[:5]
        warnings.append(
            f"{len(raw.bad_rows)} rows did not have as many fields as the header and were "
            "skipped (a separator inside an unquoted value, or a damaged or cut-off file)."
        )
    currencies = _currencies(kept, warnings)
    log = _finish(kept)
    if log.empty:
        counted = ", ".join(f"{REASONS.get(k, k).lower()}: {v}" for k, v in dropped.items() if v)
        raise LensError(
            f"No usable order in this file ({counted or 'no rows'}). Check the column mapping "
            "and the date order."
        )
    report = QualityReport(
        rows_read=len(frame) + len(raw.bad_rows),
        orders_found=orders_found,
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
    return OrderLog(log, report, fmt, mapping, columns, info, currency, currencies)


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


def _fold_line_items(rows: pd.DataFrame, notes: list[str], warnings: list[str]) -> pd.DataFrame:
    """One row per order: fields from the order's first row that has them.

    The amount is the order total when every multi-row order repeats one value (or has it
    on one row only, as Shopify does); otherwise the rows are line items and are summed.
    """
    if "order_id" not in rows:
        return rows
    codes, uniques = distinct(rows["order_id"])
    codes = codes.astype(np.int64)
    # Rows without an order id are orders of their own.
    missing = codes < 0
    if missing.any():
        codes[missing] = len(uniques) + np.arange(int(missing.sum()))
    if int((~missing).sum()) == len(uniques):
        return rows
    rows = rows.assign(order_key=codes)
    group = rows.groupby("order_key", sort=False)
    sizes = group["row"].transform("size")
    multi = rows[sizes > 1]
    amounts_per_order = multi.groupby("order_key", sort=False)["amount"].nunique()
    line_amounts = bool((amounts_per_order > 1).any())
    folded = group.first()
    if line_amounts:
        folded["amount"] = group["amount"].sum(min_count=1)
    folded = folded.reset_index(drop=True)
    n_multi = int(multi["order_key"].nunique())
    how = "line amounts added up" if line_amounts else "the order total taken once"
    notes.append(
        f"{len(rows):,} rows were folded into {len(folded):,} orders ({n_multi:,} orders span "
        f"several rows; {how})."
    )
    if not line_amounts and "amount" in multi and multi["amount"].notna().all() and n_multi:
        warnings.append(
            "Orders on several rows repeat the same amount on each row: it was taken as the "
            "order total, once per order. If it is a per-line amount, the revenue is too low."
        )
    return folded


def distinct(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes (-1 for missing) and distinct values: the one hashing pass over a column."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), pd.Series(values.cat.categories)
    codes, uniques = pd.factorize(values)
    return codes, pd.Series(uniques)


def by_unique(values: pd.Series, func) -> pd.Series:
    """Apply a text function to each distinct value once; the result is categorical.

    Exports repeat values a lot (statuses, customers), and hashing a long text column is the
    expensive step, so it happens once here and later steps reuse the category codes.
    """
    codes, uniques = distinct(values)
    text = uniques.astype("str")
    mapped = func(text)
    if not (mapped == text).fillna(False).all():  # cleaning changed values: they may merge
        new_codes, merged = pd.factorize(mapped)
        codes = np.where(codes >= 0, np.append(new_codes, -1)[codes], -1)
        text = pd.Series(merged)
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=pd.Index(text, dtype="str")),
        index=values.index,
    )


def compact_categories(values: pd.Series) -> pd.Series:
    """Drop unused categories (counting codes, not hashing: much faster on long columns)."""
    codes = values.cat.codes.to_numpy()
    used = np.bincount(codes[codes >= 0], minlength=len(values.cat.categories)) > 0
    if used.all():
        return values
    remap = np.append(np.cumsum(used) - 1, -1)
    return pd.Series(
        pd.Categorical.from_codes(remap[codes], categories=values.cat.categories[used]),
        index=values.index,
    )


def _strip_text(values: pd.Series) -> pd.Series:
    text = values.astype("str").str.strip()
    return text.where(values.notna() & text.ne(""))


def _clean_id_text(values: pd.Series) -> pd.Series:
    text = _strip_text(values)
    text = text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)  # 123.0 from spreadsheets
    short = text.str.len() <= 5
    missing = short & text.str.lower().isin(_MISSING_IDS)
    return text.where(~missing)


def clean_ids(values: pd.Series) -> pd.Series:
    """Customer ids as trimmed text; blanks and placeholders (0, guest, n/a) are missing."""
    return by_unique(values, _clean_id_text)


def _clean_emails(values: pd.Series) -> pd.Series:
    email = values.astype("str").str.strip().str.lower()
    return email.where(values.notna() & email.str.contains("@", regex=False))


def clean_emails(values: pd.Series) -> pd.Series:
    """Emails trimmed and lower-cased; values without @ are missing."""
    return by_unique(values, _clean_emails)


def _customer_key(rows: pd.DataFrame) -> pd.Series:
    """Customer id, else the email trimmed and lower-cased.

    An email seen with an id elsewhere in the file takes that id, so one person's guest and
    account orders stay together.
    """
    email = rows["email"] if "email" in rows else None
    if "customer_id" not in rows:
        return email
    ids = clean_ids(rows["customer_id"])
    if email is None or not ids.isna().any():
        return ids
    ids, email = ids.astype("str"), email.astype("str")
    known = pd.DataFrame({"email": email, "id": ids}).dropna().drop_duplicates("email")
    from_email = email.map(known.set_index("email")["id"])
    return ids.fillna(from_email).fillna(email).astype("category")


def _end_date(end_date: str | None, today: pd.Timestamp | None) -> pd.Timestamp:
    if end_date:
        try:
            return pd.Timestamp(end_date).normalize()
        except ValueError as exc:
            raise LensError(f"'{end_date}' is not a date: write it as YYYY-MM-DD.") from exc
    return (today or pd.Timestamp.today()).normalize()


def _status_kind(status: pd.Series, refunded_statuses: list[str]) -> np.ndarray:
    """'cancelled', 'refunded', 'failed' or '' per row, classifying each distinct status once."""
    codes, uniques = distinct(status)
    text = uniques.astype("str").str.strip().str.lower().str.removeprefix("wc-")
    kind = np.full(len(text) + 1, "", dtype=object)  # the extra last slot: missing status
    kind[:-1][text.str.contains(_FAILED).to_numpy(dtype=bool)] = "failed"
    refunded = text.str.contains(_REFUNDED) | text.isin(refunded_statuses)
    kind[:-1][refunded.to_numpy(dtype=bool)] = "refunded"
    kind[:-1][text.str.contains(_CANCELLED).to_numpy(dtype=bool)] = "cancelled"
    return kind[codes]


def _reasons(rows: pd.DataFrame, end: pd.Timestamp, fmt: str) -> np.ndarray:
    """Per order, the position in REASONS of the first reason it is left out, or -1 if kept."""
    reason = np.full(len(rows), -1, dtype=np.int8)
    keys = list(REASONS)

    def mark(key: str, mask) -> None:
        mask = np.asarray(pd.Series(mask).fillna(False), dtype=bool)
        reason[mask & (reason < 0)] = keys.index(key)

    mark("bad_date", rows["order_date"].isna())
    mark("future", rows["order_date"] > end)
    extra = preset(fmt).refunded_statuses if preset(fmt) else []
    kind = _status_kind(rows["status"], extra) if "status" in rows else np.full(len(rows), "")
    cancelled = kind == "cancelled"
    if "cancelled_at" in rows:
        cancelled |= _strip_text(rows["cancelled_at"]).notna().to_numpy()
    mark("cancelled", cancelled)
    refunded = kind == "refunded"
    if "refunded" in rows:
        full = (rows["refunded"] > 0) & (rows["refunded"] >= rows["amount"] - 0.005)
        refunded = refunded | full.to_numpy()
    mark("refunded", refunded)
    mark("failed", kind == "failed")
    mark("guest", rows["customer_id"].isna())
    mark("bad_amount", rows["amount"].isna())
    mark("not_positive", rows["amount"] <= 0)
    return reason


def _currencies(kept: pd.DataFrame, warnings: list[str]) -> dict[str, int]:
    """Kept orders per currency named in the file, most first; several are a warning."""
    if "currency" not in kept:
        return {}
    counts = kept["currency"].value_counts()
    counts = counts[counts > 0].sort_values(ascending=False, kind="stable")
    found = {str(code): int(n) for code, n in counts.items()}
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


def _finish(kept: pd.DataFrame) -> pd.DataFrame:
    order_id = (
        _strip_text(kept["order_id"])
        if "order_id" in kept
        else pd.Series(np.nan, index=kept.index, dtype="str")
    )
    missing = order_id.isna()
    if missing.any():  # rows without an order id are named by their row in the file
        order_id[missing] = "row " + kept.loc[missing, "row"].astype("str")
    out = pd.DataFrame(
        {
            "order_id": order_id,
            "customer_id": kept["customer_id"],
            "email": kept["email"]
            if "email" in kept
            else pd.Categorical.from_codes(
                np.full(len(kept), -1), categories=pd.Index([], dtype="str")
            ),
            "order_date": kept["order_date"].astype("datetime64[us]"),
            "amount": kept["amount"].astype("float64"),
        }
    )
    for col in ["customer_id", "email"]:
        if not isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype("str").astype("category")
        out[col] = compact_categories(out[col])
    for role in ATTRIBUTE_ROLES:
        if role in kept:
            out[role] = by_unique(kept[role], _strip_text)
    # File order is kept: every later step sorts what it needs, by customer and day.
    return out.reset_index(drop=True)


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
    parts.append(f"amounts in {currency}" if currency else "no currency named")
    return " · ".join(parts)

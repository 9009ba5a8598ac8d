"""A file's raw table -> typed roles -> the cleaning rules -> the clean order log.

The text of dates and amounts is parsed here (decimal commas, currency signs, day-first
dates); every cleaning rule then runs in the embedded DuckDB (:mod:`analytics.ingest.cleaning`),
the same rules as for a database.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.ingest.formats import FORMAT_LABELS, ORDER_ROLES
from analytics.ingest.orders import (
    UNSTAGED_ROLES,
    OrderLog,
    QualityReport,
    ReadOptions,
    currency_counts,
    end_day,
    lines_frame,
    log_frame,
    preview_frame,
    refunded_statuses_of,
    require_orders,
    resolve_mapping,
    text_array,
)
from analytics.ingest.parsing import DateReading, parse_amounts, parse_dates
from analytics.ingest.readers import RawTable


def build_order_log(
    raw: RawTable, options: ReadOptions | None = None, today: pd.Timestamp | None = None
) -> OrderLog:
    """Clean a raw table into an order log.

    The text of dates and amounts is parsed here (decimal commas, currency signs, day-first
    dates); every cleaning rule then runs in the embedded DuckDB (:mod:`analytics.ingest.engine`),
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
    roles = [
        role
        for role in ORDER_ROLES
        if mapping.get(role) and role not in ("currency", *UNSTAGED_ROLES)
    ]
    rows = {"_row": np.arange(len(frame), dtype=np.int64) + raw.header_row + 1}
    amount_text = frame[mapping["amount"]].reset_index(drop=True)
    plain = _plain_amounts(amount_text, options.decimal)
    currency_text = _currency_text(
        frame[mapping["currency"]].reset_index(drop=True) if mapping.get("currency") else None,
        amount_text if plain is None else None,
    )
    if currency_text is not None:
        rows["currency"] = currency_text
        roles.append("currency")
    if plain is None:
        amounts, mark = parse_amounts(amount_text, options.decimal)
        rows["amount"] = _numbers(amounts)
    else:
        rows["amount"], mark = plain, "."
    european = european or mark == ","
    if "refunded" in roles:
        refunded = parse_amounts(frame[mapping["refunded"]].reset_index(drop=True), mark)[0]
        rows["refunded"] = _numbers(refunded.fillna(0.0))
    date_text = frame[mapping["order_date"]].reset_index(drop=True)
    iso = _iso_days(date_text)
    if iso is None:
        dates, reading = parse_dates(date_text, options.date_order, prefer_dayfirst=european)
        rows["order_date"] = pa.array(dates).cast(pa.date32())  # the day, even before 1970
    else:  # what parse_dates reads from ISO dates, without trying the other shapes
        order = options.date_order if options.date_order in ("dayfirst", "monthfirst") else "iso"
        rows["order_date"], reading = iso, DateReading(order, False)
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

    from analytics.ingest.cleaning import clean_arrow  # the engine loads where orders are read

    end = end_day(options.end_date, today).date()
    cleaned = clean_arrow(staged, roles, end, refunded_statuses_of(fmt))
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
        lines=cleaned.line_counts,
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
    lines = lines_frame(cleaned.lines, log)
    return OrderLog(log, report, fmt, mapping, columns, info, currency, currencies, preview, lines)


def _plain_amounts(text: pd.Series, decimal: str | None) -> pa.Array | None:
    """Amounts written as plain numbers (``12.5``, ``-3``, ``1e3``), as Arrow floats in one
    cast; None when any is not (a sign, a code, a comma, a space: :func:`parse_amounts`
    reads those). Such text names no currency, so it needs no currency rule either."""
    if decimal == "," or not _is_text(text):
        return None
    try:
        numbers = pc.cast(pa.array(text, type=pa.string(), from_pandas=True), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pc.if_else(pc.is_nan(numbers), pa.scalar(None, pa.float64()), numbers)


def _iso_days(text: pd.Series) -> pa.Array | None:
    """The days of dates written as ISO 8601 with no zone (``2024-03-05``, ``2024-03-05
    14:02:11``), in one cast; None when any value is not (parse_dates reads the rest)."""
    if not _is_text(text):
        return None
    try:
        stamps = pc.cast(pa.array(text, type=pa.string(), from_pandas=True), pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return stamps.cast(pa.date32())


def _is_text(values: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(values.dtype) and values.dtype != object


def _numbers(values: pd.Series) -> pa.Array:
    """Floats as Arrow, NaN (unreadable) as null: the engine's SQL treats NaN as a number."""
    return pa.array(values.astype("float64"), type=pa.float64(), from_pandas=True)


def _currency_text(column: pd.Series | None, amounts: pd.Series | None) -> pa.Array | None:
    """The text the engine reads each row's currency from: the currency column, else the
    amounts when they are text ("€12", "12 EUR"); None when there is neither (``amounts``
    None: plain numbers, which name no currency)."""
    if column is None:
        if amounts is None or pd.api.types.is_numeric_dtype(amounts.dtype):
            return None
        column = amounts
    return text_array(column)

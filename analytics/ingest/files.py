"""A file's raw table -> typed roles -> the cleaning rules -> the clean order log.

The text of dates and amounts is parsed here (decimal commas, currency signs, day-first
dates); every cleaning rule then runs in the embedded DuckDB (:mod:`analytics.ingest.cleaning`),
the same rules as for a database.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

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
from analytics.ingest.parsing import parse_amounts, parse_dates
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

    from analytics.ingest.cleaning import clean  # the engine loads where orders are read
    from analytics.ingest.runner import CachedDuckDB

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

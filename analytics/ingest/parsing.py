"""Column converters: text amounts and dates in every common shape -> numbers and days.

Each converter decides once for the whole column (decimal comma or point, day-first or
month-first) so that one ambiguous value is read the same way as its neighbours.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# --- amounts -------------------------------------------------------------------------------

# A word written before or after an amount ("Rs.", "Fr.", "kr.", "руб.") goes with its own
# abbreviation point, which is no decimal mark; any other character that is not a digit,
# a separator or a minus goes alone. Latin, Greek and Cyrillic letters.
_LETTERS = "A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"
_NOT_NUMBER = rf"[{_LETTERS}]+[.,]?|[^\d,.\-]"


def _as_text(values: pd.Series) -> pd.Series:
    """Text view of a column: strings stripped, everything else (numbers from Excel) as str."""
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return values.str.strip()
    text = values.map(lambda v: v if isinstance(v, str) else (None if v is None else str(v)))
    return text.astype("str").str.strip().where(values.notna())


def parse_amounts(values: pd.Series, decimal: str | None = None) -> tuple[pd.Series, str]:
    """Convert a column of amounts to floats.

    Handles currency symbols and codes (``$1,234.50``, ``1 234,50 €``, ``EUR 12``),
    thousands separators (comma, point, space, apostrophe), decimal commas, negative
    amounts written ``-12``, ``12-`` or ``(12)``.

    Parameters
    ----------
    values:
        The column as read (text, or numbers for typed files).
    decimal:
        ``","`` or ``"."`` to force the decimal mark; ``None`` decides from the column.

    Returns
    -------
    The floats (NaN where a value could not be read) and the decimal mark used.
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return pd.Series(np.nan, index=values.index), decimal or "."
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("float64"), decimal or "."
    if values.dtype == object:
        numbers = values.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
        if numbers.all():
            return pd.to_numeric(values, errors="coerce").astype("float64"), decimal or "."
    text = _as_text(values)
    out = _plain_numbers(text) if decimal != "," else None
    if out is not None:
        out = out.astype("float64")
        todo = out.isna() & text.notna() & (text != "")
        if not todo.any():
            return out, "."
    else:
        out = pd.Series(np.nan, index=values.index, dtype="float64")
        todo = text.notna()
    rest = text[todo]
    negative = rest.str.match(r"^\(.*\)$") | rest.str.contains(r"^[^\d]*-") | rest.str.endswith("-")
    digits = rest.str.replace(_NOT_NUMBER, "", regex=True).str.replace("-", "", regex=False)
    mark = decimal or _decimal_mark(digits)
    if mark == ",":
        digits = digits.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        digits = digits.str.replace(",", "", regex=False)
    parsed = pd.to_numeric(digits.where(digits.str.count(r"\.") <= 1), errors="coerce")
    parsed = parsed.astype("float64").where(~negative, -parsed.astype("float64"))
    out.loc[todo] = parsed
    return out, mark


# Symbols read as their usual code ("$" alone is taken for US dollars); the engine's
# currency rule (analytics.ingest.engine.currency_code) checks them in this order.
# ISO 4217 codes a shop export commonly carries: a three-letter word in an amount or a
# currency column is read as a currency only when it is one of these.
CURRENCIES = [
    "EUR",
    "USD",
    "GBP",
    "CHF",
    "CAD",
    "AUD",
    "NZD",
    "JPY",
    "CNY",
    "INR",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "HUF",
    "RON",
    "BGN",
    "TRY",
    "ILS",
    "BRL",
    "MXN",
    "KRW",
    "SGD",
    "HKD",
    "ZAR",
    "AED",
]
SYMBOL_CODES = {"€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "$": "USD"}


def _arrow_text(text: pd.Series) -> pa.Array:
    """The column as an Arrow string array, for pyarrow's compute kernels."""
    return pa.array(text, type=pa.string(), from_pandas=True)


def _plain_numbers(text: pd.Series) -> pd.Series:
    """Text that is already plain numbers: one pyarrow cast (NaN where a value is not)."""
    array = _arrow_text(text)
    try:
        return pd.Series(
            pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False), index=text.index
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_numeric(text, errors="coerce").astype("float64")


def _decimal_mark(digits: pd.Series) -> str:
    """Decide the decimal mark from the whole column: which separator ends the values."""
    last_comma = digits.str.rfind(",")
    last_point = digits.str.rfind(".")
    both = (last_comma >= 0) & (last_point >= 0)
    comma_votes = (both & (last_comma > last_point)) | (
        (last_point < 0) & digits.str.contains(r",(?:\d{1,2}|\d{4,})$")
    )
    point_votes = (both & (last_point > last_comma)) | (
        (last_comma < 0) & digits.str.contains(r"\.(?:\d{1,2}|\d{4,})$")
    )
    # Points used as thousands separators twice ("1.234.567") mean decimal comma.
    comma_votes |= digits.str.count(r"\.") > 1
    point_votes |= digits.str.count(",") > 1
    return "," if int(comma_votes.sum()) > int(point_votes.sum()) else "."


# --- dates ---------------------------------------------------------------------------------

# A time followed by a UTC offset or zone: the offset is dropped so the calendar date stays
# the one written in the file (the shop's local date), never shifted to UTC.
_OFFSET = (
    r"(\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)"  # the time, kept
    # then the zone, dropped:
    r"[ \t]*(?:(?:Z|UTC|GMT)[ \t]*)?(?:[+-]\d{2}:?\d{2})?(?:[ \t]*\([A-Za-z ]+\))?$"
)
_ZONE_HINT = r"\d(?:Z|[ \t]*(?:UTC|GMT)|[ \t]*[+-]\d{2}:?\d{2})[ \t]*(?:\([A-Za-z ]+\))?$"
# A numeric date's first two numbers (day/month in either order); RE2 and Python syntax both.
_NUMERIC_DATE = r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?:\d{4}|\d{2})"

_TIME_SUFFIXES = ["", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p", "T%H:%M:%S"]
_NAMED_FORMATS = [
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%Y%m%d",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
]


@dataclass
class DateReading:
    """How a date column was read."""

    order: str  # "iso", "dayfirst", "monthfirst" or "typed"
    ambiguous: bool  # no value told day-first from month-first; ``order`` is a guess
    conflicting: int = 0  # values that contradict the chosen order


def parse_dates(
    values: pd.Series, order: str | None = None, prefer_dayfirst: bool = False
) -> tuple[pd.Series, DateReading]:
    """Convert a column of dates to naive datetimes (the local date and time as written).

    Parameters
    ----------
    values:
        Text (or typed datetimes from Excel and Parquet).
    order:
        ``"dayfirst"`` or ``"monthfirst"`` forces how ``03/04/2022`` is read; ``None``
        decides from the whole column (a value like ``25/04/2022`` proves day-first).
    prefer_dayfirst:
        The guess when no value decides (European files: semicolon or decimal comma).
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values
        if getattr(values.dt, "tz", None) is not None:
            out = values.dt.tz_localize(None)
        return out, DateReading("typed", False)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values):
        return _numeric_dates(values), DateReading("typed", False)
    if values.dtype == object:
        typed = values.map(lambda v: isinstance(v, (dt.date, pd.Timestamp)))
        if typed.any():
            out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
            out[typed] = pd.to_datetime(values[typed].map(_naive), errors="coerce")
            rest, reading = parse_dates(
                values[~typed].map(lambda v: None if v is None else str(v)).astype("str"),
                order,
                prefer_dayfirst,
            )
            out[~typed] = rest
            return out, reading
    text = _as_text(values)
    if text.str.contains(_ZONE_HINT).any():
        text = text.str.replace(_OFFSET, r"\1", regex=True)
    reading = _decide_order(text, order, prefer_dayfirst)
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    todo = text.notna() & (text != "")
    for fmt in _candidate_formats(reading.order):
        if not todo.any():
            break
        parsed = _strptime(text[todo], fmt)
        hit = parsed.notna()
        if hit.any():
            out.loc[parsed.index[hit]] = parsed[hit].astype("datetime64[us]")
            todo.loc[parsed.index[hit]] = False
    if todo.any():
        out.loc[todo] = _parse_leftovers(text[todo], reading.order == "dayfirst")
    return out, reading


def _strptime(text: pd.Series, fmt: str) -> pd.Series:
    """Parse with one format (NaT where it does not fit): pyarrow's kernel, else pandas.

    pyarrow rolls a day that the month does not have over into the next month
    (``2023-02-30`` becomes 2 March); such a date does not exist and is NaT here, as it is
    for pandas.
    """
    if fmt != "ISO8601" and "%b" not in fmt and "%B" not in fmt and "%p" not in fmt:
        array = _arrow_text(text)
        try:
            parsed = pc.strptime(array, format=fmt, unit="us", error_is_null=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            out = pd.Series(parsed.to_numpy(zero_copy_only=False), index=text.index)
            written = _written_day(array, fmt)
            if written is not None:
                out = out.where(~(out.notna() & (out.dt.day != written)))
            return out
    return pd.to_datetime(text, format=fmt, errors="coerce")


# Each strptime field as a regular expression (RE2 syntax); only the day is captured.
_FIELDS = {"%d": r"(?P<day>\d{1,2})", "%Y": r"\d{4}", "%y": r"\d{2}"}


def _written_day(array: pa.Array, fmt: str) -> np.ndarray | None:
    """The day of the month as written in each value (NaN where the value does not fit)."""
    if "%d" not in fmt:
        return None
    pattern = "^" + re.sub(
        r"%[A-Za-z]|[^%]+",
        lambda m: _FIELDS.get(
            m.group(), r"\d{1,2}" if m.group()[0] == "%" else re.escape(m.group())
        ),
        fmt,
    )
    day = pc.struct_field(pc.extract_regex(array, pattern), "day")
    return pc.cast(day, pa.float64(), safe=False).to_numpy(zero_copy_only=False)


def _naive(value):
    stamp = pd.Timestamp(value)
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def _numeric_dates(values: pd.Series) -> pd.Series:
    """Numbers in a date column: 19970101-style days or Excel serial days."""
    numbers = values.astype("float64")
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    compact = numbers.between(19000101, 21001231)
    if compact.any():
        out[compact] = pd.to_datetime(
            numbers[compact].astype("int64").astype(str), format="%Y%m%d", errors="coerce"
        )
    serial = numbers.between(20000, 80000)  # Excel serial days: 1954 to 2119
    if serial.any():
        out[serial] = pd.Timestamp("1899-12-30") + pd.to_timedelta(numbers[serial], unit="D")
    return out


def _day_month_parts(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The first two numbers of ``dd/mm/yyyy``-like values (NaN elsewhere), via pyarrow."""
    parts = pc.extract_regex(_arrow_text(text), _NUMERIC_DATE)
    first = pc.cast(pc.struct_field(parts, "a"), pa.float64(), safe=False)
    second = pc.cast(pc.struct_field(parts, "b"), pa.float64(), safe=False)
    return (
        pd.Series(first.to_numpy(zero_copy_only=False), index=text.index),
        pd.Series(second.to_numpy(zero_copy_only=False), index=text.index),
    )


def _decide_order(text: pd.Series, order: str | None, prefer_dayfirst: bool) -> DateReading:
    first, second = _day_month_parts(text)
    dayfirst_proof = int((first > 12).sum())
    monthfirst_proof = int((second > 12).sum())
    if order in ("dayfirst", "monthfirst"):
        conflicting = monthfirst_proof if order == "dayfirst" else dayfirst_proof
        return DateReading(order, False, conflicting)
    if first.notna().sum() == 0:
        return DateReading("iso", False)
    if dayfirst_proof or monthfirst_proof:
        if dayfirst_proof >= monthfirst_proof:
            return DateReading("dayfirst", False, monthfirst_proof)
        return DateReading("monthfirst", False, dayfirst_proof)
    return DateReading("dayfirst" if prefer_dayfirst else "monthfirst", True)


def _candidate_formats(order: str) -> list[str]:
    formats = ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "ISO8601"]
    if order in ("dayfirst", "monthfirst"):
        day_month = ["%d", "%m"] if order == "dayfirst" else ["%m", "%d"]
        for sep in ["/", ".", "-"]:
            for year in ["%Y", "%y"]:
                base = sep.join(day_month + [year])
                formats += [base + suffix for suffix in _TIME_SUFFIXES]
    return formats + _NAMED_FORMATS


# Odd values read one at a time, at most (the rest of them are unreadable).
_MAX_LEFTOVERS = 200_000
# A value that starts with its year is year-month-day whatever the column's order.
_YEAR_FIRST = r"\d{4}[/.\-]"


def _parse_leftovers(text: pd.Series, dayfirst: bool) -> pd.Series:
    """Parse odd values one unique string at a time (slow path for rare shapes)."""
    uniques = text.dropna().unique()
    parsed = {}
    for value in uniques[:_MAX_LEFTOVERS]:
        if re.match(_NUMERIC_DATE + r"\b", value):
            # Numeric dates were tried in the column's order already: a value that fails
            # contradicts it (25/04 in a month-first column) and must not be read the other way.
            parsed[value] = pd.NaT
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # dayfirst on a year-first value reads it year-day-month (2023/01/05 as 1 May)
                stamp = pd.to_datetime(
                    value, dayfirst=dayfirst and not re.match(_YEAR_FIRST, value)
                )
            parsed[value] = _naive(stamp) if stamp is not pd.NaT else pd.NaT
        except (ValueError, OverflowError, TypeError):
            parsed[value] = pd.NaT
    return pd.to_datetime(text.map(parsed), errors="coerce").astype("datetime64[us]")

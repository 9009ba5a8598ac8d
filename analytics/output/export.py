"""Campaign-ready exports that a spreadsheet can never run as formulas: in CSV a text cell
that would start one is prefixed with a single quote; in Excel it is typed as text."""

from __future__ import annotations

import io

import pandas as pd

from analytics.errors import LensError

EXCEL_MAX_ROWS = 1_048_575  # rows below the header

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that would start a formula with a single quote; numbers untouched."""
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_datetime64_any_dtype(
            values.dtype
        ):
            continue
        text = values.map(
            lambda v: ("'" + v) if isinstance(v, str) and v.startswith(FORMULA_START) else v
        )
        out[col] = text
    return out


def definition_line(definition: dict) -> str:
    """A campaign list's definition in one line of text."""
    text = "; ".join(f"{k}: {v}" for k, v in definition.items())
    return text.replace("\n", " ").replace("\r", " ")


def to_csv_bytes(frame: pd.DataFrame, definition: dict | None = None) -> bytes:
    """UTF-8 with BOM, so Excel opens accents correctly; formulas neutralised. The header is
    the first line, as mail tools (Klaviyo, Mailchimp, Shopify Email) expect; a campaign
    list's ``definition`` rides along in two last columns, ``list_name`` and
    ``list_definition`` (the same on every row)."""
    if definition:
        frame = frame.assign(
            list_name=str(definition.get("list", "")), list_definition=definition_line(definition)
        )
    body = neutralise(frame).to_csv(index=False, date_format="%Y-%m-%d")
    return body.encode("utf-8-sig")


def to_xlsx_bytes(
    frame: pd.DataFrame, sheet: str = "customers", definition: dict | None = None
) -> bytes:
    """Text as it is, written as text cells, which Excel shows and never runs as a formula
    (so an email such as ``+vip@example.com`` imports as it is, with no quote in front); a
    campaign list's ``definition`` in a second sheet, "List definition". Raises LensError
    beyond Excel's row limit."""
    if len(frame) > EXCEL_MAX_ROWS:
        raise LensError(
            f"An Excel sheet holds at most {EXCEL_MAX_ROWS:,} customers and this list has "
            f"{len(frame):,}: export it as CSV instead."
        )
    from openpyxl import Workbook

    # Write-only: rows go straight to the file, about five times faster than pandas'
    # writer, which builds and styles every cell first (a 48,000-customer list: 13 s).
    book = Workbook(write_only=True)
    _sheet(book, sheet, frame)
    if definition:
        about = pd.DataFrame({"what": list(definition), "value": list(definition.values())})
        _sheet(book, "List definition", about.astype("str"))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet(book, name: str, data: pd.DataFrame) -> None:
    """A sheet of ``data``: its header, then one row per record."""
    from openpyxl.cell import WriteOnlyCell

    sheet = book.create_sheet(name)

    def text(value):
        """A cell openpyxl would write as a formula ("=..."), or another program could take
        for one, typed as text instead."""
        if not (isinstance(value, str) and value.startswith(FORMULA_START)):
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell

    sheet.append([text(str(c)) for c in data.columns])
    for row in zip(*(_cells(data[c]) for c in data.columns), strict=True):
        sheet.append([text(v) for v in row])


def _cells(values: pd.Series) -> list:
    """A column as Excel takes it: Python numbers, dates and text; missing values empty."""
    present = values.notna()
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("str")
    return values.astype("object").where(present, None).tolist()

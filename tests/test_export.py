"""Exports never run as spreadsheet formulas."""

import io

import openpyxl
import pandas as pd
import pytest

from analytics.output.export import neutralise, to_csv_bytes, to_xlsx_bytes

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\tTAB",
    "\rCR",
    "Ann",
    "",
]


def test_hostile_text_is_prefixed_numbers_untouched():
    frame = pd.DataFrame({"name": HOSTILE, "value": [-1.5, 2, 3, -4, 5, 6, 7, 8]})
    out = neutralise(frame)
    assert out["name"].tolist()[:6] == ["'" + v for v in HOSTILE[:6]]
    assert out["name"].tolist()[6:] == ["Ann", ""]
    assert out["value"].tolist() == frame["value"].tolist()
    assert frame["name"].tolist() == HOSTILE  # input not mutated


@pytest.mark.parametrize("writer", ["csv", "xlsx"])
def test_files_hold_no_formula(writer):
    frame = pd.DataFrame({"name": HOSTILE[:4], "revenue": [-1.0, 2.0, 3.0, 4.0]})
    if writer == "csv":
        text = to_csv_bytes(frame).decode("utf-8-sig")
        back = pd.read_csv(io.StringIO(text), keep_default_na=False)
        assert all(v.startswith("'") for v in back["name"])
        assert back["revenue"].tolist() == [-1.0, 2.0, 3.0, 4.0]
    else:
        book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame)))
        cells = [row for row in book.active.iter_rows(min_row=2, values_only=True)]
        assert all(isinstance(n, str) and n.startswith("'") for n, _ in cells)
        assert [v for _, v in cells] == [-1.0, 2.0, 3.0, 4.0]


def test_excel_row_limit_is_a_clear_message(monkeypatch):
    from analytics.errors import LensError
    from analytics.output import export

    monkeypatch.setattr(export, "EXCEL_MAX_ROWS", 3)
    with pytest.raises(LensError, match="at most 3 customers.*CSV"):
        to_xlsx_bytes(pd.DataFrame({"a": range(4)}))
    assert to_xlsx_bytes(pd.DataFrame({"a": range(3)})).startswith(b"PK")

"""Exports never run as spreadsheet formulas."""

import io
import zipfile

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
        data = to_xlsx_bytes(frame)
        book = openpyxl.load_workbook(io.BytesIO(data))
        cells = [row for row in book.active.iter_rows(min_row=2)]
        # The text as it is (an email "+vip@..." imports unchanged), typed as text: no cell
        # of the sheet is a formula.
        assert [n.value for n, _ in cells] == HOSTILE[:4]
        assert {n.data_type for n, _ in cells} == {"s"}
        assert [v.value for _, v in cells] == [-1.0, 2.0, 3.0, 4.0]
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()


def test_excel_row_limit_is_a_clear_message(monkeypatch):
    from analytics.errors import LensError
    from analytics.output import export

    monkeypatch.setattr(export, "EXCEL_MAX_ROWS", 3)
    with pytest.raises(LensError, match="at most 3 customers.*CSV"):
        to_xlsx_bytes(pd.DataFrame({"a": range(4)}))
    assert to_xlsx_bytes(pd.DataFrame({"a": range(3)})).startswith(b"PK")


def test_an_excel_list_reads_back_as_the_frame_it_was_written_from():
    """Text, whole numbers, amounts, dates, a category, a flag and blanks come back as they
    went in (the sheet is written row by row, not through pandas), the header first; the
    definition sheet holds the list's name and rule, the rule's "=" as text."""
    frame = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "orders": [3, 1, 7],
            "revenue": [12.5, None, 1234.56],
            "last_order": pd.to_datetime(["2024-01-05", None, "2023-12-31"]),
            "stage": pd.Categorical(["Active", None, "At risk"]),
            "control": [True, False, True],
        }
    )
    data = to_xlsx_bytes(frame, definition={"list": "Win-back", "rule": "=days > 90"})
    back = pd.read_excel(io.BytesIO(data), sheet_name=None)
    got = back["customers"]
    assert list(got.columns) == list(frame.columns)
    assert got["customer_id"].tolist() == ["C1", "C2", "C3"]
    assert got["orders"].tolist() == [3, 1, 7]
    assert got["revenue"].iloc[0] == 12.5 and pd.isna(got["revenue"].iloc[1])
    assert got["revenue"].iloc[2] == 1234.56  # a number, not text
    assert got["last_order"].iloc[0] == pd.Timestamp("2024-01-05") and pd.isna(
        got["last_order"].iloc[1]
    )
    assert got["stage"].iloc[0] == "Active" and pd.isna(got["stage"].iloc[1])
    assert got["control"].tolist() == [True, False, True]
    rules = dict(
        zip(back["List definition"]["what"], back["List definition"]["value"], strict=True)
    )
    assert rules == {"list": "Win-back", "rule": "=days > 90"}  # text, not a formula

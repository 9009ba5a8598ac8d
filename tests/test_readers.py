"""Any file in: dialects, encodings, spreadsheets, and hostile or broken files."""

import io
import zipfile

import pandas as pd
import pytest

from analytics import LensError
from analytics.ingest.readers import read_table
from tests import exports

ROWS = [["1", "a", "2024-01-01", "10,5"], ["2", "b", "2024-01-02", "3"]]


def csv_text(delim, rows=ROWS, header=("order", "customer", "date", "amount")):
    def quote(v):
        return f'"{v}"' if delim in v or "," in v else v

    return "\n".join(delim.join(quote(v) for v in r) for r in [list(header), *rows]) + "\n"


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(delim):
    table = read_table(csv_text(delim).encode(), "x.csv")
    assert table.delimiter == delim
    assert list(table.frame.columns) == ["order", "customer", "date", "amount"]
    assert table.frame["amount"].tolist() == ["10,5", "3"]


def test_sniffing_uses_many_lines_not_just_the_first():
    # The header has a comma inside a quoted name; the data rows decide on semicolons.
    text = '"Total, EUR";customer;date\n' + "".join(f"{i};c{i};2024-01-01\n" for i in range(50))
    table = read_table(text.encode(), "x.csv")
    assert table.delimiter == ";" and table.frame.shape == (50, 3)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
def test_encodings(encoding):
    text = "client;montant;date\nRené Müller;12,5 €;2024-01-01\nZoë;3;2024-01-02\n"
    if encoding == "latin-1":
        text = text.replace("€", "EUR")
    table = read_table(text.encode(encoding), "x.csv")
    assert table.frame["client"].tolist() == ["René Müller", "Zoë"]
    assert list(table.frame.columns)[0] == "client"  # no BOM left in the header


def test_encoding_override_and_unknown_encoding():
    data = "client;montant\nRené;1\n".encode("cp1252")
    assert read_table(data, "x.csv", encoding="cp1252").frame["client"][0] == "René"
    with pytest.raises(LensError, match="not valid utf-8"):
        read_table(data, "x.csv", encoding="utf-8")
    with pytest.raises(LensError, match="Unknown encoding"):
        read_table(data, "x.csv", encoding="klingon")


def test_title_lines_before_the_header_are_skipped():
    text = "Orders report\nExported 2024-02-01\n\n" + csv_text(",")
    table = read_table(text.encode(), "x.csv")
    assert list(table.frame.columns) == ["order", "customer", "date", "amount"]
    assert table.header_row == 3 and table.row_number(0) == 4


def test_title_lines_padded_with_separators_are_skipped_too():
    """A spreadsheet saves its title lines with as many separators as the table has columns:
    the header is the first line that names two columns or more (line 4 here)."""
    text = "Sales report Q1;;;\nExported by Marie on 02/07/2024;;;\n;;;\n" + csv_text(";")
    table = read_table(text.encode(), "x.csv")
    assert list(table.frame.columns) == ["order", "customer", "date", "amount"]
    assert table.header_row == 4 and table.row_number(0) == 5
    assert table.frame["order"].tolist() == [r[0] for r in ROWS]


def test_rows_with_extra_fields_are_listed_not_silently_lost():
    text = "order,customer,amount\n1,a,5\n2,b,5,EXTRA\n3,c,7\n"
    table = read_table(text.encode(), "x.csv")
    assert table.frame["order"].tolist() == ["1", "3"]
    assert table.bad_rows == [3]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (bytes(range(256)) * 20, "not a text table"),
        (b"order,customer,amount\n", "header but no rows"),
        (b"just one column\nvalue\n", "No column separator"),
        (b'order,customer,amount\n1,a,"5\n2,b,6\n', "cut off"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel .xls"),
        (b"PK\x03\x04garbage", "damaged"),
        (b"PAR1garbage", "Parquet"),
    ],
)
def test_bad_files_get_a_clear_message(data, message):
    with pytest.raises(LensError, match=message):
        read_table(data, "bad.csv")


def test_renamed_non_excel_file_is_refused():
    with pytest.raises(LensError, match="not a valid Excel"):
        read_table(b"\x00\x01binary", "orders.xlsx")


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in entries.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def test_zip_bomb_is_refused_before_decompression():
    bomb = _zip({"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": b"0" * 50_000_000})
    with pytest.raises(LensError, match="zip bomb"):
        read_table(bomb, "bomb.xlsx")


def test_too_many_entries_refused():
    many = _zip({f"x{i}.txt": b"" for i in range(10_001)})
    with pytest.raises(LensError, match="parts"):
        read_table(many, "many.xlsx")


def test_xml_entities_refused():
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(LensError, match="XML declarations"):
        read_table(_zip({"[Content_Types].xml": evil}), "evil.xlsx")


def test_excel_sheets_listed_and_chosen():
    data = exports.xlsx_bytes(
        {"A": pd.DataFrame({"x": [1], "y": [2]}), "B": pd.DataFrame({"p": [3], "q": [4]})}
    )
    table = read_table(data, "o.xlsx", sheet="B")
    assert table.sheets == ["A", "B"] and list(table.frame.columns) == ["p", "q"]
    with pytest.raises(LensError, match="no sheet 'C'"):
        read_table(data, "o.xlsx", sheet="C")


def test_duplicate_and_blank_headers_are_made_unique():
    table = read_table(b"a,a,,b\n1,2,3,4\n", "x.csv")
    assert list(table.frame.columns) == ["a", "a (2)", "column 3", "b"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_every_line_ending(newline):
    text = newline.join(["order;customer;amount", "1;a;5", "2;b;6"]) + newline
    table = read_table(text.encode(), "x.csv")
    assert table.frame["customer"].tolist() == ["a", "b"]


def test_a_lone_carriage_return_is_a_clear_error_not_a_crash():
    with pytest.raises(LensError):
        read_table(b";\r0", "x.csv")

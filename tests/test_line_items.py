"""Line items: each shop's product column is read, one row per purchase and product of the
kept orders, with the quality report's line counts; files without products keep working."""

import io

import pandas as pd
import pytest

from analytics.access import store
from analytics.ingest.io import load_orders
from analytics.ingest.orders import ReadOptions, lines_note
from tests import exports

TODAY = pd.Timestamp("2026-01-01")


def load(text, name="orders.csv", **options):
    return load_orders(text.encode(), name, ReadOptions(**options), today=TODAY)


def invoice_frame() -> pd.DataFrame:
    """The invoice log of tests/exports.py as a database holds it: dates typed."""
    frame = pd.read_csv(io.StringIO(exports.INVOICE_LOG), dtype={"CustomerID": str})
    frame["InvoiceDate"] = pd.to_datetime(frame["InvoiceDate"], format="%m/%d/%Y %H:%M")
    return frame


def same_products_as_the_file(location, monkeypatch) -> None:
    """A database's copy of the invoice log gives the file's purchases' products and line
    counts, fetched and cleaned in the embedded DuckDB, then with the rules run in the
    server (LENS_DB_RULES=server). 17850's invoices 536365 and 536366 are one purchase of
    three products; 14527's cancellation C536379 leaves its line out."""
    from analytics.ingest import sources

    from_file = load(exports.INVOICE_LOG, "Online Retail.csv")
    for rules in (None, "server"):
        if rules:
            monkeypatch.setenv("LENS_DB_RULES", rules)
        got = sources.load_location(location, ReadOptions(), today=TODAY)
        assert purchases(got) == purchases(from_file), rules
        assert got.report.lines == from_file.report.lines, rules
    assert from_file.report.lines["lines_left_out"] == 1
    assert len(purchases(from_file)[("17850", "2010-12-01")]) == 3


def purchases(log) -> dict:
    """(customer, day) -> the purchase's products, from the line table."""
    out = {}
    for r in log.lines.itertuples():
        out.setdefault((r.customer_id, r.order_date.date().isoformat()), set()).add(r.product)
    return out


def test_shopify_lines_of_kept_orders_only():
    log = load(exports.SHOPIFY, "orders_export.csv")
    assert log.mapping["product"] == "Lineitem name"
    # #1002 (refunded), #1004 (cancelled), #1006 (guest), #1007 (voided): their lines nowhere.
    assert purchases(log) == {
        ("a@x.com", "2023-01-05"): {"Shirt", "Hat"},
        ("a@x.com", "2023-02-06"): {"Coat"},
        ("b@x.com", "2023-03-01"): {"Socks"},
    }
    assert log.report.lines == {
        "line_rows": 8,
        "lines_kept": 4,
        "products": 4,
        "lines_left_out": 4,
    }
    assert any("were left out with their orders" in n for n in log.report.notes)
    # Orders stay the unit: #1001's amount is its total, not the sum of its lines (90).
    assert log.orders["amount"].tolist() == [100.0, 1000.0, 30.0]
    assert isinstance(log.lines["product"].dtype, pd.CategoricalDtype)
    assert log.lines["customer_id"].dtype == log.orders["customer_id"].dtype


def test_woocommerce_item_columns():
    log = load(exports.WOOCOMMERCE_ITEMS, "woo.csv")
    assert log.format == "woocommerce" and log.mapping["product"] == "Item Name"
    assert purchases(log) == {("7", "2023-04-01"): {"Mug", "Tea"}, ("7", "2023-05-01"): {"Tea"}}
    assert log.report.lines["lines_left_out"] == 1  # the failed order's Mug
    assert log.orders["amount"].tolist() == [45.5, 19.9]  # the order total, taken once


def test_invoice_log_description_and_stock_code():
    log = load(exports.INVOICE_LOG, "Online Retail.csv")
    assert (log.mapping["product"], log.mapping["sku"]) == ("Description", "StockCode")
    # Two invoices on 1 December are one purchase: their products together.
    assert purchases(log) == {
        ("17850", "2010-12-01"): {
            "WHITE HANGING HEART T-LIGHT HOLDER",
            "WHITE METAL LANTERN",
            "HAND WARMER UNION JACK",
        },
        ("17850", "2010-12-13"): {"WHITE HANGING HEART T-LIGHT HOLDER"},
        ("14527", "2010-12-03"): {"JAM MAKING SET PRINTED"},
    }
    assert log.report.lines == {
        "line_rows": 6,
        "lines_kept": 5,
        "products": 4,
        "lines_left_out": 1,  # the cancellation's Discount line
    }
    by_sku = load(exports.INVOICE_LOG, "Online Retail.csv", product_key="sku")
    assert by_sku.mapping["product"] == "StockCode"
    assert purchases(by_sku)[("17850", "2010-12-13")] == {"85123A"}


def test_a_sku_is_the_product_when_there_is_no_name():
    csv = "order,customer,date,amount,sku\n1,a,2024-01-01,5,AB-1\n2,a,2024-02-01,5, \n"
    log = load(csv)
    assert log.mapping["product"] == "sku"
    assert purchases(log) == {("a", "2024-01-01"): {"AB-1"}}  # a blank product is none
    assert log.report.lines["line_rows"] == 1


def test_generic_product_columns_and_variants_as_written():
    csv = (
        "order,customer,date,amount,product_name\n"
        "1,a,2024-01-01,5,Tea - Large\n1,a,2024-01-01,5,Tea - Small\n2,b,2024-01-02,5,Tea - Large\n"
    )
    log = load(csv)
    assert set(log.lines["product"].cat.categories) == {"Tea - Large", "Tea - Small"}


def test_files_without_products_keep_working():
    log = load(exports.WOOCOMMERCE, "woo.csv")
    assert log.lines is None and log.report.lines == {}
    assert not any("line items" in n for n in log.report.notes)


def test_unknown_product_key():
    with pytest.raises(Exception, match="Unknown product key"):
        load(exports.WOOCOMMERCE_ITEMS, "woo.csv", product_key="colour")


def test_a_kept_dataset_keeps_its_products(tmp_path):
    log = load(exports.SHOPIFY, "orders_export.csv")
    kept = store.Store(tmp_path, 10**9)
    key = "a" * 32
    source = {"label": "Upload", "orders_name": "x.csv", "contacts_name": "", "options": {}}
    kept.save(key, source, log, None)
    back = kept.load(key)
    pd.testing.assert_frame_equal(back.log.lines, log.lines)
    assert back.log.report.lines == log.report.lines


def test_a_database_table_gives_the_same_lines(tmp_path):
    import duckdb

    from analytics.ingest import sources

    frame = pd.read_csv(pd.io.common.StringIO(exports.WOOCOMMERCE_ITEMS))
    frame["Order Date"] = pd.to_datetime(frame["Order Date"])
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.register("frame", frame)
        con.execute("CREATE TABLE orders AS SELECT * FROM frame")
    location = sources.locate(f"duckdb:///{path}", "orders")
    from_db = sources.load_location(location, ReadOptions(), today=TODAY)
    from_file = load(exports.WOOCOMMERCE_ITEMS, "woo.csv")
    assert purchases(from_db) == purchases(from_file)
    assert from_db.report.lines == from_file.report.lines


def test_line_note_counts_in_words():
    """One line item, one product, one left out: singular words; otherwise plural."""
    one = {"line_rows": 1, "lines_kept": 1, "products": 1, "lines_left_out": 1}
    assert lines_note(one) == (
        "1 line item names a product: 1 belongs to kept orders (1 product); 1 was left out "
        "with their orders."
    )
    many = {"line_rows": 12, "lines_kept": 10, "products": 3, "lines_left_out": 2}
    assert lines_note(many) == (
        "12 line items name a product: 10 belong to kept orders (3 products); 2 were left out "
        "with their orders."
    )


def test_products_are_numbered_by_their_trimmed_names_in_byte_order():
    """An upload's products reach the engine as numbers: " Tea" and "Tea" are one product
    (trimmed by the engine's rule), blank and missing are none, and the numbers follow the
    names' bytes ("Tea" < "tea"; "Zoë" after both)."""
    import pyarrow as pa

    from analytics.ingest.cleaning import numbered_products

    staged = pa.table(
        {"_row": [1, 2, 3, 4, 5, 6], "product": ["tea", " Tea", "Tea", " ", None, "Zoë "]}
    )
    numbered, names = numbered_products(staged)
    assert names.to_pylist() == ["Tea", "Zoë", "tea"]
    assert numbered["product"].to_pylist() == [2, 0, 0, None, None, 1]
    assert numbered.column_names == staged.column_names and numbered["_row"] == staged["_row"]
    plain = staged.drop_columns("product")
    assert numbered_products(plain) == (plain, None)


REPEATS = (
    "order,customer,date,amount,product\n"
    "1,a,2024-01-01,5,Tea\n1,a,2024-01-01,5,Tea \n1,a,2024-01-01,5,tea\n"
    "2,a,2024-01-01,7,Tea\n3,a,2024-02-01,4,tea\n4,b,2024-01-03,9,Mug\n"
)


def test_a_product_held_twice_in_a_purchase_is_one_line(tmp_path):
    """Customer a's orders 1 and 2 on 1 January are one purchase: "Tea" (three lines, one
    with a trailing space) once, "tea" (other bytes) once. Read from a file (products as
    numbers) and from a DuckDB table (products as text), the same frame, categories in the
    order they first appear."""
    import duckdb

    from analytics.ingest import sources

    log = load(REPEATS)
    rows = [
        (r.customer_id, r.order_date.date().isoformat(), r.product) for r in log.lines.itertuples()
    ]
    assert rows == [
        ("a", "2024-01-01", "Tea"),
        ("a", "2024-01-01", "tea"),
        ("a", "2024-02-01", "tea"),
        ("b", "2024-01-03", "Mug"),
    ]
    assert list(log.lines["product"].cat.categories) == ["Tea", "tea", "Mug"]
    assert log.report.lines == {
        "line_rows": 6, "lines_kept": 6, "products": 3, "lines_left_out": 0
    }  # fmt: skip
    frame = pd.read_csv(io.StringIO(REPEATS), dtype={"customer": str, "product": str})
    frame["date"] = pd.to_datetime(frame["date"])
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.register("frame", frame)
        con.execute("CREATE TABLE orders AS SELECT * FROM frame")
    from_db = sources.load_location(sources.locate(f"duckdb:///{path}", "orders"), today=TODAY)
    pd.testing.assert_frame_equal(from_db.lines, log.lines)
    assert from_db.report.lines == log.report.lines

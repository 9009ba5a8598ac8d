"""MySQL (Magento, WooCommerce): the held-back orders in a real MariaDB server give what the
same rows in a CSV file give, read through a user that may only SELECT.

The server is started by tests/mysql.py. MariaDB compares text without regard to case by
default: the held-back emails in capitals must still be customers of their own, as in the CSV.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.ingest import sources
from analytics.ingest.orders import ReadOptions
from tests import mysql
from tests.test_line_items import invoice_frame, same_products_as_the_file
from tests.test_sources import MAPPING, held_back_csv, held_back_orders, run, same_json_as_csv

COLUMNS = (
    "order_id varchar(40), customer_email varchar(120), created_at datetime, "
    "total decimal(12, 2), refunded_amount decimal(12, 2), status varchar(40), "
    "channel varchar(20), currency varchar(10)"
)


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    return held_back_orders()


@pytest.fixture(scope="module")
def csv_file(orders, tmp_path_factory):
    return held_back_csv(orders, tmp_path_factory.mktemp("csv"))


@pytest.fixture(scope="module")
def server(orders):
    db = mysql.start()
    try:
        rows = [
            tuple(None if pd.isna(v) else v for v in row)
            for row in orders.astype(object).itertuples(index=False)
        ]
        con = db.connect(db=mysql.DATABASE)
        with con.cursor() as cursor:
            cursor.execute(f"CREATE TABLE orders ({COLUMNS})")
            cursor.executemany(f"INSERT INTO orders VALUES ({', '.join(['%s'] * 8)})", rows)
            cursor.execute("CREATE TABLE typed_wrong (order_id text, created_at text, total text)")
        con.commit()
        con.close()
        # A second user who may write: the session must stay read-only all the same.
        db.run(
            f"CREATE USER 'writer'@'127.0.0.1' IDENTIFIED BY '{mysql.PASSWORD}'",
            f"GRANT ALL ON {mysql.DATABASE}.* TO 'writer'@'127.0.0.1'",
        )
        yield db
    finally:
        mysql.stop(db)


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("LENS_DB_PASSWORD", mysql.PASSWORD)


def count(server) -> int:
    con = server.connect(db=mysql.DATABASE)
    try:
        with con.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM orders")
            return cursor.fetchone()[0]
    finally:
        con.close()


def test_mysql_table_and_sql_give_the_same_json_as_the_csv(server, csv_file, password, capsys):
    same_json_as_csv(capsys, csv_file, server.url(), "--table", "orders")
    same_json_as_csv(capsys, csv_file, server.url(), "--sql", "SELECT * FROM orders")


def test_the_rules_run_in_mysql_itself_give_the_same_json(
    server, csv_file, password, capsys, monkeypatch
):
    """The mapped columns are fetched and cleaned in the embedded DuckDB; the same rules run
    in MariaDB (LENS_DB_RULES=server) agree."""
    assert sources._fetches(sources.locate(server.url(), table="orders"))
    monkeypatch.setenv("LENS_DB_RULES", "server")
    code, expected, err = run(capsys, "inspect", csv_file, *MAPPING)
    assert code == 0, err
    code, got, err = run(capsys, "inspect", server.url(), "--table", "orders", *MAPPING)
    assert code == 0, err
    assert got == expected


def test_a_zero_date_is_an_unreadable_date(server, password):
    """MySQL's zero date (and a zero month) is no day: the order is left out and counted, as
    the file readers count 2024-13-01 (the rules run in MariaDB itself kept such orders)."""
    con = server.connect(db=mysql.DATABASE)
    with con.cursor() as cursor:
        cursor.execute("SET SESSION sql_mode = ''")  # MariaDB then takes 0000-00-00
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS zero_dates (order_id varchar(9), customer varchar(9), "
            "created_at datetime, total double)"
        )
        cursor.execute("DELETE FROM zero_dates")
        cursor.execute(
            "INSERT INTO zero_dates VALUES ('1', 'a', '0000-00-00', 10), "
            "('2', 'a', '2024-01-02 10:00:00.5', 20), ('3', 'b', '2024-01-03', 5), "
            "('4', 'c', '2024-00-10', 7)"
        )
    con.commit()
    con.close()
    location = sources.locate(server.url(), table="zero_dates")
    options = ReadOptions(mapping={"customer_id": "customer", "order_date": "created_at"})
    fetched = sources.load_location(location, options)
    assert fetched.report.dropped == {"bad_date": 2}
    assert fetched.report.examples["bad_date"] == ["1", "4"]
    assert fetched.orders["order_date"].tolist() == [
        pd.Timestamp("2024-01-02"),
        pd.Timestamp("2024-01-03"),
    ]


def test_the_session_is_read_only_even_for_a_user_who_may_write(server, password):
    url = server.url().replace(mysql.USER, "writer")
    con = sources._mysql(url, mysql.PASSWORD)
    try:
        with pytest.raises(Exception, match="READ ONLY"):
            con.raw_sql("DELETE FROM orders")
    finally:
        con.disconnect()
    assert count(server) > 1000


def test_mysql_failures_are_one_clear_line_without_the_password(server, password, capsys):
    cases = [
        ([server.url(), "--table", "nope"], "There is no table 'nope'"),
        ([server.url(), "--table", "typed_wrong", "--customer", "order_id",
          "--date", "created_at", "--amount", "total"], "holds text, not dates"),
        ([server.url(), "--sql", "DELETE FROM orders"], "Only one SELECT"),
        ([server.url(), "--sql", "SELECT * FROM nowhere"], "nowhere"),
        ([f"mysql://lens@127.0.0.1:{mysql.free_port()}/shop", "--table", "x"], "Cannot reach"),
    ]  # fmt: skip
    for args, message in cases:
        code, out, err = run(capsys, "inspect", *args)
        assert code == 2 and out == "" and message in err, (args, err)
        assert len(err.strip().splitlines()) == 1 and mysql.PASSWORD not in err
    assert count(server) > 1000


def test_a_wrong_mysql_password_says_what_to_do(server, monkeypatch, capsys):
    monkeypatch.setenv("LENS_DB_PASSWORD", "wrong")
    code, _, err = run(capsys, "inspect", server.url(), "--table", "orders")
    assert code == 2 and "refused the login" in err and "wrong" not in err


def test_a_slow_mysql_query_is_cancelled_with_one_line(server, password, monkeypatch, capsys):
    monkeypatch.setenv("LENS_DB_TIMEOUT", "1")
    sql = "SELECT * FROM orders WHERE SLEEP(3) = 0"
    code, _, err = run(capsys, "inspect", server.url(), "--sql", sql, *MAPPING)
    assert code == 2 and "did not answer in time" in err and len(err.strip().splitlines()) == 1


def test_line_items_in_mysql_give_the_files_products(server, password, monkeypatch):
    """The invoice log in MariaDB: the file's products both ways (no lists in MySQL: with
    the rules in the server the lines are joined to their orders by name)."""
    frame = invoice_frame()
    con = server.connect(db=mysql.DATABASE)
    with con.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS invoice_lines (InvoiceNo varchar(12), "
            "StockCode varchar(12), Description varchar(60), Quantity int, "
            "InvoiceDate datetime, UnitPrice double, CustomerID varchar(12), "
            "Country varchar(30), Amount double)"
        )
        cursor.execute("DELETE FROM invoice_lines")
        cursor.executemany(
            f"INSERT INTO invoice_lines VALUES ({', '.join(['%s'] * 9)})",
            [tuple(row) for row in frame.astype(object).itertuples(index=False)],
        )
    con.commit()
    con.close()
    location = sources.locate(server.url(), table="invoice_lines")
    same_products_as_the_file(location, monkeypatch)

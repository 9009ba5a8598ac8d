"""Data where it lives: PostgreSQL, a Parquet glob and a DuckDB file give what a CSV gives.

One held-back-style order table (statuses, refunds, guests, line items) goes into a real
PostgreSQL server, Parquet files, a DuckDB file and a CSV file; every command's JSON must be
identical. The server is started by tests/postgres.py (initdb + pg_ctl as the postgres user).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import LensError
from analytics.cli import main
from analytics.ingest import guards, sources, transfer
from analytics.ingest.io import load_orders
from analytics.ingest.orders import ReadOptions
from benchmarks.generate import make_shop
from tests import postgres

MAPPING = [
    "--customer", "customer_email", "--date", "created_at", "--amount", "total",
    "--order-id", "order_id", "--status", "status",
]  # fmt: skip
COMMANDS = ["inspect", "lifecycle", "cohorts", "clv"]


def held_back_orders() -> pd.DataFrame:
    """About 1,500 orders of 400 customers, with what cleaning must handle: cancelled and
    refunded statuses, guest rows without an email, upper-case emails with spaces, zero
    amounts, partial refunds and orders spread over two line-item rows. In the order a
    database gives them (date, then order id), so every source holds the same sequence."""
    shop = make_shop(400, seed=7)
    rng = np.random.default_rng(7)
    n = len(shop)
    email = pd.Series([f"client{c[1:]}@shop.example" for c in shop["customer_id"]])
    shout = rng.random(n) < 0.05
    email[shout] = "  " + email[shout].str.upper() + " "
    email[rng.random(n) < 0.01] = None  # guests
    total = shop["amount"].where(rng.random(n) > 0.01, 0.0)
    refunded = np.where(rng.random(n) < 0.03, np.round(total / 3, 2), 0.0)
    frame = pd.DataFrame(
        {
            "order_id": shop["order_id"],
            "customer_email": email,
            "created_at": shop["order_date"],
            "total": total,
            "refunded_amount": refunded,
            "status": shop["status"],
            "channel": rng.choice(["web", "app", "store"], n),
            # One currency written three ways, and a few orders in another.
            "currency": rng.choice(["EUR", " eur", "€", "USD"], n, p=[0.6, 0.2, 0.15, 0.05]),
        }
    )
    lines = frame.sample(20, random_state=7)  # a second line item: the order total repeated
    frame = pd.concat([frame, lines.assign(channel=None)], ignore_index=True)
    return frame.sort_values(["created_at", "order_id", "customer_email", "total"]).reset_index(
        drop=True
    )


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    return held_back_orders()


def held_back_csv(orders: pd.DataFrame, folder: Path) -> Path:
    """The held-back orders as the CSV file every source is compared with."""
    path = folder / "orders.csv"
    orders.to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S")
    return path


@pytest.fixture(scope="module")
def csv_file(orders, tmp_path_factory):
    return held_back_csv(orders, tmp_path_factory.mktemp("csv"))


@pytest.fixture(scope="module")
def server(orders, csv_file):
    pg = postgres.start()
    try:
        pg.psql(
            "CREATE TABLE orders (order_id text, customer_email text, created_at timestamp, "
            "total numeric(12, 2), refunded_amount numeric(12, 2), status text, channel text, "
            "currency text)"
        )
        pg.copy_csv("orders", csv_file)
        pg.psql("CREATE TABLE typed_wrong (order_id text, customer_email text, "
                "created_at text, total text)")  # fmt: skip
        pg.psql("INSERT INTO typed_wrong VALUES ('1', 'a@x', '2024-01-01', '10')")
        yield pg
    finally:
        postgres.stop(pg)


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("LENS_DB_PASSWORD", postgres.PASSWORD)


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def same_json_as_csv(capsys, csv_file, source, *extra):
    for command in COMMANDS:
        code, expected, err = run(capsys, command, csv_file, *MAPPING)
        assert code == 0, err
        code, got, err = run(capsys, command, source, *extra, *MAPPING)
        assert code == 0, err
        assert json.loads(got) == json.loads(expected), command
        assert got == expected, command


def test_the_held_back_table_exercises_every_rule(csv_file, capsys):
    code, out, _ = run(capsys, "inspect", csv_file, *MAPPING)
    report = json.loads(out)
    assert code == 0
    assert {"cancelled", "refunded", "guest", "not_positive"} <= set(report["dropped"])
    assert any("folded" in note for note in report["notes"])
    assert any("partly refunded" in note for note in report["notes"])
    assert report["currency"] == "EUR" and set(report["orders_per_currency"]) == {"EUR", "USD"}
    assert any("several currencies (EUR" in warning for warning in report["warnings"])


def test_postgresql_table_and_sql_give_the_same_json_as_the_csv(server, csv_file, password, capsys):
    same_json_as_csv(capsys, csv_file, server.url(), "--table", "orders")
    same_json_as_csv(capsys, csv_file, server.url(), "--sql", "SELECT * FROM orders")


def test_the_rules_run_in_postgresql_itself_give_the_same_json(
    server, csv_file, password, capsys, monkeypatch
):
    """The mapped columns are fetched as Arrow and cleaned in the embedded DuckDB; the same
    rules run in the server (LENS_DB_RULES=server, or without the Arrow driver) agree."""
    location = sources.locate(server.url(), table="orders")
    assert sources._fetches(location)
    monkeypatch.setenv("LENS_DB_RULES", "server")
    assert not sources._fetches(location)
    same_json_as_csv(capsys, csv_file, server.url(), "--table", "orders")


def test_fetched_rows_are_numbered_as_the_server_numbers_them(server, password, monkeypatch):
    """Keys whose text would sort otherwise (integer order ids: 'O21' after 'O1003' as text,
    before it as numbers) and timestamps with a time zone are sent beside their staged value:
    with many orders on each day, the examples and the preview follow the same order."""
    server.psql(
        "CREATE TABLE IF NOT EXISTS typed_keys AS SELECT substr(order_id, 2)::bigint AS "
        "order_id, customer_email, date_trunc('month', created_at) AT TIME ZONE "
        "'Europe/Paris' AS created_at, total, status FROM orders"
    )
    options = ReadOptions(
        mapping={"customer_id": "customer_email", "order_date": "created_at", "amount": "total",
                 "order_id": "order_id", "status": "status"}
    )  # fmt: skip
    location = sources.locate(server.url(), table="typed_keys")
    fetched = sources.load_location(location, options)
    monkeypatch.setenv("LENS_DB_RULES", "server")
    in_server = sources.load_location(location, options)
    assert fetched.report.examples["cancelled"] == in_server.report.examples["cancelled"]
    assert fetched.report.to_dict() == in_server.report.to_dict()
    pd.testing.assert_frame_equal(fetched.preview, in_server.preview)
    pd.testing.assert_frame_equal(fetched.orders, in_server.orders)


def test_the_arrow_connection_is_read_only_too(server, password):
    login = sources._address(server.url(), "postgresql")
    login.update(password=postgres.PASSWORD, timeout_ms=10_000, connect_timeout_s=10)
    with pytest.raises(Exception, match="read-only transaction"):
        transfer._postgres("DELETE FROM orders", login)
    assert int(server.psql("SELECT count(*) FROM orders")) > 1000


def test_parquet_glob_and_folder_give_the_same_json_as_the_csv(orders, csv_file, tmp_path, capsys):
    lake = tmp_path / "lake"
    lake.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(orders)), 3)):
        orders.iloc[part].to_parquet(lake / f"part-{i}.parquet", index=False)
    same_json_as_csv(capsys, csv_file, f"{lake}/*.parquet")
    same_json_as_csv(capsys, csv_file, lake)


def test_duckdb_file_gives_the_same_json_as_the_csv(orders, csv_file, tmp_path, capsys):
    import duckdb

    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.register("frame", orders)
        con.execute("CREATE TABLE orders AS SELECT * FROM frame")
    same_json_as_csv(capsys, csv_file, f"duckdb:///{path}", "--table", "orders")


def test_examples_are_order_ids_in_a_database_and_rows_in_a_file(server, csv_file, password):
    options = ReadOptions(mapping={"customer_id": "customer_email", "order_date": "created_at"})
    location = sources.locate(server.url(), table="orders")
    db = sources.load_location(location, options)
    file = load_orders(csv_file.read_bytes(), "orders.csv", options)
    assert db.report.dropped == file.report.dropped
    assert db.report.examples_are == "order ids" and file.report.examples_are == "rows"
    assert all(isinstance(x, str) for x in db.report.examples["cancelled"])
    frame = pd.read_csv(io.BytesIO(csv_file.read_bytes()))
    named = [frame.loc[row - 2, "order_id"] for row in file.report.examples["cancelled"]]
    assert named == db.report.examples["cancelled"]


@pytest.mark.parametrize(
    "sql, message",
    [
        ("DELETE FROM orders", "Only one SELECT"),
        ("SELECT 1; DROP TABLE orders", "2 statements"),
        ("SELECT * INTO copy FROM orders", "not a plain SELECT"),
        ("SELECT * FROM orders FOR UPDATE", "not a plain SELECT"),
        ("WITH gone AS (DELETE FROM orders RETURNING *) SELECT * FROM gone", "not a plain"),
    ],
)
def test_only_one_select_is_accepted(server, password, capsys, sql, message):
    code, out, err = run(capsys, "inspect", server.url(), "--sql", sql, *MAPPING)
    assert code == 2 and out == "" and message in err and len(err.strip().splitlines()) == 1
    assert server.psql("SELECT count(*) FROM orders").strip() != "0"


def test_the_session_is_read_only_even_past_the_sql_check(server, password):
    con = sources._postgres(server.url(), postgres.PASSWORD)
    try:
        with pytest.raises(Exception, match="read-only transaction"):
            con.raw_sql("DELETE FROM orders")
    finally:
        con.disconnect()
    assert int(server.psql("SELECT count(*) FROM orders")) > 1000


def test_a_query_cannot_make_the_session_read_write(server, password, capsys):
    """set_config can change the session's default, not the transaction the read is in: the
    write in the same query fails, and the sequence does not move."""
    server.psql("CREATE SEQUENCE IF NOT EXISTS lens_seq")
    sql = (
        "SELECT o.*, set_config('default_transaction_read_only', 'off', false) AS _a, "
        "nextval('lens_seq') AS _b FROM orders o"
    )
    code, out, err = run(capsys, "inspect", server.url(), "--sql", sql, *MAPPING)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert server.psql("SELECT is_called FROM lens_seq").strip() == "f"
    # Nor can a first query that only changes the default open the way for later ones.
    sql = "SELECT set_config('default_transaction_read_only', 'off', false)"
    con = sources._postgres(server.url(), postgres.PASSWORD)
    try:
        con.raw_sql(sql).fetchall()
        with pytest.raises(Exception, match="read-only transaction"):
            con.raw_sql("SELECT nextval('lens_seq')")
    finally:
        con.disconnect()
    assert server.psql("SELECT is_called FROM lens_seq").strip() == "f"


def test_what_runs_is_the_checked_select_without_comments(server, password, csv_file, capsys):
    hidden = "SELECT * FROM orders -- */ ) AS t; DROP TABLE orders; SELECT 1 /*"
    assert guards.check_select(hidden) == "SELECT * FROM orders"
    # A comment at the end no longer swallows what the app adds around the query.
    same_json_as_csv(capsys, csv_file, server.url(), "--sql", "SELECT * FROM orders -- note")


def test_a_duckdb_file_gives_its_tables_and_nothing_else(orders, tmp_path, capsys):
    import duckdb

    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.register("frame", orders)
        con.execute("CREATE TABLE orders AS SELECT * FROM frame")
    (tmp_path / "secret.txt").write_text("s3cr3t")
    written = tmp_path / "written.csv"
    hidden = (
        f"SELECT * FROM orders -- */ ) AS t; COPY (SELECT 1) TO '{written}'; SELECT * FROM "
        "(SELECT * FROM orders /*"
    )
    code, _, err = run(capsys, "inspect", f"duckdb:///{path}", "--sql", hidden, *MAPPING[:6])
    assert code == 0, err  # what runs is the SELECT alone
    sql = (
        "SELECT content AS customer_email, 10.0 AS total, DATE '2024-01-01' AS created_at "
        f"FROM read_text('{tmp_path / 'secret.txt'}')"
    )
    code, out, err = run(capsys, "inspect", f"duckdb:///{path}", "--sql", sql, *MAPPING[:6])
    assert code == 2 and "s3cr3t" not in out + err and len(err.strip().splitlines()) == 1
    assert not written.exists()


def test_failures_are_one_clear_line_without_the_password(server, password, capsys, tmp_path):
    cases = [
        ([server.url(), "--table", "nope"], "There is no table 'nope'"),
        ([server.url(), "--table", "typed_wrong"], "holds text, not dates"),
        ([server.url(), "--table", "orders", "--date", "nope"], "no column 'nope'"),
        ([server.url(), "--sql", "SELECT * FROM nowhere"], "nowhere"),
        ([f"postgresql://postgres@127.0.0.1:{postgres.free_port()}/postgres", "--table", "x"],
         "Cannot reach"),
        ([server.url("no_such_db"), "--table", "orders"], "no_such_db"),
        ([server.url(), "--table", "orders", "--sql", "SELECT 1"], "one of the two"),
    ]  # fmt: skip
    for args, message in cases:
        code, out, err = run(capsys, "inspect", *args)
        assert code == 2 and out == "" and message in err, (args, err)
        assert len(err.strip().splitlines()) == 1 and postgres.PASSWORD not in err


def test_a_password_in_the_url_is_refused(server, capsys):
    url = f"postgresql://postgres:{postgres.PASSWORD}@127.0.0.1:{server.port}/postgres"
    code, out, err = run(capsys, "inspect", url, "--table", "orders")
    assert code == 2 and "Do not put the password in the URL" in err
    assert postgres.PASSWORD not in err + out


def test_urls_with_a_password_or_options_are_refused_even_when_they_do_not_parse():
    for url in ["postgresql://bob:hunter2@db.example.com:5x432/shop",
                "mysql://bob:hunter2@db:99999/shop"]:  # fmt: skip
        with pytest.raises(LensError, match="Do not put the password") as refused:
            sources.locate(url, table="orders")
        assert "hunter2" not in str(refused.value)
    with pytest.raises(LensError, match="Options after"):
        sources.locate("postgresql://bob@db/shop?sslmode=disable", table="orders")


def test_a_password_is_taken_out_of_messages_whatever_its_spaces(server):
    secret = "two  spaces\tand a tab"
    location = sources.locate(server.url(), table="orders")
    failure = RuntimeError(f"login as {secret} failed")
    told = sources.explain(failure, location, guards.Scrub(secret))
    assert "spaces" not in told and "***" in told


def test_the_app_takes_no_password_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setattr(guards, "_ENVIRONMENT_PASSWORDS", [True])
    monkeypatch.setenv("LENS_DB_PASSWORD", "from-env")
    monkeypatch.setenv("PGPASSWORD", "from-env")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert guards.password_for("postgresql://a@b/c") == "from-env"  # the command line
    guards.secrets_only()  # what app.py does
    assert guards.password_for("postgresql://a@b/c") is None
    assert "PGPASSWORD" not in os.environ


def test_wrong_password_and_none_say_what_to_do(server, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("LENS_DB_PASSWORD", "wrong")
    code, _, err = run(capsys, "inspect", server.url(), "--table", "orders")
    assert code == 2 and "refused the login" in err
    monkeypatch.delenv("LENS_DB_PASSWORD")
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.pgpass, no secrets
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "inspect", server.url(), "--table", "orders")
    assert code == 2 and "asks for a password" in err


def test_the_password_can_come_from_streamlit_secrets(server, monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("LENS_DB_PASSWORD", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        f'[passwords]\n"{server.url()}" = "{postgres.PASSWORD}"\n'
    )
    code, out, err = run(capsys, "lifecycle", server.url(), "--table", "orders", *MAPPING)
    assert code == 0, err
    assert postgres.PASSWORD not in out


def test_the_pdf_names_the_source_without_a_password(server, password, tmp_path, capsys):
    from pypdf import PdfReader

    out = tmp_path / "report.pdf"
    code, _, err = run(capsys, "report", server.url(), "--table", "orders", *MAPPING, "--out", out)
    assert code == 0, err
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    assert "127.0.0.1" in text and postgres.PASSWORD not in text


def test_a_slow_query_is_cancelled_with_one_line(server, password, monkeypatch, capsys):
    monkeypatch.setenv("LENS_DB_TIMEOUT", "1")
    sql = "SELECT * FROM orders WHERE pg_sleep(3) IS NOT NULL"
    code, _, err = run(capsys, "inspect", server.url(), "--sql", sql, *MAPPING)
    assert code == 2 and "did not answer in time" in err and len(err.strip().splitlines()) == 1


def test_locations_are_told_from_files():
    assert sources.locate("orders.csv") is None and sources.locate("demo") is None
    assert sources.locate("lake/*.parquet").kind == "parquet"
    assert sources.locate("spark://local[2]", table="lake/").kind == "spark"
    with pytest.raises(LensError, match="Unknown kind of source"):
        sources.locate("oracle://x/y", table="t")
    with pytest.raises(LensError, match="goes with a database URL"):
        sources.locate("orders.csv", table="t")


def test_a_query_error_never_tells_whether_a_typed_guess_was_the_password(server, password):
    """Scrubbing the password out of a query's error would say '***' exactly when the guess
    was right; once connected, a message is the database's own, the same for every guess."""
    told = {}
    for guess in (postgres.PASSWORD, "Spring-2024!"):
        location = sources.locate(server.url(), sql=f'SELECT * FROM "{guess}"')
        with pytest.raises(LensError) as refused:
            sources.columns_of(location)
        told[guess] = str(refused.value).replace(guess, "<guess>")
    assert told[postgres.PASSWORD] == told["Spring-2024!"]
    assert (
        "***" not in told["Spring-2024!"] and "There is no table '<guess>'" in told["Spring-2024!"]
    )


def test_line_items_in_postgresql_give_the_files_products(server, password, monkeypatch, tmp_path):
    """The invoice log in PostgreSQL: the file's products both ways (in the server each
    order gathers its products with array_agg)."""
    from tests.test_line_items import invoice_frame, same_products_as_the_file

    path = tmp_path / "lines.csv"
    invoice_frame().to_csv(path, index=False)
    server.psql(
        'CREATE TABLE IF NOT EXISTS invoice_lines ("InvoiceNo" text, "StockCode" text, '
        '"Description" text, "Quantity" int, "InvoiceDate" timestamp, '
        '"UnitPrice" float8, "CustomerID" text, "Country" text, "Amount" float8)'
    )
    server.psql("DELETE FROM invoice_lines")
    server.copy_csv("invoice_lines", path)
    location = sources.locate(server.url(), table="invoice_lines")
    same_products_as_the_file(location, monkeypatch)


@pytest.mark.parametrize(
    "ids, proved",
    [
        (["#1001", "#1002", "#1002", "#1003"], "repeat"),  # an order's lines together
        (["#1003", "#1002", "#1001", None], "unique"),  # newest first, one without an id
        (["#1002", "#1001", "#1003", "#1002"], None),  # a line apart: counted
    ],
)
@pytest.mark.parametrize("files", [1, 2])
def test_a_parquet_location_reads_as_its_upload_whatever_its_ids_prove(
    tmp_path, monkeypatch, ids, proved, files
):
    """A Parquet file's order ids, read in its order, tell the rules what they prove without
    counting (as an upload's do); a lake of several files is counted. The orders and the
    report are the upload's either way."""
    from analytics.ingest import cleaning

    frame = pd.DataFrame(
        {
            "order_id": ids,
            "customer_id": ["c1", "c2", "c2", "c3"],
            "order_date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-02-01", "2024-03-01"]),
            "amount": [10.0, 20.0, 20.0, 5.0],
        }
    )
    lake = tmp_path / "lake"
    lake.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(frame)), files)):
        frame.iloc[part].to_parquet(lake / f"part-{i}.parquet", index=False)
    told = []
    clean = cleaning.clean
    monkeypatch.setattr(
        cleaning, "clean", lambda *a, **k: told.append(k.get("ids")) or clean(*a, **k)
    )
    lakes = sources.load_location(sources.Location("parquet", str(lake)))
    assert told == [proved if files == 1 else None]
    upload = io.BytesIO()
    frame.to_parquet(upload, index=False)
    file = load_orders(upload.getvalue(), "orders.parquet")
    pd.testing.assert_frame_equal(lakes.orders, file.orders)
    assert (
        lakes.report.dropped == file.report.dropped
        and lakes.report.notes[1:] == file.report.notes[1:]
    )

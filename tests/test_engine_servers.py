"""The cleaning steps run inside PostgreSQL and MariaDB give what DuckDB gives.

Each test loads a small staged table built by hand (one column per role and ``_row``, as in
tests/test_cleaning_rules.py) into a real PostgreSQL and a real MariaDB server, runs the
cleaning steps there (the server-side path, ``LENS_DB_RULES=server``: the rules compiled for
that engine, read-only, nothing kept), states the answer worked out by hand, and checks that
the embedded DuckDB gives the same for the same rows. MariaDB's spellings are the ones told
apart here: it compares text without regard to case, accents or trailing spaces ("A1" is
"a1" is "a1 "), has no argmin and no lists, so its rules group by the text's bytes and use
windows, and join line rows to orders by name.

The rows go into the server in reverse order, so a rule that forgot to order by ``_row``
would see them differently. The servers come from tests/postgres.py and tests/mysql.py (a
running one named by the environment is reused: mutation runs start one of each); every
test makes its own uniquely named schema or database.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid

import pytest

from analytics.ingest import sources
from analytics.ingest.cleaning import clean
from analytics.ingest.orders import ReadOptions
from analytics.ingest.runner import IbisRunner
from tests import mysql, postgres
from tests.test_cleaning_rules import END, NONE, cleaned, purchases, staged

D1, D2, D3 = dt.date(2024, 1, 5), dt.date(2024, 2, 1), dt.date(2024, 3, 1)
NUMBERS = {"amount": "double precision", "refunded": "double precision"}
TYPES = {"_row": "bigint", "order_date": "date", **NUMBERS}


def _names() -> str:
    return f"lens_{uuid.uuid4().hex[:16]}"


@pytest.fixture(scope="module")
def pg():
    server = postgres.start()
    made: list[str] = []
    yield server, made
    for schema in made:
        server.psql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    postgres.stop(server)


@pytest.fixture(scope="module")
def maria():
    server = mysql.start()
    made: list[str] = []
    yield server, made
    for database in made:
        server.run(f"DROP DATABASE IF EXISTS {database}")
    mysql.stop(server)


def _postgres_table(pg, columns: dict[str, str], rows: list[tuple]):
    """(a read-only connection as the app opens one, the table) in a fresh schema."""
    import psycopg

    server, made = pg
    schema = _names()
    made.append(schema)
    ddl = ", ".join(f"{name} {kind}" for name, kind in columns.items())
    marks = ", ".join(["%s"] * len(columns))
    with psycopg.connect(
        host=str(server.folder), port=server.port, user="postgres", dbname="postgres"
    ) as con:
        con.execute(f"CREATE SCHEMA {schema}")
        con.execute(f"CREATE TABLE {schema}.orders ({ddl})")
        with con.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {schema}.orders VALUES ({marks})", rows[::-1])
    con = sources._postgres(server.url(), postgres.PASSWORD)
    return con, con.table("orders", database=schema), schema


def _maria_table(maria, columns: dict[str, str], rows: list[tuple]):
    """(the app's read-only session as the reading user, the table) in a fresh database."""
    server, made = maria
    database = _names()
    made.append(database)
    ddl = ", ".join(f"{name} {kind}" for name, kind in columns.items())
    con = server.connect()
    try:
        with con.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {database} CHARACTER SET utf8mb4")
            cursor.execute(f"GRANT SELECT ON {database}.* TO '{mysql.USER}'@'127.0.0.1'")
            cursor.execute(f"CREATE TABLE {database}.orders ({ddl})")
            cursor.executemany(
                f"INSERT INTO {database}.orders VALUES ({', '.join(['%s'] * len(columns))})",
                rows[::-1],
            )
        con.commit()
    finally:
        con.close()
    url = f"mysql://{mysql.USER}@127.0.0.1:{server.port}/{database}"
    con = sources._mysql(url, mysql.PASSWORD)
    return con, con.table("orders"), url


def _staged_columns(roles: list[str], text: str) -> dict[str, str]:
    return {name: TYPES.get(name, text) for name in ["_row", *roles]}


def in_server(request, engine: str, rows: list[tuple], roles: list[str]):
    """``clean`` run inside the server on the staged rows (rows 2, 3, ...)."""
    numbered = [(i + 2, *values) for i, values in enumerate(rows)]
    if engine == "postgres":
        con, table, _ = _postgres_table(
            request.getfixturevalue("pg"), _staged_columns(roles, "text"), numbered
        )
    else:
        columns = {k: v.replace("double precision", "double") for k, v in TYPES.items()}
        text = {name: columns.get(name, "varchar(40)") for name in ["_row", *roles]}
        con, table, _ = _maria_table(request.getfixturevalue("maria"), text, numbered)
    try:
        run = IbisRunner(con, table, keep=False)  # as a read-only database: nothing kept
        return clean(run, roles, END, ["returned"], "order")
    finally:
        con.disconnect()


@functools.cache
def _in_duckdb(rows: tuple[tuple, ...], roles: tuple[str, ...]):
    return cleaned(list(rows), roles=list(roles), examples_as="order")[0]


def same_as_duckdb(out, rows: list[tuple], roles: list[str]) -> None:
    """The server's answer is the embedded DuckDB's for the same rows, field by field."""
    duck = _in_duckdb(tuple(rows), tuple(roles))
    assert purchases(out) == purchases(duck)
    assert out.orders == duck.orders and out.customers == duck.customers
    assert out.preview == duck.preview
    assert (out.rows, out.orders_found, out.dropped) == (duck.rows, duck.orders_found, duck.dropped)
    assert out.examples == duck.examples and out.currencies == duck.currencies
    assert (out.notes, out.warnings) == (duck.notes, duck.warnings)
    assert out.line_counts == duck.line_counts
    assert (out.lines is None) == (duck.lines is None)
    if out.lines is not None:
        assert out.lines.to_pylist() == duck.lines.to_pylist()


ENGINES = ["postgres", "mariadb"]

# Order ids and customers that differ only by case or a trailing space: different orders
# and customers, byte for byte, as DuckDB and a file tell them apart. Channels too.
ID_ROLES = ["order_id", "customer_id", "status", "order_date", "amount", "channel"]
CASES = [
    ("A1", "C1", "paid", D1, 10.0, "Web"),  # row 2
    ("a1", "c1", "paid", D2, 20.0, "web"),  # 3
    ("a1 ", "c1 ", "paid", D3, 30.0, "web "),  # 4
    ("a1", "c1", "paid", D2, 5.0, None),  # 5: order a1's second line
    ("B", "c2", "cancelled", D1, 7.0, "web"),  # 6
    ("b", None, "paid", D3, 8.0, None),  # 7: order b's first row names no customer...
    ("b", "c2", "paid", D3, 2.0, "Shop"),  # 8: ... its second does
]


@pytest.mark.parametrize("engine", ENGINES)
def test_ids_that_differ_only_by_case_or_a_trailing_space_are_different_orders(request, engine):
    """CASES: 7 rows, all with an order id, 5 distinct ids (A1, a1, "a1 ", B, b): 5 orders,
    2 on several rows (a1: 20 + 5 = 25; b: 8 + 2 = 10, amounts differ: line amounts added).
    B is cancelled. Kept, in row order: A1 (C1, 10), a1 (c1, 25), "a1 " (c1 trimmed: the
    customer c1, 30, named a1), b (c2, the first customer its rows name; 10). Customers in
    the order of their first kept row: C1 (row 2), c1 (row 3), c2 (row 7). Channels as
    written, trimmed: Web, web, web, and b's first one, Shop (row 8; row 7 has none)."""
    out = in_server(request, engine, CASES, ID_ROLES)
    assert out.rows == 7 and out.orders_found == 5
    assert out.notes == [
        "7 rows were folded into 5 orders (2 orders span several rows; line amounts added up)."
    ]
    assert out.dropped == NONE | {"cancelled": 1} and out.examples == {"cancelled": ["B"]}
    assert out.customers.to_pylist() == ["C1", "c1", "c2"]
    assert purchases(out) == [
        ("C1", D1, 10.0),
        ("c1", D2, 25.0),
        ("c1", D3, 30.0),
        ("c2", D3, 10.0),
    ]
    assert out.orders["channel"].to_pylist() == ["Web", "web", "web", "Shop"]
    assert out.preview["order_id"].to_pylist() == ["A1", "a1", "a1", "b"]
    assert out.preview["customer_id"].to_pylist() == ["C1", "c1", "c1", "c2"]
    same_as_duckdb(out, CASES, ID_ROLES)


# An email's customer: its own id, else the first id seen with the email in row order.
EMAIL_ROLES = ["order_id", "customer_id", "email", "order_date", "amount"]
EMAILS = [
    ("1", None, "ann@x.com", D1, 1.0),  # row 2: Ann's first id in row order is z9 (row 3)
    ("2", "z9", "Ann@x.com ", D1, 2.0),  # 3: the same email, trimmed and lower-cased
    ("3", "a1", "ann@x.com", D2, 3.0),  # 4: a smaller id, seen later: its own order only
    ("4", None, "ANN@X.COM", D3, 4.0),  # 5: z9
    ("5", None, "bob@x.com", D2, 5.0),  # 6: no id anywhere: Bob by his email
    ("6", None, None, D2, 6.0),  # 7: neither: a guest
    ("7", None, "josé@x.com", D3, 7.0),  # 8: not jose@x.com: José by his email
    ("8", "j1", "jose@x.com", D3, 8.0),  # 9: j1
    ("9", "Z9", "cy@x.com", D1, 9.0),  # 10: Z9, not z9
]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_email_takes_the_first_id_it_was_seen_with_in_row_order(request, engine):
    """EMAILS: row 7 is a guest (no id, no email). Keys: rows 2, 3 and 5 z9 (row 3 is the
    first of Ann's rows with an id; a1 is smaller but comes later), row 4 a1, row 6
    bob@x.com, row 8 josé@x.com (jose@x.com is another email), row 9 j1, row 10 Z9.
    Customers by first row: z9 (2), a1 (4), bob (6), josé (8), j1 (9), Z9 (10); z9's two
    orders of 5 January in row order."""
    out = in_server(request, engine, EMAILS, EMAIL_ROLES)
    assert out.dropped == NONE | {"guest": 1} and out.examples == {"guest": ["6"]}
    assert out.customers.to_pylist() == ["z9", "a1", "bob@x.com", "josé@x.com", "j1", "Z9"]
    assert purchases(out) == [
        ("z9", D1, 1.0),
        ("z9", D1, 2.0),
        ("z9", D3, 4.0),
        ("a1", D2, 3.0),
        ("bob@x.com", D2, 5.0),
        ("josé@x.com", D3, 7.0),
        ("j1", D3, 8.0),
        ("Z9", D1, 9.0),
    ]
    assert out.orders["email"].to_pylist()[:3] == ["ann@x.com"] * 3
    same_as_duckdb(out, EMAILS, EMAIL_ROLES)


def _line(order, customer, status="paid", day=D1, amount=10.0, product="p"):
    return (order, customer, status, day, amount, product)


LINE_ROLES = ["order_id", "customer_id", "status", "order_date", "amount", "product"]
LINES = [
    _line("A", "c1", amount=10.0, product="p1"),  # row 2
    _line("A", "c1", amount=5.5, product=" p2 "),  # 3
    _line("A", "c1", amount=4.5, product="p1"),  # 4
    _line("B", "c2", "cancelled", amount=7.0, product="only-here"),  # 5
    _line(None, "c2", day=D2, amount=3.0, product="p3"),  # 6: no order id: "row 6"
    _line(None, "c3", day=D2, amount=4.0, product=None),  # 7: "row 7", no product
    _line("C", "c3", day=D3, amount=2.0, product="p3"),  # 8
]


@pytest.mark.parametrize("engine", ENGINES)
def test_line_items_are_joined_to_their_orders_by_name(request, engine):
    """LINES: order A on rows 2-4 (10 + 5.5 + 4.5 = 20; p1, p2, p1), B (row 5, cancelled,
    the only one naming only-here), rows 6 and 7 without an order id (orders "row 6" and
    "row 7"), C (row 8). 7 rows, 5 with an id, 3 ids: 3 + 2 = 5 orders. 6 lines name a
    product; B's is left out: 5 kept, 3 products (p1, p2, p3; only-here is not one).
    MariaDB has no lists: there the lines are joined to the orders by these names."""
    out = in_server(request, engine, LINES, LINE_ROLES)
    assert out.orders_found == 5 and out.dropped == NONE | {"cancelled": 1}
    assert out.preview["order_id"].to_pylist() == ["A", "row 6", "row 7", "C"]
    assert purchases(out) == [("c1", D1, 20.0), ("c2", D2, 3.0), ("c3", D2, 4.0), ("c3", D3, 2.0)]
    assert out.line_counts == {"line_rows": 6, "lines_kept": 5, "products": 3, "lines_left_out": 1}
    assert out.lines.to_pylist() == [
        {"_code": 0, "order_date": D1, "product": "p1"},
        {"_code": 0, "order_date": D1, "product": "p2"},
        {"_code": 1, "order_date": D2, "product": "p3"},
        {"_code": 2, "order_date": D3, "product": "p3"},
    ]
    same_as_duckdb(out, LINES, LINE_ROLES)


# Line items of orders whose ids differ only by case or a trailing space, products that
# differ only by case, and products whose order by bytes is not a language's.
LINE_CASES = [
    _line("A1", "c1", product="p1"),  # row 2
    _line("a1", "c2", amount=20.0, product="P1"),  # 3
    _line("a1 ", "c3", day=D2, amount=30.0, product="p2"),  # 4
    _line("B", "c1", "cancelled", amount=7.0, product="only-B"),  # 5
    _line("b", "c1", amount=5.0, product="b-thing"),  # 6
    _line("b", "c1", amount=3.0, product="C-thing"),  # 7
    _line("b", "c1", amount=1.0, product="P1"),  # 8: c1 buys P1 beside p1 that day
]


@pytest.mark.parametrize("engine", ENGINES)
def test_lines_of_orders_told_apart_byte_for_byte_stay_with_their_orders(request, engine):
    """LINE_CASES: orders A1 (c1, 10), a1 (c2, 20), "a1 " (c3, 30), B (cancelled), b (rows
    6-8, c1, 5 + 3 + 1 = 9). Each order's lines are its own: c1 bought p1 and, on the same
    day, b-thing, C-thing and P1 (another product than p1); c2 P1; c3 p2. 7 lines, B's
    only-B left out: 6 kept, 5 products (p1, P1, p2, b-thing, C-thing). A day's products
    are sorted byte for byte: C-thing, P1, b-thing, p1 (capitals first)."""
    out = in_server(request, engine, LINE_CASES, LINE_ROLES)
    assert out.orders_found == 5 and out.dropped == NONE | {"cancelled": 1}
    assert out.customers.to_pylist() == ["c1", "c2", "c3"]
    assert purchases(out) == [("c1", D1, 10.0), ("c1", D1, 9.0), ("c2", D1, 20.0), ("c3", D2, 30.0)]
    assert out.line_counts == {"line_rows": 7, "lines_kept": 6, "products": 5, "lines_left_out": 1}
    assert out.lines.to_pylist() == [
        {"_code": 0, "order_date": D1, "product": "C-thing"},
        {"_code": 0, "order_date": D1, "product": "P1"},
        {"_code": 0, "order_date": D1, "product": "b-thing"},
        {"_code": 0, "order_date": D1, "product": "p1"},
        {"_code": 1, "order_date": D1, "product": "P1"},
        {"_code": 2, "order_date": D2, "product": "p2"},
    ]
    same_as_duckdb(out, LINE_CASES, LINE_ROLES)


TOTALS = [
    ("A1", "c1", "paid", D1, 10.0, "web"),  # row 2
    ("a1", "c2", "paid", D1, 20.0, "web"),  # 3: another order than A1
    ("B", "c3", "paid", D2, 15.0, "web"),  # 4
    ("B", "c3", "paid", D2, 15.0, "web"),  # 5: B's total repeated on its second row
]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_total_repeated_on_an_orders_rows_is_taken_once_beside_ids_that_differ_by_case(
    request, engine
):
    """TOTALS: 4 rows, 3 orders; only B spans two rows, both saying 15: the order total,
    taken once (a warning says so). A1 (10) and a1 (20) are two orders of one row each:
    taken together they would look like one order with different amounts on its rows, and
    every order's rows would be added up (B: 30)."""
    out = in_server(request, engine, TOTALS, ID_ROLES)
    assert out.notes == [
        "4 rows were folded into 3 orders (1 order spans several rows; the order total taken once)."
    ]
    assert len(out.warnings) == 1
    assert purchases(out) == [("c1", D1, 10.0), ("c2", D1, 20.0), ("c3", D2, 15.0)]
    same_as_duckdb(out, TOTALS, ID_ROLES)


NO_ID_ROLES = ["customer_id", "order_date", "amount", "product"]
NO_IDS = [("c1", D1, 5.0, "p1"), ("c2", D2, 6.0, "p2"), ("guest", D1, 3.0, "p3")]


@pytest.mark.parametrize("engine", ENGINES)
def test_without_order_ids_each_row_is_an_order_named_by_its_row(request, engine):
    """No order id: rows 2-4 are orders "row 2" to "row 4"; row 4's customer is a
    placeholder (a guest). 3 lines, 2 kept (p1, p2)."""
    out = in_server(request, engine, NO_IDS, NO_ID_ROLES)
    assert out.dropped == NONE | {"guest": 1} and out.examples == {"guest": ["row 4"]}
    assert purchases(out) == [("c1", D1, 5.0), ("c2", D2, 6.0)]
    assert out.line_counts == {"line_rows": 3, "lines_kept": 2, "products": 2, "lines_left_out": 1}
    assert out.lines.to_pylist() == [
        {"_code": 0, "order_date": D1, "product": "p1"},
        {"_code": 1, "order_date": D2, "product": "p2"},
    ]
    same_as_duckdb(out, NO_IDS, NO_ID_ROLES)


# A database table without row positions: its rows are numbered by date, then order id, ...
# with text compared byte for byte (A < B < a < b), whatever the column's collation says
# (English: a < A < b < B; MariaDB's usual one: a = A).
UNNUMBERED = [
    ("b", "k4", D1, 1.0),
    ("B", "k3", D1, 2.0),
    ("a", "k2", D1, 3.0),
    ("A", "k1", D1, 4.0),
]
MAPPING = {"order_id": "order_id", "customer_id": "customer", "order_date": "created_at"}
MAPPING |= {"amount": "total"}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rules", ["server", "fetched"])
def test_rows_without_positions_are_numbered_byte_for_byte(engine, rules, request, monkeypatch):
    """UNNUMBERED, all of one day: the rows in byte order are A (k1), B (k3), a (k2), b
    (k4): the customers are numbered in that order, the preview lists the orders so. The
    same whether the server numbers and cleans the rows (LENS_DB_RULES=server) or they are
    fetched and numbered here."""
    if rules == "server":
        monkeypatch.setenv("LENS_DB_RULES", "server")
    else:
        monkeypatch.delenv("LENS_DB_RULES", raising=False)
    monkeypatch.setenv("LENS_DB_PASSWORD", postgres.PASSWORD)
    columns = {"order_id": "text", "customer": "text", "created_at": "date", "total": "real"}
    if engine == "postgres":
        columns["order_id"] = 'text COLLATE "en-x-icu"'  # a language's order, not bytes
        con, _, schema = _postgres_table(request.getfixturevalue("pg"), columns, UNNUMBERED)
        con.disconnect()
        server = request.getfixturevalue("pg")[0]
        location = sources.locate(server.url(), sql=f"SELECT * FROM {schema}.orders")
    else:
        monkeypatch.setenv("LENS_DB_PASSWORD", mysql.PASSWORD)
        columns = {k: "varchar(9)" if v == "text" else v for k, v in columns.items()}
        con, _, url = _maria_table(request.getfixturevalue("maria"), columns, UNNUMBERED)
        con.disconnect()
        location = sources.locate(url, table="orders")
    log = sources.load_location(location, ReadOptions(mapping=MAPPING))
    assert log.preview["order_id"].tolist() == ["A", "B", "a", "b"]
    assert log.orders["customer_id"].tolist() == ["k1", "k3", "k2", "k4"]
    assert log.orders["customer_id"].cat.categories.tolist() == ["k1", "k3", "k2", "k4"]


def test_the_rules_on_an_arrow_table_in_memory_run_in_duckdb():
    """An Arrow table handed to Ibis as it is (no backend of its own) is read by DuckDB: the
    steps run on it in place give CASES' answer (see the test above)."""
    import ibis

    con = ibis.duckdb.connect()
    run = IbisRunner(con, ibis.memtable(staged(CASES, ID_ROLES)), keep=True)
    out = clean(run, ID_ROLES, END, ["returned"], "order")
    assert purchases(out) == [
        ("C1", D1, 10.0),
        ("c1", D2, 25.0),
        ("c1", D3, 30.0),
        ("c2", D3, 10.0),
    ]
    assert out.examples == {"cancelled": ["B"]}


def test_a_duckdb_file_is_read_without_a_progress_bar(tmp_path):
    """DuckDB draws a progress bar on the terminal for long queries: the app's connections
    to a DuckDB file switch it off (it would land amid a command's output)."""
    import duckdb

    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE orders AS SELECT 1 AS order_id")
    con, _ = sources.connect(sources.locate(f"duckdb:///{path}", table="orders"))
    try:
        (setting,) = con.raw_sql("SELECT current_setting('enable_progress_bar')").fetchone()
    finally:
        con.disconnect()
    assert setting is False


STATUS_ROLES = ["order_id", "customer_id", "status", "order_date", "amount"]
STATUSES = [
    ("1", "c1", "paid", D1, 10.0),  # row 2: kept
    ("2", "c2", None, D2, 20.0),  # 3: no status says nothing against it: kept
    ("3", "c3", "wc-refunded", D3, 5.0),  # 4: WooCommerce's "wc-" read past: refunded
    ("4", "c4", "Failed ", D3, 6.0),  # 5: failed, whatever its case and spaces
]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_missing_status_leaves_an_order_kept(request, engine):
    """STATUSES: 4 orders. A missing status is no reason to leave an order out (MariaDB runs
    the status rule on every row, so it meets the missing value itself): orders 1 and 2 are
    kept (10 and 20); 3 is refunded, 4 failed."""
    out = in_server(request, engine, STATUSES, STATUS_ROLES)
    assert purchases(out) == [("c1", D1, 10.0), ("c2", D2, 20.0)]
    assert out.dropped == NONE | {"refunded": 1, "failed": 1}
    same_as_duckdb(out, STATUSES, STATUS_ROLES)

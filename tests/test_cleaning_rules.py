"""The cleaning steps (analytics.ingest.cleaning.clean) on small staged tables built by hand.

Each test hands ``clean`` a staged table (one column per role, ``_row`` the file row, the
header being row 1) in the embedded DuckDB, as an upload's reader does, and states the kept
orders and the quality report's counts worked out by hand. The tests share a few kinds of
table (the same roles, last day and statuses), so the steps' SQL is compiled a few times per
test session only: this is the fast test selection of mutation runs (benchmarks/mutation.py).
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from analytics.ingest import cleaning
from analytics.ingest.cleaning import (
    clean,
    clean_arrow,
    clean_contact_keys,
    how_ids_sit,
    neighbours_repeat,
    run_one_way,
)
from analytics.ingest.runner import CachedDuckDB

END = dt.date(2024, 12, 31)
D1, D2, D3 = dt.date(2024, 1, 5), dt.date(2024, 2, 1), dt.date(2024, 3, 1)
ROLES = [
    "order_id",
    "customer_id",
    "email",
    "status",
    "order_date",
    "amount",
    "refunded",
    "currency",
    "channel",
    "product",
]
NUMBERS = ("amount", "refunded")
NONE = {"bad_date": 0, "future": 0, "cancelled": 0, "refunded": 0, "failed": 0, "guest": 0}
NONE |= {"bad_amount": 0, "not_positive": 0, "unreadable_row": 0}


def staged(rows: list[tuple], roles: list[str]) -> pa.Table:
    """The rows (values in the roles' order) as the readers stage them: rows 2, 3, ..."""
    columns = {"_row": pa.array(range(2, 2 + len(rows)), pa.int64())}
    for i, role in enumerate(roles):
        kind = pa.date32() if role == "order_date" else pa.float64() if role in NUMBERS else None
        columns[role] = pa.array([row[i] for row in rows], kind or pa.string())
    return pa.table(columns)


def cleaned(rows, roles=ROLES, statuses=("returned",), examples_as="row", gathered=True, ids=None):
    """``clean`` run on the rows; also the tables and views it left in DuckDB (none should
    outlive the cleaning: each is freed once no step reads it)."""
    statuses = list(statuses) if statuses is not None else None
    key = {"roles": roles, "end": END, "refunded": statuses, "examples": examples_as}
    run = CachedDuckDB(staged(rows, roles), key | {"gathered": gathered})
    run.gathers_products = gathered  # False: as on MySQL, the line rows are kept aside
    try:
        # An upload's reader leaves examples_as to its default: row numbers.
        given = {} if examples_as == "row" else {"examples_as": examples_as}
        given |= {"ids": ids} if ids else {}  # else clean's own default
        out = clean(run, roles, END, statuses, **given)
        left = run.raw.sql(
            "SELECT table_name FROM duckdb_tables() UNION ALL "
            "SELECT view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    finally:
        run.close()
    return out, sorted(name for (name,) in left)


def purchases(out) -> list[tuple]:
    """The kept orders as (customer, day, amount), in the log's order."""
    keys = out.customers.to_pylist()
    o = out.orders
    return [
        (keys[code], day, amount)
        for code, day, amount in zip(
            o["_code"].to_pylist(),
            o["order_date"].to_pylist(),
            o["amount"].to_pylist(),
            strict=True,
        )
    ]


def row(order, customer, status="paid", day=D1, amount=10.0, **more):
    """One staged row of ROLES: email none, nothing refunded, EUR, channel web, product p."""
    values = dict(order_id=order, customer_id=customer, email=None, status=status)
    values |= dict(order_date=day, amount=amount, refunded=0.0, currency="EUR")
    values |= dict(channel="web", product="p")
    values |= more
    return tuple(values[r] for r in ROLES)


def test_each_order_is_counted_once_under_the_first_reason_that_leaves_it_out():
    """Eleven orders on their own rows (2-12): one per reason, checked in the report's
    order (a cancelled order with no customer is cancelled, not a guest), and three kept:
    c1's two (10 and 20 EUR) and c5's, 80 USD less 30 refunded, kept at 50 (partly
    refunded). 'returned' is this shop's refunded status."""
    out, left = cleaned(
        [
            row("1", "c1", day=D1, amount=10.0),  # row 2: kept
            row("2", None, "Cancelled"),  # 3: cancelled (first reason: not a guest)
            row("3", "c2", day=None),  # 4: bad date
            row("4", "c2", day=dt.date(2025, 1, 1)),  # 5: after the last day: future
            row("5", "c3", " returned "),  # 6: refunded, by the shop's status
            row("6", "c3", "payment failed"),  # 7: failed
            row("7", "guest"),  # 8: a placeholder id and no email: a guest
            row("8", "c4", amount=None),  # 9: bad amount
            row("9", "c4", amount=-5.0),  # 10: not positive
            row("10", "c5", day=D2, amount=80.0, refunded=30.0, currency="usd"),  # 11: kept
            row("11", "c1", day=D3, amount=20.0),  # 12: kept
        ]
    )
    assert out.rows == 11 and out.orders_found == 11
    assert out.dropped == NONE | dict.fromkeys(
        ["bad_date", "future", "cancelled", "refunded", "failed", "guest"], 1
    ) | {"bad_amount": 1, "not_positive": 1}
    assert out.examples == {
        "bad_date": [4],
        "future": [5],
        "cancelled": [3],
        "refunded": [6],
        "failed": [7],
        "guest": [8],
        "bad_amount": [9],
        "not_positive": [10],
    }
    # c1's first order is on row 2, c5's on row 11: c1 is the first customer.
    assert purchases(out) == [("c1", D1, 10.0), ("c1", D3, 20.0), ("c5", D2, 50.0)]
    assert out.customers.to_pylist() == ["c1", "c5"]
    assert out.currencies == {"EUR": 2, "USD": 1}
    assert out.notes[0] == "Orders partly refunded, counted net of the refunded amount: 1."
    assert out.warnings == []
    # The preview: the kept orders in row order, with their ids.
    assert out.preview.column_names == [
        "order_id",
        "customer_id",
        "email",
        "order_date",
        "amount",
        "channel",
    ]
    assert out.preview["order_id"].to_pylist() == ["1", "10", "11"]
    assert out.preview["amount"].to_pylist() == [10.0, 50.0, 20.0]
    # Every row names product p: 3 of the 11 lines belong to kept orders.
    assert out.line_counts == {
        "line_rows": 11,
        "lines_kept": 3,
        "products": 1,
        "lines_left_out": 8,
    }
    assert out.notes[1:] == [
        "11 line items name a product: 3 belong to kept orders (1 product); 8 were left out "
        "with their orders."
    ]
    assert out.lines.to_pylist() == [
        {"_code": 0, "order_date": D1, "product": "p"},
        {"_code": 0, "order_date": D3, "product": "p"},
        {"_code": 1, "order_date": D2, "product": "p"},
    ]
    assert left == []


def test_at_most_five_examples_per_reason_the_first_rows_as_row_numbers_or_order_ids():
    """Seven cancelled orders (rows 2-8, ids c-1 ... c-7) and one kept: the examples are the
    first five, by row; a database's rows have no row number, so their order ids."""
    rows = [row(f"c-{i}", "c1", "voided") for i in range(1, 8)] + [row("k", "c1")]
    out, _ = cleaned(rows)
    assert out.dropped == NONE | {"cancelled": 7}
    assert out.examples == {"cancelled": [2, 3, 4, 5, 6]}
    out, _ = cleaned(rows, examples_as="order")
    assert out.examples == {"cancelled": ["c-1", "c-2", "c-3", "c-4", "c-5"]}
    assert purchases(out) == [("c1", D1, 10.0)] and out.orders_found == 8


def test_a_product_column_left_blank_names_no_line_item():
    """Two orders, their product cells empty or blank: no line item, none kept, none left
    out, no product."""
    out, _ = cleaned([row("1", "c1", product=None), row("2", "c2", product="  ")])
    assert out.line_counts == dict.fromkeys(
        ["line_rows", "lines_kept", "products", "lines_left_out"], 0
    )
    assert out.lines.num_rows == 0 and purchases(out) == [("c1", D1, 10.0), ("c2", D1, 10.0)]


def test_shop_spellings_of_statuses_and_currencies_and_orders_without_an_id():
    """Rows 2-9. WooCommerce writes statuses with 'wc-': row 2 cancelled, row 5 refunded
    (its product, 'only-here', is on no kept order); row 4 has no status: nothing says it is
    left out. Row 3 names its currency by the sign '€'. Rows 6 and 7 are alike but have no
    order id: two orders. Order A's two lines (1 + 2) make 3. 8 rows, 6 with an id, 5 ids:
    5 + (8 - 6) = 7 orders, 2 left out."""
    out, _ = cleaned(
        [
            row("1", "c1", "wc-cancelled"),
            row("2", "c1", "wc-completed", currency="€"),
            row("3", "c1", None),
            row("4", "c2", "wc-refunded", product="only-here"),
            row(None, "c3", day=D2, amount=5.0),
            row(None, "c3", day=D2, amount=5.0),
            row("A", "c4", amount=1.0),
            row("A", "c4", amount=2.0),
        ]
    )
    assert out.orders_found == 7 and out.dropped == NONE | {"cancelled": 1, "refunded": 1}
    assert out.examples == {"cancelled": [2], "refunded": [5]}
    assert purchases(out) == [
        ("c1", D1, 10.0),
        ("c1", D1, 10.0),
        ("c3", D2, 5.0),
        ("c3", D2, 5.0),
        ("c4", D1, 3.0),
    ]
    assert out.currencies == {"EUR": 5}
    # Lines: one per row; the kept orders' 6 all name p.
    assert out.line_counts == {
        "line_rows": 8,
        "lines_kept": 6,
        "products": 1,
        "lines_left_out": 2,
    }


FOLDED = [
    row("A", "c1", amount=10.0, product="p1"),
    row("A", "c1", amount=5.5, product=" p2 "),
    row("A", "c1", amount=4.5, product="p1"),
    row("B", "c2", "cancelled", amount=7.0, product="p2"),
    row(None, "c2", day=D2, amount=3.0, product="p3"),
]


def test_line_items_are_folded_into_orders_and_their_amounts_added_up():
    """FOLDED: order A on rows 2-4 (10 + 5.5 + 4.5 = 20, products p1, p2, p1), order B on row 5
    (7, cancelled), and row 6 without an order id, an order of its own (3, product p3):
    5 rows, 4 with an id, 2 distinct ids: 2 + (5 - 4) = 3 orders, 1 on several rows.
    Kept: A (20) and the row-6 order (3); B left out with its one line."""
    for gathered in (True, False):  # each order's list, or the lines kept aside (MySQL)
        out, left = cleaned(FOLDED, gathered=gathered)
        assert out.rows == 5 and out.orders_found == 3
        assert out.dropped == NONE | {"cancelled": 1} and out.examples == {"cancelled": [5]}
        assert out.notes[0] == (
            "5 rows were folded into 3 orders (1 order spans several rows; line amounts added up)."
        )
        assert out.warnings == []
        assert purchases(out) == [("c1", D1, 20.0), ("c2", D2, 3.0)]
        assert out.customers.to_pylist() == ["c1", "c2"]
        # 5 lines name a product; B's is left out; A's and row 6's are kept: p1, p2, p3.
        assert out.line_counts == {
            "line_rows": 5,
            "lines_kept": 4,
            "products": 3,
            "lines_left_out": 1,
        }
        assert out.notes[1] == (
            "5 line items name a product: 4 belong to kept orders (3 products); 1 was left "
            "out with their orders."
        )
        assert out.lines.to_pylist() == [
            {"_code": 0, "order_date": D1, "product": "p1"},
            {"_code": 0, "order_date": D1, "product": "p2"},
            {"_code": 1, "order_date": D2, "product": "p3"},
        ]
        assert out.preview["order_id"].to_pylist() == ["A", "row 6"]
        assert left == []


def test_lines_side_by_side_are_folded_without_counting_the_ids_first():
    """Order A's lines next to each other prove that some order spans several rows: FOLDED
    is folded without the distinct count, to the same orders, report and note as when the
    ids are counted. Lines apart, or empty ids side by side, prove nothing."""
    assert neighbours_repeat(pa.chunked_array([["A", "A", "B"]]))
    assert neighbours_repeat(pa.chunked_array([["B", "A"], ["A"]]))  # across chunks
    assert not neighbours_repeat(pa.chunked_array([["A", "B", "A"]]))
    assert not neighbours_repeat(pa.chunked_array([[None, None, "A"]]))
    assert not neighbours_repeat(pa.chunked_array([["A", "a", "A "]]))  # byte for byte
    assert neighbours_repeat(pa.chunked_array([["A", "A"]]))
    assert not neighbours_repeat(pa.chunked_array([["A"]]))
    assert not neighbours_repeat(pa.chunked_array([[]], pa.string()))
    counted, _ = cleaned(FOLDED)
    proved, left = cleaned(FOLDED, ids="repeat")
    assert proved.notes == counted.notes and proved.notes[0].startswith("5 rows were folded into 3")
    assert purchases(proved) == purchases(counted) == [("c1", D1, 20.0), ("c2", D2, 3.0)]
    assert proved.dropped == counted.dropped and proved.lines == counted.lines and left == []


def test_ids_in_order_are_each_on_one_row_without_counting_them():
    """Ids running strictly up or down (by length, then byte for byte; the empty ones aside)
    are each on one row: the rows are not folded, and to the same orders, report and notes as
    when the ids are counted. Any other order proves nothing."""
    ids = lambda *values: pa.chunked_array([list(values)], pa.string())  # noqa: E731
    assert run_one_way(ids("#999", "#1000", "#1001"))  # by number, oldest first
    assert run_one_way(ids("#1001", "#1000", None, "#999"))  # newest first, an empty id
    assert run_one_way(ids("B", "a", "ab"))  # byte for byte: "B" < "a"
    assert run_one_way(ids()) and run_one_way(ids("A")) and run_one_way(ids(None, None))
    assert not run_one_way(ids("#1000", "#999", "#1001"))
    assert not run_one_way(ids("A", None, "A"))  # the empty id between proves nothing
    assert not run_one_way(ids("A", "A"))  # strictly
    many = [f"#{n}" for n in range(1, 3_000)]
    assert run_one_way(ids(*many)) and run_one_way(ids(*many[::-1]))
    assert not run_one_way(ids(*many, "#5"))  # out of order past the first rows looked at
    assert not run_one_way(ids("#5", *many))  # and within them
    seam = many[: cleaning.PEEK] + ["#1"] + many[cleaning.PEEK :]  # where the two looks meet
    assert not run_one_way(ids(*seam)) and not run_one_way(ids(*seam[::-1]))
    assert how_ids_sit(ids("A", "A", "B")) == "repeat"
    assert how_ids_sit(ids("A", "B")) == "unique" and how_ids_sit(ids("B", "A", "C")) is None
    rows = [row("A", "c1", amount=5.0), row("B", "c1", day=D2), row("C", "c2", day=D3)]
    counted, _ = cleaned(rows)
    proved, left = cleaned(rows, ids="unique")
    assert (
        purchases(proved)
        == purchases(counted)
        == [
            ("c1", D1, 5.0),
            ("c1", D2, 10.0),
            ("c2", D3, 10.0),
        ]
    )
    assert proved.notes == counted.notes and proved.dropped == counted.dropped and left == []


def test_an_upload_counts_its_distinct_order_ids_only_when_no_lines_sit_together(monkeypatch):
    """An upload's staged rows (clean_arrow): FOLDED's lines together skip the distinct
    count, and so do ids in order (not folded); ids neither together nor in order, or no
    order id at all, are counted."""
    steps = []  # the orders' steps (the products' names are trimmed in a run of their own)
    rows = CachedDuckDB.rows

    def counted(self, step, build):
        if step != "product_names":
            steps.append(step)
        return rows(self, step, build)

    monkeypatch.setattr(CachedDuckDB, "rows", counted)
    out = clean_arrow(staged(FOLDED, ROLES), ROLES, END, ["returned"])
    assert steps[:2] == ["stats:repeat", "shape"] and out.orders_found == 3
    steps.clear()
    out = clean_arrow(staged([row("B", "c1"), row("A", "c2")], ROLES), ROLES, END, ["returned"])
    assert steps[0] == "stats:unique" and "shape" not in steps and out.orders_found == 2
    assert not any("folded" in note for note in out.notes)
    steps.clear()
    apart = [row("A", "c1"), row("C", "c2"), row("A", "c1")]  # neither together nor in order
    out = clean_arrow(staged(apart, ROLES), ROLES, END, ["returned"])
    assert steps[:2] == ["stats", "shape"] and out.orders_found == 2
    steps.clear()
    roles = ROLES[1:]  # no order id: each row an order of its own
    out = clean_arrow(staged([r[1:] for r in FOLDED], roles), roles, END, ["returned"])
    assert steps[0] == "stats" and "shape" not in steps and out.orders_found == 5


def test_an_order_total_repeated_on_its_rows_is_taken_once_with_a_warning():
    """Order A's two rows both say 20: the total, taken once (a warning says so). If one of
    its rows has no amount, the rows are not all alike: no warning, the total still 20."""
    repeated = [row("A", "c1", amount=20.0), row("A", "c1", amount=20.0), row("B", "c2")]
    out, _ = cleaned(repeated)
    assert purchases(out) == [("c1", D1, 20.0), ("c2", D1, 10.0)]
    assert out.notes[0] == (
        "3 rows were folded into 2 orders (1 order spans several rows; the order total taken once)."
    )
    assert out.warnings == [
        "Orders on several rows repeat the same amount on each row: it was taken as the order "
        "total, once per order. If it is a per-line amount, the revenue is too low."
    ]
    gap = [row("A", "c1", amount=20.0), row("A", "c1", amount=None), row("B", "c2")]
    out, _ = cleaned(gap)
    assert purchases(out) == [("c1", D1, 20.0), ("c2", D1, 10.0)]
    assert out.notes[0].endswith("(1 order spans several rows; the order total taken once).")
    assert out.warnings == []
    both = [row("A", "c1", amount=20.0), row("A", "c1", amount=20.0)]
    out, _ = cleaned(both + [row("B", "c2"), row("B", "c2")])
    assert out.notes[0] == (
        "4 rows were folded into 2 orders (2 orders span several rows; the order total taken once)."
    )


def test_plain_ids_and_ids_to_clean_in_the_same_kind_of_table():
    """Only customer ids, days and amounts (no email, no order id). Ids longer than any
    placeholder with nothing to trim are taken as they are; the next table of the same kind
    has ids to trim and a placeholder, cleaned by the id rule (its own step, not the plain
    one's SQL)."""
    roles = ["customer_id", "order_date", "amount"]
    plain = [("cust-0001", D1, 5.0), ("cust-0002", D2, 6.0), ("cust-0001", D3, 7.0)]
    out, left = cleaned(plain, roles=roles)
    assert purchases(out) == [
        ("cust-0001", D1, 5.0),
        ("cust-0001", D3, 7.0),
        ("cust-0002", D2, 6.0),
    ]
    assert out.dropped == NONE and out.notes == [] and left == []
    assert out.currencies == {} and out.lines is None and out.line_counts == {}
    assert out.preview["order_id"].to_pylist() == ["row 2", "row 3", "row 4"]
    padded = [(" c7 ", D1, 5.0), ("n/a", D2, 6.0), ("123.0", D3, 7.0)]
    out, left = cleaned(padded, roles=roles)
    assert purchases(out) == [("c7", D1, 5.0), ("123", D3, 7.0)]
    assert out.dropped == NONE | {"guest": 1} and out.examples == {"guest": [3]}
    assert left == []


def test_without_the_shops_own_statuses_only_the_usual_words_say_refunded():
    """'returned' is a refunded status for some formats only: without such a list it is
    kept; 'refunded' is left out either way."""
    rows = [row("1", "c1", "returned"), row("2", "c1", "refunded")]
    out, _ = cleaned(rows, statuses=None)
    assert out.dropped == NONE | {"refunded": 1} and out.examples == {"refunded": [3]}
    assert purchases(out) == [("c1", D1, 10.0)]


def test_emails_key_customers_and_join_the_id_they_were_seen_with():
    """Row 2: customer 9 with ann@x.com; row 3 has no id but ANN@X.COM (the same email):
    customer 9; row 4 only bob@x.com: Bob by his email."""
    roles = ["order_id", "customer_id", "email", "order_date", "amount"]
    rows = [
        ("1", "cust-9", "ann@x.com", D1, 5.0),
        ("2", None, " ANN@X.COM", D2, 5.0),
        ("3", None, "bob@x.com", D3, 5.0),
    ]
    out, left = cleaned(rows, roles=roles)
    assert purchases(out) == [("cust-9", D1, 5.0), ("cust-9", D2, 5.0), ("bob@x.com", D3, 5.0)]
    assert out.preview["email"].to_pylist() == ["ann@x.com", "ann@x.com", "bob@x.com"]
    assert left == []


@pytest.mark.parametrize("keep, copy", [(True, True), (True, False), (False, True)])
def test_the_same_steps_run_in_an_engine_that_holds_the_data(keep, copy):
    """FOLDED, in a DuckDB database read through Ibis, as a DuckDB file or Spark are (the
    input copied once), or as a Parquet file is (``copy=False``: every step reads it in
    place); ``keep=False``: as a read-only database without lists (MySQL) is, keeping no
    table and the line rows aside. The same orders, counts and lines; no table left
    behind; the input copied only when asked."""
    import ibis

    from analytics.ingest.runner import IbisRunner

    con = ibis.duckdb.connect()
    con.create_table("orders", staged(FOLDED, ROLES))
    run = IbisRunner(con, con.table("orders"), keep, copy)
    copies = [t for t in con.list_tables() if t != "orders"]
    assert run.copied == (len(copies) == 1) == (keep and copy)
    run.gathers_products = keep
    out = clean(run, ROLES, END, ["returned"], "order")
    assert purchases(out) == [("c1", D1, 20.0), ("c2", D2, 3.0)]
    assert out.dropped == NONE | {"cancelled": 1} and out.examples == {"cancelled": ["B"]}
    assert out.line_counts["lines_kept"] == 4 and out.line_counts["lines_left_out"] == 1
    assert out.lines["product"].to_pylist() == ["p1", "p2", "p3"]
    assert con.list_tables() == ["orders"]


def test_a_kind_of_table_cleaned_before_runs_its_kept_sql_without_ibis(tmp_path, monkeypatch):
    """Tables of one kind (same columns, roles, last day, statuses) share kept SQL, each
    shape its own: one row per order, a total repeated on an order's rows, line items (each
    answer as in the tests above). A table of a kind and shape seen before runs every step
    from the kept SQL: nothing is compiled again, the answer is the same."""
    from analytics.ingest import runner

    monkeypatch.setenv("LENS_SQL_CACHE_DIR", str(tmp_path))
    single, _ = cleaned([row("A", "c1", amount=20.0), row("B", "c2")])
    assert purchases(single) == [("c1", D1, 20.0), ("c2", D1, 10.0)]
    assert single.notes == [  # nothing folded
        "2 line items name a product: 2 belong to kept orders (1 product); 0 were left out "
        "with their orders."
    ]
    repeated = [row("A", "c1", amount=20.0), row("A", "c1", amount=20.0), row("B", "c2")]
    total, _ = cleaned(repeated)
    assert purchases(total) == [("c1", D1, 20.0), ("c2", D1, 10.0)] and total.warnings
    first, _ = cleaned(FOLDED)
    assert purchases(first) == [("c1", D1, 20.0), ("c2", D2, 3.0)]

    def no_ibis(self):
        raise AssertionError("a step was compiled again")

    monkeypatch.setattr(runner.CachedDuckDB, "_backend", no_ibis)
    second, left = cleaned(FOLDED)
    assert purchases(second) == purchases(first)
    assert second.lines == first.lines and second.notes == first.notes and left == []


@pytest.mark.parametrize("ids, emails", [(True, True), (True, False), (False, True)])
def test_a_contacts_files_ids_and_emails_are_cleaned_as_the_orders_are(ids, emails):
    """' 7 ' is 7, 'guest' no id, 123.0 (a spreadsheet's number) 123; emails trimmed and
    lower-cased, a value without @ none. A column the file lacks stays None."""
    got = clean_contact_keys(
        pa.array([" 7 ", "guest", "123.0"]) if ids else None,
        pa.array(["ANN@X.COM ", "nope", None]) if emails else None,
    )
    want = (["7", None, "123"] if ids else None, ["ann@x.com", None, None] if emails else None)
    assert tuple(None if g is None else g.to_pylist() for g in got) == want


def test_a_contacts_file_of_a_kind_seen_before_is_cleaned_from_the_kept_sql(tmp_path, monkeypatch):
    """The second contacts file with the same columns needs no compiling: the same keys."""
    from analytics.ingest import runner

    monkeypatch.setenv("LENS_SQL_CACHE_DIR", str(tmp_path))
    ids = pa.array([" 7 ", "n/a"])
    assert clean_contact_keys(ids, None)[0].to_pylist() == ["7", None]

    def no_ibis(self):
        raise AssertionError("compiled again")

    monkeypatch.setattr(runner.CachedDuckDB, "_backend", no_ibis)
    assert clean_contact_keys(ids, None)[0].to_pylist() == ["7", None]


ARROW_ROWS = [
    row("1", "c1", amount=10.0, product="tea"),
    row("1", "c1", amount=10.0, product="tea"),  # the same product twice in one purchase
    row("2", "c2", "returned", amount=8.0, product="mug"),
    row("3", "c3", day=dt.date(2025, 1, 2), amount=6.0, product="tea"),
]


def test_an_arrow_table_is_cleaned_by_the_sql_of_its_own_last_day_and_statuses(
    tmp_path, monkeypatch
):
    """``clean_arrow`` (an upload) keeps its compiled SQL by the roles, the last day kept and
    the refund statuses: the same table read with another last day or other statuses is
    cleaned by its own SQL. Order 3 (2 January 2025) is after 31 December 2024 and kept only
    with a later last day; order 2 is refunded only where 'returned' is a refund status.
    Order 1's two lines of "tea" are one product of one purchase."""
    monkeypatch.setenv("LENS_SQL_CACHE_DIR", str(tmp_path))
    table = staged(ARROW_ROWS, ROLES)

    def kept(end, statuses):
        out = clean_arrow(table, ROLES, end, statuses)
        return [key for key, _, _ in purchases(out)], out

    first, out = kept(END, ["returned"])
    assert first == ["c1"] and out.dropped["future"] == 1 and out.dropped["refunded"] == 1
    assert out.lines.num_rows == 1 and out.lines["product"].to_pylist() == ["tea"]
    assert out.examples == {"refunded": [4], "future": [5]}
    assert kept(dt.date(2025, 1, 31), ["returned"])[0] == ["c1", "c3"]
    assert kept(END, [])[0] == ["c1", "c2"]
    assert kept(END, ["returned"])[0] == first


def test_a_product_column_with_no_product_gives_no_purchase_products(tmp_path, monkeypatch):
    """Every product blank: the orders are kept and no purchase holds a product."""
    monkeypatch.setenv("LENS_SQL_CACHE_DIR", str(tmp_path))
    out = clean_arrow(
        staged([row("1", "c1", product=" "), row("2", "c2", product=None)], ROLES), ROLES, END, []
    )
    assert [key for key, _, _ in purchases(out)] == ["c1", "c2"]
    assert out.lines.num_rows == 0 and out.lines["product"].type == pa.dictionary(
        pa.int32(), pa.string()
    )
    assert out.line_counts["line_rows"] == 0

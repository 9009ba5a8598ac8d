"""The cleaning rules of analytics/ingest/engine.py as DuckDB runs them, on small tables built
by hand, each with its right answer worked out in the test.

The tables are staged as in tests/test_cleaning_rules.py (one column per role, ``_row`` the
file row, the header being row 1). Unlike those tests, the steps run through Ibis on a fresh
DuckDB (``IbisRunner``, no kept SQL): each test compiles its own queries, so a mutation run
(benchmarks/mutation.py) sees every rule a test exercises. Rules whose answer is clearest on
a table of their own (the quality report's examples and preview) are called directly on an
Ibis table.
"""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest

from analytics.ingest.cleaning import clean
from analytics.ingest.runner import IbisRunner
from tests.test_cleaning_rules import D1, D2, END, NONE, ROLES, purchases, row, staged


def cleaned(rows, roles, statuses=("returned",)):
    """``clean`` run through Ibis on a DuckDB table of the staged rows."""
    con = ibis.duckdb.connect()
    try:
        con.create_table("orders", staged(rows, roles))
        run = IbisRunner(con, con.table("orders"), keep=True)
        return clean(run, roles, END, list(statuses))
    finally:
        con.disconnect()


def test_the_edges_of_each_reason_to_leave_an_order_out():
    """Rows 2-19, one order each, every cell as ``row`` makes it (customer's id, paid, 5
    January, 10 EUR, nothing refunded, product p) but for what the comment says.

    Left out: cancelled 2 (a cancellation date, row 3; 'voided', row 18), refunded 4 (all of
    20 refunded; all of 0.50; 'wc-refunded' is WooCommerce's 'refunded'; 9.995 of 10 is
    within half a cent of all of it), no amount 1 (row 9: an amount refunded does not make
    it a refund), not positive 1 (an amount of 0). Kept: the 10 others; rows 8 and 10 are
    partly refunded, counted net (20 - 19.5 = 0.5; 10 - 0.5 = 9.5)."""
    roles = [*ROLES, "cancelled_at"]
    rows = [
        row("1", "cust-01") + (None,),  # 2: kept
        row("2", "cust-01") + ("2024-01-06",),  # 3: cancelled on that day
        row("3", "cust-01") + ("  ",),  # 4: a blank cancellation date is none: kept
        row("4", "cust-01", status=None) + (None,),  # 5: no status says nothing: kept
        row("5", "cust-02", amount=20.0, refunded=20.0) + (None,),  # 6: refunded in full
        row("6", "cust-02", amount=0.5, refunded=0.5) + (None,),  # 7: refunded in full
        row("7", "cust-02", amount=20.0, refunded=19.5) + (None,),  # 8: kept, net 0.5
        row("8", "cust-02", amount=None, refunded=5.0) + (None,),  # 9: no amount
        row("9", "cust-02", refunded=0.5) + (None,),  # 10: kept, net 9.5
        row("10", "cust-03", day=END) + (None,),  # 11: on the last day: kept
        row("11", "cust-03", amount=0.0) + (None,),  # 12: not positive
        row("12", "cust-03", amount=0.5) + (None,),  # 13: half a euro: kept
        row("13", "cust-03", "wc-refunded") + (None,),  # 14: refunded
        row("14", "invite") + (None,),  # 15: 'invite' is a customer, not a placeholder
        row("15", "ab.cd") + (None,),  # 16: a dot that is no spreadsheet number: kept
        row("16", "cust-04", currency="€") + (None,),  # 17: the euro sign: EUR
        row("17", "cust-04", "voided", product="only-here") + (None,),  # 18: cancelled
        row("18", "cust-04", refunded=9.995) + (None,),  # 19: refunded (half a cent short)
    ]
    out = cleaned(rows, roles)
    assert out.rows == 18 and out.orders_found == 18
    assert out.dropped == NONE | {"cancelled": 2, "refunded": 4, "bad_amount": 1, "not_positive": 1}
    assert out.examples == {
        "cancelled": [3, 18],
        "refunded": [6, 7, 14, 19],
        "bad_amount": [9],
        "not_positive": [12],
    }
    # Customers numbered by their first kept order (rows 2, 8, 11, 15, 16, 17); each one's
    # orders by day (cust-03's 5 January before the last day), then row.
    assert out.customers.to_pylist() == [
        "cust-01",
        "cust-02",
        "cust-03",
        "invite",
        "ab.cd",
        "cust-04",
    ]
    assert purchases(out) == [
        ("cust-01", D1, 10.0),
        ("cust-01", D1, 10.0),
        ("cust-01", D1, 10.0),
        ("cust-02", D1, 0.5),
        ("cust-02", D1, 9.5),
        ("cust-03", D1, 0.5),
        ("cust-03", END, 10.0),
        ("invite", D1, 10.0),
        ("ab.cd", D1, 10.0),
        ("cust-04", D1, 10.0),
    ]
    assert out.currencies == {"EUR": 10}
    assert out.notes[0] == "Orders partly refunded, counted net of the refunded amount: 2."
    # 18 rows name a product; the 10 kept orders' all name p, the one product kept
    # ('only-here' is on a cancelled order only).
    assert out.line_counts == {
        "line_rows": 18,
        "lines_kept": 10,
        "products": 1,
        "lines_left_out": 8,
    }


def test_customers_known_only_by_their_email():
    """No customer id, no status: emails trimmed and lower-cased key the customers. Rows 2
    and 3 are Ann's (the same email, written twice differently); row 4's 'nope' is no email:
    a guest; row 5 is Bob's."""
    roles = ["email", "order_date", "amount"]
    rows = [
        ("ann@x.com", D1, 5.0),
        (" ANN@x.com ", D2, 6.0),
        ("nope", D2, 7.0),
        ("bob@x.com", D1, 8.0),
    ]
    out = cleaned(rows, roles)
    assert out.customers.to_pylist() == ["ann@x.com", "bob@x.com"]
    assert purchases(out) == [
        ("ann@x.com", D1, 5.0),
        ("ann@x.com", D2, 6.0),
        ("bob@x.com", D1, 8.0),
    ]
    assert out.dropped == NONE | {"guest": 1} and out.examples == {"guest": [4]}
    assert out.preview["email"].to_pylist() == ["ann@x.com", "ann@x.com", "bob@x.com"]


@pytest.mark.parametrize(
    "ids, keys",
    [
        # 'guest' is a placeholder (five letters, as long as the longest): no customer.
        (["cust-0001", "guest"], ["cust-0001"]),
        # Spaces around an id are trimmed: one customer.
        ([" cust-0001", "cust-0001 "], ["cust-0001"]),
        # A spreadsheet's number: 12345.0 and 12345.00 are customer 12345.
        (["12345.0", "12345.00"], ["12345"]),
    ],
)
def test_the_id_rule_runs_unless_every_id_is_already_clean(ids, keys):
    """Two orders (rows 2 and 3) whose ids all need the id rule, though each looks much like
    a plain id (long, or a dot): the rule is skipped only when no id needs it."""
    rows = [(ids[0], D1, 5.0), (ids[1], D2, 6.0)]
    out = cleaned(rows, ["customer_id", "order_date", "amount"])
    assert out.customers.to_pylist() == keys
    guests = 1 if "guest" in ids else 0
    assert out.dropped == NONE | {"guest": guests} and out.orders.num_rows == 2 - guests


def test_an_order_whose_rows_lack_an_amount_is_taken_once_without_a_warning():
    """Order A on rows 2 and 3: 20, then no amount. Its rows do not all repeat one amount,
    so no warning that a total was taken once; its total is 20. B is 10."""
    roles = ["order_id", "customer_id", "order_date", "amount"]
    rows = [("A", "c1", D1, 20.0), ("A", "c1", D1, None), ("B", "c2", D1, 10.0)]
    out = cleaned(rows, roles)
    assert purchases(out) == [("c1", D1, 20.0), ("c2", D1, 10.0)]
    assert out.notes == [
        "3 rows were folded into 2 orders (1 order spans several rows; the order total taken once)."
    ]
    assert out.warnings == []


def test_the_report_takes_its_examples_and_preview_in_row_order_whatever_the_rows_order():
    """summary_query on classified orders that come in reverse row order (as a database's
    may): 7 cancelled orders (rows 2-8) and 201 kept (rows 9-209). The examples are the
    first five cancelled rows (2-6), the preview the first 200 kept (rows 9-208)."""
    from analytics.ingest.engine import summary_query

    n = 208
    rows = list(range(n + 1, 1, -1))  # 209, 208, ..., 2
    result = ibis.memtable(
        pa.table(
            {
                "_row": pa.array(rows, pa.int64()),
                "_reason": pa.array([2 if r <= 8 else None for r in rows], pa.int8()),
                "order_id": pa.array([f"o{r}" for r in rows]),
                "customer_id": pa.array(["c1"] * n),
                "email": pa.array([None] * n, pa.string()),
                "order_date": pa.array([D1] * n, pa.date32()),
                "amount": pa.array([10.0] * n),
                "_refunded": pa.array([False] * n),
                "_currency": pa.array(["EUR"] * n),
            }
        )
    )
    roles = ["order_id", "customer_id", "order_date", "amount"]
    con = ibis.duckdb.connect()
    got = con.to_pyarrow(summary_query(result, roles, "row")).to_pylist()
    assert {r["_reason"]: r["n"] for r in got if r["_part"] == 0} == {2: 7, None: 201}
    examples = sorted((r["_rank"], r["_example"]) for r in got if r["_part"] == 1)
    assert examples == [(0, "2"), (1, "3"), (2, "4"), (3, "5"), (4, "6")]
    preview = sorted(r["_row"] for r in got if r["_part"] == 2)
    assert preview == list(range(9, 209))

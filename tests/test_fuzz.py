"""Fuzzed readers: whatever the bytes, the outcome is an order log or a LensError; a
well-formed table always loads, with every order and customer it holds, and only a table
that lacks what an order needs is refused."""

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import LensError
from analytics.ingest.io import load_orders
from analytics.ingest.orders import ReadOptions

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
TODAY = pd.Timestamp("2026-01-01")


def outcome(data: bytes, name: str = "fuzz.csv", **options):
    try:
        log = load_orders(data, name, ReadOptions(**options), today=TODAY)
    except LensError as exc:
        assert str(exc) and "\n" not in str(exc)
        return None
    orders = log.orders
    assert len(orders) > 0
    assert orders["amount"].gt(0).all() and orders["customer_id"].notna().all()
    assert orders["order_date"].notna().all() and (orders["order_date"] <= TODAY).all()
    report = log.report
    assert report.orders_kept == len(orders)
    assert (
        report.orders_kept + sum(v for k, v in report.dropped.items() if k != "unreadable_row")
        == report.orders_found
    )
    return log


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes(data):
    outcome(data)


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(["x.xlsx", "x.parquet", "x.csv", "x"]))
def test_random_bytes_with_spreadsheet_signatures(data, name):
    for prefix in (b"PK\x03\x04", b"PAR1", b"\xef\xbb\xbf", b"\xff\xfe"):
        outcome(prefix + data, name)


CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "2024-01-05",
            "05/01/2024",
            "01/25/2024",
            "25/01/2024",
            "Jan 5, 2024 1:00 PM",
            "2024-01-05 10:00:00 +0100",
            "20240105",
            "",
            "NaN",
            "=1+1",
            "-",
            "0",
        ]
    ),
    st.sampled_from(["$1,234.50", "1 234,50 €", "12,5", "(3.00)", "-4", "0", "abc", "1e5"]),
    st.sampled_from(["a@x.com", "C1", "C2", " c1 ", "guest", "0", "cancelled", "refunded", "paid"]),
)


@FUZZ
@given(
    rows=st.lists(st.lists(CELL, min_size=5, max_size=5), min_size=0, max_size=25),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    header=st.sampled_from(
        [
            ["order id", "customer", "date", "amount", "status"],
            ["Name", "Email", "Created at", "Total", "Financial Status"],
            ["N° commande", "Client", "Date commande", "Montant TTC", "Statut"],
            ["a", "b", "c", "d", "e"],
        ]
    ),
)
def test_random_tables_in_every_dialect(rows, delimiter, encoding, header):
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([header, *rows])
    try:
        data = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        data = buffer.getvalue().encode("utf-8")
    outcome(data)


@FUZZ
@given(st.text(max_size=50_000, alphabet='ab,;"\n\r\t0123456789-/'))
def test_huge_fields_and_odd_quoting(text):
    outcome(text.encode())


@FUZZ
@given(st.lists(CELL, min_size=1, max_size=40), st.sampled_from([None, "dayfirst", "monthfirst"]))
def test_mixed_date_formats_in_one_column(dates, order):
    lines = ["order,customer,date,amount"] + [f'{i},c{i % 3},"{d}",10' for i, d in enumerate(dates)]
    outcome("\n".join(lines).encode(), date_order=order)


# Well-formed shop tables, written the way shops export them. Each header is one the column
# mapping recognises: (order id, customer, date, amount, status) in this order.
HEADERS = {
    "ids": ["order id", "customer", "date", "amount", "status"],
    "shopify": ["Name", "Email", "Created at", "Total", "Financial Status"],
    "french": ["N° commande", "Client", "Date commande", "Montant TTC", "Statut"],
}
DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d"]  # never ambiguous
AMOUNT_FORMATS = {  # cents -> text; always two decimals, so the decimal mark is plain
    "plain": lambda c: f"{c / 100:.2f}",
    "thousands": lambda c: f"{c / 100:,.2f}",
    "comma": lambda c: f"{c / 100:.2f}".replace(".", ","),
    "dollar": lambda c: f"${c / 100:,.2f}",
}


@st.composite
def shop_tables(draw):
    """(rows as text with the header first, the orders' customers, their cents)."""
    style = draw(st.sampled_from(sorted(HEADERS)))
    n = draw(st.integers(1, 30))
    pool = draw(st.integers(1, 12))
    who = draw(st.lists(st.integers(0, pool - 1), min_size=n, max_size=n))
    days_back = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n))
    cents = draw(st.lists(st.integers(1, 2_000_000), min_size=n, max_size=n))
    date_format = draw(st.sampled_from(DATE_FORMATS))
    amount = AMOUNT_FORMATS[draw(st.sampled_from(sorted(AMOUNT_FORMATS)))]
    status = draw(st.sampled_from(["paid", "completed", ""]))
    rows = [HEADERS[style]]
    for i in range(n):
        customer = f"c{who[i]}@shop.com" if style == "shopify" else f"C{who[i]}"
        day = TODAY - pd.Timedelta(days=days_back[i])
        order = f"#{1001 + i}" if style == "shopify" else str(1001 + i)
        rows.append([order, customer, day.strftime(date_format), amount(cents[i]), status])
    return rows, who, cents


def as_bytes(rows, delimiter: str, encoding: str) -> bytes:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


DIALECTS = dict(
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)


@FUZZ
@given(table=shop_tables(), **DIALECTS)
def test_a_well_formed_table_loads_with_every_order_and_customer(table, delimiter, encoding):
    """Every row is a paid order with an id, a customer, a past date and a positive amount:
    nothing may be left out, so the log has one order per row, one customer per distinct
    customer, and the amounts to the cent (a reader that refused or dropped a file fails)."""
    rows, who, cents = table
    log = outcome(as_bytes(rows, delimiter, encoding))
    assert log is not None, "a well-formed table was refused"
    assert len(log.orders) == len(who) == log.report.orders_found
    assert log.orders["customer_id"].nunique() == len(set(who))
    assert round(log.orders["amount"].sum() * 100) == sum(cents)
    assert sum(log.report.dropped.values()) == 0


BAD_ROWS = {  # a row that is not a purchase -> the reason it is counted under
    "bad_date": lambda row: [*row[:2], "not a date", *row[3:]],
    "future": lambda row: [*row[:2], "2026-02-01", *row[3:]],
    "guest": lambda row: [row[0], "", *row[2:]],
    "bad_amount": lambda row: [*row[:3], "abc", row[4]],
    "not_positive": lambda row: [*row[:3], "-4.00", row[4]],
    "cancelled": lambda row: [*row[:4], "cancelled"],
}


@FUZZ
@given(table=shop_tables(), bad=st.lists(st.sampled_from(sorted(BAD_ROWS)), max_size=8))
def test_bad_rows_are_left_out_one_by_one_and_the_good_ones_kept(table, bad):
    """Rows that are not purchases (each of one known kind, with a fresh order id) are left
    out and counted under their reason; every good row is still an order."""
    rows, who, cents = table
    extra = [BAD_ROWS[kind]([f"{9001 + i}", *rows[1][1:]]) for i, kind in enumerate(bad)]
    log = outcome(as_bytes(rows + extra, ",", "utf-8"))
    assert log is not None
    assert len(log.orders) == len(who)
    assert round(log.orders["amount"].sum() * 100) == sum(cents)
    expected = {kind: bad.count(kind) for kind in set(bad)}
    assert {k: v for k, v in log.report.dropped.items() if v} == expected


MALFORMED = {  # what makes a table unusable -> the table without it
    "no date column": lambda rows: [[r[0], r[1], r[3], r[4]] for r in rows],
    "no amount column": lambda rows: [[r[0], r[1], r[2], r[4]] for r in rows],
    "no customer column": lambda rows: [[r[0], r[2], r[3], r[4]] for r in rows],
    "a header and no rows": lambda rows: rows[:1],
    "no row with a readable date": lambda rows: (
        [rows[0]] + [[*r[:2], "soon", *r[3:]] for r in rows[1:]]
    ),
}


@FUZZ
@given(table=shop_tables(), defect=st.sampled_from(sorted(MALFORMED)), **DIALECTS)
def test_only_a_table_that_lacks_what_an_order_needs_is_refused(table, defect, delimiter, encoding):
    """An order needs a date, an amount and a customer: a table without one of these
    columns, without rows, or without any readable date holds no order and is refused with
    a LensError (the well-formed test above shows the same table loads when whole)."""
    rows, _, _ = table
    assert outcome(as_bytes(MALFORMED[defect](rows), delimiter, encoding)) is None

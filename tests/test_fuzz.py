"""Fuzzed readers: whatever the bytes, the outcome is an order log or a LensError."""

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

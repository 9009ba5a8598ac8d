"""Real export shapes -> the order log we can state by hand, with every left-out row counted."""

import pandas as pd
import pytest

from analytics import LensError
from analytics.ingest.io import load_orders
from analytics.ingest.orders import PREVIEW, ReadOptions
from tests import exports

TODAY = pd.Timestamp("2026-01-01")


def load(data, name="orders.csv", **options):
    return load_orders(
        data.encode() if isinstance(data, str) else data, name, ReadOptions(**options), today=TODAY
    )


def as_dict(log):
    o = log.preview  # every kept order of these small files, with its id
    assert len(o) == len(log.orders)
    return {
        r.order_id: (r.customer_id, r.order_date.date().isoformat(), round(r.amount, 2))
        for r in o.itertuples()
    }


def test_shopify_line_items_refunds_cancellations_and_local_dates():
    log = load(exports.SHOPIFY, "orders_export.csv")
    assert log.format == "shopify"
    assert as_dict(log) == {
        "#1001": ("a@x.com", "2023-01-05", 100.0),
        "#1003": ("a@x.com", "2023-02-06", 1000.0),  # 1,050 less 50 refunded
        "#1005": ("b@x.com", "2023-03-01", 30.0),  # 23:30 at -0500 stays on 1 March
    }
    r = log.report
    assert r.rows_read == 8 and r.orders_found == 7
    assert r.dropped == {"refunded": 1, "cancelled": 2, "guest": 1}
    assert r.examples["refunded"] == [4] and r.examples["guest"] == [8]
    assert sum(r.dropped.values()) + r.orders_kept == r.orders_found


def test_magento_grid_us_dates_dollar_amounts_and_closed_orders():
    log = load(exports.MAGENTO, "export.csv")
    assert log.format == "magento"
    assert as_dict(log) == {
        "000000001": ("jo@x.com", "2023-01-05", 1234.5),
        "000000004": ("jo@x.com", "2023-02-10", 20.0),
    }
    assert log.report.dropped == {"cancelled": 1, "refunded": 1}


def test_woocommerce_guest_user_zero_falls_back_to_email():
    log = load(exports.WOOCOMMERCE, "woo.csv")
    assert log.format == "woocommerce"
    assert as_dict(log) == {
        "1001": ("7", "2023-04-01", 45.5),
        "1003": ("g@x.com", "2023-04-03", 10.0),
        "1004": ("7", "2023-05-01", 19.9),
    }
    assert log.report.dropped == {"failed": 1, "refunded": 1}
    assert log.preview.loc[log.preview.order_id == "1003", "discount_code"].item() == "SPRING"


def test_french_semicolon_cp1252_decimal_comma_day_first():
    log = load(exports.french_bytes(), "commandes.csv")
    assert log.format == "generic"
    assert log.table_info["delimiter"] == ";" and log.table_info["encoding"] == "cp1252"
    assert log.table_info["date_order"] == "dayfirst"
    assert as_dict(log) == {"1": ("C1", "2022-04-03", 1234.5), "3": ("C2", "2022-04-25", 12.0)}
    assert log.report.dropped == {"cancelled": 1, "guest": 1, "not_positive": 1}


def test_generic_line_items_with_varying_amounts_are_summed():
    csv = "order,customer,date,amount\nA,c1,2024-01-01,10\nA,c1,2024-01-01,5.5\nB,c2,2024-01-02,7\n"
    log = load(csv)
    assert as_dict(log) == {"A": ("c1", "2024-01-01", 15.5), "B": ("c2", "2024-01-02", 7.0)}
    assert any("line amounts added up" in n for n in log.report.notes)


def test_repeated_order_total_taken_once_with_a_warning():
    csv = "order,customer,date,total\nA,c1,2024-01-01,20\nA,c1,2024-01-01,20\nB,c2,2024-01-02,7\n"
    log = load(csv)
    assert as_dict(log)["A"] == ("c1", "2024-01-01", 20.0)
    assert any("same amount" in w for w in log.report.warnings)


def test_customer_key_id_else_email_and_email_joins_known_id():
    csv = (
        "order id,customer id,email,date,amount\n"
        "1,C9,Ann@X.com,2024-01-01,5\n2,,ann@x.com ,2024-01-02,5\n3,,bob@x.com,2024-01-03,5\n"
        "4,123.0,,2024-01-04,5\n"
    )
    log = load(csv)
    keys = dict(zip(log.preview.order_id, log.preview.customer_id, strict=False))
    assert keys == {"1": "C9", "2": "C9", "3": "bob@x.com", "4": "123"}


def test_future_and_unreadable_dates_and_amounts_are_counted():
    csv = (
        "order,customer,date,amount\n1,a,2024-01-01,10\n2,a,2099-01-01,10\n3,a,soon,10\n"
        "4,a,2024-01-02,abc\n5,a,2024-01-03,0\n"
    )
    log = load(csv)
    assert list(log.preview.order_id) == ["1"]
    assert log.report.dropped == {"future": 1, "bad_date": 1, "bad_amount": 1, "not_positive": 1}
    assert log.report.examples["future"] == [3]


def test_end_date_option_leaves_out_later_orders():
    csv = "order,customer,date,amount\n1,a,2024-01-01,10\n2,a,2024-03-01,10\n"
    log = load(csv, end_date="2024-02-01")
    assert list(log.preview.order_id) == ["1"] and log.report.dropped == {"future": 1}


def test_mapping_override_and_clear_errors():
    csv = "ref,who,when,paid,other_date\n1,a,2024-01-01,10,2023-01-01\n"
    log = load(csv, mapping={"order_date": "other_date", "customer_id": "who", "amount": "paid"})
    assert log.orders.order_date.item() == pd.Timestamp("2023-01-01")
    with pytest.raises(LensError, match="No order date column"):
        load("customer,amount,x\na,1,2\n")
    with pytest.raises(LensError, match="No amount column"):
        load("customer,date,x\na,2024-01-01,2\n")
    with pytest.raises(LensError, match="no column 'nope'"):
        load(csv, mapping={"amount": "nope"})


def test_all_rows_unusable_says_why():
    with pytest.raises(LensError, match="No usable order.*cancelled or voided: 2"):
        load(
            "order,customer,date,amount,status\n1,a,2024-01-01,5,cancelled\n2,b,2024-01-01,5,void\n"
        )


def test_mixed_currencies_warn_with_counts_per_currency():
    csv = (
        "order,customer,date,amount,currency\n1,a,2024-01-01,5,EUR\n2,b,2024-01-01,5,USD\n"
        "3,c,2024-01-02,7, eur\n4,d,2024-01-03,9,EUR\n"
    )
    log = load(csv)
    assert log.currencies == {"EUR": 3, "USD": 1} and log.currency == "EUR"
    (warning,) = [w for w in log.report.warnings if "several currencies" in w]
    assert "EUR 3 orders, USD 1 order" in warning and "without conversion" in warning


@pytest.mark.parametrize(
    "data, name, currency",
    [
        (exports.SHOPIFY, "orders_export.csv", "EUR"),  # the Currency column
        (exports.MAGENTO, "export.csv", "USD"),  # "$1,234.50"
        (exports.french_bytes(), "commandes.csv", "EUR"),  # "1 234,50 €"
        ("order,customer,date,amount\n1,a,2024-01-01,CHF 12.50\n", "x.csv", "CHF"),
        # A sign before a code: the code names it ("$" alone would say USD).
        ('order,customer,date,amount\n1,a,2024-01-01,"$12.00 CAD"\n', "x.csv", "CAD"),
        ("order,customer,date,amount\n1,a,2024-01-01,12 £\n", "x.csv", "GBP"),
        # A French export's currency column ("devise"), mapped as the currency.
        ("commande;client;date;montant;devise\n1;a;01/02/2024;12,50;chf\n", "fr.csv", "CHF"),
    ],
)
def test_the_currency_is_read_from_the_file(data, name, currency):
    log = load(data, name)
    assert log.currency == currency and not any("several" in w for w in log.report.warnings)


def test_woocommerce_order_currency_and_the_fallback():
    woo = exports.WOOCOMMERCE.replace("Coupon Code\n", "Coupon Code,Order Currency\n")
    woo = woo.replace(",SPRING\n", ",SPRING,GBP\n").replace(",\n", ",,GBP\n")
    assert load(woo, "woo.csv").currency == "GBP"
    assert load(exports.WOOCOMMERCE, "woo.csv").currency is None  # nothing names one
    assert load(exports.WOOCOMMERCE, "woo.csv", currency="SEK").currency == "SEK"


def test_excel_and_parquet_give_the_same_log_as_csv():
    frame = pd.DataFrame(
        {
            "Order ID": ["1", "2", "3"],
            "Customer": ["a", "b", "c"],
            # The day as written, late in the evening too, and before 1970 (a floor).
            "Order Date": pd.to_datetime(
                ["2024-01-01 10:00", "2024-02-03 23:00", "1969-12-31 23:30:00.5"], format="ISO8601"
            ),
            "Total": [10.5, 20.0, 5.0],
        }
    )
    xlsx = exports.xlsx_bytes({"Notes": pd.DataFrame({"x": []}), "Orders": frame})
    parquet = exports.parquet_bytes(frame)
    expected = {
        "1": ("a", "2024-01-01", 10.5),
        "2": ("b", "2024-02-03", 20.0),
        "3": ("c", "1969-12-31", 5.0),
    }
    assert as_dict(load(xlsx, "o.xlsx", sheet="Orders")) == expected
    assert as_dict(load(xlsx, "o.xlsx")) == expected  # first sheet with rows
    assert as_dict(load(parquet, "o.parquet")) == expected
    tz = frame.assign(**{"Order Date": frame["Order Date"].dt.tz_localize("Europe/Paris")})
    assert as_dict(load(exports.parquet_bytes(tz), "tz.parquet")) == expected


def _with_impossible_dates(dates: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order": [str(i) for i in range(len(dates))],
            "customer": "a",
            "date": dates,
            "amount": "10",
        }
    )


@pytest.mark.parametrize(
    "dates, kept",
    [
        (["2023-02-28", "2023-02-30", "2023-04-31 10:00:00", "2024-02-29"], 2),  # ISO
        (["28/02/2023", "30/02/2023", "31/04/2023 10:30", "25/12/2023"], 2),  # day-first
        (["02/28/2023", "02/30/2023", "04/31/2023", "12/25/2023"], 2),  # month-first
    ],
)
@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet"])
def test_dates_that_do_not_exist_are_bad_dates_in_every_reader(tmp_path, dates, kept, kind):
    """30 February is not 2 March: it is counted as unreadable, with its row number."""
    frame = _with_impossible_dates(dates)
    path = tmp_path / f"orders.{kind}"
    if kind == "csv":
        frame.to_csv(path, index=False)
    elif kind == "xlsx":
        frame.to_excel(path, index=False)  # text cells, as a shop's export writes them
    else:
        frame.to_parquet(path, index=False)  # strings in a Parquet file
    log = load(path.read_bytes(), path.name)
    assert len(log.orders) == kept
    assert log.report.dropped == {"bad_date": 2}
    assert log.report.examples["bad_date"] == [3, 4]  # file rows, the header being row 1


def test_read_as_is_one_line_of_plain_words():
    from analytics.ingest.orders import read_as

    log = load(exports.french_bytes(), "commandes.csv")
    line = read_as(log, log.currency)
    assert line == (
        "Generic order table · Windows Western (cp1252) text, semicolon-separated · dates "
        "day-first · decimal comma · amounts in EUR"
    )
    assert read_as(log, None).endswith("no currency named")


def test_the_preview_shows_the_first_kept_orders_in_file_order_and_the_log_holds_them_all():
    rows = ["order_id,customer_id,order_date,total,status"]
    rows += [f"{i},c{i % 7},2023-01-{1 + i % 28:02d},{10 + i},paid" for i in range(1, 260)]
    rows.append("999,c1,2023-02-01,5,cancelled")
    log = load("\n".join(rows), format="generic")
    assert len(log.orders) == 259 and len(log.preview) == PREVIEW
    assert list(log.preview.order_id) == [str(i) for i in range(1, PREVIEW + 1)]
    # The log (sorted by customer, then day) holds the same purchases as the file.
    log_rows = log.orders.assign(customer_id=log.orders.customer_id.astype(str))
    got = sorted(zip(log_rows.customer_id, log_rows.order_date, log_rows.amount, strict=True))
    want = sorted(
        (f"c{i % 7}", pd.Timestamp(f"2023-01-{1 + i % 28:02d}"), 10.0 + i) for i in range(1, 260)
    )
    assert got == want


RUN_TWICE = """
import json, sys
from analytics.ingest.io import load_orders
from tests.test_orders import as_dict
log = load_orders(open(sys.argv[1], "rb").read(), "orders_export.csv")
print(json.dumps({"ibis": "ibis" in sys.modules, "log": as_dict(log)}, default=str))
"""


def test_compiled_sql_is_kept_and_a_second_read_needs_no_ibis(tmp_path, monkeypatch):
    """The cleaning steps' SQL is compiled once per kind of file and kept: the next read of
    the same kind runs it on DuckDB without importing Ibis, with the same result. A damaged
    cache file is compiled again; another last day kept is another entry."""
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    monkeypatch.setenv("LENS_SQL_CACHE_DIR", str(tmp_path / "sql"))
    path = tmp_path / "orders.csv"
    path.write_text(exports.SHOPIFY)

    def read() -> dict:
        done = subprocess.run(
            [sys.executable, "-c", RUN_TWICE, str(path)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return json.loads(done.stdout)

    first, second = read(), read()
    assert first["ibis"] and not second["ibis"]
    assert first["log"] == second["log"] and len(first["log"]) > 1
    # The orders' steps (its lines together: no distinct count), and the products' names
    # trimmed (one entry for every file).
    kept, names = sorted((tmp_path / "sql").iterdir(), key=lambda p: -p.stat().st_size)
    assert {"stats:repeat", "shape", "summary", "orders"} <= set(json.loads(kept.read_text()))
    assert set(json.loads(names.read_text())) == {"product_names"}
    kept.write_text("{not json")
    third = read()
    assert third["ibis"] and third["log"] == first["log"]
    later = load(exports.SHOPIFY, end_date="2030-01-01")
    assert len(list((tmp_path / "sql").iterdir())) == 3 and len(later.orders)


def test_a_paid_order_refunded_in_full_is_left_out_by_its_amounts_alone():
    """Order 1 says 'paid' but its refunded amount equals its total: it brought nothing and
    is left out as refunded. Order 2 was refunded in part (50 of 80): kept at 30."""
    csv = (
        "order id,customer,date,total,status,refunded amount\n"
        "1,a,2024-01-05,50.00,paid,50.00\n"
        "2,b,2024-01-06,80.00,paid,50.00\n"
    )
    log = load(csv)
    assert log.report.dropped == {"refunded": 1}
    assert as_dict(log) == {"2": ("b", "2024-01-06", 30.0)}


def test_a_contact_known_only_by_email_is_the_customer_with_that_email():
    """The orders know Ann as customer 7 with ann@x.com; the contacts file knows her only by
    her email (in capitals). She is that customer, not a prospect; Bob, who never ordered,
    is the one prospect."""
    from analytics.ingest.io import load_dataset
    from analytics.insights import lifecycle
    from analytics.insights.customers import build_customer_base

    orders = b"order id,customer id,email,date,amount\n1,7,ann@x.com,2024-01-05,20\n"
    contacts = b"email,created at\nANN@X.COM,2023-12-01\nbob@x.com,2023-12-01\n"
    log, people = load_dataset("o.csv", orders, None, "c.csv", contacts)
    keys = people.contacts["customer_id"].tolist()
    assert "7" in keys
    index = lifecycle.prepare(build_customer_base(log.orders), people.contacts)
    snap = lifecycle.snapshot(index, "2024-01-31", 180, 1.5)
    assert snap.prospects == 1

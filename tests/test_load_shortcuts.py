"""Loading's shortcuts give what the full rules give: a rule skipped only when a cheap check
proves it has nothing to do, the same orders, keys and quality report either way."""

import ibis
import pandas as pd
import pyarrow as pa

from analytics.ingest import engine
from analytics.ingest.files import _iso_days, _plain_amounts
from analytics.ingest.io import load_orders
from analytics.ingest.orders import ReadOptions
from analytics.ingest.parsing import parse_amounts, parse_dates
from analytics.ingest.readers import _sample_lines, read_table

TODAY = pd.Timestamp("2026-01-01")
IDS = [
    "CUST000001",  # plain
    "1234567",  # plain: a long number
    " CUST000002",  # spaces: trimmed by the rule
    "CUST000003\t",
    "CUST000004\r",  # any whitespace strip() trims, at either end
    "\x0bCUST000005",
    "123456.0",  # a spreadsheet's number: 123456
    "abc.defgh",  # a dot: the rule looks at it
    "guest",  # a placeholder
    "GUEST",
    "0",
    "n/a",
    "ab12",  # short: could be a placeholder
    "",
    None,
    "invite",  # six letters: not a placeholder
]


def _ids_table(ids):
    return ibis.memtable(pd.DataFrame({"customer_id": pd.Series(ids, dtype="str")}))


def test_an_id_called_plain_is_one_the_id_rule_leaves_as_it_is():
    t = _ids_table(IDS)
    out = t.select(
        t.customer_id, plain=engine.plain_ids(t.customer_id), clean=engine.clean_ids(t.customer_id)
    ).to_pandas()
    plain = out[out["plain"].fillna(False).astype(bool)]
    assert set(plain["customer_id"]) == {"CUST000001", "1234567", "invite"}
    assert (plain["customer_id"] == plain["clean"]).all()
    # everything else is one the rule changes, or short enough to be a placeholder
    assert not out[out["customer_id"].isin(["123456.0", " CUST000002", "guest"])]["plain"].any()


def test_the_counting_scan_says_whether_every_id_is_plain():
    def flag(ids):
        t = _ids_table(ids)
        return int(engine.stats_query(t, ["customer_id"], True).to_pandas()["ids_plain"][0])

    assert flag(["CUST000001", "CUST000002", None]) == 1
    assert flag(["CUST000001", " CUST000002"]) == 0
    assert flag(["CUST000001", "guest"]) == 0


def _load(text, **options):
    return load_orders(text.encode(), "orders.csv", ReadOptions(**options), today=TODAY)


def _same(a, b):
    assert a.orders.astype({"customer_id": "str"}).equals(b.orders.astype({"customer_id": "str"}))
    assert a.report == b.report
    assert a.preview.equals(b.preview)


ROWS = [
    ("1", "CUST000001", "2024-01-05 10:00:00", "10.5", "paid"),
    ("2", "CUST000002", "2024-01-06 11:00:00", "20", "cancelled"),
    ("3", "CUST000001", "2024-02-01 09:30:00", "-5", "paid"),
    ("4", "", "2024-02-02 08:00:00", "7", "paid"),
    ("5", "CUST000003", "2024-03-01 08:00:00", "12", "paid"),
    ("5", "CUST000003", "2024-03-01 08:00:00", "12", "paid"),
    ("6", "CUST000004", "2024-03-02 00:00:00", "", "paid"),
]


def _csv(rows):
    head = "order_id,customer_id,order_date,amount,status\n"
    return head + "".join(",".join(r) + "\n" for r in rows)


def test_plain_ids_skip_the_rule_and_give_what_the_rule_gives():
    plain = _load(_csv(ROWS))
    padded = _load(_csv([(o, f" {c} " if c else c, d, a, s) for o, c, d, a, s in ROWS]))
    _same(plain, padded)  # " CUST000001 " runs the rule: the same keys and counts
    assert plain.report.dropped == {
        "cancelled": 1,
        "guest": 1,
        "bad_amount": 1,
        "not_positive": 1,
    }
    assert sorted(plain.orders["customer_id"].astype("str")) == ["CUST000001", "CUST000003"]


def test_iso_dates_and_plain_amounts_read_in_one_cast_as_the_parsers_read_them():
    dates = pd.Series(["2024-01-05", "2024-01-06 23:59:59", None, "1999-12-31T08:00"], dtype="str")
    parsed, reading = parse_dates(dates)
    expected = pa.array(parsed.dt.normalize(), type=pa.timestamp("us")).cast(pa.date32())
    assert _iso_days(dates).equals(expected) and reading.order == "iso"
    amounts = pd.Series(["10.5", "-3", None, "1e3", "nan"], dtype="str")
    floats = parse_amounts(amounts)[0]
    assert _plain_amounts(amounts, None).to_pylist() == [10.5, -3.0, None, 1000.0, None]
    assert floats.isna().tolist() == [False, False, True, False, True]
    # anything the parsers must look at takes their way
    assert _iso_days(pd.Series(["2024-01-05T10:00:00Z"], dtype="str")) is None
    assert _iso_days(pd.Series(["05/01/2024"], dtype="str")) is None
    assert _iso_days(pd.Series(["2023-02-30"], dtype="str")) is None
    for text in ["€12", "12 EUR", "1,5", " 12", "(12)"]:
        assert _plain_amounts(pd.Series([text], dtype="str"), None) is None
    assert _plain_amounts(pd.Series(["12.5"], dtype="str"), ",") is None


def test_text_amounts_still_name_their_currency_and_plain_ones_name_none():
    plain = _load(_csv(ROWS))
    coded = _load(_csv([(o, c, d, f"EUR {a}" if a else a, s) for o, c, d, a, s in ROWS]))
    assert plain.currencies == {} and coded.currencies == {"EUR": 2}
    assert plain.report.dropped == coded.report.dropped


def test_iso_dates_forced_day_first_read_the_same():
    _same(_load(_csv(ROWS)), _load(_csv(ROWS), date_order="dayfirst"))


def test_a_large_file_is_sampled_from_its_start_middle_and_end_whole_lines_only():
    header = "order_id;customer_id;order_date;amount\n"
    body = "".join(f"{i};C{i:07d};2024-01-05;{i % 97}.5\n" for i in range(600_000))
    text = header + body
    assert len(text) > 8 * (1 << 20)
    lines = _sample_lines(text)
    assert lines[0] == header.strip() and len(lines) <= 400
    numbers = [int(line.split(";")[0]) for line in lines[1:]]
    assert min(numbers) == 0 and max(numbers) > 590_000  # the end is sampled
    assert any(250_000 < n < 350_000 for n in numbers)  # and the middle
    assert all(len(line.split(";")) == 4 for line in lines)  # no cut line
    raw = read_table(text.encode(), "big.csv")
    assert raw.delimiter == ";" and len(raw.frame) == 600_000

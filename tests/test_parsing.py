"""Amounts and dates in the shapes real exports write them."""

import datetime as dt

import pandas as pd
import pytest

from analytics.ingest.parsing import parse_amounts, parse_dates


def amounts(values, decimal=None):
    out, mark = parse_amounts(pd.Series(values, dtype="str"), decimal)
    return [None if pd.isna(v) else round(v, 4) for v in out], mark


@pytest.mark.parametrize(
    "values, expected",
    [
        (["$1,234.50", "$12.00"], [1234.5, 12.0]),
        (["1 234,50 €", "12,00 €"], [1234.5, 12.0]),
        (["1\u202f234,50\u00a0€", "3,5"], [1234.5, 3.5]),
        (["1.234,50", "99,90"], [1234.5, 99.9]),
        (["1'234.50", "CHF 12.00"], [1234.5, 12.0]),
        (["EUR 12", "USD 7.5"], [12.0, 7.5]),
        (["(12.00)", "12.00-", "-3"], [-12.0, -12.0, -3.0]),
        (["1,234", "1,5"], [1.234, 1.5]),  # a column with decimal commas: 1,234 is 1.234
        (["1,234", "2,000.75"], [1234.0, 2000.75]),  # thousands commas elsewhere: 1234
        (["12.5", "", "free"], [12.5, None, None]),
        (["1.234.567", "12"], [1234567.0, 12.0]),
    ],
)
def test_amount_shapes(values, expected):
    assert amounts(values)[0] == expected


def test_decimal_override_and_numbers_stay_numbers():
    assert amounts(["1,234"], decimal=".")[0] == [1234.0]
    assert amounts(["1,234"], decimal=",")[0] == [1.234]
    typed, _ = parse_amounts(pd.Series([1.5, 2]))
    assert typed.tolist() == [1.5, 2.0]
    mixed, _ = parse_amounts(pd.Series([1.5, "2,5 €", None], dtype=object))
    assert mixed.tolist()[:2] == [1.5, 2.5] and pd.isna(mixed.iloc[2])


def dates(values, order=None, prefer_dayfirst=False):
    out, reading = parse_dates(pd.Series(values, dtype="str"), order, prefer_dayfirst)
    return [None if pd.isna(v) else v.date().isoformat() for v in out], reading


def test_day_first_detected_from_any_value_in_the_column():
    out, reading = dates(["03/04/2022", "25/04/2022"])
    assert out == ["2022-04-03", "2022-04-25"] and reading.order == "dayfirst"
    assert not reading.ambiguous


def test_month_first_detected():
    out, reading = dates(["03/04/2022", "04/25/2022 10:00"])
    assert out == ["2022-03-04", "2022-04-25"] and reading.order == "monthfirst"


def test_ambiguous_column_uses_the_hint_and_says_so():
    assert dates(["03/04/2022"], prefer_dayfirst=True)[0] == ["2022-04-03"]
    out, reading = dates(["03/04/2022"])
    assert out == ["2022-03-04"] and reading.ambiguous


def test_override_wins_and_conflicts_are_counted():
    out, reading = dates(["03/04/2022", "25/04/2022"], order="monthfirst")
    assert out == ["2022-03-04", None] and reading.conflicting == 1


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2023-01-05", "2023-01-05"),
        ("2023-01-05 10:32:11", "2023-01-05"),
        ("2023-01-05 23:32:11 -0500", "2023-01-05"),  # local date kept, not shifted to UTC
        ("2023-01-05T00:30:00+02:00", "2023-01-05"),
        ("2023-01-05T23:30:00Z", "2023-01-05"),
        ("Jan 5, 2023 10:32:11 AM", "2023-01-05"),
        ("Jan 5, 2023 10:32:11 PM", "2023-01-05"),
        ("5 janvier 2023", None),  # French month names are not read: reported as unreadable
        ("05.01.2023", "2023-01-05"),
        ("20230105", "2023-01-05"),
        ("2023/01/05 10:00", "2023-01-05"),
        ("not a date", None),
    ],
)
def test_date_shapes(value, expected):
    assert dates([value, "25/12/2023"])[0][0] == expected


def test_typed_dates_keep_local_wall_time():
    stamps = pd.Series(pd.to_datetime(["2023-01-05 23:30"]).tz_localize("America/New_York"))
    out, _ = parse_dates(stamps)
    assert out.iloc[0] == pd.Timestamp("2023-01-05 23:30")
    excel = pd.Series([dt.datetime(2023, 1, 5, 8, 0), "06/01/2023", None], dtype=object)
    out, _ = parse_dates(excel, "dayfirst")
    assert [None if pd.isna(v) else v.date().isoformat() for v in out] == [
        "2023-01-05",
        "2023-01-06",
        None,
    ]
    serial, _ = parse_dates(pd.Series([44931.0]))
    assert serial.iloc[0] == pd.Timestamp("2023-01-05")

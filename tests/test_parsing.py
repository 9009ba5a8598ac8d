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


def test_numbers_in_a_date_column():
    """Eight digits from 19000101 to 21001231 are a written date (19000101 is 1 Jan 1900);
    numbers from 20,000 to 80,000 are Excel serial days counted from 30 Dec 1899 (20,000 is
    3 Oct 1954, 80,000 is 11 Jan 2119). Just outside either range, or not a real day (30
    February), is no date."""
    out, reading = parse_dates(
        pd.Series([19000101, 21001231, 18991231, 21010101, 20000, 80000, 19999, 80001, 20240230])
    )
    assert reading.order == "typed"
    assert [None if pd.isna(v) else v.date().isoformat() for v in out] == [
        "1900-01-01",
        "2100-12-31",
        None,
        None,
        "1954-10-03",
        "2119-01-11",
        None,
        None,
        None,
    ]


def test_the_order_goes_to_the_side_with_more_proof():
    """A first number above 12 proves day-first, a second one month-first. Two day-first
    proofs against one: day-first, with one conflicting value; one each: day-first (a tie
    goes to the day, the more common writing); two month-first against one: month-first. A
    column without a numeric date is ISO; a forced order counts the values against it."""
    from analytics.ingest.parsing import _decide_order

    def decide(values, order=None):
        reading = _decide_order(pd.Series(values), order, False)
        return reading.order, reading.ambiguous, reading.conflicting

    assert decide(["25/04/2022", "13/05/2022", "04/25/2022"])[::2] == ("dayfirst", 1)
    assert decide(["25/04/2022", "04/25/2022"])[::2] == ("dayfirst", 1)
    assert decide(["04/25/2022", "04/26/2022", "25/04/2022"])[::2] == ("monthfirst", 1)
    assert decide(["2022-04-25"]) == ("iso", False, 0)
    assert decide(["03/04/2022", "04/25/2022"], "dayfirst")[::2] == ("dayfirst", 1)
    assert decide(["25/04/2022", "26/04/2022"], "monthfirst")[::2] == ("monthfirst", 2)


@pytest.mark.parametrize(
    "value, order, expected",
    [
        ("05-01-23", "dayfirst", "2023-01-05 00:00"),  # dashes, a two-digit year
        ("01.05.23", "monthfirst", "2023-01-05 00:00"),  # dots, month first
        ("05/01/2023 10:32", "dayfirst", "2023-01-05 10:32"),  # the time kept
        ("2023-01-05T10:32:11", "dayfirst", "2023-01-05 10:32"),
        ("2023-01-05 10:32", None, "2023-01-05 10:32"),
    ],
)
def test_separators_years_and_times(value, order, expected):
    out, _ = parse_dates(pd.Series([value]), order)
    assert f"{out.iloc[0]:%Y-%m-%d %H:%M}" == expected

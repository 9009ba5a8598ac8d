"""Amounts and dates in the shapes real exports write them."""

import datetime as dt

import pandas as pd
import pytest

from analytics.ingest.parsing import DateReading, parse_amounts, parse_dates


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
        # A word's abbreviation point is no decimal mark (it made "Rs. 1,234.50" and
        # "Fr. 5.50" unreadable and "1 234,50 руб." a hundred times too large).
        (["Rs. 1,234.50", "Fr. 5.50", "5.50 USD."], [1234.5, 5.5, 5.5]),
        (["1 234,50 руб.", "99,90 руб.", "kr. 5,00"], [1234.5, 99.9, 5.0]),
        (["$.50", "N.A."], [0.5, None]),  # no word before the point: fifty cents
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


# --- the decimal mark: one for the whole column, by majority ---------------------------------


@pytest.mark.parametrize(
    "values, expected, mark",
    [
        # Two values end in ".dd" after thousands commas: the column is decimal-point, so the
        # odd "7,5" has a thousands comma and reads 75.
        (["$1,234.50", "$2,345.60", "$7,5"], [1234.5, 2345.6, 75.0], "."),
        (["$12.50", "$3.99", "$7,5"], [12.5, 3.99, 75.0], "."),
        # Points twice in a value are thousands points: two such values outvote one "7,5".
        (["$1,234,567", "$2,345,678", "$7,5"], [1234567.0, 2345678.0, 75.0], "."),
        # The same on the decimal-comma side: "7.5" has a thousands point and reads 75.
        (["1.234,50 €", "2.345,60 €", "7.5 €"], [1234.5, 2345.6, 75.0], ","),
        (["12,50 €", "3,99 €", "7.5 €"], [12.5, 3.99, 75.0], ","),
        (["1.234.567 €", "2.345.678 €", "7,5 €"], [1234567.0, 2345678.0, 7.5], ","),
        # One vote each: a tie goes to the point, the more common mark.
        (["$12.50", "7,5 €"], [12.5, 75.0], "."),
        # Whole amounts prove nothing: "1,234" keeps its thousands comma.
        (["$1,234", "$12", "$7"], [1234.0, 12.0, 7.0], "."),
        # The separator that comes last in a value is its decimal mark.
        (["1.234,50 €"], [1234.5], ","),
        (["$1,234.50"], [1234.5], "."),
        # Even with the other separator first: a number has one decimal mark, so ".5,00"
        # (a stray thousands point) is 5.00; 0.5 would put a comma after its decimal point.
        ([".5,00"], [5.0], ","),
        # A comma ends "1,234.5,6": it votes for the comma with "7,5"; read so, it has two
        # decimal commas and is no number. Points on both sides of a comma: a tie (a point
        # ends it, and it has two points), read with a point, and two points are no number.
        (["1,234.5,6", "7,5 €"], [None, 7.5], ","),
        (["1.234,5.6"], [None], "."),
    ],
)
def test_the_column_decides_its_decimal_mark_by_majority(values, expected, mark):
    assert amounts(values) == (expected, mark)


def test_marks_said_for_plain_and_forced_columns():
    """Plain numbers are read with a point; a forced decimal comma reads "1.234" as one
    thousand two hundred and thirty-four, even though it looks like a plain number."""
    assert amounts(["12.5", "3"]) == ([12.5, 3.0], ".")
    assert amounts(["1.234", "12,5"], decimal=",") == ([1234.0, 12.5], ",")
    assert amounts(["1,234", "12.5"], decimal=".") == ([1234.0, 12.5], ".")


def test_signs_before_currency_and_stray_points():
    """A minus before the currency sign is still a minus; a lone point ("n.a") is no
    number."""
    assert amounts(["-$1,234.50", "- 12.00 USD", "€-3"])[0] == [-1234.5, -12.0, -3.0]
    assert amounts(["n.a", "$12.50"])[0] == [None, 12.5]
    assert amounts(["N.A.", "12,50 €"])[0] == [None, 12.5]
    assert amounts([".", "$12.50", "€ ."])[0] == [None, 12.5, None]  # a point and no digit


def test_typed_amount_columns_keep_their_numbers_and_the_forced_mark():
    """Numbers already typed are not reread as text: a forced decimal comma does not turn
    1.5 into 15; the mark asked for is the one said. True/False is no amount."""
    index = [10, 11]
    floats, mark = parse_amounts(pd.Series([1.5, 2.0], index=index), ",")
    assert floats.tolist() == [1.5, 2.0] and mark == "," and list(floats.index) == index
    assert parse_amounts(pd.Series([1.5, 2.0]))[1] == "."
    cells, mark = parse_amounts(pd.Series([1.5, 2.25], dtype=object), ",")  # Excel numbers
    assert cells.tolist() == [1.5, 2.25] and mark == ","
    ints, mark = parse_amounts(pd.Series([1, 2], dtype=object, index=index), ",")
    assert ints.tolist() == [1.0, 2.0] and str(ints.dtype) == "float64" and mark == ","
    assert list(ints.index) == index
    mixed, mark = parse_amounts(pd.Series([1.5, float("nan")], dtype=object))
    assert mixed.iloc[0] == 1.5 and pd.isna(mixed.iloc[1]) and mark == "."
    flags, mark = parse_amounts(pd.Series([True, False], index=index))
    assert flags.isna().all() and str(flags.dtype) == "float64" and mark == "."
    assert list(flags.index) == index
    assert parse_amounts(pd.Series([True, False]), ",")[1] == ","
    text_and_flag, _ = parse_amounts(pd.Series([True, 1.5], dtype=object))
    assert pd.isna(text_and_flag.iloc[0]) and text_and_flag.iloc[1] == 1.5


@pytest.mark.parametrize("decimal", [None, ","])
def test_amounts_keep_the_row_labels(decimal):
    """A column cut from a frame keeps its labels (10 and 11 here), on every path."""
    values = pd.Series(["12,5", "3", None], index=[10, 11, 12], dtype="str")
    out, _ = parse_amounts(values, decimal)
    assert list(out.index) == [10, 11, 12]
    assert out.iloc[:2].tolist() == [12.5, 3.0] and pd.isna(out.iloc[2])
    plain, _ = parse_amounts(pd.Series(["12.5", "3"], index=[10, 11], dtype="str"))
    assert list(plain.index) == [10, 11] and plain.tolist() == [12.5, 3.0]


# --- dates: how the order is decided -----------------------------------------------------------


def test_a_first_number_of_13_proves_day_first_and_12_does_not():
    """Only a number above 12 cannot be a month: 13/05 proves day-first, 05/13 month-first;
    12/05 and 05/12 prove nothing (the column is ambiguous, read month-first by default)."""
    from analytics.ingest.parsing import _decide_order

    def decide(values, order=None):
        return _decide_order(pd.Series(values, dtype="str"), order, False)

    assert decide(["13/05/2022"]) == DateReading("dayfirst", False, 0)
    assert decide(["05/13/2022"]) == DateReading("monthfirst", False, 0)
    assert decide(["12/05/2022", "05/12/2022"]) == DateReading("monthfirst", True, 0)
    assert decide(["13/05/2022", "05/13/2022", "14/05/2022"]) == DateReading("dayfirst", False, 1)
    assert decide(["13/05/2022", "05/13/2022", "05/14/2022"]) == DateReading("monthfirst", False, 1)
    assert decide(["13/05/2022"], "monthfirst") == DateReading("monthfirst", False, 1)
    assert decide(["05/13/2022"], "dayfirst") == DateReading("dayfirst", False, 1)


def test_without_a_hint_an_ambiguous_column_is_month_first():
    out, reading = parse_dates(pd.Series(["03/04/2022"], dtype="str"))
    assert out.iloc[0] == pd.Timestamp("2022-03-04") and reading.ambiguous


def test_a_column_with_no_date_at_all():
    out, reading = parse_dates(pd.Series([None, None], dtype="str"))
    assert out.isna().all() and reading.order == "iso"
    out, _ = parse_dates(pd.Series([None, ""], dtype=object))
    assert out.isna().all()


# --- dates already typed -----------------------------------------------------------------------


def test_typed_dates_are_kept_and_said_typed():
    naive = pd.Series(pd.to_datetime(["2023-01-05 10:00", "2023-02-01 08:30"]))
    out, reading = parse_dates(naive, "monthfirst")
    assert out.tolist() == naive.tolist() and reading == DateReading("typed", False)
    _, reading = parse_dates(pd.Series([44931.0]))
    assert reading == DateReading("typed", False)


def test_typed_values_in_a_text_column():
    """Excel cells can mix dates and text. A date with a time zone keeps its wall time; a
    year far ahead is still a date; the text cells follow the column's hint."""
    values = pd.Series(
        [
            pd.Timestamp("2023-01-05 23:30", tz="America/New_York"),
            dt.datetime(2300, 1, 1),
            "03/04/2022",
            None,
        ],
        dtype=object,
    )
    out, reading = parse_dates(values, prefer_dayfirst=True)
    assert out.tolist()[:3] == [
        pd.Timestamp("2023-01-05 23:30"),
        pd.Timestamp("2300-01-01"),
        pd.Timestamp("2022-04-03"),
    ]
    assert pd.isna(out.iloc[3]) and reading == DateReading("dayfirst", True)


def test_a_date_far_ahead_is_read_not_refused():
    """2300 (a typo for 2023, say) is still a date: the cleaning rules judge it, not the
    reader."""
    out, _ = parse_dates(pd.Series(["2300-01-01", "25/04/2022"], dtype="str"))
    assert out.tolist() == [pd.Timestamp("2300-01-01"), pd.Timestamp("2022-04-25")]


def test_numbers_just_above_the_written_range():
    out, _ = parse_dates(pd.Series([21001231.5, 21001231.0]))
    assert pd.isna(out.iloc[0]) and out.iloc[1] == pd.Timestamp("2100-12-31")


# --- dates in rare shapes (read one by one) -----------------------------------------------------


@pytest.mark.parametrize(
    "values, order, expected",
    [
        # a weekday before a day-first date: 3 April 2022 was a Sunday
        (["25/04/2022", "Sun 03/04/2022"], None, "2022-04-03 00:00"),
        (["04/25/2022", "Fri 03/04/2022"], None, "2022-03-04 00:00"),
        (["25/04/2022", "5 Jan 2023 10:32"], None, "2023-01-05 10:32"),
        # a day-first time with AM/PM
        (["05/01/2023 10:32 PM"], "dayfirst", "2023-01-05 22:32"),
        (["01/05/2023 10:32:11 AM"], "monthfirst", "2023-01-05 10:32"),
        # A value that starts with its year is year-month-day, even in a day-first column
        # (read as 1 May before this test).
        (["25/04/2022", "2023/01/05 10:32 PM"], None, "2023-01-05 22:32"),
        (["25/04/2022", "2023-01-05 10:32 AM"], None, "2023-01-05 10:32"),
        (["25/04/2022", "2023-01-05T10:32"], None, "2023-01-05 10:32"),
        (["04/25/2022", "2023-01-05T10:32"], None, "2023-01-05 10:32"),
    ],
)
def test_rare_shapes_follow_the_column(values, order, expected):
    out, _ = parse_dates(pd.Series(values, dtype="str"), order)
    assert f"{out.iloc[-1]:%Y-%m-%d %H:%M}" == expected


@pytest.mark.parametrize("order", [None, "dayfirst", "monthfirst"])
def test_a_thirteenth_month_is_unreadable_in_every_order(order):
    """ "2023-13-01" has no month 13: not 13 January, in a day-first column either (it was
    before this test)."""
    out, _ = parse_dates(pd.Series(["25/04/2022", "2023-13-01", "2023-13-01 10:32 AM"]), order)
    assert out.iloc[1:].isna().all()


def test_a_contradicting_date_does_not_stop_the_rare_shapes_after_it():
    """25/04/2022 contradicts a month-first column (unreadable); the odd value after it is
    still read."""
    out, reading = parse_dates(
        pd.Series(["25/04/2022", "5 Jan 2023 10:32"], dtype="str"), "monthfirst"
    )
    assert pd.isna(out.iloc[0]) and out.iloc[1] == pd.Timestamp("2023-01-05 10:32")
    assert reading.conflicting == 1


def test_rare_shapes_are_read_up_to_a_cap(monkeypatch):
    """Only so many odd values are read one by one (200,000; 2 here); the rest are
    unreadable."""
    from analytics.ingest import parsing

    monkeypatch.setattr(parsing, "_MAX_LEFTOVERS", 2)
    odd = ["5 Jan 2023 10:32", "6 Jan 2023 10:32", "7 Jan 2023 10:32"]
    out, _ = parse_dates(pd.Series(odd, dtype="str"))
    assert out.iloc[:2].tolist() == [pd.Timestamp(odd[0]), pd.Timestamp(odd[1])]
    assert pd.isna(out.iloc[2])

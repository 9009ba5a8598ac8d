"""Cohort matrices against small cohorts computed by hand.

Data ends 2024-04-15, so April 2024 is incomplete: the last complete month is March.
Jan cohort: a (Jan 10, Feb 20, Apr 5), b (Jan 30). Feb cohort: c (Feb 40, Mar 10, Mar 10).
Mar cohort: d (Mar 50). Apr cohort: e (Apr 15, period 0 not over yet).
"""

import math

import numpy as np
import pandas as pd
import pytest

from analytics.insights import cohorts
from analytics.insights.cohorts import cohort_table, last_complete_period, period_of, to_records
from analytics.insights.customers import CustomerBase, build_customer_base, from_days

ORDERS = [
    ("a", "2024-01-05", 10),
    ("a", "2024-02-10", 20),
    ("a", "2024-04-02", 5),
    ("b", "2024-01-20", 30),
    ("c", "2024-02-03", 40),
    ("c", "2024-03-03", 10),
    ("c", "2024-03-20", 10),
    ("d", "2024-03-05", 50),
    ("e", "2024-04-01", 15),
    ("e", "2024-04-15", 1),
]
NAN = float("nan")


@pytest.fixture(scope="module")
def base():
    frame = pd.DataFrame(ORDERS, columns=["customer_id", "order_date", "amount"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame["amount"] = frame["amount"].astype(float)
    return build_customer_base(frame)


def rows(table):
    return {
        name: [None if math.isnan(v) else round(v, 4) for v in row]
        for name, row in table.values.iterrows()
    }


def test_retention_with_incomplete_periods_blank(base):
    t = cohort_table(base, "month", "retention", min_cohorts=1, min_customers=1)
    assert rows(t) == {
        "2024-01": [1.0, 0.5, 0.0],
        "2024-02": [1.0, 1.0, None],
        "2024-03": [1.0, None, None],
        "2024-04": [None, None, None],
    }
    assert t.size.to_dict() == {"2024-01": 2, "2024-02": 1, "2024-03": 1, "2024-04": 1}
    # Weighted average: k1 = (1 + 1) / (2 + 1), k2 = 0 / 2
    assert [round(v, 4) for v in t.average] == [1.0, 0.6667, 0.0]
    # Behind each point: k0 Jan, Feb, Mar (4 customers); k1 Jan, Feb (3); k2 Jan (2).
    assert t.support.to_dict("list") == {"cohorts": [3, 2, 1], "customers": [4, 3, 2]}


def test_the_average_stops_where_too_few_stand_behind_it(base):
    t = cohort_table(base, "month", "retention", min_cohorts=2, min_customers=1)
    assert [None if math.isnan(v) else round(v, 4) for v in t.average] == [1.0, 0.6667, None]
    t = cohort_table(base, "month", "retention", min_cohorts=1, min_customers=3)
    assert [None if math.isnan(v) else round(v, 4) for v in t.average] == [1.0, 0.6667, None]
    assert cohort_table(base, "month", "retention").average.isna().all()  # 3 and 100 by default
    assert cohort_table(base, "month", "retention").small.all()  # every cohort under 30


def test_the_cumulative_average_follows_the_same_customers_at_every_point(base):
    """The old way averaged each k over the cohorts that reached it: 32.5, 40, then 30 when
    the Feb cohort drops out. A cumulative figure cannot fall; ours follows one set."""
    t = cohort_table(
        base, "month", "cumulative_revenue_per_customer", min_cohorts=1, min_customers=1
    )
    # Only Jan reaches k2: a and b at every point, (10 + 30) / 2, + 20 / 2, + 0.
    assert t.same_cohorts and t.average.tolist() == [20.0, 30.0, 30.0]
    assert t.support.to_dict("list") == {"cohorts": [1, 1, 1], "customers": [2, 2, 2]}
    t = cohort_table(
        base, "month", "cumulative_revenue_per_customer", min_cohorts=2, min_customers=1
    )
    # Two cohorts reach k1 (Jan, Feb): a, b, c; k0 = (10 + 30 + 40) / 3, k1 = + (20 + 20) / 3.
    assert [None if math.isnan(v) else round(v, 4) for v in t.average] == [26.6667, 40.0, None]
    assert t.support.to_dict("list") == {"cohorts": [2, 2, 0], "customers": [3, 3, 0]}


def test_rolling_revenue_cumulative_and_net_revenue_retention(base):
    assert rows(cohort_table(base, "month", "rolling"))["2024-01"] == [1.0, 0.5, 0.0]
    revenue = rows(cohort_table(base, "month", "revenue"))
    assert revenue["2024-01"] == [40.0, 20.0, 0.0] and revenue["2024-02"] == [40.0, 20.0, None]
    cumulative = rows(cohort_table(base, "month", "cumulative_revenue_per_customer"))
    assert cumulative["2024-01"] == [20.0, 30.0, 30.0] and cumulative["2024-03"][0] == 50.0
    nrr = rows(cohort_table(base, "month", "net_revenue_retention"))
    assert nrr["2024-01"] == [1.0, 0.5, 0.0] and nrr["2024-02"] == [1.0, 0.5, None]


def test_groups_by_attribute_count_only_customers_whose_period_is_complete(base):
    channel = pd.Series({"a": "Email", "c": "Email", "b": "Search", "d": "Search"})
    t = cohort_table(base, "month", "retention", groups=channel)
    assert rows(t) == {
        "(unknown)": [None, None, None],  # e: first month not over
        "Email": [1.0, 1.0, 0.0],  # k1: a and c came back; k2: only a is eligible, did not
        "Search": [1.0, 0.0, 0.0],  # k1, k2: only b is eligible
    }


def test_an_attribute_row_stops_where_fewer_than_half_its_customers_were_watched(base):
    """Web holds a (won in January: k 0-2 complete), c (February: k 0-1) and d (March: k 0).
    k 1 rests on a and c, 2 of 3: shown (a and c both came back, 100%). k 2 would rest on
    a alone, 1 of 3, under half the row: blank, in every metric, and out of the average's
    support. Shop holds b alone, watched through k 2: its row runs to the end."""
    channel = pd.Series({"a": "Web", "c": "Web", "d": "Web", "b": "Shop"})
    t = cohort_table(base, "month", "retention", groups=channel, min_cohorts=1, min_customers=1)
    assert rows(t)["Web"] == [1.0, 1.0, None]
    assert rows(t)["Shop"] == [1.0, 0.0, 0.0]
    assert t.support["customers"].tolist() == [4, 3, 1]
    # The average row leaves Web's k 2 out too: k 1 = (a, c back; b not) 2 of 3; k 2 = Shop's
    # b alone, not back: 0 of 1.
    assert [round(v, 4) for v in t.average] == [1.0, 0.6667, 0.0]
    assert rows(cohort_table(base, "month", "revenue", groups=channel))["Web"] == [100, 40, None]
    rolling = cohort_table(base, "month", "rolling", groups=channel)
    assert rows(rolling)["Web"] == [1.0, 1.0, None]


def test_revenue_so_far_by_group_keeps_one_base_along_each_row(base):
    """Email holds a (won in January, watched 3 months: k 0-2) and c (won in February,
    watched 2). Half of Email's 2 customers is 1: a, watched longest, is watched at least as
    long as half the group at every k up to 2, so the row follows a alone: 10+20 = 30 by
    k 1, still 30 at k 2 (the April order is after the data's last complete month).
    Mixing bases would give (10+40)/2 = 25 at k 0, then (30+60)/2 = 45, then a's 30: a
    running total that falls. Search holds b (watched 3) and d (watched 1): b alone, 30."""
    channel = pd.Series({"a": "Email", "c": "Email", "b": "Search", "d": "Search"})
    t = cohort_table(base, "month", "cumulative_revenue_per_customer", groups=channel)
    assert rows(t)["Email"] == [10.0, 30.0, 30.0]
    assert rows(t)["Search"] == [30.0, 30.0, 30.0]
    assert t.eligible.loc["Email"].tolist() == [1, 1, 1]  # the one base, said as support


def test_revenue_so_far_never_falls_in_random_shops():
    """Property: in any shop, by date or by group, revenue per customer so far never falls
    along a row, and never falls on the average curve."""
    rng = np.random.default_rng(7)
    for _ in range(30):
        n = int(rng.integers(5, 60))
        days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 500, n * 3), "D")
        frame = pd.DataFrame(
            {
                "customer_id": rng.integers(0, n, n * 3).astype(str),
                "order_date": days,
                "amount": rng.gamma(2.0, 40.0, n * 3).round(2),
            }
        )
        shop = build_customer_base(frame)
        channel = pd.Series(rng.choice(["Email", "Search", "Social"], len(shop.ids)), shop.ids)
        for groups in (None, channel):
            for period in ("month", "quarter"):
                t = cohort_table(
                    shop, period, "cumulative_revenue_per_customer", groups, min_cohorts=1,
                    min_customers=1,
                )  # fmt: skip
                for row in [*t.values.to_numpy(), t.average.to_numpy()]:
                    shown = row[~np.isnan(row)]
                    assert (np.diff(shown) >= -1e-9).all(), (groups is None, period, row)


def test_filters_by_first_order_date_and_size(base):
    t = cohort_table(
        base,
        "month",
        "retention",
        first_from=pd.Timestamp("2024-02-01"),
        first_to=pd.Timestamp("2024-03-31"),
    )
    assert list(t.values.index) == ["2024-02", "2024-03"]
    assert list(cohort_table(base, "month", "retention", min_size=2).values.index) == ["2024-01"]


def test_weeks_and_quarters(base):
    q = cohort_table(base, "quarter", "retention")
    # Q1 2024 is complete (data ends 15 April); Q2 is not.
    assert rows(q) == {"2024-Q1": [1.0], "2024-Q2": [None]}
    w = cohort_table(base, "week", "retention")
    assert list(w.values.index)[0] == "2024-01-01"  # Monday of the week of 5 Jan 2024
    assert period_of(np.array([19727]), "week")[0] == period_of(np.array([19723]), "week")[0]


@pytest.mark.parametrize("period", ["month", "quarter"])
def test_many_days_are_looked_up_as_each_is_converted(period):
    """Many days over a short span take the lookup; the calendar's answer is the same: the
    month (or quarter) of 31 Dec 1969, 1 Jan 1970, 28 Feb and 1 Mar 1970."""
    day = lambda s: int(np.datetime64(s, "D").astype(int))  # noqa: E731
    edges = [day(s) for s in ("1969-12-31", "1970-01-01", "1970-02-28", "1970-03-01")]
    many = np.array(edges * 2_000)
    span = max(edges) - min(edges) + 1
    assert len(many) >= cohorts.LOOKUP_FROM and span <= len(many) // 4  # the lookup's case
    direct = (np.datetime64("1970-01-01") + many).astype("datetime64[M]").astype(np.int64)
    expected = direct // 3 if period == "quarter" else direct
    np.testing.assert_array_equal(period_of(many, period), expected)
    months = {"month": [-1, 0, 1, 2], "quarter": [-1, 0, 0, 0]}[period]
    assert period_of(many, period)[:4].tolist() == months


def test_last_complete_period():
    day = lambda s: int(np.datetime64(s, "D").astype(int))  # noqa: E731
    months = lambda s: int(period_of(np.array([day(s)]), "month")[0])  # noqa: E731
    assert last_complete_period(day("2024-03-31"), "month") == months("2024-03-01")
    assert last_complete_period(day("2024-04-15"), "month") == months("2024-03-01")


def test_records_for_json(base):
    records = to_records(cohort_table(base, "month", "retention"))
    assert records[1] == {"cohort": "2024-02", "size": 1, "values": [1.0, 1.0, None]}


def shop(first_days: list[str]):
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(len(first_days))],
            "order_date": pd.to_datetime(first_days),
            "amount": 10.0,
        }
    )
    return build_customer_base(frame)


def test_customers_already_there_when_the_data_starts_are_found():
    """120 first purchases in January (the shop's base: 3.9 a day), then 10 a month
    (about 0.33 a day): 11.8 times faster, far above 3. The rule leaves January out."""
    january = [f"2024-01-{1 + i % 28:02d}" for i in range(120)]
    later = [f"2024-{m:02d}-{1 + 2 * i:02d}" for m in range(2, 9) for i in range(10)]
    found = cohorts.existing_base(shop(january + later))
    assert found is not None and found.month == "2024-01" and found.customers == 120
    assert found.ratio == pytest.approx(
        (120 / 31) / np.median([10 / d for d in (29, 31, 30, 31, 30, 31)])
    )
    assert found.until == pd.Timestamp("2024-02-01")


def test_a_steady_shop_or_a_partial_first_month_is_not_flagged():
    steady = [f"2024-{m:02d}-{1 + 2 * i:02d}" for m in range(1, 9) for i in range(10)]
    assert cohorts.existing_base(shop(steady)) is None
    # Data from 25 January: 3 first purchases in 7 days is the usual 0.33-0.43 a day.
    partial = ["2024-01-25", "2024-01-28", "2024-01-31"] + steady[10:]
    assert cohorts.existing_base(shop(partial)) is None


def test_an_average_point_needs_a_quarter_of_the_customers_behind_it():
    """One January customer, ten in February, ten in March; data to 15 April. Month 2 is
    reached by the January customer alone: 1 of 21 (5%), under the 25% the average needs,
    so the average stops at month 1 (11 of 21), even with no minimum count."""
    days = ["2024-01-05"] + ["2024-02-05"] * 10 + ["2024-03-05"] * 10 + ["2024-04-15"]
    t = cohort_table(shop(days), "month", "retention", min_cohorts=1, min_customers=1)
    assert t.support["customers"].tolist()[:3] == [21, 11, 1]
    assert not np.isnan(t.average[1]) and np.isnan(t.average[2])


def test_groups_read_in_natural_order_with_the_small_ones_together():
    """40 categories, Item k bought first by 41 - k customers: the 15 largest (Item 1 to
    Item 15) each get a row, in the order a person reads them (Item 2 before Item 10); the
    other 25 categories share one row, Other, at the end."""
    names = [f"Item {k}" for k in range(1, 41) for _ in range(41 - k)]
    base = shop(["2024-01-05"] * len(names) + ["2024-04-15"])
    category = pd.Series(names + ["Item 1"], index=base.ids)
    t = cohort_table(base, "month", "retention", groups=category)
    assert list(t.values.index) == [f"Item {k}" for k in range(1, 16)] + ["Other"]
    assert t.size["Other"] == sum(41 - k for k in range(16, 41))


def test_other_then_unknown_come_last_whatever_their_names():
    """Groups Zoo, Apple and a missing value, with more than 15 groups so some go to Other:
    named groups first (Apple ... Zoo, in reading order), then Other, then (unknown), even
    though 'Other' would sort before 'Zoo' by name."""
    names = [f"Item {k}" for k in range(1, 17)] + ["Zoo"] * 20 + ["Apple"] * 20 + [None] * 3
    base = shop(["2024-01-05"] * len(names) + ["2024-04-15"])
    category = pd.Series(names + ["Item 1"], index=base.ids)
    t = cohort_table(base, "month", "retention", groups=category)
    order = list(t.values.index)
    assert order[0] == "Apple" and order[-3:] == ["Zoo", "Other", "(unknown)"]


def test_a_filter_that_keeps_nobody_gives_an_empty_table(base):
    """No first order after the data's end: no cohort, and one period column, k = 0."""
    t = cohort_table(base, first_from=pd.Timestamp("2025-01-01"))
    assert t.values.empty and t.values.columns.tolist() == [0]


def test_rolling_retention_counts_a_customer_who_skips_a_month_as_still_there():
    """s orders in January and March, not February; data to 15 May (April is the last
    complete month). Retention: 1, 0, 1, 0. Rolling ('then or later'): February counts,
    because s ordered again after it: 1, 1, 1, 0."""
    frame = pd.DataFrame(
        {
            "customer_id": ["s", "s", "z"],
            "order_date": pd.to_datetime(["2024-01-05", "2024-03-05", "2024-05-15"]),
            "amount": 10.0,
        }
    )
    skipper = build_customer_base(frame)
    assert rows(cohort_table(skipper, "month", "retention"))["2024-01"] == [1.0, 0.0, 1.0, 0.0]
    assert rows(cohort_table(skipper, "month", "rolling"))["2024-01"] == [1.0, 1.0, 1.0, 0.0]


def day_of(text: str) -> int:
    return int(np.datetime64(text, "D").astype(int))


def test_weeks_run_monday_to_sunday_and_quarters_are_named_by_their_months():
    """Mon 1 Jan 2024 to Sun 7 Jan 2024 is one week; Mon 8 Jan starts the next. February
    is in Q1, May in Q2, August in Q3, November in Q4. A week ending on a Sunday is over on
    that Sunday; one ending later is not."""
    week = lambda s: int(period_of(np.array([day_of(s)]), "week")[0])  # noqa: E731
    assert week("2024-01-01") == week("2024-01-07") == week("2024-01-08") - 1
    assert cohorts.period_label(np.array([week("2024-01-07")]), "week") == ["2024-01-01"]
    quarters = [int(period_of(np.array([day_of(f"2024-{m}-15")]), "quarter")[0]) for m in
                ("02", "05", "08", "11")]  # fmt: skip
    assert cohorts.period_label(np.array(quarters), "quarter") == [
        "2024-Q1",
        "2024-Q2",
        "2024-Q3",
        "2024-Q4",
    ]
    assert last_complete_period(day_of("2024-01-07"), "week") == week("2024-01-07")
    assert last_complete_period(day_of("2024-01-06"), "week") == week("2024-01-07") - 1
    assert last_complete_period(day_of("2024-03-30"), "month") == last_complete_period(
        day_of("2024-02-29"), "month"
    )  # 30 March: March is not over, February is


def test_records_round_to_six_decimals():
    """A third to six decimals: 0.333333; a blank cell stays None for JSON."""
    values = pd.DataFrame([[1 / 3, NAN]], index=pd.Index(["2024-01"], name="cohort"))
    table = cohorts.CohortTable(
        values, pd.Series({"2024-01": 3}), values, "month", "retention", values.iloc[0], values
    )
    assert to_records(table) == [{"cohort": "2024-01", "size": 3, "values": [0.333333, None]}]


def test_a_table_names_its_axes_and_keeps_its_settings(base):
    """Rows are cohorts, columns the periods k = 0, 1, 2 since the first order; the size,
    the average and its support are named and indexed alike; month and retention are the
    defaults."""
    t = cohort_table(base, min_cohorts=1, min_customers=1)
    assert (t.period, t.metric) == ("month", "retention")
    assert t.values.index.name == "cohort" and t.values.columns.name == "k"
    assert t.values.columns.tolist() == [0, 1, 2]
    assert t.eligible.index.equals(t.values.index) and t.eligible.columns.equals(t.values.columns)
    assert t.eligible.loc["2024-01"].tolist() == [2, 2, 2] and t.size.name == "size"
    assert t.average.name == "average" and t.average.index.equals(t.values.columns)
    assert t.support.index.equals(t.values.columns) and (t.support.dtypes == "int64").all()
    assert t.support.index.name == t.average.index.name == t.eligible.columns.name == "k"
    assert t.values.index.tolist() == ["2024-01", "2024-02", "2024-03", "2024-04"]
    with pytest.raises(ValueError, match=r"period must be one of \['month', 'week', 'quarter'\]"):
        cohort_table(base, "year")
    with pytest.raises(ValueError, match="metric must be one of .*'retention'"):
        cohort_table(base, "month", "churn")


def test_the_date_filter_includes_both_ends(base):
    """b's first order is 20 Jan and c's 3 Feb: from 20 Jan to 3 Feb takes both (and
    nobody else), whose cohorts are January (b) and February (c)."""
    t = cohort_table(
        base,
        first_from=pd.Timestamp("2024-01-20"),
        first_to=pd.Timestamp("2024-02-03"),
        min_cohorts=1,
        min_customers=1,
    )
    assert t.size.to_dict() == {"2024-01": 1, "2024-02": 1}
    assert rows(t) == {"2024-01": [1.0, 0.0, 0.0], "2024-02": [1.0, 1.0, None]}


def test_the_last_cohorts_and_the_first_periods(base):
    """The two latest cohorts (March, April) and their cells; April's are all blank, March
    reaches k = 0 only, so only column 0 stays. The first two periods of every cohort keep
    their averages and support."""
    t = cohort_table(base, min_cohorts=1, min_customers=1)
    last = cohorts.last_cohorts(t, 2)
    assert last.values.index.tolist() == ["2024-03", "2024-04"]
    assert last.values.columns.tolist() == [0]
    assert last.size.tolist() == [1, 1] and last.eligible.index.tolist() == ["2024-03", "2024-04"]
    three = cohorts.last_cohorts(t, 3)  # February reaches k = 1 as well
    assert three.values.index.tolist() == ["2024-02", "2024-03", "2024-04"]
    assert three.values.columns.tolist() == [0, 1]
    assert last.average.equals(t.average)  # the average still follows every cohort
    first = cohorts.first_periods(t, 2)
    assert first.values.columns.tolist() == [0, 1] and first.eligible.columns.tolist() == [0, 1]
    assert [round(v, 4) for v in first.average] == [1.0, 0.6667]
    assert first.support.to_dict("list") == {"cohorts": [3, 2], "customers": [4, 3]}
    assert first.values.index.equals(t.values.index)


def test_attributes_to_split_cohorts_by():
    """The first order's channel (every customer has one) and, from a contacts file, the
    channel and country it gives; a column with no value at all is not offered."""
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "order_date": pd.to_datetime(["2024-01-05", "2024-02-05"]),
            "amount": 10.0,
            "channel": ["Email", "Search"],
            "country": [None, None],
        }
    )
    base = build_customer_base(frame)
    assert list(cohorts.acquisition_attributes(base)) == ["Channel (first order)"]
    contacts = pd.DataFrame(
        {"customer_id": ["a", "b"], "channel": ["Ads", None], "country": ["FR", "DE"]}
    )
    found = cohorts.acquisition_attributes(base, contacts)
    assert list(found) == [
        "Channel (first order)",
        "Channel (contacts file)",
        "Country (contacts file)",
    ]
    assert found["Country (contacts file)"].to_dict() == {"a": "FR", "b": "DE"}
    assert found["Channel (first order)"].tolist() == ["Email", "Search"]
    no_channel = cohorts.acquisition_attributes(base, contacts[["customer_id", "country"]])
    assert "Channel (contacts file)" not in no_channel


def test_the_existing_base_is_said_in_one_sentence():
    found = cohorts.ExistingBase("2024-01", 1200, 11.84, pd.Timestamp("2024-02-01"))
    assert found.sentence() == (
        "The data's first month (2024-01) has 1,200 first purchases, 11.8 times the usual "
        "rate of new customers of the months after: most were probably customers already "
        "before the data starts, not new ones."
    )


def test_names_read_alike_whatever_their_case_and_word_marks():
    """Discount codes 'BLACKOUT', 'black_friday' and 'Black Friday': case does not matter and
    an underscore parts words as a space does, so the two Black Fridays read side by side,
    before BLACKOUT ('black f...' before 'blacko...')."""
    names = ["BLACKOUT", "black_friday", "Black Friday"]
    base = shop(["2024-01-05"] * 3 + ["2024-04-15"])
    t = cohort_table(base, groups=pd.Series([*names, "BLACKOUT"], index=base.ids))
    assert list(t.values.index) == ["Black Friday", "black_friday", "BLACKOUT"]


def test_the_first_product_is_offered_when_some_customer_has_one():
    base = shop(["2024-01-05", "2024-02-05"])
    first = pd.Series({"c0": "Mug", "c1": None})
    found = cohorts.acquisition_attributes(base, first_products=first)
    assert found[cohorts.FIRST_PRODUCT].equals(first)  # as given, one row per customer
    nothing = pd.Series({"c0": None, "c1": None}, dtype=object)
    assert cohorts.FIRST_PRODUCT not in cohorts.acquisition_attributes(base, first_products=nothing)


def test_revenue_so_far_by_date_in_every_cohort_and_from_a_later_first_order(base):
    """Each cohort's running total is its own: February (c) 40, then 40 + 10 + 10 = 60 in
    March; March (d) 50; April's first month is not over. From 1 February on, the same rows
    for February and March (January's customers are out, and change nothing of theirs)."""
    expected = {"2024-02": [40.0, 60.0, None], "2024-03": [50.0, None, None]}
    t = cohort_table(base, "month", "cumulative_revenue_per_customer")
    assert rows(t) == {"2024-01": [20.0, 30.0, 30.0], **expected, "2024-04": [None] * 3}
    later = cohort_table(
        base, "month", "cumulative_revenue_per_customer", first_from=pd.Timestamp("2024-02-01")
    )
    assert rows(later) == {
        "2024-02": expected["2024-02"][:2],
        "2024-03": expected["2024-03"][:2],
        "2024-04": [None, None],
    }


def test_revenue_so_far_by_group_stops_where_under_half_were_watched(base):
    """Web holds b (won in January: k 0-2 complete), c (February: k 0-1) and d (March: k 0).
    k 1 is watched for b and c, 2 of 3 (at least half): the row follows b and c to k 1;
    k 2 is watched for b alone, 1 of 3: blank. b and c spent 30 + 40 = 70 in their first
    month (35 each), and c 10 + 10 more at k 1: 90 / 2 = 45. Shop holds a: 10, 30, 30."""
    channel = pd.Series({"a": "Shop", "b": "Web", "c": "Web", "d": "Web"})
    t = cohort_table(base, "month", "cumulative_revenue_per_customer", groups=channel)
    assert rows(t)["Web"] == [35.0, 45.0, None]
    assert rows(t)["Shop"] == [10.0, 30.0, 30.0]
    assert t.eligible.loc["Web"].tolist() == [2, 2, 0]  # b and c, then nobody


def test_the_average_revenue_is_the_mean_cohort_of_those_that_reached_the_period(base):
    """Cohort revenue at k 0: January 40, February 40, March 50 (April not over): 130 / 3.
    At k 1: January 20, February 20: 20. At k 2: January alone, 0."""
    t = cohort_table(base, "month", "revenue", min_cohorts=1, min_customers=1)
    assert [round(v, 4) for v in t.average] == [43.3333, 20.0, 0.0]


def new_customers(first: str, last: str, per_day: int = 1) -> list[str]:
    """``per_day`` first purchases on each day from ``first`` to ``last``."""
    return [f"{d:%Y-%m-%d}" for d in pd.date_range(first, last) for _ in range(per_day)]


def opening(first_days: list[str], repeats: list[str]) -> CustomerBase:
    """One order per new customer on its day, and repeat orders of the first customer (they
    bring no new customer, and the last one ends the data)."""
    base = shop(first_days)
    frame = pd.DataFrame(
        {
            "customer_id": [*base.ids, *["c0"] * len(repeats)],
            "order_date": pd.to_datetime([*(from_days(base.day)), *repeats]),
            "amount": 10.0,
        }
    )
    return build_customer_base(frame)


JANUARY = [f"2024-01-{1 + i % 28:02d}" for i in range(120)]  # 120 in 31 days: 3.87 a day


def test_the_usual_rate_is_the_median_of_the_six_complete_months_after():
    """New customers: 120 in January, 20 in February and March, 5 in April and May, none in
    June and July (only repeat orders); data to 2 August, so July is the sixth month over.
    The usual rate is the median of 20/29, 20/31, 5/30, 5/31, 0, 0 a day: (5/31 + 5/30) / 2."""
    later = [f"2024-{m}-{d:02d}" for m, n in (("02", 20), ("03", 20), ("04", 5), ("05", 5))
             for d in range(1, n + 1)]  # fmt: skip
    found = cohorts.existing_base(
        opening(JANUARY + later, ["2024-06-10", "2024-07-10", "2024-08-02"])
    )
    assert found is not None and found.customers == 120
    assert found.ratio == pytest.approx((120 / 31) / ((5 / 31 + 5 / 30) / 2))


def test_one_month_after_is_too_few_to_judge_two_are_enough():
    """120 in January, then one a day. Data to 1 March: only February is over after January,
    and one month is no usual rate: nothing said. Data to 1 April: February and March are
    over (one a day each): January's 3.87 a day is 3.87 times that."""
    one = cohorts.existing_base(
        opening(JANUARY + new_customers("2024-02-01", "2024-02-29"), ["2024-03-01"])
    )
    assert one is None
    two = cohorts.existing_base(
        opening(JANUARY + new_customers("2024-02-01", "2024-03-31"), ["2024-04-01"])
    )
    assert two is not None and two.ratio == pytest.approx(120 / 31)


def test_the_first_month_counts_from_the_data_s_first_day():
    """Data from 22 January: 30 first purchases in 10 days is 3 a day, exactly 3 times the
    one a day of February to July, and exactly the 30 customers needed: the month is flagged.
    The same 30 from 21 January (11 days: 2.7 times) are not; nor are 29 from 23 January
    (3.2 a day, but under 30 customers)."""
    after = new_customers("2024-02-01", "2024-07-31")
    end = ["2024-08-01"]
    found = cohorts.existing_base(
        opening(new_customers("2024-01-22", "2024-01-31", 3) + after, end)
    )
    assert found is not None and (found.month, found.customers) == ("2024-01", 30)
    assert found.ratio == 3.0 and found.until == pd.Timestamp("2024-02-01")
    slower = ["2024-01-21"] + new_customers("2024-01-22", "2024-01-31", 3)[:29]
    assert cohorts.existing_base(opening(slower + after, end)) is None
    fewer = new_customers("2024-01-23", "2024-01-31", 4)[:29]  # 29 in 9 days
    assert cohorts.existing_base(opening(fewer + after, end)) is None


def test_no_new_customer_after_the_first_month_is_no_usual_rate():
    """40 first purchases in January, then only repeat orders to 1 April: no usual rate to
    compare with (0 a day), so nothing is said."""
    january = new_customers("2024-01-01", "2024-01-20", 2)
    assert (
        cohorts.existing_base(opening(january, ["2024-02-10", "2024-03-10", "2024-04-01"])) is None
    )

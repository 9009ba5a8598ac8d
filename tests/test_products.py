"""First products, what comes next, journeys on a hand-built shop whose answers we can state.

Day 0 is 2024-01-01; the data's last purchase day is day 400 (2025-02-04). Each order is 10.

    a  day 0 {Tea}, day 30 {Mug}, day 60 {Tea}
    b  day 0 {Tea, Cup} (one order, two lines), day 50 {Mug}
    c  day 0 {Tea}
    d  day 10 {Cup}, day 20 two orders {Tea} and {Spoon}: one purchase {Tea, Spoon}
    e  day 5 {Cup}; a voided order on day 7 {Mug} counts nowhere
    f  day 150 {Tea}: watched 250 days
    g  day 400 {Spoon}: watched 0 days

Purchases holding each product: Tea 6, Cup 3, Mug 2, Spoon 2 (e's voided Mug is not one).
"""

import math

import numpy as np
import pandas as pd
import pytest

from analytics.errors import LensError
from analytics.ingest.io import load_orders
from analytics.ingest.orders import ReadOptions
from analytics.insights import products as pr
from analytics.insights.customers import build_customer_base

ORDERS = """order,customer,date,amount,status,product
1,a,2024-01-01,10,paid,Tea
2,a,2024-01-31,10,paid,Mug
3,a,2024-03-01,10,paid,Tea
4,b,2024-01-01,10,paid,Tea
4,b,2024-01-01,10,paid,Cup
5,b,2024-02-20,10,paid,Mug
6,c,2024-01-01,10,paid,Tea
7,d,2024-01-11,10,paid,Cup
8,d,2024-01-21,10,paid,Tea
9,d,2024-01-21,10,paid,Spoon
10,e,2024-01-06,10,paid,Cup
11,e,2024-01-08,10,voided,Mug
12,f,2024-05-30,10,paid,Tea
13,g,2025-02-04,10,paid,Spoon
"""


def shop(text: str):
    log = load_orders(text.encode(), "o.csv", ReadOptions(), today=pd.Timestamp("2026-01-01"))
    base = build_customer_base(log.orders)
    return log, base, pr.prepare(base, log.lines)


@pytest.fixture(scope="module")
def loaded():
    log = load_orders(ORDERS.encode(), "o.csv", ReadOptions(), today=pd.Timestamp("2026-01-01"))
    return log, build_customer_base(log.orders)


@pytest.fixture  # the products' rules run per test: mutmut credits them to every test using it
def hand(loaded):
    log, base = loaded
    return log, base, pr.prepare(base, log.lines)


def wilson(k, n, z=1.959963984540054):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_first_products(hand):
    log, base, idx = hand
    table = pr.first_products(idx, base).set_index("product")
    assert table.index.tolist() == ["Tea", "Cup", "Spoon"]  # most customers first
    # Tea: a, b, c, f. Watched 90 days: all four; back within 90 days: a (30), b (50).
    tea = table.loc["Tea"]
    assert (tea.customers, tea.watched_90, tea.repeat_90) == (4, 4, 0.5)
    assert (tea.repeat_90_low, tea.repeat_90_high) == pytest.approx(wilson(2, 4))
    # Watched 365 days: a, b, c (f only 250). Revenue within 365 days: 30 + 20 + 10 = 60 / 3.
    assert (tea.watched_365, tea.revenue_12m_per_customer) == (3, 20.0)
    # Cup: b, d, e, all watched; b and d back within 90 days. d spent 10 + 20 (two orders).
    cup = table.loc["Cup"]
    assert (cup.customers, cup.repeat_90, cup.revenue_12m_per_customer) == (3, 2 / 3, 20.0)
    # Spoon: g, not watched 90 days: no rate, no interval.
    assert table.loc["Spoon"].customers == 1 and np.isnan(table.loc["Spoon"].repeat_90)
    # The shop: a, b, c, d, e, f watched 90 days; a, b, d back: 3 / 6. Tea's interval
    # (0.15, 0.85) holds 0.5: too small to tell from the shop's average.
    assert pr.shop_repeat_90(idx, base) == (0.5, 6)
    assert table["unclear"].all()


def test_a_group_that_differs_from_the_shop_is_not_marked():
    # 20 bought Gift first and all came back after 10 days; 20 bought Plain and never did.
    # Shop: 20 of 40 = 0.5. Gift 20/20: Wilson's lower end 20 / (20 + 1.96^2) = 0.84 > 0.5.
    rows = ["order,customer,date,amount,product"]
    for i in range(20):
        rows += [f"g{i},G{i},2024-01-01,10,Gift", f"h{i},G{i},2024-01-11,10,Gift"]
        rows += [f"p{i},P{i},2024-01-01,10,Plain"]
    rows += ["z,Z,2024-12-31,10,Plain"]  # the last purchase day: everyone watched 90 days
    _, base, idx = shop("\n".join(rows) + "\n")
    table = pr.first_products(idx, base).set_index("product")
    assert table.loc["Gift", "repeat_90_low"] == pytest.approx(20 / (20 + 1.959963984540054**2))
    assert not table.loc["Gift", "unclear"] and not table.loc["Plain", "unclear"]


def test_what_comes_next_and_lift(hand):
    _, base, idx = hand
    # First purchase holds Tea and came back: a, b. Both second purchases hold Mug: share 1.
    # All second purchases: a {Mug}, b {Mug}, d {Tea, Spoon}: Mug's share 2/3, lift 1 / (2/3).
    n, table = pr.what_next(idx, "Tea")
    assert n == 2
    assert table.to_dict("records") == [
        {"product": "Mug", "customers": 2, "share": 1.0, "lift": pytest.approx(1.5)}
    ]
    # After Cup: b {Mug}, d {Tea, Spoon}. Mug 1/2 over 2/3 = 0.75; Tea, Spoon 1/2 over 1/3 = 1.5.
    n, table = pr.what_next(idx, "Cup")
    assert n == 2
    assert table["product"].tolist() == ["Mug", "Spoon", "Tea"]  # by customers, then name
    assert table["lift"].tolist() == pytest.approx([0.75, 1.5, 1.5])
    with pytest.raises(Exception, match="No product is called 'Kettle'"):
        pr.what_next(idx, "Kettle")


def test_journeys_name_a_purchase_by_its_main_product(hand):
    _, _, idx = hand
    # Came back: a, b, d. b's {Tea, Cup} is Tea (6 purchases hold Tea, 3 Cup); d's
    # {Tea, Spoon} is Tea.
    paths = {tuple(r["steps"]): r["customers"] for r in pr.journeys(idx).to_dict("records")}
    assert paths == {("Tea", "Mug", "Tea"): 1, ("Tea", "Mug"): 1, ("Cup", "Tea"): 1}
    top = pr.journeys(idx, top=1)
    assert len(top) == 2 and top.iloc[-1].to_dict() == {"steps": ["Other"], "customers": 2}


def test_the_voided_order_counts_nowhere(hand):
    log, _, idx = hand
    # e's voided Mug: not a purchase, not a line; Mug is held by a's and b's purchases only.
    assert dict(zip(idx.names, idx.popularity, strict=True)) == {
        "Tea": 6,
        "Mug": 2,
        "Cup": 3,
        "Spoon": 2,
    }
    assert log.report.lines["lines_left_out"] == 1


def test_first_product_per_customer(hand):
    _, base, idx = hand
    first = pr.first_product(idx, base)
    assert first.to_dict() == {
        "a": "Tea",
        "b": "Tea",
        "c": "Tea",
        "d": "Cup",
        "e": "Cup",
        "f": "Tea",
        "g": "Spoon",
    }


def test_without_products_the_views_say_which_column_they_need():
    log = load_orders(b"order,customer,date,amount\n1,a,2024-01-01,5\n", "o.csv")
    with pytest.raises(Exception, match="Lineitem name"):
        pr.prepare(build_customer_base(log.orders), log.lines)


def test_the_winback_list(hand):
    _, base, idx = hand
    # First purchase held Tea: a, b, c, f; not back: c (day 0, 400 days ago), f (day 150,
    # 250 days ago). More than 300 days: c alone.
    # The most recently past the gap first: the likeliest to come back.
    rows = pr.not_back(idx, base, "Tea", 200)
    assert rows["customer_id"].tolist() == ["f", "c"]
    assert rows["days_since_first_order"].tolist() == [250, 400]
    assert pr.not_back(idx, base, "Tea", 300)["customer_id"].tolist() == ["c"]


def test_the_command_lines_answer_states_each_figure(hand):
    _, base, idx = hand
    answer = pr.to_json(idx, base, "Cup", 3, left_out="none left out")

    def r6(x):
        return round(x, 6)

    tea_ci, cup_ci = wilson(2, 4), wilson(2, 3)
    assert answer == {
        "as_of": "2025-02-04",  # the data's last purchase day
        "left_out": "none left out",
        "customers": 7,
        "shop_repeat_90": 0.5,  # a, b, d back of the 6 watched 90 days
        "shop_watched_90": 6,
        "first_products": [
            {
                "product": "Tea",
                "customers": 4,
                "watched_90": 4,
                "repeat_90": 0.5,
                "repeat_90_ci": [r6(tea_ci[0]), r6(tea_ci[1])],
                "watched_365": 3,
                "revenue_12m_per_customer": 20.0,
                "unclear": True,
            },
            {
                "product": "Cup",
                "customers": 3,
                "watched_90": 3,
                "repeat_90": r6(2 / 3),
                "repeat_90_ci": [r6(cup_ci[0]), r6(cup_ci[1])],
                "watched_365": 3,
                "revenue_12m_per_customer": 20.0,
                "unclear": True,
            },
            {  # g bought on the last day: watched no day, so no rate, range or revenue,
                # and nothing to tell from the shop's average
                "product": "Spoon",
                "customers": 1,
                "watched_90": 0,
                "repeat_90": None,
                "repeat_90_ci": None,
                "watched_365": 0,
                "revenue_12m_per_customer": None,
                "unclear": True,
            },
        ],
        "next": {
            "after": "Cup",
            "customers": 2,  # b and d came back after a 1st purchase holding Cup
            "products": [
                {"product": "Mug", "customers": 1, "share": 0.5, "lift": 0.75},
                {"product": "Spoon", "customers": 1, "share": 0.5, "lift": 1.5},
                {"product": "Tea", "customers": 1, "share": 0.5, "lift": 1.5},
            ],
        },
        "journeys": answer["journeys"],  # below: three paths of one customer each, any order
    }
    paths = {tuple(r["steps"]): r["customers"] for r in answer["journeys"]}
    assert paths == {("Cup", "Tea"): 1, ("Tea", "Mug"): 1, ("Tea", "Mug", "Tea"): 1}
    # Without a product named, what comes next follows the top first product.
    assert pr.to_json(idx, base, None, 1)["next"]["after"] == "Tea"


# --- the rules at their edges: exactly 90 and 365 days, the reference date, first_from --------


def days_csv(rows) -> str:
    """CSV of (order, customer, day, product) with day 0 = 2024-01-01 and 10 an order."""
    start = pd.Timestamp("2024-01-01")
    lines = ["order,customer,date,amount,product"]
    for order, who, day, product in rows:
        lines.append(f"{order},{who},{(start + pd.Timedelta(days=day)).date()},10,{product}")
    return "\n".join(lines) + "\n"


# The data ends on day 366. k: day 276 {Cup}, watched exactly 90 days. m: day 1, 365 and 366
# {Cup}: watched exactly 365 days, its last order exactly 365 days after the first, on the
# reference date. x: day 0 {Tea}, day 90 {Mug} (back after exactly 90 days), day 365 {Tea}
# (exactly 365 days after), day 366 {Tea} (one day past the year).
EDGES = days_csv(
    [
        (1, "k", 276, "Cup"),
        (2, "m", 1, "Cup"),
        (3, "m", 365, "Cup"),
        (4, "m", 366, "Cup"),
        (5, "x", 0, "Tea"),
        (6, "x", 90, "Mug"),
        (7, "x", 365, "Tea"),
        (8, "x", 366, "Tea"),
    ]
)


def test_exactly_90_and_365_days_count():
    _, base, idx = shop(EDGES)
    table = pr.first_products(idx, base).set_index("product")
    # "Within 90 days" and "watched 90 days" include the 90th day; the same for 365.
    # Tea (x): back on day 90, so 1 of 1; revenue within 365 days: days 0, 90, 365 = 30.
    tea = table.loc["Tea"]
    assert (tea.watched_90, tea.repeat_90, tea.watched_365, tea.revenue_12m_per_customer) == (
        1,
        1.0,
        1,
        30.0,
    )
    # Cup: k (watched 90 days exactly) and m, neither back within 90 days; only m is watched
    # 365 days (exactly), with days 1, 365 and 366 (the reference date, 365 days on) = 30.
    cup = table.loc["Cup"]
    assert (cup.watched_90, cup.repeat_90, cup.watched_365, cup.revenue_12m_per_customer) == (
        2,
        0.0,
        1,
        30.0,
    )
    assert pr.shop_repeat_90(idx, base) == (pytest.approx(1 / 3), 3)  # x of k, m, x


def test_the_reference_date_and_first_from():
    log, base, _ = shop(EDGES)
    # To day 365, customers first seen from day 1: x is left out (first on day 0), m's order
    # of day 366 is after the reference date, k is watched 89 days (not 90), m 364.
    idx = pr.prepare(base, log.lines, pd.Timestamp("2024-12-31"), pd.Timestamp("2024-01-02"))
    table = pr.first_products(idx, base)
    assert table["product"].tolist() == ["Cup"]
    cup = table.iloc[0]
    assert (cup.customers, cup.watched_90, cup.repeat_90, cup.watched_365) == (2, 1, 0.0, 0)
    # The shop's rate is over the customers kept: m alone, not back within 90 days.
    assert pr.shop_repeat_90(idx, base) == (0.0, 1)
    # m came back on day 365 with {Cup} only: x's lines (Tea) belong to no purchase kept.
    n, after = pr.what_next(idx, "Cup")
    assert n == 1
    assert after.to_dict("records") == [
        {"product": "Cup", "customers": 1, "share": 1.0, "lift": 1.0}
    ]


def test_lines_of_unknown_customers_or_without_a_product_are_left_out():
    log, base, idx = shop(EDGES)
    lines = log.lines.copy()
    # The same lines with the customers' categories in another order and one unknown
    # customer (as when read back from elsewhere), a product no kept line holds, a line of
    # the unknown customer and a line without a product.
    customer = lines["customer_id"].cat.add_categories(["zz"])
    lines["customer_id"] = customer.cat.reorder_categories(["zz", "x", "m", "k"])
    lines["product"] = lines["product"].cat.add_categories(["Zebra"])
    extra = pd.DataFrame(
        {
            "customer_id": pd.Categorical(["zz", "k"], categories=["zz", "x", "m", "k"]),
            "order_date": pd.to_datetime(["2024-01-01", "2024-10-03"]).astype(
                lines["order_date"].dtype
            ),
            "product": pd.Categorical(["Tea", None], categories=lines["product"].cat.categories),
        }
    )
    other = pr.prepare(base, pd.concat([lines, extra], ignore_index=True))
    assert dict(zip(other.names, other.popularity, strict=True)) == {
        **dict(zip(idx.names, idx.popularity, strict=True)),
        "Zebra": 0,
    }
    pd.testing.assert_frame_equal(pr.first_products(other, base), pr.first_products(idx, base))
    for product in ("Cup", "Tea"):
        pd.testing.assert_frame_equal(
            pr.what_next(other, product)[1], pr.what_next(idx, product)[1]
        )
    pd.testing.assert_frame_equal(pr.journeys(other), pr.journeys(idx))
    assert pr.first_product(other, base).to_dict() == {"k": "Cup", "m": "Cup", "x": "Tea"}


def test_two_customers_side_by_side_keep_their_own_purchases():
    # a's purchase on the reference date (day 30) and b's on the data's first day (day 0) are
    # one day apart in "customer x days" numbering only if it is one day too short.
    _, base, idx = shop(days_csv([(1, "a", 0, "Tea"), (2, "a", 30, "Mug"), (3, "b", 0, "Cup")]))
    assert dict(zip(idx.names, idx.popularity, strict=True)) == {"Tea": 1, "Mug": 1, "Cup": 1}
    assert pr.first_product(idx, base).to_dict() == {"a": "Tea", "b": "Cup"}


# --- a shop where nobody, or everybody, came back ---------------------------------------------


def test_wilson_ends_exactly_at_0_and_1():
    # No success: the lower end is 0; n of n: the upper end is 1 (not 1e-17 off).
    for n in (7, 10, 27, 40):
        assert pr.wilson(0, n)[0] == 0.0 and pr.wilson(n, n)[1] == 1.0
        assert 0 < pr.wilson(0, n)[1] < 1 and 0 < pr.wilson(n, n)[0] < 1
    assert np.isnan(pr.wilson(0, 0)).all()


@pytest.mark.parametrize("back", [False, True])
def test_a_group_like_a_shop_where_nobody_or_everybody_came_back_is_unclear(back):
    # 10 customers first bought Tea on day 0 (and, if back, again on day 10); the data ends on
    # day 200. The shop's rate is 0 (or 1), and Tea's interval starts at 0 (or ends at 1):
    # it holds the shop's rate, so Tea cannot be told from the shop.
    rows = [(i, f"c{i}", 0, "Tea") for i in range(10)]
    if back:
        rows += [(100 + i, f"c{i}", 10, "Tea") for i in range(10)]
    rows += [(99, "z", 200, "Cup")]
    _, base, idx = shop(days_csv(rows))
    tea = pr.first_products(idx, base).set_index("product").loc["Tea"]
    assert pr.shop_repeat_90(idx, base) == (float(back), 10)
    assert (tea.repeat_90_low, tea.repeat_90_high)[back] == float(back)
    assert tea.unclear
    if not back:  # nobody came back: nothing comes next, and there is no journey
        assert pr.what_next(idx, "Tea")[0] == 0 and pr.what_next(idx, "Tea")[1].empty
        empty = pr.journeys(idx)
        assert empty.empty and empty.columns.tolist() == ["steps", "customers"]


# --- journeys, what comes next, the win-back list ---------------------------------------------


def test_journeys_stop_at_the_fourth_purchase_and_name_purchases_without_a_product():
    # a: five purchases, the 2nd without a line item. b and c: Cup then Mug. Only the first
    # four purchases make a path.
    rows = [
        (1, "a", 0, "Tea"),
        (2, "a", 10, ""),
        (3, "a", 20, "Tea"),
        (4, "a", 30, "Mug"),
        (5, "a", 40, "Cup"),
        (6, "b", 0, "Cup"),
        (7, "b", 5, "Mug"),
        (8, "c", 1, "Cup"),
        (9, "c", 6, "Mug"),
    ]
    _, base, idx = shop(days_csv(rows))
    assert pr.journeys(idx).to_dict("records") == [
        {"steps": ["Cup", "Mug"], "customers": 2},  # the most common first
        {"steps": ["Tea", "(no product)", "Tea", "Mug"], "customers": 1},
    ]
    assert pr.journeys(idx, top=1).to_dict("records") == [
        {"steps": ["Cup", "Mug"], "customers": 2},
        {"steps": ["Other"], "customers": 1},
    ]
    # After Cup (b, c): Mug twice. After Tea (a): the 2nd purchase has no product line.
    assert pr.what_next(idx, "Cup")[1]["customers"].tolist() == [2]
    n, after_tea = pr.what_next(idx, "Tea")
    assert n == 1 and after_tea.empty


def test_one_customer_back_makes_one_journey():
    _, base, idx = shop(days_csv([(1, "a", 0, "Tea"), (2, "a", 5, "Mug"), (3, "b", 9, "Cup")]))
    assert pr.journeys(idx).to_dict("records") == [{"steps": ["Tea", "Mug"], "customers": 1}]


def test_journeys_show_ten_paths_and_the_rest_as_other():
    # 12 customers, each with a path of its own (P00 then Q00, ..., P11 then Q11).
    rows = []
    for i in range(12):
        rows += [(2 * i, f"c{i:02d}", 0, f"P{i:02d}"), (2 * i + 1, f"c{i:02d}", 5, f"Q{i:02d}")]
    _, base, idx = shop(days_csv(rows))
    paths = pr.journeys(idx)
    assert len(paths) == 11 and paths.iloc[-1].to_dict() == {"steps": ["Other"], "customers": 2}


def test_what_comes_next_is_sorted_by_customers_then_name():
    # After Tea: a and b then buy Mug, c buys Spoon.
    rows = [
        (1, "a", 0, "Tea"),
        (2, "a", 5, "Mug"),
        (3, "b", 0, "Tea"),
        (4, "b", 5, "Mug"),
        (5, "c", 0, "Tea"),
        (6, "c", 5, "Spoon"),
    ]
    _, base, idx = shop(days_csv(rows))
    n, table = pr.what_next(idx, "Tea")
    assert n == 3 and table["product"].tolist() == ["Mug", "Spoon"]
    assert table["customers"].tolist() == [2, 1]


def test_first_products_tied_on_customers_come_by_name():
    # Two products of one customer each, Spoon and Bowl: in the order of their names.
    _, base, idx = shop(days_csv([(1, "s", 0, "Spoon"), (2, "b", 1, "Bowl")]))
    table = pr.first_products(idx, base)
    assert table["product"].tolist() == ["Bowl", "Spoon"]
    assert table.columns.tolist() == [
        "product",
        "customers",
        "watched_90",
        "repeat_90",
        "repeat_90_low",
        "repeat_90_high",
        "watched_365",
        "revenue_12m_per_customer",
        "unclear",
    ]
    assert pr.first_product(idx, base).name == "first_product"


def test_the_winback_list_is_of_more_than_the_days_given(hand):
    _, base, idx = hand
    # f waited exactly 250 days: not more than 250.
    rows = pr.not_back(idx, base, "Tea", 250)
    assert rows.columns.tolist() == [
        "customer_id",
        "email",
        "first_order",
        "days_since_first_order",
    ]
    assert rows.drop(columns="email").to_dict("list") == {
        "customer_id": ["c"],
        "first_order": [pd.Timestamp("2024-01-01")],
        "days_since_first_order": [400],
    }
    assert rows["email"].isna().all()  # the shop gave no email column


def test_an_unknown_product_names_the_five_most_bought():
    # Purchases holding each: A 6, B 5, C 4, D 3, E 2, F 1.
    rows, order = [], 0
    for product, count in zip("ABCDEF", (6, 5, 4, 3, 2, 1), strict=True):
        for i in range(count):
            order += 1
            rows.append((order, f"{product}{i}", 0, product))
    _, base, idx = shop(days_csv(rows))
    with pytest.raises(LensError) as error:
        idx.code_of("Kettle")
    assert str(error.value) == "No product is called 'Kettle': for example A, B, C, D, E."


def test_the_command_lines_answer_keeps_the_top(hand):
    _, base, idx = hand
    answer = pr.to_json(idx, base, "Cup", 1)
    # The first product with most customers (Tea), Cup's most common next product in name
    # order (Mug), and the top path with the other two as "Other".
    assert [r["product"] for r in answer["first_products"]] == ["Tea"]
    assert [r["product"] for r in answer["next"]["products"]] == ["Mug"]
    assert len(answer["journeys"]) == 2 and answer["journeys"][1]["steps"] == ["Other"]


def test_no_first_purchase_with_a_product():
    # Lines only on second purchases: there is nothing to group first purchases by.
    log, base, idx = shop(days_csv([(1, "a", 0, ""), (2, "a", 5, "Tea")]))
    with pytest.raises(LensError) as error:
        pr.to_json(idx, base, None, 3)
    assert str(error.value) == "No first purchase names a product: " + pr.NEEDS
    # To day 2 there is no line at all (Tea comes on day 5): no first product either.
    early = pr.prepare(base, log.lines, pd.Timestamp("2024-01-03"))
    assert len(early.line_code) == 0 and pr.first_products(early, base).empty


def test_main_products_tied_on_purchases_follow_the_shops_order():
    # 30 products P00-P29. Product i is bought alone by (i % 3) + 1 customers, and with
    # P(i+3) (wrapping round) by one customer t{i}: each product is in two of the pairs, so
    # products with the same i % 3 are tied on purchases, ten at a time. A pair's main product
    # is the one that comes first in the shop's order of names (the tie's rule).
    rows, order = [], 0
    for i in range(30):
        for j in range(i % 3 + 1):
            order += 1
            rows.append((order, f"f{i:02d}{j}", 0, f"P{i:02d}"))
    for i in range(30):
        order += 1
        rows += [
            (order, f"t{i:02d}", 1, f"P{i:02d}"),
            (order, f"t{i:02d}", 1, f"P{(i + 3) % 30:02d}"),
        ]
    _, base, idx = shop(days_csv(rows))
    names = list(idx.names)
    first = pr.first_product(idx, base)
    for i in range(30):
        pair = [f"P{i:02d}", f"P{(i + 3) % 30:02d}"]
        assert first[f"t{i:02d}"] == min(pair, key=names.index)


def test_the_winback_list_keeps_the_customers_order_among_ties():
    # 30 customers bought Tea on day 0, 1 or 2 (i % 3) and never came back; the data ends on
    # day 200. Most recently past the gap first; among those who waited as long, the
    # customers' order.
    rows = [(i, f"c{i:02d}", i % 3, "Tea") for i in range(30)] + [(99, "z", 200, "Cup")]
    _, base, idx = shop(days_csv(rows))
    listed = pr.not_back(idx, base, "Tea", 0)
    position = {c: base.ids.get_loc(c) for c in listed["customer_id"]}
    expected = sorted(position, key=lambda c: (-(int(c[1:]) % 3), position[c]))
    assert listed["customer_id"].tolist() == expected
    assert listed["days_since_first_order"].tolist() == [200 - int(c[1:]) % 3 for c in expected]

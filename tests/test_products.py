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
    rows = pr.not_back(idx, base, "Tea", 200)
    assert rows["customer_id"].tolist() == ["c", "f"]
    assert rows["days_since_first_order"].tolist() == [400, 250]
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

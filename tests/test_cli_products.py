"""python -m analytics repurchase / products: the JSON the issue names, exit 2 on bad input."""

import json

import pandas as pd
import pytest

from analytics.cli import main
from tests.test_repurchase import CUSTOMERS, orders_of

HORIZONS = ["30", "60", "90", "180", "365"]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


@pytest.fixture
def hand_built(tmp_path):
    path = tmp_path / "orders.csv"
    frame = orders_of(CUSTOMERS)
    frame.insert(0, "order_id", range(1, len(frame) + 1))
    frame.to_csv(path, index=False)
    return path


def test_repurchase_on_hand_built_customers(capsys, hand_built):
    # The customers of tests/test_repurchase.py: Kaplan-Meier says 75% came back by day 30.
    code, out, _ = run(capsys, "repurchase", hand_built)
    assert code == 0
    assert out["customers"] == 6 and out["as_of"] == "2024-04-10"
    assert out["curve"] == {"30": 0.75, "60": 0.75, "90": 0.75, "180": None, "365": None}
    assert list(out["curve_ci"]) == HORIZONS and len(out["curve_ci"]["30"]) == 2
    assert out["cohorts"][0] == {
        "cohort": "2024-01",
        "customers": 3,
        "within": {"30": 0.666667, "60": 0.666667, "90": 0.666667, "180": None, "365": None},
    }
    assert out["gaps"]["first_to_second"] == {"count": 3, "median": 10, "p80": 16, "p90": 18}
    assert set(out["gaps"]["between_purchases"]) == {"count", "median", "p80", "p90"}


def test_repurchase_as_of(capsys, hand_built):
    code, out, _ = run(capsys, "repurchase", hand_built, "--as-of", "2024-03-31")
    assert code == 0 and out["customers"] == 4 and out["as_of"] == "2024-03-31"


@pytest.mark.parametrize("as_of", ["yesterday", "2030-01-01"])
def test_repurchase_bad_date_is_one_line_and_exit_2(capsys, hand_built, as_of):
    code, _, err = run(capsys, "repurchase", hand_built, "--as-of", as_of)
    assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith("error:")


def test_repurchase_on_the_demo(capsys):
    code, out, _ = run(capsys, "repurchase", "demo")
    assert code == 0
    shares = [out["curve"][d] for d in HORIZONS]
    assert shares == sorted(shares) and 0 < shares[0] and shares[-1] < 1  # never falls
    for d in HORIZONS:
        low, high = out["curve_ci"][d]
        assert low <= out["curve"][d] <= high
    assert sum(c["customers"] for c in out["cohorts"]) == out["customers"]
    assert out["cohorts"][-1]["within"]["30"] is None  # the last month is not watched 30 days


@pytest.fixture
def hand_products(tmp_path):
    from tests.test_products import ORDERS

    path = tmp_path / "lines.csv"
    path.write_text(ORDERS)
    return path


def test_products_on_the_hand_built_shop(capsys, hand_products):
    # The shop of tests/test_products.py.
    code, out, _ = run(capsys, "products", hand_products, "--first", "Cup")
    assert code == 0
    tea = out["first_products"][0]
    assert tea["product"] == "Tea" and tea["customers"] == 4 and tea["repeat_90"] == 0.5
    assert len(tea["repeat_90_ci"]) == 2 and tea["revenue_12m_per_customer"] == 20.0
    assert out["next"]["after"] == "Cup" and out["next"]["customers"] == 2
    assert out["next"]["products"][0] == {
        "product": "Mug",
        "customers": 1,
        "share": 0.5,
        "lift": 0.75,
    }
    assert {tuple(j["steps"]) for j in out["journeys"]} == {
        ("Tea", "Mug", "Tea"),
        ("Tea", "Mug"),
        ("Cup", "Tea"),
    }


def test_products_default_first_and_top(capsys, hand_products):
    code, out, _ = run(capsys, "products", hand_products, "--top", "1")
    assert code == 0 and out["next"]["after"] == "Tea"  # the first product of most customers
    assert len(out["first_products"]) == 1
    assert out["journeys"][-1]["steps"] == ["Other"]


@pytest.mark.parametrize(
    "extra, says",
    [(["--first", "Kettle"], "No product is called"), (["--top", "0"], "--top")],
)
def test_products_bad_input(capsys, hand_products, extra, says):
    code, _, err = run(capsys, "products", hand_products, *extra)
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1


def test_products_without_a_product_column_names_it(capsys, hand_built):
    code, _, err = run(capsys, "products", hand_built)
    assert code == 2 and "Lineitem name" in err and len(err.strip().splitlines()) == 1


def test_products_by_sku(capsys, tmp_path):
    from tests import exports

    path = tmp_path / "invoices.csv"
    path.write_text(exports.INVOICE_LOG)
    code, out, _ = run(capsys, "products", path, "--product-key", "sku")
    assert code == 0
    assert {p["product"] for p in out["first_products"]} == {"85123A", "71053", "22633", "22961"}


def test_cohorts_by_first_product(capsys, hand_products):
    # First products: a, b, c, f Tea; d, e Cup; g Spoon (tests/test_products.py).
    code, out, _ = run(capsys, "cohorts", hand_products, "--group-by", "First product")
    assert code == 0
    sizes = {c["cohort"]: c["size"] for c in out["cohorts"]}
    assert sizes == {"Cup": 2, "Spoon": 1, "Tea": 4}


def test_inspect_counts_line_items_only_when_there_are_products(capsys, hand_products, hand_built):
    code, out, _ = run(capsys, "inspect", hand_products)
    # e's voided order and its Mug line are left out: 14 line rows, 13 kept, 4 products.
    assert code == 0 and out["lines"] == {
        "line_rows": 14,
        "lines_kept": 13,
        "products": 4,
        "lines_left_out": 1,
    }
    code, out, _ = run(capsys, "inspect", hand_built)
    assert code == 0 and "lines" not in out


def existing_text() -> str:
    """60 customers first seen in January 2024 (2 a day; the customers already there), then
    5 new ones a month (about 0.16 a day) until July, and one more on 2024-07-31, the last
    purchase day. Every January customer comes back 10 days later; no later one does."""
    rows = ["order,customer,date,amount,product"]
    for i in range(60):
        day = f"2024-01-{1 + i // 2:02d}"
        back = (pd.Timestamp(day) + pd.Timedelta(days=10)).date()
        rows += [f"j{i},J{i},{day},10,Old", f"k{i},J{i},{back},10,Old"]
    for month in range(2, 8):
        rows += [f"n{month}{i},N{month}{i},2024-0{month}-10,10,New" for i in range(5)]
    rows.append("last,N75,2024-07-31,10,New")
    return "\n".join(rows) + "\n"


@pytest.fixture
def existing_shop(tmp_path):
    path = tmp_path / "existing.csv"
    path.write_text(existing_text())
    return path


def test_customers_already_there_are_left_out_as_on_the_cohorts_page(capsys, existing_shop):
    code, out, _ = run(capsys, "repurchase", existing_shop)
    # January's 60 customers are left out: 31 new customers remain, none came back.
    assert code == 0 and out["left_out"].startswith("The data's first month (2024-01)")
    assert out["customers"] == 31 and out["came_back"] == 0
    code, out, _ = run(capsys, "repurchase", existing_shop, "--keep-existing")
    assert out["left_out"] is None and out["customers"] == 91 and out["came_back"] == 60
    code, out, _ = run(capsys, "products", existing_shop)
    assert [p["product"] for p in out["first_products"]] == ["New"]
    code, out, _ = run(capsys, "products", existing_shop, "--keep-existing")
    assert [p["product"] for p in out["first_products"]] == ["Old", "New"]

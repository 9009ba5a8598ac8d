"""The PDF's repurchase section: the curve, the win-back timing sentence, top first products."""

import json

from analytics.cli import main as cli
from tests.test_products import ORDERS
from tests.test_report import pdf_text


def test_the_demo_report_has_the_repurchase_curve_and_the_winback_timing(tmp_path, capsys):
    out = tmp_path / "report.pdf"
    assert cli(["report", "demo", "--out", str(out)]) == 0
    capsys.readouterr()
    assert cli(["repurchase", "demo"]) == 0
    days = json.loads(capsys.readouterr().out)["winback_days"]
    flat = " ".join(pdf_text(out)[1].split())
    assert "When they come back: the repurchase curve" in flat
    assert f"Most who come back do so within {days} days" in flat
    assert "Top 8 first products" in flat  # the demo names one product per order


def test_a_report_on_data_without_products_says_so_in_one_line(tmp_path, capsys):
    import pandas as pd

    from analytics.ingest.io import DEMO_ORDERS

    plain = tmp_path / "orders.csv"
    pd.read_csv(DEMO_ORDERS, dtype=str).drop(columns="product").to_csv(plain, index=False)
    out = tmp_path / "report.pdf"
    assert cli(["report", str(plain), "--out", str(out)]) == 0
    flat = " ".join(pdf_text(out)[1].split())
    assert "When they come back: the repurchase curve" in flat
    assert "First products are not in this report: the data names no product" in flat


def test_a_report_with_line_items_lists_the_top_first_products(tmp_path, capsys):
    orders = tmp_path / "lines.csv"
    orders.write_text(ORDERS)
    out = tmp_path / "report.pdf"
    assert cli(["report", str(orders), "--out", str(out)]) == 0
    flat = " ".join(pdf_text(out)[1].split())
    assert "Top 3 first products" in flat
    # Tea: 4 customers, 2 of 4 back within 90 days, 20 per customer at 12 months (tests of
    # analytics/insights/products.py).
    assert "Tea 4 50%" in flat

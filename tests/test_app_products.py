"""The Products and timing page draws on the demo (one product per order: every view), on
CDNOW (no products: the timing views, and which column the product views need) and on a file
with line items (every view)."""

import math
import re

import pytest

from analytics.ingest.io import DEMO_ORDERS, load_dataset
from analytics.insights import lifecycle
from analytics.insights.customers import build_customer_base
from tests.conftest import app_test
from tests.test_app import assert_readable_tables
from tests.test_products import ORDERS

PAGE = "app_pages/products.py"


def no_errors(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.fixture
def app():
    at = app_test()
    at.run()
    no_errors(at)
    return at


def test_the_demo_draws_every_view_and_its_timing_sets_the_window(app):
    at = app.switch_page(PAGE).run()
    no_errors(at)
    assert at.title[0].value == "Products and timing"
    assert any("Most who come back do so within" in i.value for i in at.info)
    assert not any("Lineitem name" in i.value for i in at.info)  # the demo names products
    # One 80th percentile: the table's, to a tenth, is the one the win-back days round up.
    timing = next(i.value for i in at.info if "Most who come back" in i.value)
    p80 = float(re.search(r"80th percentile, ([\d.]+) days, rounded up", timing).group(1))
    assert f"within {math.ceil(p80)} days" in timing
    table = next(d.value for d in at.dataframe if "80th pct" in d.value.columns)
    assert table["80th pct"].iloc[0] == p80
    # The share back so far is the Lifecycle funnel's 2nd step (2 purchase days by the data's
    # end), said beside the curve that can rise above it.
    log, _ = load_dataset("demo_orders.csv", DEMO_ORDERS.read_bytes())
    index = lifecycle.prepare(build_customer_base(log.orders))
    snap = lifecycle.snapshot(index, index.base.data_end, 180, 1.5)
    steps = lifecycle.funnel(index, snap)["customers"].tolist()
    said = f"So far {steps[1]:,} of the {steps[0]:,} customers ({steps[1] / steps[0]:.0%})"
    assert any(c.value.startswith(said) for c in at.caption)
    # curve at 30-365 days, cohorts, gaps, first products, what comes next, journeys, list
    assert assert_readable_tables(at, PAGE) == 7
    button = next(b for b in at.button if b.key == "pt_use_window")
    days = int(button.label.split()[1])
    button.click().run()
    no_errors(at)
    assert at.session_state["window"] == days and days % 5 == 0


def test_data_without_products_draws_timing_and_says_which_column_they_need(app):
    at = app.switch_page("app_pages/data.py").run()
    at.segmented_control(key="source_choice").set_value("CDNOW (CD retailer, 1997-98)").run()
    at.switch_page(PAGE).run()
    no_errors(at)
    assert any("Most who come back do so within" in i.value for i in at.info)
    assert any("Lineitem name" in i.value for i in at.info)  # CDNOW names no product
    assert len(at.dataframe) == 3  # curve at 30-365 days, cohorts, gaps


def test_a_file_with_line_items_draws_every_view(app):
    at = app.switch_page("app_pages/data.py").run()
    at.segmented_control(key="source_choice").set_value("Upload my export").run()
    at.file_uploader(key="orders_file").set_value(("lines.csv", ORDERS.encode(), "text/csv")).run()
    no_errors(at)
    at.switch_page(PAGE).run()
    no_errors(at)
    assert not any("Lineitem name" in i.value for i in at.info)
    # curve at 30-365 days, cohorts, gaps, first products, what comes next, journeys, list
    assert assert_readable_tables(at, PAGE) == 7
    assert any(b.label == "Download CSV" for b in at.get("download_button"))
    headers = [m.value for m in at.markdown]
    for view in ["First products", "What comes next", "Product journeys", "Win-back list"]:
        assert any(view in h for h in headers), view
    assert at.selectbox(key="pt_after").value == "Tea"
    at.selectbox(key="pt_after").set_value("Cup").run()
    no_errors(at)
    assert any("2 customers whose 1st purchase held Cup" in c.value for c in at.caption)
    # Win-back timing: 1st to 2nd purchase 10, 30, 50 days, 80th percentile 42. Cup first and
    # not back: e, 395 days since. The list keeps a control group like every list.
    assert any("1 customer whose 1st purchase held Cup" in c.value for c in at.caption)
    assert any("more than 42 days" in c.value for c in at.caption)
    at.toggle(key="pt_list_control").set_value(True).run()
    no_errors(at)
    assert any("Send only to the treatment rows" in i.value for i in at.info)
    at.switch_page("app_pages/cohorts.py").run()
    no_errors(at)
    assert "First product" in at.selectbox(key="co_group").options
    at.selectbox(key="co_group").set_value("First product").run()
    no_errors(at)


def test_customers_already_there_are_left_out_unless_the_switch_keeps_them(app):
    from tests.test_cli_products import existing_text

    at = app.switch_page("app_pages/data.py").run()
    at.segmented_control(key="source_choice").set_value("Upload my export").run()
    at.file_uploader(key="orders_file").set_value(
        ("existing.csv", existing_text().encode(), "text/csv")
    ).run()
    at.switch_page(PAGE).run()
    no_errors(at)
    assert any("(2024-01)" in i.value and "left out" in i.value for i in at.info)
    assert first_products(at) == ["New"]  # January's customers (all first bought Old) out
    at.toggle(key="leave_out_existing").set_value(False).run()
    no_errors(at)
    assert not any("(2024-01)" in i.value for i in at.info)
    assert first_products(at) == ["Old", "New"]


def first_products(at) -> list[str]:
    table = next(f.value for f in at.dataframe if "First product" in f.value.columns)
    return table["First product"].tolist()

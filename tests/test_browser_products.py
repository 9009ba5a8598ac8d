"""The Products and timing page in a real browser: its charts drawn on the demo, and every
product view drawn after an upload with line items."""

from __future__ import annotations

import pytest

from tests.browser import (
    app_server,
    assert_clean_and_charts_drawn,
    click_text,
    keep_screenshot_on_failure,
    new_tab,
    open_page,
    require_chromium,
    settle,
    upload,
)
from tests.test_products import ORDERS

require_chromium()  # without Chromium: skipped here, failed in CI


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with app_server({"HOME": str(tmp_path_factory.mktemp("home"))}) as url:
        yield url


@pytest.fixture
def page(browser, server, request):
    tab = new_tab(browser, server)
    yield tab
    keep_screenshot_on_failure(tab, request)
    tab.context.close()


def test_the_products_page_draws_on_the_demo_and_with_line_items(page):
    open_page(page, "products", ready=".vega-embed")
    assert (
        assert_clean_and_charts_drawn(page) == 2
    )  # the repurchase curve and the days to a 2nd purchase
    body = page.inner_text("body")
    assert "Most who come back do so within" in body
    assert "First products" in body and "Lineitem name" not in body  # the demo names products
    open_page(page, "data")
    click_text(page, "Upload my export")
    upload(page, "lines.csv", ORDERS.encode())
    page.locator("[data-testid=stSidebarNav] a", has_text="Products and timing").click()
    settle(page, ".vega-embed")
    assert assert_clean_and_charts_drawn(page) == 2
    body = page.inner_text("body")
    for view in ["First products", "What comes next", "Product journeys", "Win-back list"]:
        assert view in body, view
    assert "Lineitem name" not in body

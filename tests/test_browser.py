"""The app in a real browser: what AppTest cannot see (charts drawn, uploads, downloads).

Playwright drives Debian's Chromium at /usr/bin/chromium (never a downloaded browser).
Locally a missing browser skips these tests; in CI (CI=true) it fails them.
On failure a screenshot goes to test-artifacts/.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from tests import exports, postgres
from tests.browser import (
    app_server,
    assert_clean_and_charts_drawn,
    click_text,
    full_page_shot,
    keep_screenshot_on_failure,
    new_tab,
    open_page,
    require_chromium,
    settle,
    stage_counts,
    upload,
)
from tests.conftest import ROOT

require_chromium()  # without Chromium: skipped here, failed in CI


@pytest.fixture(scope="module")
def app_home(tmp_path_factory) -> Path:
    """The app's home folder: database passwords go in its .streamlit/secrets.toml."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def server(app_home):
    # A password in the environment is never used by the app (see shop_database).
    with app_server({"HOME": str(app_home), "LENS_DB_PASSWORD": postgres.PASSWORD}) as url:
        yield url


@pytest.fixture
def page(browser, server, request):
    tab = new_tab(browser, server)
    yield tab
    keep_screenshot_on_failure(tab, request)
    tab.context.close()


def test_every_page_opens_on_demo_with_charts(page):
    open_page(page)
    assert stage_counts(page)["Loyal"] != "n/a"
    for view in ["Stage mix", "Funnel", "Evolution", "Transitions", "What-if", "Win-back"]:
        click_text(page, view)
        assert assert_clean_and_charts_drawn(page) >= 1, view
    open_page(page, "cohorts", ready=".vega-embed")
    assert assert_clean_and_charts_drawn(page) == 2
    open_page(page, "value", ready=".vega-embed")
    for view in ["Value", "Churn risk", "Backtest"]:
        click_text(page, view)
        assert assert_clean_and_charts_drawn(page) >= 2, view
    open_page(page, "segments", ready=".vega-embed")
    assert assert_clean_and_charts_drawn(page) == 2
    click_text(page, "Hero customers")
    assert assert_clean_and_charts_drawn(page) == 1
    open_page(page, "data")
    assert page.locator("[data-testid=stException]").count() == 0


def test_window_slider_changes_stage_counts(page):
    open_page(page)
    before = stage_counts(page)
    thumb = page.locator("[data-testid=stSlider] input[type=range]").first
    thumb.focus()
    thumb.press("Home")  # the shortest window: 30 days
    settle(page)
    after = stage_counts(page)
    assert after["Inactive"] != before["Inactive"] and after != before


def test_uploads_shopify_french_and_broken_files(page):
    open_page(page, "data")
    click_text(page, "Upload my export")
    upload(page, "orders_export.csv", exports.SHOPIFY.encode())
    assert "Shopify orders export" in page.inner_text("body")
    assert stage_counts(page)["Orders"] == "3"
    upload(page, "commandes.csv", exports.french_bytes())
    body = page.inner_text("body")
    assert "semicolon-separated" in body and "dates day-first" in body
    assert stage_counts(page)["Orders"] == "2"
    upload(page, "broken.csv", b"\x00\x01\x02\x03" * 100)
    body = page.inner_text("body")
    assert "not a text table" in body and "Still showing: commandes.csv" in body
    assert stage_counts(page)["Orders"] == "2"  # the app is still usable, nothing lost
    assert page.locator("[data-testid=stException]").count() == 0


def test_the_link_reopens_the_upload_in_another_browser(page, browser):
    open_page(page, "data")
    click_text(page, "Upload my export")
    upload(page, "orders_export.csv", exports.SHOPIFY.encode())
    page.get_by_role("link", name="Cohorts").click()  # away and back: still the upload
    settle(page, ".vega-embed")
    page.get_by_role("link", name="Data").click()
    settle(page, "[data-testid=stMetric]")
    assert stage_counts(page)["Orders"] == "3"
    page.reload()  # a reload: a new session, the same link
    settle(page, "[data-testid=stMetric]")
    assert stage_counts(page)["Orders"] == "3"
    link = page.url
    assert "data=" in link
    other = browser.new_context(viewport={"width": 1400, "height": 1000})  # no shared state
    tab = other.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(link)
    settle(tab, "[data-testid=stMetric]")
    assert stage_counts(tab)["Orders"] == "3"
    assert "Loaded: orders_export.csv" in tab.inner_text("body")
    other.close()


def test_campaign_results_draw_their_chart(page, tmp_path):
    from analytics.cli import main as cli

    out = tmp_path / "inactive.csv"
    args = ["export", "demo", "--stage", "Inactive", "--as-of", "2025-06-30", "--control", "0.2"]
    assert cli([*args, "--out", str(out)]) == 0
    open_page(page, "campaigns", ready="[data-testid=stFileUploader]")
    upload(page, "inactive.csv", out.read_bytes())
    settle(page, ".vega-embed")
    assert assert_clean_and_charts_drawn(page) == 1
    body = page.inner_text("body")
    assert "of the treatment group ordered" in body and "95% interval" in body


def test_download_the_csv_of_a_stage(page):
    open_page(page)
    click_text(page, "Members")
    with page.expect_download() as info:
        page.get_by_text("Download CSV").first.click()
    path = info.value.path()
    frame = pd.read_csv(io.BytesIO(Path(path).read_bytes()))
    assert len(frame) > 0 and set(frame["stage"]) == {"Loyal"}
    assert {"customer_id", "email", "last_order", "orders", "revenue"} <= set(frame.columns)


def test_download_a_built_segment(page):
    open_page(page, "segments", ready=".vega-embed")
    click_text(page, "Segment builder")
    settle(page, "text=Customers selected")  # a busy machine may still be drawing the view
    shown = stage_counts(page)["Customers selected"]
    with page.expect_download() as info:
        page.get_by_text("Download CSV").first.click()
    frame = pd.read_csv(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert f"{len(frame):,}" == shown
    assert {"customer_id", "stage", "rfm_segment", "R", "F", "M", "hero"} <= set(frame.columns)


@pytest.mark.wiring
def test_download_the_pdf_report_and_a_chart_png(page, tmp_path):
    from pypdf import PdfReader

    from analytics.cli import main as cli

    open_page(page)
    page.get_by_text("Prepare PDF report").first.click()
    page.wait_for_selector("[data-testid=stProgress]")  # it says what it is doing
    settle(page, "text=Download PDF report")
    with page.expect_download() as info:
        page.get_by_text("Download PDF report").first.click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"%PDF") and b"%%EOF" in data[-1024:]
    assert info.value.suggested_filename.endswith(".pdf")
    # The button and the command line make the same report (the name line aside).
    out = tmp_path / "cli.pdf"
    spend = ROOT / "data" / "demo_spend.csv"  # the demo's spend, loaded with it in the app
    assert cli(["report", "demo", "--spend", str(spend), "--out", str(out)]) == 0

    def text(source) -> str:
        words = " ".join(p.extract_text() for p in PdfReader(source).pages).split()
        return " ".join(words).replace("demo_orders.csv", "demo")

    assert text(io.BytesIO(data)) == text(out)
    settle(page)  # a download click reruns the app; the next click waits for it to finish
    with page.expect_download() as info:
        page.locator(".stDownloadButton button", has_text="PNG").first.click()
    image = Path(info.value.path()).read_bytes()
    assert image.startswith(b"\x89PNG") and len(image) > 10_000


def test_the_pdf_carries_the_value_pages_margin_and_discount(page):
    """The PDF's total CLV is the figure the analyst sees on the Value page, under a 40%
    margin and a 3% monthly discount (set through the page's link)."""
    from pypdf import PdfReader

    open_page(page, "value?clv_margin=40&clv_discount=3.0&clv_months=24&clv_model=bgnbd")
    shown = stage_counts(page)["Predicted CLV, 24 months"].rstrip("*")
    page.get_by_text("Prepare PDF report").first.click()
    settle(page, "text=Download PDF report")
    with page.expect_download() as info:
        page.get_by_text("Download PDF report").first.click()
    reader = PdfReader(Path(info.value.path()))
    flat = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert f"{shown} Predicted CLV" in flat or f"{shown}* Predicted CLV" in flat, (
        shown,
        flat[:900],
    )
    assert "over the next 24 months, as gross margin at 40% of revenue, discounted 3% a month" in (
        flat
    )
    assert "(BG/NBD for purchases" in flat  # the model chosen on the screen, not the default


def test_the_payback_page_draws_its_charts_on_the_demo_spend(page):
    """The demo comes with its spend: the page draws the payback chart and the LTV:CAC bars,
    and says in one sentence when customers pay back."""
    open_page(page, "payback", ready="[data-testid=stHeading]")
    charts_drawn = assert_clean_and_charts_drawn(page)
    assert charts_drawn >= 2
    body = page.inner_text("body")
    assert "pay back their acquisition cost" in body and "CAC" in body


def test_on_a_phone_the_seven_stage_tiles_wrap_three_to_a_line(browser, server):
    """At 390 px Streamlit would stack the seven tiles to about 700 px before any chart."""
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    tab = phone.new_page()
    tab.set_default_timeout(60_000)
    tab.base_url = server
    open_page(tab)
    tiles = tab.locator("[data-testid=stMetric]")
    tops = {round(tiles.nth(i).bounding_box()["y"]) for i in range(tiles.count())}
    assert tiles.count() == 7 and len(tops) == 3  # three lines: 3 + 3 + 1
    phone.close()


def test_value_page_shows_ranges_in_plain_headers(page):
    open_page(page, "value", ready=".vega-embed")
    figures = stage_counts(page)
    low, high = figures["80% range of that total"].split(" – ")
    assert low and high and figures["Predicted CLV, 12 months"]
    assert assert_clean_and_charts_drawn(page) >= 3  # the range chart among them
    # The grid draws only the columns in view: a wide window shows the ranges' columns too.
    page.set_viewport_size({"width": 2600, "height": 1000})
    settle(page)
    headers = page.locator("[data-testid=stDataFrame] [role=columnheader]").all_inner_texts()
    page.set_viewport_size({"width": 1400, "height": 1000})
    assert "CLV, 80% range" in headers and "Chance, 80% range" in headers
    assert "Chance of no order in 12 months" in headers  # each column names its horizon
    assert not [h for h in headers if "_" in h]
    click_text(page, "Backtest")
    body = page.inner_text("body")
    assert "The ranges can be trusted" in body or "The ranges cannot be trusted" in body
    assert "How well it ranks customers." in body
    headers = page.locator("[data-testid=stDataFrame] [role=columnheader]").all_inner_texts()
    assert "Picks who buys (AUC)" in headers and "Picks who spends most (Gini)" in headers


SCREENSHOTS = ROOT / "artifacts" / "screenshots"
EVERY_VIEW = {
    "": ["Stage mix", "Funnel", "Evolution", "Transitions", "What-if", "Win-back", "Members"],
    "cohorts": [None],
    "payback": [None],
    "value": ["Value", "Churn risk", "Backtest", "Model"],
    "segments": ["Segment map", "Hero customers", "Stage × segment", "Segment builder"],
    "campaigns": [None],
    "data": [None],
}


def test_screenshots_of_every_page_at_slide_and_phone_width(page, browser, server):
    """Every page and view at 1,400 px (and each page at 390 px, a phone) into
    artifacts/screenshots/, for people to look at; nothing broken on any of them."""
    page.set_viewport_size({"width": 1400, "height": 1000})
    for path, views in EVERY_VIEW.items():
        open_page(page, path, ready="[data-testid=stHeading]")
        for view in views:
            if view is not None:
                click_text(page, view)
            assert page.locator("[data-testid=stException]").count() == 0, (path, view)
            name = f"1400_{path or 'lifecycle'}" + (f"_{view}" if view else "")
            full_page_shot(page, SCREENSHOTS / (name.replace(" ", "_") + ".png"))
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    tab = phone.new_page()
    tab.set_default_timeout(60_000)
    tab.base_url = server
    for path in EVERY_VIEW:
        open_page(tab, path, ready="[data-testid=stHeading]")
        assert tab.locator("[data-testid=stException]").count() == 0, path
        full_page_shot(tab, SCREENSHOTS / f"390_{path or 'lifecycle'}.png")
    phone.close()
    shots = list(SCREENSHOTS.glob("*.png"))
    assert len(shots) >= 24 and all(p.stat().st_size > 10_000 for p in shots)


@pytest.fixture(scope="module")
def shop_database(app_home):
    """The test PostgreSQL with the Shopify export's orders as a typed table, listed for the
    app as "shop" with its password in the app's secrets."""
    server = postgres.start()
    secrets = app_home / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir(exist_ok=True)
    secrets.write_text(
        f'[sources.shop]\nurl = "{server.url()}"\npassword = "{postgres.PASSWORD}"\n'
    )
    try:
        server.psql(
            "CREATE TABLE web_orders (order_ref text, buyer text, created_at timestamp, "
            "total numeric(10, 2), state text); "
            "INSERT INTO web_orders VALUES "
            "('A1', 'ann@x.com', '2024-01-05 10:00', 50, 'paid'), "
            "('A2', 'ann@x.com', '2024-02-05 11:00', 70, 'paid'), "
            "('A3', 'bob@x.com', '2024-02-07 12:00', 20, 'cancelled'), "
            "('A4', 'cy@x.com', '2024-03-01 09:00', 35, 'paid')"
        )
        yield server
    finally:
        postgres.stop(server)


ROLES = ["Order date", "Order amount", "Order status", "Email"]


def test_the_data_page_reads_orders_from_postgresql(page, shop_database):
    open_page(page, "data")
    click_text(page, "Upload my export")
    upload(page, "orders_export.csv", exports.SHOPIFY.encode())
    assert stage_counts(page)["Orders"] == "3"
    click_text(page, "Connect to a database")
    # The listed source, by name: the only one.
    assert page.get_by_role("combobox", name="Source").input_value() == "shop (PostgreSQL)"
    page.get_by_label("Table").fill("web_orders")
    click_text(page, "Connect")
    settle(page, "text=Columns of web_orders @ shop")
    chosen = {role: page.get_by_role("combobox", name=role).input_value() for role in ROLES}
    assert chosen["Order date"].startswith("created_at (timestamp")  # offered from the schema
    assert chosen["Order amount"].startswith("total (decimal")
    assert chosen["Order status"] == "state (string)" and chosen["Email"] == "—"
    assert stage_counts(page)["Orders"] == "3"  # nothing read yet: the upload stays
    page.get_by_role("combobox", name="Email").click()  # 'buyer' is no name the mapping knows
    page.get_by_role("option", name="buyer (string)").click()
    click_text(page, "Read orders")
    settle(page, "text=Loaded: web_orders @ shop")
    assert stage_counts(page)["Orders"] == "3"  # A1, A2, A4: A3 is cancelled
    assert stage_counts(page)["Customers"] == "2"
    body = page.inner_text("body")
    assert "read from PostgreSQL, cleaned in DuckDB" in body and postgres.PASSWORD not in body
    assert f":{shop_database.port}" not in body  # named as listed, never by its address
    assert "password" not in page.url.lower() and postgres.PASSWORD not in page.url
    page.set_viewport_size({"width": 1400, "height": 1000})
    full_page_shot(page, SCREENSHOTS / "1400_data_database.png")
    # A table that is not there: one line, and the orders read before stay.
    page.get_by_label("Table").fill("nowhere")
    click_text(page, "Connect")
    body = page.inner_text("body")
    assert "There is no table 'nowhere'" in body
    assert "Loaded: web_orders @ shop" in body and stage_counts(page)["Orders"] == "3"
    assert page.locator("[data-testid=stException]").count() == 0

"""A server a team shares, in a real browser against a real server started here: visitor B
cannot reach visitor A's upload by any path, only listed sources are read, "Forget" and
retention remove kept data, and with sign-in a link opens only for its owner unless shared.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest

from analytics.ingest.io import DEMO_ORDERS
from tests import exports
from tests.browser import (
    app_server,
    click_text,
    data_key,
    free_port,
    keep_screenshot_on_failure,
    new_tab,
    open_page,
    require_chromium,
    settle,
    stage_counts,
    upload,
)

require_chromium()  # without Chromium: skipped here, failed in CI


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    """A server whose operator listed one folder, 'lake', beside the app's store; the lake
    holds a good Parquet file and a link into the store; another file lies outside it."""
    root = tmp_path_factory.mktemp("team")
    home, kept, lake, outside = (root / n for n in ("home", "store", "lake", "outside"))
    for folder in (home / ".streamlit", kept, lake / "good", outside):
        folder.mkdir(parents=True)
    orders = pd.read_csv(DEMO_ORDERS).head(400)
    orders.to_parquet(lake / "good" / "orders.parquet", index=False)
    orders.to_parquet(outside / "orders.parquet", index=False)
    (lake / "shortcut").symlink_to(kept)
    (home / ".streamlit" / "secrets.toml").write_text(f'[sources.lake]\nurl = "{lake}"\n')
    env = {"HOME": str(home), "LENS_STORE_DIR": str(kept), "LENS_KEEP_DAYS": "30"}
    with app_server(env) as url:
        yield url, kept


@pytest.fixture
def tabs(browser, team, request):
    opened = []

    def tab():
        opened.append(new_tab(browser, team[0]))
        return opened[-1]

    yield tab
    for one in opened:
        keep_screenshot_on_failure(one, request)
        one.context.close()


def kept_keys(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")}


def read_inside(tab, path: str) -> str:
    tab.get_by_label("File or folder inside it (blank: all of it)").fill(path)
    click_text(tab, "Connect")
    return tab.inner_text("body")


def test_visitor_b_cannot_reach_visitor_as_upload_by_any_path(team, tabs):
    _, kept = team
    a = tabs()
    open_page(a, "data")
    click_text(a, "Upload my export")
    upload(a, "orders_export.csv", exports.SHOPIFY.encode())
    assert stage_counts(a)["Orders"] == "3"
    assert len(kept_keys(kept)) == 1  # A's upload, kept on the server's disk

    b = tabs()  # another browser: another visitor
    open_page(b, "data")
    click_text(b, "Connect to a database")
    assert b.get_by_role("combobox", name="Source").input_value() == "lake (Parquet folder)"
    # The Parquet files A's upload left in the store (its order log is kept as Arrow, which
    # no listed source reads; its preview of 200 orders is Parquet).
    assert list(kept.glob("*/preview.parquet"))
    for path in ("../store/*/preview.parquet", "../store", "shortcut/*/preview.parquet"):
        body = read_inside(b, path)
        assert "leads outside the listed folder" in body, path
        assert "Loaded: demo_orders.csv" in body, path  # nothing of A's was read
    # A Parquet file outside the listed folder is refused the same way.
    assert "leads outside the listed folder" in read_inside(b, "../outside/orders.parquet")
    assert "inside the listed folder" in read_inside(b, str(kept))  # an absolute path
    # Inside the folder, reading works.
    read_inside(b, "good/orders.parquet")
    settle(b, "text=Columns of lake/good/orders.parquet")
    click_text(b, "Read orders")
    settle(b, "text=Loaded: lake/good/orders.parquet")
    assert b.locator("[data-testid=stException]").count() == 0


def test_an_address_typed_anywhere_is_never_contacted(team, tabs):
    """A visitor has no field for a host; typed where a path goes, an address is refused,
    and a server listening there sees no connection."""
    from tests.test_team_server import Listener

    listener = Listener()
    try:
        tab = tabs()
        open_page(tab, "data")
        click_text(tab, "Connect to a database")
        body = read_inside(tab, f"postgresql://lens@127.0.0.1:{listener.port}/shop")
        assert "No Parquet file found" in body or "inside the listed folder" in body
        time.sleep(0.5)
        assert listener.connections == 0
    finally:
        listener.close()


def test_forget_removes_the_kept_files(team, tabs):
    _, kept = team
    tab = tabs()
    open_page(tab, "data")
    click_text(tab, "Upload my export")
    upload(tab, "fr.csv", exports.FRENCH.encode())
    before = kept_keys(kept)
    key = data_key(tab.url)
    assert key in before
    click_text(tab, "Forget this dataset…")
    assert "Its link will stop working for everyone" in tab.inner_text("body")
    click_text(tab, "Yes, forget it")
    settle(tab, "text=is removed from this server")
    assert key not in kept_keys(kept) and kept_keys(kept) == before - {key}
    assert "Loaded: demo_orders.csv" in tab.inner_text("body")  # the demo again
    # Its link no longer opens anything.
    other = tabs()
    open_page(other, f"?data={key}")
    assert "no longer kept on this server" in other.inner_text("body")


def test_retention_removes_datasets_kept_longer_than_the_operator_allows(team, tabs):
    _, kept = team
    tab = tabs()
    open_page(tab, "data")
    click_text(tab, "Upload my export")
    upload(tab, "orders_export.csv", (exports.SHOPIFY + "\n").encode())
    key = data_key(tab.url)
    meta = kept / key / "meta.json"
    old = json.loads(meta.read_text())
    old["kept_at"] = time.time() - 31 * 86400  # kept 31 days ago; the server keeps 30
    meta.write_text(json.dumps(old))
    other = tabs()
    open_page(other, f"?data={key}")
    assert "no longer kept on this server" in other.inner_text("body")
    assert not (kept / key).exists()


# --- sign-in ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """A server with sign-in against a small OpenID Connect provider started here."""
    mock = pytest.importorskip("oidc_provider_mock")
    root = tmp_path_factory.mktemp("signed")
    home, kept = root / "home", root / "store"
    (home / ".streamlit").mkdir(parents=True)
    port = free_port()
    with mock.run_server_in_thread() as provider:
        (home / ".streamlit" / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            'cookie_secret = "lens-test-cookie-secret-5b1f0e9c2d7a4e31"\n'
            'client_id = "lifecycle-lens"\n'
            'client_secret = "lens-test-client-secret"\n'
            f'server_metadata_url = "http://localhost:{provider.server_port}'
            '/.well-known/openid-configuration"\n'
        )
        with app_server({"HOME": str(home), "LENS_STORE_DIR": str(kept)}, port=port) as url:
            yield url, kept


def sign_in(browser, url: str, who: str):
    tab = new_tab(browser, url)
    tab.goto(url + "/data")
    settle(tab, "text=sign in to see it")
    tab.get_by_role("button", name="Sign in").click()  # leaves the app: no settling
    tab.wait_for_selector("input[name=sub]")
    tab.fill("input[name=sub]", who)
    tab.locator("button[type=submit]", has_text="Authorize").click()
    tab.wait_for_url(url + "/**")
    settle(tab, "text=Signed in as " + who)
    return tab


def test_with_sign_in_a_link_opens_for_its_owner_and_not_another_unless_shared(signed, browser):
    url, kept = signed
    stranger = new_tab(browser, url)
    stranger.goto(url)
    settle(stranger, "text=sign in to see it")
    assert stranger.locator("[data-testid=stMetric]").count() == 0  # no data before sign-in
    stranger.context.close()

    ann = sign_in(browser, url, "ann@example.com")
    ann.goto(url + "/data")
    settle(ann, "[data-testid=stMetric]")
    click_text(ann, "Upload my export")
    upload(ann, "orders_export.csv", exports.SHOPIFY.encode())
    key = data_key(ann.url)
    assert json.loads((kept / key / "meta.json").read_text())["owner"] == "ann@example.com"
    assert "The link opens for you only" in ann.inner_text("body")

    bob = sign_in(browser, url, "bob@example.com")
    bob.goto(f"{url}/?data={key}")
    settle(bob, "[data-testid=stMetric]")
    body = bob.inner_text("body")
    assert "someone else loaded and did not share" in body and "orders_export.csv" not in body

    ann.get_by_text("Share with everyone signed in to this app").click()
    settle(ann)
    assert json.loads((kept / key / "meta.json").read_text())["shared"] is True
    again = sign_in(browser, url, "bob@example.com")
    again.goto(f"{url}/data?data={key}")
    settle(again, "text=Loaded: orders_export.csv")
    assert stage_counts(again)["Orders"] == "3"
    assert again.locator("[data-testid=stException]").count() == 0
    for tab in (ann, bob, again):
        tab.context.close()

"""Helpers for the browser tests: start the app as a real server, drive Debian's Chromium
with Playwright (never a downloaded browser), and wait for Streamlit to settle."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium():
    """Playwright's sync API; a missing browser skips locally and fails in CI."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing at /usr/bin/chromium in CI", pytrace=False)
        pytest.skip("Chromium not installed (apt-get install chromium)", allow_module_level=True)
    return pytest.importorskip("playwright.sync_api")


@contextlib.contextmanager
def app_server(env: dict, port: int | None = None, cwd: Path = ROOT):
    """``streamlit run app.py`` on a free local port, with ``env`` over this environment;
    yields its URL once it answers, and stops it after."""
    port = port or free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, **env),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("the app did not start within 60 s")
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def new_tab(browser, url: str, width: int = 1400, height: int = 1000):
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.base_url = url
    return tab


def data_key(url: str) -> str:
    """The key of the dataset a page's link names (its ``data=`` parameter)."""
    return url.split("data=")[1].split("&")[0]


def keep_screenshot_on_failure(tab, request) -> None:
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settle(tab, wait_for: str | None = None) -> None:
    """Wait until the app has finished running (and an expected element is there)."""
    time.sleep(0.4)
    tab.wait_for_selector(IDLE)
    if wait_for:
        tab.wait_for_selector(wait_for)
    time.sleep(0.6)
    tab.wait_for_selector(IDLE)


def open_page(tab, path: str = "", ready: str = "[data-testid=stMetric]") -> None:
    tab.goto(tab.base_url + "/" + path)
    settle(tab, ready)


def stage_counts(tab) -> dict[str, str]:
    metrics = tab.locator("[data-testid=stMetric]")
    return {
        metrics.nth(i).locator("[data-testid=stMetricLabel]").inner_text().strip(): metrics.nth(i)
        .locator("[data-testid=stMetricValue]")
        .inner_text()
        .strip()
        for i in range(metrics.count())
    }


def assert_clean_and_charts_drawn(tab) -> int:
    """No exception on the page, and every chart drawn at a readable size; their number."""
    assert tab.locator("[data-testid=stException]").count() == 0
    tab.wait_for_selector(".vega-embed canvas, .vega-embed svg")
    charts = tab.locator(".vega-embed")
    for i in range(charts.count()):
        box = charts.nth(i).locator("canvas, svg").first.bounding_box()
        assert box and box["width"] > 50 and box["height"] > 50
    return charts.count()


def click_text(tab, text: str) -> None:
    """Click a button (or segmented-control option) by its label."""
    tab.locator("button", has=tab.get_by_text(text, exact=True)).first.click()
    settle(tab)


def upload(tab, name: str, content: bytes) -> None:
    tab.locator("[data-testid=stFileUploader] input[type=file]").first.set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content}
    )
    settle(tab)
    time.sleep(1)
    settle(tab)


def full_page_shot(tab, path: Path) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its main block, so the
    window is made as tall as that block first."""
    width = tab.viewport_size["width"]
    tall = tab.evaluate(
        "() => Math.max(...Array.from(document.querySelectorAll("
        "'[data-testid=stMain], section')).map(e => e.scrollHeight))"
    )
    tab.set_viewport_size({"width": width, "height": min(int(tall) + 40, 12_000)})
    time.sleep(0.8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(path), full_page=True)
    tab.set_viewport_size({"width": width, "height": 1000})

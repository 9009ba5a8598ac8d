"""Opening the benchmark shop in a real browser, and the server's memory over a session.

    python benchmarks/browser_open.py                  # 1M customers (about 3.5M orders)
    python benchmarks/browser_open.py --customers 100000 --no-walk

Three timings and one memory walk, each against a real server (tests/browser.py starts it)
driven by Debian's Chromium through Playwright:

1. *Upload*: the shop's Parquet file given to the Data page's uploader (a file path: Playwright
   cannot hand over a buffer above 50 MB) until the sidebar names it; then the seconds until
   its lifecycle stages, prepared behind the pages, are kept for the link.
2. *Link on a fresh server*: the server stopped, a new one started on the same store, and the
   dataset's ``?data=`` link opened until the Lifecycle page shows its stage tiles.
3. *Memory*: in that same session, the inactivity window stepped five times on the Lifecycle
   page, then every page opened once (the Value page fits its model); the server's resident
   memory is sampled every 0.2 s from /proc, and read after each step.

The server's own progress steps (read and clean, keep, base, index) are not timed here: the
script benchmarks/reopen.py times them one by one. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    IDLE,
    app_server,
    click_text,
    data_key,
    free_port,
    new_tab,
    open_page,
    settle,
)

PAGES = ["Cohorts", "Products and timing", "Payback", "Value", "Segments", "Campaigns", "Data"]
LIMIT_MS = 600_000  # a step that takes longer than 10 minutes has failed


def server_pid(port: int) -> int:
    """The process of the Streamlit server listening on ``port`` (from /proc)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                words = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"streamlit" in b" ".join(words) and str(port).encode() in words:
                return int(entry.name)
    raise RuntimeError(f"no server on port {port}")


def resident_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class Watch:
    """The server's resident memory, sampled every 0.2 s in a thread: the peak."""

    def __init__(self, pid: int):
        self.pid, self.peak = pid, resident_mb(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(0.2):
            try:
                self.peak = max(self.peak, resident_mb(self.pid))
            except OSError:
                return

    def now(self) -> float:
        return round(resident_mb(self.pid))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return round(self.peak)


def wait_idle(tab, selector: str) -> None:
    tab.wait_for_selector(selector, timeout=LIMIT_MS)
    tab.wait_for_selector(IDLE, timeout=LIMIT_MS)


def upload(browser, url: str, path: Path) -> tuple[float, str]:
    """Seconds from giving the file to the uploader until the sidebar names it; the key."""
    tab = new_tab(browser, url)
    open_page(tab, "data")
    click_text(tab, "Upload my export")
    start = time.perf_counter()
    tab.locator("[data-testid=stFileUploader] input[type=file]").first.set_input_files(str(path))
    wait_idle(tab, f"[data-testid=stSidebar] >> text={path.name}")
    seconds = time.perf_counter() - start
    settle(tab)
    key = data_key(tab.url)
    tab.context.close()
    return seconds, key


def stages_kept(folder: Path) -> float:
    """Seconds until the upload's lifecycle stages are kept beside it (they are prepared
    behind the pages once the upload is shown): the server is not stopped before, or the
    link would find them missing and prepare them again."""
    start = time.perf_counter()
    while not (folder / "lifecycle.json").exists():
        if time.perf_counter() - start > LIMIT_MS / 1000:
            raise TimeoutError(f"the stages were never kept in {folder}")
        time.sleep(0.05)
    return round(time.perf_counter() - start, 2)


def reopen(browser, url: str, key: str, name: str):
    """Seconds from opening the link until the Lifecycle page shows the data; the tab."""
    tab = new_tab(browser, url)
    start = time.perf_counter()
    tab.goto(f"{url}/?data={key}")
    wait_idle(tab, f"[data-testid=stSidebar] >> text={name}")
    tab.wait_for_selector("[data-testid=stMetric]", timeout=LIMIT_MS)
    wait_idle(tab, "[data-testid=stMetric]")
    return time.perf_counter() - start, tab


def walk(tab, watch: Watch) -> dict:
    """Five inactivity-window steps on Lifecycle, then every page; memory after each."""
    out = {"after_link": watch.now()}
    slider = tab.locator("[data-testid=stSlider]", has_text="Inactivity window").first
    thumb = slider.locator("[role=slider], input[type=range]").first
    for step in range(5):
        thumb.focus()
        thumb.press("ArrowRight")
        settle(tab)
        out[f"window_step_{step + 1}"] = watch.now()
    for page in PAGES:
        tab.locator("[data-testid=stSidebarNav] a", has_text=page).first.click()
        settle(tab)
        tab.wait_for_selector(IDLE, timeout=LIMIT_MS)
        out[page] = watch.now()
    tab.locator("[data-testid=stSidebarNav] a", has_text="Lifecycle").first.click()
    settle(tab)
    out["Lifecycle again"] = watch.now()
    out["exceptions_on_page"] = tab.locator("[data-testid=stException]").count()
    return out


def run(customers: int, walk_pages: bool, store: str | None = None, env=None) -> dict:
    """``store``: a folder kept between runs (its kept dataset's link is opened, with no
    upload); ``env``: more environment for the servers (allocator settings, say)."""
    from playwright.sync_api import sync_playwright

    from benchmarks.generate import shop_files

    parquet = shop_files(customers)[0]
    result = {"customers": customers, "env": env or {}, "load_average_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="lens-browser-store-") as spare:
        store = store or spare
        env = {"LENS_STORE_DIR": store} | (env or {})
        kept = [d.name for d in Path(store).iterdir() if len(d.name) == 32]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            port = free_port()
            if kept:
                key = kept[0]
            else:
                with app_server(env, port=port) as url:
                    watch = Watch(server_pid(port))
                    result["upload_s"], key = upload(browser, url, parquet)
                    result["stages_kept_s"] = stages_kept(Path(store) / key)
                    result["upload_peak_mb"] = watch.stop()
            port = free_port()
            with app_server(env, port=port) as url:  # a fresh server: nothing in memory
                watch = Watch(server_pid(port))
                result["server_start_mb"] = watch.now()
                result["link_s"], tab = reopen(browser, url, key, parquet.name)
                if walk_pages:
                    result["memory_mb"] = walk(tab, watch)
                result["session_peak_mb"] = watch.stop()
                tab.context.close()
            browser.close()
    result["load_average_after"] = os.getloadavg()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--no-walk", action="store_true")
    parser.add_argument("--store", help="a store folder kept between runs (no upload if full)")
    parser.add_argument("--env", nargs="*", default=[], help="NAME=VALUE for the servers")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    print(json.dumps(run(args.customers, not args.no_walk, args.store, env), indent=1))

"""The app's server (ui/server.py): ``streamlit run app.py`` serves app.py through its
``st.App``; the server loads the app and its libraries before it answers anyone; a page asked
for with a link's ``?data=KEY`` has that dataset read while the browser loads, and the
visitor's run takes that reading once (or reads the dataset itself when there is none)."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import threading
import time
import weakref

import numpy as np
import pytest

from tests.conftest import ROOT, app_test, modules_after
from tests.test_app import kpis, no_errors, upload_shopify
from ui import server, session


def test_streamlit_run_serves_app_py_through_its_st_app():
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(ROOT / "app.py")
    assert found.is_asgi_app and found.import_string == "app:app"
    # Imported (as `streamlit run` does), app.py makes the server and runs no page.
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, app\n"
            "print(type(app.app).__name__, app.app.script_path.name, 'ui.session' in sys.modules)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["App", "app.py", "False"]


def test_the_server_loads_the_app_and_its_libraries_before_it_answers():
    loaded = modules_after(
        "import asyncio\n"
        "from ui import server\n"
        "async def start():\n"
        "    async with server.lifespan(None):\n"
        "        pass\n"
        "asyncio.run(start())\n"
    )
    app_modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for folder in ("analytics", "ui")
        for path in (ROOT / folder).rglob("*.py")
        if path.name not in ("__init__.py", "__main__.py")
    }
    assert app_modules - loaded == set()
    assert "analytics.__main__" not in loaded  # the command line never runs in the server
    assert {"lifetimes", "fpdf", "vl_convert", "duckdb", "altair"} <= loaded


@pytest.mark.parametrize(
    "query, key",
    [
        (b"data=" + b"a1" * 16, "a1" * 16),
        (b"window=180&data=" + b"0" * 32 + b"&currency=EUR", "0" * 32),
        (b"data=" + b"A" * 32, None),  # keys are lower-case hex
        (b"data=../../etc/passwd", None),
        (b"data=" + b"0" * 31, None),
        (b"data=" + b"0" * 32 + b"&data=" + b"1" * 32, None),  # which one? neither
        (b"window=180", None),
        (b"", None),
    ],
)
def test_only_a_key_shaped_data_parameter_names_a_dataset(query, key):
    assert server.linked_key(query) == key


def test_a_page_asked_for_with_a_link_starts_reading_its_dataset(monkeypatch):
    read = []
    monkeypatch.setattr(session, "read_early", read.append)
    served = []

    async def streamlit(scope, receive, send):
        served.append(scope["path"])

    middleware = server.ReadLinkEarly(streamlit)
    key = "c" * 32
    link = f"data={key}".encode()
    for scope in (
        {"type": "http", "method": "GET", "path": "/", "query_string": link},
        {"type": "http", "method": "GET", "path": "/cohorts", "query_string": link},
        {"type": "http", "method": "GET", "path": "/", "query_string": b""},
        {"type": "http", "method": "POST", "path": "/", "query_string": link},
        {"type": "http", "method": "GET", "path": "/_stcore/health", "query_string": link},
        {"type": "http", "method": "GET", "path": "/static/js/a.js", "query_string": link},
        {"type": "http", "method": "GET", "path": "/favicon.png", "query_string": link},
        {"type": "websocket", "path": "/_stcore/stream", "query_string": link},
    ):
        asyncio.run(middleware(scope, None, None))
    assert read == [key, key]  # the two pages asked for with the link; every request served
    assert len(served) == 8


@pytest.fixture
def kept_upload(monkeypatch, tmp_path):
    """A kept upload's key, with nothing of it in the process's caches (a fresh server)."""
    monkeypatch.setenv("LENS_STORE_DIR", str(tmp_path))
    app = app_test()
    app.run()
    key = upload_shopify(app).session_state["source"].key
    session._settling.pop(key, lambda: None)()  # its stages prepared and kept behind the pages
    forget_reads()
    yield key
    forget_reads()


def forget_reads():
    session._inputs.clear()
    session._customer_base.clear()
    session._recent.clear()
    session._early.clear()
    session._early_bases.clear()


def open_link(key):
    fresh = app_test()
    fresh.query_params["data"] = key
    fresh.switch_page("app_pages/data.py").run()
    no_errors(fresh)
    assert kpis(fresh)["Orders"] == "3" and kpis(fresh)["Customers"] == "2"


def test_the_links_run_takes_the_early_reading(kept_upload, monkeypatch):
    session.read_early(kept_upload)
    session._early[kept_upload][1].result()  # read (a run that came sooner would wait)
    read_again = []
    kept_load = session.store.Store.load
    monkeypatch.setattr(
        session.store.Store,
        "load",
        lambda self, key: read_again.append(key) or kept_load(self, key),
    )
    made_again = []
    monkeypatch.setattr(session, "base_from_arrays", lambda *a: made_again.append(a))
    open_link(kept_upload)
    assert read_again == [] and made_again == []  # neither the orders nor the base again
    assert session._early == {} and session._early_bases == {}  # taken, not held twice


def test_without_an_early_reading_the_link_reads_the_dataset_itself(kept_upload):
    open_link(kept_upload)
    assert kept_upload in session._recent
    session.read_early(kept_upload)  # read lately: in the cache, not read a second time
    assert session._early == {}


def test_a_damaged_dataset_read_early_is_read_again_by_its_run(kept_upload, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(session.store.Store, "arrays", lambda self, key, group: {"code": np.zeros(1)})
        session.read_early(kept_upload)  # its base arrays do not fit: no base read early
        assert session._early[kept_upload][1].result()[1] is None
    open_link(kept_upload)  # the base made by the run, from the arrays as they are


def test_an_early_reading_never_taken_is_let_go(kept_upload, monkeypatch):
    monkeypatch.setattr(session, "EARLY_KEEP_S", 0.05)
    session.read_early(kept_upload)
    deadline = time.time() + 10
    while session._early and time.time() < deadline:
        time.sleep(0.01)
    assert session._early == {}


def test_a_burst_of_links_holds_at_most_two_readings(kept_upload, monkeypatch):
    release = threading.Event()
    started = []

    def slow(kept_on_disk, key, token, future):
        started.append(key)
        release.wait(10)
        future.set_result((None, None))

    monkeypatch.setattr(session, "_read_early", slow)
    for key in [kept_upload, "e" * 32, "f" * 32, kept_upload]:
        session.read_early(key)
    assert list(session._early) == [kept_upload, "e" * 32] and started == list(session._early)
    release.set()
    assert session._take_early("e" * 32) == (None, None)  # waited for, then taken once
    assert "e" * 32 not in session._early


def test_a_key_with_nothing_kept_holds_no_place(kept_upload):
    session.read_early("e" * 32)
    deadline = time.time() + 10
    while session._early and time.time() < deadline:
        time.sleep(0.01)
    assert session._early == {}


def test_an_early_reading_is_let_go_once_taken_and_opens_the_dataset_only_then(kept_upload):
    meta = session.store.default_store().folder / kept_upload / "meta.json"
    os.utime(meta, (1_000_000_000, 1_000_000_000))  # 2001: opened long ago
    session.read_early(kept_upload)
    kept, _ = session._early[kept_upload][1].result()
    assert meta.stat().st_mtime == 1_000_000_000  # read, not opened: pruned as before
    reading = weakref.ref(kept)
    del kept
    assert session._take_early(kept_upload)[0] is reading()
    gc.collect()
    assert reading() is None  # nothing else (the timer) holds it
    open_link(kept_upload)
    assert meta.stat().st_mtime > time.time() - 600  # the run opened it


def test_forgetting_a_dataset_lets_its_early_reading_go(kept_upload):
    session.read_early(kept_upload)
    assert kept_upload in session._early
    session.forget(session.Source("Upload", kept_key=kept_upload))
    assert session._early == {} and session._early_bases == {}
    open_link_gone = app_test()
    open_link_gone.query_params["data"] = kept_upload
    open_link_gone.run()
    assert any("no longer kept on this server" in w.value for w in open_link_gone.warning)

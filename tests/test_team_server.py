"""A server a team shares: visitors read only what they upload or what the operator listed,
a kept dataset opens only for whoever may see it, and forgetting or retention removes it.

The browser tests (tests/test_browser_team.py) walk the same rules through a real server."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from analytics import LensError
from analytics.access import allowed, store
from analytics.ingest import guards
from analytics.ingest.io import DEMO_ORDERS, load_dataset
from tests.conftest import app_test

KEY_A, KEY_B = "a" * 32, "b" * 32


@pytest.fixture
def server_files(tmp_path, monkeypatch):
    """A listed folder of Parquet files beside the app's store, which holds one dataset."""
    kept = tmp_path / "store"
    monkeypatch.setenv("LENS_STORE_DIR", str(kept))
    lake = tmp_path / "lake"
    (lake / "2024").mkdir(parents=True)
    frame = pd.DataFrame({"customer": ["a", "b"], "day": ["2024-01-01", "2024-02-01"]})
    frame.to_parquet(lake / "2024" / "orders.parquet")
    frame.to_parquet(lake / "top.parquet")
    (kept / KEY_A).mkdir(parents=True)
    frame.to_parquet(kept / KEY_A / "orders.parquet")  # a colleague's kept upload
    return lake, kept


@pytest.mark.parametrize(
    "path",
    [
        "../store/*/orders.parquet",  # a glob into the store
        "../store/" + KEY_A + "/orders.parquet",  # a '..' path
        "2024/../../store/" + KEY_A,  # '..' in the middle, to a folder
        "../**/orders.parquet",  # a recursive glob that climbs out
    ],
)
def test_a_path_that_leaves_the_listed_folder_is_refused(server_files, path):
    lake, _ = server_files
    with pytest.raises(LensError, match="outside the listed folder"):
        allowed.parquet_inside(lake, path)


def test_a_symlink_into_the_store_is_refused_even_inside_the_folder(server_files):
    lake, kept = server_files
    (lake / "shortcut").symlink_to(kept)  # looks like a folder of the lake
    (lake / "one.parquet").symlink_to(kept / KEY_A / "orders.parquet")
    for path in ("shortcut", "shortcut/*/orders.parquet", "one.parquet"):
        with pytest.raises(LensError, match="outside the listed folder"):
            allowed.parquet_inside(lake, path)
    # The whole folder reaches the store through the link: refused too, not read in part.
    with pytest.raises(LensError, match="outside the listed folder"):
        allowed.parquet_inside(lake, "")


def test_the_store_inside_a_listed_folder_is_still_never_read(tmp_path, monkeypatch):
    lake = tmp_path / "lake"
    (lake / "kept" / KEY_A).mkdir(parents=True)
    pd.DataFrame({"x": [1]}).to_parquet(lake / "kept" / KEY_A / "orders.parquet")
    pd.DataFrame({"x": [1]}).to_parquet(lake / "orders.parquet")
    monkeypatch.setenv("LENS_STORE_DIR", str(lake / "kept"))
    with pytest.raises(LensError, match="app's own files"):
        allowed.parquet_inside(lake, "kept")
    assert allowed.parquet_inside(lake, "orders.parquet") == [str(lake / "orders.parquet")]


def test_absolute_and_home_paths_are_refused(server_files):
    lake, kept = server_files
    for path in (str(kept / KEY_A / "orders.parquet"), "~/.cache", "/etc/passwd"):
        with pytest.raises(LensError, match="inside the listed folder"):
            allowed.parquet_inside(lake, path)


def test_paths_inside_the_listed_folder_read_as_asked(server_files):
    lake, _ = server_files
    everything = allowed.parquet_inside(lake, "")
    assert everything == [str(lake / "2024" / "orders.parquet"), str(lake / "top.parquet")]
    assert allowed.parquet_inside(lake, "2024/") == [str(lake / "2024" / "orders.parquet")]
    assert allowed.parquet_inside(lake, "*.parquet") == [str(lake / "top.parquet")]
    with pytest.raises(LensError, match="No Parquet file found at nothing/"):
        allowed.parquet_inside(lake, "nothing/")


def write_secrets(folder: Path, text: str) -> Path:
    path = folder / ".streamlit" / "secrets.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_operator_list_is_read_and_bad_entries_are_named(server_files, tmp_path):
    lake, kept = server_files
    secrets = write_secrets(
        tmp_path / "app",
        f"""
[sources.shop]
url = "postgresql://lens@db.example.com:5432/shop"
table = "orders"
password = "s3cret"

[sources.lake]
url = "{lake}"

[sources.store]
url = "{kept}"

[sources.home]
url = "{Path.home()}"

[sources.leaky]
url = "postgresql://lens:pw@db.example.com/shop"

[sources.odd]
url = "oracle://db/x"

[sources.empty]
table = "orders"
""",
    )
    found, problems = allowed.listed_sources([secrets])
    assert sorted(found) == ["lake", "shop"]
    assert found["shop"].kind == "postgresql" and found["shop"].table == "orders"
    assert "s3cret" not in repr(found["shop"])  # a password never prints
    assert found["lake"].kind == "parquet" and found["lake"].url == str(lake.resolve())
    said = "\n".join(problems)
    for name in ("store", "home", "leaky", "odd", "empty"):
        assert f"'{name}' cannot be used" in said
    assert "app's own folders" in said and "pw" not in said


def test_a_visitor_names_a_table_or_a_select_never_an_address():
    shop = allowed.Listed("shop", "postgresql", "postgresql://lens@db:5432/shop", "orders")
    assert shop.location().table == "orders"  # the operator's table, when none is typed
    assert shop.location("sales.orders_2024").table == "sales.orders_2024"
    located = shop.location(sql="SELECT * FROM orders -- hi")
    assert located.sql == "SELECT * FROM orders" and located.name == "SQL query @ shop"
    for table in (
        "postgresql://evil.example.com/x",
        "orders; DROP TABLE orders",
        "/srv/lake/orders.parquet",
        "../x",
    ):
        with pytest.raises(LensError, match="is not a table name"):
            shop.location(table)
    with pytest.raises(LensError, match="one SELECT"):
        shop.location(sql="DELETE FROM orders")
    spark = allowed.Listed("cluster", "spark", "spark://local[1]")
    with pytest.raises(LensError, match="is not a table name"):
        spark.location("/root/.cache/lifecycle-lens/datasets")
    assert shop.location("orders").name == "orders @ shop"  # never the address


class Listener:
    """A TCP port that counts who connects: a stand-in for a host nobody listed."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def data_page(at):
    at.switch_page("app_pages/data.py").run()
    return at


def test_with_nothing_listed_the_app_offers_demo_cdnow_and_upload_only(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no operator list anywhere
    monkeypatch.chdir(tmp_path)
    at = data_page(app_test())
    choices = at.segmented_control(key="source_choice").options
    assert choices == ["Demo shop", "CDNOW (CD retailer, 1997-98)", "Upload my export"]
    said = [c for c in at.caption if "not set up on this server" in c.value]
    assert said and "[sources]" in said[0].help  # how an operator adds sources


def test_an_unlisted_host_is_never_contacted(tmp_path, monkeypatch):
    """Whatever a visitor types, the app connects to listed entries only: a host typed as a
    table is refused before any connection, and the host sees none."""
    listener = Listener()
    try:
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.chdir(tmp_path)
        write_secrets(
            tmp_path, '[sources.shop]\nurl = "postgresql://lens@127.0.0.1:9/shop"\n'
        )  # listed, but nothing answers there; the typed host is the listener
        at = data_page(app_test())
        at.segmented_control(key="source_choice").set_value("Connect to a database").run()
        assert at.selectbox(key="db_source").options == ["shop (PostgreSQL)"]
        typed = f"postgresql://lens@127.0.0.1:{listener.port}/shop"
        at.text_input(key="db_table").input(typed)
        at.button[0].click().run()  # Connect (the form's only button)
        assert any("is not a table name" in e.value for e in at.error)
        time.sleep(0.5)
        assert listener.connections == 0
    finally:
        listener.close()


def test_the_app_takes_a_listed_entrys_password_only(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    url = "postgresql://lens@db.example.com:5432/shop"
    write_secrets(tmp_path, f'[sources.shop]\nurl = "{url}"\npassword = "pw1"\n')
    guards.secrets_only()
    assert guards.password_for(url) == "pw1"
    assert guards.password_for("postgresql://lens@elsewhere:5432/shop") is None


# --- kept datasets: owner, sharing, forgetting, retention ----------------------------------


@pytest.fixture(scope="module")
def demo_log():
    return load_dataset("demo_orders.csv", DEMO_ORDERS.read_bytes(), None)[0]


def test_a_kept_dataset_opens_for_its_owner_or_once_shared(tmp_path, demo_log):
    kept = store.Store(tmp_path, 10**9)
    kept.save(KEY_A, {}, demo_log, None, owner="ann@example.com")
    kept.save(KEY_B, {}, demo_log, None)  # kept without sign-in: anyone with the link
    assert kept.refusal(KEY_A, "ann@example.com") is None
    assert kept.refusal(KEY_A, "bob@example.com") == store.NOT_YOURS
    assert kept.refusal(KEY_A, None) == store.NOT_YOURS
    assert kept.refusal(KEY_B, "bob@example.com") is None and kept.refusal(KEY_B, None) is None
    kept.share(KEY_A, True)
    assert kept.refusal(KEY_A, "bob@example.com") is None
    assert kept.refusal(KEY_A, None) == store.NOT_YOURS  # shared with those signed in only
    kept.share(KEY_A, False)
    assert kept.refusal(KEY_A, "bob@example.com") == store.NOT_YOURS


def test_forget_removes_the_files(tmp_path, demo_log):
    kept = store.Store(tmp_path, 10**9)
    kept.save(KEY_A, {}, demo_log, None)
    assert (tmp_path / KEY_A / store.ORDERS).exists()
    assert kept.forget(KEY_A) is True
    assert list(tmp_path.iterdir()) == [] and kept.load(KEY_A) is None
    assert kept.forget(KEY_A) is False and kept.forget("../etc") is False


def test_retention_removes_datasets_kept_too_long(tmp_path, demo_log, monkeypatch):
    monkeypatch.setenv("LENS_STORE_DIR", str(tmp_path))
    monkeypatch.setenv("LENS_KEEP_DAYS", "7")
    kept = store.default_store()
    assert kept.keep_days == 7
    kept.save(KEY_A, {}, demo_log, None)
    kept.save(KEY_B, {}, demo_log, None)
    meta = tmp_path / KEY_A / "meta.json"
    old = json.loads(meta.read_text())
    old["kept_at"] = time.time() - 8 * 86400  # kept eight days ago
    meta.write_text(json.dumps(old))
    os.utime(meta)  # opened a moment ago: retention counts from keeping, not opening
    kept.prune()
    assert not (tmp_path / KEY_A).exists() and (tmp_path / KEY_B).exists()
    monkeypatch.setenv("LENS_KEEP_DAYS", "0")  # no time limit: only the size cap
    assert store.default_store().keep_days == 0


def test_one_visit_keeps_a_bounded_number_of_datasets(tmp_path, monkeypatch):
    folder = tmp_path / "store"
    monkeypatch.setenv("LENS_STORE_DIR", str(folder))
    monkeypatch.setenv("LENS_SESSION_DATASETS", "1")
    at = data_page(app_test())
    at.segmented_control(key="source_choice").set_value("CDNOW (CD retailer, 1997-98)").run()
    assert len(list(folder.iterdir())) == 1  # the first dataset of the visit is kept
    assert all("Not kept" not in w.value for w in at.warning)
    monkeypatch.setenv("LENS_SESSION_DATASETS", "0")  # the visit has used its share
    at = data_page(app_test())
    at.segmented_control(key="source_choice").set_value("CDNOW (CD retailer, 1997-98)").run()
    assert len(list(folder.iterdir())) == 1  # open, but nothing more kept
    assert any("Not kept on this server" in w.value for w in at.warning)
    assert at.subheader[0].value.startswith("Loaded: CDNOW")


def test_a_name_with_pattern_characters_is_never_handed_to_duckdb(server_files):
    """DuckDB expands *, ? and [ in a path itself: a folder literally named ** (made by anyone
    who can write in the listed folder) would reach the store again."""
    lake, kept = server_files
    (lake / "**").mkdir()
    pd.DataFrame({"x": [1]}).to_parquet(lake / "**" / "orders.parquet")
    for path in ("[*][*]/orders.parquet", "[*][*]", ""):
        with pytest.raises(LensError, match=r"holds \*, \? or \["):
            allowed.parquet_inside(lake, path)


def test_a_listed_folder_named_like_a_pattern_is_refused(tmp_path):
    odd = tmp_path / "lake[1]"
    odd.mkdir()
    secrets = write_secrets(tmp_path, f'[sources.odd]\nurl = "{odd}"\n')
    found, problems = allowed.listed_sources([secrets])
    assert found == {} and "would be read as a pattern" in problems[0]


def test_a_visitor_never_names_a_file_for_spark_to_read():
    cluster = allowed.Listed("cluster", "spark", "spark://local[1]", "lake_orders")
    assert cluster.location().table == "lake_orders"  # the operator's own choice
    for typed in ("private.parquet", "PRIVATE.PARQUET", "lake/orders", "../x"):
        with pytest.raises(LensError, match="not a table name|file name"):
            cluster.location(typed)

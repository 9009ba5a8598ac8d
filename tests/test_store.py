"""Datasets kept on disk: what is read back equals what was kept; the cap and the switch."""

import os
from dataclasses import replace

import pandas as pd
import pyarrow as pa
import pytest

from analytics.access import store
from analytics.ingest.io import DEMO_CONTACTS, DEMO_ORDERS, load_dataset
from analytics.insights.customers import build_customer_base

KEY_A, KEY_B, KEY_C = "a" * 32, "b" * 32, "c" * 32


@pytest.fixture(scope="module")
def demo():
    return load_dataset(
        "demo_orders.csv",
        DEMO_ORDERS.read_bytes(),
        None,
        "demo_contacts.csv",
        DEMO_CONTACTS.read_bytes(),
    )


def test_a_kept_dataset_reads_back_the_same(tmp_path, demo):
    log, contacts = demo
    log = replace(log, currency="EUR", currencies={"EUR": 10, "USD": 2})
    kept = store.Store(tmp_path, 10**9)
    source = {"label": "Upload", "orders_name": "x.csv", "contacts_name": "", "options": {}}
    kept.save(KEY_A, source, log, contacts)
    back = kept.load(KEY_A)
    assert back.source == source
    pd.testing.assert_frame_equal(back.log.orders, log.orders)
    pd.testing.assert_frame_equal(back.log.preview, log.preview)
    pd.testing.assert_frame_equal(back.contacts.contacts, contacts.contacts)
    assert back.log.report == log.report and back.log.mapping == log.mapping
    assert back.log.table_info == log.table_info and back.log.format == log.format
    assert back.log.currency == "EUR" and back.log.currencies == {"EUR": 10, "USD": 2}
    # Every page works from the customer base: it is the same one.
    ours, theirs = build_customer_base(back.log.orders), build_customer_base(log.orders)
    pd.testing.assert_frame_equal(ours.summary, theirs.summary)
    assert kept.load(KEY_B) is None


def test_categorical_columns_are_kept_and_read_back_as_they_were():
    # Made from codes and categories (pyarrow's own way reads text categories one by one):
    # the same Arrow table, so the same frame read back. Missing values, order, numbers,
    # no categories at all.
    frame = pd.DataFrame(
        {
            "customer_id": pd.Categorical(["b", None, "a", "b"], categories=["b", "a", "c"]),
            "day": pd.to_datetime(["2024-01-02", "2024-01-03", None, "2024-01-05"]),
            "size": pd.Categorical(["S", "L", "S", None], categories=["S", "L"], ordered=True),
            "code": pd.Categorical([3, 1, None, 3]),
            "email": pd.Categorical([None] * 4, categories=pd.Index([], dtype="str")),
        }
    )
    ours, theirs = store._arrow(frame), pa.Table.from_pandas(frame, preserve_index=False)
    assert ours.schema.equals(theirs.schema) and ours.equals(theirs)
    pd.testing.assert_frame_equal(ours.to_pandas(), theirs.to_pandas())
    assert ours.column("customer_id").to_pylist() == ["b", None, "a", "b"]
    # Read back the same way round, from codes and values: the very frame, every dtype.
    pd.testing.assert_frame_equal(store._frame(ours), frame)


def test_a_dataset_kept_before_order_ids_stayed_in_the_engine_still_opens(tmp_path, demo):
    log, contacts = demo
    kept = store.Store(tmp_path, 10**9)
    kept.save(KEY_A, {}, log, None)
    # As kept then: every order id in the order log (as Parquet), no preview file.
    old = log.preview.head(3)
    old.to_parquet(tmp_path / KEY_A / "orders.parquet", index=False)
    (tmp_path / KEY_A / store.ORDERS).unlink()
    (tmp_path / KEY_A / "preview.parquet").unlink()
    back = kept.load(KEY_A)
    assert list(back.log.preview.order_id) == list(old.order_id)
    assert "order_id" not in back.log.orders and len(back.log.orders) == 3
    assert build_customer_base(back.log.orders).n_customers == old.customer_id.nunique()


@pytest.mark.parametrize("key", ["../" + "a" * 29, "A" * 32, "", "a" * 31, "/etc/passwd"])
def test_a_key_that_is_not_a_hash_is_never_a_path(tmp_path, demo, key):
    kept = store.Store(tmp_path / "store", 10**9)
    kept.save(key, {}, *demo)
    assert kept.load(key) is None and not (tmp_path / "store").exists()


def test_the_least_recently_opened_go_first(tmp_path, demo):
    log, _ = demo
    one = store.Store(tmp_path, 10**9)
    one.save(KEY_A, {}, log, None)
    size = sum(f.stat().st_size for f in (tmp_path / KEY_A).iterdir())
    one.save(KEY_B, {}, log, None)
    os.utime(tmp_path / KEY_A / "meta.json", (1, 1))  # A opened long ago
    os.utime(tmp_path / KEY_B / "meta.json", (2, 2))
    assert one.load(KEY_A) is not None  # opening A makes it the most recent
    capped = store.Store(tmp_path, int(2.5 * size))  # room for two datasets
    capped.save(KEY_C, {}, log, None)
    assert capped.load(KEY_B) is None  # B was the least recently opened
    assert capped.load(KEY_A) is not None and capped.load(KEY_C) is not None


def test_keeping_can_be_turned_off(monkeypatch, tmp_path):
    monkeypatch.setenv("LENS_STORE_DIR", str(tmp_path))
    assert store.default_store().folder == tmp_path
    monkeypatch.setenv("LENS_KEEP_DATA", "0")
    assert store.default_store() is None

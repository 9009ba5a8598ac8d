"""Reopening a kept dataset: its customer base and lifecycle index come back from the kept
arrays, equal to a fresh load's; a folder kept by an older app, or a damaged array file, is
rebuilt instead of trusted."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analytics.access import store
from analytics.ingest.io import DEMO_CONTACTS, DEMO_ORDERS, load_dataset, load_orders
from analytics.insights import customers, lifecycle
from tests.conftest import app_test

KEY = "d" * 32
# Three customers whose figures can be told by hand (the data ends on 21 January 2024):
# a buys three times ten days apart, b once, c once in 2023 and again on 20 January 2024.
ORDERS = b"""order_id,customer_id,order_date,amount
1,a,2024-01-01,10
2,a,2024-01-11,20
3,a,2024-01-21,30
4,b,2024-01-05,5
5,c,2023-01-01,7
6,c,2024-01-20,8
"""


def keep(tmp_path, log, contacts=None):
    """A first load: keep the order log, then the base's and the index's arrays."""
    kept = store.Store(tmp_path, 10**9)
    kept.save(KEY, {"label": "Upload"}, log, contacts)
    base = customers.build_customer_base(log.orders)
    index = lifecycle.prepare(base, None if contacts is None else contacts.contacts)
    assert kept.save_arrays(KEY, "base", customers.base_arrays(base))
    assert kept.save_arrays(KEY, "lifecycle", lifecycle.index_arrays(index))
    return kept, base, index


def reopen(kept, contacts=None):
    back = kept.load(KEY)
    base = customers.base_from_arrays(back.log.orders, kept.arrays(KEY, "base"))
    frame = None if contacts is None else back.contacts.contacts
    return base, lifecycle.index_from_arrays(base, kept.arrays(KEY, "lifecycle"), frame)


def test_a_reopened_dataset_has_the_customers_a_fresh_load_has(tmp_path, monkeypatch):
    log = load_orders(ORDERS, "orders.csv")
    kept, fresh, fresh_index = keep(tmp_path, log)

    # Reopening does no pass over the orders: neither summary nor running medians run.
    def never(*args, **kwargs):
        raise AssertionError("computed again instead of read from the kept arrays")

    monkeypatch.setattr(customers, "_summary_arrays", never)
    monkeypatch.setattr(lifecycle, "_running_median_gaps", never)
    base, index = reopen(kept)
    table = base.summary
    assert table.loc["a", ["orders", "revenue", "frequency", "recency", "T"]].tolist() == [
        3,
        60.0,
        2.0,
        20.0,
        20.0,
    ]
    assert table.loc["b", ["orders", "revenue", "frequency", "T"]].tolist() == [1, 5.0, 0.0, 16.0]
    assert table.loc["c", ["recency", "T", "monetary_value"]].tolist() == [384.0, 385.0, 8.0]
    pd.testing.assert_frame_equal(table, fresh.summary)
    for name in customers.BASE_ARRAYS:
        np.testing.assert_array_equal(getattr(base, name), getattr(fresh, name))
    assert not base.day.flags.writeable  # mapped from the kept file, not made again
    # On 21 January 2024 with a 30-day window: a ordered three times in it (Loyal: two or
    # more orders in the window);
    # b's one order is 16 days old (New); c came back after 384 days (Reactivated).
    counts = lifecycle.stage_counts(lifecycle.snapshot(index, "2024-01-21", 30, 2.0))
    assert counts.drop("Prospect").to_dict() == {
        "New": 1,
        "Active": 0,
        "Loyal": 1,
        "At risk": 0,
        "Inactive": 0,
        "Reactivated": 1,
    }
    again = lifecycle.stage_counts(lifecycle.snapshot(fresh_index, "2024-01-21", 30, 2.0))
    pd.testing.assert_series_equal(counts, again)


def test_the_demo_with_contacts_reopens_with_the_same_stages_at_every_month(tmp_path):
    log, contacts = load_dataset(
        "demo_orders.csv", DEMO_ORDERS.read_bytes(), None, "c.csv", DEMO_CONTACTS.read_bytes()
    )
    kept, fresh, fresh_index = keep(tmp_path, log, contacts)
    base, index = reopen(kept, contacts)
    pd.testing.assert_frame_equal(base.summary, fresh.summary)
    pd.testing.assert_frame_equal(base.first_attributes, fresh.first_attributes)
    pd.testing.assert_frame_equal(
        lifecycle.evolution(index, 90, 2.0), lifecycle.evolution(fresh_index, 90, 2.0)
    )
    end = base.data_end
    ours, theirs = (lifecycle.snapshot(i, end, 90, 2.0) for i in (index, fresh_index))
    assert ours.prospects == theirs.prospects and ours.prospects > 0
    with pytest.raises(ValueError):  # kept with contacts: not an index without them
        lifecycle.index_from_arrays(base, kept.arrays(KEY, "lifecycle"), None)


def test_damaged_or_foreign_arrays_are_never_taken(tmp_path):
    log = load_orders(ORDERS, "orders.csv")
    kept, _, _ = keep(tmp_path, log)
    folder = tmp_path / KEY
    orders = kept.load(KEY).log.orders
    # A file cut short: unreadable, so nothing is taken.
    day = folder / "base.day.npy"
    whole = day.read_bytes()
    day.write_bytes(whole[: len(whole) - 8])
    assert kept.arrays(KEY, "base") is None
    # A readable file of the wrong length, or of the right length but not whole days: read,
    # but refused by the base.
    for wrong in (np.arange(5), np.zeros(len(orders))):
        np.save(day, wrong)
        with pytest.raises(ValueError):
            customers.base_from_arrays(orders, kept.arrays(KEY, "base"))
    # A file missing, or a manifest written by another version: nothing is taken.
    day.unlink()
    assert kept.arrays(KEY, "base") is None
    manifest = folder / "lifecycle.json"
    manifest.write_text(json.dumps({"version": -1, "names": ["gap"]}))
    assert kept.arrays(KEY, "lifecycle") is None
    manifest.write_text(json.dumps({"version": store.ARRAYS_VERSION, "names": ["../meta"]}))
    assert kept.arrays(KEY, "lifecycle") is None
    assert kept.arrays(KEY, "../base") is None and kept.arrays("../x", "base") is None


def test_arrays_are_kept_only_beside_a_kept_dataset_and_within_the_cap(tmp_path):
    log = load_orders(ORDERS, "orders.csv")
    base = customers.build_customer_base(log.orders)
    arrays = customers.base_arrays(base)
    kept = store.Store(tmp_path, 10**9)
    assert not kept.save_arrays(KEY, "base", arrays)  # no dataset kept under that key
    kept.save(KEY, {}, log, None)
    size = sum(a.nbytes for a in arrays.values())
    tight = store.Store(tmp_path, size * store.ARRAYS_SHARE - 1)
    assert not tight.save_arrays(KEY, "base", arrays) and tight.arrays(KEY, "base") is None
    assert kept.save_arrays(KEY, "base", arrays) and kept.arrays(KEY, "base") is not None
    assert kept.forget(KEY) and list(tmp_path.iterdir()) == []


def _lifecycle_tiles(at) -> dict:
    return {m.label: m.value for m in at.metric}


def _open_link(key: str):
    """The link opened on a fresh server: nothing of the dataset in memory."""
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    at = app_test()
    at.query_params["data"] = key
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "link_problem" not in at.session_state
    assert at.session_state["source"].kept_key == key
    return at


def test_the_app_reopens_a_link_from_kept_arrays_old_folders_and_damaged_files(
    tmp_path, monkeypatch
):
    """Through the app: the link's Lifecycle page shows the tiles the upload showed, when
    the arrays are kept, when one is damaged (rebuilt), and for a folder kept before arrays
    were (as Parquet, no arrays: rebuilt, then kept for next time)."""
    monkeypatch.setenv("LENS_STORE_DIR", str(tmp_path))
    at = app_test()
    at.run()
    at.switch_page("app_pages/data.py").run()
    at.segmented_control(key="source_choice").set_value("Upload my export").run()
    at.file_uploader(key="orders_file").set_value(
        ("orders.csv", DEMO_ORDERS.read_bytes(), "text/csv")
    ).run()
    assert not at.exception
    key = at.session_state["source"].key
    folder = tmp_path / key
    # The stages are prepared behind the Data page; the Lifecycle page waits for them.
    at.switch_page("app_pages/lifecycle.py").run()
    uploaded = _lifecycle_tiles(at)
    assert uploaded and not at.exception
    assert (folder / "base.json").exists() and (folder / "lifecycle.json").exists()
    # Once kept, the uploading visit itself uses the kept files, not its heap copies.
    from ui import session

    assert not session._customer_base(key, None).day.flags.writeable
    assert not session._lifecycle_index(key, None).own_median.flags.writeable

    assert _lifecycle_tiles(_open_link(key)) == uploaded  # from the kept arrays

    (folder / "lifecycle.own_median.npy").write_bytes(b"not an array")
    np.save(folder / "base.count.npy", np.ones(3, dtype=np.int64))
    assert _lifecycle_tiles(_open_link(key)) == uploaded  # damaged: rebuilt

    for manifest in ("base.json", "lifecycle.json"):  # as an older app kept it
        (folder / manifest).unlink()
    for array in folder.glob("*.npy"):
        array.unlink()
    orders = pd.read_feather(folder / store.ORDERS)
    orders.to_parquet(folder / "orders.parquet", index=False)
    (folder / store.ORDERS).unlink()
    assert _lifecycle_tiles(_open_link(key)) == uploaded  # old folder: rebuilt
    assert (folder / "base.json").exists() and (folder / "lifecycle.json").exists()


def test_an_upload_is_shown_before_its_lifecycle_stages_which_pages_wait_for(tmp_path, monkeypatch):
    """The upload's Data page is drawn while the lifecycle stages are still being prepared
    behind it (held here until released); the Lifecycle page then waits for them, and the
    stages are prepared once."""
    import threading

    from ui import session

    monkeypatch.setenv("LENS_STORE_DIR", str(tmp_path))
    release, prepared = threading.Event(), []
    settle = session._settle

    def held(source, dataset):
        assert release.wait(60)
        settle(source, dataset)
        prepared.append(source.key)

    monkeypatch.setattr(session, "_settle", held)
    at = app_test()
    at.run()
    at.switch_page("app_pages/data.py").run()
    at.segmented_control(key="source_choice").set_value("Upload my export").run()
    at.file_uploader(key="orders_file").set_value(("orders.csv", ORDERS, "text/csv")).run()
    assert not at.exception and at.subheader[0].value == "Loaded: orders.csv"
    key = at.session_state["source"].key
    assert prepared == [] and key in session._settling
    release.set()
    at.switch_page("app_pages/lifecycle.py").run()
    assert prepared == [key] and key not in session._settling
    assert _lifecycle_tiles(at) and not at.exception
    assert (tmp_path / key / "lifecycle.json").exists()

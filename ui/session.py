"""The session and its data source: what is loaded, opening it once, keeping it, links.

The active data source lives in ``st.session_state["source"]``. A new file becomes active
only once it has been read successfully, so a bad upload never loses what was loaded.
The once-per-dataset work (reading, the customer base, the lifecycle index) is cached per
dataset key (a hash of the file bytes and read options); the pages' own wrappers are in
ui/cache_insights.py and ui/cache_value.py. Every dataset read is also kept on disk
(:mod:`analytics.access.store`) and its key goes in the URL (``?data=<key>``), so a reload
or the link opened elsewhere reopens the same data.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from functools import cached_property

import pandas as pd
import streamlit as st

from analytics import LensError
from analytics.access import store
from analytics.ingest.formats import detect_format, suggest_mapping
from analytics.ingest.io import (
    CDNOW_NAME,
    DEMO_CONTACTS,
    DEMO_CURRENCY,
    DEMO_ORDERS,
    Contacts,
    load_dataset,
)
from analytics.ingest.orders import OrderLog, ReadOptions
from analytics.ingest.readers import read_table
from analytics.ingest.sources import Location
from analytics.insights.customers import (
    CustomerBase,
    as_of,
    base_arrays,
    base_from_arrays,
    build_customer_base,
)
from analytics.insights.lifecycle import LifecycleIndex, index_arrays, index_from_arrays, prepare
from ui import auth, memory, threads

DEMO = "Demo shop"
CDNOW = "CDNOW (CD retailer, 1997-98)"
DATABASE = "Database"


@dataclass(frozen=True)
class Source:
    """What the user loaded: file bytes (or a bundled source) and how to read them."""

    label: str
    orders_name: str = ""
    orders_bytes: bytes = b""
    contacts_name: str = ""
    contacts_bytes: bytes = b""
    options: dict = field(default_factory=dict)
    kept_key: str = ""  # a dataset reopened from disk by its link: no bytes, just the key
    owner: str = ""  # who loaded it, with sign-in on: two people's uploads never share a key

    @cached_property  # hashing a large upload once, not on every rerun
    def key(self) -> str:
        """128 bits of a content hash: the dataset's name in caches, on disk and in links."""
        if self.kept_key:
            return self.kept_key
        digest = hashlib.sha256()
        parts = (self.label, self.orders_name, self.contacts_name, _options_json(self.options))
        for part in (*parts, self.owner):
            digest.update(part.encode() + b"\x00")
        digest.update(hashlib.sha256(self.orders_bytes).digest())
        digest.update(hashlib.sha256(self.contacts_bytes).digest())
        return digest.hexdigest()[:32]

    def describe(self) -> dict:
        """What the disk store keeps of the source (never the bytes)."""
        return {
            "label": self.label,
            "orders_name": self.orders_name,
            "contacts_name": self.contacts_name,
            "options": self.options,
        }


@dataclass
class Dataset:
    source: Source
    log: OrderLog
    base: CustomerBase
    contacts: Contacts | None

    @property
    def name(self) -> str:
        """The name the analyst gave it on the Data page, else its file's or source's."""
        given = st.session_state.get("dataset_names", {}).get(self.source.key)
        return given or shown_name(self.source)

    @property
    def label(self) -> str:
        """Name and period, the start of every chart's subtitle."""
        return f"{self.name} ({self.base.data_start:%d %b %Y} – {self.base.data_end:%d %b %Y})"


def shown_name(source: Source) -> str:
    """The dataset's name as pages write it (see :func:`_plain`)."""
    return _plain(source.orders_name or source.label)


def _plain(text: str) -> str:
    """A visitor's text (a file name, a dataset's name) as pages may show it: pages render
    Markdown, so no bracket or angle bracket may make it a link or an image that loads in a
    colleague's browser."""
    return text.translate(str.maketrans("", "", "[]<>"))


def _options_json(options: dict) -> str:
    return json.dumps(options, sort_keys=True, default=str)


def demo_source() -> Source:
    return Source(
        DEMO,
        orders_name="demo_orders.csv",
        orders_bytes=DEMO_ORDERS.read_bytes(),
        contacts_name="demo_contacts.csv",
        contacts_bytes=DEMO_CONTACTS.read_bytes(),
        options={"currency": DEMO_CURRENCY},
    )


def read_options(options: dict) -> ReadOptions:
    fields = ReadOptions.__dataclass_fields__
    return ReadOptions(**{k: v for k, v in options.items() if k in fields})


def upload_source(orders_file, contacts_file, options: dict) -> Source:
    """The uploaded files as a source. The same one while the files and options stay: a
    rerun of the Data page neither copies the upload again nor hashes it (0.15 s for a 180
    MB export, on every click)."""
    files = [f for f in (orders_file, contacts_file) if f is not None]
    owner = auth.user() or ""
    same = (tuple(f.file_id for f in files), _options_json(options), owner)
    held = st.session_state.get("upload_source")
    if held is not None and held[0] == same:
        return held[1]
    source = Source(
        "Upload",
        orders_name=orders_file.name,
        orders_bytes=orders_file.getvalue(),
        contacts_name=contacts_file.name if contacts_file else "",
        contacts_bytes=contacts_file.getvalue() if contacts_file else b"",
        options=options,
        owner=owner,
    )
    st.session_state["upload_source"] = (same, source)
    return source


def location_source(location: Location, mapping: dict) -> Source:
    """A database (or Parquet dataset) read now: each read is a new dataset, so a link
    reopens the data as it was read, and a new read sees new orders."""
    return Source(
        DATABASE,
        orders_name=location.name,
        options={"location": asdict(location), "mapping": mapping, "read_at": time.time()},
        owner=auth.user() or "",
    )


# cache_resource, not cache_data: cache_data would unpickle the whole order log on every
# rerun (seconds at a million customers, with no message on screen). Nothing mutates it.
@st.cache_resource(max_entries=4, show_spinner="Reading and cleaning the orders…")
def _inputs(key: str, _source: Source) -> tuple[OrderLog, Contacts | None]:
    kept_on_disk = store.default_store()
    if _source.label != DEMO and kept_on_disk is not None:
        _recent.append(key)
        kept, base = _take_early(key)
        if kept is not None:
            kept_on_disk.used(key)  # read early, opened now
        kept = kept or kept_on_disk.load(key)
        if kept is not None:
            if base is not None:
                _early_bases[key] = (kept.log.orders, base)
            return kept.log, kept.contacts
    if _source.kept_key:
        raise LensError(LINK_GONE)
    name = CDNOW_NAME if _source.label == CDNOW else _source.orders_name
    where = _source.options.get("location")
    log, contacts = load_dataset(
        name,
        _source.orders_bytes,
        read_options(_source.options),
        _source.contacts_name,
        _source.contacts_bytes,
        location=Location(**where) if where else None,
    )
    return log, contacts


# A link's dataset read while the browser loads Streamlit's front end (ui/server.py asks for
# it when the page is asked for), before the visitor's run: key -> (a token, the reading: the
# kept dataset and the customer base from its kept arrays). That run takes it once (_inputs,
# then _customer_base); one never taken is let go after EARLY_KEEP_S, and a key with nothing
# kept under it at once. Reading is not showing: open_link decides that, as for any link.
EARLY_KEEP_S = 60.0
EARLY_MAX = 2  # readings under way or held: a burst of requests never fills the memory
_early: dict[str, tuple[object, Future]] = {}
_early_bases: dict[str, tuple[pd.DataFrame, CustomerBase]] = {}
_early_lock = threading.Lock()
_recent: deque[str] = deque(maxlen=4)  # kept datasets read lately: likely in _inputs' cache


def read_early(key: str) -> None:
    """Start reading the kept dataset ``key`` in a thread, for a run about to open its link;
    not when it was read lately (the cache holds it), is being read, or EARLY_MAX readings
    are under way or held already."""
    kept_on_disk = store.default_store()
    token, future = object(), Future()
    with _early_lock:
        if kept_on_disk is None or key in _recent or key in _early or len(_early) >= EARLY_MAX:
            return
        _early[key] = (token, future)
    try:
        threading.Thread(
            target=_read_early,
            args=(kept_on_disk, key, token, future),
            name="lens-early",
            daemon=True,
        ).start()
    except RuntimeError:  # no thread to be had: the run reads the dataset itself
        _drop_early(key, token)
        future.set_result((None, None))


def _read_early(kept_on_disk: store.Store, key: str, token: object, future: Future) -> None:
    kept = base = None
    try:
        kept = kept_on_disk.load(key, used=False)  # opened only once a run takes it
        base = _kept_base(key, kept.log.orders) if kept is not None else None
    finally:
        future.set_result((kept, base))
        if kept is None:
            _drop_early(key, token)  # nothing kept under this key: no place held for it
        else:  # the timer holds the token only, not the reading
            drop = threading.Timer(EARLY_KEEP_S, _drop_early, (key, token))
            drop.daemon = True
            drop.start()


def _take_early(key: str) -> tuple:
    """The early reading of ``key`` (waiting for it if it is under way), once: the kept
    dataset and its customer base, each None when not read early."""
    with _early_lock:
        _, future = _early.pop(key, (None, None))
    return future.result() if future is not None else (None, None)


def _drop_early(key: str, token: object) -> None:
    with _early_lock:
        if key in _early and _early[key][0] is token:
            del _early[key]


def _keep(source: Source, log: OrderLog, contacts: Contacts | None) -> None:
    """Keep a dataset on disk, so a reload or its link reopens it (the demo is at hand).
    One visit keeps a bounded number, so no visitor fills the disk the others share."""
    kept_on_disk = store.default_store()
    if source.label == DEMO or source.kept_key or kept_on_disk is None:
        return
    mine = st.session_state.setdefault("kept_keys", [])
    if source.key in mine:
        return
    if len(mine) >= store.session_limit():
        st.session_state["not_kept"] = (
            f"Not kept on this server: this visit already keeps {len(mine)} datasets, the "
            "most one visit may. The data is open now, but its link will not reopen it: "
            "forget a dataset you no longer need on the Data page, then load this one again."
        )
        return
    kept_on_disk.save(source.key, source.describe(), log, contacts, owner=source.owner or None)
    mine.append(source.key)
    st.session_state.pop("not_kept", None)


def forget(source: Source) -> bool:
    """Remove the dataset from the server's disk and from every cache in memory; the demo
    becomes active. True when a kept dataset was removed."""
    kept_on_disk = store.default_store()
    removed = kept_on_disk.forget(source.key) if kept_on_disk is not None else False
    # Every cache entry of this dataset goes: the caches are shared and keyed by dataset,
    # and no entry may outlive the data it came from.
    st.cache_resource.clear()
    st.cache_data.clear()
    _take_early(source.key)  # a link's reading too (waited for if under way), and let go
    _early_bases.pop(source.key, None)
    mine = st.session_state.get("kept_keys", [])
    if source.key in mine:
        mine.remove(source.key)
    st.session_state["source"] = demo_source()
    return removed


def clean_name(dataset: Dataset, name: str) -> str:
    """A name as it will be shown: a visitor's text, so brackets removed as for file names,
    spaces squeezed, at most 80 characters; blank gives back the source's own name."""
    name = " ".join(_plain(name).split())[:80]
    return name or shown_name(dataset.source)


def rename(dataset: Dataset, name: str) -> None:
    """Name a dataset for pages, links and the PDF: kept with it on the server, so its link
    reopens it under that name."""
    name = clean_name(dataset, name)
    names = st.session_state.setdefault("dataset_names", {})
    if name == shown_name(dataset.source):
        names.pop(dataset.source.key, None)
        name = ""
    else:
        names[dataset.source.key] = name
    kept_on_disk = store.default_store()
    if kept_on_disk is not None and may_forget(dataset.source):
        kept_on_disk.rename(dataset.source.key, name)


def may_forget(source: Source) -> bool:
    """Whoever may open a kept dataset may forget (or rename) it, except a shared one:
    only its owner (:func:`analytics.access.store.may_change`)."""
    kept_on_disk = store.default_store()
    if kept_on_disk is None or source.label == DEMO:
        return False
    return store.may_change(kept_on_disk.meta(source.key) or {}, auth.user())


LINK_GONE = (
    "The data of this link is no longer kept on this server (datasets not opened for a "
    "while are removed, or keeping data is turned off). Showing the demo shop: load your "
    "export again on the Data page."
)


def open_link(key: str | None) -> None:
    """Once per session: make the dataset named by the URL's ``data`` key active."""
    if st.session_state.get("_link_read"):
        return
    st.session_state["_link_read"] = True
    if not key or st.session_state.get("source") is not None:
        return
    kept_on_disk = store.default_store()
    if kept_on_disk is not None:
        kept_on_disk.prune()  # datasets past their keeping time go before any is opened
    # What is kept about it, not its data: the data is read once, by _inputs, and only
    # for someone who may see it.
    meta = kept_on_disk.meta(key) if kept_on_disk is not None else None
    if meta is None or "source" not in meta:
        st.session_state["link_problem"] = LINK_GONE
        return
    refusal = store.refusal(meta, auth.user())
    if refusal:
        st.session_state["link_problem"] = refusal
        return
    if meta.get("name"):
        st.session_state.setdefault("dataset_names", {})[key] = meta["name"]
    described = meta["source"]
    st.session_state["source"] = Source(
        described["label"],
        orders_name=described["orders_name"],
        contacts_name=described["contacts_name"],
        options=described["options"],
        kept_key=key,
    )


def currency(dataset: Dataset | None = None) -> str | None:
    """The currency money is shown in: the user's choice on the Data page for this dataset,
    else the one read from the file; None when neither names one (plain numbers)."""
    dataset = dataset or current_dataset()
    chosen = chosen_currency(dataset)
    if chosen is None:
        return dataset.log.currency
    return chosen or None  # "" is the user's "no currency"


def chosen_currency(dataset: Dataset) -> str | None:
    """The user's own currency for this dataset ("" for plain numbers); None if they chose
    none (the one read from the file applies)."""
    return st.session_state.get("currency_choice", {}).get(dataset.source.key)


def choose_currency(dataset: Dataset, code: str | None) -> None:
    """Remember the user's currency for this dataset ("" for plain numbers)."""
    st.session_state.setdefault("currency_choice", {})[dataset.source.key] = code


def take_link_currency(dataset: Dataset) -> None:
    """A link's currency (read by :func:`ui.params.init`) becomes the choice for the data the
    link opened, so a reload or a colleague sees the money as it was shown."""
    code = st.session_state.pop("link_currency", None)
    if code is not None:
        choose_currency(dataset, code)


def data_link_key() -> str | None:
    """The key the URL should carry: the active dataset's, unless it is the demo shop."""
    source = st.session_state.get("source")
    return None if source is None or source.label == DEMO else source.key


# cache_resource, not cache_data: the base holds large arrays that analytics never mutates,
# and copying them on every rerun would cost more than the work they save.
@st.cache_resource(max_entries=4, show_spinner="Summarising customers…")
def _customer_base(key: str, _orders: pd.DataFrame) -> CustomerBase:
    orders, base = _early_bases.pop(key, (None, None))
    if orders is _orders:
        return base  # made by the link's early reading (read_early), from these very orders
    base = _kept_base(key, _orders)  # a kept dataset reopened: its base was kept with it
    return base if base is not None else build_customer_base(_orders)


def _kept_base(key: str, orders: pd.DataFrame) -> CustomerBase | None:
    """A kept dataset's customer base, from the arrays kept with it; None when there are
    none, or they were kept by an older app or are damaged (then it is made again)."""
    arrays = _kept_arrays(key, "base")
    if arrays is None:
        return None
    try:
        return base_from_arrays(orders, arrays)
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _kept_arrays(key: str, group: str) -> dict | None:
    kept_on_disk = store.default_store()
    return kept_on_disk.arrays(key, group) if kept_on_disk is not None else None


def _keep_arrays(key: str, base: CustomerBase, index: LifecycleIndex) -> None:
    """Keep a kept dataset's customer base and lifecycle index beside it, so its next
    reopen (a reload, a link, a fresh server) maps them instead of computing them."""
    kept_on_disk = store.default_store()
    if kept_on_disk is None or kept_on_disk.meta(key) is None:
        return  # not kept (the demo, keeping off, or the visit's limit reached)
    try:
        arrays = base_arrays(base)
    except ValueError:
        return
    if kept_on_disk.save_arrays(key, "base", arrays):
        kept_on_disk.save_arrays(key, "lifecycle", index_arrays(index))


def open_dataset(source: Source) -> Dataset:
    """Read a source through the caches; raises LensError on bad input."""
    key = source.key
    log, contacts = _inputs(key, source)
    dataset = Dataset(source, log, _customer_base(key, log.orders), contacts)
    _early_bases.pop(key, None)  # a base read early and not taken (its base was cached)
    return dataset


@memory.roomily  # one burst of temporaries, reused from the heap (the 1M summary 1.0 -> 0.65 s)
def _open_with_progress(source: Source, bar) -> None:
    """Every step of opening a dataset, each named on the progress bar."""
    key = source.key
    log, contacts = _inputs(key, source)
    customers = log.orders["customer_id"].nunique()
    bar.progress(
        0.55,
        text=f"Keeping {len(log.orders):,} orders for the link, summarising {customers:,} "
        "customers…",
    )
    # Both at once: writing the files lets go of Python's lock, and the summary's loops too.
    kept = threads.beside(_keep, source, log, contacts)
    dataset = Dataset(source, log, _customer_base(key, log.orders), contacts)
    kept()
    bar.progress(1.0, text="Ready: drawing the pages…")
    # The lifecycle stages are prepared while the pages are drawn (1-2 s at a million
    # customers); whatever needs them first waits for them (see lifecycle_index).
    _settling[key] = threads.beside(_settle, source, dataset)


# Datasets whose lifecycle stages are being prepared behind the pages: key -> a call that
# waits for them (see _settle).
_settling: dict[str, Callable[[], None]] = {}


def _settle(source: Source, dataset: Dataset) -> None:
    """The lifecycle index, kept beside the dataset; then, if kept, the base and the index
    used from their files, as a link opens them (pages the system can drop and read again),
    not from the copies just built in the server's heap (822 MB after a 1M-customer upload
    instead of 981)."""
    key = source.key
    _lifecycle_index(key, dataset)
    if _kept_arrays(key, "lifecycle") is not None:
        _customer_base.clear(key, None)
        _lifecycle_index.clear(key, None)
        reopened = open_dataset(source)
        _lifecycle_index(key, reopened)


def try_open(source: Source) -> None:
    """Open a source and make it active; on failure show why and keep the previous one."""
    bar = st.progress(0.0, text=f"Reading and cleaning {shown_name(source)}…")
    try:
        _open_with_progress(source, bar)
    except LensError as exc:
        bar.empty()  # no half-done bar under the error
        return _refuse(source, str(exc))
    except Exception as exc:  # noqa: BLE001 - a user must never see a traceback
        bar.empty()
        return _refuse(
            source,
            f"This file could not be read ({type(exc).__name__}: {str(exc)[:150]}). Check that "
            "it is an order export, or save it again as CSV.",
        )
    st.session_state["source"] = source
    st.session_state.pop("failed", None)
    # Start a fresh run so the sidebar (drawn before the page) follows the new data.
    st.rerun()


def _refuse(source: Source, message: str) -> None:
    st.session_state["failed"] = (source.key, message)
    previous = st.session_state.get("source")
    kept = f" Still showing: {shown_name(previous)}." if previous else ""
    st.error(message + kept, icon=":material/error:")
    return None


def open_if_new(candidate: Source) -> None:
    """Open an uploaded source unless it is already active (or already refused)."""
    active = st.session_state.get("source")
    if active is not None and active.key == candidate.key:
        return
    failed = st.session_state.get("failed")
    if failed and failed[0] == candidate.key:
        st.error(failed[1], icon=":material/error:")
        return
    try_open(candidate)


def current_dataset() -> Dataset:
    """The active dataset (the demo shop until the user loads something else)."""
    source = st.session_state.get("source") or demo_source()
    try:
        dataset = open_dataset(source)
    except Exception as exc:  # noqa: BLE001 - a source that loaded once and fails now: demo
        st.session_state["link_problem"] = (
            str(exc)
            if isinstance(exc, LensError)
            else f"{shown_name(source)} could not be "
            "opened again. Showing the demo shop: load your export again on the Data page."
        )
        source = demo_source()
        dataset = open_dataset(source)
    st.session_state["source"] = source
    if st.session_state.get("dataset_key") != source.key:
        # A new dataset: the reference date starts at its last order.
        st.session_state["dataset_key"] = source.key
        st.session_state["ref_date"] = dataset.base.data_end.date()
    return dataset


@st.cache_resource(max_entries=4, show_spinner="Preparing lifecycle data…")
@memory.roomily  # see _open_with_progress
def _lifecycle_index(key: str, _dataset: Dataset) -> LifecycleIndex:
    contacts = _dataset.contacts.contacts if _dataset.contacts is not None else None
    arrays = _kept_arrays(key, "lifecycle")
    if arrays is not None:  # a kept dataset reopened: its index was kept with it
        try:
            return index_from_arrays(_dataset.base, arrays, contacts)
        except (ValueError, KeyError, TypeError):
            pass  # kept by an older app, or damaged: prepared again below
    index = prepare(_dataset.base, contacts)
    _keep_arrays(key, _dataset.base, index)
    return index


def lifecycle_index(dataset: Dataset) -> LifecycleIndex:
    """The once-per-dataset lifecycle arrays (gaps, running median gaps, lookup keys); just
    after an upload, once they are prepared behind the pages (or with that work's error)."""
    key = dataset.source.key
    settling = _settling.get(key)
    if settling is not None:
        try:
            settling()
        finally:
            _settling.pop(key, None)
    return _lifecycle_index(key, dataset)


# One entry or two: a base is about 160 MB at 1M customers, and only an earlier reference
# date than the data's end makes one.
@st.cache_resource(max_entries=2, ttl="1h", show_spinner="Taking the orders up to the date…")
def _as_of(key: str, _base: CustomerBase, end: pd.Timestamp) -> CustomerBase:
    return as_of(_base, end)


def base_as_of(dataset: Dataset, ref_date) -> CustomerBase:
    """The customer base as it stood on the reference date, no later order seen (the cohorts,
    the payback and the backtest use it): at the data's end, the default, the base itself.
    Read only: it is shared."""
    end = pd.Timestamp(ref_date).normalize()
    if end >= dataset.base.data_end:
        return dataset.base
    return _as_of(dataset.source.key, dataset.base, end)


@st.cache_data(max_entries=4, show_spinner="Reading the file's columns…")
def _file_layout(key: str, _source: Source) -> dict:
    options = read_options(_source.options)
    raw = read_table(
        _source.orders_bytes, _source.orders_name, encoding=options.encoding, sheet=options.sheet
    )
    columns = list(raw.frame.columns)
    fmt = detect_format(columns) if options.format == "auto" else options.format
    return {"columns": columns, "sheets": raw.sheets, "mapping": suggest_mapping(columns, fmt)}


def file_layout(source: Source) -> dict | None:
    """Columns, sheets and suggested mapping of an uploaded file, or None if unreadable."""
    active = st.session_state.get("source")
    if active is not None and active.key == source.key:  # read already: no second reading
        log = _inputs(source.key, source)[0]
        return {
            "columns": log.columns,
            "sheets": log.table_info.get("sheets") or [],
            "mapping": suggest_mapping(log.columns, log.format),
        }
    try:
        return _file_layout(source.key, source)
    except Exception:  # noqa: BLE001 - the reason is already shown by try_open
        return None


def open_campaign(dataset: Dataset, result) -> None:
    """Remember the campaign result shown, for the PDF report (see :func:`open_campaigns`)."""
    open_campaigns()[dataset.source.key] = result


def open_campaigns() -> dict:
    """The session's open campaign result per dataset key, in a holder the PDF button reads
    when clicked (the Campaigns page runs after the sidebar has drawn the button)."""
    return st.session_state.setdefault("open_campaign", {})

"""Datasets kept on disk, so a reload or a shared link reopens the same data.

What is kept is what reading produced, never the raw upload: the clean order log and
contacts (Parquet) and how they were made (JSON: quality report, mapping, source name and
reading options). Each dataset sits in a folder named by its key, a 128-bit content hash
that only someone holding the link knows; nothing lists the folder to users. With sign-in,
a dataset also records who loaded it (its *owner*) and opens only for them, unless they
shared it with everyone signed in (:meth:`Store.refusal`).

The folder is ``$LENS_STORE_DIR`` (default ``~/.cache/lifecycle-lens/datasets``), capped at
``$LENS_STORE_MB`` megabytes (default 2,000): the least recently opened datasets go first.
A dataset is removed ``$LENS_KEEP_DAYS`` days after it was kept (default 30; 0 keeps it
until the cap removes it), or at once when a user forgets it. ``LENS_KEEP_DATA=0`` turns
keeping off.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.ingest.io import Contacts
from analytics.ingest.orders import PREVIEW, OrderLog, QualityReport

KEY = re.compile(r"[0-9a-f]{32}")  # anything else (a hand-edited link) is never a path
DEFAULT_CAP_MB = 2000
DEFAULT_KEEP_DAYS = 30
ARRAYS_VERSION = 1  # what save_arrays writes; a group kept by another version is rebuilt
ARRAYS_SHARE = 4  # one dataset's arrays take at most 1/4 of the cap (else rebuilt on reopen)
SESSION_DATASETS = 5  # kept on disk per visit (LENS_SESSION_DATASETS)
NOT_YOURS = (
    "This link opens data that someone else loaded and did not share: ask them to choose "
    "'Share with everyone signed in to this app' on the Data page, or load your own export."
)


ORDERS = "orders.arrow"  # the clean order log: Arrow's file format, LZ4-compressed


def _write_arrow(frame: pd.DataFrame, path: Path) -> None:
    """A frame as one Arrow record batch: read back without Parquet's decoding, and with
    each categorical column's dictionary once (not once per batch, to be unified)."""
    import pyarrow.feather as feather

    table = _arrow(frame).combine_chunks()
    feather.write_feather(table, path, compression="lz4", chunksize=max(len(frame), 1))


def _arrow(frame: pd.DataFrame):
    """The frame as an Arrow table, each categorical column made from its codes and its
    categories as they are. pyarrow's own conversion takes Arrow-backed text categories
    one value at a time: 0.7 s for a million customer ids, holding Python's lock, so the
    customers' summary made beside the keeping waited for it."""
    import pyarrow as pa

    categorical = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    table = pa.Table.from_pandas(frame.drop(columns=categorical), preserve_index=False)
    for name in categorical:
        codes = frame[name].cat.codes.to_numpy()
        values = pa.array(frame[name].cat.categories.array)
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        column = pa.DictionaryArray.from_arrays(
            pa.array(codes, mask=codes < 0), values, ordered=frame[name].cat.ordered
        )
        table = table.append_column(name, column)
    return table.select(list(frame.columns))


def _read_arrow(path: Path) -> pd.DataFrame:
    import pyarrow.feather as feather

    return _frame(feather.read_table(path, memory_map=True))


def _frame(table) -> pd.DataFrame:
    """The table as a frame, each dictionary column made a categorical from its codes and
    its values as they are (see :func:`_arrow`: pyarrow's own way takes 0.35-0.5 s for a
    million customer ids on every reopen, this one 0.08 s)."""
    import pyarrow as pa

    table = table.unify_dictionaries()
    coded = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
    frame = table.drop_columns(coded).to_pandas()
    for name in coded:
        column = table.column(name).combine_chunks()
        frame[name] = pd.Categorical.from_codes(
            column.indices.fill_null(-1).to_numpy(),
            categories=pd.Index(column.dictionary.to_pandas()),
            ordered=column.type.ordered,
            validate=False,
        )
    return frame[table.column_names]


@dataclass(frozen=True)
class Kept:
    """A dataset read back from disk: the source's description and what reading made."""

    source: dict  # label, orders_name, contacts_name, options
    log: OrderLog
    contacts: Contacts | None


@dataclass(frozen=True)
class Store:
    folder: Path
    cap_bytes: int
    keep_days: float = DEFAULT_KEEP_DAYS  # 0: no time limit

    def _path(self, key: str) -> Path | None:
        return self.folder / key if KEY.fullmatch(key or "") else None

    def save(
        self,
        key: str,
        source: dict,
        log: OrderLog,
        contacts: Contacts | None,
        owner: str | None = None,
    ) -> None:
        """Keep a dataset (atomically: a half-written folder is never read), then prune.
        ``owner``: who loaded it, when visitors sign in (None: anyone with the link)."""
        path = self._path(key)
        if path is None or path.exists():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".incoming-", dir=self.folder))
        try:
            _write_arrow(log.orders, work / ORDERS)
            log.preview.to_parquet(work / "preview.parquet", index=False)
            if log.lines is not None:  # products as Parquet dictionary codes, not text per line
                import pyarrow.parquet as pq

                pq.write_table(_arrow(log.lines), work / "lines.parquet")
            meta = {
                "source": source,
                "report": log.report.to_dict(),
                "format": log.format,
                "mapping": log.mapping,
                "columns": log.columns,
                "table_info": log.table_info,
                "currency": log.currency,
                "currencies": log.currencies,
                "owner": owner,
                "shared": False,
                "kept_at": time.time(),
            }
            if contacts is not None:
                contacts.contacts.to_parquet(work / "contacts.parquet", index=False)
                meta["contacts"] = {
                    "dropped": contacts.dropped,
                    "warnings": contacts.warnings,
                    "mapping": contacts.mapping,
                }
            (work / "meta.json").write_text(json.dumps(meta, default=str))
            work.rename(path)
        except OSError:
            shutil.rmtree(work, ignore_errors=True)  # a full disk must not break the app
            return
        self.prune()

    def load(self, key: str, used: bool = True) -> Kept | None:
        """The dataset kept under ``key``, or None (never kept, pruned, or unreadable).
        ``used``: counts as opened (the datasets opened least recently are pruned first);
        a link read early is not, until a visitor's run takes it (:meth:`used`)."""
        path = self._path(key)
        if path is None or not (path / "meta.json").exists():
            return None
        try:
            meta = json.loads((path / "meta.json").read_text())
            if (path / ORDERS).exists():
                orders = _read_arrow(path / ORDERS)
            else:  # kept before the order log was kept as Arrow
                orders = pd.read_parquet(path / "orders.parquet")
            if (path / "preview.parquet").exists():
                preview = pd.read_parquet(path / "preview.parquet")
            else:  # kept while the order log still held every order id, in the file's order
                preview = orders.head(PREVIEW)
                orders = orders.drop(columns="order_id", errors="ignore")
            lines = None
            if (path / "lines.parquet").exists():
                import pyarrow.parquet as pq

                lines = _frame(pq.read_table(path / "lines.parquet"))
            contacts = None
            if "contacts" in meta:
                contacts = Contacts(pd.read_parquet(path / "contacts.parquet"), **meta["contacts"])
            if used:
                self.used(key)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        log = OrderLog(
            orders,
            QualityReport(**meta["report"]),
            meta["format"],
            meta["mapping"],
            meta["columns"],
            meta["table_info"],
            meta.get("currency"),  # kept before currencies were detected: unknown
            meta.get("currencies", {}),
            preview,
            lines,
        )
        return Kept(meta["source"], log, contacts)

    def save_arrays(self, key: str, group: str, arrays: dict[str, np.ndarray]) -> bool:
        """Keep the arrays computed from a kept dataset (its customer base, its lifecycle
        index), so a reopen maps them instead of computing them again. One ``.npy`` file per
        array, then a manifest naming them (``<group>.json``, with :data:`ARRAYS_VERSION`),
        written last: a reader sees all of them or none. Not kept when the dataset is not
        (or no longer) kept, or when they would take more than 1/:data:`ARRAYS_SHARE` of
        the cap. True when kept."""
        path = self._path(key)
        if path is None or not group.isidentifier() or not (path / "meta.json").exists():
            return False
        if sum(a.nbytes for a in arrays.values()) * ARRAYS_SHARE > self.cap_bytes:
            return False
        try:
            for name, array in arrays.items():
                if not name.isidentifier() or array.dtype.hasobject:
                    return False
                spare = path / f".{group}.{name}.{os.getpid()}.{time.time_ns()}.npy"
                np.save(spare, np.ascontiguousarray(array), allow_pickle=False)
                spare.replace(path / f"{group}.{name}.npy")
            manifest = {"version": ARRAYS_VERSION, "names": sorted(arrays)}
            spare = path / f".{group}.{os.getpid()}.{time.time_ns()}.json"
            spare.write_text(json.dumps(manifest))
            spare.replace(path / f"{group}.json")
        except OSError:  # a full disk, or forgotten meanwhile: reopening rebuilds them
            return False
        self.prune()
        return True

    def used(self, key: str) -> None:
        """Mark the dataset as opened now: recently used, pruned last."""
        path = self._path(key)
        if path is not None:
            os.utime(path / "meta.json")

    def arrays(self, key: str, group: str) -> dict[str, np.ndarray] | None:
        """The arrays kept by :meth:`save_arrays`, memory-mapped (read-only, read from
        disk as they are used); None when none are kept, they were kept by another
        version, or a file is unreadable (then the caller computes them again)."""
        path = self._path(key)
        if path is None or not group.isidentifier():
            return None
        try:
            manifest = json.loads((path / f"{group}.json").read_text())
            if manifest.get("version") != ARRAYS_VERSION:
                return None
            out = {}
            for name in manifest["names"]:
                if not str(name).isidentifier():
                    return None
                kept = np.load(path / f"{group}.{name}.npy", mmap_mode="r", allow_pickle=False)
                out[name] = np.asarray(kept)  # a plain array view of the mapped file
            return out
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def meta(self, key: str) -> dict | None:
        """What is kept about a dataset (its source, owner, sharing, name, spend...), without
        reading its data; None when nothing is kept under ``key``."""
        path = self._path(key)
        try:
            return json.loads((path / "meta.json").read_text()) if path else None
        except (OSError, ValueError):
            return None

    def refusal(self, key: str, user: str | None) -> str | None:
        """Why ``user`` may not open the dataset kept under ``key`` (None: they may)."""
        return refusal(self.meta(key) or {}, user)

    def share(self, key: str, shared: bool) -> None:
        """Open (or close) a kept dataset to everyone signed in to the app."""
        self._update(key, shared=bool(shared))

    def _update(self, key: str, **fields) -> None:
        meta = self.meta(key)
        if meta is None:
            return
        meta.update(fields)
        path = self._path(key)
        spare = path / "meta.json.new"
        spare.write_text(json.dumps(meta, default=str))
        spare.replace(path / "meta.json")

    def rename(self, key: str, name: str) -> None:
        """The name people call a kept dataset by (a link reopens it under that name)."""
        self._update(key, name=name)

    def keep_spend(self, key: str, spend: pd.DataFrame) -> None:
        """The marketing spend entered for a kept dataset, kept with it (as text cells)."""
        self._update(key, spend=spend.astype("str").to_dict("records"))

    def spend(self, key: str) -> pd.DataFrame | None:
        """The spend kept with a dataset, or None when none was entered."""
        rows = (self.meta(key) or {}).get("spend")
        return pd.DataFrame(rows, dtype="str") if rows else None

    def forget(self, key: str) -> bool:
        """Remove a kept dataset from the disk; True when there was one."""
        path = self._path(key)
        if path is None or not path.exists():
            return False
        # Renamed first, so no reader ever sees a half-removed folder.
        gone = path.with_name(f".forgotten-{key}-{time.time_ns()}")
        path.rename(gone)
        shutil.rmtree(gone, ignore_errors=True)
        return True

    def prune(self) -> None:
        """Remove the datasets kept longer than ``keep_days``, then the least recently
        used until the folder is under its cap."""
        if not self.folder.exists():
            return
        entries = []
        now = time.time()
        for path in self.folder.iterdir():
            meta = path / "meta.json"
            if KEY.fullmatch(path.name) and meta.exists():
                if self.keep_days and now - self._kept_at(path) > self.keep_days * 86400:
                    self.forget(path.name)
                    continue
                size = sum(f.stat().st_size for f in path.iterdir())
                entries.append((meta.stat().st_mtime, size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.cap_bytes:
                break
            shutil.rmtree(path, ignore_errors=True)
            total -= size
        # Leftovers of a save that crashed half-way, after an hour.
        for path in self.folder.glob(".incoming-*"):
            if time.time() - path.stat().st_mtime > 3600:
                shutil.rmtree(path, ignore_errors=True)
        for path in self.folder.glob(".forgotten-*"):  # a removal that was cut short
            shutil.rmtree(path, ignore_errors=True)

    def _kept_at(self, path: Path) -> float:
        """When a dataset was kept (its folder's time for one kept before this was written)."""
        try:
            return float((self.meta(path.name) or {})["kept_at"])
        except (KeyError, TypeError, ValueError):
            return path.stat().st_mtime


def refusal(meta: dict, user: str | None) -> str | None:
    """Why ``user`` may not open a kept dataset, from its ``meta`` (None: they may). A
    dataset with an owner opens for its owner, or for anyone signed in once shared."""
    if not meta.get("owner") or meta["owner"] == user or (meta.get("shared") and user):
        return None
    return NOT_YOURS


def may_change(meta: dict, user: str | None) -> bool:
    """Whether ``user`` may rename, share or forget a kept dataset: its owner, or anyone
    with the link when it has none (kept without sign-in)."""
    return not meta.get("owner") or meta["owner"] == user


def session_limit() -> int:
    """How many datasets one visit may keep (``LENS_SESSION_DATASETS``, default 5)."""
    return int(_number("LENS_SESSION_DATASETS", SESSION_DATASETS))


def store_folder() -> Path:
    """Where datasets are kept: ``$LENS_STORE_DIR``, else the user's cache folder."""
    default = Path.home() / ".cache" / "lifecycle-lens" / "datasets"
    return Path(os.environ.get("LENS_STORE_DIR") or default).expanduser()


def _number(name: str, default: float) -> float:
    try:
        return max(float(os.environ.get(name) or default), 0.0)
    except ValueError:
        return default


def default_store() -> Store | None:
    """The store the environment asks for, or None when keeping is turned off."""
    if os.environ.get("LENS_KEEP_DATA", "1").strip().lower() in ("0", "no", "off", "false"):
        return None
    cap_mb = _number("LENS_STORE_MB", DEFAULT_CAP_MB)
    return Store(store_folder(), int(cap_mb * 1e6), _number("LENS_KEEP_DAYS", DEFAULT_KEEP_DAYS))

"""Datasets kept on disk, so a reload or a shared link reopens the same data.

What is kept is what reading produced, never the raw upload: the clean order log and
contacts (Parquet) and how they were made (JSON: quality report, mapping, source name and
reading options). Each dataset sits in a folder named by its key, a 128-bit content hash
that only someone holding the link knows; nothing lists the folder to users.

The folder is ``$LENS_STORE_DIR`` (default ``~/.cache/lifecycle-lens/datasets``), capped at
``$LENS_STORE_MB`` megabytes (default 2,000): the least recently opened datasets go first.
``LENS_KEEP_DATA=0`` turns keeping off.
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

import pandas as pd

from analytics.io import Contacts
from analytics.orders import PREVIEW, OrderLog, QualityReport

KEY = re.compile(r"^[0-9a-f]{32}$")  # anything else (a hand-edited link) is never a path
DEFAULT_FOLDER = Path.home() / ".cache" / "lifecycle-lens" / "datasets"
DEFAULT_CAP_MB = 2000


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

    def _path(self, key: str) -> Path | None:
        return self.folder / key if KEY.match(key or "") else None

    def save(self, key: str, source: dict, log: OrderLog, contacts: Contacts | None) -> None:
        """Keep a dataset (atomically: a half-written folder is never read), then prune."""
        path = self._path(key)
        if path is None or path.exists():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".incoming-", dir=self.folder))
        try:
            log.orders.to_parquet(work / "orders.parquet", index=False)
            log.preview.to_parquet(work / "preview.parquet", index=False)
            meta = {
                "source": source,
                "report": log.report.to_dict(),
                "format": log.format,
                "mapping": log.mapping,
                "columns": log.columns,
                "table_info": log.table_info,
                "currency": log.currency,
                "currencies": log.currencies,
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

    def load(self, key: str) -> Kept | None:
        """The dataset kept under ``key``, or None (never kept, pruned, or unreadable)."""
        path = self._path(key)
        if path is None or not (path / "meta.json").exists():
            return None
        try:
            meta = json.loads((path / "meta.json").read_text())
            orders = pd.read_parquet(path / "orders.parquet")
            if (path / "preview.parquet").exists():
                preview = pd.read_parquet(path / "preview.parquet")
            else:  # kept while the order log still held every order id, in the file's order
                preview = orders.head(PREVIEW)
                orders = orders.drop(columns="order_id", errors="ignore")
            contacts = None
            if "contacts" in meta:
                contacts = Contacts(pd.read_parquet(path / "contacts.parquet"), **meta["contacts"])
            os.utime(path / "meta.json")  # recently used: pruned last
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
        )
        return Kept(meta["source"], log, contacts)

    def prune(self) -> None:
        """Remove the least recently used datasets until the folder is under its cap."""
        entries = []
        for path in self.folder.iterdir():
            meta = path / "meta.json"
            if KEY.match(path.name) and meta.exists():
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


def default_store() -> Store | None:
    """The store the environment asks for, or None when keeping is turned off."""
    if os.environ.get("LENS_KEEP_DATA", "1").strip().lower() in ("0", "no", "off", "false"):
        return None
    folder = Path(os.environ.get("LENS_STORE_DIR") or DEFAULT_FOLDER).expanduser()
    try:
        cap_mb = float(os.environ.get("LENS_STORE_MB") or DEFAULT_CAP_MB)
    except ValueError:
        cap_mb = DEFAULT_CAP_MB
    return Store(folder, int(cap_mb * 1e6))

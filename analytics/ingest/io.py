"""Entry points for data: order files, contacts files and the bundled demo sources."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.errors import LensError
from analytics.ingest.files import build_order_log
from analytics.ingest.formats import CONTACT_ROLES, suggest_mapping
from analytics.ingest.orders import (
    PREVIEW,
    OrderLog,
    QualityReport,
    ReadOptions,
    text_array,
)
from analytics.ingest.parsing import parse_dates
from analytics.ingest.readers import read_table
from analytics.ingest.sources import Location, load_location

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEMO_ORDERS = DATA_DIR / "demo_orders.csv"
DEMO_CONTACTS = DATA_DIR / "demo_contacts.csv"
DEMO_SPEND = DATA_DIR / "demo_spend.csv"  # monthly marketing spend per channel (payback)
DEMO_CURRENCY = "EUR"  # the demo shop sells in euros; its file has no currency column
CONTACT_COLUMNS = ["customer_id", "email", "created_at", "channel", "country", "accepts_marketing"]


def load_orders(
    data: bytes,
    name: str = "orders",
    options: ReadOptions | None = None,
    today: pd.Timestamp | None = None,
) -> OrderLog:
    """Read and clean an orders file (CSV, Excel or Parquet bytes)."""
    options = options or ReadOptions()
    raw = read_table(data, name, encoding=options.encoding, sheet=options.sheet)
    return build_order_log(raw, options, today=today)


@dataclass
class Contacts:
    """Known contacts (customers and prospects), keyed like the order log."""

    contacts: pd.DataFrame
    dropped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    mapping: dict[str, str | None] = field(default_factory=dict)


def load_contacts(
    data: bytes, name: str = "contacts", options: ReadOptions | None = None
) -> Contacts:
    """Read a contacts file: customer id or email, sign-up date, channel, country, ...

    Contacts without id and email are left out and counted; a missing sign-up date means
    the contact counts as known from the start.
    """
    options = options or ReadOptions()
    raw = read_table(data, name, encoding=options.encoding, sheet=options.sheet)
    mapping = suggest_mapping(list(raw.frame.columns), "generic", CONTACT_ROLES)
    mapping.update({k: v for k, v in options.mapping.items() if k in CONTACT_ROLES})
    if not mapping.get("customer_id") and not mapping.get("email"):
        raise LensError(
            "No customer id or email column found in the contacts file: it needs one of them "
            "to match contacts to orders."
        )
    frame = raw.frame
    out = pd.DataFrame(index=frame.index)
    from analytics.ingest.cleaning import clean_contact_keys  # the orders' id and email rules

    ids, email = clean_contact_keys(
        text_array(frame[mapping["customer_id"]]) if mapping.get("customer_id") else None,
        text_array(frame[mapping["email"]]) if mapping.get("email") else None,
    )
    ids = None if ids is None else pd.Series(ids.to_pandas(), index=frame.index, dtype="str")
    email = None if email is None else pd.Series(email.to_pandas(), index=frame.index, dtype="str")
    out["customer_id"] = ids if ids is not None else email
    if ids is not None and email is not None:
        out["customer_id"] = ids.fillna(email)
    out["email"] = email if email is not None else pd.Series(pd.NA, index=frame.index, dtype="str")
    warnings: list[str] = []
    if mapping.get("created_at"):
        created, _ = parse_dates(frame[mapping["created_at"]], options.date_order)
        out["created_at"] = created.dt.normalize()
        unread = int((created.isna() & frame[mapping["created_at"]].notna()).sum())
        if unread:
            warnings.append(
                f"{unread} sign-up dates could not be read: those contacts count from the start."
            )
    else:
        out["created_at"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
        warnings.append("No sign-up date column: every contact counts as known from the start.")
    for role in ["channel", "country", "accepts_marketing"]:
        col = mapping.get(role)
        out[role] = frame[col].astype("str").str.strip() if col else pd.NA
    missing = out["customer_id"].isna()
    dupes = out["customer_id"].duplicated() & ~missing
    dropped = {}
    if missing.any():
        dropped["No customer id or email"] = int(missing.sum())
    if dupes.any():
        dropped["Same contact listed twice (first kept)"] = int(dupes.sum())
    out = out[~missing & ~dupes].reset_index(drop=True)
    if out.empty:
        raise LensError("The contacts file holds no contact with an id or email.")
    return Contacts(out[CONTACT_COLUMNS], dropped, warnings, mapping)


def align_contacts(contacts: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """Re-key contacts to the order log's customer key (matching on id, then on email)."""
    keys = set(orders["customer_id"].astype("str").unique())
    pairs = orders[["email", "customer_id"]].dropna().astype("str").drop_duplicates("email")
    by_email = pairs.set_index("email")["customer_id"]
    key = contacts["customer_id"].where(contacts["customer_id"].isin(keys))
    key = key.fillna(contacts["email"].map(by_email)).fillna(contacts["customer_id"])
    return contacts.assign(customer_id=key).drop_duplicates("customer_id").reset_index(drop=True)


def cdnow_path() -> Path:
    """The CDNOW master file that ships inside the lifetimes package."""
    import importlib.util

    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.origin:
        raise LensError("The lifetimes package is not installed, so CDNOW is not available.")
    return Path(spec.origin).parent / "datasets" / "CDNOW_master.txt"


def load_cdnow() -> OrderLog:
    """The CDNOW data set (CD retailer, 23,570 customers, Jan 1997 - Jun 1998) as an order log.

    Each line is one purchase; there are no order ids, statuses or emails. Purchases of
    zero dollars are left out like any other zero amount, and counted.
    """
    raw = pd.read_csv(cdnow_path(), sep=r"\s+", dtype={"customer_id": str, "date": str})
    dates = pd.to_datetime(raw["date"], format="%Y%m%d")
    amount = raw["dollar_value"].astype("float64")
    keep = amount > 0
    orders = (
        pd.DataFrame(
            {
                "order_id": ("cdnow-" + pd.Series(np.arange(len(raw)) + 1).astype(str)),
                "customer_id": raw["customer_id"].str.lstrip("0"),
                "email": pd.Series(pd.NA, index=raw.index, dtype="str"),
                "order_date": dates.astype("datetime64[us]"),
                "amount": amount,
            }
        )[keep]
        .sort_values(["order_date", "customer_id"], kind="stable")
        .reset_index(drop=True)
    )
    dropped = {"not_positive": int((~keep).sum())}
    report = QualityReport(
        rows_read=len(raw),
        orders_found=len(raw),
        orders_kept=len(orders),
        dropped=dropped,
        examples={"not_positive": (np.flatnonzero(~keep)[:5] + 2).tolist()},
        warnings=[],
        notes=["CDNOW: each line of the file is one purchase (no order ids or statuses)."],
    )
    return OrderLog(
        orders.drop(columns="order_id"),
        report,
        "generic",
        {},
        list(raw.columns),
        {"kind": "cdnow"},
        currency="USD",
        preview=orders.head(PREVIEW),
    )


CDNOW_NAME = "cdnow"


def load_dataset(
    orders_name: str,
    orders: bytes = b"",
    options: ReadOptions | None = None,
    contacts_name: str = "",
    contacts: bytes = b"",
    location: Location | None = None,
) -> tuple[OrderLog, Contacts | None]:
    """An order log and, when given, contacts keyed like it; ``orders_name`` 'cdnow' loads
    the CDNOW data set, a ``location`` reads a database or Parquet dataset where it lives.
    The one way the app and the command line read their inputs."""
    if location is not None:
        log = load_location(location, options)
    elif orders_name == CDNOW_NAME:
        log = load_cdnow()
    else:
        log = load_orders(orders, orders_name, options)
    known = None
    if contacts:
        known = load_contacts(contacts, contacts_name)
        known.contacts = align_contacts(known.contacts, log.orders)
    return log, known

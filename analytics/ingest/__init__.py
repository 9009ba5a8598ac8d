"""From a source to the clean order log.

In: file bytes and a name (an upload, the demo, CDNOW), or a Location (a database table or
query, a DuckDB file, Parquet files, Spark), with ReadOptions and a column mapping.
Out: an OrderLog (one row per kept purchase: customer, day, amount, email, attributes) with
its QualityReport (every row left out counted under a reason), and Contacts.

Start with io.py (load_dataset), then files.py for a file or sources.py for where the data
lives (transfer.py fetches a database's mapped columns as Arrow); both hand the cleaning rules
(cleaning.py) to the engine that runs them (runner.py, engine.py); orders.py defines what
comes out.
"""

__all__ = [
    "readers",
    "parsing",
    "formats",
    "orders",
    "files",
    "cleaning",
    "engine",
    "runner",
    "guards",
    "sources",
    "transfer",
    "io",
]

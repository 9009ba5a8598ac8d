"""What a shared server may read and keep.

In: the operator's secrets file ([sources]), a visitor's choice of a listed source, and
order logs to keep (with the arrays computed from them once).
Out: checked Locations (nothing outside a listed folder, nothing of the app's own), and
kept datasets with their owner, sharing and retention, their arrays memory-mapped.

Start with allowed.py (the listed sources), then store.py (the kept datasets).
"""

__all__ = ["allowed", "store"]

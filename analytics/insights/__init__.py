"""What the orders say about customers, by rules a marketer can read.

In: an OrderLog's orders (ingest), settings (reference date, inactivity window, ...).
Out: the per-customer base and one table per concept: lifecycle stages and their moves,
cohorts, RFM segments and heroes, campaign lists and their lift, repurchase timing.

Start with customers.py (the one pass over orders), then lifecycle.py.
"""

__all__ = ["customers", "lifecycle", "cohorts", "rfm", "segments", "campaign", "repurchase"]

"""What the orders say about customers, by rules a marketer can read.

In: an OrderLog's orders and line items (ingest), settings (reference date, inactivity
window, ...).
Out: the per-customer base and one table per concept: lifecycle stages and their moves,
cohorts, RFM segments and heroes, campaign lists and their lift, repurchase timing, first
products and journeys.

Start with customers.py (the one pass over orders), then lifecycle.py.
"""

__all__ = [
    "customers",
    "lifecycle",
    "cohorts",
    "rfm",
    "segments",
    "campaign",
    "repurchase",
    "products",
]

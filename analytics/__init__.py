"""Lifecycle Lens analytics: pure computation, never imports streamlit.

Data flows one way through its packages (docs/ARCHITECTURE.md): ingest -> access ->
insights -> value -> output, and cli.py on top (python -m analytics).
"""

from analytics.errors import LensError

__all__ = ["LensError"]

"""Lifecycle Lens analytics: pure computation, never imports streamlit."""

from analytics.errors import LensError

__all__ = ["LensError"]

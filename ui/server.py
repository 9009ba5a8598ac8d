"""What the app's server does around its visitors' pages (Streamlit's ``st.App``, in app.py).

- **Before it answers anyone**, it loads every module of the app and the libraries they use
  (pandas, Altair, Ibis, lifetimes with SciPy, fpdf2, DuckDB) and starts vl-convert's chart
  engine: about 2-3 s once per server. Before, the first visitor's first page waited for the
  app's modules (0.6 s) and, once drawn, a thread loaded the rest while holding Python's
  lock, which held back the end of that very page by about a second.
- **When a browser asks for a page whose link names a kept dataset** (``?data=KEY``), the
  dataset starts being read from the store while Streamlit's front end loads in the browser
  (0.7-1 s), and the visitor's run takes it (:func:`ui.session.read_early`). Reading is not
  showing: that run still checks, as always, that this visitor may open the dataset.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import pkgutil
from urllib.parse import parse_qs

from starlette.middleware import Middleware

from analytics.access import store
from ui import memory

_LOG = logging.getLogger(__name__)
PACKAGES = ("analytics", "ui")  # the app's own code; app_pages/ are scripts, run per page
SERVED = ("_stcore", "static", "media", "component", "app")  # Streamlit's routes, not pages


@contextlib.asynccontextmanager
async def lifespan(_app):
    """Starlette's start and stop: everything loaded before the first request."""
    await asyncio.to_thread(load)
    yield


def load() -> None:
    """Every module of the app, then the libraries and the chart engine only some pages need
    (a failure there is logged: the page that needs it reports it to its visitor)."""
    memory.tune()  # before the first large block (a link read early)
    for package in PACKAGES:
        path = importlib.import_module(package).__path__
        for module in pkgutil.walk_packages(path, prefix=f"{package}."):
            if not module.name.endswith(".__main__"):  # analytics/__main__.py: the CLI
                importlib.import_module(module.name)
    try:
        import altair as alt
        import duckdb  # noqa: F401 - every upload's cleaning rules run in it
        import pandas as pd

        from analytics.output import charts

        charts.png(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x"), scale=1)
    except Exception:  # noqa: BLE001 - the server still serves every other page
        _LOG.exception("The chart engine did not start: the first PNG or PDF will try again")


class ReadLinkEarly:
    """ASGI middleware: a page asked for with ``?data=KEY`` starts reading that dataset."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("method") == "GET" and is_page(scope["path"]):
            key = linked_key(scope.get("query_string", b""))
            if key:
                from ui import session  # here: it wants Streamlit's runtime, made after app.py

                session.read_early(key)  # a thread, at most two at a time
        await self.app(scope, receive, send)


def is_page(path: str) -> bool:
    """A page's address (``/``, ``/cohorts``), not Streamlit's own routes or a file."""
    return not any(f"/{part}/" in path for part in SERVED) and "." not in path.rsplit("/")[-1]


def linked_key(query: bytes) -> str | None:
    """The dataset key a request's query names (``data=``), if it has a key's shape."""
    values = parse_qs(query.decode("latin-1")).get("data", [])
    return values[0] if len(values) == 1 and store.KEY.fullmatch(values[0]) else None


MIDDLEWARE = [Middleware(ReadLinkEarly)]

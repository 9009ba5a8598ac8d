"""Shared test setup: repo root on sys.path, AppTest helpers, small hand-made fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True, scope="session")
def _navigation_not_legacy_pages():
    """AppTest resets PagesManager.uses_pages_directory before every run, and a folder named
    ``pages/`` then switches it to legacy multipage mode, which skips app.py from the second
    run on. app.py always calls st.navigation, which turns legacy mode off in a real server;
    this keeps AppTest on the same path."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    yield
    PagesManager.__init__ = original


def app_test(timeout: float = 90):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)

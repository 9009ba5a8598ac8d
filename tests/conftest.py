"""Shared test setup: repo root on sys.path, AppTest helpers, small hand-made fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The seven stage names in lifecycle order, as the issue and README define them.
SEVEN_STAGES = ["Prospect", "New", "Active", "Loyal", "At risk", "Inactive", "Reactivated"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# Datasets the app keeps on disk go to a folder of this test run (servers started by the
# browser tests inherit it), never to the user's own store.
os.environ["LENS_STORE_DIR"] = tempfile.mkdtemp(prefix="lens-test-store-")
# Likewise the compiled SQL of the cleaning steps (analytics.ingest.runner).
os.environ["LENS_SQL_CACHE_DIR"] = tempfile.mkdtemp(prefix="lens-test-sql-")


@pytest.fixture(autouse=True)
def command_line_passwords(monkeypatch):
    """The command line's password rules in every test: AppTest runs app.py in this process,
    and the app turns passwords from the environment off (guards.secrets_only)."""
    from analytics.ingest import guards

    monkeypatch.setattr(guards, "_ENVIRONMENT_PASSWORDS", [True])


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (tests/browser.py), one per test module."""
    from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

    with require_chromium().sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def modules_after(code: str) -> set[str]:
    """Every module a fresh Python run from the project's root holds after ``code``."""
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))\n"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def app_test(timeout: float = 240):  # generous: a busy 2-core machine is slow
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item (browser tests screenshot on failure)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)

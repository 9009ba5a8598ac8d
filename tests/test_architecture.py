"""analytics stays pure: it never imports streamlit."""

import subprocess
import sys

from tests.conftest import ROOT


def test_analytics_never_imports_streamlit():
    code = (
        "import sys, pkgutil, importlib, analytics\n"
        "for m in pkgutil.iter_modules(analytics.__path__):\n"
        "    if m.name != '__main__':\n"
        "        importlib.import_module('analytics.' + m.name)\n"
        "print('streamlit' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


HEAVY = ["lifetimes", "autograd", "scipy", "sklearn", "fpdf", "vl_convert", "altair", "pyspark"]


def _loaded_after(code: str) -> set[str]:
    code += "\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    out = subprocess.run(
        [sys.executable, "-c", "import sys\n" + code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split()) & set(HEAVY)


def test_inspect_loads_no_model_pdf_or_chart_library():
    """`python -m analytics inspect` pays only for reading: each command imports what it runs."""
    loaded = _loaded_after(
        "import contextlib, io\n"
        "from analytics.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['inspect', 'data/demo_orders.csv']) == 0\n"
    )
    assert loaded == set()


def test_the_first_page_loads_no_model_or_pdf_library():
    """The app opens on Lifecycle: lifetimes, scikit-learn and fpdf2 wait for Value or PDF,
    or for the background load after the page (left out here, see the next test)."""
    loaded = _loaded_after(
        "from ui import warm\n"
        "warm.start = lambda: None\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('app.py', default_timeout=240)\n"
        "at.run()\n"
        "assert not at.exception\n"
    )
    assert loaded <= {"altair"}  # the first page draws charts


def test_the_model_and_pdf_libraries_load_in_the_background_once():
    """After a page is drawn, a thread loads what the first Value page or PDF would wait for:
    lifetimes, fpdf2 and vl-convert (with its chart engine started), once per server."""
    loaded = _loaded_after(
        "from ui import warm\n"
        "assert not {'lifetimes', 'fpdf', 'vl_convert'} & {m.split('.')[0] for m in sys.modules}\n"
        "thread = warm.start()\n"
        "assert warm.start() is None\n"
        "thread.join()\n"
    )
    assert {"lifetimes", "fpdf", "vl_convert"} <= loaded

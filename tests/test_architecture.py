"""analytics stays pure: it never imports streamlit."""

from tests.conftest import modules_after


def test_analytics_never_imports_streamlit():
    code = (
        "import pkgutil, importlib, analytics\n"
        "for m in pkgutil.iter_modules(analytics.__path__):\n"
        "    if m.name != '__main__':\n"
        "        importlib.import_module('analytics.' + m.name)\n"
    )
    assert "streamlit" not in modules_after(code)


HEAVY = ["lifetimes", "autograd", "scipy", "sklearn", "fpdf", "vl_convert", "altair", "pyspark"]


def _loaded_after(code: str) -> set[str]:
    return {m.split(".")[0] for m in modules_after(code)} & set(HEAVY)


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
    """The script opens on Lifecycle: lifetimes, scikit-learn and fpdf2 wait for Value or PDF.
    (The app's server loads them before it answers anyone: tests/test_server.py.)"""
    loaded = _loaded_after(
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('app.py', default_timeout=240)\n"
        "at.run()\n"
        "assert not at.exception\n"
    )
    assert loaded <= {"altair"}  # the first page draws charts

"""A pytest plugin for mutation runs (benchmarks/mutation.py): a fresh SQL cache per session.

mutmut runs every mutant from one copy of the code, picking the mutant at run time, so the
rules' source (what the cache of compiled SQL is keyed on, analytics.ingest.runner) is the
same for all of them: without this, a mutant of a cleaning rule would run the SQL an earlier
mutant compiled. Loaded with ``-p tests.fresh_sql_cache``; ordinary test runs do not use it.
"""

import os
import shutil
import tempfile


def pytest_sessionstart(session):
    os.environ["LENS_SQL_CACHE_DIR"] = tempfile.mkdtemp(prefix="lens-mutation-sql-")


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(os.environ["LENS_SQL_CACHE_DIR"], ignore_errors=True)

"""Where the cleaning rules' queries run, one named step at a time.

:func:`analytics.ingest.cleaning.clean` names each step and says how to build its query (an Ibis
expression, built only when needed); a runner runs it:

- :class:`IbisRunner`, on any Ibis backend: PostgreSQL, MySQL, Spark, DuckDB files and
  Parquet datasets. Where the engine may keep temporary tables (DuckDB, Spark's cache), a
  kept step is computed once in the engine; a read-only database keeps it as an expression
  that later queries compose.
- :class:`CachedDuckDB`, the embedded DuckDB that cleans an uploaded file. Ibis compiles each
  step's SQL once; the SQL is kept on disk, keyed by the rules' code, the library versions
  and everything the SQL depends on (the file's columns and types, the roles, the last day
  kept, the refund statuses), and later runs send it straight to DuckDB without importing
  Ibis: about a second of every command's start-up.

This module imports neither Ibis nor DuckDB at the top.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import pyarrow as pa

from analytics.errors import LensError

SQL_CACHE = "~/.cache/lifecycle-lens/sql"  # or $LENS_SQL_CACHE_DIR
SQL_CACHE_ENTRIES = 200  # kinds of input kept (about 40 kB each); the oldest go first
RULES_CODE = ["cleaning.py", "engine.py", "runner.py", "orders.py", "parsing.py"]


class IbisRunner:
    """Runs the steps through Ibis on a connection; ``keep`` says whether the engine may
    keep tables (temporary tables; Spark's cache); ``copy``, whether the input is then read
    once into such a table that every step scans."""

    def __init__(self, con, table, keep: bool, copy: bool = True):
        import ibis.expr.operations as ops

        from analytics.ingest.engine import gathers_products

        self.con, self.keeps = con, keep
        self.gathers_products = gathers_products(table)
        self.tables = {"input": table}
        self.views: set[str] = set()
        # An Arrow table is already in memory, where DuckDB scans it in place.
        self.copied = keep and copy and not isinstance(table.op(), ops.InMemoryTable)
        if self.copied:
            self.tables["input"] = materialise(con, table)

    def table(self, name: str):
        return self.tables[name]

    def rows(self, step: str, build) -> pa.Table:
        return self.con.to_pyarrow(build())

    def keep(self, step: str, name: str, build, view: bool = False) -> None:
        """Keeps a step's result under ``name``: computed once where the engine keeps tables,
        unless ``view`` (a cheap step later queries compose rather than copy)."""
        expr = build()
        computed = self.keeps and not view
        self.tables[name] = materialise(self.con, expr) if computed else expr
        if not computed:
            self.views.add(name)

    def free(self, name: str) -> None:
        """Drops a kept table once no step reads it (the input only if it is a copy)."""
        table = self.tables.pop(name)
        if name in self.views:
            self.views.discard(name)
        elif self.keeps and (name != "input" or self.copied):
            release(self.con, table)


class CachedDuckDB:
    """An embedded DuckDB over an Arrow table (read in place), running each step's SQL from
    the cache, compiling it with Ibis only on a miss."""

    gathers_products = True  # see analytics.ingest.engine.gathers_products

    def __init__(self, arrow: pa.Table, key: dict):
        import duckdb

        try:
            self.raw = duckdb.connect()
        except Exception as exc:  # noqa: BLE001 - a broken install is said in one line
            raise LensError(f"The embedded DuckDB engine could not start ({exc}).") from exc
        # No progress bar: DuckDB would draw it on the terminal, amid a command's output.
        self.raw.execute("SET enable_progress_bar = false")
        self.raw.register("_lens_input", arrow)
        self.path = _cache_folder() / f"{_digest(key, arrow.schema)}.json"
        try:
            self.sql = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.sql = {}
        self.added = False
        self._ibis = None
        self.views: set[str] = set()

    def _compiled(self, step: str, build) -> str:
        sql = self.sql.get(step)
        if not isinstance(sql, str):
            sql = self._backend().compile(build())
            self.sql[step], self.added = sql, True
        return sql

    def _backend(self):
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.raw)
        return self._ibis

    def table(self, name: str):
        return self._backend().table(_name(name))

    def rows(self, step: str, build) -> pa.Table:
        return self.raw.sql(self._compiled(step, build)).to_arrow_table()

    def keep(self, step: str, name: str, build, view: bool = False) -> None:
        what = "VIEW" if view else "TABLE"
        self.raw.execute(f'CREATE TEMP {what} "{_name(name)}" AS {self._compiled(step, build)}')
        if view:
            self.views.add(name)

    def free(self, name: str) -> None:
        if name == "input":
            self.raw.unregister("_lens_input")
        elif name in self.views:
            self.views.discard(name)
            self.raw.execute(f'DROP VIEW IF EXISTS "{_name(name)}"')
        else:
            self.raw.execute(f'DROP TABLE IF EXISTS "{_name(name)}"')

    def close(self) -> None:
        """Keeps newly compiled SQL for the next run (best effort: it is only a cache)."""
        self.raw.close()
        if not self.added:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=self.path.parent, delete=False) as f:
                json.dump(self.sql, f)
            os.replace(f.name, self.path)
            entries = sorted(self.path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime)
            for old in entries[:-SQL_CACHE_ENTRIES]:
                old.unlink(missing_ok=True)
        except OSError:
            pass


def _name(step_name: str) -> str:
    return f"_lens_{step_name}"


def _cache_folder() -> Path:
    return Path(os.environ.get("LENS_SQL_CACHE_DIR") or SQL_CACHE).expanduser()


def _digest(key: dict, schema: pa.Schema) -> str:
    """What the SQL depends on: the rules' code, the versions of what compiles and runs it,
    the input's columns and types, and the caller's parameters."""
    from importlib.metadata import version

    import duckdb

    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in RULES_CODE:
        h.update((here / name).read_bytes())
    versions = [version("ibis-framework"), version("sqlglot"), duckdb.__version__]
    fields = [(f.name, str(f.type)) for f in schema]
    h.update(json.dumps([versions, fields, key], sort_keys=True, default=str).encode())
    return h.hexdigest()[:32]


def materialise(con, expr):
    """Compute an expression once and keep the result in the engine (a temporary table)."""
    import uuid

    if con.name == "pyspark":  # Spark keeps a computed frame in its own cache
        return expr.cache()
    return con.create_table(f"_lens_{uuid.uuid4().hex}", expr, temp=True)


def release(con, table) -> None:
    """Free a table :func:`materialise` made."""
    if con.name == "pyspark":
        table.release()
    else:
        con.drop_table(table.op().name, force=True)

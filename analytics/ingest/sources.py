"""Where the orders live: a database, a DuckDB file, a Parquet dataset or Spark.

A *location* is named the way the command line takes ORDERS::

    postgresql://user@host:port/db --table orders      (or --sql "SELECT ...")
    mysql://user@host:port/db --table orders           (MySQL or MariaDB; same)
    duckdb:///path/shop.duckdb --table orders
    lake/orders/  or  'lake/orders/*.parquet'  or  orders.parquet
    spark://local[2] --table lake/orders/          (a table name, or a Parquet path)

The cleaning rules (:mod:`analytics.ingest.engine`) run in DuckDB files', Parquet's and Spark's
own engine; PostgreSQL and MySQL send the mapped columns once (:mod:`analytics.ingest.transfer`)
for the embedded DuckDB to clean. The app only reads: a user's SQL must be one SELECT (run as
checked, without comments); PostgreSQL reads in one read-only transaction (its Arrow fetch on
a connection whose every statement is read-only), MySQL in a read-only session, DuckDB files
with no access outside the file. Passwords never go in the
URL: the command line takes them from ``LENS_DB_PASSWORD``, the driver's own
(``PGPASSWORD``, ``~/.pgpass``) or ``.streamlit/secrets.toml`` (``[passwords]``, keyed by the
URL as typed); the app from the secrets file or ``~/.pgpass`` only
(:func:`analytics.ingest.guards.secrets_only`).
So they never reach a cache key, a link, a log, an error message or the PDF.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd

from analytics.errors import LensError
from analytics.ingest.files import build_order_log
from analytics.ingest.guards import (
    Scrub,
    check_select,
    clip,
    first_line,
    password_for,
    refuse_password,
)
from analytics.ingest.orders import (
    UNSTAGED_ROLES,
    OrderLog,
    QualityReport,
    ReadOptions,
    currency_counts,
    end_day,
    lines_frame,
    log_frame,
    preview_frame,
    refunded_statuses_of,
    require_orders,
    resolve_mapping,
)
from analytics.ingest.readers import RawTable, is_parquet_dataset, parquet_files, stored_text

SCHEMES = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "duckdb": "duckdb",
    "spark": "spark",
    "sc": "spark",  # Spark Connect
}
TIMEOUT_S = 300  # a PostgreSQL statement running longer is cancelled; LENS_DB_TIMEOUT
CONNECT_TIMEOUT_S = 10
DUCKDB_MEMORY = "4GB"  # DuckDB spills to disk beyond this, so the app keeps its memory
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}
ENGINES = {
    "postgresql": "PostgreSQL",
    "mysql": "MySQL",
    "duckdb": "DuckDB",
    "parquet": "DuckDB",
    "spark": "Spark",
}
EXTRAS = {
    "spark": "pip install -r requirements-spark.txt",
    "mysql": "pip install -r requirements-mysql.txt",
}


@dataclass(frozen=True)
class Location:
    """Orders that are read where they live, not uploaded."""

    kind: str  # postgresql, duckdb, parquet, spark
    url: str  # as given; never holds a password
    table: str | None = None
    sql: str | None = None
    label: str = ""  # the operator's name for a listed source (analytics.access.allowed)
    files: tuple[str, ...] = ()  # Parquet files already resolved and checked

    def __post_init__(self):
        object.__setattr__(self, "files", tuple(self.files))  # a list, read back from JSON

    @property
    def name(self) -> str:
        """How the data is named on screen and in the PDF: the operator's name for it, else
        a short readable one (the database and host, never the user or port)."""
        if self.kind == "parquet":
            return self.label or self.url
        what = self.table or "SQL query"
        return f"{what} @ {self.label or self.short_address}"

    @property
    def short_address(self) -> str:
        """'shop on db.example.com' for a database, the file's name for DuckDB, 'Spark'."""
        if self.kind == "spark":
            return "Spark"
        if self.kind == "duckdb":
            rest = self.url.split("://", 1)[1]
            return Path(rest).name or rest
        parts = urlsplit(self.url)  # as _address reads it to connect
        database, host = unquote(parts.path.lstrip("/")), parts.hostname or ""
        return f"{database} on {host}" if database else host

    @property
    def where(self) -> str:
        """The source in messages: the listed name, else the address (no password)."""
        return self.label or self.url


def locate(text: str, table: str | None = None, sql: str | None = None) -> Location | None:
    """The location named by ORDERS, or None when it is a file the readers take (or
    'demo' / 'cdnow'). Raises LensError for a location that cannot work as given."""
    text = (text or "").strip()
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme:
        if scheme not in SCHEMES:
            raise LensError(
                f"Unknown kind of source '{scheme}://': use postgresql://, mysql://, "
                "duckdb:///path, spark://, or a file or Parquet path."
            )
        kind = SCHEMES[scheme]
        refuse_password(text)
        if kind == "spark" and not table:
            raise LensError("Name the table or Parquet path to read on Spark with --table.")
        if kind != "spark" and bool(table) == bool(sql):
            raise LensError(
                "Name what to read: a table or one SELECT query, one of the two (on the "
                'command line: --table NAME or --sql "SELECT ...").'
            )
        if sql and kind == "spark":
            raise LensError("On Spark, name a table or a Parquet path with --table.")
        return Location(kind, text, table or None, check_select(sql, kind) if sql else None)
    if table or sql:
        raise LensError(
            "A table or a query goes with a database URL (postgresql://, mysql://, "
            "duckdb:///...), not with a file."
        )
    if is_parquet_dataset(text):
        return Location("parquet", text)
    return None


# --- connecting --------------------------------------------------------------------------------


def connect(location: Location):
    """(backend, ibis table) for a location, opened read-only."""
    import ibis

    from analytics.ingest import engine

    secret = password_for(location.url) if location.kind in ("postgresql", "mysql") else None
    try:
        if location.kind == "parquet":
            con = _duckdb()
            return con, _parquet_table(con, location)
        if location.kind == "duckdb":
            path = location.url.split("://", 1)[1]
            path = path[1:] if path.startswith("/") and path[1:2] == "/" else path
            if not Path(path).is_file():
                raise LensError(f"There is no DuckDB file at {path}.")
            # A query may read the file's tables and nothing else: no other file, no URL,
            # no COPY ... TO (read-only covers the database file alone); settings locked.
            con = engine.quiet(
                ibis.duckdb.connect(
                    path, read_only=True, enable_external_access=False, memory_limit=DUCKDB_MEMORY
                )
            )
            con.raw_sql("SET lock_configuration = true")
        elif location.kind == "postgresql":
            con = _postgres(location.url, secret)
        elif location.kind == "mysql":
            con = _mysql(location.url, secret)
        else:
            con = _spark(location.url)
    except LensError:
        raise
    except Exception as exc:  # noqa: BLE001 - every driver raises its own kinds
        raise LensError(explain(exc, location, Scrub(secret))) from None
    try:
        return con, _table(con, location)
    except LensError:
        _disconnect(con)
        raise
    except Exception as exc:  # noqa: BLE001 - every driver raises its own kinds
        _disconnect(con)
        raise LensError(explain(exc, location)) from None


def _duckdb():
    import ibis

    from analytics.ingest import engine

    con = engine.quiet(ibis.duckdb.connect())
    con.raw_sql(f"SET memory_limit = '{DUCKDB_MEMORY}'")
    return con


def _address(url: str, kind: str) -> dict:
    parts = urlsplit(url)
    database = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not database:
        raise LensError(
            f"Write the address as {kind}://user@host:port/database (the database is missing)."
        )
    return {
        "host": parts.hostname,
        "port": parts.port or DEFAULT_PORTS[kind],
        "user": unquote(parts.username) if parts.username else None,
        "database": database,
    }


def _postgres(url: str, secret: str | None):
    import ibis

    # The whole read is one read-only transaction, never committed: a query cannot make
    # later statements read-write (set_config on the session's default), and every query
    # of Ibis runs inside it (as a savepoint). Long statements are cancelled.
    options = f"-c default_transaction_read_only=on -c statement_timeout={_timeout_ms()}"
    con = ibis.postgres.connect(
        **_address(url, "postgresql"),
        password=secret,
        options=options,
        connect_timeout=CONNECT_TIMEOUT_S,
        application_name="lifecycle-lens",
        autocommit=False,
    )
    con.con.execute("SET TRANSACTION READ ONLY")  # opens the transaction the read runs in
    return con


def _mysql(url: str, secret: str | None):
    """MySQL or MariaDB: every statement of the session read-only, long ones cancelled, times
    in UTC (an offset: MariaDB may have no time-zone names loaded)."""
    import warnings

    import ibis

    try:
        import MySQLdb  # noqa: F401 - the driver Ibis reads MySQL with
    except ImportError:
        raise LensError(f"Reading MySQL needs its driver: {EXTRAS['mysql']}.") from None
    with warnings.catch_warnings():  # ibis warns where the server has no zone named UTC
        warnings.simplefilter("ignore")
        con = ibis.mysql.connect(
            **_address(url, "mysql"), password=secret or "", connect_timeout=CONNECT_TIMEOUT_S
        )
    seconds = _timeout_ms() / 1000
    with con.begin() as cursor:
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
        cursor.execute("SET time_zone = '+00:00'")
        try:  # MariaDB's limit, in seconds; MySQL's, in milliseconds
            cursor.execute(f"SET SESSION max_statement_time = {seconds:.3f}")
        except Exception:  # noqa: BLE001 - not MariaDB
            cursor.execute(f"SET SESSION max_execution_time = {int(seconds * 1000)}")
    return con


def _timeout_ms() -> int:
    try:
        seconds = float(os.environ.get("LENS_DB_TIMEOUT") or TIMEOUT_S)
    except ValueError:
        seconds = TIMEOUT_S
    return max(int(seconds * 1000), 1)


def _spark(url: str):
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise LensError(f"Reading with Spark needs PySpark: {EXTRAS['spark']}.") from None
    import ibis

    scheme, rest = url.split("://", 1)
    if scheme.lower() == "sc":
        builder = SparkSession.builder.remote(url)
    else:
        master = rest if rest.startswith("local") else f"spark://{rest}"
        builder = SparkSession.builder.master(master).appName("lifecycle-lens")
        builder = (
            builder.config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
        )
    with _quiet_jvm():
        session = builder.getOrCreate()
    return ibis.pyspark.connect(session)


@contextlib.contextmanager
def _quiet_jvm():
    """Start Spark's JVM with its standard error sent nowhere: its log and progress bars
    would bury the one line a user should read (errors still reach Python)."""
    saved = os.dup(2)
    nowhere = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(nowhere, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(nowhere)


def _table(con, location: Location):
    """The location's orders as an ibis table."""
    if location.sql:
        return _query_table(con, location)
    name = location.table
    if location.kind == "spark" and ("/" in name or name.lower().endswith(".parquet")):
        return con.read_parquet(name)
    try:
        return con.table(name)
    except Exception as exc:  # noqa: BLE001 - the drivers differ in what they raise
        if _looks_missing(exc):
            raise LensError(_no_table(con, name)) from None
        raise


def _query_table(con, location: Location):
    """A user's SELECT as a table. On PostgreSQL the schema is read from the query's result
    description: ibis would create a temporary view, which a read-only session refuses."""
    if location.kind != "postgresql":
        return con.sql(location.sql)
    import ibis
    from ibis.backends.sql.datatypes import PostgresType

    with con.con.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({location.sql}) AS _lens_query LIMIT 0")
        described = cursor.description
        types = con.con.adapters.types
        schema = {}
        for column in described:
            info = types.get(column.type_code)
            if info is None:  # a type psycopg does not know by heart: ask the server
                cursor.execute("SELECT format_type(%s, NULL)", (column.type_code,))
                type_name = cursor.fetchone()[0]
            else:
                type_name = info.name
            schema[column.name] = PostgresType.from_string(type_name)
    return con.sql(location.sql, schema=ibis.schema(schema))


def _no_table(con, name: str) -> str:
    if getattr(con, "name", "") == "pyspark":  # one Spark session is shared: no list of it
        return f"There is no table '{name}' here."
    try:
        tables = sorted(con.list_tables())
    except Exception:  # noqa: BLE001 - the list is a courtesy
        tables = []
    shown = ", ".join(tables[:15]) or "none"
    return f"There is no table '{name}' here: the tables are {shown}."


def _looks_missing(exc: Exception) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return any(
        word in text
        for word in ("not found", "does not exist", "doesn't exist", "tablenotfound", "no such")
    )


def explain(exc: Exception, location: Location, scrub: Scrub | None = None) -> str:
    """One line for a driver's error: what happened, and what to do. ``scrub`` takes the
    password out of a connection's errors; once connected, messages come from what the user
    asked and the server does not know the password, so nothing is taken out (taking out a
    password the user typed would tell them they had guessed it)."""
    scrub = scrub or Scrub(None)
    # A query that fails inside the read's transaction leaves its server-side cursor gone,
    # and closing it fails in turn: the first error is the one to tell.
    while isinstance(exc.__context__, Exception) and "cursor" in str(exc).lower():
        exc = exc.__context__
    # The password out first, whatever its spaces; PostgreSQL's quote of the query after.
    text = first_line(scrub(str(exc)).split("\nLINE ", 1)[0])
    name = type(exc).__name__
    lower = f"{name} {text}".lower()
    where = location.where
    kept = (
        "ask whoever runs the app to keep it for this address in .streamlit/secrets.toml "
        "under [passwords] (on the command line: LENS_DB_PASSWORD)"
    )
    if "password authentication failed" in lower or "access denied" in lower:
        return (
            f"{where} refused the login: check the user in the address; for the password, {kept}."
        )
    if "no password supplied" in lower or "fe_sendauth" in lower:
        return f"{where} asks for a password: {kept}."
    if any(w in lower for w in ("timeout", "max_statement_time", "max_execution_time")):
        return f"{where} did not answer in time: try a smaller query, or later."
    if "connection refused" in lower or "can't connect" in lower:
        return (
            f"Cannot reach {where}: nothing answers at that address and port. Check them, and "
            "that the database is running."
        )
    if "connection" in lower or "could not connect" in lower or "operationalerror" in lower:
        # PostgreSQL's driver repeats the address before the reason: the reason is enough.
        why = re.sub(r"^.* failed: (FATAL: )?", "", text)
        return (
            f"Cannot reach {where} ({clip(why, 160)}). Check the address, and that it is running."
        )
    missing = _missing_table(text)
    if missing:
        return f"There is no table '{missing}' at {where}: check the query."
    if _looks_missing(exc):
        return f"{where}: {clip(text, 200)}."
    return f"Reading {location.name} failed: {clip(text, 200)}."


def _missing_table(text: str) -> str | None:
    """The table a driver's message says does not exist (PostgreSQL, MySQL, DuckDB)."""
    for pattern in (
        r'relation "([^"]+)" does not exist',
        r"Table '([^']+)' doesn't exist",
        r"Table with name (\S+) does not exist",
    ):
        found = re.search(pattern, text)
        if found:
            return found.group(1)
    return None


# --- Parquet ---------------------------------------------------------------------------------


def _parquet_table(con, location: Location):
    """The files as one table, with each row's position: a file's row number (as a file
    upload counts it) for one file, the file's rank and row for several."""
    import ibis

    text = location.where
    files = _parquet_paths(location)
    try:
        t = con.read_parquet(files, file_row_number=True, filename=True, union_by_name=True)
    except Exception as exc:  # noqa: BLE001 - duckdb's own error kinds
        raise LensError(
            f"The Parquet data at {text} could not be read ({first_line(exc)[:160]})."
        ) from None
    rank = ibis.cases(*[(t.filename == f, i) for i, f in enumerate(files)], else_=len(files))
    position = rank.cast("int64") * (1 << 40) + t.file_row_number.cast("int64") + 2
    return t.mutate(_position=position).drop("filename", "file_row_number")


# --- reading orders ----------------------------------------------------------------------------


def columns_of(location: Location) -> dict[str, str]:
    """Column -> type name of a location's table (for the mapping on the Data page)."""
    con, table = connect(location)
    try:
        return {name: str(dtype) for name, dtype in table.schema().items() if name != "_position"}
    finally:
        _disconnect(con)


def load_location(
    location: Location, options: ReadOptions | None = None, today: pd.Timestamp | None = None
) -> OrderLog:
    """Read and clean the orders of a location in its own engine."""
    from analytics.ingest.cleaning import clean, clean_arrow
    from analytics.ingest.runner import IbisRunner

    options = options or ReadOptions()
    con, table = connect(location)
    try:
        columns = [c for c in table.columns if c != "_position"]
        fmt, mapping = resolve_mapping(columns, options, "table")
        if location.kind == "parquet" and not _typed(table, mapping):
            # Text dates or amounts: parsed by the file readers, like an upload.
            return _read_as_file(con, table, location, options, today)
        end = end_day(options.end_date, today).date()
        statuses = refunded_statuses_of(fmt)
        examples_as = "row" if location.kind == "parquet" and _one_file(location) else "order"
        fetched = _fetches(location)
        if fetched:
            # Its mapped columns fetched once, cleaned in the embedded DuckDB as a file's are.
            arrow, roles = _fetched(con, table, mapping, location)
            _disconnect(con)
            cleaned = clean_arrow(arrow, roles, end, statuses, examples_as)
        else:
            staged, roles = stage(table, mapping, location)
            # DuckDB and Spark keep intermediate tables (the rules in a database, not). A
            # Parquet file's rows are numbered by their place in it, and DuckDB scans it in
            # place: the three or four steps that read it take less than a copy (measured
            # at 1M customers: 0.25 s less on 3.5M orders, 1-1.5 s on 8.4M line rows).
            # Elsewhere the copy also fixes the rows' numbering (a window over ties).
            keep = location.kind in ("duckdb", "parquet", "spark")
            run = IbisRunner(con, staged, keep, copy=location.kind != "parquet")
            # One file's ids: a lake's many files would be read whole to prove little (their
            # parts often number their orders afresh), and are counted in the engine.
            one = location.kind == "parquet" and "order_id" in roles and _one_file(location)
            ids = _ids_sit(location, mapping["order_id"]) if one else None
            cleaned = clean(run, roles, end, statuses, examples_as, ids=ids)
    except LensError:
        raise
    except Exception as exc:  # noqa: BLE001 - every engine raises its own kinds
        raise LensError(explain(exc, location)) from None
    finally:
        _disconnect(con)
    log = log_frame(cleaned.orders, cleaned.customers)
    require_orders(log, cleaned.dropped, "table")
    notes = [f"Read as: {_format_label(fmt)}.", *cleaned.notes]
    warnings = list(cleaned.warnings)
    currencies = currency_counts(cleaned.currencies, warnings)
    report = QualityReport(
        rows_read=cleaned.rows,
        orders_found=cleaned.orders_found,
        orders_kept=len(log),
        dropped={k: v for k, v in cleaned.dropped.items() if v},
        examples=cleaned.examples,
        warnings=warnings,
        notes=notes,
        examples_are="rows" if examples_as == "row" else "order ids",
        lines=cleaned.line_counts,
    )
    info = {
        "kind": location.kind,
        "source": location.name,
        "engine": "DuckDB" if fetched else ENGINES[location.kind],
        "date_order": "typed",
    }
    if fetched:
        info["read_from"] = ENGINES[location.kind]
    currency = next(iter(currencies), None) or options.currency
    preview = preview_frame(cleaned.preview)
    lines = lines_frame(cleaned.lines, log)
    return OrderLog(log, report, fmt, mapping, columns, info, currency, currencies, preview, lines)


def _fetches(location: Location) -> bool:
    """Whether a database's rows are fetched and cleaned here, rather than in the server
    (PostgreSQL without its Arrow driver; ``LENS_DB_RULES=server`` keeps them there)."""
    from analytics.ingest import transfer

    if os.environ.get("LENS_DB_RULES") == "server":
        return False
    return location.kind in ("postgresql", "mysql") and transfer.available(location.kind)


def _fetched(con, table, mapping: dict, location: Location):
    """(the rules' input as Arrow, the roles): the mapped columns staged in the server,
    fetched once and numbered (:mod:`analytics.ingest.transfer`)."""
    from analytics.ingest import transfer

    staged, roles = staged_columns(table, mapping, location)
    columns, keys = transfer.sent(table, staged, mapping)
    if keys is None:
        columns = {**staged, "_row": _row(table, mapping)}
    secret = password_for(location.url)
    login = dict(password=secret, timeout_ms=_timeout_ms(), connect_timeout_s=CONNECT_TIMEOUT_S)
    if location.kind == "postgresql":
        login.update(_address(location.url, "postgresql"))
    try:
        arrow = transfer.fetch(con, table.select(**columns), location.kind, login)
    except LensError:
        raise
    except Exception as exc:  # noqa: BLE001 - every driver raises its own kinds
        raise LensError(explain(exc, location, Scrub(secret))) from None
    return transfer.numbered(arrow, keys), roles


def _ids_sit(location: Location, column: str) -> str | None:
    """What a Parquet location's order ids prove in its rows' order (text ids only: a
    number's text is the engine's to make); see ``cleaning.how_ids_sit``."""
    from analytics.ingest.cleaning import how_ids_sit

    ids = stored_text(_parquet_paths(location), column)
    return how_ids_sit(ids) if ids is not None else None


def _format_label(fmt: str) -> str:
    from analytics.ingest.formats import FORMAT_LABELS

    return FORMAT_LABELS[fmt]


def _one_file(location: Location) -> bool:
    return len(_parquet_paths(location)) == 1


def _parquet_paths(location: Location) -> list[str]:
    """The files of a Parquet location: checked already (a listed folder's), else found."""
    return list(location.files) or parquet_files(location.url)


def _typed(table, mapping: dict) -> bool:
    schema = table.schema()
    date, amount = schema[mapping["order_date"]], schema[mapping["amount"]]
    naive = date.is_date() or (date.is_timestamp() and date.timezone is None)
    return naive and amount.is_numeric()


def _read_as_file(con, table, location: Location, options, today) -> OrderLog:
    arrow = con.to_pyarrow(table.order_by("_position").drop("_position"))
    raw = RawTable(frame=arrow.to_pandas(), kind="parquet")
    log = build_order_log(raw, options, today)
    log.table_info.update(source=location.name, engine=ENGINES[location.kind])
    return log


def stage(table, mapping: dict, location: Location):
    """The roles' columns under their role names, typed as the rules expect, and ``_row``.

    A date column must hold dates or timestamps and an amount numbers: text there is one
    clear error (a database has typed columns; convert in --sql). Other roles become text.
    """
    out, roles = staged_columns(table, mapping, location)
    out["_row"] = _row(table, mapping)
    return table.select(**out), roles


def staged_columns(table, mapping: dict, location: Location) -> tuple[dict, list[str]]:
    """(role -> its column typed as the rules expect, the roles), without ``_row``."""
    from analytics.ingest import engine

    schema = table.schema()
    roles = [r for r, c in mapping.items() if c and r not in UNSTAGED_ROLES]
    out = {}
    for role in roles:
        column = mapping[role]
        dtype = schema[column]
        value = table[column]
        if role == "order_date":
            if dtype.is_timestamp():
                value = value.date()
            elif not dtype.is_date():
                raise LensError(_wrong_type(column, dtype, "dates", location))
        elif role in ("amount", "refunded"):
            if not dtype.is_numeric():
                raise LensError(_wrong_type(column, dtype, "numbers", location))
            value = value.cast("float64")
            if role == "refunded":
                value = value.fill_null(0.0)
        elif role in engine.TEXT_ROLES:
            value = value.cast("string")
        out[role] = value
    return out, roles


def _row(table, mapping: dict):
    """Each row's position, else a stable order for rows that have none: by date, then the
    other roles (:data:`analytics.ingest.transfer.SORT_ROLES`)."""
    import ibis

    from analytics.ingest import engine
    from analytics.ingest.transfer import SORT_ROLES

    if "_position" in table.columns:
        return table._position
    columns = [table[mapping[r]] for r in SORT_ROLES if mapping.get(r)]
    order = [engine.bytewise(table, c) if c.type().is_string() else c for c in columns]
    return ibis.row_number().over(order_by=order).cast("int64")


def _wrong_type(column: str, dtype, wanted: str, location: Location) -> str:
    kind = "text" if dtype.is_string() else str(dtype)
    fix = (
        "convert it in the SQL query (e.g. "
        f"CAST({column} AS {'DATE' if wanted == 'dates' else 'NUMERIC'}))"
        if location.kind in ("postgresql", "duckdb")
        else "convert it where the data is made"
    )
    return f"The column '{column}' holds {kind}, not {wanted}: {fix}, or map another column."


def _disconnect(con) -> None:
    try:
        if getattr(con, "name", "") != "pyspark":  # a Spark session is shared; keep it
            con.disconnect()
    except Exception:  # noqa: BLE001 - closing is best effort
        pass

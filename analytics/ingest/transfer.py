"""A database's mapped columns, fetched once as Arrow, cleaned by the embedded DuckDB.

PostgreSQL and MySQL (MariaDB) send only the columns the mapping names, already typed as
the rules expect (:func:`analytics.ingest.sources.stage`'s casts, run in the server: the
calendar day of a timestamp, amounts as floats, text). The cleaning rules then run on that
Arrow table in the embedded DuckDB that cleans a file: one implementation of the rules, the
same numbers, and no long query for the shop's server to plan, sort and number.

- PostgreSQL: ADBC (``adbc-driver-postgresql``: libpq's binary COPY, straight into Arrow),
  on its own connection whose every statement is read-only and has the same timeout.
- MySQL and MariaDB: the driver's unbuffered cursor in batches on the read-only session;
  dates travel as text, parsed by Arrow (the driver's date objects are slow to make).

Rows without a position are numbered here (Arrow's sort) by the same keys the database would
sort them by (date, order id, customer, email, amount, text byte for byte); the raw key is
sent beside its staged value where the two sort differently (a timestamp beside its day, an
integer id beside its text). A key of a kind that could sort otherwise here is numbered in
the server as before. Nothing is written on the server.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pyarrow as pa

SORT_ROLES = ("order_date", "order_id", "customer_id", "email", "amount")
BATCH_ROWS = 50_000  # MySQL rows per batch from the unbuffered cursor


def available(kind: str) -> bool:
    """Whether a location of this kind can be fetched as Arrow here (its driver installed)."""
    if kind == "postgresql":
        try:
            import adbc_driver_postgresql.dbapi  # noqa: F401
        except ImportError:
            return False
        return True
    return kind == "mysql"


def sent(table, staged: dict, mapping: dict):
    """(columns to send, keys to number rows by here); the keys are None when a key's
    kind could sort differently here: then ``staged`` is numbered in the server."""
    columns, keys = dict(staged), []
    for role in SORT_ROLES:
        if not mapping.get(role):
            continue
        raw = table[mapping[role]]
        dtype = raw.type()
        same = dtype.is_string() or (role == "order_date" and dtype.is_date())
        if same or role == "amount":  # a float of a number sorts as the number does
            keys.append(role)
        elif dtype.is_timestamp() or dtype.is_integer() or dtype.is_floating():
            columns[f"_key_{role}"] = raw
            keys.append(f"_key_{role}")
        elif dtype.is_decimal():
            columns[f"_key_{role}"] = raw.cast("float64")
            keys.append(f"_key_{role}")
        else:
            return staged, None
    return columns, keys


def numbered(arrow: pa.Table, keys: list[str] | None) -> pa.Table:
    """The fetched rows as the rules' input: ``_row`` numbered by the keys, the raw keys
    dropped. Arrow sorts text byte for byte, and puts NaN then missing values last, as the
    rules' ``row_number`` does in every engine; rows that tie keep an arbitrary order there
    too."""
    import numpy as np
    import pyarrow.compute as pc

    if keys is None:  # numbered in the server
        return arrow
    order = pc.sort_indices(arrow, [(k, "ascending") for k in keys])  # missing ones last
    rows = np.empty(len(arrow), dtype=np.int64)
    rows[order.to_numpy()] = np.arange(len(arrow), dtype=np.int64)
    arrow = arrow.drop_columns([k for k in keys if k.startswith("_key_")])
    return arrow.append_column("_row", pa.array(rows))


def fetch(con, expr, kind: str, login: dict) -> pa.Table:
    """Run ``expr`` (an Ibis expression on ``con``) in the server and return its rows.
    ``login`` (PostgreSQL's own connection): host, port, user, database, password, the
    statement and connection time limits (``timeout_ms``, ``connect_timeout_s``)."""
    if kind == "postgresql":
        return _postgres(con.compile(expr), login)
    return _mysql(con, expr)


def _postgres(sql: str, where: dict) -> pa.Table:
    import adbc_driver_postgresql.dbapi as adbc

    secret, timeout_ms = where["password"], where["timeout_ms"]
    host = f"[{where['host']}]" if ":" in where["host"] else where["host"]
    user = quote(where["user"] or "", safe="")
    login = f"{user}:{quote(secret, safe='')}" if secret else user
    settings = {
        # Every statement read-only (the session's default cannot be turned back: the one
        # statement sent is the checked SELECT), long ones cancelled.
        "options": f"-c default_transaction_read_only=on -c statement_timeout={timeout_ms}",
        "connect_timeout": where["connect_timeout_s"],
        "application_name": "lifecycle-lens",
    }
    uri = (
        f"postgresql://{login + '@' if login else ''}{host}:{where['port']}/"
        f"{quote(where['database'], safe='')}?{urlencode(settings, quote_via=quote)}"
    )
    with adbc.connect(uri) as conn, conn.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetch_arrow_table()


def _mysql(con, expr) -> pa.Table:
    """Rows through the read-only session's unbuffered cursor, batch by batch; dates and
    timestamps as text (parsed by Arrow), so the driver makes no date objects."""
    import MySQLdb.cursors

    schema = expr.schema()
    wire, types = {}, {}
    for name, dtype in schema.items():
        value = expr[name]
        if dtype.is_date() or dtype.is_timestamp():
            value = value.cast("string")
            types[name] = pa.date32() if dtype.is_date() else pa.timestamp("us")
        elif dtype.is_string():
            types[name] = pa.string()
        elif dtype.is_integer():
            types[name] = pa.int64()
        else:
            value = value.cast("float64")
            types[name] = pa.float64()
        wire[name] = value
    sql = con.compile(expr.select(**wire))
    names = list(types)
    sent_as = [
        pa.string() if types[n] in (pa.date32(), pa.timestamp("us")) else types[n] for n in names
    ]
    batches = []
    cursor = con.con.cursor(MySQLdb.cursors.SSCursor)
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(BATCH_ROWS):
            columns = zip(*rows, strict=True)
            arrays = [pa.array(c, type=t) for c, t in zip(columns, sent_as, strict=True)]
            batches.append(_parsed(pa.RecordBatch.from_arrays(arrays, names=names), types))
    finally:
        cursor.close()
    return pa.Table.from_batches(batches, schema=pa.schema(list(types.items())))


def _parsed(batch: pa.RecordBatch, types: dict) -> pa.RecordBatch:
    """Dates and timestamps from MySQL's text. A date that is no date (MySQL's zero date
    '0000-00-00', or '2024-00-10') is missing, as the driver reads it."""
    import pyarrow.compute as pc

    arrays = []
    for name, wanted in types.items():
        column = batch.column(name)
        if column.type != wanted:
            try:
                column = pc.cast(column, wanted)
            except pa.ArrowInvalid:
                column = _lenient(column, wanted)
        arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, names=list(types))


def _lenient(column: pa.Array, wanted: pa.DataType) -> pa.Array:
    """Each value read on its own (a batch that holds a date that is no date)."""
    import datetime as dt

    read = dt.date.fromisoformat if wanted == pa.date32() else dt.datetime.fromisoformat
    values = []
    for text in column.to_pylist():
        try:
            values.append(None if text is None else read(text))
        except ValueError:
            values.append(None)
    return pa.array(values, type=wanted)

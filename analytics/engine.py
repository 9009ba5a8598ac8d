"""The cleaning rules, written once as Ibis expressions and run in the engine that holds the data.

Files are parsed by the readers (text dates and amounts need the app's parsers), then handed
to an embedded DuckDB as an Arrow table; Parquet datasets, DuckDB files, PostgreSQL
and Spark run the same expressions in their own engine, so the rows never leave it. What
comes back is small: the quality report's counts and examples, and the clean order log
(one row per kept order) as an Arrow table.

The input is a *staged* table: one column per mapped role (``order_date`` a date, ``amount``
and ``refunded`` floats, the rest text) and ``_row``, the order of the rows (the row number
in a file; a stable order elsewhere). This module imports ibis at the top: it is imported
only where orders are read, so commands that never read stay light.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa

from analytics.errors import LensError
from analytics.orders import (
    ATTRIBUTE_ROLES,
    CANCELLED,
    FAILED,
    MISSING_IDS,
    PREVIEW,
    PREVIEW_COLUMNS,
    REASONS,
    REFUNDED,
)

TEXT_ROLES = [
    "customer_id",
    "email",
    "order_id",
    "status",
    "cancelled_at",
    "currency",
    "channel",
    "country",
    "discount_code",
    "category",
]
EXAMPLES = 5


@dataclass
class Cleaned:
    """What the engine sends back: the kept orders and the quality report's figures."""

    orders: pa.Table  # _code, email, order_date, amount, attributes (see by_customer)
    customers: pa.ChunkedArray  # the customers' keys, by _code
    preview: pa.Table  # the first kept orders in row order, with order ids and keys
    rows: int  # rows of the staged table (before line items were folded)
    orders_found: int
    dropped: dict[str, int]
    examples: dict[str, list]
    currencies: dict[str, int]  # kept orders per currency the rows name
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- the rules, one expression each -----------------------------------------------------------


# Each rule refers to its input once or twice: SQL repeats an expression at every reference,
# so rules built on rules would multiply the work per row.


def strip_text(value: ir.Value) -> ir.StringValue:
    """Text trimmed of surrounding whitespace; empty text is missing."""
    return value.cast("string").strip().nullif("")


def clean_ids(value: ir.Value) -> ir.StringValue:
    """Customer ids as trimmed text; ``123.0`` (a spreadsheet's number) is ``123``; blanks
    and placeholders (0, guest, n/a, ...) are missing."""
    text = strip_text(value)
    # Only a value with a dot can be a spreadsheet's number: the pattern runs on those alone.
    number = text.re_extract(r"^([0-9]+)\.0+$", 1).nullif("")
    text = ibis.cases((text.contains("."), ibis.coalesce(number, text)), else_=text)
    # Placeholders are short words ("invite", six letters, never was one).
    placeholders = [m for m in MISSING_IDS if len(m) <= 5]
    short = text.length() <= max(len(m) for m in placeholders)
    return ibis.cases((short & text.lower().isin(placeholders), ibis.null("string")), else_=text)


def clean_emails(value: ir.Value) -> ir.StringValue:
    """Emails trimmed and lower-cased; values without @ are missing."""
    email = value.cast("string").strip().lower()
    return ibis.cases((email.contains("@"), email), else_=ibis.null("string"))


def currency_code(value: ir.Value) -> ir.StringValue:
    """The currency a text names: a known three-letter code (``EUR 12``, ``12 chf``, a
    currency column's ``eur``) or a sign (``€``, ``£``, ``$``); missing where none."""
    from analytics.parsing import SYMBOL_CODES
    from analytics.present import CURRENCIES

    upper = value.cast("string").upper()
    code = upper.re_extract(r"(?:^|[^A-Z])([A-Z]{3})(?:[^A-Z]|$)", 1)  # the first one
    signs = [(upper.contains(sign), name) for sign, name in SYMBOL_CODES.items()]
    return ibis.cases((code.isin(CURRENCIES), code), *signs, else_=ibis.null("string"))


def _status_kinds(status: ir.Value, refunded_statuses: list[str]):
    """(cancelled, refunded, failed) flags of a status (trimmed, lower-cased, without
    WooCommerce's "wc-"). A status can match several: the reasons are checked in the order
    cancelled, refunded, failed, so the first wins."""
    text = status.cast("string").strip().lower()
    text = ibis.cases((text.startswith("wc-"), text.substr(3)), else_=text)
    cancelled = text.re_search(CANCELLED).fill_null(False)
    refunded = text.re_search(REFUNDED).fill_null(False)
    if refunded_statuses:
        refunded = refunded | text.isin(refunded_statuses).fill_null(False)
    failed = text.re_search(FAILED).fill_null(False)
    return cancelled, refunded, failed


def per_value(t: ir.Table, column: str, rule, many: bool = False) -> ir.Table:
    """Adds the columns ``rule(value)`` returns (a dict), worked out once per distinct value
    of ``column`` and joined back: exports repeat statuses, customers and channels, so a
    text rule runs on a few values rather than on every row. Missing values get nulls.

    The rule runs on every row instead on MySQL (see :func:`_recomputes_ctes`), and for a
    column of ``many`` values (customer ids, emails) everywhere but DuckDB: PostgreSQL takes
    longer to find and join back a million distinct ids than to clean every row (measured,
    1M customers: about 7 s of a 20 s query), and Spark would shuffle the rows twice."""
    engine = _engine(t)
    if engine == "mysql" or (many and engine != "duckdb"):
        return t.mutate(**rule(t[column]))
    values = t.select(_value=t[column]).distinct()
    mapped = values.mutate(**rule(values._value))
    return t.left_join(mapped, t[column] == mapped._value).drop("_value")


def firsts(t: ir.Table, by: str, columns: list[str], **aggregates) -> ir.Table:
    """One row per value of ``by``: the aggregates, and each column's value on the group's
    first row (by ``_row``) that has one.

    MySQL has no argmin, and joins its subqueries without an index: there each value is a
    window over the group (rows with a value first, then by ``_row``) and the group's first
    row is kept. The same rule, spelled for that engine."""
    if not _recomputes_ctes(t):
        first = {c: t[c].argmin(t._row, where=t[c].notnull()) for c in columns}
        return t.group_by(by).aggregate(**aggregates, **first)
    group = exact(t, t[by])
    ranked = t.mutate(
        _rank=ibis.row_number().over(group_by=group, order_by=t._row),
        **{name: value.over(group_by=group) for name, value in aggregates.items()},
        **{c: t[c].first().over(group_by=group, order_by=[t[c].isnull(), t._row]) for c in columns},
    )
    return ranked.filter(ranked._rank == 0).select(by, *aggregates, *columns)


@ibis.udf.scalar.builtin(name="hex")
def _hex(value: str) -> str:
    """MySQL's HEX: the text's bytes as hex digits."""


def exact(t: ir.Table, value: ir.Value) -> ir.Value:
    """Text to group or count by, compared byte for byte. MySQL's usual collations take
    ``A1`` and ``a1`` (or ``a1 ``) as one value: there the text's hex digits stand in."""
    return _hex(value) if _recomputes_ctes(t) else value


def _recomputes_ctes(t: ir.Table) -> bool:
    """MySQL and MariaDB compute a WITH clause again at each place a query names it, and
    have no argmin: rules there are written so each step reads its input once or twice."""
    return _engine(t) == "mysql"


def _engine(t: ir.Table) -> str:
    """The name of the engine a table is in (an Arrow table is read by DuckDB)."""
    backends, _ = t._find_backends()
    return backends[0].name if backends else "duckdb"


def fold_line_items(
    con: ibis.BaseBackend, t: ir.Table, roles: list[str], stats: dict
) -> tuple[ir.Table, list[str], list[str]]:
    """One row per order id: fields from the order's first row that has them.

    The amount is the order total when every multi-row order repeats one value (or has it
    on one row only, as Shopify does); otherwise the rows are line items and are summed.
    Rows without an order id are orders of their own. ``stats`` comes from :func:`_stats`.
    """
    notes: list[str] = []
    warnings: list[str] = []
    if "order_id" not in roles or stats["with_id"] == stats["distinct_ids"]:
        return t, notes, warnings
    keyed = t.filter(t.order_id.notnull())
    per_order = firsts(
        keyed,
        "order_id",
        [c for c in t.columns if c not in ("_row", "order_id")],
        _row=keyed._row.min(),
        _n=keyed._row.count(),
        _lowest=keyed.amount.min(),
        _highest=keyed.amount.max(),
        _with_amount=keyed.amount.count(),
        _amount_sum=keyed.amount.sum(),
    )
    shape = con.execute(
        per_order.aggregate(
            multi=(per_order._n > 1).sum(),
            line=((per_order._n > 1) & (per_order._highest > per_order._lowest)).any(),
            gaps=((per_order._n > 1) & (per_order._with_amount < per_order._n)).any(),
        )
    )
    n_multi = int(shape["multi"].iloc[0] or 0)
    line_amounts = bool(shape["line"].iloc[0])
    if line_amounts:
        per_order = per_order.mutate(amount=per_order._amount_sum)
    folded = per_order.select(*t.columns).union(t.filter(t.order_id.isnull()), distinct=False)
    orders = stats["distinct_ids"] + stats["rows"] - stats["with_id"]
    how = "line amounts added up" if line_amounts else "the order total taken once"
    notes.append(
        f"{stats['rows']:,} rows were folded into {orders:,} orders ({n_multi:,} orders span "
        f"several rows; {how})."
    )
    if not line_amounts and not bool(shape["gaps"].iloc[0]) and n_multi:
        warnings.append(
            "Orders on several rows repeat the same amount on each row: it was taken as the "
            "order total, once per order. If it is a per-line amount, the revenue is too low."
        )
    return folded, notes, warnings


def customer_key(t: ir.Table, roles: list[str]) -> ir.Table:
    """Adds ``_key``: the customer id, else the email trimmed and lower-cased (``_email``).

    An email seen with an id elsewhere takes that id (the first one, in row order), so one
    person's guest and account orders stay together.
    """
    has_id, has_email = "customer_id" in roles, "email" in roles
    if has_email:
        t = per_value(t, "email", lambda v: {"_email": clean_emails(v)}, many=True)
    else:
        t = t.mutate(_email=ibis.null("string"))
    if has_id:
        t = per_value(t, "customer_id", lambda v: {"_id": clean_ids(v)}, many=True)
    else:
        t = t.mutate(_id=ibis.null("string"))
    raw = [role for role in ("customer_id", "email") if role in roles]
    if not (has_id and has_email):  # the raw columns are done with: a narrower table to keep
        return t.mutate(_key=t._id if has_id else t._email).drop(*raw, "_id")
    if _recomputes_ctes(t):  # the email's first id as a window over its rows (see firsts)
        order = [t._id.isnull(), t._row]
        first_id = t._id.first().over(group_by=exact(t, t._email), order_by=order)
        known_id = ibis.cases((t._email.notnull(), first_id), else_=ibis.null("string"))
        return t.mutate(_key=ibis.coalesce(t._id, known_id, t._email)).drop(*raw, "_id")
    pairs = t.filter(t._id.notnull() & t._email.notnull())
    known = firsts(pairs, "_email", ["_id"]).select(_known_email="_email", _known_id="_id")
    t = t.left_join(known, t._email == known._known_email)
    return t.mutate(_key=ibis.coalesce(t._id, t._known_id, t._email)).drop(
        "_known_email", "_known_id", *raw, "_id"
    )


def classify(t: ir.Table, roles: list[str], end: dt.date, refunded_statuses: list[str]) -> ir.Table:
    """Adds ``_reason``: the position in REASONS of the first reason an order is left out,
    or null when it is kept."""
    false = ibis.literal(False)
    if "status" in roles:
        names = ["_cancelled", "_refunded", "_failed"]
        t = per_value(
            t,
            "status",
            lambda v: dict(zip(names, _status_kinds(v, refunded_statuses), strict=True)),
        )
        cancelled, refunded, failed = (t[name].fill_null(False) for name in names)
    else:
        cancelled = refunded = failed = false
    if "cancelled_at" in roles:
        cancelled = cancelled | strip_text(t.cancelled_at).notnull()
    if "refunded" in roles:
        full = (t.refunded > 0) & (t.refunded >= t.amount - 0.005)
        refunded = refunded | full.fill_null(False)
    keys = list(REASONS)
    checks = [
        ("bad_date", t.order_date.isnull()),
        ("future", (t.order_date > ibis.literal(end, "date")).fill_null(False)),
        ("cancelled", cancelled),
        ("refunded", refunded),
        ("failed", failed),
        ("guest", t._key.isnull()),
        ("bad_amount", t.amount.isnull()),
        ("not_positive", (t.amount <= 0).fill_null(False)),
    ]
    reason = ibis.cases(*[(cond, keys.index(key)) for key, cond in checks], else_=ibis.null("int8"))
    t = t.mutate(_reason=reason.cast("int8"))
    return t.drop(*[c for c in ("_cancelled", "_refunded", "_failed") if c in t.columns])


# --- running it -------------------------------------------------------------------------------


def _stats(con: ibis.BaseBackend, t: ir.Table, roles: list[str]) -> dict:
    if "order_id" in roles:
        counted = t.aggregate(
            rows=t.count(), with_id=t.order_id.count(), distinct_ids=exact(t, t.order_id).nunique()
        )
    else:
        counted = t.aggregate(rows=t.count())
    frame = con.execute(counted)
    stats = {k: int(frame[k].iloc[0] or 0) for k in frame.columns}
    stats.setdefault("with_id", 0)
    stats.setdefault("distinct_ids", 0)
    return stats


def clean(
    con: ibis.BaseBackend,
    t: ir.Table,
    roles: list[str],
    end: dt.date,
    refunded_statuses: list[str] | None = None,
    examples_as: str = "row",
    cache: bool = False,
) -> Cleaned:
    """Run the cleaning rules on a staged table (see the module's docstring).

    Parameters
    ----------
    roles:
        The roles the staged table has (its columns besides ``_row``).
    end:
        Orders dated after this day are left out ("future").
    examples_as:
        ``"row"``: examples are row numbers (``_row``, a file's row); ``"order"``: the
        order ids (a database's rows have no row number).
    cache:
        Materialise the classified orders in the engine (DuckDB, Spark) rather than compute
        them again for each query; a read-only database cannot create tables.
    """
    copied = cache and not isinstance(t.op(), ops.InMemoryTable)
    if copied:
        # Read the source once; every step below scans the copy in the engine. An Arrow
        # table is already in memory, where DuckDB scans it in place.
        t = materialise(con, t)
    stats = _stats(con, t, roles)
    folded, notes, warnings = fold_line_items(con, t, roles, stats)
    keyed = customer_key(folded, roles)
    if cache:  # smaller plans to compile and run: keyed orders kept, then classified
        keyed = materialise(con, keyed)
        if copied:  # each copy is freed once no step reads it
            release(con, t)
    classified = classify(keyed, roles, end, refunded_statuses or [])
    for role in ATTRIBUTE_ROLES:
        if role in roles:
            classified = per_value(classified, role, lambda v, r=role: {f"_{r}": strip_text(v)})
    if "currency" in roles:
        classified = per_value(classified, "currency", lambda v: {"_currency": currency_code(v)})
    order_id = strip_text(classified.order_id) if "order_id" in roles else ibis.null("string")
    # Orders with no id are named by their row.
    named = ibis.coalesce(order_id, "row " + classified._row.cast("string"))
    out = {
        "_row": classified._row,
        "_reason": classified._reason,
        "order_id": named,
        "customer_id": classified._key,
        "email": classified._email,
        "order_date": classified.order_date,
        "amount": classified.amount - classified.refunded
        if "refunded" in roles
        else classified.amount,
        "_refunded": (classified.refunded > 0).fill_null(False)
        if "refunded" in roles
        else ibis.literal(False),
        "_currency": classified._currency if "currency" in roles else ibis.null("string"),
    }
    out |= {role: classified[f"_{role}"] for role in _attributes(roles)}
    result = classified.select(**out)
    if cache:
        result = materialise(con, result)
        release(con, keyed)

    groups, examples, preview = summary(con, result, roles, examples_as)
    counts = groups[groups["_reason"].notna()].groupby("_reason")["n"].sum()
    dropped = {key: int(counts.get(i, 0)) for i, key in enumerate(REASONS)}
    kept_groups = groups[groups["_reason"].isna()]
    orders_found = int(groups["n"].sum())
    partial = int(kept_groups["partial"].sum())
    if partial:
        notes.append(f"{partial} partly refunded orders count net of the refunded amount.")
    currencies = {
        str(code): int(n)
        for code, n in kept_groups.groupby("_currency")["n"].sum().items()
        if str(code)
    }
    kept = result.filter(result._reason.isnull())
    customers, orders = by_customer(con, kept, roles, cache)
    return Cleaned(
        orders,
        customers,
        preview,
        stats["rows"],
        orders_found,
        dropped,
        examples,
        currencies,
        notes,
        warnings,
    )


def summary(con: ibis.BaseBackend, result: ir.Table, roles: list[str], examples_as: str) -> tuple:
    """The quality report's counts and examples and the preview, in one query, so an engine
    that cannot keep the classified orders (a read-only database) runs the rules once for
    all three: (orders per reason and currency, with the partly refunded ones, as a frame;
    the first examples per reason; the first kept orders in row order, as Arrow)."""
    counted = result.group_by(["_reason", "_currency"]).aggregate(
        n=result.count(), partial=result._refunded.sum().cast("int64")
    )
    left_out = result.filter(result._reason.notnull())
    rank = ibis.row_number().over(group_by=left_out._reason, order_by=left_out._row)
    value = left_out._row.cast("string") if examples_as == "row" else left_out.order_id
    ranked = left_out.mutate(_rank=rank, _example=value)
    firsts = ranked.filter(ranked._rank < EXAMPLES)
    kept = result.filter(result._reason.isnull())
    preview = kept.order_by("_row").limit(PREVIEW)
    shown = [*PREVIEW_COLUMNS, *_attributes(roles)]
    types = result.schema()
    schema = {
        "_part": "int8",
        "_reason": "int8",
        "_currency": "string",
        "n": "int64",
        "partial": "int64",
        "_rank": "int64",
        "_example": "string",
        "_row": "int64",
        **{c: types[c] for c in shown},
    }
    parts = [_padded(table, part, schema) for part, table in enumerate([counted, firsts, preview])]
    both = con.to_pyarrow(ibis.union(*parts, distinct=False))
    part = both["_part"].to_numpy(zero_copy_only=False)
    groups, firsts, preview = (both.filter(pa.array(part == i)) for i in range(3))
    counts = groups.select(["_reason", "_currency", "n", "partial"]).to_pandas()
    return counts, _examples(firsts, examples_as), preview.sort_by("_row").select(shown)


def _padded(table: ir.Table, part: int, schema: dict) -> ir.Table:
    """A table in the union's schema: its own columns, nulls for the others."""
    return table.select(
        _part=ibis.literal(part, "int8"),
        **{
            name: table[name].cast(dtype) if name in table.columns else ibis.null(dtype)
            for name, dtype in schema.items()
            if name != "_part"
        },
    )


def by_customer(
    con: ibis.BaseBackend, kept: ir.Table, roles: list[str], cache: bool
) -> tuple[pa.ChunkedArray, pa.Table]:
    """The kept orders numbered by customer and sorted, so the app neither hashes customer
    keys nor sorts orders: (the customers' keys, by number; the orders with ``_code``, their
    customer's number, sorted by customer, day, then row). Customers are numbered in the
    order of their first order in the rows. Order ids stay in the engine (the preview shows
    the first ones): the app never needs them all."""
    if _recomputes_ctes(kept):  # windows rather than a join (see firsts)
        first = kept.mutate(_first=kept._row.min().over(group_by=exact(kept, kept.customer_id)))
        joined = first.mutate(_code=ibis.dense_rank().over(order_by=first._first).cast("int32"))
        key = joined.customer_id
    else:
        firsts = kept.group_by(_key=kept.customer_id).aggregate(_first=kept._row.min())
        numbered = firsts.mutate(_code=ibis.row_number().over(order_by=firsts._first).cast("int32"))
        if cache:
            numbered = materialise(con, numbered)
        joined = kept.join(numbered, kept.customer_id == numbered._key)
        key = joined._key
    # Each customer's key rides on their first order (one row each): no second query.
    head = ibis.cases((joined._row == joined._first, key), else_=ibis.null("string"))
    columns = ["_code", "email", "order_date", "amount", *_attributes(roles)]
    ordered = joined.order_by(["_code", "order_date", "_row"])
    orders = con.to_pyarrow(ordered.select(*columns, _head=head))
    if cache and not _recomputes_ctes(kept):
        release(con, numbered)
    heads = orders["_head"]
    return heads.filter(heads.is_valid()), orders.drop_columns(["_head"])


def _attributes(roles: list[str]) -> list[str]:
    return [role for role in ATTRIBUTE_ROLES if role in roles]


def _examples(rows: pa.Table, examples_as: str) -> dict[str, list]:
    """The examples of each reason, in row order: row numbers, or order ids."""
    keys = list(REASONS)
    examples: dict[str, list] = {}
    ordered = rows.sort_by([("_reason", "ascending"), ("_rank", "ascending")])
    for reason, example in zip(
        ordered["_reason"].to_pylist(), ordered["_example"].to_pylist(), strict=True
    ):
        value = int(example) if examples_as == "row" else str(example)
        examples.setdefault(keys[int(reason)], []).append(value)
    return examples


def duckdb() -> ibis.BaseBackend:
    """An embedded DuckDB for files: in memory, spilling to a temporary folder if needed."""
    try:
        return quiet(ibis.duckdb.connect())
    except Exception as exc:  # noqa: BLE001 - a broken install is said in one line
        raise LensError(f"The embedded DuckDB engine could not start ({exc}).") from exc


def from_arrow(table: pa.Table) -> ir.Table:
    """An Arrow table as an engine table (DuckDB reads it in place, without a copy)."""
    return ibis.memtable(table)


def materialise(con: ibis.BaseBackend, expr: ir.Table) -> ir.Table:
    """Compute an expression once and keep the result in the engine (a temporary table)."""
    import uuid

    if con.name == "pyspark":  # Spark keeps a computed frame in its own cache
        return expr.cache()
    return con.create_table(f"_lens_{uuid.uuid4().hex}", expr, temp=True)


def release(con: ibis.BaseBackend, table: ir.Table) -> None:
    """Free a table :func:`materialise` made."""
    if con.name == "pyspark":
        table.release()
    else:
        con.drop_table(table.op().name, force=True)


def clean_contact_keys(ids: pa.Array | None, emails: pa.Array | None) -> tuple:
    """A contacts file's ids and emails cleaned by the same rules as the orders' (in DuckDB):
    (ids, emails) as Arrow text, None where the file has no such column."""
    columns = {name: col for name, col in (("ids", ids), ("emails", emails)) if col is not None}
    t = ibis.memtable(pa.table({k: v.cast(pa.string()) for k, v in columns.items()}))
    cleaned = {"ids": clean_ids(t.ids)} if ids is not None else {}
    if emails is not None:
        cleaned["emails"] = clean_emails(t.emails)
    con = duckdb()
    try:
        out = con.to_pyarrow(t.select(**cleaned))
    finally:
        con.disconnect()
    return tuple(out[k] if k in columns else None for k in ("ids", "emails"))


def quiet(con: ibis.BaseBackend) -> ibis.BaseBackend:
    """No progress bar: DuckDB would draw it on the terminal, amid the command's output."""
    con.raw_sql("SET enable_progress_bar = false")
    return con

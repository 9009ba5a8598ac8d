"""The cleaning rules, written once as Ibis expressions and compiled for the engine that holds
the data.

Files are parsed by the readers (text dates and amounts need the app's parsers), then handed
to an embedded DuckDB as an Arrow table; so are a PostgreSQL or MySQL table's mapped columns,
fetched once as Arrow (:mod:`analytics.ingest.transfer`; with ``LENS_DB_RULES=server`` the
database runs the expressions itself). Parquet datasets, DuckDB files and Spark run the same
expressions in their own engine, so the rows never leave it. The
queries at the end of this module are the steps :mod:`analytics.ingest.cleaning` runs; the staged
table they start from is described there. This module imports ibis at the top: it is
imported only where a query must be built (a file's queries are usually compiled already,
see :mod:`analytics.ingest.runner`).
"""

from __future__ import annotations

import datetime as dt
import functools
import string

import ibis
import ibis.expr.datatypes as dt_
import ibis.expr.types as ir

from analytics.ingest.orders import (
    ATTRIBUTE_ROLES,
    CANCELLED,
    FAILED,
    MISSING_IDS,
    PREVIEW,
    REASONS,
    REFUNDED,
    attributes_of,
    preview_columns,
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
    "product",
]
EXAMPLES = 5


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


def plain_ids(value: ir.Value) -> ir.BooleanValue:
    """Whether an id is one :func:`clean_ids` leaves as it is: longer than any placeholder,
    no dot (no spreadsheet number), nothing to trim. When every id of a table is plain (a
    check the counting scan makes, see :func:`stats_query`), the rule has nothing to do."""
    text = value.cast("string")
    longest = max(len(m) for m in MISSING_IDS if len(m) <= 5)
    # What strip() trims (Python's whitespace, as Ibis strips), looked for at either end: a
    # pattern costs half what trimming every id to compare it does.
    padded = text.re_search(f"^[{string.whitespace}]|[{string.whitespace}]$")
    return (text.length() > longest) & ~text.contains(".") & ~padded


def clean_emails(value: ir.Value) -> ir.StringValue:
    """Emails trimmed and lower-cased; values without @ are missing."""
    email = value.cast("string").strip().lower()
    return ibis.cases((email.contains("@"), email), else_=ibis.null("string"))


def currency_code(value: ir.Value) -> ir.StringValue:
    """The currency a text names: a known three-letter code (``EUR 12``, ``12 chf``, a
    currency column's ``eur``) or a sign (``€``, ``£``, ``$``); missing where none."""
    from analytics.ingest.parsing import CURRENCIES, SYMBOL_CODES

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
        first = {c: _first_by_row(t, c) for c in columns}
        return t.group_by(by).aggregate(**aggregates, **first)
    group = exact(t, t[by])
    ranked = t.mutate(
        _rank=ibis.row_number().over(group_by=group, order_by=t._row),
        **{name: value.over(group_by=group) for name, value in aggregates.items()},
        **{c: t[c].first().over(group_by=group, order_by=[t[c].isnull(), t._row]) for c in columns},
    )
    return ranked.filter(ranked._rank == 0).select(by, *aggregates, *columns)


def _first_by_row(t: ir.Table, column: str) -> ir.Value:
    """The column's value on the group's first row (by ``_row``) that has one."""
    where = t[column].notnull()
    if _engine(t) == "duckdb":
        return _arg_min(t[column].type(), t._row.type())(t[column], t._row, where=where)
    return t[column].argmin(t._row, where=where)


@functools.cache
def _arg_min(value: dt_.DataType, key: dt_.DataType):
    """DuckDB's ``arg_min`` for a column type: the value on the row with the lowest key.
    Ibis spells argmin there as an ordered ``first``, which buffers and sorts each group's
    values (measured at 8.4M line rows: about twice the time)."""
    return ibis.udf.agg.builtin(
        lambda value, key: None, name="arg_min", signature=((value, key), value)
    )


@ibis.udf.scalar.builtin(name="hex")
def _hex(value: str) -> str:
    """MySQL's HEX: the text's bytes as hex digits."""


def exact(t: ir.Table, value: ir.Value) -> ir.Value:
    """Text to group or count by, compared byte for byte. MySQL's usual collations take
    ``A1`` and ``a1`` (or ``a1 ``) as one value: there the text's hex digits stand in."""
    return _hex(value) if _recomputes_ctes(t) else value


@ibis.udf.scalar.builtin(name="convert_to")
def _utf8(value: str, encoding: str) -> bytes:
    """PostgreSQL's convert_to: the text's bytes."""


def bytewise(t: ir.Table, value: ir.Value) -> ir.Value:
    """Text to sort by, byte for byte as DuckDB and Spark sort it: PostgreSQL would follow
    the database's collation (its language's rules), MySQL its own."""
    if _engine(t) == "postgres":
        return _utf8(value, "UTF8")
    return exact(t, value)


def _recomputes_ctes(t: ir.Table) -> bool:
    """MySQL and MariaDB compute a WITH clause again at each place a query names it, and
    have no argmin: rules there are written so each step reads its input once or twice."""
    return _engine(t) == "mysql"


def _engine(t: ir.Table) -> str:
    """The name of the engine a table is in (an Arrow table is read by DuckDB)."""
    backends, _ = t._find_backends()
    return backends[0].name if backends else "duckdb"


def _order_counts(keyed: ir.Table) -> dict[str, ir.Value]:
    """Per order id: its first row, the row count, the lowest and highest amount, the
    amounts and their sum."""
    return dict(
        _row=keyed._row.min(),
        _n=keyed._row.count(),
        _lowest=keyed.amount.min(),
        _highest=keyed.amount.max(),
        _with_amount=keyed.amount.count(),
        _amount_sum=keyed.amount.sum(),
    )


def per_order(t: ir.Table) -> ir.Table:
    """One row per order id of the rows that have one: fields from the order's first row
    that has them, and :func:`_order_counts`; the products of all its rows (``_products``,
    see :func:`with_products`)."""
    keyed = t.filter(t.order_id.notnull())
    columns = [c for c in t.columns if c not in ("_row", "order_id", "_product")]
    gathered = {"_products": keyed._product.collect()} if "_product" in t.columns else {}
    return firsts(keyed, "order_id", columns, **_order_counts(keyed), **gathered)


def shape_query(t: ir.Table) -> ir.Table:
    """How orders spread over rows: how many order ids there are; how many span several
    rows; whether any has different amounts on its rows (line items); whether any lacks an
    amount on some rows. Only the counts: the fields' first values are not needed here."""
    keyed = t.filter(t.order_id.notnull())
    # The orders as per_order groups them (MySQL would take "A1" and "a1" for one).
    orders = keyed.group_by(_order=exact(keyed, keyed.order_id)).aggregate(**_order_counts(keyed))
    several = orders._n > 1
    return orders.aggregate(
        orders=orders.count(),
        multi=several.sum(),
        line=(several & (orders._highest > orders._lowest)).any(),
        gaps=(several & (orders._with_amount < orders._n)).any(),
    )


def folded(t: ir.Table, line_amounts: bool) -> ir.Table:
    """One row per order id (see :func:`per_order`); rows without an order id are orders
    of their own. The amount is the line amounts' sum, or the order total taken once."""
    orders = per_order(t)
    if line_amounts:
        orders = orders.mutate(amount=orders._amount_sum)
    alone = t.filter(t.order_id.isnull())
    if "_product" in t.columns:
        alone = _own_products(alone)
    return orders.select(*alone.columns).union(alone, distinct=False)


# --- line items: which products each kept order holds ----------------------------------------


def gathers_products(t: ir.Table) -> bool:
    """Whether the engine can keep each order's products as a list on the order (every
    engine but MySQL, which has no arrays): folding the rows then gathers them in the same
    pass, and no step joins line rows to orders by name."""
    return not _recomputes_ctes(t)


def with_products(t: ir.Table, fold: bool) -> ir.Table:
    """The staged rows with their product trimmed (empty is none) as ``_product``, for
    :func:`folded` to gather per order; rows that are orders of their own (no folding)
    carry it as their ``_products`` at once. A product staged as a number is one already
    trimmed (see :func:`analytics.ingest.cleaning.numbered_products`)."""
    number = t.product.type().is_integer()
    t = t.mutate(_product=t.product if number else strip_text(t.product)).drop("product")
    return t if fold else _own_products(t)


def _own_products(t: ir.Table) -> ir.Table:
    """A row that is an order of its own: its product as the order's list (a missing one is
    dropped when the lists are read)."""
    return t.mutate(_products=ibis.array([t._product])).drop("_product")


def _items(t: ir.Table, **columns) -> ir.Table:
    """One row per product of each order's list (``_products``), with ``columns``."""
    items = t.select(**columns, product=t._products.unnest())
    return items.filter(items.product.notnull())


def customer_key(t: ir.Table, roles: list[str], ids_plain: bool = False) -> ir.Table:
    """Adds ``_key``: the customer id, else the email trimmed and lower-cased (``_email``).

    An email seen with an id elsewhere takes that id (the first one, in row order), so one
    person's guest and account orders stay together. ``ids_plain``: every customer id is
    :func:`plain_ids`, so the id rule has nothing to do and is not run.
    """
    has_id, has_email = "customer_id" in roles, "email" in roles
    if has_email:
        t = per_value(t, "email", lambda v: {"_email": clean_emails(v)}, many=True)
    else:
        t = t.mutate(_email=ibis.null("string"))
    if has_id and ids_plain:
        t = t.mutate(_id=t.customer_id.cast("string"))
    elif has_id:
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


# --- the queries the cleaning runs (cleaning.py names and runs them) ------------------------


def stats_query(t: ir.Table, roles: list[str], distinct: bool) -> ir.Table:
    """Rows, rows with an order id, and with ``distinct`` the distinct order ids (not needed
    when order ids are known to repeat: :func:`shape_query` then counts them); ``ids_plain``,
    whether every customer id is :func:`plain_ids` (then the id rule is skipped), in the
    same scan."""
    counts = {"rows": t.count()}
    if "order_id" in roles:
        counts["with_id"] = t.order_id.count()
        if distinct:
            counts["distinct_ids"] = exact(t, t.order_id).nunique()
    if "customer_id" in roles:
        counts["ids_plain"] = plain_ids(t.customer_id).fill_null(True).all()
    return t.aggregate(**counts)


def order_names(t: ir.Table, roles: list[str]) -> ir.StringValue:
    """Each order's name: its id trimmed; an order with no id is named by its row."""
    order_id = strip_text(t.order_id) if "order_id" in roles else ibis.null("string")
    return ibis.coalesce(order_id, "row " + t._row.cast("string"))


def result_query(
    keyed: ir.Table,
    roles: list[str],
    end: dt.date,
    refunded_statuses: list[str],
    names: bool = True,
) -> ir.Table:
    """Every order with its reason to be left out (null when kept), id, key, email, day,
    net amount, currency and attributes. ``names``: with the orders' names (``order_id``,
    see :func:`order_names`); without, where the examples are row numbers and only the
    preview names its orders (copying every order's id is about half of this step's time)."""
    classified = classify(keyed, roles, end, refunded_statuses)
    for role in ATTRIBUTE_ROLES:
        if role in roles:
            classified = per_value(classified, role, lambda v, r=role: {f"_{r}": strip_text(v)})
    if "currency" in roles:
        classified = per_value(classified, "currency", lambda v: {"_currency": currency_code(v)})
    refunds = "refunded" in roles
    out = {
        "_row": classified._row,
        "_reason": classified._reason,
        **({"order_id": order_names(classified, roles)} if names else {}),
        "customer_id": classified._key,
        "email": classified._email,
        "order_date": classified.order_date,
        "amount": classified.amount - classified.refunded if refunds else classified.amount,
        "_refunded": (classified.refunded > 0).fill_null(False) if refunds else ibis.literal(False),
        "_currency": classified._currency if "currency" in roles else ibis.null("string"),
    }
    out |= {role: classified[f"_{role}"] for role in attributes_of(roles)}
    if "_products" in classified.columns:  # see with_products
        out["_products"] = classified._products
    return classified.select(**out)


def summary_query(
    result: ir.Table, roles: list[str], examples_as: str, keyed: ir.Table | None = None
) -> ir.Table:
    """The quality report's counts and examples and the preview as one query (``_part`` 0,
    1, 2), so an engine that cannot keep the classified orders (a read-only database) runs
    the rules once for all three: orders per reason and currency with the partly refunded
    ones; the first examples per reason (row numbers or order ids, as text); the first kept
    orders in row order. A result without the orders' names (see :func:`result_query`) takes
    the preview's from ``keyed``, the rows it was classified from."""
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
    types = dict(result.schema().items())
    if "order_id" not in types:
        ids = {"order_id": keyed.order_id} if "order_id" in roles else {}
        # Only the rows up to the preview's last: the join then reads no other order's id.
        upto = keyed.filter(keyed._row <= preview._row.max().as_scalar())
        rows = upto.select(_named=upto._row, **ids)
        preview = preview.join(rows, preview._row == rows._named)
        preview = preview.mutate(order_id=order_names(preview, roles))
        types["order_id"] = dt_.string
    schema = {
        "_reason": "int8",
        "_currency": "string",
        "n": "int64",
        "partial": "int64",
        "_rank": "int64",
        "_example": "string",
        "_row": "int64",
        **{c: types[c] for c in preview_columns(roles)},
    }
    parts = [_padded(table, i, schema) for i, table in enumerate([counted, firsts, preview])]
    return ibis.union(*parts, distinct=False)


def _padded(table: ir.Table, part: int, schema: dict) -> ir.Table:
    """A table in the union's schema: its own columns, nulls for the others."""
    return table.select(
        _part=ibis.literal(part, "int8"),
        **{
            name: table[name].cast(dtype) if name in table.columns else ibis.null(dtype)
            for name, dtype in schema.items()
        },
    )


def orders_query(result: ir.Table, roles: list[str]) -> ir.Table:
    """The kept orders sorted by customer, so the app neither hashes customer keys nor
    sorts orders: ``_first`` (the customer's first row: customers in the order of their
    first order in the rows, see :func:`analytics.ingest.cleaning.clean`, which numbers
    them), email, day, amount and attributes, sorted by customer, day, then row; ``_head``
    holds the customer's key on their first order (one row each), null elsewhere. Order
    ids stay in the engine (the preview shows the first ones)."""
    kept = _with_firsts(result)
    head = ibis.cases((kept._row == kept._first, kept.customer_id), else_=ibis.null("string"))
    columns = ["_first", "email", "order_date", "amount", *attributes_of(roles)]
    ordered = kept.order_by(["_first", "order_date", "_row"])
    return ordered.select(*columns, _head=head)


def _with_firsts(result: ir.Table) -> ir.Table:
    """The kept orders with ``_first``, their customer's first row: a window over each
    customer's orders (measured at 1M customers in DuckDB: 0.47 s for the sorted orders,
    against 0.64 s numbering the customers apart and joining them back)."""
    kept = result.filter(result._reason.isnull())
    return kept.mutate(_first=kept._row.min().over(group_by=exact(kept, kept.customer_id)))


# Line items on MySQL: the staged rows that name a product, joined to their orders by the
# order's first row. Not by its name: MySQL compares text without regard to case (an "A1"
# line would join the order "a1"), and ids that differ by surrounding spaces share a name.


def lines_table(t: ir.Table, roles: list[str]) -> ir.Table:
    """The staged rows that name a product (trimmed; empty is none): ``_order``, the first
    row of the line's order (its ``_row`` in :func:`result_query`: the lowest row of its
    order id, byte for byte as :func:`per_order` groups them, else its own row), product."""
    order = t._row
    if "order_id" in roles:
        first = t._row.min().over(group_by=exact(t, t.order_id))
        order = ibis.cases((t.order_id.notnull(), first), else_=t._row)
    named = t.select(_order=order, product=strip_text(t.product))
    return named.filter(named.product.notnull())


def line_counts_query(result: ir.Table, lines: ir.Table | None) -> ir.Table:
    """Line rows, those of kept orders, and the distinct products of those: from the
    orders' own lists, or (``lines``, MySQL) from the staged lines joined to their orders."""
    if lines is None:
        items = _items(result, _kept=result._reason.isnull())
        return items.aggregate(
            line_rows=items.count(),
            lines_kept=items._kept.sum(),
            products=items.product.nunique(where=items._kept),
        )
    kept = result.filter(result._reason.isnull())
    ids = kept.select(_kept=kept._row)
    joined = lines.left_join(ids, lines._order == ids._kept)
    return joined.aggregate(
        line_rows=joined.count(),
        lines_kept=joined._kept.count(),
        products=exact(joined, joined.product).nunique(where=joined._kept.notnull()),
    )


def lines_query(result: ir.Table, lines: ir.Table | None) -> ir.Table:
    """The kept orders' products, one row per line (``_first``, the customer as
    :func:`orders_query` gives it; day; product), sorted by customer, day, product (byte for
    byte; a product staged as a number is its name's place in byte order): a purchase's
    products are those of its orders together, and a product it holds twice comes twice in
    a row (:func:`analytics.ingest.cleaning.clean` keeps it once: cheaper than DISTINCT)."""
    kept = _with_firsts(result)
    if lines is None:
        both = _items(kept, _first=kept._first, order_date=kept.order_date)
    else:
        orders = kept.select(_kept=kept._row, _first=kept._first, order_date=kept.order_date)
        both = orders.join(lines, orders._kept == lines._order)
    out = both.select("_first", "order_date", "product")
    return out.order_by(["_first", "order_date", bytewise(out, out.product)])


def product_names_query(t: ir.Table) -> ir.Table:
    """Product names (``name``) trimmed as line items' products are (empty is none), each
    with its position (``_i``)."""
    return t.select("_i", name=strip_text(t.name))


def contact_keys_query(t: ir.Table) -> ir.Table:
    """A contacts file's ``ids`` and ``emails`` (whichever it has) cleaned by the same rules
    as the orders' customer ids and emails."""
    rules = {"ids": clean_ids, "emails": clean_emails}
    return t.select(**{name: rules[name](t[name]) for name in t.columns})


def quiet(con: ibis.BaseBackend) -> ibis.BaseBackend:
    """No progress bar: DuckDB would draw it on the terminal, amid the command's output."""
    con.raw_sql("SET enable_progress_bar = false")
    return con

"""The cleaning, step by step: which queries run, in which order, and what their results say.

The rules themselves are Ibis expressions (:mod:`analytics.ingest.engine`), built only when a step's
query must be compiled; a runner (:mod:`analytics.ingest.runner`) runs each step in the engine that
holds the data. What comes back is small: the quality report's counts and examples, a
preview, and the clean order log (one row per kept order) as an Arrow table.

The input is a *staged* table: one column per mapped role (``order_date`` a date, ``amount``
and ``refunded`` floats, the rest text) and ``_row``, the order of the rows (the row number
in a file; a stable order elsewhere).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analytics.ingest.orders import REASONS, lines_note, noun, preview_columns


@dataclass
class Cleaned:
    """What the engine sends back: the kept orders and the quality report's figures."""

    orders: pa.Table  # _code, email, order_date, amount, attributes (see engine.orders_query)
    customers: pa.ChunkedArray  # the customers' keys, by _code
    preview: pa.Table  # the first kept orders in row order, with order ids and keys
    rows: int  # rows of the staged table (before line items were folded)
    orders_found: int
    dropped: dict[str, int]
    examples: dict[str, list]
    currencies: dict[str, int]  # kept orders per currency the rows name
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    lines: pa.Table | None = None  # _code, order_date, product (see engine.lines_query)
    line_counts: dict[str, int] = field(default_factory=dict)


def _rules():
    from analytics.ingest import engine  # imports Ibis: only when a query must be built

    return engine


def clean_arrow(
    staged: pa.Table,
    roles: list[str],
    end: dt.date,
    refunded_statuses: list[str],
    examples_as: str = "row",
) -> Cleaned:
    """:func:`clean` on an Arrow table (an upload; a database's fetched columns) in the
    embedded DuckDB, its products numbered first (:func:`numbered_products`)."""
    from analytics.ingest.runner import CachedDuckDB

    staged, names = numbered_products(staged)
    ids = how_ids_sit(staged["order_id"]) if "order_id" in roles else None
    key = {"roles": roles, "end": end, "refunded": refunded_statuses, "examples": examples_as}
    run = CachedDuckDB(staged, key)
    try:
        return clean(run, roles, end, refunded_statuses, examples_as, names, ids)
    finally:
        run.close()


def clean(
    run,
    roles: list[str],
    end: dt.date,
    refunded_statuses: list[str] | None = None,
    examples_as: str = "row",
    product_names: pa.Array | None = None,
    ids: str | None = None,
) -> Cleaned:
    """Run the cleaning rules on the runner's staged table ``input``.

    Parameters
    ----------
    roles:
        The roles the staged table has (its columns besides ``_row``).
    end:
        Orders dated after this day are left out ("future").
    examples_as:
        ``"row"``: examples are row numbers (``_row``, a file's row); ``"order"``: the
        order ids (a database's rows have no row number).
    product_names:
        The names of products staged as numbers (see :func:`numbered_products`); None
        where they are staged as text.
    ids:
        What is known of the order ids without counting them (see :func:`how_ids_sit`):
        ``"repeat"``, some id is on several rows (the rows are folded); ``"unique"``, each
        is on one row (no folding); None, the distinct ids are counted to tell.
    """
    counted = run.rows(
        f"stats:{ids}" if ids else "stats",
        lambda: _rules().stats_query(run.table("input"), roles, distinct=ids is None),
    )
    stats = {name: int(counted[name][0].as_py() or 0) for name in counted.column_names}
    notes: list[str] = []
    warnings: list[str] = []
    # Every customer id already clean (checked in the counting scan): the id rule is skipped.
    ids_plain = bool(stats.get("ids_plain"))
    fold = "order_id" in roles and (
        ids == "repeat" or (ids is None and stats["with_id"] != stats["distinct_ids"])
    )
    line_amounts = False
    if fold:
        shape = run.rows("shape", lambda: _rules().shape_query(run.table("input")))
        n_multi = int(shape["multi"][0].as_py() or 0)
        line_amounts = bool(shape["line"][0].as_py())
        orders = shape["orders"][0].as_py() + stats["rows"] - stats["with_id"]
        how = "line amounts added up" if line_amounts else "the order total taken once"
        notes.append(
            f"{stats['rows']:,} rows were folded into {orders:,} orders ({n_multi:,} "
            f"{noun(n_multi, 'order spans', 'orders span')} several rows; {how})."
        )
        if not line_amounts and not shape["gaps"][0].as_py() and n_multi:
            warnings.append(
                "Orders on several rows repeat the same amount on each row: it was taken as "
                "the order total, once per order. If it is a per-line amount, the revenue is "
                "too low."
            )

    products = "product" in roles
    # Each order gathers its rows' products as it is folded; on MySQL, which has no lists,
    # the rows that name a product are kept aside and joined to the orders by name.
    gathered = products and run.gathers_products
    if products and not gathered:
        run.keep("lines", "lines", lambda: _rules().lines_table(run.table("input"), roles))

    def keyed():
        rows = run.table("input")
        if gathered:
            rows = _rules().with_products(rows, fold)
        elif products:
            rows = rows.drop("product")
        if fold:
            rows = _rules().folded(rows, line_amounts)
        return _rules().customer_key(rows, roles, ids_plain)

    # Smaller plans to compile and run: keyed orders kept, then classified. Keys that need
    # no rule (plain ids, no emails, one row per order) are only named: the classification
    # reads the rows through them rather than a copy.
    how = "lines" if line_amounts else "fold" if fold else "rows"
    named_only = ids_plain and not fold and "email" not in roles
    run.keep(f"keyed:{how}" + (":plain_ids" if ids_plain else ""), "keyed", keyed, view=named_only)
    if not named_only:
        run.free("input")  # each copy is freed once no step reads it
    statuses = refunded_statuses or []
    # Orders are named in the kept result only where the examples name them (a database's):
    # a file's examples are row numbers, and its preview's names come from the keyed rows.
    names = examples_as == "order"
    run.keep(
        "result",
        "result",
        lambda: _rules().result_query(run.table("keyed"), roles, end, statuses, names),
    )
    report = run.rows(
        "summary",
        lambda: _rules().summary_query(run.table("result"), roles, examples_as, run.table("keyed")),
    )
    run.free("keyed")
    if named_only:
        run.free("input")
    groups, examples, preview = _summary(report, roles, examples_as)
    counts = groups[groups["_reason"].notna()].groupby("_reason")["n"].sum()
    dropped = {key: int(counts.get(i, 0)) for i, key in enumerate(REASONS)}
    kept_groups = groups[groups["_reason"].isna()]
    partial = int(kept_groups["partial"].sum())
    if partial:
        notes.append(f"Orders partly refunded, counted net of the refunded amount: {partial}.")
    currencies = {
        str(code): int(n)
        for code, n in kept_groups.groupby("_currency")["n"].sum().items()
        if str(code)
    }
    ordered = run.rows("orders", lambda: _rules().orders_query(run.table("result"), roles))
    ordered, firsts = _numbered(ordered)
    lines, line_counts = None, {}
    if products:
        aside = lambda: None if gathered else run.table("lines")  # noqa: E731
        counts = run.rows(
            "line_counts", lambda: _rules().line_counts_query(run.table("result"), aside())
        )
        line_counts = {name: int(counts[name][0].as_py() or 0) for name in counts.column_names}
        line_counts["lines_left_out"] = line_counts["line_rows"] - line_counts["lines_kept"]
        notes.append(lines_note(line_counts))
        lines = run.rows("lines_out", lambda: _rules().lines_query(run.table("result"), aside()))
        # Each line's customer by their first row, among the orders' (both sorted by it).
        code = np.searchsorted(firsts, lines["_first"].to_numpy()).astype(np.int32)
        lines = _once_per_purchase(_with_code(lines, code))
        if product_names is not None:
            lines = _named(lines, product_names)
        if not gathered:
            run.free("lines")
    run.free("result")
    # Each customer's key rides on their first order (one row each), in customer order.
    heads = ordered["_head"]
    customers = heads.filter(pc.is_valid(heads))
    return Cleaned(
        ordered.drop_columns(["_head"]),
        customers,
        preview,
        stats["rows"],
        int(groups["n"].sum()),
        dropped,
        examples,
        currencies,
        notes,
        warnings,
        lines,
        line_counts,
    )


def _numbered(ordered: pa.Table) -> tuple[pa.Table, np.ndarray]:
    """The sorted orders with ``_first`` (a customer's first row) as ``_code``, the
    customer's number in that order; and each customer's first row, by number."""
    first = ordered["_first"].to_numpy()
    starts = np.ones(len(first), dtype=bool)
    starts[1:] = first[1:] != first[:-1]
    code = np.cumsum(starts, dtype=np.int32) - 1
    return _with_code(ordered, code), first[starts]


def _with_code(rows: pa.Table, code: np.ndarray) -> pa.Table:
    at = rows.schema.get_field_index("_first")
    return rows.set_column(at, "_code", pa.array(code, pa.int32()))


def _summary(rows: pa.Table, roles: list[str], examples_as: str) -> tuple:
    """(orders per reason and currency as a frame, the examples, the preview) from the rows
    of :func:`analytics.ingest.engine.summary_query`."""
    part = rows["_part"].to_numpy(zero_copy_only=False)
    counted, firsts, preview = (rows.filter(pa.array(part == i)) for i in range(3))
    groups = counted.select(["_reason", "_currency", "n", "partial"]).to_pandas()
    shown = preview_columns(roles)
    return groups, _examples(firsts, examples_as), preview.sort_by("_row").select(shown)


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


# --- line items' products as numbers -------------------------------------------------------
# Gathering, counting and sorting 8 million names, one per line, costs seconds at 1M
# customers; their numbers, a fraction. Each distinct name is trimmed once, by the same rule.


def numbered_products(staged: pa.Table) -> tuple[pa.Table, pa.Array | None]:
    """The staged rows with each product as a number (int32) into the returned names: the
    distinct names trimmed by the engine's rule (empty is none, a null number), in byte
    order, so a number sorts as its name does. (staged, None) when there is no product."""
    if "product" not in staged.column_names:
        return staged, None
    encoded = staged["product"].cast(pa.string()).combine_chunks().dictionary_encode()
    positions = pa.array(range(len(encoded.dictionary)), pa.int64())
    trimmed = _small_query(
        pa.table({"_i": positions, "name": encoded.dictionary}),
        "product_names",
        lambda t: _rules().product_names_query(t),
    )
    trimmed = trimmed.sort_by("_i")["name"].combine_chunks()
    names = pc.unique(trimmed.drop_null())
    names = names.take(pc.sort_indices(names))
    number = pc.index_in(trimmed, value_set=names).cast(pa.int32())
    at = staged.schema.get_field_index("product")
    return staged.set_column(at, "product", number.take(encoded.indices)), names


def how_ids_sit(ids: pa.ChunkedArray) -> str | None:
    """What the order ids' order proves without counting them: ``"repeat"`` when two
    neighbouring rows carry the same id (:func:`neighbours_repeat`), ``"unique"`` when they
    run strictly up or down (:func:`run_one_way`), else None (then they are counted)."""
    if neighbours_repeat(ids):
        return "repeat"
    return "unique" if run_one_way(ids) else None


def run_one_way(ids: pa.ChunkedArray) -> bool:
    """Whether the ids, the empty ones aside, run strictly up or strictly down, by length
    and then byte for byte (#999, #1000, #1001...): then no id is on two rows, proved at a
    fraction of the cost of counting the distinct ids (3.5M ids: 0.1 s against 0.35 s).
    Shops often export their orders by number, newest or oldest first."""
    ids = pc.drop_null(ids.combine_chunks())
    lengths = pc.binary_length(ids)

    def strictly(compare, start: int, stop: int) -> bool:
        stop = min(stop, len(ids))
        if stop - start < 2:
            return True  # nothing left to compare
        a, b = ids[start : stop - 1], ids[start + 1 : stop]
        la, lb = lengths[start : stop - 1], lengths[start + 1 : stop]
        ordered = pc.or_(compare(la, lb), pc.and_(pc.equal(la, lb), compare(a, b)))
        return bool(pc.all(ordered).as_py())

    # The first rows tell the direction, or that there is none, at once.
    return any(
        strictly(compare, 0, PEEK) and strictly(compare, PEEK - 1, len(ids))
        for compare in (pc.less, pc.greater)
    )


PEEK = 1_000  # rows run_one_way looks at before it reads them all


def neighbours_repeat(ids: pa.ChunkedArray) -> bool:
    """Whether two neighbouring rows carry the same order id, byte for byte: line items
    as shops export them, an order's lines together. Then some order spans several rows,
    proved at a fraction of the cost of counting the distinct ids (8.4M lines: 0.06 s)."""
    ids = ids.combine_chunks()
    return bool(pc.any(pc.equal(ids[1:], ids[:-1])).as_py())  # none (null) with one row


def _once_per_purchase(lines: pa.Table) -> pa.Table:
    """Each product once per purchase (customer and day). The lines come sorted by
    customer, day and product, byte for byte, so a repeat follows its first; compared
    byte for byte here (MySQL's own DISTINCT would take "P1" for "p1")."""
    if lines.num_rows < 2:
        return lines
    same = None
    for name in ("_code", "order_date", "product"):
        column = lines[name].combine_chunks()
        equal = pc.equal(column[1:], column[:-1])
        same = equal if same is None else pc.and_(same, equal)
    return lines.filter(pa.concat_arrays([pa.array([True]), pc.invert(same)]))


def _named(lines: pa.Table, names: pa.Array) -> pa.Table:
    """The purchases' products with their numbers read as names (dictionary-encoded)."""
    kind = pa.dictionary(pa.int32(), names.type)
    chunks = [pa.DictionaryArray.from_arrays(c, names) for c in lines["product"].chunks]
    at = lines.schema.get_field_index("product")
    return lines.set_column(at, "product", pa.chunked_array(chunks, kind))


def _small_query(table: pa.Table, step: str, query) -> pa.Table:
    """One query on a small Arrow table in the embedded DuckDB (its SQL cached)."""
    from analytics.ingest.runner import CachedDuckDB

    run = CachedDuckDB(table, {})
    try:
        return run.rows(step, lambda: query(run.table("input")))
    finally:
        run.close()


def clean_contact_keys(ids: pa.Array | None, emails: pa.Array | None) -> tuple:
    """A contacts file's ids and emails cleaned by the same rules as the orders' (in the
    embedded DuckDB): (ids, emails) as Arrow text, None where the file has no such column."""
    columns = {name: col for name, col in (("ids", ids), ("emails", emails)) if col is not None}
    table = pa.table({k: v.cast(pa.string()) for k, v in columns.items()})
    out = _small_query(table, "contacts", lambda t: _rules().contact_keys_query(t))
    return tuple(out[k] if k in columns else None for k in ("ids", "emails"))

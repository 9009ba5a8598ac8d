"""Orders read where they live: PostgreSQL and MySQL (MariaDB) against the plain way.

    python benchmarks/databases.py                          # 1M customers, both servers
    python benchmarks/databases.py --customers 100000 --engines mysql

Starts throw-away servers as the tests do (tests/postgres.py and tests/mysql.py: needs root,
Debian's servers, and for MySQL requirements-mysql.txt), loads the benchmark shop into an
``orders`` table, then times in the same run:

- ours: ``load_location`` (the mapped columns fetched once as Arrow, the cleaning rules run
  in the embedded DuckDB) and the customer base, with the seconds of the fetch and of the
  numbering of rows;
- the plain way: ``pandas.read_sql`` of the whole table through the same driver, the plain
  cleaning (cancelled and refunded orders dropped) and lifetimes'
  ``summary_data_from_transaction_data``;
- with ``--server-rules``, also the rules run in the database (``LENS_DB_RULES=server``,
  the way before issue 30), with the seconds of each query it sent.

Prints JSON; the figures go to RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

COLUMNS = (
    "order_id varchar(40), customer_id varchar(40), order_date {ts}, amount {num}, "
    "status varchar(20)"
)
TYPES = {
    "postgresql": {"ts": "timestamp", "num": "double precision"},
    "mysql": {"ts": "datetime", "num": "double"},
}


SECONDS: list[float] = []  # of each query the server ran the rules in, in order
STEPS: dict[str, float] = {}  # seconds of the fetch and of the numbering, when fetched


def time_queries() -> None:
    """Records the seconds of each query the engine sends (PostgreSQL's and MySQL's), and
    of the fetch and numbering of rows (:mod:`analytics.ingest.transfer`)."""
    from ibis.backends.mysql import Backend as MySQL
    from ibis.backends.postgres import Backend as Postgres

    from analytics.ingest import transfer

    for name in ("fetch", "numbered"):
        original = getattr(transfer, name)

        def timed_step(*args, _original=original, _name=name, **kwargs):
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                STEPS[_name] = round(time.perf_counter() - start, 2)

        setattr(transfer, name, timed_step)
    seconds = SECONDS
    for backend in (Postgres, MySQL):
        for name in ("execute", "to_pyarrow"):
            original = getattr(backend, name)

            def timed(self, expr, *args, _original=original, **kwargs):
                start = time.perf_counter()
                try:
                    return _original(self, expr, *args, **kwargs)
                finally:
                    seconds.append(round(time.perf_counter() - start, 2))

            setattr(backend, name, timed)


def load_postgresql(csv: Path):
    from tests import postgres

    server = postgres.start()
    server.psql(f"CREATE TABLE orders ({COLUMNS.format(**TYPES['postgresql'])})")
    server.copy_csv("orders", csv)
    server.psql("ANALYZE orders")
    os.environ["LENS_DB_PASSWORD"] = postgres.PASSWORD

    def plain_connection():
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=server.port, user="postgres", password=postgres.PASSWORD
        )

    return server, server.url(), plain_connection, postgres.stop


def load_mysql(csv: Path):
    import pandas as pd

    from tests import mysql

    server = mysql.start()
    con = server.connect(db=mysql.DATABASE)
    with con.cursor() as cursor:
        cursor.execute(f"CREATE TABLE orders ({COLUMNS.format(**TYPES['mysql'])})")
        for chunk in pd.read_csv(csv, chunksize=50_000):
            rows = [tuple(None if pd.isna(v) else v for v in r) for r in chunk.itertuples(False)]
            cursor.executemany("INSERT INTO orders VALUES (%s, %s, %s, %s, %s)", rows)
    con.commit()
    con.close()
    os.environ["LENS_DB_PASSWORD"] = mysql.PASSWORD

    def plain_connection():
        import MySQLdb

        return MySQLdb.connect(
            host="127.0.0.1",
            port=server.port,
            user=mysql.USER,
            password=mysql.PASSWORD,
            db=mysql.DATABASE,
        )

    return server, server.url(), plain_connection, mysql.stop


def ours(url: str, server_rules: bool = False) -> dict:
    """Our load and the customer base, timed (the rules in the database when asked)."""
    from analytics.ingest import sources
    from analytics.insights.customers import build_customer_base

    os.environ["LENS_DB_RULES"] = "server" if server_rules else ""
    first_query = len(SECONDS)
    STEPS.clear()
    start = time.perf_counter()
    log = sources.load_location(sources.locate(url, table="orders"))
    base = build_customer_base(log.orders)
    seconds = time.perf_counter() - start
    return {
        "log": log,
        "customers": len(base.ids),
        "s": round(seconds, 2),
        "steps": SECONDS[first_query:] if server_rules else dict(STEPS),
    }


def measure(engine: str, n_customers: int, server_rules: bool) -> dict:
    import pandas as pd

    from benchmarks.generate import shop_files
    from benchmarks.run import plain_clean, plain_summary

    _, csv = shop_files(n_customers)
    loader = load_postgresql if engine == "postgresql" else load_mysql
    start = time.perf_counter()
    server, url, plain_connection, stop = loader(csv)
    loaded = time.perf_counter() - start
    try:
        fetched = ours(url)
        start = time.perf_counter()
        con = plain_connection()
        with warnings.catch_warnings():  # pandas asks for SQLAlchemy; the driver is enough
            warnings.simplefilter("ignore")
            frame = pd.read_sql("SELECT * FROM orders", con)
        con.close()
        plain = plain_summary(plain_clean(frame))
        plain_s = time.perf_counter() - start
        del frame
        in_server = ours(url, server_rules=True) if server_rules else None
    finally:
        stop(server)
    log = fetched["log"]
    result = {
        "engine": engine,
        "customers": n_customers,
        "rows": int(log.report.rows_read),
        "orders_kept": len(log.orders),
        "load_table_s": round(loaded, 1),
        "ours_s": fetched["s"],
        "ours_steps_s": fetched["steps"],
        "plain_s": round(plain_s, 2),
        "ratio": round(fetched["s"] / plain_s, 2),
        "same_customers": fetched["customers"] == len(plain),
    }
    if in_server:
        same = in_server["log"].report.to_dict() == log.report.to_dict()
        result.update(
            server_rules_s=in_server["s"],
            server_rules_query_s=in_server["steps"],
            server_rules_ratio=round(in_server["s"] / plain_s, 2),
            same_report_both_ways=same,
            same_orders_both_ways=in_server["log"].orders.equals(log.orders),
        )
    return result


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--engines", nargs="+", default=["postgresql", "mysql"])
    parser.add_argument(
        "--server-rules", action="store_true", help="also time the rules run in the database"
    )
    args = parser.parse_args(argv)
    time_queries()
    results = [measure(e, args.customers, args.server_rules) for e in args.engines]
    print(json.dumps({"load_average": os.getloadavg(), "results": results}, indent=2))
    return results


if __name__ == "__main__":
    main()

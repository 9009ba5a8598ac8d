"""Orders read where they live: PostgreSQL and MySQL (MariaDB) against the plain way.

    python benchmarks/databases.py                          # 1M customers, both servers
    python benchmarks/databases.py --customers 100000 --engines mysql

Starts throw-away servers as the tests do (tests/postgres.py and tests/mysql.py: needs root,
Debian's servers, and for MySQL requirements-mysql.txt), loads the benchmark shop into an
``orders`` table, then times in the same run:

- ours: ``load_location`` (the cleaning rules run in the database, read-only) and the
  customer base, with the seconds of each query the engine sent;
- the plain way: ``pandas.read_sql`` of the whole table through the same driver, the plain
  cleaning (cancelled and refunded orders dropped) and lifetimes'
  ``summary_data_from_transaction_data``.

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


SECONDS: list[float] = []  # of each query the engine sent, in order


def time_queries() -> None:
    """Records the seconds of each query the engine sends (PostgreSQL's and MySQL's)."""
    from ibis.backends.mysql import Backend as MySQL
    from ibis.backends.postgres import Backend as Postgres

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


def measure(engine: str, n_customers: int) -> dict:
    import pandas as pd

    from analytics.ingest import sources
    from analytics.insights.customers import build_customer_base
    from benchmarks.generate import shop_files
    from benchmarks.run import plain_clean, plain_summary

    _, csv = shop_files(n_customers)
    loader = load_postgresql if engine == "postgresql" else load_mysql
    start = time.perf_counter()
    server, url, plain_connection, stop = loader(csv)
    loaded = time.perf_counter() - start
    try:
        first_query = len(SECONDS)
        start = time.perf_counter()
        log = sources.load_location(sources.locate(url, table="orders"))
        base = build_customer_base(log.orders)
        ours = time.perf_counter() - start
        start = time.perf_counter()
        con = plain_connection()
        with warnings.catch_warnings():  # pandas asks for SQLAlchemy; the driver is enough
            warnings.simplefilter("ignore")
            frame = pd.read_sql("SELECT * FROM orders", con)
        con.close()
        plain = plain_summary(plain_clean(frame))
        plain_s = time.perf_counter() - start
    finally:
        stop(server)
    return {
        "engine": engine,
        "customers": n_customers,
        "rows": int(log.report.rows_read),
        "orders_kept": len(log.orders),
        "load_table_s": round(loaded, 1),
        "ours_s": round(ours, 2),
        "query_s": SECONDS[first_query:],
        "plain_s": round(plain_s, 2),
        "ratio": round(ours / plain_s, 2),
        "same_customers": len(base.ids) == len(plain),
    }


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--engines", nargs="+", default=["postgresql", "mysql"])
    args = parser.parse_args(argv)
    time_queries()
    results = [measure(engine, args.customers) for engine in args.engines]
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()

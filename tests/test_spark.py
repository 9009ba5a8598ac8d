"""Spark: the same cleaning rules run as a Spark plan on a Parquet folder, small data.

One module, since a local Spark takes about 25 s to start (once: the session is shared).
Without PySpark or Java the tests are skipped with the reason; in CI (CI=true) they fail.
"""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from tests.test_sources import MAPPING, held_back_orders

REASON = None
if shutil.which("java") is None:
    REASON = "Java is not installed (Spark runs on Java 17)"
else:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        REASON = "PySpark is not installed (pip install -r requirements-spark.txt)"
if REASON:
    if os.environ.get("CI") == "true":
        pytest.fail(REASON, pytrace=False)
    pytest.skip(REASON, allow_module_level=True)

from analytics.cli import main  # noqa: E402

SPARK = "spark://local[2]"


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """The held-back orders as a CSV file and as a folder of three Parquet files."""
    orders = held_back_orders()
    folder = tmp_path_factory.mktemp("spark")
    csv = folder / "orders.csv"
    orders.to_csv(csv, index=False, date_format="%Y-%m-%d %H:%M:%S")
    parts = folder / "lake"
    parts.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(orders)), 3)):
        orders.iloc[rows].to_parquet(parts / f"part-{i}.parquet", index=False)
    return csv, parts


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", ["inspect", "lifecycle", "cohorts", "clv"])
def test_spark_gives_the_same_json_as_the_csv(lake, capsys, command):
    csv, parts = lake
    code, expected, err = run(capsys, command, csv, *MAPPING)
    assert code == 0, err
    code, got, err = run(capsys, command, SPARK, "--table", parts, *MAPPING)
    assert code == 0, err
    assert json.loads(got) == json.loads(expected)
    assert got == expected


def test_a_missing_spark_path_is_one_line(lake, capsys):
    _, parts = lake
    code, out, err = run(capsys, "inspect", SPARK, "--table", parts / "nowhere", *MAPPING)
    assert code == 2 and out == "" and "does not exist" in err
    assert len(err.strip().splitlines()) == 1

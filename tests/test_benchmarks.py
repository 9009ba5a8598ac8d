"""A small size of the benchmark runs with the tests, so the script cannot rot.

It also cross-checks our vectorised numbers against the plain pandas / lifetimes ways.
"""

import pytest

from benchmarks import generate, run

SMOKE_CUSTOMERS, SMOKE_SEED = 2000, 1
COMPARED = [
    "load_clean_summary_parquet",
    "load_clean_summary_parquet_duckdb",
    "load_clean_summary_csv",
    "stage_assignment",
    "cohort_matrix",
    "sensitivity_curve",
    "rfm_scoring",
    "segment_filter",
    "clv_fit_score",
]


def test_plain_lifetimes_converges_on_the_smoke_shop():
    """The CLV comparison below needs plain lifetimes to converge on this very shop: checked
    here first, so a new library release that stops converging names itself."""
    orders = run.plain_clean(generate.make_shop(SMOKE_CUSTOMERS, SMOKE_SEED))
    try:
        params, total = run.plain_clv(run.plain_summary(orders), penalizer=0.0)
    except Exception as exc:  # noqa: BLE001 - the reason goes in the failure
        pytest.fail(f"plain lifetimes does not converge on seed {SMOKE_SEED}: {exc}")
    # The shop is drawn with a = 1, b = 3 (drop-out) and mean spend 75 per order.
    assert 0.5 < params["a"] < 2 and 2 < params["b"] < 8 and total > 0


def test_benchmark_smoke_size_gives_the_same_numbers_as_the_plain_way():
    args = ["--sizes", str(SMOKE_CUSTOMERS), "--seed", str(SMOKE_SEED), "--repeat", "1"]
    report = run.main([*args, "--no-table"])
    (result,) = report["results"]
    assert result["customers"] == SMOKE_CUSTOMERS and result["orders"] > 5000
    for stage in COMPARED:
        row = result[stage]
        assert "same_numbers" in row, f"{stage}: {row.get('not_compared', 'no comparison')}"
        assert row["same_numbers"], stage
        assert row["seconds"] > 0
    assert result["evolution"]["snapshots"] == 36
    assert result["pdf_report"]["seconds"] > 0 and "clv_rescore" in result
    assert "Stage assignment" in run.table(report["results"])


def test_products_benchmark_smoke_size_gives_the_plain_ways_numbers():
    from benchmarks import products

    result = products.main(SMOKE_CUSTOMERS)
    assert result["line_rows"] > result["orders"] > 5000
    assert result["repurchase_same_numbers"] and result["products_same_numbers"]
    assert "repurchase (after load)" in products.table(result)


def test_reopen_benchmark_smoke_size_reopens_the_same_customers():
    """A kept dataset reopened from its arrays, and rebuilt as an older app would, gives the
    first load's customers, revenue and stage counts."""
    from benchmarks import reopen

    result = reopen.main(["--customers", str(SMOKE_CUSTOMERS), "--repeat", "1"])
    assert result["same_answer"] and result["answer"]["customers"] > 1500
    assert sum(result["answer"]["stages"].values()) == result["answer"]["customers"]
    assert result["kept_mb"] > 0 and result["reopen_kept_s"] > 0

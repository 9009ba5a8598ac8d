"""A small size of the benchmark runs with the tests, so the script cannot rot.

It also cross-checks our vectorised numbers against the plain pandas / lifetimes ways.
"""

from benchmarks import run


def test_benchmark_smoke_size_gives_the_same_numbers_as_the_plain_way():
    report = run.main(["--sizes", "2000", "--repeat", "1", "--no-table"])
    (result,) = report["results"]
    assert result["customers"] == 2000 and result["orders"] > 4000
    for stage in [
        "load_clean_summary_parquet",
        "load_clean_summary_csv",
        "stage_assignment",
        "cohort_matrix",
        "sensitivity_curve",
        "rfm_scoring",
        "segment_filter",
        "clv_fit_score",
    ]:
        assert result[stage]["same_numbers"], stage
        assert result[stage]["seconds"] > 0
    assert result["evolution"]["snapshots"] == 36
    assert result["pdf_report"]["seconds"] > 0 and "clv_rescore" in result
    assert "Stage assignment" in run.table(report["results"])

"""python -m analytics: JSON for good input, one line and exit 2 for bad input."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from analytics.cli import main
from analytics.insights import rfm
from tests import exports
from tests.conftest import ROOT, SEVEN_STAGES


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


@pytest.mark.parametrize(
    "name, content, fmt, orders, customers, revenue",
    [
        ("shopify.csv", exports.SHOPIFY.encode(), "shopify", 3, 2, 1130.0),
        ("magento.csv", exports.MAGENTO.encode(), "magento", 2, 1, 1254.5),
        ("woo.csv", exports.WOOCOMMERCE.encode(), "woocommerce", 3, 2, 75.4),
        ("fr.csv", exports.french_bytes(), "generic", 2, 2, 1246.5),
    ],
)
def test_inspect_exports(tmp_path, capsys, name, content, fmt, orders, customers, revenue):
    path = tmp_path / name
    path.write_bytes(content)
    code, out, _ = run(capsys, "inspect", path)
    assert code == 0
    assert (out["format"], out["orders"], out["customers"]) == (fmt, orders, customers)
    assert out["revenue"] == pytest.approx(revenue)
    assert set(out) >= {"rows_read", "first_order", "last_order", "dropped", "warnings"}
    assert out["currency"] == {"magento.csv": "USD", "woo.csv": None}.get(name, "EUR")


def test_a_missing_column_names_the_option_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "x.csv"
    path.write_text("ref,who,paid\n1,a,5\n")
    code, _, err = run(capsys, "inspect", path)
    assert code == 2 and "column mapping" in err and "--date COL" in err
    assert len(err.strip().splitlines()) == 1


def test_inspect_reading_options(tmp_path, capsys):
    path = tmp_path / "x.csv"
    path.write_text("ref;who;when;paid\n1;a;03/04/2022;1,5\n")
    code, out, _ = run(
        capsys,
        "inspect",
        path,
        "--monthfirst",
        "--customer",
        "who",
        "--date",
        "when",
        "--amount",
        "paid",
        "--order-id",
        "ref",
    )
    assert code == 0 and out["first_order"] == "2022-03-04" and out["revenue"] == 1.5


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (bytes(range(256)) * 10, "not a text table"),
        (b"order,customer,date,amount\n", "no rows"),
        (b"order,customer,amount\n1,a,5\n", "No order date column"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "inspect", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr


def test_missing_file_and_bad_arguments(capsys):
    assert run(capsys, "inspect", "/no/such/file.csv")[0] == 2
    with pytest.raises(SystemExit) as stop:
        main(["inspect", "demo", "--format", "nope"])
    assert stop.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_lifecycle_command(capsys):
    code, out, _ = run(capsys, "lifecycle", "demo", "--as-of", "2025-06-30", "--window", "90")
    assert code == 0
    assert (out["as_of"], out["window_days"], out["at_risk_factor"]) == ("2025-06-30", 90, 1.5)
    assert list(out["stages"]) == SEVEN_STAGES
    assert sum(v for k, v in out["stages"].items() if k != "Prospect") == out["customers"]
    code, cdnow, _ = run(capsys, "lifecycle", "cdnow")
    assert cdnow["stages"]["Prospect"] is None and cdnow["as_of"] == "1998-06-30"
    assert run(capsys, "lifecycle", "demo", "--as-of", "1990-01-01")[0] == 2
    assert run(capsys, "lifecycle", "demo", "--window", "5")[0] == 2


def test_cohorts_command(capsys):
    code, out, _ = run(capsys, "cohorts", "demo", "--period", "month", "--metric", "retention")
    assert code == 0 and out["period"] == "month"
    first = out["cohorts"][0]
    assert first["cohort"] == "2022-11" and first["values"][0] == 1.0
    assert all(0 <= v <= 1 for c in out["cohorts"] for v in c["values"] if v is not None)
    # The newest cohort's later periods are not over: null, never a drop to zero.
    assert out["cohorts"][-1]["values"][1:] == [None] * (len(out["cohorts"][-1]["values"]) - 1)
    code, out, _ = run(capsys, "cohorts", "cdnow", "--period", "quarter", "--metric", "revenue")
    assert code == 0 and out["cohorts"][0]["cohort"] == "1997-Q1"


def test_segments_command(capsys):
    code, out, _ = run(capsys, "segments", "demo", "--as-of", "2025-06-30")
    assert code == 0 and out["as_of"] == "2025-06-30"
    assert list(out["segments"]) == rfm.SEGMENTS
    assert sum(out["segments"].values()) == out["customers"]


HOSTILE_IDS = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_neutralises_hostile_names(tmp_path, capsys, suffix):
    rows = "\n".join(
        f'"{name.replace(chr(34), chr(34) * 2)}",2024-0{i + 1}-15,{10 + i},o{i}'
        for i, name in enumerate(HOSTILE_IDS)
    )
    path = tmp_path / "orders.csv"
    path.write_text("customer,date,amount,order id\n" + rows + "\n")
    out_file = tmp_path / f"list.{suffix}"
    code, out, _ = run(capsys, "export", path, "--segment", "all", "--out", out_file)
    assert code == 0 and out["rows"] == 4
    if suffix == "csv":
        back = pd.read_csv(out_file, encoding="utf-8-sig")
    else:
        back = pd.read_excel(out_file)
    # CSV: a quote in front; Excel: the text as it is, in text cells (tests/test_export.py).
    quote = "'" if suffix == "csv" else ""
    assert sorted(back["customer_id"]) == sorted(quote + n for n in HOSTILE_IDS)
    assert back["revenue"].tolist() == sorted(back["revenue"].tolist())  # numbers untouched
    assert pd.api.types.is_numeric_dtype(back["revenue"])


def test_export_by_stage_and_segment_match_segments(tmp_path, capsys):
    code, counts, _ = run(capsys, "segments", "demo")
    out_file = tmp_path / "champions.csv"
    code, out, _ = run(capsys, "export", "demo", "--segment", "Champions", "--out", out_file)
    assert out["rows"] == counts["segments"]["Champions"]
    frame = pd.read_csv(out_file, encoding="utf-8-sig")
    assert set(frame["rfm_segment"]) == {"Champions"} and len(frame) == out["rows"]
    code, out, _ = run(capsys, "export", "demo", "--stage", "Loyal", "--out", tmp_path / "l.xlsx")
    assert code == 0 and set(pd.read_excel(tmp_path / "l.xlsx")["stage"]) == {"Loyal"}
    assert run(capsys, "export", "demo", "--stage", "Loyal", "--out", tmp_path / "l.txt")[0] == 2


def test_clv_command(capsys):
    code, out, _ = run(capsys, "clv", "cdnow", "--horizon-months", "6", "--margin", "0.3")
    assert code == 0 and out["model"] == "mbgnbd" and set(out["params"]) == {"r", "alpha", "a", "b"}
    assert "one-time buyer" in out["model_reason"] and out["interval"] == 0.8
    low, high = out["total_clv_interval"]
    assert low < out["total_clv"] < high and not out["cannot_tell_dropout"]
    assert "so short a test cannot check" not in out["backtest_verdict"]  # CDNOW can tell
    assert out["customers"] == 23502 and out["total_clv"] > 0
    backtest = out["backtest"]
    assert backtest["holdout_end"] == "1998-06-30" and backtest["actual_orders"] > 0
    assert set(backtest) >= {"predicted_orders", "predicted_revenue", "actual_revenue"}
    assert set(backtest) >= {"holdout_start", "aggregate_error_pct", "mae_orders"}
    assert 0.5 < out["propensity"]["roc_auc_model"] <= 1
    assert 0.5 < out["propensity"]["roc_auc_clv_model"] <= 1
    assert 0.7 <= backtest["coverage"] <= 0.95
    # The scorecard: every ranking with its AUC and Gini, the challenger's too (computed here).
    ranking = backtest["ranking"]
    assert set(ranking) == {"model", "challenger", "days_since_last_order", "past_spend"}
    assert all(0.5 < r["auc"] <= 1 and 0 < r["gini"] <= 1 for r in ranking.values())
    assert len(backtest["deciles"]) == 10
    assert sum(d["customers"] for d in backtest["deciles"]) == backtest["customers"]
    # The total's range holds the model's own range and the backtest's bias (never narrower).
    own_low, own_high = out["total_clv_interval_model_only"]
    assert low <= own_low and high >= own_high
    assert out["backtest_verdict"].startswith("Backtest: revenue ")
    code, full, _ = run(capsys, "clv", "cdnow", "--horizon-months", "6", "--margin", "0.6")
    assert full["total_clv"] == pytest.approx(2 * out["total_clv"])


def test_clv_command_on_one_time_buyers_exits_2(tmp_path, capsys):
    path = tmp_path / "once.csv"
    rows = "".join(f"o{i},c{i},2024-01-{1 + i % 28:02d},10\n" for i in range(50))
    path.write_text("order id,customer,date,amount\n" + rows)
    code, _, err = run(capsys, "clv", path)
    assert code == 2 and "repeat buyers" in err and len(err.strip().splitlines()) == 1


def test_export_with_value_matches_the_clv_command(tmp_path, capsys):
    out_file = tmp_path / "all.csv"
    code, out, _ = run(
        capsys, "export", "demo", "--segment", "all", "--with-value", "--out", out_file
    )
    ranges = {"clv_low", "clv_high", "p_alive_low", "p_alive_high", "outlier"}
    assert code == 0 and {"clv", "p_alive", "churn_risk"} | ranges <= set(out["columns"])
    frame = pd.read_csv(out_file, encoding="utf-8-sig")
    code, value, _ = run(capsys, "clv", "demo")
    assert frame["clv"].sum() == pytest.approx(value["total_clv"], rel=1e-9)
    assert frame["p_alive"].between(0, 1).all()
    assert set(frame["churn_risk"]) <= {"low", "medium", "high"}
    assert (frame["clv_low"] <= frame["clv_high"]).all()
    assert (frame["p_alive_low"] <= frame["p_alive"] + 1e-9).all()
    assert (frame["p_alive"] <= frame["p_alive_high"] + 1e-9).all()


def test_inspect_counts_impossible_dates_as_bad_dates(tmp_path, capsys):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order,customer,date,amount\n1,a,2023-02-28,10\n2,b,2023-02-30,10\n3,c,2023-13-01,10\n"
    )
    code, out, _ = run(capsys, "inspect", path)
    assert code == 0 and out["orders"] == 1
    assert out["dropped"] == {"bad_date": 2}


def test_export_with_a_control_group_then_lift(tmp_path, capsys):
    """A list made on 30 June, measured on the orders up to 31 October."""
    out_file = tmp_path / "inactive.csv"
    code, out, _ = run(
        capsys, "export", "demo", "--stage", "Inactive", "--as-of", "2025-06-30",
        "--control", "0.2", "--seed", "3", "--out", out_file,
    )  # fmt: skip
    assert code == 0
    text = out_file.read_text(encoding="utf-8-sig")
    # A mail tool takes the file as it is: the header is the first line; the definition
    # rides in the last two columns.
    assert text.startswith("group,list_date,customer_id,")
    frame = pd.read_csv(out_file, encoding="utf-8-sig")
    assert list(frame.columns[:2]) == ["group", "list_date"] and len(frame) == out["rows"]
    assert list(frame.columns[-2:]) == ["list_name", "list_definition"]
    assert set(frame["list_name"]) == {"stage Inactive"}
    assert frame["list_definition"].str.contains("seed: 3").all()
    assert set(frame["list_date"]) == {"2025-06-30"}
    assert abs((frame["group"] == "control").mean() - 0.2) < 0.03
    code, result, _ = run(capsys, "lift", out_file, "demo")
    assert code == 0
    assert (result["since"], result["until"]) == ("2025-07-01", "2025-10-31")
    groups = result["treatment"]["customers"] + result["control"]["customers"]
    assert groups == len(frame)
    low, high = result["conversion_diff_ci"]
    assert low <= result["conversion_diff"] <= high and result["warnings"] == []
    assert set(result) >= {"incremental_revenue", "incremental_revenue_ci", "sentence"}
    # A list exported before, with its definition as a '#' first line, still measures.
    old = tmp_path / "old_list.csv"
    body = frame.drop(columns=["list_name", "list_definition"]).to_csv(index=False)
    old.write_text("# Lifecycle Lens campaign list. list: stage Inactive; seed: 3\n" + body)
    assert run(capsys, "lift", old, "demo")[1] == result
    # A file without the group column: exit 2, one line naming the expected columns.
    code, _, err = run(capsys, "lift", ROOT / "data" / "demo_orders.csv", "demo")
    assert code == 2 and "Expected columns: customer_id, group, list_date" in err
    assert len(err.strip().splitlines()) == 1


def test_cohorts_leave_out_the_customers_already_there_when_the_data_starts(tmp_path, capsys):
    """A one-year invoice log starts with the shop's existing base: its first month (January,
    1,488 first purchases, over 6 times the usual rate) is left out unless asked to keep it."""
    from tests.shops import one_year_invoices

    path = tmp_path / "invoices.csv"
    one_year_invoices().to_csv(path, index=False)
    code, out, _ = run(capsys, "cohorts", path)
    assert code == 0 and out["cohorts"][0]["cohort"] == "2011-02"
    assert out["left_out"].startswith("The data's first month (2011-01) has 1,488 first purchases")
    code, kept, _ = run(capsys, "cohorts", path, "--keep-existing")
    assert kept["cohorts"][0]["cohort"] == "2011-01" and kept["left_out"] is None


def test_the_report_refuses_value_settings_out_of_range(tmp_path, capsys):
    """The report counts CLV with --margin and --discount-rate as the clv command does, and
    refuses the same impossible values: a margin of 5 would print five times the revenue."""
    out = tmp_path / "r.pdf"
    for bad in (["--margin", "5"], ["--discount-rate", "1.5"], ["--horizon-months", "0"]):
        code, _, err = run(capsys, "report", "demo", *bad, "--out", out)
        assert code == 2 and len(err.strip().splitlines()) == 1 and not out.exists(), bad


def test_cohorts_payback_and_the_backtest_as_of_a_date_see_no_later_order(tmp_path, capsys):
    """A reference date is "today": the cohorts, the payback (with the model's predictions)
    and the value model's backtest as of 30 Jun 2024 are those of the same export cut after
    that day (an order falls on it, so both cuts end on the same day)."""
    from analytics.ingest.io import DEMO_SPEND

    orders = pd.read_csv(ROOT / "data" / "demo_orders.csv")
    day = "2024-06-30"
    assert (orders["order_date"] == day).any()
    cut = tmp_path / "cut.csv"
    orders[orders["order_date"] <= day].to_csv(cut, index=False)
    full = ROOT / "data" / "demo_orders.csv"
    for command in (["cohorts", "--keep-existing"], ["payback", "--spend", DEMO_SPEND]):
        code, then, _ = run(capsys, command[0], full, "--as-of", day, *command[1:])
        code_cut, whole, _ = run(capsys, command[0], cut, *command[1:])
        assert code == code_cut == 0
        for part in ("cohorts", "average") if command[0] == "cohorts" else ("cohorts", "overall"):
            assert then[part] == whole[part], (command[0], part)
        if command[0] == "cohorts":
            assert then["as_of"] == day and then["cohorts"][-1]["cohort"] == "2024-06"
    later = [c["new_customers"] for c in then["cohorts"] if c["cohort"] > "2024-06"]
    assert later and set(later) == {0}  # spend after the date: no customer won yet
    code, then, _ = run(capsys, "clv", full, "--as-of", day)
    _, whole, _ = run(capsys, "clv", cut)
    assert then["backtest"]["holdout_end"] == whole["backtest"]["holdout_end"] == day
    assert then["backtest_verdict"] == whole["backtest_verdict"]

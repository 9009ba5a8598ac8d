"""A model that cannot tell shows nothing that rests on it; lists say why each customer is
on them."""

import contextlib
import io
import json

import numpy as np
import pandas as pd
import pytest

from analytics.cli import main
from analytics.output import present
from analytics.value import lists
from tests.conftest import app_test
from tests.shops import one_year_invoices


@pytest.fixture(scope="module")
def invoices_csv():
    return one_year_invoices().to_csv(index=False).encode()


def _no_errors(at):
    assert not at.exception, [e.value for e in at.exception]


def test_a_model_that_cannot_tell_leaves_no_figure_that_rests_on_it(invoices_csv):
    """The one-year invoice log: every model fits a drop-out chance of about 0."""
    at = app_test()
    at.run()
    at.switch_page("app_pages/data.py").run()
    at.segmented_control(key="source_choice").set_value("Upload my export").run()
    at.file_uploader(key="orders_file").set_value(("invoices.csv", invoices_csv, "text/csv")).run()
    _no_errors(at)
    at.switch_page("app_pages/value.py").run()
    _no_errors(at)
    assert at.warning[0].value.startswith("With 12 months of history the model sees almost no")
    value_columns = {"Predicted CLV", "Chance still a customer (P(alive))", "Churn risk"}
    at.segmented_control(key="clv_view").set_value("Value").run()
    _no_errors(at)
    assert any("per stage and per group is not shown" in i.value for i in at.info)
    assert at.dataframe and all(not value_columns & set(d.value.columns) for d in at.dataframe)
    top = at.dataframe[0].value
    assert "Revenue" in top.columns[2] and top.iloc[:, 2].is_monotonic_decreasing
    at.segmented_control(key="clv_view").set_value("Churn risk").run()
    _no_errors(at)
    assert any("churn risk and where the stages" in i.value for i in at.info)
    assert all(not value_columns & set(d.value.columns) for d in at.dataframe)
    # The other pages fall back too, and say so.
    at.switch_page("app_pages/lifecycle.py").run()
    at.segmented_control(key="lc_view").set_value("Win-back").run()
    _no_errors(at)
    assert any(
        c.value.startswith("Ranked by revenue to date, not by predicted CLV") for c in at.caption
    )
    assert all(not value_columns & set(d.value.columns) for d in at.dataframe)
    at.switch_page("app_pages/segments.py").run()
    _no_errors(at)
    assert any("No predicted CLV or chance still a customer here" in c.value for c in at.caption)
    assert all(not value_columns & set(d.value.columns) for d in at.dataframe)


def test_the_cli_export_leaves_value_out_when_the_model_cannot_tell(invoices_csv, tmp_path):
    path = tmp_path / "invoices.csv"
    path.write_bytes(invoices_csv)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(
            [
                "export",
                str(path),
                "--segment",
                "all",
                "--with-value",
                "--out",
                str(tmp_path / "o.csv"),
            ]
        )
    out = json.loads(buffer.getvalue())
    assert code == 0 and "clv" not in out["columns"] and "p_alive" not in out["columns"]
    assert "sees almost no customers leaving" in out["warnings"][0]


def test_disagreement_reasons_are_each_customers_own():
    # a: one order, 400 days ago. b: 5 purchase days over 400 days (every 100), last 120
    # days ago (1.2 x: within their rhythm). c: every 10 days (4 purchase days over 30),
    # last 300 days ago (30 x). d: one order 20 days ago; e: every 10 days, last 50 days ago.
    summary = pd.DataFrame(
        {
            "frequency": [0.0, 4.0, 3.0, 0.0, 3.0],
            "recency": [0.0, 400.0, 30.0, 0.0, 30.0],
            "T": [400.0, 520.0, 330.0, 20.0, 80.0],
        },
        index=list("abcde"),
    )
    alive = pd.Series([0.9, 0.95, 0.85, 0.1, 0.15], index=list("abcde"))
    back = pd.Series([True, True, True, False, False], index=list("abcde"))
    why = lists.reasons(summary, alive, back)
    assert why["a"].startswith("One order only, 400 days ago: no rhythm of their own")
    assert why["b"] == (
        "5 purchase days, about every 100 days; the last 120 days ago is within their own "
        "rhythm (95% chance still a customer)."
    )
    assert why["c"].startswith("4 purchase days, about every 10 days, and 300 days since the")
    assert "(30.0 x their usual gap), yet 85% chance still a customer" in why["c"]
    assert why["d"].startswith("One order only, 20 days ago, and the model lets one-time")
    assert why["e"] == (
        "Used to order about every 10 days; 50 days since the last (5.0 x their usual gap): "
        "15% chance still a customer. A win-back may come too late."
    )
    assert why.nunique() == 5  # never one sentence for all


def test_the_other_reasons_word_for_word():
    """f: every 10 days (3 gaps over 30 days), last order 15 days ago, exactly 1.5 x the gap:
    still within their rhythm, yet the model gives 20%. g: as f, last 16 days ago (1.6 x),
    expected back at 70%. Only f and g of the shop's customers are listed (z is not), and the
    chances come in another order: each keeps its own."""
    summary = pd.DataFrame(
        {"frequency": [3.0, 3.0, 1.0], "recency": [30.0, 30.0, 5.0], "T": [45.0, 46.0, 9.0]},
        index=list("fgz"),
    )
    alive = pd.Series([0.7, 0.2, 0.5], index=list("gfz"))
    why = lists.reasons(summary, alive, pd.Series([False, True], index=list("fg")))
    assert why.to_dict() == {
        "f": "About every 10 days over 4 purchase days and the last 15 days ago, within their "
        "rhythm; the 20% chance still a customer comes from how many of the shop's customers "
        "leave after each purchase.",
        "g": "4 purchase days, about every 10 days, and 16 days since the last (1.6 x their "
        "usual gap), yet 70% chance still a customer: the model sees few customers leave in "
        "this shop. Check before writing them off.",
    }
    one = pd.DataFrame({"frequency": [0.0, 0.0], "recency": [0.0, 0.0], "T": [1234.0, 7.0]})
    said = lists.reasons(one, pd.Series([0.5, 0.05]), pd.Series([True, False]))
    assert said.tolist() == [
        "One order only, 1,234 days ago: no rhythm of their own to judge by, so the 50% chance "
        "still a customer is the shop's average for a one-time buyer that long ago.",
        "One order only, 7 days ago, and the model lets one-time buyers leave soon after: 5% "
        "chance still a customer.",
    ]
    assert np.isnan(lists.usual_gap(one)).all()
    assert lists.usual_gap(summary).tolist() == [10.0, 10.0, 5.0]


def test_two_outliers_are_customers():
    totals = lists.outlier_totals([10.0, 400.0, 600.0], [False, True, True])
    assert totals == {"total": 1010.0, "outliers": 1000.0, "customers": 2, "without": 10.0}
    line = lists.outlier_line(totals, lambda v: f"${v:,.0f}")
    assert line.startswith(
        "Of which one-order outliers: predicted CLV $1,000 (2 customers whose expected"
    )


def test_outlier_line_by_hand():
    # Three customers worth 100, 50 and 1,000; the last rests on one giant order.
    totals = lists.outlier_totals(pd.Series([100.0, 50.0, 1000.0]), pd.Series([False, False, True]))
    assert totals == {"total": 1150.0, "outliers": 1000.0, "customers": 1, "without": 150.0}
    money = lambda v: f"£{v:,.0f}"  # noqa: E731
    assert lists.outlier_line(totals, money) == (
        "Of which one-order outliers: predicted CLV £1,000 (1 customer whose expected spend "
        "rests on one order above the shop's 99.9th percentile); without them £150."
    )
    assert lists.outlier_line(totals, money, left_out=True).startswith(
        "Left out: one-order outliers worth £1,000 (1 customer whose"
    )


def test_the_outlier_switch_takes_them_out_of_the_total(invoices_csv):
    at = app_test()
    at.run()
    at.switch_page("app_pages/data.py").run()
    at.segmented_control(key="source_choice").set_value("Upload my export").run()
    at.file_uploader(key="orders_file").set_value(("invoices.csv", invoices_csv, "text/csv")).run()
    at.switch_page("app_pages/value.py").run()
    _no_errors(at)

    def total():
        shown = next(m.value for m in at.metric if m.label.startswith("Predicted CLV"))
        return float(shown.strip("£€$*").replace(",", ""))

    line = next(c.value for c in at.caption if c.value.startswith("Of which one-order outliers"))
    part = float(line.split("predicted CLV ")[1].split(" (")[0].strip("£€$").replace(",", ""))
    before = total()
    assert 0 < part < before
    at.toggle(key="clv_no_outliers").set_value(True).run()
    _no_errors(at)
    assert total() == pytest.approx(before - part, abs=1.5)  # whole currency units on screen
    assert any(c.value.startswith("Left out: one-order outliers worth") for c in at.caption)


def test_a_range_of_one_figure_says_why():
    # Expected 18 from an 82% chance of no order: 18 / 0.18 = 100 from those who order.
    table = pd.DataFrame(
        {
            "clv": [18.0, 50.0, 0.0],
            "clv_low": [0.0, 20.0, 0.0],
            "clv_high": [0.0, 90.0, 0.0],
            "p_no_order": [0.82, 0.1, 1.0],
        }
    )
    assert present.range_notes(table, "EUR", 12) == [
        "82% chance of no order in 12 months; €100 expected from the 18% who order",
        "",  # a real range needs no note
        "",  # nothing expected at all
    ]
    scores = table.assign(p_alive=0.5, p_alive_low=0.4, p_alive_high=0.6, purchases=1.0)
    scores = scores.assign(purchases_low=0.0, purchases_high=2.0)
    shown = present.ranges(scores, "EUR", 12)  # the tables' columns carry the same note
    assert shown["range_note"].tolist() == present.range_notes(table, "EUR", 12)
    assert shown["clv_range"][0] == "€0 – €0"


def test_chance_of_no_order_agrees_with_the_range(cdnow_fitted):
    """The 80% range of orders is the 10th to 90th percentile: where its top is 0, the
    chance of no order is at least 90%; where its bottom is 1 or more, at most 10%."""
    table = cdnow_fitted
    top_zero = table["purchases_high"] == 0
    bottom_one = table["purchases_low"] >= 1
    assert top_zero.sum() > 100 and bottom_one.sum() > 10
    assert (table.loc[top_zero, "p_no_order"] >= 0.9 - 1e-9).all()
    assert (table.loc[bottom_one, "p_no_order"] <= 0.1 + 1e-9).all()
    assert table["p_no_order"].between(0, 1).all()


@pytest.fixture(scope="module")
def cdnow_fitted():
    from analytics.ingest.io import CDNOW_NAME, load_dataset
    from analytics.insights.customers import build_customer_base
    from analytics.value import clv

    base = build_customer_base(load_dataset(CDNOW_NAME)[0].orders)
    model = clv.fit(base.summary)
    fc = clv.forecast(model, base.summary, 12, base.data_end)
    limit = clv.outlier_limit(base, base.data_end)
    return clv.score_table(model, fc, base.summary, clv.Settings(), limit)


def test_stage_and_model_disagreements_by_hand():
    """Inactive above 80% still a customer, and Active or Loyal below 20%: a (Inactive, 90%)
    and c, d (Loyal 10%, Active 15%) disagree; b (Inactive, 50%) does not, and neither does
    a customer exactly on a line (g: Inactive at 80%, h: Active at 20%: the rules are
    strict). At risk and New are in no rule. Out of: the customers in the rule's stages."""
    stage = pd.Series(
        ["Inactive", "Inactive", "Loyal", "Active", "At risk", "New", "Inactive", "Active"],
        index=list("abcdefgh"),
    )
    alive = pd.Series([0.9, 0.5, 0.1, 0.15, 0.95, 0.05, 0.8, 0.2], index=list("abcdefgh"))
    rules, members = lists.disagreements(stage, alive)
    assert rules["customers"].tolist() == [1, 2] and rules["out_of"].tolist() == [3, 3]
    assert rules["disagreement"].tolist() == [
        "Inactive, yet chance still a customer above 80%",
        "Active or Loyal, yet chance still a customer below 20%",
    ]
    assert members.to_dict() == {
        "a": "Inactive, yet chance still a customer above 80%",
        "c": "Active or Loyal, yet chance still a customer below 20%",
        "d": "Active or Loyal, yet chance still a customer below 20%",
    }
    assert all(len(why) > 40 for why in rules["why"])

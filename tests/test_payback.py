"""Payback: CAC, margin per customer, payback month and LTV:CAC on hand-built cohorts.

The shop below ends on 2024-03-15, so March 2024 is a partial month.

- Cohort 2023-10: Eve, 200 on 2023-10-01 and 100 on 2024-01-15 (month 3). Spend 100.
- Cohort 2024-01: Ann, 100 (Jan) + 50 (Feb); Bob, 60 (Jan) + 40 (Mar). Spend 120.
- Cohort 2024-02: Cid, 30 (Feb). Spend 500: it never pays back.
- Cohort 2024-03: Dan, 80 (Mar). Spend 50.

With a 50% margin.
"""

import json

import numpy as np
import pandas as pd
import pytest

from analytics.cli import main
from analytics.errors import LensError
from analytics.ingest.io import DEMO_ORDERS, DEMO_SPEND
from analytics.insights import payback
from analytics.insights.customers import build_customer_base

ORDERS = [
    ("eve", "2023-10-01", 200.0, "Search"),
    ("eve", "2024-01-15", 100.0, "Search"),
    ("ann", "2024-01-05", 100.0, "Search"),
    ("ann", "2024-02-10", 50.0, "Search"),
    ("bob", "2024-01-20", 60.0, "Social"),
    ("bob", "2024-03-10", 40.0, "Social"),
    ("cid", "2024-02-03", 30.0, "Social"),
    ("dan", "2024-03-02", 80.0, None),
    ("dan", "2024-03-15", 0.0, None),  # the data's last day
]
SPEND = pd.DataFrame(
    {"month": ["2023-10", "2024-01", "2024-02", "2024-03"], "spend": [100, 120, 500, 50]}
)


def orders(rows=ORDERS) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount", "channel"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    return frame


@pytest.fixture
def base():
    return build_customer_base(orders())


def row(result, cohort):
    table = result.cohorts.table.set_index("cohort")
    return table.loc[cohort]


def curve(result, cohort):
    return result.cohorts.margin.loc[cohort].dropna().round(4).tolist()


def test_cac_margin_per_customer_and_payback_month(base):
    result = payback.payback_table(base, SPEND, margin=0.5)
    jan = row(result, "2024-01")
    # CAC = 120 / 2 new customers = 60.
    assert jan["new_customers"] == 2 and jan["cac"] == 60
    # Revenue by month: 160, 50, 40; x 50% / 2 customers, cumulated: 40, 52.5, 62.5.
    assert curve(result, "2024-01") == [40, 52.5, 62.5]
    # 40 < 60, 52.5 < 60, 62.5 >= 60: payback in month 2.
    assert jan["payback_month"] == 2
    eve = row(result, "2023-10")
    # Eve's 200 x 50% = 100 = CAC in month 0: "reaches" counts equality.
    assert eve["cac"] == 100 and eve["payback_month"] == 0
    assert curve(result, "2023-10") == [100, 100, 100, 150, 150, 150]


def test_a_cohort_that_never_pays_back_and_young_cohorts(base):
    result = payback.payback_table(base, SPEND, margin=0.5)
    cid = row(result, "2024-02")
    # CAC 500; margin per customer 15, then 15 (March, partial): never reached.
    assert cid["cac"] == 500 and pd.isna(cid["payback_month"])
    assert curve(result, "2024-02") == [15, 15]
    # 2024-02 has one month over (Jan... its month 0), 2024-03 none: too young to tell.
    young = [w for w in result.warnings if w.startswith("Too young to tell")]
    assert young and "2024-02, 2024-03" in young[0]


def test_the_last_month_is_partial_and_marked(base):
    result = payback.payback_table(base, SPEND, margin=0.5)
    assert result.cohorts.partial  # the data ends on 15 March
    assert row(result, "2024-03")["last_month"] == 0 and row(result, "2024-01")["last_month"] == 2
    cohorts = {c["cohort"]: c for c in payback.to_json(result)["cohorts"]}
    assert cohorts["2024-03"]["last_month_partial"] is True
    assert cohorts["2024-03"]["margin_per_customer"] == {"0": 40.0}  # 80 x 50%, partial


def test_ltv_cac_realized_and_predicted(base):
    no_model = payback.payback_table(base, SPEND, margin=0.5)
    eve = row(no_model, "2023-10")
    # Month 3 (2024-01) is over: 150 / 100 = 1.5, not predicted.
    assert eve["ltv_cac_3"] == 1.5 and not eve["ltv_cac_3_predicted"]
    # Month 6 (2024-04) is not over and no model is given: no figure rather than a guess.
    assert eve["ltv_cac_6_predicted"] and pd.isna(eve["ltv_cac_6"])
    # The model expects Eve to bring 40 more by the end of 2024-04 (variance 16, no
    # parameter uncertainty): 150 so far + 50% x 40 = 170 -> 1.7, range 170 -/+ 1.2816 x 2.
    n = base.n_customers
    mean = np.zeros((n, 3))
    var = np.zeros((n, 3))
    eve_at = base.ids.get_loc("eve")
    mean[eve_at, 1], var[eve_at, 1] = 40, 16
    ahead = payback.Ahead(mean, var, np.zeros((n, 3, 1)), np.zeros((1, 1)))
    result = payback.payback_table(base, SPEND, margin=0.5, ahead=ahead)
    eve = row(result, "2023-10")
    assert eve["ltv_cac_6"] == pytest.approx(1.7)
    assert eve["ltv_cac_6_low"] == pytest.approx((170 - payback.Z80 * 2) / 100)
    assert eve["ltv_cac_6_high"] == pytest.approx((170 + payback.Z80 * 2) / 100)
    assert eve["ltv_cac_3"] == 1.5 and pd.isna(eve["ltv_cac_3_low"])  # realized: no range


def test_overall_is_weighted_by_new_customers(base):
    result = payback.payback_table(base, SPEND, margin=0.5)
    overall = result.cohorts.overall.iloc[0]
    # 5 new customers for 770: CAC 154.
    assert overall["new_customers"] == 5 and overall["cac"] == 154
    # Month 0 over for 2023-10, 2024-01, 2024-02: (100 + 2 x 40 + 15) / 4 = 48.75 < 720 / 4.
    # Month 1 over for 2023-10, 2024-01: (100 + 2 x 52.5) / 3 = 68.33 < 220 / 3 = 73.33.
    # Month 2 over for 2023-10 only: 100 >= 100: the overall payback month is 2.
    assert result.cohorts.overall_margin.iloc[0, :3].round(2).tolist() == [48.75, 68.33, 100]
    assert overall["payback_month"] == 2


def test_channel_spend_with_shared_spend():
    rows = [
        ("p1", "2024-01-03", 100.0, "Search"),
        ("p2", "2024-01-04", 50.0, "Search"),
        ("p3", "2024-01-05", 90.0, "Social"),
        ("p3", "2024-02-29", 10.0, "Social"),
    ]
    base = build_customer_base(orders(rows))
    spend = pd.DataFrame(
        {
            "month": ["2024-01"] * 4,
            "channel": ["search", "Social", "", "TikTok"],  # case-blind; blank: shared
            "spend": [200, 90, 30, 50],
        }
    )
    result = payback.payback_table(base, spend, margin=1.0)
    table = result.channels.table.set_index("channel")
    # 30 of shared spend over 3 new customers: Search (2) gets 20, Social (1) gets 10.
    assert table.loc["Search", "spend"] == 220 and table.loc["Search", "cac"] == 110
    assert table.loc["Social", "spend"] == 100 and table.loc["Social", "cac"] == 100
    assert table.loc["Search", "shared_spend"] == 20
    # Search: (100 + 50) / 2 = 75 < 110 in month 0 and 1: never; Social: 90 < 100, then 100.
    assert pd.isna(table.loc["Search", "payback_month"])
    assert table.loc["Social", "payback_month"] == 1
    # TikTok has spend but no new customer: no CAC, and a warning names it.
    assert table.loc["TikTok", "new_customers"] == 0 and pd.isna(table.loc["TikTok", "cac"])
    assert any("TikTok in 2024-01" in w for w in result.warnings)
    # The month as a whole: 370 for 3 customers.
    assert row(result, "2024-01")["cac"] == pytest.approx(370 / 3)
    overall = result.channels.overall
    assert overall.loc["Social", "payback_month"] == 1
    assert "those from Search have not paid back yet" in payback.sentence(result)


def test_spend_but_no_new_customers_is_warned(base):
    spend = pd.concat([SPEND, pd.DataFrame({"month": ["2023-12"], "spend": [75]})])
    result = payback.payback_table(base, spend, margin=0.5)
    assert row(result, "2023-12")["new_customers"] == 0
    assert pd.isna(row(result, "2023-12")["cac"])
    assert any(w.startswith("Spend but no new customers in 2023-12") for w in result.warnings)


@pytest.mark.parametrize(
    "table, problem",
    [
        ({"when": ["2024-01"], "spend": [1]}, "no 'month' column"),
        ({"month": ["2024-01"], "cost": [1]}, "no 'spend' column"),
        (
            {"month": ["2024-01", "2024-02"], "spend": [10, -5]},
            "Row 2 of the spend table (2024-02): the spend -5 is negative",
        ),
        ({"month": ["2024-01"], "spend": ["lots"]}, "'lots' is not a number"),
        ({"month": ["2024-01"], "spend": [None]}, "the spend is empty"),
        ({"month": ["2024-01", "2024-1"], "spend": [1, 2]}, "month 2024-01 is given twice"),
        (
            {"month": ["2024-01", "2024-01"], "channel": ["Search", "Search"], "spend": [1, 2]},
            "month 2024-01 for channel Search is given twice",
        ),
        ({"month": ["2024-13"], "spend": [1]}, "'2024-13' is not a month"),
        ({"month": ["March"], "spend": [1]}, "'March' is not a month"),
    ],
)
def test_bad_spend_tables_name_the_problem(table, problem):
    with pytest.raises(LensError) as error:
        payback.read_spend(pd.DataFrame(table))
    assert problem in str(error.value)


def test_a_good_spend_table_is_cleaned():
    table = pd.DataFrame(
        {
            "Month": ["2024-02", "2024-01", "2024-01", None],
            "Channel": ["Search", "Search", "", None],
            "Spend": ["€1200", "10.5", "0", None],  # the last row is blank: dropped
        }
    )
    clean = payback.read_spend(table)
    assert clean.to_dict("list") == {
        "month": ["2024-01", "2024-01", "2024-02"],
        "spend": [0.0, 10.5, 1200.0],
        "channel": [None, "Search", "Search"],
    }


def test_the_command_line(tmp_path, capsys):
    path, spend = tmp_path / "orders.csv", tmp_path / "spend.csv"
    orders().assign(order_id=[f"o{i}" for i in range(len(ORDERS))]).to_csv(path, index=False)
    SPEND.to_csv(spend, index=False)
    assert main(["payback", str(path), "--spend", str(spend), "--margin", "0.5"]) == 0
    out = json.loads(capsys.readouterr().out)
    jan = next(c for c in out["cohorts"] if c["cohort"] == "2024-01")
    assert jan["cac"] == 60 and jan["payback_month"] == 2 and jan["new_customers"] == 2
    assert jan["margin_per_customer"] == {"0": 40.0, "1": 52.5, "2": 62.5}
    eve = next(c for c in out["cohorts"] if c["cohort"] == "2023-10")
    assert eve["ltv_cac"]["3"] == 1.5
    assert out["overall"]["cac"] == 154 and out["overall"]["payback_month"] == 2
    assert "channels" not in out
    # Too little history for the model: the predicted figures are missing, and it says why.
    assert eve["ltv_cac"]["6"] is None and "6" in eve["ltv_cac_predicted"]
    assert out["warnings"][0].startswith("Months not over yet have no predicted LTV:CAC")
    spend.write_text("month,spend\n2024-01,100\n2024-01,abc\n")
    assert main(["payback", str(path), "--spend", str(spend)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'abc' is not a number" in err


def test_the_demo_spend_file_on_the_command_line(capsys):
    assert main(["payback", "demo"]) == 0  # the demo comes with its spend, as in the app
    own = capsys.readouterr().out
    assert main(["payback", "demo", "--spend", str(DEMO_SPEND)]) == 0
    assert capsys.readouterr().out == own
    # Any other file needs its spend: one line, exit 2.
    assert main(["payback", str(DEMO_ORDERS)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--spend" in err
    out = json.loads(own)
    assert len(out["cohorts"]) == 36 and {c["channel"] for c in out["channels"]} == {
        "Email",
        "Marketplace",
        "Referral",
        "Search",
        "Social",
    }
    # The last cohort's LTV:CAC at 12 months is predicted, with an 80% range around it.
    last = out["cohorts"][-1]
    low, high = last["ltv_cac_predicted"]["12"]
    assert low < last["ltv_cac"]["12"] < high


def test_the_report_has_a_payback_section_with_spend(tmp_path, capsys):
    plain, with_spend, demo = (tmp_path / f"{n}.pdf" for n in "abc")
    assert main(["report", str(DEMO_ORDERS), "--out", str(plain)]) == 0  # the file, no spend
    spend = ["--spend", str(DEMO_SPEND), "--margin", "0.5"]
    assert main(["report", "demo", "--out", str(with_spend), *spend]) == 0
    assert main(["report", "demo", "--out", str(demo)]) == 0  # the demo's own spend
    capsys.readouterr()
    from pypdf import PdfReader

    def flat(path):
        return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())

    # Without spend there is nothing to pay back: the report says so in one line and has no
    # payback section; with the demo's spend the section comes with its heading.
    heading, absent = "Is acquisition paying off? Payback", "Payback (CAC, payback month"
    assert absent in flat(plain) and heading not in flat(plain)
    assert heading in flat(with_spend) and absent not in flat(with_spend)
    assert heading in flat(demo)  # as the app's PDF of the demo


END = " (weighted by new customers; month 0 is the month of the first purchase)."


@pytest.mark.parametrize(
    "spend, margin, said",
    [
        # Only 2023-10 has 3 months over (Jan's last month, March, is partial): its payback
        # month 2 is the sentence's (see test_overall_is_weighted_by_new_customers).
        (SPEND, 0.5, "pay back their acquisition cost by month 2 on average"),
        (SPEND, 1.0, "pay back their acquisition cost by month 1 on average"),  # 200 x 100%
        (
            SPEND.iloc[[0]],
            0.5,
            "pay back their acquisition cost within their first month on average",
        ),
        (
            SPEND.assign(spend=1000),
            0.5,
            "have not paid back their acquisition cost in the months the data reaches",
        ),
    ],
)
def test_the_sentence_names_the_cohorts_it_is_about_and_when(base, spend, margin, said):
    text = payback.sentence(payback.payback_table(base, spend, margin=margin))
    assert (
        text == "Customers won in 2023-10 " + said + ("average" if said.endswith(" ") else "") + END
    )


def test_the_sentence_names_the_slowest_channel_and_a_span_of_cohorts():
    rows = [
        ("p1", "2024-01-03", 100.0, "Search"),
        ("p2", "2024-01-04", 50.0, "Search"),
        ("p3", "2024-01-05", 90.0, "Social"),
        ("p3", "2024-02-29", 10.0, "Social"),
        ("p4", "2024-02-10", 80.0, "Search"),
        ("p5", "2024-06-30", 1.0, "Search"),  # the data runs to June: Jan and Feb are old
    ]
    base = build_customer_base(orders(rows))
    spend = pd.DataFrame(
        {
            "month": ["2024-01"] * 3 + ["2024-02"],
            "channel": ["search", "Social", "", "Search"],
            "spend": [100, 90, 30, 40],
        }
    )
    # January: Search 100 + 20 of the shared 30 for 2 customers (CAC 60) and 75 each in
    # month 0; Social 90 + 10 for 1 (CAC 100): 90, then 100 in month 1. February: p4, CAC 40.
    # Overall: 260 for 4 customers (65) and (100 + 50 + 90 + 80) / 4 = 80 in month 0.
    text = payback.sentence(payback.payback_table(base, spend, margin=1.0))
    assert text == (
        "Customers won in 2024-01 to 2024-02 pay back their acquisition cost within their "
        "first month on average; those from Social by month 1" + END
    )

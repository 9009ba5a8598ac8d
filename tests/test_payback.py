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
    # Its predicted LTV:CAC figures carry the model's backtest verdict, as the page does.
    assert "Predicted parts come from the value model (Modified BG/NBD; backtest: revenue" in (
        flat(demo)
    )


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


# --- the command line's answer, key by key, on the shop above ---------------------------------

NO_FIGURE = {"3": None, "6": None, "12": None}
NOT_OVER = {"3": [None, None], "6": [None, None], "12": [None, None]}


def test_the_json_answer_of_the_cohorts(base):
    out = payback.to_json(payback.payback_table(base, SPEND, margin=0.5))
    assert out["data_end"] == "2024-03-15" and out["margin"] == 0.5
    cohorts = {c["cohort"]: c for c in out["cohorts"]}
    assert list(cohorts) == ["2023-10", "2024-01", "2024-02", "2024-03"]
    # Eve: 200 x 50% in months 0-2, + 100 x 50% from month 3 (January) on; the data reaches
    # month 5 (March, partial). Month 3 is over: LTV:CAC 150 / 100; months 6 and 12 are not,
    # and without a model they have no figure, only the mark "predicted".
    assert cohorts["2023-10"] == {
        "cohort": "2023-10",
        "new_customers": 1,
        "spend": 100.0,
        "cac": 100.0,
        "margin_per_customer": {
            "0": 100.0,
            "1": 100.0,
            "2": 100.0,
            "3": 150.0,
            "4": 150.0,
            "5": 150.0,
        },
        "last_month_partial": True,
        "payback_month": 0,
        "ltv_cac": {"3": 1.5, "6": None, "12": None},
        "ltv_cac_predicted": {"6": [None, None], "12": [None, None]},
    }
    # Ann and Bob (see test_cac_margin_per_customer_and_payback_month): only months 0 and 1
    # are over, so every horizon is still to come.
    assert cohorts["2024-01"] == {
        "cohort": "2024-01",
        "new_customers": 2,
        "spend": 120.0,
        "cac": 60.0,
        "margin_per_customer": {"0": 40.0, "1": 52.5, "2": 62.5},
        "last_month_partial": True,
        "payback_month": 2,
        "ltv_cac": NO_FIGURE,
        "ltv_cac_predicted": NOT_OVER,
    }
    # Dan: 80 x 50% = 40 against a CAC of 50, in a month that is not over.
    assert cohorts["2024-03"] == {
        "cohort": "2024-03",
        "new_customers": 1,
        "spend": 50.0,
        "cac": 50.0,
        "margin_per_customer": {"0": 40.0},
        "last_month_partial": True,
        "payback_month": None,
        "ltv_cac": NO_FIGURE,
        "ltv_cac_predicted": NOT_OVER,
    }
    # The overall row (see test_overall_is_weighted_by_new_customers): months 3 and 4 are over
    # for Eve only, who is 1 of the 4 customers behind month 0 (25%, enough): 150. Its
    # LTV:CAC needs the cohorts whose month h is not over, which have no figure: none.
    assert out["overall"] == {
        "cohort": "all",
        "new_customers": 5,
        "spend": 770.0,
        "cac": 154.0,
        "margin_per_customer": {"0": 48.75, "1": 68.33, "2": 100.0, "3": 150.0, "4": 150.0},
        "payback_month": 2,
        "ltv_cac": NO_FIGURE,
        "ltv_cac_predicted": NOT_OVER,
    }
    assert "channels" not in out and "channel_cohorts" not in out
    assert out["sentence"] == payback.sentence(payback.payback_table(base, SPEND, margin=0.5))
    assert out["warnings"] == [
        "Too young to tell: 2024-02, 2024-03 have not paid back yet, with fewer than 3 months "
        "over since the first purchase."
    ]


# A shop that ends on 29 February 2024, its month's last day: no month is partial.
# January: p1, p2 (Search), p3 (Social, 90 then 10 in February), p4 (Email, with no spend of
# its own) and p6 (no channel). February: p5 (Search). Spend with no channel (blank) is shared
# in each month in proportion to its new customers: January 40 over 5 customers (8 each),
# February 10 over 1, March 30 over nobody (no customer there: nothing to share, 0).
CHANNEL_ORDERS = [
    ("p1", "2024-01-03", 100.0, "Search"),
    ("p2", "2024-01-04", 50.0, "Search"),
    ("p3", "2024-01-05", 90.0, "Social"),
    ("p4", "2024-01-06", 30.0, "Email"),
    ("p6", "2024-01-07", 10.0, None),
    ("p5", "2024-02-10", 40.0, "Search"),
    ("p3", "2024-02-29", 10.0, "Social"),
]
CHANNEL_SPEND = pd.DataFrame(
    {
        "month": ["2024-01"] * 4 + ["2024-02"] * 4 + ["2024-03"] * 2,
        "channel": ["search", "Social", "", "TikTok", "Search", "Radio", "Print", "", "TikTok", ""],
        "spend": [200, 90, 40, 50, 21, 1, 0, 10, 5, 30],
    }
)


@pytest.fixture
def by_channel():
    base = build_customer_base(orders(CHANNEL_ORDERS))
    return payback.payback_table(base, CHANNEL_SPEND, margin=1.0)


def test_each_channel_gets_its_spend_and_its_share_of_the_shared_spend(by_channel):
    table = by_channel.channels.table
    assert list(table.columns[:8]) == [
        "cohort",
        "channel",
        "new_customers",
        "shared_spend",
        "spend",
        "cac",
        "last_month",
        "payback_month",
    ]
    # (cohort, channel, new, shared, spend, CAC, last month, payback month); margin 100%.
    first = table.iloc[:, :8].astype(object)
    assert [tuple(r) for r in first.where(first.notna(), None).to_numpy()] == [
        # p6: 8 shared, 10 of revenue: back in month 0. p4 alike: 8 against 30.
        ("2024-01", "(unknown)", 1, 8.0, 8.0, 8.0, 1, 0),
        ("2024-01", "Email", 1, 8.0, 8.0, 8.0, 1, 0),
        # 200 + 2 x 8 for 2 customers: CAC 108 against (100 + 50) / 2 = 75: never.
        ("2024-01", "Search", 2, 16.0, 216.0, 108.0, 1, None),
        # 90 + 8: CAC 98 against 90, then 100 in month 1.
        ("2024-01", "Social", 1, 8.0, 98.0, 98.0, 1, 1),
        # Spend and no customer: no CAC, no share, no month reached (-1).
        ("2024-01", "TikTok", 0, 0.0, 50.0, None, -1, None),
        ("2024-02", "Print", 0, 0.0, 0.0, None, -1, None),
        ("2024-02", "Radio", 0, 0.0, 1.0, None, -1, None),
        # p5 alone in February takes all of its 10 shared: 21 + 10 = 31 against 40.
        ("2024-02", "Search", 1, 10.0, 31.0, 31.0, 0, 0),
        # March has no customer at all: its 30 shared go to nobody.
        ("2024-03", "TikTok", 0, 0.0, 5.0, None, -1, None),
    ]
    # Every channel with spend and no customer is named, not the one with 0 spend (Print).
    assert by_channel.warnings[-1] == (
        "Spend but no new customers from that channel: TikTok in 2024-01, Radio in 2024-02, "
        "TikTok in 2024-03; no CAC there (check the channel's spelling against the orders' "
        "channel column)."
    )
    assert list(by_channel.channels.overall.columns[:2]) == ["channel", "new_customers"]
    assert by_channel.channels.margin_rate == 1.0 and not by_channel.channels.partial


def test_the_json_answer_with_channels(by_channel):
    out = payback.to_json(by_channel)
    # The cohorts: January 380 for 5 customers (76), February 21 + 1 + 0 + 10 = 32 for 1,
    # March 35 for nobody.
    assert [(c["cohort"], c["new_customers"], c["spend"], c["cac"]) for c in out["cohorts"]] == [
        ("2024-01", 5, 380.0, 76.0),
        ("2024-02", 1, 32.0, 32.0),
        ("2024-03", 0, 35.0, None),
    ]
    channels = {c["channel"]: c for c in out["channels"]}
    assert list(channels) == ["(unknown)", "Email", "Print", "Radio", "Search", "Social", "TikTok"]
    # Search overall: January's 2 (216) and February's 1 (31): 247 / 3 = 82.33. Month 0 is
    # over for the 3: (150 + 40) / 3 = 63.33; month 1 for January's 2 only (2 of 3, enough): 75.
    assert channels["Search"] == {
        "channel": "Search",
        "new_customers": 3,
        "spend": 247.0,
        "cac": 82.33,
        "margin_per_customer": {"0": 63.33, "1": 75.0},
        "payback_month": None,
        "ltv_cac": NO_FIGURE,
        "ltv_cac_predicted": NOT_OVER,
    }
    # Social: its one customer, 98 against 90 then 100.
    assert channels["Social"]["cac"] == 98.0 and channels["Social"]["payback_month"] == 1
    # A channel with spend and no customer adds no spend to its overall row (it has no CAC).
    assert channels["Radio"] == {
        "channel": "Radio",
        "new_customers": 0,
        "spend": 0.0,
        "cac": None,
        "margin_per_customer": {},
        "payback_month": None,
        "ltv_cac": NO_FIGURE,
        "ltv_cac_predicted": {},
    }
    cells = {(c["cohort"], c["channel"]): c for c in out["channel_cohorts"]}
    assert cells[("2024-02", "Search")] == {
        "cohort": "2024-02",
        "channel": "Search",
        "new_customers": 1,
        "spend": 31.0,
        "shared_spend": 10.0,
        "cac": 31.0,
        "margin_per_customer": {"0": 40.0},
        "last_month_partial": False,  # the data ends on February's last day
        "payback_month": 0,
        "ltv_cac": NO_FIGURE,
        "ltv_cac_predicted": NOT_OVER,
    }
    assert cells[("2024-03", "TikTok")] == {
        "cohort": "2024-03",
        "channel": "TikTok",
        "new_customers": 0,
        "spend": 5.0,
        "shared_spend": 0.0,
        "cac": None,
        "margin_per_customer": {},
        "last_month_partial": False,
        "payback_month": None,
        "ltv_cac": NO_FIGURE,
        "ltv_cac_predicted": {},
    }
    # Nobody has paid back overall: January's (280 + 10) / 5 = 58 < 76 by month 1.
    assert out["sentence"] == (
        "Customers won in 2024-01 to 2024-02 have not paid back their acquisition cost in the "
        "months the data reaches; those from Search have not paid back yet" + END
    )
    assert out["warnings"] == [
        "Spend but no new customers in 2024-03: no CAC for that month.",
        "Too young to tell: 2024-01 has not paid back yet, with fewer than 3 months over since "
        "the first purchase.",
        by_channel.warnings[-1],
    ]


def test_channels_given_per_customer_id_in_any_order():
    base = build_customer_base(orders(CHANNEL_ORDERS))
    own = payback.payback_table(base, CHANNEL_SPEND, margin=1.0).channels.table
    # The same channels, listed backwards and with a customer the shop does not have.
    given = pd.Series(
        {
            "p6": None,
            "p5": "Search",
            "zz": "Radio",
            "p4": "Email",
            "p3": "Social",
            "p2": "Search",
            "p1": "Search",
        }
    )
    other = payback.payback_table(base, CHANNEL_SPEND, margin=1.0, channels=given)
    pd.testing.assert_frame_equal(other.channels.table, own)


# --- LTV:CAC with the value model's expectations, per cohort and overall -----------------------

# The data ends on 2024-03-15 (March partial). Cohorts: Nov z (80, and 20 in March); Jan a
# (100, and 40 in March); Feb b (60), c (40); Mar d (20). Spend: 40, 50, 100, 10, and 30 in
# April, which has nobody. With a 50% margin, margin per customer: Nov 40 (months 0-3), then
# 50 (month 4, March); Jan 50, 50, 70; Feb (60 + 40) x 50% / 2 = 25, 25; Mar 10.
MODEL_ORDERS = [
    ("z", "2023-11-15", 80.0, "Search"),
    ("a", "2024-01-10", 100.0, "Search"),
    ("b", "2024-02-10", 60.0, "Search"),
    ("c", "2024-02-20", 40.0, "Search"),
    ("a", "2024-03-05", 40.0, "Search"),
    ("z", "2024-03-06", 20.0, "Search"),
    ("d", "2024-03-15", 20.0, "Search"),
]
MODEL_SPEND = pd.DataFrame(
    {
        "month": ["2023-11", "2024-01", "2024-02", "2024-03", "2024-04"],
        "spend": [40, 50, 100, 10, 30],
    }
)


def model_ahead(base):
    """Expected revenue ahead per customer and horizon (3, 6, 12 months), with one model
    parameter of variance 4 whose gradient is given at 3 months."""
    mean, var, grad = np.zeros((5, 3)), np.zeros((5, 3)), np.zeros((5, 3, 1))
    at = {c: base.ids.get_loc(c) for c in "zabcd"}
    # At 3 months: z's cohort (November) has its month 3 (February) over, so what the model
    # says for z there must be left out; a, b, c, d need it.
    for c, m, v, g in [("z", 1000, 1000, 10), ("a", 20, 4, 1), ("b", 10, 9, 2), ("c", 30, 16, 3)]:
        mean[at[c], 0], var[at[c], 0], grad[at[c], 0, 0] = m, v, g
    mean[at["d"], 0] = 4
    # At 6 months: only z, uncertain (2 expected, variance 100).
    mean[at["z"], 1], var[at["z"], 1] = 2, 100
    # At 12 months: nothing more expected from anyone.
    return payback.Ahead(mean, var, grad, np.array([[4.0]]), notes=("From the model: a note.",))


def test_ltv_cac_with_the_model_per_cohort_and_overall():
    base = build_customer_base(orders(MODEL_ORDERS))
    result = payback.payback_table(base, MODEL_SPEND, margin=0.5, ahead=model_ahead(base))
    assert result.warnings[0] == "From the model: a note."
    t = result.cohorts.table.set_index("cohort")
    z = payback.Z80
    # Month 3: November's is over (realized, 40 / 40); January: 70 so far + 50% x 20 = 80, over
    # 50; variance 4 + the parameter's 1 x 4 x 1 = 8, spread 50% x sqrt(8).
    assert t.loc["2023-11", "ltv_cac_3"] == 1.0 and not t.loc["2023-11", "ltv_cac_3_predicted"]
    assert pd.isna(t.loc["2023-11", "ltv_cac_3_low"]) and pd.isna(
        t.loc["2023-11", "ltv_cac_3_high"]
    )
    s = 0.5 * np.sqrt(8)
    assert t.loc["2024-01", ["ltv_cac_3", "ltv_cac_3_low", "ltv_cac_3_high"]].tolist() == (
        pytest.approx([80 / 50, (80 - z * s) / 50, (80 + z * s) / 50])
    )
    # February: 2 x 25 + 50% x (10 + 30) = 70 over 100; variance 9 + 16 + (2 + 3) x 4 x (2 + 3).
    s = 0.5 * np.sqrt(125)
    assert t.loc["2024-02", ["ltv_cac_3", "ltv_cac_3_low", "ltv_cac_3_high"]].tolist() == (
        pytest.approx([0.7, (70 - z * s) / 100, (70 + z * s) / 100])
    )
    # March, in its first (partial) month: 10 + 50% x 4 = 12 over 10, and no spread at all.
    assert t.loc["2024-03", ["ltv_cac_3", "ltv_cac_3_low", "ltv_cac_3_high"]].tolist() == (
        pytest.approx([1.2, 1.2, 1.2])
    )
    # April has spend and nobody: no figure and nothing predicted.
    assert pd.isna(t.loc["2024-04", "ltv_cac_3"]) and not t.loc["2024-04", "ltv_cac_3_predicted"]
    # Month 6: November's 50 so far (its last month, March) + z's 2 expected, with a spread
    # of 50% x 10 = 5 that would put the low end below what is made so far (50): the range
    # starts there. 51 / 40.
    assert t.loc["2023-11", ["ltv_cac_6", "ltv_cac_6_low", "ltv_cac_6_high"]].tolist() == (
        pytest.approx([51 / 40, 50 / 40, (51 + z * 5) / 40])
    )
    assert t.loc["2024-01", ["ltv_cac_6", "ltv_cac_6_low", "ltv_cac_6_high"]].tolist() == (
        pytest.approx([70 / 50] * 3)
    )
    # Overall, the 4 cohorts with customers (April's 30 is not anyone's acquisition cost):
    # spend 200. Month 3: 40 + 80 + 70 + 12 = 202, expected 20 + 40 + 4 = 64 (z's left out);
    # variance 4 + 25 + 0 and, from the parameter, (1 + 5)^2 x 4 = 144: the cohorts share
    # the parameter, so their gradients add before squaring.
    o = result.cohorts.overall.iloc[0]
    s = 0.5 * np.sqrt(4 + 25 + 144)
    assert o[["ltv_cac_3", "ltv_cac_3_low", "ltv_cac_3_high"]].tolist() == pytest.approx(
        [202 / 200, (202 - z * s) / 200, (202 + z * s) / 200]
    )
    # Month 6: 51 + 70 + 50 + 10 = 181, spread 5: the low end is what is made so far (180).
    assert o[["ltv_cac_6", "ltv_cac_6_low", "ltv_cac_6_high"]].tolist() == pytest.approx(
        [181 / 200, 180 / 200, (181 + z * 5) / 200]
    )
    # Month 12: nothing more expected: 50 + 70 + 50 + 10 = 180 so far, over 200, no spread.
    assert o[["ltv_cac_12", "ltv_cac_12_low", "ltv_cac_12_high"]].tolist() == pytest.approx(
        [0.9, 0.9, 0.9]
    )
    assert o[[f"ltv_cac_{h}_predicted" for h in payback.HORIZONS]].tolist() == [True] * 3
    # The command line gives them to 4 digits, with the range of each predicted one.
    overall = payback.to_json(result)["overall"]
    assert overall["ltv_cac"] == {"3": 1.01, "6": 0.905, "12": 0.9}
    assert overall["ltv_cac_predicted"]["6"] == [0.9, round((181 + z * 5) / 200, 4)]
    # Every customer came from Search and all the spend is Search's: the one channel's figures
    # are the cohorts' (only April's Search spend reaches nobody, and is named).
    spend = MODEL_SPEND.assign(channel="Search")
    channels = payback.payback_table(base, spend, margin=0.5, ahead=model_ahead(base)).channels
    assert channels.partial is True  # as the cohorts': the data ends on 15 March
    figures = [c for c in t.columns if c.startswith("ltv_cac")]
    pd.testing.assert_frame_equal(
        channels.table.set_index("cohort")[figures], t[figures], check_names=False
    )
    pd.testing.assert_series_equal(
        channels.overall.loc["Search", figures], o[figures], check_names=False
    )


def test_without_a_model_one_cohort_still_to_come_leaves_the_overall_without_a_figure(base):
    # October (Eve) and March (Dan): month 3 is over for October only. The overall LTV:CAC at
    # 3 months would need March's, which has no figure without a model: none.
    result = payback.payback_table(base, SPEND.iloc[[0, 3]], margin=0.5)
    assert row(result, "2023-10")["ltv_cac_3"] == 1.5
    overall = result.cohorts.overall.iloc[0]
    assert pd.isna(overall["ltv_cac_3"]) and overall["ltv_cac_3_predicted"]
    # October alone: its month 3 is over, so the overall figure is its own, not predicted.
    overall = payback.payback_table(base, SPEND.iloc[[0]], margin=0.5).cohorts.overall.iloc[0]
    assert overall["ltv_cac_3"] == 1.5 and not overall["ltv_cac_3_predicted"]


@pytest.mark.parametrize(
    "spend, ltv",
    [
        (0, None),  # a free month: a CAC of 0 and no ratio (not infinity)
        (1, 150.0),  # Eve's 150 of margin by month 3, over 1 of spend
    ],
)
def test_ltv_cac_of_little_or_no_spend(base, spend, ltv):
    result = payback.payback_table(base, SPEND.iloc[[0]].assign(spend=spend), margin=0.5)
    # October alone (Eve): the cohort and the overall row are the same figures.
    for eve in (row(result, "2023-10"), result.cohorts.overall.iloc[0]):
        assert eve["cac"] == spend and eve["payback_month"] == 0
        assert (pd.isna(eve["ltv_cac_3"]) and ltv is None) or eve["ltv_cac_3"] == ltv
        assert pd.isna(eve["ltv_cac_3_high"])  # realized: no range


def test_the_figures_are_numbers_of_the_right_kind(by_channel, base):
    never = payback.payback_table(base, SPEND.assign(spend=1000), margin=0.5)  # nobody pays back
    for part in (by_channel.cohorts, by_channel.channels, never.cohorts):
        for frame in (part.table, part.overall):
            assert frame["new_customers"].dtype == np.int64
            assert frame["payback_month"].dtype == "Int64"  # whole months, or missing
            ratios = [c for c in frame.columns if c.startswith("ltv_cac") and "pred" not in c]
            assert (frame[["spend", "cac", *ratios]].dtypes == np.float64).all()
        assert part.table["last_month"].dtype == np.int64
        assert part.margin.columns.name == "k" and part.overall_margin.columns.name == "k"
    assert never.cohorts.overall_margin.index.tolist() == ["all"]
    assert never.cohorts.table.columns[:3].tolist() == ["cohort", "new_customers", "spend"]
    # One column per month k the data reaches: October's 0 (October) to 5 (March).
    assert never.cohorts.margin.columns.tolist() == list(range(6))


# --- the spend table -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table, message",
    [
        (
            {"when": ["2024-01"], "spend": [1]},
            "The spend table has no 'month' column: it needs the columns month (YYYY-MM) and "
            "spend, and optionally channel.",
        ),
        (
            {"month": ["2024-01", "2024-02", "2024-03"], "spend": [0, 0.5, -5]},
            "Row 3 of the spend table (2024-03): the spend -5 is negative; spend is money paid "
            "out, 0 or more.",  # 0 and 0.5 are fine: the row named is the negative one
        ),
        (
            {"month": ["2024-01"], "spend": ["lots"]},
            "Row 1 of the spend table (2024-01): the spend 'lots' is not a number; write a "
            "plain number such as 1250.50.",
        ),
        (
            {"month": ["2024-01", "2024-1"], "spend": [1, 2]},
            "Row 2 of the spend table: month 2024-01 is given twice; give one spend per month.",
        ),
        (
            {"month": ["2024-01", "2024-01"], "channel": ["Search", "Search"], "spend": [1, 2]},
            "Row 2 of the spend table: month 2024-01 for channel Search is given twice; give "
            "one spend per month and channel.",
        ),
        (
            {"month": ["2024-13"], "spend": [1]},
            "Row 1 of the spend table: '2024-13' is not a month; write months as YYYY-MM "
            "(e.g. 2024-03).",
        ),
        (
            {"month": [pd.NaT], "channel": ["Search"], "spend": [1]},  # a date cell left empty
            "Row 1 of the spend table: 'NaT' is not a month; write months as YYYY-MM "
            "(e.g. 2024-03).",
        ),
    ],
)
def test_bad_spend_tables_say_what_to_do(table, message):
    with pytest.raises(LensError) as error:
        payback.read_spend(pd.DataFrame(table))
    assert str(error.value) == message


def test_months_as_dates_and_a_blank_channel_column():
    import datetime

    # A spreadsheet gives months as dates (a Timestamp, a date); a channel column left blank
    # everywhere means no channels at all. Whole numbers are read as money (floats).
    table = pd.DataFrame(
        {
            "month": [pd.Timestamp("2024-03-01"), datetime.date(2024, 4, 1), "2024-5"],
            "channel": ["", None, " "],
            "spend": [10, 20, 30],
        }
    )
    clean = payback.read_spend(table)
    assert clean.to_dict("list") == {
        "month": ["2024-03", "2024-04", "2024-05"],
        "spend": [10.0, 20.0, 30.0],
    }
    assert clean["spend"].dtype == np.float64


def test_the_empty_spend_table_for_the_editor():
    assert payback.empty_spend().columns.tolist() == ["month", "channel", "spend"]
    assert payback.empty_spend(channels=False).columns.tolist() == ["month", "spend"]
    plain = payback.empty_spend(False)
    assert len(plain) == 0 and all(map(pd.api.types.is_object_dtype, plain.dtypes))  # text


def test_a_spend_table_of_blank_rows_is_refused(base):
    # Fixed on 6 December 2026: this raised IndexError ("unexpected problem" on the command
    # line, for a spend file whose rows are all blank).
    with pytest.raises(LensError) as error:
        payback.payback_table(base, pd.DataFrame({"month": [None, ""], "spend": ["", None]}))
    assert str(error.value) == (
        "The spend table has no rows: add one row per month (YYYY-MM) with its spend."
    )


# --- the margin, and the warnings --------------------------------------------------------------


@pytest.mark.parametrize("margin", [0, 1.5, -0.2])
def test_the_margin_is_a_share(base, margin):
    with pytest.raises(LensError) as error:
        payback.payback_table(base, SPEND, margin=margin)
    assert str(error.value) == "The gross margin is a share: above 0 and at most 1 (0.4 = 40%)."


def test_the_margin_is_100_percent_unless_given(base):
    # Eve's 200 of revenue, all of it margin, against a CAC of 100.
    assert curve(payback.payback_table(base, SPEND), "2023-10")[0] == 200


def month_shop(months):
    """One new customer (10) on the 10th of each month given."""
    return build_customer_base(orders([(f"c{m}", f"{m}-10", 10.0, None) for m in months]))


@pytest.mark.parametrize(
    "first, said",
    [
        (
            1,
            "7 cohort months with new customers have no spend in the table (2024-01, 2024-02, "
            "2024-03, 2024-04, 2024-05, 2024-06 and 1 more): they are left out.",
        ),
        (
            2,
            "6 cohort months with new customers have no spend in the table (2024-02, 2024-03, "
            "2024-04, 2024-05, 2024-06, 2024-07): they are left out.",
        ),
    ],
)
def test_cohort_months_without_spend_are_named(first, said):
    # Customers in each month from `first` to August; spend for August only.
    base = month_shop([f"2024-{m:02d}" for m in range(first, 9)])
    result = payback.payback_table(base, pd.DataFrame({"month": ["2024-08"], "spend": [5]}))
    assert result.warnings[0] == said
    assert result.cohorts.table["cohort"].tolist() == ["2024-08"]
    assert row(result, "2024-08")["new_customers"] == 1


@pytest.mark.parametrize(
    "extra, said",
    [
        # 0 spent in a month with nobody is no problem; 0.5 spent is.
        (
            {"2023-11": 0, "2023-12": 0.5},
            "Spend but no new customers in 2023-12: no CAC for that month.",
        ),
        (
            {"2023-11": 20, "2023-12": 0.5},
            "Spend but no new customers in 2023-11, 2023-12: no CAC for those months.",
        ),
    ],
)
def test_months_with_spend_and_nobody(base, extra, said):
    more = pd.DataFrame({"month": list(extra), "spend": list(extra.values())})
    result = payback.payback_table(base, pd.concat([SPEND, more]), margin=1.0)
    assert result.warnings[0] == said
    # At 100% margin October (200 >= 100), January (160 / 2 = 80 >= 60) and March (80 >= 50)
    # pay back at once; February (30 < 500), with one month over, is the one too young to tell.
    # A month with nobody in it is neither.
    assert result.warnings[1:] == [
        "Too young to tell: 2024-02 has not paid back yet, with fewer than 3 months over since "
        "the first purchase."
    ]
    assert row(result, "2023-12")["last_month"] == -1


# The shop above with a November (Gus) and a December (Fay) cohort, and 1000 of spend a month:
# nobody pays back. Months over by the data's end (15 March): October 0-4, November 0-3,
# December 0-2 (three: old enough), January 0-1, February 0, March none.
OLDER = ORDERS + [("fay", "2023-12-05", 60.0, "Search"), ("gus", "2023-11-20", 50.0, "Search")]
MONTHS = ["2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03"]


def test_too_young_to_tell_means_fewer_than_three_months_over():
    base = build_customer_base(orders(OLDER))
    result = payback.payback_table(base, pd.DataFrame({"month": MONTHS, "spend": 1000}), 0.5)
    assert result.warnings == [
        "Too young to tell: 2024-01, 2024-02, 2024-03 have not paid back yet, with fewer than "
        "3 months over since the first purchase."
    ]
    # The sentence speaks of the cohorts old enough to tell: October to December.
    assert payback.sentence(result) == (
        "Customers won in 2023-10 to 2023-12 have not paid back their acquisition cost in the "
        "months the data reaches" + END
    )


@pytest.mark.parametrize(
    "last_day, partial",
    [("2024-03-30", True), ("2024-03-31", False), ("2024-02-28", True), ("2024-02-29", False)],
)
def test_the_last_month_is_partial_unless_the_data_reaches_its_last_day(last_day, partial):
    base = build_customer_base(
        orders([("a", "2024-02-01", 10.0, None), ("a", last_day, 1.0, None)])
    )
    result = payback.payback_table(base, pd.DataFrame({"month": ["2024-02"], "spend": [5]}))
    assert result.cohorts.partial is partial


def test_a_shop_of_one_month_has_one_month_k():
    base = month_shop(["2024-01"])
    result = payback.payback_table(base, pd.DataFrame({"month": ["2024-01"], "spend": [5]}))
    assert result.cohorts.margin.columns.tolist() == [0]
    assert curve(result, "2024-01") == [10]


def test_spend_with_channels_and_orders_without():
    base = build_customer_base(orders().drop(columns="channel"))
    result = payback.payback_table(base, SPEND.assign(channel="Search"), margin=0.5)
    assert result.channels is None
    assert result.warnings[-1] == (
        "The spend names channels, but the orders have no channel column: figures per channel "
        "are not shown."
    )


# --- the sentence ------------------------------------------------------------------------------


def test_the_sentence_when_no_month_with_spend_has_customers(base):
    result = payback.payback_table(base, pd.DataFrame({"month": ["2023-12"], "spend": [10]}))
    assert payback.sentence(result) == (
        "No month with spend has new customers: there is nothing to pay back yet."
    )


def test_the_sentence_with_one_channel_says_nothing_more():
    # January is over (the data reaches the 31st): 100 against 50 in month 0.
    base = build_customer_base(
        orders([("a", "2024-01-05", 100.0, "Ads"), ("a", "2024-01-31", 0.0, "Ads")])
    )
    spend = pd.DataFrame({"month": ["2024-01"], "channel": ["Ads"], "spend": [50]})
    assert payback.sentence(payback.payback_table(base, spend)) == (
        "Customers won in 2024-01 pay back their acquisition cost within their first month on "
        "average" + END
    )


def test_the_sentence_names_the_slowest_of_three_channels():
    # January's customers, all paid back, through April (over): Ads 100 against 50 at once;
    # Chat 20, then 70 in month 1, against 40; Blog 10, 10, then 110 in month 2, against 60.
    # Overall: 150 for 3 (50); (100 + 10 + 20) / 3 = 43.3 in month 0, 60 in month 1.
    rows = [
        ("a1", "2024-01-05", 100.0, "Ads"),
        ("b1", "2024-01-06", 10.0, "Blog"),
        ("c1", "2024-01-07", 20.0, "Chat"),
        ("c1", "2024-02-10", 50.0, "Chat"),
        ("b1", "2024-03-10", 100.0, "Blog"),
        ("a1", "2024-04-30", 0.0, "Ads"),
    ]
    base = build_customer_base(orders(rows))
    spend = pd.DataFrame(
        {"month": "2024-01", "channel": ["Ads", "Blog", "Chat"], "spend": [50, 60, 40]}
    )
    assert payback.sentence(payback.payback_table(base, spend)) == (
        "Customers won in 2024-01 pay back their acquisition cost by month 1 on average; those "
        "from Blog by month 2" + END
    )


def test_the_overall_curve_stops_where_few_of_the_customers_stand_behind_it():
    # o: 200 in October and 200 in December; n1-n4: 10 each in February. The data ends on
    # 15 March. Month 0 is over for all 5: (200 + 4 x 10) / 5 = 48 against (300 + 100) / 5 =
    # 80. Months 1 on are over for o alone, 1 of 5 (20%, under a quarter): no average there,
    # though o alone reaches its CAC of 300 in month 2.
    rows = [("o", "2023-10-05", 200.0, None), ("o", "2023-12-05", 200.0, None)]
    rows += [(f"n{i}", "2024-02-10", 10.0, None) for i in range(4)]
    rows += [("n0", "2024-03-15", 0.0, None)]
    base = build_customer_base(orders(rows))
    spend = pd.DataFrame({"month": ["2023-10", "2024-02"], "spend": [300, 100]})
    result = payback.payback_table(base, spend)
    assert result.cohorts.overall_margin.loc["all"].dropna().tolist() == [48.0]
    assert pd.isna(result.cohorts.overall["payback_month"].iloc[0])
    assert row(result, "2023-10")["payback_month"] == 2  # the cohort itself does


# Each channel's payback month: 36 channels, with ties in an order that a sort which is not
# stable reorders.
MONTHS_BACK = [0, 1, 2, 0, 1, 2, 1, 1, 2, 1, 2, 2, 0, 0, 1, 2, 0, 2, 2, 2, 2, 0, 1, 2, 1, 0, 1]
MONTHS_BACK += [0, 0, 2, 2, 2, 2, 2, 0, 1]


def test_the_slowest_channel_among_ties_is_the_last_by_name():
    # Channels C00-C35, one January customer each and 50 of spend each; the data runs to
    # 30 April (three months over). A channel back in month 0 spent 100 in January; one back
    # in month m > 0 spent 20 in January and 80 in month m. 16 channels are back only in
    # month 2: the sentence names the last of them by name, C33. Overall (10 channels back
    # in month 0, 10 in month 1): (10 x 100 + 26 x 20) / 36 = 42.2 < 50 in month 0, then
    # + 10 x 80: 64.4 >= 50 in month 1.
    rows = []
    for i, m in enumerate(MONTHS_BACK):
        rows.append((f"c{i:02d}", "2024-01-10", 20.0 if m else 100.0, f"C{i:02d}"))
        if m:
            rows.append((f"c{i:02d}", f"2024-{m + 1:02d}-10", 80.0, f"C{i:02d}"))
    rows.append(("c00", "2024-04-30", 0.0, "C00"))
    base = build_customer_base(orders(rows))
    names = [f"C{i:02d}" for i in range(len(MONTHS_BACK))]
    spend = pd.DataFrame({"month": "2024-01", "channel": names, "spend": 50})
    assert payback.sentence(payback.payback_table(base, spend)) == (
        "Customers won in 2024-01 pay back their acquisition cost by month 1 on average; those "
        "from C33 by month 2" + END
    )

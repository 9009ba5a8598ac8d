"""The app driven through AppTest: demo data, uploads, mapping, sliders."""

import datetime as dt
import hashlib
import json
import re

import pandas as pd
import pytest

from analytics.cli import main as cli
from tests import exports
from tests.conftest import ROOT, SEVEN_STAGES, app_test

VIEWS = ["Stage mix", "Funnel", "Evolution", "Transitions", "What-if", "Win-back", "Members"]


def stage_metrics(at):
    return {m.label: m.value for m in at.metric}


def no_errors(at):
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture
def app():
    at = app_test()
    at.run()
    no_errors(at)
    return at


def demo_truth() -> dict:
    """The demo shop counted from its files with plain pandas, not with the app's rules:
    15,034 rows, of which 440 cancelled, 297 refunded and 56 'completed' with neither a
    customer id nor an email (guest checkouts): 14,241 orders from 3,436 customers. Of the
    5,000 contacts, the 1,564 whose id never ordered are prospects. On 31 Oct 2025 (the
    data's last day) with a 180-day window, a customer whose last order is on or before 4 May
    2025 is Inactive: 1,902."""
    orders = pd.read_csv(ROOT / "data" / "demo_orders.csv", dtype=str, keep_default_na=False)
    kept = orders[(orders["status"] == "completed") & (orders["customer_id"] != "")]
    contacts = pd.read_csv(ROOT / "data" / "demo_contacts.csv", dtype=str)
    last = pd.to_datetime(kept.groupby("customer_id")["order_date"].max())
    truth = {
        "orders": len(kept),
        "customers": kept["customer_id"].nunique(),
        "prospects": int((~contacts["customer_id"].isin(kept["customer_id"])).sum()),
        "inactive": int((last <= pd.Timestamp("2025-10-31") - pd.Timedelta(days=180)).sum()),
    }
    assert truth == {"orders": 14241, "customers": 3436, "prospects": 1564, "inactive": 1902}
    return truth


def test_opens_on_demo_data_with_every_stage(app):
    """Every customer who has ordered stands in exactly one of the six buyer stages, so they
    add up to the demo's customers; prospects and Inactive are counted apart (demo_truth)."""
    metrics = {k: int(v.replace(",", "")) for k, v in stage_metrics(app).items()}
    assert list(metrics) == SEVEN_STAGES
    truth = demo_truth()
    assert sum(v for k, v in metrics.items() if k != "Prospect") == truth["customers"]
    assert metrics["Prospect"] == truth["prospects"]
    assert metrics["Inactive"] == truth["inactive"]
    assert all(v > 0 for v in metrics.values())  # the demo shows every stage


def test_every_lifecycle_view_renders(app):
    for view in VIEWS:
        app.segmented_control(key="lc_view").set_value(view).run()
        no_errors(app)
        assert not app.error, view


@pytest.mark.wiring
def test_window_slider_moves_counts_and_matches_the_cli(app, capsys):
    before = stage_metrics(app)
    app.slider(key="window").set_value(90).run()
    after = stage_metrics(app)
    assert after != before
    assert cli(["lifecycle", "demo", "--window", "90"]) == 0
    stages = json.loads(capsys.readouterr().out)["stages"]
    assert after == {k: f"{v:,}" for k, v in stages.items()}


def open_data_page(at):
    at.switch_page("app_pages/data.py").run()
    no_errors(at)
    at.segmented_control(key="source_choice").set_value("Upload my export").run()
    no_errors(at)
    return at


def kpis(at):
    return {m.label: m.value for m in at.metric}


def upload_shopify(app):
    at = open_data_page(app)
    at.file_uploader(key="orders_file").set_value(
        ("orders_export.csv", exports.SHOPIFY.encode(), "text/csv")
    ).run()
    no_errors(at)
    assert kpis(at)["Orders"] == "3" and kpis(at)["Customers"] == "2"
    return at


def test_upload_then_bad_file_keeps_the_good_one(app):
    at = upload_shopify(app)
    at.file_uploader(key="orders_file").set_value(
        ("broken.csv", b"\x00\x01\x02" * 50, "text/csv")
    ).run()
    no_errors(at)
    assert any("not a text table" in e.value for e in at.error)
    assert any("Still showing: orders_export.csv" in e.value for e in at.error)
    assert kpis(at)["Orders"] == "3"  # what was loaded before is still there


def test_a_rerun_of_the_data_page_does_not_hash_the_upload_again(app, monkeypatch):
    """Every click on the Data page reruns it with the upload still in its box: the source
    is the one already made (hashing a 180 MB export took 0.15 s a click). A new reading
    option makes a new source, read again."""
    at = upload_shopify(app)
    upload = len(exports.SHOPIFY.encode())
    hashed = []
    real = hashlib.sha256
    monkeypatch.setattr(hashlib, "sha256", lambda data=b"": hashed.append(len(data)) or real(data))
    at.run()
    at.run()
    no_errors(at)
    assert kpis(at)["Orders"] == "3" and upload not in hashed
    at.selectbox(key="opt_date_order").set_value("Day first (03/04 = 3 April)").run()
    no_errors(at)
    assert upload in hashed and kpis(at)["Orders"] == "3"
    # The file taken out of its box: the session no longer holds its bytes for a rerun.
    assert "upload_source" in at.session_state
    at.file_uploader(key="orders_file").set_value(None).run()
    no_errors(at)
    assert "upload_source" not in at.session_state and kpis(at)["Orders"] == "3"


def test_french_upload_and_mapping_change(app):
    at = open_data_page(app)
    at.file_uploader(key="orders_file").set_value(
        ("fr.csv", exports.french_bytes(), "text/csv")
    ).run()
    no_errors(at)
    assert kpis(at)["Orders"] == "2"
    # Unmap the status column: the cancelled order (Annulée) now counts as a purchase.
    at.selectbox(key="map_status").set_value("—")
    at.get("form_submit_button")[0].click().run()
    no_errors(at)
    assert at.selectbox(key="map_status").value == "—"
    assert kpis(at)["Orders"] == "3"


def test_unrecognised_columns_can_be_mapped_after_a_failed_upload(app):
    at = open_data_page(app)
    odd = b"ref,who,when,paid\n1,a,2024-01-05,10\n2,b,2024-02-05,20\n3,a,2024-03-05,5\n"
    at.file_uploader(key="orders_file").set_value(("odd.csv", odd, "text/csv")).run()
    no_errors(at)
    assert any("No order date column" in e.value for e in at.error)
    assert not any("--" in e.value for e in at.error)  # no command-line flags in the app
    assert kpis(at)["Orders"] == f"{demo_truth()['orders']:,}"  # the demo is still loaded
    # The mapping under the message is the refused file's, and says so.
    assert "#### Column mapping of odd.csv (not loaded)" in [m.value for m in at.markdown]
    at.selectbox(key="map_order_date").set_value("when")
    at.selectbox(key="map_amount").set_value("paid")
    at.selectbox(key="map_customer_id").set_value("who")
    at.get("form_submit_button")[0].click().run()
    no_errors(at)
    assert not at.error
    assert kpis(at)["Orders"] == "3" and kpis(at)["Customers"] == "2"
    assert "#### Column mapping of odd.csv" in [m.value for m in at.markdown]  # loaded now


@pytest.mark.wiring
def test_cohorts_page_switches_period_metric_and_grouping(app, capsys):
    at = app.switch_page("app_pages/cohorts.py").run()
    no_errors(at)
    for period in ["week", "quarter", "month"]:
        at.segmented_control(key="co_period").set_value(period).run()
        no_errors(at)
    for metric in [
        "rolling",
        "revenue",
        "cumulative_revenue_per_customer",
        "net_revenue_retention",
        "retention",
    ]:
        at.selectbox(key="co_metric").set_value(metric).run()
        no_errors(at)
    at.selectbox(key="co_group").set_value("Channel (first order)").run()
    no_errors(at)
    # The page's numbers equal the command line's.
    shown = at.dataframe[0].value
    assert cli(["cohorts", "demo", "--group-by", "Channel (first order)"]) == 0
    records = json.loads(capsys.readouterr().out)["cohorts"]
    assert shown.iloc[:, 0].tolist() == [r["cohort"] for r in records]
    assert shown["Customers"].tolist() == [r["size"] for r in records]
    first_row = [None if v != v else round(v / 100, 6) for v in shown.iloc[0, 2:].tolist()]
    assert first_row == records[0]["values"]  # shares shown as %, the CLI's as fractions
    assert list(shown.columns[:3]) == ["Cohort", "Customers", "Month 0"]


def test_payback_takes_spend_typed_for_data_that_came_without_it(app):
    """Any dataset but the demo starts with no spend: the page offers an empty table to type
    into (it used to fail on its number column) and draws once a month is typed."""
    at = app.switch_page("app_pages/data.py").run()
    at.segmented_control(key="source_choice").set_value("CDNOW (CD retailer, 1997-98)").run()
    at = at.switch_page("app_pages/payback.py").run()
    no_errors(at)
    assert any("Enter the marketing spend per month" in i.value for i in at.info)


def test_cdnow_source_shows_prospects_as_unavailable(app):
    at = app.switch_page("app_pages/data.py").run()
    at.segmented_control(key="source_choice").set_value("CDNOW (CD retailer, 1997-98)").run()
    no_errors(at)
    assert kpis(at)["Customers"] == "23,502"
    at = at.switch_page("app_pages/lifecycle.py").run()
    no_errors(at)
    metrics = stage_metrics(at)
    # CDNOW has no contacts file. Inactive: the customers whose last purchase (above $0) is
    # 180 days or more before 30 Jun 1998, counted from the file with plain pandas.
    from analytics.ingest.io import cdnow_path

    raw = pd.read_csv(cdnow_path(), sep=r"\s+", dtype={"customer_id": str, "date": str})
    raw = raw[raw["dollar_value"] > 0]
    last = pd.to_datetime(raw.groupby("customer_id")["date"].max(), format="%Y%m%d")
    inactive = int((last <= pd.Timestamp("1998-06-30") - pd.Timedelta(days=180)).sum())
    assert len(last) == 23502 and inactive == 18142
    assert metrics["Prospect"] == "n/a" and metrics["Inactive"] == f"{inactive:,}"
    assert str(at.sidebar.date_input[0].value) == "1998-06-30"  # reference date follows data
    for view in ["Members", "Transitions"]:
        at.segmented_control(key="lc_view").set_value(view).run()
        no_errors(at)


def test_prospect_members_come_from_the_contacts_file(app):
    app.segmented_control(key="lc_view").set_value("Members").run()
    app.selectbox(key="member_stage").set_value("Prospect").run()
    no_errors(app)
    shown = app.dataframe[0].value
    assert len(shown) == int(stage_metrics(app)["Prospect"].replace(",", ""))
    assert set(shown["Stage"]) == {"Prospect"}


@pytest.mark.wiring
def test_segment_builder_shows_what_the_export_writes(app, tmp_path, capsys):
    app.switch_page("app_pages/segments.py").run()
    no_errors(app)
    for view in ["Segment map", "Hero customers", "Stage × segment", "Segment builder"]:
        app.segmented_control(key="sg_view").set_value(view).run()
        no_errors(app)
    everyone = app.metric[0].value
    app.multiselect(key="sb_segments").set_value(["Champions"]).run()
    no_errors(app)
    shown = app.dataframe[0].value
    assert app.metric[0].value == f"{len(shown):,}" != everyone
    out = tmp_path / "champions.csv"
    assert cli(["export", "demo", "--segment", "Champions", "--out", str(out)]) == 0
    capsys.readouterr()
    written = pd.read_csv(out, encoding="utf-8-sig")
    assert written["customer_id"].tolist() == shown["Customer"].tolist()
    app.slider(key="hero_pct").set_value(10).run()
    app.toggle(key="sb_hero").set_value(True).run()
    assert int(app.metric[0].value.replace(",", "")) < len(shown)


def test_the_segment_builders_filters_go_with_the_link():
    sender = app_test()
    sender.switch_page("app_pages/segments.py").run()
    sender.segmented_control(key="sg_view").set_value("Segment builder").run()
    sender.multiselect(key="sb_stages").set_value(["At risk", "Inactive"]).run()
    sender.slider(key="sb_days").set_value((30, 400)).run()
    sender.toggle(key="sb_hero").set_value(True).run()
    clv = sender.slider(key="sb_clv")  # a span to the cent and beyond goes exactly
    sender.slider(key="sb_clv").set_value((clv.min + 12.3456789, clv.max)).run()
    link = {k: sender.query_params[k] for k in sender.query_params}
    assert float(link["sb_clv"][0]) == clv.min + 12.3456789
    assert link["sb_stages"] == ["At risk", "Inactive"] and link["sb_days"] == ["30", "400"]
    assert "sb_segments" not in link  # a filter left at "all" is not written
    seen = sender.dataframe[0].value
    assert sender.metric[0].value == f"{len(seen):,}"
    for presenting in (False, True):
        fresh = app_test()
        fresh.query_params.update({**link, "presentation": str(presenting)})
        fresh.switch_page("app_pages/segments.py").run()
        no_errors(fresh)
        assert fresh.metric[0].value == sender.metric[0].value  # the same selection
        assert fresh.dataframe[0].value["Customer"].tolist() == seen["Customer"].tolist()
    sender.switch_page("app_pages/lifecycle.py").run()  # kept while another page is shown
    assert sender.query_params["sb_stages"] == ["At risk", "Inactive"]
    odd = app_test()  # a stale or hand-edited link: unknown values are left out, no error
    odd.query_params.update({"sg_view": "Segment builder", "sb_stages": ["Planet", "Loyal"],
                             "sb_days": ["-5", "99999"], "sb_clv": ["x", "1"]})  # fmt: skip
    odd.switch_page("app_pages/segments.py").run()
    no_errors(odd)
    assert odd.multiselect(key="sb_stages").value == ["Loyal"]
    low, high = odd.slider(key="sb_days").value
    assert low == 0 and high == odd.slider(key="sb_days").max


def test_value_page_views_and_horizon_change(app):
    at = app.switch_page("app_pages/value.py").run()
    no_errors(at)
    before = kpis(at)["Predicted CLV, 12 months"]
    assert before.startswith("€")  # the demo shop sells in euros
    # The backtest's error stands beside the total (short, to fit the tile), and its verdict
    # under the figures, in full.
    total = next(m for m in at.metric if m.label == "Predicted CLV, 12 months")
    assert re.fullmatch(r"backtest: revenue \d+% (under|over)", total.delta)
    full = re.search(r"Backtest: revenue \d+% (under|over) what happened", " ".join(
        c.value for c in at.caption))  # fmt: skip
    assert full and full.group(0).lower().endswith(
        total.delta[len("backtest: ") :] + " what happened"
    )
    assert any("The ranges can" in c.value or "cannot be trusted" in c.value for c in at.caption)
    # The top 100's ranges all have two ends (none "0 – 0"): no empty column saying why.
    top = next(d.value for d in at.dataframe if "CLV, 80% range" in d.value.columns)
    assert not top["CLV, 80% range"].str.fullmatch(r"(€[\d,.]+) – \1").any()
    assert "Why the range is one figure" not in top.columns
    for view in ["Value", "Churn risk", "Backtest", "Model"]:
        at.segmented_control(key="clv_view").set_value(view).run()
        no_errors(at)
        assert not at.error, view
    at.segmented_control(key="clv_view").set_value("Backtest").run()
    assert any(
        "orders against" in m.value and "mean absolute error" in m.value for m in at.markdown
    )
    assert any(m.value.startswith("**How well it ranks customers.** To pick") for m in at.markdown)
    rankings = next(d.value for d in at.dataframe if "Picks who buys (AUC)" in d.value.columns)
    assert {"The model", "Days since last order", "Past spend"} <= set(rankings["Ranking"])
    at.slider(key="clv_months").set_value(24).run()
    no_errors(at)
    after = kpis(at)["Predicted CLV, 24 months"]
    assert float(after.strip("€").replace(",", "")) > float(before.strip("€").replace(",", ""))
    # The segment builder now offers CLV and P(alive) for the same customers.
    at.switch_page("app_pages/segments.py").run()
    at.segmented_control(key="sg_view").set_value("Segment builder").run()
    no_errors(at)
    table = at.dataframe[0].value
    shown = set(table.columns)
    # Headers name the horizon the Value page set (24 months); ranges read "low – high" in
    # the shop's money and as shares, never as raw ends ("Clv low", 0.23).
    assert {"Predicted CLV, 24 months", "Chance still a customer (P(alive))"} <= shown
    assert {"Churn risk", "CLV, 80% range", "Chance, 80% range"} <= shown
    assert "Chance of no order in 24 months" in shown
    assert not [c for c in shown if c.endswith((" low", " high"))]
    assert table["CLV, 80% range"].str.fullmatch(r"€[\d,.]+ – €[\d,.]+").all()
    assert table["Chance, 80% range"].str.fullmatch(r"\d+% – \d+%").all()


def test_one_time_buyers_get_a_message_not_an_exception(app):
    at = open_data_page(app)
    rows = "".join(f"o{i},c{i},2024-01-{1 + i % 28:02d},{10 + i}\n" for i in range(60))
    at.file_uploader(key="orders_file").set_value(
        ("once.csv", ("order id,customer,date,amount\n" + rows).encode(), "text/csv")
    ).run()
    no_errors(at)
    at.switch_page("app_pages/value.py").run()
    no_errors(at)
    assert any("repeat buyers" in w.value for w in at.warning)
    at.switch_page("app_pages/segments.py").run()
    no_errors(at)  # the rest of the app is unaffected


def test_settings_come_from_and_go_to_the_url():
    at = app_test()
    at.query_params.update(
        {
            "window": "90",
            "ref_date": "2025-06-30",
            "hero_pct": "10",
            "clv_model": "nope",
            "lc_view": "Funnel",
        }
    )
    at.run()
    no_errors(at)
    assert at.segmented_control(key="lc_view").value == "Funnel"  # the same view reopens
    assert at.slider(key="window").value == 90
    assert str(at.date_input(key="ref_date").value) == "2025-06-30"
    assert at.session_state["clv_model"] == "mbgnbd"  # an invalid value is ignored (default)
    at.switch_page("app_pages/segments.py").run()
    assert at.slider(key="hero_pct").value == 10
    at.slider(key="hero_pct").set_value(7).run()
    at.switch_page("app_pages/lifecycle.py").run()
    at.slider(key="at_risk_factor").set_value(2.0).run()
    at.segmented_control(key="lc_view").set_value("Evolution").run()
    params = dict(at.query_params)
    assert params["lc_view"] == "Evolution"
    assert {k: params[k] for k in ["window", "hero_pct", "at_risk_factor"]} == {
        "window": "90",
        "hero_pct": "7",  # kept while its page was not shown
        "at_risk_factor": "2.0",
    }


CONTROLS = [
    "slider",
    "select_slider",
    "selectbox",
    "multiselect",
    "number_input",
    "date_input",
    "segmented_control",
    "file_uploader",
    "download_button",
    "button",
    "radio",
]


def assert_no_controls(at, where: str) -> None:
    for kind in CONTROLS:
        found = at.get(kind)
        assert not found, (where, kind, [getattr(w, "label", "") for w in found])
    assert [t.key for t in at.toggle] == ["presentation"], where  # only the way back


def settings_line(at) -> str:
    return " ".join(c.value for c in at.caption if c.value.startswith("Settings: "))


def test_churn_risk_says_in_a_sentence_when_stages_and_model_agree(app):
    # The demo: no Inactive customer above 80% still a customer, no Active or Loyal below 20%.
    app.switch_page("app_pages/value.py").run()
    app.segmented_control(key="clv_view").set_value("Churn risk").run()
    no_errors(app)
    said = [c.value for c in app.caption if c.value.startswith("No strong disagreement here")]
    assert len(said) == 1
    assert "Inactive, yet chance still a customer above 80%: 0 of " in said[0]
    assert "Active or Loyal, yet chance still a customer below 20%: 0 of " in said[0]
    columns = [list(d.value.columns) for d in app.dataframe]
    assert not any("Where stage and model disagree" in c for c in columns)  # no table of zeros
    # The high-risk table sets the CLV horizon's figures beside the churn horizon's risk:
    # each header names its own horizon (defaults: 12 months, 90 days).
    high_risk = columns[-1]
    assert "Chance of no order in 12 months" in high_risk
    assert "Expected orders, 12 months" in high_risk and "Predicted CLV, 12 months" in high_risk
    app.number_input(key="churn_days").set_value(120).run()
    assert "Churn risk, 120 days" in list(app.dataframe[-1].value.columns)


def test_what_if_suggested_window_is_one_click_away(app):
    app.segmented_control(key="lc_view").set_value("What-if").run()
    said = next(c.value for c in app.caption if "of the gaps between consecutive" in c.value)
    suggested = float(re.search(r"are (\d+) days or less", said).group(1))
    button = app.button(key="lc_use_window")
    # Rounded up to the slider's 5-day step: the window covers at least the suggested days.
    window = int(button.label.split()[1])
    assert window % 5 == 0 and suggested - 0.5 <= window < suggested + 5.5
    button.click().run()
    no_errors(app)
    assert app.session_state["window"] == window
    assert not [b for b in app.button if b.key == "lc_use_window"]  # nothing left to use
    # At the 80th percentile the demo's gaps give 73 days: the button names the days it
    # rounds up to 75, so the caption's figure and the button's never seem to disagree.
    app.slider(key="suggest_pct").set_value(80).run()
    said = next(c.value for c in app.caption if "of the gaps between consecutive" in c.value)
    assert "are 73 days or less" in said
    assert app.button(key="lc_use_window").label == (
        "Use 75 days as the inactivity window (73 rounded up)"
    )


def test_presentation_mode_keeps_every_result_and_no_control(app):
    # What-if with a pinned baseline, and a built segment, set up before presenting.
    app.segmented_control(key="lc_view").set_value("What-if").run()
    app.button(key="pin_baseline").click().run()
    app.slider(key="window").set_value(90).run()
    app.toggle(key="presentation").set_value(True).run()
    no_errors(app)
    styles = [h.proto.body for h in app.get("html")]  # the phone layout's, and this one
    assert any("stSidebar" in style for style in styles)
    assert dict(app.query_params)["presentation"] == "True"
    assert len(app.metric) == 7  # KPIs stay
    comparison = app.dataframe[0].value  # the what-if comparison stays
    assert list(comparison.columns) == ["Stage", "Baseline", "Now", "Change"]
    assert any(c.value.startswith("Baseline: Reference date") for c in app.caption)
    assert "View: What-if" in settings_line(app)
    assert "inactivity window 90 days" in " ".join(c.value for c in app.caption)
    assert_no_controls(app, "What-if")

    app.toggle(key="presentation").set_value(False).run()
    app.switch_page("app_pages/segments.py").run()
    app.segmented_control(key="sg_view").set_value("Segment builder").run()
    app.multiselect(key="sb_segments").set_value(["Champions"]).run()
    chosen = app.metric[0].value
    app.toggle(key="presentation").set_value(True).run()
    no_errors(app)
    assert app.metric[0].value == chosen  # the builder's result, not everyone
    assert f"{len(app.dataframe[0].value):,}" == chosen
    assert "RFM segments: Champions" in settings_line(app)
    assert_no_controls(app, "Segment builder")
    app.toggle(key="presentation").set_value(False).run()  # and back: the choices are kept
    assert app.multiselect(key="sb_segments").value == ["Champions"]
    assert app.slider(key="window").value == 90

    app.toggle(key="presentation").set_value(True).run()
    pages = ["lifecycle", "cohorts", "products", "payback", "value", "segments", "campaigns"]
    for page in [*pages, "data"]:
        app.switch_page(f"app_pages/{page}.py").run()
        no_errors(app)
        assert_no_controls(app, page)
        # No instruction to go elsewhere or to do something the mode does not offer.
        shown = " ".join(e.value for kind in ("markdown", "caption", "info") for e in app.get(kind))
        elsewhere = (
            r"presentation mode off|[Oo]pen the \w+ page|set on the \w+ page|Drop an order|upload"
        )
        assert not re.search(elsewhere, shown), (page, re.search(elsewhere, shown))


@pytest.mark.wiring
def test_cdnow_backtest_on_the_value_page(app, capsys):
    at = app.switch_page("app_pages/data.py").run()
    at.segmented_control(key="source_choice").set_value("CDNOW (CD retailer, 1997-98)").run()
    no_errors(at)
    at.switch_page("app_pages/value.py").run()
    at.segmented_control(key="clv_view").set_value("Backtest").run()
    no_errors(at)
    assert cli(["clv", "cdnow"]) == 0
    checked = json.loads(capsys.readouterr().out)["backtest"]
    real = checked["actual_orders"]
    assert any(checked["ranking_sentence"] in m.value for m in at.markdown)  # page = CLI
    shown = [m.value for m in at.markdown if "orders against" in m.value]
    assert shown and f"orders against {real:,} real" in shown[0]
    assert "Fitted on orders to 14 Feb 1998" in shown[0]


PAGE_VIEWS = {
    "app_pages/lifecycle.py": ("lc_view", VIEWS),
    "app_pages/cohorts.py": (None, []),
    "app_pages/products.py": (None, []),
    "app_pages/value.py": (None, []),  # too little history: a message instead of views
    "app_pages/segments.py": (
        "sg_view",
        ["Segment map", "Hero customers", "Stage × segment", "Segment builder"],
    ),
}


def test_every_page_and_view_survives_a_tiny_upload(app):
    at = open_data_page(app)
    at.file_uploader(key="orders_file").set_value(
        ("orders_export.csv", exports.SHOPIFY.encode(), "text/csv")
    ).run()
    assert kpis(at)["Customers"] == "2"
    for page, (key, views) in PAGE_VIEWS.items():
        at.switch_page(page).run()
        no_errors(at)
        for view in views:
            at.segmented_control(key=key).set_value(view).run()
            no_errors(at)
    at.switch_page("app_pages/value.py").run()
    assert any("Not enough history" in w.value for w in at.warning)


def test_the_upload_stays_when_coming_back_to_the_data_page(app):
    at = upload_shopify(app)
    at.switch_page("app_pages/lifecycle.py").run()
    no_errors(at)
    at.switch_page("app_pages/data.py").run()
    no_errors(at)
    assert at.segmented_control(key="source_choice").value == "Upload my export"
    assert kpis(at)["Orders"] == "3" and at.subheader[0].value == "Loaded: orders_export.csv"


def test_the_link_reopens_the_upload_in_a_new_session(app):
    at = upload_shopify(app)
    key = at.query_params["data"]
    key = key[0] if isinstance(key, list) else key
    assert len(key) == 32
    fresh = app_test()  # another browser: a new session with only the link
    fresh.query_params["data"] = key
    fresh.switch_page("app_pages/data.py").run()
    no_errors(fresh)
    assert kpis(fresh)["Orders"] == "3" and kpis(fresh)["Customers"] == "2"
    assert fresh.subheader[0].value == "Loaded: orders_export.csv"
    assert fresh.segmented_control(key="source_choice").value == "Upload my export"


def test_a_page_that_stops_early_still_names_the_data_in_the_link(app):
    at = upload_shopify(app)
    key = at.query_params["data"]
    at.query_params.clear()  # a page opened from the menu starts without the link's part
    at.switch_page("app_pages/campaigns.py").run()  # no list uploaded: the page stops early
    no_errors(at)
    assert at.query_params["data"] == key


def test_an_unknown_link_says_so_and_shows_the_demo():
    at = app_test()
    at.query_params["data"] = "0" * 32
    at.run()
    no_errors(at)
    assert any("no longer kept on this server" in w.value for w in at.warning)
    assert stage_metrics(at)["New"] != "n/a"  # the demo shop, every page usable
    assert "data" not in dict(at.query_params)
    fresh = app_test()  # a hostile link is just an unknown one
    fresh.query_params["data"] = "../../etc/passwd"
    fresh.run()
    no_errors(fresh)
    assert any("no longer kept" in w.value for w in fresh.warning)


@pytest.mark.parametrize(
    "page, key, view",
    [
        ("app_pages/lifecycle.py", "lc_view", "Funnel"),
        ("app_pages/segments.py", "sg_view", "Hero customers"),
        ("app_pages/cohorts.py", "co_period", "week"),
        ("app_pages/data.py", "source_choice", "Demo shop"),
    ],
)
def test_clicking_the_selected_option_keeps_it_selected(app, page, key, view):
    at = app.switch_page(page).run()
    at.segmented_control(key=key).set_value(view).run()
    at.segmented_control(key=key).set_value(None).run()  # what a click on it sends
    no_errors(at)
    assert at.segmented_control(key=key).value == view
    if key != "source_choice":
        assert dict(at.query_params)[key] == view


def test_the_cohorts_link_keeps_cohorts_by():
    at = app_test()
    at.query_params.update({"co_group": "Country (first order)", "co_period": "quarter"})
    at.switch_page("app_pages/cohorts.py").run()
    no_errors(at)
    assert at.selectbox(key="co_group").value == "Country (first order)"
    assert dict(at.query_params)["co_group"] == "Country (first order)"
    odd = app_test()  # an attribute this shop does not have: back to the default
    odd.query_params["co_group"] = "Planet (first order)"
    odd.switch_page("app_pages/cohorts.py").run()
    no_errors(odd)
    assert odd.selectbox(key="co_group").value == "Period of first order"


@pytest.mark.wiring
def test_the_winback_list_shows_days_overdue_and_downloads(app, capsys):
    app.segmented_control(key="lc_view").set_value("Win-back").run()
    no_errors(app)
    shown = app.dataframe[0].value
    assert (shown["Days overdue"] > 0).all() and len(shown) > 0
    # Two gaps, two names: the stage rules' expected gap and the customer's own rhythm.
    assert {"Expected gap (days)", "Usual gap (days)"} <= set(shown.columns)
    assert not [c for c in shown.columns if "_" in c or c == "Usual gap days"]
    # Most valuable first, by predicted CLV: the view fits the model itself.
    clv_column = next(c for c in shown.columns if c.startswith("Predicted CLV"))
    assert shown[clv_column].is_monotonic_decreasing
    assert clv_column == "Predicted CLV, 12 months"  # the Value page's horizon, named
    said = next(c.value for c in app.caption if c.value.startswith("Predicted CLV over"))
    assert said.startswith("Predicted CLV over 12 months (Modified BG/NBD; backtest: revenue ")
    text = " ".join(m.value for m in app.markdown)
    assert "all past the day they usually order again" in text
    assert app.get("download_button")  # CSV and Excel, like every other list
    assert cli(["lifecycle", "demo"]) == 0
    at_risk = json.loads(capsys.readouterr().out)["stages"]["At risk"]
    # Those within their own usual gap between purchase days are left out, and counted.
    note = next(c.value for c in app.caption if "At-risk customers are left out" in c.value)
    left_out = int(note.split(" At-risk")[0].replace(",", ""))
    assert 0 < left_out < at_risk
    assert f"**{at_risk - left_out:,} at-risk customers**" in text


def test_a_list_with_a_control_group_then_its_campaign_results(app, tmp_path):
    app.segmented_control(key="lc_view").set_value("Members").run()
    app.toggle(key="members_control").set_value(True).run()
    no_errors(app)
    assert any("Send only to the treatment rows" in i.value for i in app.info)
    # The same draw from the command line (the app and the CLI share campaign.with_control),
    # made on 30 June so that the demo's later orders measure it.
    out = tmp_path / "loyal.csv"
    assert cli(["export", "demo", "--stage", "Loyal", "--as-of", "2025-06-30", "--control",
                "0.2", "--out", str(out)]) == 0  # fmt: skip
    at = app.switch_page("app_pages/campaigns.py").run()
    no_errors(at)
    at.file_uploader(key="lift_file").set_value(("loyal.csv", out.read_bytes(), "text/csv")).run()
    no_errors(at)
    assert not at.error
    text = " ".join(m.value for m in at.markdown)
    assert "of the treatment group ordered between 01 Jul 2025 and 31 Oct 2025" in text
    table = at.dataframe[0].value
    assert list(table.columns) == ["Figure", "Treatment", "Control", "Difference", "95% interval"]
    # A second list, made on 31 August, counts from its own next day: not from the first
    # list's 1 July, nor from a day the analyst picked for the first list.
    at.date_input(key="lift_since_20250630").set_value(dt.date(2025, 8, 15)).run()
    assert "ordered between 15 Aug 2025 and" in " ".join(m.value for m in at.markdown)
    later = tmp_path / "later.csv"
    assert cli(["export", "demo", "--stage", "Loyal", "--as-of", "2025-08-31", "--control",
                "0.2", "--out", str(later)]) == 0  # fmt: skip
    at.file_uploader(key="lift_file").set_value(("later.csv", later.read_bytes(), "text/csv"))
    at.run()
    no_errors(at)
    text = " ".join(m.value for m in at.markdown)
    assert "of the treatment group ordered between 01 Sep 2025 and 31 Oct 2025" in text
    assert at.date_input(key="lift_since_20250831").min == dt.date(2025, 9, 1)
    at.file_uploader(key="lift_file").set_value(
        ("orders.csv", (ROOT / "data" / "demo_orders.csv").read_bytes(), "text/csv")
    ).run()
    assert any("Expected columns: customer_id, group, list_date" in e.value for e in at.error)


def test_value_page_on_a_one_year_log_never_shows_value_alone(app):
    """Drop-out cannot be told from one year of a wholesaler's invoices: the warning comes
    first, the CLV figures carry a star, and the tables show ranges in plain words."""
    from tests.shops import one_year_invoices

    at = open_data_page(app)
    data = one_year_invoices().to_csv(index=False).encode()
    at.file_uploader(key="orders_file").set_value(("invoices.csv", data, "text/csv")).run()
    no_errors(at)
    at.switch_page("app_pages/value.py").run()
    no_errors(at)
    assert at.warning[0].value.startswith("With 12 months of history the model sees almost no")
    figures = kpis(at)
    assert figures["Predicted CLV, 12 months"].endswith("*")
    assert " – " in figures["80% range of that total"]
    # Nothing that rests on the model below the starred figures: customers by revenue to
    # date instead (issue 28), and the giant invoice on a line of its own under the total.
    top = at.dataframe[0].value
    assert not {"CLV, 80% range", "Chance, 80% range", "Predicted CLV"} & set(top.columns)
    assert not [c for c in top.columns if "_" in c]
    assert any(c.value.startswith("Of which one-order outliers: ") for c in at.caption)
    # The backtest's verdict says what its short holdout cannot check here.
    untested = "holdout only: the model assumes nearly everyone stays"
    assert any(untested in c.value for c in at.caption)
    at.segmented_control(key="clv_view").set_value("Churn risk").run()
    no_errors(at)
    assert not at.dataframe  # no P(alive), churn risk or disagreement table
    assert any("The lifecycle stages say who has stopped ordering" in i.value for i in at.info)


ALL_VIEWS = {
    "app_pages/lifecycle.py": ("lc_view", VIEWS),
    "app_pages/cohorts.py": (None, [None]),
    "app_pages/products.py": (None, [None]),
    "app_pages/value.py": ("clv_view", ["Value", "Churn risk", "Backtest", "Model"]),
    "app_pages/segments.py": (
        "sg_view",
        ["Segment map", "Hero customers", "Stage × segment", "Segment builder"],
    ),
    "app_pages/data.py": (None, [None]),
}


def assert_readable_tables(at, where: str) -> int:
    """Every table: human headers (no code names) and dates without a time of day."""
    for frame in at.dataframe:
        shown = frame.value
        for column in shown.columns:
            assert "_" not in str(column), (where, column)
            values = shown[column]
            assert not pd.api.types.is_datetime64_any_dtype(values.dtype), (where, column)
            text = values.dropna().astype(str)
            assert not text.str.contains(r"\d{2}:\d{2}:\d{2}").any(), (where, column)
    return len(at.dataframe)


def test_every_table_on_every_page_reads_as_words(app):
    """Every page and view, after the value model has run (so lists carry CLV columns)."""
    tables = 0
    app.switch_page("app_pages/value.py").run()  # fits the model: lists gain value columns
    for page, (key, views) in ALL_VIEWS.items():
        app.switch_page(page).run()
        no_errors(app)
        for view in views:
            if key is not None:
                app.segmented_control(key=key).set_value(view).run()
                no_errors(app)
            if view == "What-if":
                app.button(key="pin_baseline").click().run()
            tables += assert_readable_tables(app, f"{page} {view}")
    assert tables >= 14


def test_a_shopify_export_in_euros_shows_euros_and_the_currency_can_be_changed(app):
    at = upload_shopify(app)
    assert kpis(at)["Revenue"] == "€1,130"  # 100 + 1,000 + 30, in the file's EUR
    assert any("amounts in EUR" in c.value for c in at.caption)
    key = next(w.key for w in at.selectbox if w.key and w.key.startswith("currency_"))
    at.selectbox(key=key).set_value("USD").run()
    no_errors(at)
    assert kpis(at)["Revenue"] == "$1,130"  # named, never converted
    at.switch_page("app_pages/segments.py").run()
    at.segmented_control(key="sg_view").set_value("Segment builder").run()
    assert kpis(at)["Their revenue"] == "$1,130"
    # The choice goes with the link: a reload, or a colleague, sees dollars too.
    assert at.query_params["currency"] == "USD"
    fresh = app_test()
    fresh.query_params.update({"data": at.query_params["data"], "currency": "USD"})
    fresh.switch_page("app_pages/data.py").run()
    no_errors(fresh)
    assert kpis(fresh)["Revenue"] == "$1,130"
    at.switch_page("app_pages/data.py").run()
    at.selectbox(key=key).set_value("EUR").run()
    assert at.query_params["currency"] == "EUR" and kpis(at)["Revenue"] == "€1,130"


def test_a_file_in_two_currencies_warns_with_the_count_of_each(app):
    at = open_data_page(app)
    rows = "".join(
        f"o{i},c{i % 4},2024-0{1 + i % 6}-1{i % 9},{10 + i},{'USD' if i % 5 == 0 else 'EUR'}\n"
        for i in range(20)
    )
    data = ("order id,customer,date,amount,currency\n" + rows).encode()
    at.file_uploader(key="orders_file").set_value(("two.csv", data, "text/csv")).run()
    no_errors(at)
    (warning,) = [w.value for w in at.warning if "several currencies" in w.value]
    assert "EUR 16 orders, USD 4 orders" in warning
    assert kpis(at)["Revenue"].startswith("€")  # the currency of most orders


def test_a_link_ranks_the_win_back_list_as_the_sender_sees_it():
    """A colleague's fresh browser never visited Value: the link's value settings still
    rank the win-back list by predicted CLV, the same list the sender sees after a visit to
    Value (never a different list ranked by revenue)."""
    link = {"lc_view": "Win-back", "clv_model": "bgnbd", "clv_margin": "40"}
    fresh = app_test()
    fresh.query_params.update(link)
    fresh.run()
    no_errors(fresh)
    assert not any("Open the Value page" in c.value for c in fresh.caption)
    assert any("most valuable first (by predicted CLV)" in m.value for m in fresh.markdown)
    sender = app_test()
    sender.query_params.update(link)
    sender.switch_page("app_pages/value.py").run()
    sender.switch_page("app_pages/lifecycle.py").run()
    theirs, ours = (at.dataframe[0].value for at in (fresh, sender))
    pd.testing.assert_frame_equal(theirs, ours)


def test_payback_page_draws_on_the_demo_with_its_spend_file(app):
    app.switch_page("app_pages/payback.py").run()
    no_errors(app)
    assert not app.error
    assert any("pay back their acquisition cost" in m.value for m in app.markdown)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["New customers"] == "3,436" and metrics["Payback month, overall"] == "3"
    ratio = metrics["LTV:CAC at 12 months, predicted"]
    assert float(ratio) > 0  # the range in its help, and in view with the model's verdict:
    note = next(c.value for c in app.caption if "LTV:CAC at 12 months, overall" in c.value)
    assert f"overall: {ratio} predicted (80%: " in note
    assert "(Modified BG/NBD; backtest: revenue " in note and "what happened)" in note
    tables = app.session_state["spend_tables"]
    key, spend = next(iter(tables.items()))
    assert len(spend) == 216  # data/demo_spend.csv, kept for the demo's dataset key
    # A bad cell in the spend table is named on the page, never a traceback.
    app.session_state["spend_tables"] = {key: spend.assign(spend=["oops"] + [1] * 215)}
    app.session_state["pb_version"] = 7
    app.run()
    no_errors(app)
    assert [e.value for e in app.error] == [
        "Row 1 of the spend table (2022-11): the spend 'oops' is not a number; write a plain "
        "number such as 1250.50."
    ]


def test_customers_already_there_are_left_out_on_every_page_and_the_switch_keeps_them(app):
    """An invoice log whose first month is the shop's existing base: the sidebar says so,
    the cohorts start the month after, the stage mix over time starts after it too; the
    switch brings the month back."""
    from tests.shops import one_year_invoices

    at = open_data_page(app)
    data = one_year_invoices().to_csv(index=False).encode()
    at.file_uploader(key="orders_file").set_value(("invoices.csv", data, "text/csv")).run()
    no_errors(at)
    assert at.toggle(key="leave_out_existing").value is True
    at.switch_page("app_pages/cohorts.py").run()
    no_errors(at)
    assert any("(2011-01) has 1,488 first purchases" in i.value for i in at.info)
    assert str(at.date_input(key="co_range").value[0]) == "2011-01-01"  # the analyst's range
    at.switch_page("app_pages/lifecycle.py").run()
    at.segmented_control(key="lc_view").set_value("Evolution").run()
    assert any("This chart starts after it" in c.value for c in at.caption)
    at.toggle(key="leave_out_existing").set_value(False).run()
    assert not any("This chart starts after it" in c.value for c in at.caption)
    at.switch_page("app_pages/cohorts.py").run()
    assert not any("1,488 first purchases" in i.value for i in at.info)


def test_a_dataset_takes_the_name_the_analyst_gives_it_and_its_link_keeps_it(monkeypatch, tmp_path):
    monkeypatch.setenv("LENS_STORE_DIR", str(tmp_path))  # the name stays with this test's data
    app = app_test()
    app.run()
    at = upload_shopify(app)
    key = at.session_state["source"].key
    at.text_input(key=f"name_{key}").input("Spring shop").run()
    no_errors(at)
    assert at.subheader[0].value == "Loaded: Spring shop"
    assert any("**Data:** Spring shop" in m.value for m in at.sidebar.markdown)
    fresh = app_test()
    fresh.query_params["data"] = key
    fresh.run()
    no_errors(fresh)
    assert any("**Data:** Spring shop" in m.value for m in fresh.sidebar.markdown)
    # A visitor's text never becomes a link or an image on a colleague's screen.
    at.text_input(key=f"name_{key}").input("![x](http://example.com/a.png)").run()
    assert at.subheader[0].value == "Loaded: !x(http://example.com/a.png)"  # no image syntax


def test_the_spend_goes_with_the_dataset_to_its_link(monkeypatch, tmp_path):
    """Spend uploaded on the Payback page is kept with the dataset: the link opened in a
    fresh browser (a new session) shows the same spend."""
    monkeypatch.setenv("LENS_STORE_DIR", str(tmp_path))
    app = app_test()
    app.run()
    at = upload_shopify(app)
    key = at.session_state["source"].key
    at.switch_page("app_pages/payback.py").run()
    spend = b"month,spend\n2023-01,300\n2023-02,120\n"
    at.file_uploader(key="pb_upload").set_value(("spend.csv", spend, "text/csv")).run()
    no_errors(at)
    fresh = app_test()
    fresh.query_params["data"] = key
    fresh.switch_page("app_pages/payback.py").run()
    no_errors(fresh)
    kept = fresh.session_state["spend_tables"][key]
    assert kept["month"].tolist() == ["2023-01", "2023-02"]
    assert [float(v) for v in kept["spend"]] == [300.0, 120.0]


def test_cohort_curve_defaults_leave_out_small_cohorts_and_mark_them(app):
    """By week the demo's first cohort has one customer: its line would jump between 0 and
    100%. The default lines are spread over the cohorts of at least SMALL_COHORT customers;
    a small one picked by hand is marked "(small)" in the legend."""
    from analytics.insights.cohorts import SMALL_COHORT

    at = app.switch_page("app_pages/cohorts.py").run()
    at.segmented_control(key="co_period").set_value("week").run()
    no_errors(at)
    numbers = at.dataframe[0].value
    sizes = dict(zip(numbers.iloc[:, 0].astype(str), numbers["Customers"], strict=True))
    assert min(sizes.values()) < SMALL_COHORT  # the demo has small weeks
    chosen = at.multiselect(key="co_chosen").value
    assert chosen and all(sizes[str(c)] >= SMALL_COHORT for c in chosen)
    small = next(c for c, n in sizes.items() if n < SMALL_COHORT)
    at.multiselect(key="co_chosen").set_value([*chosen, small]).run()
    no_errors(at)
    legend = at.get("vega_lite_chart")[1].proto.spec
    assert f'"{small} (small)"' in legend


def test_a_model_switch_lets_go_of_the_last_models_tables(app, monkeypatch):
    """A server keeps one model's per-customer tables per dataset: switching lets the last
    model's go before the new ones are made, and going back remakes the same figures."""
    from ui import cache_value

    monkeypatch.setattr(cache_value, "_kept_model", {})  # whatever earlier tests chose
    cleared = []
    for cached in cache_value._PER_MODEL:
        monkeypatch.setattr(cached, "clear", lambda c=cached: cleared.append(c))
    at = app.switch_page("app_pages/value.py").run()
    before = kpis(at)["Predicted CLV, 12 months"]
    at.selectbox(key="clv_model").set_value("mbgnbd").run()  # the same model: nothing let go
    assert cleared == []
    at.selectbox(key="clv_model").set_value("bgnbd").run()
    no_errors(at)
    assert cleared == list(cache_value._PER_MODEL)
    assert kpis(at)["Predicted CLV, 12 months"] != before
    monkeypatch.undo()  # clearing for real now
    at.selectbox(key="clv_model").set_value("mbgnbd").run()
    no_errors(at)
    assert kpis(at)["Predicted CLV, 12 months"] == before


def test_cohorts_and_payback_follow_the_reference_date(app, capsys):
    """Found in a marketer's walk: at an earlier reference date the Cohorts and Payback pages
    (and so the PDF) showed cohorts won after it. Now each page is as it stood on that day,
    the same as the command line's --as-of."""
    app.date_input(key="ref_date").set_value(dt.date(2024, 6, 30)).run()
    at = app.switch_page("app_pages/cohorts.py").run()
    no_errors(at)
    shown = at.dataframe[0].value
    assert cli(["cohorts", "demo", "--as-of", "2024-06-30"]) == 0
    records = json.loads(capsys.readouterr().out)["cohorts"]
    assert shown.iloc[:, 0].tolist() == [r["cohort"] for r in records]
    assert shown.iloc[-1, 0] == "2024-06" and shown["Customers"].tolist() == [
        r["size"] for r in records
    ]
    at = at.switch_page("app_pages/payback.py").run()
    no_errors(at)
    assert cli(["payback", "demo", "--as-of", "2024-06-30"]) == 0
    overall = json.loads(capsys.readouterr().out)["overall"]
    assert at.metric[0].value == f"{overall['new_customers']:,}"

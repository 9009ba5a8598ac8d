"""The management PDF: pages, KPIs and definitions in its text, and a page that is not blank."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from analytics.cli import main as cli
from analytics.insights import lifecycle


def pdf_text(path) -> tuple[int, str]:
    reader = PdfReader(path)
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.wiring
def test_cli_report_on_demo_has_the_summary_definitions_and_page_numbers(tmp_path, capsys):
    out = tmp_path / "report.pdf"
    assert cli(["report", "demo", "--window", "120", "--out", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["currency"] == "EUR"
    assert cli(["lifecycle", "demo", "--window", "120"]) == 0
    counts = json.loads(capsys.readouterr().out)["stages"]
    pages, text = pdf_text(out)
    flat = " ".join(text.split())
    assert "inactivity window 120 days" in flat
    customers = sum(v for k, v in counts.items() if k != "Prospect")
    assert f"{customers:,} Customers who have ordered, by stage" in flat  # equals the CLI's
    for stage in lifecycle.RULE_ORDER:
        assert f"{stage}: {lifecycle.STAGE_RULES[stage][:30]}" in flat
    assert "Backtest: Fitted on orders to" in flat
    assert "Page 1 of" in flat and f"Page {pages} of {pages}" in flat
    assert "Champions: R 5 and FM 4-5" in flat and "Hero customers: the top 5%" in flat


def report_of(tmp_path, name: str, rows: str) -> tuple[int, str, Path]:
    """Write an orders file, run the report command on it: pages, text, and the file."""
    orders = tmp_path / name
    orders.write_text("order id,customer,date,amount\n" + rows)
    out = tmp_path / "r.pdf"
    assert cli(["report", str(orders), "--out", str(out)]) == 0
    pages, text = pdf_text(out)
    return pages, text, orders


def test_report_without_contacts_or_value_says_so_in_one_line(tmp_path, capsys):
    rows = "".join(f"o{i},c{i},2024-0{1 + i % 9}-10,{10 + i}\n" for i in range(40))
    pages, text, orders = report_of(tmp_path, "once.csv", rows)
    flat = " ".join(text.split())
    assert pages >= 2
    assert "no contacts file was loaded" in flat
    assert "Customer value is not shown: Not enough history" in flat
    assert cli(["report", str(orders), "--out", str(tmp_path / "r.txt")]) == 2


def blank_share(image: Path) -> float:
    """Share of the page's rows (inside the margins) with no ink at all."""
    data = image.read_bytes()
    # A binary PGM: "P5\n<width> <height>\n<max>\n" then one byte per pixel.
    parts = data.split(b"\n", 3)
    width, height = (int(v) for v in parts[1].split())
    pixels = np.frombuffer(parts[3][: width * height], dtype=np.uint8).reshape(height, width)
    inside = pixels[int(0.05 * height) : int(0.93 * height)]  # without margins and footer
    return float((inside.min(axis=1) > 235).mean())


def test_page_one_is_a_full_summary_in_the_shop_currency(tmp_path, capsys):
    out = tmp_path / "report.pdf"
    assert cli(["report", "demo", "--out", str(out)]) == 0
    page_one = " ".join(PdfReader(out).pages[0].extract_text().split())
    for label in [
        "Customers who have ordered, by stage",
        "Repeat rate",
        "Revenue at risk",
        "Predicted CLV",
        "Change since last month",
    ]:
        assert label in page_one, label
    assert re.search(r"€[\d,]+ Revenue at risk", page_one)
    assert re.search(r"€[\d,]+ Predicted CLV", page_one)
    assert "Amounts in EUR" in page_one
    # The at-risk figure names the win-back list as the Lifecycle page draws it: the demo's
    # 461 At-risk customers, of whom those within their own usual gap are not on it.
    capsys.readouterr()
    assert cli(["lifecycle", "demo"]) == 0
    at_risk = json.loads(capsys.readouterr().out)["stages"]["At risk"]
    from analytics.ingest.io import DEMO_ORDERS, load_dataset
    from analytics.insights.customers import build_customer_base

    log, _ = load_dataset(DEMO_ORDERS.name, DEMO_ORDERS.read_bytes())
    index = lifecycle.prepare(build_customer_base(log.orders))
    late = lifecycle.winback(index, lifecycle.snapshot(index, index.base.data_end, 180, 1.5))
    gone = late.attrs["within_usual_gap"]
    assert len(late) + gone == at_risk and gone > 0
    assert f"What the {at_risk:,} At-risk customers spent" in page_one
    assert f"{len(late):,} of them are past their own usual gap" in page_one
    assert f"({gone:,} more are not late by their own rhythm yet)" in page_one
    if shutil.which("pdftoppm") is None:
        if __import__("os").environ.get("CI") == "true":
            pytest.fail("pdftoppm (poppler-utils) is missing in CI")
        pytest.skip("pdftoppm not installed (apt-get install poppler-utils)")
    for page in (1, 2, 3):
        subprocess.run(
            ["pdftoppm", "-f", str(page), "-l", str(page), "-r", "40", "-gray", str(out),
             str(tmp_path / f"p{page}")],
            check=True,
        )  # fmt: skip
        (image,) = tmp_path.glob(f"p{page}*.pgm")
        assert blank_share(image) <= 0.5, page  # not half empty: content flows


def test_any_file_name_prints(tmp_path, capsys):
    rows = "".join(f"o{i},c{i % 35},2024-0{1 + i % 9}-1{i % 10},{10 + i}\n" for i in range(120))
    _, text, _ = report_of(tmp_path, "commandes_été_→_🚀.csv", rows)
    assert "commandes_été_->_?.csv" in text


def test_the_five_figures_sit_in_order_one_under_another(tmp_path, capsys):
    out = tmp_path / "report.pdf"
    assert cli(["report", "demo", "--out", str(out)]) == 0
    heights = {}
    labels = [
        "Customers who have ordered, by stage",
        "Repeat rate",
        "Revenue at risk",
        "Predicted CLV",
        "Change since last month",
    ]

    def visit(text, cm, tm, font, size):
        if text.strip() in labels:
            heights.setdefault(text.strip(), tm[5] + cm[5])

    PdfReader(out).pages[0].extract_text(visitor_text=visit)
    ys = [heights[label] for label in labels]
    assert ys == sorted(ys, reverse=True) and len(set(ys)) == 5  # top to bottom, no overlap


def test_page_one_gives_each_stage_one_share_and_names_its_base(tmp_path, capsys):
    """The summary and the stage chart share one base: the customers who have ordered."""
    out = tmp_path / "report.pdf"
    assert cli(["report", "demo", "--out", str(out)]) == 0
    capsys.readouterr()
    assert cli(["lifecycle", "demo"]) == 0
    counts = __import__("json").loads(capsys.readouterr().out)["stages"]
    buyers = sum(v for k, v in counts.items() if k != "Prospect")
    page_one = " ".join(PdfReader(out).pages[0].extract_text().split())
    for stage in ["Loyal", "Inactive"]:
        share = f"{counts[stage] / buyers:.0%}"
        found = re.findall(rf"{stage} (\d+%)", page_one)
        assert found == [share], (stage, found)  # one share, the same as the CLI's count
    assert f"{buyers:,} Customers who have ordered, by stage The base of every share" in page_one
    assert f"of the {buyers:,} customers who have ordered" in page_one


@pytest.mark.wiring
def test_an_open_campaign_result_gets_a_page(tmp_path, capsys):
    """The campaign result open in the app becomes a page: its sentence, chart and table."""
    import io

    from analytics.ingest.io import DEMO_ORDERS, load_dataset
    from analytics.insights import campaign
    from analytics.insights.customers import build_customer_base
    from analytics.output import report

    listed = tmp_path / "list.csv"
    args = ["export", "demo", "--stage", "Inactive", "--as-of", "2025-06-30", "--control", "0.2"]
    assert cli([*args, "--out", str(listed)]) == 0
    base = build_customer_base(load_dataset("demo_orders.csv", DEMO_ORDERS.read_bytes())[0].orders)
    frame = pd.read_csv(listed, comment="#", encoding="utf-8-sig")
    result = campaign.lift(frame, base, name="list.csv")
    index = lifecycle.prepare(base)
    settings = report.ReportSettings("demo", base.data_end, 180, 1.5)
    reader = PdfReader(io.BytesIO(report.build(index, settings, result)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Campaign results: list.csv" in text
    assert " ".join(result.sentence().split())[:60] in text
    # A table with its header, on the same page as the heading (never a heading alone).
    page = next(p.extract_text() for p in reader.pages if "Campaign results" in p.extract_text())
    page = " ".join(page.split())
    assert "Figure Treatment Control Difference 95% interval" in page
    assert "Conversion " in page and "|" not in page


def test_report_never_shows_a_degenerate_clv_alone(tmp_path):
    from tests.shops import one_year_invoices

    orders = tmp_path / "invoices.csv"
    one_year_invoices().to_csv(orders, index=False)
    out = tmp_path / "r.pdf"
    assert cli(["report", str(orders), "--out", str(out)]) == 0
    flat = " ".join(pdf_text(out)[1].split())
    figure = re.search(r"([\d,]+)(\*?) Predicted CLV", flat)
    assert figure and figure.group(2) == "*", flat[:600]
    warning = "With 12 months of history the model sees almost no customers leaving"
    assert flat.count(warning) >= 2  # beside the figure on page 1, and in the value section
    assert "holdout only: the model assumes nearly everyone stays" in flat  # beside the verdict
    # The first month (the shop's existing base) is left out of the repurchase curve: its
    # "so far" names that base, unlike the repeat rate over every customer on page 1.
    assert re.search(r"So far [\d,]+ of the [\d,]+ customers counted here \(the data's first", flat)
    assert "today's stages, the funnel and the repeat rate count every customer" in flat


def test_report_gives_the_clv_range(tmp_path):
    out = tmp_path / "r.pdf"
    assert cli(["report", "demo", "--out", str(out)]) == 0
    flat = " ".join(pdf_text(out)[1].split())
    low, high = (
        float(v.replace(",", ""))
        for v in re.search(
            r"80% range with the backtest's bias €?([\d,]+) – €?([\d,]+)", flat
        ).groups()
    )
    total = float(re.search(r"€?([\d,]+) Predicted CLV", flat).group(1).replace(",", ""))
    assert low < total < high
    # The backtest's verdict beside the figure, and the ranking scorecard in the value section.
    assert re.search(r"backtest: revenue \d+% (under|over) what happened; 80% range", flat)
    assert "The ranges can be trusted" in flat or "The ranges cannot be trusted" in flat
    assert "Ranking: To pick who will buy" in flat


def test_a_shopify_export_in_euros_prints_euros(tmp_path, capsys):
    from tests import exports

    orders = tmp_path / "orders_export.csv"
    orders.write_text(exports.SHOPIFY)
    out = tmp_path / "r.pdf"
    assert cli(["report", str(orders), "--out", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["currency"] == "EUR"
    _, text = pdf_text(out)
    flat = " ".join(text.split())
    assert "Amounts in EUR" in flat and re.search(r"€\d", flat)


@pytest.mark.wiring
def test_the_pdf_counts_value_with_the_analysts_margin_and_discount(tmp_path, capsys):
    """What leaves the screen matches what the analyst set: the PDF's total CLV is the one
    the Value page (and the clv command) gives at the same margin and discount, not revenue
    at 1% a month (which would be 2.5 times larger at a 40% margin)."""
    out = tmp_path / "r.pdf"
    set_ = ["--margin", "0.4", "--discount-rate", "0.03"]
    assert cli(["report", "demo", *set_, "--out", str(out)]) == 0
    capsys.readouterr()
    assert cli(["clv", "demo", *set_]) == 0
    total = json.loads(capsys.readouterr().out)["total_clv"]
    assert cli(["clv", "demo"]) == 0
    revenue = json.loads(capsys.readouterr().out)["total_clv"]
    flat = " ".join(pdf_text(out)[1].split())
    shown = float(re.search(r"€?([\d,]+)\*? Predicted CLV", flat).group(1).replace(",", ""))
    assert shown == pytest.approx(total, abs=0.5) and shown < 0.5 * revenue
    assert "gross margin at 40% of revenue, discounted 3% a month" in flat
    assert "discounted 1% a month" not in flat and "revenue basis" not in flat


def test_page_one_carries_the_stage_mix_over_time(tmp_path):
    """A manager's one page: the five figures, today's stages and how the mix moves."""
    out = tmp_path / "r.pdf"
    assert cli(["report", "demo", "--out", str(out)]) == 0
    first = PdfReader(out).pages[0]
    assert "Repeat rate" in first.extract_text()
    assert len(first.images) == 2  # the stages today, and the stage mix over time


def test_the_pdfs_heroes_follow_the_analysts_share(tmp_path):
    """What leaves the screen matches what the analyst set: heroes at 10% of the demo's 3,436
    buyers are 344 (343.6 rounded up to whole customers), not the default 5%'s 172."""
    out = tmp_path / "r.pdf"
    assert cli(["report", "demo", "--hero-pct", "10", "--out", str(out)]) == 0
    flat = " ".join(pdf_text(out)[1].split())
    assert "Hero customers: the top 10% by revenue (344 customers)" in flat


def test_results_given_as_a_call_are_waited_for_once_after_the_models_own_figures():
    """The app hands the report a call for the value model's results, made in threads while
    the report computes what does not rest on them: the call is made once, after those
    figures, and the report reads as with the same results given outright."""
    import io

    from analytics.ingest.io import DEMO_ORDERS, load_dataset
    from analytics.insights.customers import build_customer_base, summarise
    from analytics.output import report
    from analytics.value import backtest, clv

    base = build_customer_base(load_dataset("demo_orders.csv", DEMO_ORDERS.read_bytes())[0].orders)
    index = lifecycle.prepare(base)
    settings = report.ReportSettings("demo", base.data_end, 180, 1.5)
    summary = summarise(base, base.data_end)
    fitted = clv.fit(summary, settings.model)
    known = report.Known(
        fitted,
        clv.forecast(fitted, summary, 12, base.data_end),
        backtest.run(base, settings.model),
        lifecycle.evolution(index, 180, 1.5),
        summary,
    )
    heard, calls = [], []

    def later() -> report.Known:
        calls.append(heard[-1])  # the step the report had reached
        return known

    def text(data: bytes) -> str:
        pages = PdfReader(io.BytesIO(data)).pages
        return re.sub(r"Made on \d\d \w+ \d{4}", "", " ".join(p.extract_text() for p in pages))

    waited = report.build(index, settings, known=later, progress=lambda f, w: heard.append(w))
    assert calls == ["The value model, its backtest and the stages over time…"]
    assert heard.index(calls[0]) > heard.index("Computing stages, cohorts and segments…")
    assert text(waited) == text(report.build(index, settings, known=known))

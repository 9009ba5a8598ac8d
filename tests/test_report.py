"""The management PDF: pages, KPIs and definitions in its text, and a page that is not blank."""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from analytics import lifecycle
from analytics.cli import main as cli


def pdf_text(path) -> tuple[int, str]:
    reader = PdfReader(path)
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_cli_report_on_demo_has_kpis_definitions_and_page_numbers(tmp_path, capsys):
    out = tmp_path / "report.pdf"
    assert cli(["report", "demo", "--window", "120", "--out", str(out)]) == 0
    capsys.readouterr()
    assert cli(["lifecycle", "demo", "--window", "120"]) == 0
    counts = __import__("json").loads(capsys.readouterr().out)["stages"]
    pages, text = pdf_text(out)
    assert pages == 5
    flat = " ".join(text.split())
    for kpi in ["Customers who have ordered", "Revenue to date", "Repeat rate", "Predicted CLV"]:
        assert kpi in flat
    assert "inactivity window 120 days" in flat
    customers = sum(v for k, v in counts.items() if k != "Prospect")
    assert f"Customers who have ordered {customers:,}" in flat  # the tile equals the CLI's
    for stage in lifecycle.RULE_ORDER:
        assert f"{stage}: {lifecycle.STAGE_RULES[stage][:30]}" in flat
    assert "Backtest: Fitted on orders to" in flat
    assert "Page 1 of 5" in flat and "Page 5 of 5" in flat
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
    assert pages == 5
    assert "no contacts file was loaded" in flat
    assert "Customer value is not shown: Not enough history" in flat
    assert cli(["report", str(orders), "--out", str(tmp_path / "r.txt")]) == 2


def test_a_rendered_page_is_not_blank(tmp_path, capsys):
    if shutil.which("pdftoppm") is None:
        if __import__("os").environ.get("CI") == "true":
            pytest.fail("pdftoppm (poppler-utils) is missing in CI")
        pytest.skip("pdftoppm not installed (apt-get install poppler-utils)")
    out = tmp_path / "report.pdf"
    assert cli(["report", "demo", "--out", str(out)]) == 0
    subprocess.run(
        ["pdftoppm", "-f", "1", "-l", "1", "-r", "40", "-gray", str(out), str(tmp_path / "p")],
        check=True,
    )
    (image,) = tmp_path.glob("p*.pgm")
    pixels = np.frombuffer(image.read_bytes()[-200_000:], dtype=np.uint8)
    # A blank page is all white; ours has tiles, bars and text.
    assert (pixels < 200).mean() > 0.03


def test_any_file_name_prints(tmp_path, capsys):
    rows = "".join(f"o{i},c{i % 35},2024-0{1 + i % 9}-1{i % 10},{10 + i}\n" for i in range(120))
    _, text, _ = report_of(tmp_path, "commandes_été_→_🚀.csv", rows)
    assert "commandes_été_->_?.csv" in text


def test_kpi_tiles_sit_in_two_rows(tmp_path, capsys):
    out = tmp_path / "report.pdf"
    assert cli(["report", "demo", "--out", str(out)]) == 0
    heights = {}

    def visit(text, cm, tm, font, size):
        if text.strip() in {"Customers who have ordered", "Repeat rate", "Loyal", "Predicted CLV"}:
            heights.setdefault(text.strip(), round(tm[5] + cm[5]))

    PdfReader(out).pages[0].extract_text(visitor_text=visit)
    assert heights["Customers who have ordered"] == heights["Repeat rate"]  # first row
    assert heights["Loyal"] == heights["Predicted CLV"]  # second row
    assert heights["Customers who have ordered"] != heights["Loyal"]  # no tile over another


def test_page_one_gives_each_stage_one_share_and_names_its_base(tmp_path, capsys):
    """The tiles and the stage chart share one base: the customers who have ordered."""
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
    assert page_one.count(f"of the {buyers:,} customers who have ordered") >= 3


def test_an_open_campaign_result_gets_a_page(tmp_path, capsys):
    """The campaign result open in the app becomes a page: its sentence, chart and table."""
    import io

    from analytics import campaign, report
    from analytics.customers import build_customer_base
    from analytics.io import DEMO_ORDERS, load_dataset

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
    assert len(reader.pages) == 6
    assert "Campaign results: list.csv" in text
    assert " ".join(result.sentence().split())[:60] in text
    assert "Conversion:" in text and "95% interval" in text


def test_report_never_shows_a_degenerate_clv_alone(tmp_path):
    from tests.shops import one_year_invoices

    orders = tmp_path / "invoices.csv"
    one_year_invoices().to_csv(orders, index=False)
    out = tmp_path / "r.pdf"
    assert cli(["report", str(orders), "--out", str(out)]) == 0
    flat = " ".join(pdf_text(out)[1].split())
    tile = re.search(r"Predicted CLV ([\d,]+)(\*?)", flat)
    assert tile and tile.group(2) == "*" and "model sees almost no one leave" in flat
    assert "With 12 months of history the model sees almost no customers leaving" in flat


def test_report_gives_the_clv_range(tmp_path):
    out = tmp_path / "r.pdf"
    assert cli(["report", "demo", "--out", str(out)]) == 0
    flat = " ".join(pdf_text(out)[1].split())
    low, high = (
        float(v.replace(",", ""))
        for v in re.search(r"80% range ([\d,]+) to ([\d,]+)", flat).groups()
    )
    total = float(re.search(r"Predicted CLV ([\d,]+)", flat).group(1).replace(",", ""))
    assert low < total < high
    assert "landed inside their 80% range" in flat

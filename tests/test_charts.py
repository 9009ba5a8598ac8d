"""Chart helpers: subtitles that fit a slide, labels that fit their cells and axes."""

import io
import json

import altair as alt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from analytics.ingest.io import DEMO_ORDERS, load_dataset
from analytics.insights import cohorts
from analytics.insights.customers import build_customer_base
from analytics.output import charts, cohort_view, payback_view, present
from analytics.output.charts import SUBTITLE_CHARACTERS, wrap


def test_long_chart_subtitles_wrap_at_the_separators():
    parts = ["shop.csv (01 Jan 2024 – 31 Dec 2024)", "reference date 31 Dec 2024"] * 4
    lines = wrap(" · ".join(parts))
    assert len(lines) > 1 and all(len(line) <= SUBTITLE_CHARACTERS for line in lines)
    assert " · ".join(lines) == " · ".join(parts)  # nothing lost, nothing reordered
    assert wrap("short") == ["short"]


def test_cell_labels_get_a_font_that_fits_or_none():
    assert cohort_view.cell_font(60, 22, ["100%", "5%"]) == 11  # room to spare: the usual size
    size = cohort_view.cell_font(24, 22, ["100%"])
    assert 7 <= size < 11 and cohort_view.text_px("100%", size) <= 24 - 4  # shrunk to fit
    assert cohort_view.cell_font(12, 22, ["100%"]) == 0  # too narrow to read: no labels
    assert cohort_view.cell_font(60, 6, ["5%"]) == 0  # rows too thin (weekly cohorts)


@pytest.fixture(scope="module")
def demo_base():
    log, _ = load_dataset("demo_orders.csv", DEMO_ORDERS.read_bytes())
    return build_customer_base(log.orders)


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


@pytest.mark.parametrize(
    "period, group", [("month", None), ("week", None), ("month", "Channel (first order)")]
)
def test_heatmap_labels_fit_their_cells_and_axes_thin_their_labels(demo_base, period, group):
    groups = None if group is None else cohorts.acquisition_attributes(demo_base)[group]
    table = cohorts.cohort_table(demo_base, period, "retention", groups)
    if period == "month" and group is None:  # the PDF's last 12 cohorts
        table = cohorts.last_cohorts(table, 12)
    spec = charts.spec(cohort_view.cohort_heatmap(table, "t", "s"))
    assert spec["config"]["axis"]["labelOverlap"] == "parity"  # no label over another
    rows = len(table.values)
    height = spec["height"]
    cell_w = cohort_view.plot_width(list(table.values.index)) / table.values.shape[1]
    texts = [
        layer["mark"]
        for layer in layers(spec)
        if isinstance(layer["mark"], dict) and layer["mark"].get("type") == "text"
    ]
    # The PDF's grid is labelled; where cells are too small to read a label (weekly rows,
    # 36 months of a channel), only colour and tooltip remain: never a clipped "00%".
    assert texts or period == "week" or group is not None
    for layer in layers(spec):
        mark = layer["mark"]
        if isinstance(mark, dict) and mark.get("type") == "text":
            size = mark["fontSize"]
            assert cohort_view.text_px("100%", size) <= cell_w - 4  # the widest label fits
            assert size <= 0.8 * height / rows


def test_churn_risk_bars_take_the_colours_of_their_risk():
    bands = pd.DataFrame({"customers": [50, 30, 20]}, index=pd.Index(["low", "medium", "high"]))
    drawn = charts.value_bars(bands.rename_axis("risk"), "risk", "customers", "Risk", "sub")
    scale = drawn.to_dict()["layer"][0]["encoding"]["color"]["scale"]
    assert scale["range"] == [charts.RISK_COLORS[r] for r in ("low", "medium", "high")]
    assert len(set(scale["range"])) == 3  # three colours, not one


def test_a_count_axis_never_shows_a_fraction_of_a_customer():
    """A small shop's stage bars (3, 1 and 2 customers) and a histogram of three gaps tick
    a whole unit apart at least; money, a fraction, ticks as it falls."""
    mix = pd.DataFrame(
        {"customers": [3, 1, 2], "share": [0.5, 0.2, 0.3]},
        index=pd.Index(["New", "Active", "Loyal"], name="stage"),
    )
    step = lambda chart: charts.spec(chart)["layer"][0]["encoding"]["x"]["axis"]  # noqa: E731
    assert step(charts.stage_bars(mix, "t", "s"))["tickMinStep"] == 1
    money = pd.DataFrame({"value": [2.5, 1.25]}, index=pd.Index(["a", "b"], name="group"))
    assert "tickMinStep" not in step(charts.value_bars(money, "group", "value", "EUR", "s"))
    gaps = charts.spec(charts.histogram(np.array([3.0, 5.0, 9.0]), "Days", "t", "s"))
    assert gaps["encoding"]["y"]["axis"]["tickMinStep"] == 1


def test_a_downloaded_png_leaves_a_margin_around_the_title():
    """The title's first dark pixel sits at least the padding away from the image's edge."""
    import io

    from PIL import Image

    bars = pd.DataFrame({"customers": [5, 3]}, index=pd.Index(["a", "b"]))
    drawn = charts.value_bars(bars.rename_axis("k"), "k", "customers", "A title", "sub")
    image = np.asarray(Image.open(io.BytesIO(charts.png(drawn, scale=1))).convert("L"))
    dark_rows = np.flatnonzero((image < 128).any(axis=1))
    dark_cols = np.flatnonzero((image < 128).any(axis=0))
    assert dark_rows[0] >= charts.PNG_PADDING and dark_cols[0] >= charts.PNG_PADDING


def test_a_horizon_of_one_month_is_said_in_the_singular():
    assert present.months(1) == "1 month" and present.months(12) == "12 months"


def test_a_table_can_show_money_in_whole_amounts():
    """The Segments page's average CLV per segment and stage: money, 0 decimals (a phone's
    narrow column cut "€506.52" to "506.52"); the registry's money keeps its 2 elsewhere."""
    frame = pd.DataFrame({"Loyal": [506.52], "clv": [12.5]})
    shown = present.readable(frame, kinds={"Loyal": "money"}, decimals={"Loyal": 0})
    assert (shown.columns["Loyal"].kind, shown.columns["Loyal"].decimals) == ("money", 0)
    assert present.money_printf("EUR", shown.columns["Loyal"].decimals) == "€%,.0f"
    assert shown.columns["Predicted CLV"].decimals == 2


def test_the_pages_heatmap_carries_a_number_in_every_cell(demo_base):
    """36 monthly cohorts by 36 months cannot hold readable numbers; the page draws the 26
    most recent cohorts over months 0-12, and then every cell has its label."""
    table = cohorts.cohort_table(demo_base, "month", "retention")
    drawn = cohorts.first_periods(cohorts.last_cohorts(table, 26), 13)
    assert drawn.values.shape == (26, 13)
    spec = charts.spec(cohort_view.cohort_heatmap(drawn, "t", "s"))
    texts = [layer for layer in layers(spec) if layer["mark"].get("type") == "text"]
    assert texts and texts[0]["mark"]["fontSize"] >= 9
    assert not layers(charts.spec(cohort_view.cohort_heatmap(table, "t", "s")))[1:]  # too big


def _svg_text(drawn: dict, width: int) -> str:
    """The words Vega draws for a spec whose plot is ``width`` px wide (no fitting)."""
    import re

    import vl_convert

    svg = vl_convert.vegalite_to_svg({**drawn, "width": width, "autosize": "pad"})
    return " | ".join(re.findall(r">([^<>]+)</(?:text|tspan)>", svg))


def test_titles_and_bar_labels_wrap_and_shorten_on_a_phone_but_not_on_a_slide():
    sizes = pd.DataFrame(
        {"customers": [363, 568], "share_customers": [0.11, 0.17], "share_revenue": [0.28, 0.31]},
        index=pd.Index(["Champions", "Regulars"], name="segment"),
    )
    subtitle = "shop.csv (03 Nov 2022 – 31 Oct 2025) · Reference date 31 Oct 2025 · window 180 days"
    drawn = charts.responsive(
        charts.spec(charts.segment_bars(sizes, "Customers and revenue per RFM segment", subtitle))
    )
    phone, slide = _svg_text(drawn, 230), _svg_text(drawn, 580)
    # On a phone: the title in lines of at most 24 letters, the subtitle cut at its " · ",
    # each bar with its short label (customers and share of revenue only).
    assert "Customers and revenue | per RFM segment" in phone
    assert "shop.csv (03 Nov 2022 – 31 Oct 2025) | Reference date 31 Oct 2025" in phone
    assert "363 · 28% of revenue" in phone and "of customers" not in phone
    # On a slide: the title, subtitle and labels as written.
    assert "Customers and revenue per RFM segment" in slide
    assert subtitle in slide
    assert "363 · 11% of customers · 28% of revenue" in slide
    # The PNG (and so the PDF) is drawn from the chart itself: the wide lines.
    assert charts.spec(charts.segment_bars(sizes, "T", subtitle))["title"]["text"] == "T"


def test_a_long_word_is_never_cut_and_no_word_is_lost():
    lines = charts._words(["Incremental revenue (difference x treatment) · 90 days"], 24)
    assert lines == ["Incremental revenue", "(difference x treatment)", "90 days"]  # 24 letters
    assert charts._words(["Supercalifragilisticexpialidocious!"], 10) == [
        "Supercalifragilisticexpialidocious!"
    ]


def test_the_value_pages_charts_are_valid_vega_lite():
    """Altair's check as each part is made is off (charts.py, for speed): the whole spec is
    validated here, and a broken one raises."""
    stages = pd.DataFrame({"clv": [120.0, 80.0, 40.0]}, index=pd.Index(["New", "Active", "Loyal"]))
    top = pd.DataFrame({"customer": ["a", "b"], "clv": [9.0, 5.0], "low": [4.0, 1.0]})
    top = top.assign(high=[12.0, 8.0], note=["", "one order"])
    grid = pd.DataFrame({"days": ["0-10", "10-20"], "repeat": [0, 1], "p": [0.9, 0.4]})
    grid = grid.assign(customers=[30, 12])
    built = [
        charts.value_bars(stages.rename_axis("stage"), "stage", "clv", "t", "s", currency="GBP"),
        charts.range_points(top, "customer", "clv", "low", "high", "x", "t", "s", note="note"),
        charts.histogram(pd.Series([10.0, 50.0, 90.0]), "P(alive), %", "t", "s"),
        charts.mean_heatmap(grid, "days", "repeat", "p", "t", "s", "x", "y"),
    ]
    for chart in built:
        assert chart.to_dict(validate=True)["title"]["text"] == "t"
    with pytest.raises(Exception, match="valid"):
        alt.Chart(top).mark_bar().encode(x=alt.X("clv:Q", bin="often")).to_dict(validate=True)


def test_ltv_bars_legend_names_only_the_kinds_shown_and_predicted_bars_stay_pale():
    """All bars predicted: the legend has one swatch, "predicted", no "realized", and the
    bars are still drawn pale (the accent blended with white at opacity 0.45)."""
    frame = pd.DataFrame(
        {"name": ["a", "b"], "ratio": [1.2, 2.0], "low": [1.0, 1.5], "high": [1.4, 2.5]}
    )
    accent = np.array([int(charts.ACCENT[i : i + 2], 16) for i in (1, 3, 5)])
    pale = np.round(255 - 0.45 * (255 - accent))
    for kinds, legend, full in [
        (["predicted"] * 2, ["predicted"], False),
        (["realized", "predicted"], ["realized", "predicted"], True),
    ]:
        chart = payback_view.ltv_bars(frame.assign(kind=kinds), "LTV:CAC", "by channel")
        opacity = chart.to_dict()["layer"][0]["encoding"]["opacity"]
        assert opacity["legend"]["values"] == legend
        drawn = Image.open(io.BytesIO(charts.png(chart, scale=1))).convert("RGB")
        pixels = np.asarray(drawn).reshape(-1, 3).astype(int)
        assert (np.abs(pixels - pale).max(axis=1) <= 3).sum() > 100  # bar "b", predicted
        # bar "a" in full colour only where it is realized (a legend swatch is a few pixels)
        assert ((np.abs(pixels - accent).max(axis=1) <= 3).sum() > 100) == full


def test_a_long_title_fills_a_half_width_chart_in_a_few_lines():
    """A 97-letter title (about 960 px at 18 px) on a 700 px chart: wrapped at the 600 px
    tier (60 letters a line), two lines, not the phone's five lines of 24 letters."""
    title = (
        "Revenue kept vs the first period (net revenue retention): chosen cohorts and the "
        "weighted average"
    )
    frame = pd.DataFrame({"k": [0, 1], "v": [1.0, 0.8]})
    chart = charts.finish(alt.Chart(frame).mark_line().encode(x="k:Q", y="v:Q"), title, "s")
    drawn = charts.responsive(charts.spec(chart))
    two = "Revenue kept vs the first period (net revenue retention): | chosen cohorts and the "
    assert f"| {two}weighted average | s" in _svg_text(drawn, 700)
    assert f"| {title} | s" in _svg_text(drawn, 1000)  # wide enough: one line
    assert "| Revenue kept vs the | first period (net |" in _svg_text(drawn, 230)


def test_a_png_wraps_a_title_longer_than_the_chart():
    """The downloaded PNG (and the PDF's charts) is 720 px wide: a 97-letter title (about
    960 px) is wrapped to fit it, never cut at the edge."""
    title = (
        "Revenue kept vs the first period (net revenue retention): chosen cohorts and the "
        "weighted average"
    )
    frame = pd.DataFrame({"k": [0, 1], "v": [1.0, 0.8]})
    chart = charts.finish(alt.Chart(frame).mark_line().encode(x="k:Q", y="v:Q"), title, "s")
    drawn = Image.open(io.BytesIO(charts.png(chart, scale=1)))
    assert drawn.width <= charts.WIDTH + 2 * charts.PNG_PADDING + 60  # the plot's own width
    pixels = np.asarray(drawn.convert("L"))
    dark = np.flatnonzero((pixels < 128).any(axis=0))
    assert dark.max() < drawn.width - charts.PNG_PADDING / 2  # nothing drawn into the margin


def test_segment_map_never_reads_0_percent_for_a_segment_with_revenue():
    """First-timers with 0.3% of revenue read "<1% of revenue"; a segment with none, 0%."""
    grid = pd.DataFrame(
        {
            "segment": ["Champions", "First-timers", "Lost"],
            "R": [5, 5, 1],
            "FM": [5, 1, 1],
            "customers": [10, 40, 5],
            "share_customers": [10 / 55, 40 / 55, 5 / 55],
            "share_revenue": [0.997, 0.003, 0.0],
        }
    )
    text = json.dumps(
        charts.spec(charts.segment_map(grid, "RFM segment map", "s")), ensure_ascii=False
    )
    assert "40 · <1% of revenue" in text and "10 · 100% of revenue" in text
    assert "5 · 0% of revenue" in text
    # The bars under the map say the same of the same segment (they said "0%").
    sizes = grid.set_index("segment")[["customers", "share_customers", "share_revenue"]]
    bars = json.dumps(charts.spec(charts.segment_bars(sizes, "T", "s")), ensure_ascii=False)
    assert "40 · 73% of customers · <1% of revenue" in bars and "0% of revenue" in bars
    assert "40 · 0% of revenue" not in bars


def test_a_title_cut_into_lines_is_whole_in_a_picture():
    """A title too long for the chart's plot is written out as the lines that fit it in a PNG
    (and so in the PDF): nothing is drawn in the picture's top padding. Given as the page's
    width-dependent expression, Vega laid it out as one line and cut the first off the top."""
    frame = pd.DataFrame({"x": list("abc"), "y": [1, 2, 3]})
    long = "Share of customers who made a 2nd purchase, by days since their 1st"
    chart = charts.finish(alt.Chart(frame).mark_bar().encode(x="x:N", y="y:Q"), long, "sub")
    drawn = charts.written_out(charts.spec(chart))
    assert drawn["title"]["text"] == [long.removesuffix(" 1st"), "1st"]
    assert drawn["title"]["subtitle"] == ["sub"]  # short: as it was
    image = np.asarray(Image.open(io.BytesIO(charts.png(chart, scale=1))).convert("L"))
    assert image[: charts.PNG_PADDING - 2].min() == 255


def test_the_backtests_charts_name_their_values():
    """Found in a marketer's walk: the holdout charts had numbers on the y axis and no name
    (revenue in which currency? orders per what?)."""
    deciles = pd.DataFrame({"predicted": [120.0, 80.0], "actual": [100.0, 90.0]})
    deciles.index = pd.Index([1, 2], name="decile")
    made = charts.predicted_vs_actual(
        deciles, "decile", "Decile", "Holdout revenue (EUR)", "Holdout revenue", "s"
    )
    assert charts.spec(made)["encoding"]["y"]["title"] == "Holdout revenue (EUR)"

"""The PDF page layer of the management report (fpdf2): headings, text, charts, tiles.

Imported only when a report is built (see :mod:`analytics.report`).
"""

from __future__ import annotations

import io

import altair as alt
from fpdf import FPDF

from analytics.charts import png

PAGE_WIDTH = 190  # mm inside the margins of an A4 portrait page
_PLAIN = str.maketrans({"–": "-", "—": "-", "…": "...", "’": "'", "“": '"', "”": '"', "→": "->"})


def _text(value: str) -> str:
    """PDF core fonts are Latin-1: common typography mapped, anything else replaced."""
    return value.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


class Pdf(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.report_title = title
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(10, 12, 10)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.set_text_color(120)
        self.cell(0, 6, _text(self.report_title), align="L")
        self.set_x(10)
        self.cell(0, 6, f"Page {self.page_no()} of {{nb}}", align="R")

    def heading(self, text: str) -> None:
        self.set_font("helvetica", "B", 15)
        self.set_text_color(20)
        self.cell(0, 10, _text(text), new_x="LMARGIN", new_y="NEXT")

    def line_of_text(self, text: str, size: float = 10, style: str = "") -> None:
        self.set_font("helvetica", style, size)
        self.set_text_color(40)
        self.multi_cell(0, size * 0.5, _text(text), new_x="LMARGIN", new_y="NEXT")

    def chart(self, chart: alt.Chart) -> None:
        image = png(chart)
        self.image(io.BytesIO(image), w=PAGE_WIDTH)
        self.ln(3)


def tiles(pdf: Pdf, figures: dict[str, tuple[str, str]]) -> None:
    """Figures as tiles, three a row: label, value, and a small line naming its base."""
    width = PAGE_WIDTH / 3
    top = pdf.get_y()
    for i, (label, (value, note)) in enumerate(figures.items()):
        x, y = 10 + (i % 3) * width, top + (i // 3) * 23  # three tiles a row
        pdf.set_xy(x, y)
        pdf.set_fill_color(238, 243, 250)
        pdf.rect(x + 1, y, width - 2, 20, style="F")
        pdf.set_xy(x + 3, y + 2)
        pdf.set_font("helvetica", size=9)
        pdf.set_text_color(90)
        pdf.cell(width - 6, 5, _text(label))
        pdf.set_xy(x + 3, y + 8)
        pdf.set_font("helvetica", "B", 16)
        pdf.set_text_color(20)
        pdf.cell(width - 6, 7, _text(value))
        pdf.set_xy(x + 3, y + 15)
        pdf.set_font("helvetica", size=7)
        pdf.set_text_color(90)
        pdf.cell(width - 6, 4, _text(note))
    pdf.set_y(top + 23 * -(-len(figures) // 3))
    pdf.ln(2)

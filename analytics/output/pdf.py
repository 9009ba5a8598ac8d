"""The PDF page layer of the management report (fpdf2): headings, text, charts, figures.

Content flows: a heading or a chart that does not fit in what is left of a page starts the
next one, so no page is left half empty by a fixed layout. Imported only when a report is
built (see :mod:`analytics.output.report`).
"""

from __future__ import annotations

import io
import struct

import altair as alt
from fpdf import FPDF

from analytics.output.charts import png

PAGE_WIDTH = 190  # mm inside the margins of an A4 portrait page
CHART_SCALE = 1.6  # a 720 px chart at 1.6x is 1,150 px over 190 mm: about 150 dpi
_PLAIN = str.maketrans({"→": "->", "≥": ">=", "≤": "<=", "×": "x", "⌊": "", "⌋": ""})


def _text(value: str) -> str:
    """PDF core fonts speak Windows-1252 (€, dashes and quotes included): anything else is
    mapped to plain characters or replaced."""
    return value.translate(_PLAIN).encode("cp1252", "replace").decode("cp1252")


def _png_size(image: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", image[16:24])  # the PNG header's IHDR chunk
    return width, height


def table_height(frame, size: float = 9) -> float:
    """Millimetres :meth:`Pdf.data_table` keeps for ``frame`` (its header and rows, each
    line of cell text allowed two lines), so a heading above it can keep it too."""
    return size * 0.6 * 2 * (len(frame) + 1) + 4


class Pdf(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.core_fonts_encoding = "windows-1252"  # the euro sign, dashes, quotes
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

    def room(self) -> float:
        """Millimetres left on the current page above the bottom margin."""
        return self.h - self.b_margin - self.get_y()

    def keep(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit on this one."""
        if self.room() < height:
            self.add_page()

    def heading(self, text: str, keep: float = 60) -> None:
        """A section heading, never alone at the foot of a page (``keep`` mm must follow)."""
        self.keep(12 + keep)
        self.ln(2)
        self.set_font("helvetica", "B", 15)
        self.set_text_color(20)
        self.cell(0, 10, _text(text), new_x="LMARGIN", new_y="NEXT")

    def line_of_text(self, text: str, size: float = 10, style: str = "") -> None:
        self.set_font("helvetica", style, size)
        self.set_text_color(40)
        self.multi_cell(0, size * 0.5, _text(text), align="L", new_x="LMARGIN", new_y="NEXT")

    def columns_of_text(self, paragraphs: list[tuple[str, str]], size: float = 8.5) -> None:
        """Paragraphs ((style, text): "B" for a bold lead) in two balanced columns that
        flow onto the next page: reference text takes half the height."""
        self.set_text_color(40)
        with self.text_columns(ncols=2, gutter=6, text_align="LEFT", balance=True) as cols:
            for style, text in paragraphs:
                self.set_font("helvetica", style, size)
                cols.write(text=_text(text))
                cols.ln()
        self.ln(2)

    def section(
        self, title: str, chart: alt.Chart, sentence: str = "", shrink: float = 0.7
    ) -> None:
        """A heading, an optional sentence and a chart, on a new page unless all fit here
        (the chart down to ``shrink`` of its width): a heading never stands above a
        half-empty page with its chart on the next."""
        image = png(chart, scale=CHART_SCALE)
        pixels_wide, pixels_high = _png_size(image)
        height = PAGE_WIDTH * pixels_high / pixels_wide
        self.keep(12 + (15 if sentence else 0) + height * shrink + 3)
        self.heading(title, keep=0)
        if sentence:
            self.line_of_text(sentence, size=10)
        self.chart(chart, image=image, shrink=shrink)

    def chart(
        self,
        chart: alt.Chart,
        width: float = PAGE_WIDTH,
        shrink: float = 1.0,
        image: bytes | None = None,
    ) -> None:
        """A chart at the page's width, on this page if it fits, else on the next one. With
        ``shrink`` below 1, a chart that misses this page by a little is drawn smaller (down
        to that share of its width) to stay on it. ``image``: its PNG, when already made."""
        image = image if image is not None else png(chart, scale=CHART_SCALE)
        pixels_wide, pixels_high = _png_size(image)
        height = width * pixels_high / pixels_wide
        full = self.h - self.t_margin - self.b_margin - 4
        if height > full:  # taller than a page: shrink to fit one
            width, height = width * full / height, full
        room = self.room() - 3
        if height > room >= height * shrink:
            width, height = width * room / height, room
        self.keep(height + 3)
        self.image(io.BytesIO(image), x=self.l_margin, w=width, h=height)
        self.ln(3)

    def data_table(self, frame, size: float = 9) -> None:
        """A small table with its header (index as the first column), kept on one page."""
        rows = [[str(frame.index.name or ""), *map(str, frame.columns)]]
        rows += [
            [str(i), *("" if v is None else str(v) for v in row)] for i, row in frame.iterrows()
        ]
        self.keep(table_height(frame, size))
        self.set_font("helvetica", size=size)
        self.set_text_color(40)
        first = PAGE_WIDTH * 0.32
        rest = (PAGE_WIDTH - first) / max(len(rows[0]) - 1, 1)
        with self.table(
            col_widths=(first, *[rest] * (len(rows[0]) - 1)),
            text_align="LEFT",
            line_height=size * 0.55,
            first_row_as_headings=True,
        ) as table:
            for row in rows:
                cells = table.row()
                for value in row:
                    cells.cell(_text(value))
        self.ln(2)

    def figure(self, value: str, label: str, sentence: str) -> None:
        """One summary figure: the number large on the left, its label and one plain
        sentence beside it."""
        self.set_font("helvetica", size=9)
        lines = self.multi_cell(PAGE_WIDTH - 61, 4.2, _text(sentence), dry_run=True, output="LINES")
        box = max(18.0, 5.5 + 4.2 * len(lines) + 3)
        self.keep(box + 2)
        top = self.get_y()
        self.set_fill_color(238, 243, 250)
        self.rect(self.l_margin, top, PAGE_WIDTH, box, style="F")
        self.set_xy(self.l_margin + 3, top + 3)
        size = 18
        self.set_font("helvetica", "B", size)
        while size > 10 and self.get_string_width(_text(value)) > 52:  # long figures shrink
            size -= 1
            self.set_font("helvetica", "B", size)
        self.set_text_color(20)
        self.cell(52, 12, _text(value))
        self.set_xy(self.l_margin + 58, top + 2.5)
        self.set_font("helvetica", "B", 10)
        self.set_text_color(30)
        self.cell(PAGE_WIDTH - 60, 5, _text(label), new_x="LEFT", new_y="NEXT")
        self.set_font("helvetica", size=9)
        self.set_text_color(60)
        self.multi_cell(
            PAGE_WIDTH - 61, 4.2, _text(sentence), align="L", new_x="LMARGIN", new_y="NEXT"
        )
        self.set_y(top + box + 2)

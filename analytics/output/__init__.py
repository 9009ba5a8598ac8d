"""What people read: words, numbers, charts and files.

In: the tables of insights and value, and the analyst's settings.
Out: formatted tables (present.py), Altair charts (charts.py), the PDF report (report.py
gathers, pdf.py lays out) and campaign files (export.py).

Start with present.py (the one formatting layer).
"""

__all__ = ["present", "charts", "pdf", "report", "export"]

"""Chart helpers: subtitles that fit a slide."""

from analytics.charts import SUBTITLE_CHARACTERS, wrap


def test_long_chart_subtitles_wrap_at_the_separators():
    parts = ["shop.csv (01 Jan 2024 – 31 Dec 2024)", "reference date 31 Dec 2024"] * 4
    lines = wrap(" · ".join(parts))
    assert len(lines) > 1 and all(len(line) <= SUBTITLE_CHARACTERS for line in lines)
    assert " · ".join(lines) == " · ".join(parts)  # nothing lost, nothing reordered
    assert wrap("short") == ["short"]

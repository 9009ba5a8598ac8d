"""Campaign results: a list exported with a control group, measured on the current orders."""

import pandas as pd
import streamlit as st

from analytics import LensError
from analytics.ingest.readers import read_table
from analytics.insights import campaign
from analytics.output import charts, present
from ui import controls, session, show

dataset = session.current_dataset()
st.title("Campaign results")
controls.settings_line()
if not controls.presenting():  # an instruction, not a result
    st.caption(
        "Export any customer list with a control group (Lifecycle, Value or Segments page), "
        "send the campaign to the treatment rows only, and once newer orders are loaded here, "
        "upload the list back: the two groups' orders after the list date show whether it "
        "worked."
    )
with st.expander("How to read this"):
    st.markdown(
        "The **control group** is a random part of the list that you did not contact. Both "
        "groups were drawn alike (same stages and RFM segments), so what the control group did "
        "is what the treatment group would have done without the campaign. The difference is "
        "the campaign's effect, plus chance. The **95% interval** is the range of effects that "
        "fit the data: when it does not include zero, chance alone does not explain the "
        "difference. **Incremental revenue (all contacted)** = the difference in revenue per "
        "customer × the customers of the treatment group (those you contacted)."
    )


def measure(dataset: session.Dataset):
    """The uploaded list measured on the current orders (None, with a message, otherwise)."""
    listed = st.file_uploader("Campaign list (CSV or Excel)", type=["csv", "xlsx"], key="lift_file")
    if listed is None:
        st.info("Upload a campaign list exported with a control group to see its results.")
        return None
    try:
        frame = read_table(listed.getvalue(), listed.name).frame
        _, list_date = campaign.read_list(frame)
    except LensError as exc:
        st.error(str(exc), icon=":material/error:")
        return None
    end = dataset.base.data_end.date()
    c1, c2 = st.columns(2)
    first = min((list_date + pd.Timedelta(days=1)).date(), end)
    # The dates belong to the list's date: another list starts from its own next day, and no
    # day before it can be picked (orders before the list cannot answer the campaign).
    dated = f"{list_date:%Y%m%d}"
    since = controls.date_input(
        c1, "Count orders from", value=first, min_value=first, key=f"lift_since_{dated}"
    )
    until = controls.date_input(c2, "Up to", value=end, max_value=end, key=f"lift_until_{dated}")
    try:
        result = campaign.lift(frame, dataset.base, since, until, listed.name)
    except LensError as exc:
        st.error(str(exc), icon=":material/error:")
        return None
    session.open_campaign(dataset, result)  # the sidebar's PDF report gains a page of it
    return result


if controls.presenting():  # no uploader: the result open before stays on screen
    result = session.open_campaigns().get(dataset.source.key)
    if result is None:
        st.info("No campaign result is open.")
else:
    result = measure(dataset)
if result is None:
    st.stop()

st.markdown(f"**{result.sentence()}**")
for warning in result.warnings:
    st.warning(warning, icon=":material/warning:")
subtitle = (
    f"{result.name} · orders {result.since:%d %b %Y} – {result.until:%d %b %Y} in {dataset.label}"
)
show.chart(
    charts.lift_lines(result.daily, "Who ordered after the list date, by group", subtitle),
    "campaign_1",
)
show.table(present.campaign_table(result, session.currency(dataset)))
if not controls.presenting():
    st.caption("The sidebar's PDF report now includes these results as a page.")
